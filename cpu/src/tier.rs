//! The boundary to a translating tier (heron-jit): the interpreter finds
//! hot blocks and hands their decoded ops to a [`Translator`], which may
//! return host code for them; the interpreter's run loop then calls that
//! code instead of interpreting the block, with the same events, budget,
//! interrupt and trap handling around it.
//!
//! Native code addresses the hart through [`crate::hart::offsets`] and the
//! soft TLB's offset constants, and calls back into the hart only through
//! the [`helpers`] below. It returns one of the [`exit`] codes with `pc`,
//! `instret` and the registers exactly as the interpreter would have left
//! them at that point.

use heron_mmu::Bus;

use crate::decode::Op;
use crate::exec::Next;
use crate::hart::Hart;

/// What native code returns.
pub mod exit {
    /// The block ran to its end: `pc` is the next block's, `instret`
    /// counts every instruction.
    pub const CHAIN: u32 = 0;
    /// An instruction raised the exception now in the hart's pending
    /// trap: `pc` is that instruction's, `instret` counts those before it.
    pub const TRAP: u32 = 1;
    /// The block ended where the machine must look before going on (a
    /// store reached a device; a CSR write, `xRET`, `sfence.vma`): `pc` is
    /// where execution continues.
    pub const SYNC: u32 = 2;
    /// `wfi` with nothing pending: `pc` is past it.
    pub const WAIT: u32 = 3;
}

/// The signature of a translated block: `(hart, bus) -> exit code`.
pub type NativeFn = unsafe extern "C" fn(*mut Hart, *const Bus) -> u32;

/// Host code for one block.
#[derive(Clone, Copy, Debug)]
pub struct NativeBlock(NativeFn);

impl NativeBlock {
    /// Wraps translated code.
    ///
    /// # Safety
    /// `f` must be code that, given the `*mut Hart` and `*const Bus` the
    /// interpreter passes, touches the hart only through the documented
    /// offsets and the [`helpers`], emulates exactly the ops it was made
    /// from, returns an [`exit`] code with the state that code promises,
    /// (it may refer to those ops: a block's ops outlive its translation),
    /// and stays mapped as long as any hart may call it (the translator
    /// keeps its code memory until [`Translator::take_reset`] says the
    /// interpreter has forgotten every block it returned).
    pub unsafe fn new(f: NativeFn) -> Self {
        NativeBlock(f)
    }

    /// Runs the block on `hart`.
    #[inline]
    pub(crate) fn call(self, hart: &mut Hart, bus: &Bus) -> u32 {
        // SAFETY: `NativeBlock::new`'s contract: the code only accesses the
        // hart and bus it is given, in the ways the interpreter would; both
        // pointers are valid, unaliased for the call's duration (`hart` is
        // borrowed mutably here, `bus` shared).
        unsafe { (self.0)(hart, bus) }
    }
}

/// What a translator did so far (`--stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TierStats {
    /// Blocks translated.
    pub translated: u64,
    /// Blocks left to the interpreter.
    pub declined: u64,
    /// Bytes of host code in the current generation.
    pub code_bytes: u64,
    /// Code generations started afresh because memory was full.
    pub resets: u64,
}

impl std::ops::AddAssign for TierStats {
    fn add_assign(&mut self, o: TierStats) {
        self.translated += o.translated;
        self.declined += o.declined;
        self.code_bytes += o.code_bytes;
        self.resets += o.resets;
    }
}

/// A translating tier.
pub trait Translator: Send {
    /// Its counters.
    fn stats(&self) -> TierStats;
    /// Host code for the block of `ops` (decoded from one page, as the
    /// interpreter runs them), or `None` if it contains something the
    /// translator leaves to the interpreter.
    fn translate(&mut self, ops: &[Op]) -> Option<NativeBlock>;
    /// Whether the translator wants to start a new code generation (its
    /// code memory is full): the interpreter then drops every native block
    /// it holds and calls [`Translator::reset`].
    fn take_reset(&mut self) -> bool;
    /// Frees all code memory; every [`NativeBlock`] made so far is invalid.
    /// Called only once the interpreter holds none of them.
    fn reset(&mut self);
}

/// Whether the `fence` `op` orders anything (its predecessor and successor
/// sets are both non-empty): translated code then issues a host fence when
/// the hart's memory is shared ([`crate::hart::offsets::CONCURRENT_MEMORY`]).
pub fn fence_orders(op: &Op) -> bool {
    crate::exec::fence_order(op.imm as u32) != crate::exec::FenceOrder::None
}

/// Executions of a block before it is translated. Measured on the
/// deterministic Linux boot (same instruction count under every setting):
/// 50 translated 4,914 blocks and took 21.0–23.5 s, 200 took 18.6–19.7 s
/// with 2,800 blocks, 1000 took 19.2 s with 1,383 — the kernel's
/// lukewarm code is not worth compiling; the benchmarks' hot loops do not
/// notice the difference.
pub const HOT_THRESHOLD: u32 = 200;

/// The hart services native code calls (all `extern "C"`).
pub mod helpers {
    use super::*;

    /// Slow-path load of `size` bytes at `vaddr` (a TLB miss, MMIO, a
    /// misaligned access); the zero-extended value goes to `*out`. Returns
    /// 0, or [`exit::TRAP`] with the exception pending on the hart.
    ///
    /// # Safety
    /// Only for generated code: `hart`, `bus` and `out` are the valid,
    /// unaliased pointers the block was called with (`out` its own slot).
    pub unsafe extern "C" fn load(
        hart: *mut Hart,
        bus: *const Bus,
        vaddr: u64,
        size: u64,
        out: *mut u64,
    ) -> u32 {
        // SAFETY: the caller's contract.
        let (hart, bus) = unsafe { (&mut *hart, &*bus) };
        match hart.load(bus, vaddr, size) {
            Ok(v) => {
                // SAFETY: the caller's contract.
                unsafe { *out = v };
                0
            }
            Err(t) => {
                hart.pending_trap = t;
                exit::TRAP
            }
        }
    }

    /// Executes `*op` (at `pc`; `retired` = `instret` before it, for the
    /// counter CSRs) with the interpreter: how translated code runs what it
    /// does not translate itself. The op reads at most `x[rs1]` and
    /// `x[rs2]` and writes at most `x[rd]`, so the caller stores those two
    /// before and reloads `rd` after. Returns 0 (go on), [`exit::TRAP`]
    /// (the exception is pending, nothing retired), [`exit::SYNC`] (the op
    /// retired and ended the block; `pc` is set) or [`exit::WAIT`].
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
                exit::SYNC
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
}
