//! The CLINT (SiFive core-local interruptor, as on QEMU's `virt`): per-hart
//! `msip` and `mtimecmp`, and the shared `mtime`.
//!
//! Register map (offsets): `msip[h]` at `4*h`, `mtimecmp[h]` at
//! `0x4000 + 8*h`, `mtime` at `0xbff8`. Size 0x10000.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use heron_mmu::events::{bits, HartEvents};
use heron_mmu::MmioDevice;

/// Size of the CLINT's register block.
pub const CLINT_SIZE: u64 = 0x1_0000;
const MSIP: u64 = 0x0;
const MTIMECMP: u64 = 0x4000;
const MTIME: u64 = 0xbff8;

/// `mip` bit of the machine software interrupt.
pub const MIP_MSIP: u64 = 1 << 3;
/// `mip` bit of the machine timer interrupt.
pub const MIP_MTIP: u64 = 1 << 7;

#[derive(Debug)]
struct State {
    /// Time from the machine's clock source.
    clock: AtomicU64,
    /// Guest writes to `mtime` move it relative to the clock.
    offset: AtomicU64,
    mtimecmp: Vec<AtomicU64>,
    msip: Vec<AtomicU64>,
    /// A write to a hart's `msip` or `mtimecmp` changes its lines at once:
    /// the hart is told through its event word (an IPI reaches a hart
    /// asleep in `wfi` without waiting for its next timer poll).
    events: Arc<[HartEvents]>,
}

/// The machine's view of the CLINT: set the clock, read interrupt lines.
#[derive(Clone, Debug)]
pub struct ClintHandle(Arc<State>);

/// The CLINT register block, mapped on the bus.
pub struct Clint(Arc<State>);

impl Clint {
    /// A CLINT for the harts whose event words are `events` (one each);
    /// returns the bus device and the machine's handle to it.
    pub fn new(events: Arc<[HartEvents]>) -> (Clint, ClintHandle) {
        let harts = events.len();
        let state = Arc::new(State {
            clock: AtomicU64::new(0),
            offset: AtomicU64::new(0),
            mtimecmp: (0..harts).map(|_| AtomicU64::new(u64::MAX)).collect(),
            msip: (0..harts).map(|_| AtomicU64::new(0)).collect(),
            events,
        });
        (Clint(state.clone()), ClintHandle(state))
    }
}

impl ClintHandle {
    /// Advances the clock source to `ticks` (10 MHz ticks). Harts on
    /// several threads read the host clock at slightly different moments:
    /// the clock only moves forward, whichever publishes last.
    pub fn set_clock(&self, ticks: u64) {
        self.0.clock.fetch_max(ticks, Relaxed);
    }

    /// Current `mtime`.
    pub fn mtime(&self) -> u64 {
        self.0
            .clock
            .load(Relaxed)
            .wrapping_add(self.0.offset.load(Relaxed))
    }

    /// `mtimecmp` of `hart`.
    pub fn mtimecmp(&self, hart: usize) -> u64 {
        self.0
            .mtimecmp
            .get(hart)
            .map_or(u64::MAX, |c| c.load(Relaxed))
    }

    /// The MSIP/MTIP lines of `hart`, as `mip` bits.
    pub fn lines(&self, hart: usize) -> u64 {
        let mut bits = 0;
        if self
            .0
            .msip
            .get(hart)
            .is_some_and(|m| m.load(Relaxed) & 1 != 0)
        {
            bits |= MIP_MSIP;
        }
        if self.mtime() >= self.mtimecmp(hart) {
            bits |= MIP_MTIP;
        }
        bits
    }
}

/// Reads `size` bytes at byte `off` of a 64-bit register.
fn read_part(reg: u64, off: u64, size: u8) -> u64 {
    let v = reg >> (8 * off);
    if size >= 8 {
        v
    } else {
        v & ((1u64 << (8 * size as u64)) - 1)
    }
}

