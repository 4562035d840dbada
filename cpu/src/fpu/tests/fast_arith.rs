//! The boundaries of the host-FPU fast paths in the arithmetic and comparisons:
//! cases on both sides of every threshold, so that each group mixes
//! native and SoftFloat results. Every expected value and flag set is
//! QEMU's, from the same instructions run on `qemu-system-riscv64`.

use super::*;

/// FADD.D/FSUB.D: zero results and their signs, exact subnormal sums (all
/// taken natively), exactness near 1 and MAX, overflow, NaNs.
#[test]
fn fast_add_sub_d() {
    expect! {
        // x - x: exact +0.
        f64_sub(0x3ff8_0000_0000_0000, 0x3ff8_0000_0000_0000, RNE) => (0, 0);
        // x + (-x): exact +0.
        f64_add(0x3ff8_0000_0000_0000, 0xbff8_0000_0000_0000, RNE) => (0, 0);
        // -0 + -0 = -0.
        f64_add(0x8000_0000_0000_0000, 0x8000_0000_0000_0000, RNE) => (0x8000_0000_0000_0000, 0);
        // -0 - +0 = -0.
        f64_sub(0x8000_0000_0000_0000, 0, RNE) => (0x8000_0000_0000_0000, 0);
        // +0 + -0 = +0.
        f64_add(0, 0x8000_0000_0000_0000, RNE) => (0, 0);
        // Subnormal sum: exact.
        f64_add(1, 1, RNE) => (2, 0);
        // 2^-1022 - 2^-1074: exact subnormal.
        f64_sub(0x0010_0000_0000_0000, 1, RNE) => (0x000f_ffff_ffff_ffff, 0);
        // Largest subnormal + smallest: exactly 2^-1022.
        f64_add(0x000f_ffff_ffff_ffff, 1, RNE) => (0x0010_0000_0000_0000, 0);
        // 1 + 2^-60: inexact.
        f64_add(0x3ff0_0000_0000_0000, 0x3c30_0000_0000_0000, RNE) => (0x3ff0_0000_0000_0000, NX);
        // Huge exponent gap: inexact.
        f64_add(0x7e70_0000_0000_0000, 0x0170_0000_0000_0000, RNE) => (0x7e70_0000_0000_0000, NX);
        // 1 + 2^-52: exact.
        f64_add(0x3ff0_0000_0000_0000, 0x3cb0_0000_0000_0000, RNE) => (0x3ff0_0000_0000_0001, 0);
        // 1 + 2^-53: a tie to even, inexact.
        f64_add(0x3ff0_0000_0000_0000, 0x3ca0_0000_0000_0000, RNE) => (0x3ff0_0000_0000_0000, NX);
        // MAX - MAX = +0.
        f64_add(0x7fef_ffff_ffff_ffff, 0xffef_ffff_ffff_ffff, RNE) => (0, 0);
        // MAX + a quarter ulp: rounds back to MAX.
        f64_add(0x7fef_ffff_ffff_ffff, 0x7c80_0000_0000_0000, RNE) => (0x7fef_ffff_ffff_ffff, NX);
        // MAX + half an ulp: tie, rounds to 2^1024: overflow.
        f64_add(0x7fef_ffff_ffff_ffff, 0x7c90_0000_0000_0000, RNE)
            => (0x7ff0_0000_0000_0000, OF | NX);
        // MAX - 3*2^970: a tie rounding up; the exactness test's other difference overflows.
        f64_add(0x7fef_ffff_ffff_ffff, 0xfc98_0000_0000_0000, RNE) => (0x7fef_ffff_ffff_fffe, NX);
        // MAX - ulp: exact.
        f64_sub(0x7fef_ffff_ffff_ffff, 0x7ca0_0000_0000_0000, RNE) => (0x7fef_ffff_ffff_fffe, 0);
        // Quiet NaN: canonical NaN.
        f64_add(0xfff8_0000_1234_5678, 0x3ff0_0000_0000_0000, RNE) => (0x7ff8_0000_0000_0000, 0);
        // Signaling NaN: canonical NaN, NV.
        f64_sub(0x3ff0_0000_0000_0000, 0x7ff0_0000_0000_0001, RNE) => (0x7ff8_0000_0000_0000, NV);
        // Inf + finite: exact inf.
        f64_add(0x7ff0_0000_0000_0000, 0xffef_ffff_ffff_ffff, RNE) => (0x7ff0_0000_0000_0000, 0);
        // Inf - inf: NV.
        f64_sub(0x7ff0_0000_0000_0000, 0x7ff0_0000_0000_0000, RNE) => (0x7ff8_0000_0000_0000, NV);
    }
}

