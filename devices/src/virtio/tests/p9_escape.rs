//! Attempts to reach outside the share: `..`, names with `/`, symlinks
//! (relative, absolute, dangling), renames and links across the boundary,
//! and names swapped on the host between walk and open. After each, the
//! canaries beside the share are unread, unchanged, and nothing appeared
//! next to them.

use std::os::unix::fs::{symlink, MetadataExt};

use super::*;

/// A share with a symlink of every kind pointing out of it.
fn setup() -> (TempShare, Client) {
    let share = TempShare::new();
    share.write("inside", b"inside\n");
    let base = share.base().to_path_buf();
    symlink("../canary", share.path("rel")).unwrap();
    symlink(base.join("canary"), share.path("abs")).unwrap();
    symlink("../outside", share.path("reldir")).unwrap();
    symlink(base.join("outside"), share.path("absdir")).unwrap();
    symlink(base.join("outside/new"), share.path("dangling")).unwrap();
    symlink("/proc/self/root", share.path("magic")).unwrap();
    let client = Client::new(&share, false);
    (share, client)
}

#[test]
fn dotdot_stops_at_the_root() {
    let (share, mut c) = setup();
    let root = c.getattr(ROOT).unwrap().qid;
    for names in [
        &[&b".."[..]][..],
        &[b"..", b".."],
        &[b".", b"..", b".", b".."],
    ] {
        let qids = c.walk(ROOT, 1, names).unwrap();
        assert!(qids.iter().all(|q| *q == root), "{names:?}");
        assert_eq!(c.getattr(1).unwrap().qid, root);
        c.clunk(1).unwrap();
    }
    // Beside the share there is a canary; from the root's `..` it is not
    // there (the first name works, so the walk is partial, newfid unset).
    assert_eq!(c.walk(ROOT, 1, &[b"..", b"canary"]).unwrap().len(), 1);
    assert_eq!(c.getattr(1).err(), Some(e::EBADF));
    assert_eq!(
        c.walk(ROOT, 1, &[b"..", b"outside", b"canary"])
            .unwrap()
            .len(),
        1
    );
    // A file has no `..`.
    assert_eq!(c.walk(ROOT, 1, &[b"inside", b".."]).unwrap().len(), 1);
    share.assert_outside_untouched();
}

#[test]
fn names_are_single_components() {
    let (share, mut c) = setup();
    let bad: [&[u8]; 7] = [
        b"../canary",
        b"/etc",
        b"a/b",
        b"",
        b"x\0y",
        b"share/../..",
        b"/",
    ];
    for name in bad {
        assert_eq!(c.walk(ROOT, 1, &[name]), Err(e::EINVAL), "walk {name:?}");
        assert_eq!(c.walk(ROOT, 1, &[b"inside", name]), Err(e::EINVAL));
        c.walk(ROOT, 2, &[]).unwrap();
        assert_eq!(
            c.lcreate(2, name, RDWR, 0o644),
            Err(e::EINVAL),
            "lcreate {name:?}"
        );
        c.clunk(2).unwrap();
        assert_eq!(c.mkdir(ROOT, name, 0o755), Err(e::EINVAL));
        assert_eq!(c.symlink(ROOT, name, b"x"), Err(e::EINVAL));
        assert_eq!(c.mknod(ROOT, name, libc::S_IFIFO | 0o644), Err(e::EINVAL));
        assert_eq!(c.unlinkat(ROOT, name, 0), Err(e::EINVAL));
        assert_eq!(c.renameat(ROOT, b"inside", ROOT, name), Err(e::EINVAL));
        assert_eq!(c.renameat(ROOT, name, ROOT, b"x"), Err(e::EINVAL));
    }
    for dots in [&b"."[..], b".."] {
        assert_eq!(c.mkdir(ROOT, dots, 0o755), Err(e::EINVAL));
        assert_eq!(c.unlinkat(ROOT, dots, 0x200), Err(e::EINVAL));
        assert_eq!(c.renameat(ROOT, b"inside", ROOT, dots), Err(e::EINVAL));
    }
    assert_eq!(
        c.walk(ROOT, 1, &[&[b'n'; 256]]),
        Err(libc::ENAMETOOLONG as u32)
    );
    assert!(share.path("inside").exists());
    share.assert_outside_untouched();
}

