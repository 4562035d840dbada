//! Integer instructions: RV64I, M, A, Zba, Zbb, Zbs and Zicond.
//!
//! Every function returns `None` for an encoding objdump would print as
//! `.4byte`; the caller supplies that fallback.

use super::{target, xreg_name as x, Insn};

/// Sign-extended B-type offset.
fn imm_b(i: Insn) -> i64 {
    let v = i.0;
    let imm = ((v >> 31) & 1) << 12
        | ((v >> 7) & 1) << 11
        | ((v >> 25) & 0x3f) << 5
        | ((v >> 8) & 0xf) << 1;
    i64::from((imm << 19) as i32 >> 19)
}

/// Sign-extended J-type offset.
fn imm_j(i: Insn) -> i64 {
    let v = i.0;
    let imm = ((v >> 31) & 1) << 20
        | ((v >> 12) & 0xff) << 12
        | ((v >> 20) & 1) << 11
        | ((v >> 21) & 0x3ff) << 1;
    i64::from((imm << 11) as i32 >> 11)
}

pub(super) fn load(i: Insn) -> Option<String> {
    let mn = ["lb", "lh", "lw", "ld", "lbu", "lhu", "lwu"].get(i.funct3() as usize)?;
    Some(format!("{mn}\t{},{}({})", x(i.rd()), i.imm_i(), x(i.rs1())))
}

pub(super) fn store(i: Insn) -> Option<String> {
    let mn = ["sb", "sh", "sw", "sd"].get(i.funct3() as usize)?;
    Some(format!(
        "{mn}\t{},{}({})",
        x(i.rs2()),
        i.imm_s(),
        x(i.rs1())
    ))
}

pub(super) fn jal(i: Insn, pc: u64) -> String {
    let t = target(pc, imm_j(i));
    match i.rd() {
        0 => format!("j\t{t}"),
        1 => format!("jal\t{t}"),
        rd => format!("jal\t{},{t}", x(rd)),
    }
}

pub(super) fn jalr(i: Insn) -> Option<String> {
    if i.funct3() != 0 {
        return None;
    }
    let (rd, rs1, imm) = (i.rd(), i.rs1(), i.imm_i());
    // objdump drops a zero offset and the implied link register (zero for
    // `jr`, ra for `jalr`).
    let addr = if imm == 0 {
        x(rs1).to_string()
    } else {
        format!("{imm}({})", x(rs1))
    };
    Some(match rd {
        0 if rs1 == 1 && imm == 0 => "ret".to_string(),
        0 => format!("jr\t{addr}"),
        1 => format!("jalr\t{addr}"),
        _ => format!("jalr\t{},{addr}", x(rd)),
    })
}

pub(super) fn branch(i: Insn, pc: u64) -> Option<String> {
    let (rs1, rs2) = (i.rs1(), i.rs2());
    let t = target(pc, imm_b(i));
    // Comparisons against zero print as the one-register pseudo-instructions.
    let one = |mn: &str, r: u8| Some(format!("{mn}\t{},{t}", x(r)));
    let two = |mn: &str| Some(format!("{mn}\t{},{},{t}", x(rs1), x(rs2)));
    match i.funct3() {
        0 if rs2 == 0 => one("beqz", rs1),
        0 => two("beq"),
        1 if rs2 == 0 => one("bnez", rs1),
        1 => two("bne"),
        4 if rs2 == 0 => one("bltz", rs1),
        4 if rs1 == 0 => one("bgtz", rs2),
        4 => two("blt"),
        // bge zero,zero prints as blez, but blt zero,zero as bltz.
        5 if rs1 == 0 => one("blez", rs2),
        5 if rs2 == 0 => one("bgez", rs1),
        5 => two("bge"),
        6 => two("bltu"),
        7 => two("bgeu"),
        _ => None,
    }
}

