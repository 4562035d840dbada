//! Instruction decoding: raw bits to [`Op`].
//!
//! 32-bit instructions are decoded by opcode/funct fields as laid out in the
//! unprivileged ISA's opcode map; compressed instructions are first expanded
//! to their 32-bit equivalents ([`compressed::expand`]), so every instruction
//! has exactly one decoding path.

pub mod compressed;
mod op;

pub use op::{Kind, Op};

#[cfg(test)]
mod tests;

#[inline]
fn rd(i: u32) -> u8 {
    ((i >> 7) & 31) as u8
}
#[inline]
fn rs1(i: u32) -> u8 {
    ((i >> 15) & 31) as u8
}
#[inline]
fn rs2(i: u32) -> u8 {
    ((i >> 20) & 31) as u8
}
#[inline]
fn funct3(i: u32) -> u32 {
    (i >> 12) & 7
}
#[inline]
fn funct7(i: u32) -> u32 {
    i >> 25
}
fn imm_i(i: u32) -> i32 {
    (i as i32) >> 20
}
fn imm_s(i: u32) -> i32 {
    (((i as i32) >> 25) << 5) | ((i >> 7) & 31) as i32
}
fn imm_b(i: u32) -> i32 {
    (((i as i32) >> 31) << 12)
        | (((i >> 7) & 1) << 11) as i32
        | (((i >> 25) & 0x3f) << 5) as i32
        | (((i >> 8) & 0xf) << 1) as i32
}
fn imm_u(i: u32) -> i32 {
    (i & 0xffff_f000) as i32
}
fn imm_j(i: u32) -> i32 {
    (((i as i32) >> 31) << 20)
        | (i & 0xff000) as i32
        | (((i >> 20) & 1) << 11) as i32
        | (((i >> 21) & 0x3ff) << 1) as i32
}

/// Length in bytes of the instruction whose low halfword is `lo`.
#[inline]
pub fn insn_len(lo: u16) -> u8 {
    if lo & 3 == 3 {
        4
    } else {
        2
    }
}

/// Decodes one instruction. `raw` holds 32 bits, or a compressed instruction
/// in its low 16 bits (`raw & 3 != 3`).
pub fn decode(raw: u32) -> Op {
    if raw & 3 != 3 {
        let half = raw & 0xffff;
        return match compressed::expand(half as u16) {
            Some(full) => Op {
                len: 2,
                raw: half,
                ..decode32(full)
            },
            None => Op::illegal(half, 2),
        };
    }
    decode32(raw)
}

fn op(kind: Kind, i: u32, imm: i32) -> Op {
    Op {
        kind,
        rd: rd(i),
        rs1: rs1(i),
        rs2: rs2(i),
        rs3: (i >> 27) as u8,
        rm: funct3(i) as u8,
        len: 4,
        _pad: 0,
        imm,
        raw: i,
    }
}

