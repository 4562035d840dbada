//! The gdb stub on several harts, driven by a real gdb (gdb-multiarch)
//! against tests/asm/gdb/smp.S: each hart is a gdb thread (thread N = hart
//! N - 1), stops are reported in the thread of the hart that caused them,
//! and registers, steps and memory belong to the selected thread.
//!
//! As in tests/gdb.rs, heron starts with `--gdb 127.0.0.1:0 -S` and names
//! the port it bound; gdb runs in batch mode. Under gdb the harts run
//! round-robin on one thread, so every run here is repeatable.
//!
//! Left alone, smp.S exits with code 3 (hart 1 counts to 3, then hart 0
//! exits with count + s2, s2 being 0 unless gdb sets it).
//!
//! The tests run with the interpreter, named (`--accel interp`); the
//! thread, step and watchpoint tests run under the JIT as well, as
//! `jit::<name>` (see [`common::JIT_FIRST_RUN`]).

mod common;

use common::INTERP;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::{assert_engine_ran, printed, Proc};

/// The most any process of a test may take.
const LIMIT: Duration = Duration::from_secs(60);

const PC: &str = "printf \"PC=%#lx\\n\", $pc";
const A0: &str = "printf \"A0=%#lx\\n\", $a0";
const S1: &str = "printf \"S1=%#lx\\n\", $s1";
const HART: &str = "printf \"HART=%#lx\\n\", $mhartid";

under_both_engines! {
    harts_are_threads_with_their_own_registers_steps_and_stops => threads_steps_and_stops,
    a_watchpoint_hit_by_hart_1_stops_in_thread_2 => watchpoint_on_hart_1,
}

fn program() -> &'static common::Program {
    static PROGRAM: OnceLock<common::Program> = OnceLock::new();
    PROGRAM.get_or_init(|| common::Program::build("gdb/smp.S"))
}

/// Runs a gdb batch session (`cmds`) against a fresh heron with `harts`
/// harts held at reset, under the interpreter; returns gdb's output and
/// heron's exit code and stderr.
fn session(harts: &str, cmds: &[&str]) -> (String, i32, String) {
    session_on(INTERP, harts, cmds)
}

/// [`session`] under `engine`.
fn session_on(engine: &[&str], harts: &str, cmds: &[&str]) -> (String, i32, String) {
    let elf = program().elf.as_os_str();
    let (heron, addr) = heron(engine, harts, &[]);
    let mut gdb = Command::new("gdb-multiarch");
    gdb.args(["-batch", "-nx"])
        .arg(elf)
        .args(["-ex", "set architecture riscv:rv64"])
        .args(["-ex", &format!("target remote {addr}")]);
    for c in cmds {
        gdb.args(["-ex", c]);
    }
    gdb.stdin(Stdio::null());
    let (_, out) = Proc::spawn(&mut gdb, LIMIT).finish();
    let (code, herr) = heron.finish();
    (out, code, herr)
}

/// heron serving gdb for smp.S under `engine` on `harts` harts, held at
/// reset, with extra environment variables; and the address it listens on.
fn heron(engine: &[&str], harts: &str, env: &[(&str, &str)]) -> (Proc, String) {
    let elf = program().elf.as_os_str();
    let args: Vec<&std::ffi::OsStr> = ["run".as_ref(), "--kernel".as_ref(), elf]
        .into_iter()
        .chain(engine.iter().map(std::ffi::OsStr::new))
        .chain(["--smp", harts, "-S", "--timeout", "30"].map(std::ffi::OsStr::new))
        .collect();
    common::heron_with_gdb_env(&args, env, LIMIT)
}

/// The rows of every `info threads` table in `out` (`* 1    Thread 1.1
/// (hart 0) 0x... in f ()`), in order; a row is recognised by its
/// `(hart N)` column.
fn thread_rows(out: &str) -> Vec<&str> {
    out.lines().filter(|l| l.contains(" (hart ")).collect()
}

