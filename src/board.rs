//! The QEMU-`virt`-compatible board: its memory map, the devices heron puts
//! on it, and the ways a guest boots (bare-metal ELF in M-mode, a Linux
//! kernel on the built-in SBI, or an M-mode firmware such as OpenSBI).

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use heron_cpu::MisalignedAccess;
use heron_devices::plic::PLIC_SIZE;
use heron_devices::rtc::GOLDFISH_RTC_SIZE;
use heron_devices::syscon::SIFIVE_TEST_SIZE;
use heron_devices::uart::UART_SIZE;
use heron_devices::virtio::{
    Disk, DiskError, DiskMode, EntropySource, VirtioBlk, VirtioMmio, VirtioRng, VIRTIO_MMIO_SIZE,
};
use heron_devices::{GoldfishRtc, IrqLevels, Plic, SifiveTest, SystemClock, Uart, UartHandle};
use heron_firmware::{firmware_boot, load_linux, BootError, MachineDescription, Sbi, SbiConsole};
use heron_mmu::bus::MapError;
use thiserror::Error;

use crate::htif::Htif;
use crate::loader::{load_elf, LoadError};
use crate::machine::{
    Accel, JitOptions, Machine, MachineConfig, MachineError, TimeSource, RAM_BASE,
};

/// The physical memory map (the same addresses and interrupt numbers as
/// QEMU's `virt`, so its firmware and kernels run unchanged).
mod describe;

use describe::describe;

pub mod map {
    /// sifive_test / syscon: power-off, reboot, exit code.
    pub const TEST_BASE: u64 = 0x0010_0000;
    /// Goldfish RTC.
    pub const RTC_BASE: u64 = 0x0010_1000;
    /// PLIC.
    pub const PLIC_BASE: u64 = 0x0c00_0000;
    /// 16550A UART.
    pub const UART_BASE: u64 = 0x1000_0000;
    /// First virtio-mmio slot.
    pub const VIRTIO_BASE: u64 = 0x1000_1000;
    /// Distance between virtio-mmio slots.
    pub const VIRTIO_STRIDE: u64 = 0x1000;
    /// Number of virtio-mmio slots.
    pub const VIRTIO_SLOTS: usize = 8;
    /// PLIC source of the UART.
    pub const UART_IRQ: u32 = 10;
    /// PLIC source of the RTC.
    pub const RTC_IRQ: u32 = 11;
    /// PLIC source of virtio slot 0 (slot n uses n + 1).
    pub const VIRTIO_IRQ: u32 = 1;
    /// PLIC sources heron implements (1..=63).
    pub const PLIC_NDEV: u32 = 63;
    /// UART input clock (as QEMU's ns16550a).
    pub const UART_CLOCK_HZ: u32 = 3_686_400;
}

/// Which firmware runs before the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bios {
    /// Built-in SBI for a Linux `Image`, none for an ELF.
    Auto,
    /// heron serves SBI calls itself; the kernel starts in S-mode.
    Builtin,
    /// No firmware: the ELF starts in M-mode at its entry.
    None,
    /// An M-mode firmware image (e.g. OpenSBI's `fw_jump.bin`).
    File(PathBuf),
}

/// One `--disk`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskSpec {
    /// Raw image file.
    pub path: PathBuf,
    /// Guest writes fail.
    pub read_only: bool,
}

/// `--cpu` properties: choices the spec leaves to the implementation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuOptions {
    /// What misaligned ordinary loads and stores do.
    pub misaligned: MisalignedAccess,
}

