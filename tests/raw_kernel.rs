//! Raw binaries as `--kernel`, as QEMU's `-kernel` takes a file that is
//! neither ELF nor Linux Image: our own test programs, linked and then
//! stripped to their bytes with `objcopy -O binary`, so nothing but the
//! load address tells heron where they go. An S-mode program linked at
//! 0x8020_0000 (where it goes after OpenSBI on QEMU) runs on the built-in
//! SBI; an M-mode one linked at 0x8000_0000 runs with `--bios none`.
//! (U-Boot, the raw binary users boot, is tests/uboot_boot.rs.)

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{asm_dir, build_asm_with, out_dir, run_heron};

/// The cross toolchain's objcopy (binutils-riscv64-linux-gnu).
const OBJCOPY: &str = "riscv64-linux-gnu-objcopy";

/// Link an S-mode program where an SBI firmware enters it on QEMU's virt.
const SMODE_LINK_BASE: &str = "-Wl,--defsym=LINK_BASE=0x80200000";

/// `tests/asm/<rel>` assembled with `extra`, as the raw binary `name`
/// under the build directory.
fn raw_program(rel: &str, extra: &[&str], name: &str) -> PathBuf {
    let elf = build_asm_with(&asm_dir().join(rel), extra);
    let bin = out_dir().join(name);
    let output = Command::new(OBJCOPY)
        .args(["-O", "binary"])
        .arg(&elf)
        .arg(&bin)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {OBJCOPY} ({e}): {}", common::SETUP_HINT));
    assert!(
        output.status.success(),
        "{OBJCOPY} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    bin
}

/// kvm/hello.S checks the S-mode entry state (a0 = hart 0, a1 = a device
/// tree), the SBI and the timer, prints through the UART and ends through
/// the test finisher; the built-in SBI is the default for a raw binary.
#[test]
fn raw_smode_program_runs_on_the_builtin_sbi() {
    let bin = raw_program("kvm/hello.S", &[SMODE_LINK_BASE], "hello.bin");
    let bin = bin.to_str().unwrap();
    for bios in [&["--bios", "builtin"][..], &[]] {
        let mut args = vec!["run", "--kernel", bin, "--timeout", "60"];
        args.extend_from_slice(bios);
        let (code, stdout, stderr) = run_heron(&args);
        assert_eq!(code, 0, "{args:?}\n{stdout}\n{stderr}");
        assert!(
            stdout.contains("kvm-hello: S-mode on a vCPU"),
            "{args:?}: {stdout}"
        );
    }
    // Failing on purpose after its checks: the code is the program's own.
    let bin = raw_program(
        "kvm/hello.S",
        &[SMODE_LINK_BASE, "-DEXIT_CODE=3"],
        "hello-exit3.bin",
    );
    let (code, stdout, stderr) = run_heron(&["run", "--kernel", bin.to_str().unwrap()]);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
}

/// An M-mode test program (ending through virt's test finisher rather than
/// HTIF, which a raw binary has no `tohost` symbol for) at the start of
/// RAM with no firmware, as `qemu-system-riscv64 -M virt -bios none
/// -kernel` runs it.
#[test]
fn raw_mmode_program_runs_at_the_start_of_ram_without_firmware() {
    let bin = raw_program("rv64m.S", &["-DQEMU_VIRT"], "rv64m.bin");
    let (code, stdout, stderr) = run_heron(&[
        "run",
        "--bios",
        "none",
        "--kernel",
        bin.to_str().unwrap(),
        "--timeout",
        "60",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}
