//! The interpreter tier: pre-decoded blocks and the loop that runs them.
//!
//! A block is a run of instructions decoded once, starting at a physical
//! address, ending at the first instruction that transfers control or
//! changes translation/interrupt state, at a page boundary, or after
//! [`MAX_BLOCK_OPS`]. Blocks are keyed by physical address, so a page mapped
//! at several virtual addresses shares them; pc-relative instructions read
//! the virtual pc at run time. A store to a page holding blocks (tracked per
//! page in [`heron_mmu::GuestRam`]) drops them.

use heron_mmu::events::{bits, HartEvents};
use heron_mmu::Bus;

use crate::decode::Op;
use crate::exec::Next;
use crate::hart::Hart;
use crate::tier::{exit, NativeBlock};
use crate::trap::{cause, Trap};

pub(crate) mod blocks;
mod check;

pub(crate) use blocks::BlockCache;
pub(crate) use check::JitCheck;

/// Longest block, in instructions.
pub const MAX_BLOCK_OPS: usize = 64;
/// How a block ended.
#[derive(Debug, PartialEq, Eq)]
enum BlockEnd {
    /// Something for the host: an intercepted ecall or a debug event.
    Host(Trap),
    /// Plain control flow: the next block can follow at once.
    Chain,
    /// Interrupt or bus state may have changed (or a trap was taken).
    Sync,
    /// `wfi` with nothing pending.
    Wait,
}

/// Internal trap causes for debugger events (above every architectural
/// cause), so they travel the exception path and leave the instruction
/// unexecuted.
pub(crate) const CAUSE_WATCH_READ: u64 = 1 << 40;
pub(crate) const CAUSE_WATCH_WRITE: u64 = (1 << 40) | 1;

/// Why [`Hart::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunExit {
    /// S-mode `ecall` with [`Hart::firmware_ecalls`] on: `pc` is at the
    /// `ecall`; the host serves it and calls [`Hart::complete_ecall`].
    EnvCall,
    /// A debugger breakpoint at `pc` (not yet executed).
    Breakpoint,
    /// A debugger watchpoint hit by the instruction at `pc` (not executed).
    Watchpoint(crate::debug::WatchHit),
    /// The instruction budget is spent.
    Budget,
    /// The hart executed `wfi` with no interrupt pending.
    Wfi,
    /// A device or watched memory word wants the machine's attention.
    Attention,
    /// The hart's event word has machine-level bits
    /// ([`heron_mmu::events::bits::INTERRUPT`], `MACHINE`).
    Event,
    /// `--jit-check` found translated code diverging from the interpreter
    /// ([`Hart::take_jit_check_report`] says how); the state is the
    /// interpreter's.
    JitDiverged,
}

/// The event word of a hart the machine did not give one (unit tests that
/// build a hart with an id beyond the bus's harts): nothing is ever posted.
static NO_EVENTS: HartEvents = HartEvents::new();

impl Hart {
    /// Runs until about `budget` more instructions have retired (checked at
    /// block boundaries), the hart waits for an interrupt, or the bus asks
    /// for attention.
    pub fn run(&mut self, bus: &Bus, budget: u64) -> RunExit {
        let events = bus.events().get(self.index()).unwrap_or(&NO_EVENTS);
        // Inside the loop from here on: requests that need an answer (a
        // remote TLB flush) wait for this hart until it leaves again.
        events.set_running(true);
        // Pairs with the requester's post-then-check: either it sees this
        // hart running, or the first poll below sees its request.
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        let exit = self.run_loop(bus, events, budget);
        events.set_running(false);
        exit
    }

