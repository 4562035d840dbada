//! Boots Debian's riscv64 Linux kernel on heron: the guest that
//! `scripts/guest-image.sh` builds (kernel `Image`, busybox initramfs, ext4
//! root on a virtio-mmio disk), through the built-in SBI and through
//! OpenSBI, and checks the console, the exit status the guest passes out,
//! and what happens to the disk image.
//!
//! The boots run on the default engine (`--accel auto`, the JIT where
//! Cranelift supports the host), except where a test names one: the
//! OpenSBI boot runs once per engine, and the deterministic boots compare
//! them. Each test boots the guest once or twice; the guest is built (or found
//! in the cache) on first use, which needs the host's apt sources to reach
//! Debian. The tools come from `scripts/setup.sh`.

mod common;

use common::linux::{
    assert_clean_exit, assert_guest_exit, base64, has_line, tail, Boot, ScratchDisk,
    OPENSBI_FW_JUMP,
};
use common::{jit_stats, RunOutput};

/// Lines of console shown when an assertion fails.
const TAIL: usize = 60;

/// What every boot that ran `uname -a; cat /proc/cpuinfo` to the end shows.
fn assert_uname_and_cpuinfo(out: &RunOutput) {
    let stdout = &out.1;
    assert!(
        has_line(stdout, "heron-guest: ready"),
        "the guest's /init never got going\n{}",
        tail(out, TAIL)
    );
    let uname = stdout
        .lines()
        .find(|l| l.starts_with("Linux heron "))
        .unwrap_or_else(|| panic!("no `uname -a` line\n{}", tail(out, TAIL)));
    assert!(uname.contains("riscv64"), "uname: {uname}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("processor") && l.trim_end().ends_with(": 0")),
        "/proc/cpuinfo has no hart 0\n{}",
        tail(out, TAIL)
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("isa") && l.contains("rv64imafdc")),
        "/proc/cpuinfo shows no rv64imafdc isa line\n{}",
        tail(out, TAIL)
    );
    assert_clean_exit(out, TAIL);
}

/// What the guest reads from its hardware RNG: heron's virtio-rng.
const HWRNG_CMD: &str =
    "echo hwrng: $(cat /sys/class/misc/hw_random/rng_current); head -c 16 /dev/hwrng | od -An -tx1 | sed 's/^/hwrng-bytes:/'";

#[test]
fn builtin_sbi_boots_linux_and_runs_a_command() {
    let disk = ScratchDisk::new("builtin_sbi");
    let cmd = format!("uname -a; cat /proc/cpuinfo; {HWRNG_CMD}");
    let out = Boot::new(&cmd, disk.path()).run();
    assert_uname_and_cpuinfo(&out);
    // The entropy device is the kernel's hardware RNG and gives bytes.
    assert!(
        has_line(&out.1, "hwrng: virtio_rng.0"),
        "no virtio-rng\n{}",
        tail(&out, TAIL)
    );
    let bytes = out
        .1
        .lines()
        .find_map(|l| l.strip_prefix("hwrng-bytes:"))
        .unwrap_or_else(|| panic!("nothing read from /dev/hwrng\n{}", tail(&out, TAIL)));
    assert_eq!(bytes.split_whitespace().count(), 16, "{bytes}");
    assert!(bytes.split_whitespace().any(|b| b != "00"), "{bytes}");
}

#[test]
fn guest_exit_status_becomes_herons_exit_code() {
    let disk = ScratchDisk::new("exit_status");
    let out = Boot::new("echo leaving with seven; exit 7", disk.path()).run();
    assert!(
        has_line(&out.1, "leaving with seven"),
        "{}",
        tail(&out, TAIL)
    );
    assert_guest_exit(&out, 7, TAIL);
}

/// Boots through OpenSBI's fw_jump with the engine `accel` (and `--stats`)
/// and checks the console; returns the run.
fn opensbi_fw_jump_boot(accel: &'static str) -> RunOutput {
    assert!(
        std::path::Path::new(OPENSBI_FW_JUMP).is_file(),
        "{OPENSBI_FW_JUMP} is missing: scripts/setup.sh installs it (Debian package opensbi)"
    );
    let disk = ScratchDisk::new(&format!("opensbi_{accel}"));
    let out = Boot::new("uname -a; cat /proc/cpuinfo", disk.path())
        .bios(OPENSBI_FW_JUMP)
        .accel(accel)
        .run();
    assert!(
        out.1.contains("OpenSBI"),
        "no OpenSBI banner: did the firmware run?\n{}",
        tail(&out, TAIL)
    );
    assert_uname_and_cpuinfo(&out);
    out
}

#[test]
fn opensbi_fw_jump_boots_linux_and_runs_a_command() {
    let out = opensbi_fw_jump_boot("interp");
    assert_eq!(jit_stats(&out.2), None, "--accel interp runs no JIT");
}

