//! Rounding modes and exception flags of the arithmetic operations.

use super::*;

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
