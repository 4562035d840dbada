//! Well-formed 9P2000.L sessions: what Linux's v9fs client sends for
//! everyday file work, checked against the host directory.

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

use super::*;

fn setup() -> (TempShare, Client) {
    let share = TempShare::new();
    fs::create_dir(share.path("dir")).unwrap();
    share.write("dir/file", b"hello, 9p\n");
    let client = Client::new(&share, false);
    (share, client)
}

#[test]
fn version_negotiates_msize_and_protocol() {
    let share = TempShare::new();
    let mut c = Client::raw(&share, false);
    assert_eq!(
        c.version(8192, b"9P2000.L"),
        Ok((8192, b"9P2000.L".to_vec()))
    );
    // Capped at the server's maximum, which a large request is told.
    let (msize, _) = c.version(u32::MAX, b"9P2000.L").unwrap();
    assert_eq!(msize, 512 * 1024);
    // Another protocol: "unknown", and the session is not usable.
    assert_eq!(c.version(8192, b"9P2000.u").unwrap().1, b"unknown");
    assert_eq!(c.attach(ROOT), Err(e::EPROTO));
    assert_eq!(c.version(8192, b"9P2000.L").unwrap().1, b"9P2000.L");
    assert!(c.attach(ROOT).is_ok());
}

#[test]
fn version_starts_a_new_session() {
    let (_share, mut c) = setup();
    c.walk(ROOT, 1, &[]).unwrap();
    c.version(8192, b"9P2000.L").unwrap();
    assert_eq!(c.getattr(1).err(), Some(e::EBADF), "old fids are gone");
    assert_eq!(c.dev.server().fid_count(), 0);
}

#[test]
fn walk_read_write() {
    let (share, mut c) = setup();
    let qids = c.walk(ROOT, 1, &[b"dir", b"file"]).unwrap();
    assert_eq!(qids.len(), 2);
    assert_eq!(qids[0].0, QTDIR);
    assert_eq!(qids[1].0, 0);
    assert_eq!(
        qids[1].2,
        fs::metadata(share.path("dir/file")).unwrap().ino()
    );
    c.lopen(1, RDWR).unwrap();
    assert_eq!(c.read(1, 0, 100).unwrap(), b"hello, 9p\n");
    assert_eq!(c.read(1, 7, 2).unwrap(), b"9p");
    assert_eq!(c.read(1, 100, 10).unwrap(), b"", "past the end");
    assert_eq!(c.write(1, 7, b"9P2000.L"), Ok(8));
    assert_eq!(
        fs::read(share.path("dir/file")).unwrap(),
        b"hello, 9P2000.L"
    );
    c.fsync(1).unwrap();
    c.clunk(1).unwrap();
    assert_eq!(c.read(1, 0, 1), Err(e::EBADF), "clunked");
}

#[test]
fn open_flags() {
    let (share, mut c) = setup();
    c.walk_to(1, "dir/file").unwrap();
    c.open_clone(1, 2, WRONLY | O_TRUNC).unwrap();
    assert_eq!(fs::read(share.path("dir/file")).unwrap(), b"");
    assert_eq!(c.read(2, 0, 10), Err(e::EBADF), "write-only");
    c.open_clone(1, 3, WRONLY | O_APPEND).unwrap();
    c.write(3, 0, b"ab").unwrap();
    c.write(3, 0, b"cd").unwrap();
    assert_eq!(fs::read(share.path("dir/file")).unwrap(), b"abcd");
    c.open_clone(1, 4, RDONLY).unwrap();
    assert_eq!(c.write(4, 0, b"x"), Err(e::EBADF), "read-only fid");
    assert_eq!(c.lopen(4, RDONLY), Err(e::EINVAL), "already open");
    // O_DIRECTORY on a file.
    assert_eq!(c.open_clone(1, 5, RDONLY | 0o200000), Err(e::ENOTDIR));
}

