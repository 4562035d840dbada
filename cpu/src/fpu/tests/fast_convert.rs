//! The boundaries of the host-FPU fast paths in the conversions:
//! cases on both sides of every threshold, so that each group mixes
//! native and SoftFloat results. Every expected value and flag set is
//! QEMU's, from the same instructions run on `qemu-system-riscv64`.

use super::*;

/// Float to integer in RNE and RTZ (native when in range): range edges
/// checked after rounding, ties, negative values for unsigned targets,
/// values around 2^52; other modes, NaNs and infinities for contrast.
#[test]
fn fast_float_to_int() {
    expect! {
        // FCVT.W.D of 2147483647.0.
        f64_to_i32(0x41df_ffff_ffc0_0000, RNE) => (0x7fff_ffff, 0);
        // FCVT.W.D of 2147483647.5.
        f64_to_i32(0x41df_ffff_ffe0_0000, RNE) => (0x7fff_ffff, NV);
        // FCVT.W.D of -2147483648.0.
        f64_to_i32(0xc1e0_0000_0000_0000, RNE) => (-2147483648i64 as u64, 0);
        // FCVT.W.D of -2147483648.5.
        f64_to_i32(0xc1e0_0000_0010_0000, RNE) => (-2147483648i64 as u64, NX);
        // FCVT.W.D of -2147483648.75.
        f64_to_i32(0xc1e0_0000_0018_0000, RNE) => (-2147483648i64 as u64, NV);
        // FCVT.W.D of 2.5.
        f64_to_i32(0x4004_0000_0000_0000, RNE) => (2, NX);
        // FCVT.W.D of 3.5.
        f64_to_i32(0x400c_0000_0000_0000, RNE) => (4, NX);
        // FCVT.W.D of -2.5.
        f64_to_i32(0xc004_0000_0000_0000, RNE) => (-2i64 as u64, NX);
        // FCVT.W.D of 0.5.
        f64_to_i32(0x3fe0_0000_0000_0000, RNE) => (0, NX);
        // FCVT.W.D of -0.5.
        f64_to_i32(0xbfe0_0000_0000_0000, RNE) => (0, NX);
        // FCVT.W.D of 1.5.
        f64_to_i32(0x3ff8_0000_0000_0000, RNE) => (2, NX);
        // FCVT.W.D of -0.75.
        f64_to_i32(0xbfe8_0000_0000_0000, RNE) => (u64::MAX, NX);
        // FCVT.WU.D of -0.0.
        f64_to_u32(0x8000_0000_0000_0000, RNE) => (0, 0);
        // FCVT.WU.D of -0.5.
        f64_to_u32(0xbfe0_0000_0000_0000, RNE) => (0, NX);
        // FCVT.WU.D of -0.75.
        f64_to_u32(0xbfe8_0000_0000_0000, RNE) => (0, NV);
        // FCVT.WU.D of 0.75.
        f64_to_u32(0x3fe8_0000_0000_0000, RNE) => (1, NX);
        // FCVT.WU.D of 4294967295.0.
        f64_to_u32(0x41ef_ffff_ffe0_0000, RNE) => (u64::MAX, 0);
        // FCVT.WU.D of 4294967295.5.
        f64_to_u32(0x41ef_ffff_fff0_0000, RNE) => (u64::MAX, NV);
        // FCVT.WU.D of 4294967296.0.
        f64_to_u32(0x41f0_0000_0000_0000, RNE) => (u64::MAX, NV);
        // FCVT.WU.D of 2147483648.5.
        f64_to_u32(0x41e0_0000_0010_0000, RNE) => (-2147483648i64 as u64, NX);
        // FCVT.L.D of 9.223372036854775e+18.
        f64_to_i64(0x43df_ffff_ffff_ffff, RNE) => (0x7fff_ffff_ffff_fc00, 0);
        // FCVT.L.D of 9.223372036854776e+18.
        f64_to_i64(0x43e0_0000_0000_0000, RNE) => (0x7fff_ffff_ffff_ffff, NV);
        // FCVT.L.D of -9.223372036854776e+18.
        f64_to_i64(0xc3e0_0000_0000_0000, RNE) => (0x8000_0000_0000_0000, 0);
        // FCVT.L.D of -9.223372036854778e+18.
        f64_to_i64(0xc3e0_0000_0000_0001, RNE) => (0x8000_0000_0000_0000, NV);
        // FCVT.L.D of 4503599627370495.5.
        f64_to_i64(0x432f_ffff_ffff_ffff, RNE) => (0x0010_0000_0000_0000, NX);
        // FCVT.L.D of 4503599627370497.0.
        f64_to_i64(0x4330_0000_0000_0001, RNE) => (0x0010_0000_0000_0001, 0);
        // FCVT.L.D of -4503599627370495.5.
        f64_to_i64(0xc32f_ffff_ffff_ffff, RNE) => (0xfff0_0000_0000_0000, NX);
        // FCVT.L.D of 9007199254740994.0.
        f64_to_i64(0x4340_0000_0000_0001, RNE) => (0x0020_0000_0000_0002, 0);
        // FCVT.L.D of 1e-300.
        f64_to_i64(0x01a5_6e1f_c2f8_f359, RNE) => (0, NX);
        // FCVT.LU.D of 1.844674407370955e+19.
        f64_to_u64(0x43ef_ffff_ffff_ffff, RNE) => (-2048i64 as u64, 0);
        // FCVT.LU.D of 1.8446744073709552e+19.
        f64_to_u64(0x43f0_0000_0000_0000, RNE) => (u64::MAX, NV);
        // FCVT.LU.D of -0.0.
        f64_to_u64(0x8000_0000_0000_0000, RNE) => (0, 0);
        // FCVT.LU.D of -0.4.
        f64_to_u64(0xbfd9_9999_9999_999a, RNE) => (0, NX);
        // FCVT.LU.D of -1.0.
        f64_to_u64(0xbff0_0000_0000_0000, RNE) => (0, NV);
        // FCVT.LU.D of 9.223372036854776e+18.
        f64_to_u64(0x43e0_0000_0000_0000, RNE) => (0x8000_0000_0000_0000, 0);
        // FCVT.LU.D of 123.5.
        f64_to_u64(0x405e_e000_0000_0000, RNE) => (0x7c, NX);
        // FCVT.W.S of 2.5.
        f32_to_i32(0x4020_0000, RNE) => (2, NX);
        // FCVT.W.S of -2.5.
        f32_to_i32(0xc020_0000, RNE) => (-2i64 as u64, NX);
        // FCVT.W.S of 2147483520.0.
        f32_to_i32(0x4eff_ffff, RNE) => (0x7fff_ff80, 0);
        // FCVT.W.S of 2147483648.0.
        f32_to_i32(0x4f00_0000, RNE) => (0x7fff_ffff, NV);
        // FCVT.W.S of -2147483648.0.
        f32_to_i32(0xcf00_0000, RNE) => (-2147483648i64 as u64, 0);
        // FCVT.W.S of 0.5.
        f32_to_i32(0x3f00_0000, RNE) => (0, NX);
        // FCVT.W.S of 8388607.5.
        f32_to_i32(0x4aff_ffff, RNE) => (0x80_0000, NX);
        // FCVT.W.S of 16777216.0.
        f32_to_i32(0x4b80_0000, RNE) => (0x100_0000, 0);
        // FCVT.WU.S of -0.5.
        f32_to_u32(0xbf00_0000, RNE) => (0, NX);
        // FCVT.WU.S of -1.0.
        f32_to_u32(0xbf80_0000, RNE) => (0, NV);
        // FCVT.WU.S of 4294967040.0.
        f32_to_u32(0x4f7f_ffff, RNE) => (-256i64 as u64, 0);
        // FCVT.WU.S of 4294967296.0.
        f32_to_u32(0x4f80_0000, RNE) => (u64::MAX, NV);
        // FCVT.WU.S of 3.5.
        f32_to_u32(0x4060_0000, RNE) => (4, NX);
        // FCVT.L.S of 9.223371487098962e+18.
        f32_to_i64(0x5eff_ffff, RNE) => (0x7fff_ff80_0000_0000, 0);
        // FCVT.L.S of 9.223372036854776e+18.
        f32_to_i64(0x5f00_0000, RNE) => (0x7fff_ffff_ffff_ffff, NV);
        // FCVT.L.S of -9.223372036854776e+18.
        f32_to_i64(0xdf00_0000, RNE) => (0x8000_0000_0000_0000, 0);
        // FCVT.L.S of -1.5.
        f32_to_i64(0xbfc0_0000, RNE) => (-2i64 as u64, NX);
        // FCVT.LU.S of 1.8446742974197924e+19.
        f32_to_u64(0x5f7f_ffff, RNE) => (0xffff_ff00_0000_0000, 0);
        // FCVT.LU.S of 1.8446744073709552e+19.
        f32_to_u64(0x5f80_0000, RNE) => (u64::MAX, NV);
        // FCVT.LU.S of -0.25.
        f32_to_u64(0xbe80_0000, RNE) => (0, NX);
        // FCVT.LU.S of 7.5.
        f32_to_u64(0x40f0_0000, RNE) => (8, NX);
        // FCVT.W.D of 2147483647.0.
        f64_to_i32(0x41df_ffff_ffc0_0000, RTZ) => (0x7fff_ffff, 0);
        // FCVT.W.D of 2147483647.5.
        f64_to_i32(0x41df_ffff_ffe0_0000, RTZ) => (0x7fff_ffff, NX);
        // FCVT.W.D of -2147483648.0.
        f64_to_i32(0xc1e0_0000_0000_0000, RTZ) => (-2147483648i64 as u64, 0);
        // FCVT.W.D of -2147483648.5.
        f64_to_i32(0xc1e0_0000_0010_0000, RTZ) => (-2147483648i64 as u64, NX);
        // FCVT.W.D of -2147483648.75.
        f64_to_i32(0xc1e0_0000_0018_0000, RTZ) => (-2147483648i64 as u64, NX);
        // FCVT.W.D of 2.5.
        f64_to_i32(0x4004_0000_0000_0000, RTZ) => (2, NX);
        // FCVT.W.D of 3.5.
        f64_to_i32(0x400c_0000_0000_0000, RTZ) => (3, NX);
        // FCVT.W.D of -2.5.
        f64_to_i32(0xc004_0000_0000_0000, RTZ) => (-2i64 as u64, NX);
        // FCVT.W.D of 0.5.
        f64_to_i32(0x3fe0_0000_0000_0000, RTZ) => (0, NX);
        // FCVT.W.D of -0.5.
        f64_to_i32(0xbfe0_0000_0000_0000, RTZ) => (0, NX);
        // FCVT.W.D of 1.5.
        f64_to_i32(0x3ff8_0000_0000_0000, RTZ) => (1, NX);
        // FCVT.W.D of -0.75.
        f64_to_i32(0xbfe8_0000_0000_0000, RTZ) => (0, NX);
        // FCVT.WU.D of -0.0.
        f64_to_u32(0x8000_0000_0000_0000, RTZ) => (0, 0);
        // FCVT.WU.D of -0.5.
        f64_to_u32(0xbfe0_0000_0000_0000, RTZ) => (0, NX);
        // FCVT.WU.D of -0.75.
        f64_to_u32(0xbfe8_0000_0000_0000, RTZ) => (0, NX);
        // FCVT.WU.D of 0.75.
        f64_to_u32(0x3fe8_0000_0000_0000, RTZ) => (0, NX);
        // FCVT.WU.D of 4294967295.0.
        f64_to_u32(0x41ef_ffff_ffe0_0000, RTZ) => (u64::MAX, 0);
        // FCVT.WU.D of 4294967295.5.
        f64_to_u32(0x41ef_ffff_fff0_0000, RTZ) => (u64::MAX, NX);
        // FCVT.WU.D of 4294967296.0.
        f64_to_u32(0x41f0_0000_0000_0000, RTZ) => (u64::MAX, NV);
        // FCVT.WU.D of 2147483648.5.
        f64_to_u32(0x41e0_0000_0010_0000, RTZ) => (-2147483648i64 as u64, NX);
        // FCVT.L.D of 9.223372036854775e+18.
        f64_to_i64(0x43df_ffff_ffff_ffff, RTZ) => (0x7fff_ffff_ffff_fc00, 0);
        // FCVT.L.D of 9.223372036854776e+18.
        f64_to_i64(0x43e0_0000_0000_0000, RTZ) => (0x7fff_ffff_ffff_ffff, NV);
        // FCVT.L.D of -9.223372036854776e+18.
        f64_to_i64(0xc3e0_0000_0000_0000, RTZ) => (0x8000_0000_0000_0000, 0);
        // FCVT.L.D of -9.223372036854778e+18.
        f64_to_i64(0xc3e0_0000_0000_0001, RTZ) => (0x8000_0000_0000_0000, NV);
        // FCVT.L.D of 4503599627370495.5.
        f64_to_i64(0x432f_ffff_ffff_ffff, RTZ) => (0x000f_ffff_ffff_ffff, NX);
        // FCVT.L.D of 4503599627370497.0.
        f64_to_i64(0x4330_0000_0000_0001, RTZ) => (0x0010_0000_0000_0001, 0);
        // FCVT.L.D of -4503599627370495.5.
        f64_to_i64(0xc32f_ffff_ffff_ffff, RTZ) => (0xfff0_0000_0000_0001, NX);
        // FCVT.L.D of 9007199254740994.0.
        f64_to_i64(0x4340_0000_0000_0001, RTZ) => (0x0020_0000_0000_0002, 0);
        // FCVT.L.D of 1e-300.
        f64_to_i64(0x01a5_6e1f_c2f8_f359, RTZ) => (0, NX);
        // FCVT.LU.D of 1.844674407370955e+19.
        f64_to_u64(0x43ef_ffff_ffff_ffff, RTZ) => (-2048i64 as u64, 0);
        // FCVT.LU.D of 1.8446744073709552e+19.
        f64_to_u64(0x43f0_0000_0000_0000, RTZ) => (u64::MAX, NV);
        // FCVT.LU.D of -0.0.
        f64_to_u64(0x8000_0000_0000_0000, RTZ) => (0, 0);
        // FCVT.LU.D of -0.4.
        f64_to_u64(0xbfd9_9999_9999_999a, RTZ) => (0, NX);
        // FCVT.LU.D of -1.0.
        f64_to_u64(0xbff0_0000_0000_0000, RTZ) => (0, NV);
        // FCVT.LU.D of 9.223372036854776e+18.
        f64_to_u64(0x43e0_0000_0000_0000, RTZ) => (0x8000_0000_0000_0000, 0);
        // FCVT.LU.D of 123.5.
        f64_to_u64(0x405e_e000_0000_0000, RTZ) => (0x7b, NX);
        // FCVT.W.S of 2.5.
        f32_to_i32(0x4020_0000, RTZ) => (2, NX);
        // FCVT.W.S of -2.5.
        f32_to_i32(0xc020_0000, RTZ) => (-2i64 as u64, NX);
        // FCVT.W.S of 2147483520.0.
        f32_to_i32(0x4eff_ffff, RTZ) => (0x7fff_ff80, 0);
        // FCVT.W.S of 2147483648.0.
        f32_to_i32(0x4f00_0000, RTZ) => (0x7fff_ffff, NV);
        // FCVT.W.S of -2147483648.0.
        f32_to_i32(0xcf00_0000, RTZ) => (-2147483648i64 as u64, 0);
        // FCVT.W.S of 0.5.
        f32_to_i32(0x3f00_0000, RTZ) => (0, NX);
        // FCVT.W.S of 8388607.5.
        f32_to_i32(0x4aff_ffff, RTZ) => (0x7f_ffff, NX);
        // FCVT.W.S of 16777216.0.
        f32_to_i32(0x4b80_0000, RTZ) => (0x100_0000, 0);
        // FCVT.WU.S of -0.5.
        f32_to_u32(0xbf00_0000, RTZ) => (0, NX);
        // FCVT.WU.S of -1.0.
        f32_to_u32(0xbf80_0000, RTZ) => (0, NV);
        // FCVT.WU.S of 4294967040.0.
        f32_to_u32(0x4f7f_ffff, RTZ) => (-256i64 as u64, 0);
        // FCVT.WU.S of 4294967296.0.
        f32_to_u32(0x4f80_0000, RTZ) => (u64::MAX, NV);
        // FCVT.WU.S of 3.5.
        f32_to_u32(0x4060_0000, RTZ) => (3, NX);
        // FCVT.L.S of 9.223371487098962e+18.
        f32_to_i64(0x5eff_ffff, RTZ) => (0x7fff_ff80_0000_0000, 0);
        // FCVT.L.S of 9.223372036854776e+18.
        f32_to_i64(0x5f00_0000, RTZ) => (0x7fff_ffff_ffff_ffff, NV);
        // FCVT.L.S of -9.223372036854776e+18.
        f32_to_i64(0xdf00_0000, RTZ) => (0x8000_0000_0000_0000, 0);
        // FCVT.L.S of -1.5.
        f32_to_i64(0xbfc0_0000, RTZ) => (u64::MAX, NX);
        // FCVT.LU.S of 1.8446742974197924e+19.
        f32_to_u64(0x5f7f_ffff, RTZ) => (0xffff_ff00_0000_0000, 0);
        // FCVT.LU.S of 1.8446744073709552e+19.
        f32_to_u64(0x5f80_0000, RTZ) => (u64::MAX, NV);
        // FCVT.LU.S of -0.25.
        f32_to_u64(0xbe80_0000, RTZ) => (0, NX);
        // FCVT.LU.S of 7.5.
        f32_to_u64(0x40f0_0000, RTZ) => (7, NX);
        // RDN: SoftFloat path.
        f64_to_i32(0x4004_0000_0000_0000, RDN) => (2, NX);
        // NaN: NV.
        f64_to_i32(0x7ff8_0000_0000_0000, RTZ) => (0x7fff_ffff, NV);
        // -inf: NV.
        f64_to_i64(0xfff0_0000_0000_0000, RNE) => (0x8000_0000_0000_0000, NV);
    }
}

