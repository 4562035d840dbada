//! Fuzzing what a user hands heron: random and mutated kernels, ELFs,
//! initrds and firmware, and random option values (`--memory`, `--disk`,
//! `--gdb`, `--timeout`, `--append`), each fed to the heron binary.
//!
//! Every run must end the way the README's exit-code table says: 2 with a
//! one-line error (`heron: ...`, or clap's `error: ...`) for bad input, or,
//! for an input that happens to be valid, another documented code (0, 3, 4,
//! 124, or the guest's own code when the input runs as a guest). Never a
//! panic ("panicked", SIGABRT under the `ci` profile's `panic = "abort"`,
//! 101 otherwise), another signal, or a hang (each run has `--timeout` and
//! a hard limit after which it is killed and the case fails).
//!
//! The device tree is heron's own; what of the user's input flows into it
//! is the command line (`--append`, with arbitrary non-NUL bytes: argv
//! cannot carry a NUL) and the RAM size (`--memory`), both fuzzed here.
//!
//! proptest runs with a fixed seed and a fixed number of cases, and keeps
//! no failure files, so every run of this test tries the same inputs.

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestCaseError};

/// Cases per input kind.
const CASES: u32 = 64;
/// `--timeout` of every run. Inputs that run as guests mostly execute
/// garbage until it expires, so it is short: the runs test heron's handling
/// of its inputs, not the guest.
const GUEST_TIMEOUT: &str = "0.5";
/// A run still alive this long after it started is killed: a hang.
const LIMIT: Duration = Duration::from_secs(20);

fn config() -> Config {
    Config {
        cases: CASES,
        rng_seed: RngSeed::Fixed(0x6865_726f_6e21),
        failure_persistence: None,
        // A failing case re-runs heron while shrinking: keep that bounded.
        max_shrink_iters: 64,
        ..Config::default()
    }
}

/// Where the fuzz inputs are written, and heron's working directory (so
/// that random relative disk paths land here).
fn work_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = common::out_dir().join("fuzz");
        std::fs::create_dir_all(&dir).expect("create the fuzz directory");
        std::fs::write(dir.join("d.img"), [0u8; 4096]).expect("write d.img");
        std::fs::write(dir.join("odd.img"), [0u8; 1000]).expect("write odd.img");
        let fifo = dir.join("f.fifo");
        if !fifo.exists() {
            let ok = Command::new("mkfifo").arg(&fifo).status();
            assert!(ok.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
        }
        dir
    })
}

/// Writes one input file (one name per test: the tests run in parallel).
fn input(name: &str, bytes: &[u8]) -> PathBuf {
    let path = work_dir().join(name);
    std::fs::write(&path, bytes).expect("write a fuzz input");
    path
}

/// A Linux Image that powers off at once: the valid kernel for the cases
/// that fuzz something else.
fn poweroff_image() -> &'static PathBuf {
    static IMAGE: OnceLock<PathBuf> = OnceLock::new();
    IMAGE.get_or_init(|| {
        input(
            "poweroff.Image",
            &common::linux_image(&common::rv::sbi_shutdown()),
        )
    })
}

/// The bytes of a built bare-metal test program (exits with 5 via HTIF).
fn valid_elf() -> &'static [u8] {
    static ELF: OnceLock<Vec<u8>> = OnceLock::new();
    ELF.get_or_init(|| {
        let path = common::build_asm(&common::asm_dir().join("gdb/target.S"));
        std::fs::read(path).expect("read the built ELF")
    })
}

/// How one heron run ended.
struct Run {
    args: Vec<OsString>,
    status: std::process::ExitStatus,
    stderr: String,
}

/// Runs heron with `args` in [`work_dir`], killing it at [`LIMIT`].
fn heron(args: Vec<OsString>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heron"));
    cmd.args(&args).current_dir(work_dir());
    let (status, _stdout, stderr) = common::run_command(&mut cmd, LIMIT);
    Run {
        args,
        status,
        stderr,
    }
}

