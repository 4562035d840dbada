//! MISC-MEM (fences) and SYSTEM (environment calls, privileged
//! instructions, Zicsr) with the aliases objdump prints for them.

use super::{csr_name, xreg_name as x, Insn};

/// A fence's predecessor or successor set as objdump spells it: the letters
/// of `iorw` that are present, or `unknown` for the empty set.
fn fence_set(bits: u32) -> String {
    let s: String = "iorw"
        .chars()
        .enumerate()
        .filter(|&(n, _)| bits & (8 >> n) != 0)
        .map(|(_, c)| c)
        .collect();
    if s.is_empty() {
        "unknown".to_string()
    } else {
        s
    }
}

/// MISC-MEM (major opcode 0x0f).
pub(super) fn misc_mem(i: Insn) -> Option<String> {
    match i.0 {
        // fence.i is only recognised with every other field zero.
        0x0000_100f => return Some("fence.i".to_string()),
        0x8330_000f => return Some("fence.tso".to_string()),
        _ => {}
    }
    // A plain fence needs rd, rs1 and fm all zero; anything else (including
    // other fm values) is left undecoded by objdump.
    if i.0 & 0xf00f_ffff != 0x0000_000f {
        return None;
    }
    let (pred, succ) = ((i.0 >> 24) & 0xf, (i.0 >> 20) & 0xf);
    if pred == 0xf && succ == 0xf {
        return Some("fence".to_string());
    }
    Some(format!("fence\t{},{}", fence_set(pred), fence_set(succ)))
}

/// The name objdump uses for CSR operand `csr`: its symbolic name or hex.
fn csr(csr: u32) -> String {
    match csr_name(csr as u16) {
        Some(name) => name.to_string(),
        None => format!("{csr:#x}"),
    }
}

/// SYSTEM (major opcode 0x73).
pub(super) fn system(i: Insn) -> Option<String> {
    match i.funct3() {
        0 => return privileged(i),
        4 => return None,
        _ => {}
    }
    let (rd, rs1, num) = (i.rd(), i.rs1(), i.imm12());
    let name = csr(num);
    // Operand for the register forms is rs1; the immediate forms reuse the
    // field as a five-bit unsigned value.
    let src = if i.funct3() & 4 != 0 {
        rs1.to_string()
    } else {
        x(rs1).to_string()
    };
    // objdump has a dedicated alias for writes to each F-extension CSR; it
    // omits rd when that is zero, except in the immediate aliases.
    let float_alias = match num {
        0x001 => Some("fsflags"),
        0x002 => Some("fsrm"),
        0x003 => Some("fscsr"),
        _ => None,
    };
    Some(match i.funct3() {
        1 if i.0 == 0xc000_1073 => "unimp".to_string(),
        1 => match (float_alias, rd) {
            (Some(mn), 0) => format!("{mn}\t{src}"),
            (Some(mn), _) => format!("{mn}\t{},{src}", x(rd)),
            (None, 0) => format!("csrw\t{name},{src}"),
            (None, _) => format!("csrrw\t{},{name},{src}", x(rd)),
        },
        2 if rs1 == 0 => {
            let alias = match num {
                0x001 => "frflags",
                0x002 => "frrm",
                0x003 => "frcsr",
                0xc00 => "rdcycle",
                0xc01 => "rdtime",
                0xc02 => "rdinstret",
                _ => return Some(format!("csrr\t{},{name}", x(rd))),
            };
            format!("{alias}\t{}", x(rd))
        }
        5 if num == 0x001 || num == 0x002 => {
            let mn = if num == 1 { "fsflagsi" } else { "fsrmi" };
            format!("{mn}\t{},{src}", x(rd))
        }
        // The immediate forms print with the register-form mnemonic.
        f3 => {
            let base = ["", "w", "s", "c"][(f3 & 3) as usize];
            if rd == 0 {
                format!("csr{base}\t{name},{src}")
            } else {
                format!("csrr{base}\t{},{name},{src}", x(rd))
            }
        }
    })
}

/// SYSTEM with funct3 = 0: environment calls, trap returns, wfi and the
/// address-translation fences.
fn privileged(i: Insn) -> Option<String> {
    let fixed = match i.0 {
        0x0000_0073 => Some("ecall"),
        0x0010_0073 => Some("ebreak"),
        0x0020_0073 => Some("uret"),
        0x1020_0073 => Some("sret"),
        0x2020_0073 => Some("hret"),
        0x3020_0073 => Some("mret"),
        0x7b20_0073 => Some("dret"),
        0x1050_0073 => Some("wfi"),
        _ => None,
    };
    if let Some(mn) = fixed {
        return Some(mn.to_string());
    }
    if i.rd() != 0 {
        return None;
    }
    let (rs1, rs2) = (i.rs1(), i.rs2());
    match i.funct7() {
        // sfence.vma drops trailing zero operands.
        0x09 => Some(match (rs1, rs2) {
            (0, 0) => "sfence.vma".to_string(),
            (_, 0) => format!("sfence.vma\t{}", x(rs1)),
            _ => format!("sfence.vma\t{},{}", x(rs1), x(rs2)),
        }),
        // The priv-1.9 sfence.vm, which binutils still decodes.
        0x08 if rs2 == 4 => Some(if rs1 == 0 {
            "sfence.vm".to_string()
        } else {
            format!("sfence.vm\t{}", x(rs1))
        }),
        _ => None,
    }
}
