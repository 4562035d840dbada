//! The Supervisor Binary Interface, served in the host (RISC-V SBI
//! specification v2.0).
//!
//! In built-in firmware mode the hart runs with
//! [`Hart::firmware_ecalls`](heron_cpu::Hart::firmware_ecalls) set, so an
//! S-mode `ecall` ends [`Hart::run`](heron_cpu::Hart::run) with
//! [`RunExit::EnvCall`](heron_cpu::RunExit::EnvCall) instead of trapping to
//! M-mode. The machine then calls [`Sbi::handle`], acts on the returned
//! [`SbiOutcome`], and calls
//! [`Hart::complete_ecall`](heron_cpu::Hart::complete_ecall) to step over the
//! `ecall`.
//!
//! Calling convention (spec §3 "Binary Encoding"): `a7` holds the extension
//! ID (EID), `a6` the function ID (FID), `a0`..`a5` the arguments; the call
//! returns an error code in `a0` and a value in `a1`, and preserves every
//! other register. Legacy extensions (EIDs 0x00..0x0F, spec §5) ignore `a6`
//! and return only `a0`.
//!
//! One `Sbi` serves every hart of the machine, from each hart's own thread
//! (it is `Sync`): remote operations reach other harts through their event
//! words ([`heron_mmu::events`]), and HSM keeps each hart's state here.

mod harts;
mod system;
#[cfg(test)]
mod tests;

use std::sync::{Mutex, MutexGuard};

use heron_cpu::Vcpu;
use heron_devices::PowerEvent;
use heron_mmu::Bus;

pub use harts::{HartState, Hsm, Resume};

/// Extension IDs heron implements (spec chapters 4–12).
pub mod eid {
    /// Legacy Console Putchar (§5.2).
    pub const LEGACY_CONSOLE_PUTCHAR: u64 = 0x01;
    /// Legacy Console Getchar (§5.3).
    pub const LEGACY_CONSOLE_GETCHAR: u64 = 0x02;
    /// Legacy System Shutdown (§5.9).
    pub const LEGACY_SHUTDOWN: u64 = 0x08;
    /// Base extension (§4).
    pub const BASE: u64 = 0x10;
    /// Timer extension, "TIME" (§6).
    pub const TIME: u64 = 0x5449_4D45;
    /// IPI extension, "sPI" (§7).
    pub const IPI: u64 = 0x73_5049;
    /// Remote fence extension, "RFNC" (§8).
    pub const RFENCE: u64 = 0x5246_4E43;
    /// Hart state management, "HSM" (§9).
    pub const HSM: u64 = 0x48_534D;
    /// System reset, "SRST" (§10).
    pub const SRST: u64 = 0x5352_5354;
    /// Debug console, "DBCN" (§12).
    pub const DBCN: u64 = 0x4442_434E;
}

/// Standard SBI error codes (spec §3, table "Standard SBI Errors").
pub mod error {
    /// Completed successfully.
    pub const SUCCESS: i64 = 0;
    /// Failed.
    pub const FAILED: i64 = -1;
    /// Not supported.
    pub const NOT_SUPPORTED: i64 = -2;
    /// Invalid parameter(s).
    pub const INVALID_PARAM: i64 = -3;
    /// Denied or not allowed.
    pub const DENIED: i64 = -4;
    /// Invalid address(es).
    pub const INVALID_ADDRESS: i64 = -5;
    /// Already available.
    pub const ALREADY_AVAILABLE: i64 = -6;
    /// Already started.
    pub const ALREADY_STARTED: i64 = -7;
    /// Already stopped.
    pub const ALREADY_STOPPED: i64 = -8;
}

/// `sbi_get_spec_version`: v2.0 (major in bits 30:24, minor in 23:0).
pub const SPEC_VERSION: u64 = 2 << 24;

/// `sbi_get_impl_id`: heron's implementation ID.
///
/// The spec's registry (§4.9, "SBI Implementation IDs") assigns 0..=11 to
/// BBL, OpenSBI, Xvisor, KVM, RustSBI, Diosix, Coffer, Xen, PolarFire HSS,
/// coreboot, oreboot and bhyve. heron is not registered, so it uses a value
/// far from that range, spelling "HRN" in ASCII, to avoid being mistaken for
/// any registered implementation when software probes for quirks.
pub const IMPL_ID: u64 = 0x48_524E;

