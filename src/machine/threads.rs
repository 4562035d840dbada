//! A thread per hart (MTTCG-style): harts run in parallel on the host's
//! cores, sharing RAM (atomic accesses), the bus (a lock per device) and
//! the rest of [`MachineCore`].
//!
//! The first hart to end the run (power-off, HTIF exit, quit, firmware
//! trap) records the outcome and posts `MACHINE` to every hart, so the
//! others leave their run loops within a block; the calling thread waits
//! for that or for the time limit. An idle hart (`wfi`, or stopped until an
//! HSM start) sleeps on its event word until something is posted to it or
//! its next timer deadline comes.

use std::sync::{Condvar, Mutex};
use std::time::Instant;

use heron_cpu::Vcpu;
use heron_mmu::events::bits;

use super::{ticks_to_duration, Machine, MachineCore, Outcome, SliceEvent, IDLE_POLL, SLICE};

/// The outcome of a threaded run, set once.
struct Finish {
    outcome: Mutex<Option<Outcome>>,
    done: Condvar,
}

impl Finish {
    fn get(&self) -> Option<Outcome> {
        *self.outcome.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `outcome` unless one is there already, and tells every hart.
    fn set(&self, outcome: Outcome, core: &MachineCore) {
        let mut o = self.outcome.lock().unwrap_or_else(|e| e.into_inner());
        if o.is_none() {
            *o = Some(outcome);
        }
        drop(o);
        self.done.notify_all();
        for ev in core.bus.events().iter() {
            ev.post(bits::MACHINE);
        }
    }
}

/// Runs every hart on its own thread until the run ends or `deadline`.
pub(super) fn run(m: &mut Machine, deadline: Option<Instant>) -> Outcome {
    for hart in &mut m.harts {
        hart.set_concurrent_memory(true);
    }
    let finish = Finish {
        outcome: Mutex::new(None),
        done: Condvar::new(),
    };
    let core = &m.core;
    let outcome = std::thread::scope(|s| {
        for (hart, stopped) in m.harts.iter_mut().zip(m.stopped.iter_mut()) {
            let finish = &finish;
            let name = format!("hart{}", hart.index());
            let spawned = std::thread::Builder::new()
                .name(name)
                .spawn_scoped(s, move || hart_thread(core, hart.as_mut(), stopped, finish));
            if let Err(e) = spawned {
                // The host is out of threads: end the run cleanly (the
                // harts already started see the outcome and stop).
                log::error!("cannot start a hart thread: {e}");
                finish.set(Outcome::Quit, core);
                break;
            }
        }
        wait_for_end(&finish, core, deadline)
    });
    for hart in &mut m.harts {
        hart.set_concurrent_memory(false);
    }
    outcome
}

/// Waits for a hart to end the run, or ends it with `Timeout`.
fn wait_for_end(finish: &Finish, core: &MachineCore, deadline: Option<Instant>) -> Outcome {
    let mut o = finish.outcome.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(outcome) = *o {
            return outcome;
        }
        match deadline {
            None => o = finish.done.wait(o).unwrap_or_else(|e| e.into_inner()),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    drop(o);
                    finish.set(Outcome::Timeout, core);
                    return finish.get().unwrap_or(Outcome::Timeout);
                }
                o = finish
                    .done
                    .wait_timeout(o, d - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }
}

fn hart_thread(core: &MachineCore, hart: &mut dyn Vcpu, stopped: &mut bool, finish: &Finish) {
    let h = hart.index();
    while finish.get().is_none() {
        match core.step(hart, stopped, SLICE) {
            SliceEvent::Done(outcome) => finish.set(outcome, core),
            SliceEvent::Wfi => idle(core, hart, *stopped),
            // No debugger on this path: breakpoints are never armed.
            SliceEvent::Ran | SliceEvent::Breakpoint | SliceEvent::Watchpoint(_) => {}
        }
    }
    log::debug!("hart {h}: thread ends");
}

/// Sleeps until an event is posted to the hart or its timer is due.
fn idle(core: &MachineCore, hart: &mut dyn Vcpu, stopped: bool) {
    let h = hart.index();
    let ev = &core.bus.events()[h];
    if !stopped {
        core.sync_time(hart);
        if hart.wakeup_pending() {
            return;
        }
    }
    let (wake, wait) = if stopped {
        // Only an HSM start (or the end of the run) concerns a stopped hart.
        (bits::MACHINE, IDLE_POLL)
    } else {
        let now = core.clint.mtime();
        let until = core.next_deadline(hart, h).saturating_sub(now);
        (bits::WAKE, ticks_to_duration(until).min(IDLE_POLL))
    };
    if !wait.is_zero() {
        ev.wait_for(wake, wait);
    }
}
