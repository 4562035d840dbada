//! The session's fids: guest-chosen numbers naming a [`Node`] and, once
//! opened, a descriptor for I/O. The table is capped so that a guest
//! allocating fids without end costs bounded host memory and descriptors.

use std::collections::HashMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use super::errno::Errno;
use super::node::Node;
use super::wire::NOFID;

/// Most fids one session may hold (Linux's client uses one per cached
/// dentry and open file).
pub const MAX_FIDS: usize = 4096;

/// A fid opened by Tlopen or Tlcreate.
pub struct Open {
    pub fd: OwnedFd,
    pub readable: bool,
    pub writable: bool,
    pub dir: bool,
}

impl Open {
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// What a fid stands for.
pub struct Fid {
    pub node: Arc<Node>,
    pub open: Option<Open>,
}

impl Fid {
    pub fn new(node: Arc<Node>) -> Self {
        Fid { node, open: None }
    }

    /// The open descriptor, or `EBADF` for a fid not opened.
    pub fn opened(&self) -> Result<&Open, Errno> {
        self.open.as_ref().ok_or(Errno::EBADF)
    }
}

#[derive(Default)]
pub struct FidTable {
    map: HashMap<u32, Fid>,
}

impl FidTable {
    pub fn get(&self, fid: u32) -> Result<&Fid, Errno> {
        self.map.get(&fid).ok_or(Errno::EBADF)
    }

    pub fn get_mut(&mut self, fid: u32) -> Result<&mut Fid, Errno> {
        self.map.get_mut(&fid).ok_or(Errno::EBADF)
    }

    /// The node of `fid`.
    pub fn node(&self, fid: u32) -> Result<Arc<Node>, Errno> {
        Ok(self.get(fid)?.node.clone())
    }

    /// Whether `fid` may be given a new meaning: not `NOFID`, not in use,
    /// and room in the table.
    pub fn check_free(&self, fid: u32) -> Result<(), Errno> {
        if fid == NOFID || self.map.contains_key(&fid) {
            return Err(Errno::EBADF);
        }
        if self.map.len() >= MAX_FIDS {
            return Err(Errno::EMFILE);
        }
        Ok(())
    }

    /// Adds a new fid (see [`FidTable::check_free`]).
    pub fn insert(&mut self, fid: u32, entry: Fid) -> Result<(), Errno> {
        self.check_free(fid)?;
        self.map.insert(fid, entry);
        Ok(())
    }

    /// Gives an existing fid a new meaning (a walk onto itself).
    pub fn replace(&mut self, fid: u32, entry: Fid) -> Result<(), Errno> {
        *self.get_mut(fid)? = entry;
        Ok(())
    }

    pub fn remove(&mut self, fid: u32) -> Result<Fid, Errno> {
        self.map.remove(&fid).ok_or(Errno::EBADF)
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }

    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.map.len()
    }

    /// Every fid's node.
    pub fn nodes(&self) -> impl Iterator<Item = &Arc<Node>> {
        self.map.values().map(|f| &f.node)
    }
}