/// FMUL.D: results at, just above and just below 2^-1022 (the threshold),
/// subnormal operands, exactness of the significand product, overflow,
/// zeros, NaNs.
#[test]
fn fast_mul_d() {
    expect! {
        // Exactly 2^-1022: at the threshold, exact.
        f64_mul(0x2000_0000_0000_0000, 0x2000_0000_0000_0000, RNE) => (0x0010_0000_0000_0000, 0);
        // Just above 2^-1022: exact.
        f64_mul(0x2000_0000_0000_0001, 0x2000_0000_0000_0000, RNE) => (0x0010_0000_0000_0001, 0);
        // Just above 2^-1022: inexact.
        f64_mul(0x3ff0_0000_0000_0001, 0x0010_0000_0000_0001, RNE) => (0x0010_0000_0000_0002, NX);
        // Just below 2^-1022, subnormal: tiny, inexact.
        f64_mul(0x3fef_ffff_ffff_ffff, 0x0010_0000_0000_0000, RNE)
            => (0x0010_0000_0000_0000, UF | NX);
        // 2^-1023: exact subnormal.
        f64_mul(0x3fe0_0000_0000_0000, 0x0010_0000_0000_0000, RNE) => (0x0008_0000_0000_0000, 0);
        // Subnormal operand, exact.
        f64_mul(3, 0x7e70_0000_0000_0000, RNE) => (0x3b68_0000_0000_0000, 0);
        // Subnormal operand, inexact.
        f64_mul(3, 0x7fd5_5555_5555_5555, RNE) => (0x3cd0_0000_0000_0000, NX);
        // Widest subnormal operand, inexact.
        f64_mul(0x000f_ffff_ffff_ffff, 0x4330_0000_0000_0001, RNE) => (0x0350_0000_0000_0000, NX);
        // Short significands: exact.
        f64_mul(0x3ff8_0000_0000_0000, 0x3ff4_0000_0000_0000, RNE) => (0x3ffe_0000_0000_0000, 0);
        // (1 + 2^-52)^2: inexact.
        f64_mul(0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0001, RNE) => (0x3ff0_0000_0000_0002, NX);
        // Product needing 54 bits, leading bit 105: inexact.
        f64_mul(0x3ff8_0000_0000_0001, 0x3ff8_0000_0000_0000, RNE) => (0x4002_0000_0000_0001, NX);
        // Product with 53 bits + trailing part, leading bit 104: inexact.
        f64_mul(0x3ff0_0000_0000_0003, 0x3ff0_0000_0000_0001, RNE) => (0x3ff0_0000_0000_0004, NX);
        // (1 + 2^-52) * 2: exact.
        f64_mul(0x3ff0_0000_0000_0001, 0x4000_0000_0000_0000, RNE) => (0x4000_0000_0000_0001, 0);
        // MAX * 1: exact.
        f64_mul(0x7fef_ffff_ffff_ffff, 0x3ff0_0000_0000_0000, RNE) => (0x7fef_ffff_ffff_ffff, 0);
        // 2^1023 * (2 - 2^-52) = MAX: exact.
        f64_mul(0x7fe0_0000_0000_0000, 0x3fff_ffff_ffff_ffff, RNE) => (0x7fef_ffff_ffff_ffff, 0);
        // MAX * (1 + 2^-52): overflow.
        f64_mul(0x7fef_ffff_ffff_ffff, 0x3ff0_0000_0000_0001, RNE)
            => (0x7ff0_0000_0000_0000, OF | NX);
        // 2^1024: overflow.
        f64_mul(0x7fe0_0000_0000_0000, 0x4000_0000_0000_0000, RNE)
            => (0x7ff0_0000_0000_0000, OF | NX);
        // +0 * 5 = +0.
        f64_mul(0, 0x4014_0000_0000_0000, RNE) => (0, 0);
        // -0 * 5 = -0.
        f64_mul(0x8000_0000_0000_0000, 0x4014_0000_0000_0000, RNE) => (0x8000_0000_0000_0000, 0);
        // Inf * 0: NV.
        f64_mul(0x7ff0_0000_0000_0000, 0, RNE) => (0x7ff8_0000_0000_0000, NV);
        // Underflow to -0: not an exact zero.
        f64_mul(1, 0xbfd0_0000_0000_0000, RNE) => (0x8000_0000_0000_0000, UF | NX);
        // Quiet NaN.
        f64_mul(0x4000_0000_0000_0000, 0xfff8_0000_1234_5678, RNE) => (0x7ff8_0000_0000_0000, 0);
        // Signaling NaN.
        f64_mul(0x7ff0_0000_0000_0001, 0x4000_0000_0000_0000, RNE) => (0x7ff8_0000_0000_0000, NV);
    }
}

