//! The boundary to a translating tier (heron-jit): the interpreter finds
//! hot blocks and hands a [`Unit`] of decoded blocks around each to a
//! [`Translator`], which may return host code for it; the interpreter's
//! run loop then calls that code instead of interpreting those blocks,
//! with the same events, budget, interrupt and trap handling around it.
//!
//! Native code addresses the hart through [`crate::hart::offsets`] and the
//! soft TLB's offset constants, and calls back into the hart only through
//! the [`helpers`] below. It returns one of the [`exit`] codes with `pc`,
//! `instret` and the registers exactly as the interpreter would have left
//! them at that point.

use std::ptr::NonNull;
use std::sync::Arc;

use heron_mmu::Bus;

use crate::decode::Op;
use crate::hart::Hart;

pub mod helpers;
mod worker;

pub(crate) use worker::Hot;
pub use worker::{CompileWorker, Tier};

/// What a translator compiles: a hot block and the blocks of its page it
/// reaches by direct jumps, branches and fall-throughs, each exactly as
/// the interpreter decoded and runs it. Host code for a unit is entered at
/// the start of any of its blocks (the hart's `pc` says which) and goes
/// from block to block itself, making between two blocks the checks the
/// run loop makes (events, budget); it leaves when control reaches an
/// address that starts none of them.
///
/// All blocks of a unit lie in one physical page, so the page's
/// invalidation drops them together, and a virtual `pc` finds its block by
/// its offset in the page whatever the mapping.
#[derive(Clone, Debug)]
pub struct Unit {
    /// The address of the hart the code is for. Translated code may
    /// address the hart directly: a hart's translations run only on it
    /// (each hart has its own tier), and a hart never moves ([`Hart::new`]
    /// boxes it).
    pub hart: usize,
    /// The page's physical address.
    pub page: u64,
    /// The blocks, the hot one first.
    pub blocks: Vec<UnitBlock>,
}

/// One block of a [`Unit`].
#[derive(Clone, Debug)]
pub struct UnitBlock {
    /// Where it starts, as an offset into the page.
    pub offset: u64,
    /// Its ops (shared with the block cache; translated code may point
    /// into them).
    pub ops: Arc<[Op]>,
}

impl UnitBlock {
    /// Page offsets where control goes next from this block by a direct
    /// jump, a branch or falling through (ops that end a block otherwise,
    /// `jalr`, system instructions, leave translated code).
    pub fn successors(&self) -> Vec<u64> {
        let page = heron_mmu::PAGE_SIZE as i64;
        let in_page = |t: i64| (0..page).contains(&t).then_some(t as u64);
        let mut out = Vec::new();
        let mut at = self.offset as i64;
        for op in self.ops.iter() {
            if op.kind == crate::decode::Kind::Jal || op.kind.is_cond_branch() {
                out.extend(in_page(at + op.imm as i64));
            }
            at += op.len as i64;
        }
        if self.ops.last().is_some_and(|op| !op.ends_block()) {
            out.extend(in_page(at));
        }
        out
    }
}

impl Unit {
    /// A unit of the one block `ops` at physical `pa`, for `hart`.
    pub fn single(hart: &Hart, pa: u64, ops: Arc<[Op]>) -> Unit {
        let offset = pa & (heron_mmu::PAGE_SIZE - 1);
        Unit {
            hart: hart as *const Hart as usize,
            page: pa - offset,
            blocks: vec![UnitBlock { offset, ops }],
        }
    }

    /// Guest instructions in all its blocks.
    pub fn insns(&self) -> usize {
        self.blocks.iter().map(|b| b.ops.len()).sum()
    }
}

/// At most this many instructions go into one unit: a unit's compile time
/// grows with it, and a page's cold paths are not worth compiling.
pub const MAX_UNIT_INSNS: usize = 256;

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

/// How the interpreter calls translated code: `(hart, bus, code) -> exit
/// code`, the translator's own way into its code (its calling convention
/// may not be Rust's: the JIT's blocks tail-call each other).
pub type NativeEntry = unsafe extern "C" fn(*mut Hart, *const Bus, *const u8) -> u32;

/// Host code for one block: its address, for the translator's
/// [`NativeEntry`] (and for translated code that chains to it through the
/// jump cache, see [`jump`]). A nullable pointer as `Option`.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub struct NativeBlock(NonNull<u8>);

// SAFETY: the address of code that is never written after it was made;
// which thread calls it is up to the hart that holds it.
unsafe impl Send for NativeBlock {}

