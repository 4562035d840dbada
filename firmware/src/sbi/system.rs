//! The system-wide extensions: system reset (§10) and the debug console
//! (§12).

use heron_cpu::Vcpu;
use heron_devices::PowerEvent;
use heron_mmu::{Access, Bus};

use super::{error, Call, SbiConsole, SbiOutcome, SbiRet};

/// The most bytes one debug-console read or write moves. The calls may be
/// partial (§12.1, §12.2) and callers loop on the returned count, so a cap
/// bounds the host buffer a single call needs without losing output.
pub(crate) const DBCN_MAX_CHUNK: u64 = 64 * 1024;

/// `sbi_system_reset(reset_type, reset_reason)` (§10.1).
///
/// Shutdown becomes [`PowerEvent::Shutdown`] with exit code 0, or 1 when the
/// reason is "system failure", so a kernel panic that powers off is visible
/// to whoever runs heron. Cold and warm reboot both reset the machine.
/// Reserved values, and vendor-specific or implementation-specific ones
/// (heron defines none), are `SBI_ERR_INVALID_PARAM`.
pub(super) fn srst(call: &Call) -> (SbiRet, SbiOutcome) {
    const SHUTDOWN: u64 = 0;
    const COLD_REBOOT: u64 = 1;
    const WARM_REBOOT: u64 = 2;
    const NO_REASON: u64 = 0;
    const SYSTEM_FAILURE: u64 = 1;
    if call.fid != 0 {
        return (SbiRet::err(error::NOT_SUPPORTED), SbiOutcome::Continue);
    }
    let exit_code = match call.args[1] {
        NO_REASON => 0,
        SYSTEM_FAILURE => 1,
        _ => return (SbiRet::err(error::INVALID_PARAM), SbiOutcome::Continue),
    };
    let event = match call.args[0] {
        SHUTDOWN => PowerEvent::Shutdown(exit_code),
        COLD_REBOOT | WARM_REBOOT => PowerEvent::Reboot,
        _ => return (SbiRet::err(error::INVALID_PARAM), SbiOutcome::Continue),
    };
    log::info!(
        "sbi: system reset type {} reason {}",
        call.args[0],
        call.args[1]
    );
    (SbiRet::ok(0), SbiOutcome::Power(event))
}

/// The debug console (§12): console_write (FID 0), console_read (FID 1),
/// console_write_byte (FID 2).
pub(super) fn dbcn(
    console: &mut dyn SbiConsole,
    hart: &dyn Vcpu,
    bus: &Bus,
    call: &Call,
) -> SbiRet {
    let [num_bytes, base_lo, base_hi, ..] = call.args;
    if call.fid <= 1 && num_bytes == 0 && base_hi == 0 {
        // Nothing to move, so no memory to check.
        return SbiRet::ok(0);
    }
    match call.fid {
        0 => {
            let len = num_bytes.min(DBCN_MAX_CHUNK);
            let Some(pa) = shared_memory(hart, bus, num_bytes, base_lo, base_hi, Access::Load)
            else {
                return SbiRet::err(error::INVALID_PARAM);
            };
            let mut buf = vec![0u8; len as usize];
            if bus.ram().read(pa, &mut buf).is_err() {
                return SbiRet::err(error::INVALID_PARAM);
            }
            console.write(&buf);
            SbiRet::ok(len)
        }
        1 => {
            let len = num_bytes.min(DBCN_MAX_CHUNK);
            let Some(pa) = shared_memory(hart, bus, num_bytes, base_lo, base_hi, Access::Store)
            else {
                return SbiRet::err(error::INVALID_PARAM);
            };
            let mut buf = vec![0u8; len as usize];
            let got = console.read(&mut buf).min(buf.len());
            // The write goes through the RAM's DMA path, so decoded code on
            // those pages is invalidated before the hart runs again.
            if bus.ram().write(pa, &buf[..got]).is_err() {
                return SbiRet::err(error::INVALID_PARAM);
            }
            SbiRet::ok(got as u64)
        }
        2 => {
            console.write(&[num_bytes as u8]);
            SbiRet::ok(0)
        }
        _ => SbiRet::err(error::NOT_SUPPORTED),
    }
}

/// Checks a shared-memory range (spec §3.2): the physical address
/// `base_hi:base_lo` must fit in 64 bits, and all `len` bytes must be RAM
/// that S-mode may access as `access` under the hart's PMP. Returns the
/// base address when the range qualifies.
fn shared_memory(
    hart: &dyn Vcpu,
    bus: &Bus,
    len: u64,
    base_lo: u64,
    base_hi: u64,
    access: Access,
) -> Option<u64> {
    if base_hi != 0 {
        return None;
    }
    let ram_ok = bus.ram().contains(base_lo, len);
    // The access is made on S-mode's behalf, so PMP applies as to S-mode.
    let on_behalf_of_machine = false;
    let pmp_ok = hart.pmp_allows(base_lo, len, access, on_behalf_of_machine);
    (ram_ok && pmp_ok).then_some(base_lo)
}
