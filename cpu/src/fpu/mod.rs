//! The floating-point unit: the arithmetic of the F and D extensions.
//!
//! Every operation is a pure function of bit patterns: single-precision
//! values travel as `u32`, double-precision values as `u64`, and each
//! operation that can raise exceptions returns `(result, fflags)`, where
//! `fflags` holds only the flags raised by that one operation (the executor
//! ORs them into `fcsr`). Rounding modes arrive already resolved to 0..=4;
//! handling DYN (7) and the reserved encodings 5 and 6 is the executor's job.
//!
//! The arithmetic itself is Berkeley SoftFloat 3e built with its RISC-V
//! specialization (`softfloat-sys` with the `riscv` feature), the library
//! Spike uses, so results, NaNs, flags and saturated conversions match the
//! reference simulator bit for bit. SoftFloat keeps its rounding mode and
//! exception flags in C thread-locals; the private helper `run` is the only
//! place that touches them.
//!
//! That costs four C calls per operation, so the hot operations first try
//! a fast path on the host's own floating-point unit: in RNE, arithmetic
//! whose flags can be proven exactly (the `fast` module: only NX can arise
//! there, and error-free transformations decide it), float-to-integer
//! conversions in RNE and RTZ that stay in range, exact integer-to-float
//! conversions, and comparisons without NaNs. Whatever they cannot prove
//! bit-identical to SoftFloat, results and flags, goes to SoftFloat.
//!
//! Section names cited in comments are those of the RISC-V Unprivileged ISA
//! manual, chapters "F" Extension for Single-Precision Floating-Point and
//! "D" Extension for Double-Precision Floating-Point.

use softfloat_sys as sf;

mod convert;
mod double;
mod fast;
mod single;

#[cfg(test)]
mod tests;

pub use convert::*;
pub use double::*;
pub use single::*;

/// fflags bit: inexact (NX).
pub const NX: u8 = 1;
/// fflags bit: underflow (UF).
pub const UF: u8 = 2;
/// fflags bit: overflow (OF).
pub const OF: u8 = 4;
/// fflags bit: divide by zero (DZ).
pub const DZ: u8 = 8;
/// fflags bit: invalid operation (NV).
pub const NV: u8 = 16;

/// All five fflags bits.
const ALL_FLAGS: u8 = NX | UF | OF | DZ | NV;

/// The single-precision canonical NaN (F extension, §NaN Generation and
/// Propagation): positive sign, only the quiet bit of the significand set.
pub const CANONICAL_NAN_F32: u32 = 0x7fc0_0000;
/// The double-precision canonical NaN: the F extension's definition
/// (§NaN Generation and Propagation: positive sign, only the quiet bit of the
/// significand set) applied to binary64.
pub const CANONICAL_NAN_F64: u64 = 0x7ff8_0000_0000_0000;

/// Round to nearest, ties to even: the mode passed to SoftFloat for
/// operations that never round (comparisons, widening conversions).
const RNE: u8 = 0;

// SoftFloat's flag bits and rounding-mode numbers are RISC-V's own
// encodings (fcsr.fflags bits 4..0, fcsr.frm values 0..=4), so both cross the
// FFI boundary unchanged. Checked at compile time so that a different
// SoftFloat build cannot silently scramble them.
const _: () = {
    assert!(sf::softfloat_flag_inexact == NX);
    assert!(sf::softfloat_flag_underflow == UF);
    assert!(sf::softfloat_flag_overflow == OF);
    assert!(sf::softfloat_flag_infinite == DZ);
    assert!(sf::softfloat_flag_invalid == NV);
    assert!(sf::softfloat_round_near_even == 0);
    assert!(sf::softfloat_round_minMag == 1);
    assert!(sf::softfloat_round_min == 2);
    assert!(sf::softfloat_round_max == 3);
    assert!(sf::softfloat_round_near_maxMag == 4);
};

/// Writes a single-precision value into a 64-bit f register, NaN-boxed: the
/// upper 32 bits all ones (D extension, §NaN Boxing of Narrower Values).
pub fn box_f32(v: u32) -> u64 {
    0xffff_ffff_0000_0000 | u64::from(v)
}

