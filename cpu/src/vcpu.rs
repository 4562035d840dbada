//! The execution-engine boundary: what the machine, the boot code, the SBI
//! and the debugger need of a hart, whatever runs it.
//!
//! The interpreter's [`Hart`] implements [`Vcpu`] today; the JIT tier wraps
//! a `Hart` (it shares its `#[repr(C)]` state and soft TLB), and a KVM vCPU
//! implements it over `KVM_RUN` and ONE_REG accesses, with no walker, TLB or
//! PMP of its own — which is why the trait speaks of registers, CSRs by
//! number and physical permission checks, never of `Hart` fields.

use std::io;

use heron_mmu::{Access, Bus, GuestRam};

use crate::debug::DebugArm;
use crate::hart::{Hart, MisalignedAccess, Priv};
use crate::interp::RunExit;
use crate::trace::TraceConfig;

/// One hart as an execution engine runs it.
pub trait Vcpu: Send {
    /// The hart's index in the machine (its `mhartid`).
    fn index(&self) -> usize;
    /// Runs until about `budget` instructions retired or an exit
    /// ([`RunExit`]).
    fn run(&mut self, bus: &Bus, budget: u64) -> RunExit;
    /// Instructions retired.
    fn instret(&self) -> u64;

    /// The program counter.
    fn pc(&self) -> u64;
    /// Sets the program counter.
    fn set_pc(&mut self, pc: u64);
    /// Integer register `r` (0..32).
    fn xreg(&self, r: u8) -> u64;
    /// Sets integer register `r` (writes to x0 are dropped).
    fn set_xreg(&mut self, r: u8, value: u64);
    /// Floating-point register `r`, raw (NaN-boxed) bits.
    fn freg(&self, r: u8) -> u64;
    /// Sets floating-point register `r`.
    fn set_freg(&mut self, r: u8, value: u64);
    /// Reads CSR `csr` as M-mode would, without side effects; `None` if the
    /// hart has no such CSR.
    fn read_csr(&mut self, csr: u16) -> Option<u64>;
    /// Writes CSR `csr` as M-mode would (WARL fields keep their legal
    /// values); `false` if it does not exist or is read-only.
    fn write_csr(&mut self, csr: u16, value: u64) -> bool;
    /// The current privilege level.
    fn privilege(&self) -> Priv;
    /// Moves the hart to privilege `p` (boot code, debugger).
    fn set_privilege(&mut self, p: Priv);

    /// Device interrupt lines (`mip` bits MSIP, MTIP, MEIP, SEIP).
    fn set_interrupt_lines(&mut self, lines: u64);
    /// The current `mtime` (drives `time` and the Sstc comparator).
    fn set_mtime(&mut self, mtime: u64);
    /// The earliest `mtime` at which the hart's own timer (Sstc `stimecmp`)
    /// fires; `u64::MAX` if it has none armed.
    fn timer_deadline(&self) -> u64;
    /// Whether an interrupt is pending and enabled in `mie` (what wakes the
    /// hart from `wfi`, whatever the global enables say).
    fn wakeup_pending(&self) -> bool;
    /// Serves what other harts posted to this one's event word (IPIs, code
    /// pages, TLB flushes) now rather than at its next block, e.g. before
    /// asking [`Vcpu::wakeup_pending`] of a hart that is not running.
    fn serve_posted_events(&mut self, bus: &Bus);
    /// Whether the hart traps into M-mode with no firmware there: with the
    /// built-in SBI this is a guest crash, reported with `(mcause, mepc,
    /// mtval)`.
    fn machine_trap(&mut self) -> Option<(u64, u64, u64)>;
    /// Steps over the `ecall` the host just served
    /// ([`RunExit::EnvCall`]).
    fn complete_ecall(&mut self);
    /// Hands S-mode `ecall`s to the host (the built-in SBI).
    fn set_host_sbi(&mut self, on: bool);
    /// Drops every cached translation (`sfence.vma` of everything).
    fn flush_translations(&mut self);
    /// Drops every decoded or translated block (after the host wrote RAM).
    fn flush_decoded(&mut self, ram: &GuestRam);
    /// Whether PMP lets `len` bytes at physical `pa` be accessed for
    /// `access`, on behalf of M-mode (`machine`) or of S/U.
    fn pmp_allows(&self, pa: u64, len: u64, access: Access, machine: bool) -> bool;
    /// What misaligned loads and stores do.
    fn set_misaligned(&mut self, misaligned: MisalignedAccess);
    /// Other harts run on other threads: fences must order host accesses.
    fn set_concurrent_memory(&mut self, concurrent: bool);

    /// Arms breakpoints and watchpoints (empty: disarm).
    fn set_debug(&mut self, arm: DebugArm, bus: &Bus);
    /// The physical address of `vaddr` as a data load now would see it.
    fn debug_translate(&self, bus: &Bus, vaddr: u64) -> Option<u64>;
    /// Reads guest virtual memory for a debugger; returns the bytes read.
    fn debug_read(&self, bus: &Bus, vaddr: u64, buf: &mut [u8]) -> usize;
    /// Writes guest virtual memory for a debugger; returns the bytes written.
    fn debug_write(&mut self, bus: &Bus, vaddr: u64, data: &[u8]) -> usize;
    /// Turns instruction tracing on (`out`) or event logging only.
    fn set_trace(&mut self, out: Option<Box<dyn io::Write + Send>>, config: TraceConfig);
    /// Writes out what the trace still buffers.
    fn flush_trace(&mut self) -> io::Result<()>;
    /// The translating tier's counters, if the hart has one.
    fn tier_stats(&self) -> Option<crate::tier::TierStats>;
    /// Checks every translated block against the interpreter from now on
    /// (`--jit-check`).
    fn enable_jit_check(&mut self);
    /// What the checker found, after [`RunExit::JitDiverged`].
    fn take_jit_check_report(&mut self) -> Option<String>;
}

