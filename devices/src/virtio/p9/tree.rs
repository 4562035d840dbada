//! Names and attributes: Tgetattr, Tsetattr, Tstatfs, Tmkdir, Tsymlink,
//! Tmknod, Tlink, Trename, Trenameat, Tunlinkat, Tremove, Treadlink.
//!
//! Every name from the guest is one validated component
//! ([`component`]) used with an `*at` call on a directory node's
//! descriptor, so nothing here resolves a path; attributes are changed
//! through the node's own descriptor, so nothing follows a symlink.

use std::collections::HashSet;
use std::ffi::CString;
use std::sync::Arc;

use super::errno::Errno;
use super::host::{self, Time};
use super::io::file_mode;
use super::node::{component, qid_of, Ident, Kind, Node};
use super::server::Server;
use super::wire::{dotl, Reader, Writer};

/// Tgetattr: the fields always answered (`P9_GETATTR_BASIC`: everything
/// up to `blocks`; no btime, gen or data_version).
const GETATTR_BASIC: u64 = 0x7ff;

/// Tsetattr `valid` bits (Linux's `ATTR_*`).
mod attr {
    pub const MODE: u32 = 0x1;
    pub const UID: u32 = 0x2;
    pub const GID: u32 = 0x4;
    pub const SIZE: u32 = 0x8;
    pub const ATIME: u32 = 0x10;
    pub const MTIME: u32 = 0x20;
    pub const ATIME_SET: u32 = 0x80;
    pub const MTIME_SET: u32 = 0x100;
}

/// Tsetattr's fields after `fid`.
struct SetAttr {
    valid: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    atime: (u64, u64),
    mtime: (u64, u64),
}

impl SetAttr {
    fn decode(r: &mut Reader<'_>) -> Result<SetAttr, Errno> {
        Ok(SetAttr {
            valid: r.u32()?,
            mode: r.u32()?,
            uid: r.u32()?,
            gid: r.u32()?,
            size: r.u64()?,
            atime: (r.u64()?, r.u64()?),
            mtime: (r.u64()?, r.u64()?),
        })
    }

    /// The time to set for `bit` (`set_bit`: the given value, else now).
    fn time(&self, bit: u32, set_bit: u32, (sec, nsec): (u64, u64)) -> Time {
        if self.valid & bit == 0 {
            Time::Omit
        } else if self.valid & set_bit != 0 {
            Time::At(sec as i64, nsec as i64)
        } else {
            Time::Now
        }
    }
}

/// Sets times through the node's descriptor; on kernels without
/// `AT_EMPTY_PATH` for utimensat (EINVAL), through a descriptor reopened as
/// in Tlopen (symlinks then keep their times).
fn set_times(node: &Node, atime: Time, mtime: Time) -> Result<(), Errno> {
    match host::utimens_fd(node.fd(), atime, mtime) {
        Err(Errno::EINVAL) if matches!(node.kind, Kind::File | Kind::Dir) => {
            let fd = node.open(libc::O_RDONLY)?;
            host::futimens(std::os::fd::AsFd::as_fd(&fd), atime, mtime)
        }
        other => other,
    }
}

impl Server {
    /// The node of `fid`, which must be a directory.
    fn dir_node(&self, fid: u32) -> Result<Arc<Node>, Errno> {
        let node = self.fids.node(fid)?;
        if node.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        Ok(node)
    }

    /// Tgetattr `fid[4] request_mask[8]` → `valid[8] qid[13] mode[4] uid[4]
    /// gid[4] nlink[8] rdev[8] size[8] blksize[8] blocks[8]` and the atime,
    /// mtime, ctime, btime (sec[8] nsec[8] each), `gen[8] data_version[8]`.
    pub(super) fn getattr(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let _mask = r.u64()?;
        let st = self.fids.node(fid)?.stat()?;
        w.u64(GETATTR_BASIC);
        w.qid(qid_of(&st));
        w.u32(st.mode);
        w.u32(st.uid);
        w.u32(st.gid);
        for v in [st.nlink, st.rdev, st.size, st.blksize, st.blocks] {
            w.u64(v);
        }
        for (sec, nsec) in [st.atime, st.mtime, st.ctime, (0, 0)] {
            w.u64(sec as u64);
            w.u64(nsec as u64);
        }
        w.u64(0);
        w.u64(0);
        Ok(())
    }