/// FDIV.D: dividends around 2^-1021 and quotients around 2^-1022 (the
/// thresholds), subnormal divisors, overflow, zeros, infinities, NaNs.
#[test]
fn fast_div_d() {
    expect! {
        // Exact.
        f64_div(0x4018_0000_0000_0000, 0x4008_0000_0000_0000, RNE) => (0x4000_0000_0000_0000, 0);
        // Inexact.
        f64_div(0x3ff0_0000_0000_0000, 0x4008_0000_0000_0000, RNE) => (0x3fd5_5555_5555_5555, NX);
        // 1 / (1 + 2^-52): inexact.
        f64_div(0x3ff0_0000_0000_0000, 0x3ff0_0000_0000_0001, RNE) => (0x3fef_ffff_ffff_fffe, NX);
        // Quotient that is a binary64 only after rounding.
        f64_div(0x4008_0000_0000_0001, 0x4008_0000_0000_0000, RNE) => (0x3ff0_0000_0000_0001, NX);
        // x = 1.5*2^-1021 (>= 2^-1021): exact, 2^-1022 result at the threshold.
        f64_div(0x0028_0000_0000_0000, 0x4008_0000_0000_0000, RNE) => (0x0010_0000_0000_0000, 0);
        // 2^-1019 / 3: inexact, normal.
        f64_div(0x0040_0000_0000_0000, 0x4008_0000_0000_0000, RNE) => (0x0025_5555_5555_5555, NX);
        // 2^-1020 / 3: inexact, just above 2^-1022.
        f64_div(0x0030_0000_0000_0000, 0x4008_0000_0000_0000, RNE) => (0x0015_5555_5555_5555, NX);
        // x just below 2^-1021: inexact.
        f64_div(0x001f_ffff_ffff_ffff, 0x3ff8_0000_0000_0000, RNE) => (0x0015_5555_5555_5555, NX);
        // x just below 2^-1021: exact subnormal quotient.
        f64_div(0x001f_ffff_ffff_fffe, 0x4000_0000_0000_0000, RNE) => (0x000f_ffff_ffff_ffff, 0);
        // 2^-1021 / 2 = 2^-1022: exact.
        f64_div(0x0020_0000_0000_0000, 0x4000_0000_0000_0000, RNE) => (0x0010_0000_0000_0000, 0);
        // Subnormal quotient: UF.
        f64_div(0x0010_0000_0000_0000, 0x4008_0000_0000_0000, RNE)
            => (0x0005_5555_5555_5555, UF | NX);
        // Subnormal divisor: exact 2^974.
        f64_div(0x39b0_0000_0000_0000, 1, RNE) => (0x7cd0_0000_0000_0000, 0);
        // Subnormal divisor: inexact.
        f64_div(0x39b0_0000_0000_0000, 3, RNE) => (0x7cb5_5555_5555_5555, NX);
        // 2^1074: overflow.
        f64_div(0x3ff0_0000_0000_0000, 1, RNE) => (0x7ff0_0000_0000_0000, OF | NX);
        // Overflow.
        f64_div(0x7fef_ffff_ffff_ffff, 0x3fe0_0000_0000_0000, RNE)
            => (0x7ff0_0000_0000_0000, OF | NX);
        // MAX / 2: exact.
        f64_div(0x7fef_ffff_ffff_ffff, 0x4000_0000_0000_0000, RNE) => (0x7fdf_ffff_ffff_ffff, 0);
        // 1 / inf = +0.
        f64_div(0x3ff0_0000_0000_0000, 0x7ff0_0000_0000_0000, RNE) => (0, 0);
        // Divide by zero.
        f64_div(0x3ff0_0000_0000_0000, 0, RNE) => (0x7ff0_0000_0000_0000, DZ);
        // 0 / 0: NV.
        f64_div(0, 0, RNE) => (0x7ff8_0000_0000_0000, NV);
        // 0 / 3 = +0.
        f64_div(0, 0x4008_0000_0000_0000, RNE) => (0, 0);
        // -3 / inf = -0: exact.
        f64_div(0xc008_0000_0000_0000, 0x7ff0_0000_0000_0000, RNE) => (0x8000_0000_0000_0000, 0);
        // Underflow to +0: not an exact zero.
        f64_div(1, 0x4010_0000_0000_0000, RNE) => (0, UF | NX);
        // Quiet NaN.
        f64_div(0xfff8_0000_1234_5678, 0x4008_0000_0000_0000, RNE) => (0x7ff8_0000_0000_0000, 0);
    }
}

