//! ELF loading shared by every guest program heron places in RAM: bare-metal
//! programs at their physical addresses, and ELF kernels (possibly moved).

use goblin::elf::{header, program_header::PT_LOAD, Elf, ProgramHeader};
use heron_mmu::{GuestRam, OutOfRange};
use thiserror::Error;

/// Why an ELF file cannot be loaded.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ElfError {
    /// Not a well-formed ELF file.
    #[error("{0}")]
    Parse(String),
    /// An ELF for another machine, class or byte order.
    #[error("not a RISC-V 64-bit ELF (class {class}, machine {machine})")]
    WrongArch {
        /// ELF class (1 = 32-bit, 2 = 64-bit).
        class: u8,
        /// `e_machine`.
        machine: u16,
    },
    /// A segment's file bytes run past the end of the file, or exceed its
    /// memory size.
    #[error("segment at file offset {offset:#x} runs past the end of the file or its memory size")]
    BadSegment {
        /// `p_offset`.
        offset: u64,
    },
    /// A segment (after the caller's shift) does not fit in RAM.
    #[error("segment at {addr:#x} of {size:#x} bytes lies outside RAM")]
    OutsideRam {
        /// Physical address it would occupy.
        addr: u64,
        /// Its size in memory.
        size: u64,
    },
}

/// Parses `bytes` as a little-endian RISC-V 64-bit ELF.
pub fn parse_riscv64(bytes: &[u8]) -> Result<Elf<'_>, ElfError> {
    let elf = Elf::parse(bytes).map_err(|e| ElfError::Parse(e.to_string()))?;
    if !elf.is_64 || !elf.little_endian || elf.header.e_machine != header::EM_RISCV {
        return Err(ElfError::WrongArch {
            class: bytes.get(header::EI_CLASS).copied().unwrap_or(0),
            machine: elf.header.e_machine,
        });
    }
    Ok(elf)
}

/// The `PT_LOAD` segments that occupy memory.
pub fn loadable_segments<'a>(elf: &'a Elf<'_>) -> impl Iterator<Item = &'a ProgramHeader> {
    elf.program_headers
        .iter()
        .filter(|p| p.p_type == PT_LOAD && p.p_memsz > 0)
}

/// Copies every loadable segment to its physical address plus `shift`
/// (wrapping) and zeroes the rest of it (`.bss`). Every segment is checked
/// before anything is written.
pub fn load_segments(
    elf: &Elf<'_>,
    bytes: &[u8],
    ram: &GuestRam,
    shift: u64,
) -> Result<(), ElfError> {
    let mut plan = Vec::new();
    for p in loadable_segments(elf) {
        let data = usize::try_from(p.p_offset)
            .ok()
            .zip(usize::try_from(p.p_filesz).ok())
            .and_then(|(off, len)| bytes.get(off..off.checked_add(len)?))
            .filter(|_| p.p_filesz <= p.p_memsz)
            .ok_or(ElfError::BadSegment { offset: p.p_offset })?;
        let pa = p.p_paddr.wrapping_add(shift);
        if !ram.contains(pa, p.p_memsz) {
            return Err(ElfError::OutsideRam {
                addr: pa,
                size: p.p_memsz,
            });
        }
        plan.push((pa, data, p.p_memsz));
    }
    for (pa, data, memsz) in plan {
        // Checked above to lie in RAM, so these cannot fail; were they to,
        // the segment is reported rather than half-loaded silently.
        let outside = |_| ElfError::OutsideRam {
            addr: pa,
            size: memsz,
        };
        ram.write(pa, data).map_err(outside)?;
        let filesz = data.len() as u64;
        zero_fill(ram, pa + filesz, memsz - filesz).map_err(outside)?;
    }
    Ok(())
}

/// Zeroes `[addr, addr + len)` of RAM in bounded chunks (no allocation the
/// size of a hostile `.bss`); nothing is written if the range leaves RAM.
pub fn zero_fill(ram: &GuestRam, addr: u64, len: u64) -> Result<(), OutOfRange> {
    static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];
    if !ram.contains(addr, len) {
        return Err(OutOfRange { addr, len });
    }
    let mut done = 0;
    while done < len {
        let n = (len - done).min(ZEROS.len() as u64);
        ram.write(addr + done, &ZEROS[..n as usize])?;
        done += n;
    }
    Ok(())
}
