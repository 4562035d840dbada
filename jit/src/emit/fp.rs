//! F/D loads and stores, and double-precision arithmetic, inline where
//! the outcome is certain to be the interpreter's; everything else about
//! them goes to the interpreter's executor (SoftFloat, exact flags).
//!
//! The fast path needs `mstatus.FS` dirty already (so the op changes no
//! status bits) and, for arithmetic, round-to-nearest-even (static, or
//! dynamic with `frm` = RNE) and `fflags.NX` already set. Then finite
//! inputs and a finite result of magnitude at least 2^-1021 prove the host
//! operation (IEEE, round to nearest even) raised nothing but inexact —
//! no invalid operation, division by zero, overflow or underflow (the
//! result is not tiny, however tininess is detected) — and inexact is
//! already accrued, so `fflags` stays as it is. Otherwise the op runs
//! through the executor, from the same state.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value};
use heron_cpu::csr::MSTATUS_FS;
use heron_cpu::decode::{Kind, Op};
use heron_cpu::hart::offsets;

use super::Emitter;

/// `fflags.NX`.
const NX: i64 = 1;
/// The `rm` field's dynamic rounding mode.
const RM_DYN: u8 = 7;
/// Round to nearest, ties to even.
const RM_RNE: u8 = 0;
/// The exponent field of a double.
const EXP_MASK: i64 = 0x7ff0_0000_0000_0000;
/// The upper half that NaN-boxes a single in a 64-bit register.
const NAN_BOX: i64 = 0xffff_ffff_0000_0000_u64 as i64;

/// Whether `op` has a fast path here.
pub(super) fn handles(op: &Op) -> bool {
    use Kind::*;
    match op.kind {
        Flw | Fld | Fsw | Fsd => true,
        FaddD | FsubD | FmulD | FdivD | FmaddD | FmsubD | FnmsubD | FnmaddD => {
            op.rm == RM_RNE || op.rm == RM_DYN
        }
        _ => false,
    }
}

