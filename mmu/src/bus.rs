//! The physical address space: RAM plus memory-mapped devices.

use std::sync::{Mutex, MutexGuard};

use thiserror::Error;

use crate::events::HartEvents;
use crate::ram::GuestRam;
use crate::PAGE_SHIFT;

/// A device register block on the bus (one trait for every device boundary).
///
/// `offset` is relative to the start of the device's range; `size` is 1, 2, 4
/// or 8 bytes. Accesses the device does not implement read as zero and ignore
/// writes, as most real register blocks do.
pub trait MmioDevice: Send {
    /// Reads `size` bytes at `offset`.
    fn read(&mut self, offset: u64, size: u8) -> u64;
    /// Writes the low `size` bytes of `value` at `offset`.
    fn write(&mut self, offset: u64, size: u8, value: u64);
}

/// A physical access that hit no RAM and no device: the hart turns it into an
/// access fault.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[error("no memory or device at physical address {0:#x}")]
pub struct BusError(pub u64);

/// Errors while building the bus.
#[derive(Debug, Error)]
pub enum MapError {
    /// The range is empty or runs past the top of the address space.
    #[error("device range {base:#x}+{size:#x} is empty or wraps around the address space")]
    BadRange {
        /// Base of the rejected range.
        base: u64,
        /// Size of the rejected range.
        size: u64,
    },
    /// Two ranges overlap.
    #[error("device range {base:#x}+{size:#x} overlaps another range")]
    Overlap {
        /// Base of the rejected range.
        base: u64,
        /// Size of the rejected range.
        size: u64,
    },
}

struct MmioRange {
    base: u64,
    size: u64,
    name: &'static str,
    /// Harts on several threads reach the same device: one lock per
    /// device serializes its register accesses (they are rare next to RAM
    /// accesses, which take no lock).
    device: Mutex<Box<dyn MmioDevice>>,
}

impl MmioRange {
    fn device(&self) -> MutexGuard<'_, Box<dyn MmioDevice>> {
        // A device model that panicked mid-access is a bug in heron; its
        // state is still the best there is.
        self.device.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl MmioRange {
    /// The offset of a `size`-byte access at `pa` if it lies entirely in
    /// this range. Written as a subtraction from inside the range so that
    /// nothing can wrap, whatever address the guest used.
    fn offset_of(&self, pa: u64, size: u64) -> Option<u64> {
        let off = pa.checked_sub(self.base)?;
        (off < self.size && self.size - off >= size).then_some(off)
    }

    fn overlaps(&self, base: u64, end: u64) -> bool {
        // `base + size` cannot wrap: `map` refuses such ranges.
        base < self.base + self.size && self.base < end
    }
}

/// Whether the `len`-byte ranges at `a` and `b` (each not wrapping) share
/// a byte, for arbitrary guest addresses.
fn ranges_meet(a: u64, a_len: u64, b: u64, b_len: u64) -> bool {
    a.saturating_add(a_len) > b && b.saturating_add(b_len) > a
}

/// RAM plus MMIO ranges, shared by every hart (`Bus` is `Sync`: RAM is
/// accessed atomically, each device behind its own lock).
///
/// The bus also supports *watched* RAM words: a store to one of them (HTIF's
/// `tohost`) makes [`Bus::write`] return `true`, as does every device write,
/// so that the writing hart returns to the machine before its next
/// instruction. Pages holding a watched word are never entered in the store
/// TLB, so such stores always reach the bus.
pub struct Bus {
    ram: GuestRam,
    mmio: Vec<MmioRange>,
    watched: Vec<u64>,
}

impl Bus {
    /// A bus with `ram` and no devices.
    pub fn new(ram: GuestRam) -> Self {
        Bus {
            ram,
            mmio: Vec::new(),
            watched: Vec::new(),
        }
    }

    /// Maps `device` at `[base, base + size)`.
    pub fn map(
        &mut self,
        base: u64,
        size: u64,
        name: &'static str,
        device: Box<dyn MmioDevice>,
    ) -> Result<(), MapError> {
        let end = match base.checked_add(size) {
            Some(end) if size > 0 => end,
            _ => return Err(MapError::BadRange { base, size }),
        };
        let overlaps_ram = base < self.ram.end() && self.ram.base() < end;
        let overlaps_dev = self.mmio.iter().any(|r| r.overlaps(base, end));
        if overlaps_ram || overlaps_dev {
            return Err(MapError::Overlap { base, size });
        }
        self.mmio.push(MmioRange {
            base,
            size,
            name,
            device: Mutex::new(device),
        });
        Ok(())
    }

    /// Guest RAM.
    #[inline]
    pub fn ram(&self) -> &GuestRam {
        &self.ram
    }

    /// The harts' event words.
    #[inline]
    pub fn events(&self) -> &[HartEvents] {
        self.ram.events()
    }

    /// Watches the 8-byte RAM word at `pa`.
    pub fn watch(&mut self, pa: u64) {
        self.watched.push(pa);
    }

    /// Whether the page holding `pa` contains a watched word.
    #[inline]
    pub fn is_watched_page(&self, pa: u64) -> bool {
        !self.watched.is_empty()
            && self
                .watched
                .iter()
                .any(|w| w >> PAGE_SHIFT == pa >> PAGE_SHIFT)
    }

    fn device_at(&self, pa: u64, size: u8) -> Option<(&MmioRange, u64)> {
        self.mmio
            .iter()
            .find_map(|r| r.offset_of(pa, size as u64).map(|off| (r, off)))
    }