/// FSQRT.D: operands around 2^-1021 (the threshold), exact and inexact
/// roots, subnormals, MAX, zeros, negatives, NaNs.
#[test]
fn fast_sqrt_d() {
    expect! {
        // Exact.
        f64_sqrt(0x4010_0000_0000_0000, RNE) => (0x4000_0000_0000_0000, 0);
        // Inexact.
        f64_sqrt(0x4000_0000_0000_0000, RNE) => (0x3ff6_a09e_667f_3bcd, NX);
        // (2^26 + 1)^2: exact, 53-bit square.
        f64_sqrt(0x4330_0000_0800_0001, RNE) => (0x4190_0000_0400_0000, 0);
        // Rounded (2^27 + 1)^2: inexact.
        f64_sqrt(0x4350_0000_0400_0000, RNE) => (0x41a0_0000_0200_0000, NX);
        // 2^-1021, at the threshold: inexact.
        f64_sqrt(0x0020_0000_0000_0000, RNE) => (0x2006_a09e_667f_3bcd, NX);
        // 2^-1020: exact.
        f64_sqrt(0x0030_0000_0000_0000, RNE) => (0x2010_0000_0000_0000, 0);
        // 2^-1022, below the threshold: exact.
        f64_sqrt(0x0010_0000_0000_0000, RNE) => (0x2000_0000_0000_0000, 0);
        // Just below 2^-1021: inexact.
        f64_sqrt(0x001f_ffff_ffff_ffff, RNE) => (0x2006_a09e_667f_3bcc, NX);
        // 2^-1074: exact 2^-537.
        f64_sqrt(1, RNE) => (0x1e60_0000_0000_0000, 0);
        // Subnormal: inexact.
        f64_sqrt(3, RNE) => (0x1e6b_b67a_e858_4caa, NX);
        // MAX: inexact.
        f64_sqrt(0x7fef_ffff_ffff_ffff, RNE) => (0x5fef_ffff_ffff_ffff, NX);
        // 2^1022: exact.
        f64_sqrt(0x7fd0_0000_0000_0000, RNE) => (0x5fe0_0000_0000_0000, 0);
        // Inf.
        f64_sqrt(0x7ff0_0000_0000_0000, RNE) => (0x7ff0_0000_0000_0000, 0);
        // -0.
        f64_sqrt(0x8000_0000_0000_0000, RNE) => (0x8000_0000_0000_0000, 0);
        // +0.
        f64_sqrt(0, RNE) => (0, 0);
        // Negative subnormal: NV.
        f64_sqrt(0x8000_0000_0000_0001, RNE) => (0x7ff8_0000_0000_0000, NV);
        // Signaling NaN.
        f64_sqrt(0x7ff0_0000_0000_0001, RNE) => (0x7ff8_0000_0000_0000, NV);
    }
}

