//! Integer ops (RV64I, M, Zba, Zbb, Zbs, Zicond) as Cranelift IR, with the
//! ISA's results where Cranelift's instructions differ (division by zero
//! and overflow, which trap on the host; shift amounts, masked here).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Type, Value};
use cranelift_frontend::FunctionBuilder;
use heron_cpu::decode::Kind;

/// Whether `kind` is an integer op [`emit`] translates.
pub(crate) fn is_alu(kind: Kind) -> bool {
    use Kind::*;
    matches!(
        kind,
        Lui | Auipc
            | Addi
            | Slti
            | Sltiu
            | Xori
            | Ori
            | Andi
            | Slli
            | Srli
            | Srai
            | Add
            | Sub
            | Sll
            | Slt
            | Sltu
            | Xor
            | Srl
            | Sra
            | Or
            | And
            | Addiw
            | Slliw
            | Srliw
            | Sraiw
            | Addw
            | Subw
            | Sllw
            | Srlw
            | Sraw
    ) || is_muldiv(kind)
        || is_bitmanip(kind)
}

fn is_muldiv(kind: Kind) -> bool {
    use Kind::*;
    matches!(
        kind,
        Mul | Mulh | Mulhsu | Mulhu | Div | Divu | Rem | Remu | Mulw | Divw | Divuw | Remw | Remuw
    )
}

fn is_bitmanip(kind: Kind) -> bool {
    use Kind::*;
    matches!(
        kind,
        AddUw
            | Sh1add
            | Sh2add
            | Sh3add
            | Sh1addUw
            | Sh2addUw
            | Sh3addUw
            | SlliUw
            | Andn
            | Orn
            | Xnor
            | Clz
            | Clzw
            | Ctz
            | Ctzw
            | Cpop
            | Cpopw
            | Max
            | Maxu
            | Min
            | Minu
            | SextB
            | SextH
            | ZextH
            | Rol
            | Rolw
            | Ror
            | Rorw
            | Rori
            | Roriw
            | Rev8
            | Bclr
            | Bclri
            | Bext
            | Bexti
            | Binv
            | Binvi
            | Bset
            | Bseti
            | CzeroEqz
            | CzeroNez
    )
}

/// Whether `kind` reads `rs2` (the immediate and one-source forms do
/// not: their rs2 field holds immediate or function bits).
pub(crate) fn reads_rs2(kind: Kind) -> bool {
    use Kind::*;
    !matches!(
        kind,
        Lui | Auipc
            | Addi
            | Slti
            | Sltiu
            | Xori
            | Ori
            | Andi
            | Slli
            | Srli
            | Srai
            | Addiw
            | Slliw
            | Srliw
            | Sraiw
            | SlliUw
            | Clz
            | Clzw
            | Ctz
            | Ctzw
            | Cpop
            | Cpopw
            | SextB
            | SextH
            | ZextH
            | Rori
            | Roriw
            | Rev8
            | Bclri
            | Bexti
            | Binvi
            | Bseti
    )
}

/// The value `kind` computes from `a` (rs1), `b` (rs2), `imm` and its `pc`.
pub(crate) fn emit(
    fb: &mut FunctionBuilder,
    kind: Kind,
    a: Value,
    b: Value,
    imm: i64,
    pc: Value,
) -> Value {
    if is_muldiv(kind) {
        return muldiv(fb, kind, a, b);
    }
    if is_bitmanip(kind) {
        return bitmanip(fb, kind, a, b, imm);
    }
    base(fb, kind, a, b, imm, pc)
}

fn flag(fb: &mut FunctionBuilder, cc: IntCC, a: Value, b: Value) -> Value {
    let c = fb.ins().icmp(cc, a, b);
    fb.ins().uextend(types::I64, c)
}

/// The low 32 bits of `v`, sign-extended (the W ops' results).
fn sext32(fb: &mut FunctionBuilder, v: Value) -> Value {
    let w = fb.ins().ireduce(types::I32, v);
    fb.ins().sextend(types::I64, w)
}

