//! Placing the kernel, the initrd and the device tree in guest RAM.
//!
//! Kernels come as a RISC-V Linux `Image` (Documentation/arch/riscv/
//! boot-image-header.rst), as an ELF file (`vmlinux`, or a bare S-mode
//! payload linked at a RAM address), or as a raw binary (U-Boot's
//! `u-boot.bin`, a program `objcopy -O binary` made), which QEMU's
//! `-kernel` loads as it is at the kernel address. Layout, as QEMU's
//! `virt` board does it (hw/riscv/boot.c): the kernel near the bottom of
//! RAM, the device tree at the highest 2 MiB-aligned address it fits below
//! the end of RAM (`riscv_compute_fdt_addr` on RV64), and the initrd just
//! below the device tree, high in RAM so the kernel's early allocations
//! after its image do not run into it.

use heron_mmu::{GuestRam, PAGE_SIZE};
use thiserror::Error;

use crate::elf;

#[cfg(test)]
mod tests;

/// Errors placing boot images in RAM.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ImageError {
    /// An empty file: no format, not even a raw binary, has nothing to run.
    #[error("kernel is empty (0 bytes)")]
    Empty,
    /// An `Image` built for big-endian (header flags bit 0).
    #[error("kernel Image is big-endian; heron's hart is little-endian")]
    BigEndian,
    /// Something does not fit in RAM.
    #[error(
        "{what} at {addr:#x} of {size:#x} bytes does not fit in RAM {ram_start:#x}..{ram_end:#x}"
    )]
    TooBig {
        /// What was being placed.
        what: &'static str,
        /// Where it would start.
        addr: u64,
        /// Its size in memory.
        size: u64,
        /// RAM start.
        ram_start: u64,
        /// RAM end.
        ram_end: u64,
    },
    /// A malformed ELF file.
    #[error("kernel ELF: {0}")]
    BadElf(String),
    /// An ELF file for another architecture or class.
    #[error("kernel ELF is not little-endian RISC-V 64-bit (e_machine {machine})")]
    WrongArch {
        /// `e_machine`.
        machine: u16,
    },
    /// The ELF entry point lies outside its loaded segments.
    #[error("kernel entry {entry:#x} is outside the loaded image {start:#x}..{end:#x}")]
    EntryOutsideImage {
        /// Entry after relocation.
        entry: u64,
        /// Image start.
        start: u64,
        /// Image end.
        end: u64,
    },
}

/// Where a kernel landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelInfo {
    /// Physical address to start the hart at.
    pub entry: u64,
    /// Lowest physical address the kernel occupies.
    pub start: u64,
    /// One past the highest address it occupies, including its `.bss`.
    pub end: u64,
}

/// Length of the `Image` header.
pub const IMAGE_HEADER_LEN: usize = 64;
/// Where an `Image` with `text_offset` 0 goes: RV64 Linux must start
/// 2 MiB-aligned (PMD_SIZE) above the start of RAM, and the kernel's own
/// header says 0x200000.
pub const DEFAULT_TEXT_OFFSET: u64 = 0x20_0000;
/// `magic2` at offset 56: "RSC\x05".
const IMAGE_MAGIC2: [u8; 4] = *b"RSC\x05";
/// The deprecated `magic` at offset 48: "RISCV\0\0\0".
const IMAGE_MAGIC: [u8; 8] = *b"RISCV\0\0\0";
/// Device tree alignment (QEMU's `riscv_compute_fdt_addr`).
pub const DTB_ALIGN: u64 = 2 * 1024 * 1024;
/// Alignment of a raw kernel's address (QEMU's, on RV64).
pub const RAW_KERNEL_ALIGN: u64 = 2 * 1024 * 1024;

fn le_u64(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

fn too_big(what: &'static str, addr: u64, size: u64, ram: &GuestRam) -> ImageError {
    ImageError::TooBig {
        what,
        addr,
        size,
        ram_start: ram.base(),
        ram_end: ram.end(),
    }
}

/// What a kernel file is, told by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelFormat {
    /// An ELF file (`\x7fELF`).
    Elf,
    /// A RISC-V Linux `Image`: either of its two magic numbers.
    Image,
    /// Anything else: a raw binary, run from its first byte (QEMU's
    /// `-kernel` takes such a file as it is, when it is neither ELF nor
    /// U-Image; Linux `Image`s are raw binaries to QEMU too).
    Raw,
}

