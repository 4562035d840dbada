//! The interpreter tier: pre-decoded blocks and the loop that runs them.
//!
//! A block is a run of instructions decoded once, starting at a physical
//! address, ending at the first instruction that transfers control or
//! changes translation/interrupt state, at a page boundary, or after
//! [`MAX_BLOCK_OPS`]. Blocks are keyed by physical address, so a page mapped
//! at several virtual addresses shares them; pc-relative instructions read
//! the virtual pc at run time. A store to a page holding blocks (tracked per
//! page in [`GuestRam`]) drops them.

use std::collections::HashMap;

use heron_mmu::events::{bits, HartEvents};
use heron_mmu::{Bus, GuestRam, PAGE_SIZE};

use crate::decode::{decode, insn_len, Kind, Op};
use crate::exec::Next;
use crate::hart::Hart;
use crate::trap::{cause, Trap};

/// Longest block, in instructions.
pub const MAX_BLOCK_OPS: usize = 64;
const FAST_SLOTS: usize = 4096;
const JUMP_SLOTS: usize = 1024;
/// Decoded instructions kept before the whole cache is dropped and rebuilt.
const MAX_CACHED_OPS: usize = 1 << 22;

struct Block {
    ops: Box<[Op]>,
}

/// Decoded blocks by physical address.
pub(crate) struct BlockCache {
    blocks: HashMap<u64, Block>,
    /// Direct-mapped front cache: (pa, pointer to ops, count). The pointee
    /// is the boxed slice of a live entry in `blocks`; slots are cleared when
    /// their block is dropped.
    fast: Box<[(u64, *const Op, u32); FAST_SLOTS]>,
    /// Block start addresses per physical page.
    by_page: HashMap<u64, Vec<u64>>,
    /// Blocks dropped while one of them may still be executing; freed at
    /// the next lookup.
    graveyard: Vec<Block>,
    cached_ops: usize,
    /// Virtual-pc front cache (QEMU's "jump cache"): (pc, fetch context,
    /// ops, count). Valid while translations and blocks are unchanged, so it
    /// is cleared with the TLB and whenever a block is dropped.
    jump: Box<[JumpSlot; JUMP_SLOTS]>,
}

#[derive(Clone, Copy)]
struct JumpSlot {
    pc: u64,
    ctx: u64,
    ops: *const Op,
    n: usize,
}

const EMPTY_JUMP: JumpSlot = JumpSlot {
    pc: u64::MAX,
    ctx: u64::MAX,
    ops: std::ptr::null(),
    n: 0,
};

// SAFETY: the raw pointers in `fast` point into boxes owned by `blocks`;
// moving the cache to another thread moves their owner with it.
unsafe impl Send for BlockCache {}

const EMPTY_SLOT: (u64, *const Op, u32) = (u64::MAX, std::ptr::null(), 0);

#[inline(always)]
fn slot(pa: u64) -> usize {
    ((pa >> 1) as usize) & (FAST_SLOTS - 1)
}

impl BlockCache {
    pub(crate) fn new() -> Self {
        BlockCache {
            blocks: HashMap::new(),
            fast: Box::new([EMPTY_SLOT; FAST_SLOTS]),
            by_page: HashMap::new(),
            graveyard: Vec::new(),
            cached_ops: 0,
            jump: Box::new([EMPTY_JUMP; JUMP_SLOTS]),
        }
    }

    /// Forgets virtual-pc lookups (translations or blocks changed).
    pub(crate) fn clear_jump_cache(&mut self) {
        self.jump.fill(EMPTY_JUMP);
    }

    #[inline(always)]
    fn jump_lookup(&self, pc: u64, ctx: u8) -> Option<(*const Op, usize)> {
        let e = &self.jump[((pc >> 1) as usize) & (JUMP_SLOTS - 1)];
        if e.pc == pc && e.ctx == ctx as u64 {
            Some((e.ops, e.n))
        } else {
            None
        }
    }

    /// Drops every block.
    pub(crate) fn flush(&mut self, ram: &GuestRam) {
        self.graveyard.extend(self.blocks.drain().map(|(_, b)| b));
        self.by_page.clear();
        self.fast.fill(EMPTY_SLOT);
        self.clear_jump_cache();
        self.cached_ops = 0;
        // Other harts may hold blocks in these pages: only a lone hart may
        // forget them (a stale bit only sends a few stores the slow way).
        if ram.events().len() == 1 {
            ram.clear_code_pages();
        }
    }

