//! heron: a full-system riscv64 emulator.
//!
//! `main` is the one place that turns errors into messages and exit codes.

mod board;
mod cli;
mod cli_debug;
mod console;
mod gdb;
mod htif;
mod kvm;
mod loader;
mod machine;
mod net;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use thiserror::Error;

use cli::{Cli, Command, RunArgs};

use board::{Bios, BoardConfig, BoardError};
use console::{Console, ConsoleError};
use machine::{JitOptions, Machine, Outcome};

/// Exit code for bad input: options, files, images.
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a host failure while running (memory, I/O).
const EXIT_HOST_ERROR: u8 = 3;
/// Exit code when `--jit-check` found the JIT diverging from the
/// interpreter.
const EXIT_JIT_DIVERGED: u8 = 5;
/// Exit code when the guest crashed in a way no firmware could handle.
const EXIT_GUEST_CRASH: u8 = 4;
/// Exit code when `--timeout` expires (as coreutils' `timeout`).
const EXIT_TIMEOUT: u8 = 124;
/// Exit code when gdb kills the guest (as a process killed by SIGKILL).
const EXIT_KILLED: u8 = 137;
/// The longest `--timeout` (about 31 years): any longer would overflow the
/// clock's arithmetic.
const MAX_TIMEOUT_SECS: f64 = 1e9;

