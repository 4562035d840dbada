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
//! Integer results come back as the value to write to the x register: for
//! XLEN > 32, FCVT.W[U].{S,D} sign-extend their 32-bit result, the unsigned
//! ones included. Integer sources are x-register values, of which the
//! 32-bit conversions read only the low 32 bits.

use super::{call1, call3, RNE};
use softfloat_sys as sf;

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
    let (r, flags) = call3(rm, sf::f32_to_i32, fl32(a), rm, true);
    (sext32(r as u32), flags)
}

/// FCVT.WU.S: `a` rounded with `rm` to an unsigned 32-bit integer,
/// saturating; sign-extended to 64 bits as the ISA specifies.
pub fn f32_to_u32(a: u32, rm: u8) -> (u64, u8) {
    let (r, flags) = call3(rm, sf::f32_to_ui32, fl32(a), rm, true);
    (sext32(r as u32), flags)
}

/// FCVT.L.S: `a` rounded with `rm` to a signed 64-bit integer, saturating.
pub fn f32_to_i64(a: u32, rm: u8) -> (u64, u8) {
    let (r, flags) = call3(rm, sf::f32_to_i64, fl32(a), rm, true);
    (r as u64, flags)
}

/// FCVT.LU.S: `a` rounded with `rm` to an unsigned 64-bit integer,
/// saturating.
pub fn f32_to_u64(a: u32, rm: u8) -> (u64, u8) {
    call3(rm, sf::f32_to_ui64, fl32(a), rm, true)
}

/// FCVT.W.D: `a` rounded with `rm` to a signed 32-bit integer, saturating;
/// sign-extended to 64 bits.
pub fn f64_to_i32(a: u64, rm: u8) -> (u64, u8) {
    let (r, flags) = call3(rm, sf::f64_to_i32, fl64(a), rm, true);
    (sext32(r as u32), flags)
}

/// FCVT.WU.D: `a` rounded with `rm` to an unsigned 32-bit integer,
/// saturating; sign-extended to 64 bits as the ISA specifies.
pub fn f64_to_u32(a: u64, rm: u8) -> (u64, u8) {
    let (r, flags) = call3(rm, sf::f64_to_ui32, fl64(a), rm, true);
    (sext32(r as u32), flags)
}

/// FCVT.L.D: `a` rounded with `rm` to a signed 64-bit integer, saturating.
pub fn f64_to_i64(a: u64, rm: u8) -> (u64, u8) {
    let (r, flags) = call3(rm, sf::f64_to_i64, fl64(a), rm, true);
    (r as u64, flags)
}

/// FCVT.LU.D: `a` rounded with `rm` to an unsigned 64-bit integer,
/// saturating.
pub fn f64_to_u64(a: u64, rm: u8) -> (u64, u8) {
    call3(rm, sf::f64_to_ui64, fl64(a), rm, true)
}

/// FCVT.S.W: the low 32 bits of `v`, as a signed integer, rounded with `rm`
/// to single precision.
pub fn i32_to_f32(v: u64, rm: u8) -> (u32, u8) {
    let (r, flags) = call1(rm, sf::i32_to_f32, v as u32 as i32);
    (r.v, flags)
}

/// FCVT.S.WU: the low 32 bits of `v`, as an unsigned integer, rounded with
/// `rm` to single precision.
pub fn u32_to_f32(v: u64, rm: u8) -> (u32, u8) {
    let (r, flags) = call1(rm, sf::ui32_to_f32, v as u32);
    (r.v, flags)
}

/// FCVT.S.L: `v` as a signed 64-bit integer, rounded with `rm` to single
/// precision.
pub fn i64_to_f32(v: u64, rm: u8) -> (u32, u8) {
    let (r, flags) = call1(rm, sf::i64_to_f32, v as i64);
    (r.v, flags)
}

/// FCVT.S.LU: `v` as an unsigned 64-bit integer, rounded with `rm` to single
/// precision.
pub fn u64_to_f32(v: u64, rm: u8) -> (u32, u8) {
    let (r, flags) = call1(rm, sf::ui64_to_f32, v);
    (r.v, flags)
}

/// FCVT.D.W: the low 32 bits of `v`, as a signed integer, to double
/// precision. Always exact; `rm` is accepted for uniformity.
pub fn i32_to_f64(v: u64, rm: u8) -> (u64, u8) {
    let (r, flags) = call1(rm, sf::i32_to_f64, v as u32 as i32);
    (r.v, flags)
}

/// FCVT.D.WU: the low 32 bits of `v`, as an unsigned integer, to double
/// precision. Always exact; `rm` is accepted for uniformity.
pub fn u32_to_f64(v: u64, rm: u8) -> (u64, u8) {
    let (r, flags) = call1(rm, sf::ui32_to_f64, v as u32);
    (r.v, flags)
}

/// FCVT.D.L: `v` as a signed 64-bit integer, rounded with `rm` to double
/// precision.
pub fn i64_to_f64(v: u64, rm: u8) -> (u64, u8) {
    let (r, flags) = call1(rm, sf::i64_to_f64, v as i64);
    (r.v, flags)
}

/// FCVT.D.LU: `v` as an unsigned 64-bit integer, rounded with `rm` to double
/// precision.
pub fn u64_to_f64(v: u64, rm: u8) -> (u64, u8) {
    let (r, flags) = call1(rm, sf::ui64_to_f64, v);
    (r.v, flags)
}

/// FCVT.D.S: widens `a` to double precision. Never rounds (D extension,
/// §Double-Precision Floating-Point Conversion and Move Instructions); a
/// NaN becomes the canonical NaN, with NV if it was signaling.
pub fn f32_to_f64(a: u32) -> (u64, u8) {
    let (r, flags) = call1(RNE, sf::f32_to_f64, fl32(a));
    (r.v, flags)
}

/// FCVT.S.D: narrows `a` to single precision, rounded with `rm`; a NaN
/// becomes the canonical NaN, with NV if it was signaling.
pub fn f64_to_f32(a: u64, rm: u8) -> (u32, u8) {
    let (r, flags) = call1(rm, sf::f64_to_f32, fl64(a));
    (r.v, flags)
}