/// `sbi_get_impl_version`: heron's crate version as `major << 16 | minor`
/// (the encoding OpenSBI uses; the spec leaves it to the implementation).
pub const IMPL_VERSION: u64 = (parse_version_part(env!("CARGO_PKG_VERSION_MAJOR")) << 16)
    | parse_version_part(env!("CARGO_PKG_VERSION_MINOR"));

/// Parses one decimal component of the crate version at compile time.
const fn parse_version_part(s: &str) -> u64 {
    let bytes = s.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u64;
        i += 1;
    }
    value
}

/// The console behind the debug console extension and the legacy
/// putchar/getchar calls. The machine implements it over the same host
/// terminal as the UART, so firmware and driver output interleave in order.
pub trait SbiConsole: Send {
    /// Writes `bytes` to the console.
    fn write(&mut self, bytes: &[u8]);
    /// Reads up to `buf.len()` pending input bytes without blocking; returns
    /// how many were read (0 when there is no input).
    fn read(&mut self, buf: &mut [u8]) -> usize;
}

/// What the machine must do after [`Sbi::handle`], besides calling
/// [`Hart::complete_ecall`](heron_cpu::Hart::complete_ecall).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiOutcome {
    /// Resume the hart after the `ecall`.
    Continue,
    /// The hart suspended itself (HSM `hart_suspend`, §9.4): it runs again
    /// once an interrupt is pending in `mip & mie`, after
    /// [`Hsm::take_resume`] says how.
    Suspended,
    /// The supervisor asked to power off or reset the machine (SRST, §10,
    /// or legacy shutdown, §5.9). The call does not return to the guest.
    Power(PowerEvent),
    /// The hart stopped itself (HSM `hart_stop`, §9.2): it runs again only
    /// when another hart starts it ([`Hsm::take_start`]).
    HartStopped,
}

/// The `struct sbiret` of a call: error code and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SbiRet {
    error: i64,
    value: u64,
}

impl SbiRet {
    pub(crate) fn ok(value: u64) -> SbiRet {
        SbiRet {
            error: error::SUCCESS,
            value,
        }
    }

    pub(crate) fn err(error: i64) -> SbiRet {
        SbiRet { error, value: 0 }
    }
}

/// A decoded call: `a7`, `a6` and `a0`..`a5`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Call {
    eid: u64,
    fid: u64,
    args: [u64; 6],
}

impl Call {
    fn from_hart(hart: &dyn Vcpu) -> Call {
        let x = |r: u8| hart.xreg(r);
        Call {
            eid: x(17),
            fid: x(16),
            args: [x(10), x(11), x(12), x(13), x(14), x(15)],
        }
    }
}

/// heron's SBI implementation, shared by every hart.
pub struct Sbi {
    console: Mutex<Box<dyn SbiConsole>>,
    hsm: Hsm,
}

/// Register numbers of the return values.
const A0: u8 = 10;
const A1: u8 = 11;

impl Sbi {
    /// An SBI implementation for `harts` harts whose debug console is
    /// `console`. Hart 0 is the boot hart (STARTED); the others are
    /// STOPPED until the supervisor starts them.
    pub fn new(console: Box<dyn SbiConsole>, harts: usize) -> Sbi {
        Sbi {
            console: Mutex::new(console),
            hsm: Hsm::new(harts),
        }
    }

    /// The harts' HSM states.
    pub fn hsm(&self) -> &Hsm {
        &self.hsm
    }

