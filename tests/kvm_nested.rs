//! `--accel kvm`, verified nested: heron cross-built for riscv64
//! (`scripts/cross-riscv64.sh`) runs inside a riscv64 Linux guest of
//! QEMU whose CPU has the hypervisor extension (`scripts/nested/run.sh`:
//! `-cpu rv64,h=true`, Debian's kernel with its `kvm.ko`), where it makes
//! its guests KVM VMs. One QEMU boot runs every check in turn and prints
//! a `nested-check: NAME=VALUE` line for each; the test asserts them.
//!
//! The checks: `--accel kvm` without `/dev/kvm` fails with its one-line
//! error and exit 2; with it, S-mode programs of ours run on a vCPU
//! (KVM's SBI, the UART through MMIO exits, the exit code through the
//! test finisher), a UART interrupt reaches the vCPU through heron's PLIC,
//! a bare-metal (M-mode) ELF is refused (and runs on the JIT under
//! `--accel auto`), Debian's kernel boots on KVM
//! with the busybox initramfs to a command whose output, exit status and
//! write to a virtio-blk disk come back, and Debian's riscv64 gdb debugs
//! an S-mode program on a vCPU through heron's stub
//! (tests/asm/kvm/debuggee.gdb).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use common::debuggee::{
    assert_debuggee_session, debuggee_elf, debuggee_script, DEBUGGEE_EXIT, SMODE_LINK_BASE,
};
use common::linux::{append_for, guest_image};
use common::{asm_dir, build_asm_with, out_dir, repo_root, run_command};

/// The static riscv64 heron, built (or found up to date) by the cross
/// script, once per test process.
fn cross_heron() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(build_cross_heron).clone()
}

fn build_cross_heron() -> PathBuf {
    let script = repo_root().join("scripts").join("cross-riscv64.sh");
    let (status, out, err) = run_command(
        Command::new("bash").arg(&script).args(["--profile", "ci"]),
        Duration::from_secs(3600),
    );
    assert!(
        status.success(),
        "{} failed ({status}):\n{out}\n{err}",
        script.display()
    );
    let path = PathBuf::from(out.lines().last().unwrap_or_default().trim());
    let path = if path.is_absolute() {
        path
    } else {
        repo_root().join(path)
    };
    assert!(path.is_file(), "the cross build left no {}", path.display());
    path
}

fn smode_program(name: &str, extra: &[&str]) -> PathBuf {
    let src = asm_dir().join("kvm").join(format!("{name}.S"));
    let mut args = vec![SMODE_LINK_BASE];
    args.extend_from_slice(extra);
    let built = build_asm_with(&src, &args);
    // build_asm_with names the ELF after the source: keep variants apart.
    let dest = out_dir().join(format!("kvm-{name}{}.elf", extra.join("")));
    std::fs::copy(&built, &dest).expect("copy the program");
    dest
}

/// The L1 guest's script (busybox sh): each check ends in a
/// `nested-check:` line.
fn l1_script(linux_cmd: &str) -> String {
    let append = append_for(linux_cmd);
    format!(
        r#"
check() {{ echo "nested-check: $1=$2"; }}
H=/heron
# /dev/kvm comes and goes with the module: first without it.
rmmod kvm
$H run --accel kvm --bios builtin --kernel /hello.elf 2>/nokvm.err
check nokvm-status $?
check nokvm-message "$(head -c 200 /nokvm.err)"
insmod /nested/kvm.ko
check devkvm "$(test -c /dev/kvm && echo yes || echo no)"
$H run --accel kvm --bios builtin --kernel /hello.elf
check hello-status $?
$H run --accel kvm --bios builtin --kernel /hello7.elf
check hello7-status $?
$H run --accel kvm --kernel /hello.elf 2>/bare.err
check bare-status $?
check bare-message "$(head -c 200 /bare.err)"
printf k | $H run --accel kvm --bios builtin --kernel /uart_irq.elf
check irq-status $?
# auto: KVM where the board can run on it, else the JIT.
$H run --stats --bios builtin --kernel /hello.elf 2>/auto.err
check auto-smode "$? $(grep -o 'engine=[a-z]*' /auto.err)"
$H run --stats --kernel /rv64i.elf 2>/auto.err
check auto-bare "$? $(grep -o 'engine=[a-z]*' /auto.err)"
$H run --accel kvm --stats --smp 2 --memory 256M --kernel /l2/Image --initrd /l2/initramfs.cpio.gz \
    --disk /l2/rootfs.ext4 --disk /l2/scratch.img --append "{append}" 2>/linux.err
check linux-status $?
check linux-engine "$(grep -o 'engine=[a-z]*' /linux.err)"
check disk-mark "$(head -c 64 /l2/scratch.img | tr -dc 'A-Z-')"
# gdb (Debian's riscv64 gdb-minimal) against heron's stub under KVM.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
R=/opt/riscv64; L=$R/usr/lib/riscv64-linux-gnu
GDB="$L/ld-linux-riscv64-lp64d.so.1 --library-path $L $R/usr/bin/gdb -nx -batch /debuggee.elf"
# heron picks the port (127.0.0.1:0) and names it once it listens: the
# readiness signal and the address gdb connects to.
served() {{ n=0; until grep -q 'gdb listening' "$1" || [ $n -ge 300 ]; do n=$((n+1)); sleep 1; done
  sed -n 's/^heron: gdb listening on //p' "$1"; }}
$H run --accel kvm --bios builtin --kernel /debuggee.elf --gdb 127.0.0.1:0 --gdb-wait --timeout 900 2>/gdb.err &
A=$(served /gdb.err)
$GDB -ex "target remote $A" -x /debuggee.gdb </dev/null
wait $!
check gdb-status $?
# KVM has no watchpoints: gdb is told it cannot have one.
$H run --accel kvm --bios builtin --kernel /debuggee.elf --gdb 127.0.0.1:0 --gdb-wait --timeout 900 2>/gdbw.err &
A=$(served /gdbw.err)
$GDB -ex "target remote $A" -ex 'watch *(long *)&counter' -ex continue </dev/null >/gdbw.out 2>&1
wait $!
check gdb-watch "$(grep -c 'Could not insert hardware watchpoint' /gdbw.out)"
"#
    )
}