impl NativeBlock {
    /// Wraps translated code.
    ///
    /// # Safety
    /// `code`, called through its translator's [`Translator::entry`] with
    /// the `*mut Hart` and `*const Bus` the interpreter passes (the hart is
    /// always its [`Unit::hart`], whose address the code may hold), must
    /// touch the hart only through the documented offsets and the [`helpers`],
    /// emulate exactly the ops it was made from (it may refer to those
    /// ops: a block's ops outlive its translation), return an [`exit`]
    /// code with the state that code promises, and stay mapped as long as
    /// any hart may call it (the translator keeps its code memory until a
    /// [`Translator::reset`], which comes only after the interpreter has
    /// forgotten every block it returned).
    pub unsafe fn new(code: NonNull<u8>) -> Self {
        NativeBlock(code)
    }

    /// Runs the block on `hart` through `entry`, its translator's.
    #[inline]
    pub(crate) fn call(self, entry: NativeEntry, hart: &mut Hart, bus: &Bus) -> u32 {
        // SAFETY: `NativeBlock::new`'s contract: the code only accesses the
        // hart and bus it is given, in the ways the interpreter would; both
        // pointers are valid, unaliased for the call's duration (`hart` is
        // borrowed mutably here, `bus` shared).
        unsafe { entry(hart, bus, self.0.as_ptr()) }
    }
}

/// The jump cache as translated code reads it to go straight on to the
/// next translated block: slot `(pc >> 1) & (SLOTS - 1)` of the table at
/// [`crate::hart::offsets::JUMP_TABLE`], `SIZE` bytes each, matches if its
/// `pc` and `ctx` (the hart's fetch context) match; its `native` is the
/// block's code or 0. Valid while the hart's `chain` byte is set.
pub mod jump {
    use crate::interp::blocks::{jump_layout, JUMP_SLOTS};

    /// Slots in the table.
    pub const SLOTS: usize = JUMP_SLOTS;
    /// Bytes per slot.
    pub const SIZE: usize = jump_layout::SIZE;
    /// Offset of the slot's virtual pc (u64).
    pub const PC: usize = jump_layout::PC;
    /// Offset of its fetch context (u64).
    pub const CTX: usize = jump_layout::CTX;
    /// Offset of its code address (u64, 0: not translated).
    pub const NATIVE: usize = jump_layout::NATIVE;
}

/// What a translator did so far, and how much of the guest's work its
/// code did (`--stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TierStats {
    /// Blocks translated.
    pub translated: u64,
    /// Blocks left to the interpreter.
    pub declined: u64,
    /// Guest instructions in the translated blocks.
    pub insns: u64,
    /// Time spent translating, in nanoseconds.
    pub compile_ns: u64,
    /// Bytes of host code in the current generation.
    pub code_bytes: u64,
    /// Code generations started afresh because memory was full.
    pub resets: u64,
    /// Guest instructions retired by translated code (the hart counts
    /// these and the next two; a translator reports 0).
    pub native_insns: u64,
    /// `--jit-check`: executions of translated code compared with the
    /// interpreter, and executions left unchecked (they touched a device).
    pub checked: u64,
    pub unchecked: u64,
}

impl std::ops::AddAssign for TierStats {
    fn add_assign(&mut self, o: TierStats) {
        self.translated += o.translated;
        self.declined += o.declined;
        self.insns += o.insns;
        self.compile_ns += o.compile_ns;
        self.code_bytes += o.code_bytes;
        self.resets += o.resets;
        self.native_insns += o.native_insns;
        self.checked += o.checked;
        self.unchecked += o.unchecked;
    }
}

/// A translating tier.
///
/// A translator may run on another thread than its hart's (see
/// [`CompileWorker`]); it keeps the code of every block it returned mapped
/// until [`Translator::reset`], which comes only once its hart dropped them.
pub trait Translator: Send {
    /// Its counters.
    fn stats(&self) -> TierStats;
    /// How its code is called; valid as long as the translator lives.
    fn entry(&self) -> NativeEntry;
    /// Host code for `unit`, entered at any of its blocks, or `None` if it
    /// contains something the translator leaves to the interpreter.
    fn translate(&mut self, unit: &Unit) -> Option<NativeBlock>;
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

/// Executions of a block before it is translated (`--jit-threshold`).
/// Measured on the deterministic Linux boot (same instruction count under
/// every setting, compiling on the hart's thread): 50 translated 4,914
/// blocks and took 21.0–23.5 s, 200 took 18.6–19.7 s with 2,800 blocks,
/// 1000 took 19.2 s with 1,383 — the kernel's lukewarm code is not worth
/// compiling; the benchmarks' hot loops do not notice the difference.
/// Checked again with units and the compile thread (release build, two
/// boots each): 100 took 9.1–9.7 s, 200 8.3–8.5 s, 400 8.5–8.9 s.
pub const DEFAULT_THRESHOLD: u32 = 200;
