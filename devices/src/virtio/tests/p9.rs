//! virtio-9p: a hand-written 9P2000.L client against a temporary share.
//!
//! The client encodes messages itself (not with the device's encoder), so
//! the tests check the wire format. Most tests talk to the server directly
//! (`Client`); `p9_transport.rs` drives it through virtqueues.
//!
//! Every share lives in `/tmp/p9-<pid>-<n>/share`, next to a canary file
//! (`/tmp/p9-…/canary`) and a directory (`/tmp/p9-…/outside/`) that no
//! message may reach.

#[path = "p9_escape.rs"]
mod escape;
#[path = "p9_malformed.rs"]
mod malformed;
#[path = "p9_proto.rs"]
mod proto;
#[path = "p9_readonly.rs"]
mod readonly;
#[path = "p9_transport.rs"]
mod transport;

use std::fs;
use std::path::{Path, PathBuf};

use crate::virtio::p9::{P9Share, Virtio9p};

/// Linux error numbers, spelled out (asm-generic values).
pub(crate) mod e {
    pub const EPERM: u32 = 1;
    pub const ENOENT: u32 = 2;
    pub const EBADF: u32 = 9;
    pub const EEXIST: u32 = 17;
    pub const ENOTDIR: u32 = 20;
    pub const EISDIR: u32 = 21;
    pub const EINVAL: u32 = 22;
    pub const ENFILE: u32 = 23;
    pub const EMFILE: u32 = 24;
    pub const EROFS: u32 = 30;
    pub const ELOOP: u32 = 40;
    pub const EPROTO: u32 = 71;
    pub const EMSGSIZE: u32 = 90;
    pub const EOPNOTSUPP: u32 = 95;
    pub const ESTALE: u32 = 116;
}

/// Message types, spelled out.
pub(crate) mod t {
    pub const STATFS: u8 = 8;
    pub const LOPEN: u8 = 12;
    pub const LCREATE: u8 = 14;
    pub const SYMLINK: u8 = 16;
    pub const MKNOD: u8 = 18;
    pub const RENAME: u8 = 20;
    pub const READLINK: u8 = 22;
    pub const GETATTR: u8 = 24;
    pub const SETATTR: u8 = 26;
    pub const XATTRWALK: u8 = 30;
    pub const XATTRCREATE: u8 = 32;
    pub const READDIR: u8 = 40;
    pub const FSYNC: u8 = 50;
    pub const LOCK: u8 = 52;
    pub const GETLOCK: u8 = 54;
    pub const LINK: u8 = 70;
    pub const MKDIR: u8 = 72;
    pub const RENAMEAT: u8 = 74;
    pub const UNLINKAT: u8 = 76;
    pub const VERSION: u8 = 100;
    pub const AUTH: u8 = 102;
    pub const ATTACH: u8 = 104;
    pub const FLUSH: u8 = 108;
    pub const WALK: u8 = 110;
    pub const READ: u8 = 116;
    pub const WRITE: u8 = 118;
    pub const CLUNK: u8 = 120;
    pub const REMOVE: u8 = 122;
}

pub(crate) const NOFID: u32 = u32::MAX;
pub(crate) const ROOT: u32 = 0;
pub(crate) const RDONLY: u32 = 0;
pub(crate) const WRONLY: u32 = 1;
pub(crate) const RDWR: u32 = 2;
pub(crate) const O_TRUNC: u32 = 0o1000;
pub(crate) const O_APPEND: u32 = 0o2000;
pub(crate) const QTDIR: u8 = 0x80;
pub(crate) const QTSYMLINK: u8 = 0x02;
pub(crate) const CANARY: &[u8] = b"CANARY: outside the share\n";

/// A share and its surroundings, removed on drop.
pub(crate) struct TempShare {
    base: PathBuf,
}

impl TempShare {
    pub(crate) fn new() -> Self {
        for n in 0u32.. {
            let base = PathBuf::from(format!("/tmp/p9-{}-{n}", std::process::id()));
            // create_dir fails on an existing name, so parallel tests never
            // share a directory.
            if fs::create_dir(&base).is_ok() {
                fs::create_dir(base.join("share")).unwrap();
                fs::create_dir(base.join("outside")).unwrap();
                fs::write(base.join("canary"), CANARY).unwrap();
                fs::write(base.join("outside/canary"), CANARY).unwrap();
                return TempShare { base };
            }
        }
        unreachable!("no free temporary directory name")
    }

    pub(crate) fn base(&self) -> &Path {
        &self.base
    }

    /// `rel` inside the share.
    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.base.join("share").join(rel)
    }

    pub(crate) fn write(&self, rel: &str, data: &[u8]) {
        fs::write(self.path(rel), data).unwrap();
    }

    pub(crate) fn device(&self, read_only: bool) -> Virtio9p {
        Virtio9p::new(P9Share {
            root: self.path(""),
            tag: "src".into(),
            read_only,
        })
        .unwrap()
    }

    /// The canaries are intact and nothing new appeared outside the share.
    pub(crate) fn assert_outside_untouched(&self) {
        assert_eq!(fs::read(self.base.join("canary")).unwrap(), CANARY);
        assert_eq!(fs::read(self.base.join("outside/canary")).unwrap(), CANARY);
        let mut names: Vec<_> = fs::read_dir(&self.base)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["canary", "outside", "share"]);
        assert_eq!(fs::read_dir(self.base.join("outside")).unwrap().count(), 1);
    }
}

impl Drop for TempShare {
    fn drop(&mut self) {
        // remove_dir_all does not follow symlinks.
        let _ = fs::remove_dir_all(&self.base);
    }
}

/// A message body under construction.
#[derive(Default, Clone)]
pub(crate) struct Body(pub(crate) Vec<u8>);

impl Body {
    pub(crate) fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    pub(crate) fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub(crate) fn s(self, v: &[u8]) -> Self {
        let mut b = self.u16(v.len() as u16);
        b.0.extend_from_slice(v);
        b
    }
}

/// `size[4] type[1] tag[2] body`.
pub(crate) fn message(ty: u8, tag: u16, body: &[u8]) -> Vec<u8> {
    let mut m = ((7 + body.len()) as u32).to_le_bytes().to_vec();
    m.push(ty);
    m.extend_from_slice(&tag.to_le_bytes());
    m.extend_from_slice(body);
    m
}

/// Fields of a reply body.
pub(crate) struct Fields<'a>(pub(crate) &'a [u8]);

impl Fields<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
    pub(crate) fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take(2).try_into().unwrap())
    }
    pub(crate) fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().unwrap())
    }
    pub(crate) fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().unwrap())
    }
    pub(crate) fn s(&mut self) -> Vec<u8> {
        let n = self.u16() as usize;
        self.take(n).to_vec()
    }
    pub(crate) fn qid(&mut self) -> Qid {
        Qid(self.u8(), self.u32(), self.u64())
    }
}

/// `(type, version, path)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Qid(pub u8, pub u32, pub u64);

/// Checks a reply's framing against the request; returns its type and
/// body.
pub(crate) fn parse_reply(reply: &[u8], tag: u16) -> (u8, &[u8]) {
    assert!(reply.len() >= 7, "reply too short: {reply:?}");
    let size = u32::from_le_bytes(reply[..4].try_into().unwrap()) as usize;
    assert_eq!(size, reply.len(), "size field");
    assert_eq!(u16::from_le_bytes([reply[5], reply[6]]), tag, "tag");
    (reply[4], &reply[7..])
}

#[path = "p9_client.rs"]
mod client;
pub(crate) use client::{Client, SetAttr};
