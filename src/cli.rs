//! The command line (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
    /// ELF executable to load at its physical addresses and start in M-mode.
    #[arg(long, value_name = "FILE")]
    pub kernel: PathBuf,
    /// Guest RAM size (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "128M", value_parser = parse_size)]
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
