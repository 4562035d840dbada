//! The per-hart extensions: TIME (§6), IPI (§7), RFENCE (§8) and HSM (§9).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

use heron_cpu::csr::addr::STIMECMP;
use heron_cpu::Vcpu;
use heron_mmu::events::bits;
use heron_mmu::Bus;

use super::{error, hart_list, Call, SbiOutcome, SbiRet};

/// `sbi_set_timer` (§6.1): programs the next timer event.
///
/// heron's hart implements Sstc and [`firmware_boot`](crate::firmware_boot)
/// sets `menvcfg.STCE`, so the S-mode timer is `stimecmp` itself: writing it
/// both schedules the event and clears a pending STIP when the new time is
/// in the future, as the call requires.
pub(super) fn time(hart: &mut dyn Vcpu, call: &Call) -> SbiRet {
    match call.fid {
        0 => {
            hart.write_csr(STIMECMP, call.args[0]);
            SbiRet::ok(0)
        }
        _ => SbiRet::err(error::NOT_SUPPORTED),
    }
}

/// `sbi_send_ipi` (§7.1): an IPI shows up as a supervisor software
/// interrupt (SSIP) on each target hart, the caller included; the target
/// sets it from its event word before its next block.
pub(super) fn ipi(bus: &Bus, call: &Call) -> SbiRet {
    if call.fid != 0 {
        return SbiRet::err(error::NOT_SUPPORTED);
    }
    let events = bus.events();
    match hart_list(call.args[0], call.args[1], events.len()) {
        Ok(targets) => {
            for h in targets {
                events[h].post(bits::SOFTWARE_IPI);
            }
            SbiRet::ok(0)
        }
        Err(e) => SbiRet::err(e),
    }
}

/// The remote fence functions (§8).
///
/// * `remote_fence_i`: heron's decoded code follows every store to a code
///   page on every hart (the writer queues the page on the others' event
///   words, which they serve before their next block), so there is nothing
///   left for a fence to flush.
/// * `remote_sfence_vma(_asid)`: the soft TLB keeps no ASIDs and the
///   virtual-pc block lookup is keyed by virtual address, so any range or
///   ASID flushes every cached translation, which the spec allows (a fence
///   may cover more than asked). The call returns once every target has
///   flushed (or holds no translations: it is not running), as Linux
///   expects before it frees page tables.
/// * The HFENCE functions need the hypervisor extension, which heron's hart
///   lacks: `SBI_ERR_NOT_SUPPORTED`.
pub(super) fn rfence(hart: &mut dyn Vcpu, bus: &Bus, call: &Call) -> SbiRet {
    if call.fid > 6 {
        return SbiRet::err(error::NOT_SUPPORTED);
    }
    let events = bus.events();
    let targets = match hart_list(call.args[0], call.args[1], events.len()) {
        Ok(t) => t,
        Err(e) => return SbiRet::err(e),
    };
    match call.fid {
        0 => SbiRet::ok(0),
        1 | 2 => {
            let me = hart.index();
            let tickets: Vec<_> = targets
                .iter()
                .filter(|&&h| h != me)
                .map(|&h| (h, events[h].request_tlb_flush()))
                .collect();
            if targets.contains(&me) {
                hart.flush_translations();
            }
            // Each target serves the request at its next block boundary; a
            // target that leaves its run loop instead counts as done.
            for (h, ticket) in tickets {
                while !events[h].tlb_flushed(ticket) {
                    std::thread::yield_now();
                }
            }
            SbiRet::ok(0)
        }
        _ => SbiRet::err(error::NOT_SUPPORTED),
    }
}

/// An HSM hart state (§9, table "HSM Hart States").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum HartState {
    /// Running.
    Started = 0,
    /// Not running; `hart_start` starts it.
    Stopped = 1,
    /// `hart_start` was called; the hart is about to run.
    StartPending = 2,
    /// In `hart_suspend`, until an interrupt is pending.
    Suspended = 4,
}

/// A pending `hart_start`: `(start_addr, opaque)`.
type StartRequest = Mutex<Option<(u64, u64)>>;

/// How a suspended hart resumes (§9.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Retentive: the call returns success, everything else kept.
    Return,
    /// Non-retentive: the hart starts afresh, as after `hart_start`, at
    /// `addr` with `a1` = `opaque`.
    Restart {
        /// `resume_addr`.
        addr: u64,
        /// `opaque`.
        opaque: u64,
    },
}

/// The HSM state of every hart, and the start requests in flight.
pub struct Hsm {
    states: Box<[AtomicU8]>,
    /// The pending start of each hart.
    starts: Box<[StartRequest]>,
    /// How each suspended hart resumes.
    resumes: Box<[Mutex<Option<Resume>>]>,
}