    /// Tsetattr `fid[4] valid[4] mode[4] uid[4] gid[4] size[8] atime_sec[8]
    /// atime_nsec[8] mtime_sec[8] mtime_nsec[8]`.
    pub(super) fn setattr(&mut self, r: &mut Reader<'_>) -> Result<(), Errno> {
        let fid = r.u32()?;
        let a = SetAttr::decode(r)?;
        let node = self.fids.node(fid)?;
        if a.valid & attr::MODE != 0 {
            self.set_mode(&node, file_mode(a.mode, node.kind == Kind::Dir))?;
        }
        if a.valid & (attr::UID | attr::GID) != 0 {
            let uid = if a.valid & attr::UID != 0 {
                a.uid
            } else {
                u32::MAX
            };
            let gid = if a.valid & attr::GID != 0 {
                a.gid
            } else {
                u32::MAX
            };
            host::chown_fd(node.fd(), uid, gid)?;
        }
        if a.valid & attr::SIZE != 0 {
            self.truncate(fid, &node, a.size)?;
        }
        let atime = a.time(attr::ATIME, attr::ATIME_SET, a.atime);
        let mtime = a.time(attr::MTIME, attr::MTIME_SET, a.mtime);
        if a.valid & (attr::ATIME | attr::MTIME) != 0 {
            set_times(&node, atime, mtime)?;
        }
        Ok(())
    }

    /// chmod without following or naming anything: through the node's
    /// descriptor (fchmodat2), or, on kernels without it, through a
    /// descriptor reopened as in Tlopen. Symlinks have no mode to change.
    fn set_mode(&self, node: &Node, mode: u32) -> Result<(), Errno> {
        if node.kind == Kind::Symlink {
            return Err(Errno::EOPNOTSUPP);
        }
        match host::chmod_fd(node.fd(), mode) {
            Err(Errno::ENOSYS) => {
                host::fchmod(std::os::fd::AsFd::as_fd(&node.open(libc::O_RDONLY)?), mode)
            }
            other => other,
        }
    }

    /// Truncation through the fid's descriptor when it is open for
    /// writing (the guest may have opened a file it can no longer open),
    /// else through a reopened one.
    fn truncate(&self, fid: u32, node: &Node, size: u64) -> Result<(), Errno> {
        let size = i64::try_from(size).map_err(|_| Errno::EINVAL)?;
        match node.kind {
            Kind::File => {}
            Kind::Dir => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        }
        if let Some(open) = self.fids.get(fid)?.open.as_ref().filter(|o| o.writable) {
            return host::ftruncate(open.fd(), size);
        }
        let fd = node.open(libc::O_WRONLY)?;
        host::ftruncate(std::os::fd::AsFd::as_fd(&fd), size)
    }

    /// Tstatfs `fid[4]` → `type[4] bsize[4] blocks[8] bfree[8] bavail[8]
    /// files[8] ffree[8] fsid[8] namelen[4]`.
    pub(super) fn statfs(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let node = self.fids.node(r.u32()?)?;
        let s = host::fstatfs(node.fd())?;
        w.u32(s.fs_type);
        w.u32(s.bsize);
        for v in [s.blocks, s.bfree, s.bavail, s.files, s.ffree] {
            w.u64(v);
        }
        // The device number stands in for the file system id.
        w.u64(node.ident.dev);
        w.u32(s.namelen);
        Ok(())
    }

    /// Tmkdir `dfid[4] name[s] mode[4] gid[4]` → `qid[13]`.
    pub(super) fn mkdir(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let dir = self.dir_node(r.u32()?)?;
        let name = component(r.string()?)?;
        let mode = file_mode(r.u32()?, true);
        let _gid = r.u32()?;
        host::mkdirat(dir.fd(), &name, mode)?;
        let (node, mut st) = dir.lookup(&name, &self.budget)?;
        if st.mode & 0o7777 != mode {
            // The process umask narrowed the mode; the guest's applies.
            self.set_mode(&node, mode)?;
            st = node.stat()?;
        }
        w.qid(qid_of(&st));
        Ok(())
    }

    /// Tsymlink `fid[4] name[s] symtgt[s] gid[4]` → `qid[13]`. The target
    /// is only text to the server: it is stored, never followed.
    pub(super) fn symlink(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let dir = self.dir_node(r.u32()?)?;
        let name = component(r.string()?)?;
        let target = r.string()?;
        let _gid = r.u32()?;
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        let target = CString::new(target).map_err(|_| Errno::EINVAL)?;
        host::symlinkat(&target, dir.fd(), &name)?;
        w.qid(qid_of(&host::stat_entry(dir.fd(), &name)?));
        Ok(())
    }

