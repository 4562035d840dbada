//! The host side of the guest's serial console: stdin feeds the UART's
//! receiver (its output goes straight to stdout through the UART's writer).
//!
//! On a terminal, stdin is switched to raw mode so that every key, Ctrl-C
//! included, reaches the guest, and QEMU's escape keys work: Ctrl-A x asks
//! heron to quit, Ctrl-A h prints help, Ctrl-A Ctrl-A sends one Ctrl-A. The
//! terminal is restored when the [`Console`] is dropped, and by a panic
//! hook should heron panic first (release builds abort on panic, so no
//! destructor would run). From a pipe or file, bytes pass through as they
//! are, with no escapes.

use std::io::{self, IsTerminal, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use heron_devices::uart::UartHandle;
use thiserror::Error;

/// The escape key (Ctrl-A), as in QEMU.
const ESCAPE: u8 = 0x01;
/// How long the reader waits for the guest to drain the UART's backlog.
const BACKLOG_RETRY: Duration = Duration::from_millis(5);

const HELP: &str = "\nC-a h    print this help\n\
C-a x    exit heron\n\
C-a C-a  send C-a to the guest\n";

/// Errors setting up the console.
#[derive(Debug, Error)]
pub enum ConsoleError {
    /// The terminal's settings could not be read or changed.
    #[error("cannot put the terminal in raw mode: {0}")]
    RawMode(#[source] io::Error),
    /// The reader thread could not be started.
    #[error("cannot start the console thread: {0}")]
    Thread(#[source] io::Error),
}

/// What one input byte means after escape processing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscapeAction {
    /// Give this byte to the guest.
    Send(u8),
    /// Print the escape keys' help.
    Help,
    /// The user asked heron to exit.
    Quit,
    /// Nothing (the escape key itself, or an unknown key after it).
    Nothing,
}

/// QEMU's Ctrl-A escape keys, one byte at a time.
#[derive(Clone, Copy, Debug, Default)]
pub struct EscapeFilter {
    /// The previous byte was an unescaped Ctrl-A.
    escaped: bool,
}

impl EscapeFilter {
    /// A filter that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Interprets the next input byte.
    pub fn feed(&mut self, byte: u8) -> EscapeAction {
        if !self.escaped {
            if byte == ESCAPE {
                self.escaped = true;
                return EscapeAction::Nothing;
            }
            return EscapeAction::Send(byte);
        }
        self.escaped = false;
        match byte {
            ESCAPE => EscapeAction::Send(ESCAPE),
            b'x' => EscapeAction::Quit,
            b'h' | b'?' => EscapeAction::Help,
            // As in QEMU, an unknown key after the escape is swallowed.
            _ => EscapeAction::Nothing,
        }
    }
}

/// Set once the user asks heron to exit (Ctrl-A x); the machine loop polls
/// it between run slices and stops cleanly.
#[derive(Clone, Debug, Default)]
pub struct QuitFlag(Arc<AtomicBool>);

impl QuitFlag {
    /// Whether quitting was requested.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The running console: owns the terminal's raw mode (restored on drop)
/// and the quit flag. The reader thread is detached; it ends at end of
/// input, on quit, or with the process.
pub struct Console {
    _raw: Option<RawMode>,
    quit: QuitFlag,
}

impl Console {
    /// Starts feeding stdin to `uart`: in raw mode with escape keys if
    /// stdin is a terminal, byte for byte otherwise.
    pub fn start(uart: UartHandle) -> Result<Console, ConsoleError> {
        let stdin = io::stdin();
        let raw = if stdin.is_terminal() {
            Some(RawMode::enter(stdin.as_raw_fd()).map_err(ConsoleError::RawMode)?)
        } else {
            None
        };
        let escapes = raw.as_ref().map(|_| EscapeFilter::new());
        let quit = QuitFlag::default();
        let thread_quit = quit.clone();
        thread::Builder::new()
            .name("console".into())
            .spawn(move || {
                pump(
                    io::stdin().lock(),
                    &uart,
                    escapes,
                    &thread_quit,
                    &mut io::stderr(),
                )
            })
            .map_err(ConsoleError::Thread)?;
        Ok(Console { _raw: raw, quit })
    }

    /// The flag Ctrl-A x sets, for the machine loop.
    pub fn quit_flag(&self) -> QuitFlag {
        self.quit.clone()
    }
}

/// Copies `input` to the UART until end of input or quit, applying
/// `escapes` if given; help goes to `help_out`.
fn pump(
    mut input: impl Read,
    uart: &UartHandle,
    mut escapes: Option<EscapeFilter>,
    quit: &QuitFlag,
    help_out: &mut impl Write,
) {
    let mut buf = [0u8; 256];
    let mut to_guest = Vec::with_capacity(buf.len());
    while !quit.is_set() {
        let n = match input.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                log::warn!("console: reading stdin failed, input ends: {e}");
                return;
            }
        };
        to_guest.clear();
        for &byte in &buf[..n] {
            match escapes
                .as_mut()
                .map_or(EscapeAction::Send(byte), |f| f.feed(byte))
            {
                EscapeAction::Send(b) => to_guest.push(b),
                EscapeAction::Help => {
                    // Help is best effort: a closed stderr loses nothing.
                    let _ = help_out.write_all(HELP.as_bytes());
                    let _ = help_out.flush();
                }
                EscapeAction::Quit => {
                    // Keys typed before the quit still arrive (as far as
                    // the backlog has room: the machine is stopping).
                    uart.push_input(&to_guest);
                    quit.set();
                    return;
                }
                EscapeAction::Nothing => {}
            }
        }
        let mut rest = &to_guest[..];
        while !rest.is_empty() && !quit.is_set() {
            let taken = uart.push_input(rest);
            rest = &rest[taken..];
            if !rest.is_empty() {
                thread::sleep(BACKLOG_RETRY);
            }
        }
    }
}

/// A terminal in raw mode; restores the saved settings when dropped.
struct RawMode {
    fd: RawFd,
    saved: libc::termios,
}

impl RawMode {
    /// Saves `fd`'s settings, installs a panic hook that restores them,
    /// and switches to raw input (as QEMU's stdio backend does: no echo,
    /// no line editing, no signal keys, 8-bit; output processing stays on).
    fn enter(fd: RawFd) -> io::Result<RawMode> {
        let mut termios = MaybeUninit::<libc::termios>::uninit();
        // SAFETY: tcgetattr fills the termios it points to on success.
        if unsafe { libc::tcgetattr(fd, termios.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: tcgetattr succeeded, so the struct is initialised.
        let saved = unsafe { termios.assume_init() };
        let mut raw = saved;
        raw.c_iflag &= !(libc::IGNBRK
            | libc::BRKINT
            | libc::PARMRK
            | libc::ISTRIP
            | libc::INLCR
            | libc::IGNCR
            | libc::ICRNL
            | libc::IXON);
        raw.c_oflag |= libc::OPOST;
        raw.c_lflag &= !(libc::ECHO | libc::ECHONL | libc::ICANON | libc::IEXTEN | libc::ISIG);
        raw.c_cflag &= !(libc::CSIZE | libc::PARENB);
        raw.c_cflag |= libc::CS8;
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;

        // Chain, don't replace, the default hook, which prints the message
        // (after the terminal is sane again).
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            set_termios(fd, &saved);
            previous(info);
        }));
        if !set_termios(fd, &raw) {
            return Err(io::Error::last_os_error());
        }
        Ok(RawMode { fd, saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if !set_termios(self.fd, &self.saved) {
            log::warn!(
                "console: cannot restore the terminal: {}",
                io::Error::last_os_error()
            );
        }
    }
}

/// Applies `termios` to `fd` once pending output is written; true on success.
fn set_termios(fd: RawFd, termios: &libc::termios) -> bool {
    // SAFETY: `termios` is a valid, initialised struct for the call.
    unsafe { libc::tcsetattr(fd, libc::TCSADRAIN, termios) == 0 }
}

#[cfg(test)]
mod tests {
    use heron_devices::uart::Uart;
    use heron_devices::IrqLevels;
    use heron_mmu::MmioDevice;

    use super::*;

    fn filter_all(input: &[u8]) -> Vec<EscapeAction> {
        let mut f = EscapeFilter::new();
        input.iter().map(|&b| f.feed(b)).collect()
    }

    #[test]
    fn plain_bytes_pass_through() {
        use EscapeAction::*;
        assert_eq!(filter_all(b"a\x03\r"), [Send(b'a'), Send(3), Send(b'\r')]);
    }

    #[test]
    fn escape_keys() {
        use EscapeAction::*;
        assert_eq!(filter_all(b"\x01x"), [Nothing, Quit]);
        assert_eq!(filter_all(b"\x01h\x01?"), [Nothing, Help, Nothing, Help]);
        assert_eq!(
            filter_all(b"\x01\x01\x01"),
            [Nothing, Send(ESCAPE), Nothing],
            "Ctrl-A Ctrl-A sends one; the third starts a new escape"
        );
        assert_eq!(
            filter_all(b"\x01zx"),
            [Nothing, Nothing, Send(b'x')],
            "unknown key swallowed, escape over"
        );
    }

    /// Drains the UART's receiver through its registers.
    fn received(uart: &mut Uart) -> Vec<u8> {
        const RBR: u64 = 0;
        const LSR: u64 = 5;
        let mut got = Vec::new();
        while uart.read(LSR, 1) & 1 != 0 {
            got.push(uart.read(RBR, 1) as u8);
        }
        got
    }

    #[test]
    fn pump_applies_escapes_and_stops_on_quit() {
        let (mut uart, handle) = Uart::new(IrqLevels::new().line(10), Box::new(io::sink()));
        let quit = QuitFlag::default();
        let mut help = Vec::new();
        let input: &[u8] = b"ls\x01\x01\x01hok\x01xignored";
        pump(input, &handle, Some(EscapeFilter::new()), &quit, &mut help);
        assert!(quit.is_set());
        assert_eq!(String::from_utf8_lossy(&help), HELP);
        assert_eq!(received(&mut uart), b"ls\x01ok");
    }

    #[test]
    fn pump_without_terminal_forwards_everything() {
        let (mut uart, handle) = Uart::new(IrqLevels::new().line(10), Box::new(io::sink()));
        let quit = QuitFlag::default();
        let input: &[u8] = b"a\x01xb";
        pump(input, &handle, None, &quit, &mut io::sink());
        assert!(!quit.is_set(), "end of input is not a quit");
        assert_eq!(received(&mut uart), b"a\x01xb");
    }

    #[test]
    fn pump_waits_for_the_guest_to_drain_a_full_backlog() {
        let (mut uart, handle) = Uart::new(IrqLevels::new().line(10), Box::new(io::sink()));
        let big = vec![b'q'; 3 * heron_devices::uart::INPUT_BACKLOG];
        let quit = QuitFlag::default();
        let pumping = thread::spawn(move || pump(&big[..], &handle, None, &quit, &mut io::sink()));
        let mut total = 0;
        while total < 3 * heron_devices::uart::INPUT_BACKLOG {
            total += received(&mut uart).len();
            thread::sleep(Duration::from_millis(1));
        }
        pumping.join().unwrap();
        assert_eq!(total, 3 * heron_devices::uart::INPUT_BACKLOG);
    }
}
