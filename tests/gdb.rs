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
//!
//! The tests run with the interpreter, named (`--accel interp`); those
//! where the engine matters (breakpoints, steps, watchpoints, Ctrl-C) run
//! under the JIT as well, as `jit::<name>` (see [`common::JIT_FIRST_RUN`]): the hart runs
//! interpreted while anything is armed and translated code otherwise.
//! `returns_to_translated_code_and_stops_exactly` (tests/asm/gdb/hot.S)
//! shows the hart going back and forth.

mod common;

use common::{INTERP, JIT_FIRST_RUN as JIT};

use std::io::Write;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::{assert_engine_ran, jit_stats, printed, Proc};

const GDB: &str = "gdb-multiarch";
/// The most any process of a test may take.
const LIMIT: Duration = Duration::from_secs(60);
/// What heron logs at debug level (target `heron::gdb`) when gdb resumes
/// the guest.
const RESUMED: &str = "gdb: continuing at";

under_both_engines! {
    breakpoint_stepi_registers_and_exit => breakpoints_and_stepi,
    register_write_is_seen_by_the_guest => register_write,
    watchpoints_report_the_access_and_values => watchpoints,
    hardware_breakpoints_csrs_and_monitor => hardware_breakpoints,
    detach_lets_the_guest_finish => detach,
    ctrl_c_interrupts_a_running_guest => ctrl_c,
    returns_to_translated_code_and_stops_exactly => back_to_translated_code,
}

/// The target program and its symbols.
fn target() -> &'static common::Program {
    static PROGRAM: OnceLock<common::Program> = OnceLock::new();
    PROGRAM.get_or_init(|| common::Program::build("gdb/target.S"))
}

/// tests/asm/gdb/hot.S and its symbols.
fn hot() -> &'static common::Program {
    static PROGRAM: OnceLock<common::Program> = OnceLock::new();
    PROGRAM.get_or_init(|| common::Program::build("gdb/hot.S"))
}

/// heron serving gdb for the target under the interpreter, with `extra`
/// options, and the address it listens on: heron picks a free port itself
/// (`--gdb 127.0.0.1:0`) and names it on stderr once the listener is bound.
fn heron(extra: &[&str]) -> (Proc, String) {
    heron_for(target(), &[INTERP, extra].concat(), &[])
}

/// heron serving gdb for `program` with options `opts` (the engine
/// included) and environment variables `env`.
fn heron_for(program: &common::Program, opts: &[&str], env: &[(&str, &str)]) -> (Proc, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), "--kernel".as_ref()];
    args.push(program.elf.as_os_str());
    args.extend(opts.iter().map(std::ffi::OsStr::new));
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

/// Runs a gdb batch session against a fresh heron held at reset, under the
/// interpreter; returns gdb's output (stdout and stderr) and heron's exit
/// code and stderr.
fn session(cmds: &[&str]) -> (String, i32, String) {
    session_on(INTERP, cmds)
}

/// [`session`] under `engine`.
fn session_on(engine: &[&str], cmds: &[&str]) -> (String, i32, String) {
    let (h, addr) = heron_for(target(), &[engine, HELD].concat(), &[]);
    let (_, out) = gdb_batch(&addr, cmds).finish();
    let (code, herr) = h.finish();
    (out, code, herr)
}

/// tests/asm/kvm/debuggee.gdb, the session tests/kvm_nested.rs runs under
/// KVM inside a nested riscv64 host, passes on the software engines too:
/// they are the reference for what it checks (a breakpoint, a step,
/// memory through the guest's page tables, the program's own `ebreak`
/// reaching its handler, a write that decides the exit code).
#[test]
fn the_kvm_debuggee_session_passes_on_the_software_engines() {
    use common::debuggee::{assert_debuggee_session, debuggee_elf, debuggee_script, DEBUGGEE_EXIT};
    let elf = debuggee_elf();
    for engine in [INTERP, JIT] {
        let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), "--kernel".as_ref()];
        args.push(elf.as_os_str());
        args.extend(["--bios", "builtin"].iter().map(std::ffi::OsStr::new));
        args.extend(engine.iter().chain(HELD).map(std::ffi::OsStr::new));
        let (h, addr) = common::heron_with_gdb_env(&args, &[], LIMIT);
        let mut gdb = Command::new(GDB);
        gdb.args(["-batch", "-nx"])
            .arg(&elf)
            .args(["-ex", &format!("target remote {addr}")])
            .arg("-x")
            .arg(debuggee_script())
            .stdin(Stdio::null());
        let (_, out) = Proc::spawn(&mut gdb, LIMIT).finish();
        let (code, herr) = h.finish();
        let context = format!("{engine:?}\n{out}\n--- heron ---\n{herr}");
        assert_debuggee_session(&out, &context);
        assert_eq!(code, DEBUGGEE_EXIT, "{context}");
        assert!(herr.contains("FAIL at check 42"), "{context}");
    }
}