/// Reads a single-precision operand from a 64-bit f register. A value that
/// is not properly NaN-boxed (upper 32 bits not all ones) reads as the
/// canonical NaN (D extension, §NaN Boxing of Narrower Values).
pub fn unbox_f32(reg: u64) -> u32 {
    if reg >> 32 == 0xffff_ffff {
        reg as u32
    } else {
        CANONICAL_NAN_F32
    }
}

/// Runs one SoftFloat operation with rounding mode `rm` and returns its
/// result together with the exception flags it raised.
///
/// Tininess: the RISC-V rule is that tininess is detected after rounding
/// (F extension, §Subnormal Arithmetic). SoftFloat's `riscv` specialization
/// already initialises its thread-local `softfloat_detectTininess` to
/// `softfloat_tininess_afterRounding` (`source/RISCV/specialize.h`,
/// `init_detectTininess`), in every thread, and nothing in this module
/// changes it, so it is not written here on every operation; the test
/// `tininess_is_detected_after_rounding` fails if that ever stops holding.
fn run<T>(rm: u8, op: impl FnOnce() -> T) -> (T, u8) {
    debug_assert!(rm <= 4, "unresolved rounding mode {rm}");
    // SAFETY: a plain store to SoftFloat's C thread-local rounding mode, an
    // integer of the calling thread; no pointers are involved.
    unsafe { sf::softfloat_roundingMode_write_helper(rm) };
    // SAFETY: likewise a plain store to this thread's SoftFloat flags.
    unsafe { sf::softfloat_exceptionFlags_write_helper(0) };
    let result = op();
    // SAFETY: a plain load of this thread's SoftFloat flags.
    let flags = unsafe { sf::softfloat_exceptionFlags_read_helper() };
    (result, flags & ALL_FLAGS)
}

/// Calls a one-operand SoftFloat function under [`run`].
///
/// `call1`, `call2` and `call3` are only for SoftFloat's by-value functions
/// (`f32_add`, `f64_to_i32`, ...), never for the `...M` variants that take
/// pointers: their `SAFETY` argument relies on that.
fn call1<A, R>(rm: u8, f: unsafe extern "C" fn(A) -> R, a: A) -> (R, u8) {
    // SAFETY: every SoftFloat function passed here takes and returns plain
    // values (bit patterns and integers), dereferences no pointers and has no
    // preconditions; its only side effect is on the thread-local state that
    // `run` manages.
    run(rm, || unsafe { f(a) })
}

/// Calls a two-operand SoftFloat function under [`run`].
fn call2<A, B, R>(rm: u8, f: unsafe extern "C" fn(A, B) -> R, a: A, b: B) -> (R, u8) {
    // SAFETY: as in `call1`: plain values in and out, no preconditions.
    run(rm, || unsafe { f(a, b) })
}

/// Calls a three-operand SoftFloat function under [`run`].
fn call3<A, B, C, R>(rm: u8, f: unsafe extern "C" fn(A, B, C) -> R, a: A, b: B, c: C) -> (R, u8) {
    // SAFETY: as in `call1`: plain values in and out, no preconditions.
    run(rm, || unsafe { f(a, b, c) })
}

/// The layout of one binary interchange format, for the operations done
/// on bit patterns directly rather than through SoftFloat (min/max,
/// classify, sign injection). Values of either width are held in a `u64`.
struct Format {
    /// The sign bit.
    sign: u64,
    /// The biased-exponent field.
    exp: u64,
    /// The trailing-significand field.
    frac: u64,
    /// The most significant significand bit, set in quiet NaNs.
    quiet: u64,
    /// The canonical NaN of this format.
    canonical_nan: u64,
}

/// binary32.
const F32: Format = Format {
    sign: 0x8000_0000,
    exp: 0x7f80_0000,
    frac: 0x007f_ffff,
    quiet: 0x0040_0000,
    canonical_nan: CANONICAL_NAN_F32 as u64,
};

