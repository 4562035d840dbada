//! Exceptions, interrupts and the trap/return state machine (privileged spec,
//! "Machine-Level ISA", §mcause, §mstatus; "Supervisor-Level ISA", §scause).

use crate::csr::*;
use crate::hart::{Hart, Priv};

/// Exception cause codes.
#[allow(missing_docs)]
pub mod cause {
    pub const INSN_MISALIGNED: u64 = 0;
    pub const INSN_ACCESS: u64 = 1;
    pub const ILLEGAL_INSN: u64 = 2;
    pub const BREAKPOINT: u64 = 3;
    pub const LOAD_MISALIGNED: u64 = 4;
    pub const LOAD_ACCESS: u64 = 5;
    pub const STORE_MISALIGNED: u64 = 6;
    pub const STORE_ACCESS: u64 = 7;
    pub const ECALL_U: u64 = 8;
    pub const ECALL_S: u64 = 9;
    pub const ECALL_M: u64 = 11;
    pub const INSN_PAGE: u64 = 12;
    pub const LOAD_PAGE: u64 = 13;
    pub const STORE_PAGE: u64 = 15;
}

/// Interrupt numbers (bit positions in `mip`/`mie`).
#[allow(missing_docs)]
pub mod irq {
    pub const SSI: u64 = 1;
    pub const MSI: u64 = 3;
    pub const STI: u64 = 5;
    pub const MTI: u64 = 7;
    pub const SEI: u64 = 9;
    pub const MEI: u64 = 11;
}

/// An exception about to be taken: cause code and trap value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trap {
    /// Exception code (`mcause` without the interrupt bit).
    pub cause: u64,
    /// `mtval`/`stval`.
    pub tval: u64,
}

impl Trap {
    /// An exception with `cause` and `tval`.
    pub fn new(cause: u64, tval: u64) -> Trap {
        Trap { cause, tval }
    }

    /// Illegal instruction; `mtval` holds the instruction bits.
    pub fn illegal(bits: u32) -> Trap {
        Trap::new(cause::ILLEGAL_INSN, bits as u64)
    }
}

/// Interrupts in the privileged spec's priority order (highest first).
const PRIORITY: [u64; 6] = [irq::MEI, irq::MSI, irq::MTI, irq::SEI, irq::SSI, irq::STI];

impl Hart {
    /// The interrupt to take now, if any: pending, enabled in `mie`, and
    /// globally enabled for the privilege it targets.
    pub fn pending_interrupt(&self) -> Option<u64> {
        let pending = self.mip & self.mie;
        if pending == 0 {
            return None;
        }
        let deleg = self.csr.mideleg;
        let m_on = self.privilege < Priv::M || self.mstatus & MSTATUS_MIE != 0;
        let s_on = self.privilege < Priv::S
            || (self.privilege == Priv::S && self.mstatus & MSTATUS_SIE != 0);
        let m_set = if m_on { pending & !deleg } else { 0 };
        let s_set = if s_on { pending & deleg } else { 0 };
        let pick = |set: u64| PRIORITY.into_iter().find(|&i| set & (1 << i) != 0);
        pick(m_set).or_else(|| pick(s_set))
    }

    /// Takes exception `t` raised by the instruction at `pc`.
    pub fn take_exception(&mut self, t: Trap, pc: u64) {
        let from = self.privilege;
        self.enter_trap(t.cause, false, t.tval, pc);
        if self.tracer.is_some() {
            self.trace_trap(false, t.cause, t.tval, pc, from);
        }
    }

    /// Takes interrupt `irq` with `pc` as the return address.
    pub fn take_interrupt(&mut self, irq: u64) {
        let (pc, from) = (self.pc, self.privilege);
        self.enter_trap(irq, true, 0, pc);
        if self.tracer.is_some() {
            self.trace_trap(true, irq, 0, pc, from);
        }
    }

    fn enter_trap(&mut self, code: u64, interrupt: bool, tval: u64, epc: u64) {
        let deleg = if interrupt {
            self.csr.mideleg
        } else {
            self.csr.medeleg
        };
        let to_s = self.privilege <= Priv::S && deleg & (1 << code) != 0;
        let cause = code | if interrupt { 1 << 63 } else { 0 };
        let prev = self.privilege as u64;
        let s = &mut self.mstatus;
        let tvec = if to_s {
            self.csr.scause = cause;
            self.csr.sepc = epc;
            self.csr.stval = tval;
            let sie = (*s >> 1) & 1;
            *s =
                (*s & !(MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SIE)) | (sie << 5) | ((prev & 1) << 8);
            self.privilege = Priv::S;
            self.csr.stvec
        } else {
            self.csr.mcause = cause;
            self.csr.mepc = epc;
            self.csr.mtval = tval;
            let mie = (*s >> 3) & 1;
            *s = (*s & !(MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MIE))
                | (mie << 7)
                | (prev << MSTATUS_MPP_SHIFT);
            self.privilege = Priv::M;
            self.csr.mtvec
        };
        let base = tvec & !3;
        self.pc = if interrupt && tvec & 3 == 1 {
            base + 4 * code
        } else {
            base
        };
        self.reservation = None;
        self.update_contexts();
    }

    /// `mret`: returns to `mstatus.MPP` at `mepc`.
    pub(crate) fn mret(&mut self) {
        let s = self.mstatus;
        let mpp = Priv::from_bits(s >> MSTATUS_MPP_SHIFT);
        let mpie = (s >> 7) & 1;
        let mut n = (s & !(MSTATUS_MIE | MSTATUS_MPP)) | (mpie << 3) | MSTATUS_MPIE;
        if mpp != Priv::M {
            n &= !MSTATUS_MPRV;
        }
        self.mstatus = n;
        self.privilege = mpp;
        self.pc = self.csr.mepc & self.epc_mask();
        self.reservation = None;
        self.update_contexts();
    }

    /// `sret`: returns to `sstatus.SPP` at `sepc`.
    pub(crate) fn sret(&mut self) {
        let s = self.mstatus;
        let spp = if s & MSTATUS_SPP != 0 {
            Priv::S
        } else {
            Priv::U
        };
        let spie = (s >> 5) & 1;
        self.mstatus =
            (s & !(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV)) | (spie << 1) | MSTATUS_SPIE;
        self.privilege = spp;
        self.pc = self.csr.sepc & self.epc_mask();
        self.reservation = None;
        self.update_contexts();
    }

    /// `xepc` bits that are readable: bit 0 is always zero (IALIGN = 16).
    fn epc_mask(&self) -> u64 {
        !1
    }
}
