//! The full Debian guest (`scripts/guest-image.sh --full`: Debian trixie's
//! systemd, apt and openssh-server, configured by its own maintainer scripts
//! in heron's first boot) booted the ways QEMU users boot it:
//! - directly (`--kernel`/`--initrd` from the image's /boot): systemd
//!   reaches the multi-user target and reports `running`, ssh through a
//!   forwarded port logs in as root and as the user, apt installs from a
//!   package source the test serves on the host's loopback, and `poweroff`
//!   ends heron with exit 0;
//! - through Debian's OpenSBI and U-Boot, whose distro boot finds the
//!   image's /boot/extlinux/extlinux.conf;
//! - through `scripts/guest-run.sh`, the CI command: a script from a shared
//!   folder runs, its output and exit status (zero and not) come back, what
//!   it writes appears on the host, and a guest that does not finish in time
//!   is reported with its console's last lines.
//!
//! The boots take a minute or more each and run one at a time (a lock): on
//! a 2-core machine, parallel boots would only slow each other down.
//! Every boot uses `--snapshot`: the image stays as built.

mod common;

use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use common::apt_repo::{AptRepo, PACKAGE, PACKAGE_FILE, PACKAGE_GREETING};
use common::full_guest::{forwarded_port, full_guest, Ssh, FULL_BOOT_TIMEOUT_SECS, FULL_MEMORY};
use common::linux::OPENSBI_FW_JUMP;
use common::{repo_root, run_command, Proc};

/// U-Boot for QEMU's virt in S-mode, from Debian's `u-boot-qemu`.
const UBOOT: &str = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin";

/// What systemd prints when the multi-user target is reached; sshd (part
/// of it, started with Type=notify) listens by then.
const MULTI_USER: &str = " - Multi-User System.";

/// One boot at a time (see the module comment).
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts heron on the full guest with sshd's port forwarded (heron picks
/// the host port) and `extra` arguments in front of the disk.
fn boot(extra: &[&str]) -> Proc {
    let guest = full_guest();
    let mut c = Command::new(env!("CARGO_BIN_EXE_heron"));
    c.arg("run")
        .args(extra)
        .arg("--disk")
        .arg(&guest.disk)
        .args(["--snapshot", "--memory", FULL_MEMORY, "--smp", "2"])
        .args(["--timeout", &FULL_BOOT_TIMEOUT_SECS.to_string()])
        .args(["--net", "user,hostfwd=tcp:127.0.0.1:0-:22"])
        .stdin(Stdio::null());
    Proc::spawn(&mut c, Duration::from_secs(FULL_BOOT_TIMEOUT_SECS + 60))
}

/// The kernel and initramfs from the image's /boot, with a command line as
/// the image's extlinux.conf has it.
fn direct_boot() -> Proc {
    let guest = full_guest();
    let (kernel, initrd) = (
        guest.kernel.display().to_string(),
        guest.initrd.display().to_string(),
    );
    boot(&[
        "--kernel",
        &kernel,
        "--initrd",
        &initrd,
        "--append",
        "console=ttyS0 root=LABEL=heron-root ro",
    ])
}

/// Waits for the multi-user target, then asks systemd how the boot went:
/// `running`, or the failed units listed in the panic message.
fn assert_system_running(heron: &Proc, ssh: &Ssh) {
    heron.wait_for(MULTI_USER);
    let (_, state, _) = ssh.run("root", "systemctl is-system-running --wait");
    if state.trim() != "running" {
        let (_, failed, _) = ssh.run("root", "systemctl --failed --no-legend --plain");
        panic!(
            "systemctl is-system-running: {state:?}; failed units:\n{failed}\n--- console ---\n{}",
            heron.output()
        );
    }
}

/// Powers the guest off over ssh and asserts heron exits 0 (ssh itself may
/// report the connection dropping as the machine goes down).
fn power_off(heron: Proc, ssh: &Ssh) {
    let _ = ssh.run("root", "systemctl poweroff");
    let (code, out) = heron.finish();
    assert_eq!(
        code, 0,
        "poweroff in the guest ends heron with exit 0:\n{out}"
    );
}

#[test]
fn direct_boot_reaches_multi_user_serves_ssh_and_installs_with_apt() {
    let _one = one_at_a_time();
    let repo = AptRepo::start("full-guest-apt-repo");
    let heron = direct_boot();
    let ssh = Ssh {
        port: forwarded_port(&heron),
    };
    assert_system_running(&heron, &ssh);

    assert_eq!(ssh.ok("root", "id -un").trim(), "root");
    assert_eq!(ssh.ok("heron", "id -un").trim(), "heron");
    let uname = ssh.ok("heron", "uname -m");
    assert_eq!(uname.trim(), "riscv64");

    // apt against the test's own source only: the image's sources.list
    // (Debian's mirror) is left out, so nothing goes beyond the loopback.
    let apt = format!(
        "set -e; echo '{}' >/etc/apt/heron-test.list; \
         o='-o Dir::Etc::SourceList=/etc/apt/heron-test.list -o Dir::Etc::SourceParts=-'; \
         apt-get $o update; apt-get $o install -y {PACKAGE}; cat {PACKAGE_FILE}",
        repo.source_line()
    );
    let out = ssh.ok("root", &apt);
    assert!(
        out.lines().any(|l| l == PACKAGE_GREETING),
        "the package's file after apt-get install:\n{out}"
    );
    let requests = repo.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.ends_with(&format!("{PACKAGE}_1.0_all.deb"))),
        "apt fetched the .deb from the test's source: {requests:?}"
    );
    let status = ssh.ok("root", &format!("dpkg-query -W -f='${{Status}}' {PACKAGE}"));
    assert_eq!(status, "install ok installed");

    power_off(heron, &ssh);
}