    fn run_loop(&mut self, bus: &Bus, events: &HartEvents, budget: u64) -> RunExit {
        let start = self.instret;
        let end = start.wrapping_add(budget);
        // With only `--log` events (or a trace past its limit) the tracer
        // wants no instruction lines: run the fast path.
        let trace = self
            .tracer
            .as_ref()
            .is_some_and(crate::trace::Tracer::wants_insns);
        let start_pc = self.pc;
        // Translated code runs only when nothing needs instruction-level
        // control: no trace lines, nothing armed by a debugger (one that is
        // attached but lets the guest run with nothing armed does not stop
        // it; `set_debug` drops the blocks whenever that changes).
        let tiered = self.tier.is_some() && !trace && !self.debug_controlled();
        self.run_end = end;
        self.events_word = events.word_addr();
        // Translated code may go on to the next translated block by itself
        // unless each one must come back here (the checker).
        self.chain = tiered && self.jit_check.is_none();
        // Traps retire nothing, so a guest whose trap handler itself traps
        // (say, mtvec pointing at unmapped memory) would never spend the
        // instruction budget: count trips through here as well.
        let mut syncs = 0u64;
        loop {
            if events.pending() != 0 && self.serve_events(events) {
                return RunExit::Event;
            }
            syncs += 1;
            if syncs > budget {
                return RunExit::Budget;
            }
            // Only instructions that end a block with `Resync` (CSR writes,
            // xRET, device stores) or traps change what interrupts are
            // pending and enabled, so this is checked only after those.
            if self.mip & self.mie != 0 {
                if let Some(irq) = self.pending_interrupt() {
                    self.take_interrupt(irq);
                }
            }
            if std::mem::take(&mut self.needs_machine) {
                return RunExit::Attention;
            }
            // Chain blocks while control flow is plain jumps and fall-throughs.
            loop {
                if (end.wrapping_sub(self.instret) as i64) <= 0 {
                    return RunExit::Budget;
                }
                // Someone posted an event (the one load per block that
                // bounds how long a request waits): serve it above.
                if events.pending() != 0 {
                    break;
                }
                let pc = self.pc;
                // A breakpoint stops before its instruction, except at the
                // very start of a run (resuming from that breakpoint); a
                // trap or interrupt taken first leads elsewhere, to a
                // breakpoint that counts.
                if self.debug_controlled()
                    && (self.instret != start || pc != start_pc)
                    && self.breakpoint_at(pc)
                {
                    return RunExit::Breakpoint;
                }
                let end_kind = self.run_block(bus, pc, tiered, trace);
                match end_kind {
                    BlockEnd::Chain => {}
                    BlockEnd::Sync => break,
                    BlockEnd::Wait => return RunExit::Wfi,
                    BlockEnd::Host(t) => return host_exit(t),
                }
            }
        }
    }

    /// Finds (or decodes) the block at `pc` and runs it: translated when
    /// `tiered` and it has been, else interpreted (traced with `trace`),
    /// counting its executions for the JIT.
    #[inline(always)]
    fn run_block(&mut self, bus: &Bus, pc: u64, tiered: bool, trace: bool) -> BlockEnd {
        let found = match self.cache.jump_lookup(pc, self.fetch_ctx) {
            Some(b) => b,
            None => match self.block_at(bus, pc) {
                Ok(b) => b,
                Err(t) => {
                    self.take_exception(t, pc);
                    return BlockEnd::Sync;
                }
            },
        };
        // SAFETY: `ops` points at `n` ops of a block that stays allocated
        // until the next `block_at` call (dropped blocks go to the
        // graveyard, emptied only there; translating drops none).
        let ops = unsafe { std::slice::from_raw_parts(found.ops, found.n) };
        if let (Some(native), true) = (found.native, tiered) {
            if self.jit_check.is_some() {
                return self.exec_checked(bus, native, ops);
            }
            return self.exec_native(bus, native);
        }
        if tiered && self.cache.note_execution(pc, self.tier_threshold) {
            self.translate_hot(pc);
        }
        if trace {
            self.exec_block_traced(bus, ops)
        } else {
            self.exec_block::<false>(bus, ops)
        }
    }

    /// Serves the hart-local bits of the event word (see
    /// [`heron_mmu::events`]); returns whether machine-level bits remain.
    #[cold]
    pub(crate) fn serve_events(&mut self, events: &HartEvents) -> bool {
        let local = events.take(bits::HART_LOCAL);
        if local & bits::CODE != 0 {
            for page in events.take_code_pages() {
                self.cache.invalidate_page(page);
            }
        }
        if local & (bits::TLB | bits::STORE_TLB) != 0 {
            // Read after the bits were taken: every request counted here
            // was made before the flush below.
            let stores_upto = events.begin_store_tlb_flush();
            if local & bits::TLB != 0 {
                let upto = events.begin_tlb_flush();
                self.flush_translations();
                events.complete_tlb_flush(upto);
            } else {
                self.tlb.flush_stores();
            }
            events.complete_store_tlb_flush(stores_upto);
        }
        if local & bits::TRANSLATED != 0 {
            self.install_translations();
        }
        if local & bits::SOFTWARE_IPI != 0 {
            self.csr.mip_sw |= 1 << crate::trap::irq::SSI;
            self.refresh_mip();
        }
        events.pending() & !bits::HART_LOCAL != 0
    }

