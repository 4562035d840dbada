//! The connection to gdb: a TCP stream with buffered packets and reads that
//! can wait with a deadline or just look.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use gdbstub::conn::Connection;

/// What waiting for a byte from gdb brought.
pub(super) enum Incoming {
    /// A byte.
    Byte(u8),
    /// Nothing before the deadline.
    TimedOut,
    /// gdb closed the connection.
    Closed,
}

/// A gdb connection. gdbstub writes responses a byte at a time; they are
/// collected here and sent as one segment when the packet is complete.
pub(super) struct GdbConn {
    stream: TcpStream,
    out: Vec<u8>,
    input: Vec<u8>,
    /// Next unread byte of `input`.
    pos: usize,
}

impl GdbConn {
    pub(super) fn new(stream: TcpStream) -> io::Result<Self> {
        // Accepted sockets may inherit the listener's non-blocking mode.
        stream.set_nonblocking(false)?;
        Ok(GdbConn {
            stream,
            out: Vec::with_capacity(4096),
            input: Vec::with_capacity(4096),
            pos: 0,
        })
    }

    fn fill(&mut self, n: usize) -> Incoming {
        if n == 0 {
            return Incoming::Closed;
        }
        self.input.truncate(n);
        self.pos = 1;
        Incoming::Byte(self.input[0])
    }

    /// Waits for the next byte until `deadline` (forever without one).
    pub(super) fn read_until(&mut self, deadline: Option<Instant>) -> io::Result<Incoming> {
        if let Some(&b) = self.input.get(self.pos) {
            self.pos += 1;
            return Ok(Incoming::Byte(b));
        }
        loop {
            let wait = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(w) if !w.is_zero() => Some(w),
                    _ => return Ok(Incoming::TimedOut),
                },
                None => None,
            };
            self.stream.set_read_timeout(wait)?;
            self.input.resize(4096, 0);
            match self.stream.read(&mut self.input) {
                Ok(n) => return Ok(self.fill(n)),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    self.input.clear();
                    self.pos = 0;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.input.clear();
                    self.pos = 0;
                    return Err(e);
                }
            }
        }
    }

    /// The next byte if one has arrived, without waiting.
    pub(super) fn poll(&mut self) -> io::Result<Incoming> {
        if let Some(&b) = self.input.get(self.pos) {
            self.pos += 1;
            return Ok(Incoming::Byte(b));
        }
        self.stream.set_nonblocking(true)?;
        self.input.resize(4096, 0);
        let r = self.stream.read(&mut self.input);
        // Writes must block: gdbstub cannot resume a half-sent packet.
        self.stream.set_nonblocking(false)?;
        match r {
            Ok(n) => Ok(self.fill(n)),
            Err(e) => {
                self.input.clear();
                self.pos = 0;
                match e.kind() {
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => {
                        Ok(Incoming::TimedOut)
                    }
                    _ => Err(e),
                }
            }
        }
    }
}

impl Connection for GdbConn {
    type Error = io::Error;

    fn write(&mut self, byte: u8) -> io::Result<()> {
        // An acknowledgement travels on its own (gdb waits for it before the
        // reply, which may be a long time coming after `continue`); every
        // other byte belongs to a packet, sent whole at `flush`.
        if self.out.is_empty() && (byte == b'+' || byte == b'-') {
            return Write::write_all(&mut self.stream, &[byte]);
        }
        self.out.push(byte);
        Ok(())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = Write::write_all(&mut self.stream, &self.out);
        self.out.clear();
        r?;
        Write::flush(&mut self.stream)
    }

    fn on_session_start(&mut self) -> io::Result<()> {
        self.stream.set_nodelay(true)
    }
}