/// Writes `size` bytes of `value` at byte `off` of a 64-bit register.
fn write_part(reg: u64, off: u64, size: u8, value: u64) -> u64 {
    if size >= 8 {
        return value;
    }
    let mask = ((1u64 << (8 * size as u64)) - 1) << (8 * off);
    (reg & !mask) | ((value << (8 * off)) & mask)
}

impl MmioDevice for Clint {
    fn read(&mut self, offset: u64, size: u8) -> u64 {
        let s = &self.0;
        let harts = s.mtimecmp.len() as u64;
        match offset {
            o if o < MSIP + 4 * harts => {
                read_part(s.msip[(o / 4) as usize].load(Relaxed), o % 4, size)
            }
            o if (MTIMECMP..MTIMECMP + 8 * harts).contains(&o) => {
                let i = ((o - MTIMECMP) / 8) as usize;
                read_part(s.mtimecmp[i].load(Relaxed), (o - MTIMECMP) % 8, size)
            }
            o if (MTIME..MTIME + 8).contains(&o) => {
                let now = ClintHandle(s.clone()).mtime();
                read_part(now, o - MTIME, size)
            }
            _ => 0,
        }
    }

    fn write(&mut self, offset: u64, size: u8, value: u64) {
        let s = &self.0;
        let harts = s.mtimecmp.len() as u64;
        match offset {
            o if o < MSIP + 4 * harts => {
                // Only bit 0 of msip is writable.
                if o % 4 == 0 {
                    let h = (o / 4) as usize;
                    s.msip[h].store(value & 1, Relaxed);
                    s.events[h].post(bits::INTERRUPT);
                }
            }
            o if (MTIMECMP..MTIMECMP + 8 * harts).contains(&o) => {
                let h = ((o - MTIMECMP) / 8) as usize;
                let cmp = &s.mtimecmp[h];
                cmp.store(
                    write_part(cmp.load(Relaxed), (o - MTIMECMP) % 8, size, value),
                    Relaxed,
                );
                s.events[h].post(bits::INTERRUPT);
            }
            o if (MTIME..MTIME + 8).contains(&o) => {
                let now = ClintHandle(s.clone()).mtime();
                let new = write_part(now, o - MTIME, size, value);
                s.offset
                    .store(new.wrapping_sub(s.clock.load(Relaxed)), Relaxed);
            }
            _ => log::debug!("clint: write to unknown offset {offset:#x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_compare_and_software_interrupt() {
        let events = HartEvents::for_harts(2);
        let (mut clint, h) = Clint::new(events.clone());
        h.set_clock(1000);
        assert_eq!(clint.read(MTIME, 8), 1000);
        assert_eq!(h.lines(0), 0, "mtimecmp resets to the maximum");
        clint.write(MTIMECMP, 4, 1000);
        clint.write(MTIMECMP + 4, 4, 0);
        assert_eq!(h.mtimecmp(0), 1000);
        assert_eq!(h.lines(0), MIP_MTIP);
        assert_eq!(h.lines(1), 0);
        assert_eq!(events[1].take(u32::MAX), 0);
        clint.write(4, 4, 3);
        assert_eq!(h.lines(1), MIP_MSIP);
        assert_eq!(
            events[1].take(u32::MAX),
            bits::INTERRUPT,
            "the target is told"
        );
        assert_eq!(
            events[0].take(u32::MAX),
            bits::INTERRUPT,
            "by its mtimecmp write"
        );
        assert_eq!(clint.read(4, 4), 1);
        clint.write(4, 4, 0);
        assert_eq!(h.lines(1), 0);
    }

    #[test]
    fn guest_can_set_mtime_halves() {
        let (mut clint, h) = Clint::new(HartEvents::for_harts(1));
        h.set_clock(50);
        clint.write(MTIME, 8, 0x1_0000_0000);
        assert_eq!(h.mtime(), 0x1_0000_0000);
        h.set_clock(60);
        assert_eq!(clint.read(MTIME, 4), 10);
        assert_eq!(clint.read(MTIME + 4, 4), 1);
    }
}
