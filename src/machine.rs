//! The machine: harts, RAM, the bus with its devices, and the loops that
//! run the harts in slices and serve time, interrupts, SBI calls and HTIF
//! between them.
//!
//! Two ways to run ([`Machine::run`]):
//! * **one thread** — every hart in turn for a fixed slice of instructions.
//!   This is the mode for one hart, for `--deterministic` (the interleaving
//!   and the instruction-derived time repeat exactly) and under gdb (a stop
//!   stops every hart).
//! * **a thread per hart** ([`threads`]) — harts run in parallel, as QEMU's
//!   multi-threaded TCG; other harts and devices reach a running hart
//!   through its event word, and an idle hart sleeps on it.

mod hart_loop;
mod threads;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use heron_cpu::tier::{CompileWorker, Tier, Translator};
use heron_cpu::{Hart, Vcpu};
use heron_devices::clint::{Clint, ClintHandle, CLINT_SIZE};
use heron_devices::{PlicHandle, PowerControl};
use heron_firmware::Sbi;
use heron_mmu::bus::MapError;
use heron_mmu::events::bits;
use heron_mmu::{Bus, GuestRam, HartEvents, RamError};
use thiserror::Error;

use crate::console::QuitFlag;
use crate::htif::Htif;

pub use hart_loop::SliceEvent;

/// Guest RAM base (as on QEMU's `virt` and Spike).
pub const RAM_BASE: u64 = 0x8000_0000;
/// CLINT base.
pub const CLINT_BASE: u64 = 0x0200_0000;
/// `mtime` frequency.
pub const TIMEBASE_HZ: u64 = 10_000_000;
/// The most harts a machine has (`--smp`), as QEMU's `virt`.
pub const MAX_HARTS: usize = heron_firmware::fdt::MAX_HARTS as usize;
/// Instructions per run slice: the longest a hart goes without updating
/// time and interrupt lines (and, on one thread, the quantum after which
/// the next hart runs).
const SLICE: u64 = 20_000;
/// In deterministic mode, one `mtime` tick every this many instructions
/// (a nominal 100 MIPS hart).
const INSNS_PER_TICK: u64 = 10;
/// The longest an idle hart sleeps before it looks at the time limit, the
/// quit flag and console input again.
const IDLE_POLL: Duration = Duration::from_millis(10);

