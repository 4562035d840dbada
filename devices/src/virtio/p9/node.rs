//! Files the guest has walked to, and the lookups that keep it inside the
//! share.
//!
//! A [`Node`] is a file the server found by walking from the share's root
//! one validated name at a time: an `O_PATH` descriptor of it (which refers
//! to that inode whatever later happens to names), its identity (device and
//! inode), and where it was found (its parent's node and its name there).
//! Nodes are shared by every fid that walked to them (`Arc`), and a node
//! keeps its parent alive, so `..` is the directory the node was found in —
//! no path is ever re-resolved, and `..` at the root stays at the root.
//!
//! Reopening for I/O never resolves a path either: a directory is reopened
//! as `.` of its own descriptor; any other file as its name in its parent's
//! descriptor, without following symlinks, and the result must be the same
//! inode (else `ESTALE`), so a name swapped for a symlink or another file
//! between walk and open is refused rather than followed.

use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::errno::Errno;
use super::host::{self, Stat};
use super::wire::{Qid, QTDIR, QTFILE, QTSYMLINK};

/// Most nodes (each an open descriptor) alive at once: a guest walking
/// 16 names per fid must not exhaust the host's descriptors.
pub const MAX_NODES: usize = 8192;

/// A file's identity on the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub dev: u64,
    pub ino: u64,
}

impl Ident {
    pub fn of(st: &Stat) -> Ident {
        Ident {
            dev: st.dev,
            ino: st.ino,
        }
    }
}

/// What a node is; an inode's type never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    Symlink,
    /// Devices, FIFOs, sockets: visible, never opened by the server.
    Special,
}

impl Kind {
    pub fn of(st: &Stat) -> Kind {
        match st.kind() {
            libc::S_IFDIR => Kind::Dir,
            libc::S_IFREG => Kind::File,
            libc::S_IFLNK => Kind::Symlink,
            _ => Kind::Special,
        }
    }
}

/// The qid the guest sees for a file: the inode number as its path, and a
/// version that changes with mtime and size so cached data is revalidated.
pub fn qid_of(st: &Stat) -> Qid {
    let ty = match Kind::of(st) {
        Kind::Dir => QTDIR,
        Kind::Symlink => QTSYMLINK,
        _ => QTFILE,
    };
    let version = (st.mtime.0 as u64 ^ st.mtime.1 as u64 ^ (st.size << 8)) as u32;
    Qid {
        ty,
        version,
        path: st.ino,
    }
}

/// Where a node was found: a directory node and a name in it.
#[derive(Clone)]
pub struct Loc {
    pub parent: Arc<Node>,
    pub name: CString,
}

/// Counts live nodes against [`MAX_NODES`].
#[derive(Clone, Debug)]
pub struct Budget(Arc<AtomicUsize>);

impl Budget {
    pub fn new() -> Self {
        Budget(Arc::new(AtomicUsize::new(0)))
    }

    /// Nodes alive now.
    #[cfg(test)]
    pub fn live(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    fn take(&self) -> Result<Ticket, Errno> {
        if self.0.fetch_add(1, Ordering::Relaxed) >= MAX_NODES {
            self.0.fetch_sub(1, Ordering::Relaxed);
            return Err(Errno::ENFILE);
        }
        Ok(Ticket(self.0.clone()))
    }
}

/// One node's share of the budget, returned when the node is dropped.
#[derive(Debug)]
struct Ticket(Arc<AtomicUsize>);

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A file the guest walked to (see the module documentation).
pub struct Node {
    /// `O_PATH` descriptor: identifies the inode, opens nothing.
    fd: OwnedFd,
    pub ident: Ident,
    pub kind: Kind,
    /// `None` only for the share's root. Updated when the guest renames
    /// the file through the server.
    loc: Mutex<Option<Loc>>,
    _ticket: Ticket,
}

impl Node {
    /// The share's root, from an `O_PATH` descriptor of it.
    pub fn root(fd: OwnedFd, budget: &Budget) -> Result<Arc<Node>, Errno> {
        let st = host::fstat(fd.as_fd())?;
        Node::new(fd, &st, None, budget)
    }

