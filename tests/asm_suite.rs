//! heron's own self-checking guest programs (tests/asm/*.S).
//!
//! Each program is assembled and linked at test time with the riscv64 cross
//! toolchain, then run with `heron run --kernel FILE --timeout 20`. The
//! program checks itself and ends through HTIF (S-mode programs behind an
//! SBI: the SiFive test finisher): exit code 0 is a pass, any
//! other code is the number of the check that failed (see
//! tests/asm/common/test.h). Every program was validated on QEMU's
//! `-M spike` machine, which implements the same contract as heron (the
//! smp_* programs with `-smp N`; smp_sbi, an S-mode program behind the
//! built-in SBI, on `-M virt` under OpenSBI; tier_dma, which drives a
//! virtio-blk disk, on `-M virt` with `-bios none`: see its header).
//!
//! Every program runs under both engines: `<name>` with the interpreter,
//! `jit::<name>` with the JIT translating every block on its first
//! execution (see [`JIT`]). The tier_* programs, written for the JIT (code
//! changing under hot translations, faults and interrupts inside them,
//! page crossings, address-space switches), also run as `hot::<name>`, with
//! the default threshold, so that their blocks are interpreted first and
//! translated while they run.

mod common;

use std::path::PathBuf;

use common::INTERP;

/// Options of the JIT runs: every block is translated on its first
/// execution (`--jit-threshold 1`), on the hart's own thread so that the
/// translation points are the same in every run (`--jit-sync`), and every
/// execution of translated code is checked against the interpreter
/// (`--jit-check`: a divergence fails the run with exit 5 and a report);
/// `--stats` prints the JIT's counters, which the test checks.
const JIT: &[&str] = &[
    "--accel",
    "jit",
    "--jit-threshold",
    "1",
    "--jit-sync",
    "--jit-check",
    "--stats",
];

/// Options of the hot runs: the default threshold, so a block runs
/// interpreted until it is hot and translated code takes over mid-run
/// (no checker: harts run on threads of their own, as users run them).
const JIT_HOT: &[&str] = &["--accel", "jit", "--jit-sync", "--stats"];

/// Build `tests/asm/<name>.S`, run it under heron (with `extra` options),
/// and return stdout and stderr. Panics with the failing check number and
/// heron's output on failure.
fn run_asm_test(name: &str, extra: &[&str]) -> (String, String) {
    let (code, stdout, stderr) = run_asm_program(name, extra);
    if code != 0 {
        let meaning = match code {
            124 => "heron's --timeout expired (or check 124 failed: see stdout)".to_string(),
            2 => "heron rejected its input (or check 2 failed: see stdout)".to_string(),
            c if c > 128 => {
                format!("heron was killed or crashed (or check {c} failed: see stdout)")
            }
            c => format!("check {c} failed"),
        };
        panic!(
            "tests/asm/{name}.S with {extra:?}: heron exited with {code}: {meaning}\n\
             --- guest stdout ---\n{stdout}\n--- heron stderr ---\n{stderr}"
        );
    }
    (stdout, stderr)
}

/// Runs `tests/asm/<name>.S` with the interpreter; returns stdout.
fn run_interp(name: &str, extra: &[&str]) -> String {
    run_asm_test(name, &[INTERP, extra].concat()).0
}

/// Runs `tests/asm/<name>.S` with `engine` (JIT options) and `extra`, and
/// requires the JIT to have translated something (with `--jit-threshold
/// 1`, every block that ran through the block lookup). Returns stdout and
/// the JIT's counters.
fn run_jit_with(name: &str, engine: &[&str], extra: &[&str]) -> (String, common::JitStats) {
    let (stdout, stderr) = run_asm_test(name, &[engine, extra].concat());
    let stats = common::jit_stats(&stderr)
        .unwrap_or_else(|| panic!("tests/asm/{name}.S: no JIT line in --stats:\n{stderr}"));
    assert!(
        stats.units > 0,
        "tests/asm/{name}.S: the JIT translated nothing: {stats:?}"
    );
    if engine.contains(&"--jit-check") {
        assert!(
            stats.checked + stats.unchecked > 0,
            "tests/asm/{name}.S: translated code never ran under the checker: {stats:?}"
        );
    }
    (stdout, stats)
}

