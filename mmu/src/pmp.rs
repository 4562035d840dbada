//! Physical memory protection (privileged spec, "Machine-Level ISA",
//! §Physical Memory Protection): 16 entries, OFF / TOR / NA4 / NAPOT,
//! locking, grain of 4 bytes.

use crate::Access;

/// Number of PMP entries heron implements.
pub const PMP_ENTRIES: usize = 16;

const R: u8 = 1;
const W: u8 = 2;
const X: u8 = 4;
const A_SHIFT: u8 = 3;
const L: u8 = 0x80;
/// pmpaddr holds bits 55:2 of an address.
const ADDR_MASK: u64 = (1 << 54) - 1;

#[derive(Clone, Copy, PartialEq, Eq)]
enum AddrMatch {
    Off,
    Tor,
    Na4,
    Napot,
}

/// The PMP CSR state of one hart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pmp {
    cfg: [u8; PMP_ENTRIES],
    addr: [u64; PMP_ENTRIES],
}

impl Pmp {
    fn mode(&self, i: usize) -> AddrMatch {
        match (self.cfg[i] >> A_SHIFT) & 3 {
            0 => AddrMatch::Off,
            1 => AddrMatch::Tor,
            2 => AddrMatch::Na4,
            _ => AddrMatch::Napot,
        }
    }

    fn locked(&self, i: usize) -> bool {
        self.cfg[i] & L != 0
    }

    /// Byte range `[lo, hi)` entry `i` covers, or `None` when off or empty.
    fn range(&self, i: usize) -> Option<(u64, u64)> {
        let a = self.addr[i];
        match self.mode(i) {
            AddrMatch::Off => None,
            AddrMatch::Tor => {
                let lo = if i == 0 { 0 } else { self.addr[i - 1] << 2 };
                let hi = a << 2;
                (lo < hi).then_some((lo, hi))
            }
            AddrMatch::Na4 => Some((a << 2, (a << 2) + 4)),
            AddrMatch::Napot => {
                let ones = a.trailing_ones();
                if ones >= 54 {
                    return Some((0, u64::MAX));
                }
                let size = 1u64 << (ones + 3);
                let lo = (a << 2) & !(size - 1);
                Some((lo, lo.saturating_add(size)))
            }
        }
    }

    fn allows(&self, i: usize, access: Access) -> bool {
        let need = match access {
            Access::Fetch => X,
            Access::Load => R,
            Access::Store => W,
        };
        self.cfg[i] & need != 0
    }

    /// Whether an access of `size` bytes at `pa` is allowed. `machine`: the
    /// effective privilege is M.
    pub fn check(&self, pa: u64, size: u64, access: Access, machine: bool) -> bool {
        let end = pa.saturating_add(size);
        for i in 0..PMP_ENTRIES {
            let Some((lo, hi)) = self.range(i) else {
                continue;
            };
            if pa < hi && lo < end {
                // The lowest-numbered matching entry decides; an access only
                // partly inside it fails.
                if pa < lo || end > hi {
                    return false;
                }
                if machine && !self.locked(i) {
                    return true;
                }
                return self.allows(i, access);
            }
        }
        // No match: M-mode succeeds; S/U fail since entries are implemented.
        machine
    }

    /// Whether the whole 4 KiB page at `page` gets one decision for `access`
    /// (so the TLB may cache it): `Some(decision)`, else `None`.
    pub fn check_page(&self, page: u64, access: Access, machine: bool) -> Option<bool> {
        let end = page.saturating_add(crate::PAGE_SIZE);
        for i in 0..PMP_ENTRIES {
            let Some((lo, hi)) = self.range(i) else {
                continue;
            };
            if page < hi && lo < end {
                if page < lo || end > hi {
                    return None;
                }
                return Some(self.check(page, crate::PAGE_SIZE, access, machine));
            }
        }
        Some(machine)
    }

    /// Whether any entry is locked or active (M-mode accesses then need checks).
    pub fn is_active(&self) -> bool {
        self.cfg.iter().any(|c| (c >> A_SHIFT) & 3 != 0)
    }

    /// The entries `pmpcfgN` holds: eight from `4 * N` (N even: RV64 packs
    /// eight entries per CSR), or none for the registers of entries heron
    /// does not implement (16..63), which read as zero.
    fn cfg_entries(n: usize) -> std::ops::Range<usize> {
        let base = n.saturating_mul(4);
        if n.is_multiple_of(2) && base < PMP_ENTRIES {
            base..base + 8
        } else {
            0..0
        }
    }

    /// Reads `pmpcfgN` (N even).
    pub fn read_cfg(&self, n: usize) -> u64 {
        let entries = Self::cfg_entries(n);
        let base = entries.start;
        entries.fold(0, |acc, i| acc | (self.cfg[i] as u64) << (8 * (i - base)))
    }

    /// Writes `pmpcfgN` (N even); locked entries keep their value.
    pub fn write_cfg(&mut self, n: usize, value: u64) {
        let entries = Self::cfg_entries(n);
        let base = entries.start;
        for i in entries {
            let k = i - base;
            if self.locked(i) {
                continue;
            }
            let mut c = (value >> (8 * k)) as u8 & (R | W | X | (3 << A_SHIFT) | L);
            // R=0, W=1 is reserved; keep it WARL-legal by dropping W.
            if c & (R | W) == W {
                c &= !W;
            }
            self.cfg[i] = c;
        }
    }

