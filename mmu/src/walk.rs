//! Sv39 / Sv48 / Sv57 page-table walks (privileged spec, "Supervisor-Level
//! ISA", §Virtual-Memory System): permission checks, superpage alignment and
//! hardware A/D updates.

use crate::Access;

const PTE_V: u64 = 1 << 0;
const PTE_R: u64 = 1 << 1;
const PTE_W: u64 = 1 << 2;
const PTE_X: u64 = 1 << 3;
const PTE_U: u64 = 1 << 4;
const PTE_A: u64 = 1 << 6;
const PTE_D: u64 = 1 << 7;
/// Bits 63:54: N (Svnapot), PBMT (Svpbmt) and reserved. heron implements
/// neither extension, so a leaf or pointer with any of them set is invalid.
const PTE_RESERVED: u64 = 0x3ff << 54;
const PPN_MASK: u64 = (1 << 44) - 1;

/// The translation scheme selected by `satp.MODE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingMode {
    /// No translation.
    Bare,
    /// Three-level, 39-bit virtual addresses.
    Sv39,
    /// Four-level, 48-bit.
    Sv48,
    /// Five-level, 57-bit.
    Sv57,
}

impl PagingMode {
    /// Decodes `satp.MODE` (bits 63:60); `None` for unsupported values, which
    /// the spec says leave `satp` unchanged on write.
    pub fn from_satp_mode(mode: u64) -> Option<Self> {
        match mode {
            0 => Some(PagingMode::Bare),
            8 => Some(PagingMode::Sv39),
            9 => Some(PagingMode::Sv48),
            10 => Some(PagingMode::Sv57),
            _ => None,
        }
    }

    /// Decodes the mode of a `satp` value (heron only stores supported modes).
    pub fn of_satp(satp: u64) -> Self {
        Self::from_satp_mode(satp >> 60).unwrap_or(PagingMode::Bare)
    }

    /// Number of page-table levels.
    pub fn levels(self) -> u32 {
        match self {
            PagingMode::Bare => 0,
            PagingMode::Sv39 => 3,
            PagingMode::Sv48 => 4,
            PagingMode::Sv57 => 5,
        }
    }
}

/// A page-table entry could not be accessed (no RAM there, or PMP denied
/// it): the walk ends in an access fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PteAccessFault;

/// Where the walker reads and updates page-table entries. The hart implements
/// this over the bus with PMP checks (walks are implicit S-mode accesses).
pub trait PteMemory {
    /// Reads the 8-byte PTE at physical `pa`; `Err` is an access fault.
    fn read_pte(&mut self, pa: u64) -> Result<u64, PteAccessFault>;
    /// Atomically replaces the PTE at `pa` with `new` if it still equals
    /// `old`; `Ok(false)` if it changed meanwhile, `Err` on an access fault.
    fn cas_pte(&mut self, pa: u64, old: u64, new: u64) -> Result<bool, PteAccessFault>;
}

/// The context of one translation.
#[derive(Clone, Copy, Debug)]
pub struct WalkParams {
    /// The `satp` value.
    pub satp: u64,
    /// What the access is.
    pub access: Access,
    /// Effective privilege is U (otherwise S).
    pub user: bool,
    /// `mstatus.SUM`: S-mode may load/store U pages.
    pub sum: bool,
    /// `mstatus.MXR`: loads may read execute-only pages.
    pub mxr: bool,
}

/// A successful translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// Physical address.
    pub pa: u64,
    /// Whether the leaf was a superpage.
    pub superpage: bool,
}

/// Why a translation failed; the hart maps it to the cause for the access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkFault {
    /// Page fault (invalid PTE, permission, non-canonical address, ...).
    Page,
    /// A PTE could not be accessed (no memory there, or PMP denied it).
    Access,
}

/// Translates `vaddr` under `params`.
pub fn translate(
    mem: &mut impl PteMemory,
    vaddr: u64,
    params: &WalkParams,
) -> Result<Translation, WalkFault> {
    let mode = PagingMode::of_satp(params.satp);
    let levels = mode.levels();
    if levels == 0 {
        return Ok(Translation {
            pa: vaddr,
            superpage: false,
        });
    }
    // Bits above the virtual address width must equal its top bit.
    let va_bits = 12 + 9 * levels;
    let shifted = (vaddr as i64) >> (va_bits - 1);
    if shifted != 0 && shifted != -1 {
        return Err(WalkFault::Page);
    }
    'restart: loop {
        let mut table = (params.satp & PPN_MASK) << 12;
        let mut level = levels - 1;
        loop {
            let vpn = (vaddr >> (12 + 9 * level)) & 0x1ff;
            let pte_addr = table + vpn * 8;
            let pte = mem.read_pte(pte_addr).map_err(|_| WalkFault::Access)?;
            if pte & PTE_V == 0 || (pte & PTE_R == 0 && pte & PTE_W != 0) || pte & PTE_RESERVED != 0
            {
                return Err(WalkFault::Page);
            }
            let ppn = (pte >> 10) & PPN_MASK;
            if pte & (PTE_R | PTE_X) == 0 {
                // Pointer to the next level.
                if level == 0 {
                    return Err(WalkFault::Page);
                }
                table = ppn << 12;
                level -= 1;
                continue;
            }
            check_leaf_permissions(pte, params)?;
            // A superpage's low PPN fields must be zero.
            let low_ppn_mask = (1u64 << (9 * level)) - 1;
            if ppn & low_ppn_mask != 0 {
                return Err(WalkFault::Page);
            }
            let needed = PTE_A
                | if params.access == Access::Store {
                    PTE_D
                } else {
                    0
                };
            if pte & needed != needed {
                // Hardware A/D update (Svadu behaviour), atomic on the PTE; if
                // another agent changed the PTE meanwhile, walk again.
                match mem.cas_pte(pte_addr, pte, pte | needed) {
                    Ok(true) => {}
                    Ok(false) => continue 'restart,
                    Err(PteAccessFault) => return Err(WalkFault::Access),
                }
            }
            let offset_mask = (1u64 << (12 + 9 * level)) - 1;
            let pa = ((ppn << 12) & !offset_mask) | (vaddr & offset_mask);
            return Ok(Translation {
                pa,
                superpage: level > 0,
            });
        }
    }
}

fn check_leaf_permissions(pte: u64, p: &WalkParams) -> Result<(), WalkFault> {
    let user_page = pte & PTE_U != 0;
    if p.user && !user_page {
        return Err(WalkFault::Page);
    }
    if !p.user && user_page && (p.access == Access::Fetch || !p.sum) {
        // S-mode never executes U pages; it reads/writes them only with SUM.
        return Err(WalkFault::Page);
    }
    let ok = match p.access {
        Access::Fetch => pte & PTE_X != 0,
        Access::Load => pte & PTE_R != 0 || (p.mxr && pte & PTE_X != 0),
        Access::Store => pte & PTE_W != 0,
    };
    if ok {
        Ok(())
    } else {
        Err(WalkFault::Page)
    }
}

#[cfg(test)]
mod tests;
