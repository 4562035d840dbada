//! The JIT against the interpreter: random programs of our own, generated
//! here, assembled with Debian's cross toolchain and run under
//! `--accel interp` and `--accel jit`; the final registers, the data they
//! stored, the traps they took and the console must be identical, and the
//! JIT must really have translated the loop (`--stats`).
//!
//! Each program seeds the registers with edge values (0, ±1, the signed
//! minimums, all ones) and random ones, then runs a loop of random integer
//! instructions (RV64I, M, Zba, Zbb, Zbs, Zicond; D and A ones, which the
//! JIT hands to the interpreter's executor), forward branches that
//! leave a translated block early, loads and stores of every width at
//! aligned and misaligned offsets, loads and stores that fault (an
//! unmapped address: the M-mode handler counts them and skips the
//! instruction, so a fault in the middle of a translated block is checked
//! for precise registers) and byte stores to the UART (a device: the block
//! ends there). The loop runs well past the JIT's hotness threshold.

mod common;

use std::fmt::Write as _;
use std::path::Path;

/// Programs per run, and instructions in each loop body.
const PROGRAMS: u64 = 40;
const BODY: usize = 48;
/// Loop iterations (heron_cpu::tier::HOT_THRESHOLD is far below).
const ITERATIONS: u32 = 600;

/// xorshift64*: deterministic, seeded per program.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }
}

