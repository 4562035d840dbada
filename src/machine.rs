//! The machine: a hart, RAM, the bus with its devices, and the loop that
//! runs the hart in slices and services time, interrupts and HTIF between
//! them.

use std::time::{Duration, Instant};

use heron_cpu::{Hart, RunExit};
use heron_devices::clint::{Clint, ClintHandle, CLINT_SIZE};
use heron_devices::{PlicHandle, PowerControl, PowerEvent};
use heron_firmware::{Sbi, SbiOutcome};
use heron_mmu::bus::MapError;
use heron_mmu::{Bus, GuestRam, RamError};
use thiserror::Error;

use crate::console::QuitFlag;
use crate::htif::{Htif, HtifEvent};

/// Guest RAM base (as on QEMU's `virt` and Spike).
pub const RAM_BASE: u64 = 0x8000_0000;
/// CLINT base.
pub const CLINT_BASE: u64 = 0x0200_0000;
/// `mtime` frequency.
pub const TIMEBASE_HZ: u64 = 10_000_000;
/// Instructions per run slice: the longest the machine loop goes without
/// updating time and interrupt lines.
const SLICE: u64 = 20_000;
/// In deterministic mode, one `mtime` tick every this many instructions
/// (a nominal 100 MIPS hart).
const INSNS_PER_TICK: u64 = 10;

/// Errors building the machine.
#[derive(Debug, Error)]
pub enum MachineError {
    /// RAM could not be created.
    #[error(transparent)]
    Ram(#[from] RamError),
    /// A device could not be mapped.
    #[error(transparent)]
    Map(#[from] MapError),
}

/// Where `mtime` comes from.
#[derive(Clone, Copy, Debug)]
pub enum TimeSource {
    /// The host's monotonic clock.
    Host,
    /// The instruction count, so that runs are repeatable.
    Instructions,
}

/// What one [`Machine::run_slice`] ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceEvent {
    /// The budget ran out (or a device was served); nothing to report.
    Ran,
    /// The hart waits for an interrupt.
    Wfi,
    /// The guest asked to exit with this code.
    Exit(u64),
    /// A debugger breakpoint at `pc`.
    Breakpoint,
    /// A debugger watchpoint hit by the instruction at `pc`.
    Watchpoint(heron_cpu::debug::WatchHit),
    /// The guest asked for a reset.
    Reboot,
    /// The user quit from the console (Ctrl-A x).
    Quit,
    /// With the built-in firmware, the guest trapped into M-mode, where no
    /// code exists: `(mcause, mepc, mtval)`.
    FirmwareTrap(u64, u64, u64),
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The guest asked to exit with this code.
    Exit(u64),
    /// The time limit passed.
    Timeout,
    /// The guest asked for a reset: build the machine again and boot anew.
    Reboot,
    /// The user quit from the console.
    Quit,
    /// The guest trapped into M-mode with no M-mode firmware to handle it.
    FirmwareTrap {
        /// `mcause`.
        cause: u64,
        /// `mepc`.
        epc: u64,
        /// `mtval`.
        tval: u64,
    },
}

/// Machine configuration.
pub struct MachineConfig {
    /// RAM size in bytes.
    pub ram_size: u64,
    /// Time source.
    pub time: TimeSource,
}

/// A single-hart machine.
pub struct Machine {
    /// The hart.
    pub hart: Box<Hart>,
    /// The physical address space.
    pub bus: Bus,
    clint: ClintHandle,
    plic: Option<PlicHandle>,
    htif: Option<Htif>,
    sbi: Option<Sbi>,
    power: PowerControl,
    quit: Option<QuitFlag>,
    time: TimeSource,
    started: Instant,
    /// Ticks skipped while idle in deterministic mode.
    idle_ticks: u64,
}

impl Machine {
    /// Builds the machine with RAM and the CLINT; the hart starts at
    /// `RAM_BASE` in M-mode.
    pub fn new(config: &MachineConfig) -> Result<Self, MachineError> {
        let ram = GuestRam::new(RAM_BASE, config.ram_size)?;
        let mut bus = Bus::new(ram);
        let (clint, clint_handle) = Clint::new(1);
        bus.map(CLINT_BASE, CLINT_SIZE, "clint", Box::new(clint))?;
        Ok(Machine {
            hart: Hart::new(0, RAM_BASE),
            bus,
            clint: clint_handle,
            plic: None,
            htif: None,
            sbi: None,
            power: PowerControl::new(),
            quit: None,
            time: config.time,
            started: Instant::now(),
            idle_ticks: 0,
        })
    }

    /// Routes the PLIC's interrupt outputs into the hart.
    pub fn attach_plic(&mut self, plic: PlicHandle) {
        self.plic = Some(plic);
    }

    /// Serves the hart's S-mode ecalls with the built-in SBI firmware.
    pub fn attach_sbi(&mut self, sbi: Sbi) {
        self.hart.firmware_ecalls = true;
        self.sbi = Some(sbi);
    }

    /// The mailbox devices and firmware post power-off and reset requests to.
    pub fn power(&self) -> PowerControl {
        self.power.clone()
    }

    /// Stops the run when the console's quit flag is set.
    pub fn set_quit_flag(&mut self, quit: QuitFlag) {
        self.quit = Some(quit);
    }

    /// Whether HTIF is on (a bare-metal test program).
    pub fn has_htif(&self) -> bool {
        self.htif.is_some()
    }