/// FMADD.D and friends: exact and inexact products (the two tiers), results
/// exact only thanks to cancellation, products around 2^-968, results
/// around 2^-1022 and 2^1020 (the thresholds), overflow, zeros, NaNs.
#[test]
fn fast_fma_d() {
    expect! {
        // Exact product, exact sum.
        f64_madd(0x3fc0_0000_0000_0000, 0x3fd0_0000_0000_0000, 0x3ff0_0000_0000_0000, RNE)
            => (0x3ff0_8000_0000_0000, 0);
        // Exact product, inexact sum.
        f64_madd(0x3fc0_0000_0000_0000, 0x3fd0_0000_0000_0000, 0x3c30_0000_0000_0000, RNE)
            => (0x3fa0_0000_0000_0000, NX);
        // (1+2^-52)^2 - (1+2^-51) = 2^-104: inexact product, exact result.
        f64_madd(0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0001, 0xbff0_0000_0000_0002, RNE)
            => (0x3970_0000_0000_0000, 0);
        // The same as FMSUB.
        f64_msub(0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0002, RNE)
            => (0x3970_0000_0000_0000, 0);
        // The same as FNMSUB: -2^-104.
        f64_nmsub(0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0002, RNE)
            => (0xb970_0000_0000_0000, 0);
        // The same as FNMADD: -2^-104.
        f64_nmadd(0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0001, 0xbff0_0000_0000_0002, RNE)
            => (0xb970_0000_0000_0000, 0);
        // (1+2^-52)^2 - 1: a tie, inexact.
        f64_madd(0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0001, 0xbff0_0000_0000_0000, RNE)
            => (0x3cc0_0000_0000_0000, NX);
        // (1+3u)(1+u) - (1+4u) = 3u^2: exact.
        f64_madd(0x3ff0_0000_0000_0003, 0x3ff0_0000_0000_0001, 0xbff0_0000_0000_0004, RNE)
            => (0x3988_0000_0000_0000, 0);
        // (1+3u)(1+u) - (1+5u) = -u + 3u^2: inexact product, exact result.
        f64_madd(0x3ff0_0000_0000_0003, 0x3ff0_0000_0000_0001, 0xbff0_0000_0000_0005, RNE)
            => (0xbcaf_ffff_ffff_fffa, 0);
        // Product above 2^-968 plus 1: inexact.
        f64_madd(0x21b0_0000_0000_0001, 0x21b0_0000_0000_0001, 0x3ff0_0000_0000_0000, RNE)
            => (0x3ff0_0000_0000_0000, NX);
        // Product below 2^-968 plus 1: inexact.
        f64_madd(0x21a0_0000_0000_0001, 0x21a0_0000_0000_0001, 0x3ff0_0000_0000_0000, RNE)
            => (0x3ff0_0000_0000_0000, NX);
        // Product above 2^-968, cancelled to an exact subnormal 2^-1072.
        f64_madd(0x21b0_0000_0000_0001, 0x21b0_0000_0000_0001, 0x8370_0000_0000_0002, RNE)
            => (4, 0);
        // Product 2^-940(1+2^-51+2^-104) cancelled to an exact subnormal 2^-1044.
        f64_madd(0x2290_0000_0000_0001, 0x2290_0000_0000_0001, 0x8530_0000_0000_0002, RNE)
            => (0x4000_0000, 0);
        // Cancelled to 2^-1004: exact.
        f64_madd(0x23d0_0000_0000_0001, 0x23d0_0000_0000_0001, 0x87b0_0000_0000_0002, RNE)
            => (0x0130_0000_0000_0000, 0);
        // 2^-1021 - 2^-1022 = 2^-1022: exact, at the threshold.
        f64_madd(0x0020_0000_0000_0000, 0x3ff0_0000_0000_0000, 0x8010_0000_0000_0000, RNE)
            => (0x0010_0000_0000_0000, 0);
        // 2^-1022 + 2^-1074: exact, just above the threshold.
        f64_madd(0x0010_0000_0000_0000, 0x3ff0_0000_0000_0000, 1, RNE)
            => (0x0010_0000_0000_0001, 0);
        // 2^1020: exact.
        f64_madd(0x7fb0_0000_0000_0000, 0x3ff0_0000_0000_0000, 0, RNE)
            => (0x7fb0_0000_0000_0000, 0);
        // Near 2^1021: inexact.
        f64_madd(0x7fa0_0000_0000_0001, 0x4008_0000_0000_0000, 0x7e70_0000_0000_0000, RNE)
            => (0x7fb8_0001_0000_0002, NX);
        // Addend 2^1020: inexact.
        f64_madd(0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0001, 0x7fb0_0000_0000_0000, RNE)
            => (0x7fb0_0000_0000_0000, NX);
        // 2^1024 - 2^1023: the product alone would overflow; exact.
        f64_madd(0x7fe0_0000_0000_0000, 0x4000_0000_0000_0000, 0xffe0_0000_0000_0000, RNE)
            => (0x7fe0_0000_0000_0000, 0);
        // MAX - MAX = +0.
        f64_madd(0x7fef_ffff_ffff_ffff, 0x3ff0_0000_0000_0000, 0xffef_ffff_ffff_ffff, RNE)
            => (0, 0);
        // Overflow.
        f64_madd(0x7fef_ffff_ffff_ffff, 0x4000_0000_0000_0000, 0, RNE)
            => (0x7ff0_0000_0000_0000, OF | NX);
        // Zero product: exact.
        f64_madd(0, 0x4014_0000_0000_0000, 0x4008_0000_0000_0000, RNE)
            => (0x4008_0000_0000_0000, 0);
        // -0*5 + +0 = +0.
        f64_madd(0x8000_0000_0000_0000, 0x4014_0000_0000_0000, 0, RNE) => (0, 0);
        // FNMADD: -(+0*5) - +0 = -0.
        f64_nmadd(0, 0x4014_0000_0000_0000, 0, RNE) => (0x8000_0000_0000_0000, 0);
        // Exact product cancelled by the addend: +0.
        f64_madd(0x3ff8_0000_0000_0000, 0xc000_0000_0000_0000, 0x4008_0000_0000_0000, RNE)
            => (0, 0);
        // Product underflowing to zero: not an exact zero.
        f64_madd(1, 0x3fe0_0000_0000_0000, 0, RNE) => (0, UF | NX);
        // Exact subnormal product plus a subnormal: exact.
        f64_madd(0x0010_0000_0000_0000, 0x3fe0_0000_0000_0000, 1, RNE)
            => (0x0008_0000_0000_0001, 0);
        // Inf * 0: NV.
        f64_madd(0x7ff0_0000_0000_0000, 0, 0x3ff0_0000_0000_0000, RNE)
            => (0x7ff8_0000_0000_0000, NV);
        // Inf - inf: NV.
        f64_madd(0x7ff0_0000_0000_0000, 0x4000_0000_0000_0000, 0xfff0_0000_0000_0000, RNE)
            => (0x7ff8_0000_0000_0000, NV);
        // Quiet NaN addend.
        f64_madd(0x4000_0000_0000_0000, 0x4008_0000_0000_0000, 0xfff8_0000_1234_5678, RNE)
            => (0x7ff8_0000_0000_0000, 0);
        // Signaling NaN.
        f64_madd(0x7ff0_0000_0000_0001, 0x4008_0000_0000_0000, 0x3ff0_0000_0000_0000, RNE)
            => (0x7ff8_0000_0000_0000, NV);
        // Subnormal factor, exact product, inexact sum.
        f64_madd(3, 0x7e70_0000_0000_0000, 0x3ff0_0000_0000_0000, RNE)
            => (0x3ff0_0000_0000_0000, NX);
        // Subnormal factor, inexact product.
        f64_madd(3, 0x7fd5_5555_5555_5555, 0xbff0_0000_0000_0000, RNE)
            => (0xbfef_ffff_ffff_fff8, NX);
    }
}

