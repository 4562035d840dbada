//! `--trace` (one line per executed instruction and per trap, optionally
//! filtered) and `--log` (QEMU `-d`-style event logging).
//!
//! Trace file format (columns separated by spaces):
//! `<priv> <pc> (<raw bits>) <disassembly> [<reg>=<value>]`, e.g.
//! `M 0000000080000004 (00a00513) li a0,10 a0=000000000000000a`.
//! Traps: `<priv> trap <exception|interrupt> cause=<n> (<name>) tval=<x>
//! epc=<x> -> <new priv> pc=<x>`, where the first privilege is the one the
//! trap was taken from.
//!
//! Filters ([`TraceFilter`]) decide which lines reach the file: a pc range
//! and a set of privilege levels (a trap line is judged by its `epc` and the
//! privilege it was taken from), and a limit on the number of lines written.
//!
//! `--log` events ([`LogEvents`]) go through the `log` crate at info level,
//! under the targets in [`log_target`], whether or not a trace file is
//! written; they are not filtered.
//!
//! The interpreter only calls into this module when the hart has a tracer,
//! so none of it costs anything when tracing and logging are off.

use std::io::{BufWriter, Write};
use std::ops::Range;

use crate::decode::Op;
use crate::disasm::{disassemble, xreg_name};
use crate::hart::{Hart, Priv};
use crate::trap::cause;

/// `log` targets of the `--log` event classes.
pub mod log_target {
    /// Traps and interrupts.
    pub const INT: &str = "heron::int";
    /// Page faults.
    pub const MMU: &str = "heron::mmu";
    /// Illegal instructions.
    pub const UNIMP: &str = "heron::unimp";
    /// Access faults: no RAM or device at the physical address, or PMP.
    pub const GUEST_ERRORS: &str = "heron::guest_errors";
}

/// A set of privilege levels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrivSet(u8);

impl PrivSet {
    /// No level.
    pub const EMPTY: PrivSet = PrivSet(0);
    /// U, S and M.
    pub const ALL: PrivSet = PrivSet(0b1011);

    /// This set with `p` added.
    pub fn with(self, p: Priv) -> PrivSet {
        PrivSet(self.0 | 1 << p as u8)
    }

    /// Whether `p` is in the set.
    #[inline]
    pub fn contains(self, p: Priv) -> bool {
        self.0 & 1 << p as u8 != 0
    }
}

/// Which trace lines are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceFilter {
    /// Only instructions (and traps) whose pc is in this half-open range.
    pub pc_range: Option<Range<u64>>,
    /// Only these privilege levels.
    pub privs: PrivSet,
    /// Stop writing after this many lines.
    pub limit: Option<u64>,
}

impl Default for TraceFilter {
    fn default() -> Self {
        TraceFilter {
            pc_range: None,
            privs: PrivSet::ALL,
            limit: None,
        }
    }
}

impl TraceFilter {
    #[inline]
    fn passes(&self, pc: u64, privilege: Priv) -> bool {
        self.privs.contains(privilege) && self.pc_range.as_ref().is_none_or(|r| r.contains(&pc))
    }
}

/// Event classes logged through the `log` crate, named as QEMU's `-d`
/// options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogEvents {
    /// Every trap and interrupt: cause, `tval`, `epc`, privilege change and
    /// the new pc.
    pub int: bool,
    /// Page faults, with the faulting address.
    pub mmu: bool,
    /// Illegal instructions, with their bits and disassembly.
    pub unimp: bool,
    /// Access faults (accesses to physical addresses with no RAM or device
    /// behind them, or denied by PMP).
    pub guest_errors: bool,
}

impl LogEvents {
    /// Whether any class is on.
    pub fn any(&self) -> bool {
        self.int || self.mmu || self.unimp || self.guest_errors
    }
}

/// What the hart traces and logs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceConfig {
    /// Filters on the trace file's lines.
    pub filter: TraceFilter,
    /// Events to log.
    pub log: LogEvents,
}

/// Writes the trace and logs events.
pub(crate) struct Tracer {
    /// The trace file, if one is written (`--log` alone needs none).
    out: Option<BufWriter<Box<dyn Write + Send>>>,
    config: TraceConfig,
    /// Lines written so far.
    lines: u64,
}

fn priv_letter(p: Priv) -> char {
    match p {
        Priv::M => 'M',
        Priv::S => 'S',
        Priv::U => 'U',
    }
}

