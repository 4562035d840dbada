//! One gdb connection: drives gdbstub's state machine and runs the machine
//! while gdb lets it.
//!
//! Execution happens here, between packets: a single step is one
//! instruction of the stepped hart with the harts armed; a continue runs
//! slices of [`SLICE`] instructions of every resumed hart, round-robin,
//! looking at the socket every [`POLL`] for gdb's Ctrl-C (or anything else
//! it sends), with the harts armed only when breakpoints or watchpoints are
//! set. Every stop is reported with the thread of the hart that caused it.

use std::time::{Duration, Instant};

use gdbstub::common::Signal;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStub};

use super::conn::{GdbConn, Incoming};
use super::resume::Resume;
use super::target::{tid, HeronTarget, StopReason};
use crate::machine::{Machine, Outcome, SliceEvent};

/// Instructions per run slice while gdb has the guest running.
const SLICE: u64 = 10_000;
/// How often a running guest looks for data from gdb.
const POLL: Duration = Duration::from_millis(10);

/// How a session ended.
pub(super) enum SessionEnd {
    /// The guest's run ended (gdb was told).
    Finished(Outcome),
    /// gdb detached, or the connection dropped: the guest runs on.
    Detached,
    /// gdb killed the guest.
    Killed,
}

/// What running the guest for gdb ended with.
enum RunEvent {
    /// gdb sent a byte (a Ctrl-C, or a packet while running).
    Incoming(u8),
    /// This hart stopped the machine for gdb.
    Stopped(usize, StopReason),
    /// The run ended: tell gdb with this stop reason, then end.
    Finished(StopReason, Outcome),
    /// The connection dropped.
    Closed,
}

/// Serves gdb on `conn` until it detaches, kills the guest or the guest's
/// run ends. The guest is stopped when this starts. A protocol error ends
/// the session as a dropped connection does.
pub(super) fn serve(conn: GdbConn, machine: &mut Machine, deadline: Option<Instant>) -> SessionEnd {
    let mut target = HeronTarget::new(machine);
    let end = drive(conn, &mut target, deadline).unwrap_or_else(|e| {
        log::warn!("gdb: {e}; the guest runs on");
        SessionEnd::Detached
    });
    target.disarm();
    end
}

fn drive(
    conn: GdbConn,
    target: &mut HeronTarget<'_>,
    deadline: Option<Instant>,
) -> Result<SessionEnd, String> {
    let stub = GdbStub::new(conn);
    let mut gdb = stub.run_state_machine(target).map_err(protocol)?;
    // Set when the run ended and gdb is being told so.
    let mut finished = None;
    loop {
        gdb = match gdb {
            GdbStubStateMachine::Idle(mut g) => match g.borrow_conn().read_until(deadline) {
                Ok(Incoming::Byte(b)) => g.incoming_data(target, b).map_err(protocol)?,
                // gdb holds the guest stopped past the time limit.
                Ok(Incoming::TimedOut) => return Ok(SessionEnd::Finished(Outcome::Timeout)),
                Ok(Incoming::Closed) | Err(_) => return Ok(connection_lost()),
            },
            GdbStubStateMachine::Running(mut g) => match run(target, g.borrow_conn(), deadline) {
                RunEvent::Incoming(b) => g.incoming_data(target, b).map_err(protocol)?,
                RunEvent::Stopped(h, reason) => {
                    target.stopped_hart = h;
                    g.report_stop(target, reason).map_err(protocol)?
                }
                RunEvent::Finished(reason, outcome) => {
                    finished = Some(outcome);
                    g.report_stop(target, reason).map_err(protocol)?
                }
                RunEvent::Closed => return Ok(connection_lost()),
            },
            // Every hart stops; gdb stays on the thread it works with.
            GdbStubStateMachine::CtrlCInterrupt(g) => {
                target.stopped_hart = target.focus;
                let reason = StopReason::SignalWithThread {
                    tid: tid(target.focus),
                    signal: Signal::SIGINT,
                };
                g.interrupt_handled(target, Some(reason))
                    .map_err(protocol)?
            }
            GdbStubStateMachine::Disconnected(g) => {
                return Ok(match (g.get_reason(), finished) {
                    (_, Some(outcome)) => SessionEnd::Finished(outcome),
                    (DisconnectReason::Kill, None) => SessionEnd::Killed,
                    _ => {
                        log::info!("gdb detached; the guest runs on");
                        SessionEnd::Detached
                    }
                });
            }
        };
    }
}

fn connection_lost() -> SessionEnd {
    log::warn!("gdb connection lost; the guest runs on");
    SessionEnd::Detached
}

fn protocol<E: std::fmt::Display>(e: E) -> String {
    format!("protocol error: {e}")
}

