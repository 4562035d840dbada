//! What native code calls back into the hart for (all `extern "C"`): the
//! slow paths of loads and stores, and the interpreter's executor for the
//! ops the translator does not emit itself.

use heron_mmu::Bus;

use super::exit;
use crate::decode::Op;
use crate::exec::Next;
use crate::hart::Hart;

/// What [`exec`] returns for an op that ended the block as a jump
/// (`sfence.vma`, `fence.i`): not an exit code of its own.
pub const JUMPED: u32 = 4;

/// What [`load`] returns (in two registers: a C struct of two words).
#[repr(C)]
pub struct Loaded {
    /// 0, or [`exit::TRAP`] with the exception pending on the hart.
    pub status: u64,
    /// The zero-extended value (status 0).
    pub value: u64,
}

/// Slow-path load of `size` bytes at `vaddr` (a TLB miss, MMIO, a
/// misaligned access).
///
/// # Safety
/// Only for generated code: `hart` and `bus` are the valid, unaliased
/// pointers the block was called with.
pub unsafe extern "C" fn load(hart: *mut Hart, bus: *const Bus, vaddr: u64, size: u64) -> Loaded {
    // SAFETY: the caller's contract.
    let (hart, bus) = unsafe { (&mut *hart, &*bus) };
    match hart.load(bus, vaddr, size) {
        Ok(value) => Loaded { status: 0, value },
        Err(t) => {
            hart.pending_trap = t;
            Loaded {
                status: exit::TRAP as u64,
                value: 0,
            }
        }
    }
}

/// Executes `*op` (at `pc`; `retired` = `instret` before it, for the
/// counter CSRs) with the interpreter: how translated code runs what it
/// does not translate itself (the op finds the registers in the hart,
/// where translated code keeps them). Returns 0 (go on), [`exit::TRAP`]
/// (the exception is pending, nothing retired), [`JUMPED`] (the op
/// retired and ended the block as a plain jump, `pc` set: the block ends
/// with [`exit::CHAIN`], as the interpreter's does), [`exit::SYNC`] (the
/// op retired and ended the block; `pc` is set) or [`exit::WAIT`].
///
/// # Safety
/// As for [`load`]; `op` points at an op of the block being run (the
/// interpreter keeps a block's ops alive while it runs).
pub unsafe extern "C" fn exec(
    hart: *mut Hart,
    bus: *const Bus,
    op: *const Op,
    pc: u64,
    retired: u64,
) -> u32 {
    // SAFETY: the caller's contract.
    let (hart, bus, op) = unsafe { (&mut *hart, &*bus, &*op) };
    match hart.execute(bus, op, pc, retired) {
        Next::Continue => 0,
        Next::Trap => exit::TRAP,
        Next::Jump(target) => {
            hart.pc = target;
            JUMPED
        }
        Next::Resync => exit::SYNC,
        Next::Wait => exit::WAIT,
    }
}

/// Slow-path store of the low `size` bytes of `value` at `vaddr`.
/// Returns 0, [`exit::TRAP`] (exception pending on the hart) or
/// [`exit::SYNC`] (it reached a device or a watched word).
///
/// # Safety
/// As for [`load`].
pub unsafe extern "C" fn store(
    hart: *mut Hart,
    bus: *const Bus,
    vaddr: u64,
    size: u64,
    value: u64,
) -> u32 {
    // SAFETY: the caller's contract.
    let (hart, bus) = unsafe { (&mut *hart, &*bus) };
    match hart.store(bus, vaddr, size, value) {
        Ok(false) => 0,
        Ok(true) => exit::SYNC,
        Err(t) => {
            hart.pending_trap = t;
            exit::TRAP
        }
    }
}