/// A constant of type `ty`: for I32, `v`'s low 32 bits, sign-extended
/// values being written as their two's complement in the type (`i64::MIN`
/// stands for the type's minimum).
fn konst(fb: &mut FunctionBuilder, ty: Type, v: i64) -> Value {
    if ty == types::I32 {
        let v32 = if v == i64::MIN { i32::MIN } else { v as i32 };
        fb.ins().iconst(ty, v32 as u32 as i64)
    } else {
        fb.ins().iconst(ty, v)
    }
}

fn narrow(fb: &mut FunctionBuilder, ty: Type, v: Value) -> Value {
    fb.ins().ireduce(ty, v)
}

fn base(fb: &mut FunctionBuilder, kind: Kind, a: Value, b: Value, imm: i64, pc: Value) -> Value {
    use Kind::*;
    let b63 = |fb: &mut FunctionBuilder| fb.ins().band_imm_s(b, 63);
    match kind {
        Lui => fb.ins().iconst(types::I64, imm),
        Auipc => fb.ins().iadd_imm_s(pc, imm),
        Addi => fb.ins().iadd_imm_s(a, imm),
        Slti => {
            let i = fb.ins().iconst(types::I64, imm);
            flag(fb, IntCC::SignedLessThan, a, i)
        }
        Sltiu => {
            let i = fb.ins().iconst(types::I64, imm);
            flag(fb, IntCC::UnsignedLessThan, a, i)
        }
        Xori => fb.ins().bxor_imm_s(a, imm),
        Ori => fb.ins().bor_imm_s(a, imm),
        Andi => fb.ins().band_imm_s(a, imm),
        Slli => fb.ins().ishl_imm_s(a, imm & 63),
        Srli => fb.ins().ushr_imm_s(a, imm & 63),
        Srai => fb.ins().sshr_imm_s(a, imm & 63),
        Add => fb.ins().iadd(a, b),
        Sub => fb.ins().isub(a, b),
        Sll => {
            let s = b63(fb);
            fb.ins().ishl(a, s)
        }
        Slt => flag(fb, IntCC::SignedLessThan, a, b),
        Sltu => flag(fb, IntCC::UnsignedLessThan, a, b),
        Xor => fb.ins().bxor(a, b),
        Srl => {
            let s = b63(fb);
            fb.ins().ushr(a, s)
        }
        Sra => {
            let s = b63(fb);
            fb.ins().sshr(a, s)
        }
        Or => fb.ins().bor(a, b),
        And => fb.ins().band(a, b),
        _ => word(fb, kind, a, b, imm),
    }
}

/// The RV64I W ops: 32-bit operations, results sign-extended.
fn word(fb: &mut FunctionBuilder, kind: Kind, a: Value, b: Value, imm: i64) -> Value {
    use Kind::*;
    let a32 = narrow(fb, types::I32, a);
    let b31 = {
        let s = fb.ins().band_imm_s(b, 31);
        narrow(fb, types::I32, s)
    };
    let r = match kind {
        // Adds and subtracts are the same in 64 bits, then truncated.
        Addiw => {
            let r = fb.ins().iadd_imm_s(a, imm);
            return sext32(fb, r);
        }
        Addw => {
            let r = fb.ins().iadd(a, b);
            return sext32(fb, r);
        }
        Subw => {
            let r = fb.ins().isub(a, b);
            return sext32(fb, r);
        }
        Slliw => fb.ins().ishl_imm_s(a32, imm & 31),
        Srliw => fb.ins().ushr_imm_s(a32, imm & 31),
        Sraiw => fb.ins().sshr_imm_s(a32, imm & 31),
        Sllw => fb.ins().ishl(a32, b31),
        Srlw => fb.ins().ushr(a32, b31),
        _ => fb.ins().sshr(a32, b31), // Sraw
    };
    fb.ins().sextend(types::I64, r)
}