/// Integer to float: integers that fit the significand (native, any mode)
/// and ones that do not.
#[test]
fn fast_int_to_float() {
    expect! {
        // FCVT.S.W of 0x1000000.
        i32_to_f32(0x100_0000, RNE) => (0x4b80_0000, 0);
        // FCVT.S.W of 0x1000001.
        i32_to_f32(0x100_0001, RNE) => (0x4b80_0000, NX);
        // FCVT.S.W of 0x1000002.
        i32_to_f32(0x100_0002, RNE) => (0x4b80_0001, 0);
        // FCVT.S.W of 0x7fffff80.
        i32_to_f32(0x7fff_ff80, RNE) => (0x4eff_ffff, 0);
        // FCVT.S.W of 0xfffffffffeffffff.
        i32_to_f32(0xffff_ffff_feff_ffff, RNE) => (0xcb80_0000, NX);
        // FCVT.S.W of 0xffffffffff000000.
        i32_to_f32(0xffff_ffff_ff00_0000, RNE) => (0xcb80_0000, 0);
        // FCVT.S.W of 0x0.
        i32_to_f32(0, RNE) => (0, 0);
        // FCVT.S.W of 0xffffffff80000000.
        i32_to_f32(0xffff_ffff_8000_0000, RNE) => (0xcf00_0000, 0);
        // FCVT.S.WU of 0xffffffff.
        u32_to_f32(0xffff_ffff, RNE) => (0x4f80_0000, NX);
        // FCVT.S.WU of 0xff000000.
        u32_to_f32(0xff00_0000, RNE) => (0x4f7f_0000, 0);
        // FCVT.S.WU of 0x1000001.
        u32_to_f32(0x100_0001, RNE) => (0x4b80_0000, NX);
        // FCVT.D.L of 0x20000000000000.
        i64_to_f64(0x0020_0000_0000_0000, RNE) => (0x4340_0000_0000_0000, 0);
        // FCVT.S.L of 0x20000000000000.
        i64_to_f32(0x0020_0000_0000_0000, RNE) => (0x5a00_0000, 0);
        // FCVT.D.L of 0x20000000000001.
        i64_to_f64(0x0020_0000_0000_0001, RNE) => (0x4340_0000_0000_0000, NX);
        // FCVT.S.L of 0x20000000000001.
        i64_to_f32(0x0020_0000_0000_0001, RNE) => (0x5a00_0000, NX);
        // FCVT.D.L of 0x20000000000002.
        i64_to_f64(0x0020_0000_0000_0002, RNE) => (0x4340_0000_0000_0001, 0);
        // FCVT.S.L of 0x20000000000002.
        i64_to_f32(0x0020_0000_0000_0002, RNE) => (0x5a00_0000, NX);
        // FCVT.D.L of 0x8000000000000000.
        i64_to_f64(0x8000_0000_0000_0000, RNE) => (0xc3e0_0000_0000_0000, 0);
        // FCVT.S.L of 0x8000000000000000.
        i64_to_f32(0x8000_0000_0000_0000, RNE) => (0xdf00_0000, 0);
        // FCVT.D.L of 0xffdfffffffffffff.
        i64_to_f64(0xffdf_ffff_ffff_ffff, RNE) => (0xc340_0000_0000_0000, NX);
        // FCVT.S.L of 0xffdfffffffffffff.
        i64_to_f32(0xffdf_ffff_ffff_ffff, RNE) => (0xda00_0000, NX);
        // FCVT.D.L of 0xffffffffffffffff.
        i64_to_f64(0xffff_ffff_ffff_ffff, RNE) => (0xbff0_0000_0000_0000, 0);
        // FCVT.S.L of 0xffffffffffffffff.
        i64_to_f32(0xffff_ffff_ffff_ffff, RNE) => (0xbf80_0000, 0);
        // FCVT.D.L of 0x4000000000000400.
        i64_to_f64(0x4000_0000_0000_0400, RNE) => (0x43d0_0000_0000_0001, 0);
        // FCVT.S.L of 0x4000000000000400.
        i64_to_f32(0x4000_0000_0000_0400, RNE) => (0x5e80_0000, NX);
        // FCVT.D.LU of 0xffffffffffffffff.
        u64_to_f64(0xffff_ffff_ffff_ffff, RNE) => (0x43f0_0000_0000_0000, NX);
        // FCVT.S.LU of 0xffffffffffffffff.
        u64_to_f32(0xffff_ffff_ffff_ffff, RNE) => (0x5f80_0000, NX);
        // FCVT.D.LU of 0x8000000000000000.
        u64_to_f64(0x8000_0000_0000_0000, RNE) => (0x43e0_0000_0000_0000, 0);
        // FCVT.S.LU of 0x8000000000000000.
        u64_to_f32(0x8000_0000_0000_0000, RNE) => (0x5f00_0000, 0);
        // FCVT.D.LU of 0x20000000000001.
        u64_to_f64(0x0020_0000_0000_0001, RNE) => (0x4340_0000_0000_0000, NX);
        // FCVT.S.LU of 0x20000000000001.
        u64_to_f32(0x0020_0000_0000_0001, RNE) => (0x5a00_0000, NX);
        // FCVT.D.LU of 0xffffff0000000000.
        u64_to_f64(0xffff_ff00_0000_0000, RNE) => (0x43ef_ffff_e000_0000, 0);
        // FCVT.S.LU of 0xffffff0000000000.
        u64_to_f32(0xffff_ff00_0000_0000, RNE) => (0x5f7f_ffff, 0);
        // RTZ, inexact.
        i64_to_f32(0x100_0001, RTZ) => (0x4b80_0000, NX);
        // RDN, inexact.
        i64_to_f64(0x0020_0000_0000_0001, RDN) => (0x4340_0000_0000_0000, NX);
        // FCVT.D.W: exact.
        i32_to_f64(0xffff_ffff_8000_0000, RUP) => (0xc1e0_0000_0000_0000, 0);
        // FCVT.D.WU: exact.
        u32_to_f64(0xffff_ffff, RMM) => (0x41ef_ffff_ffe0_0000, 0);
    }
}