impl Hsm {
    /// Hart 0 STARTED, the others STOPPED.
    pub fn new(harts: usize) -> Hsm {
        let state = |h| {
            AtomicU8::new(if h == 0 {
                HartState::Started
            } else {
                HartState::Stopped
            } as u8)
        };
        Hsm {
            states: (0..harts.max(1)).map(state).collect(),
            starts: (0..harts.max(1)).map(|_| Mutex::new(None)).collect(),
            resumes: (0..harts.max(1)).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// The state of hart `h` (`None` if there is no such hart).
    pub fn state(&self, h: usize) -> Option<HartState> {
        Some(match self.states.get(h)?.load(Ordering::SeqCst) {
            0 => HartState::Started,
            1 => HartState::Stopped,
            2 => HartState::StartPending,
            _ => HartState::Suspended,
        })
    }

    /// The start request of hart `h`, if another hart asked to start it:
    /// `(start_addr, opaque)`. The hart is STARTED from then on.
    pub fn take_start(&self, h: usize) -> Option<(u64, u64)> {
        let req = self
            .starts
            .get(h)?
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        self.states[h].store(HartState::Started as u8, Ordering::SeqCst);
        Some(req)
    }

    /// Whether hart `h` is suspended (it must not run before an interrupt
    /// is pending).
    pub fn is_suspended(&self, h: usize) -> bool {
        self.state(h) == Some(HartState::Suspended)
    }

    /// Ends hart `h`'s suspension (an interrupt is pending): it is STARTED
    /// again, and this says how it resumes (`None` if it was not
    /// suspended).
    pub fn take_resume(&self, h: usize) -> Option<Resume> {
        let resume = self
            .resumes
            .get(h)?
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        self.states[h].store(HartState::Started as u8, Ordering::SeqCst);
        Some(resume)
    }

    /// Hart `h` stopped (HSM `hart_stop`).
    fn stop(&self, h: usize) {
        self.states[h].store(HartState::Stopped as u8, Ordering::SeqCst);
    }

    /// Serves an HSM call of hart `me`.
    pub(super) fn call(&self, me: usize, bus: &Bus, call: &Call) -> (SbiRet, SbiOutcome) {
        let target = call.args[0];
        let valid = |h: u64| (h < self.states.len() as u64).then_some(h as usize);
        let ret = match call.fid {
            // hart_start(hartid, start_addr, opaque)
            0 => match valid(target) {
                None => SbiRet::err(error::INVALID_PARAM),
                Some(h) => self.start(h, call.args[1], call.args[2], bus),
            },
            // hart_stop(): does not return.
            1 => {
                self.stop(me);
                return (SbiRet::ok(0), SbiOutcome::HartStopped);
            }
            // hart_get_status(hartid)
            2 => match valid(target).and_then(|h| self.state(h)) {
                None => SbiRet::err(error::INVALID_PARAM),
                Some(s) => SbiRet::ok(s as u64),
            },
            // hart_suspend(suspend_type, resume_addr, opaque)
            3 => return self.suspend(me, call, bus),
            _ => SbiRet::err(error::NOT_SUPPORTED),
        };
        (ret, SbiOutcome::Continue)
    }

    fn start(&self, h: usize, addr: u64, opaque: u64, bus: &Bus) -> SbiRet {
        // The start address must be somewhere a hart can fetch from.
        if !bus.ram().contains(addr, 2) {
            return SbiRet::err(error::INVALID_ADDRESS);
        }
        let stopped = HartState::Stopped as u8;
        let pending = HartState::StartPending as u8;
        if self.states[h]
            .compare_exchange(stopped, pending, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return SbiRet::err(error::ALREADY_AVAILABLE);
        }
        *self.starts[h].lock().unwrap_or_else(|e| e.into_inner()) = Some((addr, opaque));
        if let Some(ev) = bus.events().get(h) {
            ev.post(bits::MACHINE);
        }
        SbiRet::ok(0)
    }
}

impl Hsm {
    /// `sbi_hart_suspend` (§9.4) of hart `me`: the default retentive and
    /// non-retentive types, both resumed by the first interrupt pending in
    /// `mip & mie` (whatever `sstatus.SIE` says, as for `wfi`). Reserved
    /// and platform-specific types, none of which heron defines, are
    /// `SBI_ERR_INVALID_PARAM`.
    fn suspend(&self, me: usize, call: &Call, bus: &Bus) -> (SbiRet, SbiOutcome) {
        const DEFAULT_RETENTIVE: u64 = 0;
        const DEFAULT_NON_RETENTIVE: u64 = 0x8000_0000;
        let [suspend_type, addr, opaque, ..] = call.args;
        let resume = match suspend_type {
            DEFAULT_RETENTIVE => Resume::Return,
            DEFAULT_NON_RETENTIVE if !bus.ram().contains(addr, 2) => {
                return (SbiRet::err(error::INVALID_ADDRESS), SbiOutcome::Continue)
            }
            DEFAULT_NON_RETENTIVE => Resume::Restart { addr, opaque },
            _ => return (SbiRet::err(error::INVALID_PARAM), SbiOutcome::Continue),
        };
        *self.resumes[me].lock().unwrap_or_else(|e| e.into_inner()) = Some(resume);
        self.states[me].store(HartState::Suspended as u8, Ordering::SeqCst);
        (SbiRet::ok(0), SbiOutcome::Suspended)
    }
}
