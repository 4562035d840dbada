//! Opening files and I/O on open fids: Tlopen, Tlcreate, Tread, Twrite,
//! Treaddir, Tfsync, Tlock, Tgetlock.
//!
//! Counts and offsets come from the guest: a read is capped by the room
//! left in the reply (itself at most msize), a write by the bytes the
//! message really carries, and offsets above `i64::MAX` are `EINVAL`.

use std::os::fd::AsFd;

use super::errno::Errno;
use super::fids::{Fid, Open};
use super::host;
use super::node::{component, qid_of, Ident, Kind};
use super::server::Server;
use super::wire::{dotl, Qid, Reader, Writer, QID_LEN, QTDIR, QTFILE, QTSYMLINK};

/// Tlock's answer: the lock is granted.
const LOCK_SUCCESS: u8 = 0;
/// Tgetlock's answer: nothing conflicts.
const LOCK_TYPE_UNLCK: u8 = 2;
/// Largest host `getdents` buffer per Treaddir.
const DIRENT_BUF_MAX: usize = 64 * 1024;
/// `linux_dirent64` header: `d_ino[8] d_off[8] d_reclen[2] d_type[1]`.
const DIRENT_HEADER: usize = 19;

/// How a fid is opened: host flags and the access they give.
struct Access {
    host: i32,
    readable: bool,
    writable: bool,
}

impl Access {
    /// The access mode and the flags that matter to a file server; the
    /// rest (`O_NOATIME`, `O_DIRECT`, `O_ASYNC`, ...) are the guest's own
    /// business and not passed on.
    fn from_dotl(flags: u32) -> Result<Access, Errno> {
        let (mode, readable, writable) = match flags & dotl::ACCMODE {
            0 => (libc::O_RDONLY, true, false),
            dotl::WRONLY => (libc::O_WRONLY, false, true),
            dotl::RDWR => (libc::O_RDWR, true, true),
            _ => return Err(Errno::EINVAL),
        };
        let mut host = mode;
        for (bit, host_flag) in [
            (dotl::APPEND, libc::O_APPEND),
            (dotl::DSYNC, libc::O_DSYNC),
            (dotl::SYNC, libc::O_SYNC),
            (dotl::DIRECTORY, libc::O_DIRECTORY),
        ] {
            if flags & bit != 0 {
                host |= host_flag;
            }
        }
        Ok(Access {
            host,
            readable,
            writable,
        })
    }

    /// Whether opening with `flags` could change the file.
    fn modifies(&self, flags: u32) -> bool {
        self.writable || flags & (dotl::TRUNC | dotl::APPEND | dotl::CREATE) != 0
    }
}

/// An offset from the guest, as `off_t`.
fn offset(v: u64) -> Result<i64, Errno> {
    i64::try_from(v).map_err(|_| Errno::EINVAL)
}

/// Permission bits the guest may set on a host file: no set-user-ID ever,
/// and set-group-ID only on directories (where it means inheritance), so a
/// guest cannot plant a privileged executable for host users.
pub(super) fn file_mode(mode: u32, dir: bool) -> u32 {
    let mut m = mode & 0o7777 & !libc::S_ISUID;
    if !dir {
        m &= !libc::S_ISGID;
    }
    m
}

impl Server {
    /// Tlopen `fid[4] flags[4]` → `qid[13] iounit[4]`.
    pub(super) fn lopen(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let flags = r.u32()?;
        let access = Access::from_dotl(flags)?;
        if access.modifies(flags) {
            self.check_writable()?;
        }
        let entry = self.fids.get(fid)?;
        if entry.open.is_some() {
            return Err(Errno::EINVAL);
        }
        let node = entry.node.clone();
        let fd = node.open(access.host)?;
        // Truncated only now that the descriptor is known to be the file
        // walked to (O_TRUNC would have acted before the identity check).
        if flags & dotl::TRUNC != 0 && node.kind == Kind::File {
            host::ftruncate(fd.as_fd(), 0)?;
        }
        let qid = qid_of(&host::fstat(fd.as_fd())?);
        self.fids.get_mut(fid)?.open = Some(Open {
            fd,
            readable: access.readable,
            writable: access.writable,
            dir: node.kind == Kind::Dir,
        });
        w.qid(qid);
        // iounit 0: the guest sizes its I/O by msize.
        w.u32(0);
        Ok(())
    }

