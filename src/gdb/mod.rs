//! The gdb stub: heron serves the GDB remote serial protocol (gdb manual,
//! appendix "GDB Remote Serial Protocol") over TCP, with the `gdbstub`
//! crate. Each hart is a gdb thread (thread id = hart index + 1); the
//! machine is all-stop: under gdb the harts run round-robin on one thread
//! ([`Machine::run_slice_of`]), so any stop stops them all, and gdb is told
//! the thread of the hart that caused it (see [`resume`] for what `stepi`
//! and `continue` run).
//!
//! Lifecycle: [`GdbServer::bind`] listens (port 0 picks a free port,
//! which [`GdbServer::local_addr`] names); [`GdbServer::run`] runs the
//! machine like [`Machine::run`] and lets gdb attach at any time (attaching
//! stops the guest wherever it is). With `wait` (`--gdb-wait`, `-S`) the
//! first run holds the harts at their reset pc until gdb connects. While gdb
//! is attached it controls execution. When it detaches, or the connection
//! drops, breakpoints and watchpoints go away and the guest runs on; a new
//! gdb may attach later. `kill` ends the run ([`GdbOutcome::Killed`]). The
//! guest's own end (exit, reset, time limit) is reported to gdb
//! (`Exited`, or `Terminated` with SIGHUP for a reset and SIGALRM for the
//! time limit) and ends the run as without gdb.
//!
//! What gdb sees, per thread: the x, f and pc registers, the CSRs heron
//! implements and the privilege level (`$priv`) through the target
//! description in [`xml`]; memory through that hart's current translation
//! (physical when paging is off). Breakpoints (`break`, `hbreak`) and
//! watchpoints (`watch`, `rwatch`, `awatch`) are armed on every hart and
//! never patch guest memory; then `stepi`, `continue`, Ctrl-C and the
//! [`monitor`] commands. Watchpoints trigger before the access, as gdb
//! expects of RISC-V (it steps over the access itself and then shows the
//! old and new values).

mod arch;
mod breakpoints;
mod conn;
mod monitor;
mod resume;
mod session;
mod target;
mod xml;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::machine::{Accel, Machine, Outcome, SliceEvent};
use conn::GdbConn;
use heron_mmu::events::{bits, HartEvents};
use session::SessionEnd;

/// Instructions per slice while no gdb is attached.
const SLICE: u64 = 20_000;
/// How often a guest running without gdb looks for a connection.
const ACCEPT_POLL: Duration = Duration::from_millis(20);

/// Errors of the gdb server itself (a misbehaving gdb only ends its own
/// session).
#[derive(Debug, Error)]
pub enum GdbError {
    /// The address could not be listened on.
    #[error("cannot listen for gdb on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: io::Error,
    },
    /// Accepting a connection failed.
    #[error("gdb server: {0}")]
    Accept(#[source] io::Error),
}

/// How a run under the gdb server ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GdbOutcome {
    /// As a run without gdb would have.
    Guest(Outcome),
    /// gdb killed the guest.
    Killed,
}

/// A gdb server listening for connections.
pub struct GdbServer {
    listener: TcpListener,
    /// The address bound (the real port when asked for port 0).
    local_addr: SocketAddr,
    /// Hold the hart until gdb connects (only for the first run).
    wait: bool,
}

impl GdbServer {
    /// Listens on `addr` (`HOST:PORT`); with `wait`, the first
    /// [`GdbServer::run`] holds the hart until gdb connects.
    pub fn bind(addr: &str, wait: bool) -> Result<Self, GdbError> {
        let listen_err = |source| GdbError::Listen {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).map_err(listen_err)?;
        // Accepting is polled between run slices.
        listener.set_nonblocking(true).map_err(listen_err)?;
        let local_addr = listener.local_addr().map_err(listen_err)?;
        Ok(GdbServer {
            listener,
            local_addr,
            wait,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn try_accept(&self) -> Result<Option<TcpStream>, GdbError> {
        match self.listener.accept() {
            Ok((stream, peer)) => {
                log::info!("gdb: connection from {peer}");
                Ok(Some(stream))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            // The client gave up before we got to it.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => Ok(None),
            Err(e) => Err(GdbError::Accept(e)),
        }
    }

    /// Waits for a connection until `deadline`.
    fn accept_until(&self, deadline: Option<Instant>) -> Result<Option<TcpStream>, GdbError> {
        loop {
            if let Some(s) = self.try_accept()? {
                return Ok(Some(s));
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Runs `machine` until its run ends (as [`Machine::run`] with the time
    /// limit `deadline`) or gdb kills it, serving gdb connections on the way.
    pub fn run(
        &mut self,
        machine: &mut Machine,
        deadline: Option<Instant>,
    ) -> Result<GdbOutcome, GdbError> {
        // KVM vCPUs run until an exit, not for a slice: something must
        // bring them out to look at the socket.
        let _ticker = (machine.accel() == Accel::Kvm).then(|| Ticker::start(machine));
        let mut pending = None;
        if std::mem::take(&mut self.wait) {
            log::info!(
                "gdb: holding the hart at {:#x} until gdb connects",
                machine.harts[0].pc()
            );
            match self.accept_until(deadline)? {
                Some(s) => pending = Some(s),
                None => return Ok(GdbOutcome::Guest(Outcome::Timeout)),
            }
        }
        loop {
            let stream = match pending.take() {
                Some(s) => Some(s),
                None => self.try_accept()?,
            };
            if let Some(stream) = stream {
                match GdbConn::new(stream) {
                    Ok(conn) => match session::serve(conn, machine, deadline) {
                        SessionEnd::Finished(outcome) => return Ok(GdbOutcome::Guest(outcome)),
                        SessionEnd::Killed => return Ok(GdbOutcome::Killed),
                        SessionEnd::Detached => {}
                    },
                    Err(e) => log::warn!("gdb: cannot use the connection: {e}"),
                }
            }
            if let Some(outcome) = run_free(machine, deadline) {
                return Ok(GdbOutcome::Guest(outcome));
            }
        }
    }
}

/// How often the [`Ticker`] ends the running vCPU's `KVM_RUN`.
const TICK: Duration = Duration::from_millis(5);

/// Posts a machine-level event to every hart every [`TICK`], which ends a
/// KVM vCPU's run (its event word kicks it) the way a spent budget ends
/// a software engine's slice: the gdb server then polls its socket and the
/// round-robin moves on to the next hart.
struct Ticker {
    stop: std::sync::mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(machine: &Machine) -> Ticker {
        let events: std::sync::Arc<[HartEvents]> = machine.bus().ram().events().clone();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("gdb-ticker".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(TICK)
                {
                    for ev in events.iter() {
                        ev.post(bits::MACHINE);
                    }
                }
            })
            .map_err(|e| {
                log::error!("gdb: cannot start the KVM ticker ({e}); Ctrl-C may not stop the guest")
            })
            .ok();
        Ticker { stop, thread }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs the machine without a debugger for about [`ACCEPT_POLL`]; `Some`
/// when its run ended.
fn run_free(machine: &mut Machine, deadline: Option<Instant>) -> Option<Outcome> {
    let until = Instant::now() + ACCEPT_POLL;
    loop {
        match machine.run_slice(SLICE).1 {
            SliceEvent::Done(outcome) => return Some(outcome),
            SliceEvent::Wfi => machine.idle(deadline),
            // Nothing is armed without gdb.
            SliceEvent::Ran | SliceEvent::Breakpoint | SliceEvent::Watchpoint(_) => {}
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Some(Outcome::Timeout);
        }
        if now >= until {
            return None;
        }
    }
}
