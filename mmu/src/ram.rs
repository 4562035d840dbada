//! Guest RAM: one anonymous memory mapping of the host.

use std::sync::atomic::Ordering::{self, SeqCst};
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::Arc;

use memmap2::MmapMut;
use thiserror::Error;

use crate::events::HartEvents;
use crate::{host_mem, PAGE_SHIFT, PAGE_SIZE};

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

/// The mapping and its bookkeeping, shared by the hart's [`GuestRam`] and
/// the devices' [`GuestMemory`] handles.
struct RamInner {
    /// Keeps the mapping alive; all access goes through `ptr`.
    _map: MmapMut,
    ptr: *mut u8,
    base: u64,
    size: u64,
    /// One bit per page: some hart holds decoded code for it.
    code_pages: Vec<AtomicU64>,
    /// The harts' event words, where writes to code pages are queued.
    events: Arc<[HartEvents]>,
}

// SAFETY: `ptr` points into `_map`, which lives as long as the inner value;
// every access through it is bounds-checked against `size` and atomic
// (`host_mem`), so accesses from several threads are never data races.
unsafe impl Send for RamInner {}
unsafe impl Sync for RamInner {}

impl RamInner {
    #[inline]
    fn contains(&self, pa: u64, len: u64) -> bool {
        pa >= self.base
            && pa.wrapping_sub(self.base) < self.size
            && self.size - (pa - self.base) >= len
    }

    /// Host pointer to `[pa, pa + len)`, if that lies in the mapping.
    #[inline]
    fn checked_ptr(&self, pa: u64, len: u64) -> Option<*mut u8> {
        // SAFETY: `pa - base < size` (checked by `contains`), so the offset
        // stays inside the mapping, whose length is `size`.
        self.contains(pa, len)
            .then(|| unsafe { self.ptr.add((pa - self.base) as usize) })
    }

    /// Host pointer for a 4- or 8-byte atomic read-modify-write at `pa`:
    /// naturally aligned and in RAM.
    #[inline]
    fn atomic_ptr(&self, pa: u64, size: u8) -> Result<*mut u8, OutOfRange> {
        let p = self.access_ptr(pa, size)?;
        // RAM's host base is page aligned, so guest alignment is host
        // alignment; checked on the host pointer all the same.
        if !matches!(size, 4 | 8) || !(p as usize).is_multiple_of(size as usize) {
            return Err(OutOfRange {
                addr: pa,
                len: size as u64,
            });
        }
        Ok(p)
    }

    /// Host pointer for a `size`-byte scalar access at `pa`: `size` must be
    /// 1, 2, 4 or 8 and the bytes in RAM.
    #[inline]
    fn access_ptr(&self, pa: u64, size: u8) -> Result<*mut u8, OutOfRange> {
        let len = size as u64;
        if !matches!(size, 1 | 2 | 4 | 8) {
            return Err(OutOfRange { addr: pa, len });
        }
        self.checked_ptr(pa, len)
            .ok_or(OutOfRange { addr: pa, len })
    }

    /// Index of the page holding `pa`, if it is in RAM.
    #[inline]
    fn page_index(&self, pa: u64) -> Option<usize> {
        self.contains(pa, 1)
            .then(|| ((pa - self.base) >> PAGE_SHIFT) as usize)
    }

    #[inline]
    fn is_code_page(&self, pa: u64) -> bool {
        self.page_index(pa)
            .is_some_and(|i| self.code_pages[i / 64].load(Ordering::Relaxed) & (1 << (i % 64)) != 0)
    }

    fn set_code_page(&self, pa: u64, is_code: bool) {
        let Some(i) = self.page_index(pa) else {
            return;
        };
        let word = &self.code_pages[i / 64];
        if is_code {
            word.fetch_or(1 << (i % 64), Ordering::SeqCst);
        } else {
            word.fetch_and(!(1 << (i % 64)), Ordering::SeqCst);
        }
    }

    /// The code page at `page` was written: every hart but `writer` (which
    /// drops its own blocks at once) is told to drop its blocks there, and
    /// the page stops being a code page until someone decodes it again.
    fn code_written(&self, page: u64, writer: Option<usize>) {
        self.set_code_page(page, false);
        for (h, ev) in self.events.iter().enumerate() {
            if Some(h) != writer {
                ev.queue_code_page(page);
            }
        }
    }
}

