//! Debian's riscv64 Linux on several harts (`heron run --smp N`): the guest
//! of `scripts/guest-image.sh` boots on the built-in SBI (hart 0 boots, the
//! kernel starts the others through SBI HSM) and on Debian's OpenSBI (every
//! hart starts in M-mode in the firmware), sees N CPUs, and runs one job
//! pinned to each CPU at the same time, each hashing the same data.
//!
//! The guest command and its expected output were checked on
//! `qemu-system-riscv64 -M virt -smp N` (QEMU 7.2) with the same kernel,
//! initramfs and command line. Each test boots once (the deterministic one
//! twice); the tests live in their own binary so that their harts do not
//! share the host's cores with the single-hart boots of `linux_boot.rs`.

mod common;

use std::collections::BTreeSet;

use common::linux::{assert_clean_exit, has_line, tail, Boot, ScratchDisk, OPENSBI_FW_JUMP};
use common::RunOutput;

/// Lines of console shown when an assertion fails.
const TAIL: usize = 80;

/// Bytes each job hashes: the guest makes them with
/// `yes heron-smp | head -c JOB_BYTES` ("heron-smp\n" over and over, cut
/// off mid-line), in a tmpfs.
const JOB_BYTES: usize = 4 << 20;

/// SHA-256 of those bytes, computed on the host with
/// `yes heron-smp | head -c 4194304 | sha256sum` (and printed by every job
/// under QEMU).
const JOB_DIGEST: &str = "30597518805391a28d24864b9817cc9b58fae89e7eec5ded9badb1adf0f4ef2b";

/// The guest command for a machine of `harts` harts: print `nproc` and the
/// `processor`/`hart` lines of /proc/cpuinfo, then start one job per CPU,
/// pinned to it with `taskset`, all in the background at once. Each job
/// hashes the data and prints `smp-job I cpu C DIGEST`, where C is the CPU
/// its last process (`cut`, pinned like the rest of the job) ran on: field
/// 39 of /proc/self/stat. `taskset -c I` fails on a CPU that is not online,
/// so a job line for every I shows that every CPU ran user code. `extra`
/// runs after the jobs; the status is `umount`'s (0 once the jobs let go of
/// the tmpfs).
fn smp_command(harts: u32, extra: &str) -> String {
    let cpus: Vec<String> = (0..harts).map(|i| i.to_string()).collect();
    format!(
        r#"echo smp-nproc $(nproc)
grep -E '^(processor|hart)[[:space:]]*:' /proc/cpuinfo
mount -t tmpfs tmpfs /tmp || exit 90
yes heron-smp | head -c {JOB_BYTES} > /tmp/smp.dat
for i in {cpus}; do
  taskset -c $i sh -c "d=\$(sha256sum /tmp/smp.dat); echo smp-job $i cpu \$(cut -d' ' -f39 /proc/self/stat) \${{d%% *}}" &
done
wait
grep IPI /proc/interrupts
{extra}
umount /tmp"#,
        cpus = cpus.join(" ")
    )
}

/// The values of the /proc/cpuinfo lines whose key is `key` ("processor"
/// or "hart"; not "hart isa"), as numbers.
fn cpuinfo_values(stdout: &str, key: &str) -> BTreeSet<u32> {
    stdout
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().parse().ok())?
        })
        .collect()
}