    fn new(fd: OwnedFd, st: &Stat, loc: Option<Loc>, budget: &Budget) -> Result<Arc<Node>, Errno> {
        Ok(Arc::new(Node {
            fd,
            ident: Ident::of(st),
            kind: Kind::of(st),
            loc: Mutex::new(loc),
            _ticket: budget.take()?,
        }))
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    fn loc_guard(&self) -> MutexGuard<'_, Option<Loc>> {
        // Nothing panics while holding the lock; a poisoned one is as good.
        self.loc.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where the node was found; `None` for the root.
    pub fn loc(&self) -> Option<Loc> {
        self.loc_guard().clone()
    }

    /// Records that the file is now `name` in `parent` (after a rename).
    pub fn set_loc(&self, parent: Arc<Node>, name: CString) {
        *self.loc_guard() = Some(Loc { parent, name });
    }

    /// Current attributes.
    pub fn stat(&self) -> Result<Stat, Errno> {
        host::fstat(self.fd())
    }

    /// The entry `name` (one validated component) of this directory, as a
    /// new node, with its attributes. Symlinks are not followed: walking to
    /// one gives the link itself, and walking on from it fails `ENOTDIR`.
    pub fn lookup(
        self: &Arc<Self>,
        name: &CString,
        budget: &Budget,
    ) -> Result<(Arc<Node>, Stat), Errno> {
        if self.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        let fd = host::openat2(self.fd(), name, libc::O_PATH, 0)?;
        let st = host::fstat(fd.as_fd())?;
        let loc = Loc {
            parent: self.clone(),
            name: name.clone(),
        };
        Ok((Node::new(fd, &st, Some(loc), budget)?, st))
    }

    /// `..`: the directory this node was found in; the root is its own
    /// parent.
    pub fn parent(self: &Arc<Self>) -> Arc<Node> {
        match self.loc() {
            Some(loc) => loc.parent,
            None => self.clone(),
        }
    }

    /// A descriptor of this file opened for I/O with `flags` (host
    /// `O_*`; `O_CREAT` and `O_TRUNC` must not be among them). Regular
    /// files and directories only.
    pub fn open(&self, flags: i32) -> Result<OwnedFd, Errno> {
        match self.kind {
            Kind::Dir => host::openat2(self.fd(), c".", flags | libc::O_DIRECTORY, 0),
            Kind::File => {
                let loc = self.loc().ok_or(Errno::EINVAL)?;
                // O_NONBLOCK: should the name now be a FIFO, opening it must
                // not wait for a writer (the identity check then refuses it).
                let fd = host::openat2(loc.parent.fd(), &loc.name, flags | libc::O_NONBLOCK, 0)?;
                self.check_same(host::fstat(fd.as_fd())?)?;
                Ok(fd)
            }
            Kind::Symlink => Err(Errno::ELOOP),
            Kind::Special => Err(Errno::ENXIO),
        }
    }

    /// This node's entry in its parent, checked to still be this file:
    /// for operations that can only name it (remove, link).
    pub fn entry(&self) -> Result<Loc, Errno> {
        let loc = self.loc().ok_or(Errno::EBUSY)?;
        self.check_same(host::stat_entry(loc.parent.fd(), &loc.name)?)?;
        Ok(loc)
    }

    fn check_same(&self, st: Stat) -> Result<(), Errno> {
        if Ident::of(&st) == self.ident {
            Ok(())
        } else {
            Err(Errno::ESTALE)
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Release the chain of parents iteratively: dropping a deep chain
        // recursively could overflow a vCPU thread's stack.
        let mut next = self
            .loc
            .get_mut()
            .ok()
            .and_then(|l| l.take())
            .map(|l| l.parent);
        while let Some(parent) = next {
            next = match Arc::try_unwrap(parent) {
                Ok(mut node) => node
                    .loc
                    .get_mut()
                    .ok()
                    .and_then(|l| l.take())
                    .map(|l| l.parent),
                Err(_) => None,
            };
        }
    }
}

/// One step of a walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `.`
    Stay,
    /// `..`
    Up,
    Down(CString),
}

impl Step {
    pub fn parse(name: &[u8]) -> Result<Step, Errno> {
        match name {
            b"." => Ok(Step::Stay),
            b".." => Ok(Step::Up),
            _ => component(name).map(Step::Down),
        }
    }
}

/// A name from the guest that names one entry of a directory: not empty,
/// not `.` or `..`, no `/` and no NUL, at most NAME_MAX bytes.
pub fn component(name: &[u8]) -> Result<CString, Errno> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
        return Err(Errno::EINVAL);
    }
    if name.len() > 255 {
        return Err(Errno::ENAMETOOLONG);
    }
    CString::new(name).map_err(|_| Errno::EINVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_single_components() {
        assert_eq!(Step::parse(b".."), Ok(Step::Up));
        assert_eq!(Step::parse(b"."), Ok(Step::Stay));
        assert_eq!(Step::parse(b"a"), Ok(Step::Down(c"a".into())));
        for bad in [&b""[..], b"a/b", b"/", b"../x", b"a\0b", b"/etc"] {
            assert_eq!(Step::parse(bad), Err(Errno::EINVAL), "{bad:?}");
        }
        assert_eq!(component(b".."), Err(Errno::EINVAL));
        assert_eq!(component(&[b'x'; 256]), Err(Errno::ENAMETOOLONG));
    }
}
