//! Helpers shared by heron's integration tests: build a guest program from
//! assembly with the riscv64 cross toolchain, and run the `heron` binary.
//!
//! Each integration test crate that needs them says `mod common;`.
#![allow(dead_code)]

pub mod apt_repo;
pub mod debuggee;
pub mod full_guest;
pub mod linux;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The interpreter, named: the default (`--accel auto`) is the JIT on hosts
/// that support it.
pub const INTERP: &[&str] = &["--accel", "interp"];

/// The JIT, translating every block on its first execution
/// (`--jit-threshold 1`) on the hart's own thread, so that translation
/// points repeat (`--jit-sync`); `--stats` prints its counters at the end.
pub const JIT_FIRST_RUN: &[&str] = &[
    "--accel",
    "jit",
    "--jit-threshold",
    "1",
    "--jit-sync",
    "--stats",
];

/// For each `name => check` pair, a test `name` running `check(INTERP)`
/// and a test `jit::name` running `check(JIT_FIRST_RUN)`.
#[macro_export]
macro_rules! under_both_engines {
    ($($name:ident => $check:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $check($crate::common::INTERP);
            }
        )+
        mod jit {
            $(
                #[test]
                fn $name() {
                    super::$check($crate::common::JIT_FIRST_RUN);
                }
            )+
        }
    };
}

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
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heron"));
    cmd.args(args);
    let (status, stdout, stderr) = run_command(&mut cmd, limit);
    let code = match status.code() {
        Some(c) => c,
        None => {
            use std::os::unix::process::ExitStatusExt;
            128 + status.signal().unwrap_or(0)
        }
    };
    (code, stdout, stderr)
}

/// Runs `cmd` with no stdin, collecting stdout and stderr, and kills it if
/// it outlives `limit`. Returns how it ended and what it printed.
pub fn run_command(cmd: &mut Command, limit: Duration) -> (ExitStatus, String, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));

    // Drain both pipes on their own threads so that a chatty guest cannot
    // block on a full pipe while we wait.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out_reader = drain(Box::new(child.stdout.take().expect("stdout is piped")));
    let err_reader = drain(Box::new(child.stderr.take().expect("stderr is piped")));

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            break child.wait().expect("wait for the killed child");
        }
        // Polling for the exit: std has no wait with a time limit.
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    (status, stdout, stderr)
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

/// The output of a [`Proc`] so far, stdout and stderr kept apart (a line on
/// one is never split by bytes from the other).
#[derive(Default)]
struct Streams {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// Pipes that reached their end.
    closed: usize,
}

/// Output shared between a [`Proc`] and its drain threads; the condition
/// variable wakes waiters whenever bytes arrive.
type SharedStreams = Arc<(Mutex<Streams>, Condvar)>;

/// A child process whose output is collected as it comes. Every wait has a
/// hard limit, and the child is killed (by its own handle) if the test ends
/// without reaping it.
pub struct Proc {
    /// The child; tests may take its stdin.
    pub child: Child,
    streams: SharedStreams,
    drains: Vec<std::thread::JoinHandle<()>>,
    /// The most any wait on this process may take.
    limit: Duration,
}

