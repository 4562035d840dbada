//! tests/asm/kvm/debuggee.S and its gdb session (debuggee.gdb): run on the
//! software engines by tests/gdb.rs and under KVM, nested, by
//! tests/kvm_nested.rs, with the same expectations.

use std::path::PathBuf;

use super::{asm_dir, build_asm_with};

/// Where an SBI firmware enters S-mode programs.
pub const SMODE_LINK_BASE: &str = "-Wl,--defsym=LINK_BASE=0x80200000";

/// The exit code the session writes into the program (through the alias
/// view of RAM) before letting it finish.
pub const DEBUGGEE_EXIT: i32 = 42;

/// The `kvm-gdb:` lines a passing session prints, in order.
pub const DEBUGGEE_LINES: &[&str] = &[
    // A breakpoint at an exact address, hit three times.
    "kvm-gdb: at-bump=1",
    // Memory read through the guest's page tables (after two bumps), and
    // a register.
    "kvm-gdb: alias-counter=2",
    "kvm-gdb: loop-s6=2",
    // One instruction stepped.
    "kvm-gdb: stepped=1",
    // The program's own ebreak reached its handler, not gdb.
    "kvm-gdb: at-done=1 ebreaks=1",
];

/// The program, built.
pub fn debuggee_elf() -> PathBuf {
    build_asm_with(
        &asm_dir().join("kvm").join("debuggee.S"),
        &[SMODE_LINK_BASE],
    )
}

/// The gdb command file.
pub fn debuggee_script() -> PathBuf {
    asm_dir().join("kvm").join("debuggee.gdb")
}

/// Panics unless gdb's output `out` has every expected line, in order.
pub fn assert_debuggee_session(out: &str, context: &str) {
    let got: Vec<&str> = out
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| l.starts_with("kvm-gdb: "))
        .collect();
    assert_eq!(got, DEBUGGEE_LINES, "the debuggee session:\n{context}");
}