/// Name of trap cause `code` (privileged spec, Table "mcause values").
fn cause_name(interrupt: bool, code: u64) -> &'static str {
    if interrupt {
        return match code {
            1 => "supervisor software interrupt",
            3 => "machine software interrupt",
            5 => "supervisor timer interrupt",
            7 => "machine timer interrupt",
            9 => "supervisor external interrupt",
            11 => "machine external interrupt",
            _ => "interrupt",
        };
    }
    match code {
        cause::INSN_MISALIGNED => "instruction address misaligned",
        cause::INSN_ACCESS => "instruction access fault",
        cause::ILLEGAL_INSN => "illegal instruction",
        cause::BREAKPOINT => "breakpoint",
        cause::LOAD_MISALIGNED => "load address misaligned",
        cause::LOAD_ACCESS => "load access fault",
        cause::STORE_MISALIGNED => "store/AMO address misaligned",
        cause::STORE_ACCESS => "store/AMO access fault",
        cause::ECALL_U => "environment call from U-mode",
        cause::ECALL_S => "environment call from S-mode",
        cause::ECALL_M => "environment call from M-mode",
        cause::INSN_PAGE => "instruction page fault",
        cause::LOAD_PAGE => "load page fault",
        cause::STORE_PAGE => "store/AMO page fault",
        _ => "exception",
    }
}

/// A trap as it was taken.
struct TrapRecord {
    interrupt: bool,
    code: u64,
    tval: u64,
    epc: u64,
    from: Priv,
    to: Priv,
    new_pc: u64,
}

impl Tracer {
    /// A tracer writing `config`'s selection of lines to `out` (if any) and
    /// logging `config`'s events.
    pub(crate) fn with_config(out: Option<Box<dyn Write + Send>>, config: TraceConfig) -> Self {
        Tracer {
            out: out.map(|o| BufWriter::with_capacity(1 << 16, o)),
            config,
            lines: 0,
        }
    }

    /// Whether per-instruction lines can be written at all; the
    /// interpreter may skip calling [`Tracer::insn`] when not.
    #[inline]
    pub(crate) fn wants_insns(&self) -> bool {
        self.out.is_some() && self.config.filter.limit.is_none_or(|l| self.lines < l)
    }

    /// The trace file, if this line (at `pc` in `privilege`) passes the
    /// filters and the limit; counts the line.
    #[inline]
    fn line_out(
        &mut self,
        pc: u64,
        privilege: Priv,
    ) -> Option<&mut BufWriter<Box<dyn Write + Send>>> {
        if !self.wants_insns() || !self.config.filter.passes(pc, privilege) {
            return None;
        }
        self.lines += 1;
        self.out.as_mut()
    }

    /// Logs instruction `op` executed at `pc` in `privilege`; `written` is
    /// the new value of `x[op.rd]` if it wrote one.
    pub(crate) fn insn(&mut self, pc: u64, op: &Op, privilege: Priv, written: Option<u64>) {
        let Some(out) = self.line_out(pc, privilege) else {
            return;
        };
        let text = disassemble(op.raw, pc).replace('\t', " ");
        let width = if op.len == 2 { 4 } else { 8 };
        let p = priv_letter(privilege);
        // Trace output is best effort: a full disk must not stop the guest.
        let _ = match written {
            Some(v) => writeln!(
                out,
                "{p} {pc:016x} ({:0width$x}) {text} {}={v:016x}",
                op.raw,
                xreg_name(op.rd)
            ),
            None => writeln!(out, "{p} {pc:016x} ({:0width$x}) {text}", op.raw),
        };
    }

    /// Writes the trace line and the log lines for a trap just taken.
    fn trap_taken(&mut self, t: &TrapRecord, satp: u64) {
        let kind = if t.interrupt {
            "interrupt"
        } else {
            "exception"
        };
        let name = cause_name(t.interrupt, t.code);
        let (code, tval, epc, new_pc) = (t.code, t.tval, t.epc, t.new_pc);
        let (from, to) = (priv_letter(t.from), priv_letter(t.to));
        if let Some(out) = self.line_out(epc, t.from) {
            let _ = writeln!(
                out,
                "{from} trap {kind} cause={code} ({name}) tval={tval:#x} epc={epc:#x} -> {to} pc={new_pc:#x}"
            );
        }
        let log = self.config.log;
        if log.int {
            log::info!(
                target: log_target::INT,
                "{kind} cause={code} ({name}) tval={tval:#x} epc={epc:#x} {from}->{to} pc={new_pc:#x}"
            );
        }
        if t.interrupt {
            return;
        }
        match code {
            cause::INSN_PAGE | cause::LOAD_PAGE | cause::STORE_PAGE if log.mmu => {
                log::info!(
                    target: log_target::MMU,
                    "{name} at {tval:#x} (pc={epc:#x} priv={from} satp={satp:#x})"
                );
            }
            cause::ILLEGAL_INSN if log.unimp => {
                let bits = tval as u32;
                let text = disassemble(bits, epc).replace('\t', " ");
                let width = if bits & 3 == 3 { 8 } else { 4 };
                log::info!(
                    target: log_target::UNIMP,
                    "illegal instruction {bits:0width$x} ({text}) at pc={epc:#x} priv={from}"
                );
            }
            cause::INSN_ACCESS | cause::LOAD_ACCESS | cause::STORE_ACCESS if log.guest_errors => {
                log::info!(
                    target: log_target::GUEST_ERRORS,
                    "{name} at {tval:#x} (pc={epc:#x} priv={from}): no RAM or device at the \
                     physical address, or PMP denies the access"
                );
            }
            _ => {}
        }
    }

