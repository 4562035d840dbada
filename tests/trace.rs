//! `--trace` filters (`--trace-range`, `--trace-priv`, `--trace-limit`) and
//! `--log` event classes, on tests/asm/trace/traps.S: a program that takes
//! an M-mode ecall, an illegal instruction, a load access fault, an S-mode
//! ecall and an instruction page fault, all into one M-mode handler, and
//! exits with 0.

mod common;

use std::sync::OnceLock;

fn program() -> &'static common::Program {
    static PROGRAM: OnceLock<common::Program> = OnceLock::new();
    PROGRAM.get_or_init(|| common::Program::build("trace/traps.S"))
}

/// Runs the program with `args`; returns the trace file's lines (when
/// `trace`) and stderr. The program must exit with 0.
fn run(name: &str, trace: bool, args: &[&str]) -> (Vec<String>, String) {
    let p = program();
    let file = common::out_dir().join(format!("trace-{name}.txt"));
    let _ = std::fs::remove_file(&file);
    let mut argv: Vec<String> = vec!["run".into(), "--kernel".into()];
    argv.push(p.elf.display().to_string());
    argv.extend(["--timeout".into(), "30".into()]);
    if trace {
        argv.extend(["--trace".into(), file.display().to_string()]);
    }
    argv.extend(args.iter().map(|s| s.to_string()));
    let (code, _, stderr) = common::run_heron(&argv);
    assert_eq!(code, 0, "heron {argv:?}:\n{stderr}");
    let lines = if trace {
        std::fs::read_to_string(&file)
            .expect("the trace file")
            .lines()
            .map(str::to_string)
            .collect()
    } else {
        assert!(!file.exists());
        Vec::new()
    };
    (lines, stderr)
}

/// The pc of an instruction line (`P PC (BITS) ...`).
fn pc_of(line: &str) -> u64 {
    let pc = line.split(' ').nth(1).expect("a pc column");
    u64::from_str_radix(pc, 16).unwrap_or_else(|_| panic!("no pc in {line:?}"))
}

fn is_trap(line: &str) -> bool {
    line.split(' ').nth(1) == Some("trap")
}

#[test]
fn unfiltered_trace_has_every_trap_with_its_handler() {
    let p = program();
    let (lines, _) = run("all", true, &[]);
    let traps: Vec<&String> = lines.iter().filter(|l| is_trap(l)).collect();
    let handler = p.sym("handler");
    let expect = [
        format!("M trap exception cause=11 (environment call from M-mode) tval=0x0 epc={:#x} -> M pc={handler:#x}", p.sym("m_ecall")),
        format!("M trap exception cause=2 (illegal instruction) tval=0xc0001073 epc={:#x} -> M pc={handler:#x}", p.sym("m_unimp")),
        format!("M trap exception cause=5 (load access fault) tval=0x1000000000 epc={:#x} -> M pc={handler:#x}", p.sym("m_bad_load")),
        format!("S trap exception cause=9 (environment call from S-mode) tval=0x0 epc={:#x} -> M pc={handler:#x}", p.sym("s_ecall")),
        format!("S trap exception cause=12 (instruction page fault) tval={f:#x} epc={f:#x} -> M pc={handler:#x}", f = p.sym("fault")),
    ];
    assert_eq!(traps, expect.iter().collect::<Vec<_>>());
    assert_eq!(
        lines[0],
        "M 0000000080000000 (00008117) auipc sp,0x8 sp=0000000080008000"
    );
}

#[test]
fn priv_filter_keeps_one_level() {
    let p = program();
    let (lines, _) = run("priv-s", true, &["--trace-priv", "s"]);
    assert!(lines.iter().all(|l| l.starts_with("S ")), "{lines:#?}");
    let insns: Vec<u64> = lines
        .iter()
        .filter(|l| !is_trap(l))
        .map(|l| pc_of(l))
        .collect();
    let s_code = p.sym("s_code");
    // s_code up to the satp write (the ecall included: a trapping
    // instruction is traced, then its trap); the fetch after it faults.
    let expect: Vec<u64> = (s_code..p.sym("fault")).step_by(4).collect();
    assert_eq!(insns, expect, "{lines:#?}");
    assert_eq!(
        lines.iter().filter(|l| is_trap(l)).count(),
        2,
        "the S-mode ecall and the page fault"
    );

    let (both, _) = run("priv-ms", true, &["--trace-priv", "m", "--trace-priv", "s"]);
    let (all, _) = run("priv-all", true, &[]);
    assert_eq!(both, all, "m and s are every level this program uses");
    let (none, _) = run("priv-u", true, &["--trace-priv", "u"]);
    assert!(none.is_empty(), "{none:#?}");
}