    /// The tracing instantiation, kept out of line so that the hot loop's
    /// code stays small.
    #[inline(never)]
    fn exec_block_traced(&mut self, bus: &Bus, ops: &[Op]) -> BlockEnd {
        self.exec_block::<true>(bus, ops)
    }

    /// Executes one block starting at `self.pc`.
    ///
    /// (Re-running a block that jumps to its own start in place, without
    /// the lookup, was tried and measured slower on loop-heavy code: the
    /// extra loop level costs the whole function registers.)
    #[inline(always)]
    fn exec_block<const TRACE: bool>(&mut self, bus: &Bus, ops: &[Op]) -> BlockEnd {
        let mut pc = self.pc;
        let base = self.instret;
        for (i, op) in ops.iter().enumerate() {
            // The privilege the instruction runs in (xRET changes it).
            let privilege = self.privilege;
            let result = self.execute(bus, op, pc, base.wrapping_add(i as u64));
            if TRACE {
                self.trace_op(op, pc, privilege, &result);
            }
            match result {
                Next::Continue => pc = pc.wrapping_add(op.len as u64),
                Next::Jump(target) => {
                    self.pc = target;
                    self.instret += i as u64 + 1;
                    return BlockEnd::Chain;
                }
                Next::Resync => {
                    self.instret += i as u64 + 1;
                    return BlockEnd::Sync;
                }
                Next::Wait => {
                    self.instret += i as u64 + 1;
                    return BlockEnd::Wait;
                }
                Next::Trap => {
                    self.instret += i as u64;
                    return self.end_with_trap(pc);
                }
            }
        }
        self.pc = pc;
        self.instret += ops.len() as u64;
        BlockEnd::Chain
    }

    /// The instruction at `pc` raised `pending_trap`: take it, or hand it
    /// to the host (debugger events, the built-in SBI's `ecall`).
    fn end_with_trap(&mut self, pc: u64) -> BlockEnd {
        let t = self.pending_trap;
        if t.cause >= CAUSE_WATCH_READ || (t.cause == cause::ECALL_S && self.firmware_ecalls) {
            self.pc = pc;
            return BlockEnd::Host(t);
        }
        self.take_exception(t, pc);
        BlockEnd::Sync
    }

    /// Runs a translated block (it leaves `pc` and `instret` as the
    /// interpreter would).
    #[inline]
    fn exec_native(&mut self, bus: &Bus, native: NativeBlock) -> BlockEnd {
        let Some(entry) = self.native_entry else {
            // No tier, so no translations: not reached.
            return BlockEnd::Sync;
        };
        let before = self.instret;
        let code = native.call(entry, self, bus);
        self.native_insns += self.instret.wrapping_sub(before);
        match code {
            exit::CHAIN => BlockEnd::Chain,
            exit::SYNC => BlockEnd::Sync,
            exit::WAIT => BlockEnd::Wait,
            _ => self.end_with_trap(self.pc),
        }
    }

    fn trace_op(&mut self, op: &Op, pc: u64, privilege: crate::Priv, result: &Next) {
        let written = match result {
            Next::Trap => None,
            _ if op.rd != 0 && op.kind.writes_xreg() => Some(self.x[op.rd as usize]),
            _ => None,
        };
        if let Some(t) = self.tracer.as_mut() {
            t.insn(pc, op, privilege, written);
        }
    }

    /// Finishes an `ecall` the host served (see [`RunExit::EnvCall`]): it
    /// retires and execution continues after it.
    pub fn complete_ecall(&mut self) {
        self.pc = self.pc.wrapping_add(4);
        self.instret += 1;
    }

    /// Drops every cached translation: the TLB and the virtual-pc cache.
    pub fn flush_translations(&mut self) {
        self.tlb.flush_all();
        self.cache.clear_jump_cache();
    }
}

/// What a block's host exit (a debugger event or the built-in SBI's
/// `ecall`) means for the caller of [`Hart::run`].
fn host_exit(t: Trap) -> RunExit {
    match t.cause {
        CAUSE_WATCH_READ | CAUSE_WATCH_WRITE => RunExit::Watchpoint(crate::debug::WatchHit {
            addr: t.tval,
            write: t.cause == CAUSE_WATCH_WRITE,
        }),
        check::CAUSE_CHECK_DIVERGED => RunExit::JitDiverged,
        _ => RunExit::EnvCall,
    }
}