    /// Reads `pmpaddrI`.
    pub fn read_addr(&self, i: usize) -> u64 {
        // Entries past the implemented ones read as zero.
        self.addr.get(i).copied().unwrap_or(0)
    }

    /// Writes `pmpaddrI`, unless entry `i` is locked or entry `i + 1` is a
    /// locked TOR entry (which uses this address as its base).
    pub fn write_addr(&mut self, i: usize, value: u64) {
        if i >= PMP_ENTRIES || self.locked(i) {
            return;
        }
        if i + 1 < PMP_ENTRIES && self.locked(i + 1) && self.mode(i + 1) == AddrMatch::Tor {
            return;
        }
        self.addr[i] = value & ADDR_MASK;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_of_unimplemented_entries_read_zero_and_ignore_writes() {
        let mut pmp = Pmp::default();
        pmp.write_cfg(0, 0x0f0f);
        pmp.write_cfg(2, 0x0d);
        // pmpcfg4..14 (entries 16..63) and odd numbers hold nothing.
        for n in [1, 3, 4, 6, 14, 15, usize::MAX] {
            pmp.write_cfg(n, u64::MAX);
            assert_eq!(pmp.read_cfg(n), 0, "pmpcfg{n}");
        }
        assert_eq!(pmp.read_cfg(0), 0x0f0f);
        assert_eq!(pmp.read_cfg(2), 0x0d);
        pmp.write_addr(16, 5);
        pmp.write_addr(63, 5);
        assert_eq!(pmp.read_addr(16), 0);
        assert_eq!(pmp.read_addr(usize::MAX), 0);
    }

    const NAPOT: u64 = 3 << 3;
    const TOR: u64 = 1 << 3;
    const NA4: u64 = 2 << 3;

    #[test]
    fn empty_pmp_allows_only_machine_mode() {
        let p = Pmp::default();
        assert!(p.check(0x8000_0000, 4, Access::Load, true));
        assert!(!p.check(0x8000_0000, 4, Access::Load, false));
    }

    #[test]
    fn napot_tor_na4_and_priority() {
        let mut p = Pmp::default();
        // Entry 0: NA4 at 0x8000_0000, no permissions.
        p.write_addr(0, 0x8000_0000 >> 2);
        // Entry 1: NAPOT 64 KiB at 0x8000_0000, RW.
        p.write_addr(1, (0x8000_0000 >> 2) | ((0x1_0000 >> 3) - 1));
        // Entry 3: TOR [entry 2 addr, entry 3 addr) = [0x9000_0000, 0x9000_1000), X.
        p.write_addr(2, 0x9000_0000 >> 2);
        p.write_addr(3, 0x9000_1000 >> 2);
        p.write_cfg(0, NA4 | (NAPOT | 3) << 8 | (TOR | 4) << 24);
        assert!(
            !p.check(0x8000_0000, 4, Access::Load, false),
            "NA4 entry has priority"
        );
        assert!(p.check(0x8000_0004, 4, Access::Store, false));
        assert!(!p.check(0x8000_0004, 4, Access::Fetch, false));
        assert!(
            !p.check(0x8000_fffc, 8, Access::Load, false),
            "straddles the end"
        );
        assert!(p.check(0x9000_0ff0, 4, Access::Fetch, false));
        assert!(!p.check(0x9000_1000, 4, Access::Fetch, false));
        // Machine mode ignores unlocked entries.
        assert!(p.check(0x8000_0000, 4, Access::Load, true));
        assert_eq!(p.check_page(0x8000_0000, Access::Load, false), None);
        assert_eq!(p.check_page(0x8000_1000, Access::Load, false), Some(true));
        assert_eq!(p.check_page(0xa000_0000, Access::Load, false), Some(false));
    }

    #[test]
    fn locked_entries_bind_machine_mode_and_ignore_writes() {
        let mut p = Pmp::default();
        p.write_addr(0, 0x8000_0000 >> 2);
        p.write_cfg(0, NA4 | R as u64 | L as u64);
        assert!(!p.check(0x8000_0000, 4, Access::Store, true));
        p.write_cfg(0, 0);
        p.write_addr(0, 0);
        assert_eq!(p.read_cfg(0) & 0xff, NA4 | R as u64 | L as u64);
        assert_eq!(p.read_addr(0), 0x8000_0000 >> 2);
    }

    #[test]
    fn all_ones_napot_covers_everything() {
        let mut p = Pmp::default();
        p.write_addr(0, u64::MAX);
        p.write_cfg(0, NAPOT | 7);
        assert!(p.check(0, 8, Access::Store, false));
        assert!(p.check(u64::MAX - 7, 8, Access::Fetch, false));
        assert_eq!(p.read_cfg(0) & 0xff, NAPOT | 7);
        // Reserved R=0 W=1 is stored without W.
        p.write_cfg(0, NAPOT | 2);
        assert_eq!(p.read_cfg(0) & 0xff, NAPOT);
    }
}
