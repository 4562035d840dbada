//! Host-FPU fast paths for round to nearest, ties to even (RNE).
//!
//! SoftFloat costs four C calls per operation (see `run`). The host's own
//! IEEE 754 arithmetic (Rust's `f32`/`f64` operators, `sqrt` and `mul_add`,
//! all correctly rounded to nearest-even, since Rust assumes the default
//! floating-point environment) computes the same RNE results; what it does
//! not report is the exception flags. Each function here therefore returns
//! `Some((result, fflags))` only when it can prove that pair bit-identical
//! to SoftFloat's, and `None` otherwise, sending the caller to SoftFloat.
//!
//! The proofs share one shape. The fast path is taken only when the host
//! result `r` is finite and, for the operations that can round below the
//! normal range, `|r| > 2^emin` (the smallest normal, strictly):
//!
//! - No NaN leaves here, so NaN canonicalisation never comes up. A NaN or
//!   infinite operand makes every operation handled here return a NaN or an
//!   infinity (`x/∞ = 0` is excluded by the magnitude test), so operands are
//!   finite. Then NV (which, for these operations, always comes with a NaN
//!   result) and DZ (an infinite result) cannot occur.
//! - OF cannot occur: in RNE an overflowing result is always ∞ (IEEE 754
//!   §7.4), and `r` is finite.
//! - UF cannot occur: RN is monotone and 2^emin is representable, so if the
//!   exact value `v` had `|v| <= 2^emin` then `|r| <= 2^emin`. Hence
//!   `|v| > 2^emin`: `v` is not tiny, before or after rounding (RISC-V
//!   detects tininess after rounding, F extension §Subnormal Arithmetic),
//!   and `r` was rounded to the full precision.
//! - That leaves NX, raised iff `r != v`, which is decided exactly by an
//!   error-free test specific to each operation, argued next to it.
//!
//! Exact zero results, recognised from the operands, qualify too: their sign
//! is fixed by IEEE 754 (§6.3, and the sign rules of each operation), which
//! the host and SoftFloat both follow. A zero that is not exact underflowed
//! and goes to SoftFloat. Sums need no magnitude test at all (see
//! [`add64`]).

/// `Some((zero, no flags))` if `exact`, else `None`: the verdict on a zero
/// result.
fn exact_zero<T>(bits: T, exact: bool) -> Option<(T, u8)> {
    exact.then_some((bits, 0))
}

use super::NX;

/// `(result bits, NX if inexact)`.
fn nx<T>(bits: T, exact: bool) -> Option<(T, u8)> {
    Some((bits, if exact { 0 } else { NX }))
}

// ---- sums -----------------------------------------------------------------

/// Whether `s = RN(x + y)` is exact, for finite `x`, `y` and `s`.
///
/// If `|x| >= |y|`, `s - x` is computed exactly (the Fast2Sum lemma: Dekker
/// 1971; Muller et al., Handbook of Floating-Point Arithmetic, §4.3.1; it
/// holds with subnormals), so `s - x == y` exactly when `s == x + y`;
/// symmetrically with `s - y` if `|y| > |x|`. If the sum is exact both
/// differences are exact and both comparisons hold; if not, the one with the
/// larger operand fails, whatever the other computes (it may even overflow).
fn sum_is_exact<F>(x: F, y: F, s: F) -> bool
where
    F: Copy + PartialEq + core::ops::Sub<Output = F>,
{
    s - x == y && s - y == x
}

/// FADD.S in RNE. Any finite sum qualifies: a sum of two floats is a
/// multiple of the smallest subnormal, so a sum below the normal range is
/// exact (no UF, which needs NX), and zero is only ever an exact zero whose
/// sign (+0, or −0 for −0 + −0) the host chooses by the same IEEE 754 §6.3
/// rule as SoftFloat.
pub(super) fn add32(a: u32, b: u32) -> Option<(u32, u8)> {
    let (x, y) = (f32::from_bits(a), f32::from_bits(b));
    let s = x + y;
    if !s.is_finite() {
        return None;
    }
    nx(s.to_bits(), sum_is_exact(x, y, s))
}

