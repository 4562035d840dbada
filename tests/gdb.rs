//! The gdb stub, driven by a real gdb (gdb-multiarch, installed by
//! scripts/setup.sh) against tests/asm/gdb/target.S.
//!
//! Each test starts heron with `--gdb 127.0.0.1:0 -S`, reads the port
//! heron bound from its `heron: gdb listening on ADDR` line (so gdb starts
//! only once heron listens, on a port nobody else can have taken), runs gdb
//! in batch mode, and checks gdb's output and heron's exit code. Every
//! process has a hard time limit and is killed at the end.
//!
//! Left alone, target.S exits with code 5 (the number of `bump` calls);
//! 100 more if `magic` reads 0x1234; `exit` exits with whatever a0 holds.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::{printed, Proc};

const GDB: &str = "gdb-multiarch";
/// The most any process of a test may take.
const LIMIT: Duration = Duration::from_secs(60);
/// What heron logs at debug level (target `heron::gdb`) when gdb resumes
/// the guest.
const RESUMED: &str = "gdb: continuing at";

/// The target program and its symbols.
fn target() -> &'static common::Program {
    static PROGRAM: OnceLock<common::Program> = OnceLock::new();
    PROGRAM.get_or_init(|| common::Program::build("gdb/target.S"))
}

/// heron serving gdb for the target, with `extra` options, and the address
/// it listens on: heron picks a free port itself (`--gdb 127.0.0.1:0`) and
/// names it on stderr once the listener is bound.
fn heron(extra: &[&str]) -> (Proc, String) {
    heron_env(extra, &[])
}

/// [`heron`] with extra environment variables.
fn heron_env(extra: &[&str], env: &[(&str, &str)]) -> (Proc, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), "--kernel".as_ref()];
    args.push(target().elf.as_os_str());
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    common::heron_with_gdb_env(&args, env, LIMIT)
}

/// gdb in batch mode: connects to `addr` and runs `cmds`.
fn gdb_batch(addr: &str, cmds: &[&str]) -> Proc {
    let mut cmd = Command::new(GDB);
    cmd.args(["-batch", "-nx"])
        .arg(&target().elf)
        .args(["-ex", "set architecture riscv:rv64"])
        .args(["-ex", &format!("target remote {addr}")]);
    for c in cmds {
        cmd.args(["-ex", c]);
    }
    cmd.stdin(Stdio::null());
    Proc::spawn(&mut cmd, LIMIT)
}

/// Hold the hart until gdb connects; a time limit well under [`LIMIT`].
const HELD: &[&str] = &["-S", "--timeout", "30"];

/// Runs a gdb batch session against a fresh heron held at reset; returns
/// gdb's output (stdout and stderr) and heron's exit code and stderr.
fn session(cmds: &[&str]) -> (String, i32, String) {
    let (h, addr) = heron(HELD);
    let (_, out) = gdb_batch(&addr, cmds).finish();
    let (code, herr) = h.finish();
    (out, code, herr)
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
    let (h, addr) = heron(HELD);
    // heron listens already: one attempt must do.
    let mut s = TcpStream::connect(&addr).expect("connect to heron's gdb port");
    // Half a packet, then gone.
    s.write_all(b"$qSupported").expect("write");
    drop(s);
    let (code, herr) = h.finish();
    assert_eq!(code, 5, "{herr}");
}

#[test]
fn without_a_client_the_guest_runs() {
    let (code, herr) = heron(&["--timeout", "30"]).0.finish();
    assert_eq!(code, 5, "--gdb without -S does not wait:\n{herr}");
}

/// Interactive gdb (commands on stdin) for the target.
fn gdb_interactive() -> (Proc, std::process::ChildStdin) {
    let mut cmd = Command::new(GDB);
    cmd.args(["-nx", "-q"])
        .arg(&target().elf)
        .stdin(Stdio::piped());
    let mut g = Proc::spawn(&mut cmd, LIMIT);
    let stdin = g.child.stdin.take().expect("gdb stdin");
    (g, stdin)
}

#[test]
fn timeout_holds_while_gdb_keeps_the_guest_stopped() {
    // gdb must attach before the time limit; the limit leaves it ample
    // time to start on a loaded machine.
    let (h, addr) = heron(&["-S", "--timeout", "8"]);
    let (g, mut stdin) = gdb_interactive();
    writeln!(stdin, "target remote {addr}\n{PC}").expect("write");
    g.wait_for("PC=0x80000000");
    // gdb stays attached, the guest stopped, until heron has ended.
    let (code, herr) = h.finish();
    writeln!(stdin, "quit").expect("write");
    drop(stdin);
    let (_, out) = g.finish();
    assert_eq!(
        code, 124,
        "the time limit ended the held guest:\n{herr}\n{out}"
    );
}

#[test]
fn ctrl_c_interrupts_a_running_guest() {
    let t = target();
    // heron logs (at debug level) when gdb lets the guest run: the sign
    // that gdb has sent its continue and waits for a stop.
    let (h, addr) = heron_env(HELD, &[("RUST_LOG", "heron::gdb=debug")]);
    // Interactive gdb, interrupted as a user would: SIGINT to gdb, which
    // sends ^C to heron.
    let (g, mut stdin) = gdb_interactive();
    writeln!(stdin, "target remote {addr}\nset $pc = spin\ncontinue").expect("write");
    g.wait_for("Continuing.");
    h.wait_for(RESUMED);
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