    /// Whether a `size`-byte access at `pa` reaches RAM or a device (so
    /// that [`Bus::read`] and [`Bus::write`] would not fail).
    pub fn is_mapped(&self, pa: u64, size: u8) -> bool {
        self.ram.contains(pa, size as u64)
            || self
                .mmio
                .iter()
                .any(|r| r.offset_of(pa, size as u64).is_some())
    }

    /// Reads `size` (1, 2, 4 or 8) bytes at physical `pa`.
    pub fn read(&self, pa: u64, size: u8) -> Result<u64, BusError> {
        if let Ok(v) = self.ram.load(pa, size) {
            return Ok(v);
        }
        match self.device_at(pa, size) {
            Some((r, off)) => {
                let v = r.device().read(off, size);
                log::trace!("mmio read {}+{off:#x}/{size} = {v:#x}", r.name);
                Ok(v)
            }
            None => Err(BusError(pa)),
        }
    }

    /// Writes `size` bytes of `value` at physical `pa`. Returns whether
    /// the machine must look before the writer goes on: the write reached a
    /// device (which may have changed interrupt lines or asked for a
    /// power-off) or a watched word.
    pub fn write(&self, pa: u64, size: u8, value: u64) -> Result<bool, BusError> {
        if self.ram.store(pa, size, value).is_ok() {
            return Ok(self
                .watched
                .iter()
                .any(|&w| ranges_meet(pa, size as u64, w, 8)));
        }
        match self.device_at(pa, size) {
            Some((r, off)) => {
                log::trace!("mmio write {}+{off:#x}/{size} = {value:#x}", r.name);
                r.device().write(off, size, value);
                Ok(true)
            }
            None => Err(BusError(pa)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Scratch(u64);
    impl MmioDevice for Scratch {
        fn read(&mut self, offset: u64, _size: u8) -> u64 {
            self.0 + offset
        }
        fn write(&mut self, _offset: u64, _size: u8, value: u64) {
            self.0 = value;
        }
    }

    #[test]
    fn dispatches_ram_devices_and_faults() {
        let mut bus = Bus::new(GuestRam::new(0x8000_0000, 0x1000).unwrap());
        bus.map(0x1000_0000, 0x100, "scratch", Box::new(Scratch(0)))
            .unwrap();
        assert_eq!(bus.write(0x1000_0000, 4, 40), Ok(true), "a device write");
        assert_eq!(bus.read(0x1000_0002, 1), Ok(42));
        assert_eq!(bus.write(0x8000_0010, 2, 0xbeef), Ok(false), "plain RAM");
        assert_eq!(bus.read(0x8000_0010, 8), Ok(0xbeef));
        assert_eq!(bus.read(0x2000_0000, 4), Err(BusError(0x2000_0000)));
        // An access straddling the end of a device is not the device's.
        assert!(bus.read(0x1000_00fc, 8).is_err());
        assert!(bus
            .map(0x1000_0080, 0x100, "dup", Box::new(Scratch(0)))
            .is_err());
    }

    #[test]
    fn addresses_near_the_top_never_wrap_into_a_device() {
        let mut bus = Bus::new(GuestRam::new(0x8000_0000, 0x1000).unwrap());
        bus.map(0x0200_0000, 0x1_0000, "low", Box::new(Scratch(7)))
            .unwrap();
        // pa + size wraps to a small number: it must not reach `low`.
        for pa in [u64::MAX - 7, u64::MAX - 3, u64::MAX, u64::MAX - 1] {
            for size in [1, 2, 4, 8] {
                assert_eq!(bus.read(pa, size), Err(BusError(pa)), "{pa:#x}/{size}");
                assert_eq!(bus.write(pa, size, 0), Err(BusError(pa)), "{pa:#x}/{size}");
            }
        }
        assert!(!bus.is_mapped(u64::MAX - 3, 8));
        assert!(bus.is_mapped(0x0200_fff8, 8) && !bus.is_mapped(0x0200_fffc, 8));
        // Straddling the end of RAM is neither RAM nor a device.
        assert_eq!(bus.read(0x8000_0ffc, 8), Err(BusError(0x8000_0ffc)));
        assert_eq!(bus.read(0x8000_0ff8, 8), Ok(0));
        // Ranges that wrap or reach the end of the address space (whose end
        // has no u64), or are empty, are refused.
        for (base, size) in [
            (u64::MAX - 0xff, 0x200),
            (u64::MAX - 0xff, 0x100),
            (1 << 40, 0),
        ] {
            let err = bus.map(base, size, "bad", Box::new(Scratch(0)));
            assert!(
                matches!(err, Err(MapError::BadRange { .. })),
                "{base:#x}+{size:#x}"
            );
        }
        // A range just below the top is fine, and reachable.
        bus.map(u64::MAX - 0x1ff, 0x100, "top", Box::new(Scratch(1)))
            .unwrap();
        assert_eq!(bus.read(u64::MAX - 0x107, 8), Ok(1 + 0xf8));
        assert_eq!(
            bus.read(u64::MAX - 0x103, 8),
            Err(BusError(u64::MAX - 0x103))
        );
    }

    #[test]
    fn watched_word_needs_the_machine() {
        let mut bus = Bus::new(GuestRam::new(0x8000_0000, 0x2000).unwrap());
        bus.watch(0x8000_1000);
        bus.watch(u64::MAX - 3);
        assert!(bus.is_watched_page(0x8000_1ff0));
        assert!(!bus.is_watched_page(0x8000_0ff0));
        assert_eq!(bus.write(0x8000_1008, 8, 1), Ok(false));
        assert_eq!(bus.write(0x8000_1004, 4, 1), Ok(true));
    }

    #[test]
    fn the_bus_is_shared_between_threads() {
        fn shared<T: Sync + Send>() {}
        shared::<Bus>();
    }
}
