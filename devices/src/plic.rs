//! The PLIC (RISC-V platform-level interrupt controller) with the SiFive
//! register layout QEMU's `virt` machine uses.
//!
//! Register map (offsets, all registers 32 bits wide; RISC-V PLIC
//! specification 1.0.0, "Memory Map"):
//!
//! | offset                    | register                                  |
//! |---------------------------|-------------------------------------------|
//! | `4 * src`                 | priority of source `src` (1..=63), 0..=7   |
//! | `0x1000`, `0x1004`        | pending bits of sources 0..=31, 32..=63    |
//! | `0x2000 + 0x80 * ctx`     | enable bits of context `ctx` (two words)   |
//! | `0x20_0000 + 0x1000*ctx`  | priority threshold of context `ctx`        |
//! | `0x20_0004 + 0x1000*ctx`  | claim (read) / complete (write) of `ctx`   |
//!
//! Hart `h` owns context `2h` (M-mode) and `2h + 1` (S-mode), as on `virt`.
//!
//! Sources are level-triggered: each samples its bit of [`IrqLevels`]. The
//! gateway (spec "Interrupt Gateways") forwards a high level as a pending
//! request unless the source is in service (claimed and not yet completed);
//! after completion a level that is still high pends again. A source whose
//! level drops before it is claimed stops being pending, as on QEMU, so a
//! hart never claims an interrupt that no device asserts any more.

use std::sync::{Arc, Mutex, MutexGuard};

use heron_mmu::MmioDevice;

use crate::irq::IrqLevels;

/// Size of the PLIC's register block on `virt` (room for the contexts of
/// 512 harts; contexts beyond the machine's read as zero).
pub const PLIC_SIZE: u64 = 0x60_0000;

/// `mip` bit of the machine external interrupt.
pub const MIP_MEIP: u64 = 1 << 11;
/// `mip` bit of the supervisor external interrupt.
pub const MIP_SEIP: u64 = 1 << 9;

/// Number of interrupt sources, counting the reserved source 0.
const SOURCES: usize = 64;
/// Source 0 does not exist ("no interrupt"); its bits are hardwired to zero.
const VALID_SOURCES: u64 = !1;
/// Priorities are 3 bits wide (0 = never interrupt).
const PRIORITY_MASK: u32 = 7;

/// End of the priority array (the rest of the first page is reserved).
const PRIORITY_END: u64 = 4 * SOURCES as u64;
const PENDING: u64 = 0x1000;
const ENABLE: u64 = 0x2000;
const ENABLE_STRIDE: u64 = 0x80;
const CONTEXT: u64 = 0x20_0000;
const CONTEXT_STRIDE: u64 = 0x1000;

#[derive(Debug)]
struct State {
    levels: IrqLevels,
    priority: [u32; SOURCES],
    /// Per context: bit `n` enables source `n`.
    enable: Vec<u64>,
    /// Per context: only priorities above this interrupt.
    threshold: Vec<u32>,
    /// Bit `n`: source `n` was claimed and is not yet completed.
    in_service: u64,
}

impl State {
    /// Pending bits as the gateways present them now.
    fn pending(&self) -> u64 {
        self.levels.levels() & !self.in_service & VALID_SOURCES
    }

    /// The source `ctx` would claim: the highest-priority pending enabled
    /// source above the threshold, lowest id on ties; 0 if none.
    fn best(&self, ctx: usize) -> u32 {
        let (Some(&enable), Some(&threshold)) = (self.enable.get(ctx), self.threshold.get(ctx))
        else {
            return 0;
        };
        let mut candidates = self.pending() & enable;
        let (mut best, mut best_prio) = (0, threshold);
        while candidates != 0 {
            let src = candidates.trailing_zeros();
            candidates &= candidates - 1;
            // Strictly greater keeps the lowest id among equal priorities.
            if self.priority[src as usize] > best_prio {
                best = src;
                best_prio = self.priority[src as usize];
            }
        }
        best
    }

    fn claim(&mut self, ctx: usize) -> u32 {
        let src = self.best(ctx);
        if src != 0 {
            self.in_service |= 1 << src;
        }
        src
    }

    fn complete(&mut self, ctx: usize, src: u32) {
        // The spec ignores completions of sources not enabled for the
        // context (Linux enables a masked source briefly to complete it).
        let enabled = (1..SOURCES as u32).contains(&src)
            && self.enable.get(ctx).is_some_and(|e| e >> src & 1 != 0);
        if enabled {
            self.in_service &= !(1 << src);
        } else {
            log::debug!("plic: context {ctx} completes source {src}, not enabled: ignored");
        }
    }

    fn read32(&mut self, offset: u64) -> u32 {
        let contexts = self.enable.len() as u64;
        match offset {
            o if o < PRIORITY_END => self.priority[(o / 4) as usize],
            o if (PENDING..PENDING + 8).contains(&o) => word(self.pending(), o - PENDING),
            o if (ENABLE..ENABLE + ENABLE_STRIDE * contexts).contains(&o) => {
                let ctx = ((o - ENABLE) / ENABLE_STRIDE) as usize;
                match (o - ENABLE) % ENABLE_STRIDE {
                    r @ (0 | 4) => word(self.enable[ctx], r),
                    _ => 0,
                }
            }
            o if (CONTEXT..CONTEXT + CONTEXT_STRIDE * contexts).contains(&o) => {
                let ctx = ((o - CONTEXT) / CONTEXT_STRIDE) as usize;
                match (o - CONTEXT) % CONTEXT_STRIDE {
                    0 => self.threshold[ctx],
                    4 => self.claim(ctx),
                    _ => 0,
                }
            }
            _ => 0,
        }
    }

