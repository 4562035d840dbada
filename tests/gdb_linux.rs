//! gdb against a Linux guest: a real gdb-multiarch attaches to a running
//! Debian kernel, stops it, reads registers and CSRs, and lets it run on to
//! power-off with the guest command's exit status. Under the JIT, named:
//! the kernel runs translated until gdb stops it and again after gdb let
//! it go with nothing armed.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::linux::{Boot, ScratchDisk, BOOT_TIMEOUT_SECS};

/// What heron logs at debug level (target `heron::gdb`) when gdb resumes
/// the guest.
const RESUMED: &str = "gdb: continuing at";

#[test]
fn gdb_interrupts_a_linux_guest_reads_registers_and_continues_to_poweroff() {
    let disk = ScratchDisk::new("gdb-linux");
    // The command waits for a line on the console, which the test sends
    // only after gdb has attached and let the guest run on; then it exits
    // with 5. No timing: the guest cannot end before gdb is done with it.
    let boot = Boot::new("echo gdb-target-up; read -r go; exit 5", disk.path()).accel("jit");
    let limit = Duration::from_secs(BOOT_TIMEOUT_SECS + 60);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heron"));
    cmd.args(boot.args())
        .env("RUST_LOG", "heron::gdb=debug")
        .stdin(Stdio::piped());
    // heron picks the port and names it once it listens.
    let (mut heron, addr) = common::heron_with_gdb_cmd(&mut cmd, limit);
    let mut console_in = heron.child.stdin.take().expect("heron's stdin is piped");
    // Attach once the guest's userland runs: the kernel is up.
    heron.wait_for("gdb-target-up");
    let mut gdb = Command::new("gdb-multiarch");
    gdb.args(["-batch", "-nx"])
        .args(["-ex", "set architecture riscv:rv64"])
        .args(["-ex", &format!("target remote {addr}")])
        .args(["-ex", "p/x $pc"])
        .args(["-ex", "p $priv"])
        .args(["-ex", "info registers sp satp"])
        .args(["-ex", "monitor priv"])
        .args(["-ex", "continue"])
        .stdin(Stdio::null());
    let gdb = common::Proc::spawn(&mut gdb, limit);
    // gdb has read the registers and continued: now the guest may end.
    heron.wait_for(RESUMED);
    writeln!(console_in, "go").expect("write to the guest console");
    let (_, gdb_out) = gdb.finish();
    let (code, console) = heron.finish();
    drop(console_in);
    // Stopped inside Linux: the pc is a kernel (high) or user address and
    // paging is on (satp MODE 8, 9 or 10, printed by gdb in its raw value).
    assert!(gdb_out.contains("$1 = 0x"), "no pc read:\n{gdb_out}");
    let satp_line = gdb_out
        .lines()
        .find(|l| l.trim_start().starts_with("satp"))
        .unwrap_or_else(|| panic!("no satp line:\n{gdb_out}"));
    let satp_hex = satp_line.split_whitespace().nth(1).expect("satp value");
    let satp = u64::from_str_radix(satp_hex.trim_start_matches("0x"), 16).expect("hex satp");
    assert!(
        matches!(satp >> 60, 8..=10),
        "paging off under Linux? {satp_line}"
    );
    // The guest ran on to its end, and gdb saw it exit with the code.
    assert!(
        gdb_out.contains("exited with code 05"),
        "gdb did not see the exit:\n{gdb_out}"
    );
    assert_eq!(code, 5, "heron's exit code\n{gdb_out}\n{console}");
    let stats = common::jit_stats(&console).unwrap_or_else(|| panic!("no JIT stats:\n{console}"));
    assert!(stats.units > 100, "the JIT translated little: {stats:?}");
}
