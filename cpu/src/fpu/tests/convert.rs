//! Conversions between integers and floating point, and between formats.

use super::*;

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