#[test]
fn opensbi_and_uboot_boot_the_image_from_its_extlinux_conf() {
    let _one = one_at_a_time();
    let heron = boot(&["--bios", OPENSBI_FW_JUMP, "--kernel", UBOOT]);
    let ssh = Ssh {
        port: forwarded_port(&heron),
    };
    heron.wait_for("Found /boot/extlinux/extlinux.conf");
    assert_system_running(&heron, &ssh);
    heron.wait_for("heron login: ");
    // The kernel U-Boot started is the image's, with extlinux.conf's
    // command line.
    let cmdline = ssh.ok("root", "cat /proc/cmdline");
    assert!(
        cmdline.contains("root=LABEL=heron-root") && cmdline.contains("console=ttyS0"),
        "{cmdline}"
    );
    assert!(heron.output().contains("OpenSBI"), "booted through OpenSBI");
    power_off(heron, &ssh);
}

/// Runs `scripts/guest-run.sh ARGS` (with the heron under test) and returns
/// its exit code, stdout and stderr.
fn guest_run(args: &[&str]) -> (i32, String, String) {
    let guest = full_guest();
    let mut c = Command::new("bash");
    c.arg(repo_root().join("scripts").join("guest-run.sh"))
        .arg("--heron")
        .arg(env!("CARGO_BIN_EXE_heron"))
        .arg("--image")
        .arg(&guest.dir)
        .args(["--memory", FULL_MEMORY])
        .args(args);
    let (status, out, err) = run_command(&mut c, Duration::from_secs(FULL_BOOT_TIMEOUT_SECS));
    (status.code().unwrap_or(-1), out, err)
}

/// A host directory for a share, holding `script` as `check.sh`.
fn share_with(name: &str, script: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("share directory");
    std::fs::write(dir.join("check.sh"), script).expect("the script");
    dir
}

#[test]
fn guest_run_passes_a_shared_scripts_output_files_and_status() {
    let _one = one_at_a_time();
    let dir = share_with(
        "guest-run-ok",
        "echo \"arch $(uname -m), in $(pwd)\"\nuname -r >written-in-guest\n",
    );
    let (code, out, err) =
        guest_run(&["--share", dir.to_str().expect("utf-8"), "--", "sh check.sh"]);
    assert_eq!(code, 0, "guest-run's status is the command's:\n{out}{err}");
    assert!(
        out.lines().any(|l| l == "arch riscv64, in /mnt/src"),
        "the command's output, from the share's mount point:\n{out}{err}"
    );
    let written = std::fs::read_to_string(dir.join("written-in-guest"))
        .expect("the guest's file on the host");
    assert!(written.contains("riscv64"), "{written}");
}

#[test]
fn guest_run_passes_a_failing_status_and_a_readonly_share_refuses_writes() {
    let _one = one_at_a_time();
    let dir = share_with(
        "guest-run-fail",
        // The marker heron-cmd prints, as the command's own output: it is
        // output like any other, not the status.
        "if touch not-here 2>/dev/null; then exit 1; fi\n\
         echo 'heron-guest: exit status 0'\necho refused\nexit 7\n",
    );
    let (code, out, err) = guest_run(&[
        "--share",
        dir.to_str().expect("utf-8"),
        "--readonly",
        "--no-net",
        "--",
        // The command's own `exit` ends the command, not guest-run's script.
        "sh check.sh; exit $?",
    ]);
    assert_eq!(
        code, 7,
        "the command's exit status 7 comes through:\n{out}{err}"
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.ends_with(&["heron-guest: exit status 0", "refused"]),
        "the command's output, all of it and nothing else at its end:\n{out}{err}"
    );
    assert!(
        !dir.join("not-here").exists(),
        "a read-only share took a write"
    );
}

#[test]
fn guest_run_reports_a_guest_that_does_not_finish_in_time() {
    let _one = one_at_a_time();
    let (code, out, err) = guest_run(&["--timeout", "5", "--", "true"]);
    assert_eq!(code, 124, "a timeout is exit 124:\n{out}{err}");
    assert!(
        err.contains("did not finish within 5s") && err.contains("console's last lines"),
        "a clear error with the console's end:\n{err}"
    );
}