fn threads_steps_and_stops(engine: &[&str]) {
    let p = program();
    let (out, code, herr) = session_on(
        engine,
        "2",
        &[
            "info threads",
            "break *hart_loop_1",
            "continue",
            "info threads",
            PC,
            A0,
            S1,
            HART,
            // No breakpoint at the pc any more: gdb resumes every thread
            // for the step (`vCont;s:2;c`) and reads thread 1 anew after it.
            "delete",
            "thread 1",
            PC,
            A0,
            S1,
            HART,
            "thread 2",
            "stepi",
            PC,
            "thread 1",
            PC,
            // Hart 0 exits with count + s2: 43 only if this reaches hart 0.
            "set $s2 = 40",
            "continue",
        ],
    );
    let rows = thread_rows(&out);
    assert_eq!(rows.len(), 4, "two `info threads` of two threads:\n{out}");
    assert!(rows[0].starts_with("* 1 ") && rows[0].contains("Thread 1.1 (hart 0)"));
    assert!(rows[1].starts_with("  2 ") && rows[1].contains("Thread 1.2 (hart 1)"));
    // Only hart 1 runs hart_loop_1: the stop is in thread 2, and gdb
    // switched to it.
    let bp = p.sym("hart_loop_1");
    assert!(out.contains("[Switching to Thread 1.2]"), "{out}");
    assert!(
        out.contains(&format!(
            "Thread 2 hit Breakpoint 1, {bp:#018x} in hart_loop_1 ()"
        )),
        "{out}"
    );
    assert!(
        rows[3].starts_with("* 2 ") && rows[3].contains("in hart_loop_1 ()"),
        "{out}"
    );
    assert!(rows[2].starts_with("  1 "), "{out}");
    // Thread 2, thread 1, thread 2 after stepi, thread 1 after it.
    let pcs = printed(&out, "PC");
    assert_eq!(pcs.len(), 4, "{out}");
    assert_eq!(
        [pcs[0], pcs[2]],
        [bp, bp + 4],
        "hart 1 stepped once:\n{out}"
    );
    // Hart 0 waits in hart_loop_0 (three instructions) and did not move
    // while hart 1 stepped.
    let wait = p.sym("hart_loop_0")..p.sym("hart_loop_0") + 12;
    assert!(wait.contains(&pcs[1]), "hart 0 at {:#x}:\n{out}", pcs[1]);
    assert_eq!(
        pcs[3], pcs[1],
        "hart 0 stayed stopped during the step:\n{out}"
    );
    assert_eq!(printed(&out, "A0"), [1, 0], "{out}");
    assert_eq!(printed(&out, "S1"), [0x1001, 0x1000], "{out}");
    assert_eq!(printed(&out, "HART"), [1, 0], "{out}");
    assert!(out.contains("exited with code 053"), "{out}");
    assert_eq!(code, 43, "hart 0 got gdb's s2:\n{herr}");
    assert_engine_ran(engine, &herr);
}

fn watchpoint_on_hart_1(engine: &[&str]) {
    let p = program();
    let (out, code, herr) = session_on(
        engine,
        "2",
        &[
            "watch *(int *)&count",
            "continue",
            PC,
            "info threads",
            // On hart 1, the hart of the selected thread.
            "monitor disas",
            "delete",
            "continue",
        ],
    );
    assert!(
        out.contains(
            "Thread 2 hit Hardware watchpoint 1: *(int *)&count\n\nOld value = 0\nNew value = 1"
        ),
        "{out}"
    );
    // gdb stepped hart 1 over its store.
    assert_eq!(printed(&out, "PC"), [p.sym("store_count") + 4], "{out}");
    let rows = thread_rows(&out);
    assert!(rows.iter().any(|r| r.starts_with("* 2 ")), "{out}");
    let after = p.sym("store_count") + 4;
    assert!(
        out.contains(&format!("=> {after:#x}: ")),
        "monitor disas:\n{out}"
    );
    assert_eq!(code, 3, "{herr}");
    assert_engine_ran(engine, &herr);
}

#[test]
fn one_hart_is_one_thread_as_before() {
    let (out, code, _) = session(
        "1",
        &["info threads", "break *hart_loop_0", "continue", "kill"],
    );
    let rows = thread_rows(&out);
    assert_eq!(rows.len(), 1, "{out}");
    assert!(rows[0].starts_with("* 1 "), "{out}");
    // gdb names no thread while there is only one.
    let bp = program().sym("hart_loop_0");
    assert!(
        out.contains(&format!("\nBreakpoint 1, {bp:#018x} in hart_loop_0 ()")),
        "{out}"
    );
    assert!(!out.contains("Switching to"), "{out}");
    assert_eq!(code, 137, "killed");
}

#[test]
fn ctrl_c_stops_every_hart_in_the_thread_gdb_works_with() {
    let p = program();
    // heron logs this (at debug level) once gdb has let the guest run.
    let (h, addr) = heron(INTERP, "2", &[("RUST_LOG", "heron::gdb=debug")]);
    let mut cmd = Command::new("gdb-multiarch");
    cmd.args(["-nx", "-q"]).arg(&p.elf).stdin(Stdio::piped());
    let mut g = Proc::spawn(&mut cmd, LIMIT);
    let mut stdin = g.child.stdin.take().expect("gdb stdin");
    // Hart 1 parks before it sets `done`: hart 0 waits for ever, and the
    // guest runs until gdb interrupts it.
    writeln!(
        stdin,
        "target remote {addr}\nthread 2\nset $pc = hart_park_1\ncontinue"
    )
    .expect("write");
    g.wait_for("Continuing.");
    h.wait_for("gdb: continuing at");
    let pid = g.child.id() as libc::pid_t;
    // SAFETY: kill(2) on the gdb process this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    g.wait_for("received signal SIGINT");
    writeln!(stdin, "{PC}\nthread 1\n{PC}\nkill\nquit").expect("write");
    drop(stdin);
    let (_, out) = g.finish();
    let (code, herr) = h.finish();
    // gdb was on thread 2 when it continued, and stays there.
    assert!(out.contains("Thread 2 received signal SIGINT"), "{out}");
    let pcs = printed(&out, "PC");
    let wait = p.sym("hart_loop_0")..p.sym("hart_loop_0") + 12;
    assert_eq!(pcs.len(), 2, "{out}");
    assert_eq!(pcs[0], p.sym("hart_park_1"), "{out}");
    assert!(wait.contains(&pcs[1]), "hart 0 waits for done:\n{out}");
    assert_eq!(code, 137, "{herr}");
}
