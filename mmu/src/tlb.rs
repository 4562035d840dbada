//! The software TLB.
//!
//! Direct-mapped, one table per access kind, one [`TlbSet`] per translation
//! context (privilege and SUM, chosen by the hart). The hit path — the same
//! in the interpreter and in JIT-generated code — is:
//!
//! 1. `index = (vaddr >> 12) & (TLB_ENTRIES - 1)`
//! 2. `entry.tag == vaddr & (PAGE_MASK | (size - 1))` — an access that is not
//!    naturally aligned keeps low bits set and so never hits; it takes the
//!    slow path, which handles misalignment and page crossing.
//! 3. host address = `vaddr + entry.addend`.
//!
//! Only RAM pages are entered, so a hit is always a plain host memory access.
//! Entries can only be made from a [`RamPage`], and the TLB keeps a handle
//! on the RAM its entries point into, so a hit always lands in a live
//! mapping: safe code cannot plant a host address.

use std::mem::offset_of;

use crate::ram::{GuestMemory, RamPage};
use crate::PAGE_SHIFT;

/// Entries per table (a power of two). 1024 pages reach 4 MiB: at 256 a
/// 2 MiB array (the sieve benchmark) missed on most strided stores.
pub const TLB_ENTRIES: usize = 1024;
/// Number of translation contexts the hart may select between.
pub const TLB_CONTEXTS: usize = 4;
/// The tag of an empty entry. Its low bits are set, and a masked address
/// compared against it always has its low page bits clear for an aligned
/// access of size 1, so it never hits.
pub const INVALID_TAG: u64 = u64::MAX;
const PAGE_MASK: u64 = !((1u64 << PAGE_SHIFT) - 1);

/// One cached translation: virtual page tag and host-pointer addend.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TlbEntry {
    /// Page-aligned virtual address, or [`INVALID_TAG`].
    pub tag: u64,
    /// Host address minus virtual address for this page.
    pub addend: u64,
}

impl TlbEntry {
    const EMPTY: TlbEntry = TlbEntry {
        tag: INVALID_TAG,
        addend: 0,
    };
}

/// The three tables of one translation context.
#[repr(C)]
pub struct TlbSet {
    /// Instruction fetch.
    pub fetch: [TlbEntry; TLB_ENTRIES],
    /// Loads.
    pub load: [TlbEntry; TLB_ENTRIES],
    /// Stores (only pages already marked dirty, holding no decoded code).
    pub store: [TlbEntry; TLB_ENTRIES],
}

/// Which table of a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlbKind {
    /// Instruction fetch.
    Fetch,
    /// Loads.
    Load,
    /// Stores.
    Store,
}

/// All translation contexts.
///
/// The fields are private: entries are made only by [`Tlb::fill`], which is
/// what makes a hit's host address safe to dereference. Generated code
/// addresses the tables through the offset constants below.
#[repr(C)]
pub struct Tlb {
    /// One set per context.
    sets: [TlbSet; TLB_CONTEXTS],
    /// Whether any entry came from a superpage: then `sfence.vma` of one
    /// address must flush everything, since other 4 KiB pieces of the same
    /// superpage may be cached under other indices.
    has_superpage: bool,
    /// The RAM every entry points into, held so that its mapping outlives
    /// the entries.
    owner: Option<GuestMemory>,
    /// Tables filled since they were last emptied (bit `3 * ctx + kind`):
    /// a flush clears only those (a full one cleared 192 KiB and was 6 %
    /// of a Linux boot, which flushes on every context switch).
    filled: u16,
}

/// The `filled` bit of table `kind` of context `ctx`.
fn filled_bit(ctx: usize, kind: TlbKind) -> u16 {
    let k = match kind {
        TlbKind::Fetch => 0,
        TlbKind::Load => 1,
        TlbKind::Store => 2,
    };
    1 << (3 * (ctx & (TLB_CONTEXTS - 1)) + k)
}

/// Byte offset of context `ctx`'s [`TlbSet`] in a [`Tlb`].
pub const fn set_offset(ctx: usize) -> usize {
    offset_of!(Tlb, sets) + ctx * std::mem::size_of::<TlbSet>()
}
/// Byte offset of the fetch table in a [`TlbSet`].
pub const SET_FETCH_OFFSET: usize = offset_of!(TlbSet, fetch);
/// Byte offset of the load table in a [`TlbSet`].
pub const SET_LOAD_OFFSET: usize = offset_of!(TlbSet, load);
/// Byte offset of the store table in a [`TlbSet`].
pub const SET_STORE_OFFSET: usize = offset_of!(TlbSet, store);
/// Byte offset of `tag` in a [`TlbEntry`].
pub const ENTRY_TAG_OFFSET: usize = offset_of!(TlbEntry, tag);
/// Byte offset of `addend` in a [`TlbEntry`].
pub const ENTRY_ADDEND_OFFSET: usize = offset_of!(TlbEntry, addend);

