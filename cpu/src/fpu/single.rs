//! Single-precision (F extension) arithmetic, fused multiply-add, min/max,
//! comparisons, classification and sign injection.
//!
//! In RNE the arithmetic first tries the host-FPU fast paths of `fast`;
//! comparisons without NaN operands are the host's, which raise nothing.

use super::{call1, call2, call3, fast, Inject, F32, RNE};
use softfloat_sys as sf;

/// Wraps a bit pattern as SoftFloat's binary32 type.
fn fl(v: u32) -> sf::float32_t {
    sf::float32_t { v }
}

/// The sign bit of binary32.
const SIGN: u32 = 0x8000_0000;

/// FADD.S: `a + b`, rounded with `rm`.
pub fn f32_add(a: u32, b: u32, rm: u8) -> (u32, u8) {
    if rm == RNE {
        if let Some(r) = fast::add32(a, b) {
            return r;
        }
    }
    let (r, flags) = call2(rm, sf::f32_add, fl(a), fl(b));
    (r.v, flags)
}

/// FSUB.S: `a - b`, rounded with `rm`.
pub fn f32_sub(a: u32, b: u32, rm: u8) -> (u32, u8) {
    if rm == RNE {
        // a − b is a + (−b) exactly: negation only flips the sign bit.
        if let Some(r) = fast::add32(a, b ^ SIGN) {
            return r;
        }
    }
    let (r, flags) = call2(rm, sf::f32_sub, fl(a), fl(b));
    (r.v, flags)
}

/// FMUL.S: `a * b`, rounded with `rm`.
pub fn f32_mul(a: u32, b: u32, rm: u8) -> (u32, u8) {
    if rm == RNE {
        if let Some(r) = fast::mul32(a, b) {
            return r;
        }
    }
    let (r, flags) = call2(rm, sf::f32_mul, fl(a), fl(b));
    (r.v, flags)
}

/// FDIV.S: `a / b`, rounded with `rm`.
pub fn f32_div(a: u32, b: u32, rm: u8) -> (u32, u8) {
    if rm == RNE {
        if let Some(r) = fast::div32(a, b) {
            return r;
        }
    }
    let (r, flags) = call2(rm, sf::f32_div, fl(a), fl(b));
    (r.v, flags)
}

/// FSQRT.S: the square root of `a`, rounded with `rm`.
pub fn f32_sqrt(a: u32, rm: u8) -> (u32, u8) {
    if rm == RNE {
        if let Some(r) = fast::sqrt32(a) {
            return r;
        }
    }
    let (r, flags) = call1(rm, sf::f32_sqrt, fl(a));
    (r.v, flags)
}

/// The fused multiply-add `a * b + c` with a single rounding; the four
/// FMA instructions differ only in which operands they negate first.
fn mul_add(a: u32, b: u32, c: u32, rm: u8) -> (u32, u8) {
    if rm == RNE {
        if let Some(r) = fast::mul_add32(a, b, c) {
            return r;
        }
    }
    let (r, flags) = call3(rm, sf::f32_mulAdd, fl(a), fl(b), fl(c));
    (r.v, flags)
}

/// FMADD.S: `a * b + c` with a single rounding.
pub fn f32_madd(a: u32, b: u32, c: u32, rm: u8) -> (u32, u8) {
    mul_add(a, b, c, rm)
}

/// FMSUB.S: `a * b - c` with a single rounding.
pub fn f32_msub(a: u32, b: u32, c: u32, rm: u8) -> (u32, u8) {
    // Subtracting c is adding −c, exactly (negation only flips the sign
    // bit), so the single rounding and the sign of a zero sum are those of
    // the instruction's definition.
    mul_add(a, b, c ^ SIGN, rm)
}

