//! The 9P2000.L wire format: message types, qids, and a bounds-checked
//! reader and writer.
//!
//! A message is `size[4] type[1] tag[2]` followed by its fields, all
//! little-endian; a string is `len[2]` and that many bytes (names are bytes,
//! not necessarily UTF-8); a qid is `type[1] version[4] path[8]`. The
//! layouts are those of Linux's `net/9p/client.c` (the `p9_client_rpc`
//! format strings) and QEMU's `hw/9pfs/9p.c`.
//!
//! Everything read is guest-controlled: [`Reader`] fails with `EINVAL` on
//! a short field and never indexes out of bounds; [`Writer`] never grows
//! past the room the guest's buffers offer.

use super::errno::Errno;

/// `size[4] type[1] tag[2]`.
pub const HEADER_LEN: usize = 7;
/// `Rlerror`: header and `ecode[4]`.
pub const RLERROR_LEN: usize = HEADER_LEN + 4;
/// "No fid" (`P9_NOFID`): never a valid fid.
pub const NOFID: u32 = u32::MAX;
/// Most names in one `Twalk` (`P9_MAXWELEM`).
pub const MAXWELEM: usize = 16;

/// Message types (T-messages; the reply is type + 1).
pub mod msg {
    pub const RLERROR: u8 = 7;
    pub const TSTATFS: u8 = 8;
    pub const TLOPEN: u8 = 12;
    pub const TLCREATE: u8 = 14;
    pub const TSYMLINK: u8 = 16;
    pub const TMKNOD: u8 = 18;
    pub const TRENAME: u8 = 20;
    pub const TREADLINK: u8 = 22;
    pub const TGETATTR: u8 = 24;
    pub const TSETATTR: u8 = 26;
    pub const TXATTRWALK: u8 = 30;
    pub const TXATTRCREATE: u8 = 32;
    pub const TREADDIR: u8 = 40;
    pub const TFSYNC: u8 = 50;
    pub const TLOCK: u8 = 52;
    pub const TGETLOCK: u8 = 54;
    pub const TLINK: u8 = 70;
    pub const TMKDIR: u8 = 72;
    pub const TRENAMEAT: u8 = 74;
    pub const TUNLINKAT: u8 = 76;
    pub const TVERSION: u8 = 100;
    pub const TAUTH: u8 = 102;
    pub const TATTACH: u8 = 104;
    pub const TFLUSH: u8 = 108;
    pub const TWALK: u8 = 110;
    pub const TREAD: u8 = 116;
    pub const TWRITE: u8 = 118;
    pub const TCLUNK: u8 = 120;
    pub const TREMOVE: u8 = 122;
}

/// Tlopen/Tlcreate flags (`P9_DOTL_*`): Linux's generic `open(2)` values,
/// whatever the host's are.
pub mod dotl {
    pub const ACCMODE: u32 = 0o3;
    pub const WRONLY: u32 = 0o1;
    pub const RDWR: u32 = 0o2;
    pub const CREATE: u32 = 0o100;
    pub const EXCL: u32 = 0o200;
    pub const TRUNC: u32 = 0o1000;
    pub const APPEND: u32 = 0o2000;
    pub const DSYNC: u32 = 0o10000;
    pub const DIRECTORY: u32 = 0o200000;
    pub const SYNC: u32 = 0o4000000;
    /// Tunlinkat: remove a directory.
    pub const AT_REMOVEDIR: u32 = 0x200;
}

/// Qid types.
pub const QTDIR: u8 = 0x80;
pub const QTSYMLINK: u8 = 0x02;
pub const QTFILE: u8 = 0x00;

/// The server's identity for a file (`qid[13]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Qid {
    pub ty: u8,
    pub version: u32,
    pub path: u64,
}

/// Qid length on the wire.
pub const QID_LEN: usize = 13;

/// Decodes the fields of a message body. Every accessor fails with
/// `EINVAL` when the body is too short.
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(body: &'a [u8]) -> Self {
        Reader { rest: body }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Errno> {
        if n > self.rest.len() {
            return Err(Errno::EINVAL);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Errno> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8, Errno> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16, Errno> {
        self.array().map(u16::from_le_bytes)
    }

    pub fn u32(&mut self) -> Result<u32, Errno> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Result<u64, Errno> {
        self.array().map(u64::from_le_bytes)
    }

    /// A `len[2]`-prefixed string's bytes.
    pub fn string(&mut self) -> Result<&'a [u8], Errno> {
        let len = self.u16()?;
        self.take(len as usize)
    }

    /// `count` bytes of data (Twrite).
    pub fn bytes(&mut self, count: usize) -> Result<&'a [u8], Errno> {
        self.take(count)
    }
}

