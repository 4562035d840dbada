//! Accesses to guest RAM through host pointers, free of data races.
//!
//! Guest RAM is shared: by the hart, by device DMA and, with several harts,
//! by several host threads at once. Under Rust's memory model two
//! unsynchronised accesses to the same bytes, one of them a write, are a data
//! race (undefined behaviour) unless both are atomic. So every access here is
//! a relaxed atomic one, as in rust-vmm's `vm-memory`: naturally aligned
//! scalars as one atomic of their size (on x86-64 and riscv64 a relaxed
//! atomic load or store is the same single instruction as a plain one),
//! everything else byte by byte or in aligned 8-byte words. Relaxed is
//! enough: ordering between harts is the guest's business, expressed with
//! `fence` and AMOs, which map to host fences and read-modify-writes.
//!
//! Values are little-endian in guest memory, as RISC-V is.

use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed};

/// Reads the `size`-byte (1, 2, 4 or 8; any other reads 8) little-endian
/// value at `p`.
///
/// # Safety
/// `p..p + size` must be valid for reads for the duration of the call, and
/// every other access to those bytes must be atomic too (all of guest RAM
/// is only ever accessed through this module).
#[inline(always)]
pub unsafe fn load(p: *const u8, size: u8) -> u64 {
    if !(p as usize).is_multiple_of(size as usize) {
        // SAFETY: as for the caller.
        return unsafe { load_bytes(p.cast_mut(), size) };
    }
    // SAFETY: as for the caller, and naturally aligned (checked above).
    unsafe { load_aligned(p, size) }
}

/// [`load`] for an access the caller knows to be naturally aligned (the
/// soft TLB's hit path, whose tag compare guarantees it): no alignment test.
///
/// # Safety
/// As for [`load`], and `p` must be a multiple of `size`.
#[inline(always)]
pub unsafe fn load_aligned(p: *const u8, size: u8) -> u64 {
    let p = p.cast_mut();
    // SAFETY: valid and naturally aligned (the caller), so a reference to an
    // atomic of this size may be formed for the call.
    unsafe {
        match size {
            1 => AtomicU8::from_ptr(p).load(Relaxed) as u64,
            2 => u16::from_le(AtomicU16::from_ptr(p.cast()).load(Relaxed)) as u64,
            4 => u32::from_le(AtomicU32::from_ptr(p.cast()).load(Relaxed)) as u64,
            _ => u64::from_le(AtomicU64::from_ptr(p.cast()).load(Relaxed)),
        }
    }
}

/// Writes the low `size` bytes (1, 2, 4 or 8; any other writes 8) of
/// `value` at `p`, little-endian.
///
/// # Safety
/// `p..p + size` must be valid for writes for the duration of the call, and
/// every other access to those bytes must be atomic too.
#[inline(always)]
pub unsafe fn store(p: *mut u8, size: u8, value: u64) {
    if !(p as usize).is_multiple_of(size as usize) {
        // SAFETY: as for the caller.
        return unsafe { store_bytes(p, size, value) };
    }
    // SAFETY: as for the caller, and naturally aligned (checked above).
    unsafe { store_aligned(p, size, value) }
}

/// [`store`] for an access the caller knows to be naturally aligned.
///
/// # Safety
/// As for [`store`], and `p` must be a multiple of `size`.
#[inline(always)]
pub unsafe fn store_aligned(p: *mut u8, size: u8, value: u64) {
    // SAFETY: as in `load_aligned`.
    unsafe {
        match size {
            1 => AtomicU8::from_ptr(p).store(value as u8, Relaxed),
            2 => AtomicU16::from_ptr(p.cast()).store((value as u16).to_le(), Relaxed),
            4 => AtomicU32::from_ptr(p.cast()).store((value as u32).to_le(), Relaxed),
            _ => AtomicU64::from_ptr(p.cast()).store(value.to_le(), Relaxed),
        }
    }
}

#[cold]
unsafe fn load_bytes(p: *mut u8, size: u8) -> u64 {
    (0..size.min(8) as usize).fold(0, |v, i| {
        // SAFETY: `p + i` is inside the range the caller vouched for.
        let b = unsafe { AtomicU8::from_ptr(p.add(i)).load(Relaxed) };
        v | (b as u64) << (8 * i)
    })
}

