//! What one instruction may do, by kind: the architectural exceptions it
//! can raise (with their `xtval`), when it must trap, and where `pc` goes
//! when it retires.

use heron_cpu::csr::{MSTATUS_FS, MSTATUS_MPRV, MSTATUS_TSR, MSTATUS_TVM, MSTATUS_TW};
use heron_cpu::decode::{Kind, Op};
use heron_cpu::trap::cause;
use heron_cpu::{Hart, Priv};

use crate::machine::{MMIO_BASE, MMIO_SIZE, RAM_BASE, RAM_END};

/// What the state before the instruction says about its outcome.
pub struct Expect {
    /// Exception causes it may raise.
    pub causes: &'static [u64],
    /// The trap it must raise regardless of memory (illegal, ecall...).
    pub must_trap: Option<u64>,
    /// Effective address and size of its memory access, if any.
    pub access: Option<(u64, u64)>,
}

const NONE: &[u64] = &[];
const ILLEGAL: &[u64] = &[cause::ILLEGAL_INSN];
const LOAD: &[u64] = &[cause::LOAD_MISALIGNED, cause::LOAD_ACCESS, cause::LOAD_PAGE];
const STORE: &[u64] = &[
    cause::STORE_MISALIGNED,
    cause::STORE_ACCESS,
    cause::STORE_PAGE,
];

fn load_size(k: Kind) -> Option<u64> {
    use Kind::*;
    Some(match k {
        Lb | Lbu => 1,
        Lh | Lhu => 2,
        Lw | Lwu | Flw | LrW => 4,
        Ld | Fld | LrD => 8,
        _ => return None,
    })
}

fn store_size(k: Kind) -> Option<u64> {
    use Kind::*;
    Some(match k {
        Sb => 1,
        Sh => 2,
        Sw | Fsw | ScW | AmoSwapW | AmoAddW | AmoXorW | AmoAndW | AmoOrW | AmoMinW | AmoMaxW
        | AmoMinuW | AmoMaxuW => 4,
        Sd | Fsd | ScD | AmoSwapD | AmoAddD | AmoXorD | AmoAndD | AmoOrD | AmoMinD | AmoMaxD
        | AmoMinuD | AmoMaxuD => 8,
        _ => return None,
    })
}

pub fn is_atomic(k: Kind) -> bool {
    (Kind::LrW as u8..=Kind::AmoMaxuD as u8).contains(&(k as u8))
}

/// F and D instructions (every one needs `mstatus.FS` on).
pub fn is_fp(k: Kind) -> bool {
    (Kind::Flw as u8..=Kind::FcvtDS as u8).contains(&(k as u8))
}

fn is_csr(k: Kind) -> bool {
    use Kind::*;
    matches!(k, Csrrw | Csrrs | Csrrc | Csrrwi | Csrrsi | Csrrci)
}

/// The outcome rules for `op` executed by hart `h` (state before).
pub fn expect(op: &Op, h: &Hart) -> Expect {
    use Kind::*;
    let ea = h.x[op.rs1 as usize].wrapping_add(op.imm as i64 as u64);
    let fp_off = h.mstatus & MSTATUS_FS == 0;
    let p = h.privilege;
    let illegal_if = |c: bool| Expect {
        causes: ILLEGAL,
        must_trap: c.then_some(cause::ILLEGAL_INSN),
        access: None,
    };
    let k = op.kind;
    if is_fp(k) && fp_off {
        return illegal_if(true);
    }
    let sizes = load_size(k)
        .map(|s| (s, LOAD, cause::LOAD_ACCESS))
        .or(store_size(k).map(|s| (s, STORE, cause::STORE_ACCESS)));
    if let Some((size, causes, access_fault)) = sizes {
        let ea = if is_atomic(k) {
            h.x[op.rs1 as usize]
        } else {
            ea
        };
        // Untranslated, an access with a byte outside RAM and the device
        // window has nothing to reach: it must fault.
        let untranslated = data_priv(h) == Priv::M || h.csr.satp >> 60 == 0;
        let nowhere = (0..size).any(|i| !backed(ea.wrapping_add(i)));
        return Expect {
            causes,
            must_trap: (untranslated && nowhere).then_some(access_fault),
            access: Some((ea, size)),
        };
    }
    match k {
        Illegal => illegal_if(true),
        Ecall => {
            let c = match p {
                Priv::U => cause::ECALL_U,
                Priv::S => cause::ECALL_S,
                Priv::M => cause::ECALL_M,
            };
            Expect {
                causes: match p {
                    Priv::U => &[cause::ECALL_U],
                    Priv::S => &[cause::ECALL_S],
                    Priv::M => &[cause::ECALL_M],
                },
                must_trap: Some(c),
                access: None,
            }
        }
        Ebreak => Expect {
            causes: &[cause::BREAKPOINT],
            must_trap: Some(cause::BREAKPOINT),
            access: None,
        },
        Mret => illegal_if(p != Priv::M),
        Sret => illegal_if(p == Priv::U || (p == Priv::S && h.mstatus & MSTATUS_TSR != 0)),
        Wfi => illegal_if(p == Priv::U || (p == Priv::S && h.mstatus & MSTATUS_TW != 0)),
        SfenceVma => illegal_if(p == Priv::U || (p == Priv::S && h.mstatus & MSTATUS_TVM != 0)),
        _ if is_csr(k) => illegal_if(csr_must_trap(op, h)),
        // Floating-point computation: only a bad rounding mode traps.
        _ if is_fp(k) => illegal_if(false),
        // Integer computation, branches, jumps, fences never trap.
        _ => Expect {
            causes: NONE,
            must_trap: None,
            access: None,
        },
    }
}

