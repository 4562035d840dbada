//! The QEMU-`virt`-compatible board: its memory map, the devices heron puts
//! on it, and the ways a guest boots (bare-metal ELF or raw binary in
//! M-mode, a Linux kernel or raw S-mode binary on the built-in SBI, or an
//! M-mode firmware such as OpenSBI with its payload: a kernel, U-Boot).

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use heron_cpu::MisalignedAccess;
use heron_devices::plic::PLIC_SIZE;
use heron_devices::rtc::GOLDFISH_RTC_SIZE;
use heron_devices::syscon::SIFIVE_TEST_SIZE;
use heron_devices::uart::UART_SIZE;
use heron_devices::virtio::DiskError;
use heron_devices::{GoldfishRtc, IrqLevels, Plic, SifiveTest, SystemClock, Uart, UartHandle};
use heron_firmware::{firmware_boot, load_linux, BootError, KernelFormat, Sbi, SbiConsole};
use heron_mmu::bus::MapError;
use thiserror::Error;

use crate::htif::Htif;
use crate::loader::{load_elf, LoadError};
use crate::machine::{
    Accel, JitOptions, Machine, MachineConfig, MachineError, TimeSource, RAM_BASE,
};
use crate::net::{NetError, NetSpec};

/// Where a raw binary goes on the built-in SBI, which takes no RAM: where
/// it would go after OpenSBI, so that a program linked for QEMU with
/// OpenSBI (0x8020_0000) runs unchanged.
const BUILTIN_RAW_AT: u64 = RAM_BASE + 0x20_0000;

mod boot;
mod describe;
mod net;
mod virtio;

use boot::{boot_raw_bare, boot_with_firmware};
use describe::describe;
pub use net::UserNet;

