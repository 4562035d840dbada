//! The command line (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use heron_cpu::MisalignedAccess;

use crate::board::{Bios, CpuOptions, DiskSpec};
use crate::cli_debug::DebugArgs;

#[derive(Parser)]
#[command(name = "heron", version, about = "A full-system riscv64 emulator")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a guest program.
    Run(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The guest: a RISC-V Linux `Image` (booted in S-mode on the built-in
    /// SBI by default) or an ELF (bare metal: loaded at its physical
    /// addresses and started in M-mode; HTIF when it has `tohost`).
    #[arg(long, value_name = "FILE")]
    pub kernel: PathBuf,
    /// Initial ramdisk for a Linux kernel.
    #[arg(long, value_name = "FILE")]
    pub initrd: Option<PathBuf>,
    /// Kernel command line.
    #[arg(long, value_name = "ARGS", default_value = "")]
    pub append: String,
    /// A raw disk image on a virtio-blk device; repeatable; `FILE,readonly`
    /// makes it read-only.
    #[arg(long, value_name = "FILE[,readonly]", value_parser = parse_disk)]
    pub disk: Vec<DiskSpec>,
    /// Discard disk writes at exit: images stay byte-identical.
    #[arg(long)]
    pub snapshot: bool,
    /// Firmware: `builtin` (heron serves SBI calls), `none` (bare metal in
    /// M-mode) or an M-mode firmware file such as OpenSBI's fw_jump.bin.
    /// Default: builtin for an Image, none for an ELF.
    #[arg(long, value_name = "builtin|none|FILE", value_parser = parse_bios)]
    pub bios: Option<Bios>,
    /// CPU properties, comma-separated as QEMU's `-cpu` takes them:
    /// `misaligned=emulate` (default: misaligned loads and stores are done
    /// in hardware) or `misaligned=trap` (they raise address-misaligned, as
    /// on Spike; for riscv-arch-test's reference signatures).
    #[arg(long, value_name = "PROP=VALUE,...", default_value = "", value_parser = parse_cpu)]
    pub cpu: CpuOptions,
    /// Execution engine: `auto` or `interp` (the interpreter).
    #[arg(long, value_name = "auto|interp", default_value = "auto", value_parser = ["auto", "interp"])]
    pub accel: String,
    /// Guest RAM size (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_size)]
    pub memory: u64,
    /// Write the memory between `begin_signature` and `end_signature` to FILE
    /// at exit, one 32-bit word per line (Spike's format).
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// Write one line per executed instruction to FILE.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Stop after this many seconds of wall time (exit code 124).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Derive time from the instruction count, so that runs repeat exactly.
    #[arg(long)]
    pub deterministic: bool,
    /// Print the instruction count and speed to stderr at exit.
    #[arg(long)]
    pub stats: bool,
    /// Debugging: gdb stub and trace filters.
    #[command(flatten)]
    pub debug: DebugArgs,
}

/// Parses `FILE` or `FILE,readonly`.
fn parse_disk(s: &str) -> Result<DiskSpec, String> {
    let (path, opts) = match s.rsplit_once(',') {
        Some((p, "readonly")) => (p, true),
        Some((_, other)) => return Err(format!("unknown disk option '{other}' (only 'readonly')")),
        None => (s, false),
    };
    if path.is_empty() {
        return Err("empty disk path".into());
    }
    Ok(DiskSpec {
        path: PathBuf::from(path),
        read_only: opts,
    })
}

/// Parses `--cpu` properties: `misaligned=trap|emulate`, comma-separated.
fn parse_cpu(s: &str) -> Result<CpuOptions, String> {
    let mut cpu = CpuOptions::default();
    for prop in s.split(',').filter(|p| !p.is_empty()) {
        match prop.split_once('=') {
            Some(("misaligned", "trap")) => cpu.misaligned = MisalignedAccess::Trap,
            Some(("misaligned", "emulate")) => cpu.misaligned = MisalignedAccess::Emulate,
            Some(("misaligned", other)) => {
                return Err(format!("misaligned={other}: expected 'trap' or 'emulate'"))
            }
            _ => {
                return Err(format!(
                    "unknown CPU property '{prop}' (known: misaligned=trap|emulate)"
                ))
            }
        }
    }
    Ok(cpu)
}

/// Parses `builtin`, `none` or a file name.
fn parse_bios(s: &str) -> Result<Bios, String> {
    Ok(match s {
        "builtin" => Bios::Builtin,
        "none" => Bios::None,
        "" => return Err("empty firmware path".into()),
        file => Bios::File(PathBuf::from(file)),
    })
}

/// Parses "128M", "1G", "65536" and the like.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, shift) = match s.char_indices().last() {
        Some((i, c)) if c.eq_ignore_ascii_case(&'k') => (&s[..i], 10),
        Some((i, c)) if c.eq_ignore_ascii_case(&'m') => (&s[..i], 20),
        Some((i, c)) if c.eq_ignore_ascii_case(&'g') => (&s[..i], 30),
        _ => (s, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a size like 512M"))?;
    let bytes = n
        .checked_shl(shift)
        .filter(|b| b >> shift == n)
        .ok_or(format!("'{s}' is too large"))?;
    if bytes == 0 || bytes % 4096 != 0 || bytes > (1 << 40) {
        return Err(format!(
            "'{s}': memory must be a non-zero multiple of 4 KiB, at most 1T"
        ));
    }
    Ok(bytes)
}
