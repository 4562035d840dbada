//! gdb under KVM. RISC-V KVM offers software breakpoints only: with
//! `KVM_SET_GUEST_DEBUG` enabled, an `ebreak` the guest executes exits to
//! user space (`KVM_EXIT_DEBUG`) instead of trapping in the guest; there is
//! no hardware step and no watchpoint. So:
//!
//! - breakpoints are `ebreak`s written over the guest's instructions while
//!   the vCPU is inside [`KvmVcpu::run`], and the originals are written back
//!   when it leaves, so gdb always reads the guest's own code;
//! - a single step plants breakpoints at every place the instruction can go
//!   ([`super::step`]) and runs until one is hit;
//! - an `ebreak` that is not heron's is the guest's own (Linux's `BUG` and
//!   `WARN`): it gets the architectural answer, a breakpoint exception
//!   delivered to the guest's `stvec` as the hardware would have;
//! - memory is read through the guest's page tables (its `satp`), with the
//!   same walker the interpreter's debugger uses.
//!
//! Only one vCPU runs at a time under gdb (the gdb session runs the harts
//! round-robin on its thread), so a vCPU's planted breakpoints are its own
//! to write and remove.

use std::io;
use std::os::fd::AsRawFd;

use heron_cpu::debug::{peek_translate, DebugArm};
use heron_cpu::{Priv, RunExit, Vcpu};
use heron_mmu::Bus;
use kvm_bindings::{kvm_guest_debug, KVM_GUESTDBG_ENABLE};

use super::regs;
use super::step::{ebreak_for, step_targets, StepContext};
use super::vcpu::KvmVcpu;

/// `KVM_SET_GUEST_DEBUG`: `_IOW(KVMIO, 0x9b, struct kvm_guest_debug)`,
/// which kvm-ioctls does not wrap for riscv64.
const KVM_SET_GUEST_DEBUG: libc::c_ulong = 0x4008_ae9b;
// The ioctl number encodes the struct's size (bits 16..30).
const _: () = assert!(std::mem::size_of::<kvm_guest_debug>() == 8);

/// `riscv_flush_icache(start, end, flags)`; `flags` 0 flushes every hart's
/// instruction cache (libc names no constant for it).
const SYS_RISCV_FLUSH_ICACHE: libc::c_long = 259;

/// `scause` of a breakpoint exception.
const CAUSE_BREAKPOINT: u64 = 3;
/// `sstatus` bits a trap updates.
const SSTATUS_SIE: u64 = 1 << 1;
const SSTATUS_SPIE: u64 = 1 << 5;
const SSTATUS_SPP: u64 = 1 << 8;

/// A breakpoint written into guest memory, and what it replaced.
struct Planted {
    pa: u64,
    original: [u8; 4],
    len: usize,
}

/// A vCPU's debugger state.
#[derive(Default)]
pub(super) struct VcpuDebug {
    /// What gdb armed.
    arm: DebugArm,
    /// `KVM_SET_GUEST_DEBUG` is enabled.
    enabled: bool,
    /// The breakpoints in guest memory now (only inside `run`).
    planted: Vec<Planted>,
}

impl VcpuDebug {
    /// Whether gdb armed anything (the vCPU then runs through
    /// [`KvmVcpu::run_debug`]).
    pub(super) fn armed(&self) -> bool {
        !self.arm.is_empty()
    }
}

/// How a run under the debugger ended.
enum Ended {
    /// At one of the planted breakpoints (`pc` is at it).
    Planted,
    /// Something else for the machine.
    Exit(RunExit),
}