/// Runs `tests/asm/<name>.S` under the JIT (see [`JIT`]), then again
/// without the checker, where translated blocks chain to each other
/// without the run loop in between (the checker runs them one by one).
fn run_jit(name: &str, extra: &[&str]) -> common::JitStats {
    let checked = run_jit_with(name, JIT, extra).1;
    let unchecked: Vec<&str> = JIT
        .iter()
        .copied()
        .filter(|&o| o != "--jit-check")
        .collect();
    run_jit_with(name, &unchecked, extra);
    checked
}

/// Runs `tests/asm/<name>.S` under the JIT with the default threshold:
/// its hot code must have been translated and have run natively.
fn run_hot(name: &str, extra: &[&str]) {
    let stats = run_jit_with(name, JIT_HOT, extra).1;
    assert!(
        stats.native_percent > 0.0,
        "tests/asm/{name}.S: no instruction ran in translated code: {stats:?}"
    );
}

/// Builds `tests/asm/<name>.S` and runs it under heron with `extra`
/// options: (exit code, stdout, stderr).
fn run_asm_program(name: &str, extra: &[&str]) -> common::RunOutput {
    let src: PathBuf = common::asm_dir().join(format!("{name}.S"));
    let elf = common::build_asm(&src);
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "run".as_ref(),
        "--kernel".as_ref(),
        elf.as_os_str(),
        "--timeout".as_ref(),
        "20".as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    common::run_heron(&args)
}

/// Two `#[test]`s per guest program, optionally with heron options
/// (`name ["--opt", "value"]`): `name` with the interpreter and
/// `jit::name` with the JIT. Keep in step with ALL_PROGRAMS.
macro_rules! asm_tests {
    ($($name:ident $([$($arg:expr),*])?),* $(,)?) => {
        /// Every program that has a test, by file stem.
        const ALL_PROGRAMS: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                run_interp(stringify!($name), &[$($($arg),*)?]);
            }
        )*
        /// The same programs under the JIT.
        mod jit {
            use super::*;
            $(
                #[test]
                fn $name() {
                    run_jit(stringify!($name), &[$($($arg),*)?]);
                }
            )*
        }
    };
}

/// A third `#[test]`, `hot::name`, for the programs written for the JIT:
/// see [`run_hot`]. Keep in step with HOT_PROGRAMS.
macro_rules! hot_tests {
    ($($name:ident $([$($arg:expr),*])?),* $(,)?) => {
        /// The programs with a hot run.
        const HOT_PROGRAMS: &[&str] = &[$(stringify!($name)),*];
        /// The JIT's own programs with the default threshold.
        mod hot {
            use super::*;
            $(
                #[test]
                fn $name() {
                    run_hot(stringify!($name), &[$($($arg),*)?]);
                }
            )*
        }
    };
}

asm_tests!(
    rv64i,
    rv64m,
    rv64a,
    rv64f,
    rv64d,
    rv64c,
    zicsr,
    zifencei,
    zba,
    zbb,
    zbs,
    zicond,
    traps_delegation,
    interrupts_vectored,
    timer,
    sstc,
    mmu_sv39,
    mmu_sv48,
    mmu_sv57,
    mmu_ad,
    mmu_sum_mxr,
    misaligned,
    misaligned_trap["--cpu", "misaligned=trap"],
    phys_bounds,
    pmp,
    sfence,
    smp_atomics["--smp", "4"],
    smp_ipi["--smp", "4"],
    smp_fencei["--smp", "2"],
    smp_sbi["--bios", "builtin", "--smp", "4"],
    tier_smc,
    tier_fault,
    tier_timer["--smp", "2"],
    tier_pagecross,
    tier_satp,
);

hot_tests!(
    tier_smc,
    tier_fault,
    tier_timer["--smp", "2"],
    tier_pagecross,
    tier_satp,
);

/// The switch matters: the trapping program fails where misaligned accesses
/// are emulated (its first check), and the emulating one where they trap.
#[test]
fn misaligned_setting_changes_behaviour() {
    for (name, cpu) in [
        ("misaligned_trap", "misaligned=emulate"),
        ("misaligned", "misaligned=trap"),
    ] {
        let (code, stdout, _) = run_asm_program(name, &["--cpu", cpu]);
        assert_eq!(code, 1, "{name} with --cpu {cpu}: {stdout}");
    }
}

