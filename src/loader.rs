//! Loading guest programs: ELF executables placed at their physical
//! addresses.

use std::path::{Path, PathBuf};

use heron_firmware::elf::{self, ElfError};
use heron_mmu::GuestRam;
use thiserror::Error;

/// Why a guest program could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// Not a well-formed ELF file.
    #[error("{path} is not a valid ELF file: {reason}")]
    NotElf {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// An ELF for another machine or class.
    #[error("{path} is not a RISC-V 64-bit ELF (class {class}, machine {machine})")]
    WrongArch {
        /// The file.
        path: PathBuf,
        /// ELF class (1 = 32-bit, 2 = 64-bit).
        class: u8,
        /// e_machine.
        machine: u16,
    },
    /// A segment does not fit in guest RAM.
    #[error("{path}: segment at {addr:#x} of {size:#x} bytes lies outside RAM {ram_start:#x}..{ram_end:#x}")]
    OutsideRam {
        /// The file.
        path: PathBuf,
        /// Segment physical address.
        addr: u64,
        /// Segment size in memory.
        size: u64,
        /// RAM start.
        ram_start: u64,
        /// RAM end.
        ram_end: u64,
    },
    /// No PT_LOAD segment.
    #[error("{path} has no loadable segments")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// A loaded ELF: its entry point and the symbols heron cares about.
#[derive(Debug, Default)]
pub struct LoadedElf {
    /// Entry point.
    pub entry: u64,
    /// The lowest physical address its segments occupy.
    pub start: u64,
    /// One past the highest physical address they occupy (where a firmware
    /// ends, for the kernel placed after it).
    pub end: u64,
    /// HTIF `tohost` address.
    pub tohost: Option<u64>,
    /// HTIF `fromhost` address.
    pub fromhost: Option<u64>,
    /// riscof/spike signature range.
    pub signature: Option<(u64, u64)>,
}

/// Loads `bytes`, the ELF file read from `path` (named in errors), into
/// `ram` at its segments' physical addresses. The caller reads the file
/// once, with the checks on what it is and how large (`board::read_file`).
pub fn load_elf(path: &Path, bytes: &[u8], ram: &GuestRam) -> Result<LoadedElf, LoadError> {
    let (ram_start, ram_end) = (ram.base(), ram.end());
    let error = |e: ElfError| match e {
        ElfError::WrongArch { class, machine } => LoadError::WrongArch {
            path: path.to_owned(),
            class,
            machine,
        },
        ElfError::OutsideRam { addr, size } => LoadError::OutsideRam {
            path: path.to_owned(),
            addr,
            size,
            ram_start,
            ram_end,
        },
        other => LoadError::NotElf {
            path: path.to_owned(),
            reason: other.to_string(),
        },
    };
    let elf = elf::parse_riscv64(bytes).map_err(error)?;
    if elf::loadable_segments(&elf).next().is_none() {
        return Err(LoadError::Empty {
            path: path.to_owned(),
        });
    }
    // Bare metal runs where it was linked: no shift.
    elf::load_segments(&elf, bytes, ram, 0).map_err(error)?;
    let symbol = |name: &str| {
        elf.syms
            .iter()
            .find(|s| elf.strtab.get_at(s.st_name) == Some(name))
            .map(|s| s.st_value)
    };
    let signature = symbol("begin_signature").zip(symbol("end_signature"));
    // load_segments checked every segment against RAM, so none wraps;
    // there is at least one (checked above).
    let segments = || elf::loadable_segments(&elf);
    let start = segments().map(|p| p.p_paddr).min().unwrap_or(ram_start);
    let end = segments()
        .map(|p| p.p_paddr.saturating_add(p.p_memsz))
        .max()
        .unwrap_or(ram_start);
    Ok(LoadedElf {
        entry: elf.entry,
        start,
        end,
        tohost: symbol("tohost"),
        fromhost: symbol("fromhost"),
        signature,
    })
}