impl KvmVcpu {
    /// Arms `arm` (see [`heron_cpu::Vcpu::set_debug`]): breakpoints
    /// (gdb's `break` and `hbreak` alike) and single steps. Watchpoints
    /// are refused before they get here (the gdb target knows KVM has
    /// none).
    pub(super) fn arm_debug(&mut self, arm: DebugArm) {
        let enable = !arm.is_empty();
        self.debug.arm = arm;
        if enable == self.debug.enabled {
            return;
        }
        let dbg = kvm_guest_debug {
            control: if enable { KVM_GUESTDBG_ENABLE } else { 0 },
            ..Default::default()
        };
        // SAFETY: the ioctl reads one `struct kvm_guest_debug` from the
        // pointer, valid for the call.
        let rc = unsafe { libc::ioctl(self.fd.as_raw_fd(), KVM_SET_GUEST_DEBUG, &dbg) };
        if rc == 0 {
            self.debug.enabled = enable;
        } else {
            log::error!(
                "kvm: hart {}: KVM_SET_GUEST_DEBUG: {}",
                self.index,
                io::Error::last_os_error()
            );
        }
    }

    /// The physical address of `vaddr` as the vCPU's loads see it now.
    pub(super) fn translate(&self, bus: &Bus, vaddr: u64) -> Option<u64> {
        self.translator(bus)(vaddr)
    }

