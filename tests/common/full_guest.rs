//! Helpers for the tests that boot the full Debian guest that
//! `scripts/guest-image.sh --full` builds (systemd, apt, openssh-server on a
//! partitioned disk; scripts/guest/full-image.sh): the image, built once per
//! test process, and ssh into a running guest through a port heron
//! forwards.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use super::linux::{guest_dir, run_guest_image_script};
use super::{run_command, Proc};

/// Guest RAM for the full system (systemd, sshd and apt want more than the
/// busybox guest's 512M).
pub const FULL_MEMORY: &str = "1G";

/// heron's `--timeout` for one boot of the full guest, in seconds: a boot
/// to the multi-user target takes about a minute on the JIT.
pub const FULL_BOOT_TIMEOUT_SECS: u64 = 600;

/// The files of the built full guest.
#[derive(Debug)]
pub struct FullGuest {
    /// Its directory (`<guest dir>/full`).
    pub dir: PathBuf,
    /// The kernel from the image's /boot.
    pub kernel: PathBuf,
    /// The initramfs initramfs-tools built in the guest.
    pub initrd: PathBuf,
    /// The disk: an MBR and one ext4 partition labelled heron-root. Tests
    /// boot it with `--snapshot` only.
    pub disk: PathBuf,
    /// The private key root and `heron` accept over ssh.
    pub key: PathBuf,
}

/// The full guest, built (or found up to date) by
/// `scripts/guest-image.sh --full` once per test process, its first boot run
/// by the heron under test. The script locks its output directory, so test
/// processes running at the same time wait for one build.
pub fn full_guest() -> &'static FullGuest {
    static IMAGE: OnceLock<FullGuest> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = guest_dir();
        let heron = std::ffi::OsStr::new(env!("CARGO_BIN_EXE_heron"));
        run_guest_image_script(&dir, &["--full".as_ref(), "--heron".as_ref(), heron]);
        let full = dir.join("full");
        let guest = FullGuest {
            kernel: full.join("Image"),
            initrd: full.join("initrd.img"),
            disk: full.join("disk.img"),
            key: full.join("id_ed25519"),
            dir: full,
        };
        for f in [&guest.kernel, &guest.initrd, &guest.disk, &guest.key] {
            assert!(
                f.is_file(),
                "guest-image.sh --full did not produce {}",
                f.display()
            );
        }
        guest
    })
}

/// What heron prints on stderr once a `hostfwd` listens; the port follows.
pub const HOSTFWD_LINE: &str = "heron: hostfwd tcp 127.0.0.1:";

/// The host port heron bound for its one `hostfwd=tcp:127.0.0.1:0-:GUEST`
/// (it names it on stderr once the listener is up).
pub fn forwarded_port(heron: &Proc) -> u16 {
    let rest = heron.wait_for_stderr_line(HOSTFWD_LINE);
    let port = rest.split(' ').next().unwrap_or_default();
    port.parse()
        .unwrap_or_else(|_| panic!("no port in {HOSTFWD_LINE:?}{rest}"))
}

/// ssh to the guest's sshd through a forwarded host port, with the image's
/// key, non-interactively (no password prompt, no host key bookkeeping: the
/// guest's host key is the image's, and the known-hosts file is nobody's).
pub struct Ssh {
    /// The forwarded host port.
    pub port: u16,
}

impl Ssh {
    /// Runs `cmd` as `user` in the guest; returns ssh's exit code (255: ssh
    /// itself failed), stdout and stderr.
    pub fn run(&self, user: &str, cmd: &str) -> (i32, String, String) {
        let key = &full_guest().key;
        let mut c = Command::new("ssh");
        c.arg("-i")
            .arg(key)
            .args(["-p", &self.port.to_string()])
            .args([
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "ConnectTimeout=60",
            ])
            .arg(format!("{user}@127.0.0.1"))
            .arg(cmd);
        let (status, out, err) = run_command(&mut c, Duration::from_secs(300));
        (status.code().unwrap_or(-1), out, err)
    }

    /// Runs `cmd` as `user` and returns its stdout; panics with both
    /// streams unless it exits 0.
    pub fn ok(&self, user: &str, cmd: &str) -> String {
        let (code, out, err) = self.run(user, cmd);
        assert_eq!(
            code, 0,
            "ssh {user}@guest {cmd:?} exited {code}:\n{out}{err}"
        );
        out
    }
}
