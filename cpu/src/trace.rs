//! `--trace`: one line per executed instruction, and one per trap.
//!
//! Format (columns separated by spaces):
//! `<priv> <pc> (<raw bits>) <disassembly> [<reg>=<value>]`, e.g.
//! `M 0000000080000004 (00a00513) li a0,10 a0=000000000000000a`.
//! Traps: `<priv> trap <exception|interrupt> cause=<n> tval=<x> epc=<x>`.

use std::io::{BufWriter, Write};

use crate::decode::Op;
use crate::disasm::{disassemble, xreg_name};
use crate::hart::Priv;

/// Writes the trace.
pub(crate) struct Tracer {
    out: BufWriter<Box<dyn Write + Send>>,
}

fn priv_letter(p: Priv) -> char {
    match p {
        Priv::M => 'M',
        Priv::S => 'S',
        Priv::U => 'U',
    }
}

impl Tracer {
    pub(crate) fn new(out: Box<dyn Write + Send>) -> Self {
        Tracer {
            out: BufWriter::with_capacity(1 << 16, out),
        }
    }

    /// Logs instruction `op` executed at `pc` in `privilege`; `written` is
    /// the new value of `x[op.rd]` if it wrote one.
    pub(crate) fn insn(&mut self, pc: u64, op: &Op, privilege: Priv, written: Option<u64>) {
        let text = disassemble(op.raw, pc).replace('\t', " ");
        let width = if op.len == 2 { 4 } else { 8 };
        // Trace output is best effort: a full disk must not stop the guest.
        let _ = match written {
            Some(v) => writeln!(
                self.out,
                "{} {pc:016x} ({:0width$x}) {text} {}={v:016x}",
                priv_letter(privilege),
                op.raw,
                xreg_name(op.rd)
            ),
            None => writeln!(
                self.out,
                "{} {pc:016x} ({:0width$x}) {text}",
                priv_letter(privilege),
                op.raw
            ),
        };
    }

    /// Logs a trap taken from `epc`.
    pub(crate) fn trap(&mut self, interrupt: bool, cause: u64, tval: u64, epc: u64) {
        let kind = if interrupt { "interrupt" } else { "exception" };
        let _ = writeln!(
            self.out,
            "trap {kind} cause={cause} tval={tval:#x} epc={epc:#x}"
        );
    }

    pub(crate) fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