impl Emitter<'_> {
    /// Emits op `i` (`op`, at `pc`; [`handles`] is true): the fast path
    /// under its guard, the executor otherwise.
    pub(super) fn fp_op(&mut self, i: usize, pc: Value, op: &Op) {
        let (fast, slow, join) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        let ok = self.fp_guard(op);
        // Read before the arms, so that both know it; the executor in the
        // slow arm writes no x register (these ops have f destinations),
        // so what the block knows after the join is what it knew before.
        if matches!(op.kind, Kind::Flw | Kind::Fld | Kind::Fsw | Kind::Fsd) {
            self.x(op.rs1);
        }
        let known = self.known;
        self.in_arm = true;
        self.b.ins().brif(ok, fast, &[], slow, &[]);
        self.b.set_cold_block(slow);

        self.b.switch_to_block(fast);
        self.fp_fast(i, op, slow);
        self.b.ins().jump(join, &[]);

        self.b.switch_to_block(slow);
        // FP ops never end a block: the executor goes on or traps.
        self.interpret(i, pc, op);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
        self.in_arm = false;
        self.known = known;
    }

    /// True (non-zero) when the fast path may run: FS dirty; for
    /// arithmetic also RNE and NX accrued.
    fn fp_guard(&mut self, op: &Op) -> Value {
        let mstatus = self.b.ins().load(
            types::I64,
            self.mem.hart,
            self.hart,
            offsets::MSTATUS as i32,
        );
        let fs = self.b.ins().band_imm_s(mstatus, MSTATUS_FS as i64);
        let mut ok = self.b.ins().icmp_imm_s(IntCC::Equal, fs, MSTATUS_FS as i64);
        if matches!(op.kind, Kind::Flw | Kind::Fld | Kind::Fsw | Kind::Fsd) {
            return ok;
        }
        let flags =
            self.b
                .ins()
                .uload8(types::I64, self.mem.hart, self.hart, offsets::FFLAGS as i32);
        let nx = self.b.ins().band_imm_s(flags, NX);
        let accrued = self.b.ins().icmp_imm_s(IntCC::NotEqual, nx, 0);
        ok = self.b.ins().band(ok, accrued);
        if op.rm == RM_DYN {
            let frm =
                self.b
                    .ins()
                    .uload8(types::I64, self.mem.hart, self.hart, offsets::FRM as i32);
            let rne = self.b.ins().icmp_imm_s(IntCC::Equal, frm, RM_RNE as i64);
            ok = self.b.ins().band(ok, rne);
        }
        ok
    }

    fn f(&mut self, r: u8) -> Value {
        self.b.ins().load(
            types::I64,
            self.mem.regs[32 + r as usize],
            self.hart,
            (offsets::F + 8 * r as usize) as i32,
        )
    }

    fn set_f(&mut self, r: u8, bits: Value) {
        self.b.ins().store(
            self.mem.regs[32 + r as usize],
            bits,
            self.hart,
            (offsets::F + 8 * r as usize) as i32,
        );
    }

    /// The fast path; may still branch to `slow` (arithmetic whose
    /// outcome it cannot vouch for).
    fn fp_fast(&mut self, i: usize, op: &Op, slow: cranelift_codegen::ir::Block) {
        use Kind::*;
        let addr = |e: &mut Self| {
            let base = e.x(op.rs1);
            e.b.ins().iadd_imm_s(base, op.imm as i64)
        };
        match op.kind {
            Flw | Fld => {
                let vaddr = addr(self);
                let size = if op.kind == Flw { 4 } else { 8 };
                let raw = self.load_value(i, vaddr, size);
                let bits = if op.kind == Flw {
                    self.b.ins().bor_imm_s(raw, NAN_BOX)
                } else {
                    raw
                };
                self.set_f(op.rd, bits);
            }
            Fsw | Fsd => {
                let vaddr = addr(self);
                let size = if op.kind == Fsw { 4 } else { 8 };
                let bits = self.f(op.rs2);
                self.store_value(i, op, vaddr, size, bits);
            }
            _ => self.fp_arith(op, slow),
        }
    }

    /// Double-precision arithmetic on the host's FPU, with the checks
    /// that make its flags certain (see the module documentation).
    fn fp_arith(&mut self, op: &Op, slow: cranelift_codegen::ir::Block) {
        use Kind::*;
        let fused = matches!(op.kind, FmaddD | FmsubD | FnmsubD | FnmaddD);
        let mut inputs = vec![self.f(op.rs1), self.f(op.rs2)];
        if fused {
            inputs.push(self.f(op.rs3));
        }
        let mut all_finite: Option<Value> = None;
        for &bits in &inputs {
            let e = self.b.ins().band_imm_s(bits, EXP_MASK);
            let finite = self.b.ins().icmp_imm_s(IntCC::NotEqual, e, EXP_MASK);
            all_finite = Some(match all_finite {
                Some(acc) => self.b.ins().band(acc, finite),
                None => finite,
            });
        }
        let flags = MemFlagsData::new();
        let v: Vec<Value> = inputs
            .iter()
            .map(|&bits| self.b.ins().bitcast(types::F64, flags, bits))
            .collect();
        let r = match op.kind {
            FaddD => self.b.ins().fadd(v[0], v[1]),
            FsubD => self.b.ins().fsub(v[0], v[1]),
            FmulD => self.b.ins().fmul(v[0], v[1]),
            FdivD => self.b.ins().fdiv(v[0], v[1]),
            FmaddD => self.b.ins().fma(v[0], v[1], v[2]),
            FmsubD => {
                let c = self.b.ins().fneg(v[2]);
                self.b.ins().fma(v[0], v[1], c)
            }
            FnmsubD => {
                let a = self.b.ins().fneg(v[0]);
                self.b.ins().fma(a, v[1], v[2])
            }
            _ => {
                let a = self.b.ins().fneg(v[0]);
                let c = self.b.ins().fneg(v[2]);
                self.b.ins().fma(a, v[1], c)
            }
        };
        let bits = self.b.ins().bitcast(types::I64, flags, r);
        // Exponent field in 2..=0x7fe: finite, at least 2^-1021.
        let e = self.b.ins().ushr_imm_s(bits, 52);
        let e = self.b.ins().band_imm_s(e, 0x7ff);
        let e = self.b.ins().iadd_imm_s(e, -2);
        let normal = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, e, 0x7fc);
        let certain = match all_finite {
            Some(f) => self.b.ins().band(f, normal),
            None => normal,
        };
        let commit = self.b.create_block();
        self.b.ins().brif(certain, commit, &[], slow, &[]);
        self.b.switch_to_block(commit);
        self.set_f(op.rd, bits);
    }
}