/// Everything that decides what the board looks like and how it boots.
#[derive(Clone, Debug)]
pub struct BoardConfig {
    /// RAM size in bytes.
    pub ram_size: u64,
    /// The kernel or bare-metal program.
    pub kernel: PathBuf,
    /// Initial ramdisk.
    pub initrd: Option<PathBuf>,
    /// Kernel command line.
    pub append: String,
    /// virtio-blk disks, in slot order.
    pub disks: Vec<DiskSpec>,
    /// Discard disk writes (images stay byte-identical).
    pub snapshot: bool,
    /// A virtio-rng device in the slot after the disks.
    pub rng: bool,
    /// Firmware choice.
    pub bios: Bios,
    /// Repeatable runs: time from the instruction count, fixed RTC and seed.
    pub deterministic: bool,
    /// CPU properties.
    pub cpu: CpuOptions,
    /// Number of harts.
    pub harts: usize,
    /// The execution engine.
    pub accel: Accel,
    /// The JIT's settings.
    pub jit: JitOptions,
    /// The gdb stub will serve (KVM must offer guest debugging).
    pub gdb: bool,
    /// An instruction trace is asked for (which KVM cannot make).
    pub tracing: bool,
}

/// Why the board could not be built or booted.
#[derive(Debug, Error)]
pub enum BoardError {
    /// Bad bare-metal ELF or firmware ELF.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The kernel, initrd or device tree could not be placed.
    #[error(transparent)]
    Boot(#[from] BootError),
    /// A disk image could not be opened.
    #[error("disk {path}: {source}")]
    Disk {
        /// The image.
        path: PathBuf,
        /// Why.
        source: DiskError,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A kernel, initrd or firmware that is a device, FIFO, directory...
    #[error("{0} is not a regular file")]
    NotRegularFile(PathBuf),
    /// A kernel, initrd or firmware too large to be loaded.
    #[error("{path} is {size} bytes, larger than {limit} bytes ({why})")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The most it may have.
        limit: u64,
        /// Where the limit comes from.
        why: &'static str,
    },
    /// More disks than virtio slots.
    #[error("at most {max} disks are supported, {given} given")]
    TooManyDisks {
        /// Slots.
        max: usize,
        /// Disks asked for.
        given: usize,
    },
    /// The kernel is neither a RISC-V Linux Image nor an ELF.
    #[error("{0} is neither an ELF file nor a RISC-V Linux Image")]
    UnknownKernel(PathBuf),
    /// RAM or a device mapping failed.
    #[error(transparent)]
    Machine(#[from] MachineError),
    /// `--accel kvm` where KVM cannot run, or with what it cannot do.
    #[error(transparent)]
    Kvm(#[from] crate::kvm::KvmError),
}

impl From<MapError> for BoardError {
    fn from(e: MapError) -> Self {
        BoardError::Machine(MachineError::Map(e))
    }
}

impl BoardError {
    /// Whether the user's input (files, options) is at fault, rather than
    /// the host.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, BoardError::Machine(_))
    }
}

/// A built board: the machine, and the UART's host side when the board
/// has a console.
pub struct Board {
    /// The machine, ready to run.
    pub machine: Machine,
    /// The UART input side, for the host console.
    pub uart: Option<UartHandle>,
    /// Signature range of a bare-metal ELF (riscof).
    pub signature: Option<(u64, u64)>,
}

/// The SBI debug console and legacy putchar share the UART's output.
struct StdoutConsole;

impl SbiConsole for StdoutConsole {
    fn write(&mut self, bytes: &[u8]) {
        let mut out = std::io::stdout();
        // Console output is best effort: a closed pipe must not stop the guest.
        let _ = out.write_all(bytes);
        let _ = out.flush();
    }

    fn read(&mut self, _buf: &mut [u8]) -> usize {
        // Input goes to the UART, which Linux switches to once it is up.
        0
    }
}

/// The most heron reads of an ELF file when that is more than the RAM:
/// its symbols and debug information are not loaded, so an ELF (a vmlinux
/// with debug info) may be larger than the guest RAM and still fit.
const ELF_FILE_MAX: u64 = 4 << 30;

/// Reads a kernel, initrd or firmware file: a regular file, of at most
/// `ram_size` bytes (anything larger cannot fit in RAM; an ELF may be up
/// to [`ELF_FILE_MAX`]). Devices such as /dev/zero, FIFOs and directories
/// are refused before anything is read.
fn read_file(path: &Path, ram_size: u64) -> Result<Vec<u8>, BoardError> {
    let read_error = |source| BoardError::Read {
        path: path.to_owned(),
        source,
    };
    // Non-blocking, so that opening a FIFO does not wait for a writer; for
    // a regular file the flag changes nothing.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(read_error)?;
    // The metadata of the opened file, not of the path, which may have
    // changed in between.
    let meta = file.metadata().map_err(read_error)?;
    if !meta.is_file() {
        return Err(BoardError::NotRegularFile(path.to_owned()));
    }
    let mut magic = [0u8; 4];
    let n = file.read_at(&mut magic, 0).map_err(read_error)?;
    let (limit, why) = if is_elf(&magic[..n]) && ram_size < ELF_FILE_MAX {
        (ELF_FILE_MAX, "heron's limit for an ELF file")
    } else {
        (ram_size, "the guest RAM, --memory")
    };
    let too_large = |size| BoardError::TooLarge {
        path: path.to_owned(),
        size,
        limit,
        why,
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read: never read past the limit.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

fn is_linux_image(bytes: &[u8]) -> bool {
    bytes.get(56..60) == Some(b"RSC\x05")
}

/// Builds the board described by `config` and loads the guest.
pub fn build(config: &BoardConfig) -> Result<Board, BoardError> {
    let kernel = read_file(&config.kernel, config.ram_size)?;
    let bios = match &config.bios {
        Bios::Auto if is_linux_image(&kernel) => Bios::Builtin,
        Bios::Auto if is_elf(&kernel) => Bios::None,
        Bios::Auto => return Err(BoardError::UnknownKernel(config.kernel.clone())),
        other => other.clone(),
    };
    let time = if config.deterministic {
        TimeSource::Instructions
    } else {
        TimeSource::Host
    };
    let accel = match config.accel {
        Accel::Kvm => {
            kvm_admits(config, &bios)?;
            Accel::Kvm
        }
        // A board KVM cannot run falls back without a word (the log says
        // which engine runs).
        Accel::Auto if kvm_admits(config, &bios).is_ok() => Accel::Kvm,
        Accel::Auto if heron_jit::host_supported() => Accel::Jit,
        Accel::Auto => Accel::Interp,
        other => other,
    };
    let config = &BoardConfig {
        accel,
        ..config.clone()
    };
    let mut m = Machine::new(&MachineConfig {
        ram_size: config.ram_size,
        time,
        harts: config.harts,
        accel: config.accel,
        jit: config.jit,
        secondaries_wait: bios == Bios::Builtin,
    })?;
    for hart in &mut m.harts {
        hart.set_misaligned(config.cpu.misaligned);
    }

    if bios == Bios::None {
        // Bare metal, as under Spike: the ELF at its physical addresses, HTIF
        // when it has `tohost`. The virt devices are there too.
        let uart = map_devices(&mut m, config)?;
        let elf = load_elf(&config.kernel, &kernel, m.bus().ram())?;
        // Every hart starts at the entry, as on Spike and QEMU.
        for hart in &mut m.harts {
            hart.set_pc(elf.entry);
        }
        if let Some(tohost) = elf.tohost {
            m.attach_htif(Htif::new(tohost, elf.fromhost, Box::new(std::io::stdout())));
        }
        return Ok(Board {
            machine: m,
            uart: Some(uart),
            signature: elf.signature,
        });
    }

    let uart = map_devices(&mut m, config)?;
    let initrd = match &config.initrd {
        Some(path) => Some(read_file(path, config.ram_size)?),
        None => None,
    };
    let desc = describe(config, m.kvm_cpu());
    match bios {
        Bios::Builtin if config.accel == Accel::Kvm => {
            // KVM is the SBI: hart 0 enters the kernel in (VS-)S-mode
            // with a0 = hartid and a1 = the DTB; the others wait for an
            // HSM start (held stopped when made).
            let boot = load_linux(m.bus().ram(), &kernel, initrd.as_deref(), &desc)?;
            let hart = m.harts[0].as_mut();
            hart.set_pc(boot.kernel.entry);
            hart.set_xreg(10, 0);
            hart.set_xreg(11, boot.dtb_addr);
        }
        Bios::Builtin => {
            let boot = load_linux(m.bus().ram(), &kernel, initrd.as_deref(), &desc)?;
            // Hart 0 boots; the others wait, STOPPED, for an SBI hart_start.
            firmware_boot(m.harts[0].as_mut(), boot.kernel.entry, boot.dtb_addr);
            m.attach_sbi(Sbi::new(Box::new(StdoutConsole), config.harts));
        }
        Bios::File(path) => boot_with_firmware(&mut m, &path, &kernel, initrd.as_deref(), &desc)?,
        Bios::Auto | Bios::None => unreachable!("resolved above"),
    }
    Ok(Board {
        machine: m,
        uart: Some(uart),
        signature: None,
    })
}

/// Whether KVM can run this board: it must be there, and the guest must
/// start in S-mode with nothing that needs a software engine.
fn kvm_admits(config: &BoardConfig, bios: &Bios) -> Result<(), crate::kvm::KvmError> {
    use crate::kvm::KvmError::Unsupported;
    crate::kvm::probe()?;
    match bios {
        Bios::File(_) => return Err(Unsupported("M-mode firmware (--bios FILE)")),
        Bios::None => return Err(Unsupported(
            "a bare-metal ELF, which starts in M-mode (an S-mode program runs with --bios builtin)",
        )),
        Bios::Builtin | Bios::Auto => {}
    }
    if config.deterministic {
        return Err(Unsupported("--deterministic"));
    }
    if config.jit.check {
        return Err(Unsupported("--jit-check"));
    }
    if config.tracing {
        return Err(Unsupported("--trace"));
    }
    if config.gdb {
        crate::kvm::probe_guest_debug()?;
    }
    Ok(())
}

/// Maps the virt devices: PLIC, UART, syscon, RTC and one virtio-blk per
/// disk. Returns the UART's input side.
fn map_devices(m: &mut Machine, config: &BoardConfig) -> Result<UartHandle, BoardError> {
    use map::*;
    let disk_slots = VIRTIO_SLOTS - usize::from(config.rng);
    if config.disks.len() > disk_slots {
        return Err(BoardError::TooManyDisks {
            max: disk_slots,
            given: config.disks.len(),
        });
    }
    let levels = IrqLevels::new();
    let (plic, plic_handle) = Plic::new(levels.clone(), m.harts.len());
    m.core
        .bus
        .map(PLIC_BASE, PLIC_SIZE, "plic", Box::new(plic))?;
    m.attach_plic(plic_handle);
    let (uart, uart_handle) = Uart::new(levels.line(UART_IRQ), Box::new(std::io::stdout()));
    m.core
        .bus
        .map(UART_BASE, UART_SIZE, "uart", Box::new(uart))?;
    m.core.bus.map(
        TEST_BASE,
        SIFIVE_TEST_SIZE,
        "sifive_test",
        Box::new(SifiveTest::new(m.power())),
    )?;
    let rtc = if config.deterministic {
        // 2026-01-01T00:00:00Z, fixed so that repeated runs see the same date.
        GoldfishRtc::new(Box::new(|| 1_767_225_600_000_000_000u64))
    } else {
        GoldfishRtc::new(Box::new(SystemClock))
    };
    m.core
        .bus
        .map(RTC_BASE, GOLDFISH_RTC_SIZE, "rtc", Box::new(rtc))?;
    for (i, disk) in config.disks.iter().enumerate() {
        let mode = if disk.read_only {
            DiskMode::ReadOnly
        } else if config.snapshot {
            DiskMode::Snapshot
        } else {
            DiskMode::ReadWrite
        };
        let image = Disk::open(&disk.path, mode).map_err(|source| BoardError::Disk {
            path: disk.path.clone(),
            source,
        })?;
        let dev = VirtioMmio::new(
            Box::new(VirtioBlk::new(image)),
            m.bus().ram().dma_handle(),
            levels.line(VIRTIO_IRQ + i as u32),
        );
        let base = VIRTIO_BASE + i as u64 * VIRTIO_STRIDE;
        m.core
            .bus
            .map(base, VIRTIO_MMIO_SIZE, "virtio-blk", Box::new(dev))?;
    }
    if config.rng {
        let slot = config.disks.len();
        let source = if config.deterministic {
            EntropySource::Repeatable(0x6865_726f_6e00_0000)
        } else {
            EntropySource::Host
        };
        let dev = VirtioMmio::new(
            Box::new(VirtioRng::new(source)),
            m.bus().ram().dma_handle(),
            levels.line(VIRTIO_IRQ + slot as u32),
        );
        let base = VIRTIO_BASE + slot as u64 * VIRTIO_STRIDE;
        m.core
            .bus
            .map(base, VIRTIO_MMIO_SIZE, "virtio-rng", Box::new(dev))?;
    }
    Ok(uart_handle)
}

fn outside_ram(path: &Path, addr: u64, size: u64, ram: &heron_mmu::GuestRam) -> BoardError {
    BoardError::Load(LoadError::OutsideRam {
        path: path.to_owned(),
        addr,
        size,
        ram_start: ram.base(),
        ram_end: ram.end(),
    })
}

/// OpenSBI's `fw_dynamic_info` (v2): where `fw_dynamic.bin` finds the next
/// stage. Ignored by `fw_jump.bin`, which has the address built in.
const FW_DYNAMIC_MAGIC: u64 = 0x4942_534f;
const FW_DYNAMIC_VERSION: u64 = 2;
const NEXT_MODE_S: u64 = 1;

/// Boots through an M-mode firmware: firmware at the start of RAM, the
/// kernel at `FIRMWARE_KERNEL_ADDR` (an Image's text_offset puts it there),
/// the device tree at the top; the hart starts in M-mode at the firmware
/// with a0 = hartid, a1 = DTB, a2 = fw_dynamic info.
fn boot_with_firmware(
    m: &mut Machine,
    firmware: &Path,
    kernel: &[u8],
    initrd: Option<&[u8]>,
    desc: &MachineDescription,
) -> Result<(), BoardError> {
    let boot = load_linux(m.bus().ram(), kernel, initrd, desc)?;
    let fw = read_file(firmware, desc.ram.size)?;
    let entry = if is_elf(&fw) {
        load_elf(firmware, &fw, m.bus().ram())?.entry
    } else {
        if boot.kernel.entry < RAM_BASE + fw.len() as u64 {
            return Err(BoardError::Load(LoadError::OutsideRam {
                path: firmware.to_owned(),
                addr: RAM_BASE,
                size: fw.len() as u64,
                ram_start: RAM_BASE,
                ram_end: boot.kernel.entry,
            }));
        }
        m.bus()
            .ram()
            .write(RAM_BASE, &fw)
            .map_err(|e| outside_ram(firmware, e.addr, e.len, m.bus().ram()))?;
        RAM_BASE
    };
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
    // Right after the device tree, which may end at the top of RAM.
    m.bus()
        .ram()
        .write(info_addr, &bytes)
        .map_err(|e| outside_ram(firmware, e.addr, e.len, m.bus().ram()))?;
    // Every hart enters the firmware, as from QEMU's reset vector; the
    // firmware picks its boot hart and parks the others itself.
    for hart in &mut m.harts {
        hart.set_pc(entry);
        hart.set_xreg(10, hart.index() as u64);
        hart.set_xreg(11, boot.dtb_addr);
        hart.set_xreg(12, info_addr);
    }
    log::info!(
        "firmware {} at {entry:#x}, kernel at {:#x}",
        firmware.display(),
        boot.kernel.entry
    );
    Ok(())
}