impl KernelFormat {
    /// The format of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"\x7fELF") {
            KernelFormat::Elf
        } else if bytes.len() >= IMAGE_HEADER_LEN
            && (bytes[56..60] == IMAGE_MAGIC2 || bytes[48..56] == IMAGE_MAGIC)
        {
            KernelFormat::Image
        } else {
            KernelFormat::Raw
        }
    }
}

/// Where a raw kernel goes after a firmware that ends at `firmware_end`:
/// the next 2 MiB boundary, as QEMU's `riscv_calc_kernel_start_addr`
/// computes it on RV64 (OpenSBI's `fw_jump` at the start of RAM thus puts
/// its payload at RAM base + 0x200000, where it jumps). `None` on overflow.
pub fn raw_kernel_address(firmware_end: u64) -> Option<u64> {
    firmware_end
        .checked_add(RAW_KERNEL_ALIGN - 1)
        .map(|a| a & !(RAW_KERNEL_ALIGN - 1))
}

/// Loads a kernel `Image`, ELF file or raw binary into `ram`.
///
/// An `Image` goes to RAM base + `text_offset` (0x200000 when the header
/// says 0), and its `image_size` — the memory it needs including `.bss` —
/// must fit. An ELF file is loaded at its segments' physical addresses when
/// those lie in RAM; otherwise (a `vmlinux` linked at its virtual address)
/// the whole image is moved so its lowest segment lands at RAM base +
/// 0x200000, as QEMU's `translate_kernel_address` does. A raw binary is
/// copied to `raw_at` and entered at its first byte (see
/// [`raw_kernel_address`]).
pub fn load_kernel(bytes: &[u8], ram: &GuestRam, raw_at: u64) -> Result<KernelInfo, ImageError> {
    match KernelFormat::of(bytes) {
        KernelFormat::Elf => load_elf(bytes, ram),
        KernelFormat::Image => load_image(bytes, ram),
        KernelFormat::Raw => load_raw(bytes, ram, raw_at),
    }
}

/// Loads a Linux `Image` (see [`load_kernel`]).
fn load_image(bytes: &[u8], ram: &GuestRam) -> Result<KernelInfo, ImageError> {
    let text_offset = match le_u64(bytes, 8) {
        0 => DEFAULT_TEXT_OFFSET,
        off => off,
    };
    let image_size = le_u64(bytes, 16);
    let flags = le_u64(bytes, 24);
    if flags & 1 != 0 {
        return Err(ImageError::BigEndian);
    }
    // Old headers may leave image_size 0; the file itself must fit anyway.
    let size = image_size.max(bytes.len() as u64);
    let start = ram
        .base()
        .checked_add(text_offset)
        .ok_or_else(|| too_big("kernel Image", u64::MAX, size, ram))?;
    if !ram.contains(start, size) {
        return Err(too_big("kernel Image", start, size, ram));
    }
    ram.write(start, bytes)
        .map_err(|_| too_big("kernel Image", start, size, ram))?;
    let bss = start + bytes.len() as u64;
    elf::zero_fill(ram, bss, size - bytes.len() as u64)
        .map_err(|_| too_big("kernel .bss", bss, size, ram))?;
    log::info!("kernel Image at {start:#x}..{:#x}", start + size);
    Ok(KernelInfo {
        entry: start,
        start,
        end: start + size,
    })
}

/// Loads a raw binary at `at` (see [`load_kernel`]). It has no header to
/// say how much memory it needs beyond its bytes: what it uses past them
/// (a `.bss`, U-Boot's relocation to the top of RAM) it finds out itself
/// from the device tree.
fn load_raw(bytes: &[u8], ram: &GuestRam, at: u64) -> Result<KernelInfo, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    let size = bytes.len() as u64;
    if !ram.contains(at, size) {
        return Err(too_big("raw kernel", at, size, ram));
    }
    ram.write(at, bytes)
        .map_err(|_| too_big("raw kernel", at, size, ram))?;
    log::info!("raw kernel at {at:#x}..{:#x}", at + size);
    Ok(KernelInfo {
        entry: at,
        start: at,
        end: at + size,
    })
}

