//! Edge cases of the FPU. Every expected bit pattern and flag set here was
//! also checked against an independent implementation (QEMU's RISC-V F/D
//! emulation, running the same operations as real FADD.S, FCVT.W.S, ...
//! instructions) and against the ISA manual's rules cited next to it.

use super::*;

const RNE: u8 = 0;
const RTZ: u8 = 1;
const RDN: u8 = 2;
const RUP: u8 = 3;
const RMM: u8 = 4;
/// The five rounding modes, in encoding order.
const MODES: [u8; 5] = [RNE, RTZ, RDN, RUP, RMM];

// binary32 values.
const P0: u32 = 0x0000_0000;
const N0: u32 = 0x8000_0000;
const ONE: u32 = 0x3f80_0000;
const N_ONE: u32 = 0xbf80_0000;
const TWO: u32 = 0x4000_0000;
const THREE: u32 = 0x4040_0000;
const HALF: u32 = 0x3f00_0000;
const N_HALF: u32 = 0xbf00_0000;
const MAX: u32 = 0x7f7f_ffff;
const MIN_NORMAL: u32 = 0x0080_0000;
const MIN_SUB: u32 = 0x0000_0001;
const INF: u32 = 0x7f80_0000;
const N_INF: u32 = 0xff80_0000;
/// A quiet NaN with a payload and the sign set: never the canonical NaN.
const QNAN: u32 = 0xffc1_2345;
/// A signaling NaN (quiet bit clear, non-zero payload).
const SNAN: u32 = 0x7f80_0001;

// binary64 values.
const D_P0: u64 = 0;
const D_N0: u64 = 0x8000_0000_0000_0000;
const D_ONE: u64 = 0x3ff0_0000_0000_0000;
const D_N_ONE: u64 = 0xbff0_0000_0000_0000;
const D_TWO: u64 = 0x4000_0000_0000_0000;
const D_THREE: u64 = 0x4008_0000_0000_0000;
const D_MAX: u64 = 0x7fef_ffff_ffff_ffff;
const D_MIN_NORMAL: u64 = 0x0010_0000_0000_0000;
const D_MIN_SUB: u64 = 0x0000_0000_0000_0001;
const D_INF: u64 = 0x7ff0_0000_0000_0000;
const D_N_INF: u64 = 0xfff0_0000_0000_0000;
const D_QNAN: u64 = 0xfff8_0000_1234_5678;
const D_SNAN: u64 = 0x7ff0_0000_0000_0001;

/// Runs `op` in each rounding mode and checks the results against
/// `expected` (in RNE, RTZ, RDN, RUP, RMM order), each with `flags`.
fn check_modes<T: PartialEq + std::fmt::Debug>(
    op: impl Fn(u8) -> (T, u8),
    expected: [T; 5],
    flags: u8,
) {
    for (rm, want) in MODES.into_iter().zip(expected) {
        assert_eq!(op(rm), (want, flags), "rounding mode {rm}");
    }
}

// ---- rounding modes -------------------------------------------------------

#[test]
fn rounding_modes_add_on_a_tie() {
    // 1 + 2^-24 lies exactly halfway between 1 and 1 + 2^-23: RNE goes to
    // the even neighbour, RMM away from zero.
    check_modes(
        |rm| f32_add(ONE, 0x3380_0000, rm),
        [ONE, ONE, ONE, 0x3f80_0001, 0x3f80_0001],
        NX,
    );
    check_modes(
        |rm| f32_add(N_ONE, 0xb380_0000, rm),
        [N_ONE, N_ONE, 0xbf80_0001, N_ONE, 0xbf80_0001],
        NX,
    );
    // (1 + 2^-23) + 2^-24: a tie whose even neighbour is the upper one.
    check_modes(
        |rm| f32_add(0x3f80_0001, 0x3380_0000, rm),
        [
            0x3f80_0002,
            0x3f80_0001,
            0x3f80_0001,
            0x3f80_0002,
            0x3f80_0002,
        ],
        NX,
    );
    // binary64: 1 + 2^-53.
    check_modes(
        |rm| f64_add(D_ONE, 0x3ca0_0000_0000_0000, rm),
        [D_ONE, D_ONE, D_ONE, D_ONE + 1, D_ONE + 1],
        NX,
    );
}

#[test]
fn rounding_modes_mul() {
    // (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46: just above a representable value.
    check_modes(
        |rm| f32_mul(0x3f80_0001, 0x3f80_0001, rm),
        [
            0x3f80_0002,
            0x3f80_0002,
            0x3f80_0002,
            0x3f80_0003,
            0x3f80_0002,
        ],
        NX,
    );
    // The same below zero: RDN and RUP swap roles.
    check_modes(
        |rm| f32_mul(0xbf80_0001, 0x3f80_0001, rm),
        [
            0xbf80_0002,
            0xbf80_0002,
            0xbf80_0003,
            0xbf80_0002,
            0xbf80_0002,
        ],
        NX,
    );
    check_modes(
        |rm| f64_mul(D_ONE + 1, D_ONE + 1, rm),
        [D_ONE + 2, D_ONE + 2, D_ONE + 2, D_ONE + 3, D_ONE + 2],
        NX,
    );
}

