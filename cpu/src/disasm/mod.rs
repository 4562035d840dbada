//! Disassembler producing GNU objdump's default syntax.
//!
//! The output of [`disassemble`] is byte-for-byte what `objdump -d` from
//! binutils 2.40 prints in its instruction column for an object built with
//! `-march=rv64gc_zba_zbb_zbs`, minus the ` <symbol>` annotation after branch
//! targets and the `# comment` objdump appends to some instructions. CSR
//! names follow privileged spec 1.12, which objdump uses unless the object
//! records an older version.
//!
//! Matching objdump exactly (rather than the ISA manual's canonical forms)
//! lets trace output be diffed against a cross toolchain's listing, which is
//! why several choices below look odd: `addi` prints as `add`, shift amounts
//! print in hex, compressed instructions print as their expansion, and so on.
//!
//! The one deliberate extension is Zicond (`czero.eqz`/`czero.nez`), which
//! binutils 2.40 does not know; it prints in the obvious R-type syntax.

mod compressed;
mod csr_names;
mod float;
mod integer;
mod system;
#[cfg(test)]
mod tests;

pub use csr_names::csr_name;

/// Disassembles one instruction in GNU objdump's default syntax (aliases on),
/// e.g. `"add\tsp,sp,-16"`, `"li\ta0,5"`, `"ret"`, `"beq\ta0,a1,80000010"`.
///
/// `insn` holds the instruction bits; when `insn & 3 != 3` it is a 16-bit
/// compressed instruction in the low 16 bits (the upper bits are ignored).
/// `pc` is the instruction's address, used to print branch and jump targets
/// as absolute hex addresses like objdump does (without the ` <label>` part).
/// Encodings objdump does not recognise print as `.4byte\t0x…` or
/// `.2byte\t0x…`.
pub fn disassemble(insn: u32, pc: u64) -> String {
    if insn & 3 != 3 {
        return compressed::disassemble(insn as u16, pc);
    }
    let i = Insn(insn);
    let text = match insn & 0x7f {
        0x03 => integer::load(i),
        0x07 | 0x27 => float::load_store(i),
        0x0f => system::misc_mem(i),
        0x13 => integer::op_imm(i),
        0x17 => Some(format!("auipc\t{},{:#x}", xreg_name(i.rd()), insn >> 12)),
        0x1b => integer::op_imm_32(i),
        0x23 => integer::store(i),
        0x2f => integer::amo(i),
        0x33 => integer::op(i),
        0x37 => Some(format!("lui\t{},{:#x}", xreg_name(i.rd()), insn >> 12)),
        0x3b => integer::op_32(i),
        0x43 | 0x47 | 0x4b | 0x4f => float::fused(i),
        0x53 => float::op_fp(i),
        0x63 => integer::branch(i, pc),
        0x67 => integer::jalr(i),
        0x6f => Some(integer::jal(i, pc)),
        0x73 => system::system(i),
        _ => None,
    };
    text.unwrap_or_else(|| format!(".4byte\t{insn:#x}"))
}

/// Length in bytes (2 or 4) of the instruction whose first halfword is `lo`.
///
/// Only the 16- and 32-bit encodings exist on this hart; longer encodings
/// (low bits `11111`) are reported as 4 so a caller walking memory still makes
/// progress and the disassembler shows them as `.4byte`.
pub fn insn_len(lo: u16) -> usize {
    if lo & 3 == 3 {
        4
    } else {
        2
    }
}

const XREGS: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
];

const FREGS: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2",
    "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9",
    "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/// ABI name of integer register `r` (`"zero"`, `"ra"`, `"sp"`, …); objdump
/// spells x8 as `s0`, not `fp`. Only the low five bits of `r` are used.
pub fn xreg_name(r: u8) -> &'static str {
    XREGS[usize::from(r & 31)]
}

/// ABI name of floating-point register `r` (`"ft0"`, …, `"fa0"`, …,
/// `"ft11"`). Only the low five bits of `r` are used.
pub fn freg_name(r: u8) -> &'static str {
    FREGS[usize::from(r & 31)]
}

/// Field accessors for a 32-bit instruction word.
#[derive(Clone, Copy)]
struct Insn(u32);

impl Insn {
    fn rd(self) -> u8 {
        ((self.0 >> 7) & 31) as u8
    }
    fn rs1(self) -> u8 {
        ((self.0 >> 15) & 31) as u8
    }
    fn rs2(self) -> u8 {
        ((self.0 >> 20) & 31) as u8
    }
    fn rs3(self) -> u8 {
        (self.0 >> 27) as u8
    }
    fn funct3(self) -> u32 {
        (self.0 >> 12) & 7
    }
    fn funct7(self) -> u32 {
        self.0 >> 25
    }
    /// The unsigned 12-bit I-type immediate field (CSR number, funct12, …).
    fn imm12(self) -> u32 {
        self.0 >> 20
    }
    /// Sign-extended I-type immediate.
    fn imm_i(self) -> i32 {
        (self.0 as i32) >> 20
    }
    /// Sign-extended S-type immediate.
    fn imm_s(self) -> i32 {
        ((self.0 as i32) >> 25 << 5) | ((self.0 >> 7) & 31) as i32
    }
}

/// Formats a PC-relative target the way objdump does: absolute, hex, no `0x`.
fn target(pc: u64, offset: i64) -> String {
    format!("{:x}", pc.wrapping_add(offset as u64))
}