#[test]
fn symlinks_are_text_never_followed() {
    let (share, mut c) = setup();
    let base = share.base().to_string_lossy().into_owned();
    for (name, target) in [
        ("rel", "../canary".to_string()),
        ("abs", format!("{base}/canary")),
        ("reldir", "../outside".to_string()),
        ("absdir", format!("{base}/outside")),
        ("magic", "/proc/self/root".to_string()),
    ] {
        let qids = c.walk_to(1, name).unwrap();
        assert_eq!(qids[0].0, QTSYMLINK, "{name} walks to the link itself");
        assert_eq!(c.readlink(1).unwrap(), target.as_bytes());
        assert_eq!(c.getattr(1).unwrap().mode & libc::S_IFMT, libc::S_IFLNK);
        for flags in [RDONLY, WRONLY, RDWR | O_TRUNC] {
            assert_eq!(c.lopen(1, flags), Err(e::ELOOP), "{name} {flags:o}");
        }
        // Through the link: the walk stops at it.
        assert_eq!(c.walk(1, 2, &[b"canary"]), Err(e::ENOTDIR));
        assert_eq!(c.walk_to(2, &format!("{name}/canary")).unwrap().len(), 1);
        assert_eq!(c.lcreate(1, b"x", RDWR, 0o644), Err(e::ENOTDIR));
        assert_eq!(c.mkdir(1, b"x", 0o755), Err(e::ENOTDIR));
        assert_eq!(c.symlink(1, b"x", b"y"), Err(e::ENOTDIR));
        assert_eq!(c.renameat(ROOT, b"inside", 1, b"x"), Err(e::ENOTDIR));
        c.clunk(1).unwrap();
    }
    assert_eq!(c.cat(3, "rel"), Err(e::ELOOP));
    share.assert_outside_untouched();
}

#[test]
fn creating_over_a_symlink_does_not_write_through_it() {
    let (share, mut c) = setup();
    for name in [&b"rel"[..], b"abs", b"dangling", b"magic"] {
        c.walk(ROOT, 1, &[]).unwrap();
        // Without O_EXCL the existing entry is opened, but not followed.
        assert_eq!(
            c.lcreate(1, name, RDWR | O_TRUNC, 0o644),
            Err(e::ELOOP),
            "{name:?}"
        );
        assert_eq!(c.lcreate(1, name, RDWR | 0o200, 0o644), Err(e::EEXIST));
        c.clunk(1).unwrap();
        assert_eq!(c.mkdir(ROOT, name, 0o755), Err(e::EEXIST));
        assert_eq!(c.mknod(ROOT, name, libc::S_IFIFO | 0o644), Err(e::EEXIST));
    }
    assert!(
        !share.base().join("outside/new").exists(),
        "dangling target not created"
    );
    share.assert_outside_untouched();
}