#[cold]
unsafe fn store_bytes(p: *mut u8, size: u8, value: u64) {
    for i in 0..size.min(8) as usize {
        // SAFETY: `p + i` is inside the range the caller vouched for.
        unsafe { AtomicU8::from_ptr(p.add(i)).store((value >> (8 * i)) as u8, Relaxed) };
    }
}

/// Copies `dst.len()` bytes from guest memory at `src` into `dst`.
///
/// # Safety
/// `src..src + dst.len()` must be valid for reads, and accessed only
/// atomically by others.
pub unsafe fn copy_from(src: *const u8, dst: &mut [u8]) {
    let src = src.cast_mut();
    let mut i = 0;
    while i < dst.len() {
        // SAFETY: `src + i .. src + i + n` lies inside the caller's range,
        // and an 8-byte step is taken only at an 8-aligned address.
        let at = unsafe { src.add(i) };
        if (at as usize).is_multiple_of(8) && dst.len() - i >= 8 {
            let w = unsafe { AtomicU64::from_ptr(at.cast()).load(Relaxed) };
            dst[i..i + 8].copy_from_slice(&w.to_ne_bytes());
            i += 8;
        } else {
            dst[i] = unsafe { AtomicU8::from_ptr(at).load(Relaxed) };
            i += 1;
        }
    }
}

/// Copies `src` into guest memory at `dst`.
///
/// # Safety
/// `dst..dst + src.len()` must be valid for writes, and accessed only
/// atomically by others.
pub unsafe fn copy_to(src: &[u8], dst: *mut u8) {
    let mut i = 0;
    while i < src.len() {
        // SAFETY: as in `copy_from`.
        let at = unsafe { dst.add(i) };
        if (at as usize).is_multiple_of(8) && src.len() - i >= 8 {
            let mut w = [0u8; 8];
            w.copy_from_slice(&src[i..i + 8]);
            unsafe { AtomicU64::from_ptr(at.cast()).store(u64::from_ne_bytes(w), Relaxed) };
            i += 8;
        } else {
            unsafe { AtomicU8::from_ptr(at).store(src[i], Relaxed) };
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_and_copies_at_every_alignment() {
        let mut buf = [0u64; 4];
        let p = buf.as_mut_ptr().cast::<u8>();
        for off in 0..8 {
            for size in [1u8, 2, 4, 8] {
                let v = 0x1122_3344_5566_7788u64 >> (64 - 8 * size as u32);
                // SAFETY: off + size <= 16 < 32 bytes of `buf`.
                unsafe {
                    store(p.add(off), size, v);
                    assert_eq!(load(p.add(off), size), v, "off {off} size {size}");
                    // Little-endian: the low byte first.
                    assert_eq!(load(p.add(off), 1), v & 0xff);
                }
            }
        }
        let data: Vec<u8> = (0..29).collect();
        for off in 0..3 {
            let mut back = vec![0u8; data.len()];
            // SAFETY: off + 29 <= 32 bytes of `buf`.
            unsafe {
                copy_to(&data, p.add(off));
                copy_from(p.add(off), &mut back);
            }
            assert_eq!(back, data, "off {off}");
        }
    }

    #[test]
    fn concurrent_word_writes_never_tear() {
        // Two threads store whole words; a reader only ever sees one of them.
        let word = Box::new(AtomicU64::new(0));
        let p = word.as_ptr().cast::<u8>() as usize;
        std::thread::scope(|s| {
            for v in [u64::MAX, 0x0101_0101_0101_0101] {
                s.spawn(move || {
                    for _ in 0..10_000 {
                        // SAFETY: the box outlives the scope; all accesses
                        // are atomic.
                        unsafe { store(p as *mut u8, 8, v) };
                    }
                });
            }
            for _ in 0..10_000 {
                // SAFETY: as above.
                let seen = unsafe { load(p as *const u8, 8) };
                assert!(
                    [0, u64::MAX, 0x0101_0101_0101_0101].contains(&seen),
                    "{seen:#x}"
                );
            }
        });
    }
}