/// Zicsr access rules that hold for any implementation: privilege in the
/// number, writes to read-only numbers, FS for the FP CSRs, the counter
/// enables.
fn csr_must_trap(op: &Op, h: &Hart) -> bool {
    let csr = (op.imm as u32) & 0xfff;
    let writes = matches!(op.kind, Kind::Csrrw | Kind::Csrrwi) || op.rs1 != 0;
    let too_low = (csr >> 8) & 3 > h.privilege as u32;
    let read_only_write = writes && csr >> 10 == 3;
    let fp_csr_off = (1..=3).contains(&csr) && h.mstatus & MSTATUS_FS == 0;
    let counter_denied = (0xc00..=0xc1f).contains(&csr) && !counter_allowed(h, csr);
    too_low || read_only_write || fp_csr_off || counter_denied
}

/// Effective privilege of loads and stores (`mstatus.MPRV`).
fn data_priv(h: &Hart) -> Priv {
    if h.privilege == Priv::M && h.mstatus & MSTATUS_MPRV != 0 {
        Priv::from_bits(h.mstatus >> 11)
    } else {
        h.privilege
    }
}

/// Whether physical `pa` is RAM or the scratch device.
fn backed(pa: u64) -> bool {
    (RAM_BASE..RAM_END).contains(&pa) || (MMIO_BASE..MMIO_BASE + MMIO_SIZE).contains(&pa)
}

/// `mcounteren`/`scounteren` gate the user counters below M.
fn counter_allowed(h: &Hart, csr: u32) -> bool {
    let bit = 1u64 << (csr & 31);
    match h.privilege {
        Priv::M => true,
        Priv::S => h.csr.mcounteren & bit != 0,
        Priv::U => h.csr.mcounteren & bit != 0 && h.csr.scounteren & bit != 0,
    }
}

/// Where `pc` must be after `op` at `pc` retired on hart state `h`
/// (before), or `None` when that depends on more than this knows.
pub fn next_pc(op: &Op, pc: u64, h: &Hart) -> Option<u64> {
    use Kind::*;
    let a = h.x[op.rs1 as usize];
    let b = h.x[op.rs2 as usize];
    let imm = op.imm as i64 as u64;
    let taken = match op.kind {
        Jal => return Some(pc.wrapping_add(imm)),
        Jalr => return Some(a.wrapping_add(imm) & !1),
        Mret => return Some(h.csr.mepc & !1),
        Sret => return Some(h.csr.sepc & !1),
        Beq => a == b,
        Bne => a != b,
        Blt => (a as i64) < (b as i64),
        Bge => (a as i64) >= (b as i64),
        Bltu => a < b,
        Bgeu => a >= b,
        _ => false,
    };
    Some(if taken {
        pc.wrapping_add(imm)
    } else {
        pc.wrapping_add(op.len as u64)
    })
}

/// The privilege after `op` retired.
pub fn next_privilege(op: &Op, h: &Hart) -> Priv {
    match op.kind {
        Kind::Mret => Priv::from_bits(h.mstatus >> 11),
        Kind::Sret => {
            if h.mstatus & heron_cpu::csr::MSTATUS_SPP != 0 {
                Priv::S
            } else {
                Priv::U
            }
        }
        _ => h.privilege,
    }
}
