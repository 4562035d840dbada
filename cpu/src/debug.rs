//! Hooks for debuggers (the gdb stub): breakpoints that do not patch guest
//! memory, data watchpoints, single-stepping, and side-effect-free access to
//! guest memory through the current translation.
//!
//! While a debugger has anything armed on a hart (a breakpoint, a
//! watchpoint, a single step), that hart runs interpreted, one instruction
//! per block (checked against the breakpoints before it executes), and
//! while a watchpoint is armed every load and store takes the slow path,
//! where watchpoints are checked before the access is performed. With
//! nothing armed — gdb attached but the guest continuing with no
//! breakpoints — the hart runs as without a debugger, translated code
//! included, and none of this costs anything.

use heron_mmu::walk::{self, PteAccessFault, PteMemory, WalkParams};
use heron_mmu::{Access, Bus};

use crate::hart::{Hart, Priv};

/// What a watchpoint watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchKind {
    /// Loads.
    Read,
    /// Stores.
    Write,
    /// Both.
    Access,
}

/// A data watchpoint on `[addr, addr + len)` (virtual addresses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watchpoint {
    /// First watched byte.
    pub addr: u64,
    /// Number of bytes.
    pub len: u64,
    /// Which accesses hit.
    pub kind: WatchKind,
}

/// Everything a debugger has armed.
#[derive(Clone, Debug, Default)]
pub struct DebugArm {
    /// A debugger wants instruction-granular control (a single step) even
    /// with no breakpoint armed.
    pub attached: bool,
    /// Instruction addresses (virtual) to stop at before executing.
    pub breakpoints: Vec<u64>,
    /// Data watchpoints.
    pub watchpoints: Vec<Watchpoint>,
}

impl DebugArm {
    /// Whether nothing is armed.
    pub fn is_empty(&self) -> bool {
        !self.attached && self.breakpoints.is_empty() && self.watchpoints.is_empty()
    }
}

/// A watchpoint hit: the access that hit, not yet performed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchHit {
    /// The accessed address.
    pub addr: u64,
    /// Whether the access was a store.
    pub write: bool,
}

/// Page-table access for debugger translations: reads only, never sets
/// A/D bits (a debugger looking at memory must not change it).
struct PeekMemory<'a>(&'a Bus);

impl PteMemory for PeekMemory<'_> {
    fn read_pte(&mut self, pa: u64) -> Result<u64, PteAccessFault> {
        self.0.ram().load(pa, 8).map_err(|_| PteAccessFault)
    }
    fn cas_pte(&mut self, _pa: u64, _old: u64, _new: u64) -> Result<bool, PteAccessFault> {
        Ok(true)
    }
}

/// Translates `vaddr` for a debugger as a load of S-mode (or U-mode,
/// `user`) under `satp` would, with any mapped page readable (`SUM` and
/// `MXR` set) and without touching A/D bits; `None` where it would fault.
/// Shared by the interpreter's hart and engines that keep no walker of
/// their own (a KVM vCPU).
pub fn peek_translate(bus: &Bus, satp: u64, user: bool, vaddr: u64) -> Option<u64> {
    let params = WalkParams {
        satp,
        access: Access::Load,
        user,
        sum: true,
        mxr: true,
    };
    walk::translate(&mut PeekMemory(bus), vaddr, &params)
        .ok()
        .map(|t| t.pa)
}

impl Hart {
    /// Arms (or with an empty set, disarms) breakpoints and watchpoints.
    ///
    /// Whenever the hart passes between running freely and under
    /// instruction-level control, every decoded block goes, and with it its
    /// translation: blocks decoded under control are one instruction long
    /// (and must not be translated), those decoded without it run past
    /// breakpoints. They are decoded again, and translated again once hot,
    /// in the new mode. Arming the first watchpoint empties the TLB, whose
    /// data entries (used inline by translated code and by the
    /// interpreter's fast path alike) would let a watched access through
    /// unchecked; none is made again while a watchpoint is armed.
    pub fn set_debug(&mut self, arm: DebugArm, bus: &Bus) {
        let was_controlled = self.debug_controlled();
        let was_watching = self.watch_armed();
        self.debug = if arm.is_empty() {
            None
        } else {
            Some(Box::new(arm))
        };
        if was_controlled != self.debug_controlled() {
            // Flushes the TLB as well.
            self.flush_decoded(bus.ram());
        } else if !was_watching && self.watch_armed() {
            self.flush_translations();
        }
    }

    /// Whether a debugger needs instruction-level control of the hart (a
    /// breakpoint or watchpoint armed, or a single step): it then runs
    /// interpreted, one instruction per block, never translated code.
    #[inline(always)]
    pub(crate) fn debug_controlled(&self) -> bool {
        self.debug.is_some()
    }