    /// Turns HTIF on.
    pub fn attach_htif(&mut self, htif: Htif) {
        self.bus.watch(htif.tohost());
        self.htif = Some(htif);
    }

    fn clock_ticks(&self) -> u64 {
        match self.time {
            TimeSource::Host => {
                let ns = self.started.elapsed().as_nanos() as u64;
                ns / (1_000_000_000 / TIMEBASE_HZ)
            }
            TimeSource::Instructions => self.hart.instret / INSNS_PER_TICK + self.idle_ticks,
        }
    }

    /// Publishes the current time and the interrupt lines to the hart.
    fn sync_time(&mut self) {
        self.clint.set_clock(self.clock_ticks());
        self.hart.set_mtime(self.clint.mtime());
        let plic = self.plic.as_ref().map_or(0, |p| p.irq_lines(0));
        self.hart
            .set_external_interrupts(self.clint.lines(0) | plic);
    }

    /// The next time (in ticks) at which a timer interrupt could fire.
    fn next_deadline(&self) -> u64 {
        let mut d = self.clint.mtimecmp(0);
        if self.hart.csr.menvcfg >> 63 != 0 {
            d = d.min(self.hart.csr.stimecmp);
        }
        d
    }

    /// Runs until the guest exits or `timeout` passes.
    pub fn run(&mut self, timeout: Option<Duration>) -> Outcome {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            match self.run_slice(SLICE) {
                SliceEvent::Exit(code) => return Outcome::Exit(code),
                SliceEvent::Reboot => return Outcome::Reboot,
                SliceEvent::Quit => return Outcome::Quit,
                SliceEvent::FirmwareTrap(cause, epc, tval) => {
                    return Outcome::FirmwareTrap { cause, epc, tval }
                }
                SliceEvent::Wfi => self.idle(deadline),
                _ => {}
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Outcome::Timeout;
            }
        }
    }

    /// Runs the hart for up to `budget` instructions and serves what it
    /// asked for on the way out. The building block of [`Machine::run`] and
    /// of debugger-driven execution (a budget of 1 is a single step when a
    /// debugger has armed the hart).
    pub fn run_slice(&mut self, budget: u64) -> SliceEvent {
        self.sync_time();
        let event = self.run_hart(budget);
        if let Some(p) = self.power.take() {
            return match p {
                PowerEvent::Shutdown(code) => SliceEvent::Exit(code as u64),
                PowerEvent::Reboot => SliceEvent::Reboot,
            };
        }
        if self.quit.as_ref().is_some_and(|q| q.is_set()) {
            return SliceEvent::Quit;
        }
        // The built-in firmware has no M-mode code: a trap into M (an
        // undelegated exception) would loop on a fetch fault at mtvec.
        if self.sbi.is_some() && self.hart.privilege == heron_cpu::Priv::M {
            let c = &self.hart.csr;
            return SliceEvent::FirmwareTrap(c.mcause, c.mepc, c.mtval);
        }
        event
    }

    fn run_hart(&mut self, budget: u64) -> SliceEvent {
        match self.hart.run(&mut self.bus, budget) {
            RunExit::Budget => SliceEvent::Ran,
            RunExit::Attention => {
                if let Some(htif) = self.htif.as_mut() {
                    if let HtifEvent::Exit(code) = htif.service(&mut self.bus) {
                        return SliceEvent::Exit(code);
                    }
                }
                self.bus.clear_attention();
                SliceEvent::Ran
            }
            RunExit::Wfi => SliceEvent::Wfi,
            RunExit::Breakpoint => SliceEvent::Breakpoint,
            RunExit::Watchpoint(hit) => SliceEvent::Watchpoint(hit),
            RunExit::EnvCall => {
                let Some(sbi) = self.sbi.as_mut() else {
                    return SliceEvent::Ran;
                };
                let outcome = sbi.handle(&mut self.hart, &mut self.bus);
                self.hart.complete_ecall();
                match outcome {
                    SbiOutcome::Continue => SliceEvent::Ran,
                    SbiOutcome::WaitForInterrupt | SbiOutcome::HartStopped => SliceEvent::Wfi,
                    SbiOutcome::Power(PowerEvent::Shutdown(code)) => SliceEvent::Exit(code as u64),
                    SbiOutcome::Power(PowerEvent::Reboot) => SliceEvent::Reboot,
                }
            }
        }
    }

    /// The hart waits for an interrupt: let time pass until the next timer
    /// deadline (or a short while, to poll the time limit).
    pub fn idle(&mut self, limit: Option<Instant>) {
        let now = self.clint.mtime();
        let next = self.next_deadline();
        let wait_ticks = next.saturating_sub(now);
        match self.time {
            TimeSource::Instructions => {
                // Skip straight to the deadline; with none, time still moves
                // so a guest waiting for nothing reaches the time limit.
                self.idle_ticks += wait_ticks.clamp(1, TIMEBASE_HZ / 100);
                if limit.is_some() && wait_ticks > TIMEBASE_HZ / 100 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            TimeSource::Host => {
                let max = Duration::from_millis(10);
                let wait =
                    Duration::from_nanos(wait_ticks.saturating_mul(1_000_000_000 / TIMEBASE_HZ))
                        .min(max);
                if !wait.is_zero() {
                    std::thread::sleep(wait);
                }
            }
        }
    }

    /// Instructions retired so far.
    pub fn instret(&self) -> u64 {
        self.hart.instret
    }
}