/// Signed division or remainder of `a` by `b` in type `ty` with the ISA's
/// results: x/0 = -1, x%0 = x; MIN/-1 = MIN, MIN%-1 = 0 (dividing by 1
/// instead gives exactly those, so only /0 needs a select).
fn signed_div(fb: &mut FunctionBuilder, ty: Type, a: Value, b: Value, rem: bool) -> Value {
    let min = konst(fb, ty, i64::MIN);
    let minus_one = konst(fb, ty, -1);
    let zero = fb.ins().icmp_imm_s(IntCC::Equal, b, 0);
    let a_min = fb.ins().icmp(IntCC::Equal, a, min);
    let b_m1 = fb.ins().icmp(IntCC::Equal, b, minus_one);
    let overflow = fb.ins().band(a_min, b_m1);
    let bad = fb.ins().bor(zero, overflow);
    let one = fb.ins().iconst(ty, 1);
    let safe_b = fb.ins().select(bad, one, b);
    if rem {
        let r = fb.ins().srem(a, safe_b);
        fb.ins().select(zero, a, r)
    } else {
        let q = fb.ins().sdiv(a, safe_b);
        fb.ins().select(zero, minus_one, q)
    }
}

/// Unsigned division or remainder: x/0 = all ones, x%0 = x.
fn unsigned_div(fb: &mut FunctionBuilder, ty: Type, a: Value, b: Value, rem: bool) -> Value {
    let zero = fb.ins().icmp_imm_s(IntCC::Equal, b, 0);
    let one = fb.ins().iconst(ty, 1);
    let safe_b = fb.ins().select(zero, one, b);
    if rem {
        let r = fb.ins().urem(a, safe_b);
        fb.ins().select(zero, a, r)
    } else {
        let q = fb.ins().udiv(a, safe_b);
        let all_ones = konst(fb, ty, -1);
        fb.ins().select(zero, all_ones, q)
    }
}

fn muldiv(fb: &mut FunctionBuilder, kind: Kind, a: Value, b: Value) -> Value {
    use Kind::*;
    let i64t = types::I64;
    match kind {
        Mul => fb.ins().imul(a, b),
        Mulh => fb.ins().smulhi(a, b),
        Mulhu => fb.ins().umulhi(a, b),
        Mulhsu => {
            // hi(signed a × unsigned b) = hi(a × b unsigned) − (a < 0 ? b : 0)
            let hi = fb.ins().umulhi(a, b);
            let neg = fb.ins().icmp_imm_s(IntCC::SignedLessThan, a, 0);
            let zero = fb.ins().iconst(i64t, 0);
            let fix = fb.ins().select(neg, b, zero);
            fb.ins().isub(hi, fix)
        }
        Div => signed_div(fb, i64t, a, b, false),
        Rem => signed_div(fb, i64t, a, b, true),
        Divu => unsigned_div(fb, i64t, a, b, false),
        Remu => unsigned_div(fb, i64t, a, b, true),
        Mulw => {
            let p = fb.ins().imul(a, b);
            sext32(fb, p)
        }
        _ => {
            let (a32, b32) = (narrow(fb, types::I32, a), narrow(fb, types::I32, b));
            let r = match kind {
                Divw => signed_div(fb, types::I32, a32, b32, false),
                Remw => signed_div(fb, types::I32, a32, b32, true),
                Divuw => unsigned_div(fb, types::I32, a32, b32, false),
                _ => unsigned_div(fb, types::I32, a32, b32, true), // Remuw
            };
            fb.ins().sextend(i64t, r)
        }
    }
}

fn bitmanip(fb: &mut FunctionBuilder, kind: Kind, a: Value, b: Value, imm: i64) -> Value {
    use Kind::*;
    let uw = |fb: &mut FunctionBuilder| {
        let w = narrow(fb, types::I32, a);
        fb.ins().uextend(types::I64, w)
    };
    match kind {
        AddUw => {
            let w = uw(fb);
            fb.ins().iadd(b, w)
        }
        Sh1add | Sh2add | Sh3add => {
            let s = fb.ins().ishl_imm_s(a, shadd_shift(kind));
            fb.ins().iadd(b, s)
        }
        Sh1addUw | Sh2addUw | Sh3addUw => {
            let w = uw(fb);
            let s = fb.ins().ishl_imm_s(w, shadd_shift(kind));
            fb.ins().iadd(b, s)
        }
        SlliUw => {
            let w = uw(fb);
            fb.ins().ishl_imm_s(w, imm & 63)
        }
        Andn => fb.ins().band_not(a, b),
        Orn => fb.ins().bor_not(a, b),
        Xnor => fb.ins().bxor_not(a, b),
        Max => fb.ins().smax(a, b),
        Maxu => fb.ins().umax(a, b),
        Min => fb.ins().smin(a, b),
        Minu => fb.ins().umin(a, b),
        _ => bits(fb, kind, a, b, imm),
    }
}

