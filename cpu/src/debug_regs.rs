//! Register access for debuggers (the gdb stub): CSRs by number and the
//! privilege level, read and written as an external debugger sees them.
//!
//! A debugger is not the hart: its accesses are not subject to the
//! privilege checks, `mstatus.FS` or counter-enable rules of the Zicsr
//! instructions (privileged spec §2.1; debug spec §4.9, "Debug Mode" CSR
//! access is as in M-mode), and they retire no instruction. Writes still go
//! through the CSRs' WARL legalisation, so the hart never holds a value it
//! could not hold architecturally.

use crate::csr::addr::*;
use crate::hart::{Hart, Priv};

/// Every CSR heron implements with state worth showing, in the order a
/// debugger lists them: the FP CSRs, the user counters, the S-mode CSRs,
/// the M-mode CSRs (PMP included) and the machine counters. The always-zero
/// hardware-performance-monitor families are left out.
pub const DEBUG_CSRS: &[u16] = &[
    FFLAGS,
    FRM,
    FCSR,
    CYCLE,
    TIME,
    INSTRET,
    SSTATUS,
    SIE,
    STVEC,
    SCOUNTEREN,
    SENVCFG,
    SSCRATCH,
    SEPC,
    SCAUSE,
    STVAL,
    SIP,
    STIMECMP,
    SATP,
    MVENDORID,
    MARCHID,
    MIMPID,
    MHARTID,
    MCONFIGPTR,
    MSTATUS,
    MISA,
    MEDELEG,
    MIDELEG,
    MIE,
    MTVEC,
    MCOUNTEREN,
    MENVCFG,
    MCOUNTINHIBIT,
    MSCRATCH,
    MEPC,
    MCAUSE,
    MTVAL,
    MIP,
    PMPCFG0,
    PMPCFG0 + 2,
    PMPADDR0,
    PMPADDR0 + 1,
    PMPADDR0 + 2,
    PMPADDR0 + 3,
    PMPADDR0 + 4,
    PMPADDR0 + 5,
    PMPADDR0 + 6,
    PMPADDR0 + 7,
    PMPADDR0 + 8,
    PMPADDR0 + 9,
    PMPADDR0 + 10,
    PMPADDR0 + 11,
    PMPADDR0 + 12,
    PMPADDR0 + 13,
    PMPADDR0 + 14,
    PMPADDR0 + 15,
    TSELECT,
    TDATA1,
    TDATA2,
    TDATA3,
    TINFO,
    MCYCLE,
    MINSTRET,
];

impl Hart {
    /// Runs `f` with the hart in M-mode, where every implemented CSR is
    /// accessible, and restores the privilege afterwards. Nothing that
    /// caches the privilege (TLB contexts) is touched, since `f` only
    /// reads and writes CSR state.
    fn as_machine<R>(&mut self, f: impl FnOnce(&mut Hart) -> R) -> R {
        let saved = self.privilege;
        self.privilege = Priv::M;
        let r = f(self);
        self.privilege = saved;
        r
    }

    /// Reads CSR `csr` as a debugger: without privilege, `FS` or counter
    /// checks and without side effects. `None` if heron does not implement
    /// the CSR.
    pub fn debug_read_csr(&mut self, csr: u16) -> Option<u64> {
        match csr {
            // Readable even with the FPU off (mstatus.FS = 0).
            FFLAGS => Some(self.fflags as u64),
            FRM => Some(self.frm as u64),
            FCSR => Some(((self.frm as u64) << 5) | self.fflags as u64),
            _ => {
                let retired = self.instret;
                self.as_machine(|h| h.csr_read(csr, retired, 0)).ok()
            }
        }
    }

    /// Writes CSR `csr` as a debugger (WARL rules apply, access checks do
    /// not). Returns `false` for read-only and unimplemented CSRs.
    pub fn debug_write_csr(&mut self, csr: u16, value: u64) -> bool {
        // The top two bits 0b11 mark a read-only CSR (privileged spec §2.1).
        if csr >> 10 == 3 || self.debug_read_csr(csr).is_none() {
            return false;
        }
        // `csr_write` leaves the counters one short of the value because the
        // writing instruction retires afterwards; a debugger's write retires
        // nothing, so pretend the write happened one instruction earlier.
        let retired = self.instret.wrapping_sub(1);
        match self.as_machine(|h| h.csr_write(csr, value, retired, 0)) {
            Ok(effect) => {
                if effect.flush_tlb {
                    self.flush_translations();
                }
                self.update_contexts();
                true
            }
            Err(_) => false,
        }
    }

    /// Moves the hart to privilege `p`, as gdb's `priv` register does. The
    /// next fetch and data access use `p`'s translation context.
    pub fn debug_set_privilege(&mut self, p: Priv) {
        self.privilege = p;
        // A reservation belongs to the code that made it.
        self.reservation = None;
        self.update_contexts();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_csr_reads() {
        let mut h = Hart::new(0, 0x8000_0000);
        h.privilege = Priv::U;
        for &csr in DEBUG_CSRS {
            assert!(h.debug_read_csr(csr).is_some(), "csr {csr:#x}");
        }
        assert_eq!(h.privilege, Priv::U, "reads restore the privilege");
        assert_eq!(h.debug_read_csr(0x7c0), None, "unimplemented custom CSR");
    }

    #[test]
    fn fp_csrs_read_with_the_fpu_off() {
        let mut h = Hart::new(0, 0);
        h.fflags = 0x15;
        h.frm = 3;
        assert_eq!(h.mstatus & crate::csr::MSTATUS_FS, 0);
        assert_eq!(h.debug_read_csr(FCSR), Some((3 << 5) | 0x15));
    }

    #[test]
    fn writes_are_legalised_and_counters_exact() {
        let mut h = Hart::new(0, 0);
        h.privilege = Priv::S;
        assert!(h.debug_write_csr(MSCRATCH, 0x1234));
        assert_eq!(h.csr.mscratch, 0x1234);
        // mtvec mode 2 is reserved: the old mode stays (WARL).
        assert!(h.debug_write_csr(MTVEC, 0x8000_0102));
        assert_eq!(h.csr.mtvec, 0x8000_0100);
        h.instret = 100;
        assert!(h.debug_write_csr(MINSTRET, 5000));
        assert_eq!(h.debug_read_csr(MINSTRET), Some(5000));
        assert_eq!(h.debug_read_csr(INSTRET), Some(5000));
        assert!(!h.debug_write_csr(CYCLE, 1), "read-only");
        assert!(!h.debug_write_csr(MHARTID, 1), "read-only");
        assert!(!h.debug_write_csr(0x7c0, 1), "unimplemented");
        assert_eq!(h.privilege, Priv::S);
    }

    #[test]
    fn privilege_change_updates_contexts() {
        let mut h = Hart::new(0, 0);
        h.reservation = Some(crate::hart::Reservation {
            pa: 0x8000_0000,
            value: 0,
        });
        h.debug_set_privilege(Priv::U);
        assert_eq!(h.privilege, Priv::U);
        assert_eq!(h.fetch_ctx, crate::hart::tlb_ctx::USER);
        assert_eq!(h.reservation, None);
    }
}