    /// Tlcreate `fid[4] name[s] flags[4] mode[4] gid[4]` → `qid[13]
    /// iounit[4]`: creates `name` in the directory `fid`, which then
    /// stands for the new file, open.
    pub(super) fn lcreate(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let name = component(r.string()?)?;
        let flags = r.u32()?;
        let mode = file_mode(r.u32()?, false);
        let _gid = r.u32()?;
        let access = Access::from_dotl(flags & !dotl::DIRECTORY)?;
        let entry = self.fids.get(fid)?;
        if entry.open.is_some() {
            return Err(Errno::EINVAL);
        }
        let dir = entry.node.clone();
        if dir.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        // Create exclusively, so the server knows whether the file is new;
        // without the guest's O_EXCL an existing file is opened instead.
        let create = access.host | libc::O_CREAT | libc::O_EXCL;
        let (fd, created) = match host::openat2(dir.fd(), &name, create, mode) {
            Ok(fd) => (fd, true),
            Err(e) if e.0 == libc::EEXIST && flags & dotl::EXCL == 0 => (
                host::openat2(dir.fd(), &name, access.host | libc::O_NONBLOCK, 0)?,
                false,
            ),
            Err(e) => return Err(e),
        };
        if created {
            // The process umask narrowed the mode; the guest's applies.
            host::fchmod(fd.as_fd(), mode)?;
        } else if flags & dotl::TRUNC != 0 {
            host::ftruncate(fd.as_fd(), 0)?;
        }
        let st = host::fstat(fd.as_fd())?;
        let (node, _) = dir.lookup(&name, &self.budget)?;
        if node.ident != Ident::of(&st) || node.kind != Kind::File {
            return Err(Errno::ESTALE);
        }
        let open = Open {
            fd,
            readable: access.readable,
            writable: access.writable,
            dir: false,
        };
        self.fids.replace(
            fid,
            Fid {
                node,
                open: Some(open),
            },
        )?;
        w.qid(qid_of(&st));
        w.u32(0);
        Ok(())
    }

    /// Tread `fid[4] offset[8] count[4]` → `count[4] data[count]`, the data
    /// read straight into the reply (count capped to the room left).
    pub(super) fn read(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let at = offset(r.u64()?)?;
        let count = r.u32()? as usize;
        let open = self.fids.get(fid)?.opened()?;
        if !open.readable {
            return Err(Errno::EBADF);
        }
        if open.dir {
            return Err(Errno::EISDIR);
        }
        let start = w.position();
        w.u32(0);
        let n = host::pread(open.fd(), w.zeroed_tail(count), at)?;
        w.truncate(start + 4 + n);
        w.patch_u32(start, n as u32);
        Ok(())
    }

    /// Twrite `fid[4] offset[8] count[4] data[count]` → `count[4]`.
    pub(super) fn write(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let at = offset(r.u64()?)?;
        let count = r.u32()? as usize;
        // The message must carry the bytes its count claims.
        let data = r.bytes(count)?;
        let open = self.fids.get(fid)?.opened()?;
        if !open.writable {
            return Err(Errno::EBADF);
        }
        let n = host::pwrite(open.fd(), data, at)?;
        w.u32(n as u32);
        Ok(())
    }

