//! The block cache: decoded blocks by physical address, the direct-mapped
//! and virtual-pc front caches, and how a block is found or decoded —
//! including the cross-hart step that makes a page a code page.

use std::collections::HashMap;
use std::sync::Arc;

use heron_mmu::events::bits;
use heron_mmu::{Bus, GuestRam, PAGE_SIZE};

use super::{MAX_BLOCK_OPS, NO_EVENTS};
use crate::decode::{decode, insn_len, Kind, Op};
use crate::hart::Hart;
use crate::tier::{Hot, NativeBlock, Unit, UnitBlock, MAX_UNIT_INSNS};
use crate::trap::{cause, Trap};

const FAST_SLOTS: usize = 4096;
/// Entries of the virtual-pc cache (translated code indexes it too).
pub(crate) const JUMP_SLOTS: usize = 1024;
/// Decoded instructions kept before the whole cache is dropped and rebuilt.
const MAX_CACHED_OPS: usize = 1 << 22;

struct Block {
    /// Shared with a translation in flight (whose code may point into it).
    ops: Arc<[Op]>,
    /// Its translation, once it got hot.
    native: Option<NativeBlock>,
    /// The translator declined it: never ask again.
    untranslatable: bool,
    /// Sent to the compile thread; the answer is on its way.
    requested: bool,
}

impl Block {
    fn new(ops: Arc<[Op]>) -> Block {
        Block {
            ops,
            native: None,
            untranslatable: false,
            requested: false,
        }
    }
}

/// A block as the run loop sees it.
#[derive(Clone, Copy)]
pub(super) struct Found {
    /// Its ops (valid until the next [`Hart::block_at`]).
    pub(super) ops: *const Op,
    /// How many.
    pub(super) n: usize,
    /// Its translation, if any.
    pub(super) native: Option<NativeBlock>,
}

/// A front-cache entry: (pa, ops, count, translation).
type FastSlot = (u64, *const Op, u32, Option<NativeBlock>);

/// Decoded blocks by physical address.
pub(crate) struct BlockCache {
    blocks: HashMap<u64, Block>,
    /// Direct-mapped front cache: (pa, pointer to ops, count). The pointee
    /// is the boxed slice of a live entry in `blocks`; slots are cleared when
    /// their block is dropped.
    fast: Box<[FastSlot; FAST_SLOTS]>,
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

/// One entry of the virtual-pc cache. `#[repr(C)]`: translated code
/// looks up its successor here (see [`crate::tier::jump`]); a cache line
/// each.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct JumpSlot {
    pc: u64,
    ctx: u64,
    ops: *const Op,
    n: usize,
    native: Option<NativeBlock>,
    /// The block's physical address.
    pa: u64,
    /// Executions through this slot while a translating tier is on
    /// (`u32::MAX`: not to be translated).
    hits: u32,
}

const EMPTY_JUMP: JumpSlot = JumpSlot {
    pc: u64::MAX,
    ctx: u64::MAX,
    ops: std::ptr::null(),
    n: 0,
    native: None,
    pa: u64::MAX,
    hits: 0,
};

// SAFETY: the raw pointers in `fast` point into boxes owned by `blocks`;
// moving the cache to another thread moves their owner with it.
unsafe impl Send for BlockCache {}

const EMPTY_SLOT: FastSlot = (u64::MAX, std::ptr::null(), 0, None);

#[inline(always)]
fn slot(pa: u64) -> usize {
    ((pa >> 1) as usize) & (FAST_SLOTS - 1)
}

fn found(entry: FastSlot) -> Found {
    Found {
        ops: entry.1,
        n: entry.2 as usize,
        native: entry.3,
    }
}

/// Whether `op` is an indirect jump other than a call or a return (those
/// use `ra` or `t0`, the link registers): a `switch`'s dispatch through a
/// table, which likely lands in the same page. (A return usually leaves
/// the page; taking the page's other blocks for every unit with one made
/// the Linux boot compile 2.5 times the instructions.)
fn is_dispatch(op: &Op) -> bool {
    op.kind == Kind::Jalr && op.rd == 0 && op.rs1 != 1 && op.rs1 != 5
}