fn shadd_shift(kind: Kind) -> i64 {
    match kind {
        Kind::Sh1add | Kind::Sh1addUw => 1,
        Kind::Sh2add | Kind::Sh2addUw => 2,
        _ => 3,
    }
}

/// Counts, extensions, rotates, byte reversal, single bits, Zicond.
fn bits(fb: &mut FunctionBuilder, kind: Kind, a: Value, b: Value, imm: i64) -> Value {
    use Kind::*;
    let i64t = types::I64;
    let on32 = |fb: &mut FunctionBuilder, f: fn(&mut FunctionBuilder, Value) -> Value| {
        let w = narrow(fb, types::I32, a);
        let r = f(fb, w);
        fb.ins().uextend(i64t, r)
    };
    let bit = |fb: &mut FunctionBuilder, by_imm: bool| {
        let one = fb.ins().iconst(i64t, 1);
        if by_imm {
            fb.ins().ishl_imm_s(one, imm & 63)
        } else {
            let s = fb.ins().band_imm_s(b, 63);
            fb.ins().ishl(one, s)
        }
    };
    match kind {
        Clz => fb.ins().clz(a),
        Ctz => fb.ins().ctz(a),
        Cpop => fb.ins().popcnt(a),
        Clzw => on32(fb, |fb, w| fb.ins().clz(w)),
        Ctzw => on32(fb, |fb, w| fb.ins().ctz(w)),
        Cpopw => on32(fb, |fb, w| fb.ins().popcnt(w)),
        SextB => {
            let n = narrow(fb, types::I8, a);
            fb.ins().sextend(i64t, n)
        }
        SextH => {
            let n = narrow(fb, types::I16, a);
            fb.ins().sextend(i64t, n)
        }
        ZextH => fb.ins().band_imm_s(a, 0xffff),
        Rev8 => fb.ins().bswap(a),
        Rol | Ror | Rori => {
            let s = if kind == Rori {
                fb.ins().iconst(i64t, imm & 63)
            } else {
                fb.ins().band_imm_s(b, 63)
            };
            if kind == Rol {
                fb.ins().rotl(a, s)
            } else {
                fb.ins().rotr(a, s)
            }
        }
        Rolw | Rorw | Roriw => {
            let w = narrow(fb, types::I32, a);
            let s = if kind == Roriw {
                fb.ins().iconst(types::I32, imm & 31)
            } else {
                let m = fb.ins().band_imm_s(b, 31);
                narrow(fb, types::I32, m)
            };
            let r = if kind == Rolw {
                fb.ins().rotl(w, s)
            } else {
                fb.ins().rotr(w, s)
            };
            fb.ins().sextend(i64t, r)
        }
        Bclr | Bclri => {
            let m = bit(fb, kind == Bclri);
            fb.ins().band_not(a, m)
        }
        Binv | Binvi => {
            let m = bit(fb, kind == Binvi);
            fb.ins().bxor(a, m)
        }
        Bset | Bseti => {
            let m = bit(fb, kind == Bseti);
            fb.ins().bor(a, m)
        }
        Bext | Bexti => {
            let s = if kind == Bexti {
                fb.ins().iconst(i64t, imm & 63)
            } else {
                fb.ins().band_imm_s(b, 63)
            };
            let v = fb.ins().ushr(a, s);
            fb.ins().band_imm_s(v, 1)
        }
        _ => {
            // CzeroEqz: rd = b == 0 ? 0 : a; CzeroNez: rd = b != 0 ? 0 : a.
            let cc = if kind == CzeroEqz {
                IntCC::Equal
            } else {
                IntCC::NotEqual
            };
            let c = fb.ins().icmp_imm_s(cc, b, 0);
            let zero = fb.ins().iconst(i64t, 0);
            fb.ins().select(c, zero, a)
        }
    }
}