#[test]
fn rounding_modes_div() {
    // 1/3 = 0x3eaaaaaa.aaa..: the discarded part is 2/3 of an ulp.
    check_modes(
        |rm| f32_div(ONE, THREE, rm),
        [
            0x3eaa_aaab,
            0x3eaa_aaaa,
            0x3eaa_aaaa,
            0x3eaa_aaab,
            0x3eaa_aaab,
        ],
        NX,
    );
    check_modes(
        |rm| f32_div(N_ONE, THREE, rm),
        [
            0xbeaa_aaab,
            0xbeaa_aaaa,
            0xbeaa_aaab,
            0xbeaa_aaaa,
            0xbeaa_aaab,
        ],
        NX,
    );
    // In binary64 the discarded part of 1/3 is 1/3 of an ulp.
    check_modes(
        |rm| f64_div(D_ONE, D_THREE, rm),
        [
            0x3fd5_5555_5555_5555,
            0x3fd5_5555_5555_5555,
            0x3fd5_5555_5555_5555,
            0x3fd5_5555_5555_5556,
            0x3fd5_5555_5555_5555,
        ],
        NX,
    );
}

#[test]
fn rounding_modes_sqrt() {
    // sqrt(2) = 1.41421356.. lies between 0x3fb504f3 (1.41421354) and
    // 0x3fb504f4 (1.41421366), nearer the lower.
    check_modes(
        |rm| f32_sqrt(TWO, rm),
        [
            0x3fb5_04f3,
            0x3fb5_04f3,
            0x3fb5_04f3,
            0x3fb5_04f4,
            0x3fb5_04f3,
        ],
        NX,
    );
    check_modes(
        |rm| f64_sqrt(D_TWO, rm),
        [
            0x3ff6_a09e_667f_3bcd,
            0x3ff6_a09e_667f_3bcc,
            0x3ff6_a09e_667f_3bcc,
            0x3ff6_a09e_667f_3bcd,
            0x3ff6_a09e_667f_3bcd,
        ],
        NX,
    );
    // An exact root raises nothing.
    assert_eq!(f32_sqrt(0x4080_0000, RNE), (TWO, 0));
}

#[test]
fn rounding_modes_fma_single_rounding() {
    // (1 + 2^-23)^2 - 1 = 2^-22 + 2^-46 = 2^-22 * (1 + 2^-24): a tie. A
    // separately rounded product would instead give exactly 2^-22 with no
    // flags at all, so this also shows the rounding is single.
    check_modes(
        |rm| f32_madd(0x3f80_0001, 0x3f80_0001, N_ONE, rm),
        [
            0x3480_0000,
            0x3480_0000,
            0x3480_0000,
            0x3480_0001,
            0x3480_0001,
        ],
        NX,
    );
    check_modes(
        |rm| f32_msub(0x3f80_0001, 0x3f80_0001, ONE, rm),
        [
            0x3480_0000,
            0x3480_0000,
            0x3480_0000,
            0x3480_0001,
            0x3480_0001,
        ],
        NX,
    );
    // -(a*b) + 1 and -(a*b) - (-1) are the negated tie: RDN and RUP swap.
    check_modes(
        |rm| f32_nmsub(0x3f80_0001, 0x3f80_0001, ONE, rm),
        [
            0xb480_0000,
            0xb480_0000,
            0xb480_0001,
            0xb480_0000,
            0xb480_0001,
        ],
        NX,
    );
    check_modes(
        |rm| f32_nmadd(0x3f80_0001, 0x3f80_0001, N_ONE, rm),
        [
            0xb480_0000,
            0xb480_0000,
            0xb480_0001,
            0xb480_0000,
            0xb480_0001,
        ],
        NX,
    );
    // binary64: (1 + 2^-52)^2 - 1 = 2^-51 * (1 + 2^-53), also a tie.
    check_modes(
        |rm| f64_madd(D_ONE + 1, D_ONE + 1, D_N_ONE, rm),
        [
            0x3cc0_0000_0000_0000,
            0x3cc0_0000_0000_0000,
            0x3cc0_0000_0000_0000,
            0x3cc0_0000_0000_0001,
            0x3cc0_0000_0000_0001,
        ],
        NX,
    );
}

#[test]
fn fma_variants_compute_their_own_formulas() {
    // 2*3 with addend 1: madd 7, msub 5, nmsub -5, nmadd -7; all exact.
    assert_eq!(f32_madd(TWO, THREE, ONE, RNE), (0x40e0_0000, 0));
    assert_eq!(f32_msub(TWO, THREE, ONE, RNE), (0x40a0_0000, 0));
    assert_eq!(f32_nmsub(TWO, THREE, ONE, RNE), (0xc0a0_0000, 0));
    assert_eq!(f32_nmadd(TWO, THREE, ONE, RNE), (0xc0e0_0000, 0));
    assert_eq!(
        f64_madd(D_TWO, D_THREE, D_ONE, RNE),
        (0x401c_0000_0000_0000, 0)
    );
    assert_eq!(
        f64_msub(D_TWO, D_THREE, D_ONE, RNE),
        (0x4014_0000_0000_0000, 0)
    );
    assert_eq!(
        f64_nmsub(D_TWO, D_THREE, D_ONE, RNE),
        (0xc014_0000_0000_0000, 0)
    );
    assert_eq!(
        f64_nmadd(D_TWO, D_THREE, D_ONE, RNE),
        (0xc01c_0000_0000_0000, 0)
    );
}

