//! The hart's view of memory: the soft-TLB hit path inline, and the slow
//! path (translation, PMP, misalignment, MMIO, TLB refill) out of line.

use heron_mmu::pmp::Pmp;
use heron_mmu::tlb::TlbKind;
use heron_mmu::walk::{self, PteAccessFault, PteMemory, WalkFault, WalkParams};
use heron_mmu::{host_mem, Access, Bus, PAGE_SIZE};

use crate::csr::{MSTATUS_MXR, MSTATUS_SUM};
use crate::hart::{Hart, MisalignedAccess, Priv};
use crate::interp::{CAUSE_WATCH_READ, CAUSE_WATCH_WRITE};
use crate::trap::{cause, Trap};

/// Page-table accesses of a walk: implicit S-mode accesses, PMP-checked.
struct WalkMemory<'a> {
    bus: &'a Bus,
    pmp: &'a Pmp,
}

impl PteMemory for WalkMemory<'_> {
    fn read_pte(&mut self, pa: u64) -> Result<u64, PteAccessFault> {
        if !self.pmp.check(pa, 8, Access::Load, false) {
            return Err(PteAccessFault);
        }
        self.bus.ram().load(pa, 8).map_err(|_| PteAccessFault)
    }

    fn cas_pte(&mut self, pa: u64, old: u64, new: u64) -> Result<bool, PteAccessFault> {
        if !self.pmp.check(pa, 8, Access::Store, false) {
            return Err(PteAccessFault);
        }
        self.bus
            .ram()
            .compare_exchange_u64(pa, old, new)
            .map_err(|_| PteAccessFault)
    }
}

fn fault_cause(access: Access, fault: WalkFault) -> u64 {
    match (access, fault) {
        (Access::Fetch, WalkFault::Page) => cause::INSN_PAGE,
        (Access::Load, WalkFault::Page) => cause::LOAD_PAGE,
        (Access::Store, WalkFault::Page) => cause::STORE_PAGE,
        (Access::Fetch, WalkFault::Access) => cause::INSN_ACCESS,
        (Access::Load, WalkFault::Access) => cause::LOAD_ACCESS,
        (Access::Store, WalkFault::Access) => cause::STORE_ACCESS,
    }
}

/// A translated, PMP-checked physical address.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Translated {
    /// Physical address.
    pub pa: u64,
    /// Whether the TLB may cache the page (RAM, one PMP decision).
    pub cacheable: bool,
    /// Whether a superpage leaf mapped it.
    pub superpage: bool,
}

/// Access-fault cause for `access`.
pub(crate) fn access_fault(access: Access) -> u64 {
    fault_cause(access, WalkFault::Access)
}

impl Hart {
    /// Translates `vaddr` for `access` and checks PMP on the result.
    /// Returns the physical address and whether the TLB may cache the page.
    pub(crate) fn translate(
        &mut self,
        bus: &Bus,
        vaddr: u64,
        access: Access,
        size: u64,
    ) -> Result<Translated, Trap> {
        let privilege = if access == Access::Fetch {
            self.privilege
        } else {
            self.data_priv()
        };
        let (pa, superpage) = if privilege == Priv::M || self.csr.satp >> 60 == 0 {
            (vaddr, false)
        } else {
            let params = WalkParams {
                satp: self.csr.satp,
                access,
                user: privilege == Priv::U,
                sum: self.mstatus & MSTATUS_SUM != 0,
                mxr: self.mstatus & MSTATUS_MXR != 0,
            };
            let mut mem = WalkMemory {
                bus,
                pmp: &self.pmp,
            };
            let t = walk::translate(&mut mem, vaddr, &params)
                .map_err(|f| Trap::new(fault_cause(access, f), vaddr))?;
            (t.pa, t.superpage)
        };
        let machine = privilege == Priv::M;
        if !self.pmp.check(pa, size, access, machine) {
            return Err(Trap::new(access_fault(access), vaddr));
        }
        let page = pa & !(PAGE_SIZE - 1);
        let cacheable = bus.ram().contains(page, PAGE_SIZE)
            && self.pmp.check_page(page, access, machine) == Some(true);
        Ok(Translated {
            pa,
            cacheable,
            superpage,
        })
    }

