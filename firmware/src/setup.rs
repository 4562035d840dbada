//! The machine-mode state the built-in firmware leaves when it enters the
//! kernel, as OpenSBI's cold boot path (`sbi_hart_init`: `mstatus_init`,
//! `delegate_traps`, PMP setup) followed by an `mret` into S-mode would.

use heron_cpu::csr::addr;
use heron_cpu::csr::{MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP, MSTATUS_SIE, MSTATUS_SPP};
use heron_cpu::trap::{cause, irq};
use heron_cpu::{Priv, Vcpu};

/// Exceptions handled directly in S-mode.
///
/// OpenSBI delegates instruction-address-misaligned, breakpoint, ecall from
/// U and the three page faults (`delegate_traps` in lib/sbi/sbi_hart.c).
/// Everything else it takes in M-mode, and after emulating what it can
/// (misaligned loads and stores, `rdtime` without a time CSR) redirects the
/// trap to S-mode unchanged (`sbi_trap_redirect`). heron's hart does
/// misaligned loads/stores and the time CSR in hardware, and there is no
/// M-mode code behind the built-in firmware to take a trap, so the
/// exceptions OpenSBI would redirect — illegal instruction, access faults,
/// load/store (AMO) misaligned — are delegated too: S-mode sees the same
/// traps it would under OpenSBI. Ecall from S stays with M; the hart hands
/// it to the host ([`Hart::firmware_ecalls`]).
pub const MEDELEG: u64 = (1 << cause::INSN_MISALIGNED)
    | (1 << cause::INSN_ACCESS)
    | (1 << cause::ILLEGAL_INSN)
    | (1 << cause::BREAKPOINT)
    | (1 << cause::LOAD_MISALIGNED)
    | (1 << cause::LOAD_ACCESS)
    | (1 << cause::STORE_MISALIGNED)
    | (1 << cause::STORE_ACCESS)
    | (1 << cause::ECALL_U)
    | (1 << cause::INSN_PAGE)
    | (1 << cause::LOAD_PAGE)
    | (1 << cause::STORE_PAGE);

/// Interrupts handled in S-mode: software, timer and external (as OpenSBI).
pub const MIDELEG: u64 = (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI);

/// `menvcfg.STCE`: S-mode owns `stimecmp` (Sstc), so the SBI timer call and
/// the kernel's direct `stimecmp` writes drive STIP without M-mode.
const MENVCFG_STCE: u64 = 1 << 63;

/// `mstatus.FS` = Initial: the FPU is on, as OpenSBI's `mstatus_init`
/// leaves it (the kernel then manages FS itself).
const MSTATUS_FS_INITIAL: u64 = 1 << 13;

/// `pmpcfg` bits of entry 0: NAPOT, R, W, X.
const PMPCFG_NAPOT_RWX: u64 = (3 << 3) | 0b111;

/// `pmpaddr` with every implemented bit set: a NAPOT region covering the
/// whole physical address space.
const PMPADDR_ALL: u64 = u64::MAX;

/// Sets `hart` up as the built-in firmware leaves it when it jumps to the
/// kernel: exceptions and S-level interrupts delegated, Sstc enabled,
/// counters readable from S and U, PMP entry 0 granting everything, M-mode
/// interrupts off; then the state after an `mret` to S-mode at
/// `kernel_entry` with `a0` = hartid and `a1` = `dtb_addr`, `satp` = 0 and
/// `sstatus.SIE` = 0, as the RISC-V Linux boot protocol and the SBI HSM
/// start state require. S-mode `ecall`s are handed to the host from then on.
pub fn firmware_boot(hart: &mut dyn Vcpu, kernel_entry: u64, dtb_addr: u64) {
    enter_supervisor(hart, kernel_entry, dtb_addr);
    log::debug!("firmware: entering S-mode at {kernel_entry:#x}, dtb at {dtb_addr:#x}");
}

/// Starts a secondary hart as SBI `hart_start` requires (§9.1): the same
/// M-mode setup as the boot hart, then S-mode at `start_addr` with `a0` =
/// hartid, `a1` = `opaque`, `satp` = 0 and `sstatus.SIE` = 0.
pub fn start_hart(hart: &mut dyn Vcpu, start_addr: u64, opaque: u64) {
    enter_supervisor(hart, start_addr, opaque);
    log::debug!("firmware: hart {} starts at {start_addr:#x}", hart.index());
}

/// Resumes a hart from a non-retentive SBI `hart_suspend` (§9.4): S-mode
/// at `resume_addr` with `a0` = hartid, `a1` = `opaque`, `satp` = 0 and
/// `sstatus.SIE` = 0. Unlike a start, the M-mode setup and the interrupt
/// enables stay as they were: the interrupt that woke the hart is still
/// pending for it.
pub fn resume_hart(hart: &mut dyn Vcpu, resume_addr: u64, opaque: u64) {
    hart.write_csr(addr::SATP, 0);
    let mstatus = hart.read_csr(addr::MSTATUS).unwrap_or(0);
    hart.write_csr(addr::MSTATUS, mstatus & !MSTATUS_SIE);
    hart.set_privilege(Priv::S);
    hart.set_pc(resume_addr);
    hart.set_xreg(10, hart.index() as u64);
    hart.set_xreg(11, opaque);
    hart.flush_translations();
    log::debug!(
        "firmware: hart {} resumes at {resume_addr:#x}",
        hart.index()
    );
}

