//! One hart's slice: sync its time and lines, run it, serve its exit.
//! The same on one thread and on a thread per hart.

use heron_cpu::{RunExit, Vcpu};
use heron_devices::PowerEvent;
use heron_firmware::{Resume, SbiOutcome};
use heron_mmu::events::bits;

use super::{MachineCore, Outcome};
use crate::htif::HtifEvent;

/// What one hart's slice ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceEvent {
    /// The budget ran out (or a device was served); nothing to report.
    Ran,
    /// The hart waits for an interrupt (or, stopped, for an HSM start).
    Wfi,
    /// A debugger breakpoint at the hart's `pc`.
    Breakpoint,
    /// A debugger watchpoint hit by the instruction at the hart's `pc`.
    Watchpoint(heron_cpu::debug::WatchHit),
    /// The run is over.
    Done(Outcome),
}

impl MachineCore {
    /// Runs `hart` for up to `budget` instructions and serves what it
    /// asked for on the way out. `stopped` is the hart's HSM "stopped"
    /// flag: such a hart only looks for a start request.
    pub(super) fn step(&self, hart: &mut dyn Vcpu, stopped: &mut bool, budget: u64) -> SliceEvent {
        let h = hart.index();
        if *stopped {
            match self.sbi.as_ref().and_then(|s| s.hsm().take_start(h)) {
                Some((addr, opaque)) => {
                    heron_firmware::start_hart(hart, addr, opaque);
                    *stopped = false;
                }
                None => return self.after_run(hart, SliceEvent::Wfi),
            }
        }
        self.sync_time(hart);
        if !self.resume_if_woken(hart) {
            return self.after_run(hart, SliceEvent::Wfi);
        }
        let event = self.run_hart(hart, stopped, budget);
        self.after_run(hart, event)
    }

    /// A hart in SBI `hart_suspend` resumes (and may run) once an
    /// interrupt is pending for it; `false` while it stays suspended.
    fn resume_if_woken(&self, hart: &mut dyn Vcpu) -> bool {
        let h = hart.index();
        let Some(hsm) = self.sbi.as_ref().map(|s| s.hsm()) else {
            return true;
        };
        if !hsm.is_suspended(h) {
            return true;
        }
        // An IPI is an event until the hart serves it.
        hart.serve_posted_events(&self.bus);
        if !hart.wakeup_pending() {
            return false;
        }
        if let Some(Resume::Restart { addr, opaque }) = hsm.take_resume(h) {
            heron_firmware::resume_hart(hart, addr, opaque);
        }
        true
    }

    /// Power, quit and firmware-trap checks after a slice.
    fn after_run(&self, hart: &mut dyn Vcpu, event: SliceEvent) -> SliceEvent {
        if let Some(p) = self.power.take() {
            return SliceEvent::Done(match p {
                PowerEvent::Shutdown(code) => Outcome::Exit(code as u64),
                PowerEvent::Reboot => Outcome::Reboot,
            });
        }
        if self.quit.as_ref().is_some_and(|q| q.is_set()) {
            return SliceEvent::Done(Outcome::Quit);
        }
        // The built-in firmware has no M-mode code: a trap into M (an
        // undelegated exception) would loop on a fetch fault at mtvec. (A
        // hart without it never reports one; a KVM vCPU reports a guest
        // KVM could not run on.)
        if let Some((cause, epc, tval)) = hart.machine_trap() {
            return SliceEvent::Done(Outcome::FirmwareTrap { cause, epc, tval });
        }
        event
    }

    fn run_hart(&self, hart: &mut dyn Vcpu, stopped: &mut bool, budget: u64) -> SliceEvent {
        match hart.run(&self.bus, budget) {
            RunExit::Budget => SliceEvent::Ran,
            RunExit::Attention => {
                if let Some(htif) = self.htif().as_mut() {
                    if let HtifEvent::Exit(code) = htif.service(&self.bus) {
                        return SliceEvent::Done(Outcome::Exit(code));
                    }
                }
                self.kick_changed_lines();
                SliceEvent::Ran
            }
            RunExit::Event => {
                // The lines are synced at the start of the next slice; a
                // MACHINE request is the caller's to look at.
                self.bus.events()[hart.index()].take(bits::INTERRUPT | bits::MACHINE);
                SliceEvent::Ran
            }
            RunExit::Wfi => SliceEvent::Wfi,
            RunExit::JitDiverged => SliceEvent::Done(Outcome::JitDiverged { hart: hart.index() }),
            RunExit::Breakpoint => SliceEvent::Breakpoint,
            RunExit::Watchpoint(hit) => SliceEvent::Watchpoint(hit),
            RunExit::EnvCall => {
                let Some(sbi) = self.sbi.as_ref() else {
                    return SliceEvent::Ran;
                };
                let outcome = sbi.handle(hart, &self.bus);
                hart.complete_ecall();
                // An SBI call may have started a hart or posted IPIs.
                match outcome {
                    SbiOutcome::Continue => SliceEvent::Ran,
                    SbiOutcome::Suspended => SliceEvent::Wfi,
                    SbiOutcome::HartStopped => {
                        *stopped = true;
                        SliceEvent::Wfi
                    }
                    SbiOutcome::Power(PowerEvent::Shutdown(code)) => {
                        SliceEvent::Done(Outcome::Exit(code as u64))
                    }
                    SbiOutcome::Power(PowerEvent::Reboot) => SliceEvent::Done(Outcome::Reboot),
                }
            }
        }
    }
}