    /// Drops the blocks that start in the page holding `pa`. (The page's
    /// code bit is the writer's business: see [`Hart::keep_code_coherent`].)
    pub(crate) fn invalidate_page(&mut self, pa: u64) {
        let page = pa & !(PAGE_SIZE - 1);
        self.clear_jump_cache();
        if let Some(starts) = self.by_page.remove(&page) {
            for start in starts {
                if let Some(b) = self.blocks.remove(&start) {
                    self.cached_ops -= b.ops.len();
                    self.graveyard.push(b);
                }
                if self.fast[slot(start)].0 == start {
                    self.fast[slot(start)] = EMPTY_SLOT;
                }
            }
        }
    }
}

/// How a block ended.
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
                if self.debug.is_some()
                    && (self.instret != start || pc != start_pc)
                    && self.breakpoint_at(pc)
                {
                    return RunExit::Breakpoint;
                }
                let (ops, n) = match self.cache.jump_lookup(pc, self.fetch_ctx) {
                    Some(b) => b,
                    None => match self.block_at(bus, pc) {
                        Ok(b) => b,
                        Err(t) => {
                            self.take_exception(t, pc);
                            break;
                        }
                    },
                };
                // SAFETY: `ops` points at `n` ops of a block that stays
                // allocated until the next `block_at` call (dropped blocks go
                // to the graveyard, emptied only there).
                let ops = unsafe { std::slice::from_raw_parts(ops, n) };
                let end_kind = if trace {
                    self.exec_block_traced(bus, ops)
                } else {
                    self.exec_block::<false>(bus, ops)
                };
                match end_kind {
                    BlockEnd::Chain => {}
                    BlockEnd::Sync => break,
                    BlockEnd::Wait => return RunExit::Wfi,
                    BlockEnd::Host(t) => {
                        return match t.cause {
                            CAUSE_WATCH_READ | CAUSE_WATCH_WRITE => {
                                RunExit::Watchpoint(crate::debug::WatchHit {
                                    addr: t.tval,
                                    write: t.cause == CAUSE_WATCH_WRITE,
                                })
                            }
                            _ => RunExit::EnvCall,
                        }
                    }
                }
            }
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
        if local & bits::TLB != 0 {
            let upto = events.begin_tlb_flush();
            self.flush_translations();
            events.complete_tlb_flush(upto);
        } else if local & bits::STORE_TLB != 0 {
            self.tlb.flush_stores();
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
                    let t = self.pending_trap;
                    self.instret += i as u64;
                    if t.cause >= CAUSE_WATCH_READ
                        || (t.cause == cause::ECALL_S && self.firmware_ecalls)
                    {
                        self.pc = pc;
                        return BlockEnd::Host(t);
                    }
                    self.take_exception(t, pc);
                    return BlockEnd::Sync;
                }
            }
        }
        self.pc = pc;
        self.instret += ops.len() as u64;
        BlockEnd::Chain
    }

    fn trace_op(&mut self, op: &Op, pc: u64, privilege: crate::Priv, result: &Next) {
        let written = match result {
            Next::Trap => None,
            _ if op.rd != 0 && writes_xreg(op.kind) => Some(self.x[op.rd as usize]),
            _ => None,
        };
        if let Some(t) = self.tracer.as_mut() {
            t.insn(pc, op, privilege, written);
        }
    }

    /// The decoded block at virtual `pc`: pointer to its ops and their count.
    fn block_at(&mut self, bus: &Bus, pc: u64) -> Result<(*const Op, usize), Trap> {
        self.cache.graveyard.clear();
        let (pa, uniform) = self.fetch_pa(bus, pc)?;
        let s = slot(pa);
        let (tag, ptr, n) = self.cache.fast[s];
        if tag == pa && uniform {
            self.remember_jump(pc, ptr, n as usize);
            return Ok((ptr, n as usize));
        }
        if let Some(b) = self.cache.blocks.get(&pa) {
            let entry = (pa, b.ops.as_ptr(), b.ops.len() as u32);
            self.cache.fast[s] = entry;
            if uniform {
                self.remember_jump(pc, entry.1, entry.2 as usize);
            }
            return Ok((entry.1, entry.2 as usize));
        }
        let (ops, cacheable) = self.decode_block(bus, pc, pa, uniform)?;
        let entry = (pa, ops.as_ptr(), ops.len() as u32);
        if !cacheable {
            // Run once: the graveyard keeps it alive until the next lookup.
            self.cache.graveyard.push(Block { ops });
            return Ok((entry.1, entry.2 as usize));
        }
        if self.cache.cached_ops + ops.len() > MAX_CACHED_OPS {
            self.cache.flush(bus.ram());
            self.tlb.flush_stores();
        }
        let page = pa & !(PAGE_SIZE - 1);
        if !bus.ram().is_code_page(page) {
            bus.ram().set_code_page(page, true);
            // Stores to this page must now reach the slow path, on every
            // hart.
            self.tlb.flush_stores();
            let me = self.index();
            for (h, ev) in bus.events().iter().enumerate() {
                if h != me {
                    ev.post(bits::STORE_TLB);
                }
            }
        }
        self.cache.by_page.entry(page).or_default().push(pa);
        self.cache.cached_ops += ops.len();
        self.cache.blocks.insert(pa, Block { ops });
        self.cache.fast[s] = entry;
        self.remember_jump(pc, entry.1, entry.2 as usize);
        Ok((entry.1, entry.2 as usize))
    }

    #[inline]
    fn remember_jump(&mut self, pc: u64, ops: *const Op, n: usize) {
        self.cache.jump[((pc >> 1) as usize) & (JUMP_SLOTS - 1)] = JumpSlot {
            pc,
            ctx: self.fetch_ctx as u64,
            ops,
            n,
        };
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

    /// Decodes instructions from physical `pa` (virtual `pc`) until a block
    /// end; also says whether the block may be cached. An instruction
    /// straddling the page end is fetched through a second translation and
    /// forms an uncacheable block of its own, since the second page's mapping
    /// can change independently.
    ///
    /// Where PMP treats parts of the page differently (`uniform` false) each
    /// instruction is its own uncached block, so every fetch is checked.
    fn decode_block(
        &mut self,
        bus: &Bus,
        pc: u64,
        pa: u64,
        uniform: bool,
    ) -> Result<(Box<[Op]>, bool), Trap> {
        let page_end = (pa & !(PAGE_SIZE - 1)) + PAGE_SIZE;
        // Under a debugger every instruction is its own block, so that
        // breakpoints and single steps fall on instruction boundaries.
        let max_ops = if uniform && self.debug.is_none() {
            MAX_BLOCK_OPS
        } else {
            1
        };
        let mut ops = Vec::with_capacity(16);
        let mut at = pa;
        // `fetch_pa` found the page in RAM, which is made of whole pages, so
        // these reads succeed; were one ever to fail, it is a fetch access
        // fault at the instruction, not a host panic.
        let fetch = |bus: &Bus, at: u64, size| {
            bus.ram()
                .load(at, size)
                .map(|v| v as u32)
                .map_err(|_| Trap::new(cause::INSN_ACCESS, pc.wrapping_add(at - pa)))
        };
        while ops.len() < max_ops && at + 2 <= page_end {
            let lo = fetch(bus, at, 2)?;
            let raw = if insn_len(lo as u16) == 2 {
                lo
            } else if at + 4 <= page_end {
                fetch(bus, at, 4)?
            } else {
                if !ops.is_empty() {
                    break;
                }
                // The fault, if any, is reported at the second half.
                let hi_va = pc.wrapping_add(2);
                let (hi_pa, _) = self.fetch_pa(bus, hi_va)?;
                let hi = fetch(bus, hi_pa, 2).map_err(|_| Trap::new(cause::INSN_ACCESS, hi_va))?;
                ops.push(decode(lo | (hi << 16)));
                return Ok((ops.into_boxed_slice(), false));
            };
            let op = decode(raw);
            at += op.len as u64;
            let end = op.ends_block();
            ops.push(op);
            if end {
                break;
            }
        }
        Ok((ops.into_boxed_slice(), uniform))
    }
}