/// Errors building the machine.
#[derive(Debug, Error)]
pub enum MachineError {
    /// RAM could not be created.
    #[error(transparent)]
    Ram(#[from] RamError),
    /// A device could not be mapped.
    #[error(transparent)]
    Map(#[from] MapError),
    /// The JIT cannot run on this host.
    #[error(transparent)]
    Jit(#[from] heron_jit::JitError),
    /// The JIT's compile thread could not be started.
    #[error("cannot start the JIT's compile thread: {0}")]
    CompileThread(std::io::Error),
    /// KVM could not make the VM or its vCPUs.
    #[error(transparent)]
    Kvm(#[from] crate::kvm::KvmError),
}

/// The execution engine of the harts (`--accel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accel {
    /// The interpreter alone.
    Interp,
    /// The interpreter, with hot blocks translated by the JIT.
    Jit,
    /// KVM: guest code on the host's CPU (riscv64 hosts).
    Kvm,
    /// The best the host and the board allow: KVM, else the JIT, else the
    /// interpreter. `board::build` resolves it before a machine is made.
    Auto,
}

/// How the JIT works (`--jit-*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitOptions {
    /// Executions of a block before it is translated.
    pub threshold: u32,
    /// Translate on the hart's own thread instead of a compile thread:
    /// blocks are translated at the same point in every run.
    pub sync: bool,
    /// Check every execution of translated code against the interpreter
    /// (`--jit-check`; the harts then take turns on one thread).
    pub check: bool,
}

impl Default for JitOptions {
    fn default() -> Self {
        JitOptions {
            threshold: heron_cpu::tier::DEFAULT_THRESHOLD,
            sync: false,
            check: false,
        }
    }
}

/// Where `mtime` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSource {
    /// The host's monotonic clock.
    Host,
    /// The instruction count, so that runs are repeatable.
    Instructions,
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
    /// `--jit-check` found translated code diverging from the interpreter
    /// on `hart` (whose report says how).
    JitDiverged {
        /// The hart.
        hart: usize,
    },
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
    /// Number of harts (1..=[`MAX_HARTS`]).
    pub harts: usize,
    /// The execution engine.
    pub accel: Accel,
    /// The JIT's settings (with [`Accel::Jit`]).
    pub jit: JitOptions,
    /// Harts other than 0 wait for an SBI HSM start (a Linux boot). Only
    /// KVM needs telling: its HSM is in the kernel, while the built-in
    /// SBI's keeps its own ([`Machine::attach_sbi`]).
    pub secondaries_wait: bool,
}

/// Everything but the harts: shared by the hart threads.
pub struct MachineCore {
    /// The physical address space.
    pub bus: Bus,
    clint: ClintHandle,
    plic: Option<PlicHandle>,
    htif: Mutex<Option<Htif>>,
    sbi: Option<Sbi>,
    power: PowerControl,
    quit: Option<QuitFlag>,
    time: TimeSource,
    started: Instant,
    /// Instructions retired by all harts, as of the last slice (the
    /// deterministic clock).
    retired: AtomicU64,
    /// Ticks skipped while idle in deterministic mode.
    idle_ticks: AtomicU64,
    /// The interrupt lines last published to each hart.
    lines: Box<[AtomicU64]>,
}

/// A machine of one or more harts.
pub struct Machine {
    /// The harts, by index (= `mhartid`).
    pub harts: Vec<Box<dyn Vcpu>>,
    /// The JIT's compile thread, if it has one (stopped when the machine
    /// goes; the harts keep their code until then).
    _compiler: Option<CompileWorker>,
    /// Per hart: stopped until an SBI `hart_start` (HSM).
    stopped: Vec<bool>,
    /// The rest of the machine.
    pub core: MachineCore,
    /// With KVM: what its vCPUs are, for the device tree.
    kvm_cpu: Option<crate::kvm::CpuInfo>,
    /// The engine.
    accel: Accel,
}

impl Machine {
    /// Builds the machine with RAM and the CLINT; every hart starts at
    /// `RAM_BASE` in M-mode.
    pub fn new(config: &MachineConfig) -> Result<Self, MachineError> {
        let harts = config.harts.clamp(1, MAX_HARTS);
        let events = HartEvents::for_harts(harts);
        let ram = GuestRam::with_harts(RAM_BASE, config.ram_size, events.clone())?;
        let mut bus = Bus::new(ram);
        let (clint, clint_handle) = Clint::new(events.clone());
        bus.map(CLINT_BASE, CLINT_SIZE, "clint", Box::new(clint))?;
        debug_assert!(config.accel != Accel::Auto, "resolved by board::build");
        let mut vcpus: Vec<Box<dyn Vcpu>> = Vec::with_capacity(harts);
        let mut tiers = Vec::new();
        let mut compiler = None;
        if config.accel == Accel::Jit {
            let mut translators: Vec<Box<dyn Translator>> = Vec::with_capacity(harts);
            for _ in 0..harts {
                translators.push(Box::new(heron_jit::Jit::new()?));
            }
            let threshold = config.jit.threshold;
            if config.jit.sync {
                tiers = translators
                    .into_iter()
                    .map(|t| Tier::inline(t, threshold))
                    .collect();
            } else {
                let (worker, t) = CompileWorker::spawn(translators, events.clone(), threshold)
                    .map_err(MachineError::CompileThread)?;
                compiler = Some(worker);
                tiers = t;
            }
        }
        let power = PowerControl::new();
        let kvm_cpu = if config.accel == Accel::Kvm {
            let (kvm_vcpus, info) =
                crate::kvm::vcpus(&bus, harts, config.secondaries_wait, &power)?;
            vcpus.extend(kvm_vcpus);
            Some(info)
        } else {
            None
        };
        let mut tiers = tiers.into_iter();
        for h in vcpus.len()..harts {
            let mut hart = Hart::new(h as u64, RAM_BASE);
            if let Some(tier) = tiers.next() {
                hart.set_tier(tier);
                if config.jit.check {
                    hart.enable_jit_check();
                }
            }
            vcpus.push(hart);
        }
        Ok(Machine {
            harts: vcpus,
            _compiler: compiler,
            stopped: vec![false; harts],
            core: MachineCore {
                bus,
                clint: clint_handle,
                plic: None,
                htif: Mutex::new(None),
                sbi: None,
                power,
                quit: None,
                time: config.time,
                started: Instant::now(),
                retired: AtomicU64::new(0),
                idle_ticks: AtomicU64::new(0),
                lines: (0..harts).map(|_| AtomicU64::new(0)).collect(),
            },
            kvm_cpu,
            accel: config.accel,
        })
    }

    /// The engine the harts run on.
    pub fn accel(&self) -> Accel {
        self.accel
    }

    /// With `--accel kvm`, what KVM's vCPUs are (the device tree says it).
    pub fn kvm_cpu(&self) -> Option<&crate::kvm::CpuInfo> {
        self.kvm_cpu.as_ref()
    }

    /// The physical address space.
    pub fn bus(&self) -> &Bus {
        &self.core.bus
    }

    /// Routes the PLIC's interrupt outputs into the harts.
    pub fn attach_plic(&mut self, plic: PlicHandle) {
        self.core.plic = Some(plic);
    }

