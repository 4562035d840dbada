//! Command-line options for debugging: the gdb stub, trace filters and
//! event logging.

use std::ops::Range;

use heron_cpu::trace::{log_target, LogEvents, PrivSet, TraceConfig, TraceFilter};
use heron_cpu::Priv;

/// The address QEMU's `-s` listens on.
pub const DEFAULT_GDB_ADDR: &str = "127.0.0.1:1234";

/// Debugging options of `heron run`.
#[derive(clap::Args, Debug, Default)]
pub struct DebugArgs {
    /// Serve the GDB remote protocol on ADDR (HOST:PORT, or PORT alone for
    /// 127.0.0.1:PORT). gdb may connect at any time; connecting stops the
    /// guest.
    #[arg(long, value_name = "ADDR", value_parser = parse_gdb_addr, group = "gdb_server")]
    pub gdb: Option<String>,
    /// Shorthand for --gdb 127.0.0.1:1234 (as QEMU's -s).
    #[arg(short = 's', group = "gdb_server")]
    pub gdb_default: bool,
    /// Hold the hart at its reset pc until gdb connects and continues it
    /// (as QEMU's -S). Needs --gdb or -s.
    #[arg(long, short = 'S', requires = "gdb_server")]
    pub gdb_wait: bool,
    /// Trace only instructions (and traps) with START <= pc < END; numbers
    /// in hex with 0x, or decimal.
    #[arg(long, value_name = "START:END", value_parser = parse_pc_range)]
    pub trace_range: Option<Range<u64>>,
    /// Trace only these privilege levels: m, s, u (repeatable, or a comma
    /// list).
    #[arg(long, value_name = "m|s|u", value_delimiter = ',', value_parser = parse_priv)]
    pub trace_priv: Vec<Priv>,
    /// Stop writing the trace after N lines.
    #[arg(long, value_name = "N")]
    pub trace_limit: Option<u64>,
    /// Log events to stderr (as QEMU's -d; repeatable, or a comma list):
    /// int (traps and interrupts), mmu (page faults), unimp (illegal
    /// instructions), guest_errors (access faults). RUST_LOG filters them
    /// further (targets heron::int, heron::mmu, ...).
    #[arg(long, value_name = "EVENTS", value_delimiter = ',')]
    pub log: Vec<LogClass>,
}

/// An event class of `--log`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogClass {
    /// Traps and interrupts.
    Int,
    /// Page faults.
    Mmu,
    /// Illegal instructions.
    Unimp,
    /// Access faults.
    #[value(name = "guest_errors")]
    GuestErrors,
}

impl DebugArgs {
    /// The address to serve gdb on, if any.
    pub fn gdb_addr(&self) -> Option<&str> {
        match (&self.gdb, self.gdb_default) {
            (Some(addr), _) => Some(addr),
            (None, true) => Some(DEFAULT_GDB_ADDR),
            (None, false) => None,
        }
    }

    /// The `--log` classes.
    pub fn log_events(&self) -> LogEvents {
        let on = |c| self.log.contains(&c);
        LogEvents {
            int: on(LogClass::Int),
            mmu: on(LogClass::Mmu),
            unimp: on(LogClass::Unimp),
            guest_errors: on(LogClass::GuestErrors),
        }
    }

    /// The `log` targets to enable at info level for the `--log` classes.
    pub fn log_targets(&self) -> Vec<&'static str> {
        self.log
            .iter()
            .map(|c| match c {
                LogClass::Int => log_target::INT,
                LogClass::Mmu => log_target::MMU,
                LogClass::Unimp => log_target::UNIMP,
                LogClass::GuestErrors => log_target::GUEST_ERRORS,
            })
            .collect()
    }

    /// Trace filters and logged events, for `Hart::set_trace`.
    pub fn trace_config(&self) -> TraceConfig {
        let privs = if self.trace_priv.is_empty() {
            PrivSet::ALL
        } else {
            self.trace_priv
                .iter()
                .fold(PrivSet::EMPTY, |set, &p| set.with(p))
        };
        TraceConfig {
            filter: TraceFilter {
                pc_range: self.trace_range.clone(),
                privs,
                limit: self.trace_limit,
            },
            log: self.log_events(),
        }
    }
}