fn decode32(i: u32) -> Op {
    use Kind::*;
    let f3 = funct3(i);
    let f7 = funct7(i);
    let kind = match i & 0x7f {
        0x37 => return op(Lui, i, imm_u(i)),
        0x17 => return op(Auipc, i, imm_u(i)),
        0x6f => return op(Jal, i, imm_j(i)),
        0x67 if f3 == 0 => return op(Jalr, i, imm_i(i)),
        0x63 => {
            let k = match f3 {
                0 => Beq,
                1 => Bne,
                4 => Blt,
                5 => Bge,
                6 => Bltu,
                7 => Bgeu,
                _ => Illegal,
            };
            return op(k, i, imm_b(i));
        }
        0x03 => {
            let k = match f3 {
                0 => Lb,
                1 => Lh,
                2 => Lw,
                3 => Ld,
                4 => Lbu,
                5 => Lhu,
                6 => Lwu,
                _ => Illegal,
            };
            return op(k, i, imm_i(i));
        }
        0x23 => {
            let k = match f3 {
                0 => Sb,
                1 => Sh,
                2 => Sw,
                3 => Sd,
                _ => Illegal,
            };
            return op(k, i, imm_s(i));
        }
        0x13 => return decode_op_imm(i),
        0x1b => return decode_op_imm32(i),
        0x33 => decode_op(f3, f7, rs2(i)),
        0x3b => decode_op32(f3, f7, rs2(i)),
        0x0f => match f3 {
            // fence (any pred/succ/fm; fm values other than 0 and TSO are
            // reserved but must execute as a plain fence). imm keeps
            // fm/pred/succ (bits 31:20), which say what the host must order.
            0 => return op(Fence, i, (i >> 20) as i32),
            1 => FenceI,
            _ => Illegal,
        },
        0x73 => return decode_system(i),
        0x2f => decode_amo(f3, i >> 27),
        0x07 => match f3 {
            2 => return op(Flw, i, imm_i(i)),
            3 => return op(Fld, i, imm_i(i)),
            _ => Illegal,
        },
        0x27 => match f3 {
            2 => return op(Fsw, i, imm_s(i)),
            3 => return op(Fsd, i, imm_s(i)),
            _ => Illegal,
        },
        0x43 | 0x47 | 0x4b | 0x4f => decode_fma(i),
        0x53 => decode_fp(i),
        _ => Illegal,
    };
    if kind == Illegal {
        return Op::illegal(i, 4);
    }
    op(kind, i, 0)
}

fn decode_op_imm(i: u32) -> Op {
    use Kind::*;
    let imm = imm_i(i);
    let shamt = (i >> 20) & 0x3f;
    let top6 = i >> 26;
    let kind = match funct3(i) {
        0 => Addi,
        2 => Slti,
        3 => Sltiu,
        4 => Xori,
        6 => Ori,
        7 => Andi,
        1 => match (top6, shamt) {
            (0x00, _) => Slli,
            (0x12, _) => Bclri,
            (0x1a, _) => Binvi,
            (0x0a, _) => Bseti,
            (0x18, _) => match (i >> 20) & 0x3f {
                0 => Clz,
                1 => Ctz,
                2 => Cpop,
                4 => SextB,
                5 => SextH,
                _ => Illegal,
            },
            _ => Illegal,
        },
        _ => match top6 {
            0x00 => Srli,
            0x10 => Srai,
            0x12 => Bexti,
            0x18 => Rori,
            0x0a if (i >> 20) & 0x3f == 0x07 => OrcB,
            0x1a if (i >> 20) & 0x3f == 0x38 => Rev8,
            _ => Illegal,
        },
    };
    if kind == Illegal {
        return Op::illegal(i, 4);
    }
    let imm = match kind {
        Slli | Srli | Srai | Bclri | Binvi | Bseti | Bexti | Rori => shamt as i32,
        _ => imm,
    };
    op(kind, i, imm)
}

fn decode_op_imm32(i: u32) -> Op {
    use Kind::*;
    let shamt = ((i >> 20) & 0x1f) as i32;
    let f7 = funct7(i);
    let kind = match (funct3(i), f7) {
        (0, _) => return op(Addiw, i, imm_i(i)),
        (1, 0x00) => Slliw,
        (1, 0x04) | (1, 0x05) => return op(SlliUw, i, ((i >> 20) & 0x3f) as i32),
        (1, 0x30) => match rs2(i) {
            0 => Clzw,
            1 => Ctzw,
            2 => Cpopw,
            _ => Illegal,
        },
        (5, 0x00) => Srliw,
        (5, 0x20) => Sraiw,
        (5, 0x30) => Roriw,
        _ => Illegal,
    };
    if kind == Illegal {
        return Op::illegal(i, 4);
    }
    op(kind, i, shamt)
}

