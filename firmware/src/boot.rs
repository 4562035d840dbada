//! Preparing RAM for a Linux boot: kernel, initrd and device tree, in the
//! order their addresses depend on each other.

use heron_mmu::GuestRam;
use thiserror::Error;

use crate::fdt::{build_dtb, FdtError, MachineDescription};
use crate::image::{dtb_address, load_dtb, load_kernel, place_initrd, ImageError, KernelInfo};

/// Why a Linux boot could not be prepared.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BootError {
    /// The kernel, initrd or device tree could not be placed.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The device tree could not be built.
    #[error(transparent)]
    Fdt(#[from] FdtError),
}

/// Where everything landed; hand `entry` and `dtb_addr` to
/// [`firmware_boot`](crate::firmware_boot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinuxBoot {
    /// The kernel.
    pub kernel: KernelInfo,
    /// The initrd's `[start, end)`, when there is one.
    pub initrd: Option<(u64, u64)>,
    /// Physical address of the device tree blob.
    pub dtb_addr: u64,
    /// Its length in bytes.
    pub dtb_len: u64,
}

/// Loads `kernel` (an `Image`, ELF file or raw binary, the last at
/// `raw_at`: see [`load_kernel`](crate::load_kernel)) and `initrd` into
/// `ram` and writes a device tree built from `desc`, with `/chosen`
/// pointing at the initrd.
///
/// The device tree's address depends only on its size, and its size does
/// not depend on the initrd's address (the `linux,initrd-*` properties are
/// fixed-width), so a first build with a placeholder range sizes it; the
/// initrd then goes just below the tree's slot and the final tree, with the
/// real range, fills that slot.
pub fn load_linux(
    ram: &GuestRam,
    kernel: &[u8],
    initrd: Option<&[u8]>,
    desc: &MachineDescription,
    raw_at: u64,
) -> Result<LinuxBoot, BootError> {
    let kernel = load_kernel(kernel, ram, raw_at)?;
    let mut desc = desc.clone();
    desc.chosen.initrd = initrd.map(|_| (0, 0));
    let draft_len = build_dtb(&desc)?.len() as u64;
    let dtb_addr = dtb_address(ram, draft_len, kernel.end)?;
    let initrd = match initrd {
        Some(bytes) => Some(place_initrd(bytes, ram, kernel.end, dtb_addr)?),
        None => None,
    };
    desc.chosen.initrd = initrd;
    let dtb = build_dtb(&desc)?;
    load_dtb(ram, dtb_addr, &dtb)?;
    log::info!(
        "device tree at {dtb_addr:#x} ({} bytes); kernel entry {:#x}",
        dtb.len(),
        kernel.entry
    );
    Ok(LinuxBoot {
        kernel,
        initrd,
        dtb_addr,
        dtb_len: dtb.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fdt::tests::description;
    use crate::image::{DTB_ALIGN, IMAGE_HEADER_LEN};

    /// Where a raw kernel would go (these tests load an `Image`).
    const RAW_AT: u64 = 0x8020_0000;

    fn image() -> Vec<u8> {
        let mut h = vec![0u8; IMAGE_HEADER_LEN];
        h[8..16].copy_from_slice(&0x20_0000u64.to_le_bytes());
        h[16..24].copy_from_slice(&0x10_0000u64.to_le_bytes());
        h[56..60].copy_from_slice(b"RSC\x05");
        h
    }

    /// Reads the big-endian u64 property `name` from the blob by finding
    /// its name in the strings block and the matching property record.
    fn be_u64_prop(dtb: &[u8], name: &str) -> Option<u64> {
        let be32 = |at: usize| u32::from_be_bytes(dtb[at..at + 4].try_into().unwrap()) as usize;
        let (off_struct, off_strings) = (be32(8), be32(12));
        let mut at = off_struct;
        loop {
            match be32(at) {
                1 => {
                    // FDT_BEGIN_NODE: skip the NUL-terminated name, padded.
                    let name_end = dtb[at + 4..].iter().position(|&b| b == 0)? + at + 4;
                    at = (name_end + 1 + 3) & !3;
                }
                3 => {
                    let (len, nameoff) = (be32(at + 4), be32(at + 8));
                    let s = &dtb[off_strings + nameoff..];
                    let prop = &s[..s.iter().position(|&b| b == 0)?];
                    if prop == name.as_bytes() && len == 8 {
                        return Some(u64::from_be_bytes(dtb[at + 12..at + 20].try_into().ok()?));
                    }
                    at = (at + 12 + len + 3) & !3;
                }
                2 | 4 => at += 4,
                _ => return None,
            }
        }
    }

    #[test]
    fn lays_out_kernel_initrd_and_dtb_like_qemu() {
        let desc = description();
        let ram = GuestRam::new(desc.ram.base, desc.ram.size).unwrap();
        let initrd = vec![0x42u8; 0x3000];
        let boot = load_linux(&ram, &image(), Some(&initrd), &desc, RAW_AT).unwrap();
        let ram_end = desc.ram.base + desc.ram.size;
        assert_eq!(boot.kernel.entry, desc.ram.base + 0x20_0000);
        assert_eq!(boot.dtb_addr, ram_end - DTB_ALIGN);
        let (start, end) = boot.initrd.unwrap();
        assert_eq!((start, end), (boot.dtb_addr - 0x3000, boot.dtb_addr));
        assert!(start >= boot.kernel.end);

        let mut dtb = vec![0u8; boot.dtb_len as usize];
        ram.read(boot.dtb_addr, &mut dtb).unwrap();
        assert_eq!(&dtb[..4], &[0xd0, 0x0d, 0xfe, 0xed], "FDT magic");
        assert_eq!(be_u64_prop(&dtb, "linux,initrd-start"), Some(start));
        assert_eq!(be_u64_prop(&dtb, "linux,initrd-end"), Some(end));
    }

    #[test]
    fn without_initrd_chosen_has_none() {
        let desc = description();
        let ram = GuestRam::new(desc.ram.base, desc.ram.size).unwrap();
        let boot = load_linux(&ram, &image(), None, &desc, RAW_AT).unwrap();
        assert_eq!(boot.initrd, None);
        let mut dtb = vec![0u8; boot.dtb_len as usize];
        ram.read(boot.dtb_addr, &mut dtb).unwrap();
        assert_eq!(be_u64_prop(&dtb, "linux,initrd-start"), None);
    }

    #[test]
    fn initrd_too_big_for_ram_is_an_error() {
        let desc = description();
        let ram = GuestRam::new(desc.ram.base, desc.ram.size).unwrap();
        let initrd = vec![0u8; desc.ram.size as usize];
        assert!(matches!(
            load_linux(&ram, &image(), Some(&initrd), &desc, RAW_AT),
            Err(BootError::Image(ImageError::TooBig { what: "initrd", .. }))
        ));
    }
}