#[test]
fn fma_signs_of_zero_follow_the_negated_product() {
    // fnmadd: -(+0 * 1) - (+0) = -0 + -0 = -0 in every mode.
    check_modes(|rm| f32_nmadd(P0, ONE, P0, rm), [N0; 5], 0);
    // fnmsub: -(+0 * 1) + (+0) = -0 + +0: +0, except -0 in RDN. Negating
    // the sum instead of the product would give the opposite signs.
    check_modes(|rm| f32_nmsub(P0, ONE, P0, rm), [P0, P0, N0, P0, P0], 0);
    // fmsub: (+0 * 1) - (+0) = +0 + -0: likewise.
    check_modes(|rm| f32_msub(P0, ONE, P0, rm), [P0, P0, N0, P0, P0], 0);
    check_modes(|rm| f64_nmadd(D_P0, D_ONE, D_P0, rm), [D_N0; 5], 0);
    check_modes(
        |rm| f64_nmsub(D_P0, D_ONE, D_P0, rm),
        [D_P0, D_P0, D_N0, D_P0, D_P0],
        0,
    );
    // An exactly cancelling sum is +0, or -0 in RDN.
    check_modes(|rm| f32_madd(ONE, ONE, N_ONE, rm), [P0, P0, N0, P0, P0], 0);
}

// ---- exception flags ------------------------------------------------------

#[test]
fn inexact_raised_and_not() {
    assert_eq!(f32_div(ONE, THREE, RNE).1, NX);
    assert_eq!(f32_div(ONE, 0x4080_0000, RNE), (0x3e80_0000, 0));
    assert_eq!(f64_div(D_ONE, D_THREE, RNE).1, NX);
    assert_eq!(f64_add(D_ONE, D_ONE, RNE), (D_TWO, 0));
}

#[test]
fn underflow_raised_and_not() {
    // Half the smallest subnormal: rounds to zero, tiny and inexact.
    assert_eq!(f32_mul(MIN_SUB, HALF, RNE), (P0, UF | NX));
    assert_eq!(f32_mul(MIN_SUB, HALF, RUP), (MIN_SUB, UF | NX));
    assert_eq!(
        f64_mul(D_MIN_SUB, 0x3fe0_0000_0000_0000, RNE),
        (D_P0, UF | NX)
    );
    // Half the smallest normal is an exact subnormal: tiny but exact, so
    // no underflow (IEEE 754 default exception handling).
    assert_eq!(f32_mul(MIN_NORMAL, HALF, RNE), (0x0040_0000, 0));
    assert_eq!(
        f64_mul(D_MIN_NORMAL, 0x3fe0_0000_0000_0000, RNE),
        (0x0008_0000_0000_0000, 0)
    );
    // Subnormal operands are not flushed: min_sub + min_sub is exact.
    assert_eq!(f32_add(MIN_SUB, MIN_SUB, RNE), (0x0000_0002, 0));
}

#[test]
fn tininess_is_detected_after_rounding() {
    // (1 - 2^-23) * 2^-126 * (1 + 2^-23) = 2^-126 * (1 - 2^-46): below the
    // smallest normal before rounding, but rounding to 24 bits with an
    // unbounded exponent gives exactly 2^-126, so it is not tiny after
    // rounding (F extension, §Subnormal Arithmetic): NX without UF. A
    // before-rounding implementation would also raise UF.
    assert_eq!(f32_mul(0x3f7f_fffe, 0x0080_0001, RNE), (MIN_NORMAL, NX));
    // Rounded towards zero the same product stays below 2^-126: tiny.
    assert_eq!(
        f32_mul(0x3f7f_fffe, 0x0080_0001, RTZ),
        (0x007f_ffff, UF | NX)
    );
    // binary64: (1 - 2^-52) * 2^-1022 * (1 + 2^-52).
    assert_eq!(
        f64_mul(0x3fef_ffff_ffff_fffe, 0x0010_0000_0000_0001, RNE),
        (D_MIN_NORMAL, NX)
    );
    assert_eq!(
        f64_mul(0x3fef_ffff_ffff_fffe, 0x0010_0000_0000_0001, RTZ),
        (0x000f_ffff_ffff_ffff, UF | NX)
    );
}

#[test]
fn overflow_raised_and_not() {
    // Overflow goes to infinity or to the largest finite value, by mode.
    check_modes(
        |rm| f32_mul(MAX, TWO, rm),
        [INF, MAX, MAX, INF, INF],
        OF | NX,
    );
    check_modes(
        |rm| f32_mul(0xff7f_ffff, TWO, rm),
        [N_INF, 0xff7f_ffff, N_INF, 0xff7f_ffff, N_INF],
        OF | NX,
    );
    check_modes(
        |rm| f64_add(D_MAX, D_MAX, rm),
        [D_INF, D_MAX, D_MAX, D_INF, D_INF],
        OF | NX,
    );
    // MAX + 1 rounds back to MAX: inexact, no overflow.
    assert_eq!(f32_add(MAX, ONE, RNE), (MAX, NX));
    // Arithmetic on infinities is exact.
    assert_eq!(f32_add(INF, ONE, RNE), (INF, 0));
    assert_eq!(f64_mul(D_INF, D_TWO, RNE), (D_INF, 0));
}