    fn console(&self) -> MutexGuard<'_, Box<dyn SbiConsole>> {
        self.console.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serves the `ecall` the hart stopped at: reads the call from `a7`,
    /// `a6`, `a0`..`a5`, performs it, and writes `a0` (error) and `a1`
    /// (value), or only `a0` for a legacy extension. Unknown extensions and
    /// functions return `SBI_ERR_NOT_SUPPORTED` (spec §3).
    pub fn handle(&self, hart: &mut dyn Vcpu, bus: &Bus) -> SbiOutcome {
        let call = Call::from_hart(hart);
        log::trace!(
            "sbi: eid {:#x} fid {} args {:x?}",
            call.eid,
            call.fid,
            call.args
        );
        if call.eid < 0x10 {
            let (a0, outcome) = self.legacy(&call);
            hart.set_xreg(A0, a0);
            return outcome;
        }
        let (ret, outcome) = match call.eid {
            eid::BASE => (base(&call), SbiOutcome::Continue),
            eid::TIME => (harts::time(hart, &call), SbiOutcome::Continue),
            eid::IPI => (harts::ipi(bus, &call), SbiOutcome::Continue),
            eid::RFENCE => (harts::rfence(hart, bus, &call), SbiOutcome::Continue),
            eid::HSM => self.hsm.call(hart.index(), bus, &call),
            eid::SRST => system::srst(&call),
            eid::DBCN => (
                system::dbcn(self.console().as_mut(), hart, bus, &call),
                SbiOutcome::Continue,
            ),
            _ => {
                log::debug!("sbi: unsupported extension {:#x}", call.eid);
                (SbiRet::err(error::NOT_SUPPORTED), SbiOutcome::Continue)
            }
        };
        hart.set_xreg(A0, ret.error as u64);
        hart.set_xreg(A1, ret.value);
        outcome
    }

    /// The legacy extensions heron keeps for old kernels and bootloaders
    /// (spec §5): their result is `a0` alone.
    fn legacy(&self, call: &Call) -> (u64, SbiOutcome) {
        match call.eid {
            eid::LEGACY_CONSOLE_PUTCHAR => {
                self.console().write(&[call.args[0] as u8]);
                (0, SbiOutcome::Continue)
            }
            eid::LEGACY_CONSOLE_GETCHAR => {
                let mut byte = [0u8];
                let value = if self.console().read(&mut byte) == 1 {
                    byte[0] as u64
                } else {
                    // "-1 for failure", including no input.
                    u64::MAX
                };
                (value, SbiOutcome::Continue)
            }
            eid::LEGACY_SHUTDOWN => (0, SbiOutcome::Power(PowerEvent::Shutdown(0))),
            _ => {
                log::debug!("sbi: unsupported legacy extension {:#x}", call.eid);
                (error::NOT_SUPPORTED as u64, SbiOutcome::Continue)
            }
        }
    }
}

/// Whether heron implements extension `eid` (for `sbi_probe_extension`).
fn extension_available(eid: u64) -> bool {
    matches!(
        eid,
        eid::LEGACY_CONSOLE_PUTCHAR
            | eid::LEGACY_CONSOLE_GETCHAR
            | eid::LEGACY_SHUTDOWN
            | eid::BASE
            | eid::TIME
            | eid::IPI
            | eid::RFENCE
            | eid::HSM
            | eid::SRST
            | eid::DBCN
    )
}

/// The base extension (§4): versions, IDs and extension probing. Every
/// function succeeds.
fn base(call: &Call) -> SbiRet {
    match call.fid {
        0 => SbiRet::ok(SPEC_VERSION),
        1 => SbiRet::ok(IMPL_ID),
        2 => SbiRet::ok(IMPL_VERSION),
        3 => SbiRet::ok(extension_available(call.args[0]) as u64),
        // mvendorid, marchid, mimpid: heron's CSRs read as 0 ("not
        // implemented"), which the spec says is always legal.
        4..=6 => SbiRet::ok(0),
        _ => SbiRet::err(error::NOT_SUPPORTED),
    }
}

/// Decodes a hart list (spec §3.1, "Hart list parameter") on a machine of
/// `harts` harts: the hartids it names, or `Err(SBI_ERR_INVALID_PARAM)`
/// when any hartid it names does not exist. `hart_mask_base == -1` means
/// "all harts".
pub(crate) fn hart_list(mask: u64, mask_base: u64, harts: usize) -> Result<Vec<usize>, i64> {
    if mask_base == u64::MAX {
        return Ok((0..harts).collect());
    }
    let mut targets = Vec::new();
    let mut bits = mask;
    while bits != 0 {
        let bit = bits.trailing_zeros() as u64;
        bits &= bits - 1;
        match mask_base.checked_add(bit) {
            Some(h) if h < harts as u64 => targets.push(h as usize),
            _ => return Err(error::INVALID_PARAM),
        }
    }
    Ok(targets)
}
