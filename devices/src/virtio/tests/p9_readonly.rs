//! A read-only share: every message that could change anything answers
//! EROFS and the host tree stays exactly as it was; reading still works.

use std::collections::BTreeMap;
use std::os::unix::fs::{symlink, MetadataExt};

use super::*;

/// What is observed of one file: mode, size, mtime (s, ns), link count,
/// and content (or link target).
type Observed = (u32, u64, i64, i64, u64, Vec<u8>);

/// Everything observable about the tree under `dir`, per path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Observed> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            let data = if m.file_type().is_symlink() {
                fs::read_link(&p)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else if m.is_file() {
                fs::read(&p).unwrap()
            } else {
                stack.push(p.clone());
                Vec::new()
            };
            let key = (
                m.mode(),
                m.size(),
                m.mtime(),
                m.mtime_nsec(),
                m.nlink(),
                data,
            );
            out.insert(p, key);
        }
    }
    out
}

fn setup() -> (TempShare, Client) {
    let share = TempShare::new();
    fs::create_dir(share.path("dir")).unwrap();
    share.write("dir/file", b"read me\n");
    share.write("other", b"other\n");
    symlink("dir/file", share.path("ln")).unwrap();
    let client = Client::new(&share, true);
    (share, client)
}

#[test]
fn every_modifying_message_is_refused() {
    let (share, mut c) = setup();
    let before = snapshot(share.base());
    c.walk_to(1, "dir/file").unwrap();
    c.walk_to(2, "dir").unwrap();
    c.walk(ROOT, 3, &[]).unwrap();
    for flags in [
        WRONLY,
        RDWR,
        RDONLY | O_TRUNC,
        RDONLY | O_APPEND,
        RDONLY | 0o100,
    ] {
        assert_eq!(c.lopen(1, flags), Err(e::EROFS), "lopen {flags:o}");
    }
    assert_eq!(c.lcreate(3, b"new", RDWR, 0o644), Err(e::EROFS));
    assert_eq!(c.lcreate(3, b"new", RDONLY, 0o644), Err(e::EROFS));
    assert_eq!(c.mkdir(ROOT, b"new", 0o755), Err(e::EROFS));
    assert_eq!(c.symlink(ROOT, b"new", b"x"), Err(e::EROFS));
    assert_eq!(c.mknod(ROOT, b"new", libc::S_IFIFO | 0o644), Err(e::EROFS));
    assert_eq!(c.link(ROOT, 1, b"new"), Err(e::EROFS));
    assert_eq!(c.rename(1, ROOT, b"new"), Err(e::EROFS));
    assert_eq!(c.renameat(ROOT, b"other", ROOT, b"new"), Err(e::EROFS));
    assert_eq!(c.unlinkat(ROOT, b"other", 0), Err(e::EROFS));
    assert_eq!(c.unlinkat(ROOT, b"dir", 0x200), Err(e::EROFS));
    for valid in [1, 2, 4, 8, 0x10, 0x20, 0x1b0, 0] {
        let a = SetAttr {
            valid,
            mode: 0o777,
            size: 0,
            ..SetAttr::default()
        };
        assert_eq!(c.setattr(1, a), Err(e::EROFS), "setattr {valid:#x}");
    }
    let xcreate = Body::default().u32(1).s(b"user.x").u64(4).u32(0);
    assert_eq!(c.call(t::XATTRCREATE, xcreate), Err(e::EROFS));
    // Twrite on a fid opened read-only: refused before the fid is looked at.
    c.open_clone(1, 4, RDONLY).unwrap();
    assert_eq!(c.write(4, 0, b"x"), Err(e::EROFS));
    assert_eq!(c.remove(2), Err(e::EROFS));
    assert_eq!(
        c.getattr(2).err(),
        Some(e::EBADF),
        "Tremove clunks even when refused"
    );
    assert_eq!(snapshot(share.base()), before);
}

#[test]
fn reading_still_works() {
    let (share, mut c) = setup();
    let before = snapshot(share.base());
    assert_eq!(c.cat(1, "dir/file").unwrap(), b"read me\n");
    c.walk_to(1, "ln").unwrap();
    assert_eq!(c.readlink(1).unwrap(), b"dir/file");
    c.open_clone(ROOT, 2, RDONLY).unwrap();
    assert_eq!(c.list(2, 4096), [".", "..", "dir", "ln", "other"]);
    assert_eq!(c.getattr(ROOT).unwrap().qid.0, QTDIR);
    c.walk_to(3, "dir/file").unwrap();
    c.lopen(3, RDONLY).unwrap();
    c.fsync(3).unwrap();
    let lock = Body::default()
        .u32(3)
        .u8(0)
        .u32(0)
        .u64(0)
        .u64(0)
        .u32(1)
        .s(b"g");
    assert_eq!(c.call(t::LOCK, lock).unwrap(), [0]);
    assert_eq!(snapshot(share.base()), before);
}