// The hit path's address arithmetic assumes this layout: entries of two
// words, tag first; tables back to back; sets back to back from offset 0.
const _: () = {
    assert!(std::mem::size_of::<TlbEntry>() == 16);
    assert!(ENTRY_TAG_OFFSET == 0 && ENTRY_ADDEND_OFFSET == 8);
    assert!(SET_FETCH_OFFSET == 0);
    assert!(SET_LOAD_OFFSET == 16 * TLB_ENTRIES);
    assert!(SET_STORE_OFFSET == 32 * TLB_ENTRIES);
    assert!(set_offset(0) == 0);
};

/// Index of `vaddr`'s entry.
#[inline(always)]
pub fn tlb_index(vaddr: u64) -> usize {
    (vaddr >> PAGE_SHIFT) as usize & (TLB_ENTRIES - 1)
}

/// The tag a `size`-byte access at `vaddr` must match.
#[inline(always)]
pub fn access_tag(vaddr: u64, size: u64) -> u64 {
    vaddr & (PAGE_MASK | (size - 1))
}

impl Default for Tlb {
    fn default() -> Self {
        Self::new()
    }
}

impl Tlb {
    /// An empty TLB.
    pub fn new() -> Self {
        const SET: TlbSet = TlbSet {
            fetch: [TlbEntry::EMPTY; TLB_ENTRIES],
            load: [TlbEntry::EMPTY; TLB_ENTRIES],
            store: [TlbEntry::EMPTY; TLB_ENTRIES],
        };
        Tlb {
            sets: [SET; TLB_CONTEXTS],
            has_superpage: false,
            owner: None,
            filled: 0,
        }
    }

    #[inline(always)]
    fn table(&self, ctx: usize, kind: TlbKind) -> &[TlbEntry; TLB_ENTRIES] {
        let set = &self.sets[ctx & (TLB_CONTEXTS - 1)];
        match kind {
            TlbKind::Fetch => &set.fetch,
            TlbKind::Load => &set.load,
            TlbKind::Store => &set.store,
        }
    }

    /// The hit path: host address of a `size`-byte access at `vaddr`, or
    /// `None` on a miss.
    #[inline(always)]
    pub fn lookup(&self, ctx: usize, kind: TlbKind, vaddr: u64, size: u64) -> Option<usize> {
        let e = &self.table(ctx, kind)[tlb_index(vaddr)];
        if e.tag == access_tag(vaddr, size) {
            Some(vaddr.wrapping_add(e.addend) as usize)
        } else {
            None
        }
    }

    /// Enters `page` as the translation of `vaddr`'s page. `superpage`
    /// says whether the translation came from a superpage leaf. A page of
    /// another RAM than the current entries' drops them all first, so that
    /// the TLB only ever points into the one mapping it keeps alive.
    pub fn fill(
        &mut self,
        ctx: usize,
        kind: TlbKind,
        vaddr: u64,
        page: RamPage<'_>,
        superpage: bool,
    ) {
        if !self
            .owner
            .as_ref()
            .is_some_and(|o| o.same_mapping(page.ram))
        {
            self.flush_all();
            self.owner = Some(page.ram.dma_handle());
        }
        self.filled |= filled_bit(ctx, kind);
        let host_page = page.host;
        let tag = vaddr & PAGE_MASK;
        let set = &mut self.sets[ctx & (TLB_CONTEXTS - 1)];
        let table = match kind {
            TlbKind::Fetch => &mut set.fetch,
            TlbKind::Load => &mut set.load,
            TlbKind::Store => &mut set.store,
        };
        table[tlb_index(vaddr)] = TlbEntry {
            tag,
            addend: (host_page as u64).wrapping_sub(tag),
        };
        self.has_superpage |= superpage;
    }

    /// Drops every entry.
    pub fn flush_all(&mut self) {
        let filled = std::mem::take(&mut self.filled);
        for (ctx, set) in self.sets.iter_mut().enumerate() {
            for (kind, table) in [
                (TlbKind::Fetch, &mut set.fetch),
                (TlbKind::Load, &mut set.load),
                (TlbKind::Store, &mut set.store),
            ] {
                if filled & filled_bit(ctx, kind) != 0 {
                    table.fill(TlbEntry::EMPTY);
                }
            }
        }
        self.has_superpage = false;
    }

    /// Drops entries that may translate `vaddr` (`sfence.vma` with an address).
    pub fn flush_vaddr(&mut self, vaddr: u64) {
        if self.has_superpage {
            return self.flush_all();
        }
        let i = tlb_index(vaddr);
        let tag = vaddr & PAGE_MASK;
        for set in self.sets.iter_mut() {
            for table in [&mut set.fetch, &mut set.load, &mut set.store] {
                if table[i].tag == tag {
                    table[i] = TlbEntry::EMPTY;
                }
            }
        }
    }

