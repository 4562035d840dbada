//! The gdb stub, driven by a real gdb (gdb-multiarch, installed by
//! scripts/setup.sh) against tests/asm/gdb/target.S.
//!
//! Each test starts heron with `--gdb 127.0.0.1:PORT -S` on a free port,
//! runs gdb in batch mode (its `target remote` retries until heron
//! listens), and checks gdb's output and heron's exit code. Every process
//! has a hard time limit and is killed at the end.
//!
//! Left alone, target.S exits with code 5 (the number of `bump` calls);
//! 100 more if `magic` reads 0x1234; `exit` exits with whatever a0 holds.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const GDB: &str = "gdb-multiarch";
/// The most any process of a test may take.
const LIMIT: Duration = Duration::from_secs(60);

/// The target program and its symbols.
fn target() -> &'static common::Program {
    static PROGRAM: OnceLock<common::Program> = OnceLock::new();
    PROGRAM.get_or_init(|| common::Program::build("gdb/target.S"))
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

/// A child process whose output is collected as it comes; killed (by its
/// pid) if the test ends without reaping it.
struct Proc {
    child: Child,
    /// stdout and stderr together, as far as they have arrived.
    output: Arc<Mutex<Vec<u8>>>,
    drains: Vec<std::thread::JoinHandle<()>>,
}

