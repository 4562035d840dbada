//! The C extension. objdump prints a compressed instruction as the 32-bit
//! instruction it expands to, run through the same aliases (so `c.addi`
//! shows as `add`, `c.mv` as `mv`, `c.jr ra` as `ret`). HINT encodings that
//! have no sensible expansion keep their `c.` name (`c.nop 1`,
//! `c.li zero,3`, `c.slli64 a0`).

use super::{freg_name as f, target, xreg_name as x};

/// Bits `hi..=lo` of `v`, shifted down.
fn bits(v: u16, hi: u32, lo: u32) -> u32 {
    (u32::from(v) >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// Sign-extends the low `width` bits of `v`.
fn sext(v: u32, width: u32) -> i64 {
    i64::from(((v << (32 - width)) as i32) >> (32 - width))
}

/// The three-bit register fields name x8..x15.
fn creg(field: u32) -> u8 {
    (field + 8) as u8
}

/// Disassembles a 16-bit instruction (`insn & 3 != 3`).
pub(super) fn disassemble(insn: u16, pc: u64) -> String {
    decode(insn, pc).unwrap_or_else(|| format!(".2byte\t{insn:#x}"))
}

fn decode(c: u16, pc: u64) -> Option<String> {
    let funct3 = bits(c, 15, 13);
    match c & 3 {
        0 => quadrant0(c, funct3),
        1 => quadrant1(c, funct3, pc),
        _ => quadrant2(c, funct3),
    }
}

/// Loads and stores with the register-relative offset of c.lw/c.sw.
fn quadrant0(c: u16, funct3: u32) -> Option<String> {
    let rd = creg(bits(c, 4, 2));
    let rs1 = x(creg(bits(c, 9, 7)));
    // Offsets: word accesses scale by 4, doubleword accesses by 8.
    let off_w = bits(c, 12, 10) << 3 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 6;
    let off_d = bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6;
    Some(match funct3 {
        0 if c == 0 => "unimp".to_string(),
        0 => {
            let imm = bits(c, 12, 11) << 4
                | bits(c, 10, 7) << 6
                | bits(c, 6, 6) << 2
                | bits(c, 5, 5) << 3;
            if imm == 0 {
                return None;
            }
            format!("add\t{},sp,{imm}", x(rd))
        }
        1 => format!("fld\t{},{off_d}({rs1})", f(rd)),
        2 => format!("lw\t{},{off_w}({rs1})", x(rd)),
        3 => format!("ld\t{},{off_d}({rs1})", x(rd)),
        5 => format!("fsd\t{},{off_d}({rs1})", f(rd)),
        6 => format!("sw\t{},{off_w}({rs1})", x(rd)),
        7 => format!("sd\t{},{off_d}({rs1})", x(rd)),
        _ => return None,
    })
}

/// Immediate arithmetic, the register-register ALU group and control flow.
fn quadrant1(c: u16, funct3: u32, pc: u64) -> Option<String> {
    let rd = bits(c, 11, 7) as u8;
    let imm6 = sext(bits(c, 12, 12) << 5 | bits(c, 6, 2), 6);
    Some(match funct3 {
        0 if rd == 0 && imm6 == 0 => "nop".to_string(),
        0 if rd == 0 => format!("c.nop\t{imm6}"),
        0 => format!("add\t{0},{0},{imm6}", x(rd)),
        1 if rd == 0 => return None,
        1 if imm6 == 0 => format!("sext.w\t{0},{0}", x(rd)),
        1 => format!("addw\t{0},{0},{imm6}", x(rd)),
        2 if rd == 0 => format!("c.li\tzero,{imm6}"),
        2 => format!("li\t{},{imm6}", x(rd)),
        // c.addi16sp: objdump decodes it even with a zero immediate, which
        // the ISA reserves.
        3 if rd == 2 => {
            let imm = bits(c, 12, 12) << 9
                | bits(c, 6, 6) << 4
                | bits(c, 5, 5) << 6
                | bits(c, 4, 3) << 7
                | bits(c, 2, 2) << 5;
            format!("add\tsp,sp,{}", sext(imm, 10))
        }
        3 if imm6 == 0 => return None,
        3 if rd == 0 => format!("c.lui\tzero,{:#x}", imm6 & 0xfffff),
        3 => format!("lui\t{},{:#x}", x(rd), imm6 & 0xfffff),
        4 => return alu(c, imm6),
        5 => {
            let off = bits(c, 12, 12) << 11
                | bits(c, 11, 11) << 4
                | bits(c, 10, 9) << 8
                | bits(c, 8, 8) << 10
                | bits(c, 7, 7) << 6
                | bits(c, 6, 6) << 7
                | bits(c, 5, 3) << 1
                | bits(c, 2, 2) << 5;
            format!("j\t{}", target(pc, sext(off, 12)))
        }
        _ => {
            let off = bits(c, 12, 12) << 8
                | bits(c, 11, 10) << 3
                | bits(c, 6, 5) << 6
                | bits(c, 4, 3) << 1
                | bits(c, 2, 2) << 5;
            let mn = if funct3 == 6 { "beqz" } else { "bnez" };
            format!(
                "{mn}\t{},{}",
                x(creg(bits(c, 9, 7))),
                target(pc, sext(off, 9))
            )
        }
    })
}

/// Quadrant 1, funct3 = 100: shifts, andi and register-register ALU ops on
/// the x8..x15 registers.
fn alu(c: u16, imm6: i64) -> Option<String> {
    let rd = x(creg(bits(c, 9, 7)));
    let rs2 = x(creg(bits(c, 4, 2)));
    let shamt = bits(c, 12, 12) << 5 | bits(c, 6, 2);
    Some(match (bits(c, 11, 10), bits(c, 12, 12), bits(c, 6, 5)) {
        // A zero shift amount is the RV128 64-bit shift, a HINT on RV64.
        (0, _, _) if shamt == 0 => format!("c.srli64\t{rd}"),
        (0, _, _) => format!("srl\t{rd},{rd},{shamt:#x}"),
        (1, _, _) if shamt == 0 => format!("c.srai64\t{rd}"),
        (1, _, _) => format!("sra\t{rd},{rd},{shamt:#x}"),
        (2, _, _) => format!("and\t{rd},{rd},{imm6}"),
        (3, 0, op) => format!(
            "{}\t{rd},{rd},{rs2}",
            ["sub", "xor", "or", "and"][op as usize]
        ),
        (3, 1, 0) => format!("subw\t{rd},{rd},{rs2}"),
        (3, 1, 1) => format!("addw\t{rd},{rd},{rs2}"),
        _ => return None,
    })
}

/// Stack-pointer-relative loads and stores, shifts, moves and jumps.
fn quadrant2(c: u16, funct3: u32) -> Option<String> {
    let rd = bits(c, 11, 7) as u8;
    let rs2 = bits(c, 6, 2) as u8;
    let bit12 = bits(c, 12, 12);
    let shamt = bit12 << 5 | bits(c, 6, 2);
    let ld_w = bit12 << 5 | bits(c, 6, 4) << 2 | bits(c, 3, 2) << 6;
    let ld_d = bit12 << 5 | bits(c, 6, 5) << 3 | bits(c, 4, 2) << 6;
    let st_w = bits(c, 12, 9) << 2 | bits(c, 8, 7) << 6;
    let st_d = bits(c, 12, 10) << 3 | bits(c, 9, 7) << 6;
    Some(match funct3 {
        0 if shamt == 0 => format!("c.slli64\t{}", x(rd)),
        0 if rd == 0 => format!("c.slli\tzero,{shamt:#x}"),
        0 => format!("sll\t{0},{0},{shamt:#x}", x(rd)),
        1 => format!("fld\t{},{ld_d}(sp)", f(rd)),
        2 if rd == 0 => return None,
        2 => format!("lw\t{},{ld_w}(sp)", x(rd)),
        3 if rd == 0 => return None,
        3 => format!("ld\t{},{ld_d}(sp)", x(rd)),
        4 => match (bit12, rd, rs2) {
            (0, 0, 0) => return None,
            (0, 1, 0) => "ret".to_string(),
            (0, _, 0) => format!("jr\t{}", x(rd)),
            (0, 0, _) => format!("c.mv\tzero,{}", x(rs2)),
            (0, _, _) => format!("mv\t{},{}", x(rd), x(rs2)),
            (_, 0, 0) => "ebreak".to_string(),
            (_, _, 0) => format!("jalr\t{}", x(rd)),
            (_, 0, _) => format!("c.add\tzero,{}", x(rs2)),
            _ => format!("add\t{0},{0},{1}", x(rd), x(rs2)),
        },
        5 => format!("fsd\t{},{st_d}(sp)", f(rs2)),
        6 => format!("sw\t{},{st_w}(sp)", x(rs2)),
        _ => format!("sd\t{},{st_d}(sp)", x(rs2)),
    })
}