#[test]
fn range_filter_keeps_pcs_in_the_range() {
    let p = program();
    let (s_code, s_ecall) = (p.sym("s_code"), p.sym("s_ecall"));
    let range = format!("{s_code:#x}:{s_ecall:#x}");
    let (lines, _) = run("range", true, &["--trace-range", &range]);
    assert_eq!(
        lines,
        [
            format!("S {s_code:016x} (00158593) add a1,a1,1 a1=0000000000000001"),
            format!(
                "S {:016x} (00158593) add a1,a1,1 a1=0000000000000002",
                s_code + 4
            ),
        ]
    );
    // A trap line is judged by its epc: just the ecall and its trap.
    let range = format!("{s_ecall:#x}:{:#x}", s_ecall + 4);
    let (lines, _) = run(
        "range-trap",
        true,
        &["--trace-range", &range, "--trace-priv", "s,u"],
    );
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0], format!("S {s_ecall:016x} (00000073) ecall"));
    assert!(
        lines[1].starts_with("S trap exception cause=9"),
        "{lines:#?}"
    );
}

#[test]
fn limit_stops_after_n_lines() {
    let (all, _) = run("unlimited", true, &[]);
    let (lines, _) = run("limit", true, &["--trace-limit", "5"]);
    assert_eq!(lines, all[..5]);
    // The limit counts lines that passed the other filters.
    let (s_all, _) = run("s-unlimited", true, &["--trace-priv", "s"]);
    let (s_lines, _) = run(
        "s-limit",
        true,
        &["--trace-priv", "s", "--trace-limit", "3"],
    );
    assert_eq!(s_lines, s_all[..3]);
}

/// The message of each log record under `target` in heron's stderr.
fn logged<'a>(stderr: &'a str, target: &str) -> Vec<&'a str> {
    let key = format!(" {target}] ");
    stderr
        .lines()
        .filter_map(|l| l.find(&key).map(|i| &l[i + key.len()..]))
        .collect()
}

#[test]
fn log_int_reports_every_trap_without_a_trace_file() {
    let p = program();
    let (_, stderr) = run("log-int", false, &["--log", "int"]);
    let handler = p.sym("handler");
    assert_eq!(
        logged(&stderr, "heron::int"),
        [
            format!("exception cause=11 (environment call from M-mode) tval=0x0 epc={:#x} M->M pc={handler:#x}", p.sym("m_ecall")),
            format!("exception cause=2 (illegal instruction) tval=0xc0001073 epc={:#x} M->M pc={handler:#x}", p.sym("m_unimp")),
            format!("exception cause=5 (load access fault) tval=0x1000000000 epc={:#x} M->M pc={handler:#x}", p.sym("m_bad_load")),
            format!("exception cause=9 (environment call from S-mode) tval=0x0 epc={:#x} S->M pc={handler:#x}", p.sym("s_ecall")),
            format!("exception cause=12 (instruction page fault) tval={f:#x} epc={f:#x} S->M pc={handler:#x}", f = p.sym("fault")),
        ],
        "{stderr}"
    );
    for other in ["heron::mmu", "heron::unimp", "heron::guest_errors"] {
        assert!(
            logged(&stderr, other).is_empty(),
            "{other} not asked for:\n{stderr}"
        );
    }
}

#[test]
fn log_mmu_unimp_and_guest_errors() {
    let p = program();
    let (_, stderr) = run(
        "log-rest",
        false,
        &["--log", "mmu,unimp", "--log", "guest_errors"],
    );
    let fault = p.sym("fault");
    let root = p.sym("root_pt");
    assert_eq!(
        logged(&stderr, "heron::mmu"),
        [format!(
            "instruction page fault at {fault:#x} (pc={fault:#x} priv=S satp={:#x})",
            (8 << 60) | (root >> 12)
        )],
        "{stderr}"
    );
    assert_eq!(
        logged(&stderr, "heron::unimp"),
        [format!(
            "illegal instruction c0001073 (unimp) at pc={:#x} priv=M",
            p.sym("m_unimp")
        )],
        "{stderr}"
    );
    let bad = logged(&stderr, "heron::guest_errors");
    assert_eq!(bad.len(), 1, "{stderr}");
    assert!(
        bad[0].starts_with(&format!(
            "load access fault at 0x1000000000 (pc={:#x} priv=M)",
            p.sym("m_bad_load")
        )),
        "{stderr}"
    );
    assert!(logged(&stderr, "heron::int").is_empty(), "{stderr}");
}

#[test]
fn bad_filter_values_are_rejected() {
    let p = program();
    let elf = p.elf.display().to_string();
    for bad in [
        ["--trace-range", "0x100:0x80"],
        ["--trace-range", "0x100"],
        ["--trace-priv", "h"],
        ["--trace-limit", "-1"],
        ["--log", "everything"],
    ] {
        let (code, _, stderr) = common::run_heron(&["run", "--kernel", &elf, bad[0], bad[1]]);
        assert_eq!(code, 2, "{bad:?}:\n{stderr}");
    }
}