/// The jump-cache slot of `pc` (translated code computes the same).
#[inline(always)]
fn jump_slot(pc: u64) -> usize {
    ((pc >> 1) as usize) & (JUMP_SLOTS - 1)
}

/// Offsets into a [`JumpSlot`], for translated code.
pub(crate) mod jump_layout {
    use super::JumpSlot;
    use std::mem::{offset_of, size_of};

    pub(crate) const PC: usize = offset_of!(JumpSlot, pc);
    pub(crate) const CTX: usize = offset_of!(JumpSlot, ctx);
    pub(crate) const NATIVE: usize = offset_of!(JumpSlot, native);
    pub(crate) const SIZE: usize = size_of::<JumpSlot>();

    const _: () = {
        assert!(SIZE == 64, "a slot is indexed with a shift by 6");
        // `Option<NativeBlock>` is a nullable code pointer.
        assert!(size_of::<Option<crate::tier::NativeBlock>>() == 8);
    };
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

    /// The address of the virtual-pc cache's table (it stays put: boxed).
    pub(crate) fn jump_table(&self) -> usize {
        self.jump.as_ptr() as usize
    }

    /// Forgets virtual-pc lookups (translations or blocks changed).
    pub(crate) fn clear_jump_cache(&mut self) {
        self.jump.fill(EMPTY_JUMP);
    }

    #[inline(always)]
    pub(super) fn jump_lookup(&self, pc: u64, ctx: u8) -> Option<Found> {
        let e = &self.jump[jump_slot(pc)];
        if e.pc == pc && e.ctx == ctx as u64 {
            Some(Found {
                ops: e.ops,
                n: e.n,
                native: e.native,
            })
        } else {
            None
        }
    }

    /// Forgets every translation (the translator starts a new code
    /// generation); the blocks stay.
    pub(crate) fn drop_natives(&mut self) {
        for b in self.blocks.values_mut() {
            b.native = None;
            b.untranslatable = false;
            b.requested = false;
        }
        for e in self.fast.iter_mut() {
            e.3 = None;
        }
        self.clear_jump_cache();
    }

    /// Counts an execution of the block the jump cache holds for `pc`;
    /// true when it just reached `threshold` executions.
    #[inline]
    pub(super) fn note_execution(&mut self, pc: u64, threshold: u32) -> bool {
        let e = &mut self.jump[jump_slot(pc)];
        if e.pc != pc || e.hits == u32::MAX {
            return false;
        }
        e.hits += 1;
        e.hits >= threshold
    }

    /// Installs the translation made of `unit` on each of its blocks
    /// (`None`: declined, never to be asked again for its hot block) —
    /// unless one of them has been dropped or decoded anew meanwhile.
    pub(crate) fn install(&mut self, unit: &Unit, native: Option<NativeBlock>) {
        let current = |m: &UnitBlock| {
            self.blocks
                .get(&(unit.page + m.offset))
                .is_some_and(|b| Arc::ptr_eq(&b.ops, &m.ops))
        };
        let all_current = unit.blocks.iter().all(current);
        let head = unit.page + unit.blocks[0].offset;
        if let Some(b) = self.blocks.get_mut(&head) {
            b.requested = false;
            b.untranslatable = all_current && native.is_none();
        }
        let Some(native) = native.filter(|_| all_current) else {
            return;
        };
        let member = |pa: u64| unit.blocks.iter().any(|m| unit.page + m.offset == pa);
        for m in &unit.blocks {
            let pa = unit.page + m.offset;
            if let Some(b) = self.blocks.get_mut(&pa) {
                b.native = Some(native);
            }
            let f = &mut self.fast[slot(pa)];
            if f.0 == pa {
                f.3 = Some(native);
            }
        }
        // Every virtual alias of the blocks (rare: one scan beats an index).
        for e in self.jump.iter_mut().filter(|e| member(e.pa)) {
            e.native = Some(native);
            e.hits = u32::MAX;
        }
    }

