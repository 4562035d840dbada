//! The boot flows that start in M-mode with a device tree: through an
//! M-mode firmware (OpenSBI), and a raw binary on bare metal. Both follow
//! QEMU's `virt` (hw/riscv/boot.c), so that what boots there boots here:
//! the firmware at the start of RAM, a raw kernel at the next 2 MiB
//! boundary after whatever the firmware occupies (none: the start of RAM),
//! the device tree at the top.

use std::path::Path;

use heron_firmware::{load_linux, raw_kernel_address, LinuxBoot, MachineDescription};

use super::{is_elf, read_file, BoardError};
use crate::loader::{load_elf, LoadError};
use crate::machine::{Machine, RAM_BASE};

/// OpenSBI's `fw_dynamic_info` (v2): where `fw_dynamic.bin` finds the next
/// stage. Ignored by `fw_jump.bin`, which has the address built in.
const FW_DYNAMIC_MAGIC: u64 = 0x4942_534f;
const FW_DYNAMIC_VERSION: u64 = 2;
const NEXT_MODE_S: u64 = 1;

fn outside_ram(path: &Path, addr: u64, size: u64, ram: &heron_mmu::GuestRam) -> BoardError {
    BoardError::Load(LoadError::OutsideRam {
        path: path.to_owned(),
        addr,
        size,
        ram_start: ram.base(),
        ram_end: ram.end(),
    })
}

/// A firmware in RAM: where it is entered and the addresses it occupies.
struct Firmware {
    entry: u64,
    start: u64,
    end: u64,
}

/// Loads the firmware file: an ELF at its physical addresses, anything
/// else as a raw image at the start of RAM (QEMU's `riscv_load_firmware`).
fn load_firmware(m: &Machine, path: &Path, ram_size: u64) -> Result<Firmware, BoardError> {
    let fw = read_file(path, ram_size)?;
    let ram = m.bus().ram();
    if is_elf(&fw) {
        let elf = load_elf(path, &fw, ram)?;
        return Ok(Firmware {
            entry: elf.entry,
            start: elf.start,
            end: elf.end,
        });
    }
    ram.write(RAM_BASE, &fw)
        .map_err(|e| outside_ram(path, e.addr, e.len, ram))?;
    Ok(Firmware {
        entry: RAM_BASE,
        start: RAM_BASE,
        end: RAM_BASE + fw.len() as u64,
    })
}

/// Boots through an M-mode firmware: the firmware first (it decides where
/// a raw kernel goes: the next 2 MiB boundary after it, where `fw_jump`
/// jumps), then the kernel (an Image at its text_offset, an ELF at its
/// addresses), which must not overlap it, and the device tree at the top;
/// every hart starts in M-mode at the firmware with a0 = hartid, a1 = DTB,
/// a2 = fw_dynamic info.
pub(super) fn boot_with_firmware(
    m: &mut Machine,
    firmware: &Path,
    kernel: &[u8],
    initrd: Option<&[u8]>,
    desc: &MachineDescription,
) -> Result<(), BoardError> {
    let fw = load_firmware(m, firmware, desc.ram.size)?;
    let raw_at = raw_kernel_address(fw.end)
        .ok_or_else(|| outside_ram(firmware, fw.start, fw.end - fw.start, m.bus().ram()))?;
    let boot = load_linux(m.bus().ram(), kernel, initrd, desc, raw_at)?;
    if boot.kernel.start < fw.end && fw.start < boot.kernel.end {
        return Err(BoardError::FirmwareOverlapsKernel {
            firmware: firmware.to_owned(),
            start: fw.start,
            end: fw.end,
            kernel: boot.kernel.start,
        });
    }
    let info_addr = write_fw_dynamic_info(m, firmware, &boot)?;
    // Every hart enters the firmware, as from QEMU's reset vector; the
    // firmware picks its boot hart and parks the others itself.
    for hart in &mut m.harts {
        hart.set_pc(fw.entry);
        hart.set_xreg(10, hart.index() as u64);
        hart.set_xreg(11, boot.dtb_addr);
        hart.set_xreg(12, info_addr);
    }
    log::info!(
        "firmware {} at {:#x}, kernel at {:#x}",
        firmware.display(),
        fw.entry,
        boot.kernel.entry
    );
    Ok(())
}

/// Writes `fw_dynamic_info` right after the device tree (which may end at
/// the top of RAM) and returns its address.
fn write_fw_dynamic_info(
    m: &Machine,
    firmware: &Path,
    boot: &LinuxBoot,
) -> Result<u64, BoardError> {
    let info_addr = (boot.dtb_addr + boot.dtb_len + 7) & !7;
    let info = [
        FW_DYNAMIC_MAGIC,
        FW_DYNAMIC_VERSION,
        boot.kernel.entry,
        NEXT_MODE_S,
        0,
        u64::MAX,
    ];
    let bytes: Vec<u8> = info.iter().flat_map(|w| w.to_le_bytes()).collect();
    m.bus()
        .ram()
        .write(info_addr, &bytes)
        .map_err(|e| outside_ram(firmware, e.addr, e.len, m.bus().ram()))?;
    Ok(info_addr)
}

/// A raw binary on bare metal (`--bios none`), as QEMU's `-bios none
/// -kernel`: at the start of RAM (no firmware before it), every hart
/// entering it in M-mode with a0 = hartid and a1 = the device tree.
pub(super) fn boot_raw_bare(
    m: &mut Machine,
    kernel: &[u8],
    initrd: Option<&[u8]>,
    desc: &MachineDescription,
) -> Result<(), BoardError> {
    let boot = load_linux(m.bus().ram(), kernel, initrd, desc, RAM_BASE)?;
    for hart in &mut m.harts {
        hart.set_pc(boot.kernel.entry);
        hart.set_xreg(10, hart.index() as u64);
        hart.set_xreg(11, boot.dtb_addr);
    }
    Ok(())
}
