//! The C extension: expansion of each RV64 compressed instruction to the
//! 32-bit instruction it stands for (unprivileged ISA, "C" chapter,
//! "RVC Instruction Set Listings").

fn bits(x: u16, hi: u32, lo: u32) -> u32 {
    ((x as u32) >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// Bit `from` of `x` placed at bit `to`.
fn bit(x: u16, from: u32, to: u32) -> u32 {
    (((x as u32) >> from) & 1) << to
}

/// Sign-extends the low `width` bits of `v`.
fn sext(v: u32, width: u32) -> i32 {
    ((v << (32 - width)) as i32) >> (32 - width)
}

/// Register x8..x15 from a 3-bit field.
fn creg(x: u16, lo: u32) -> u32 {
    8 + bits(x, lo + 2, lo)
}

fn i_type(opcode: u32, rd: u32, f3: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode
}
fn s_type(opcode: u32, f3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 5) & 0x7f) << 25)
        | (rs2 << 20)
        | (rs1 << 15)
        | (f3 << 12)
        | ((imm & 0x1f) << 7)
        | opcode
}
fn r_type(opcode: u32, rd: u32, f3: u32, rs1: u32, rs2: u32, f7: u32) -> u32 {
    (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode
}
fn b_type(f3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 12) & 1) << 31)
        | (((imm >> 5) & 0x3f) << 25)
        | (rs2 << 20)
        | (rs1 << 15)
        | (f3 << 12)
        | (((imm >> 1) & 0xf) << 8)
        | (((imm >> 11) & 1) << 7)
        | 0x63
}
fn j_type(rd: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 20) & 1) << 31)
        | (((imm >> 1) & 0x3ff) << 21)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 12) & 0xff) << 12)
        | (rd << 7)
        | 0x6f
}

const LOAD: u32 = 0x03;
const LOAD_FP: u32 = 0x07;
const STORE: u32 = 0x23;
const STORE_FP: u32 = 0x27;
const OP_IMM: u32 = 0x13;
const OP_IMM_32: u32 = 0x1b;
const OP: u32 = 0x33;
const OP_32: u32 = 0x3b;

/// The 32-bit equivalent of compressed instruction `c`, or `None` if `c` is
/// reserved or illegal (including the all-zero halfword).
pub fn expand(c: u16) -> Option<u32> {
    let f3 = bits(c, 15, 13);
    match (c & 3, f3) {
        (0, _) => quadrant0(c, f3),
        (1, _) => quadrant1(c, f3),
        (2, _) => quadrant2(c, f3),
        _ => None,
    }
}

// Offset layouts shared by several forms.
/// c.ld / c.fld / c.sd / c.fsd: uimm[5:3] = c[12:10], uimm[7:6] = c[6:5].
fn uimm_d(c: u16) -> i32 {
    ((bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6)) as i32
}
/// c.lw / c.sw: uimm[5:3] = c[12:10], uimm[2] = c[6], uimm[6] = c[5].
fn uimm_w(c: u16) -> i32 {
    ((bits(c, 12, 10) << 3) | bit(c, 6, 2) | bit(c, 5, 6)) as i32
}
/// Six-bit immediate imm[5] = c[12], imm[4:0] = c[6:2], sign-extended.
fn imm6(c: u16) -> i32 {
    sext(bit(c, 12, 5) | bits(c, 6, 2), 6)
}
/// Shift amount shamt[5] = c[12], shamt[4:0] = c[6:2].
fn shamt6(c: u16) -> i32 {
    (bit(c, 12, 5) | bits(c, 6, 2)) as i32
}

fn quadrant0(c: u16, f3: u32) -> Option<u32> {
    let rd = creg(c, 2);
    let rs1 = creg(c, 7);
    Some(match f3 {
        0 => {
            // c.addi4spn: nzuimm[5:4|9:6|2|3] = c[12:5]
            let imm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | bit(c, 6, 2) | bit(c, 5, 3);
            if imm == 0 {
                return None;
            }
            i_type(OP_IMM, rd, 0, 2, imm as i32)
        }
        1 => i_type(LOAD_FP, rd, 3, rs1, uimm_d(c)),
        2 => i_type(LOAD, rd, 2, rs1, uimm_w(c)),
        3 => i_type(LOAD, rd, 3, rs1, uimm_d(c)),
        5 => s_type(STORE_FP, 3, rs1, rd, uimm_d(c)),
        6 => s_type(STORE, 2, rs1, rd, uimm_w(c)),
        7 => s_type(STORE, 3, rs1, rd, uimm_d(c)),
        _ => return None,
    })
}

