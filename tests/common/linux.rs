//! Helpers for the tests that boot Linux: the Debian guest built by
//! `scripts/guest-image.sh` (kernel `Image`, initramfs, ext4 root disk), a
//! private copy of the root disk per test, and a builder for the
//! `heron run` command line.
//!
//! The guest's `/init` (scripts/guest/init.sh) runs the shell command given
//! as `heron.cmd=BASE64` on the kernel command line in the root file system
//! and powers off with its exit status, printing marker lines
//! (`heron-guest: ready`, `heron-guest: exit status N`) on the console.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use super::{repo_root, run_heron_within, RunOutput};

/// Guest RAM for the Linux tests; the Debian kernel and initramfs need a
/// good deal more than the bare-metal programs.
pub const GUEST_MEMORY: &str = "512M";

/// heron's `--timeout` for one boot, in seconds: generous for an
/// interpreter at ~200 MIPS (a boot to poweroff is well under a minute).
pub const BOOT_TIMEOUT_SECS: u64 = 300;

/// OpenSBI's jump firmware from Debian's `opensbi` package: it expects the
/// next stage (the kernel) at 0x8020_0000.
pub const OPENSBI_FW_JUMP: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin";

/// The files of the built guest.
#[derive(Debug)]
pub struct GuestImage {
    /// The uncompressed RISC-V kernel `Image`.
    pub kernel: PathBuf,
    /// The gzip'd newc initramfs with busybox, modules and `/init`.
    pub initrd: PathBuf,
    /// The pristine ext4 root disk (never handed to heron directly: tests
    /// boot a [`ScratchDisk`] copy of it).
    pub rootfs: PathBuf,
}

/// Where the guest is built: `$HERON_GUEST_DIR`, else the script's own
/// default (`${XDG_CACHE_HOME:-$HOME/.cache}/heron/guest`), so that the
/// tests and a developer's manual runs share one download.
pub fn guest_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HERON_GUEST_DIR") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    match cache {
        Some(cache) => cache.join("heron").join("guest"),
        None => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("guest-image"),
    }
}

/// The guest, built (or found up to date) by `scripts/guest-image.sh` once
/// per test process. The script holds a lock file in the output directory,
/// so test processes running at the same time wait for one build. Panics
/// with the script's output if the build fails.
pub fn guest_image() -> &'static GuestImage {
    static IMAGE: OnceLock<GuestImage> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = guest_dir();
        run_guest_image_script(&dir, &[]);
        let image = GuestImage {
            kernel: dir.join("Image"),
            initrd: dir.join("initramfs.cpio.gz"),
            rootfs: dir.join("rootfs.ext4"),
        };
        for f in [&image.kernel, &image.initrd, &image.rootfs] {
            assert!(
                f.is_file(),
                "guest-image.sh did not produce {}",
                f.display()
            );
        }
        image
    })
}