    /// Tmknod `dfid[4] name[s] mode[4] major[4] minor[4] gid[4]` →
    /// `qid[13]`. FIFOs, sockets and empty regular files only: a device
    /// node would give whoever opens it on the host the device itself.
    pub(super) fn mknod(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let dir = self.dir_node(r.u32()?)?;
        let name = component(r.string()?)?;
        let mode = r.u32()?;
        let (_major, _minor, _gid) = (r.u32()?, r.u32()?, r.u32()?);
        let kind = match mode & libc::S_IFMT {
            0 | libc::S_IFREG => libc::S_IFREG,
            k @ (libc::S_IFIFO | libc::S_IFSOCK) => k,
            libc::S_IFCHR | libc::S_IFBLK => return Err(Errno::EPERM),
            _ => return Err(Errno::EINVAL),
        };
        host::mknodat(dir.fd(), &name, kind | file_mode(mode, false))?;
        w.qid(qid_of(&host::stat_entry(dir.fd(), &name)?));
        Ok(())
    }

    /// Tlink `dfid[4] fid[4] name[s]`: a hard link to `fid`'s file as
    /// `name` in `dfid`.
    pub(super) fn link(&mut self, r: &mut Reader<'_>) -> Result<(), Errno> {
        let dir = self.dir_node(r.u32()?)?;
        let node = self.fids.node(r.u32()?)?;
        let name = component(r.string()?)?;
        if node.kind == Kind::Dir {
            return Err(Errno::EPERM);
        }
        match host::link_fd(node.fd(), dir.fd(), &name) {
            // Linking a descriptor needs CAP_DAC_READ_SEARCH, which the
            // kernel reports as ENOENT; then link the entry, checked to
            // still be this file.
            Err(Errno::ENOENT) => {
                let loc = node.entry()?;
                host::link_entry(loc.parent.fd(), &loc.name, dir.fd(), &name)
            }
            other => other,
        }
    }

    /// Trename `fid[4] dfid[4] name[s]`: moves `fid`'s file to `name` in
    /// `dfid`.
    pub(super) fn rename(&mut self, r: &mut Reader<'_>) -> Result<(), Errno> {
        let node = self.fids.node(r.u32()?)?;
        let dir = self.dir_node(r.u32()?)?;
        let name = component(r.string()?)?;
        let loc = node.entry()?;
        host::renameat(loc.parent.fd(), &loc.name, dir.fd(), &name)?;
        self.moved(&loc.parent, &loc.name, &dir, &name);
        Ok(())
    }

    /// Trenameat `olddirfid[4] oldname[s] newdirfid[4] newname[s]`.
    pub(super) fn renameat(&mut self, r: &mut Reader<'_>) -> Result<(), Errno> {
        let old_dir = self.dir_node(r.u32()?)?;
        let old = component(r.string()?)?;
        let new_dir = self.dir_node(r.u32()?)?;
        let new = component(r.string()?)?;
        host::renameat(old_dir.fd(), &old, new_dir.fd(), &new)?;
        self.moved(&old_dir, &old, &new_dir, &new);
        Ok(())
    }

    /// After a rename, every node of the moved file (the fids' nodes and
    /// their ancestors) records its new place, so reopening it, and `..`
    /// from below it, follow the move.
    fn moved(&self, old_dir: &Node, old: &CString, new_dir: &Arc<Node>, new: &CString) {
        let Ok(st) = host::stat_entry(new_dir.fd(), new) else {
            return;
        };
        let ident = Ident::of(&st);
        let mut seen = HashSet::new();
        let mut stack: Vec<Arc<Node>> = self.fids.nodes().cloned().collect();
        while let Some(node) = stack.pop() {
            if !seen.insert(Arc::as_ptr(&node)) {
                continue;
            }
            let Some(loc) = node.loc() else { continue };
            if node.ident == ident && loc.parent.ident == old_dir.ident && loc.name == *old {
                node.set_loc(new_dir.clone(), new.clone());
            }
            stack.push(loc.parent);
        }
    }

    /// Tunlinkat `dirfd[4] name[s] flags[4]`.
    pub(super) fn unlinkat(&mut self, r: &mut Reader<'_>) -> Result<(), Errno> {
        let dir = self.dir_node(r.u32()?)?;
        let name = component(r.string()?)?;
        let flags = r.u32()?;
        host::unlinkat(dir.fd(), &name, flags & dotl::AT_REMOVEDIR != 0)
    }

    /// Tremove `fid[4]`: removes the file and clunks the fid, which is
    /// clunked even when the removal fails (remove(5)).
    pub(super) fn remove(&mut self, r: &mut Reader<'_>) -> Result<(), Errno> {
        let fid = self.fids.remove(r.u32()?)?;
        self.check_writable()?;
        let loc = fid.node.entry()?;
        host::unlinkat(loc.parent.fd(), &loc.name, fid.node.kind == Kind::Dir)
    }

    /// Treadlink `fid[4]` → `target[s]`, as text.
    pub(super) fn readlink(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let node = self.fids.node(r.u32()?)?;
        if node.kind != Kind::Symlink {
            return Err(Errno::EINVAL);
        }
        w.string(&host::readlink_fd(node.fd())?);
        Ok(())
    }
}