/// FADD.D in RNE; as [`add32`].
pub(super) fn add64(a: u64, b: u64) -> Option<(u64, u8)> {
    let (x, y) = (f64::from_bits(a), f64::from_bits(b));
    let s = x + y;
    if !s.is_finite() {
        return None;
    }
    nx(s.to_bits(), sum_is_exact(x, y, s))
}

// ---- binary32 products, quotients, roots ----------------------------------
//
// A binary32 value has a 24-bit significand and lies within [2^-149, 2^128),
// so the product of two of them, or of a result and an operand, has at most
// 48 significant bits and lies within [2^-298, 2^256): it is exact in
// binary64. That decides exactness directly.

/// Whether a binary32 result is finite and above the normal threshold.
fn safe32(r: f32) -> bool {
    r.is_finite() && r.abs() > f32::MIN_POSITIVE
}

/// FMUL.S in RNE: exact iff `r` equals the exact binary64 product.
pub(super) fn mul32(a: u32, b: u32) -> Option<(u32, u8)> {
    let (x, y) = (f32::from_bits(a), f32::from_bits(b));
    let r = x * y;
    if !safe32(r) {
        // A zero product is exact iff an operand is zero (the other is then
        // finite, or `r` would be NaN).
        return exact_zero(r.to_bits(), r == 0.0 && (x == 0.0 || y == 0.0));
    }
    nx(r.to_bits(), f64::from(r) == f64::from(x) * f64::from(y))
}

/// FDIV.S in RNE: `q` is exact iff `q·y == x`, a product exact in binary64.
pub(super) fn div32(a: u32, b: u32) -> Option<(u32, u8)> {
    let (x, y) = (f32::from_bits(a), f32::from_bits(b));
    let q = x / y;
    if !safe32(q) {
        // A zero quotient is exact iff `x` is zero or `y` infinite (0/0 and
        // ∞/∞ being NaN).
        return exact_zero(q.to_bits(), q == 0.0 && (x == 0.0 || y.is_infinite()));
    }
    nx(q.to_bits(), f64::from(q) * f64::from(y) == f64::from(x))
}

/// FSQRT.S in RNE: `r` is exact iff `r·r == x`, exact in binary64. (The
/// root of any positive binary32 is at least 2^-75, so only zero and
/// negative operands fail the threshold; the root of ±0 is that zero.)
pub(super) fn sqrt32(a: u32) -> Option<(u32, u8)> {
    let x = f32::from_bits(a);
    let r = x.sqrt();
    if !safe32(r) {
        return exact_zero(r.to_bits(), x == 0.0);
    }
    let r64 = f64::from(r);
    nx(r.to_bits(), r64 * r64 == f64::from(x))
}

/// FMADD.S in RNE (the other three negate operands first).
///
/// `r = RN(x·y + z)` comes from the host's fused `mul_add`, which Rust
/// specifies as computed with a single rounding. The exact value is
/// `p + z` with `p = x·y` exact in binary64, and `r` is exact iff
/// `p == r − z`. If so, `r − z` is a binary64 (it is `p`), so its binary64
/// difference `d` is exact and equal to `p`; conversely, if `d` is exact
/// ([`sum_is_exact`]) and `d == p`, then `p = r − z`. A zero `r` is exact
/// iff `p == −z`.
pub(super) fn mul_add32(a: u32, b: u32, c: u32) -> Option<(u32, u8)> {
    let (x, y, z) = (f32::from_bits(a), f32::from_bits(b), f32::from_bits(c));
    let r = x.mul_add(y, z);
    let p = f64::from(x) * f64::from(y);
    let (r64, nz) = (f64::from(r), -f64::from(z));
    if !safe32(r) {
        return exact_zero(r.to_bits(), r == 0.0 && p == nz);
    }
    let d = r64 + nz;
    nx(r.to_bits(), d == p && sum_is_exact(r64, nz, d))
}

// ---- binary64 products, quotients, roots ----------------------------------

/// The smallest normal binary64, 2^-1022.
const MIN_NORMAL: f64 = f64::MIN_POSITIVE;

/// Whether a binary64 result is finite and above the normal threshold.
fn safe64(r: f64) -> bool {
    r.is_finite() && r.abs() > MIN_NORMAL
}

