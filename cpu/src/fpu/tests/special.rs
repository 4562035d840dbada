//! NaNs, min/max, comparisons, classification and sign injection.

use super::*;

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