fn enter_supervisor(hart: &mut dyn Vcpu, entry: u64, a1: u64) {
    // Every CSR below exists on heron's harts, so the writes cannot fail.
    let mut set = |csr, value| {
        let done = hart.write_csr(csr, value);
        debug_assert!(done, "CSR {csr:#x}");
    };
    set(addr::MEDELEG, MEDELEG);
    set(addr::MIDELEG, MIDELEG);
    // OpenSBI writes -1 to both; heron keeps their 32 implemented bits.
    set(addr::MCOUNTEREN, 0xffff_ffff);
    set(addr::SCOUNTEREN, 0xffff_ffff);
    set(addr::MIE, 0);
    set(addr::SATP, 0);
    set(addr::PMPADDR0, PMPADDR_ALL);
    set(addr::PMPCFG0, PMPCFG_NAPOT_RWX);
    let menvcfg = hart.read_csr(addr::MENVCFG).unwrap_or(0);
    hart.write_csr(addr::MENVCFG, menvcfg | MENVCFG_STCE);

    // The state after `mret` with MPP = S and MPIE = 0: privilege S, MIE =
    // MPIE (0), MPIE = 1, MPP = U (the least-privileged mode). SIE = 0 and
    // SPP = U as a fresh S-mode entry.
    let mut mstatus = hart.read_csr(addr::MSTATUS).unwrap_or(0);
    mstatus &= !(MSTATUS_MIE | MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPP);
    mstatus |= MSTATUS_MPIE | MSTATUS_FS_INITIAL;
    hart.write_csr(addr::MSTATUS, mstatus);
    hart.set_privilege(Priv::S);
    hart.set_pc(entry);
    hart.set_xreg(10, hart.index() as u64);
    hart.set_xreg(11, a1);
    hart.set_host_sbi(true);
    hart.flush_translations();
}

#[cfg(test)]
mod tests {
    use super::*;
    use heron_cpu::Hart;
    use heron_mmu::Access;

    #[test]
    fn leaves_the_hart_in_s_mode_at_the_kernel() {
        let mut hart = Hart::new(0, 0x1000);
        hart.csr.satp = 8 << 60;
        hart.set_x(10, 5);
        hart.mstatus |= MSTATUS_MIE | MSTATUS_SIE;
        firmware_boot(&mut *hart, 0x8020_0000, 0x87e0_0000);
        assert_eq!(hart.privilege, Priv::S);
        assert_eq!(hart.pc, 0x8020_0000);
        assert_eq!(hart.get_x(10), 0, "a0 = hartid");
        assert_eq!(hart.get_x(11), 0x87e0_0000, "a1 = dtb");
        assert_eq!(hart.csr.satp, 0);
        assert_eq!(hart.mstatus & (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_MPP), 0);
        assert_ne!(hart.mstatus & MSTATUS_MPIE, 0);
        assert!(hart.firmware_ecalls);
        assert_eq!(hart.data_ctx, heron_cpu::hart::tlb_ctx::SUPERVISOR);
    }

    #[test]
    fn delegates_like_opensbi_and_enables_sstc_and_counters() {
        let mut hart = Hart::new(0, 0);
        firmware_boot(&mut *hart, 0x8020_0000, 0);
        let d = hart.csr.medeleg;
        for c in [
            cause::INSN_MISALIGNED,
            cause::BREAKPOINT,
            cause::ECALL_U,
            cause::INSN_PAGE,
            cause::LOAD_PAGE,
            cause::STORE_PAGE,
            cause::ILLEGAL_INSN,
        ] {
            assert_ne!(d & (1 << c), 0, "cause {c} delegated");
        }
        assert_eq!(d & (1 << cause::ECALL_S), 0, "ecall from S stays with M");
        assert_eq!(hart.csr.mideleg, 0x222);
        assert_ne!(hart.csr.menvcfg & MENVCFG_STCE, 0);
        assert_eq!(hart.csr.mcounteren & 0b111, 0b111, "CY, TM, IR");
        // PMP entry 0 lets S-mode touch any address.
        for pa in [0, 0x8000_0000, 0x1000_0000, u64::MAX - 8] {
            assert!(hart.pmp.check(pa, 8, Access::Store, false));
            assert!(hart.pmp.check(pa, 4, Access::Fetch, false));
        }
    }

    #[test]
    fn sstc_drives_the_supervisor_timer() {
        let mut hart = Hart::new(0, 0);
        firmware_boot(&mut *hart, 0x8020_0000, 0);
        hart.csr.stimecmp = 100;
        hart.set_mtime(99);
        assert_eq!(hart.mip & (1 << irq::STI), 0);
        hart.set_mtime(100);
        assert_ne!(hart.mip & (1 << irq::STI), 0);
    }
}

#[cfg(test)]
mod start_tests {
    use super::*;
    use heron_cpu::Hart;

    #[test]
    fn a_started_hart_gets_its_id_and_opaque() {
        let mut hart = Hart::new(2, 0x1000);
        start_hart(&mut *hart, 0x8020_1000, 0xdead_beef);
        assert_eq!(hart.privilege, Priv::S);
        assert_eq!(hart.pc, 0x8020_1000);
        assert_eq!((hart.get_x(10), hart.get_x(11)), (2, 0xdead_beef));
        assert_eq!(hart.csr.satp, 0);
        assert_eq!(hart.mstatus & MSTATUS_SIE, 0);
        assert!(hart.firmware_ecalls);
    }
}