    pub(crate) fn flush(&mut self) -> std::io::Result<()> {
        match self.out.as_mut() {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Hart {
    /// Starts tracing and logging as `config` says: trace lines go to `out`
    /// (none: only `--log` events are reported). Replaces any tracer set
    /// before.
    pub fn set_trace(&mut self, out: Option<Box<dyn Write + Send>>, config: TraceConfig) {
        self.tracer = Some(Tracer::with_config(out, config));
    }

    /// Reports the trap just taken from privilege `from` at `epc` (the hart
    /// is already at the handler): called by the trap path when a tracer is
    /// set.
    pub(crate) fn trace_trap(
        &mut self,
        interrupt: bool,
        code: u64,
        tval: u64,
        epc: u64,
        from: Priv,
    ) {
        let record = TrapRecord {
            interrupt,
            code,
            tval,
            epc,
            from,
            to: self.privilege,
            new_pc: self.pc,
        };
        let satp = self.csr.satp;
        if let Some(t) = self.tracer.as_mut() {
            t.trap_taken(&record, satp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A `Write` whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn tracer(filter: TraceFilter) -> (Tracer, Shared) {
        let buf = Shared::default();
        let config = TraceConfig {
            filter,
            log: LogEvents::default(),
        };
        (
            Tracer::with_config(Some(Box::new(buf.clone())), config),
            buf,
        )
    }

    const LI_A0_10: u32 = 0x00a0_0513;

    fn run(t: &mut Tracer, pcs: &[(u64, Priv)]) {
        let op = crate::decode::decode(LI_A0_10);
        for &(pc, p) in pcs {
            t.insn(pc, &op, p, Some(10));
        }
        t.flush().unwrap();
    }

    #[test]
    fn unfiltered_line_format() {
        let (mut t, buf) = tracer(TraceFilter::default());
        run(&mut t, &[(0x8000_0004, Priv::M)]);
        assert_eq!(
            buf.text(),
            "M 0000000080000004 (00a00513) li a0,10 a0=000000000000000a\n"
        );
    }

    #[test]
    fn range_priv_and_limit_filter_lines() {
        let filter = TraceFilter {
            pc_range: Some(0x100..0x200),
            privs: PrivSet::EMPTY.with(Priv::S),
            limit: Some(2),
        };
        let (mut t, buf) = tracer(filter);
        run(
            &mut t,
            &[
                (0x100, Priv::M), // wrong privilege
                (0x0fe, Priv::S), // below the range
                (0x100, Priv::S), // 1
                (0x200, Priv::S), // end is exclusive
                (0x1fe, Priv::S), // 2
                (0x150, Priv::S), // over the limit
            ],
        );
        let text = buf.text();
        let pcs: Vec<&str> = text.lines().map(|l| &l[2..18]).collect();
        assert_eq!(pcs, ["0000000000000100", "00000000000001fe"]);
        assert!(!t.wants_insns(), "limit reached");
    }

    #[test]
    fn trap_lines_name_both_privileges_and_the_handler() {
        let mut h = Hart::new(0, 0x8000_0000);
        let buf = Shared::default();
        h.set_trace(Some(Box::new(buf.clone())), TraceConfig::default());
        h.csr.mtvec = 0x8000_0100;
        h.privilege = Priv::S;
        h.enter_trap_for_test(cause::ILLEGAL_INSN, 0x1234_5678, 0x8000_0010);
        h.flush_trace().unwrap();
        assert_eq!(
            buf.text(),
            "S trap exception cause=2 (illegal instruction) tval=0x12345678 \
             epc=0x80000010 -> M pc=0x80000100\n"
        );
    }

    #[test]
    fn privs_parse_as_a_set() {
        let s = PrivSet::EMPTY.with(Priv::U).with(Priv::M);
        assert!(s.contains(Priv::U) && s.contains(Priv::M) && !s.contains(Priv::S));
        assert!([Priv::U, Priv::S, Priv::M]
            .iter()
            .all(|&p| PrivSet::ALL.contains(p)));
    }

    impl Hart {
        /// Takes an exception and reports it as the trap path does.
        fn enter_trap_for_test(&mut self, code: u64, tval: u64, epc: u64) {
            let from = self.privilege;
            // Without the tracer, so only `trace_trap` reports the trap.
            let tracer = self.tracer.take();
            self.take_exception(crate::trap::Trap::new(code, tval), epc);
            self.tracer = tracer;
            self.trace_trap(false, code, tval, epc, from);
        }
    }
}