/// Parses `HOST:PORT` or `PORT`.
fn parse_gdb_addr(s: &str) -> Result<String, String> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(format!("127.0.0.1:{port}"));
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(s.to_string()),
        _ => Err(format!("'{s}' is not HOST:PORT or PORT")),
    }
}

/// Parses a number in decimal or `0x` hex.
fn parse_u64(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => s.parse(),
    };
    parsed.map_err(|_| format!("'{s}' is not a number (decimal, or hex with 0x)"))
}

/// Parses `START:END` (END exclusive, greater than START).
fn parse_pc_range(s: &str) -> Result<Range<u64>, String> {
    let (start, end) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}' is not START:END"))?;
    let (start, end) = (parse_u64(start)?, parse_u64(end)?);
    if end <= start {
        return Err(format!("empty range '{s}': END must be above START"));
    }
    Ok(start..end)
}

/// Parses `m`, `s` or `u`.
fn parse_priv(s: &str) -> Result<Priv, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "m" => Ok(Priv::M),
        "s" => Ok(Priv::S),
        "u" => Ok(Priv::U),
        _ => Err(format!("'{s}' is not a privilege level (m, s or u)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        debug: DebugArgs,
    }

    fn parse(args: &[&str]) -> Result<DebugArgs, clap::Error> {
        let argv = std::iter::once("heron").chain(args.iter().copied());
        Cli::try_parse_from(argv).map(|c| c.debug)
    }

    #[test]
    fn gdb_addresses() {
        assert_eq!(parse(&[]).unwrap().gdb_addr(), None);
        assert_eq!(parse(&["-s"]).unwrap().gdb_addr(), Some("127.0.0.1:1234"));
        assert_eq!(
            parse(&["--gdb", "4321"]).unwrap().gdb_addr(),
            Some("127.0.0.1:4321")
        );
        assert_eq!(
            parse(&["--gdb", "0.0.0.0:99", "-S"]).unwrap().gdb_addr(),
            Some("0.0.0.0:99")
        );
        assert!(parse(&["--gdb", "nonsense"]).is_err());
        assert!(parse(&["--gdb", "host:99999"]).is_err());
        assert!(parse(&["-S"]).is_err(), "-S without a gdb address");
        assert!(parse(&["-s", "--gdb", "1"]).is_err(), "two addresses");
    }

    #[test]
    fn trace_filters() {
        let a = parse(&[
            "--trace-range",
            "0x80000000:0x80000100",
            "--trace-priv",
            "s,u",
            "--trace-limit",
            "10",
        ])
        .unwrap();
        let f = a.trace_config().filter;
        assert_eq!(f.pc_range, Some(0x8000_0000..0x8000_0100));
        assert!(f.privs.contains(Priv::S) && f.privs.contains(Priv::U));
        assert!(!f.privs.contains(Priv::M));
        assert_eq!(f.limit, Some(10));
        let all = parse(&[]).unwrap().trace_config().filter;
        assert_eq!(all, TraceFilter::default());
        assert!(parse(&["--trace-range", "0x10:0x10"]).is_err());
        assert!(parse(&["--trace-range", "10"]).is_err());
        assert!(parse(&["--trace-priv", "h"]).is_err());
    }

    #[test]
    fn log_classes() {
        let a = parse(&["--log", "int,guest_errors", "--log", "unimp"]).unwrap();
        let e = a.log_events();
        assert!(e.int && e.unimp && e.guest_errors && !e.mmu);
        assert_eq!(
            a.log_targets(),
            ["heron::int", "heron::guest_errors", "heron::unimp"]
        );
        assert!(parse(&["--log", "everything"]).is_err());
    }
}