/// 2^-1021, the smallest operand magnitude [`div64`] and [`sqrt64`] accept.
const TWO_M1021: f64 = pow2(-1021);

/// 2^k, for a normal power of two (`-1022 <= k <= 1023`).
const fn pow2(k: i32) -> f64 {
    f64::from_bits(((1023 + k) as u64) << 52)
}

/// The integer significand of a finite binary64 `v`: `v = ±sig·2^k` for
/// an integer `k`, with the implicit bit made explicit for normal numbers.
fn sig(v: f64) -> u64 {
    let bits = v.to_bits();
    let frac = bits & ((1 << 52) - 1);
    if bits & (0x7ff << 52) == 0 {
        frac
    } else {
        frac | 1 << 52
    }
}

/// Whether the exact product `x·y` of two finite binary64 values has at
/// most 53 significant bits, so that it is a binary64 when in range. The
/// product of the integer significands (up to 106 bits) is exact in a
/// `u128`.
fn product_fits(x: f64, y: f64) -> bool {
    let (sx, sy) = (sig(x), sig(y));
    let p = u128::from(sx) * u128::from(sy);
    if sx >> 52 != 0 && sy >> 52 != 0 {
        // Normal operands: both significands lie in [2^52, 2^53), so `p`
        // lies in [2^104, 2^106) and its leading one is bit 104 + t, with
        // t = p >> 105 (0 or 1). It fits iff the 52 + t bits below its top
        // 53 are zero: a cheap mask test, as 52 + t < 64.
        let low = 52 + (p >> 105) as u32;
        (p as u64) & ((1 << low) - 1) == 0
    } else {
        // A subnormal operand (rare): measure the significant width, the
        // bits between the leading and trailing zeros. (A zero `p` passes.)
        p.leading_zeros() + p.trailing_zeros() >= 128 - 53
    }
}

/// FMUL.D in RNE. Since the exact product `v` is above the normal range
/// (module comment), `r` is `v` rounded to 53 bits: exact iff `v` has at
/// most 53 significant bits.
pub(super) fn mul64(a: u64, b: u64) -> Option<(u64, u8)> {
    let (x, y) = (f64::from_bits(a), f64::from_bits(b));
    let r = x * y;
    if !safe64(r) {
        // As in `mul32`.
        return exact_zero(r.to_bits(), r == 0.0 && (x == 0.0 || y == 0.0));
    }
    nx(r.to_bits(), product_fits(x, y))
}

/// FDIV.D in RNE: `q` is exact iff `q·y = x`.
///
/// Also requires `|x| >= 2^-1021`. Then, as `q = (x/y)(1 + ε)` with
/// `|ε| <= 2^-53`, `|q·y| > 2^-1022`: if `q·y` has at most 53 significant
/// bits it is a binary64 (or above the range, and the host product is ∞,
/// which is not `x`), so the host computes it exactly and `q*y == x` decides
/// equality. If it has more, it is not the binary64 `x`. Conversely an exact
/// `q` makes `q·y = x`, which fits, and the host product is exact.
pub(super) fn div64(a: u64, b: u64) -> Option<(u64, u8)> {
    let (x, y) = (f64::from_bits(a), f64::from_bits(b));
    let q = x / y;
    if !(safe64(q) && x.abs() >= TWO_M1021) {
        // As in `div32`.
        return exact_zero(q.to_bits(), q == 0.0 && (x == 0.0 || y.is_infinite()));
    }
    nx(q.to_bits(), product_fits(q, y) && q * y == x)
}

/// FSQRT.D in RNE: `r` is exact iff `r·r = x`, decided as in [`div64`]
/// (here `r·r = x(1 + ε)^2`, `|ε| <= 2^-53`); `x >= 2^-1021` also keeps `r`
/// (at least 2^-510.5) well inside the normal range. The root of ±0 is that
/// zero, exactly.
pub(super) fn sqrt64(a: u64) -> Option<(u64, u8)> {
    let x = f64::from_bits(a);
    let r = x.sqrt();
    if !(x >= TWO_M1021 && r.is_finite()) {
        return exact_zero(r.to_bits(), x == 0.0);
    }
    nx(r.to_bits(), product_fits(r, r) && r * r == x)
}

