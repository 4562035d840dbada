//! Conversions: floating-point to integer, integer to floating-point, and
//! between the two floating-point formats.
//!
//! Float-to-integer conversions saturate as the table "Domains of
//! float-to-integer conversions and behavior for invalid inputs" requires
//! (F extension, §Single-Precision Floating-Point Conversion and Move
//! Instructions): NaN and +∞ give the largest value, −∞ the smallest,
//! out-of-range inputs the nearest bound, with NV and never NX; otherwise NX
//! whenever rounding changed the value. SoftFloat's RISC-V specialization
//! encodes exactly those outputs (`source/RISCV/specialize.h`,
//! `ui32_fromNaN` and friends), and the `exact` argument passed as `true`
//! below is what makes it raise NX. The D extension's conversions behave
//! the same (D extension, §Double-Precision Floating-Point Conversion and
//! Move Instructions).
//!
//! The common cases skip SoftFloat: float-to-integer conversions in RNE or
//! RTZ whose rounded value is in range, integer-to-float conversions that
//! are exact (the integer fits the significand), widening of non-NaNs, and
//! narrowing in RNE to a normal result. Each is argued where it is done.
//!
//! Integer results come back as the value to write to the x register: for
//! XLEN > 32, FCVT.W[U].{S,D} sign-extend their 32-bit result, the unsigned
//! ones included. Integer sources are x-register values, of which the
//! 32-bit conversions read only the low 32 bits.

use super::{call1, call3, F32, NX, RNE};
use softfloat_sys as sf;

/// Round towards zero, the other mode ([`RNE`] aside) that float-to-integer
/// conversions handle natively: C's casts use it.
const RTZ: u8 = 1;

/// 2^52: every binary64 of at least this magnitude is an integer.
const TWO_52: f64 = 4_503_599_627_370_496.0;

/// Float-to-integer fast path: `v` rounded to an integer in RNE or RTZ,
/// with NX iff that changed it, when the rounded value lies in
/// `[lo, hi_excl)`; `None` (SoftFloat's path) for other modes, NaNs,
/// infinities and out-of-range values, the cases that raise NV. `v` may be
/// a widened binary32, exactly.
///
/// The range is checked after rounding, as the ISA requires (F extension,
/// §Single-Precision Floating-Point Conversion and Move Instructions), on an
/// exact integer-valued binary64, against exact bounds (0 or ±2^k), so the
/// caller's `as` cast of the result is exact. For unsigned targets a
/// negative `v` that rounds to −0 is in range (−0 >= 0) and gives 0, with
/// NX, as SoftFloat does.
fn to_int_fast(v: f64, rm: u8, lo: f64, hi_excl: f64) -> Option<(f64, u8)> {
    if rm != RNE && rm != RTZ {
        return None;
    }
    let r = if v.abs() < TWO_52 {
        if rm == RTZ {
            // The truncating cast is exact here, and so is its way back.
            v as i64 as f64
        } else {
            // |v ± 2^52| (same sign as v) lies in [2^52, 2^53], where
            // binary64's spacing is 1: the host's RNE addition rounds v to
            // an integer with ties to even (2^52 is even, so parities
            // agree), and subtracting 2^52 back is exact. Rust does not
            // reassociate floating-point operations.
            let c = TWO_52.copysign(v);
            (v + c) - c
        }
    } else {
        // Already an integer (or ∞ or NaN, which the range check rejects).
        v
    };
    // Written so that a NaN fails.
    if r >= lo && r < hi_excl {
        Some((r, if r == v { 0 } else { NX }))
    } else {
        None
    }
}

/// 2^31, 2^32, 2^63 and 2^64 as binary64 (all exact).
const P31: f64 = 2_147_483_648.0;
const P32: f64 = 4_294_967_296.0;
const P63: f64 = 9_223_372_036_854_775_808.0;
const P64: f64 = 18_446_744_073_709_551_616.0;

/// Whether an integer magnitude has at most `bits` significant bits, so
/// that converting it to a format with a `bits`-bit significand is exact
/// in every rounding mode and raises nothing. (Zero qualifies.)
fn fits(m: u64, bits: u32) -> bool {
    m.leading_zeros() + m.trailing_zeros() >= 64 - bits
}

/// Sign-extends a 32-bit result to the 64-bit x register.
fn sext32(v: u32) -> u64 {
    v as i32 as i64 as u64
}

/// Wraps a bit pattern as SoftFloat's binary32 type.
fn fl32(v: u32) -> sf::float32_t {
    sf::float32_t { v }
}

