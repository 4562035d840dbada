//! The test client: one method per message, answering the reply's fields
//! or the Rlerror code.

use super::*;

/// Rgetattr's fields the tests look at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attr {
    pub valid: u64,
    pub qid: Qid,
    pub mode: u32,
    pub uid: u32,
    pub nlink: u64,
    pub size: u64,
    pub mtime: u64,
}

/// A Treaddir entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub qid: Qid,
    pub offset: u64,
    pub ty: u8,
    pub name: Vec<u8>,
}

/// Tsetattr's fields.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SetAttr {
    pub valid: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub atime: (u64, u64),
    pub mtime: (u64, u64),
}

impl SetAttr {
    /// Sets the permission bits.
    pub(crate) fn chmod(mode: u32) -> SetAttr {
        SetAttr {
            valid: 1,
            mode,
            ..SetAttr::default()
        }
    }

    /// Sets the size.
    pub(crate) fn truncate(size: u64) -> SetAttr {
        SetAttr {
            valid: 8,
            size,
            ..SetAttr::default()
        }
    }
}

/// A 9P client talking to the device's server directly.
pub(crate) struct Client {
    pub(crate) dev: Virtio9p,
    tag: u16,
    /// Room the "guest" offers for each reply.
    pub(crate) room: usize,
}

impl Client {
    /// A client on a fresh device, not yet negotiated.
    pub(crate) fn raw(share: &TempShare, read_only: bool) -> Client {
        Client {
            dev: share.device(read_only),
            tag: 0,
            room: 1 << 20,
        }
    }

    /// Negotiated (msize 64 KiB) and attached as fid [`ROOT`].
    pub(crate) fn new(share: &TempShare, read_only: bool) -> Client {
        let mut c = Client::raw(share, read_only);
        assert_eq!(
            c.version(65536, b"9P2000.L").unwrap(),
            (65536, b"9P2000.L".to_vec())
        );
        assert_eq!(c.attach(ROOT).unwrap().0, QTDIR);
        c
    }

    /// Serves raw request bytes.
    pub(crate) fn send(&mut self, request: &[u8]) -> Vec<u8> {
        let room = self.room;
        self.dev.server().handle(request, room)
    }

    /// Sends message `ty` and returns the reply body, or its errno.
    pub(crate) fn call(&mut self, ty: u8, body: Body) -> Result<Vec<u8>, u32> {
        self.tag = self.tag.wrapping_add(1) % 0xffff;
        let tag = self.tag;
        let reply = self.send(&message(ty, tag, &body.0));
        let (rty, rbody) = parse_reply(&reply, tag);
        if rty == 7 {
            assert_eq!(rbody.len(), 4, "Rlerror body");
            return Err(u32::from_le_bytes(rbody.try_into().unwrap()));
        }
        assert_eq!(rty, ty + 1, "reply type");
        Ok(rbody.to_vec())
    }

    /// A call whose reply has no fields.
    fn empty(&mut self, ty: u8, body: Body) -> Result<(), u32> {
        let r = self.call(ty, body)?;
        assert!(r.is_empty(), "empty reply expected");
        Ok(())
    }

    fn qid_reply(&mut self, ty: u8, body: Body) -> Result<Qid, u32> {
        let r = self.call(ty, body)?;
        Ok(Fields(&r).qid())
    }

    pub(crate) fn version(&mut self, msize: u32, v: &[u8]) -> Result<(u32, Vec<u8>), u32> {
        let r = self.call(t::VERSION, Body::default().u32(msize).s(v))?;
        let mut f = Fields(&r);
        Ok((f.u32(), f.s()))
    }

    pub(crate) fn attach(&mut self, fid: u32) -> Result<Qid, u32> {
        let b = Body::default().u32(fid).u32(NOFID).s(b"root").s(b"").u32(0);
        self.qid_reply(t::ATTACH, b)
    }