const PC: &str = "printf \"PC=%#lx\\n\", $pc";

fn breakpoints_and_stepi(engine: &[&str]) {
    let t = target();
    let (out, code, herr) = session_on(
        engine,
        &[
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
        ],
    );
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
    // After `delete` the rest ran translated.
    assert_engine_ran(engine, &herr);
}

fn register_write(engine: &[&str]) {
    let (out, code, herr) = session_on(
        engine,
        &["break *exit", "continue", "set $a0 = 42", "continue"],
    );
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

fn watchpoints(engine: &[&str]) {
    let t = target();
    let (out, code, herr) = session_on(
        engine,
        &[
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
        ],
    );
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
    assert_engine_ran(engine, &herr);
}

fn hardware_breakpoints(engine: &[&str]) {
    let t = target();
    let (out, code, herr) = session_on(
        engine,
        &[
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
        ],
    );
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

fn detach(engine: &[&str]) {
    let (out, code, herr) = session_on(engine, &["break *bump", "continue", "detach"]);
    assert!(out.contains("[Inferior 1 (process 1) detached]"), "{out}");
    assert_eq!(code, 5, "{herr}");
    // Detached, the guest ran on as without gdb: translated.
    assert_engine_ran(engine, &herr);
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

/// Interactive gdb (commands on stdin) for `program`.
fn gdb_interactive(program: &common::Program) -> (Proc, std::process::ChildStdin) {
    let mut cmd = Command::new(GDB);
    cmd.args(["-nx", "-q"])
        .arg(&program.elf)
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
    let (g, mut stdin) = gdb_interactive(target());
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

/// The counters `monitor jit` printed (`retired=R native=N units=U`), in
/// order: `(retired, native, units)`, `None` where the hart had no JIT.
fn monitor_jit(out: &str) -> Vec<Option<(u64, u64, u64)>> {
    let value = |l: &str, key: &str| -> Option<u64> {
        l.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
    };
    // gdb may print its prompt before the line.
    out.lines()
        .filter_map(|l| l.find("retired=").map(|i| &l[i..]))
        .map(|l| {
            let retired = value(l, "retired").expect("retired=");
            Some((retired, value(l, "native")?, value(l, "units")?))
        })
        .collect()
}

/// Sends SIGINT to gdb, as a user's Ctrl-C would; gdb then sends ^C to
/// heron.
fn interrupt(g: &Proc) {
    let pid = g.child.id() as libc::pid_t;
    // SAFETY: kill(2) on the gdb process this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
}

fn ctrl_c(engine: &[&str]) {
    let t = target();
    // heron logs (at debug level) when gdb lets the guest run: the sign
    // that gdb has sent its continue and waits for a stop.
    let opts = [engine, HELD].concat();
    let (h, addr) = heron_for(t, &opts, &[("RUST_LOG", "heron::gdb=debug")]);
    // Interactive gdb, interrupted as a user would.
    let (g, mut stdin) = gdb_interactive(t);
    writeln!(stdin, "target remote {addr}\nset $pc = spin\ncontinue").expect("write");
    g.wait_for("Continuing.");
    h.wait_for(RESUMED);
    interrupt(&g);
    g.wait_for("Program received signal SIGINT");
    writeln!(stdin, "{PC}\nmonitor jit\nkill\nquit").expect("write");
    drop(stdin);
    let (_, out) = g.finish();
    let (code, herr) = h.finish();
    assert_eq!(printed(&out, "PC"), [t.sym("spin")], "{out}");
    // Nothing was armed: under the JIT the spin loop ran translated, and
    // stopped at its instruction all the same.
    let counts = monitor_jit(&out);
    match counts[..] {
        [Some((_, native, _))] => assert!(engine == JIT && native > 0, "{out}"),
        [None] => assert_eq!(engine, INTERP, "{out}"),
        _ => panic!("no monitor jit output:\n{out}"),
    }
    assert_eq!(code, 137, "{herr}");
}

/// Iterations of hot.S's loop.
const HOT_ITERATIONS: u64 = 20_000;

/// hot.S under gdb: a breakpoint inside the hot loop stops its first
/// iteration (interpreted: it is armed from the reset on); deleted, the
/// loop and the wait after it run translated until gdb interrupts the
/// guest, which has said on its console that it waits. A breakpoint armed
/// then in the middle of the wait loop's (translated) block stops there,
/// and one after the wait, once gdb let the guest out, stops there too,
/// with no translated code run meanwhile; deleted, the guest runs to its
/// exit.
fn back_to_translated_code(engine: &[&str]) {
    let p = hot();
    let (h, addr) = heron_for(p, &[engine, HELD].concat(), &[]);
    let (g, mut stdin) = gdb_interactive(p);
    let regs = format!("{PC}\nprintf \"S0=%#lx\\n\", $s0\nprintf \"S1=%#lx\\n\", $s1");
    writeln!(
        stdin,
        "target remote {addr}\nbreak *loop_mark\ncontinue\n{regs}\nmonitor jit\n\
         delete\ncontinue"
    )
    .expect("write");
    // The guest prints this only after gdb let it run past the loop.
    h.wait_for("hot\n");
    interrupt(&g);
    g.wait_for("received signal SIGINT");
    writeln!(
        stdin,
        "{PC}\nmonitor jit\nbreak *in_wait\ncontinue\n{PC}\nprintf \"T0=%#lx\\n\", $t0\n\
         delete\nbreak *target\nset {{int}}&go = 1\ncontinue\n{regs}\n\
         monitor jit\ndelete\ncontinue\nquit"
    )
    .expect("write");
    drop(stdin);
    let (_, out) = g.finish();
    let (code, herr) = h.finish();
    let pcs = printed(&out, "PC");
    assert_eq!(pcs.len(), 4, "{out}");
    assert_eq!(
        [pcs[0], pcs[2], pcs[3]],
        [p.sym("loop_mark"), p.sym("in_wait"), p.sym("target")],
        "{out}"
    );
    // The load before in_wait ran; gdb had not set `go` yet.
    assert_eq!(printed(&out, "T0"), [0], "{out}");
    // Interrupted past the loop, before the target.
    let waiting = p.sym("loop_mark") + 8..p.sym("target");
    let putchar = p.sym("target")..p.sym("_text_end");
    assert!(
        (waiting.contains(&pcs[1]) || putchar.contains(&pcs[1])) && pcs[1] != p.sym("target"),
        "interrupted at {:#x}:\n{out}",
        pcs[1]
    );
    let (in_wait, target) = (p.sym("in_wait"), p.sym("target"));
    assert!(
        out.contains(&format!("Breakpoint 2, {in_wait:#018x} in in_wait ()")),
        "{out}"
    );
    assert!(
        out.contains(&format!("Breakpoint 3, {target:#018x} in target ()")),
        "{out}"
    );
    let sum = HOT_ITERATIONS * (HOT_ITERATIONS + 1) / 2;
    assert_eq!(printed(&out, "S0"), [1, HOT_ITERATIONS], "{out}");
    // Stopped before the first `add`.
    assert_eq!(printed(&out, "S1"), [0, sum], "{out}");
    assert!(out.contains("exited with code 07"), "{out}");
    assert_eq!(code, 7, "{herr}");
    assert_where_translated_code_ran(engine, &out, &herr);
}

/// For [`back_to_translated_code`]: `monitor jit` at the first stop, at
/// the interrupt and at the last stop shows no translated code before the
/// first `delete`, the hot loop translated after it, and none while the
/// breakpoints after the interrupt were armed.
fn assert_where_translated_code_ran(engine: &[&str], out: &str, herr: &str) {
    assert_engine_ran(engine, herr);
    let counts = monitor_jit(out);
    assert_eq!(counts.len(), 3, "{out}");
    if engine == INTERP {
        assert!(counts.iter().all(Option::is_none), "{out}");
        return;
    }
    let stats = jit_stats(herr).expect("JIT stats");
    assert!(stats.native_percent > 50.0, "{stats:?}");
    let [Some(first), Some(interrupted), Some(at_target)] = counts[..] else {
        panic!("no JIT counters:\n{out}");
    };
    assert_eq!(
        (first.1, first.2),
        (0, 0),
        "armed from the reset on:\n{out}"
    );
    // Three instructions per iteration, all but the first few translated.
    assert!(
        interrupted.1 > 2 * HOT_ITERATIONS,
        "the loop did not run translated:\n{out}"
    );
    assert!(
        at_target.0 > interrupted.0 && at_target.1 == interrupted.1,
        "translated code ran with a breakpoint armed:\n{out}"
    );
}