const RR: &[&str] = &[
    "add",
    "sub",
    "sll",
    "slt",
    "sltu",
    "xor",
    "srl",
    "sra",
    "or",
    "and",
    "addw",
    "subw",
    "sllw",
    "srlw",
    "sraw",
    "mul",
    "mulh",
    "mulhsu",
    "mulhu",
    "div",
    "divu",
    "rem",
    "remu",
    "mulw",
    "divw",
    "divuw",
    "remw",
    "remuw",
    "add.uw",
    "sh1add",
    "sh2add",
    "sh3add",
    "sh1add.uw",
    "sh2add.uw",
    "sh3add.uw",
    "andn",
    "orn",
    "xnor",
    "max",
    "maxu",
    "min",
    "minu",
    "rol",
    "rolw",
    "ror",
    "rorw",
    "bclr",
    "bext",
    "binv",
    "bset",
];
const RI12: &[&str] = &["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"];
const RI6: &[&str] = &[
    "slli", "srli", "srai", "slli.uw", "rori", "bclri", "bexti", "binvi", "bseti",
];
const RI5: &[&str] = &["slliw", "srliw", "sraiw", "roriw"];
const R1: &[&str] = &[
    "clz", "clzw", "ctz", "ctzw", "cpop", "cpopw", "sext.b", "sext.h", "zext.h", "rev8",
];
const BRANCHES: &[&str] = &["beq", "bne", "blt", "bge", "bltu", "bgeu"];
const LOADS: &[(&str, u64)] = &[
    ("lb", 1),
    ("lbu", 1),
    ("lh", 2),
    ("lhu", 2),
    ("lw", 4),
    ("lwu", 4),
    ("ld", 8),
];
const STORES: &[(&str, u64)] = &[("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)];

/// Registers the random code writes (x27 = UART, x28 = unmapped address,
/// x29 = data area, x30 = handler scratch swap, x31 = loop counter).
fn dest(r: &mut Rng) -> u64 {
    1 + r.below(26)
}
/// Registers it reads (also the fixed pointers, never written).
fn src(r: &mut Rng) -> u64 {
    1 + r.below(28)
}

/// One random instruction (or a short group) into `out`.
fn random_op(r: &mut Rng, out: &mut String) {
    let (d, a, b) = (dest(r), src(r), src(r));
    match r.below(100) {
        0..=33 => writeln!(out, "  {} x{d}, x{a}, x{b}", r.pick(RR)),
        40..=51 => {
            let imm = r.below(4096) as i64 - 2048;
            writeln!(out, "  {} x{d}, x{a}, {imm}", r.pick(RI12))
        }
        52..=59 => writeln!(out, "  {} x{d}, x{a}, {}", r.pick(RI6), r.below(64)),
        60..=63 => writeln!(out, "  {} x{d}, x{a}, {}", r.pick(RI5), r.below(32)),
        64..=69 => writeln!(out, "  {} x{d}, x{a}", r.pick(R1)),
        70..=71 => {
            // czero.eqz / czero.nez (Zicond), by encoding: the toolchain's
            // assembler predates the extension.
            let f3 = if r.below(2) == 0 { 5 } else { 7 };
            writeln!(out, "  .insn r 0x33, {f3}, 7, x{d}, x{a}, x{b}")
        }
        72..=73 => writeln!(out, "  lui x{d}, {}", r.below(1 << 20)),
        74 => writeln!(out, "  auipc x{d}, {}", r.below(1 << 20)),
        // A forward branch over one instruction: taken, it leaves a
        // translated block early.
        75..=80 => writeln!(
            out,
            "  {} x{a}, x{b}, 1f\n  addi x{d}, x{d}, 1\n1:",
            r.pick(BRANCHES)
        ),
        81..=87 => {
            let (op, size) = LOADS[r.below(LOADS.len() as u64) as usize];
            let off = data_offset(r, size);
            writeln!(out, "  {op} x{d}, {off}(x29)")
        }
        88 | 92..=94 => {
            let (op, size) = STORES[r.below(STORES.len() as u64) as usize];
            let off = data_offset(r, size);
            writeln!(out, "  {op} x{a}, {off}(x29)")
        }
        // Double-precision FP (flags accrue in fflags, results reach x
        // registers and the data area): the JIT's fast path where the
        // outcome is certain, the executor's helper otherwise.
        34..=39 | 89..=90 => random_fp(r, out, d, a),
        91 => {
            let amo = r.pick(&[
                "amoadd.d",
                "amoswap.d",
                "amoxor.d",
                "amomax.d",
                "amominu.d",
                "amoor.w",
                "amoand.w",
            ]);
            writeln!(out, "  {amo} x{d}, x{b}, (x29)")
        }
        95..=97 => {
            // A load or store to unmapped memory: an access fault.
            if r.below(2) == 0 {
                writeln!(out, "  ld x{d}, 8(x28)")
            } else {
                writeln!(out, "  sw x{a}, 16(x28)")
            }
        }
        _ => writeln!(out, "  sb x{a}, 0(x27)"),
    }
    .expect("writing to a String");
}

/// An offset into the 2 KiB data area, usually aligned for `size`.
fn data_offset(r: &mut Rng, size: u64) -> u64 {
    let off = r.below(2048 - 8);
    if r.below(4) == 0 {
        off
    } else {
        off & !(size - 1)
    }
}

/// One random F/D instruction into `out` (`d`, `a`: x registers).
fn random_fp(r: &mut Rng, out: &mut String, d: u64, a: u64) -> std::fmt::Result {
    let (f1, f2, f3) = (r.below(8), r.below(8), r.below(8));
    // Random rounding modes (static, or dynamic after fsrmi) keep
    // the JIT's round-to-nearest fast path honest.
    let rm = r.pick(&["", ", rne", ", rtz", ", rdn", ", rup", ", rmm", ", dyn"]);
    let line = match r.below(12) {
        0 => format!("fcvt.d.l f{f1}, x{a}"),
        1 => format!("fmv.d.x f{f1}, x{a}"),
        2 => format!(
            "{} f{f1}, f{f2}, f{f3}{rm}",
            r.pick(&["fadd.d", "fsub.d", "fmul.d", "fdiv.d"])
        ),
        3 => format!("fsqrt.d f{f1}, f{f2}"),
        4 => format!("fcvt.l.d x{d}, f{f1}, rtz"),
        5 => format!("fmv.x.d x{d}, f{f1}"),
        6 => format!(
            "{} x{d}, f{f1}, f{f2}",
            r.pick(&["feq.d", "flt.d", "fle.d"])
        ),
        7 => format!(
            "{} f{f1}, f{f2}, f{f3}, f{f1}{rm}",
            r.pick(&["fmadd.d", "fmsub.d", "fnmsub.d", "fnmadd.d"])
        ),
        8 => format!("fsrmi x0, {}", r.below(5)),
        9 => format!("fld f{f1}, {}(x29)", data_offset(r, 8)),
        10 => format!("fsd f{f1}, {}(x29)", data_offset(r, 8)),
        _ => {
            let (op, size) = if r.below(2) == 0 {
                ("flw", 4)
            } else {
                ("fsw", 4)
            };
            format!("{op} f{f1}, {}(x29)", data_offset(r, size))
        }
    };
    writeln!(out, "  {line}")
}

/// Edge values and random ones for the initial registers.
fn initial_value(r: &mut Rng) -> u64 {
    const EDGES: &[u64] = &[
        0,
        1,
        u64::MAX,
        1 << 63,
        (1 << 63) - 1,
        0xffff_ffff_8000_0000,
        0x7fff_ffff,
        0xffff_ffff,
        2,
        63,
        32,
    ];
    if r.below(2) == 0 {
        EDGES[r.below(EDGES.len() as u64) as usize]
    } else {
        r.next()
    }
}

/// The whole program for `seed`.
fn program(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut s = String::from(include_str!("jit/prologue.S"));
    // Odd seeds are FP-heavy: f0-f7 start as small integers (exact), half
    // of them with fflags.NX already accrued, and the body has extra FP
    // arithmetic — the JIT's inline FP path runs only with NX set.
    let fp_heavy = seed % 2 == 1;
    if fp_heavy {
        for f in 0..8 {
            let v = r.below(2001) as i64 - 1000;
            writeln!(s, "  li x1, {v}\n  fcvt.d.l f{f}, x1").unwrap();
        }
        if seed % 4 == 1 {
            s.push_str("  fsflagsi 1\n");
        }
    }
    for reg in 1..=26 {
        writeln!(s, "  li x{reg}, {:#x}", initial_value(&mut r)).unwrap();
    }
    writeln!(s, "  li x31, {ITERATIONS}\nloop:").unwrap();
    for _ in 0..BODY {
        random_op(&mut r, &mut s);
        if fp_heavy && r.below(3) == 0 {
            let (d, a) = (dest(&mut r), src(&mut r));
            random_fp(&mut r, &mut s, d, a).unwrap();
        }
    }
    s.push_str(include_str!("jit/epilogue.S"));
    s
}

/// Runs `elf` with `accel`; (exit code, console, signature, stats line).
fn run(elf: &Path, accel: &str, name: &str) -> (i32, String, String, String) {
    let sig = common::out_dir().join(format!("{name}.{accel}.sig"));
    let _ = std::fs::remove_file(&sig);
    // The JIT compiles on the hart's thread, so the loop is translated
    // by the same iteration in every run.
    let (code, stdout, stderr) = common::run_heron(&[
        "run",
        "--accel",
        accel,
        "--jit-sync",
        "--stats",
        "--kernel",
        elf.to_str().expect("utf-8 path"),
        "--signature",
        sig.to_str().expect("utf-8 path"),
        "--timeout",
        "60",
    ]);
    let signature = std::fs::read_to_string(&sig)
        .unwrap_or_else(|e| panic!("{name} ({accel}): no signature ({e}): {stderr}"));
    let stats = stderr
        .lines()
        .find(|l| l.starts_with("heron: jit "))
        .unwrap_or("")
        .to_owned();
    (code, stdout, signature, stats)
}

/// The number after `key=` in a `--stats` line.
fn stat(line: &str, key: &str) -> u64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.trim_end_matches("KiB").parse().ok())
        .unwrap_or(0)
}

