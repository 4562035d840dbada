//! The JIT's `--stats` line as the tests read it, and the check that a
//! test ran under the engine it meant to.

use super::JIT_FIRST_RUN;

/// The JIT's counters from heron's `--stats` line on stderr
/// (`heron: jit units=N declined=N insns=N compile=… native=P% code=NKiB
/// flushes=N`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct JitStats {
    /// Blocks translated.
    pub units: u64,
    /// Blocks the JIT left to the interpreter.
    pub declined: u64,
    /// Guest instructions compiled.
    pub insns: u64,
    /// The share of retired instructions that translated code retired, in
    /// percent.
    pub native_percent: f64,
    /// Code generations started afresh.
    pub flushes: u64,
    /// `--jit-check`: executions compared with the interpreter, and those
    /// left unchecked (they touched a device); 0 without the checker.
    pub checked: u64,
    pub unchecked: u64,
}

/// Checks heron's `--stats` for the engine a test ran under: with
/// [`JIT_FIRST_RUN`], that translated code ran (a debugger with nothing
/// armed lets it); otherwise, that there was no JIT.
pub fn assert_engine_ran(engine: &[&str], herr: &str) {
    let stats = jit_stats(herr);
    if engine == JIT_FIRST_RUN {
        let stats = stats.unwrap_or_else(|| panic!("no JIT stats:\n{herr}"));
        assert!(stats.units > 0, "nothing was translated: {stats:?}\n{herr}");
    } else {
        assert_eq!(stats, None, "a JIT under {engine:?}:\n{herr}");
    }
}

/// The start of the JIT's `--stats` line.
pub const JIT_STATS: &str = "heron: jit ";

/// Parses the JIT's `--stats` line out of `stderr`; `None` if there is none
/// (an interpreter run, or no `--stats`). Panics if the line is there but a
/// field is missing or malformed, so a changed format is noticed.
pub fn jit_stats(stderr: &str) -> Option<JitStats> {
    let line = stderr.lines().find_map(|l| l.strip_prefix(JIT_STATS))?;
    let field = |key: &str| -> &str {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no {key}= in the JIT stats line {line:?}"))
    };
    let count = |key: &str| -> u64 {
        field(key)
            .parse()
            .unwrap_or_else(|e| panic!("{key}= in {line:?}: {e}"))
    };
    let native = field("native");
    let optional = |key: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .map_or(0, |v| {
                v.parse()
                    .unwrap_or_else(|e| panic!("{key}= in {line:?}: {e}"))
            })
    };
    Some(JitStats {
        units: count("units"),
        declined: count("declined"),
        insns: count("insns"),
        native_percent: native
            .strip_suffix('%')
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("native= in {line:?} is not a percentage")),
        flushes: count("flushes"),
        checked: optional("checked"),
        unchecked: optional("unchecked"),
    })
}