impl Proc {
    fn spawn(cmd: &mut Command) -> Proc {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
        let output = Arc::new(Mutex::new(Vec::new()));
        let drain = |mut p: Box<dyn Read + Send>| {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = p.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    output
                        .lock()
                        .expect("output lock")
                        .extend_from_slice(&buf[..n]);
                }
            })
        };
        let mut drains = Vec::new();
        if let Some(p) = child.stdout.take() {
            drains.push(drain(Box::new(p)));
        }
        if let Some(p) = child.stderr.take() {
            drains.push(drain(Box::new(p)));
        }
        Proc {
            child,
            output,
            drains,
        }
    }

    fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("output lock")).into_owned()
    }

    /// Waits (at most [`LIMIT`]) until the output contains `text`.
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while !self.output().contains(text) {
            assert!(
                start.elapsed() < LIMIT,
                "no {text:?} in:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits (at most [`LIMIT`]) and returns the exit code (-1 if it had
    /// to be killed) and the output.
    fn finish(mut self) -> (i32, String) {
        let start = Instant::now();
        let code = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s.code().unwrap_or(-1);
            }
            if start.elapsed() > LIMIT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break -1;
            }
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

/// heron serving gdb on `port` for the target, with `extra` options.
fn heron(port: u16, extra: &[&str]) -> Proc {
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heron"));
    cmd.args(["run", "--kernel"])
        .arg(&target().elf)
        .args(["--gdb", &addr])
        .args(extra)
        .stdin(Stdio::null());
    Proc::spawn(&mut cmd)
}

/// gdb in batch mode: connects to `port` and runs `cmds`.
fn gdb_batch(port: u16, cmds: &[&str]) -> Proc {
    let mut cmd = Command::new(GDB);
    cmd.args(["-batch", "-nx"])
        .arg(&target().elf)
        .args(["-ex", "set architecture riscv:rv64"])
        .args(["-ex", &format!("target remote 127.0.0.1:{port}")]);
    for c in cmds {
        cmd.args(["-ex", c]);
    }
    cmd.stdin(Stdio::null());
    Proc::spawn(&mut cmd)
}

/// Hold the hart until gdb connects; a time limit well under [`LIMIT`].
const HELD: &[&str] = &["-S", "--timeout", "30"];

/// Runs a gdb batch session against a fresh heron held at reset; returns
/// gdb's output (stdout and stderr) and heron's exit code and stderr.
fn session(cmds: &[&str]) -> (String, i32, String) {
    let port = free_port();
    let h = heron(port, HELD);
    let (_, out) = gdb_batch(port, cmds).finish();
    let (code, herr) = h.finish();
    (out, code, herr)
}

/// The value gdb printed after `label=` (from `printf "label=%#lx\n"`).
fn printed(out: &str, label: &str) -> Vec<u64> {
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

const PC: &str = "printf \"PC=%#lx\\n\", $pc";

#[test]
fn breakpoint_stepi_registers_and_exit() {
    let t = target();
    let (out, code, herr) = session(&[
        PC,
        "break *bump",
        "continue",
        PC,
        "stepi",
        PC,
        "printf \"A0=%#lx\\n\", $a0",
        "info registers",
        "continue",
        "printf \"A0=%#lx\\n\", $a0",
        "delete",
        "continue",
    ]);
    assert_eq!(
        printed(&out, "PC"),
        [t.sym("_start"), t.sym("bump"), t.sym("bump") + 4],
        "reset pc, breakpoint, one step:\n{out}"
    );
    // bump(i) is called with i = 0, then 1.
    assert_eq!(printed(&out, "A0"), [0, 1], "{out}");
    let bump = t.sym("bump");
    assert!(
        out.contains(&format!("Breakpoint 1, {bump:#018x} in bump ()")),
        "{out}"
    );
    let ret = t.sym("loop") + 12;
    assert!(
        out.contains(&format!("ra             {ret:#x}")),
        "info registers:\n{out}"
    );
    assert!(
        out.contains("[Inferior 1 (process 1) exited with code 05]"),
        "{out}"
    );
    assert_eq!(code, 5, "heron ends with the guest's code:\n{herr}");
}

#[test]
fn register_write_is_seen_by_the_guest() {
    let (out, code, herr) = session(&["break *exit", "continue", "set $a0 = 42", "continue"]);
    assert!(out.contains("exited with code 052"), "{out}");
    assert_eq!(code, 42, "{herr}");
}

#[test]
fn memory_read_and_write() {
    let t = target();
    let magic = t.sym("magic");
    let (out, code, herr) = session(&[
        "x/4wx &magic",
        "set {int}&magic = 0x1234",
        "x/2wx &magic",
        "continue",
    ]);
    assert!(
        out.contains(&format!(
            "{magic:#x}:\t0xdeadbeef\t0x11111111\t0x22222222\t0x33333333"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("{magic:#x}:\t0x00001234\t0x11111111")),
        "{out}"
    );
    assert_eq!(code, 105, "the guest read gdb's value:\n{herr}");
}

#[test]
fn watchpoints_report_the_access_and_values() {
    let t = target();
    let (out, code, herr) = session(&[
        "watch *(int *)&counter",
        "continue",
        PC,
        "continue",
        PC,
        "delete",
        "rwatch *(int *)&counter",
        "continue",
        PC,
        "delete",
        "awatch *(int *)&magic",
        "continue",
        PC,
        "delete",
        "continue",
    ]);
    // RISC-V watchpoints fire before the access; gdb then steps over the
    // store itself, so it stops right after the storing instruction.
    let after_store = t.sym("after_store");
    assert_eq!(after_store, t.sym("store_counter") + 4);
    let pcs = printed(&out, "PC");
    assert_eq!(
        pcs,
        [
            after_store,
            after_store,
            t.sym("after_load"),
            t.sym("compute") + 24
        ],
        "{out}"
    );
    assert!(out.contains("Old value = 0\nNew value = 1"), "{out}");
    assert!(out.contains("Old value = 1\nNew value = 2"), "{out}");
    assert!(
        out.contains("Hardware read watchpoint 2: *(int *)&counter\n\nValue = 2"),
        "{out}"
    );
    // 0xdeadbeef as an int.
    assert!(out.contains("Value = -559038737"), "{out}");
    assert_eq!(code, 5, "{herr}");
}

#[test]
fn hardware_breakpoints_csrs_and_monitor() {
    let t = target();
    let (out, code, herr) = session(&[
        "hbreak *exit",
        "continue",
        PC,
        "printf \"MISA=%#lx\\n\", $misa",
        "printf \"PRIV=%#lx\\n\", $priv",
        "info registers priv",
        "set $mscratch = 0x55",
        "printf \"MSCRATCH=%#lx\\n\", $mscratch",
        "printf \"FCSR=%#lx\\n\", $fcsr",
        "monitor priv",
        "monitor satp",
        "monitor translate 0x80001000",
        "monitor disas",
        "monitor help",
        "continue",
    ]);
    assert_eq!(printed(&out, "PC"), [t.sym("exit")], "{out}");
    // RV64 with A, B, C, D, F, I, M, S, U.
    assert_eq!(printed(&out, "MISA"), [0x8000_0000_0014_112f], "{out}");
    assert_eq!(printed(&out, "PRIV"), [3], "{out}");
    assert!(out.contains("prv:3 [Machine]"), "{out}");
    assert_eq!(printed(&out, "MSCRATCH"), [0x55], "{out}");
    assert_eq!(printed(&out, "FCSR"), [0], "{out}");
    assert!(out.contains("\nM\n"), "monitor priv:\n{out}");
    assert!(out.contains("mode Bare"), "monitor satp:\n{out}");
    assert!(out.contains("0x80001000 -> 0x80001000"), "{out}");
    let exit = t.sym("exit");
    assert!(
        out.contains(&format!("=> {exit:#x}: 00151513  sll a0,a0,0x1")),
        "{out}"
    );
    assert!(out.contains("translate VADDR"), "monitor help:\n{out}");
    assert_eq!(code, 5, "{herr}");
}

#[test]
fn kill_ends_heron() {
    let (out, code, _) = session(&["break *bump", "continue", "kill"]);
    assert!(out.contains("Breakpoint 1"), "{out}");
    assert_eq!(code, 137, "a killed guest ends heron with 137");
}

#[test]
fn detach_lets_the_guest_finish() {
    let (out, code, herr) = session(&["break *bump", "continue", "detach"]);
    assert!(out.contains("[Inferior 1 (process 1) detached]"), "{out}");
    assert_eq!(code, 5, "{herr}");
}

#[test]
fn dropped_connection_lets_the_guest_finish() {
    let port = free_port();
    let h = heron(port, HELD);
    let start = Instant::now();
    let mut s = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(_) if start.elapsed() < LIMIT => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("heron never listened: {e}"),
        }
    };
    // Half a packet, then gone.
    s.write_all(b"$qSupported").expect("write");
    drop(s);
    let (code, herr) = h.finish();
    assert_eq!(code, 5, "{herr}");
}

#[test]
fn without_a_client_the_guest_runs() {
    let (code, herr) = heron(free_port(), &["--timeout", "30"]).finish();
    assert_eq!(code, 5, "--gdb without -S does not wait:\n{herr}");
}

#[test]
fn timeout_holds_while_gdb_keeps_the_guest_stopped() {
    let port = free_port();
    let started = Instant::now();
    let h = heron(port, &["-S", "--timeout", "2"]);
    let g = gdb_batch(port, &["shell sleep 5", PC]);
    let (code, _) = h.finish();
    let took = started.elapsed();
    let (_, out) = g.finish();
    assert_eq!(code, 124);
    assert!(
        out.contains("0x0000000080000000 in"),
        "gdb was attached:\n{out}"
    );
    assert!(
        took < Duration::from_secs(5),
        "heron waited for gdb: {took:?}"
    );
}

#[test]
fn ctrl_c_interrupts_a_running_guest() {
    let t = target();
    let port = free_port();
    let h = heron(port, HELD);
    // Interactive gdb (commands on stdin), interrupted as a user would:
    // SIGINT to gdb, which sends ^C to heron.
    let mut cmd = Command::new(GDB);
    cmd.args(["-nx", "-q"]).arg(&t.elf).stdin(Stdio::piped());
    let mut g = Proc::spawn(&mut cmd);
    let mut stdin = g.child.stdin.take().expect("gdb stdin");
    writeln!(
        stdin,
        "target remote 127.0.0.1:{port}\nset $pc = spin\ncontinue"
    )
    .expect("write");
    g.wait_for("Continuing.");
    // Let the guest spin for a while first.
    std::thread::sleep(Duration::from_millis(300));
    let pid = g.child.id() as libc::pid_t;
    // SAFETY: kill(2) on the gdb process this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    g.wait_for("Program received signal SIGINT");
    writeln!(stdin, "{PC}\nkill\nquit").expect("write");
    drop(stdin);
    let (_, out) = g.finish();
    let (code, herr) = h.finish();
    assert_eq!(printed(&out, "PC"), [t.sym("spin")], "{out}");
    assert_eq!(code, 137, "{herr}");
}