fn quadrant1(c: u16, f3: u32) -> Option<u32> {
    let rd = bits(c, 11, 7);
    Some(match f3 {
        0 => i_type(OP_IMM, rd, 0, rd, imm6(c)),
        1 => {
            // c.addiw; rd = 0 is reserved.
            if rd == 0 {
                return None;
            }
            i_type(OP_IMM_32, rd, 0, rd, imm6(c))
        }
        2 => i_type(OP_IMM, rd, 0, 0, imm6(c)),
        3 if rd == 2 => {
            // c.addi16sp: nzimm[9] = c[12], nzimm[4|6|8:7|5] = c[6:2]
            let imm =
                bit(c, 12, 9) | bit(c, 6, 4) | bit(c, 5, 6) | (bits(c, 4, 3) << 7) | bit(c, 2, 5);
            if imm == 0 {
                return None;
            }
            i_type(OP_IMM, 2, 0, 2, sext(imm, 10))
        }
        3 => {
            // c.lui: nzimm[17] = c[12], nzimm[16:12] = c[6:2]
            let imm = imm6(c);
            if imm == 0 {
                return None;
            }
            ((imm as u32) << 12) | (rd << 7) | 0x37
        }
        4 => {
            let rd = creg(c, 7);
            let rs2 = creg(c, 2);
            match bits(c, 11, 10) {
                0 => i_type(OP_IMM, rd, 5, rd, shamt6(c)),
                1 => i_type(OP_IMM, rd, 5, rd, shamt6(c) | 0x400),
                2 => i_type(OP_IMM, rd, 7, rd, imm6(c)),
                _ => match (bit(c, 12, 0), bits(c, 6, 5)) {
                    (0, 0) => r_type(OP, rd, 0, rd, rs2, 0x20),
                    (0, 1) => r_type(OP, rd, 4, rd, rs2, 0),
                    (0, 2) => r_type(OP, rd, 6, rd, rs2, 0),
                    (0, 3) => r_type(OP, rd, 7, rd, rs2, 0),
                    (1, 0) => r_type(OP_32, rd, 0, rd, rs2, 0x20),
                    (1, 1) => r_type(OP_32, rd, 0, rd, rs2, 0),
                    _ => return None,
                },
            }
        }
        5 => {
            // c.j: imm[11|4|9:8|10|6|7|3:1|5] = c[12:2]
            let imm = bit(c, 12, 11)
                | bit(c, 11, 4)
                | (bits(c, 10, 9) << 8)
                | bit(c, 8, 10)
                | bit(c, 7, 6)
                | bit(c, 6, 7)
                | (bits(c, 5, 3) << 1)
                | bit(c, 2, 5);
            j_type(0, sext(imm, 12))
        }
        _ => {
            // c.beqz / c.bnez: imm[8|4:3] = c[12:10], imm[7:6|2:1|5] = c[6:2]
            let imm = bit(c, 12, 8)
                | (bits(c, 11, 10) << 3)
                | (bits(c, 6, 5) << 6)
                | (bits(c, 4, 3) << 1)
                | bit(c, 2, 5);
            b_type(f3 - 6, creg(c, 7), 0, sext(imm, 9))
        }
    })
}

fn quadrant2(c: u16, f3: u32) -> Option<u32> {
    let rd = bits(c, 11, 7);
    let rs2 = bits(c, 6, 2);
    // Stack-pointer-relative offsets.
    let lsp_d = ((bit(c, 12, 5) | (bits(c, 6, 5) << 3)) | (bits(c, 4, 2) << 6)) as i32;
    let lsp_w = ((bit(c, 12, 5) | (bits(c, 6, 4) << 2)) | (bits(c, 3, 2) << 6)) as i32;
    let ssp_d = ((bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6)) as i32;
    let ssp_w = ((bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6)) as i32;
    Some(match f3 {
        0 => i_type(OP_IMM, rd, 1, rd, shamt6(c)),
        1 => i_type(LOAD_FP, rd, 3, 2, lsp_d),
        2 if rd != 0 => i_type(LOAD, rd, 2, 2, lsp_w),
        3 if rd != 0 => i_type(LOAD, rd, 3, 2, lsp_d),
        4 => match (bit(c, 12, 0), rd, rs2) {
            (0, 0, 0) => return None,
            (0, _, 0) => i_type(0x67, 0, 0, rd, 0),
            (0, _, _) => r_type(OP, rd, 0, 0, rs2, 0),
            (1, 0, 0) => 0x0010_0073,
            (1, _, 0) => i_type(0x67, 1, 0, rd, 0),
            _ => r_type(OP, rd, 0, rd, rs2, 0),
        },
        5 => s_type(STORE_FP, 3, 2, rs2, ssp_d),
        6 => s_type(STORE, 2, 2, rs2, ssp_w),
        7 => s_type(STORE, 3, 2, rs2, ssp_d),
        _ => return None,
    })
}
