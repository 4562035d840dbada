//! The physical address space: RAM plus memory-mapped devices.

use thiserror::Error;

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
    device: Box<dyn MmioDevice>,
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

/// RAM plus MMIO ranges.
///
/// The bus also supports *watched* RAM words: a store to one of them (HTIF's
/// `tohost`) raises [`Bus::attention`], which the run loop checks at block
/// boundaries; so does every device write. Pages holding a watched word are never entered in the store TLB,
/// so such stores always reach the bus.
pub struct Bus {
    ram: GuestRam,
    mmio: Vec<MmioRange>,
    watched: Vec<u64>,
    attention: bool,
}

impl Bus {
    /// A bus with `ram` and no devices.
    pub fn new(ram: GuestRam) -> Self {
        Bus {
            ram,
            mmio: Vec::new(),
            watched: Vec::new(),
            attention: false,
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
            device,
        });
        Ok(())
    }

    /// Guest RAM.
    #[inline]
    pub fn ram(&self) -> &GuestRam {
        &self.ram
    }

    /// Guest RAM, mutably.
    #[inline]
    pub fn ram_mut(&mut self) -> &mut GuestRam {
        &mut self.ram
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

    /// Whether a watched word was written since [`Bus::clear_attention`].
    #[inline]
    pub fn attention(&self) -> bool {
        self.attention
    }

    /// Acknowledges [`Bus::attention`].
    pub fn clear_attention(&mut self) {
        self.attention = false;
    }

    fn device_at(&mut self, pa: u64, size: u8) -> Option<(&mut MmioRange, u64)> {
        self.mmio
            .iter_mut()
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
    pub fn read(&mut self, pa: u64, size: u8) -> Result<u64, BusError> {
        if let Ok(v) = self.ram.load(pa, size) {
            return Ok(v);
        }
        match self.device_at(pa, size) {
            Some((r, off)) => {
                let v = r.device.read(off, size);
                log::trace!("mmio read {}+{off:#x}/{size} = {v:#x}", r.name);
                Ok(v)
            }
            None => Err(BusError(pa)),
        }
    }

    /// Writes `size` bytes of `value` at physical `pa`.
    pub fn write(&mut self, pa: u64, size: u8, value: u64) -> Result<(), BusError> {
        if self.ram.store(pa, size, value).is_ok() {
            if self
                .watched
                .iter()
                .any(|&w| ranges_meet(pa, size as u64, w, 8))
            {
                self.attention = true;
            }
            return Ok(());
        }
        match self.device_at(pa, size) {
            Some((r, off)) => {
                log::trace!("mmio write {}+{off:#x}/{size} = {value:#x}", r.name);
                r.device.write(off, size, value);
                // A device write may change interrupt lines or ask for the
                // machine (power-off): let the run loop look.
                self.attention = true;
                Ok(())
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
        bus.write(0x1000_0000, 4, 40).unwrap();
        assert_eq!(bus.read(0x1000_0002, 1), Ok(42));
        bus.write(0x8000_0010, 2, 0xbeef).unwrap();
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
    fn watched_word_raises_attention() {
        let mut bus = Bus::new(GuestRam::new(0x8000_0000, 0x2000).unwrap());
        bus.watch(0x8000_1000);
        bus.watch(u64::MAX - 3);
        assert!(bus.is_watched_page(0x8000_1ff0));
        assert!(!bus.is_watched_page(0x8000_0ff0));
        bus.write(0x8000_1008, 8, 1).unwrap();
        assert!(!bus.attention());
        bus.write(0x8000_1004, 4, 1).unwrap();
        assert!(bus.attention());
        bus.clear_attention();
        assert!(!bus.attention());
    }
}
