//! F and D extension instructions.

use super::{freg_name as f, xreg_name as x, Insn};

/// Suffix for the rounding-mode field: objdump omits `dyn` and prints the
/// reserved encodings 5 and 6 as `unknown`.
fn rm_suffix(i: Insn) -> &'static str {
    [
        ",rne", ",rtz", ",rdn", ",rup", ",rmm", ",unknown", ",unknown", "",
    ][i.funct3() as usize]
}

/// Precision suffix for the two-bit fmt field; half and quad are not
/// enabled, so objdump leaves them undecoded.
fn precision(fmt: u32) -> Option<&'static str> {
    match fmt {
        0 => Some("s"),
        1 => Some("d"),
        _ => None,
    }
}

/// LOAD-FP (0x07) and STORE-FP (0x27).
pub(super) fn load_store(i: Insn) -> Option<String> {
    let p = match i.funct3() {
        2 => "w",
        3 => "d",
        _ => return None,
    };
    Some(if i.0 & 0x20 == 0 {
        format!("fl{p}\t{},{}({})", f(i.rd()), i.imm_i(), x(i.rs1()))
    } else {
        format!("fs{p}\t{},{}({})", f(i.rs2()), i.imm_s(), x(i.rs1()))
    })
}

/// The fused multiply-add family (major opcodes 0x43, 0x47, 0x4b, 0x4f).
pub(super) fn fused(i: Insn) -> Option<String> {
    let p = precision(i.funct7() & 3)?;
    let mn = match i.0 & 0x7f {
        0x43 => "fmadd",
        0x47 => "fmsub",
        0x4b => "fnmsub",
        _ => "fnmadd",
    };
    Some(format!(
        "{mn}.{p}\t{},{},{},{}{}",
        f(i.rd()),
        f(i.rs1()),
        f(i.rs2()),
        f(i.rs3()),
        rm_suffix(i)
    ))
}

/// OP-FP (major opcode 0x53).
pub(super) fn op_fp(i: Insn) -> Option<String> {
    let p = precision(i.funct7() & 3)?;
    let (rd, rs1, rs2, rm) = (i.rd(), i.rs1(), i.rs2(), i.funct3());
    let sfx = rm_suffix(i);
    // Three FP registers, with or without the rounding-mode suffix.
    let three =
        |mn: &str, sfx: &str| Some(format!("{mn}.{p}\t{},{},{}{sfx}", f(rd), f(rs1), f(rs2)));
    let cmp = |mn: &str| Some(format!("{mn}.{p}\t{},{},{}", x(rd), f(rs1), f(rs2)));
    let fmv = |mn: &str| Some(format!("{mn}.{p}\t{},{}", f(rd), f(rs1)));
    // For the fcvt between integer and FP, rs2 selects the integer type.
    let int = ["w", "wu", "l", "lu"].get(usize::from(rs2)).copied();
    // fmv.x.w / fmv.w.x keep the old single-precision "w" spelling.
    let bits = if p == "s" { "w" } else { "d" };
    match i.funct7() >> 2 {
        0x00 => three("fadd", sfx),
        0x01 => three("fsub", sfx),
        0x02 => three("fmul", sfx),
        0x03 => three("fdiv", sfx),
        0x0b if rs2 == 0 => Some(format!("fsqrt.{p}\t{},{}{sfx}", f(rd), f(rs1))),
        // Sign injection with both sources equal is a move, negate or abs.
        0x04 if rs1 == rs2 && rm < 3 => fmv(["fmv", "fneg", "fabs"][rm as usize]),
        0x04 if rm < 3 => three(["fsgnj", "fsgnjn", "fsgnjx"][rm as usize], ""),
        0x05 if rm < 2 => three(["fmin", "fmax"][rm as usize], ""),
        0x08 => match (p, rs2) {
            ("s", 1) => Some(format!("fcvt.s.d\t{},{}{sfx}", f(rd), f(rs1))),
            // Widening is exact; objdump only decodes it with rm = 0.
            ("d", 0) if rm == 0 => Some(format!("fcvt.d.s\t{},{}", f(rd), f(rs1))),
            _ => None,
        },
        0x14 if rm < 3 => cmp(["fle", "flt", "feq"][rm as usize]),
        0x18 => Some(format!("fcvt.{}.{p}\t{},{}{sfx}", int?, x(rd), f(rs1))),
        // 32-bit integer to double is exact too, and again needs rm = 0.
        0x1a if p == "d" && rs2 < 2 => {
            (rm == 0).then(|| format!("fcvt.d.{}\t{},{}", int.unwrap_or_default(), f(rd), x(rs1)))
        }
        0x1a => Some(format!("fcvt.{p}.{}\t{},{}{sfx}", int?, f(rd), x(rs1))),
        0x1c if rs2 == 0 && rm == 0 => Some(format!("fmv.x.{bits}\t{},{}", x(rd), f(rs1))),
        0x1c if rs2 == 0 && rm == 1 => Some(format!("fclass.{p}\t{},{}", x(rd), f(rs1))),
        0x1e if rs2 == 0 && rm == 0 => Some(format!("fmv.{bits}.x\t{},{}", f(rd), x(rs1))),
        _ => None,
    }
}