/// The value of every `nested-check: NAME=VALUE` line.
fn checks(console: &str) -> Vec<(String, String)> {
    console
        .lines()
        .filter_map(|l| l.trim_end_matches('\r').strip_prefix("nested-check: "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn value<'a>(checks: &'a [(String, String)], name: &str, console: &str) -> &'a str {
    checks
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no nested-check {name} in the console:\n{console}"))
}

fn file_arg(path: &Path, dest: &str) -> String {
    format!("{}:{dest}", path.display())
}

#[test]
fn kvm_runs_programs_and_linux_inside_a_nested_riscv64_host() {
    let heron = cross_heron();
    let hello = smode_program("hello", &[]);
    let hello7 = smode_program("hello", &["-DEXIT_CODE=7"]);
    let irq = smode_program("uart_irq", &[]);
    let rv64i = common::build_asm(&asm_dir().join("rv64i.S"));
    let debuggee = debuggee_elf();
    let gdb_cpio = riscv64_packages(&["gdb-minimal"], "gdb-minimal.cpio.gz");
    let image = guest_image();
    let scratch = out_dir().join("kvm-scratch.img");
    std::fs::write(&scratch, vec![0u8; 1 << 20]).expect("write the scratch disk");
    let linux_cmd = "echo l2-arch: $(uname -m) cpus: $(nproc); echo KVM-DISK-MARK | dd of=/dev/vdb conv=fsync 2>/dev/null; exit 3";

    let harness = repo_root().join("scripts").join("nested").join("run.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&harness)
        .args(["--kvm", "--memory", "2G", "--timeout", "1500"])
        .arg(file_arg(&heron, "/heron"))
        .arg(file_arg(&hello, "/hello.elf"))
        .arg(file_arg(&hello7, "/hello7.elf"))
        .arg(file_arg(&irq, "/uart_irq.elf"))
        .arg(file_arg(&rv64i, "/rv64i.elf"))
        .arg(file_arg(&debuggee, "/debuggee.elf"))
        .arg(file_arg(&debuggee_script(), "/debuggee.gdb"))
        .arg("--cpio")
        .arg(&gdb_cpio)
        .arg(file_arg(&image.kernel, "/l2/Image"))
        .arg(file_arg(&image.initrd, "/l2/initramfs.cpio.gz"))
        .arg(file_arg(&image.rootfs, "/l2/rootfs.ext4"))
        .arg(file_arg(&scratch, "/l2/scratch.img"))
        .arg("--")
        .arg(l1_script(linux_cmd));
    let (status, console, err) = run_command(&mut cmd, Duration::from_secs(1800));
    let all = format!("{console}\n--- stderr ---\n{err}");
    assert!(status.success(), "the nested run failed ({status}):\n{all}");
    let c = checks(&console);

    assert_eq!(value(&c, "nokvm-status", &all), "2", "{all}");
    let msg = value(&c, "nokvm-message", &all);
    assert!(msg.contains("/dev/kvm"), "one-line reason: {msg}");
    assert_eq!(value(&c, "devkvm", &all), "yes", "{all}");
    assert_eq!(value(&c, "hello-status", &all), "0", "{all}");
    assert!(console.contains("kvm-hello: S-mode on a vCPU"), "{all}");
    assert_eq!(value(&c, "hello7-status", &all), "7", "{all}");
    assert!(console.contains("heron-test: FAIL at check 7"), "{all}");
    assert_eq!(value(&c, "bare-status", &all), "2", "{all}");
    assert!(value(&c, "bare-message", &all).contains("M-mode"), "{all}");
    assert_eq!(value(&c, "irq-status", &all), "0", "{all}");
    assert!(console.contains("uart-irq: got k"), "{all}");
    assert_eq!(value(&c, "auto-smode", &all), "0 engine=kvm", "{all}");
    assert_eq!(value(&c, "auto-bare", &all), "0 engine=jit", "{all}");
    // The L2 guest: its command's output and status, and its disk write.
    // Two vCPUs: the second started by KVM's own SBI HSM.
    assert!(console.contains("l2-arch: riscv64 cpus: 2"), "{all}");
    assert!(console.contains("heron-guest: exit status 3"), "{all}");
    assert_eq!(value(&c, "linux-status", &all), "3", "{all}");
    assert_eq!(value(&c, "linux-engine", &all), "engine=kvm", "{all}");
    assert_eq!(value(&c, "disk-mark", &all), "KVM-DISK-MARK", "{all}");
    // gdb: breakpoints, a step, registers, memory through the guest's page
    // tables, the guest's own ebreak, a write that sets the exit code; and
    // watchpoints refused.
    assert_debuggee_session(&console, &all);
    assert_eq!(
        value(&c, "gdb-status", &all),
        DEBUGGEE_EXIT.to_string(),
        "{all}"
    );
    assert!(console.contains("heron-test: FAIL at check 42"), "{all}");
    assert_eq!(value(&c, "gdb-watch", &all), "1", "{all}");
}

/// Debian riscv64 packages (with what they depend on) unpacked under
/// /opt/riscv64 of a cpio archive for the nested initramfs
/// (`scripts/nested/packages.sh`), cached.
fn riscv64_packages(packages: &[&str], name: &str) -> PathBuf {
    let script = repo_root()
        .join("scripts")
        .join("nested")
        .join("packages.sh");
    let out = out_dir().join(name);
    let (status, stdout, err) = run_command(
        Command::new("bash")
            .arg(&script)
            .arg("--out")
            .arg(&out)
            .args(packages),
        Duration::from_secs(1800),
    );
    assert!(
        status.success(),
        "{} failed ({status}):\n{stdout}\n{err}",
        script.display()
    );
    assert!(
        out.is_file(),
        "{} made no {}",
        script.display(),
        out.display()
    );
    out
}

/// heron options of the asm suite's programs that need some (as in
/// `tests/asm_suite.rs`); tier_dma, which needs a disk made for it, is
/// left to that suite.
fn asm_options(name: &str) -> Option<&'static str> {
    Some(match name {
        "tier_dma" => return None,
        "misaligned_trap" => "--cpu misaligned=trap",
        "smp_atomics" | "smp_ipi" => "--smp 4",
        "smp_fencei" | "tier_timer" => "--smp 2",
        "smp_sbi" => "--bios builtin --smp 4",
        _ => "",
    })
}

/// The software engines on a riscv64 host: the asm suite's programs under
/// the riscv64 heron's interpreter and its JIT (Cranelift's riscv64
/// backend, every block translated on its first run), inside the same
/// kind of nested guest (no KVM needed).
#[test]
fn interpreter_and_jit_pass_the_asm_suite_on_a_riscv64_host() {
    let heron = cross_heron();
    let mut programs = Vec::new();
    for entry in std::fs::read_dir(asm_dir()).expect("list tests/asm") {
        let path = entry.expect("a tests/asm entry").path();
        let Some(name) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|_| path.extension().is_some_and(|e| e == "S"))
        else {
            continue;
        };
        if let Some(options) = asm_options(name) {
            programs.push((name.to_string(), options, common::build_asm(&path)));
        }
    }
    programs.sort();
    assert!(programs.len() >= 30, "the asm suite is there");
    let mut script = String::from("H=/heron\n");
    for (name, options, _) in &programs {
        for (engine, flags) in [
            ("interp", "--accel interp"),
            ("jit", "--accel jit --jit-threshold 1 --jit-sync"),
        ] {
            script.push_str(&format!(
                "$H run {flags} {options} --timeout 300 --kernel /asm/{name}.elf >/dev/null 2>&1; \
                 echo \"nested-check: {engine}-{name}=$?\"\n"
            ));
        }
    }
    let harness = repo_root().join("scripts").join("nested").join("run.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&harness)
        .args(["--memory", "1G", "--timeout", "3000"])
        .arg(file_arg(&heron, "/heron"));
    for (name, _, elf) in &programs {
        cmd.arg(file_arg(elf, &format!("/asm/{name}.elf")));
    }
    cmd.arg("--").arg(script);
    let (status, console, err) = run_command(&mut cmd, Duration::from_secs(3300));
    let all = format!("{console}\n--- stderr ---\n{err}");
    assert!(status.success(), "the nested run failed ({status}):\n{all}");
    let c = checks(&console);
    let failed: Vec<String> = programs
        .iter()
        .flat_map(|(name, _, _)| [format!("interp-{name}"), format!("jit-{name}")])
        .filter(|check| value(&c, check, &all) != "0")
        .collect();
    assert!(
        failed.is_empty(),
        "failed on the riscv64 host: {failed:?}\n{all}"
    );
}