/// Builds one R-message in a buffer that never exceeds `room` bytes; a
/// field that does not fit marks the message as overflowed, and
/// [`Writer::finish`] then fails with `EMSGSIZE`.
pub struct Writer {
    buf: Vec<u8>,
    room: usize,
    overflow: bool,
}

impl Writer {
    /// A reply of type `ty` to `tag`, at most `room` bytes long (at least
    /// the header is assumed to fit; the caller checks).
    pub fn new(ty: u8, tag: u16, room: usize) -> Self {
        let mut buf = Vec::with_capacity(room.min(4096));
        buf.extend_from_slice(&[0; 4]);
        buf.push(ty);
        buf.extend_from_slice(&tag.to_le_bytes());
        Writer {
            buf,
            room,
            overflow: false,
        }
    }

    /// Bytes still free.
    pub fn left(&self) -> usize {
        self.room.saturating_sub(self.buf.len())
    }

    /// Bytes written so far.
    pub fn position(&self) -> usize {
        self.buf.len()
    }

    pub fn bytes(&mut self, data: &[u8]) {
        if data.len() > self.left() {
            self.overflow = true;
        } else {
            self.buf.extend_from_slice(data);
        }
    }

    pub fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }

    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    pub fn string(&mut self, s: &[u8]) {
        match u16::try_from(s.len()) {
            Ok(len) if s.len() + 2 <= self.left() => {
                self.u16(len);
                self.bytes(s);
            }
            _ => self.overflow = true,
        }
    }

    pub fn qid(&mut self, q: Qid) {
        self.u8(q.ty);
        self.u32(q.version);
        self.u64(q.path);
    }

    /// Overwrites the `u32` at `at` (a count written before its data).
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        if let Some(slot) = self.buf.get_mut(at..at + 4) {
            slot.copy_from_slice(&v.to_le_bytes());
        }
    }

    /// Appends `n` zero bytes (capped to the room left) and returns them,
    /// for data read straight into the reply.
    pub fn zeroed_tail(&mut self, n: usize) -> &mut [u8] {
        let start = self.buf.len();
        let n = n.min(self.left());
        self.buf.resize(start + n, 0);
        &mut self.buf[start..]
    }

    /// Drops everything past `len` bytes.
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len.max(HEADER_LEN));
    }

    /// The finished message, with its size field set.
    pub fn finish(mut self) -> Result<Vec<u8>, Errno> {
        if self.overflow {
            return Err(Errno::EMSGSIZE);
        }
        let size = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&size.to_le_bytes());
        Ok(self.buf)
    }
}

/// `Rlerror` for `tag`, or nothing when not even that fits in `room`.
pub fn rlerror(tag: u16, errno: Errno, room: usize) -> Vec<u8> {
    if room < RLERROR_LEN {
        return Vec::new();
    }
    let mut w = Writer::new(msg::RLERROR, tag, room);
    w.u32(errno.to_guest());
    w.finish().unwrap_or_default()
}

/// The fixed header of a request, if it has one.
#[derive(Clone, Copy, Debug)]
pub struct Header {
    pub size: u32,
    pub ty: u8,
    pub tag: u16,
}

impl Header {
    pub fn parse(message: &[u8]) -> Option<Header> {
        let mut r = Reader::new(message.get(..HEADER_LEN)?);
        Some(Header {
            size: r.u32().ok()?,
            ty: r.u8().ok()?,
            tag: r.u16().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_refuses_short_fields() {
        let mut r = Reader::new(&[1, 0, 0]);
        assert_eq!(r.u32(), Err(Errno::EINVAL));
        let mut r = Reader::new(&[5, 0, b'a', b'b']);
        assert_eq!(r.string(), Err(Errno::EINVAL), "length says 5, 2 present");
        let mut r = Reader::new(&[2, 0, b'a', b'b', 9]);
        assert_eq!(r.string(), Ok(&b"ab"[..]));
        assert_eq!(r.u8(), Ok(9));
        assert_eq!(r.u8(), Err(Errno::EINVAL));
    }

    #[test]
    fn writer_stays_in_its_room() {
        let mut w = Writer::new(101, 0xffff, 12);
        w.u32(7);
        assert_eq!(w.left(), 1);
        w.string(b"x");
        assert_eq!(w.finish(), Err(Errno::EMSGSIZE));
        assert_eq!(rlerror(3, Errno::EINVAL, 10), Vec::<u8>::new());
        assert_eq!(
            rlerror(3, Errno::EINVAL, 11),
            [11, 0, 0, 0, 7, 3, 0, 22, 0, 0, 0]
        );
    }
}