fn writes_xreg(k: Kind) -> bool {
    use Kind::*;
    !matches!(
        k,
        Sb | Sh
            | Sw
            | Sd
            | Beq
            | Bne
            | Blt
            | Bge
            | Bltu
            | Bgeu
            | Fence
            | FenceI
            | Ecall
            | Ebreak
            | Mret
            | Sret
            | Wfi
            | SfenceVma
            | Flw
            | Fld
            | Fsw
            | Fsd
            | Illegal
    ) && !is_fp_dest(k)
}

fn is_fp_dest(k: Kind) -> bool {
    use Kind::*;
    matches!(
        k,
        FmaddS
            | FmsubS
            | FnmsubS
            | FnmaddS
            | FaddS
            | FsubS
            | FmulS
            | FdivS
            | FsqrtS
            | FsgnjS
            | FsgnjnS
            | FsgnjxS
            | FminS
            | FmaxS
            | FcvtSW
            | FcvtSWu
            | FcvtSL
            | FcvtSLu
            | FmvWX
            | FmaddD
            | FmsubD
            | FnmsubD
            | FnmaddD
            | FaddD
            | FsubD
            | FmulD
            | FdivD
            | FsqrtD
            | FsgnjD
            | FsgnjnD
            | FsgnjxD
            | FminD
            | FmaxD
            | FcvtDW
            | FcvtDWu
            | FcvtDL
            | FcvtDLu
            | FmvDX
            | FcvtSD
            | FcvtDS
    )
}
