//! Boots the way QEMU users boot Debian: U-Boot (Debian's `u-boot-qemu`,
//! `qemu-riscv64_smode/u-boot.bin`, a raw binary given as `--kernel`) on
//! OpenSBI or on heron's built-in SBI; its distro boot finds
//! `/extlinux/extlinux.conf` on the first virtio disk and boots the kernel
//! and initramfs that file names, with its command line.
//!
//! The guest is the one `scripts/guest-image.sh` builds (see
//! tests/common/linux.rs): the boot disk, built here at test time without
//! root, holds its `Image` and initramfs; the root file system is a copy of
//! its root disk, attached second (`root=/dev/vdb`), because U-Boot's
//! distro boot looks at the first disk only. The command the guest runs
//! and its exit status come back as in tests/linux_boot.rs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::linux::{
    append_for, assert_clean_exit, assert_guest_exit, guest_image, has_line, tail, ScratchDisk,
    BOOT_TIMEOUT_SECS, GUEST_MEMORY, OPENSBI_FW_JUMP,
};
use common::{run_heron_within, RunOutput};

/// U-Boot for QEMU's virt in S-mode, from Debian's `u-boot-qemu`.
const UBOOT: &str = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin";

/// Lines of console shown when an assertion fails.
const TAIL: usize = 60;

/// Where the boot partition starts: 1 MiB, as partitioning tools align it.
const PARTITION_START: u64 = 1 << 20;

const SECTOR: u64 = 512;

/// A disk image with an MBR and one bootable Linux partition holding an
/// ext4 file system with `extlinux/extlinux.conf`, `Image` and
/// `initramfs.cpio.gz`; deleted when dropped. U-Boot's distro boot reads
/// partitions only (on a disk without a partition table it finds nothing).
struct BootDisk {
    path: PathBuf,
}

impl BootDisk {
    /// Builds `<target tmp>/uboot/<name>.img` whose extlinux.conf boots the
    /// guest's kernel with the command line `append`. `name` must be unique
    /// among the tests running at the same time.
    fn new(name: &str, append: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("uboot");
        let stage = dir.join(format!("{name}.d"));
        let _ = std::fs::remove_dir_all(&stage);
        std::fs::create_dir_all(stage.join("extlinux")).expect("create the staging directory");
        let image = guest_image();
        for (from, to) in [
            (&image.kernel, "Image"),
            (&image.initrd, "initramfs.cpio.gz"),
        ] {
            // A hard link where the cache is on the same file system saves
            // copying the 30 MB kernel.
            let to = stage.join(to);
            if std::fs::hard_link(from, &to).is_err() {
                std::fs::copy(from, &to).expect("copy the kernel or initramfs");
            }
        }
        let conf = format!(
            "default heron\ntimeout 0\nlabel heron\n    kernel /Image\n    \
             initrd /initramfs.cpio.gz\n    append {append}\n"
        );
        std::fs::write(stage.join("extlinux").join("extlinux.conf"), conf)
            .expect("write extlinux.conf");
        let path = dir.join(format!("{name}.img"));
        let _ = std::fs::remove_file(&path);
        let fs_bytes = make_ext4(&stage, &path);
        let _ = std::fs::remove_dir_all(&stage);
        write_mbr(&path, fs_bytes);
        Self { path }
    }
}