impl Proc {
    /// Starts `cmd` with stdout and stderr piped; waits are limited to
    /// `limit`.
    pub fn spawn(cmd: &mut Command, limit: Duration) -> Proc {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
        let streams: SharedStreams = Arc::default();
        let drain = |mut pipe: Box<dyn Read + Send>, is_err: bool| {
            let streams = Arc::clone(&streams);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let (lock, cvar) = &*streams;
                    let mut s = lock.lock().expect("output lock");
                    let out = if is_err { &mut s.stderr } else { &mut s.stdout };
                    out.extend_from_slice(&buf[..n]);
                    cvar.notify_all();
                }
                let (lock, cvar) = &*streams;
                lock.lock().expect("output lock").closed += 1;
                cvar.notify_all();
            })
        };
        let mut drains = Vec::new();
        if let Some(p) = child.stdout.take() {
            drains.push(drain(Box::new(p), false));
        }
        if let Some(p) = child.stderr.take() {
            drains.push(drain(Box::new(p), true));
        }
        Proc {
            child,
            streams,
            drains,
            limit,
        }
    }

    /// stdout, then stderr, as far as they have arrived.
    pub fn output(&self) -> String {
        let s = self.streams.0.lock().expect("output lock");
        format!(
            "{}{}",
            String::from_utf8_lossy(&s.stdout),
            String::from_utf8_lossy(&s.stderr)
        )
    }

    /// Waits (at most the limit; then panics with the output) until `found`
    /// finds something in stdout or stderr, and returns it.
    fn wait_until<T>(&self, what: &str, found: impl Fn(&str, &str) -> Option<T>) -> T {
        let deadline = Instant::now() + self.limit;
        let (lock, cvar) = &*self.streams;
        let mut s = lock.lock().expect("output lock");
        loop {
            let out = String::from_utf8_lossy(&s.stdout);
            let err = String::from_utf8_lossy(&s.stderr);
            if let Some(t) = found(&out, &err) {
                return t;
            }
            assert!(
                s.closed < self.drains.len(),
                "no {what} before the process closed its output:\n{out}{err}"
            );
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no {what} within {:?} in:\n{out}{err}",
                self.limit
            );
            s = cvar.wait_timeout(s, left).expect("output lock").0;
        }
    }

    /// Waits until stdout or stderr contains `text`.
    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?}"), |out, err| {
            (out.contains(text) || err.contains(text)).then_some(())
        })
    }

    /// Waits for the whole stderr line that starts with `prefix` and returns
    /// the rest of it.
    pub fn wait_for_stderr_line(&self, prefix: &str) -> String {
        self.wait_until(&format!("stderr line {prefix:?}"), |_, err| {
            // Only complete lines: the rest of this one may be on its way.
            let complete = &err[..err.rfind('\n').map_or(0, |i| i + 1)];
            complete
                .lines()
                .find_map(|l| l.strip_prefix(prefix))
                .map(str::to_owned)
        })
    }

    /// Waits (at most the limit) and returns the exit code (-1 if it was
    /// killed by a signal, or by us at the limit) and the output.
    pub fn finish(mut self) -> (i32, String) {
        let start = Instant::now();
        let code = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s.code().unwrap_or(-1);
            }
            if start.elapsed() > self.limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break -1;
            }
            // Polling for the exit: std has no wait with a time limit.
            std::thread::sleep(Duration::from_millis(10));
        };
        for d in self.drains.drain(..) {
            let _ = d.join();
        }
        (code, self.output())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts heron with `args` and `--gdb 127.0.0.1:0`, waits for the line in
/// which heron names the port it listens on, and returns heron and that
/// address: the listener is bound, so gdb can connect at once.
pub fn heron_with_gdb<S: AsRef<std::ffi::OsStr>>(args: &[S], limit: Duration) -> (Proc, String) {
    heron_with_gdb_env(args, &[], limit)
}

/// [`heron_with_gdb`] with extra environment variables for heron.
pub fn heron_with_gdb_env<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    env: &[(&str, &str)],
    limit: Duration,
) -> (Proc, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heron"));
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    heron_with_gdb_cmd(&mut cmd, limit)
}

/// Starts `cmd` (heron with its options, environment and stdin already
/// set) serving gdb on a port it picks; returns it once it listens, with
/// the address it named.
pub fn heron_with_gdb_cmd(cmd: &mut Command, limit: Duration) -> (Proc, String) {
    cmd.args(["--gdb", "127.0.0.1:0"]);
    let heron = Proc::spawn(cmd, limit);
    let addr = heron.wait_for_stderr_line(GDB_LISTENING);
    (heron, addr)
}

