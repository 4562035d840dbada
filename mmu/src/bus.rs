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
        let end = base + size;
        let overlaps_ram = base < self.ram.end() && self.ram.base() < end;
        let overlaps_dev = self
            .mmio
            .iter()
            .any(|r| base < r.base + r.size && r.base < end);
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
            .find(|r| pa >= r.base && pa + size as u64 <= r.base + r.size)
            .map(|r| {
                let off = pa - r.base;
                (r, off)
            })
    }

    /// Reads `size` bytes at physical `pa`.
    pub fn read(&mut self, pa: u64, size: u8) -> Result<u64, BusError> {
        if self.ram.contains(pa, size as u64) {
            return Ok(self.ram.load(pa, size));
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
        if self.ram.contains(pa, size as u64) {
            self.ram.store(pa, size, value);
            if self
                .watched
                .iter()
                .any(|&w| pa < w + 8 && w < pa + size as u64)
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
    fn watched_word_raises_attention() {
        let mut bus = Bus::new(GuestRam::new(0x8000_0000, 0x2000).unwrap());
        bus.watch(0x8000_1000);
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