    fn fill_tlb(&mut self, bus: &Bus, kind: TlbKind, ctx: u8, vaddr: u64, t: Translated) {
        // While a watchpoint is armed, data accesses stay on the slow path,
        // where watchpoints are checked: a TLB entry would let the next
        // access to the page through unchecked, in the interpreter's fast
        // path or inline in translated code.
        if self.watch_armed() && kind != TlbKind::Fetch {
            return;
        }
        // The JIT checker journals every write on the slow path.
        if kind == TlbKind::Store && !self.store_tlb_allowed() {
            return;
        }
        if let Some(page) = bus.ram().page(t.pa) {
            self.tlb.fill(ctx as usize, kind, vaddr, page, t.superpage);
        }
    }

    /// Loads `size` bytes at `vaddr` (zero-extended).
    #[inline(always)]
    pub(crate) fn load(&mut self, bus: &Bus, vaddr: u64, size: u64) -> Result<u64, Trap> {
        if let Some(host) = self
            .tlb
            .lookup(self.data_ctx as usize, TlbKind::Load, vaddr, size)
        {
            // SAFETY: TLB entries point into pages of the RAM mapping the TLB
            // keeps alive (`Tlb::fill` takes only a `RamPage`), and the tag
            // compare guaranteed natural alignment within one page.
            return Ok(unsafe { read_host(host, size) });
        }
        self.load_slow(bus, vaddr, size)
    }

    /// Stores the low `size` bytes of `value` at `vaddr`. Returns whether
    /// the store reached a device or a watched word, after which the machine
    /// must look at the bus before the next instruction (an interrupt line
    /// may have changed).
    #[inline(always)]
    pub(crate) fn store(
        &mut self,
        bus: &Bus,
        vaddr: u64,
        size: u64,
        value: u64,
    ) -> Result<bool, Trap> {
        if let Some(host) = self
            .tlb
            .lookup(self.data_ctx as usize, TlbKind::Store, vaddr, size)
        {
            // SAFETY: as in `load`; store entries exist only for RAM pages
            // without decoded code or watched words.
            unsafe { write_host(host, size, value) };
            return Ok(false);
        }
        self.store_slow(bus, vaddr, size, value)?;
        Ok(self.needs_machine)
    }

    #[inline(never)]
    fn load_slow(&mut self, bus: &Bus, vaddr: u64, size: u64) -> Result<u64, Trap> {
        if self.watch_armed() && self.watch_check(vaddr, size, false).is_some() {
            return Err(Trap::new(CAUSE_WATCH_READ, vaddr));
        }
        if vaddr & (size - 1) != 0 {
            if self.misaligned == MisalignedAccess::Trap {
                return Err(Trap::new(cause::LOAD_MISALIGNED, vaddr));
            }
            // Misaligned loads are done in hardware, byte by byte, each byte
            // translated (the access may straddle a page).
            let mut v = 0;
            for i in 0..size {
                v |= self.load_slow(bus, vaddr.wrapping_add(i), 1)? << (8 * i);
            }
            return Ok(v);
        }
        let t = self.translate(bus, vaddr, Access::Load, size)?;
        if t.cacheable {
            let ctx = self.data_ctx;
            self.fill_tlb(bus, TlbKind::Load, ctx, vaddr, t);
        }
        self.check_access(bus, t.pa, vaddr, size, false)?;
        bus.read(t.pa, size as u8)
            .map_err(|_| Trap::new(cause::LOAD_ACCESS, vaddr))
    }

    #[inline(never)]
    fn store_slow(&mut self, bus: &Bus, vaddr: u64, size: u64, value: u64) -> Result<(), Trap> {
        if self.watch_armed() && self.watch_check(vaddr, size, true).is_some() {
            return Err(Trap::new(CAUSE_WATCH_WRITE, vaddr));
        }
        if vaddr & (size - 1) != 0 {
            if self.misaligned == MisalignedAccess::Trap {
                return Err(Trap::new(cause::STORE_MISALIGNED, vaddr));
            }
            // Translate and place every byte first, so that a fault on any
            // of them leaves memory untouched.
            for i in 0..size {
                let va = vaddr.wrapping_add(i);
                let t = self.translate(bus, va, Access::Store, 1)?;
                if !bus.is_mapped(t.pa, 1) {
                    return Err(Trap::new(cause::STORE_ACCESS, va));
                }
            }
            for i in 0..size {
                self.store_slow(bus, vaddr.wrapping_add(i), 1, value >> (8 * i))?;
            }
            return Ok(());
        }
        let t = self.translate(bus, vaddr, Access::Store, size)?;
        self.check_access(bus, t.pa, vaddr, size, true)?;
        self.store_phys(bus, t.pa, size, value)
            .map_err(|_| Trap::new(cause::STORE_ACCESS, vaddr))?;
        if t.cacheable && !bus.is_watched_page(t.pa) {
            let ctx = self.data_ctx;
            self.fill_tlb(bus, TlbKind::Store, ctx, vaddr, t);
        }
        Ok(())
    }

