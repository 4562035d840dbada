//! The per-hart extensions: TIME (§6), IPI (§7), RFENCE (§8) and HSM (§9).

use heron_cpu::trap::irq;
use heron_cpu::Hart;

use super::{error, hart_list_targets, Call, SbiOutcome, SbiRet};

/// HSM hart state "STARTED" (§9, table "HSM Hart States").
const HSM_STARTED: u64 = 0;

/// `sbi_set_timer` (§6.1): programs the next timer event.
///
/// heron's hart implements Sstc and [`firmware_boot`](crate::firmware_boot)
/// sets `menvcfg.STCE`, so the S-mode timer is `stimecmp` itself: writing it
/// both schedules the event and clears a pending STIP when the new time is
/// in the future, as the call requires.
pub(super) fn time(hart: &mut Hart, call: &Call) -> SbiRet {
    match call.fid {
        0 => {
            hart.csr.stimecmp = call.args[0];
            hart.refresh_mip();
            SbiRet::ok(0)
        }
        _ => SbiRet::err(error::NOT_SUPPORTED),
    }
}

/// `sbi_send_ipi` (§7.1): an IPI shows up as a supervisor software
/// interrupt (SSIP) on each target hart.
pub(super) fn ipi(hart: &mut Hart, call: &Call) -> SbiRet {
    if call.fid != 0 {
        return SbiRet::err(error::NOT_SUPPORTED);
    }
    match hart_list_targets(call.args[0], call.args[1], hart.csr.mhartid) {
        Ok(true) => {
            hart.csr.mip_sw |= 1 << irq::SSI;
            hart.refresh_mip();
            SbiRet::ok(0)
        }
        Ok(false) => SbiRet::ok(0),
        Err(e) => SbiRet::err(e),
    }
}

/// The remote fence functions (§8).
///
/// * `remote_fence_i`: heron's decoded-code cache follows every store to a
///   code page (and DMA writes are queued for invalidation before the hart
///   runs), so a local `fence.i` has nothing to flush and neither has this.
/// * `remote_sfence_vma(_asid)`: the soft TLB keeps no ASIDs and the
///   virtual-pc block lookup is keyed by virtual address, so any range or
///   ASID flushes every cached translation, which the spec allows (a fence
///   may cover more than asked).
/// * The HFENCE functions need the hypervisor extension, which heron's hart
///   lacks: `SBI_ERR_NOT_SUPPORTED`.
pub(super) fn rfence(hart: &mut Hart, call: &Call) -> SbiRet {
    if call.fid > 6 {
        return SbiRet::err(error::NOT_SUPPORTED);
    }
    let targets_self = match hart_list_targets(call.args[0], call.args[1], hart.csr.mhartid) {
        Ok(t) => t,
        Err(e) => return SbiRet::err(e),
    };
    match call.fid {
        0 => SbiRet::ok(0),
        1 | 2 => {
            if targets_self {
                hart.flush_translations();
            }
            SbiRet::ok(0)
        }
        _ => SbiRet::err(error::NOT_SUPPORTED),
    }
}

/// Hart state management (§9) for the single hart, which is always
/// STARTED while it can make calls.
pub(super) fn hsm(hart: &mut Hart, call: &Call) -> (SbiRet, SbiOutcome) {
    let me = hart.csr.mhartid;
    let ret = match call.fid {
        // hart_start(hartid, start_addr, opaque)
        0 if call.args[0] != me => SbiRet::err(error::INVALID_PARAM),
        0 => SbiRet::err(error::ALREADY_AVAILABLE),
        // hart_stop(): does not return.
        1 => return (SbiRet::ok(0), SbiOutcome::HartStopped),
        // hart_get_status(hartid)
        2 if call.args[0] != me => SbiRet::err(error::INVALID_PARAM),
        2 => SbiRet::ok(HSM_STARTED),
        // hart_suspend(suspend_type, resume_addr, opaque)
        3 => return suspend(call.args[0]),
        _ => SbiRet::err(error::NOT_SUPPORTED),
    };
    (ret, SbiOutcome::Continue)
}

/// `sbi_hart_suspend` (§9.4). heron implements only the default retentive
/// suspend, which behaves like `wfi`: the call returns success once an
/// interrupt is pending. The default non-retentive type is defined by the
/// spec but not implemented (`SBI_ERR_NOT_SUPPORTED`); reserved and
/// platform-specific types, none of which heron defines, are
/// `SBI_ERR_INVALID_PARAM`.
fn suspend(suspend_type: u64) -> (SbiRet, SbiOutcome) {
    const DEFAULT_RETENTIVE: u64 = 0;
    const DEFAULT_NON_RETENTIVE: u64 = 0x8000_0000;
    match suspend_type {
        DEFAULT_RETENTIVE => (SbiRet::ok(0), SbiOutcome::WaitForInterrupt),
        DEFAULT_NON_RETENTIVE => (SbiRet::err(error::NOT_SUPPORTED), SbiOutcome::Continue),
        _ => (SbiRet::err(error::INVALID_PARAM), SbiOutcome::Continue),
    }
}
