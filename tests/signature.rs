//! `--signature FILE` dumps the memory between `begin_signature` and
//! `end_signature` in Spike's format, so heron can stand in for Spike under
//! riscof.

mod common;

use std::path::{Path, PathBuf};

/// Runs `elf` with `--signature NAME.sig` (removed first); returns heron's
/// output and the signature path.
fn run_with_signature(elf: &Path, name: &str) -> (common::RunOutput, PathBuf) {
    let sig = common::out_dir().join(format!("{name}.sig"));
    let _ = std::fs::remove_file(&sig);
    let out = common::run_heron(&[
        "run",
        "--kernel",
        elf.to_str().expect("utf-8 path"),
        "--signature",
        sig.to_str().expect("utf-8 path"),
        "--timeout",
        "20",
    ]);
    (out, sig)
}

#[test]
fn signature_region_is_dumped_as_words() {
    let elf = common::build_asm(&common::asm_dir().join("signature").join("words.S"));
    let ((code, stdout, stderr), sig) = run_with_signature(&elf, "words");
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let text = std::fs::read_to_string(&sig).expect("signature file written");
    assert_eq!(text, "01234567\n89abcdef\ndeadbeef\n55aa55aa\n");
}

/// Signature symbols that name no range in RAM are the input's fault: a
/// one-line error and exit code 2, and no file of zeros.
#[test]
fn signature_outside_ram_is_refused() {
    let src = common::asm_dir().join("signature").join("outside.S");
    for (defines, what) in [(&[][..], "below RAM"), (&["-DREVERSED"][..], "reversed")] {
        let elf = common::build_asm_with(&src, defines);
        let ((code, stdout, stderr), sig) = run_with_signature(&elf, "outside");
        assert_eq!(code, 2, "{what}: stdout: {stdout}\nstderr: {stderr}");
        assert!(
            stderr.lines().any(|l| l.starts_with("heron: --signature:")),
            "{what}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert!(!sig.exists(), "{what}: a signature file was written");
    }
}