#[test]
fn create_mkdir_readdir() {
    let (share, mut c) = setup();
    c.walk(ROOT, 1, &[]).unwrap();
    let qid = c.lcreate(1, b"new", RDWR, 0o640).unwrap();
    assert_eq!(qid.0, 0);
    assert_eq!(
        c.write(1, 0, b"created"),
        Ok(7),
        "the fid is the new file, open"
    );
    assert_eq!(fs::read(share.path("new")).unwrap(), b"created");
    // The guest's mode, not narrowed by heron's umask.
    let mode = fs::metadata(share.path("new"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o640);
    assert_eq!(c.getattr(1).unwrap().qid.2, qid.2);

    c.walk(ROOT, 2, &[]).unwrap();
    assert_eq!(
        c.lcreate(2, b"new", RDWR | 0o200, 0o600),
        Err(e::EEXIST),
        "O_EXCL"
    );
    c.lcreate(2, b"new", RDWR, 0o600).unwrap();
    assert_eq!(
        c.read(2, 0, 100).unwrap(),
        b"created",
        "existing file opened"
    );

    assert_eq!(c.mkdir(ROOT, b"sub", 0o775).unwrap().0, QTDIR);
    let meta = fs::metadata(share.path("sub")).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.permissions().mode() & 0o7777, 0o775);
    assert_eq!(c.mkdir(ROOT, b"sub", 0o755), Err(e::EEXIST));

    c.open_clone(ROOT, 3, RDONLY).unwrap();
    let all = c.list(3, 8192);
    assert_eq!(all, [".", "..", "dir", "new", "sub"]);
    // A count that holds one or two entries at a time sees the same names.
    assert_eq!(c.list(3, 40), all);
    let entries = c.readdir(3, 0, 8192).unwrap();
    let sub = entries.iter().find(|e| e.name == b"sub").unwrap();
    assert_eq!((sub.qid.0, sub.ty), (QTDIR, libc::DT_DIR));
    assert_eq!(sub.qid.2, meta.ino());
    assert_eq!(c.readdir(1, 0, 100).err(), Some(e::ENOTDIR), "a file");
}

#[test]
fn getattr_reports_the_host_file() {
    let (share, mut c) = setup();
    c.walk_to(1, "dir/file").unwrap();
    let a = c.getattr(1).unwrap();
    let meta = fs::metadata(share.path("dir/file")).unwrap();
    assert_eq!(a.valid, 0x7ff);
    assert_eq!((a.mode, a.size, a.nlink), (meta.mode(), 10, 1));
    assert_eq!((a.uid, a.mtime), (meta.uid(), meta.mtime() as u64));
    assert_eq!(a.qid.2, meta.ino());
}

#[test]
fn setattr_changes_mode_size_and_times() {
    let (share, mut c) = setup();
    let mode = |rel: &str| fs::metadata(share.path(rel)).unwrap().mode() & 0o7777;
    c.walk_to(1, "dir/file").unwrap();
    c.walk_to(2, "dir").unwrap();
    c.setattr(1, SetAttr::chmod(0o600)).unwrap();
    assert_eq!(mode("dir/file"), 0o600);
    // No set-user-ID or set-group-ID on a file; set-group-ID on a directory.
    c.setattr(1, SetAttr::chmod(0o6755)).unwrap();
    assert_eq!(mode("dir/file"), 0o755);
    c.setattr(2, SetAttr::chmod(0o2775)).unwrap();
    assert_eq!(mode("dir"), 0o2775);

    c.setattr(1, SetAttr::truncate(5)).unwrap();
    assert_eq!(fs::read(share.path("dir/file")).unwrap(), b"hello");
    assert_eq!(c.setattr(2, SetAttr::truncate(0)), Err(e::EISDIR));

    // ATIME | MTIME | ATIME_SET | MTIME_SET.
    let times = SetAttr {
        valid: 0x1b0,
        atime: (1000, 0),
        mtime: (2000, 5),
        ..SetAttr::default()
    };
    c.setattr(1, times).unwrap();
    let meta = fs::metadata(share.path("dir/file")).unwrap();
    let got = (meta.atime(), meta.mtime(), meta.mtime_nsec());
    assert_eq!(got, (1000, 2000, 5));
    assert_eq!(c.getattr(1).unwrap().mtime, 2000);
}

#[test]
fn unlink_rename_remove() {
    let (share, mut c) = setup();
    c.walk_to(1, "dir").unwrap();
    c.walk_to(2, "dir/file").unwrap();
    // Renamed through the server, the fid still reaches the file.
    c.renameat(1, b"file", ROOT, b"moved").unwrap();
    assert!(!share.path("dir/file").exists());
    c.open_clone(2, 3, RDONLY).unwrap();
    assert_eq!(c.read(3, 0, 100).unwrap(), b"hello, 9p\n");
    // Trename moves the fid's own file.
    c.rename(2, 1, b"back").unwrap();
    assert_eq!(fs::read(share.path("dir/back")).unwrap(), b"hello, 9p\n");
    c.open_clone(2, 4, RDONLY).unwrap();
    c.unlinkat(1, b"back", 0).unwrap();
    assert!(!share.path("dir/back").exists());
    assert_eq!(
        c.read(4, 0, 5).unwrap(),
        b"hello",
        "an open file outlives its name"
    );
    assert_eq!(c.open_clone(2, 5, RDONLY), Err(e::ENOENT));

    assert_eq!(c.unlinkat(ROOT, b"dir", 0), Err(libc::EISDIR as u32));
    c.unlinkat(ROOT, b"dir", 0x200).unwrap();
    assert!(!share.path("dir").exists());

    share.write("gone", b"x");
    c.walk_to(6, "gone").unwrap();
    c.remove(6).unwrap();
    assert!(!share.path("gone").exists());
    assert_eq!(c.getattr(6).err(), Some(e::EBADF), "remove clunks");
    c.walk(ROOT, 7, &[]).unwrap();
    assert_eq!(c.remove(7), Err(libc::EBUSY as u32), "not the root");
}