#[test]
fn divide_by_zero_raised_and_not() {
    assert_eq!(f32_div(ONE, P0, RNE), (INF, DZ));
    assert_eq!(f32_div(ONE, N0, RNE), (N_INF, DZ));
    assert_eq!(f32_div(N_ONE, P0, RNE), (N_INF, DZ));
    assert_eq!(f64_div(D_ONE, D_P0, RNE), (D_INF, DZ));
    // 0/0 is invalid, not a division by zero; inf/0 is exact.
    assert_eq!(f32_div(P0, P0, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_div(INF, P0, RNE), (INF, 0));
    assert_eq!(f64_div(D_INF, D_P0, RNE), (D_INF, 0));
    assert_eq!(f32_div(ONE, INF, RNE), (P0, 0));
}

#[test]
fn invalid_raised_and_not() {
    assert_eq!(f32_sqrt(N_ONE, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f64_sqrt(D_N_ONE, RNE), (CANONICAL_NAN_F64, NV));
    // sqrt(-0) is -0, not invalid.
    assert_eq!(f32_sqrt(N0, RNE), (N0, 0));
    assert_eq!(f64_sqrt(D_N0, RNE), (D_N0, 0));
    assert_eq!(f32_sqrt(INF, RNE), (INF, 0));
    assert_eq!(f32_sub(INF, INF, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_add(INF, N_INF, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_add(INF, INF, RNE), (INF, 0));
    assert_eq!(f64_sub(D_INF, D_INF, RNE), (CANONICAL_NAN_F64, NV));
    assert_eq!(f32_mul(P0, INF, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f64_mul(D_N_INF, D_P0, RNE), (CANONICAL_NAN_F64, NV));
    assert_eq!(f32_div(INF, INF, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f64_div(D_P0, D_P0, RNE), (CANONICAL_NAN_F64, NV));
}

#[test]
fn flags_and_rounding_mode_do_not_leak_between_operations() {
    assert_eq!(f32_div(ONE, THREE, RUP), (0x3eaa_aaab, NX));
    // The next operation starts with clear flags and its own mode.
    assert_eq!(f32_add(ONE, ONE, RNE), (TWO, 0));
    assert_eq!(f32_add(ONE, 0x3380_0000, RNE), (ONE, NX));
    assert_eq!(f32_div(P0, P0, RNE).1, NV);
    assert_eq!(f64_add(D_ONE, D_ONE, RTZ), (D_TWO, 0));
}

// ---- NaNs -----------------------------------------------------------------

#[test]
fn nan_boxing() {
    assert_eq!(box_f32(ONE), 0xffff_ffff_3f80_0000);
    assert_eq!(box_f32(SNAN), 0xffff_ffff_7f80_0001);
    assert_eq!(unbox_f32(0xffff_ffff_3f80_0000), ONE);
    assert_eq!(unbox_f32(box_f32(QNAN)), QNAN);
    // Improperly boxed values read as the canonical NaN.
    assert_eq!(unbox_f32(0x0000_0000_3f80_0000), CANONICAL_NAN_F32);
    assert_eq!(unbox_f32(0xffff_fffe_3f80_0000), CANONICAL_NAN_F32);
    assert_eq!(unbox_f32(0x7fff_ffff_3f80_0000), CANONICAL_NAN_F32);
    assert_eq!(unbox_f32(D_ONE), CANONICAL_NAN_F32);
    // ... so FADD.S on one yields the canonical NaN, quietly.
    let improper = unbox_f32(0x0000_0000_3f80_0000);
    assert_eq!(f32_add(improper, ONE, RNE), (CANONICAL_NAN_F32, 0));
    assert_eq!(f32_classify(improper), 1 << 9);
}

#[test]
fn nan_results_are_canonical() {
    // A signaling NaN operand: canonical quiet NaN, NV.
    assert_eq!(f32_add(SNAN, ONE, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_mul(ONE, SNAN, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_sqrt(SNAN, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f64_div(D_SNAN, D_ONE, RNE), (CANONICAL_NAN_F64, NV));
    // A quiet NaN with sign and payload: canonical NaN, no flags.
    assert_eq!(f32_add(QNAN, ONE, RNE), (CANONICAL_NAN_F32, 0));
    assert_eq!(f32_sub(ONE, QNAN, RNE), (CANONICAL_NAN_F32, 0));
    assert_eq!(f64_add(D_QNAN, D_ONE, RNE), (CANONICAL_NAN_F64, 0));
    assert_eq!(f64_sqrt(D_QNAN, RNE), (CANONICAL_NAN_F64, 0));
}

#[test]
fn fma_nan_results_are_canonical_and_never_negated() {
    // The negating variants must not flip the sign of a NaN result.
    for op in [f32_madd, f32_msub, f32_nmsub, f32_nmadd] {
        assert_eq!(op(QNAN, ONE, ONE, RNE), (CANONICAL_NAN_F32, 0));
        assert_eq!(op(ONE, ONE, QNAN, RNE), (CANONICAL_NAN_F32, 0));
        assert_eq!(op(ONE, SNAN, ONE, RNE), (CANONICAL_NAN_F32, NV));
        // inf * 0 is invalid even with a quiet NaN addend (F extension,
        // §Single-Precision Floating-Point Computational Instructions).
        assert_eq!(op(INF, P0, QNAN, RNE), (CANONICAL_NAN_F32, NV));
        // ±inf plus or minus a finite addend is exact.
        assert_eq!(op(INF, ONE, ONE, RNE).1, 0);
    }
    for op in [f64_madd, f64_msub, f64_nmsub, f64_nmadd] {
        assert_eq!(op(D_QNAN, D_ONE, D_ONE, RNE), (CANONICAL_NAN_F64, 0));
        assert_eq!(op(D_ONE, D_ONE, D_SNAN, RNE), (CANONICAL_NAN_F64, NV));
        assert_eq!(op(D_P0, D_INF, D_QNAN, RNE), (CANONICAL_NAN_F64, NV));
    }
    // Each variant's own sign rules decide between inf - inf (invalid) and
    // inf + inf (exact).
    assert_eq!(f32_madd(INF, ONE, N_INF, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_msub(INF, ONE, INF, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_nmsub(INF, ONE, INF, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_nmadd(INF, ONE, N_INF, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_madd(INF, ONE, INF, RNE), (INF, 0));
    assert_eq!(f32_msub(INF, ONE, N_INF, RNE), (INF, 0));
    assert_eq!(f32_nmsub(INF, ONE, N_INF, RNE), (N_INF, 0));
    assert_eq!(f32_nmadd(INF, ONE, INF, RNE), (N_INF, 0));
    assert_eq!(f64_nmadd(D_INF, D_ONE, D_INF, RNE), (D_N_INF, 0));
    assert_eq!(
        f64_nmadd(D_INF, D_ONE, D_N_INF, RNE),
        (CANONICAL_NAN_F64, NV)
    );
}

// ---- min / max ------------------------------------------------------------

#[test]
fn min_max_ordinary_and_signed_zeros() {
    assert_eq!(f32_min(ONE, TWO), (ONE, 0));
    assert_eq!(f32_max(ONE, TWO), (TWO, 0));
    assert_eq!(f32_min(N_ONE, ONE), (N_ONE, 0));
    assert_eq!(f32_max(N_INF, N_ONE), (N_ONE, 0));
    assert_eq!(f32_min(0xc000_0000, N_ONE), (0xc000_0000, 0));
    assert_eq!(f32_min(MIN_SUB, P0), (P0, 0));
    // -0 is less than +0, whichever operand it is.
    assert_eq!(f32_min(P0, N0), (N0, 0));
    assert_eq!(f32_min(N0, P0), (N0, 0));
    assert_eq!(f32_max(P0, N0), (P0, 0));
    assert_eq!(f32_max(N0, P0), (P0, 0));
    assert_eq!(f64_min(D_P0, D_N0), (D_N0, 0));
    assert_eq!(f64_max(D_N0, D_P0), (D_P0, 0));
    assert_eq!(f64_min(D_N_ONE, D_ONE), (D_N_ONE, 0));
    assert_eq!(f64_max(D_N_INF, D_MAX), (D_MAX, 0));
}

#[test]
fn min_max_nans() {
    // One quiet NaN: the other operand, no flags.
    assert_eq!(f32_min(QNAN, ONE), (ONE, 0));
    assert_eq!(f32_max(ONE, QNAN), (ONE, 0));
    // One signaling NaN: the other operand, but NV.
    assert_eq!(f32_min(SNAN, ONE), (ONE, NV));
    assert_eq!(f32_max(N_ONE, SNAN), (N_ONE, NV));
    // Two NaNs: the canonical NaN; NV if either signals.
    assert_eq!(f32_min(QNAN, QNAN), (CANONICAL_NAN_F32, 0));
    assert_eq!(f32_max(QNAN, SNAN), (CANONICAL_NAN_F32, NV));
    assert_eq!(f32_min(SNAN, SNAN), (CANONICAL_NAN_F32, NV));
    assert_eq!(f64_min(D_QNAN, D_ONE), (D_ONE, 0));
    assert_eq!(f64_max(D_SNAN, D_N0), (D_N0, NV));
    assert_eq!(f64_min(D_QNAN, D_SNAN), (CANONICAL_NAN_F64, NV));
    assert_eq!(f64_max(D_QNAN, D_QNAN), (CANONICAL_NAN_F64, 0));
}

// ---- comparisons ----------------------------------------------------------

#[test]
fn comparisons() {
    assert_eq!(f32_eq(ONE, ONE), (true, 0));
    assert_eq!(f32_eq(ONE, TWO), (false, 0));
    assert_eq!(f32_lt(ONE, TWO), (true, 0));
    assert_eq!(f32_lt(TWO, ONE), (false, 0));
    assert_eq!(f32_le(ONE, ONE), (true, 0));
    assert_eq!(f32_le(TWO, ONE), (false, 0));
    // -0 and +0 compare equal.
    assert_eq!(f32_eq(N0, P0), (true, 0));
    assert_eq!(f32_lt(N0, P0), (false, 0));
    assert_eq!(f32_le(P0, N0), (true, 0));
    assert_eq!(f64_lt(D_N_INF, D_N_ONE), (true, 0));
    assert_eq!(f64_le(D_ONE, D_N_ONE), (false, 0));
    assert_eq!(f64_eq(D_N0, D_P0), (true, 0));
}

#[test]
fn comparisons_with_nans() {
    // FEQ is quiet: NV only for a signaling NaN.
    assert_eq!(f32_eq(QNAN, ONE), (false, 0));
    assert_eq!(f32_eq(QNAN, QNAN), (false, 0));
    assert_eq!(f32_eq(ONE, SNAN), (false, NV));
    assert_eq!(f64_eq(D_QNAN, D_QNAN), (false, 0));
    assert_eq!(f64_eq(D_SNAN, D_ONE), (false, NV));
    // FLT and FLE signal: NV for any NaN.
    assert_eq!(f32_lt(QNAN, ONE), (false, NV));
    assert_eq!(f32_le(ONE, QNAN), (false, NV));
    assert_eq!(f32_lt(SNAN, ONE), (false, NV));
    assert_eq!(f64_lt(D_ONE, D_QNAN), (false, NV));
    assert_eq!(f64_le(D_QNAN, D_QNAN), (false, NV));
}

// ---- classify and sign injection ------------------------------------------

#[test]
fn classify_every_class() {
    let f32_cases = [
        (N_INF, 0),
        (N_ONE, 1),
        (0x807f_ffff, 2),
        (0x8000_0001, 2),
        (N0, 3),
        (P0, 4),
        (MIN_SUB, 5),
        (0x007f_ffff, 5),
        (MIN_NORMAL, 6),
        (MAX, 6),
        (INF, 7),
        (SNAN, 8),
        (0xffbf_ffff, 8),
        (CANONICAL_NAN_F32, 9),
        (QNAN, 9),
    ];
    for (v, bit) in f32_cases {
        assert_eq!(f32_classify(v), 1 << bit, "{v:#x}");
    }
    let f64_cases = [
        (D_N_INF, 0),
        (D_N_ONE, 1),
        (0x800f_ffff_ffff_ffff, 2),
        (D_N0, 3),
        (D_P0, 4),
        (D_MIN_SUB, 5),
        (D_MIN_NORMAL, 6),
        (D_MAX, 6),
        (D_INF, 7),
        (D_SNAN, 8),
        (0xfff7_ffff_ffff_ffff, 8),
        (CANONICAL_NAN_F64, 9),
        (D_QNAN, 9),
    ];
    for (v, bit) in f64_cases {
        assert_eq!(f64_classify(v), 1 << bit, "{v:#x}");
    }
}

#[test]
fn sign_injection() {
    assert_eq!(f32_sgnj(ONE, N0), N_ONE);
    assert_eq!(f32_sgnj(N_ONE, P0), ONE);
    assert_eq!(f32_sgnjn(ONE, P0), N_ONE);
    assert_eq!(f32_sgnjn(ONE, N_ONE), ONE);
    assert_eq!(f32_sgnjx(N_ONE, N_ONE), ONE);
    assert_eq!(f32_sgnjx(N_ONE, ONE), N_ONE);
    // NaNs are not canonicalised: payload and signaling bit pass through.
    assert_eq!(f32_sgnj(SNAN, N0), 0xff80_0001);
    assert_eq!(f32_sgnjn(QNAN, QNAN), 0x7fc1_2345);
    assert_eq!(f64_sgnj(D_ONE, D_N0), D_N_ONE);
    assert_eq!(f64_sgnjn(D_ONE, D_ONE), D_N_ONE);
    assert_eq!(f64_sgnjx(D_N_ONE, D_N_INF), D_ONE);
    assert_eq!(f64_sgnjx(D_SNAN, D_N0), 0xfff0_0000_0000_0001);
}

// ---- float to integer -----------------------------------------------------

#[test]
fn to_int_rounds_per_mode() {
    // 2.5 and -2.5: ties.
    check_modes(|rm| f32_to_i32(0x4020_0000, rm), [2, 2, 2, 3, 3], NX);
    check_modes(
        |rm| f32_to_i32(0xc020_0000, rm),
        [
            -2i64 as u64,
            -2i64 as u64,
            -3i64 as u64,
            -2i64 as u64,
            -3i64 as u64,
        ],
        NX,
    );
    check_modes(
        |rm| f64_to_i64(0x3ff8_0000_0000_0000, rm),
        [2, 1, 1, 2, 2],
        NX,
    );
    check_modes(|rm| f32_to_u64(0x3fc0_0000, rm), [2, 1, 1, 2, 2], NX);
    // Exact conversions raise nothing.
    assert_eq!(f32_to_i32(N_ONE, RNE), (u64::MAX, 0));
    assert_eq!(f64_to_u64(D_THREE, RTZ), (3, 0));
}

#[test]
fn to_i32_saturates() {
    const MAX_I32: u64 = 0x7fff_ffff;
    const MIN_I32: u64 = 0xffff_ffff_8000_0000;
    assert_eq!(f32_to_i32(CANONICAL_NAN_F32, RNE), (MAX_I32, NV));
    assert_eq!(f32_to_i32(QNAN, RNE), (MAX_I32, NV)); // negative NaN too
    assert_eq!(f32_to_i32(SNAN, RNE), (MAX_I32, NV));
    assert_eq!(f32_to_i32(INF, RNE), (MAX_I32, NV));
    assert_eq!(f32_to_i32(N_INF, RNE), (MIN_I32, NV));
    assert_eq!(f32_to_i32(0x4f00_0000, RNE), (MAX_I32, NV)); // 2^31
    assert_eq!(f32_to_i32(0xcf00_0001, RNE), (MIN_I32, NV)); // < -2^31
    assert_eq!(f32_to_i32(0xcf00_0000, RNE), (MIN_I32, 0)); // -2^31 fits
    assert_eq!(f32_to_i32(0x4eff_ffff, RNE), (0x7fff_ff80, 0));
    // The range is checked after rounding: 2^31 - 0.5 rounds (to even) to
    // 2^31, out of range; towards zero it is 2^31 - 1, in range.
    assert_eq!(f64_to_i32(0x41df_ffff_ffe0_0000, RNE), (MAX_I32, NV));
    assert_eq!(f64_to_i32(0x41df_ffff_ffe0_0000, RTZ), (MAX_I32, NX));
    assert_eq!(f64_to_i32(0xc1e0_0000_0010_0000, RTZ), (MIN_I32, NX));
    assert_eq!(f64_to_i32(0xc1e0_0000_0010_0000, RDN), (MIN_I32, NV));
    assert_eq!(f64_to_i32(D_QNAN, RNE), (MAX_I32, NV));
    assert_eq!(f64_to_i32(D_N_INF, RNE), (MIN_I32, NV));
}

#[test]
fn to_u32_saturates_and_sign_extends() {
    // FCVT.WU.S sign-extends its 32-bit result, so values with bit 31 set,
    // including the saturated maximum, read as negative in the x register.
    assert_eq!(f32_to_u32(0x4f00_0000, RNE), (0xffff_ffff_8000_0000, 0)); // 2^31
    assert_eq!(f32_to_u32(0x4f32_d05e, RNE), (0xffff_ffff_b2d0_5e00, 0)); // 3e9
    assert_eq!(f32_to_u32(0x4eff_fffe, RNE), (0x7fff_ff00, 0));
    assert_eq!(f32_to_u32(CANONICAL_NAN_F32, RNE), (u64::MAX, NV));
    assert_eq!(f32_to_u32(QNAN, RNE), (u64::MAX, NV));
    assert_eq!(f32_to_u32(INF, RNE), (u64::MAX, NV));
    assert_eq!(f32_to_u32(0x4f80_0000, RNE), (u64::MAX, NV)); // 2^32
    assert_eq!(f32_to_u32(N_INF, RNE), (0, NV));
    assert_eq!(f32_to_u32(N_ONE, RTZ), (0, NV));
    assert_eq!(f32_to_u32(N0, RNE), (0, 0));
    // -0.5 rounds to -0 (= 0, in range) towards zero, up, or to nearest
    // even: only inexact. Down or to nearest-away it rounds to -1: invalid.
    assert_eq!(f32_to_u32(N_HALF, RTZ), (0, NX));
    for (rm, flags) in [(RNE, NX), (RTZ, NX), (RDN, NV), (RUP, NX), (RMM, NV)] {
        assert_eq!(f32_to_u32(N_HALF, rm), (0, flags), "mode {rm}");
        assert_eq!(
            f64_to_u32(0xbfe0_0000_0000_0000, rm),
            (0, flags),
            "mode {rm}"
        );
        assert_eq!(f32_to_u64(N_HALF, rm), (0, flags), "mode {rm}");
    }
    // binary64: 2^32 - 1 fits exactly, and is sign-extended.
    assert_eq!(f64_to_u32(0x41ef_ffff_ffe0_0000, RNE), (u64::MAX, 0));
    assert_eq!(f64_to_u32(0x41f0_0000_0000_0000, RNE), (u64::MAX, NV));
    assert_eq!(f64_to_u32(D_SNAN, RNE), (u64::MAX, NV));
}

#[test]
fn to_64_bit_saturates() {
    const MAX_I64: u64 = 0x7fff_ffff_ffff_ffff;
    const MIN_I64: u64 = 0x8000_0000_0000_0000;
    assert_eq!(f32_to_i64(QNAN, RNE), (MAX_I64, NV));
    assert_eq!(f32_to_i64(INF, RNE), (MAX_I64, NV));
    assert_eq!(f32_to_i64(N_INF, RNE), (MIN_I64, NV));
    assert_eq!(f32_to_i64(0x5f00_0000, RNE), (MAX_I64, NV)); // 2^63
    assert_eq!(f32_to_i64(0xdf00_0000, RNE), (MIN_I64, 0)); // -2^63
    assert_eq!(f64_to_i64(0x43e0_0000_0000_0000, RNE), (MAX_I64, NV));
    assert_eq!(f64_to_i64(0xc3e0_0000_0000_0001, RNE), (MIN_I64, NV));
    assert_eq!(f64_to_i64(D_SNAN, RNE), (MAX_I64, NV));
    assert_eq!(f32_to_u64(SNAN, RNE), (u64::MAX, NV));
    assert_eq!(f32_to_u64(0x5f80_0000, RNE), (u64::MAX, NV)); // 2^64
    assert_eq!(f32_to_u64(0x5f7f_ffff, RNE), (0xffff_ff00_0000_0000, 0));
    assert_eq!(f32_to_u64(N_ONE, RNE), (0, NV));
    assert_eq!(f64_to_u64(D_N_INF, RNE), (0, NV));
    assert_eq!(f64_to_u64(D_INF, RNE), (u64::MAX, NV));
    assert_eq!(
        f64_to_u64(0x43ef_ffff_ffff_ffff, RNE),
        (0xffff_ffff_ffff_f800, 0)
    );
}

// ---- integer to float -----------------------------------------------------

#[test]
fn from_int_rounds_and_reads_the_right_bits() {
    // 2^24 + 1 is a tie between 2^24 and 2^24 + 2.
    check_modes(
        |rm| i32_to_f32(0x0100_0001, rm),
        [
            0x4b80_0000,
            0x4b80_0000,
            0x4b80_0000,
            0x4b80_0001,
            0x4b80_0001,
        ],
        NX,
    );
    // 32-bit conversions read only the low 32 bits of the x register.
    assert_eq!(i32_to_f32(u64::MAX, RNE), (N_ONE, 0));
    assert_eq!(i32_to_f32(0x0000_0001_ffff_ffff, RNE), (N_ONE, 0));
    assert_eq!(u32_to_f32(0xffff_ffff_0000_0001, RNE), (ONE, 0));
    assert_eq!(
        i32_to_f64(0x1234_5678_8000_0000, RNE),
        (0xc1e0_0000_0000_0000, 0)
    );
    assert_eq!(u32_to_f64(u64::MAX, RNE), (0x41ef_ffff_ffe0_0000, 0));
    // u32::MAX needs 32 bits: it rounds to 2^32 in binary32.
    assert_eq!(u32_to_f32(0xffff_ffff, RNE), (0x4f80_0000, NX));
    assert_eq!(u32_to_f32(0xffff_ffff, RTZ), (0x4f7f_ffff, NX));
    // Full 64-bit sources.
    assert_eq!(i64_to_f32(0x8000_0000_0000_0000, RNE), (0xdf00_0000, 0));
    assert_eq!(u64_to_f32(u64::MAX, RNE), (0x5f80_0000, NX));
    assert_eq!(u64_to_f32(u64::MAX, RDN), (0x5f7f_ffff, NX));
    check_modes(
        |rm| i64_to_f64(0x0020_0000_0000_0001, rm),
        [
            0x4340_0000_0000_0000,
            0x4340_0000_0000_0000,
            0x4340_0000_0000_0000,
            0x4340_0000_0000_0001,
            0x4340_0000_0000_0001,
        ],
        NX,
    );
    assert_eq!(i64_to_f64(u64::MAX, RNE), (D_N_ONE, 0));
    assert_eq!(u64_to_f64(u64::MAX, RNE), (0x43f0_0000_0000_0000, NX));
    // FCVT.S.W rd, x0 gives +0 and never sets flags, in any mode.
    check_modes(|rm| i32_to_f32(0, rm), [P0; 5], 0);
    check_modes(|rm| u64_to_f64(0, rm), [D_P0; 5], 0);
}

// ---- between formats ------------------------------------------------------

#[test]
fn widen_f32_to_f64() {
    assert_eq!(f32_to_f64(0x3fc0_0000), (0x3ff8_0000_0000_0000, 0));
    assert_eq!(f32_to_f64(N0), (D_N0, 0));
    assert_eq!(f32_to_f64(N_INF), (D_N_INF, 0));
    // The smallest binary32 subnormal, 2^-149, is a binary64 normal.
    assert_eq!(f32_to_f64(MIN_SUB), (0x36a0_0000_0000_0000, 0));
    // NaNs become the canonical NaN; a signaling one raises NV.
    assert_eq!(f32_to_f64(SNAN), (CANONICAL_NAN_F64, NV));
    assert_eq!(f32_to_f64(QNAN), (CANONICAL_NAN_F64, 0));
}

#[test]
fn narrow_f64_to_f32() {
    assert_eq!(f64_to_f32(0x3ff8_0000_0000_0000, RNE), (0x3fc0_0000, 0));
    check_modes(
        |rm| f64_to_f32(0x3fd5_5555_5555_5555, rm),
        [
            0x3eaa_aaab,
            0x3eaa_aaaa,
            0x3eaa_aaaa,
            0x3eaa_aaab,
            0x3eaa_aaab,
        ],
        NX,
    );
    // NaNs become the canonical NaN; a signaling one raises NV.
    assert_eq!(f64_to_f32(D_QNAN, RNE), (CANONICAL_NAN_F32, 0));
    assert_eq!(f64_to_f32(D_SNAN, RNE), (CANONICAL_NAN_F32, NV));
    assert_eq!(f64_to_f32(D_N_INF, RNE), (N_INF, 0));
    // Halfway between binary32's MAX and 2^128. Rounded to nearest or up it
    // becomes 2^128, too large: overflow, to infinity. Rounded down or
    // towards zero it becomes MAX, which is in range: only inexact (overflow
    // is judged on the rounded value).
    let half_past_max = 0x47ef_ffff_f000_0000;
    assert_eq!(f64_to_f32(half_past_max, RNE), (INF, OF | NX));
    assert_eq!(f64_to_f32(half_past_max, RUP), (INF, OF | NX));
    assert_eq!(f64_to_f32(half_past_max, RMM), (INF, OF | NX));
    assert_eq!(f64_to_f32(half_past_max, RTZ), (MAX, NX));
    assert_eq!(f64_to_f32(half_past_max, RDN), (MAX, NX));
    // binary32's MAX itself narrows exactly.
    assert_eq!(f64_to_f32(0x47ef_ffff_e000_0000, RUP), (MAX, 0));
    // 2^-150: half the smallest subnormal, a tie that RNE takes to zero.
    check_modes(
        |rm| f64_to_f32(0x3690_0000_0000_0000, rm),
        [P0, P0, P0, MIN_SUB, MIN_SUB],
        UF | NX,
    );
    // Just below 2^-126, rounding up to it: not tiny after rounding.
    assert_eq!(f64_to_f32(0x380f_ffff_f800_0000, RNE), (MIN_NORMAL, NX));
    assert_eq!(
        f64_to_f32(0x380f_ffff_f800_0000, RTZ),
        (0x007f_ffff, UF | NX)
    );
}
