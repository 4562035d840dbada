//! Helpers shared by heron's integration tests: build a guest program from
//! assembly with the riscv64 cross toolchain, and run the `heron` binary.
//!
//! Each integration test crate that needs them says `mod common;`.
#![allow(dead_code)]

pub mod linux;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The cross compiler used to assemble and link guest programs.
pub const CROSS_GCC: &str = "riscv64-linux-gnu-gcc";

/// The ISA the guest tests are assembled for. Zicond is not in binutils 2.40,
/// so tests that need it spell the instructions with `.insn`.
pub const MARCH: &str = "rv64gc_zba_zbb_zbs_zicsr_zifencei";

/// Where the toolchain comes from, named in the panic when it is missing.
pub const SETUP_HINT: &str =
    "run the setup script named in the README (scripts/setup.sh) to install \
     it (on Debian it is the gcc-riscv64-linux-gnu package)";

/// The root of the heron repository.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/asm` in the repository.
pub fn asm_dir() -> PathBuf {
    repo_root().join("tests").join("asm")
}

/// Directory for build products of the integration tests (under `target/`).
pub fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("guest");
    std::fs::create_dir_all(&dir).expect("create the guest build directory");
    dir
}

/// Assemble and link `src` (a `.S` file) with `tests/asm/common/link.ld` and
/// `tests/asm/common` on the include path. Returns the path of the ELF.
/// Panics with the compiler's output if the build fails, and with a setup
/// hint if the cross compiler is not installed.
pub fn build_asm(src: &Path) -> PathBuf {
    build_asm_with(src, &[])
}

/// Like [`build_asm`], with extra arguments for the compiler driver
/// (for example `-DSOMETHING`).
pub fn build_asm_with(src: &Path, extra: &[&str]) -> PathBuf {
    static SERIAL: AtomicUsize = AtomicUsize::new(0);

    let common = asm_dir().join("common");
    let stem = src
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("source file has a name");
    let out = out_dir().join(format!("{stem}.elf"));
    // Build under a unique name and rename, so that tests running in parallel
    // never see a half-written ELF.
    let tmp = out_dir().join(format!(
        "{stem}.elf.{}.{}.tmp",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));

    let mut cmd = Command::new(CROSS_GCC);
    cmd.args(["-nostdlib", "-nostartfiles", "-static"])
        .arg(format!("-march={MARCH}"))
        .arg("-mabi=lp64d")
        .arg("-T")
        .arg(common.join("link.ld"))
        .arg("-I")
        .arg(&common)
        .args(extra)
        .arg(src)
        .arg("-o")
        .arg(&tmp);
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("{CROSS_GCC} was not found on PATH: {SETUP_HINT}")
        }
        Err(e) => panic!("could not run {CROSS_GCC}: {e}"),
    };
    if !output.status.success() {
        let _ = std::fs::remove_file(&tmp);
        panic!(
            "building {} failed ({}):\n{}{}",
            src.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::rename(&tmp, &out).expect("move the built ELF into place");
    out
}

/// The result of one heron run: exit code (128 + signal if it was killed by
/// a signal), stdout and stderr.
pub type RunOutput = (i32, String, String);

/// Run the heron binary with `args` and wait for it. A run that outlives
/// heron's own `--timeout` by far is killed, so a broken timeout cannot hang
/// the test suite; it is reported as exit code 137.
pub fn run_heron<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> RunOutput {
    run_heron_within(args, Duration::from_secs(120))
}

/// Like [`run_heron`] with an explicit hard limit on the wall-clock time.
pub fn run_heron_within<S: AsRef<std::ffi::OsStr>>(args: &[S], limit: Duration) -> RunOutput {
    let mut child = Command::new(env!("CARGO_BIN_EXE_heron"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the heron binary");

    // Drain both pipes on their own threads so that a chatty guest cannot
    // block on a full pipe while we wait.
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for heron") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            break child.wait().expect("wait for the killed heron");
        }
        std::thread::sleep(Duration::from_millis(10));
    };

    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    let code = match status.code() {
        Some(c) => c,
        None => {
            use std::os::unix::process::ExitStatusExt;
            128 + status.signal().unwrap_or(0)
        }
    };
    (code, stdout, stderr)
}

/// A guest program built from a `.S` under `tests/asm`, with its symbol
/// table (from the cross binutils' `nm`).
pub struct Program {
    /// The ELF.
    pub elf: PathBuf,
    syms: std::collections::HashMap<String, u64>,
}

impl Program {
    /// Builds `tests/asm/<rel>`.
    pub fn build(rel: &str) -> Program {
        let elf = build_asm(&asm_dir().join(rel));
        let out = Command::new("riscv64-linux-gnu-nm")
            .arg(&elf)
            .output()
            .unwrap_or_else(|e| panic!("riscv64-linux-gnu-nm: {e}: {SETUP_HINT}"));
        assert!(out.status.success(), "nm failed on {}", elf.display());
        let syms = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                let addr = u64::from_str_radix(f.next()?, 16).ok()?;
                let name = f.nth(1)?;
                Some((name.to_string(), addr))
            })
            .collect();
        Program { elf, syms }
    }

    /// The address of symbol `name`.
    pub fn sym(&self, name: &str) -> u64 {
        *self
            .syms
            .get(name)
            .unwrap_or_else(|| panic!("no symbol {name}"))
    }
}