fn decode_op(f3: u32, f7: u32, rs2: u8) -> Kind {
    use Kind::*;
    match (f7, f3) {
        (0x00, 0) => Add,
        (0x20, 0) => Sub,
        (0x00, 1) => Sll,
        (0x00, 2) => Slt,
        (0x00, 3) => Sltu,
        (0x00, 4) => Xor,
        (0x00, 5) => Srl,
        (0x20, 5) => Sra,
        (0x00, 6) => Or,
        (0x00, 7) => And,
        (0x01, 0) => Mul,
        (0x01, 1) => Mulh,
        (0x01, 2) => Mulhsu,
        (0x01, 3) => Mulhu,
        (0x01, 4) => Div,
        (0x01, 5) => Divu,
        (0x01, 6) => Rem,
        (0x01, 7) => Remu,
        (0x10, 2) => Sh1add,
        (0x10, 4) => Sh2add,
        (0x10, 6) => Sh3add,
        (0x20, 7) => Andn,
        (0x20, 6) => Orn,
        (0x20, 4) => Xnor,
        (0x05, 6) => Max,
        (0x05, 7) => Maxu,
        (0x05, 4) => Min,
        (0x05, 5) => Minu,
        (0x30, 1) => Rol,
        (0x30, 5) => Ror,
        (0x24, 1) => Bclr,
        (0x24, 5) => Bext,
        (0x34, 1) => Binv,
        (0x14, 1) => Bset,
        (0x07, 5) => CzeroEqz,
        (0x07, 7) => CzeroNez,
        _ => {
            let _ = rs2;
            Illegal
        }
    }
}

fn decode_op32(f3: u32, f7: u32, rs2: u8) -> Kind {
    use Kind::*;
    match (f7, f3) {
        (0x00, 0) => Addw,
        (0x20, 0) => Subw,
        (0x00, 1) => Sllw,
        (0x00, 5) => Srlw,
        (0x20, 5) => Sraw,
        (0x01, 0) => Mulw,
        (0x01, 4) => Divw,
        (0x01, 5) => Divuw,
        (0x01, 6) => Remw,
        (0x01, 7) => Remuw,
        (0x04, 0) => AddUw,
        (0x10, 2) => Sh1addUw,
        (0x10, 4) => Sh2addUw,
        (0x10, 6) => Sh3addUw,
        // zext.h is the rs2 = 0 encoding of the RV32 `pack`.
        (0x04, 4) if rs2 == 0 => ZextH,
        (0x30, 1) => Rolw,
        (0x30, 5) => Rorw,
        _ => Illegal,
    }
}

fn decode_system(i: u32) -> Op {
    use Kind::*;
    let f3 = funct3(i);
    let csr = (i >> 20) as i32;
    let kind = match f3 {
        1 => Csrrw,
        2 => Csrrs,
        3 => Csrrc,
        5 => Csrrwi,
        6 => Csrrsi,
        7 => Csrrci,
        0 if rd(i) == 0 => match (i >> 20, rs1(i)) {
            (0x000, 0) => Ecall,
            (0x001, 0) => Ebreak,
            (0x102, 0) => Sret,
            (0x302, 0) => Mret,
            (0x105, 0) => Wfi,
            (f, _) if f >> 5 == 0x09 => SfenceVma,
            _ => Illegal,
        },
        _ => Illegal,
    };
    if kind == Illegal {
        return Op::illegal(i, 4);
    }
    op(kind, i, csr & 0xfff)
}

fn decode_amo(f3: u32, f5: u32) -> Kind {
    use Kind::*;
    let word = match f3 {
        2 => true,
        3 => false,
        _ => return Illegal,
    };
    let (w, d) = match f5 {
        0x02 => (LrW, LrD),
        0x03 => (ScW, ScD),
        0x01 => (AmoSwapW, AmoSwapD),
        0x00 => (AmoAddW, AmoAddD),
        0x04 => (AmoXorW, AmoXorD),
        0x0c => (AmoAndW, AmoAndD),
        0x08 => (AmoOrW, AmoOrD),
        0x10 => (AmoMinW, AmoMinD),
        0x14 => (AmoMaxW, AmoMaxD),
        0x18 => (AmoMinuW, AmoMinuD),
        0x1c => (AmoMaxuW, AmoMaxuD),
        _ => return Illegal,
    };
    if word {
        w
    } else {
        d
    }
}