    /// Drops every store entry (a page became a code page, so stores to it
    /// must reach the slow path that invalidates decoded code).
    pub fn flush_stores(&mut self) {
        for (ctx, set) in self.sets.iter_mut().enumerate() {
            let bit = filled_bit(ctx, TlbKind::Store);
            if self.filled & bit != 0 {
                set.store.fill(TlbEntry::EMPTY);
                self.filled &= !bit;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GuestRam;

    #[test]
    fn hit_miss_alignment_and_flush() {
        let ram = GuestRam::new(0x8000_0000, 0x10_0000).unwrap();
        let host = ram.host_base() + 0x7000;
        let mut tlb = Tlb::new();
        assert_eq!(tlb.lookup(1, TlbKind::Load, 0x1000, 8), None);
        tlb.fill(
            1,
            TlbKind::Load,
            0x1234,
            ram.page(0x8000_7000).unwrap(),
            false,
        );
        assert_eq!(tlb.lookup(1, TlbKind::Load, 0x1238, 8), Some(host + 0x238));
        // Misaligned access never hits.
        assert_eq!(tlb.lookup(1, TlbKind::Load, 0x1239, 8), None);
        assert_eq!(tlb.lookup(1, TlbKind::Load, 0x1239, 1), Some(host + 0x239));
        // Other contexts and kinds are separate.
        assert_eq!(tlb.lookup(0, TlbKind::Load, 0x1238, 8), None);
        assert_eq!(tlb.lookup(1, TlbKind::Store, 0x1238, 8), None);
        // Same index, other page: miss.
        let alias = 0x1000 + (TLB_ENTRIES as u64) * 0x1000;
        assert_eq!(tlb.lookup(1, TlbKind::Load, alias, 4), None);
        tlb.flush_vaddr(0x1ff0);
        assert_eq!(tlb.lookup(1, TlbKind::Load, 0x1238, 8), None);
    }

    #[test]
    fn flushes_empty_every_table_filled_since_the_last() {
        let ram = GuestRam::new(0x8000_0000, 0x10_0000).unwrap();
        let page = || ram.page(0x8000_3000).unwrap();
        let mut tlb = Tlb::new();
        for round in 0..2 {
            for ctx in 0..TLB_CONTEXTS {
                for kind in [TlbKind::Fetch, TlbKind::Load, TlbKind::Store] {
                    tlb.fill(ctx, kind, 0x5000, page(), false);
                }
            }
            tlb.flush_stores();
            for ctx in 0..TLB_CONTEXTS {
                assert_eq!(tlb.lookup(ctx, TlbKind::Store, 0x5000, 1), None);
                assert!(tlb.lookup(ctx, TlbKind::Load, 0x5000, 1).is_some());
            }
            // A store entry made after the store flush goes with the next.
            tlb.fill(3, TlbKind::Store, 0x6000, page(), false);
            tlb.flush_all();
            for ctx in 0..TLB_CONTEXTS {
                for kind in [TlbKind::Fetch, TlbKind::Load, TlbKind::Store] {
                    assert_eq!(tlb.lookup(ctx, kind, 0x5000, 1), None, "round {round}");
                }
            }
            assert_eq!(tlb.lookup(3, TlbKind::Store, 0x6000, 1), None);
        }
    }

    #[test]
    fn superpage_makes_address_flush_global() {
        let ram = GuestRam::new(0x8000_0000, 0x10_0000).unwrap();
        let mut tlb = Tlb::new();
        tlb.fill(
            0,
            TlbKind::Fetch,
            0x20_0000,
            ram.page(0x8000_1000).unwrap(),
            true,
        );
        tlb.fill(
            0,
            TlbKind::Fetch,
            0x40_0000,
            ram.page(0x8000_2000).unwrap(),
            false,
        );
        tlb.flush_vaddr(0x20_0000);
        assert_eq!(tlb.lookup(0, TlbKind::Fetch, 0x40_0000, 1), None);
    }

    #[test]
    fn entries_keep_their_ram_alive_and_never_mix_mappings() {
        let mut tlb = Tlb::new();
        let first = GuestRam::new(0x8000_0000, 0x10_0000).unwrap();
        tlb.fill(
            0,
            TlbKind::Load,
            0x1000,
            first.page(0x8000_0000).unwrap(),
            false,
        );
        let host = tlb.lookup(0, TlbKind::Load, 0x1000, 8).unwrap();
        // The RAM goes away, but the TLB's handle keeps its mapping: the
        // hit still points at live memory (zeroed, as it was).
        drop(first);
        // SAFETY: the point of the test; the entry's page is kept mapped by
        // the TLB's owner handle.
        assert_eq!(unsafe { *(host as *const u64) }, 0);
        // A page of other RAM drops every entry of the old one.
        let second = GuestRam::new(0x8000_0000, 0x10_0000).unwrap();
        tlb.fill(
            1,
            TlbKind::Store,
            0x5000,
            second.page(0x8000_5000).unwrap(),
            false,
        );
        assert_eq!(tlb.lookup(0, TlbKind::Load, 0x1000, 8), None);
        assert_eq!(
            tlb.lookup(1, TlbKind::Store, 0x5008, 8),
            Some(second.host_base() + 0x5008)
        );
    }
}
