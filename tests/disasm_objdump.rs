//! Checks `heron_cpu::disasm::disassemble` against GNU objdump.
//!
//! `tests/asm/disasm/all_insns.S` is assembled twice with the RISC-V cross
//! toolchain — once with the C extension (so the assembler compresses what it
//! can and the explicit `c.*` section is included) and once without — and every
//! instruction line of `objdump -d` is disassembled again by heron from the
//! raw bytes and address objdump shows. The texts must be identical apart from
//! the ` <symbol>` objdump appends to branch targets and its `# comment`s.
//!
//! The reference is binutils 2.40; other versions spell some instructions
//! differently. A missing toolchain fails the test rather than skipping it, so
//! a machine without it cannot silently pass.

use heron_cpu::disasm::disassemble;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const GCC: &str = "riscv64-linux-gnu-gcc";
const OBJDUMP: &str = "riscv64-linux-gnu-objdump";

/// Both builds of the source: with C, and without it (nothing compressed).
const MARCHES: [&str; 2] = ["rv64gc_zba_zbb_zbs", "rv64g_zba_zbb_zbs"];

/// Runs a cross-toolchain command, failing with setup instructions if the tool
/// is not installed and with its stderr if it fails.
fn run(cmd: &mut Command) -> Output {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run `{program}` ({e}); the disassembler test needs the RISC-V cross \
             toolchain (gcc-riscv64-linux-gnu, binutils 2.40): run the setup steps in \
             the README"
        )
    });
    assert!(
        out.status.success(),
        "`{cmd:?}` failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// One instruction line of `objdump -d`: address, instruction bits and the
/// instruction text with the symbol annotation and comment removed.
struct Line {
    addr: u64,
    bits: u32,
    raw: String,
    text: String,
}

/// Parses lines like `  1a:\t0805853b          \tzext.w\ta0,a1`. Other
/// lines (headers, labels, blank) are skipped.
fn parse_line(line: &str) -> Option<Line> {
    let mut fields = line.splitn(3, '\t');
    let addr = fields.next()?.trim().strip_suffix(':')?;
    let addr = u64::from_str_radix(addr, 16).ok()?;
    let raw = fields.next()?.trim().to_string();
    // objdump shows a 16-bit instruction as 4 hex digits, a 32-bit one as 8.
    if raw.len() != 4 && raw.len() != 8 {
        return None;
    }
    let bits = u32::from_str_radix(&raw, 16).ok()?;
    let mut text = fields.next()?.to_string();
    if let Some(i) = text.find(" #").or_else(|| text.find("\t#")) {
        text.truncate(i);
    }
    if text.ends_with('>') {
        if let Some(i) = text.rfind(" <") {
            text.truncate(i);
        }
    }
    let text = text.trim_end().to_string();
    Some(Line {
        addr,
        bits,
        raw,
        text,
    })
}

/// Assembles `src` for `march` into `dir` and returns objdump's listing.
fn listing(src: &Path, dir: &Path, march: &str) -> String {
    let obj = dir.join(format!("all_insns_{march}.o"));
    run(Command::new(GCC)
        .arg("-c")
        .arg(format!("-march={march}"))
        .arg("-mabi=lp64d")
        .arg(src)
        .arg("-o")
        .arg(&obj));
    let out = run(Command::new(OBJDUMP).arg("-d").arg(&obj));
    String::from_utf8(out.stdout).expect("objdump output is UTF-8")
}

#[test]
fn disassembly_matches_objdump() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("tests/asm/disasm/all_insns.S");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("disasm_objdump");
    std::fs::create_dir_all(&dir).expect("create scratch directory");

    let mut total = 0;
    let mut mismatches = Vec::new();
    for march in MARCHES {
        let lines: Vec<Line> = listing(&src, &dir, march)
            .lines()
            .filter_map(parse_line)
            .collect();
        // Guard against a parser that silently matches nothing.
        assert!(
            lines.len() > 10_000,
            "only {} instruction lines parsed from objdump's output for {march}",
            lines.len()
        );
        total += lines.len();
        for l in &lines {
            let ours = disassemble(l.bits, l.addr);
            if ours != l.text {
                mismatches.push(format!(
                    "  {march} {:>6x}: {:>8}  objdump {:?}  heron {:?}",
                    l.addr, l.raw, l.text, ours
                ));
            }
        }
    }

    if !mismatches.is_empty() {
        let version = run(Command::new(OBJDUMP).arg("--version")).stdout;
        let version = String::from_utf8_lossy(&version);
        panic!(
            "{} of {total} instruction lines differ from objdump ({}; the reference is \
             binutils 2.40):\n{}",
            mismatches.len(),
            version.lines().next().unwrap_or("unknown version"),
            mismatches.join("\n")
        );
    }
    println!("{total} instruction lines match objdump");
}