/// Rounding-mode fields 5 and 6 are reserved: instructions that round and
/// carry them are illegal at decode time (7, dynamic, is checked against
/// `frm` at execution).
fn bad_rm(i: u32) -> bool {
    matches!(funct3(i), 5 | 6)
}

fn decode_fma(i: u32) -> Kind {
    use Kind::*;
    if bad_rm(i) {
        return Illegal;
    }
    let fmt = (i >> 25) & 3;
    match (i & 0x7f, fmt) {
        (0x43, 0) => FmaddS,
        (0x47, 0) => FmsubS,
        (0x4b, 0) => FnmsubS,
        (0x4f, 0) => FnmaddS,
        (0x43, 1) => FmaddD,
        (0x47, 1) => FmsubD,
        (0x4b, 1) => FnmsubD,
        (0x4f, 1) => FnmaddD,
        _ => Illegal,
    }
}

fn decode_fp(i: u32) -> Kind {
    use Kind::*;
    let f7 = funct7(i);
    let f3 = funct3(i);
    let r2 = rs2(i);
    let rounds = matches!(
        f7,
        0x00 | 0x01
            | 0x04
            | 0x05
            | 0x08
            | 0x09
            | 0x0c
            | 0x0d
            | 0x2c
            | 0x2d
            | 0x60
            | 0x61
            | 0x68
            | 0x69
            | 0x20
            | 0x21
    );
    if rounds && bad_rm(i) {
        return Illegal;
    }
    match f7 {
        0x00 => FaddS,
        0x01 => FaddD,
        0x04 => FsubS,
        0x05 => FsubD,
        0x08 => FmulS,
        0x09 => FmulD,
        0x0c => FdivS,
        0x0d => FdivD,
        0x2c if r2 == 0 => FsqrtS,
        0x2d if r2 == 0 => FsqrtD,
        0x10 => [FsgnjS, FsgnjnS, FsgnjxS]
            .get(f3 as usize)
            .copied()
            .unwrap_or(Illegal),
        0x11 => [FsgnjD, FsgnjnD, FsgnjxD]
            .get(f3 as usize)
            .copied()
            .unwrap_or(Illegal),
        0x14 => [FminS, FmaxS].get(f3 as usize).copied().unwrap_or(Illegal),
        0x15 => [FminD, FmaxD].get(f3 as usize).copied().unwrap_or(Illegal),
        0x20 if r2 == 1 => FcvtSD,
        0x21 if r2 == 0 => FcvtDS,
        0x60 => [FcvtWS, FcvtWuS, FcvtLS, FcvtLuS]
            .get(r2 as usize)
            .copied()
            .unwrap_or(Illegal),
        0x61 => [FcvtWD, FcvtWuD, FcvtLD, FcvtLuD]
            .get(r2 as usize)
            .copied()
            .unwrap_or(Illegal),
        0x68 => [FcvtSW, FcvtSWu, FcvtSL, FcvtSLu]
            .get(r2 as usize)
            .copied()
            .unwrap_or(Illegal),
        0x69 => [FcvtDW, FcvtDWu, FcvtDL, FcvtDLu]
            .get(r2 as usize)
            .copied()
            .unwrap_or(Illegal),
        0x70 if r2 == 0 && f3 == 0 => FmvXW,
        0x70 if r2 == 0 && f3 == 1 => FclassS,
        0x71 if r2 == 0 && f3 == 0 => FmvXD,
        0x71 if r2 == 0 && f3 == 1 => FclassD,
        0x50 => [FleS, FltS, FeqS]
            .get(f3 as usize)
            .copied()
            .unwrap_or(Illegal),
        0x51 => [FleD, FltD, FeqD]
            .get(f3 as usize)
            .copied()
            .unwrap_or(Illegal),
        0x78 if r2 == 0 && f3 == 0 => FmvWX,
        0x79 if r2 == 0 && f3 == 0 => FmvDX,
        _ => Illegal,
    }
}