/// The physical memory map (the same addresses and interrupt numbers as
/// QEMU's `virt`, so its firmware and kernels run unchanged).
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
    /// None for an ELF, the built-in SBI for a Linux `Image` or a raw
    /// binary.
    Auto,
    /// heron serves SBI calls itself; the kernel starts in S-mode.
    Builtin,
    /// No firmware: an ELF starts in M-mode at its entry, a raw binary at
    /// the start of RAM.
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
    /// A virtio-rng device in the slot after the disks (and the card).
    pub rng: bool,
    /// A virtio-net card on user networking, in the slot after the disks.
    pub net: Option<NetSpec>,
    /// Shared host directories (virtio-9p), in the slots after the card.
    pub shares: Vec<heron_devices::virtio::P9Share>,
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
    /// The user network could not be set up.
    #[error(transparent)]
    Net(#[from] NetError),
    /// Bad bare-metal ELF or firmware ELF.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The kernel, initrd or device tree could not be placed.
    #[error(transparent)]
    Boot(#[from] BootError),
    /// A shared directory could not be exported.
    #[error("--share {path}: {source}")]
    Share {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: heron_devices::virtio::P9Error,
    },
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
    /// An empty kernel file: not even a raw binary (QEMU refuses it too).
    #[error("{0} is empty: a kernel is an ELF file, a RISC-V Linux Image or a raw binary")]
    EmptyKernel(PathBuf),
    /// `--bios none` with a Linux Image, which needs an SBI below it.
    #[error("{0} is a Linux Image, which runs in S-mode on an SBI: use --bios builtin or an M-mode firmware, not --bios none")]
    ImageWithoutFirmware(PathBuf),
    /// The kernel would overwrite the M-mode firmware.
    #[error("firmware {firmware} ({start:#x}..{end:#x}) overlaps the kernel at {kernel:#x}")]
    FirmwareOverlapsKernel {
        /// The firmware file.
        firmware: PathBuf,
        /// Its lowest address.
        start: u64,
        /// One past its highest.
        end: u64,
        /// The kernel's lowest address.
        kernel: u64,
    },
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
    /// The user network behind the virtio-net card (`--net`): held so that
    /// it runs while the board lives, and stops with it.
    _network: Option<UserNet>,
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

/// Builds the board described by `config` and loads the guest.
pub fn build(config: &BoardConfig) -> Result<Board, BoardError> {
    let kernel = read_file(&config.kernel, config.ram_size)?;
    let (bios, format) = resolve_bios(config, &kernel)?;
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
    let (uart, net) = map_devices(&mut m, config)?;
    if bios == Bios::None && format == KernelFormat::Elf {
        return boot_bare_elf(m, config, &kernel, uart, net);
    }

    let initrd = match &config.initrd {
        Some(path) => Some(read_file(path, config.ram_size)?),
        None => None,
    };
    let desc = describe(config, m.kvm_cpu());
    match bios {
        Bios::Builtin => boot_builtin(&mut m, config, &kernel, initrd.as_deref(), &desc)?,
        Bios::File(path) => boot_with_firmware(&mut m, &path, &kernel, initrd.as_deref(), &desc)?,
        Bios::None => boot_raw_bare(&mut m, &kernel, initrd.as_deref(), &desc)?,
        Bios::Auto => unreachable!("resolved above"),
    }
    Ok(Board {
        machine: m,
        uart: Some(uart),
        signature: None,
        _network: net,
    })
}

/// The firmware the kernel file boots on (`--bios`, or by default what
/// its format needs), and that format. An empty file is no kernel.
fn resolve_bios(config: &BoardConfig, kernel: &[u8]) -> Result<(Bios, KernelFormat), BoardError> {
    if kernel.is_empty() {
        return Err(BoardError::EmptyKernel(config.kernel.clone()));
    }
    let format = KernelFormat::of(kernel);
    let bios = match (&config.bios, format) {
        (Bios::Auto, KernelFormat::Elf) => Bios::None,
        // An Image or raw binary runs in S-mode, as on QEMU, whose default
        // firmware is OpenSBI (a raw binary goes where OpenSBI's fw_jump
        // jumps: RAM base + 2 MiB).
        (Bios::Auto, _) => Bios::Builtin,
        (Bios::None, KernelFormat::Image) => {
            return Err(BoardError::ImageWithoutFirmware(config.kernel.clone()))
        }
        (other, _) => other.clone(),
    };
    Ok((bios, format))
}

/// Bare metal, as under Spike: the ELF at its physical addresses, HTIF
/// when it has `tohost`; the virt devices are there too.
fn boot_bare_elf(
    mut m: Machine,
    config: &BoardConfig,
    kernel: &[u8],
    uart: UartHandle,
    net: Option<UserNet>,
) -> Result<Board, BoardError> {
    let elf = load_elf(&config.kernel, kernel, m.bus().ram())?;
    // Every hart starts at the entry, as on Spike and QEMU.
    for hart in &mut m.harts {
        hart.set_pc(elf.entry);
    }
    if let Some(tohost) = elf.tohost {
        m.attach_htif(Htif::new(tohost, elf.fromhost, Box::new(std::io::stdout())));
    }
    Ok(Board {
        machine: m,
        uart: Some(uart),
        signature: elf.signature,
        _network: net,
    })
}

/// A kernel (or raw S-mode binary) on the built-in SBI, or under KVM on
/// KVM's.
fn boot_builtin(
    m: &mut Machine,
    config: &BoardConfig,
    kernel: &[u8],
    initrd: Option<&[u8]>,
    desc: &heron_firmware::MachineDescription,
) -> Result<(), BoardError> {
    let boot = load_linux(m.bus().ram(), kernel, initrd, desc, BUILTIN_RAW_AT)?;
    if config.accel == Accel::Kvm {
        // KVM is the SBI: hart 0 enters the kernel in (VS-)S-mode with
        // a0 = hartid and a1 = the DTB; the others wait for an HSM start
        // (held stopped when made).
        let hart = m.harts[0].as_mut();
        hart.set_pc(boot.kernel.entry);
        hart.set_xreg(10, 0);
        hart.set_xreg(11, boot.dtb_addr);
    } else {
        // Hart 0 boots; the others wait, STOPPED, for an SBI hart_start.
        firmware_boot(m.harts[0].as_mut(), boot.kernel.entry, boot.dtb_addr);
        m.attach_sbi(Sbi::new(Box::new(StdoutConsole), config.harts));
    }
    Ok(())
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

/// Maps the virt devices: PLIC, UART, syscon, RTC and the virtio slots
/// ([`virtio::map_virtio`]). Returns the UART's input side and the user
/// network, if there is one.
fn map_devices(
    m: &mut Machine,
    config: &BoardConfig,
) -> Result<(UartHandle, Option<UserNet>), BoardError> {
    use map::*;
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
    let net = virtio::map_virtio(m, config, &levels)?;
    Ok((uart_handle, net))
}