    /// Whether the block at physical `pa` ran through the jump-cache slot
    /// of virtual `pc` (in fetch context `ctx`) at least `warm` times.
    fn is_warm(&self, pc: u64, pa: u64, ctx: u8, warm: u32) -> bool {
        let e = &self.jump[jump_slot(pc)];
        e.pc == pc && e.ctx == ctx as u64 && e.pa == pa && e.hits >= warm
    }

    /// Grows `unit`, the hot block at virtual `pc`, to the blocks around
    /// it that ran `warm` times recently (through the jump cache, in fetch
    /// context `ctx`), up to [`MAX_UNIT_INSNS`]: breadth first, those of
    /// its page that its blocks reach by direct jumps, branches and
    /// fall-throughs; then, if the unit has an indirect jump that is not a
    /// call or return (a `switch` dispatch), the page's other warm blocks,
    /// which translated code reaches through it.
    pub(super) fn unit_around(&self, pc: u64, mut unit: Unit, ctx: u8, warm: u32) -> Unit {
        let va_page = pc & !(PAGE_SIZE - 1);
        let mut insns = unit.insns();
        let mut add = |unit: &mut Unit, target: u64| {
            if unit.blocks.iter().any(|m| m.offset == target) {
                return;
            }
            let pa = unit.page + target;
            let Some(b) = self.blocks.get(&pa) else {
                return;
            };
            if insns + b.ops.len() > MAX_UNIT_INSNS
                || !self.is_warm(va_page + target, pa, ctx, warm)
            {
                return;
            }
            insns += b.ops.len();
            unit.blocks.push(UnitBlock {
                offset: target,
                ops: b.ops.clone(),
            });
        };
        let mut next = 0;
        let mut others_added = false;
        loop {
            while next < unit.blocks.len() {
                let from = unit.blocks[next].clone();
                next += 1;
                for target in from.successors() {
                    add(&mut unit, target);
                }
            }
            let indirect = unit
                .blocks
                .iter()
                .any(|b| b.ops.last().is_some_and(is_dispatch));
            if others_added || !indirect {
                return unit;
            }
            others_added = true;
            let mut others: Vec<u64> = self
                .by_page
                .get(&unit.page)
                .map(|starts| starts.iter().map(|pa| pa - unit.page).collect())
                .unwrap_or_default();
            others.sort_unstable();
            for target in others {
                add(&mut unit, target);
            }
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

impl Hart {
    /// The decoded block at virtual `pc`: pointer to its ops and their count.
    pub(super) fn block_at(&mut self, bus: &Bus, pc: u64) -> Result<Found, Trap> {
        self.cache.graveyard.clear();
        let (pa, uniform) = self.fetch_pa(bus, pc)?;
        let s = slot(pa);
        let entry = self.cache.fast[s];
        if entry.0 == pa && uniform {
            return Ok(self.remember_jump(pc, entry));
        }
        if let Some(b) = self.cache.blocks.get(&pa) {
            let entry = (pa, b.ops.as_ptr(), b.ops.len() as u32, b.native);
            self.cache.fast[s] = entry;
            if uniform {
                return Ok(self.remember_jump(pc, entry));
            }
            return Ok(found(entry));
        }
        let (ops, cacheable) = self.decode_block(bus, pc, pa, uniform)?;
        let ops: Arc<[Op]> = ops.into();
        let entry = (pa, ops.as_ptr(), ops.len() as u32, None);
        if !cacheable {
            // Run once: the graveyard keeps it alive until the next lookup.
            self.cache.graveyard.push(Block::new(ops));
            return Ok(found(entry));
        }
        if self.cache.cached_ops + ops.len() > MAX_CACHED_OPS {
            self.cache.flush(bus.ram());
            self.tlb.flush_stores();
        }
        let page = pa & !(PAGE_SIZE - 1);
        if !bus.ram().is_code_page(page) {
            bus.ram().set_code_page(page, true);
            self.tlb.flush_stores();
            self.settle_new_code_page(bus);
        }
        self.cache.by_page.entry(page).or_default().push(pa);
        self.cache.cached_ops += ops.len();
        self.cache.blocks.insert(pa, Block::new(ops));
        self.cache.fast[s] = entry;
        Ok(self.remember_jump(pc, entry))
    }

    /// Stores to a page that just became a code page must reach the slow
    /// path on every hart before its code is decoded: another hart's
    /// store-TLB entry made earlier would otherwise write it unseen, and
    /// the block would stay stale even across `fence.i`. So every other
    /// hart is asked to drop its store entries, and this waits until each
    /// has (within one of its blocks) or is outside its run loop. Their
    /// stores before that are in RAM when the block is decoded; later ones
    /// see the code page. While waiting the hart serves its own requests,
    /// so two harts marking pages at once cannot wait on each other.
    #[cold]
    fn settle_new_code_page(&mut self, bus: &Bus) {
        let all = bus.events();
        let me = self.index();
        let tickets: Vec<(usize, u64)> = (0..all.len())
            .filter(|&h| h != me)
            .map(|h| (h, all[h].request_store_tlb_flush()))
            .collect();
        let own = all.get(me).unwrap_or(&NO_EVENTS);
        for (h, ticket) in tickets {
            let mut spins = 0u32;
            while !all[h].store_tlb_flushed(ticket) {
                if own.pending() & bits::HART_LOCAL != 0 {
                    self.serve_events(own);
                }
                // The other hart's thread may be off its core (2 harts on a
                // busy host): after a short spin, give the core away.
                spins += 1;
                if spins < 128 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
        }
    }

    #[inline]
    fn remember_jump(&mut self, pc: u64, entry: FastSlot) -> Found {
        let (pa, ops, n, native) = entry;
        self.cache.jump[jump_slot(pc)] = JumpSlot {
            pc,
            ctx: self.fetch_ctx as u64,
            ops,
            n: n as usize,
            native,
            pa,
            hits: if native.is_some() { u32::MAX } else { 0 },
        };
        found(entry)
    }

    /// The block at `pc` got hot: translate the unit around it, or have it
    /// translated (unless the translator declined it before or has it in
    /// hand).
    #[cold]
    pub(super) fn translate_hot(&mut self, pc: u64) {
        let Some(mut tier) = self.tier.take() else {
            return;
        };
        let e = &mut self.cache.jump[jump_slot(pc)];
        e.hits = u32::MAX;
        let pa = e.pa;
        let ops = self
            .cache
            .blocks
            .get(&pa)
            .filter(|b| !b.untranslatable && !b.requested && b.native.is_none())
            .map(|b| b.ops.clone());
        if let Some(ops) = ops {
            // Only blocks that are hot themselves: on the Linux boot, taking
            // those with an eighth of the executions made 1.7 times the
            // instructions to compile and the boot 15 % slower, for no gain
            // on the CPU benchmarks.
            let warm = tier.threshold();
            let unit = Unit::single(self, pa, ops);
            let unit = self.cache.unit_around(pc, unit, self.fetch_ctx, warm);
            let cache = &mut self.cache;
            match tier.hot(&unit, || cache.drop_natives()) {
                Hot::Now(native) => self.cache.install(&unit, native),
                Hot::Requested => {
                    if let Some(b) = self.cache.blocks.get_mut(&pa) {
                        b.requested = true;
                    }
                }
            }
        }
        self.tier = Some(tier);
    }

    /// Installs what the compile thread finished for this hart; when the
    /// translator's memory is full, drops every translation and starts a
    /// new code generation instead.
    #[cold]
    pub(super) fn install_translations(&mut self) {
        let Some(mut tier) = self.tier.take() else {
            return;
        };
        while let Some(done) = tier.next_done() {
            if done.full {
                self.cache.drop_natives();
                tier.new_generation();
                continue;
            }
            self.cache.install(&done.unit, done.native);
        }
        self.tier = Some(tier);
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
        // Under a debugger's control every instruction is its own block, so
        // that breakpoints and single steps fall on instruction boundaries
        // (`set_debug` drops these blocks when the control ends).
        let max_ops = if uniform && !self.debug_controlled() {
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