/// What gdb is told when the run ends, and how.
fn finish(outcome: Outcome) -> RunEvent {
    let reason = match outcome {
        // gdb's exit status is a byte, as a process's is.
        Outcome::Exit(code) => StopReason::Exited(code.min(255) as u8),
        Outcome::Timeout => StopReason::Terminated(Signal::SIGALRM),
        // A reset rebuilds the machine: this session's view of it is gone.
        Outcome::Reboot => StopReason::Terminated(Signal::SIGHUP),
        Outcome::Quit => StopReason::Terminated(Signal::SIGTERM),
        // Not reached: a firmware trap stops the guest instead (see `slice`).
        Outcome::FirmwareTrap { .. } => StopReason::Terminated(Signal::SIGSEGV),
        // The JIT checker found a bug in heron itself.
        Outcome::JitDiverged { .. } => StopReason::Terminated(Signal::SIGABRT),
    };
    RunEvent::Finished(reason, outcome)
}

/// Runs the guest as gdb's last resume request said.
fn run(target: &mut HeronTarget<'_>, conn: &mut GdbConn, deadline: Option<Instant>) -> RunEvent {
    match target.resume.clone() {
        Resume::Step { hart } => step(target, hart, deadline),
        Resume::Continue {
            running,
            first,
            from,
        } => {
            target.arm(false);
            let mut last_poll = Instant::now();
            loop {
                if let Some(event) = standing_at_breakpoint(target, &running, from) {
                    return event;
                }
                if last_poll.elapsed() >= POLL {
                    last_poll = Instant::now();
                    match conn.poll() {
                        Ok(Incoming::Byte(b)) => return RunEvent::Incoming(b),
                        Ok(Incoming::TimedOut) => {}
                        Ok(Incoming::Closed) | Err(_) => return RunEvent::Closed,
                    }
                }
                if let Some(event) = slice(target, SLICE, first, &|h| running[h], deadline) {
                    return event;
                }
            }
        }
    }
}

/// The first running hart that stands at a breakpoint, as a stop. The
/// interpreter checks breakpoints inside a slice but not at its very start
/// (that is where a hart resumes from its breakpoint); one that a slice
/// ended at is checked here, except where the hart of the last stop
/// resumed from while its instruction has not run (`from`).
fn standing_at_breakpoint(
    target: &HeronTarget<'_>,
    running: &[bool],
    from: (usize, (u64, u64)),
) -> Option<RunEvent> {
    (0..running.len()).filter(|&h| running[h]).find_map(|h| {
        let position = target.machine.position(h);
        if (h, position) == from {
            return None;
        }
        let reason = target.breakpoint_stop(h, position.0)?;
        Some(RunEvent::Stopped(h, reason))
    })
}

/// Executes one instruction of hart `h` (or takes the trap it raises, or an
/// interrupt that was pending); the other harts stay stopped.
fn step(target: &mut HeronTarget<'_>, h: usize, deadline: Option<Instant>) -> RunEvent {
    target.arm(true);
    let before = target.machine.position(h);
    // A slice can end before executing anything when a device wanted
    // attention first; the step is then tried again.
    for _ in 0..4 {
        if let Some(event) = slice(target, 1, h, &|i| i == h, deadline) {
            return event;
        }
        if target.machine.position(h) != before {
            break;
        }
    }
    // With the thread named: several harts may have been resumed, and gdb
    // must not guess which one stepped.
    RunEvent::Stopped(
        h,
        StopReason::SignalWithThread {
            tid: tid(h),
            signal: Signal::SIGTRAP,
        },
    )
}

/// Runs one slice of up to `budget` instructions of the harts `runs` picks,
/// hart `first` first; `Some` when it ended something gdb must hear about.
fn slice(
    target: &mut HeronTarget<'_>,
    budget: u64,
    first: usize,
    runs: &dyn Fn(usize) -> bool,
    deadline: Option<Instant>,
) -> Option<RunEvent> {
    if deadline.is_some_and(|d| Instant::now() >= d) {
        return Some(finish(Outcome::Timeout));
    }
    let machine: &mut Machine = target.machine;
    let (h, event) = machine.run_slice_of(budget, first, runs);
    let event = match event {
        SliceEvent::Ran => return None,
        SliceEvent::Wfi => {
            machine.idle(deadline);
            return None;
        }
        SliceEvent::Breakpoint => {
            let pc = machine.harts[h].pc();
            let reason = target.breakpoint_stop(h, pc);
            RunEvent::Stopped(h, reason.unwrap_or(StopReason::SwBreak(tid(h))))
        }
        SliceEvent::Watchpoint(hit) => RunEvent::Stopped(h, target.watch_stop(h, hit)),
        // The guest crashed into the empty M-mode of the built-in firmware:
        // stop there so the user can look (mcause, mepc, mtval).
        SliceEvent::Done(Outcome::FirmwareTrap { cause, epc, tval }) => {
            log::warn!(
                "hart {h} trapped into M-mode: mcause={cause:#x} mepc={epc:#x} mtval={tval:#x}"
            );
            let signal = Signal::SIGSEGV;
            RunEvent::Stopped(
                h,
                StopReason::SignalWithThread {
                    tid: tid(h),
                    signal,
                },
            )
        }
        SliceEvent::Done(outcome) => finish(outcome),
    };
    Some(event)
}