/// Runs `scripts/guest-image.sh --out DIR EXTRA...`; panics with its output
/// if it fails.
pub fn run_guest_image_script(dir: &Path, extra: &[&std::ffi::OsStr]) {
    let script = repo_root().join("scripts").join("guest-image.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("--out")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "building the Linux guest with {} {extra:?} failed ({}); it needs the \
         host's apt sources to reach Debian and the tools that \
         scripts/setup.sh installs:\n{}{}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A private copy of the guest's root disk for one test, deleted when
/// dropped. Tests boot copies because mounting ext4 read-write changes the
/// image even when the guest writes nothing.
pub struct ScratchDisk {
    path: PathBuf,
}

impl ScratchDisk {
    /// Copies the pristine root disk to `<target tmp>/linux/<name>.ext4`.
    /// `name` must be unique among the tests running at the same time.
    pub fn new(name: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("linux");
        std::fs::create_dir_all(&dir).expect("create the scratch disk directory");
        let path = dir.join(format!("{name}.ext4"));
        std::fs::copy(&guest_image().rootfs, &path).expect("copy the root disk");
        Self { path }
    }

    /// The copy's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDisk {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Standard base64 (RFC 4648 section 4, with padding) of `data`: the
/// encoding `heron.cmd=` takes on the kernel command line.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The kernel command line that makes the guest run `cmd` and power off.
pub fn append_for(cmd: &str) -> String {
    format!("console=ttyS0 heron.cmd={}", base64(cmd.as_bytes()))
}

/// One `heron run` of the Linux guest.
pub struct Boot<'a> {
    cmd: String,
    disk: &'a Path,
    readonly: bool,
    snapshot: bool,
    bios: Option<PathBuf>,
    deterministic: bool,
    smp: Option<u32>,
    accel: Option<&'static str>,
}

impl<'a> Boot<'a> {
    /// A boot that runs the shell command `cmd` in the root on `disk`, with
    /// the built-in SBI.
    pub fn new(cmd: &str, disk: &'a Path) -> Self {
        Self {
            cmd: cmd.to_owned(),
            disk,
            readonly: false,
            snapshot: false,
            bios: None,
            deterministic: false,
            smp: None,
            accel: None,
        }
    }

    /// Attach the disk read-only (`--disk FILE,readonly`).
    pub fn readonly(mut self) -> Self {
        self.readonly = true;
        self
    }

    /// Keep the guest's writes in memory (`--snapshot`).
    pub fn snapshot(mut self) -> Self {
        self.snapshot = true;
        self
    }

    /// Boot through this M-mode firmware instead of the built-in SBI.
    pub fn bios(mut self, firmware: impl Into<PathBuf>) -> Self {
        self.bios = Some(firmware.into());
        self
    }

    /// Derive time from the instruction count (`--deterministic`).
    pub fn deterministic(mut self) -> Self {
        self.deterministic = true;
        self
    }

    /// Boot `harts` harts (`--smp N`); without it heron's default, one.
    pub fn smp(mut self, harts: u32) -> Self {
        self.smp = Some(harts);
        self
    }

    /// Run on the engine `accel` (`--accel`, with `--stats` so that the
    /// instruction count and the JIT's counters are on stderr).
    pub fn accel(mut self, accel: &'static str) -> Self {
        self.accel = Some(accel);
        self
    }

    /// The heron arguments this boot runs with.
    pub fn args(&self) -> Vec<String> {
        let image = guest_image();
        let mut disk = self.disk.display().to_string();
        if self.readonly {
            disk.push_str(",readonly");
        }
        let mut args = vec![
            "run".to_owned(),
            "--kernel".to_owned(),
            image.kernel.display().to_string(),
            "--initrd".to_owned(),
            image.initrd.display().to_string(),
            "--append".to_owned(),
            append_for(&self.cmd),
            "--disk".to_owned(),
            disk,
            "--memory".to_owned(),
            GUEST_MEMORY.to_owned(),
            "--timeout".to_owned(),
            BOOT_TIMEOUT_SECS.to_string(),
        ];
        if self.snapshot {
            args.push("--snapshot".to_owned());
        }
        if let Some(bios) = &self.bios {
            args.push("--bios".to_owned());
            args.push(bios.display().to_string());
        }
        if self.deterministic {
            args.push("--deterministic".to_owned());
        }
        if let Some(harts) = self.smp {
            args.push("--smp".to_owned());
            args.push(harts.to_string());
        }
        if let Some(accel) = self.accel {
            args.extend(["--accel".to_owned(), accel.to_owned(), "--stats".to_owned()]);
        }
        args
    }

    /// Run heron and wait for it; a heron that overstays its own timeout by
    /// a minute is killed (exit 137).
    pub fn run(&self) -> RunOutput {
        run_heron_within(&self.args(), Duration::from_secs(BOOT_TIMEOUT_SECS + 60))
    }
}

/// The end of a console log (the last `lines` lines) and heron's stderr,
/// for assertion messages: a failed boot is diagnosed from its last words.
pub fn tail(out: &RunOutput, lines: usize) -> String {
    let (code, stdout, stderr) = out;
    let all: Vec<&str> = stdout.lines().collect();
    let start = all.len().saturating_sub(lines);
    format!(
        "heron exited {code}\n--- console (last {} lines) ---\n{}\n--- stderr ---\n{}",
        all.len() - start,
        all[start..].join("\n"),
        stderr
    )
}

/// Whether the console shows `line` as a whole line (ignoring a trailing
/// carriage return from the serial console's CRLF).
pub fn has_line(stdout: &str, line: &str) -> bool {
    stdout.lines().any(|l| l.trim_end_matches('\r') == line)
}

/// The guest's command exited 0 and the machine powered off cleanly
/// (heron's exit code 0); on failure, shows the last `lines` lines.
/// The guest's command exited with `code` (it says so on the console) and
/// heron passed it out (through the test finisher's `0x3333 | code << 16`).
pub fn assert_guest_exit(out: &RunOutput, code: i32, lines: usize) {
    assert!(
        has_line(&out.1, &format!("heron-guest: exit status {code}")),
        "{}",
        tail(out, lines)
    );
    assert_eq!(
        out.0,
        code,
        "the test finisher's 0x3333 | {code} << 16\n{}",
        tail(out, lines)
    );
}

pub fn assert_clean_exit(out: &RunOutput, lines: usize) {
    assert!(
        has_line(&out.1, "heron-guest: exit status 0"),
        "{}",
        tail(out, lines)
    );
    assert_eq!(out.0, 0, "a clean poweroff exits 0\n{}", tail(out, lines));
}
