//! gdb against a Linux guest: a real gdb-multiarch attaches to a running
//! Debian kernel, stops it, reads registers and CSRs, and lets it run on to
//! power-off with the guest command's exit status.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::linux::{Boot, ScratchDisk};

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

#[test]
fn gdb_interrupts_a_linux_guest_reads_registers_and_continues_to_poweroff() {
    let disk = ScratchDisk::new("gdb-linux");
    // The command outlives the moment gdb attaches, then exits with 5.
    let boot = Boot::new("echo gdb-target-up; sleep 3; exit 5", disk.path());
    let port = free_port();
    let mut args = boot.args();
    args.push("--gdb".into());
    args.push(format!("127.0.0.1:{port}"));
    let mut heron = Command::new(env!("CARGO_BIN_EXE_heron"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start heron");
    let console = Arc::new(Mutex::new(String::new()));
    let mut out = heron.stdout.take().expect("piped stdout");
    let sink = Arc::clone(&console);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .expect("console lock")
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    // Attach once the guest's userland runs: the kernel is up.
    let started = Instant::now();
    while !console
        .lock()
        .expect("console lock")
        .contains("gdb-target-up")
    {
        if started.elapsed() > Duration::from_secs(240) {
            let _ = heron.kill();
            panic!(
                "guest never came up:\n{}",
                console.lock().expect("console lock")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let gdb = Command::new("gdb-multiarch")
        .args(["-batch", "-nx"])
        .args(["-ex", "set architecture riscv:rv64"])
        .args(["-ex", &format!("target remote 127.0.0.1:{port}")])
        .args(["-ex", "p/x $pc"])
        .args(["-ex", "p $priv"])
        .args(["-ex", "info registers sp satp"])
        .args(["-ex", "monitor priv"])
        .args(["-ex", "continue"])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("gdb-multiarch: {e}: {}", common::SETUP_HINT));
    let gdb_out = format!(
        "{}{}",
        String::from_utf8_lossy(&gdb.stdout),
        String::from_utf8_lossy(&gdb.stderr)
    );
    let status = heron.wait().expect("wait for heron");
    reader.join().expect("console reader");
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
    assert_eq!(status.code(), Some(5), "heron's exit code\n{gdb_out}");
}