/// 2^-968. A product `x·y` whose rounding `u` is at least this large has
/// its rounding error `x·y − u` representable: write `x = X·2^i`,
/// `y = Y·2^j` with integers `|X|, |Y| < 2^53` and `i, j >= -1074`. As RN is
/// monotone and 2^-969 is a binary64, `|u| >= 2^-968` gives
/// `|x·y| > 2^-969`, and `|X·Y| < 2^106` then forces `i + j >= -1074`. The
/// error is a multiple of 2^(i+j) (so are `x·y` and `u`, whose last place is
/// no finer than that of `x·y`) of magnitude at most half an ulp of `u`,
/// i.e. fewer than 2^53 units of 2^(i+j): a binary64.
const TWO_M968: f64 = pow2(-968);

/// 2^1020: the magnitude bound under which [`sum_error`] cannot overflow.
const TWO_1020: f64 = pow2(1020);

/// Knuth's TwoSum (TAOCP vol. 2, §4.2.2, Theorem B; Handbook of
/// Floating-Point Arithmetic §4.3.2): the exact error `x + y − s` of
/// `s = RN(x + y)`, branch-free. Exact with subnormals too; the only
/// hazard is overflow, ruled out for `|x|, |y| < 2^1020`: then
/// `|s| <= 2^1021`, `|y_virtual| <= 2^1022`, `|x_virtual| <= 2^1023`, and
/// the last three operations stay below 2^1023 + 2^1022 + 2^1021, short of
/// the overflow threshold 2^1024 − 2^970.
fn sum_error(x: f64, y: f64, s: f64) -> f64 {
    let y_virtual = s - x;
    let x_virtual = s - y_virtual;
    (x - x_virtual) + (y - y_virtual)
}

/// FMADD.D in RNE (the other three negate operands first).
///
/// Two tiers. When the product `x·y` is a binary64 (it fits in 53 bits and
/// its rounding `u` is normal, or it is zero), `x·y + z = u + z`, so
/// `r = RN(u + z)` is the host sum, and any finite one qualifies as in
/// [`add64`] (the sign of a zero `x·y`, hence of `u + z`, is the product's,
/// as IEEE 754 §6.3 specifies for fusedMultiplyAdd); no fused operation is
/// needed. This is the common case when data are short binary fractions.
///
/// Otherwise `r` comes from the host's fused `mul_add` (Rust specifies a
/// single rounding), and with `u = RN(x·y)`, `e = x·y − u` (exact, by
/// [`TWO_M968`]), `d = RN(r − z)` and `δ = r − z − d` (exact, by
/// [`sum_error`]): `r` is exact iff `u == d && e == δ`. If `r = x·y + z`
/// then `x·y` and `r − z` are the same real `w`, and `u` and `d` are both
/// `RN(w)`, and `e` and `δ` both `w − RN(w)`. Conversely, equal pairs give
/// `x·y = u + e = d + δ = r − z`.
pub(super) fn mul_add64(a: u64, b: u64, c: u64) -> Option<(u64, u8)> {
    let (x, y, z) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
    let u = x * y;
    if product_fits(x, y) && (u.abs() > MIN_NORMAL || x == 0.0 || y == 0.0) {
        // A product of at most 53 bits whose rounding is above 2^-1022 lies
        // above it too (monotony), so it is a binary64 and `u = x·y`, unless
        // it exceeds the range and `u`, hence `r`, is ∞; a zero operand
        // gives an exact zero `u`, unless the other is ∞ or NaN and `u`,
        // hence `r`, is NaN.
        let r = u + z;
        if !r.is_finite() {
            return None;
        }
        return nx(r.to_bits(), sum_is_exact(u, z, r));
    }
    let r = x.mul_add(y, z);
    if !(safe64(r) && r.abs() < TWO_1020 && z.abs() < TWO_1020 && u.abs() >= TWO_M968) {
        // (The bounds on `r` and `z` also keep `u` finite, as
        // `|x·y| <= |r|(1 + 2^-52) + |z| < 2^1021`.)
        return None;
    }
    let e = x.mul_add(y, -u);
    let d = r - z;
    nx(r.to_bits(), u == d && e == sum_error(r, -z, d))
}