/// OP-IMM (major opcode 0x13).
pub(super) fn op_imm(i: Insn) -> Option<String> {
    let (rd, rs1, imm) = (i.rd(), i.rs1(), i.imm_i());
    let ri = |mn: &str| Some(format!("{mn}\t{},{},{imm}", x(rd), x(rs1)));
    let unary = |mn: &str| Some(format!("{mn}\t{},{}", x(rd), x(rs1)));
    // objdump prefers the register-form mnemonic ("add", "xor", …) for the
    // immediate forms, and prints shift amounts in hex.
    let shamt = |mn: &str| {
        Some(format!(
            "{mn}\t{},{},{:#x}",
            x(rd),
            x(rs1),
            i.imm12() & 0x3f
        ))
    };
    let hi6 = i.imm12() >> 6;
    match i.funct3() {
        0 if rd == 0 && rs1 == 0 && imm == 0 => Some("nop".to_string()),
        0 if rs1 == 0 => Some(format!("li\t{},{imm}", x(rd))),
        0 if imm == 0 => unary("mv"),
        0 => ri("add"),
        1 => match (hi6, i.imm12()) {
            (0x00, _) => shamt("sll"),
            (0x0a, _) => shamt("bset"),
            (0x12, _) => shamt("bclr"),
            (0x1a, _) => shamt("binv"),
            (_, 0x600) => unary("clz"),
            (_, 0x601) => unary("ctz"),
            (_, 0x602) => unary("cpop"),
            (_, 0x604) => unary("sext.b"),
            (_, 0x605) => unary("sext.h"),
            _ => None,
        },
        2 => ri("slti"),
        3 if imm == 1 => unary("seqz"),
        3 => ri("sltiu"),
        4 if imm == -1 => unary("not"),
        4 => ri("xor"),
        5 => match (hi6, i.imm12()) {
            (0x00, _) => shamt("srl"),
            (0x10, _) => shamt("sra"),
            (0x12, _) => shamt("bext"),
            (0x18, _) => shamt("ror"),
            (_, 0x287) => unary("orc.b"),
            (_, 0x6b8) => unary("rev8"),
            _ => None,
        },
        6 => ri("or"),
        7 if imm == 0xff => unary("zext.b"),
        7 => ri("and"),
        _ => unreachable!(),
    }
}

/// OP-IMM-32 (major opcode 0x1b).
pub(super) fn op_imm_32(i: Insn) -> Option<String> {
    let (rd, rs1, imm) = (i.rd(), i.rs1(), i.imm_i());
    let unary = |mn: &str| Some(format!("{mn}\t{},{}", x(rd), x(rs1)));
    let shamt = |mn: &str, bits: u32| {
        Some(format!(
            "{mn}\t{},{},{:#x}",
            x(rd),
            x(rs1),
            i.imm12() & bits
        ))
    };
    match (i.funct3(), i.funct7(), i.imm12()) {
        (0, _, 0) => unary("sext.w"),
        (0, _, _) => Some(format!("addw\t{},{},{imm}", x(rd), x(rs1))),
        (1, 0x00, _) => shamt("sllw", 0x1f),
        // slli.uw takes a six-bit shift amount, so only imm[11:6] is funct.
        (1, 0x04 | 0x05, _) => shamt("slli.uw", 0x3f),
        (1, _, 0x600) => unary("clzw"),
        (1, _, 0x601) => unary("ctzw"),
        (1, _, 0x602) => unary("cpopw"),
        (5, 0x00, _) => shamt("srlw", 0x1f),
        (5, 0x20, _) => shamt("sraw", 0x1f),
        (5, 0x30, _) => shamt("rorw", 0x1f),
        _ => None,
    }
}