/// What signature word `i` (32 bits, see jit/epilogue.S) holds.
fn describe_word(i: usize) -> String {
    match i / 2 {
        r @ 0..=26 => format!(
            "x{} {} half",
            r + 1,
            if i.is_multiple_of(2) { "low" } else { "high" }
        ),
        27 => "sum of mcause".to_owned(),
        28 => "xor of mtval".to_owned(),
        29 => "trap count".to_owned(),
        30 => "minstret".to_owned(),
        31 => "fflags".to_owned(),
        _ => format!("data byte {}", (i - 64) * 4),
    }
}

#[test]
fn jit_matches_the_interpreter_on_random_programs() {
    for seed in 0..PROGRAMS {
        let name = format!("jit_diff_{seed}");
        let src = common::out_dir().join(format!("{name}.S"));
        std::fs::write(&src, program(seed)).expect("writing the program");
        let elf = common::build_asm(&src);
        let interp = run(&elf, "interp", &name);
        let jit = run(&elf, "jit", &name);
        assert_eq!(interp.0, 0, "{name}: the interpreter's run failed");
        assert_eq!(jit.0, interp.0, "{name}: exit codes differ");
        if let Some((i, (a, b))) = interp
            .2
            .lines()
            .zip(jit.2.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
        {
            panic!(
                "{name}: signature word {i} ({}) is {a} interpreted, {b} translated (source {})",
                describe_word(i),
                src.display()
            );
        }
        assert_eq!(jit.2, interp.2, "{name}: signature lengths differ");
        assert_eq!(jit.1, interp.1, "{name}: console output differs");
        assert!(
            stat(&jit.3, "units") > 0,
            "{name}: the JIT translated nothing: {}",
            jit.3
        );
        assert!(
            interp.3.is_empty(),
            "--accel interp has no JIT: {}",
            interp.3
        );
    }
}