/// Loads an ELF kernel (see [`load_kernel`]): in place when its segments
/// lie in RAM, else moved as a whole to RAM base + [`DEFAULT_TEXT_OFFSET`]
/// (a `vmlinux` linked at its virtual address, as QEMU's
/// `translate_kernel_address` does).
fn load_elf(bytes: &[u8], ram: &GuestRam) -> Result<KernelInfo, ImageError> {
    let elf = elf::parse_riscv64(bytes).map_err(|e| match e {
        elf::ElfError::WrongArch { machine, .. } => ImageError::WrongArch { machine },
        other => ImageError::BadElf(other.to_string()),
    })?;
    let segments: Vec<_> = elf::loadable_segments(&elf).collect();
    let (Some(low), Some(high)) = (
        segments.iter().map(|p| p.p_paddr).min(),
        segments
            .iter()
            .map(|p| p.p_paddr.checked_add(p.p_memsz))
            .max(),
    ) else {
        return Err(ImageError::BadElf("no loadable segments".into()));
    };
    let high = high.ok_or_else(|| ImageError::BadElf("segment wraps around".into()))?;
    let in_place = segments.iter().all(|p| ram.contains(p.p_paddr, p.p_memsz));
    let target = if in_place {
        low
    } else {
        ram.base() + DEFAULT_TEXT_OFFSET
    };
    let shift = target.wrapping_sub(low);
    let (start, end) = (target, high.wrapping_sub(low).wrapping_add(target));
    if end < start || !ram.contains(start, end - start) {
        return Err(too_big("kernel ELF", start, high - low, ram));
    }
    elf::load_segments(&elf, bytes, ram, shift).map_err(|e| match e {
        elf::ElfError::OutsideRam { addr, size } => too_big("kernel segment", addr, size, ram),
        other => ImageError::BadElf(other.to_string()),
    })?;
    let entry = elf.entry.wrapping_add(shift);
    if !(start..end).contains(&entry) {
        return Err(ImageError::EntryOutsideImage { entry, start, end });
    }
    log::info!("kernel ELF at {start:#x}..{end:#x}, entry {entry:#x}");
    Ok(KernelInfo { entry, start, end })
}

/// Where the device tree goes: the highest 2 MiB-aligned address at which
/// `dtb_len` bytes fit below the end of RAM, as QEMU's
/// `riscv_compute_fdt_addr` places it for RV64. `floor` is the end of what
/// is already loaded (kernel or initrd); the tree must not start below it.
pub fn dtb_address(ram: &GuestRam, dtb_len: u64, floor: u64) -> Result<u64, ImageError> {
    let addr = ram
        .end()
        .checked_sub(dtb_len)
        .map(|a| a & !(DTB_ALIGN - 1))
        .filter(|&a| a >= ram.base() && a >= floor)
        .ok_or_else(|| too_big("device tree", floor, dtb_len, ram))?;
    Ok(addr)
}

/// Copies the device tree blob to `addr`.
pub fn load_dtb(ram: &GuestRam, addr: u64, dtb: &[u8]) -> Result<(), ImageError> {
    ram.write(addr, dtb)
        .map_err(|_| too_big("device tree", addr, dtb.len() as u64, ram))
}

/// Copies the initrd to the highest page-aligned address where it ends at
/// or below `top` (the device tree's address) and starts at or above
/// `kernel_end`. Returns its `[start, end)` for `/chosen`.
pub fn place_initrd(
    bytes: &[u8],
    ram: &GuestRam,
    kernel_end: u64,
    top: u64,
) -> Result<(u64, u64), ImageError> {
    let len = bytes.len() as u64;
    let start = top
        .checked_sub(len)
        .map(|a| a & !(PAGE_SIZE - 1))
        .filter(|&a| a >= kernel_end && a >= ram.base())
        .ok_or_else(|| too_big("initrd", kernel_end, len, ram))?;
    ram.write(start, bytes)
        .map_err(|_| too_big("initrd", start, len, ram))?;
    log::info!("initrd at {start:#x}..{:#x}", start + len);
    Ok((start, start + len))
}