/// Wraps a bit pattern as SoftFloat's binary64 type.
fn fl64(v: u64) -> sf::float64_t {
    sf::float64_t { v }
}

/// FCVT.W.S: `a` rounded with `rm` to a signed 32-bit integer, saturating;
/// sign-extended to 64 bits.
pub fn f32_to_i32(a: u32, rm: u8) -> (u64, u8) {
    if let Some((r, flags)) = to_int_fast(f64::from(f32::from_bits(a)), rm, -P31, P31) {
        return (sext32(r as i32 as u32), flags);
    }
    let (r, flags) = call3(rm, sf::f32_to_i32, fl32(a), rm, true);
    (sext32(r as u32), flags)
}

/// FCVT.WU.S: `a` rounded with `rm` to an unsigned 32-bit integer,
/// saturating; sign-extended to 64 bits as the ISA specifies.
pub fn f32_to_u32(a: u32, rm: u8) -> (u64, u8) {
    if let Some((r, flags)) = to_int_fast(f64::from(f32::from_bits(a)), rm, 0.0, P32) {
        return (sext32(r as u32), flags);
    }
    let (r, flags) = call3(rm, sf::f32_to_ui32, fl32(a), rm, true);
    (sext32(r as u32), flags)
}

/// FCVT.L.S: `a` rounded with `rm` to a signed 64-bit integer, saturating.
pub fn f32_to_i64(a: u32, rm: u8) -> (u64, u8) {
    if let Some((r, flags)) = to_int_fast(f64::from(f32::from_bits(a)), rm, -P63, P63) {
        return (r as i64 as u64, flags);
    }
    let (r, flags) = call3(rm, sf::f32_to_i64, fl32(a), rm, true);
    (r as u64, flags)
}

/// FCVT.LU.S: `a` rounded with `rm` to an unsigned 64-bit integer,
/// saturating.
pub fn f32_to_u64(a: u32, rm: u8) -> (u64, u8) {
    if let Some((r, flags)) = to_int_fast(f64::from(f32::from_bits(a)), rm, 0.0, P64) {
        return (r as u64, flags);
    }
    call3(rm, sf::f32_to_ui64, fl32(a), rm, true)
}

/// FCVT.W.D: `a` rounded with `rm` to a signed 32-bit integer, saturating;
/// sign-extended to 64 bits.
pub fn f64_to_i32(a: u64, rm: u8) -> (u64, u8) {
    if let Some((r, flags)) = to_int_fast(f64::from_bits(a), rm, -P31, P31) {
        return (sext32(r as i32 as u32), flags);
    }
    let (r, flags) = call3(rm, sf::f64_to_i32, fl64(a), rm, true);
    (sext32(r as u32), flags)
}

/// FCVT.WU.D: `a` rounded with `rm` to an unsigned 32-bit integer,
/// saturating; sign-extended to 64 bits as the ISA specifies.
pub fn f64_to_u32(a: u64, rm: u8) -> (u64, u8) {
    if let Some((r, flags)) = to_int_fast(f64::from_bits(a), rm, 0.0, P32) {
        return (sext32(r as u32), flags);
    }
    let (r, flags) = call3(rm, sf::f64_to_ui32, fl64(a), rm, true);
    (sext32(r as u32), flags)
}

/// FCVT.L.D: `a` rounded with `rm` to a signed 64-bit integer, saturating.
pub fn f64_to_i64(a: u64, rm: u8) -> (u64, u8) {
    if let Some((r, flags)) = to_int_fast(f64::from_bits(a), rm, -P63, P63) {
        return (r as i64 as u64, flags);
    }
    let (r, flags) = call3(rm, sf::f64_to_i64, fl64(a), rm, true);
    (r as u64, flags)
}

/// FCVT.LU.D: `a` rounded with `rm` to an unsigned 64-bit integer,
/// saturating.
pub fn f64_to_u64(a: u64, rm: u8) -> (u64, u8) {
    if let Some((r, flags)) = to_int_fast(f64::from_bits(a), rm, 0.0, P64) {
        return (r as u64, flags);
    }
    call3(rm, sf::f64_to_ui64, fl64(a), rm, true)
}

/// FCVT.S.W: the low 32 bits of `v`, as a signed integer, rounded with `rm`
/// to single precision.
pub fn i32_to_f32(v: u64, rm: u8) -> (u32, u8) {
    if fits((v as i32).unsigned_abs().into(), 24) {
        return ((v as i32 as f32).to_bits(), 0);
    }
    let (r, flags) = call1(rm, sf::i32_to_f32, v as u32 as i32);
    (r.v, flags)
}

