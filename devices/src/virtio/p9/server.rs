//! The 9P2000.L session: one T-message in, one R-message out.
//!
//! [`Server::handle`] takes a whole request and the room the guest's
//! buffers offer for the reply, and always returns either a reply that
//! fits or nothing (when not even an `Rlerror` would). Decoding errors,
//! unknown messages and host failures all become `Rlerror`; nothing a
//! guest sends can panic the server or make it allocate more than one
//! msize.
//!
//! Message handlers are grouped by what they touch: the session (here),
//! I/O on open fids (`io.rs`) and names and attributes (`tree.rs`).

use std::os::fd::OwnedFd;
use std::sync::Arc;

use super::errno::Errno;
use super::fids::{Fid, FidTable};
use super::node::{qid_of, Budget, Node, Step};
use super::wire::{msg, rlerror, Header, Reader, Writer, HEADER_LEN, MAXWELEM, NOFID, RLERROR_LEN};

/// Largest msize the server agrees to: Linux's virtio transport offers up
/// to 500 KiB; this bounds the buffer one request may cost.
pub const MAX_MSIZE: u32 = 512 * 1024;
/// Smallest msize accepted: room for a directory entry with a long name
/// and for every fixed-size reply.
pub const MIN_MSIZE: u32 = 512;
/// The protocol spoken.
const VERSION_L: &[u8] = b"9P2000.L";

/// Messages refused with `EROFS` on a read-only share before they are even
/// decoded. (Tlopen is checked by its flags, Tremove inside, since it must
/// still clunk its fid.)
const MODIFYING: &[u8] = &[
    msg::TLCREATE,
    msg::TSYMLINK,
    msg::TMKNOD,
    msg::TRENAME,
    msg::TSETATTR,
    msg::TXATTRCREATE,
    msg::TLINK,
    msg::TMKDIR,
    msg::TRENAMEAT,
    msg::TUNLINKAT,
    msg::TWRITE,
];

/// A 9P2000.L file server over one host directory.
pub struct Server {
    pub(super) root: Arc<Node>,
    pub(super) read_only: bool,
    /// Negotiated by Tversion; `None` until then (and after a reset).
    msize: Option<u32>,
    pub(super) fids: FidTable,
    pub(super) budget: Budget,
}

impl Server {
    /// A server for the directory `root` (an `O_PATH` descriptor).
    pub fn new(root: OwnedFd, read_only: bool) -> Result<Server, Errno> {
        let budget = Budget::new();
        let root = Node::root(root, &budget)?;
        Ok(Server {
            root,
            read_only,
            msize: None,
            fids: FidTable::default(),
            budget,
        })
    }

    /// The largest request accepted and reply produced right now.
    pub fn max_message(&self) -> u32 {
        self.msize.unwrap_or(MAX_MSIZE)
    }

    /// Forgets the session (device reset): every fid is clunked.
    pub fn reset(&mut self) {
        self.fids.clear();
        self.msize = None;
    }

    /// Fids in use (tests).
    #[cfg(test)]
    pub fn fid_count(&self) -> usize {
        self.fids.count()
    }

    /// Nodes (descriptors) alive, the root's included (tests).
    #[cfg(test)]
    pub fn live_nodes(&self) -> usize {
        self.budget.live()
    }

    /// Serves one request; the reply is at most `room` bytes, and empty
    /// when the request has no header or not even `Rlerror` fits.
    pub fn handle(&mut self, request: &[u8], room: usize) -> Vec<u8> {
        let Some(h) = Header::parse(request) else {
            log::warn!("virtio-9p: {}-byte request without a header", request.len());
            return Vec::new();
        };
        let room = room.min(self.max_message() as usize);
        if room < RLERROR_LEN {
            log::warn!("virtio-9p: no room for a reply to tag {}", h.tag);
            return Vec::new();
        }
        let too_long = request.len() > self.max_message() as usize;
        let result = if h.size as usize != request.len() || too_long {
            log::warn!(
                "virtio-9p: size field {} of a {}-byte request",
                h.size,
                request.len()
            );
            Err(Errno::EINVAL)
        } else {
            let mut r = Reader::new(&request[HEADER_LEN..]);
            let mut w = Writer::new(h.ty.wrapping_add(1), h.tag, room);
            self.dispatch(h.ty, &mut r, &mut w)
                .and_then(|()| w.finish())
        };
        result.unwrap_or_else(|e| {
            log::debug!("virtio-9p: message type {} tag {}: {e}", h.ty, h.tag);
            rlerror(h.tag, e, room)
        })
    }