/// binary64.
const F64: Format = Format {
    sign: 0x8000_0000_0000_0000,
    exp: 0x7ff0_0000_0000_0000,
    frac: 0x000f_ffff_ffff_ffff,
    quiet: 0x0008_0000_0000_0000,
    canonical_nan: CANONICAL_NAN_F64,
};

impl Format {
    /// Whether `x` is a NaN (all-ones exponent, non-zero significand).
    fn is_nan(&self, x: u64) -> bool {
        x & self.exp == self.exp && x & self.frac != 0
    }

    /// Whether `x` is a signaling NaN (a NaN with the quiet bit clear).
    fn is_snan(&self, x: u64) -> bool {
        self.is_nan(x) && x & self.quiet == 0
    }

    /// A key whose signed integer order is the numeric order of non-NaN
    /// values, with −0 ordered just below +0 as FMIN/FMAX require.
    fn order_key(&self, x: u64) -> i64 {
        // Sign-magnitude to two's complement: magnitudes order like
        // integers, and negatives are mirrored below zero, −0 landing on −1.
        let magnitude = (x & !self.sign) as i64;
        if x & self.sign != 0 {
            -magnitude - 1
        } else {
            magnitude
        }
    }

    /// FMIN (`max == false`) or FMAX (`max == true`) on two bit patterns
    /// (F extension, §Single-Precision Floating-Point Computational
    /// Instructions): the IEEE 754-201x minimumNumber/maximumNumber
    /// operations, with −0 < +0; a single NaN operand yields the other
    /// operand, two NaNs yield the canonical NaN, and a signaling NaN
    /// raises NV even when the result is not a NaN.
    fn min_max(&self, a: u64, b: u64, max: bool) -> (u64, u8) {
        let flags = if self.is_snan(a) || self.is_snan(b) {
            NV
        } else {
            0
        };
        let result = match (self.is_nan(a), self.is_nan(b)) {
            (true, true) => self.canonical_nan,
            (true, false) => b,
            (false, true) => a,
            (false, false) => {
                let a_smaller = self.order_key(a) < self.order_key(b);
                if a_smaller != max {
                    a
                } else {
                    b
                }
            }
        };
        (result, flags)
    }

    /// The FCLASS mask of `x` (F extension, §Single-Precision Floating-Point
    /// Classify Instruction): exactly one of bits 0..=9 set.
    fn classify(&self, x: u64) -> u64 {
        let negative = x & self.sign != 0;
        let exp = x & self.exp;
        let frac = x & self.frac;
        let bit = if exp == self.exp {
            if frac == 0 {
                if negative {
                    0 // −∞
                } else {
                    7 // +∞
                }
            } else if x & self.quiet == 0 {
                8 // signaling NaN
            } else {
                9 // quiet NaN
            }
        } else if exp == 0 {
            match (negative, frac == 0) {
                (true, true) => 3,   // −0
                (true, false) => 2,  // negative subnormal
                (false, true) => 4,  // +0
                (false, false) => 5, // positive subnormal
            }
        } else if negative {
            1 // negative normal
        } else {
            6 // positive normal
        };
        1 << bit
    }

    /// FSGNJ (`Inject::Copy`), FSGNJN (`Inject::Negate`) and FSGNJX
    /// (`Inject::Xor`): all bits but the sign from `a`, the sign derived from
    /// `b` (F extension, §Single-Precision Floating-Point Conversion and
    /// Move Instructions). No flags, no NaN canonicalisation.
    fn sign_inject(&self, a: u64, b: u64, how: Inject) -> u64 {
        let sign = match how {
            Inject::Copy => b & self.sign,
            Inject::Negate => !b & self.sign,
            Inject::Xor => (a ^ b) & self.sign,
        };
        (a & !self.sign) | sign
    }
}

/// Which sign-injection instruction [`Format::sign_inject`] performs.
#[derive(Clone, Copy)]
enum Inject {
    /// FSGNJ: the sign of `b`.
    Copy,
    /// FSGNJN: the opposite of the sign of `b`.
    Negate,
    /// FSGNJX: the XOR of the signs of `a` and `b`.
    Xor,
}