/// OP (major opcode 0x33).
pub(super) fn op(i: Insn) -> Option<String> {
    let (rd, rs1, rs2) = (i.rd(), i.rs1(), i.rs2());
    let mn = match (i.funct7(), i.funct3()) {
        (0x00, 0) => "add",
        (0x00, 1) => "sll",
        (0x00, 2) if rs2 == 0 => return Some(format!("sltz\t{},{}", x(rd), x(rs1))),
        (0x00, 2) if rs1 == 0 => return Some(format!("sgtz\t{},{}", x(rd), x(rs2))),
        (0x00, 2) => "slt",
        (0x00, 3) if rs1 == 0 => return Some(format!("snez\t{},{}", x(rd), x(rs2))),
        (0x00, 3) => "sltu",
        (0x00, 4) => "xor",
        (0x00, 5) => "srl",
        (0x00, 6) => "or",
        (0x00, 7) => "and",
        (0x20, 0) if rs1 == 0 => return Some(format!("neg\t{},{}", x(rd), x(rs2))),
        (0x20, 0) => "sub",
        (0x20, 5) => "sra",
        (0x20, 4) => "xnor",
        (0x20, 6) => "orn",
        (0x20, 7) => "andn",
        (0x01, f3) => [
            "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu",
        ][f3 as usize],
        (0x10, 2) => "sh1add",
        (0x10, 4) => "sh2add",
        (0x10, 6) => "sh3add",
        (0x05, 4) => "min",
        (0x05, 5) => "minu",
        (0x05, 6) => "max",
        (0x05, 7) => "maxu",
        (0x30, 1) => "rol",
        (0x30, 5) => "ror",
        (0x14, 1) => "bset",
        (0x24, 1) => "bclr",
        (0x24, 5) => "bext",
        (0x34, 1) => "binv",
        (0x07, 5) => "czero.eqz",
        (0x07, 7) => "czero.nez",
        _ => return None,
    };
    Some(format!("{mn}\t{},{},{}", x(rd), x(rs1), x(rs2)))
}

/// OP-32 (major opcode 0x3b).
pub(super) fn op_32(i: Insn) -> Option<String> {
    let (rd, rs1, rs2) = (i.rd(), i.rs1(), i.rs2());
    let mn = match (i.funct7(), i.funct3()) {
        (0x00, 0) => "addw",
        (0x00, 1) => "sllw",
        (0x00, 5) => "srlw",
        (0x20, 0) if rs1 == 0 => return Some(format!("negw\t{},{}", x(rd), x(rs2))),
        (0x20, 0) => "subw",
        (0x20, 5) => "sraw",
        (0x01, 0) => "mulw",
        (0x01, 4) => "divw",
        (0x01, 5) => "divuw",
        (0x01, 6) => "remw",
        (0x01, 7) => "remuw",
        (0x04, 0) if rs2 == 0 => return Some(format!("zext.w\t{},{}", x(rd), x(rs1))),
        (0x04, 0) => "add.uw",
        (0x04, 4) if rs2 == 0 => return Some(format!("zext.h\t{},{}", x(rd), x(rs1))),
        (0x10, 2) => "sh1add.uw",
        (0x10, 4) => "sh2add.uw",
        (0x10, 6) => "sh3add.uw",
        (0x30, 1) => "rolw",
        (0x30, 5) => "rorw",
        _ => return None,
    };
    Some(format!("{mn}\t{},{},{}", x(rd), x(rs1), x(rs2)))
}

/// AMO (major opcode 0x2f): LR/SC and the read-modify-write atomics.
pub(super) fn amo(i: Insn) -> Option<String> {
    let width = match i.funct3() {
        2 => "w",
        3 => "d",
        _ => return None,
    };
    let order = ["", ".rl", ".aq", ".aqrl"][(i.funct7() & 3) as usize];
    let (rd, rs1, rs2) = (x(i.rd()), x(i.rs1()), x(i.rs2()));
    let op = match i.funct7() >> 2 {
        0x02 if i.rs2() == 0 => return Some(format!("lr.{width}{order}\t{rd},({rs1})")),
        0x00 => "amoadd",
        0x01 => "amoswap",
        0x03 => "sc",
        0x04 => "amoxor",
        0x08 => "amoor",
        0x0c => "amoand",
        0x10 => "amomin",
        0x14 => "amomax",
        0x18 => "amominu",
        0x1c => "amomaxu",
        _ => return None,
    };
    Some(format!("{op}.{width}{order}\t{rd},{rs2},({rs1})"))
}
