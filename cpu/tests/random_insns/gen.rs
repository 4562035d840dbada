//! Strategies: instruction words (uniform and shaped by opcode), register
//! values biased towards the addresses and numbers where bugs live, and
//! the rest of the hart state.

use heron_cpu::Priv;
use proptest::prelude::*;

use crate::machine::{Setup, ALIAS_BASE, CODE_PAGE, MMIO_BASE, RAM_BASE, RAM_END, RAM_SIZE};

/// Major opcodes heron implements (and two it does not), for words that
/// reach past the first level of the decoder more often than uniform ones.
const MAJORS: [u32; 22] = [
    0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47, 0x4b, 0x4f,
    0x53, 0x63, 0x67, 0x6f, 0x73, 0x0b,
];

/// CSR numbers worth hitting: every implemented one, the edges of the
/// ranges, PMP (all sixteen cfg numbers, odd and even), counters.
const CSRS: [u32; 52] = [
    0x001, 0x002, 0x003, 0xc00, 0xc01, 0xc02, 0xc03, 0xc1f, 0x100, 0x104, 0x105, 0x106, 0x10a,
    0x140, 0x141, 0x142, 0x143, 0x144, 0x14d, 0x180, 0xf11, 0xf12, 0xf13, 0xf14, 0xf15, 0x300,
    0x301, 0x302, 0x303, 0x304, 0x305, 0x306, 0x30a, 0x320, 0x340, 0x341, 0x342, 0x343, 0x344,
    0x3a0, 0x3a1, 0x3a2, 0x3a4, 0x3ae, 0x3af, 0x3b0, 0x3bf, 0x3c0, 0x3ef, 0x7a0, 0x7a4, 0xb02,
];

/// Encodings of the privileged instructions (rs1/rs2 fields zero).
const PRIVILEGED: [u32; 6] = [
    0x0000_0073, // ecall
    0x0010_0073, // ebreak
    0x3020_0073, // mret
    0x1020_0073, // sret
    0x1050_0073, // wfi
    0x1200_0073, // sfence.vma
];

/// A 32-bit instruction word.
pub fn insn32() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => any::<u32>().prop_map(|w| w | 3),
        4 => (prop::sample::select(&MAJORS[..]), any::<u32>())
            .prop_map(|(op, w)| (w & !0x7f) | op),
        2 => (prop::sample::select(&CSRS[..]), 0u32..8, any::<u32>())
            .prop_map(|(csr, f3, w)| (csr << 20) | (w & 0x000f_8f80) | (f3 << 12) | 0x73),
        1 => (prop::sample::select(&PRIVILEGED[..]), any::<u32>(), 0u32..4).prop_map(
            |(base, w, how)| match how {
                // Register fields set: sfence.vma with rs1/rs2, and
                // reserved variants of the others.
                0 => base | (w & 0x01ff_8000),
                1 => base | (w & 0x0000_0f80),
                _ => base,
            }
        ),
    ]
}

/// A 16-bit (compressed) instruction word, in the low half.
pub fn insn16() -> impl Strategy<Value = u32> {
    any::<u16>().prop_map(|h| {
        let h = if h & 3 == 3 { h & !1 } else { h };
        h as u32
    })
}

/// An integer register value.
pub fn xval() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => Just(0u64),
        1 => Just(u64::MAX),
        2 => (0u64..16).prop_map(|d| 0xffff_ffff_ffff_fff8u64.wrapping_add(d.wrapping_sub(8))),
        4 => (0..RAM_SIZE).prop_map(|o| RAM_BASE + o),
        2 => (0u64..64).prop_map(|d| RAM_END.wrapping_add(d).wrapping_sub(32)),
        2 => (0u64..0x1000).prop_map(|o| CODE_PAGE + o),
        1 => (0u64..0x1010).prop_map(|o| MMIO_BASE + o),
        1 => (0u64..RAM_SIZE).prop_map(|o| ALIAS_BASE + o),
        1 => (0u64..64).prop_map(|d| (1u64 << 38).wrapping_add(d).wrapping_sub(32)),
        2 => (-2048i64..2048).prop_map(|v| v as u64),
        1 => prop::sample::select(&[1u64 << 63, i64::MAX as u64, 0xffff_ffff, 1 << 31][..]),
        3 => any::<u64>(),
    ]
}

/// A floating-point register value: NaN-boxed singles, special doubles.
pub fn fval() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => any::<u32>().prop_map(|s| 0xffff_ffff_0000_0000 | s as u64),
        1 => prop::sample::select(&[
            0u64,
            1 << 63,
            0x7ff0_0000_0000_0000,
            0xfff0_0000_0000_0000,
            0x7ff8_0000_0000_0000,
            0x7ff4_0000_0000_0000,
            0xffff_ffff_7fc0_0000,
            0xffff_ffff_7f80_0000,
            0x0000_0000_3f80_0000,
            1,
        ][..]),
        2 => any::<u64>(),
    ]
}

fn privilege() -> impl Strategy<Value = Priv> {
    prop::sample::select(&[Priv::M, Priv::S, Priv::U][..])
}

/// Delegation masks: none, all, or random.
fn medeleg() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()]
}

/// Level-0 PTE flags: mostly valid R/W/X mixes with random U/A/D, some
/// invalid or reserved (W without R) ones.
fn pte_flags() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => any::<u8>().prop_map(|f| f | 0x03),
        1 => any::<u8>(),
        1 => Just(0xdfu8),
    ]
}

/// A trap vector base somewhere in RAM, direct or vectored.
fn tvec() -> impl Strategy<Value = u64> {
    (0u64..RAM_SIZE / 4, 0u64..2).prop_map(|(o, mode)| RAM_BASE + 4 * o + mode)
}

prop_compose! {
    /// The whole state before the instruction `bits`.
    pub fn setup(bits: BoxedStrategy<u32>)(
        bits in bits,
        privilege in privilege(),
        paging in any::<bool>(),
        x in prop::array::uniform32(xval()),
        f in prop::array::uniform32(fval()),
        (frm, fflags) in (0u8..8, any::<u8>()),
        mstatus in any::<u64>(),
        medeleg in medeleg(),
        (mtvec, stvec) in (tvec(), tvec()),
        (mepc, sepc) in (xval(), xval()),
        counters in (any::<u64>(), any::<u64>(), any::<u64>()),
        page_flags in prop::array::uniform16(pte_flags()),
        giga_flags in prop::array::uniform2(pte_flags()),
        pmp0 in any::<u8>(),
    ) -> Setup {
        let (mcounteren, scounteren, menvcfg) = counters;
        Setup {
            bits, privilege, paging, x, f, frm, fflags, mstatus, medeleg, mtvec, stvec,
            mepc, sepc, mcounteren, scounteren, menvcfg, page_flags, giga_flags, pmp0,
        }
    }
}