    pub(crate) fn walk(&mut self, fid: u32, newfid: u32, names: &[&[u8]]) -> Result<Vec<Qid>, u32> {
        let mut b = Body::default().u32(fid).u32(newfid).u16(names.len() as u16);
        for n in names {
            b = b.s(n);
        }
        let r = self.call(t::WALK, b)?;
        let mut f = Fields(&r);
        let n = f.u16();
        Ok((0..n).map(|_| f.qid()).collect())
    }

    /// Walks `path` ('/'-separated) from the root into `newfid`.
    pub(crate) fn walk_to(&mut self, newfid: u32, path: &str) -> Result<Vec<Qid>, u32> {
        let names: Vec<&[u8]> = path
            .split('/')
            .filter(|n| !n.is_empty())
            .map(str::as_bytes)
            .collect();
        self.walk(ROOT, newfid, &names)
    }

    pub(crate) fn lopen(&mut self, fid: u32, flags: u32) -> Result<Qid, u32> {
        self.qid_reply(t::LOPEN, Body::default().u32(fid).u32(flags))
    }

    pub(crate) fn lcreate(
        &mut self,
        fid: u32,
        name: &[u8],
        flags: u32,
        mode: u32,
    ) -> Result<Qid, u32> {
        let b = Body::default().u32(fid).s(name).u32(flags).u32(mode).u32(0);
        self.qid_reply(t::LCREATE, b)
    }

    pub(crate) fn read(&mut self, fid: u32, offset: u64, count: u32) -> Result<Vec<u8>, u32> {
        let r = self.call(t::READ, Body::default().u32(fid).u64(offset).u32(count))?;
        let mut f = Fields(&r);
        let n = f.u32() as usize;
        assert_eq!(f.0.len(), n, "Rread count matches its data");
        Ok(f.0.to_vec())
    }

    pub(crate) fn write(&mut self, fid: u32, offset: u64, data: &[u8]) -> Result<u32, u32> {
        let mut b = Body::default().u32(fid).u64(offset).u32(data.len() as u32);
        b.0.extend_from_slice(data);
        let r = self.call(t::WRITE, b)?;
        Ok(Fields(&r).u32())
    }

    pub(crate) fn readdir(&mut self, fid: u32, offset: u64, count: u32) -> Result<Vec<Entry>, u32> {
        let r = self.call(t::READDIR, Body::default().u32(fid).u64(offset).u32(count))?;
        let mut f = Fields(&r);
        let n = f.u32() as usize;
        assert_eq!(f.0.len(), n, "Rreaddir count matches its data");
        assert!(n <= count as usize);
        let mut entries = Vec::new();
        while !f.0.is_empty() {
            let (qid, offset, ty, name) = (f.qid(), f.u64(), f.u8(), f.s());
            entries.push(Entry {
                qid,
                offset,
                ty,
                name,
            });
        }
        Ok(entries)
    }

    /// Every entry name of the open directory `fid`, `count` bytes a call.
    pub(crate) fn list(&mut self, fid: u32, count: u32) -> Vec<String> {
        let (mut names, mut offset) = (Vec::new(), 0);
        loop {
            let entries = self.readdir(fid, offset, count).unwrap();
            let Some(last) = entries.last() else { break };
            offset = last.offset;
            names.extend(
                entries
                    .iter()
                    .map(|e| String::from_utf8(e.name.clone()).unwrap()),
            );
        }
        names.sort();
        names
    }

    pub(crate) fn getattr(&mut self, fid: u32) -> Result<Attr, u32> {
        let r = self.call(t::GETATTR, Body::default().u32(fid).u64(0x3fff))?;
        assert_eq!(r.len(), 8 + 13 + 12 + 5 * 8 + 8 * 8 + 16, "Rgetattr length");
        let mut f = Fields(&r);
        let (valid, qid, mode, uid, _gid) = (f.u64(), f.qid(), f.u32(), f.u32(), f.u32());
        let (nlink, _rdev, size, _blksize, _blocks) = (f.u64(), f.u64(), f.u64(), f.u64(), f.u64());
        let (_atime, _atime_ns, mtime) = (f.u64(), f.u64(), f.u64());
        Ok(Attr {
            valid,
            qid,
            mode,
            uid,
            nlink,
            size,
            mtime,
        })
    }

