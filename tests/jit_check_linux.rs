//! The JIT's lockstep checker on a whole Linux boot: Debian's kernel, the
//! busybox initramfs, the ext4 root on virtio-blk and a command, with every
//! execution of translated code compared against the interpreter
//! (`--jit-check`). A divergence would end heron with exit code 5 and a
//! report; the run must instead end cleanly, with translated code having
//! really run under the checker.

mod common;

use std::time::Duration;

use common::linux::{assert_clean_exit, has_line, tail, Boot, ScratchDisk};

/// Lines of console shown when an assertion fails.
const TAIL: usize = 60;
/// The checker runs at about a tenth of the JIT's speed: a boot takes
/// minutes, not seconds.
const CHECK_TIMEOUT_SECS: u64 = 1200;

#[test]
fn a_linux_boot_under_the_jit_checker_finds_no_divergence() {
    let disk = ScratchDisk::new("jit_check");
    let cmd = "uname -a; echo heron | sha256sum; cat /proc/interrupts";
    let boot = Boot::new(cmd, disk.path()).deterministic().accel("jit");
    let mut args = boot.args();
    // The checker's own time limit replaces the boot's.
    if let Some(i) = args.iter().position(|a| a == "--timeout") {
        args[i + 1] = CHECK_TIMEOUT_SECS.to_string();
    }
    args.push("--jit-check".to_owned());
    let out = common::run_heron_within(&args, Duration::from_secs(CHECK_TIMEOUT_SECS + 60));
    assert!(
        !out.2.contains("--jit-check: translated code diverged"),
        "{}",
        out.2
    );
    assert!(
        has_line(&out.1, "heron-guest: ready"),
        "{}",
        tail(&out, TAIL)
    );
    assert!(
        out.1.lines().any(|l| l.starts_with("Linux heron ")),
        "no `uname -a` line\n{}",
        tail(&out, TAIL)
    );
    let stats =
        common::jit_stats(&out.2).unwrap_or_else(|| panic!("no JIT line in --stats:\n{}", out.2));
    assert!(stats.units > 100, "{stats:?}");
    assert!(
        stats.checked > 1_000_000,
        "the checker compared only {} executions: {stats:?}",
        stats.checked
    );
    assert_clean_exit(&out, TAIL);
}
