//! Edge cases of the FPU. Every expected bit pattern and flag set here was
//! also checked against an independent implementation (QEMU's RISC-V F/D
//! emulation, running the same operations as real FADD.S, FCVT.W.S, ...
//! instructions) and against the ISA manual's rules cited next to it.

use super::*;

/// Checks each `call => (result, flags);` line, naming the call that fails.
macro_rules! expect {
    ($($f:ident($($arg:expr),*) => $want:expr;)*) => {
        $(assert_eq!($f($($arg),*), $want, "{}", stringify!($f($($arg),*)));)*
    };
}

// After `expect!`, which they use.
mod arith;
mod convert;
mod fast_arith;
mod fast_convert;
mod special;

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
