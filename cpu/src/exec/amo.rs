//! The A extension: LR/SC with a reservation, and the AMOs.

use heron_mmu::{Access, Bus};

use crate::decode::{Kind, Op};
use crate::hart::{Hart, Reservation};
use crate::mem::access_fault;
use crate::trap::Trap;

impl Hart {
    /// Executes an LR, SC or AMO; returns the value for `rd`.
    pub(crate) fn exec_atomic(
        &mut self,
        bus: &Bus,
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
                self.check_access(bus, pa, addr, size, false)?;
                let v = bus
                    .read(pa, size as u8)
                    .map_err(|_| Trap::new(access_fault(Access::Load), addr))?;
                self.reservation = Some(Reservation { pa, value: v });
                // LR.aq: later accesses must not move above the load. The
                // host's SeqCst compare-and-swap and AMOs already order as
                // aq, rl and aqrl; the load is a plain (relaxed) one, so it
                // gets an acquire fence (free on x86-64: TSO keeps loads in
                // order, this only stops the compiler).
                if self.concurrent_memory {
                    std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
                }
                Ok(ext(v))
            }
            ScW | ScD => {
                let pa = self.translate_atomic(bus, addr, size, Access::Store)?;
                let fault = Trap::new(access_fault(Access::Store), addr);
                let Some(r) = self.reservation.take().filter(|r| r.pa == pa) else {
                    return Ok(1);
                };
                if let Err(t) = self.check_access(bus, pa, addr, size, true) {
                    self.reservation = Some(r);
                    return Err(t);
                }
                if !bus.ram().contains(pa, size) {
                    self.store_phys(bus, pa, size, src).map_err(|_| fault)?;
                    return Ok(0);
                }
                // In RAM, SC succeeds iff the word still holds what LR read:
                // a compare-and-swap, so that a store by another hart (or
                // DMA) in between makes it fail.
                let stored = bus
                    .ram()
                    .compare_exchange(pa, size as u8, r.value, src)
                    .map_err(|_| fault)?;
                if stored {
                    self.keep_code_coherent(bus, pa);
                }
                Ok(!stored as u64)
            }
            _ => {
                let pa = self.translate_atomic(bus, addr, size, Access::Store)?;
                let fault = Trap::new(access_fault(Access::Store), addr);
                let b = ext(src);
                self.check_access(bus, pa, addr, size, true)?;
                let apply = |old: u64| amo_result(op.kind, ext(old), b);
                if bus.ram().contains(pa, size) {
                    // A host atomic read-modify-write, indivisible for every
                    // other hart and for DMA.
                    let old = bus
                        .ram()
                        .fetch_update(pa, size as u8, apply)
                        .map_err(|_| fault)?;
                    self.keep_code_coherent(bus, pa);
                    return Ok(ext(old));
                }
                let old = bus.read(pa, size as u8).map_err(|_| fault)?;
                self.store_phys(bus, pa, size, apply(old))
                    .map_err(|_| fault)?;
                Ok(ext(old))
            }
        }
    }
}

/// The value an AMO `kind` writes, from the old memory value and `rs2`
/// (both sign-extended for word operations).
fn amo_result(kind: Kind, old: u64, b: u64) -> u64 {
    use Kind::*;
    match kind {
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
    }
}
