//! Guest RAM: one anonymous memory mapping of the host.

use memmap2::MmapMut;
use thiserror::Error;

use crate::{PAGE_SHIFT, PAGE_SIZE};

/// Errors creating guest RAM.
#[derive(Debug, Error)]
pub enum RamError {
    /// The size is zero or not a multiple of the page size.
    #[error("RAM size {0:#x} is not a non-zero multiple of 4 KiB")]
    BadSize(u64),
    /// The host refused the mapping.
    #[error("cannot map {size} bytes of guest RAM: {source}")]
    Map {
        /// Requested size.
        size: u64,
        /// Host error.
        source: std::io::Error,
    },
}

/// Guest RAM at a physical base address.
///
/// The mapping never moves, so host pointers into it (the soft TLB's addends)
/// stay valid for the life of the `GuestRam`. Besides the bytes it keeps one
/// bit per page saying whether the interpreter holds pre-decoded code for it,
/// so that writes to such pages can invalidate that code.
pub struct GuestRam {
    map: MmapMut,
    base: u64,
    size: u64,
    code_pages: Vec<u64>,
}

impl GuestRam {
    /// Maps `size` bytes of zeroed RAM at guest physical address `base`.
    pub fn new(base: u64, size: u64) -> Result<Self, RamError> {
        if size == 0 || size % PAGE_SIZE != 0 || base % PAGE_SIZE != 0 {
            return Err(RamError::BadSize(size));
        }
        let len = usize::try_from(size).map_err(|_| RamError::BadSize(size))?;
        let map = MmapMut::map_anon(len).map_err(|source| RamError::Map { size, source })?;
        let pages = (size >> PAGE_SHIFT) as usize;
        Ok(GuestRam {
            map,
            base,
            size,
            code_pages: vec![0; pages.div_ceil(64)],
        })
    }

    /// Guest physical base address.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// One past the last guest physical address.
    pub fn end(&self) -> u64 {
        self.base + self.size
    }

    /// Whether `[pa, pa + len)` lies entirely in RAM.
    #[inline]
    pub fn contains(&self, pa: u64, len: u64) -> bool {
        pa >= self.base
            && pa.wrapping_sub(self.base) < self.size
            && self.size - (pa - self.base) >= len
    }

    /// Host address of guest physical `pa`, which must be in RAM.
    #[inline]
    pub fn host_addr(&self, pa: u64) -> usize {
        debug_assert!(self.contains(pa, 1));
        self.map.as_ptr() as usize + (pa - self.base) as usize
    }

