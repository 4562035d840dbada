//! heron: a full-system riscv64 emulator.
//!
//! `main` is the one place that turns errors into messages and exit codes.

mod cli;
mod cli_debug;
mod htif;
mod loader;
mod machine;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use thiserror::Error;

use cli::{Cli, Command, RunArgs};

use htif::Htif;
use loader::{load_elf, LoadError};
use machine::{Machine, MachineConfig, MachineError, Outcome, TimeSource};

/// Exit code for bad input: options, files, images.
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a host failure while running (memory, I/O).
const EXIT_HOST_ERROR: u8 = 3;
/// Exit code when `--timeout` expires (as coreutils' `timeout`).
const EXIT_TIMEOUT: u8 = 124;

/// Everything that can stop heron itself (not the guest).
#[derive(Debug, Error)]
enum HeronError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Machine(#[from] MachineError),
    #[error("--timeout must be a positive number of seconds")]
    BadTimeout,
    #[error("cannot write {path}: {source}")]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl HeronError {
    fn exit_code(&self) -> u8 {
        match self {
            HeronError::Load(_) | HeronError::BadTimeout => EXIT_BAD_INPUT,
            HeronError::Machine(_) | HeronError::Output { .. } => EXIT_HOST_ERROR,
        }
    }
}

fn run(args: RunArgs) -> Result<u8, HeronError> {
    let timeout = match args.timeout {
        Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
        Some(_) => return Err(HeronError::BadTimeout),
        None => None,
    };
    let config = MachineConfig {
        ram_size: args.memory,
        time: if args.deterministic {
            TimeSource::Instructions
        } else {
            TimeSource::Host
        },
    };
    let mut m = Machine::new(&config)?;
    let elf = load_elf(&args.kernel, m.bus.ram_mut())?;
    m.hart.pc = elf.entry;
    if let Some(tohost) = elf.tohost {
        m.attach_htif(Htif::new(tohost, elf.fromhost, Box::new(std::io::stdout())));
    }
    if let Some(path) = &args.trace {
        let file = std::fs::File::create(path).map_err(|source| HeronError::Output {
            path: path.clone(),
            source,
        })?;
        m.hart.set_tracer(Box::new(file));
    }
    let started = Instant::now();
    let outcome = m.run(timeout);
    let elapsed = started.elapsed();
    if let Some(path) = &args.trace {
        m.hart.flush_trace().map_err(|source| HeronError::Output {
            path: path.clone(),
            source,
        })?;
    }
    if let (Some(path), Some((begin, end))) = (&args.signature, elf.signature) {
        write_signature(&m, path, begin, end)?;
    }
    if args.stats {
        let secs = elapsed.as_secs_f64();
        eprintln!(
            "heron: instret={} elapsed={secs:.3}s mips={:.1}",
            m.instret(),
            m.instret() as f64 / secs / 1e6
        );
    }
    Ok(match outcome {
        // Codes above 255 do not fit an exit status: report them as 255
        // rather than letting them wrap to a false pass.
        Outcome::Exit(code) => code.min(255) as u8,
        Outcome::Timeout => {
            log::warn!("timeout after {:.1}s", elapsed.as_secs_f64());
            EXIT_TIMEOUT
        }
    })
}

/// Writes the signature region as Spike does: one little-endian 32-bit word
/// per line, lowercase hex.
fn write_signature(m: &Machine, path: &PathBuf, begin: u64, end: u64) -> Result<(), HeronError> {
    let mut text = String::new();
    let mut addr = begin;
    while addr + 4 <= end {
        let mut word = [0u8; 4];
        m.bus.ram().read(addr, &mut word);
        text.push_str(&format!("{:08x}\n", u32::from_le_bytes(word)));
        addr += 4;
    }
    std::fs::write(path, text).map_err(|source| HeronError::Output {
        path: path.clone(),
        source,
    })
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Run(args) => run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("heron: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