impl Drop for BootDisk {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Makes an ext4 file system of the files under `stage` at
/// [`PARTITION_START`] in the new file `disk`, sized to them with room for
/// the file system's own metadata; returns its size in bytes.
fn make_ext4(stage: &Path, disk: &Path) -> u64 {
    let files: u64 = std::fs::read_dir(stage)
        .expect("list the staging directory")
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    let fs_bytes = (files + (16 << 20)).next_multiple_of(1 << 20);
    let output = Command::new("mke2fs")
        .args(["-q", "-t", "ext4", "-L", "heron-boot", "-F", "-d"])
        .arg(stage)
        .arg("-E")
        .arg(format!("offset={PARTITION_START},root_owner=0:0"))
        .arg(disk)
        .arg(format!("{}k", fs_bytes >> 10))
        .output()
        .expect("run mke2fs (e2fsprogs, which scripts/setup.sh installs)");
    assert!(
        output.status.success(),
        "mke2fs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    fs_bytes
}

/// Writes an MBR to sector 0 of `disk`: one bootable partition of type
/// 0x83 (Linux) from [`PARTITION_START`], `fs_bytes` long (LBA fields
/// only; the CHS fields stay zero, as for any disk past 8 GB).
fn write_mbr(disk: &Path, fs_bytes: u64) {
    use std::os::unix::fs::FileExt;
    let lba = |bytes: u64| u32::try_from(bytes / SECTOR).expect("the disk is small");
    let mut mbr = [0u8; SECTOR as usize];
    let entry = &mut mbr[446..462];
    entry[0] = 0x80; // bootable: U-Boot's distro boot scans these first
    entry[4] = 0x83;
    entry[8..12].copy_from_slice(&lba(PARTITION_START).to_le_bytes());
    entry[12..16].copy_from_slice(&lba(fs_bytes).to_le_bytes());
    mbr[510..].copy_from_slice(&[0x55, 0xaa]);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(disk)
        .expect("open the boot disk");
    file.write_all_at(&mbr, 0).expect("write the MBR");
}

/// Boots U-Boot from `boot` with the root on `root`, through `firmware`
/// (`None`: heron's built-in SBI, its default for a raw binary).
fn boot_uboot(firmware: Option<&str>, boot: &BootDisk, root: &Path) -> RunOutput {
    assert!(
        Path::new(UBOOT).is_file(),
        "{UBOOT} is missing: scripts/setup.sh installs it (Debian package u-boot-qemu)"
    );
    let mut args: Vec<String> = ["run", "--kernel", UBOOT, "--memory", GUEST_MEMORY]
        .map(String::from)
        .to_vec();
    if let Some(firmware) = firmware {
        args.extend(["--bios".into(), firmware.into()]);
    }
    for disk in [boot.path.as_path(), root] {
        args.extend(["--disk".into(), disk.display().to_string()]);
    }
    args.extend(["--timeout".into(), BOOT_TIMEOUT_SECS.to_string()]);
    run_heron_within(&args, Duration::from_secs(BOOT_TIMEOUT_SECS + 60))
}

/// The kernel command line of the extlinux.conf entry: the guest's, with
/// the root on the second disk.
fn append(cmd: &str) -> String {
    format!("{} root=/dev/vdb", append_for(cmd))
}

/// U-Boot started, found the configuration on the boot disk and started
/// the kernel, and the kernel got the command line from that file (heron's
/// `--append` is empty).
fn assert_uboot_booted_from_extlinux(out: &RunOutput) {
    let stdout = &out.1;
    let shown = || tail(out, TAIL);
    assert!(
        stdout.lines().any(|l| l.starts_with("U-Boot 20")),
        "no U-Boot banner\n{}",
        shown()
    );
    assert!(
        has_line(stdout, "Found /extlinux/extlinux.conf"),
        "U-Boot did not find extlinux.conf\n{}",
        shown()
    );
    assert!(
        has_line(stdout, "Starting kernel ..."),
        "U-Boot did not start the kernel\n{}",
        shown()
    );
    let cmdline = stdout
        .lines()
        .find_map(|l| l.trim_end().strip_prefix("guest cmdline: "))
        .unwrap_or_else(|| panic!("the guest printed no command line\n{}", shown()));
    assert!(
        cmdline.starts_with("console=ttyS0 heron.cmd=") && cmdline.ends_with(" root=/dev/vdb"),
        "the kernel's command line is not extlinux.conf's: {cmdline}"
    );
}

/// The command every boot runs: the kernel's command line, and a line from
/// the root file system (which is on the second disk).
const SHOW: &str = "echo \"guest cmdline: $(cat /proc/cmdline)\"; cat /etc/heron-guest";

/// The flow: OpenSBI's fw_jump, U-Boot at 0x8020_0000 where it
/// jumps, extlinux.conf, Debian's kernel; `poweroff` (SBI system reset,
/// served by OpenSBI through the SiFive test device) ends heron with 0.
#[test]
fn opensbi_and_uboot_boot_linux_from_extlinux_and_power_off() {
    let cmd = format!("{SHOW}; echo uboot-flow-ok");
    let boot = BootDisk::new("opensbi", &append(&cmd));
    let root = ScratchDisk::new("uboot_opensbi_root");
    let out = boot_uboot(Some(OPENSBI_FW_JUMP), &boot, root.path());
    assert!(
        out.1.contains("OpenSBI v"),
        "no OpenSBI banner\n{}",
        tail(&out, TAIL)
    );
    assert_uboot_booted_from_extlinux(&out);
    assert!(
        out.1
            .lines()
            .any(|l| l.starts_with("heron guest root file system")),
        "the root on /dev/vdb was not mounted\n{}",
        tail(&out, TAIL)
    );
    assert!(has_line(&out.1, "uboot-flow-ok"), "{}", tail(&out, TAIL));
    assert_clean_exit(&out, TAIL);
}

/// U-Boot on heron's built-in SBI (no `--bios`: a raw binary boots on
/// it): the guest's exit status 7 becomes heron's exit code. The device
/// tree heron hands over must leave U-Boot room to edit it in place.
#[test]
fn uboot_on_the_builtin_sbi_passes_the_exit_status_out() {
    let cmd = format!("{SHOW}; echo leaving with seven; exit 7");
    let boot = BootDisk::new("builtin", &append(&cmd));
    let root = ScratchDisk::new("uboot_builtin_root");
    let out = boot_uboot(None, &boot, root.path());
    assert!(
        !out.1.contains("OpenSBI"),
        "OpenSBI ran without --bios\n{}",
        tail(&out, TAIL)
    );
    assert_uboot_booted_from_extlinux(&out);
    assert!(
        has_line(&out.1, "leaving with seven"),
        "{}",
        tail(&out, TAIL)
    );
    assert_guest_exit(&out, 7, TAIL);
}