#[test]
fn opensbi_fw_jump_boots_linux_under_the_jit() {
    let out = opensbi_fw_jump_boot("jit");
    let stats =
        jit_stats(&out.2).unwrap_or_else(|| panic!("no JIT line in --stats\n{}", tail(&out, TAIL)));
    // Firmware, kernel and userland: hundreds of blocks, most of the work.
    assert!(stats.units > 100, "the JIT translated little: {stats:?}");
    assert!(
        stats.native_percent > 50.0,
        "translated code did little of the work: {stats:?}"
    );
}

#[test]
fn disk_writes_persist_across_boots() {
    let disk = ScratchDisk::new("persist");
    // The shell computes the text, so the second boot can only print it by
    // reading the file back, not by echoing its own command line.
    let first = Boot::new(
        "echo persisted-$((6 * 7)) > /root/persist && sync",
        disk.path(),
    )
    .run();
    assert_eq!(first.0, 0, "first boot\n{}", tail(&first, TAIL));
    let second = Boot::new("cat /root/persist", disk.path()).run();
    assert_eq!(second.0, 0, "second boot\n{}", tail(&second, TAIL));
    assert!(
        has_line(&second.1, "persisted-42"),
        "the file written by the first boot is gone\n{}",
        tail(&second, TAIL)
    );
}

#[test]
fn snapshot_leaves_the_disk_image_unchanged() {
    let disk = ScratchDisk::new("snapshot");
    let before = std::fs::read(disk.path()).expect("read the disk image");
    let out = Boot::new(
        "echo snap-$((1 + 1)) > /root/snap && rm /etc/hostname && sync && cat /root/snap",
        disk.path(),
    )
    .snapshot()
    .run();
    assert_eq!(out.0, 0, "{}", tail(&out, TAIL));
    assert!(
        has_line(&out.1, "snap-2"),
        "the guest's write did not read back\n{}",
        tail(&out, TAIL)
    );
    let after = std::fs::read(disk.path()).expect("read the disk image");
    assert!(
        before == after,
        "--snapshot let guest writes reach the image file"
    );
}

#[test]
fn readonly_disk_refuses_writes_and_stays_unchanged() {
    let disk = ScratchDisk::new("readonly");
    let before = std::fs::read(disk.path()).expect("read the disk image");
    // The root is mounted read-only; the write fails and so does the
    // command (status 1).
    let out = Boot::new("cat /etc/hostname; echo x > /root/ro", disk.path())
        .readonly()
        .run();
    assert!(
        has_line(&out.1, "heron"),
        "the root was not readable\n{}",
        tail(&out, TAIL)
    );
    assert!(
        has_line(&out.1, "heron-guest: exit status 1"),
        "{}",
        tail(&out, TAIL)
    );
    assert_eq!(out.0, 1, "{}", tail(&out, TAIL));
    let after = std::fs::read(disk.path()).expect("read the disk image");
    assert!(before == after, "a readonly disk image changed");
}

#[test]
fn deterministic_boots_print_the_same_console_output() {
    // Timer-driven output (uptime, interrupt counts, kernel timestamps) is
    // what differs between runs unless time follows the instruction count.
    // One run interprets, the other translates hot code with the JIT: the
    // same console and the same instruction count show both that the runs
    // repeat and that translated code retires exactly what the interpreter
    // does (time is derived from that count).
    // The entropy device repeats too (a fixed-seed generator).
    let cmd =
        format!("uname -a; cat /proc/uptime /proc/interrupts; dmesg | tail -n 5; {HWRNG_CMD}");
    let runs: Vec<RunOutput> = [("deterministic_a", "interp"), ("deterministic_b", "jit")]
        .iter()
        .map(|(name, accel)| {
            let disk = ScratchDisk::new(name);
            Boot::new(&cmd, disk.path())
                .deterministic()
                .accel(accel)
                .run()
        })
        .collect();
    let instret = |out: &RunOutput| {
        out.2
            .lines()
            .find(|l| l.starts_with("heron: instret="))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
            .unwrap_or_else(|| panic!("no --stats line: {}", tail(out, TAIL)))
    };
    assert_eq!(instret(&runs[0]), instret(&runs[1]), "instruction counts");
    let translated = runs[1]
        .2
        .lines()
        .find_map(|l| l.strip_prefix("heron: jit units="))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(translated > 100, "the JIT translated {translated} blocks");
    assert!(
        !runs[0].2.contains("heron: jit "),
        "--accel interp runs no JIT"
    );
    for out in &runs {
        assert_clean_exit(out, TAIL);
    }
    if runs[0].1 != runs[1].1 {
        let first_difference = runs[0]
            .1
            .lines()
            .zip(runs[1].1.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("first run:  {a}\nsecond run: {b}"))
            .unwrap_or_else(|| "one output is a prefix of the other".to_owned());
        panic!("--deterministic runs differ:\n{first_difference}");
    }
}

#[test]
fn heron_cmd_is_standard_base64() {
    // The guest decodes heron.cmd with busybox `base64 -d`; RFC 4648
    // section 10's vectors pin the encoding the tests hand it.
    let cases = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in cases {
        assert_eq!(base64(plain.as_bytes()), encoded, "base64({plain:?})");
    }
}