/// Disk paths in [`work_dir`] (and two devices), of which only `d.img` is
/// a disk image: `odd.img` is not a whole number of sectors, `f.fifo` a
/// FIFO, `.` a directory.
const KNOWN_DISKS: [&str; 8] = [
    "d.img",
    "odd.img",
    "f.fifo",
    ".",
    "/dev/null",
    "/dev/zero",
    "missing.img",
    "",
];

/// What a run may end with.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// Valid input whose guest powers off: exit 0.
    Valid,
    /// Bad input: exit 2 and a one-line error.
    BadInput,
    /// Anything documented; the input may be valid, and may even run as a
    /// guest, whose exit code is then heron's.
    Documented { guest_runs: bool },
}

/// Checks `run` against `expect` and the README's exit codes.
fn check(run: &Run, expect: Expect) -> Result<(), TestCaseError> {
    let what = || {
        let args: Vec<_> = run.args.iter().map(|a| a.to_string_lossy()).collect();
        format!("args {args:?}\n{} stderr:\n{}", run.status, run.stderr)
    };
    prop_assert!(!run.stderr.contains("panicked"), "a panic: {}", what());
    let Some(code) = run.status.code() else {
        let signal = run.status.signal().unwrap_or(0);
        return Err(TestCaseError::fail(format!(
            "killed by signal {signal} (6: a panic, 9: a hang): {}",
            what()
        )));
    };
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with(common::GDB_LISTENING))
        .collect();
    let errors = lines
        .iter()
        .filter(|l| l.starts_with("heron: ") || l.starts_with("error: "))
        .count();
    let guest_runs = matches!(expect, Expect::Documented { guest_runs: true });
    let is_error = matches!(code, 2 | 3) && (errors > 0 || !guest_runs);
    match expect {
        Expect::Valid => prop_assert_eq!(code, 0, "valid input: {}", what()),
        Expect::BadInput => prop_assert_eq!(code, 2, "bad input: {}", what()),
        Expect::Documented { .. } => {}
    }
    if is_error {
        prop_assert_eq!(errors, 1, "one error line: {}", what());
        prop_assert!(
            lines[0].starts_with("error: ") || lines.len() == 1,
            "the error is heron's only line: {}",
            what()
        );
        return Ok(());
    }
    // heron's own outcomes, or (for a guest) whatever code it exits with.
    let documented = matches!(code, 0 | 4 | 124) || (guest_runs && (0..=255).contains(&code));
    prop_assert!(documented, "undocumented exit code {}: {}", code, what());
    Ok(())
}

/// `run --timeout T` followed by `rest`.
fn args(rest: &[OsString]) -> Vec<OsString> {
    let mut a: Vec<OsString> = vec!["run".into(), format!("--timeout={GUEST_TIMEOUT}").into()];
    a.extend_from_slice(rest);
    a
}

/// `--kernel=PATH`.
fn kernel(path: &std::path::Path) -> OsString {
    let mut a = OsString::from("--kernel=");
    a.push(path);
    a
}

/// `--NAME=VALUE` with a value of any bytes.
fn opt(name: &str, value: &[u8]) -> OsString {
    let mut a = format!("--{name}=").into_bytes();
    a.extend_from_slice(value);
    OsString::from_vec(a)
}

/// Random bytes behind a valid magic number, so that they reach the ELF or
/// Image parser.
fn headed_kernel() -> impl Strategy<Value = Vec<u8>> {
    let field = || prop_oneof![Just(0u64), Just(0x20_0000), 0u64..1 << 32, any::<u64>()];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048).prop_map(|b| [&b"\x7fELF"[..], &b].concat()),
        (field(), field(), prop::collection::vec(any::<u8>(), 0..512)).prop_map(
            |(text_offset, size, code)| {
                let mut image = common::linux_image(&[]);
                image[8..16].copy_from_slice(&text_offset.to_le_bytes());
                image[16..24].copy_from_slice(&size.to_le_bytes());
                image.extend(code);
                image
            }
        ),
    ]
}

