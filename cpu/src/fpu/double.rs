//! Double-precision (D extension) arithmetic, fused multiply-add, min/max,
//! comparisons, classification and sign injection.
//!
//! In RNE the arithmetic first tries the host-FPU fast paths of `fast`;
//! comparisons without NaN operands are the host's, which raise nothing.
//!
//! The D extension defines these as the double-precision analogues of the
//! F extension's instructions (D extension, §Double-Precision Floating-Point
//! Computational Instructions, §Double-Precision Floating-Point Compare
//! Instructions, §Double-Precision Floating-Point Classify Instruction), so
//! the F-extension sections cited here apply unchanged.

use super::{call1, call2, call3, fast, Inject, F64, RNE};
use softfloat_sys as sf;

/// Wraps a bit pattern as SoftFloat's binary64 type.
fn fl(v: u64) -> sf::float64_t {
    sf::float64_t { v }
}

/// The sign bit of binary64.
const SIGN: u64 = 0x8000_0000_0000_0000;

/// FADD.D: `a + b`, rounded with `rm`.
pub fn f64_add(a: u64, b: u64, rm: u8) -> (u64, u8) {
    if rm == RNE {
        if let Some(r) = fast::add64(a, b) {
            return r;
        }
    }
    let (r, flags) = call2(rm, sf::f64_add, fl(a), fl(b));
    (r.v, flags)
}

/// FSUB.D: `a - b`, rounded with `rm`.
pub fn f64_sub(a: u64, b: u64, rm: u8) -> (u64, u8) {
    if rm == RNE {
        // a − b is a + (−b) exactly: negation only flips the sign bit.
        if let Some(r) = fast::add64(a, b ^ SIGN) {
            return r;
        }
    }
    let (r, flags) = call2(rm, sf::f64_sub, fl(a), fl(b));
    (r.v, flags)
}

/// FMUL.D: `a * b`, rounded with `rm`.
pub fn f64_mul(a: u64, b: u64, rm: u8) -> (u64, u8) {
    if rm == RNE {
        if let Some(r) = fast::mul64(a, b) {
            return r;
        }
    }
    let (r, flags) = call2(rm, sf::f64_mul, fl(a), fl(b));
    (r.v, flags)
}

/// FDIV.D: `a / b`, rounded with `rm`.
pub fn f64_div(a: u64, b: u64, rm: u8) -> (u64, u8) {
    if rm == RNE {
        if let Some(r) = fast::div64(a, b) {
            return r;
        }
    }
    let (r, flags) = call2(rm, sf::f64_div, fl(a), fl(b));
    (r.v, flags)
}

/// FSQRT.D: the square root of `a`, rounded with `rm`.
pub fn f64_sqrt(a: u64, rm: u8) -> (u64, u8) {
    if rm == RNE {
        if let Some(r) = fast::sqrt64(a) {
            return r;
        }
    }
    let (r, flags) = call1(rm, sf::f64_sqrt, fl(a));
    (r.v, flags)
}

/// The fused multiply-add `a * b + c` with a single rounding; the four
/// FMA instructions differ only in which operands they negate first.
fn mul_add(a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    if rm == RNE {
        if let Some(r) = fast::mul_add64(a, b, c) {
            return r;
        }
    }
    let (r, flags) = call3(rm, sf::f64_mulAdd, fl(a), fl(b), fl(c));
    (r.v, flags)
}

/// FMADD.D: `a * b + c` with a single rounding.
pub fn f64_madd(a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    mul_add(a, b, c, rm)
}

/// FMSUB.D: `a * b - c` with a single rounding.
pub fn f64_msub(a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    // Subtracting c is adding −c, exactly (negation only flips the sign
    // bit), so the single rounding and the sign of a zero sum are those of
    // the instruction's definition.
    mul_add(a, b, c ^ SIGN, rm)
}

/// FNMSUB.D: `-(a * b) + c` with a single rounding.
pub fn f64_nmsub(a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    // RISC-V negates the product, not the sum (F extension, §Single-Precision
    // Floating-Point Computational Instructions: the note on FNMSUB/FNMADD
    // naming), and −(a·b) = (−a)·b exactly. Negating the rounded sum instead
    // would give the wrong sign for zero results, e.g. in RDN. A NaN operand
    // whose sign this flips still produces the canonical NaN.
    mul_add(a ^ SIGN, b, c, rm)
}

/// FNMADD.D: `-(a * b) - c` with a single rounding.
pub fn f64_nmadd(a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    // As in `f64_nmsub`: negate the operands, never the result.
    mul_add(a ^ SIGN, b, c ^ SIGN, rm)
}

/// FMIN.D: the smaller of `a` and `b`, with −0 < +0; one NaN operand yields
/// the other, two yield the canonical NaN; NV if either is signaling.
pub fn f64_min(a: u64, b: u64) -> (u64, u8) {
    F64.min_max(a, b, false)
}

/// FMAX.D: the larger of `a` and `b`, with −0 < +0; one NaN operand yields
/// the other, two yield the canonical NaN; NV if either is signaling.
pub fn f64_max(a: u64, b: u64) -> (u64, u8) {
    F64.min_max(a, b, true)
}

/// FEQ.D: `a == b`, a quiet comparison: NV only for a signaling NaN
/// operand (F extension, §Single-Precision Floating-Point Compare
/// Instructions). False if either operand is a NaN.
pub fn f64_eq(a: u64, b: u64) -> (bool, u8) {
    if !F64.is_nan(a) && !F64.is_nan(b) {
        // Without NaNs, IEEE 754 comparisons raise nothing, and the host's
        // agree with SoftFloat's (−0 == +0).
        return (f64::from_bits(a) == f64::from_bits(b), 0);
    }
    call2(RNE, sf::f64_eq, fl(a), fl(b))
}

/// FLT.D: `a < b`, a signaling comparison: NV for any NaN operand.
/// False if either operand is a NaN.
pub fn f64_lt(a: u64, b: u64) -> (bool, u8) {
    if !F64.is_nan(a) && !F64.is_nan(b) {
        // As in `f64_eq`.
        return (f64::from_bits(a) < f64::from_bits(b), 0);
    }
    call2(RNE, sf::f64_lt, fl(a), fl(b))
}

/// FLE.D: `a <= b`, a signaling comparison: NV for any NaN operand.
/// False if either operand is a NaN.
pub fn f64_le(a: u64, b: u64) -> (bool, u8) {
    if !F64.is_nan(a) && !F64.is_nan(b) {
        // As in `f64_eq`.
        return (f64::from_bits(a) <= f64::from_bits(b), 0);
    }
    call2(RNE, sf::f64_le, fl(a), fl(b))
}

/// FCLASS.D: the 10-bit class mask of `a` (bit 0 −∞, 1 negative normal,
/// 2 negative subnormal, 3 −0, 4 +0, 5 positive subnormal, 6 positive
/// normal, 7 +∞, 8 signaling NaN, 9 quiet NaN). Raises no flags.
pub fn f64_classify(a: u64) -> u64 {
    F64.classify(a)
}

/// FSGNJ.D: `a` with the sign of `b`.
pub fn f64_sgnj(a: u64, b: u64) -> u64 {
    F64.sign_inject(a, b, Inject::Copy)
}

/// FSGNJN.D: `a` with the opposite of the sign of `b`.
pub fn f64_sgnjn(a: u64, b: u64) -> u64 {
    F64.sign_inject(a, b, Inject::Negate)
}

/// FSGNJX.D: `a` with its sign XORed with the sign of `b`.
pub fn f64_sgnjx(a: u64, b: u64) -> u64 {
    F64.sign_inject(a, b, Inject::Xor)
}