/// FCVT.S.D around binary32's 2^-126 and MAX (native in RNE when the result
/// is normal), and FCVT.D.S (native unless NaN).
#[test]
fn fast_between_formats() {
    expect! {
        // 2^-126: at the threshold, exact.
        f64_to_f32(0x3810_0000_0000_0000, RNE) => (0x0080_0000, 0);
        // Just above 2^-126: exact.
        f64_to_f32(0x3810_0000_2000_0000, RNE) => (0x0080_0001, 0);
        // Just above 2^-126: inexact.
        f64_to_f32(0x3810_0000_2000_0001, RNE) => (0x0080_0001, NX);
        // Just below 2^-126, rounding up to it: not tiny, NX only.
        f64_to_f32(0x380f_ffff_f000_0000, RNE) => (0x0080_0000, NX);
        // Binary32 MAX: exact.
        f64_to_f32(0x47ef_ffff_e000_0000, RNE) => (0x7f7f_ffff, 0);
        // Just under half past MAX: inexact.
        f64_to_f32(0x47ef_ffff_efff_ffff, RNE) => (0x7f7f_ffff, NX);
        // Half past MAX: overflow.
        f64_to_f32(0x47ef_ffff_f000_0000, RNE) => (0x7f80_0000, OF | NX);
        // 1/3: inexact.
        f64_to_f32(0x3fd5_5555_5555_5555, RNE) => (0x3eaa_aaab, NX);
        // 2^-150: UF.
        f64_to_f32(0x3690_0000_0000_0000, RNE) => (0, UF | NX);
        // -0.
        f64_to_f32(0x8000_0000_0000_0000, RNE) => (0x8000_0000, 0);
        // Quiet NaN.
        f64_to_f32(0xfff8_0000_1234_5678, RNE) => (0x7fc0_0000, 0);
        // Signaling NaN.
        f64_to_f32(0x7ff0_0000_0000_0001, RNE) => (0x7fc0_0000, NV);
        // Subnormal.
        f32_to_f64(1) => (0x36a0_0000_0000_0000, 0);
        // MAX.
        f32_to_f64(0x7f7f_ffff) => (0x47ef_ffff_e000_0000, 0);
        // -inf.
        f32_to_f64(0xff80_0000) => (0xfff0_0000_0000_0000, 0);
        // Signaling NaN.
        f32_to_f64(0x7f80_0001) => (0x7ff8_0000_0000_0000, NV);
        // Quiet NaN.
        f32_to_f64(0xffc1_2345) => (0x7ff8_0000_0000_0000, 0);
        // -0.
        f32_to_f64(0x8000_0000) => (0x8000_0000_0000_0000, 0);
    }
}