/// Guest RAM at a physical base address.
///
/// The mapping never moves, so host pointers into it (the soft TLB's addends)
/// stay valid for the life of the `GuestRam`. Besides the bytes it keeps one
/// bit per page saying whether the interpreter holds pre-decoded code for it,
/// so that writes to such pages — by the hart or by device DMA through
/// [`GuestMemory`] — can invalidate that code.
pub struct GuestRam {
    inner: Arc<RamInner>,
}

/// A device's handle on guest RAM, for DMA: bounds-checked reads and
/// writes by guest physical address. A write to a page holding decoded code
/// queues that page for invalidation before the hart runs again.
#[derive(Clone)]
pub struct GuestMemory {
    inner: Arc<RamInner>,
}

/// A DMA access outside guest RAM.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[error("guest physical range {addr:#x}+{len:#x} is outside RAM")]
pub struct OutOfRange {
    /// Start of the access.
    pub addr: u64,
    /// Its length.
    pub len: u64,
}

/// One 4 KiB page of guest RAM, as [`crate::Tlb::fill`] enters it: its
/// host address, and the RAM it belongs to, so the TLB can keep that
/// mapping alive for as long as it points into it.
#[derive(Clone, Copy)]
pub struct RamPage<'a> {
    pub(crate) host: usize,
    pub(crate) ram: &'a GuestRam,
}

impl RamPage<'_> {
    /// Host address of the page's first byte.
    pub fn host(&self) -> usize {
        self.host
    }
}

impl GuestMemory {
    /// Whether `self` and `ram` are views of the same mapping.
    pub(crate) fn same_mapping(&self, ram: &GuestRam) -> bool {
        Arc::ptr_eq(&self.inner, &ram.inner)
    }

