//! One gdb connection: drives gdbstub's state machine and runs the machine
//! while gdb lets it.
//!
//! Execution happens here, between packets: a single step is one
//! instruction with the hart armed; a continue runs slices of
//! [`SLICE`] instructions, looking at the socket every [`POLL`] for gdb's
//! Ctrl-C (or anything else it sends), with the hart armed only when
//! breakpoints or watchpoints are set.

use std::time::{Duration, Instant};

use gdbstub::common::Signal;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStub};

use super::conn::{GdbConn, Incoming};
use super::target::{HeronTarget, Resume, StopReason};
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
    /// The hart stopped for gdb.
    Stopped(StopReason),
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
                RunEvent::Stopped(reason) => g.report_stop(target, reason).map_err(protocol)?,
                RunEvent::Finished(reason, outcome) => {
                    finished = Some(outcome);
                    g.report_stop(target, reason).map_err(protocol)?
                }
                RunEvent::Closed => return Ok(connection_lost()),
            },
            GdbStubStateMachine::CtrlCInterrupt(g) => g
                .interrupt_handled(target, Some(StopReason::Signal(Signal::SIGINT)))
                .map_err(protocol)?,
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
    };
    RunEvent::Finished(reason, outcome)
}

/// Runs the guest as gdb's last resume request said.
fn run(target: &mut HeronTarget<'_>, conn: &mut GdbConn, deadline: Option<Instant>) -> RunEvent {
    match target.resume {
        Resume::Step => step(target, deadline),
        Resume::Continue { from, instret } => {
            target.arm(false);
            let mut last_poll = Instant::now();
            loop {
                // The interpreter checks breakpoints inside a slice; one
                // that a slice ended at is checked here, except the one the
                // guest resumed from while its instruction has not run.
                let (pc, retired) = target.machine.hart0_position();
                if pc != from || retired != instret {
                    if let Some(reason) = target.breakpoint_stop(pc) {
                        return RunEvent::Stopped(reason);
                    }
                }
                if last_poll.elapsed() >= POLL {
                    last_poll = Instant::now();
                    match conn.poll() {
                        Ok(Incoming::Byte(b)) => return RunEvent::Incoming(b),
                        Ok(Incoming::TimedOut) => {}
                        Ok(Incoming::Closed) | Err(_) => return RunEvent::Closed,
                    }
                }
                if let Some(event) = slice(target, SLICE, deadline) {
                    return event;
                }
            }
        }
    }
}

/// Executes one instruction (or takes the trap it raises, or an interrupt
/// that was pending).
fn step(target: &mut HeronTarget<'_>, deadline: Option<Instant>) -> RunEvent {
    target.arm(true);
    let before = target.machine.hart0_position();
    // A slice can end before executing anything when a device wanted
    // attention first; the step is then tried again.
    for _ in 0..4 {
        if let Some(event) = slice(target, 1, deadline) {
            return event;
        }
        if target.machine.hart0_position() != before {
            break;
        }
    }
    RunEvent::Stopped(StopReason::DoneStep)
}

/// Runs one slice of up to `budget` instructions; `Some` when it ended
/// something gdb must hear about.
fn slice(target: &mut HeronTarget<'_>, budget: u64, deadline: Option<Instant>) -> Option<RunEvent> {
    if deadline.is_some_and(|d| Instant::now() >= d) {
        return Some(finish(Outcome::Timeout));
    }
    let machine: &mut Machine = target.machine;
    let event = match machine.run_slice(budget).1 {
        SliceEvent::Ran => return None,
        SliceEvent::Wfi => {
            machine.idle(deadline);
            return None;
        }
        SliceEvent::Breakpoint => {
            let pc = machine.harts[0].pc();
            RunEvent::Stopped(
                target
                    .breakpoint_stop(pc)
                    .unwrap_or(StopReason::SwBreak(())),
            )
        }
        SliceEvent::Watchpoint(hit) => RunEvent::Stopped(target.watch_stop(hit)),
        // The guest crashed into the empty M-mode of the built-in firmware:
        // stop there so the user can look (mcause, mepc, mtval).
        SliceEvent::Done(Outcome::FirmwareTrap { cause, epc, tval }) => {
            log::warn!(
                "guest trapped into M-mode: mcause={cause:#x} mepc={epc:#x} mtval={tval:#x}"
            );
            RunEvent::Stopped(StopReason::Signal(Signal::SIGSEGV))
        }
        SliceEvent::Done(outcome) => finish(outcome),
    };
    Some(event)
}