    /// Translation as the vCPU's loads see it now, with `satp` and the
    /// privilege read once (two ioctls) for all the addresses asked.
    pub(super) fn translator<'b>(&self, bus: &'b Bus) -> impl Fn(u64) -> Option<u64> + 'b {
        let satp = self.get_or_zero(regs::csr_id(0x180).expect("satp has an id"));
        let user = self.get_or_zero(regs::MODE) == regs::MODE_U;
        move |vaddr| peek_translate(bus, satp, user, vaddr)
    }

    /// Runs the vCPU under the debugger: one instruction when gdb steps
    /// (`attached` with a budget of one), else until a breakpoint or an
    /// exit. A run that starts at a breakpoint first steps off it (the
    /// hart resumes from where it stopped, as the interpreter's does).
    pub(super) fn run_debug(&mut self, bus: &Bus, budget: u64) -> RunExit {
        let stepping = self.debug.arm.attached && budget <= 1;
        let pc = self.pc();
        if stepping || self.debug.arm.breakpoints.contains(&pc) {
            let exit = self.step(bus, pc);
            if stepping || exit != RunExit::Budget {
                return exit;
            }
        }
        let breakpoints = self.debug.arm.breakpoints.clone();
        match self.run_planted(bus, &breakpoints, false) {
            Ended::Planted => RunExit::Breakpoint,
            Ended::Exit(exit) => exit,
        }
    }

    /// Executes the instruction at `pc` (or takes the trap it raises):
    /// `Budget` once it has, or the exit that came first.
    fn step(&mut self, bus: &Bus, pc: u64) -> RunExit {
        let raw = self.fetch(bus, pc);
        let ctx = StepContext {
            pc,
            xreg: &|r| self.xreg(r),
            sepc: self.csr_or_zero(0x141),
            stvec: self.csr_or_zero(0x105),
            user: self.get_or_zero(regs::MODE) == regs::MODE_U,
        };
        let targets = step_targets(raw, &ctx);
        match self.run_planted(bus, &targets, true) {
            Ended::Planted => RunExit::Budget,
            Ended::Exit(exit) => exit,
        }
    }

    /// Runs with breakpoints at `at` until one is hit. `whole` keeps
    /// running across MMIO exits (served here) so that a step finishes
    /// its instruction; otherwise they end the run for the machine.
    fn run_planted(&mut self, bus: &Bus, at: &[u64], whole: bool) -> Ended {
        self.plant(bus, at);
        let mut attention = false;
        let ended = loop {
            match self.run_once(bus) {
                None => continue,
                Some(RunExit::Breakpoint) => {
                    if at.contains(&self.pc()) {
                        break Ended::Planted;
                    }
                    // Not ours: the guest's own `ebreak`.
                    self.deliver_breakpoint();
                    if whole {
                        // The step went into the handler, which is planted.
                        break Ended::Planted;
                    }
                }
                // An MMIO access inside the step's instruction: it
                // completes on the next entry.
                Some(RunExit::Attention)
                    if whole && self.failed.is_none() && !self.power.pending() =>
                {
                    attention = true
                }
                Some(exit) => break Ended::Exit(exit),
            }
        };
        self.unplant(bus);
        match ended {
            Ended::Planted if attention => Ended::Exit(RunExit::Attention),
            other => other,
        }
    }

    /// The instruction bits at virtual `pc` (0, an illegal instruction,
    /// where nothing can be read: the fetch will fault).
    fn fetch(&self, bus: &Bus, pc: u64) -> u32 {
        let half = |va: u64| -> Option<u32> {
            let pa = self.translate(bus, va)?;
            let mut b = [0u8; 2];
            bus.ram().read(pa, &mut b).ok()?;
            Some(u32::from(u16::from_le_bytes(b)))
        };
        let Some(lo) = half(pc) else { return 0 };
        if lo & 3 != 3 {
            return lo;
        }
        half(pc.wrapping_add(2)).map_or(0, |hi| lo | hi << 16)
    }

    /// Writes breakpoints at the virtual addresses `at` (those mapped, once
    /// per physical slot).
    fn plant(&mut self, bus: &Bus, at: &[u64]) {
        let ram = bus.ram();
        let translate = self.translator(bus);
        for &va in at {
            let Some(pa) = translate(va) else {
                continue;
            };
            if self.debug.planted.iter().any(|p| p.pa == pa) {
                continue;
            }
            let mut original = [0u8; 4];
            if ram.read(pa, &mut original[..2]).is_err() {
                continue;
            }
            let ebreak = ebreak_for(u16::from_le_bytes([original[0], original[1]]));
            let len = ebreak.len();
            if ram.read(pa, &mut original[..len]).is_err() || ram.write(pa, ebreak).is_err() {
                continue;
            }
            self.debug.planted.push(Planted { pa, original, len });
        }
        flush_icache();
    }

    /// Writes the guest's instructions back.
    fn unplant(&mut self, bus: &Bus) {
        for p in self.debug.planted.drain(..).rev() {
            if let Err(e) = bus.ram().write(p.pa, &p.original[..p.len]) {
                log::error!("kvm: restoring the instruction at {:#x}: {e}", p.pa);
            }
        }
        flush_icache();
    }

    /// What the hardware does on the guest's own `ebreak` when no debugger
    /// intercepts it: a breakpoint exception into S-mode at `stvec`.
    fn deliver_breakpoint(&mut self) {
        let pc = self.pc();
        let from_s = self.get_or_zero(regs::MODE) == regs::MODE_S;
        let mut sstatus = self.csr_or_zero(0x100);
        let sie = sstatus & SSTATUS_SIE != 0;
        sstatus &= !(SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP);
        if sie {
            sstatus |= SSTATUS_SPIE;
        }
        if from_s {
            sstatus |= SSTATUS_SPP;
        }
        let stvec = self.csr_or_zero(0x105);
        for (csr, value) in [
            (0x100, sstatus),
            (0x141, pc),
            (0x142, CAUSE_BREAKPOINT),
            (0x143, pc),
        ] {
            self.write_csr(csr, value);
        }
        self.set_privilege(Priv::S);
        self.set_pc(stvec & !3);
    }

    fn csr_or_zero(&self, csr: u16) -> u64 {
        regs::csr_id(csr).map_or(0, |id| self.get_or_zero(id))
    }
}

/// Makes the instructions written through heron's mapping of guest RAM
/// visible to every hart's instruction fetch.
fn flush_icache() {
    // SAFETY: a plain system call on no memory of ours (the range is
    // ignored with flags 0).
    let rc = unsafe { libc::syscall(SYS_RISCV_FLUSH_ICACHE, 0usize, 0usize, 0usize) };
    if rc != 0 {
        log::warn!("riscv_flush_icache: {}", io::Error::last_os_error());
    }
}