#[test]
fn renamed_directory_keeps_its_children_and_parent() {
    let (share, mut c) = setup();
    c.mkdir(ROOT, b"other", 0o755).unwrap();
    c.walk_to(1, "dir").unwrap();
    c.walk_to(2, "dir/file").unwrap();
    c.renameat(ROOT, b"dir", ROOT, b"dir2").unwrap();
    c.walk_to(3, "other").unwrap();
    c.rename(1, 3, b"inner").unwrap();
    assert!(share.path("other/inner/file").exists());
    assert_eq!(c.cat(4, "other/inner/file").unwrap(), b"hello, 9p\n");
    c.open_clone(2, 5, RDONLY).unwrap();
    // `..` of the moved directory is its new parent.
    let up = c.walk(1, 6, &[b".."]).unwrap();
    assert_eq!(up[0].2, fs::metadata(share.path("other")).unwrap().ino());
}

#[test]
fn symlinks_links_and_special_files() {
    let (share, mut c) = setup();
    assert_eq!(c.symlink(ROOT, b"ln", b"dir/file").unwrap().0, QTSYMLINK);
    assert_eq!(
        fs::read_link(share.path("ln")).unwrap(),
        Path::new("dir/file")
    );
    c.walk_to(1, "ln").unwrap();
    assert_eq!(c.readlink(1).unwrap(), b"dir/file");
    c.walk_to(2, "dir/file").unwrap();
    assert_eq!(c.readlink(2), Err(e::EINVAL), "not a symlink");

    c.link(ROOT, 2, b"hard").unwrap();
    assert_eq!(fs::metadata(share.path("dir/file")).unwrap().nlink(), 2);
    assert_eq!(fs::read(share.path("hard")).unwrap(), b"hello, 9p\n");
    c.walk_to(3, "dir").unwrap();
    assert_eq!(c.link(ROOT, 3, b"dirlink"), Err(e::EPERM));

    assert_eq!(c.mknod(ROOT, b"fifo", libc::S_IFIFO | 0o644).unwrap().0, 0);
    assert!(fs::symlink_metadata(share.path("fifo"))
        .unwrap()
        .file_type()
        .is_fifo());
    c.walk_to(4, "fifo").unwrap();
    assert_eq!(
        c.lopen(4, RDONLY),
        Err(libc::ENXIO as u32),
        "the server opens no FIFO"
    );
    assert_eq!(c.mknod(ROOT, b"null", libc::S_IFCHR | 0o666), Err(e::EPERM));
    assert_eq!(c.mknod(ROOT, b"disk", libc::S_IFBLK | 0o666), Err(e::EPERM));
    assert!(!share.path("null").exists() && !share.path("disk").exists());
}

#[test]
fn statfs_locks_flush_and_xattrs() {
    let (_share, mut c) = setup();
    let r = c.call(t::STATFS, Body::default().u32(ROOT)).unwrap();
    assert_eq!(r.len(), 4 + 4 + 8 * 6 + 4);
    assert!(Fields(&r[4..]).u32() > 0, "block size");
    c.open_clone(ROOT, 1, RDONLY).unwrap();
    let lock = Body::default()
        .u32(1)
        .u8(1)
        .u32(0)
        .u64(0)
        .u64(10)
        .u32(42)
        .s(b"guest");
    assert_eq!(c.call(t::LOCK, lock).unwrap(), [0], "granted");
    let getlock = Body::default()
        .u32(1)
        .u8(1)
        .u64(5)
        .u64(10)
        .u32(42)
        .s(b"guest");
    let r = c.call(t::GETLOCK, getlock).unwrap();
    let mut f = Fields(&r);
    assert_eq!(
        (f.u8(), f.u64(), f.u64(), f.u32(), f.s()),
        (2, 5, 10, 42, b"guest".to_vec())
    );
    assert_eq!(c.call(t::FLUSH, Body::default().u16(3)), Ok(vec![]));
    let xwalk = Body::default().u32(ROOT).u32(2).s(b"user.x");
    assert_eq!(c.call(t::XATTRWALK, xwalk), Err(e::EOPNOTSUPP));
    let auth = Body::default().u32(9).s(b"u").s(b"").u32(0);
    assert_eq!(c.call(t::AUTH, auth), Err(e::EOPNOTSUPP));
}

#[test]
fn reset_forgets_the_session() {
    let (_share, mut c) = setup();
    c.walk_to(1, "dir/file").unwrap();
    crate::virtio::VirtioDevice::reset(&mut c.dev);
    assert_eq!(c.getattr(1).err(), Some(e::EPROTO), "not negotiated");
    assert_eq!(c.dev.server().live_nodes(), 1, "only the root is held");
}