    /// Serves the harts' S-mode ecalls with the built-in SBI firmware. The
    /// harts the SBI's HSM has stopped wait for a `hart_start`.
    pub fn attach_sbi(&mut self, sbi: Sbi) {
        for (h, hart) in self.harts.iter_mut().enumerate() {
            let started = sbi.hsm().state(h) == Some(heron_firmware::HartState::Started);
            // A stopped hart gets the firmware's state when it is started.
            hart.set_host_sbi(started);
            self.stopped[h] = !started;
        }
        self.core.sbi = Some(sbi);
    }

    /// The mailbox devices and firmware post power-off and reset requests to.
    pub fn power(&self) -> PowerControl {
        self.core.power.clone()
    }

    /// Stops the run when the console's quit flag is set.
    pub fn set_quit_flag(&mut self, quit: QuitFlag) {
        self.core.quit = Some(quit);
    }

    /// Whether HTIF is on (a bare-metal test program).
    pub fn has_htif(&self) -> bool {
        self.core.htif().is_some()
    }

    /// Turns HTIF on.
    pub fn attach_htif(&mut self, htif: Htif) {
        self.core.bus.watch(htif.tohost());
        *self.core.htif() = Some(htif);
    }

    /// Runs until the guest exits or `timeout` passes: on one thread when
    /// there is one hart or `one_thread` is asked for (deterministic runs),
    /// else on a thread per hart.
    pub fn run(&mut self, timeout: Option<Duration>, one_thread: bool) -> Outcome {
        let deadline = timeout.map(|t| Instant::now() + t);
        // A vCPU may stay inside KVM_RUN (the guest's `wfi`) until kicked:
        // only the threaded loop's waiter watches the time limit then.
        let kvm = self.kvm_cpu.is_some();
        let outcome = if kvm || (self.harts.len() > 1 && !one_thread) {
            threads::run(self, deadline)
        } else {
            self.run_one_thread(deadline)
        };
        if outcome == Outcome::Timeout {
            self.log_hart_states();
        }
        outcome
    }

    /// Where each hart stood when the run ended (to see what a guest that
    /// ran out of time was doing): `RUST_LOG=info`.
    fn log_hart_states(&mut self) {
        if let Some(plic) = &self.core.plic {
            log::info!("plic: {}", plic.summary());
        }
        for (h, hart) in self.harts.iter_mut().enumerate() {
            let [mstatus, mip, mie, scause, sepc, time, stimecmp] =
                [0x300, 0x344, 0x304, 0x142, 0x141, 0xc01, 0x14d]
                    .map(|n| hart.read_csr(n).unwrap_or(0));
            log::info!(
                "hart {h}: pc={:#x} {:?}{} mstatus={mstatus:#x} mip={mip:#x} mie={mie:#x} \
                 scause={scause:#x} sepc={sepc:#x} time={time} stimecmp={stimecmp} instret={}",
                hart.pc(),
                hart.privilege(),
                if self.stopped[h] { " (stopped)" } else { "" },
                hart.instret()
            );
        }
    }

    fn run_one_thread(&mut self, deadline: Option<Instant>) -> Outcome {
        loop {
            match self.run_slice(SLICE) {
                (_, SliceEvent::Done(outcome)) => return outcome,
                (_, SliceEvent::Wfi) => self.idle(deadline),
                _ => {}
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Outcome::Timeout;
            }
        }
    }

    /// Runs every hart for up to `budget` instructions, in turn, and serves
    /// what each asked for on the way out. Returns the first hart that
    /// stopped with something to report, or [`SliceEvent::Wfi`] when every
    /// hart waits for an interrupt. The building block of [`Machine::run`]
    /// and of debugger-driven execution.
    pub fn run_slice(&mut self, budget: u64) -> (usize, SliceEvent) {
        self.run_slice_of(budget, 0, &|_| true)
    }

    /// [`Machine::run_slice`] for the harts `runs` picks, starting with
    /// hart `first` (then on in index order, wrapping); the others stay
    /// where they are. A debugger uses it to run only the harts gdb resumed,
    /// the one it works with first (a budget of 1 for one armed hart is a
    /// single step of that hart).
    pub fn run_slice_of(
        &mut self,
        budget: u64,
        first: usize,
        runs: &dyn Fn(usize) -> bool,
    ) -> (usize, SliceEvent) {
        let n = self.harts.len();
        let mut all_idle = true;
        let order = (first.min(n)..n).chain(0..first.min(n));
        for h in order.filter(|&h| runs(h)) {
            let hart = self.harts[h].as_mut();
            let event = self.core.step(hart, &mut self.stopped[h], budget);
            self.core.account_retired(&self.harts);
            match event {
                SliceEvent::Ran => all_idle = false,
                SliceEvent::Wfi => {}
                other => return (h, other),
            }
        }
        (
            0,
            if all_idle {
                SliceEvent::Wfi
            } else {
                SliceEvent::Ran
            },
        )
    }