    fn dispatch(&mut self, ty: u8, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        if ty == msg::TVERSION {
            return self.version(r, w);
        }
        if self.msize.is_none() {
            return Err(Errno::EPROTO);
        }
        if self.read_only && MODIFYING.contains(&ty) {
            return Err(Errno::EROFS);
        }
        match ty {
            msg::TATTACH => self.attach(r, w),
            msg::TWALK => self.walk(r, w),
            msg::TCLUNK => self.fids.remove(r.u32()?).map(drop),
            // Requests are served one at a time, to completion: by the
            // time a flush arrives, what it names is already answered.
            msg::TFLUSH => r.u16().map(drop),
            msg::TLOPEN => self.lopen(r, w),
            msg::TLCREATE => self.lcreate(r, w),
            msg::TREAD => self.read(r, w),
            msg::TWRITE => self.write(r, w),
            msg::TREADDIR => self.readdir(r, w),
            msg::TFSYNC => self.fsync(r),
            msg::TLOCK => self.lock(r, w),
            msg::TGETLOCK => self.getlock(r, w),
            // No extended attributes: the guest sees none, and sets none.
            msg::TXATTRWALK | msg::TXATTRCREATE => Err(Errno::EOPNOTSUPP),
            // No authentication: Tattach takes afid NOFID.
            msg::TAUTH => Err(Errno::EOPNOTSUPP),
            msg::TGETATTR => self.getattr(r, w),
            msg::TSETATTR => self.setattr(r),
            msg::TSTATFS => self.statfs(r, w),
            msg::TMKDIR => self.mkdir(r, w),
            msg::TSYMLINK => self.symlink(r, w),
            msg::TMKNOD => self.mknod(r, w),
            msg::TLINK => self.link(r),
            msg::TRENAME => self.rename(r),
            msg::TRENAMEAT => self.renameat(r),
            msg::TUNLINKAT => self.unlinkat(r),
            msg::TREMOVE => self.remove(r),
            msg::TREADLINK => self.readlink(r, w),
            // The legacy 9P2000(.u) messages and anything else.
            _ => Err(Errno::EOPNOTSUPP),
        }
    }

    /// Tversion `msize[4] version[s]` → Rversion `msize[4] version[s]`. Starts
    /// a new session whatever the answer.
    fn version(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let msize = r.u32()?;
        let version = r.string()?;
        self.reset();
        if msize < MIN_MSIZE {
            return Err(Errno::EINVAL);
        }
        let msize = msize.min(MAX_MSIZE);
        w.u32(msize);
        // "9P2000.L" possibly with a further suffix, as version(5) allows.
        let dotl = version == VERSION_L || version.starts_with(b"9P2000.L.");
        if dotl {
            self.msize = Some(msize);
            w.string(VERSION_L);
        } else {
            log::warn!(
                "virtio-9p: guest asked for protocol {:?}",
                String::from_utf8_lossy(version)
            );
            w.string(b"unknown");
        }
        Ok(())
    }

    /// Tattach `fid[4] afid[4] uname[s] aname[s] n_uname[4]` → `qid[13]`.
    /// There is no authentication (afid must be NOFID); every attach
    /// reaches the share's root, whatever the names.
    fn attach(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let afid = r.u32()?;
        let _uname = r.string()?;
        let _aname = r.string()?;
        let _n_uname = r.u32()?;
        if afid != NOFID {
            return Err(Errno::EINVAL);
        }
        let qid = qid_of(&self.root.stat()?);
        self.fids.insert(fid, Fid::new(self.root.clone()))?;
        w.qid(qid);
        Ok(())
    }

    /// Twalk `fid[4] newfid[4] nwname[2] nwname*(wname[s])` →
    /// `nwqid[2] nwqid*(qid[13])`. A walk that fails at its first name is
    /// an error; one that fails later answers the qids of the names that
    /// worked and leaves newfid unset (walk(5)).
    fn walk(&mut self, r: &mut Reader<'_>, w: &mut Writer) -> Result<(), Errno> {
        let fid = r.u32()?;
        let newfid = r.u32()?;
        let count = r.u16()? as usize;
        if count > MAXWELEM {
            return Err(Errno::EINVAL);
        }
        let mut steps = Vec::with_capacity(count);
        for _ in 0..count {
            steps.push(Step::parse(r.string()?)?);
        }
        let mut node = self.fids.node(fid)?;
        if newfid != fid {
            self.fids.check_free(newfid)?;
        }
        let mut qids = Vec::with_capacity(count);
        for step in &steps {
            match self.step(&node, step) {
                Ok((next, qid)) => {
                    node = next;
                    qids.push(qid);
                }
                Err(e) if qids.is_empty() => return Err(e),
                Err(_) => break,
            }
        }
        if qids.len() == steps.len() {
            if newfid == fid {
                self.fids.replace(fid, Fid::new(node))?;
            } else {
                self.fids.insert(newfid, Fid::new(node))?;
            }
        }
        w.u16(qids.len() as u16);
        for qid in qids {
            w.qid(qid);
        }
        Ok(())
    }

    /// One walk step from `node`.
    fn step(&self, node: &Arc<Node>, step: &Step) -> Result<(Arc<Node>, super::wire::Qid), Errno> {
        let next = match step {
            Step::Stay => node.clone(),
            // `..` goes to the directory `node` was found in: never above
            // the root, whose parent is itself.
            Step::Up => {
                if node.kind != super::node::Kind::Dir {
                    return Err(Errno::ENOTDIR);
                }
                node.parent()
            }
            Step::Down(name) => {
                let (next, st) = node.lookup(name, &self.budget)?;
                return Ok((next, qid_of(&st)));
            }
        };
        let qid = qid_of(&next.stat()?);
        Ok((next, qid))
    }

    /// Fails with `EROFS` on a read-only share.
    pub(super) fn check_writable(&self) -> Result<(), Errno> {
        if self.read_only {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }
}