/// Single precision: the same boundaries at binary32's 2^-126 and MAX.
#[test]
fn fast_single() {
    expect! {
        // x - x: exact +0.
        f32_sub(0x3fc0_0000, 0x3fc0_0000, RNE) => (0, 0);
        // -0 + -0 = -0.
        f32_add(0x8000_0000, 0x8000_0000, RNE) => (0x8000_0000, 0);
        // -0 - +0 = -0.
        f32_sub(0x8000_0000, 0, RNE) => (0x8000_0000, 0);
        // Subnormal sum: exact.
        f32_add(1, 1, RNE) => (2, 0);
        // 2^-126 - 2^-149: exact subnormal.
        f32_sub(0x0080_0000, 1, RNE) => (0x007f_ffff, 0);
        // 1 + 2^-30: inexact.
        f32_add(0x3f80_0000, 0x3080_0000, RNE) => (0x3f80_0000, NX);
        // MAX + half an ulp: overflow.
        f32_add(0x7f7f_ffff, 0x7300_0000, RNE) => (0x7f80_0000, OF | NX);
        // MAX - 3*2^103: tie rounding up.
        f32_add(0x7f7f_ffff, 0xf340_0000, RNE) => (0x7f7f_fffe, NX);
        // Exactly 2^-126: at the threshold, exact.
        f32_mul(0x2000_0000, 0x2000_0000, RNE) => (0x0080_0000, 0);
        // Just above 2^-126: exact.
        f32_mul(0x2000_0001, 0x2000_0000, RNE) => (0x0080_0001, 0);
        // Just above 2^-126: inexact.
        f32_mul(0x3f80_0001, 0x0080_0001, RNE) => (0x0080_0002, NX);
        // Just below 2^-126: tiny, inexact.
        f32_mul(0x3f7f_ffff, 0x0080_0000, RNE) => (0x0080_0000, UF | NX);
        // Subnormal operand: exact.
        f32_mul(3, 0x7180_0000, RNE) => (0x27c0_0000, 0);
        // (1 + 2^-23)^2: inexact.
        f32_mul(0x3f80_0001, 0x3f80_0001, RNE) => (0x3f80_0002, NX);
        // Overflow.
        f32_mul(0x7f7f_ffff, 0x3f80_0001, RNE) => (0x7f80_0000, OF | NX);
        // Inexact.
        f32_div(0x3f80_0000, 0x4040_0000, RNE) => (0x3eaa_aaab, NX);
        // Exact.
        f32_div(0x40c0_0000, 0x4040_0000, RNE) => (0x4000_0000, 0);
        // 2^-124 / 3: inexact, just above 2^-126.
        f32_div(0x0180_0000, 0x4040_0000, RNE) => (0x00aa_aaab, NX);
        // 3*2^-126 / 3: exactly 2^-126.
        f32_div(0x0140_0000, 0x4040_0000, RNE) => (0x0080_0000, 0);
        // Subnormal quotient: UF.
        f32_div(0x0080_0000, 0x4040_0000, RNE) => (0x002a_aaab, UF | NX);
        // Subnormal divisor: overflow.
        f32_div(0x3580_0000, 1, RNE) => (0x7f80_0000, OF | NX);
        // Subnormal divisor: inexact.
        f32_div(0x2b80_0000, 3, RNE) => (0x752a_aaab, NX);
        // Divide by zero.
        f32_div(0x3f80_0000, 0, RNE) => (0x7f80_0000, DZ);
        // Exact.
        f32_sqrt(0x4080_0000, RNE) => (0x4000_0000, 0);
        // Inexact.
        f32_sqrt(0x4000_0000, RNE) => (0x3fb5_04f3, NX);
        // 2^-149: inexact.
        f32_sqrt(1, RNE) => (0x1a35_04f3, NX);
        // 2^-147: inexact 2^-73.5.
        f32_sqrt(4, RNE) => (0x1ab5_04f3, NX);
        // 2^-148: exact 2^-74.
        f32_sqrt(2, RNE) => (0x1a80_0000, 0);
        // -0.
        f32_sqrt(0x8000_0000, RNE) => (0x8000_0000, 0);
        // -1: NV.
        f32_sqrt(0xbf80_0000, RNE) => (0x7fc0_0000, NV);
        // (1+2^-23)^2 - (1+2^-22) = 2^-46: exact.
        f32_madd(0x3f80_0001, 0x3f80_0001, 0xbf80_0002, RNE) => (0x2880_0000, 0);
        // (1+2^-23)^2 - 1: a tie, inexact.
        f32_madd(0x3f80_0001, 0x3f80_0001, 0xbf80_0000, RNE) => (0x3480_0000, NX);
        // Addend far below the product: inexact.
        f32_madd(0x3fc0_0000, 0x5380_0000, 0xbf80_0000, RNE) => (0x53c0_0000, NX);
        // 1.5*2^30 - 2^7: exact.
        f32_madd(0x3fc0_0000, 0x4e80_0000, 0xc300_0000, RNE) => (0x4ebf_ffff, 0);
        // 1.5*2^30 - 1: inexact.
        f32_madd(0x3fc0_0000, 0x4e80_0000, 0xbf80_0000, RNE) => (0x4ec0_0000, NX);
        // 2^-125 - 2^-126 = 2^-126: exact at the threshold.
        f32_msub(0x2000_0000, 0x2080_0000, 0x0080_0000, RNE) => (0x0080_0000, 0);
        // 2*MAX - MAX = MAX: exact.
        f32_madd(0x7f7f_ffff, 0x4000_0000, 0xff7f_ffff, RNE) => (0x7f7f_ffff, 0);
        // FNMSUB -6 + 6 = +0.
        f32_nmsub(0x4000_0000, 0x4040_0000, 0x40c0_0000, RNE) => (0, 0);
        // Product underflowing to -0: not an exact zero.
        f32_madd(1, 0xbe80_0000, 0, RNE) => (0x8000_0000, UF | NX);
        // Underflow to -0: not an exact zero.
        f32_mul(0x8000_0001, 0x3e80_0000, RNE) => (0x8000_0000, UF | NX);
        // +0 / -7 = -0: exact.
        f32_div(0, 0xc0e0_0000, RNE) => (0x8000_0000, 0);
        // FNMADD -6 - (-6) = +0.
        f32_nmadd(0x4000_0000, 0x4040_0000, 0xc0c0_0000, RNE) => (0, 0);
        // Inf * 0 + qNaN: NV.
        f32_madd(0x7f80_0000, 0, 0xffc1_2345, RNE) => (0x7fc0_0000, NV);
    }
}