    /// A store to physical memory that keeps decoded code coherent and
    /// notes when the machine must look ([`Bus::write`]).
    pub(crate) fn store_phys(
        &mut self,
        bus: &Bus,
        pa: u64,
        size: u64,
        value: u64,
    ) -> Result<(), heron_mmu::BusError> {
        let needs_machine = bus.write(pa, size as u8, value)?;
        self.needs_machine |= needs_machine;
        self.keep_code_coherent(bus, pa);
        Ok(())
    }

    /// The page holding `pa` was just written: if some hart holds decoded
    /// code there, drop this hart's blocks and queue the page for the other
    /// harts (which drop theirs before their next block).
    #[inline]
    pub(crate) fn keep_code_coherent(&mut self, bus: &Bus, pa: u64) {
        if bus.ram().is_code_page(pa) {
            self.cache.invalidate_page(pa);
            bus.ram().code_written_by(pa, self.index());
        }
    }

    /// Translates an atomic access (LR/SC/AMO): must be naturally aligned;
    /// returns the physical address.
    pub(crate) fn translate_atomic(
        &mut self,
        bus: &Bus,
        vaddr: u64,
        size: u64,
        access: Access,
    ) -> Result<u64, Trap> {
        if self.watch_armed()
            && self
                .watch_check(vaddr, size, access == Access::Store)
                .is_some()
        {
            let c = if access == Access::Store {
                CAUSE_WATCH_WRITE
            } else {
                CAUSE_WATCH_READ
            };
            return Err(Trap::new(c, vaddr));
        }
        if vaddr & (size - 1) != 0 {
            let c = if access == Access::Load {
                cause::LOAD_MISALIGNED
            } else {
                cause::STORE_MISALIGNED
            };
            return Err(Trap::new(c, vaddr));
        }
        Ok(self.translate(bus, vaddr, access, size)?.pa)
    }

    /// Physical address of the instruction at `vaddr`, refilling the fetch
    /// TLB, and whether its whole page is fetchable alike (PMP). `Err` is an
    /// instruction fault.
    #[inline]
    pub(crate) fn fetch_pa(&mut self, bus: &Bus, vaddr: u64) -> Result<(u64, bool), Trap> {
        if let Some(host) = self
            .tlb
            .lookup(self.fetch_ctx as usize, TlbKind::Fetch, vaddr, 1)
        {
            // The fetch TLB may still hold pages of RAM the hart ran on
            // before; those are not this bus's and take the slow path.
            if let Some(pa) = bus.ram().pa_of_host(host) {
                return Ok((pa, true));
            }
        }
        let t = self.translate(bus, vaddr, Access::Fetch, 2)?;
        if !bus.ram().contains(t.pa, 2) {
            return Err(Trap::new(cause::INSN_ACCESS, vaddr));
        }
        if t.cacheable {
            let ctx = self.fetch_ctx;
            self.fill_tlb(bus, TlbKind::Fetch, ctx, vaddr, t);
        }
        Ok((t.pa, t.cacheable))
    }
}

/// Reads `size` bytes at host address `host`.
///
/// # Safety
/// `host..host + size` must be guest RAM (only ever accessed atomically),
/// naturally aligned.
#[inline(always)]
unsafe fn read_host(host: usize, size: u64) -> u64 {
    // SAFETY: as for the caller.
    unsafe { host_mem::load_aligned(host as *const u8, size as u8) }
}

/// Writes `size` bytes at host address `host`.
///
/// # Safety
/// `host..host + size` must be guest RAM (only ever accessed atomically),
/// naturally aligned.
#[inline(always)]
unsafe fn write_host(host: usize, size: u64, v: u64) {
    // SAFETY: as for the caller.
    unsafe { host_mem::store_aligned(host as *mut u8, size as u8, v) }
}