/// Byte flips (XOR with a non-zero value), half of them in the ELF and
/// program headers, and sometimes a truncation.
#[derive(Debug, Clone)]
struct Mutation {
    flips: Vec<(bool, Index, u8)>,
    cut: Option<Index>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        prop::collection::vec((any::<bool>(), any::<Index>(), 1u8..=255), 1..8),
        prop::option::weighted(0.3, any::<Index>()),
    )
        .prop_map(|(flips, cut)| Mutation { flips, cut })
}

fn mutate(original: &[u8], m: &Mutation) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for (in_headers, at, x) in &m.flips {
        let span = if *in_headers {
            0x200.min(bytes.len())
        } else {
            bytes.len()
        };
        bytes[at.index(span)] ^= x;
    }
    if let Some(cut) = &m.cut {
        bytes.truncate(cut.index(bytes.len()));
    }
    bytes
}

proptest! {
    // Random bytes are neither ELF nor Image: a raw binary, run (as QEMU
    // runs one) until the timeout, so that each case costs a guest run;
    // fewer cases than the others, which mostly end at the loader.
    #![proptest_config(Config { cases: CASES / 4, ..config() })]

    #[test]
    fn random_kernels_run_as_raw_binaries(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let k = input("random.kernel", &bytes);
        let expect = if bytes.is_empty() {
            Expect::BadInput
        } else {
            Expect::Documented { guest_runs: true }
        };
        check(&heron(args(&[kernel(&k)])), expect)?;
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn kernels_with_a_valid_magic(bytes in headed_kernel()) {
        let k = input("headed.kernel", &bytes);
        check(&heron(args(&[kernel(&k)])), Expect::Documented { guest_runs: true })?;
    }

    #[test]
    fn mutated_elfs(m in mutation()) {
        let k = input("mutated.elf", &mutate(valid_elf(), &m));
        check(&heron(args(&[kernel(&k)])), Expect::Documented { guest_runs: true })?;
    }

    #[test]
    fn random_initrds(
        head in prop::collection::vec(any::<u8>(), 0..8192),
        zeros in 0usize..4 << 20,
        memory in prop::sample::select(vec!["4M", "8M", "512M"]),
    ) {
        // Sizes up to 4 MiB against small RAMs: some fit, some do not.
        let mut bytes = head;
        bytes.resize(bytes.len() + zeros, 0);
        let initrd = input("random.initrd", &bytes);
        let mut a = vec![kernel(poweroff_image()), opt("memory", memory.as_bytes())];
        a.push(opt("initrd", initrd.as_os_str().as_bytes()));
        check(&heron(args(&a)), Expect::Documented { guest_runs: false })?;
    }

    #[test]
    fn random_firmware(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..2048),
            prop::collection::vec(any::<u8>(), 0..2048)
                .prop_map(|b| [&b"\x7fELF\x02\x01\x01"[..], &b].concat()),
        ],
        m in mutation(),
        as_elf in any::<bool>(),
    ) {
        // Raw bytes run in M-mode as they are; ELFs go through the loader.
        let fw = if as_elf { mutate(valid_elf(), &m) } else { bytes };
        let fw = input("random.firmware", &fw);
        let a = [kernel(poweroff_image()), opt("bios", fw.as_os_str().as_bytes())];
        check(&heron(args(&a)), Expect::Documented { guest_runs: true })?;
    }

    #[test]
    fn memory_sizes(size in prop_oneof![
        "[0-9]{0,14}[kKmMgGtT]?",
        "[0-9]{1,5}[kKmMgGtTpPbBiI ]{0,2}",
        "(0|4096|4097|1T|1025G|1024G|4K|99999999999T|18446744073709551615|-1M|0x1000)",
        "\\PC{0,12}",
    ]) {
        // The size is also the device tree's /memory node.
        let a = [kernel(poweroff_image()), opt("memory", size.as_bytes())];
        check(&heron(args(&a)), Expect::Documented { guest_runs: false })?;
    }

    #[test]
    fn disk_options(
        known in (
            prop::sample::select(KNOWN_DISKS.to_vec()),
            prop::sample::select(vec!["", ",readonly", ",", ",readonly,readonly", ",READONLY"]),
        ),
        random in ("\\PC{0,12}", prop_oneof!["", ",readonly", ",\\PC{0,8}"]),
        use_known in prop::bool::weighted(0.75),
        snapshot in any::<bool>(),
    ) {
        let (spec, expect) = if use_known {
            let (path, option) = known;
            // Only the 4 KiB image with no option or `readonly` is a disk.
            let valid = path == "d.img" && matches!(option, "" | ",readonly");
            (format!("{path}{option}"), if valid { Expect::Valid } else { Expect::BadInput })
        } else {
            (format!("{}{}", random.0, random.1), Expect::Documented { guest_runs: false })
        };
        let mut a = vec![kernel(poweroff_image()), opt("disk", spec.as_bytes())];
        if snapshot {
            a.push("--snapshot".into());
        }
        check(&heron(args(&a)), expect)?;
    }

    #[test]
    fn gdb_addresses(addr in prop_oneof![
        "\\PC{0,16}",
        // Ports below 1024 or above 65535: never one of the ephemeral ports
        // that other programs' tests may be about to use.
        "[0-9]{1,3}|[0-9]{6,7}",
        "(127\\.0\\.0\\.1|\\[::1\\]|::1|[0-9.]{1,9}|)(:[0-9]{0,3}|:[0-9]{6})?",
        "[0-9a-f:\\[\\]]{0,12}",
    ]) {
        // heron accepts host names too; those would mean DNS look-ups.
        prop_assume!(!needs_name_lookup(&addr));
        let a = [kernel(poweroff_image()), opt("gdb", addr.as_bytes())];
        check(&heron(args(&a)), Expect::Documented { guest_runs: false })?;
    }

    #[test]
    fn timeouts(t in prop_oneof![
        "[-+]?[0-9]{0,4}(\\.[0-9]{0,4})?([eE][-+]?[0-9]{1,3})?",
        "(inf|-inf|NaN|infinity|1e309|1e19|1e20|18446744073709551616|-0|0x10|1e-300)",
        "\\PC{0,10}",
    ]) {
        let a = ["run".into(), kernel(poweroff_image()), opt("timeout", t.as_bytes())];
        check(&heron(a.to_vec()), Expect::Documented { guest_runs: false })?;
    }

    #[test]
    fn cpu_properties(props in prop_oneof![
        "((misaligned=(trap|emulate))?,?){0,3}",
        "(misaligned|misaligned=|=trap|misaligned=TRAP|foo=bar|misaligned=trap=1|,)+",
        "\\PC{0,16}",
    ]) {
        // Valid: only `misaligned=trap|emulate` items (empty ones allowed).
        let valid = props
            .split(',')
            .all(|p| p.is_empty() || p == "misaligned=trap" || p == "misaligned=emulate");
        let expect = if valid { Expect::Valid } else { Expect::BadInput };
        let a = [kernel(poweroff_image()), opt("cpu", props.as_bytes())];
        check(&heron(args(&a)), expect)?;
    }

    #[test]
    fn kernel_command_lines(
        odd in prop::collection::vec(1u8..=255, 0..4096),
        long in ("[ -~]{1,64}", 0usize..2000),
        use_long in any::<bool>(),
        memory in prop::sample::select(vec!["4M", "512M"]),
    ) {
        // Up to ~128 KiB (one argument's limit): the device tree grows.
        let line = if use_long { long.0.repeat(long.1).into_bytes() } else { odd };
        let line = &line[..line.len().min(120_000)];
        let expect = if std::str::from_utf8(line).is_err() {
            Expect::BadInput
        } else {
            Expect::Documented { guest_runs: false }
        };
        let a = [kernel(poweroff_image()), opt("memory", memory.as_bytes()), opt("append", line)];
        check(&heron(args(&a)), expect)?;
    }
}

/// Whether heron would resolve `addr` as a host name: `HOST:PORT` with a
/// HOST that is no IP address.
fn needs_name_lookup(addr: &str) -> bool {
    if addr.parse::<u16>().is_ok() || addr.parse::<std::net::SocketAddr>().is_ok() {
        return false;
    }
    matches!(addr.rsplit_once(':'), Some((h, p)) if !h.is_empty() && p.parse::<u16>().is_ok())
}