/// Comparisons: without NaNs (native) and with them (SoftFloat).
#[test]
fn fast_comparisons() {
    expect! {
        // FEQ -0 +0.
        f64_eq(0x8000_0000_0000_0000, 0) => (true, 0);
        // FLT 2^-1074 < 0.
        f64_lt(1, 0) => (false, 0);
        // FLT 0 < 2^-1074.
        f64_lt(0, 1) => (true, 0);
        // FLE -inf <= -MAX.
        f64_le(0xfff0_0000_0000_0000, 0xffef_ffff_ffff_ffff) => (true, 0);
        // FLE MAX <= inf.
        f64_le(0x7fef_ffff_ffff_ffff, 0x7ff0_0000_0000_0000) => (true, 0);
        // FLT -0 < +0: false.
        f64_lt(0x8000_0000_0000_0000, 0) => (false, 0);
        // FEQ.S subnormals.
        f32_eq(1, 1) => (true, 0);
        // FLT.S.
        f32_lt(0x8000_0001, 0) => (true, 0);
        // FLE.S inf inf.
        f32_le(0x7f80_0000, 0x7f80_0000) => (true, 0);
        // FEQ qNaN: quiet.
        f64_eq(0xfff8_0000_1234_5678, 0xfff8_0000_1234_5678) => (false, 0);
        // FLT qNaN: NV.
        f64_lt(0xfff8_0000_1234_5678, 0x3ff0_0000_0000_0000) => (false, NV);
        // FEQ.S sNaN: NV.
        f32_eq(0x7f80_0001, 0x3f80_0000) => (false, NV);
    }
}
