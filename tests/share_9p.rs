//! Shared folders (`--share HOSTDIR,tag=TAG[,readonly]`, virtio-9p) with
//! Debian's kernel client in the busybox guest: the guest mounts the share
//! with `mount -t 9p -o trans=virtio`, reads what the host put there, and
//! what it writes appears in the host directory. A read-only share refuses
//! every write with EROFS and leaves the host directory as it was. A
//! symlink on the host that points outside the share does not lead the
//! guest there.
//!
//! Hostile 9P messages (`..`, absolute names, symlink races, bad fids,
//! malformed frames) are tested against the device itself in
//! devices/src/virtio/tests/p9_*.rs.

mod common;

use std::path::{Path, PathBuf};

use common::linux::{assert_guest_exit, has_line, tail, Boot, ScratchDisk};

/// A fresh host directory for one test, removed when dropped.
struct HostDir(PathBuf);

impl HostDir {
    fn new(name: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("share_9p")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the shared directory");
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for HostDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(cmd: &str, disk: &ScratchDisk, share: &str) -> common::RunOutput {
    let mut args = Boot::new(cmd, disk.path()).args();
    args.extend(["--share".to_owned(), share.to_owned()]);
    common::run_heron_within(
        &args,
        std::time::Duration::from_secs(common::linux::BOOT_TIMEOUT_SECS + 60),
    )
}

#[test]
fn the_guest_reads_and_writes_a_shared_folder() {
    let host = HostDir::new("rw");
    std::fs::write(host.path().join("from-host.txt"), "host-wrote-this\n").unwrap();
    // A secret beside the share, and a symlink inside it pointing there.
    let secret = host.path().with_file_name("rw-secret");
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::write(secret.join("key"), "secret-contents\n").unwrap();
    std::os::unix::fs::symlink(&secret, host.path().join("escape")).unwrap();

    // Markers are computed by the guest's shell, so the echoed command line
    // never matches them.
    let cmd = r#"mkdir -p /s
mount -t 9p -o trans=virtio,version=9p2000.L src /s || exit 3
cat /s/from-host.txt
echo "guest-wrote-$((6 * 7))" > /s/from-guest.txt || exit 4
mkdir /s/dir && echo nested > /s/dir/file && mv /s/dir/file /s/dir/moved || exit 5
rm /s/from-host.txt || exit 6
if cat /s/escape/key 2>/dev/null; then echo escaped-$((1 + 1)); else echo contained-$((1 + 1)); fi
ls /s | tr '\n' ' '; echo
umount /s"#;
    let disk = ScratchDisk::new("share_9p_rw");
    let share = format!("{},tag=src", host.path().display());
    let out = run(cmd, &disk, &share);
    assert_guest_exit(&out, 0, 40);
    let stdout = &out.1;
    assert!(has_line(stdout, "host-wrote-this"), "{}", tail(&out, 40));
    assert!(has_line(stdout, "contained-2"), "{}", tail(&out, 40));
    assert!(!stdout.contains("secret-contents"), "{}", tail(&out, 40));
    let written = std::fs::read_to_string(host.path().join("from-guest.txt"));
    assert_eq!(written.ok().as_deref(), Some("guest-wrote-42\n"));
    let moved = std::fs::read_to_string(host.path().join("dir/moved"));
    assert_eq!(moved.ok().as_deref(), Some("nested\n"));
    assert!(!host.path().join("dir/file").exists());
    assert!(!host.path().join("from-host.txt").exists());
    // The symlink itself is still there and the secret untouched.
    assert_eq!(
        std::fs::read_to_string(secret.join("key")).unwrap(),
        "secret-contents\n"
    );
    let _ = std::fs::remove_dir_all(&secret);
}

#[test]
fn a_readonly_share_refuses_writes() {
    let host = HostDir::new("ro");
    std::fs::write(host.path().join("keep.txt"), "unchanged\n").unwrap();
    let cmd = r#"mkdir -p /s
mount -t 9p -o trans=virtio,version=9p2000.L src /s || exit 3
cat /s/keep.txt
n=0
echo x 2>/dev/null > /s/new.txt || n=$((n + 1))
echo x 2>/dev/null >> /s/keep.txt || n=$((n + 1))
mkdir /s/d 2>/dev/null || n=$((n + 1))
rm /s/keep.txt 2>/dev/null || n=$((n + 1))
mv /s/keep.txt /s/other 2>/dev/null || n=$((n + 1))
touch /s/keep.txt 2>/dev/null || n=$((n + 1))
echo "refused-$n-of-6"
umount /s"#;
    let disk = ScratchDisk::new("share_9p_ro");
    let share = format!("{},tag=src,readonly", host.path().display());
    let out = run(cmd, &disk, &share);
    assert_guest_exit(&out, 0, 40);
    assert!(has_line(&out.1, "unchanged"), "{}", tail(&out, 40));
    assert!(has_line(&out.1, "refused-6-of-6"), "{}", tail(&out, 40));
    let names: Vec<_> = std::fs::read_dir(host.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["keep.txt"]);
    assert_eq!(
        std::fs::read_to_string(host.path().join("keep.txt")).unwrap(),
        "unchanged\n"
    );
}

#[test]
fn a_share_that_is_not_a_directory_is_refused() {
    let disk = ScratchDisk::new("share_9p_bad");
    let out = run("true", &disk, "/nonexistent/heron-share,tag=src");
    assert_eq!(out.0, 2, "{}", tail(&out, 10));
    assert_eq!(out.2.lines().count(), 1, "{}", out.2);
    assert!(out.2.contains("/nonexistent/heron-share"), "{}", out.2);
}
