//! Bad input gets a one-line error and a distinct exit code, never a panic:
//! missing and malformed files, ELFs for other machines, segments outside
//! RAM, bad options. A panic would exit with 101 and print "panicked".

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::run_heron;

const EXIT_BAD_INPUT: i32 = 2;

fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    common::scratch_file(name, bytes)
}

/// Runs heron with `args` and checks the exit code and a one-line error.
fn expect_error(args: &[&str], code: i32, needle: &str) {
    let (status, stdout, stderr) = run_heron(args);
    assert_eq!(
        status, code,
        "args {args:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "heron panicked: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.iter().any(|l| l.contains(needle)),
        "expected an error mentioning {needle:?}, got: {stderr}"
    );
}

/// A minimal little-endian ELF64 header with `machine` and one PT_LOAD
/// segment of 16 bytes at `paddr`.
fn elf64(machine: u16, paddr: u64) -> Vec<u8> {
    let mut e = vec![0u8; 64 + 56 + 16];
    e[..4].copy_from_slice(b"\x7fELF");
    e[4] = 2; // ELFCLASS64
    e[5] = 1; // little endian
    e[6] = 1; // version
    e[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    e[18..20].copy_from_slice(&machine.to_le_bytes());
    e[20..24].copy_from_slice(&1u32.to_le_bytes());
    e[24..32].copy_from_slice(&paddr.to_le_bytes()); // entry
    e[32..40].copy_from_slice(&64u64.to_le_bytes()); // phoff
    e[52..54].copy_from_slice(&64u16.to_le_bytes()); // ehsize
    e[54..56].copy_from_slice(&56u16.to_le_bytes()); // phentsize
    e[56..58].copy_from_slice(&1u16.to_le_bytes()); // phnum
    let ph = &mut e[64..120];
    ph[..4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    ph[8..16].copy_from_slice(&120u64.to_le_bytes()); // offset
    ph[16..24].copy_from_slice(&paddr.to_le_bytes()); // vaddr
    ph[24..32].copy_from_slice(&paddr.to_le_bytes()); // paddr
    ph[32..40].copy_from_slice(&16u64.to_le_bytes()); // filesz
    ph[40..48].copy_from_slice(&16u64.to_le_bytes()); // memsz
    e
}

#[test]
fn missing_kernel_file() {
    expect_error(
        &["run", "--kernel", "/nonexistent/kernel.elf"],
        EXIT_BAD_INPUT,
        "cannot read",
    );
}

/// Any non-empty file that is neither ELF nor Linux Image is a raw binary
/// (as for QEMU's `-kernel`), loaded at 0x8020_0000 on the built-in SBI:
/// what cannot be loaded is an empty file or one that does not fit there.
#[test]
fn raw_kernel_that_is_empty_or_does_not_fit() {
    let empty = scratch("empty.bin", &[]);
    expect_error(
        &["run", "--kernel", empty.to_str().unwrap()],
        EXIT_BAD_INPUT,
        "is empty",
    );
    // Larger than the RAM: refused before it is read.
    let huge = scratch("huge.bin", &vec![0x13u8; (16 << 20) + 1]);
    expect_error(
        &["run", "--memory", "16M", "--kernel", huge.to_str().unwrap()],
        EXIT_BAD_INPUT,
        "larger than",
    );
    // Fits the RAM, but not above 0x8020_0000, where it goes.
    let big = scratch("big.bin", &vec![0x13u8; 15 << 20]);
    expect_error(
        &["run", "--memory", "16M", "--kernel", big.to_str().unwrap()],
        EXIT_BAD_INPUT,
        "raw kernel at 0x80200000",
    );
}

/// A Linux Image runs in S-mode: without a firmware it is refused, not
/// run as a raw binary in M-mode (which QEMU would do, to no avail).
#[test]
fn image_without_firmware() {
    let image = scratch(
        "nofw.Image",
        &common::linux_image(&common::rv::sbi_shutdown()),
    );
    expect_error(
        &["run", "--bios", "none", "--kernel", image.to_str().unwrap()],
        EXIT_BAD_INPUT,
        "not --bios none",
    );
}

/// A raw firmware that reaches past 0x8020_0000 would be overwritten by an
/// Image loaded at its text_offset there.
#[test]
fn firmware_overlapping_the_kernel() {
    let image = scratch(
        "overlap.Image",
        &common::linux_image(&common::rv::sbi_shutdown()),
    );
    let firmware = scratch("overlap-fw.bin", &vec![0x13u8; 3 << 20]);
    expect_error(
        &[
            "run",
            "--bios",
            firmware.to_str().unwrap(),
            "--kernel",
            image.to_str().unwrap(),
        ],
        EXIT_BAD_INPUT,
        "overlaps the kernel at 0x80200000",
    );
}

#[test]
fn elf_for_another_machine_or_class() {
    let x86 = scratch("x86.elf", &elf64(62, 0x8000_0000));
    expect_error(
        &["run", "--kernel", x86.to_str().unwrap()],
        EXIT_BAD_INPUT,
        "not a RISC-V 64-bit ELF",
    );
    let mut rv32 = elf64(243, 0x8000_0000);
    rv32[4] = 1; // ELFCLASS32 with a 64-bit layout: malformed either way
    let p = scratch("rv32.elf", &rv32);
    let (status, _, stderr) = run_heron(&["run", "--kernel", p.to_str().unwrap()]);
    assert_eq!(status, EXIT_BAD_INPUT, "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn truncated_elf() {
    let whole = elf64(243, 0x8000_0000);
    for cut in [5, 20, 63, 64, 100, 121] {
        let p = scratch(&format!("cut{cut}.elf"), &whole[..cut]);
        let (status, _, stderr) = run_heron(&["run", "--kernel", p.to_str().unwrap()]);
        assert_eq!(status, EXIT_BAD_INPUT, "cut at {cut}: {stderr}");
        assert!(!stderr.contains("panicked"), "cut at {cut}: {stderr}");
    }
}

#[test]
fn segment_outside_ram() {
    let low = scratch("low.elf", &elf64(243, 0x1000));
    expect_error(
        &["run", "--kernel", low.to_str().unwrap()],
        EXIT_BAD_INPUT,
        "outside RAM",
    );
    let high = scratch("high.elf", &elf64(243, 0x8000_0000 + (64 << 20) - 8));
    expect_error(
        &["run", "--memory", "64M", "--kernel", high.to_str().unwrap()],
        EXIT_BAD_INPUT,
        "outside RAM",
    );
}

#[test]
fn bad_options() {
    let ok = scratch("ok.elf", &elf64(243, 0x8000_0000));
    let k = ok.to_str().unwrap();
    expect_error(
        &["run", "--kernel", k, "--memory", "12Q"],
        EXIT_BAD_INPUT,
        "size",
    );
    expect_error(
        &["run", "--kernel", k, "--memory", "100"],
        EXIT_BAD_INPUT,
        "4 KiB",
    );
    expect_error(
        &["run", "--kernel", k, "--memory", "99999999G"],
        EXIT_BAD_INPUT,
        "memory",
    );
    expect_error(
        &["run", "--kernel", k, "--timeout", "0"],
        EXIT_BAD_INPUT,
        "timeout",
    );
    expect_error(
        &["run", "--kernel", k, "--timeout=-1"],
        EXIT_BAD_INPUT,
        "timeout",
    );
    // Too long for the clock: once a panic (SIGABRT), found by fuzz_inputs.
    for huge in ["1e19", "1e20", "inf"] {
        expect_error(
            &["run", "--kernel", k, "--timeout", huge],
            EXIT_BAD_INPUT,
            "at most 1e9",
        );
    }
    expect_error(
        &["run", "--kernel", k, "--disk", "x.img,bogus"],
        EXIT_BAD_INPUT,
        "disk option",
    );
    expect_error(
        &["run", "--kernel", k, "--disk", "/nonexistent.img"],
        EXIT_BAD_INPUT,
        "nonexistent.img",
    );
    expect_error(
        &["run", "--kernel", k, "--no-such-flag"],
        EXIT_BAD_INPUT,
        "no-such-flag",
    );
    let odd = scratch("odd.img", &[0u8; 1000]);
    expect_error(
        &["run", "--kernel", k, "--disk", odd.to_str().unwrap()],
        EXIT_BAD_INPUT,
        "odd.img",
    );
}

#[test]
fn bad_linux_image_and_firmware() {
    // An Image header whose image_size cannot fit in RAM.
    let mut image = vec![0u8; 4096];
    image[48..56].copy_from_slice(b"RISCV\0\0\0");
    image[56..60].copy_from_slice(b"RSC\x05");
    image[8..16].copy_from_slice(&0x20_0000u64.to_le_bytes()); // text_offset
    image[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes()); // image_size
    let p = scratch("huge.Image", &image);
    let (status, _, stderr) =
        run_heron(&["run", "--memory", "64M", "--kernel", p.to_str().unwrap()]);
    assert_eq!(status, EXIT_BAD_INPUT, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    let ok_image = {
        let mut i = image.clone();
        i[16..24].copy_from_slice(&4096u64.to_le_bytes());
        scratch("ok.Image", &i)
    };
    expect_error(
        &[
            "run",
            "--kernel",
            ok_image.to_str().unwrap(),
            "--bios",
            "/nonexistent/fw.bin",
        ],
        EXIT_BAD_INPUT,
        "fw.bin",
    );
    expect_error(
        &[
            "run",
            "--kernel",
            ok_image.to_str().unwrap(),
            "--initrd",
            "/nonexistent/initrd",
        ],
        EXIT_BAD_INPUT,
        "initrd",
    );
}

/// A guest that traps forever (no trap handler: mtvec = 0, where nothing is
/// mapped) retires no instructions; `--timeout` must still end the run.
#[test]
fn trap_storm_still_honours_the_timeout() {
    let mut elf = elf64(243, 0x8000_0000);
    // The segment's 16 bytes are all zero: an illegal instruction at the
    // entry, then a fetch fault at mtvec = 0, forever.
    let len = elf.len();
    elf[len - 16..].fill(0);
    let p = scratch("trapstorm.elf", &elf);
    let started = std::time::Instant::now();
    let (status, _, stderr) = common::run_heron_within(
        &["run", "--kernel", p.to_str().unwrap(), "--timeout", "1"],
        std::time::Duration::from_secs(20),
    );
    assert_eq!(status, 124, "{stderr}");
    assert!(started.elapsed().as_secs() < 10);
}

/// A guest that powers off at once through the built-in SBI.
fn poweroff_image() -> PathBuf {
    scratch(
        "poweroff.Image",
        &common::linux_image(&common::rv::sbi_shutdown()),
    )
}

/// A FIFO at `name` under the scratch directory (a fresh one each time).
fn fifo(name: &str) -> PathBuf {
    let path = common::out_dir().join(name);
    let _ = std::fs::remove_file(&path);
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
    path
}

/// Like [`expect_error`], with a hard limit short enough that a heron
/// blocked on its input fails the test rather than stalling it.
fn expect_error_soon(args: &[&str], needle: &str) {
    let (status, stdout, stderr) = common::run_heron_within(args, Duration::from_secs(20));
    assert_eq!(
        status, EXIT_BAD_INPUT,
        "args {args:?} (137: killed at the limit)\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "heron panicked: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].starts_with("heron: ") && lines[0].contains(needle),
        "expected an error mentioning {needle:?}, got: {stderr}"
    );
}

#[test]
fn kernel_initrd_and_firmware_must_be_regular_files() {
    let image = poweroff_image();
    let image = image.to_str().unwrap();
    let pipe = fifo("input.fifo");
    let pipe = pipe.to_str().unwrap();
    let dir = common::out_dir();
    let dir = dir.to_str().unwrap();
    for odd in ["/dev/zero", pipe, dir] {
        let message = format!("{odd} is not a regular file");
        expect_error_soon(&["run", "--kernel", odd], &message);
        expect_error_soon(&["run", "--kernel", image, "--initrd", odd], &message);
        expect_error_soon(&["run", "--kernel", image, "--bios", odd], &message);
    }
}

#[test]
fn kernel_and_initrd_larger_than_ram_are_refused_unread() {
    // Sparse: nothing is written, and heron must not read it either.
    let big = common::out_dir().join("bigger-than-ram.bin");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len((64 << 20) + 4096).expect("set_len");
    drop(f);
    let big = big.to_str().unwrap();
    let image = poweroff_image();
    let image = image.to_str().unwrap();
    let m = ["--memory", "64M"];
    expect_error_soon(&[&["run", "--kernel", big][..], &m].concat(), "larger than");
    expect_error_soon(
        &[&["run", "--kernel", image, "--initrd", big][..], &m].concat(),
        "larger than",
    );
    expect_error_soon(
        &[&["run", "--kernel", image, "--bios", big][..], &m].concat(),
        "larger than",
    );
}

#[test]
fn disks_must_be_regular_files_or_block_devices() {
    let image = poweroff_image();
    let image = image.to_str().unwrap();
    let pipe = fifo("disk.fifo");
    let pipe = pipe.to_str().unwrap();
    let dir = common::out_dir();
    let dir = dir.to_str().unwrap();
    let ro_pipe = format!("{pipe},readonly");
    for disk in ["/dev/zero", "/dev/null", pipe, &ro_pipe, dir] {
        let args = ["run", "--kernel", image, "--timeout", "10", "--disk", disk];
        expect_error_soon(&args, "not a regular file or block device");
    }
}

/// A 4 KiB disk image at `name`.
fn disk_image(name: &str) -> PathBuf {
    scratch(name, &[0u8; 4096])
}

#[test]
fn disk_given_twice_is_refused_unless_both_are_read_only() {
    let image = poweroff_image();
    let image = image.to_str().unwrap();
    let disk = disk_image("twice.img");
    let disk = disk.to_str().unwrap();
    let ro = format!("{disk},readonly");
    let run = |extra: &[&str]| {
        let args = [&["run", "--kernel", image, "--timeout", "10"][..], extra].concat();
        common::run_heron_within(&args, Duration::from_secs(20))
    };
    let lock =
        "Failed to get \"write\" lock: the image is in use by another process (or given twice)";
    expect_error_soon(
        &["run", "--kernel", image, "--disk", disk, "--disk", disk],
        lock,
    );
    expect_error_soon(
        &["run", "--kernel", image, "--disk", &ro, "--disk", disk],
        "Failed to get",
    );
    expect_error_soon(
        &["run", "--kernel", image, "--disk", disk, "--disk", &ro],
        "Failed to get",
    );
    // Readers share the image.
    let (code, _, err) = run(&["--disk", &ro, "--disk", &ro]);
    assert_eq!(code, 0, "two read-only uses: {err}");
    let (code, _, err) = run(&["--snapshot", "--disk", disk, "--disk", disk]);
    assert_eq!(code, 0, "two snapshot uses: {err}");
}

#[test]
fn disk_in_use_by_another_heron_is_refused() {
    let disk = disk_image("shared.img");
    let ready = "guest-up";
    let spin = scratch(
        "print-spin.Image",
        &common::linux_image(&common::rv::sbi_print_then_spin(ready)),
    );
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_heron"));
    cmd.args(["run", "--timeout", "60", "--kernel"])
        .arg(&spin)
        .arg("--disk")
        .arg(&disk)
        .stdin(std::process::Stdio::null());
    let first = common::Proc::spawn(&mut cmd, Duration::from_secs(60));
    // The guest prints only after the board (and its disks) is built.
    first.wait_for(ready);
    let image = poweroff_image();
    let (image, disk) = (image.to_str().unwrap(), disk.to_str().unwrap());
    expect_error_soon(
        &["run", "--kernel", image, "--disk", disk],
        "\"write\" lock",
    );
    let ro = format!("{disk},readonly");
    expect_error_soon(&["run", "--kernel", image, "--disk", &ro], "lock");
    let snapshot = ["run", "--kernel", image, "--snapshot", "--disk", disk];
    expect_error_soon(&snapshot, "lock");
    drop(first); // kills it
}

/// `--accel kvm` where KVM cannot run (here: not a riscv64 host, or no
/// `/dev/kvm`) is refused with the reason in one line and exit 2, while
/// `--accel auto` runs the same program on a software engine.
#[test]
fn kvm_where_it_cannot_run() {
    let ok = scratch("kvm.elf", &elf64(243, 0x8000_0000));
    let k = ok.to_str().unwrap();
    let (status, _, stderr) = run_heron(&["run", "--accel", "kvm", "--kernel", k]);
    assert_eq!(status, EXIT_BAD_INPUT, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    if cfg!(target_arch = "riscv64") {
        assert!(
            stderr.contains("/dev/kvm") || stderr.contains("M-mode"),
            "{stderr}"
        );
    } else {
        assert!(stderr.contains("KVM needs a riscv64 host"), "{stderr}");
    }
    let (_, _, stderr) = run_heron(&["run", "--stats", "--timeout", "2", "--kernel", k]);
    assert!(
        !stderr.contains("KVM"),
        "auto never insists on KVM: {stderr}"
    );
    assert!(stderr.contains("heron: engine="), "{stderr}");
}
