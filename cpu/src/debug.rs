//! Hooks for debuggers (the gdb stub): breakpoints that do not patch guest
//! memory, data watchpoints, single-stepping, and side-effect-free access to
//! guest memory through the current translation.
//!
//! While a debugger has anything armed, the interpreter runs one instruction
//! per block (checked against the breakpoints before it executes) and every
//! load and store takes the slow path, where watchpoints are checked before
//! the access is performed. With nothing armed none of this costs anything.

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
    /// A debugger is attached and wants instruction-granular control
    /// (single steps) even with no breakpoint armed.
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

impl Hart {
    /// Arms (or with an empty set, disarms) breakpoints and watchpoints.
    pub fn set_debug(&mut self, arm: DebugArm, bus: &Bus) {
        let was = self.debug.is_some();
        self.debug = if arm.is_empty() {
            None
        } else {
            Some(Box::new(arm))
        };
        if was != self.debug.is_some() {
            // Blocks decoded for the other mode have the wrong length, and
            // TLB hits would bypass watchpoint checks.
            self.flush_decoded(bus.ram());
        }
    }

    /// Whether a debugger has anything armed.
    #[inline(always)]
    pub fn debug_armed(&self) -> bool {
        self.debug.is_some()
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
        if privilege == Priv::M || self.csr.satp >> 60 == 0 {
            return Some(vaddr);
        }
        let params = WalkParams {
            satp: self.csr.satp,
            access: Access::Load,
            user: privilege == Priv::U,
            // A debugger may look at any mapped page.
            sum: true,
            mxr: true,
        };
        walk::translate(&mut PeekMemory(bus), vaddr, &params)
            .ok()
            .map(|t| t.pa)
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
