//! The A extension: LR/SC with a reservation, and the AMOs.

use heron_mmu::{Access, Bus};

use crate::decode::{Kind, Op};
use crate::hart::Hart;
use crate::mem::access_fault;
use crate::trap::Trap;

impl Hart {
    /// Executes an LR, SC or AMO; returns the value for `rd`.
    pub(crate) fn exec_atomic(
        &mut self,
        bus: &mut Bus,
        op: &Op,
        addr: u64,
        src: u64,
    ) -> Result<u64, Trap> {
        use Kind::*;
        let word = matches!(
            op.kind,
            LrW | ScW
                | AmoSwapW
                | AmoAddW
                | AmoXorW
                | AmoAndW
                | AmoOrW
                | AmoMinW
                | AmoMaxW
                | AmoMinuW
                | AmoMaxuW
        );
        let size = if word { 4 } else { 8 };
        // Results of word operations are sign-extended.
        let ext = |v: u64| if word { v as i32 as i64 as u64 } else { v };
        match op.kind {
            LrW | LrD => {
                let pa = self.translate_atomic(bus, addr, size, Access::Load)?;
                let v = bus
                    .read(pa, size as u8)
                    .map_err(|_| Trap::new(access_fault(Access::Load), addr))?;
                self.reservation = Some(pa);
                Ok(ext(v))
            }
            ScW | ScD => {
                let pa = self.translate_atomic(bus, addr, size, Access::Store)?;
                let ok = self.reservation.take() == Some(pa);
                if ok {
                    self.store_phys(bus, pa, size, src)
                        .map_err(|_| Trap::new(access_fault(Access::Store), addr))?;
                }
                Ok(!ok as u64)
            }
            _ => {
                let pa = self.translate_atomic(bus, addr, size, Access::Store)?;
                let fault = |_| Trap::new(access_fault(Access::Store), addr);
                let old = ext(bus.read(pa, size as u8).map_err(fault)?);
                let b = ext(src);
                let new = match op.kind {
                    AmoSwapW | AmoSwapD => b,
                    AmoAddW | AmoAddD => old.wrapping_add(b),
                    AmoXorW | AmoXorD => old ^ b,
                    AmoAndW | AmoAndD => old & b,
                    AmoOrW | AmoOrD => old | b,
                    AmoMinW | AmoMinD => (old as i64).min(b as i64) as u64,
                    AmoMaxW | AmoMaxD => (old as i64).max(b as i64) as u64,
                    // Unsigned word compares look at the low 32 bits only.
                    AmoMinuW => (old as u32).min(b as u32) as u64,
                    AmoMaxuW => (old as u32).max(b as u32) as u64,
                    AmoMinuD => old.min(b),
                    _ => old.max(b),
                };
                self.store_phys(bus, pa, size, new).map_err(fault)?;
                Ok(old)
            }
        }
    }
}