    /// Whether a watchpoint is armed: loads and stores must then take the
    /// slow path, where watchpoints are checked, and no data access may
    /// enter the TLB.
    #[inline(always)]
    pub fn watch_armed(&self) -> bool {
        self.debug
            .as_ref()
            .is_some_and(|d| !d.watchpoints.is_empty())
    }

    /// The breakpoint at `pc`, if one is armed there.
    pub(crate) fn breakpoint_at(&self, pc: u64) -> bool {
        self.debug
            .as_ref()
            .is_some_and(|d| d.breakpoints.contains(&pc))
    }

    /// Checks an access against the watchpoints.
    pub(crate) fn watch_check(&self, vaddr: u64, size: u64, write: bool) -> Option<WatchHit> {
        let d = self.debug.as_ref()?;
        d.watchpoints.iter().find_map(|w| {
            let kind_hits = match w.kind {
                WatchKind::Read => !write,
                WatchKind::Write => write,
                WatchKind::Access => true,
            };
            let overlaps = vaddr < w.addr.wrapping_add(w.len) && w.addr < vaddr.wrapping_add(size);
            (kind_hits && overlaps).then_some(WatchHit { addr: vaddr, write })
        })
    }

    /// Translates `vaddr` as a data access of the current privilege would,
    /// without side effects; `None` if it would fault.
    pub fn debug_translate(&self, bus: &Bus, vaddr: u64) -> Option<u64> {
        let privilege = self.data_priv();
        if privilege == Priv::M {
            return Some(vaddr);
        }
        peek_translate(bus, self.csr.satp, privilege == Priv::U, vaddr)
    }

    /// Reads guest memory at virtual `vaddr` through the current translation,
    /// byte by byte; stops at the first unreadable byte and returns how many
    /// bytes were read.
    pub fn debug_read(&self, bus: &Bus, vaddr: u64, buf: &mut [u8]) -> usize {
        for (i, b) in buf.iter_mut().enumerate() {
            let Some(pa) = self.debug_translate(bus, vaddr.wrapping_add(i as u64)) else {
                return i;
            };
            match bus.read(pa, 1) {
                Ok(v) => *b = v as u8,
                Err(_) => return i,
            }
        }
        buf.len()
    }

    /// Writes guest memory at virtual `vaddr` through the current
    /// translation, keeping decoded code coherent; returns the number of
    /// bytes written.
    pub fn debug_write(&mut self, bus: &Bus, vaddr: u64, data: &[u8]) -> usize {
        for (i, &b) in data.iter().enumerate() {
            let Some(pa) = self.debug_translate(bus, vaddr.wrapping_add(i as u64)) else {
                return i;
            };
            if self.store_phys(bus, pa, 1, b as u64).is_err() {
                return i;
            }
        }
        self.cache.clear_jump_cache();
        data.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hart::tlb_ctx;
    use heron_mmu::tlb::TlbKind;
    use heron_mmu::GuestRam;

    const BASE: u64 = 0x8000_0000;
    const DATA: u64 = BASE + 0x1000;

    fn cached(hart: &Hart, kind: TlbKind) -> bool {
        let ctx = tlb_ctx::MACHINE as usize;
        hart.tlb().lookup(ctx, kind, DATA, 4).is_some()
    }

    #[test]
    fn data_accesses_skip_the_tlb_exactly_while_a_watchpoint_is_armed() {
        let bus = Bus::new(GuestRam::new(BASE, 0x10000).expect("RAM"));
        let mut hart = Hart::new(0, BASE);
        // A breakpoint alone leaves data accesses on the fast path.
        let breakpoint = DebugArm {
            breakpoints: vec![BASE],
            ..DebugArm::default()
        };
        hart.set_debug(breakpoint.clone(), &bus);
        assert!(hart.debug_controlled() && !hart.watch_armed());
        hart.load(&bus, DATA, 4).expect("load");
        assert!(cached(&hart, TlbKind::Load));
        // Arming a watchpoint drops the entry made before, and makes none.
        let mut watching = breakpoint;
        watching.watchpoints.push(Watchpoint {
            addr: DATA + 0x100,
            len: 4,
            kind: WatchKind::Write,
        });
        hart.set_debug(watching, &bus);
        assert!(!cached(&hart, TlbKind::Load), "stale entry kept");
        hart.load(&bus, DATA, 4).expect("load");
        hart.store(&bus, DATA, 4, 7).expect("store");
        assert!(!cached(&hart, TlbKind::Load) && !cached(&hart, TlbKind::Store));
        let hit = hart.store(&bus, DATA + 0x100, 4, 1).expect_err("watched");
        assert_eq!(hit.tval, DATA + 0x100);
        // Disarmed: the fast path again.
        hart.set_debug(DebugArm::default(), &bus);
        assert!(!hart.debug_controlled() && !hart.watch_armed());
        hart.load(&bus, DATA, 4).expect("load");
        assert!(cached(&hart, TlbKind::Load));
    }
}