    /// Every hart waits for an interrupt: let time pass until the next timer
    /// deadline of any of them (or a short while, to poll the time limit).
    pub fn idle(&mut self, limit: Option<Instant>) {
        let now = self.core.clint.mtime();
        let next = (0..self.harts.len())
            .map(|h| self.core.next_deadline(self.harts[h].as_ref(), h))
            .min()
            .unwrap_or(u64::MAX);
        let wait_ticks = next.saturating_sub(now);
        match self.core.time {
            TimeSource::Instructions => {
                // Skip straight to the deadline; with none, time still moves
                // so a guest waiting for nothing reaches the time limit.
                self.core
                    .idle_ticks
                    .fetch_add(wait_ticks.clamp(1, TIMEBASE_HZ / 100), Ordering::Relaxed);
                if limit.is_some() && wait_ticks > TIMEBASE_HZ / 100 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            TimeSource::Host => {
                let wait = ticks_to_duration(wait_ticks).min(IDLE_POLL);
                if !wait.is_zero() {
                    // Hart 0's event word is posted to when a device or
                    // another hart has something for it; the others' waits
                    // are bounded by the poll.
                    self.core.bus.events()[0].wait_for(bits::WAKE, wait);
                }
            }
        }
    }

    /// Hart `h`'s `(pc, instret)`: where it stands, and whether it has
    /// moved since (a debugger's "has this hart run since it stopped").
    pub fn position(&self, h: usize) -> (u64, u64) {
        (self.harts[h].pc(), self.harts[h].instret())
    }

    /// Whether hart `h` is stopped by the SBI's HSM (waits for a
    /// `hart_start`; a debugger still shows it, with whatever its
    /// registers hold).
    pub fn hart_stopped(&self, h: usize) -> bool {
        self.stopped[h]
    }

    /// What the harts' JIT did, summed (`None` without one).
    pub fn tier_stats(&self) -> Option<heron_cpu::tier::TierStats> {
        self.harts
            .iter()
            .filter_map(|h| h.tier_stats())
            .reduce(|mut a, b| {
                a += b;
                a
            })
    }

    /// Instructions retired so far, by all harts.
    pub fn instret(&self) -> u64 {
        self.harts.iter().map(|h| h.instret()).sum()
    }
}

fn ticks_to_duration(ticks: u64) -> Duration {
    Duration::from_nanos(ticks.saturating_mul(1_000_000_000 / TIMEBASE_HZ))
}

impl MachineCore {
    fn htif(&self) -> std::sync::MutexGuard<'_, Option<Htif>> {
        self.htif.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn clock_ticks(&self) -> u64 {
        match self.time {
            TimeSource::Host => {
                let ns = self.started.elapsed().as_nanos() as u64;
                ns / (1_000_000_000 / TIMEBASE_HZ)
            }
            TimeSource::Instructions => {
                self.retired.load(Ordering::Relaxed) / INSNS_PER_TICK
                    + self.idle_ticks.load(Ordering::Relaxed)
            }
        }
    }

    /// Notes the instructions all harts retired (the deterministic clock).
    fn account_retired(&self, harts: &[Box<dyn Vcpu>]) {
        if self.time == TimeSource::Instructions {
            let total = harts.iter().map(|h| h.instret()).sum();
            self.retired.store(total, Ordering::Relaxed);
        }
    }

    /// The device interrupt lines of hart `h`, as `mip` bits.
    fn lines_of(&self, h: usize) -> u64 {
        let plic = self.plic.as_ref().map_or(0, |p| p.irq_lines(h));
        self.clint.lines(h) | plic
    }

    /// Publishes the current time and the interrupt lines to `hart`.
    fn sync_time(&self, hart: &mut dyn Vcpu) {
        let h = hart.index();
        self.clint.set_clock(self.clock_ticks());
        hart.set_mtime(self.clint.mtime());
        let lines = self.lines_of(h);
        self.lines[h].store(lines, Ordering::Relaxed);
        hart.set_interrupt_lines(lines);
    }

    /// After a device write: tells every hart whose lines changed (a
    /// virtio completion routed to a hart asleep in `wfi`, a PLIC claim).
    fn kick_changed_lines(&self) {
        for (h, ev) in self.bus.events().iter().enumerate() {
            if self.lines_of(h) != self.lines[h].load(Ordering::Relaxed) {
                ev.post(bits::INTERRUPT);
            }
        }
    }

    /// The next time (in ticks) at which a timer interrupt could fire for
    /// hart `h`.
    fn next_deadline(&self, hart: &dyn Vcpu, h: usize) -> u64 {
        self.clint.mtimecmp(h).min(hart.timer_deadline())
    }
}