/// FNMSUB.S: `-(a * b) + c` with a single rounding.
pub fn f32_nmsub(a: u32, b: u32, c: u32, rm: u8) -> (u32, u8) {
    // RISC-V negates the product, not the sum (F extension, §Single-Precision
    // Floating-Point Computational Instructions: the note on FNMSUB/FNMADD
    // naming), and −(a·b) = (−a)·b exactly. Negating the rounded sum instead
    // would give the wrong sign for zero results, e.g. in RDN. A NaN operand
    // whose sign this flips still produces the canonical NaN.
    mul_add(a ^ SIGN, b, c, rm)
}

/// FNMADD.S: `-(a * b) - c` with a single rounding.
pub fn f32_nmadd(a: u32, b: u32, c: u32, rm: u8) -> (u32, u8) {
    // As in `f32_nmsub`: negate the operands, never the result.
    mul_add(a ^ SIGN, b, c ^ SIGN, rm)
}

/// FMIN.S: the smaller of `a` and `b`, with −0 < +0; one NaN operand yields
/// the other, two yield the canonical NaN; NV if either is signaling.
pub fn f32_min(a: u32, b: u32) -> (u32, u8) {
    let (r, flags) = F32.min_max(a.into(), b.into(), false);
    (r as u32, flags)
}

/// FMAX.S: the larger of `a` and `b`, with −0 < +0; one NaN operand yields
/// the other, two yield the canonical NaN; NV if either is signaling.
pub fn f32_max(a: u32, b: u32) -> (u32, u8) {
    let (r, flags) = F32.min_max(a.into(), b.into(), true);
    (r as u32, flags)
}

/// FEQ.S: `a == b`, a quiet comparison: NV only for a signaling NaN
/// operand (F extension, §Single-Precision Floating-Point Compare
/// Instructions). False if either operand is a NaN.
pub fn f32_eq(a: u32, b: u32) -> (bool, u8) {
    if !F32.is_nan(a.into()) && !F32.is_nan(b.into()) {
        // Without NaNs, IEEE 754 comparisons raise nothing, and the host's
        // agree with SoftFloat's (−0 == +0).
        return (f32::from_bits(a) == f32::from_bits(b), 0);
    }
    call2(RNE, sf::f32_eq, fl(a), fl(b))
}

/// FLT.S: `a < b`, a signaling comparison: NV for any NaN operand.
/// False if either operand is a NaN.
pub fn f32_lt(a: u32, b: u32) -> (bool, u8) {
    if !F32.is_nan(a.into()) && !F32.is_nan(b.into()) {
        // As in `f32_eq`.
        return (f32::from_bits(a) < f32::from_bits(b), 0);
    }
    call2(RNE, sf::f32_lt, fl(a), fl(b))
}

/// FLE.S: `a <= b`, a signaling comparison: NV for any NaN operand.
/// False if either operand is a NaN.
pub fn f32_le(a: u32, b: u32) -> (bool, u8) {
    if !F32.is_nan(a.into()) && !F32.is_nan(b.into()) {
        // As in `f32_eq`.
        return (f32::from_bits(a) <= f32::from_bits(b), 0);
    }
    call2(RNE, sf::f32_le, fl(a), fl(b))
}

/// FCLASS.S: the 10-bit class mask of `a` (bit 0 −∞, 1 negative normal,
/// 2 negative subnormal, 3 −0, 4 +0, 5 positive subnormal, 6 positive
/// normal, 7 +∞, 8 signaling NaN, 9 quiet NaN). Raises no flags.
pub fn f32_classify(a: u32) -> u64 {
    F32.classify(a.into())
}

/// FSGNJ.S: `a` with the sign of `b`.
pub fn f32_sgnj(a: u32, b: u32) -> u32 {
    F32.sign_inject(a.into(), b.into(), Inject::Copy) as u32
}

/// FSGNJN.S: `a` with the opposite of the sign of `b`.
pub fn f32_sgnjn(a: u32, b: u32) -> u32 {
    F32.sign_inject(a.into(), b.into(), Inject::Negate) as u32
}

/// FSGNJX.S: `a` with its sign XORed with the sign of `b`.
pub fn f32_sgnjx(a: u32, b: u32) -> u32 {
    F32.sign_inject(a.into(), b.into(), Inject::Xor) as u32
}