    pub(crate) fn setattr(&mut self, fid: u32, a: SetAttr) -> Result<(), u32> {
        let b = Body::default()
            .u32(fid)
            .u32(a.valid)
            .u32(a.mode)
            .u32(a.uid)
            .u32(a.gid);
        let b = b
            .u64(a.size)
            .u64(a.atime.0)
            .u64(a.atime.1)
            .u64(a.mtime.0)
            .u64(a.mtime.1);
        self.empty(t::SETATTR, b)
    }

    pub(crate) fn mkdir(&mut self, dfid: u32, name: &[u8], mode: u32) -> Result<Qid, u32> {
        self.qid_reply(t::MKDIR, Body::default().u32(dfid).s(name).u32(mode).u32(0))
    }

    pub(crate) fn symlink(&mut self, dfid: u32, name: &[u8], target: &[u8]) -> Result<Qid, u32> {
        self.qid_reply(
            t::SYMLINK,
            Body::default().u32(dfid).s(name).s(target).u32(0),
        )
    }

    pub(crate) fn mknod(&mut self, dfid: u32, name: &[u8], mode: u32) -> Result<Qid, u32> {
        let b = Body::default()
            .u32(dfid)
            .s(name)
            .u32(mode)
            .u32(1)
            .u32(3)
            .u32(0);
        self.qid_reply(t::MKNOD, b)
    }

    pub(crate) fn link(&mut self, dfid: u32, fid: u32, name: &[u8]) -> Result<(), u32> {
        self.empty(t::LINK, Body::default().u32(dfid).u32(fid).s(name))
    }

    pub(crate) fn rename(&mut self, fid: u32, dfid: u32, name: &[u8]) -> Result<(), u32> {
        self.empty(t::RENAME, Body::default().u32(fid).u32(dfid).s(name))
    }

    pub(crate) fn renameat(&mut self, od: u32, old: &[u8], nd: u32, new: &[u8]) -> Result<(), u32> {
        self.empty(t::RENAMEAT, Body::default().u32(od).s(old).u32(nd).s(new))
    }

    pub(crate) fn unlinkat(&mut self, dfid: u32, name: &[u8], flags: u32) -> Result<(), u32> {
        self.empty(t::UNLINKAT, Body::default().u32(dfid).s(name).u32(flags))
    }

    pub(crate) fn remove(&mut self, fid: u32) -> Result<(), u32> {
        self.empty(t::REMOVE, Body::default().u32(fid))
    }

    pub(crate) fn clunk(&mut self, fid: u32) -> Result<(), u32> {
        self.empty(t::CLUNK, Body::default().u32(fid))
    }

    pub(crate) fn readlink(&mut self, fid: u32) -> Result<Vec<u8>, u32> {
        let r = self.call(t::READLINK, Body::default().u32(fid))?;
        Ok(Fields(&r).s())
    }

    pub(crate) fn fsync(&mut self, fid: u32) -> Result<(), u32> {
        self.empty(t::FSYNC, Body::default().u32(fid).u32(0))
    }

    /// Clones `fid` into `newfid` and opens it with `flags`.
    pub(crate) fn open_clone(&mut self, fid: u32, newfid: u32, flags: u32) -> Result<Qid, u32> {
        self.walk(fid, newfid, &[])?;
        self.lopen(newfid, flags)
    }

    /// The whole content of the file at `path`, read through 9P.
    pub(crate) fn cat(&mut self, fid: u32, path: &str) -> Result<Vec<u8>, u32> {
        self.walk_to(fid, path)?;
        let opened = self.lopen(fid, RDONLY);
        let data = opened.and_then(|_| self.read(fid, 0, 60000));
        self.clunk(fid).unwrap();
        data
    }
}