/// What a boot of `harts` harts that ran [`smp_command`] shows: the guest
/// came up, counts `harts` CPUs with hart ids 0..harts, every job ran on
/// the CPU it was pinned to and printed the right digest, and the machine
/// powered off cleanly.
fn assert_smp_guest(out: &RunOutput, harts: u32) {
    let stdout = &out.1;
    let lines: Vec<&str> = stdout.lines().map(|l| l.trim_end_matches('\r')).collect();
    assert!(
        has_line(stdout, "heron-guest: ready"),
        "the guest's /init never got going\n{}",
        tail(out, TAIL)
    );
    assert!(
        has_line(stdout, &format!("smp-nproc {harts}")),
        "nproc is not {harts}\n{}",
        tail(out, TAIL)
    );
    let all: BTreeSet<u32> = (0..harts).collect();
    assert_eq!(
        cpuinfo_values(stdout, "processor"),
        all,
        "/proc/cpuinfo's processor lines\n{}",
        tail(out, TAIL)
    );
    // Under OpenSBI the hart that wins the boot lottery is CPU 0, whichever
    // it is: hart ids and CPU numbers need not pair up.
    assert_eq!(
        cpuinfo_values(stdout, "hart"),
        all,
        "/proc/cpuinfo's hart lines\n{}",
        tail(out, TAIL)
    );
    let jobs: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("smp-job "))
        .collect();
    for i in 0..harts {
        let want = format!("smp-job {i} cpu {i} {JOB_DIGEST}");
        assert!(
            jobs.contains(&want.as_str()),
            "no `{want}`: job {i} did not run on CPU {i} or hashed wrong\n{}",
            tail(out, TAIL)
        );
    }
    assert_eq!(
        jobs.len(),
        harts as usize,
        "one line per job: {jobs:#?}\n{}",
        tail(out, TAIL)
    );
    assert_clean_exit(out, TAIL);
}

#[test]
fn smp2_builtin_sbi_runs_a_job_on_each_hart() {
    let disk = ScratchDisk::new("smp2_builtin");
    let out = Boot::new(&smp_command(2, ""), disk.path()).smp(2).run();
    assert_smp_guest(&out, 2);
}

#[test]
fn smp4_builtin_sbi_runs_a_job_on_each_hart() {
    let disk = ScratchDisk::new("smp4_builtin");
    let out = Boot::new(&smp_command(4, ""), disk.path()).smp(4).run();
    assert_smp_guest(&out, 4);
}

#[test]
fn smp2_opensbi_fw_jump_starts_both_harts() {
    assert!(
        std::path::Path::new(OPENSBI_FW_JUMP).is_file(),
        "{OPENSBI_FW_JUMP} is missing: scripts/setup.sh installs it (Debian package opensbi)"
    );
    let disk = ScratchDisk::new("smp2_opensbi");
    let out = Boot::new(&smp_command(2, ""), disk.path())
        .smp(2)
        .bios(OPENSBI_FW_JUMP)
        .run();
    // OpenSBI counts the harts in the device tree heron gave it:
    // "Platform HART Count       : 2".
    let count = out
        .1
        .lines()
        .find(|l| l.starts_with("Platform HART Count"))
        .unwrap_or_else(|| {
            panic!(
                "no OpenSBI banner: did the firmware run?\n{}",
                tail(&out, TAIL)
            )
        });
    assert!(
        count.trim_end().ends_with(": 2"),
        "OpenSBI sees the wrong number of harts: {count}\n{}",
        tail(&out, TAIL)
    );
    assert_smp_guest(&out, 2);
}

#[test]
fn smp2_deterministic_boots_print_the_same_console_output() {
    // The harts run interleaved on one thread: which job finishes first,
    // the interrupt counts per CPU and the uptime must all repeat.
    let cmd = smp_command(2, "cat /proc/uptime /proc/interrupts");
    let runs: Vec<RunOutput> = ["smp2_deterministic_a", "smp2_deterministic_b"]
        .iter()
        .map(|name| {
            let disk = ScratchDisk::new(name);
            Boot::new(&cmd, disk.path()).smp(2).deterministic().run()
        })
        .collect();
    for out in &runs {
        assert_smp_guest(out, 2);
    }
    if runs[0].1 != runs[1].1 {
        let first_difference = runs[0]
            .1
            .lines()
            .zip(runs[1].1.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("first run:  {a}\nsecond run: {b}"))
            .unwrap_or_else(|| "one output is a prefix of the other".to_owned());
        panic!("--deterministic --smp 2 runs differ:\n{first_difference}");
    }
}