    /// The RAM bytes as a mutable slice (for loaders and DMA).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.map[..]
    }

    /// The RAM bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.map[..]
    }

    /// Reads `buf.len()` bytes at `pa`; `None` if the range leaves RAM.
    pub fn read(&self, pa: u64, buf: &mut [u8]) -> Option<()> {
        if !self.contains(pa, buf.len() as u64) {
            return None;
        }
        let off = (pa - self.base) as usize;
        buf.copy_from_slice(&self.map[off..off + buf.len()]);
        Some(())
    }

    /// Writes `data` at `pa`; `None` if the range leaves RAM. Callers that
    /// write guest code (loaders, DMA) must tell the hart to drop decoded code
    /// for pages where [`GuestRam::is_code_page`] holds.
    pub fn write(&mut self, pa: u64, data: &[u8]) -> Option<()> {
        if !self.contains(pa, data.len() as u64) {
            return None;
        }
        let off = (pa - self.base) as usize;
        self.map[off..off + data.len()].copy_from_slice(data);
        Some(())
    }

    /// Reads a little-endian value of `size` (1, 2, 4, 8) bytes at `pa`,
    /// which must be in RAM.
    #[inline]
    pub fn load(&self, pa: u64, size: u8) -> u64 {
        let p = self.host_addr(pa) as *const u8;
        // SAFETY: the caller checked `contains(pa, size)`; the mapping lives as
        // long as `self`; unaligned reads are allowed by read_unaligned.
        unsafe {
            match size {
                1 => *p as u64,
                2 => u16::from_le(std::ptr::read_unaligned(p as *const u16)) as u64,
                4 => u32::from_le(std::ptr::read_unaligned(p as *const u32)) as u64,
                _ => u64::from_le(std::ptr::read_unaligned(p as *const u64)),
            }
        }
    }

    /// Writes a little-endian value of `size` (1, 2, 4, 8) bytes at `pa`,
    /// which must be in RAM.
    #[inline]
    pub fn store(&mut self, pa: u64, size: u8, value: u64) {
        let p = self.host_addr(pa) as *mut u8;
        // SAFETY: as in `load`.
        unsafe {
            match size {
                1 => *p = value as u8,
                2 => std::ptr::write_unaligned(p as *mut u16, (value as u16).to_le()),
                4 => std::ptr::write_unaligned(p as *mut u32, (value as u32).to_le()),
                _ => std::ptr::write_unaligned(p as *mut u64, value.to_le()),
            }
        }
    }

    /// Atomically replaces the 64-bit word at `pa` (8-aligned, in RAM) with
    /// `new` if it still holds `old`. Used for hardware A/D updates, which the
    /// privileged spec requires to be atomic with respect to other harts.
    pub fn compare_exchange_u64(&self, pa: u64, old: u64, new: u64) -> bool {
        debug_assert!(pa % 8 == 0 && self.contains(pa, 8));
        let p = self.host_addr(pa) as *const std::sync::atomic::AtomicU64;
        // SAFETY: in RAM, 8-aligned (RAM base is page aligned), and the
        // mapping outlives the reference.
        let word = unsafe { &*p };
        word.compare_exchange(
            old.to_le(),
            new.to_le(),
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
        )
        .is_ok()
    }

    #[inline]
    fn page_index(&self, pa: u64) -> usize {
        ((pa - self.base) >> PAGE_SHIFT) as usize
    }

    /// Whether the page holding `pa` (in RAM) has pre-decoded code.
    #[inline]
    pub fn is_code_page(&self, pa: u64) -> bool {
        let i = self.page_index(pa);
        self.code_pages[i / 64] & (1 << (i % 64)) != 0
    }

    /// Marks the page holding `pa` (in RAM) as holding pre-decoded code.
    pub fn set_code_page(&mut self, pa: u64, is_code: bool) {
        let i = self.page_index(pa);
        if is_code {
            self.code_pages[i / 64] |= 1 << (i % 64);
        } else {
            self.code_pages[i / 64] &= !(1 << (i % 64));
        }
    }

    /// Forgets every code page.
    pub fn clear_code_pages(&mut self) {
        self.code_pages.iter_mut().for_each(|w| *w = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_store_round_trip_and_bounds() {
        let mut ram = GuestRam::new(0x8000_0000, 0x2000).unwrap();
        ram.store(0x8000_0ffd, 8, 0x1122_3344_5566_7788);
        assert_eq!(ram.load(0x8000_0ffd, 8), 0x1122_3344_5566_7788);
        assert_eq!(ram.load(0x8000_0ffd, 1), 0x88);
        assert!(ram.contains(0x8000_1ff8, 8));
        assert!(!ram.contains(0x8000_1ff9, 8));
        assert!(!ram.contains(0x7fff_ffff, 1));
        assert!(ram.read(0x8000_2000, &mut [0u8; 1]).is_none());
    }

    #[test]
    fn code_page_bits() {
        let mut ram = GuestRam::new(0x8000_0000, 0x10_0000).unwrap();
        assert!(!ram.is_code_page(0x8000_5123));
        ram.set_code_page(0x8000_5000, true);
        assert!(ram.is_code_page(0x8000_5fff));
        assert!(!ram.is_code_page(0x8000_6000));
        ram.clear_code_pages();
        assert!(!ram.is_code_page(0x8000_5000));
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(GuestRam::new(0x8000_0000, 0).is_err());
        assert!(GuestRam::new(0x8000_0000, 100).is_err());
    }
}
