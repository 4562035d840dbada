use super::*;
use std::collections::HashMap;

/// Page tables in a hash map of physical words.
#[derive(Default)]
struct Mem(HashMap<u64, u64>);
impl PteMemory for Mem {
    fn read_pte(&mut self, pa: u64) -> Result<u64, PteAccessFault> {
        if pa >= 0x1_0000_0000 {
            return Err(PteAccessFault);
        }
        Ok(*self.0.get(&pa).unwrap_or(&0))
    }
    fn cas_pte(&mut self, pa: u64, old: u64, new: u64) -> Result<bool, PteAccessFault> {
        let cur = self.read_pte(pa)?;
        if cur != old {
            return Ok(false);
        }
        self.0.insert(pa, new);
        Ok(true)
    }
}

const ROOT: u64 = 0x8000_0000;
fn satp(mode: u64) -> u64 {
    (mode << 60) | (ROOT >> 12)
}
fn ptr(pa: u64) -> u64 {
    ((pa >> 12) << 10) | PTE_V
}
fn leaf(pa: u64, perms: u64) -> u64 {
    ((pa >> 12) << 10) | PTE_V | perms
}
fn params(mode: u64, access: Access, user: bool) -> WalkParams {
    WalkParams {
        satp: satp(mode),
        access,
        user,
        sum: false,
        mxr: false,
    }
}

/// Sv39: va 0x4000_1234 -> pa 0x9000_0234 through three levels.
fn sv39_4k(perms: u64) -> Mem {
    let mut m = Mem::default();
    let l1 = 0x8000_1000;
    let l0 = 0x8000_2000;
    m.0.insert(ROOT + 8, ptr(l1)); // vpn2 = 1
    m.0.insert(l1, ptr(l0)); // vpn1 = 0
    m.0.insert(l0 + 8, leaf(0x9000_0000, perms)); // vpn0 = 1
    m
}

#[test]
fn sv39_walk_sets_accessed_and_dirty() {
    let mut m = sv39_4k(PTE_R | PTE_W);
    let t = translate(&mut m, 0x4000_1234, &params(8, Access::Load, false)).unwrap();
    assert_eq!(t.pa, 0x9000_0234);
    assert!(!t.superpage);
    let pte = m.0[&(0x8000_2008)];
    assert!(pte & PTE_A != 0 && pte & PTE_D == 0);
    translate(&mut m, 0x4000_1234, &params(8, Access::Store, false)).unwrap();
    assert!(m.0[&(0x8000_2008)] & PTE_D != 0);
}

#[test]
fn permissions() {
    let mut m = sv39_4k(PTE_X);
    let va = 0x4000_1000;
    assert!(translate(&mut m, va, &params(8, Access::Fetch, false)).is_ok());
    assert_eq!(
        translate(&mut m, va, &params(8, Access::Load, false)),
        Err(WalkFault::Page)
    );
    let mut p = params(8, Access::Load, false);
    p.mxr = true;
    assert!(translate(&mut m, va, &p).is_ok());
    assert_eq!(
        translate(&mut m, va, &params(8, Access::Store, false)),
        Err(WalkFault::Page)
    );
    // U page: user OK, supervisor only with SUM, never fetch.
    let mut m = sv39_4k(PTE_R | PTE_X | PTE_U);
    assert!(translate(&mut m, va, &params(8, Access::Load, true)).is_ok());
    assert_eq!(
        translate(&mut m, va, &params(8, Access::Load, false)),
        Err(WalkFault::Page)
    );
    let mut p = params(8, Access::Load, false);
    p.sum = true;
    assert!(translate(&mut m, va, &p).is_ok());
    p.access = Access::Fetch;
    assert_eq!(translate(&mut m, va, &p), Err(WalkFault::Page));
    // Supervisor page from user mode.
    let mut m = sv39_4k(PTE_R);
    assert_eq!(
        translate(&mut m, va, &params(8, Access::Load, true)),
        Err(WalkFault::Page)
    );
}

#[test]
fn superpages_and_misalignment() {
    let mut m = Mem::default();
    // Sv39 gigapage at vpn2 = 2 -> pa 0xc000_0000.
    m.0.insert(ROOT + 16, leaf(0xc000_0000, PTE_R));
    let t = translate(&mut m, 0x8123_4567, &params(8, Access::Load, false)).unwrap();
    assert_eq!(t.pa, 0xc123_4567);
    assert!(t.superpage);
    // Misaligned gigapage (ppn[0] != 0).
    m.0.insert(ROOT + 24, leaf(0xc000_1000, PTE_R));
    assert_eq!(
        translate(&mut m, 0xc000_0000, &params(8, Access::Load, false)),
        Err(WalkFault::Page)
    );
}

#[test]
fn sv48_and_sv57_levels_and_canonical_addresses() {
    let mut m = Mem::default();
    let l2 = 0x8000_1000;
    // Sv48: vpn3 = 1 -> l2 table, vpn2 = 0 -> 1 GiB leaf.
    m.0.insert(ROOT + 8, ptr(l2));
    m.0.insert(l2, leaf(0x4000_0000, PTE_R));
    let va = 1u64 << 39;
    assert_eq!(
        translate(&mut m, va + 5, &params(9, Access::Load, false))
            .unwrap()
            .pa,
        0x4000_0005
    );
    // Non-canonical for Sv39 (bit 39 set, upper bits clear).
    assert_eq!(
        translate(&mut m, va, &params(8, Access::Load, false)),
        Err(WalkFault::Page)
    );
    // Sv57: vpn4 = 1 then the same shape one level down.
    let mut m = Mem::default();
    let l3 = 0x8000_3000;
    m.0.insert(ROOT + 8, ptr(l3));
    m.0.insert(l3, leaf(0x1_0000_0000, PTE_R));
    let va = 1u64 << 48;
    // A 512 GiB terapage must have its low 27 PPN bits clear: 0x1_0000_0000 is not.
    assert_eq!(
        translate(&mut m, va, &params(10, Access::Load, false)),
        Err(WalkFault::Page)
    );
    m.0.insert(l3, leaf(0, PTE_R));
    assert_eq!(
        translate(&mut m, va + 0x1234, &params(10, Access::Load, false))
            .unwrap()
            .pa,
        0x1234
    );
}

#[test]
fn invalid_entries_and_access_faults() {
    let mut m = Mem::default();
    assert_eq!(
        translate(&mut m, 0x1000, &params(8, Access::Load, false)),
        Err(WalkFault::Page)
    );
    // W without R is reserved.
    m.0.insert(ROOT, leaf(0, PTE_W));
    assert_eq!(
        translate(&mut m, 0x1000, &params(8, Access::Load, false)),
        Err(WalkFault::Page)
    );
    // A pointer at the last level is a fault.
    let mut m = sv39_4k(0);
    assert_eq!(
        translate(&mut m, 0x4000_1000, &params(8, Access::Load, false)),
        Err(WalkFault::Page)
    );
    // Page table outside memory: access fault.
    let mut m = Mem::default();
    m.0.insert(ROOT, ptr(0x2_0000_0000));
    assert_eq!(
        translate(&mut m, 0x1000, &params(8, Access::Load, false)),
        Err(WalkFault::Access)
    );
}