/// The values gdb printed after `label=` (from `printf "label=%#lx\n"`),
/// in order.
pub fn printed(out: &str, label: &str) -> Vec<u64> {
    let key = format!("{label}=");
    out.lines()
        .filter_map(|l| l.find(&key).map(|i| &l[i + key.len()..]))
        .map(|v| {
            let v = v.trim();
            let hex = v.strip_prefix("0x").unwrap_or(v);
            u64::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("not a number: {l}", l = v))
        })
        .collect()
}

/// The start of the line heron prints on stderr once its gdb listener is
/// bound (the address follows).
pub const GDB_LISTENING: &str = "heron: gdb listening on ";

mod jit;
// Each test binary uses some of these (as with `dead_code` above).
#[allow(unused_imports)]
pub use jit::{assert_engine_ran, jit_stats, JitStats, JIT_STATS};

/// Hand-encoded RV64 instructions for the tiny guests the input tests boot
/// (no assembler needed, and no file under tests/asm).
pub mod rv {
    /// `lui rd, imm20`.
    pub fn lui(rd: u32, imm20: u32) -> u32 {
        (imm20 << 12) | (rd << 7) | 0x37
    }

    /// `addi rd, rs1, imm` (imm in -2048..2048).
    pub fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
        (((imm as u32) & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13
    }

    /// `ecall`.
    pub const ECALL: u32 = 0x0000_0073;
    /// `j .`: spin forever.
    pub const SPIN: u32 = 0x0000_006f;
    /// `jal x0, 64`: the Image header's `code0`, jumping over the header.
    pub const JUMP_OVER_HEADER: u32 = 0x0400_006f;

    const A0: u32 = 10;
    const A1: u32 = 11;
    const A6: u32 = 16;
    const A7: u32 = 17;

    /// SBI SRST system_reset(shutdown, no reason): heron exits with 0.
    pub fn sbi_shutdown() -> Vec<u32> {
        vec![
            lui(A7, 0x53525),
            addi(A7, A7, 0x354), // EID "SRST"
            addi(A6, 0, 0),      // FID system_reset
            addi(A0, 0, 0),      // shutdown
            addi(A1, 0, 0),      // no reason
            ECALL,
            SPIN,
        ]
    }

    /// Prints `text` (ASCII) with the legacy SBI console_putchar, then
    /// spins until heron's `--timeout`.
    pub fn sbi_print_then_spin(text: &str) -> Vec<u32> {
        let mut code = vec![addi(A7, 0, 1)]; // legacy EID 1: console_putchar
        for b in text.bytes() {
            code.extend([addi(A0, 0, i32::from(b)), ECALL]);
        }
        code.push(SPIN);
        code
    }
}

/// A RISC-V Linux `Image` (the 64-byte header, text_offset 0x200000, the
/// file's own size as image_size) whose code at offset 64 is `code`; heron
/// boots it in S-mode on its built-in SBI.
pub fn linux_image(code: &[u32]) -> Vec<u8> {
    let mut image = vec![0u8; 64];
    image[..4].copy_from_slice(&rv::JUMP_OVER_HEADER.to_le_bytes());
    image[8..16].copy_from_slice(&0x20_0000u64.to_le_bytes()); // text_offset
    image[48..56].copy_from_slice(b"RISCV\0\0\0");
    image[56..60].copy_from_slice(b"RSC\x05");
    image.extend(code.iter().flat_map(|i| i.to_le_bytes()));
    let size = image.len() as u64;
    image[16..24].copy_from_slice(&size.to_le_bytes()); // image_size
    image
}

/// Writes `bytes` to `name` under [`out_dir`] and returns the path. The
/// file is written under a unique name and renamed into place, so tests
/// running in parallel that write the same scratch file never see it half
/// written.
pub fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let path = out_dir().join(name);
    let tmp = out_dir().join(format!(
        "{name}.{}.{}.tmp",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&tmp, bytes).expect("write a scratch file");
    std::fs::rename(&tmp, &path).expect("rename a scratch file into place");
    path
}