/// FCVT.S.WU: the low 32 bits of `v`, as an unsigned integer, rounded with
/// `rm` to single precision.
pub fn u32_to_f32(v: u64, rm: u8) -> (u32, u8) {
    if fits(v as u32 as u64, 24) {
        return ((v as u32 as f32).to_bits(), 0);
    }
    let (r, flags) = call1(rm, sf::ui32_to_f32, v as u32);
    (r.v, flags)
}

/// FCVT.S.L: `v` as a signed 64-bit integer, rounded with `rm` to single
/// precision.
pub fn i64_to_f32(v: u64, rm: u8) -> (u32, u8) {
    if fits((v as i64).unsigned_abs(), 24) {
        return ((v as i64 as f32).to_bits(), 0);
    }
    let (r, flags) = call1(rm, sf::i64_to_f32, v as i64);
    (r.v, flags)
}

/// FCVT.S.LU: `v` as an unsigned 64-bit integer, rounded with `rm` to single
/// precision.
pub fn u64_to_f32(v: u64, rm: u8) -> (u32, u8) {
    if fits(v, 24) {
        return ((v as f32).to_bits(), 0);
    }
    let (r, flags) = call1(rm, sf::ui64_to_f32, v);
    (r.v, flags)
}

/// FCVT.D.W: the low 32 bits of `v`, as a signed integer, to double
/// precision. Always exact; `rm` is accepted for uniformity.
pub fn i32_to_f64(v: u64, rm: u8) -> (u64, u8) {
    // Always exact (32 bits fit in 53): no flags in any mode.
    let _ = rm;
    (f64::from(v as i32).to_bits(), 0)
}

/// FCVT.D.WU: the low 32 bits of `v`, as an unsigned integer, to double
/// precision. Always exact; `rm` is accepted for uniformity.
pub fn u32_to_f64(v: u64, rm: u8) -> (u64, u8) {
    // Always exact (32 bits fit in 53): no flags in any mode.
    let _ = rm;
    (f64::from(v as u32).to_bits(), 0)
}

/// FCVT.D.L: `v` as a signed 64-bit integer, rounded with `rm` to double
/// precision.
pub fn i64_to_f64(v: u64, rm: u8) -> (u64, u8) {
    if fits((v as i64).unsigned_abs(), 53) {
        return ((v as i64 as f64).to_bits(), 0);
    }
    let (r, flags) = call1(rm, sf::i64_to_f64, v as i64);
    (r.v, flags)
}

/// FCVT.D.LU: `v` as an unsigned 64-bit integer, rounded with `rm` to double
/// precision.
pub fn u64_to_f64(v: u64, rm: u8) -> (u64, u8) {
    if fits(v, 53) {
        return ((v as f64).to_bits(), 0);
    }
    let (r, flags) = call1(rm, sf::ui64_to_f64, v);
    (r.v, flags)
}

/// FCVT.D.S: widens `a` to double precision. Never rounds (D extension,
/// §Double-Precision Floating-Point Conversion and Move Instructions); a
/// NaN becomes the canonical NaN, with NV if it was signaling.
pub fn f32_to_f64(a: u32) -> (u64, u8) {
    // Widening is exact: only NaNs need SoftFloat (canonicalisation, NV).
    if !F32.is_nan(a.into()) {
        return (f64::from(f32::from_bits(a)).to_bits(), 0);
    }
    let (r, flags) = call1(RNE, sf::f32_to_f64, fl32(a));
    (r.v, flags)
}

/// FCVT.S.D: narrows `a` to single precision, rounded with `rm`; a NaN
/// becomes the canonical NaN, with NV if it was signaling.
pub fn f64_to_f32(a: u64, rm: u8) -> (u32, u8) {
    if rm == RNE {
        // Rust's `as` rounds to nearest, ties to even. A finite result
        // above binary32's smallest normal rules out OF (RNE overflows to
        // ∞), UF (as in `fast`: the exact value is then above it too) and
        // NaN operands (NV); NX iff widening back gives another value.
        let x = f64::from_bits(a);
        let r = x as f32;
        if r.is_finite() && r.abs() > f32::MIN_POSITIVE {
            return (r.to_bits(), if f64::from(r) == x { 0 } else { NX });
        }
    }
    let (r, flags) = call1(rm, sf::f64_to_f32, fl64(a));
    (r.v, flags)
}
