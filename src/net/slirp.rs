//! The libslirp thread: owns the slirp context (which is not `Send`),
//! polls its sockets, fires its timers, feeds it the guest's frames and
//! hands the frames it sends to the card's receive backlog.
//!
//! The card's transmit side ([`SlirpTx`], called on a hart's thread while
//! the transport is locked) only queues the frame and writes a byte to a
//! wake-up pipe: it never waits for this thread, and this thread takes the
//! transport's lock only to serve the receive queue, so the two cannot
//! deadlock.

use std::cell::{Cell, RefCell};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use heron_devices::virtio::{NetTx, RxFrames};
use libslirp::{Context, Handler, PollEvents};

use super::{addr, HostFwd, NetError, NetSpec, Protocol};

/// Frames from the guest waiting for the slirp thread.
const TX_BACKLOG: usize = 256;
/// The longest the thread sleeps when slirp names no earlier deadline.
const POLL_MS: u32 = 500;

/// The card's transmit side.
pub struct SlirpTx {
    frames: SyncSender<Vec<u8>>,
    wake: Arc<OwnedFd>,
}

impl NetTx for SlirpTx {
    fn send(&mut self, frame: &[u8]) {
        match self.frames.try_send(frame.to_vec()) {
            Ok(()) => wake(&self.wake),
            // A full backlog drops the frame, as a congested link would.
            Err(TrySendError::Full(_)) => log::debug!("net: transmit backlog full; frame dropped"),
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

/// The slirp thread's end of the link the card transmits on.
pub struct SlirpLink {
    frames: Receiver<Vec<u8>>,
    wake_read: OwnedFd,
    wake_write: Arc<OwnedFd>,
}

/// Makes the card's transmit side and the thread's end of it.
pub fn link() -> Result<(SlirpTx, SlirpLink), NetError> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two fds into the array, which has room for them.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    // SAFETY: both fds were just made by pipe2 and belong to nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let write = Arc::new(write);
    let (tx, rx) = sync_channel(TX_BACKLOG);
    Ok((
        SlirpTx {
            frames: tx,
            wake: write.clone(),
        },
        SlirpLink {
            frames: rx,
            wake_read: read,
            wake_write: write,
        },
    ))
}

fn wake(fd: &OwnedFd) {
    // SAFETY: writes one byte from a valid buffer; a full pipe (EAGAIN)
    // already holds a wake-up.
    unsafe { libc::write(fd.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
}

/// The running user network; stops (and joins its thread) when dropped.
pub struct UserNet {
    stop: Arc<AtomicBool>,
    wake: Arc<OwnedFd>,
    thread: Option<JoinHandle<()>>,
    forwarded: Vec<(HostFwd, u16)>,
}

impl UserNet {
    /// Starts the network on `link`: frames for the guest go to `rx`, then
    /// `deliver` runs (it serves the card's receive queue and tells the
    /// harts). Returns once every `hostfwd` listens.
    pub fn start(
        spec: &NetSpec,
        link: SlirpLink,
        rx: RxFrames,
        deliver: Box<dyn Fn() + Send>,
    ) -> Result<UserNet, NetError> {
        let stop = Arc::new(AtomicBool::new(false));
        let wake = link.wake_write.clone();
        let (ready_tx, ready) = sync_channel(1);
        let thread = {
            let (spec, stop) = (spec.clone(), stop.clone());
            std::thread::Builder::new()
                .name("net".into())
                .spawn(move || run(&spec, link, rx, deliver, &stop, ready_tx))?
        };
        let ports = ready.recv().unwrap_or_else(|_| {
            Err(NetError::Io(std::io::Error::other(
                "the network thread died",
            )))
        })?;
        Ok(UserNet {
            stop,
            wake,
            thread: Some(thread),
            forwarded: spec.hostfwd.iter().cloned().zip(ports).collect(),
        })
    }

    /// Every forward and the host port it listens on (the one the kernel
    /// picked for port 0).
    pub fn forwarded(&self) -> &[(HostFwd, u16)] {
        &self.forwarded
    }
}

impl Drop for UserNet {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        wake(&self.wake);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A slirp timer: when it expires (ms on the handler's clock) and what it
/// runs. Shared between slirp's handle and the handler's list.
struct TimerSlot {
    expire: Cell<Option<i64>>,
    func: RefCell<Option<Box<dyn FnMut()>>>,
}

/// libslirp's callbacks.
struct SlirpHandler {
    start: Instant,
    rx: RxFrames,
    deliver: Box<dyn Fn() + Send>,
    timers: Vec<Weak<TimerSlot>>,
}

impl SlirpHandler {
    fn now_ms(&self) -> i64 {
        (self.start.elapsed().as_nanos() / 1_000_000) as i64
    }

    /// Takes the timers due now (the borrow of the handler must end before
    /// they run: they call back into slirp, and slirp into the handler).
    fn take_due(&mut self) -> Vec<Rc<TimerSlot>> {
        let now = self.now_ms();
        self.timers.retain(|w| w.strong_count() > 0);
        let live = self.timers.iter().filter_map(Weak::upgrade);
        live.filter(|t| t.expire.get().is_some_and(|e| e <= now))
            .inspect(|t| t.expire.set(None))
            .collect()
    }

    /// Milliseconds until the next timer, if one is armed.
    fn next_timer_ms(&self) -> Option<u32> {
        let now = self.now_ms();
        let next = self.timers.iter().filter_map(Weak::upgrade);
        next.filter_map(|t| t.expire.get())
            .min()
            .map(|e| e.saturating_sub(now).clamp(0, i64::from(POLL_MS)) as u32)
    }
}

impl Handler for SlirpHandler {
    type Timer = Rc<TimerSlot>;

    fn clock_get_ns(&mut self) -> i64 {
        self.start.elapsed().as_nanos() as i64
    }

    fn send_packet(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.rx.push(buf.to_vec()) {
            log::debug!("net: receive backlog full; frame dropped");
        }
        (self.deliver)();
        Ok(buf.len())
    }

    fn register_poll_fd(&mut self, _fd: RawFd) {}

    fn unregister_poll_fd(&mut self, _fd: RawFd) {}

    fn guest_error(&mut self, msg: &str) {
        log::warn!("net: the guest sent something slirp refused: {msg}");
    }

    /// The loop polls after every event anyway.
    fn notify(&mut self) {}

    fn timer_new(&mut self, func: Box<dyn FnMut()>) -> Box<Self::Timer> {
        let slot = Rc::new(TimerSlot {
            expire: Cell::new(None),
            func: RefCell::new(Some(func)),
        });
        self.timers.push(Rc::downgrade(&slot));
        Box::new(slot)
    }

    fn timer_mod(&mut self, timer: &mut Box<Self::Timer>, expire_time: i64) {
        timer.expire.set(Some(expire_time));
    }

    fn timer_free(&mut self, timer: Box<Self::Timer>) {
        timer.expire.set(None);
    }
}

/// The thread's body.
fn run(
    spec: &NetSpec,
    link: SlirpLink,
    rx: RxFrames,
    deliver: Box<dyn Fn() + Send>,
    stop: &AtomicBool,
    ready: SyncSender<Result<Vec<u16>, NetError>>,
) {
    let handler = Rc::new(RefCell::new(SlirpHandler {
        start: Instant::now(),
        rx,
        deliver,
        timers: Vec::new(),
    }));
    let ctx = Context::new(
        spec.restrict,
        true,
        addr::NETWORK,
        addr::NETMASK,
        addr::HOST,
        false,
        Ipv6Addr::UNSPECIFIED,
        0,
        Ipv6Addr::UNSPECIFIED,
        None,
        None,
        None,
        None,
        addr::GUEST,
        addr::DNS,
        Ipv6Addr::UNSPECIFIED,
        Vec::new(),
        None,
        handler.clone(),
    );
    match spec.hostfwd.iter().map(|f| forward(&ctx, f)).collect() {
        Ok(ports) => {
            let _ = ready.send(Ok(ports));
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    }
    drop(ready);
    let mut fds = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        poll_once(&ctx, &handler, &link, &mut fds);
    }
}

/// One round: wait for a socket, a frame from the guest or a timer, then
/// let slirp do what is due.
fn poll_once(
    ctx: &Context<Rc<RefCell<SlirpHandler>>>,
    handler: &Rc<RefCell<SlirpHandler>>,
    link: &SlirpLink,
    fds: &mut Vec<libc::pollfd>,
) {
    fds.clear();
    fds.push(pollfd(link.wake_read.as_raw_fd(), libc::POLLIN));
    let mut timeout = POLL_MS;
    ctx.pollfds_fill(&mut timeout, |fd, ev| {
        fds.push(pollfd(fd, to_poll(ev)));
        (fds.len() - 1) as i32
    });
    if let Some(t) = handler.borrow().next_timer_ms() {
        timeout = timeout.min(t);
    }
    // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout as i32) };
    ctx.pollfds_poll(rc < 0, |idx| {
        usize::try_from(idx)
            .ok()
            .and_then(|i| fds.get(i))
            .map_or(PollEvents::empty(), |p| from_poll(p.revents))
    });
    let mut sink = [0u8; 64];
    // SAFETY: reads into a valid buffer of its length; the pipe is
    // non-blocking, so this ends when it is empty.
    while unsafe {
        libc::read(
            link.wake_read.as_raw_fd(),
            sink.as_mut_ptr().cast(),
            sink.len(),
        )
    } > 0
    {}
    while let Ok(frame) = link.frames.try_recv() {
        ctx.input(&frame);
    }
    let due = handler.borrow_mut().take_due();
    for t in due {
        let func = t.func.borrow_mut().take();
        if let Some(mut f) = func {
            f();
            *t.func.borrow_mut() = Some(f);
        }
    }
}

fn pollfd(fd: RawFd, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

fn to_poll(ev: PollEvents) -> libc::c_short {
    let mut out = 0;
    for (has, bit) in [
        (ev.has_in(), libc::POLLIN),
        (ev.has_out(), libc::POLLOUT),
        (ev.has_pri(), libc::POLLPRI),
        (ev.has_err(), libc::POLLERR),
        (ev.has_hup(), libc::POLLHUP),
    ] {
        if has {
            out |= bit;
        }
    }
    out
}

fn from_poll(revents: libc::c_short) -> PollEvents {
    let mut ev = PollEvents::empty();
    for (bit, flag) in [
        (libc::POLLIN, PollEvents::poll_in()),
        (libc::POLLOUT, PollEvents::poll_out()),
        (libc::POLLPRI, PollEvents::poll_pri()),
        (libc::POLLERR, PollEvents::poll_err()),
        (libc::POLLHUP, PollEvents::poll_hup()),
        (libc::POLLNVAL, PollEvents::poll_err()),
    ] {
        if revents & bit != 0 {
            ev |= flag;
        }
    }
    ev
}

/// The fds slirp polls now.
fn polled_fds(ctx: &Context<Rc<RefCell<SlirpHandler>>>) -> Vec<RawFd> {
    let mut fds = Vec::new();
    let mut timeout = POLL_MS;
    ctx.pollfds_fill(&mut timeout, |fd, _| {
        fds.push(fd);
        (fds.len() - 1) as i32
    });
    fds
}

/// Adds one forward; returns the host port it listens on (found on the
/// socket slirp made for it, which is how port 0 gets its number).
fn forward(ctx: &Context<Rc<RefCell<SlirpHandler>>>, f: &HostFwd) -> Result<u16, NetError> {
    let before = polled_fds(ctx);
    let in_addr = |a: Ipv4Addr| libslirp_sys::in_addr {
        s_addr: u32::from(a).to_be(),
    };
    // SAFETY: the context pointer is the live slirp instance `ctx` owns;
    // the call copies its arguments.
    let rc = unsafe {
        libslirp_sys::slirp_add_hostfwd(
            ctx.inner.context,
            i32::from(f.proto == Protocol::Udp),
            in_addr(f.host_addr),
            i32::from(f.host_port),
            in_addr(f.guest_addr),
            i32::from(f.guest_port),
        )
    };
    let refused = || NetError::HostFwd {
        proto: f.proto,
        addr: f.host_addr,
        port: f.host_port,
    };
    if rc < 0 {
        return Err(refused());
    }
    polled_fds(ctx)
        .into_iter()
        .filter(|fd| !before.contains(fd))
        .find_map(bound_port)
        .or((f.host_port != 0).then_some(f.host_port))
        .ok_or_else(refused)
}

/// The local port of socket `fd`.
fn bound_port(fd: RawFd) -> Option<u16> {
    // SAFETY: a zeroed sockaddr_in is a valid value to be overwritten.
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: getsockname writes at most `len` bytes into `sa`.
    let rc = unsafe { libc::getsockname(fd, (&raw mut sa).cast(), &mut len) };
    (rc == 0 && i32::from(sa.sin_family) == libc::AF_INET).then(|| u16::from_be(sa.sin_port))
}