#[test]
fn attributes_of_a_symlink_are_its_own() {
    let (share, mut c) = setup();
    let canary = fs::metadata(share.base().join("canary")).unwrap();
    c.walk_to(1, "abs").unwrap();
    assert_eq!(c.setattr(1, SetAttr::chmod(0o777)), Err(e::EOPNOTSUPP));
    assert_eq!(c.setattr(1, SetAttr::truncate(0)), Err(e::EINVAL));
    // chown and times apply to the link (as lchown, lutimes do).
    let chown = SetAttr {
        valid: 2 | 4,
        uid: 4321,
        gid: 4321,
        ..SetAttr::default()
    };
    let _ = c.setattr(1, chown);
    let times = SetAttr {
        valid: 0x1b0,
        atime: (5, 0),
        mtime: (6, 0),
        ..SetAttr::default()
    };
    c.setattr(1, times).unwrap();
    assert_eq!(fs::symlink_metadata(share.path("abs")).unwrap().mtime(), 6);
    let facts = |m: fs::Metadata| (m.mode(), m.uid(), m.gid(), m.mtime(), m.len());
    let after = fs::metadata(share.base().join("canary")).unwrap();
    assert_eq!(facts(after), facts(canary));
    // A hard link to the symlink is a link to the link, not to the canary.
    c.link(ROOT, 1, b"hard").unwrap();
    assert!(fs::symlink_metadata(share.path("hard"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::metadata(share.base().join("canary")).unwrap().nlink(),
        1
    );
    share.assert_outside_untouched();
}

#[test]
fn guest_made_symlinks_stay_text() {
    let (share, mut c) = setup();
    let outside = format!("{}/canary", share.base().display());
    c.symlink(ROOT, b"mine", outside.as_bytes()).unwrap();
    c.symlink(ROOT, b"up", b"../../../../canary").unwrap();
    for name in ["mine", "up"] {
        assert_eq!(c.cat(1, name), Err(e::ELOOP));
        c.walk(ROOT, 1, &[]).unwrap();
        assert_eq!(
            c.lcreate(1, name.as_bytes(), WRONLY | O_TRUNC, 0o644),
            Err(e::ELOOP)
        );
        c.clunk(1).unwrap();
    }
    assert_eq!(c.symlink(ROOT, b"empty", b""), Err(e::ENOENT));
    assert_eq!(c.symlink(ROOT, b"nul", b"a\0b"), Err(e::EINVAL));
    share.assert_outside_untouched();
}

#[test]
fn renames_and_links_stay_inside() {
    let (share, mut c) = setup();
    c.walk_to(1, "inside").unwrap();
    // The root's `..` is the root: a rename "into" it lands in the share.
    c.walk(ROOT, 2, &[b"..", b".."]).unwrap();
    c.rename(1, 2, b"moved").unwrap();
    assert!(share.path("moved").exists());
    c.renameat(2, b"moved", 2, b"inside").unwrap();
    assert_eq!(c.renameat(ROOT, b"inside", ROOT, b"../x"), Err(e::EINVAL));
    // A symlink to a directory outside is no directory to the server.
    c.walk_to(3, "absdir").unwrap();
    assert_eq!(c.rename(1, 3, b"x"), Err(e::ENOTDIR));
    assert_eq!(c.link(3, 1, b"x"), Err(e::ENOTDIR));
    assert_eq!(c.unlinkat(3, b"canary", 0), Err(e::ENOTDIR));
    // Removing or renaming the link removes or renames the link.
    c.renameat(ROOT, b"rel", ROOT, b"rel2").unwrap();
    c.unlinkat(ROOT, b"rel2", 0).unwrap();
    c.remove(3).unwrap();
    assert!(fs::symlink_metadata(share.path("absdir")).is_err());
    share.assert_outside_untouched();
}

#[test]
fn directory_swapped_for_a_symlink_after_the_walk() {
    let (share, mut c) = setup();
    fs::create_dir(share.path("d")).unwrap();
    share.write("d/canary", b"the share's own\n");
    share.write("d/other", b"other\n");
    c.walk_to(1, "d").unwrap();
    c.walk_to(2, "d/canary").unwrap();
    // On the host, between walk and open: d becomes a link to outside/.
    fs::rename(share.path("d"), share.path("d.old")).unwrap();
    symlink(share.base().join("outside"), share.path("d")).unwrap();

    c.open_clone(2, 3, RDWR).unwrap();
    assert_eq!(
        c.read(3, 0, 100).unwrap(),
        b"the share's own\n",
        "the file walked to"
    );
    c.write(3, 0, b"THE").unwrap();
    c.open_clone(1, 4, RDONLY).unwrap();
    assert_eq!(
        c.list(4, 8192),
        [".", "..", "canary", "other"],
        "the directory walked to"
    );
    assert_eq!(c.walk(1, 5, &[b"other"]).unwrap().len(), 1);
    assert_eq!(c.lcreate(5, b"x", RDWR, 0o644), Err(e::ENOTDIR));
    c.clunk(5).unwrap();
    c.walk(1, 5, &[]).unwrap();
    c.lcreate(5, b"created", RDWR, 0o644).unwrap();
    assert!(share.path("d.old/created").exists());
    // A fresh walk meets the symlink and stops there.
    assert_eq!(
        c.walk_to(6, "d/canary").unwrap(),
        [c.walk_to(7, "d").unwrap()[0]]
    );
    assert_eq!(c.lopen(7, RDONLY), Err(e::ELOOP));
    share.assert_outside_untouched();
}

#[test]
fn file_swapped_after_the_walk() {
    let (share, mut c) = setup();
    share.write("f", b"original\n");
    share.write("g", b"original\n");
    c.walk_to(1, "f").unwrap();
    c.walk_to(2, "g").unwrap();
    fs::remove_file(share.path("f")).unwrap();
    symlink(share.base().join("canary"), share.path("f")).unwrap();
    fs::remove_file(share.path("g")).unwrap();
    share.write("g", b"replacement\n");
    assert_eq!(
        c.lopen(1, RDWR),
        Err(e::ELOOP),
        "a symlink now: not followed"
    );
    assert_eq!(
        c.lopen(2, RDWR),
        Err(e::ESTALE),
        "another file now: not the one walked to"
    );
    // Operations naming the entry check it too.
    assert_eq!(c.link(ROOT, 2, b"h"), Err(e::ESTALE));
    assert_eq!(c.remove(2), Err(e::ESTALE));
    assert_eq!(fs::read(share.path("g")).unwrap(), b"replacement\n");
    share.assert_outside_untouched();
}

#[test]
fn the_root_itself_cannot_be_named() {
    let (share, mut c) = setup();
    c.walk(ROOT, 1, &[]).unwrap();
    assert_eq!(c.rename(1, ROOT, b"x"), Err(libc::EBUSY as u32));
    assert_eq!(c.remove(1), Err(libc::EBUSY as u32));
    assert_eq!(c.link(ROOT, ROOT, b"x"), Err(e::EPERM));
    assert!(share.path("").is_dir());
    share.assert_outside_untouched();
}