/// Everything that can stop heron itself (not the guest).
#[derive(Debug, Error)]
enum HeronError {
    #[error(transparent)]
    Board(#[from] BoardError),
    #[error("console: {0}")]
    Console(ConsoleError),
    #[error("--timeout must be a positive number of seconds, at most {MAX_TIMEOUT_SECS:e}")]
    BadTimeout,
    #[error(transparent)]
    Gdb(#[from] gdb::GdbError),
    #[error("cannot write {path}: {source}")]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--signature: begin_signature..end_signature ({begin:#x}..{end:#x}) is not a range in guest RAM")]
    SignatureRange { begin: u64, end: u64 },
}

impl HeronError {
    fn exit_code(&self) -> u8 {
        match self {
            HeronError::Board(e) if e.is_bad_input() => EXIT_BAD_INPUT,
            HeronError::BadTimeout | HeronError::SignatureRange { .. } => EXIT_BAD_INPUT,
            HeronError::Board(_)
            | HeronError::Console(_)
            | HeronError::Output { .. }
            | HeronError::Gdb(_) => EXIT_HOST_ERROR,
        }
    }
}

fn run(args: RunArgs) -> Result<u8, HeronError> {
    let timeout = match args.timeout {
        Some(t) if t > 0.0 && t <= MAX_TIMEOUT_SECS => Some(Duration::from_secs_f64(t)),
        Some(_) => return Err(HeronError::BadTimeout),
        None => None,
    };
    let config = board_config(&args);
    let started = Instant::now();
    let deadline = timeout.map(|t| started + t);
    let mut total_insns = 0;
    let mut gdb = None;
    // A guest reset builds the board again; everything else ends the run.
    loop {
        let mut board = board::build(&config)?;
        log::info!("engine: {}", engine_name(board.machine.accel()));
        // gdb listens from the moment the first board is built (its guest
        // loaded, its disk images locked) until heron ends.
        if let (None, Some(addr)) = (&gdb, args.debug.gdb_addr()) {
            gdb = Some(listen_for_gdb(addr, args.debug.gdb_wait)?);
        }
        let m = &mut board.machine;
        start_trace(m, &args)?;
        // Bare-metal programs talking HTIF get no terminal raw mode.
        let console = match board.uart.take() {
            Some(uart) if !m.has_htif() => Some(Console::start(uart).map_err(HeronError::Console)?),
            _ => None,
        };
        if let Some(c) = &console {
            m.set_quit_flag(c.quit_flag());
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let outcome = match gdb.as_mut() {
            Some(server) => match server.run(m, deadline)? {
                gdb::GdbOutcome::Guest(outcome) => outcome,
                gdb::GdbOutcome::Killed => {
                    drop(console);
                    flush_trace(m, &args)?;
                    log::info!("killed by gdb");
                    return Ok(EXIT_KILLED);
                }
            },
            // The checker compares memory before and after each block: no
            // other hart may write it meanwhile.
            None => m.run(left, args.deterministic || args.jit_check),
        };
        drop(console);
        total_insns += m.instret();
        let tier = m.tier_stats().map(|t| (t, m.instret()));
        let engine = engine_name(m.accel());
        flush_trace(m, &args)?;
        if let Outcome::JitDiverged { hart } = outcome {
            let report = board.machine.harts[hart].take_jit_check_report();
            eprintln!(
                "heron: --jit-check: {}",
                report.unwrap_or_default().trim_end()
            );
            return Ok(EXIT_JIT_DIVERGED);
        }
        if let (Some(path), Some((begin, end))) = (&args.signature, board.signature) {
            write_signature(&board.machine, path, begin, end)?;
        }
        let Some(code) = exit_code(outcome, started) else {
            log::info!("guest reset: booting again");
            continue;
        };
        if args.stats {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "heron: instret={total_insns} elapsed={secs:.3}s mips={:.1}",
                total_insns as f64 / secs / 1e6
            );
            eprintln!("heron: engine={engine}");
            if let Some((t, instret)) = tier {
                eprintln!("heron: jit {}", jit_summary(&t, instret));
            }
        }
        return Ok(code);
    }
}

/// What `--stats` and the log call the engine.
fn engine_name(accel: machine::Accel) -> &'static str {
    match accel {
        machine::Accel::Interp => "interp",
        machine::Accel::Jit => "jit",
        machine::Accel::Kvm => "kvm",
        machine::Accel::Auto => "auto",
    }
}

/// The JIT's `--stats` line: units (blocks) translated and declined, guest
/// instructions compiled, compile time, the share of the `instret`
/// instructions that translated code retired, code memory, generations.
fn jit_summary(t: &heron_cpu::tier::TierStats, instret: u64) -> String {
    let ms = t.compile_ns as f64 / 1e6;
    let per_insn = t.compile_ns as f64 / 1e3 / t.insns.max(1) as f64;
    let share = 100.0 * t.native_insns as f64 / instret.max(1) as f64;
    let mut line = format!(
        "units={} declined={} insns={} compile={ms:.1}ms ({per_insn:.1}us/insn) \
         native={share:.1}% code={}KiB flushes={}",
        t.translated,
        t.declined,
        t.insns,
        t.code_bytes >> 10,
        t.resets
    );
    if t.checked + t.unchecked > 0 {
        line.push_str(&format!(" checked={} unchecked={}", t.checked, t.unchecked));
    }
    line
}

/// The board the options describe.
fn board_config(args: &RunArgs) -> BoardConfig {
    BoardConfig {
        ram_size: args.memory,
        kernel: args.kernel.clone(),
        initrd: args.initrd.clone(),
        append: args.append.clone(),
        disks: args.disk.clone(),
        snapshot: args.snapshot,
        rng: !args.no_rng,
        net: args.net.clone(),
        shares: args.share.clone(),
        bios: args.bios.clone().unwrap_or(Bios::Auto),
        deterministic: args.deterministic,
        cpu: args.cpu,
        harts: args.smp as usize,
        accel: args.accel,
        gdb: args.debug.gdb_addr().is_some(),
        tracing: args.trace.is_some(),
        jit: JitOptions {
            threshold: args.jit_threshold,
            sync: args.jit_sync,
            check: args.jit_check,
        },
    }
}

/// Turns on `--trace` (to its file) and `--log` event classes.
fn start_trace(m: &mut Machine, args: &RunArgs) -> Result<(), HeronError> {
    if args.trace.is_none() && !args.debug.log_events().any() {
        return Ok(());
    }
    let out: Option<Box<dyn std::io::Write + Send>> = match &args.trace {
        Some(path) => Some(Box::new(std::fs::File::create(path).map_err(|source| {
            HeronError::Output {
                path: path.clone(),
                source,
            }
        })?)),
        None => None,
    };
    // One trace file follows one hart: the boot hart.
    m.harts[0].set_trace(out, args.debug.trace_config());
    Ok(())
}

/// Writes out what `--trace` still buffers.
fn flush_trace(m: &mut Machine, args: &RunArgs) -> Result<(), HeronError> {
    match &args.trace {
        Some(path) => m.harts[0]
            .flush_trace()
            .map_err(|source| HeronError::Output {
                path: path.clone(),
                source,
            }),
        None => Ok(()),
    }
}

/// heron's exit status for how the guest ended; `None` for a reset, after
/// which the board is built again.
fn exit_code(outcome: Outcome, started: Instant) -> Option<u8> {
    Some(match outcome {
        Outcome::Reboot => return None,
        // Codes above 255 do not fit an exit status: report them as 255
        // rather than letting them wrap to a false pass.
        Outcome::Exit(code) => code.min(255) as u8,
        Outcome::Quit => 0,
        // Reported by the caller, which has the machine.
        Outcome::JitDiverged { .. } => EXIT_JIT_DIVERGED,
        // A vCPU KVM could not go on running (kvm::KvmVcpu's KVM_FAILED).
        Outcome::FirmwareTrap {
            cause: u64::MAX,
            epc,
            tval,
        } => {
            let why = match tval {
                0 => "an exit heron does not handle".to_string(),
                errno => std::io::Error::from_raw_os_error(errno as i32).to_string(),
            };
            eprintln!("heron: KVM could not go on running the guest at pc={epc:#x}: {why}");
            EXIT_GUEST_CRASH
        }
        Outcome::FirmwareTrap { cause, epc, tval } => {
            eprintln!(
                "heron: guest trapped into M-mode, which the built-in firmware leaves empty \
                 (mcause={cause:#x} mepc={epc:#x} mtval={tval:#x})"
            );
            EXIT_GUEST_CRASH
        }
        Outcome::Timeout => {
            log::warn!("timeout after {:.1}s", started.elapsed().as_secs_f64());
            EXIT_TIMEOUT
        }
    })
}

/// Binds the gdb listener and announces it on stderr in one line,
/// `heron: gdb listening on HOST:PORT`: the signal that gdb may connect,
/// and with `--gdb HOST:0` the only way to learn the port.
fn listen_for_gdb(addr: &str, wait: bool) -> Result<gdb::GdbServer, HeronError> {
    let server = gdb::GdbServer::bind(addr, wait)?;
    // One write, so that the line never interleaves with other output.
    let line = format!("heron: gdb listening on {}\n", server.local_addr());
    let mut err = std::io::stderr().lock();
    // As for all of heron's diagnostics, a closed stderr is no reason to stop.
    let _ = err.write_all(line.as_bytes()).and_then(|()| err.flush());
    Ok(server)
}

/// Writes the signature region as Spike does: one little-endian 32-bit word
/// per line, lowercase hex.
fn write_signature(m: &Machine, path: &PathBuf, begin: u64, end: u64) -> Result<(), HeronError> {
    let bad_range = HeronError::SignatureRange { begin, end };
    let len = end.checked_sub(begin).ok_or(bad_range)?;
    let ram = m.bus().ram();
    // Checked before allocating: the symbols come from the user's ELF.
    if !ram.contains(begin, len) {
        return Err(HeronError::SignatureRange { begin, end });
    }
    let mut bytes = vec![0u8; len as usize];
    ram.read(begin, &mut bytes)
        .map_err(|_| HeronError::SignatureRange { begin, end })?;
    // Whole words only, as Spike writes them.
    let text: String = bytes
        .chunks_exact(4)
        .map(|w| format!("{:08x}\n", u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
        .collect();
    std::fs::write(path, text).map_err(|source| HeronError::Output {
        path: path.clone(),
        source,
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    let mut logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"));
    // `--log` classes are info-level events under their own targets.
    let Command::Run(args) = &cli.command;
    for target in args.debug.log_targets() {
        logger.filter_module(target, log::LevelFilter::Info);
    }
    logger.init();
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