    /// Treaddir `fid[4] offset[8] count[4]` → `count[4] data[count]`, where
    /// data is entries `qid[13] offset[8] type[1] name[s]`. The offset is
    /// the host's directory cookie (`d_off`) of the entry before.
    pub(super) fn readdir(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let cookie = offset(r.u64()?)?;
        let count = r.u32()? as usize;
        let open = self.fids.get(fid)?.opened()?;
        if !open.dir {
            return Err(Errno::ENOTDIR);
        }
        host::seek_dir(open.fd(), cookie)?;
        let start = w.position();
        w.u32(0);
        let limit = count.min(w.left());
        // A host record is at most 3 bytes longer than the 9P entry it
        // becomes, so `limit` bytes (at least one record's worth) read
        // about as many entries as fit; those that do not are read again
        // by the next Treaddir, which starts at the last offset sent.
        let mut buf = vec![0u8; limit.clamp(512, DIRENT_BUF_MAX)];
        let filled = host::getdents(open.fd(), &mut buf)?;
        let mut used = 0;
        for entry in Dirents(&buf[..filled]) {
            let size = QID_LEN + 8 + 1 + 2 + entry.name.len();
            if used + size > limit {
                break;
            }
            w.qid(entry.qid());
            w.u64(entry.off as u64);
            w.u8(entry.ty);
            w.string(entry.name);
            used += size;
        }
        w.patch_u32(start, used as u32);
        Ok(())
    }

    /// Tfsync `fid[4] datasync[4]`.
    pub(super) fn fsync(&mut self, r: &mut Reader<'_>) -> Result<(), Errno> {
        let fid = r.u32()?;
        let data_only = r.u32()? != 0;
        host::fsync(self.fids.get(fid)?.opened()?.fd(), data_only)
    }

    /// Tlock `fid[4] type[1] flags[4] start[8] length[8] proc_id[4]
    /// client_id[s]` → `status[1]`. POSIX locks are the guest kernel's
    /// business between its own processes; the server grants them all.
    pub(super) fn lock(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let _ty = r.u8()?;
        let _flags = r.u32()?;
        let (_start, _length) = (r.u64()?, r.u64()?);
        let _proc_id = r.u32()?;
        let _client = r.string()?;
        self.fids.get(fid)?;
        w.u8(LOCK_SUCCESS);
        Ok(())
    }

    /// Tgetlock `fid[4] type[1] start[8] length[8] proc_id[4] client_id[s]`
    /// → the same fields, type `UNLCK`: no lock conflicts.
    pub(super) fn getlock(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let _ty = r.u8()?;
        let (start, length) = (r.u64()?, r.u64()?);
        let proc_id = r.u32()?;
        let client = r.string()?;
        self.fids.get(fid)?;
        w.u8(LOCK_TYPE_UNLCK);
        w.u64(start);
        w.u64(length);
        w.u32(proc_id);
        w.string(client);
        Ok(())
    }
}

/// One `linux_dirent64` record.
struct Dirent<'a> {
    ino: u64,
    off: i64,
    ty: u8,
    name: &'a [u8],
}

impl Dirent<'_> {
    fn qid(&self) -> Qid {
        let ty = match self.ty {
            libc::DT_DIR => QTDIR,
            libc::DT_LNK => QTSYMLINK,
            _ => QTFILE,
        };
        Qid {
            ty,
            version: 0,
            path: self.ino,
        }
    }
}

/// The records of a getdents buffer. The kernel filled it, but it is still
/// parsed with checked bounds: a bad record ends the iteration.
struct Dirents<'a>(&'a [u8]);

impl<'a> Iterator for Dirents<'a> {
    type Item = Dirent<'a>;

    fn next(&mut self) -> Option<Dirent<'a>> {
        let buf = self.0;
        let word = |at: usize| -> Option<[u8; 8]> { buf.get(at..at + 8)?.try_into().ok() };
        let ino = u64::from_ne_bytes(word(0)?);
        let off = i64::from_ne_bytes(word(8)?);
        let reclen = u16::from_ne_bytes(buf.get(16..18)?.try_into().ok()?) as usize;
        let ty = *buf.get(18)?;
        let record = buf.get(DIRENT_HEADER..reclen)?;
        let name_len = record.iter().position(|&b| b == 0)?;
        self.0 = &buf[reclen..];
        Some(Dirent {
            ino,
            off,
            ty,
            name: &record[..name_len],
        })
    }
}