/// The smp_* programs count the harts that really run: with too few they
/// fail their hart-count check instead of passing vacuously, which also
/// shows that `--smp` reached the machine.
#[test]
fn smp_programs_fail_with_too_few_harts() {
    for (name, extra, check) in [
        ("smp_atomics", &["--smp", "1"][..], 1),
        ("smp_fencei", &["--smp", "1"][..], 1),
        ("smp_sbi", &["--bios", "builtin", "--smp", "2"][..], 5),
    ] {
        let (code, stdout, _) = run_asm_program(name, extra);
        assert_eq!(code, check, "{name} with {extra:?}: {stdout}");
    }
}

/// The HTIF console: the guest prints a line and the test checks it arrives
/// on stdout intact (the other programs only use the HTIF exit path).
#[test]
fn htif() {
    let stdout = run_interp("htif", &[]);
    assert_eq!(stdout, "hello, heron\n", "HTIF console output");
}

/// The same under the JIT.
#[test]
fn jit_htif() {
    let (stdout, _) = run_jit_with("htif", JIT, &[]);
    assert_eq!(stdout, "hello, heron\n", "HTIF console output");
}

/// The disk of tier_dma: sector 0 starts with `li a0, 2; ret`, sector 1
/// with `li a0, 3; ret` (the code the guest reads by DMA over its hot
/// function), the rest zero. Written at run time, one image per test
/// (`variant`) so that parallel tests never share a file being written.
fn dma_disk(variant: &str) -> PathBuf {
    const SECTOR: usize = 512;
    // jalr x0, 0(ra)
    const RET: u32 = 0x0000_8067;
    // addi a0, zero, imm
    let li_a0 = |imm: u32| (imm << 20) | (10 << 7) | 0x13;
    let mut image = vec![0u8; 8 * SECTOR];
    for (sector, value) in [(0, 2), (1, 3)] {
        let at = sector * SECTOR;
        image[at..at + 4].copy_from_slice(&li_a0(value).to_le_bytes());
        image[at + 4..at + 8].copy_from_slice(&RET.to_le_bytes());
    }
    let path = common::out_dir().join(format!("tier_dma.{variant}.img"));
    std::fs::write(&path, image).expect("write the tier_dma disk image");
    path
}

/// heron options attaching the tier_dma disk: `--snapshot`, so the image
/// stays as written even if the guest ever wrote to it.
fn dma_args(disk: &std::path::Path) -> [&str; 3] {
    let disk = disk.to_str().expect("the disk path is UTF-8");
    ["--disk", disk, "--snapshot"]
}

/// tier_dma (code replaced by virtio-blk DMA, then fence.i) with the
/// interpreter. Not in asm_tests!: its `--disk` path is made at run time.
#[test]
fn tier_dma() {
    let disk = dma_disk("interp");
    run_interp("tier_dma", &dma_args(&disk));
}

/// tier_dma under the JIT, every block translated on its first execution
/// (checked, then unchecked: see [`run_jit`]).
#[test]
fn jit_tier_dma() {
    let disk = dma_disk("jit");
    run_jit("tier_dma", &dma_args(&disk));
}

/// tier_dma under the JIT with the default threshold: the function is
/// interpreted, then translated while it is hot, then replaced by DMA.
#[test]
fn hot_tier_dma() {
    let disk = dma_disk("hot");
    run_hot("tier_dma", &dma_args(&disk));
}

/// Programs whose tests are written out above rather than made by
/// asm_tests! (and, for the tier_* ones, with a hot run among them).
const EXPLICIT_PROGRAMS: &[&str] = &["htif", "tier_dma"];

/// A new tests/asm/*.S must get a #[test] above, or it would silently never run.
#[test]
fn every_program_has_a_test() {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(common::asm_dir()).expect("read tests/asm") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("S") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !EXPLICIT_PROGRAMS.contains(&stem.as_str()) && !ALL_PROGRAMS.contains(&stem.as_str()) {
            missing.push(stem);
        }
    }
    assert!(
        missing.is_empty(),
        "tests/asm programs without a #[test] in asm_suite.rs: {missing:?}"
    );
}

/// The programs written for the JIT (tier_*) must also have a hot run.
#[test]
fn every_tier_program_has_a_hot_test() {
    let missing: Vec<_> = ALL_PROGRAMS
        .iter()
        .filter(|p| p.starts_with("tier_") && !HOT_PROGRAMS.contains(p))
        .collect();
    assert!(
        missing.is_empty(),
        "tier_* programs without a hot_tests! entry in asm_suite.rs: {missing:?}"
    );
}
