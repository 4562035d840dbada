//! `fence` as host memory ordering.
//!
//! With several harts on host threads, a guest `fence` must order the
//! host's accesses as the guest asked. Guest RAM accesses are relaxed
//! atomics (`heron_mmu::host_mem`), so the host fence needed is the one
//! that gives those the ordering of the fence's predecessor and successor
//! sets: x86-64's TSO already keeps every order except an earlier store
//! before a later load, so only a fence with writes (or device output) in
//! its predecessor set and reads (or device input) in its successor set
//! needs the full barrier; every other fence, and `fence.tso` (whose whole
//! point is to leave store→load unordered), is an acquire-release fence,
//! free on x86-64 and a light barrier on weaker hosts.

use std::sync::atomic::{fence, Ordering};

/// Fence set bits (`fence` bits 27:24 are pred, 23:20 succ).
const I: u32 = 8;
const O: u32 = 4;
const R: u32 = 2;
const W: u32 = 1;
/// `fm` of `fence.tso`.
const FM_TSO: u32 = 0b1000;

/// The host ordering a guest fence needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FenceOrder {
    /// Orders nothing (an empty predecessor or successor set).
    None,
    /// Everything but store→load: an acquire-release fence.
    AcqRel,
    /// Including store→load: a sequentially consistent fence.
    Full,
}

/// The ordering of the fence whose instruction bits 31:20 (fm, pred, succ)
/// are `bits`.
pub(crate) fn fence_order(bits: u32) -> FenceOrder {
    let (fm, pred, succ) = ((bits >> 8) & 0xf, (bits >> 4) & 0xf, bits & 0xf);
    if pred == 0 || succ == 0 {
        FenceOrder::None
    } else if fm != FM_TSO && pred & (W | O) != 0 && succ & (R | I) != 0 {
        FenceOrder::Full
    } else {
        FenceOrder::AcqRel
    }
}

/// Issues the host fence for `order`.
#[inline]
pub(crate) fn host_fence(order: FenceOrder) {
    match order {
        FenceOrder::None => {}
        FenceOrder::AcqRel => fence(Ordering::AcqRel),
        FenceOrder::Full => fence(Ordering::SeqCst),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bits 31:20 of `fence pred, succ` with `fm`.
    fn bits(fm: u32, pred: u32, succ: u32) -> u32 {
        fm << 8 | pred << 4 | succ
    }

    #[test]
    fn only_fences_ordering_writes_before_reads_need_the_full_barrier() {
        use FenceOrder::*;
        let rw = R | W;
        let iorw = I | O | R | W;
        for (fm, pred, succ, want) in [
            (0, rw, rw, Full), // fence rw,rw (Linux's smp_mb)
            (0, W, R, Full),   // fence w,r
            (0, O, I, Full),   // fence o,i: device output before input
            (0, iorw, iorw, Full),
            (0, R, rw, AcqRel),       // fence r,rw (acquire)
            (0, rw, W, AcqRel),       // fence rw,w (release)
            (0, W, W, AcqRel),        // fence w,w
            (0, R, R, AcqRel),        // fence r,r
            (FM_TSO, rw, rw, AcqRel), // fence.tso
            (0, 0, rw, None),
            (0, rw, 0, None),
        ] {
            assert_eq!(
                fence_order(bits(fm, pred, succ)),
                want,
                "fm {fm} {pred:#x},{succ:#x}"
            );
        }
    }

    #[test]
    fn the_decoder_keeps_the_fence_bits() {
        // fence rw,rw = 0x0330000f; fence.tso = 0x8330000f; fence r,rw.
        for (insn, want) in [
            (0x0330_000f, FenceOrder::Full),
            (0x8330_000f, FenceOrder::AcqRel),
            (0x0230_000f, FenceOrder::AcqRel),
        ] {
            let op = crate::decode::decode(insn);
            assert_eq!(op.kind, crate::decode::Kind::Fence);
            assert_eq!(fence_order(op.imm as u32), want, "{insn:#x}");
        }
    }
}
