//! Every device of the `virt` board, built as the board builds them, with
//! the handles the checks look through; and the board's memory map.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use heron_devices::clint::CLINT_SIZE;
use heron_devices::plic::PLIC_SIZE;
use heron_devices::rtc::GOLDFISH_RTC_SIZE;
use heron_devices::syscon::SIFIVE_TEST_SIZE;
use heron_devices::uart::UART_SIZE;
use heron_devices::virtio::{Disk, DiskMode, VirtioBlk, VirtioMmio, VIRTIO_MMIO_SIZE};
use heron_devices::{
    Clint, ClintHandle, GoldfishRtc, IrqLevels, Plic, PlicHandle, PowerControl, SifiveTest, Uart,
};
use heron_mmu::{GuestRam, MmioDevice};

pub const RAM_BASE: u64 = 0x8000_0000;
pub const RAM_SIZE: u64 = 0x1_0000;
pub const HARTS: usize = 2;
/// PLIC sources of the UART and the virtio device, as on `virt`.
pub const UART_IRQ: u32 = 10;
pub const VIRTIO_IRQ: u32 = 1;
/// The RTC's clock: fixed, so that time reads are predictable.
pub const RTC_NOW: u64 = 0x1234_5678_9abc_def0;

/// Device indices into [`Rig::devices`] and [`MAP`].
pub const CLINT: usize = 0;
pub const PLIC: usize = 1;
pub const UART: usize = 2;
pub const SYSCON: usize = 3;
pub const RTC: usize = 4;
pub const VIRTIO: usize = 5;

/// (base, size) of each device on `virt`, in index order.
pub const MAP: [(u64, u64); 6] = [
    (0x0200_0000, CLINT_SIZE),
    (0x0c00_0000, PLIC_SIZE),
    (0x1000_0000, UART_SIZE),
    (0x0010_0000, SIFIVE_TEST_SIZE),
    (0x0010_1000, GOLDFISH_RTC_SIZE),
    (0x1000_1000, VIRTIO_MMIO_SIZE),
];

/// A small disk image, removed on drop.
pub struct Image(PathBuf);

impl Image {
    pub fn new() -> Image {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("heron-mmio-fuzz-{}-{n}.img", std::process::id()));
            if let Ok(mut f) = OpenOptions::new().write(true).create_new(true).open(&path) {
                f.write_all(&[0x5a; 4096]).expect("temp image written");
                return Image(path);
            }
        }
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The devices and the machine-side handles.
pub struct Rig {
    pub ram: GuestRam,
    pub devices: Vec<Box<dyn MmioDevice>>,
    pub levels: IrqLevels,
    pub clint: ClintHandle,
    pub plic: PlicHandle,
    pub power: PowerControl,
    /// PLIC sources held high by the test (besides UART and virtio).
    pub held: u64,
}

impl Rig {
    /// All devices in their reset state; `held` lines (bits 2..=9 and
    /// 11..=63) driven high, so the PLIC has something to claim.
    pub fn new(image: &Image, held: u64) -> Rig {
        let ram = GuestRam::new(RAM_BASE, RAM_SIZE).expect("test RAM");
        let levels = IrqLevels::new();
        let held = held & !(1 | (1 << UART_IRQ) | (1 << VIRTIO_IRQ));
        for src in 1..64 {
            if held & (1 << src) != 0 {
                levels.line(src).set(true);
            }
        }
        let (clint, clint_handle) = Clint::new(heron_mmu::HartEvents::for_harts(HARTS));
        let (plic, plic_handle) = Plic::new(levels.clone(), HARTS);
        let (uart, _input) = Uart::new(levels.line(UART_IRQ), Box::new(std::io::sink()));
        let power = PowerControl::new();
        let syscon = SifiveTest::new(power.clone());
        let rtc = GoldfishRtc::new(Box::new(|| RTC_NOW));
        let disk = Disk::open(&image.0, DiskMode::Snapshot).expect("temp image opens");
        let blk = VirtioBlk::new(disk);
        let virtio = VirtioMmio::new(Box::new(blk), ram.dma_handle(), levels.line(VIRTIO_IRQ));
        Rig {
            ram,
            devices: vec![
                Box::new(clint),
                Box::new(plic),
                Box::new(uart),
                Box::new(syscon),
                Box::new(rtc),
                Box::new(virtio),
            ],
            levels,
            clint: clint_handle,
            plic: plic_handle,
            power,
            held,
        }
    }

    pub fn read(&mut self, dev: usize, offset: u64, size: u8) -> u64 {
        self.devices[dev].read(offset, size)
    }

    pub fn write(&mut self, dev: usize, offset: u64, size: u8, value: u64) {
        self.devices[dev].write(offset, size, value)
    }

    /// Whether PLIC source `src` is held high now.
    pub fn level(&self, src: u32) -> bool {
        self.levels.levels() & (1 << src) != 0
    }
}