    /// Reads `buf.len()` bytes at guest physical `pa`.
    pub fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), OutOfRange> {
        let len = buf.len() as u64;
        let src = self
            .inner
            .checked_ptr(pa, len)
            .ok_or(OutOfRange { addr: pa, len })?;
        // SAFETY: `[pa, pa + len)` is in the live mapping (checked_ptr),
        // which is only ever accessed through `host_mem`.
        unsafe { host_mem::copy_from(src, buf) };
        Ok(())
    }

    /// Writes `data` at guest physical `pa`.
    pub fn write(&self, pa: u64, data: &[u8]) -> Result<(), OutOfRange> {
        let r = &self.inner;
        let len = data.len() as u64;
        let dst = r.checked_ptr(pa, len).ok_or(OutOfRange { addr: pa, len })?;
        // SAFETY: `[pa, pa + len)` is in the live mapping (checked_ptr),
        // which is only ever accessed through `host_mem`.
        unsafe { host_mem::copy_to(data, dst) };
        if !data.is_empty() {
            let first = pa >> PAGE_SHIFT;
            let last = (pa + data.len() as u64 - 1) >> PAGE_SHIFT;
            for page in first..=last {
                if r.is_code_page(page << PAGE_SHIFT) {
                    r.code_written(page << PAGE_SHIFT, None);
                }
            }
        }
        Ok(())
    }

    /// Reads a little-endian `u16`.
    pub fn read_u16(&self, pa: u64) -> Result<u16, OutOfRange> {
        let mut b = [0; 2];
        self.read(pa, &mut b)?;
        Ok(u16::from_le_bytes(b))
    }

    /// Reads a little-endian `u32`.
    pub fn read_u32(&self, pa: u64) -> Result<u32, OutOfRange> {
        let mut b = [0; 4];
        self.read(pa, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Reads a little-endian `u64`.
    pub fn read_u64(&self, pa: u64) -> Result<u64, OutOfRange> {
        let mut b = [0; 8];
        self.read(pa, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Writes a little-endian `u16`.
    pub fn write_u16(&self, pa: u64, v: u16) -> Result<(), OutOfRange> {
        self.write(pa, &v.to_le_bytes())
    }

    /// Writes a little-endian `u32`.
    pub fn write_u32(&self, pa: u64, v: u32) -> Result<(), OutOfRange> {
        self.write(pa, &v.to_le_bytes())
    }

    /// Whether `[pa, pa + len)` lies in RAM.
    pub fn contains(&self, pa: u64, len: u64) -> bool {
        self.inner.contains(pa, len)
    }
}

impl GuestRam {
    /// Maps `size` bytes of zeroed RAM at guest physical address `base`,
    /// for a machine with one hart.
    pub fn new(base: u64, size: u64) -> Result<Self, RamError> {
        Self::with_harts(base, size, HartEvents::for_harts(1))
    }

    /// Maps `size` bytes of zeroed RAM at `base`, shared by the harts whose
    /// event words are `events` (hart `h` is `events[h]`).
    pub fn with_harts(base: u64, size: u64, events: Arc<[HartEvents]>) -> Result<Self, RamError> {
        if size == 0
            || !size.is_multiple_of(PAGE_SIZE)
            || !base.is_multiple_of(PAGE_SIZE)
            || base.checked_add(size).is_none()
        {
            return Err(RamError::BadSize(size));
        }
        let len = usize::try_from(size).map_err(|_| RamError::BadSize(size))?;
        let mut map = MmapMut::map_anon(len).map_err(|source| RamError::Map { size, source })?;
        let pages = (size >> PAGE_SHIFT) as usize;
        let ptr = map.as_mut_ptr();
        Ok(GuestRam {
            inner: Arc::new(RamInner {
                _map: map,
                ptr,
                base,
                size,
                code_pages: (0..pages.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
                events,
            }),
        })
    }

    /// A DMA handle for devices.
    pub fn dma_handle(&self) -> GuestMemory {
        GuestMemory {
            inner: self.inner.clone(),
        }
    }

    /// Guest physical base address.
    pub fn base(&self) -> u64 {
        self.inner.base
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.inner.size
    }

    /// One past the last guest physical address.
    pub fn end(&self) -> u64 {
        self.inner.base + self.inner.size
    }

    /// Whether `[pa, pa + len)` lies entirely in RAM.
    #[inline]
    pub fn contains(&self, pa: u64, len: u64) -> bool {
        self.inner.contains(pa, len)
    }

    /// The host address of the first byte of RAM, for turning a soft-TLB
    /// host address back into a physical one ([`GuestRam::pa_of_host`]).
    /// Only a number: nothing can be reached through it without `unsafe`.
    #[inline]
    pub fn host_base(&self) -> usize {
        self.inner.ptr as usize
    }

    /// The guest physical address of host address `host`, if it lies in
    /// this RAM's mapping.
    #[inline]
    pub fn pa_of_host(&self, host: usize) -> Option<u64> {
        let off = host.checked_sub(self.host_base())? as u64;
        (off < self.inner.size).then(|| self.inner.base + off)
    }

    /// The RAM page holding `pa`, as the soft TLB enters it; `None` outside
    /// RAM.
    #[inline]
    pub fn page(&self, pa: u64) -> Option<RamPage<'_>> {
        let page = pa & !(PAGE_SIZE - 1);
        let ptr = self.inner.checked_ptr(page, PAGE_SIZE)?;
        Some(RamPage {
            host: ptr as usize,
            ram: self,
        })
    }

    /// Reads `buf.len()` bytes at `pa`.
    pub fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), OutOfRange> {
        self.dma_handle().read(pa, buf)
    }

    /// Writes `data` at `pa`. Pages holding decoded code are queued for
    /// invalidation, as for DMA.
    pub fn write(&self, pa: u64, data: &[u8]) -> Result<(), OutOfRange> {
        self.dma_handle().write(pa, data)
    }

    /// Reads a little-endian value of `size` (1, 2, 4 or 8) bytes at `pa`.
    /// Any other size, or a range not entirely in RAM, is `Err`.
    #[inline]
    pub fn load(&self, pa: u64, size: u8) -> Result<u64, OutOfRange> {
        let p = self.inner.access_ptr(pa, size)?;
        // SAFETY: `access_ptr` checked that `size` is 1, 2, 4 or 8 and that
        // `[pa, pa + size)` lies in the mapping, which lives as long as
        // `self` and is only ever accessed through `host_mem`.
        Ok(unsafe { host_mem::load(p, size) })
    }

    /// Writes the low `size` (1, 2, 4 or 8) bytes of `value` at `pa`,
    /// little-endian. Any other size, or a range not entirely in RAM, is
    /// `Err` and writes nothing.
    #[inline]
    pub fn store(&self, pa: u64, size: u8, value: u64) -> Result<(), OutOfRange> {
        let p = self.inner.access_ptr(pa, size)?;
        // SAFETY: as in `load`.
        unsafe { host_mem::store(p, size, value) };
        Ok(())
    }

    /// Atomically replaces the 64-bit word at `pa` with `new` if it still
    /// holds `old`; returns whether it did. Used for hardware A/D updates,
    /// which the privileged spec requires to be atomic with respect to
    /// other harts. `Err` unless `pa` is 8-aligned and in RAM.
    pub fn compare_exchange_u64(&self, pa: u64, old: u64, new: u64) -> Result<bool, OutOfRange> {
        self.compare_exchange(pa, 8, old, new)
    }

    /// Atomically replaces the `size`-byte (4 or 8) little-endian value at
    /// `pa` with the low bits of `new` if it still holds the low bits of
    /// `old`; returns whether it did (SC against the value LR saw, and A/D
    /// updates). `Err` unless `pa` is naturally aligned and in RAM.
    pub fn compare_exchange(
        &self,
        pa: u64,
        size: u8,
        old: u64,
        new: u64,
    ) -> Result<bool, OutOfRange> {
        let p = self.inner.atomic_ptr(pa, size)?;
        // SAFETY: in the live mapping and naturally aligned (atomic_ptr), and
        // RAM is only ever accessed atomically (`host_mem`).
        Ok(unsafe {
            if size == 4 {
                AtomicU32::from_ptr(p.cast())
                    .compare_exchange((old as u32).to_le(), (new as u32).to_le(), SeqCst, SeqCst)
                    .is_ok()
            } else {
                AtomicU64::from_ptr(p.cast())
                    .compare_exchange(old.to_le(), new.to_le(), SeqCst, SeqCst)
                    .is_ok()
            }
        })
    }

    /// Atomically replaces the `size`-byte (4 or 8) little-endian value `v`
    /// at `pa` with `f(v)` (the AMOs); returns `v`, zero-extended. `f` sees
    /// and returns values in the low `8 * size` bits. `Err` unless `pa` is
    /// naturally aligned and in RAM.
    pub fn fetch_update(
        &self,
        pa: u64,
        size: u8,
        f: impl Fn(u64) -> u64,
    ) -> Result<u64, OutOfRange> {
        let p = self.inner.atomic_ptr(pa, size)?;
        // SAFETY: as in `compare_exchange`.
        Ok(unsafe {
            if size == 4 {
                let word = AtomicU32::from_ptr(p.cast());
                let update = |v: u32| Some((f(u32::from_le(v) as u64) as u32).to_le());
                let (Ok(old) | Err(old)) = word.fetch_update(SeqCst, SeqCst, update);
                u32::from_le(old) as u64
            } else {
                let word = AtomicU64::from_ptr(p.cast());
                let update = |v: u64| Some(f(u64::from_le(v)).to_le());
                let (Ok(old) | Err(old)) = word.fetch_update(SeqCst, SeqCst, update);
                u64::from_le(old)
            }
        })
    }

    /// Whether the page holding `pa` has pre-decoded code (never outside
    /// RAM).
    #[inline]
    pub fn is_code_page(&self, pa: u64) -> bool {
        self.inner.is_code_page(pa)
    }

    /// Marks the page holding `pa` as holding pre-decoded code (ignored
    /// outside RAM, where nothing is decoded).
    pub fn set_code_page(&self, pa: u64, is_code: bool) {
        self.inner.set_code_page(pa, is_code);
    }

    /// Forgets every code page.
    pub fn clear_code_pages(&self) {
        self.inner
            .code_pages
            .iter()
            .for_each(|w| w.store(0, Ordering::Relaxed));
    }

    /// Hart `writer` is storing to the code page holding `pa` and has
    /// dropped its own blocks there: queue the page for every other hart.
    pub fn code_written_by(&self, pa: u64, writer: usize) {
        self.inner.code_written(pa & !(PAGE_SIZE - 1), Some(writer));
    }

    /// The harts' event words (one per hart, by hart index).
    pub fn events(&self) -> &Arc<[HartEvents]> {
        &self.inner.events
    }
}

#[cfg(test)]
mod tests;