impl Vcpu for Hart {
    fn index(&self) -> usize {
        Hart::index(self)
    }
    fn run(&mut self, bus: &Bus, budget: u64) -> RunExit {
        Hart::run(self, bus, budget)
    }
    fn instret(&self) -> u64 {
        self.instret
    }
    fn pc(&self) -> u64 {
        self.pc
    }
    fn set_pc(&mut self, pc: u64) {
        self.pc = pc;
    }
    fn xreg(&self, r: u8) -> u64 {
        self.get_x(r)
    }
    fn set_xreg(&mut self, r: u8, value: u64) {
        self.set_x(r, value);
    }
    fn freg(&self, r: u8) -> u64 {
        self.f[(r & 31) as usize]
    }
    fn set_freg(&mut self, r: u8, value: u64) {
        self.f[(r & 31) as usize] = value;
    }
    fn read_csr(&mut self, csr: u16) -> Option<u64> {
        self.debug_read_csr(csr)
    }
    fn write_csr(&mut self, csr: u16, value: u64) -> bool {
        self.debug_write_csr(csr, value)
    }
    fn privilege(&self) -> Priv {
        self.privilege
    }
    fn set_privilege(&mut self, p: Priv) {
        self.debug_set_privilege(p);
    }
    fn set_interrupt_lines(&mut self, lines: u64) {
        self.set_external_interrupts(lines);
    }
    fn set_mtime(&mut self, mtime: u64) {
        Hart::set_mtime(self, mtime);
    }
    fn timer_deadline(&self) -> u64 {
        if self.csr.menvcfg >> 63 != 0 {
            self.csr.stimecmp
        } else {
            u64::MAX
        }
    }
    fn wakeup_pending(&self) -> bool {
        self.mip & self.mie != 0
    }
    fn serve_posted_events(&mut self, bus: &Bus) {
        if let Some(events) = bus.events().get(self.index()) {
            self.serve_events(events);
        }
    }
    fn machine_trap(&mut self) -> Option<(u64, u64, u64)> {
        (self.firmware_ecalls && self.privilege == Priv::M).then_some((
            self.csr.mcause,
            self.csr.mepc,
            self.csr.mtval,
        ))
    }
    fn complete_ecall(&mut self) {
        Hart::complete_ecall(self);
    }
    fn set_host_sbi(&mut self, on: bool) {
        self.firmware_ecalls = on;
    }
    fn flush_translations(&mut self) {
        Hart::flush_translations(self);
    }
    fn flush_decoded(&mut self, ram: &GuestRam) {
        Hart::flush_decoded(self, ram);
    }
    fn pmp_allows(&self, pa: u64, len: u64, access: Access, machine: bool) -> bool {
        self.pmp.check(pa, len, access, machine)
    }
    fn set_misaligned(&mut self, misaligned: MisalignedAccess) {
        self.misaligned = misaligned;
    }
    fn set_concurrent_memory(&mut self, concurrent: bool) {
        self.concurrent_memory = concurrent;
    }
    fn set_debug(&mut self, arm: DebugArm, bus: &Bus) {
        Hart::set_debug(self, arm, bus);
    }
    fn debug_translate(&self, bus: &Bus, vaddr: u64) -> Option<u64> {
        Hart::debug_translate(self, bus, vaddr)
    }
    fn debug_read(&self, bus: &Bus, vaddr: u64, buf: &mut [u8]) -> usize {
        Hart::debug_read(self, bus, vaddr, buf)
    }
    fn debug_write(&mut self, bus: &Bus, vaddr: u64, data: &[u8]) -> usize {
        Hart::debug_write(self, bus, vaddr, data)
    }
    fn set_trace(&mut self, out: Option<Box<dyn io::Write + Send>>, config: TraceConfig) {
        Hart::set_trace(self, out, config);
    }
    fn flush_trace(&mut self) -> io::Result<()> {
        Hart::flush_trace(self)
    }
    fn tier_stats(&self) -> Option<crate::tier::TierStats> {
        Hart::tier_stats(self)
    }
    fn enable_jit_check(&mut self) {
        Hart::enable_jit_check(self);
    }
    fn take_jit_check_report(&mut self) -> Option<String> {
        Hart::take_jit_check_report(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::addr;

    #[test]
    fn the_interpreter_is_a_vcpu() {
        let mut hart = Hart::new(3, 0x8000_0000);
        let v: &mut dyn Vcpu = &mut *hart;
        assert_eq!(v.index(), 3);
        assert_eq!(v.pc(), 0x8000_0000);
        v.set_xreg(0, 7);
        v.set_xreg(5, 9);
        assert_eq!((v.xreg(0), v.xreg(5)), (0, 9));
        assert!(v.write_csr(addr::MSCRATCH, 42));
        assert_eq!(v.read_csr(addr::MSCRATCH), Some(42));
        assert!(!v.write_csr(addr::MHARTID, 1), "read-only");
        assert_eq!(v.read_csr(addr::MHARTID), Some(3));
        v.set_privilege(Priv::S);
        assert_eq!(v.privilege(), Priv::S);
        assert_eq!(v.timer_deadline(), u64::MAX, "no Sstc yet");
        assert!(!v.wakeup_pending());
    }
}