    fn write32(&mut self, offset: u64, value: u32) {
        let contexts = self.enable.len() as u64;
        match offset {
            0 => {} // source 0 has no priority
            o if o < PRIORITY_END => self.priority[(o / 4) as usize] = value & PRIORITY_MASK,
            o if (ENABLE..ENABLE + ENABLE_STRIDE * contexts).contains(&o) => {
                let ctx = ((o - ENABLE) / ENABLE_STRIDE) as usize;
                let shift = match (o - ENABLE) % ENABLE_STRIDE {
                    0 => 0,
                    4 => 32,
                    _ => return,
                };
                let e = &mut self.enable[ctx];
                *e = (*e & !(0xffff_ffff << shift)) | ((value as u64) << shift);
                *e &= VALID_SOURCES;
            }
            o if (CONTEXT..CONTEXT + CONTEXT_STRIDE * contexts).contains(&o) => {
                let ctx = ((o - CONTEXT) / CONTEXT_STRIDE) as usize;
                match (o - CONTEXT) % CONTEXT_STRIDE {
                    0 => self.threshold[ctx] = value & PRIORITY_MASK,
                    4 => self.complete(ctx, value),
                    _ => {}
                }
            }
            // Pending bits are read-only: they follow the source levels.
            _ => log::debug!("plic: write to read-only or unknown offset {offset:#x}"),
        }
    }
}

/// The 32-bit word at byte `off` (0 or 4) of a 64-bit bitmap.
fn word(bits: u64, off: u64) -> u32 {
    (bits >> (8 * off)) as u32
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // No code path panics while holding the lock; recover if one ever does.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// The PLIC register block, mapped on the bus.
pub struct Plic(Arc<Mutex<State>>);

/// The machine's view of the PLIC: the external interrupt lines of a hart.
#[derive(Clone)]
pub struct PlicHandle(Arc<Mutex<State>>);

impl Plic {
    /// A PLIC whose sources sample `levels`, with the M- and S-mode
    /// contexts of `harts` harts; returns the bus device and the machine's
    /// handle. Everything resets to zero: all sources masked.
    pub fn new(levels: IrqLevels, harts: usize) -> (Plic, PlicHandle) {
        let contexts = 2 * harts;
        let state = Arc::new(Mutex::new(State {
            levels,
            priority: [0; SOURCES],
            enable: vec![0; contexts],
            threshold: vec![0; contexts],
            in_service: 0,
        }));
        (Plic(state.clone()), PlicHandle(state))
    }
}

impl PlicHandle {
    /// The external interrupt lines of `hart` as `mip` bits: [`MIP_MEIP`]
    /// if its M-mode context has a claimable interrupt, [`MIP_SEIP`] if its
    /// S-mode context has one. The machine ORs them into the hart's lines.
    pub fn irq_lines(&self, hart: usize) -> u64 {
        let state = lock(&self.0);
        let mut bits = 0;
        if state.best(2 * hart) != 0 {
            bits |= MIP_MEIP;
        }
        if state.best(2 * hart + 1) != 0 {
            bits |= MIP_SEIP;
        }
        bits
    }

    /// The source levels, the sources in service and each context's
    /// enables and threshold, for a log line about a stuck guest.
    pub fn summary(&self) -> String {
        let state = lock(&self.0);
        let contexts: Vec<String> = (0..state.enable.len())
            .map(|c| format!("{c}:{:#x}/{}", state.enable[c], state.threshold[c]))
            .collect();
        format!(
            "levels={:#x} in_service={:#x} enable/threshold {}",
            state.levels.levels(),
            state.in_service,
            contexts.join(" ")
        )
    }
}

impl MmioDevice for Plic {
    fn read(&mut self, offset: u64, size: u8) -> u64 {
        let mut state = lock(&self.0);
        match size {
            4 if offset.is_multiple_of(4) => state.read32(offset) as u64,
            // Two 32-bit accesses, low word first.
            8 if offset.is_multiple_of(8) => {
                let low = state.read32(offset) as u64;
                low | (state.read32(offset + 4) as u64) << 32
            }
            _ => {
                log::debug!("plic: ignored {size}-byte read at {offset:#x}");
                0
            }
        }
    }

    fn write(&mut self, offset: u64, size: u8, value: u64) {
        let mut state = lock(&self.0);
        match size {
            4 if offset.is_multiple_of(4) => state.write32(offset, value as u32),
            8 if offset.is_multiple_of(8) => {
                state.write32(offset, value as u32);
                state.write32(offset + 4, (value >> 32) as u32);
            }
            _ => log::debug!("plic: ignored {size}-byte write at {offset:#x}"),
        }
    }
}

#[cfg(test)]
mod tests;
