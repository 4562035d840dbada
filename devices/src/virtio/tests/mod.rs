//! Tests of the virtio-mmio transport and virtio-blk, driving the device as a
//! guest driver would: registers through [`MmioDevice`], rings and requests
//! written by hand into guest RAM.

mod blk;
mod fuzz;
mod hostile;
mod net;
mod p9;
mod rng;
mod transport;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use heron_mmu::{GuestMemory, GuestRam, MmioDevice};

use super::blk::VIRTIO_BLK_F_FLUSH;
use super::mmio::status;
use super::{
    Disk, DiskMode, VirtioBlk, VirtioDevice, VirtioMmio, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_VERSION_1,
};
use crate::IrqLevels;

pub(crate) const RAM_BASE: u64 = 0x8000_0000;
pub(crate) const RAM_SIZE: u64 = 0x10_0000;
pub(crate) const RAM_END: u64 = RAM_BASE + RAM_SIZE;
pub(crate) const DESC: u64 = RAM_BASE + 0x1000;
pub(crate) const AVAIL: u64 = RAM_BASE + 0x2000;
pub(crate) const USED: u64 = RAM_BASE + 0x3000;
pub(crate) const HEADER: u64 = RAM_BASE + 0x4000;
pub(crate) const STATUS: u64 = RAM_BASE + 0x5000;
pub(crate) const INDIRECT: u64 = RAM_BASE + 0x6000;
pub(crate) const DATA: u64 = RAM_BASE + 0x10000;
pub(crate) const QSIZE: u32 = 16;
/// PLIC source the tests wire the device to.
const IRQ_SOURCE: u32 = 1;

pub(crate) const F_NEXT: u16 = 1;
pub(crate) const F_WRITE: u16 = 2;
pub(crate) const F_INDIRECT: u16 = 4;

/// Register offsets, spelled out again so that the tests check the map
/// rather than reuse it.
pub(crate) mod reg {
    pub const MAGIC: u64 = 0x00;
    pub const VERSION: u64 = 0x04;
    pub const DEVICE_ID: u64 = 0x08;
    pub const VENDOR_ID: u64 = 0x0c;
    pub const DEVICE_FEATURES: u64 = 0x10;
    pub const DEVICE_FEATURES_SEL: u64 = 0x14;
    pub const DRIVER_FEATURES: u64 = 0x20;
    pub const DRIVER_FEATURES_SEL: u64 = 0x24;
    pub const QUEUE_SEL: u64 = 0x30;
    pub const QUEUE_NUM_MAX: u64 = 0x34;
    pub const QUEUE_NUM: u64 = 0x38;
    pub const QUEUE_READY: u64 = 0x44;
    pub const QUEUE_NOTIFY: u64 = 0x50;
    pub const INTERRUPT_STATUS: u64 = 0x60;
    pub const INTERRUPT_ACK: u64 = 0x64;
    pub const STATUS: u64 = 0x70;
    pub const QUEUE_DESC_LOW: u64 = 0x80;
    pub const QUEUE_DESC_HIGH: u64 = 0x84;
    pub const QUEUE_DRIVER_LOW: u64 = 0x90;
    pub const QUEUE_DRIVER_HIGH: u64 = 0x94;
    pub const QUEUE_DEVICE_LOW: u64 = 0xa0;
    pub const QUEUE_DEVICE_HIGH: u64 = 0xa4;
    pub const SHM_LEN_LOW: u64 = 0xb0;
    pub const CONFIG_GENERATION: u64 = 0xfc;
    pub const CONFIG: u64 = 0x100;
}

/// A disk image in the temporary directory, removed on drop.
pub(crate) struct TempImage {
    path: PathBuf,
}

impl TempImage {
    pub(crate) fn new(contents: &[u8]) -> Self {
        let dir = std::env::temp_dir();
        // create_new picks the first free name, so parallel tests never share.
        for n in 0u32.. {
            let path = dir.join(format!("heron-virtio-{}-{n}.img", std::process::id()));
            if let Ok(mut f) = OpenOptions::new().write(true).create_new(true).open(&path) {
                f.write_all(contents).unwrap();
                return TempImage { path };
            }
        }
        unreachable!("no free temporary file name")
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn contents(&self) -> Vec<u8> {
        std::fs::read(&self.path).unwrap()
    }
}

impl Drop for TempImage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An image of `sectors` sectors where byte `i` is `i * 7 % 256` (so that
/// every sector differs).
pub(crate) fn pattern(sectors: usize) -> Vec<u8> {
    (0..sectors * 512).map(|i| (i * 7 % 256) as u8).collect()
}

/// A device on its transport, guest RAM, and the interrupt lines: a
/// hand-written driver.
pub(crate) struct Rig {
    _ram: GuestRam,
    pub(crate) mem: GuestMemory,
    levels: IrqLevels,
    pub(crate) dev: VirtioMmio,
    avail_idx: u16,
}

impl Rig {
    pub(crate) fn new(device: Box<dyn VirtioDevice>) -> Self {
        Rig::with_ram(device, RAM_SIZE)
    }

    /// A rig with `ram_size` bytes of RAM at [`RAM_BASE`] (at least the
    /// usual layout's 128 KiB).
    pub(crate) fn with_ram(device: Box<dyn VirtioDevice>, ram_size: u64) -> Self {
        let ram = GuestRam::new(RAM_BASE, ram_size).unwrap();
        let mem = ram.dma_handle();
        let levels = IrqLevels::new();
        let dev = VirtioMmio::new(device, mem.clone(), levels.line(IRQ_SOURCE));
        Rig {
            _ram: ram,
            mem,
            levels,
            dev,
            avail_idx: 0,
        }
    }

    pub(crate) fn blk(image: &TempImage, mode: DiskMode) -> Self {
        let disk = Disk::open(image.path(), mode).unwrap();
        Rig::new(Box::new(VirtioBlk::new(disk)))
    }

    pub(crate) fn rd(&mut self, offset: u64) -> u32 {
        self.dev.read(offset, 4) as u32
    }

    pub(crate) fn wr(&mut self, offset: u64, value: u32) {
        self.dev.write(offset, 4, value as u64)
    }

    pub(crate) fn device_features(&mut self) -> u64 {
        self.wr(reg::DEVICE_FEATURES_SEL, 0);
        let low = self.rd(reg::DEVICE_FEATURES) as u64;
        self.wr(reg::DEVICE_FEATURES_SEL, 1);
        low | (self.rd(reg::DEVICE_FEATURES) as u64) << 32
    }

    /// Steps 1–6 of §3.1.1: returns whether the device accepted `features`.
    pub(crate) fn negotiate(&mut self, features: u64) -> bool {
        self.wr(reg::STATUS, 0);
        self.wr(reg::STATUS, status::ACKNOWLEDGE);
        self.wr(reg::STATUS, status::ACKNOWLEDGE | status::DRIVER);
        self.wr(reg::DRIVER_FEATURES_SEL, 0);
        self.wr(reg::DRIVER_FEATURES, features as u32);
        self.wr(reg::DRIVER_FEATURES_SEL, 1);
        self.wr(reg::DRIVER_FEATURES, (features >> 32) as u32);
        let s = status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK;
        self.wr(reg::STATUS, s);
        self.rd(reg::STATUS) & status::FEATURES_OK != 0
    }

    /// Programs queue `index` (without setting it ready).
    pub(crate) fn program_queue(
        &mut self,
        index: u32,
        size: u32,
        desc: u64,
        avail: u64,
        used: u64,
    ) {
        self.wr(reg::QUEUE_SEL, index);
        self.wr(reg::QUEUE_NUM, size);
        self.wr(reg::QUEUE_DESC_LOW, desc as u32);
        self.wr(reg::QUEUE_DESC_HIGH, (desc >> 32) as u32);
        self.wr(reg::QUEUE_DRIVER_LOW, avail as u32);
        self.wr(reg::QUEUE_DRIVER_HIGH, (avail >> 32) as u32);
        self.wr(reg::QUEUE_DEVICE_LOW, used as u32);
        self.wr(reg::QUEUE_DEVICE_HIGH, (used >> 32) as u32);
    }

    pub(crate) fn driver_ok(&mut self) {
        let s = self.rd(reg::STATUS);
        self.wr(reg::STATUS, s | status::DRIVER_OK);
    }

    /// Full initialisation with the usual features and queue 0 of QSIZE.
    pub(crate) fn init(&mut self) {
        self.init_with(VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_BLK_F_FLUSH);
    }

    pub(crate) fn init_with(&mut self, features: u64) {
        assert!(self.negotiate(features));
        self.program_queue(0, QSIZE, DESC, AVAIL, USED);
        self.wr(reg::QUEUE_READY, 1);
        assert_eq!(self.rd(reg::QUEUE_READY), 1);
        self.driver_ok();
        assert_eq!(self.rd(reg::STATUS) & status::DEVICE_NEEDS_RESET, 0);
    }

    /// Writes descriptor `i` of the table at `table`.
    pub(crate) fn desc(&self, table: u64, i: u16, addr: u64, len: u32, flags: u16, next: u16) {
        let mut raw = [0u8; 16];
        raw[0..8].copy_from_slice(&addr.to_le_bytes());
        raw[8..12].copy_from_slice(&len.to_le_bytes());
        raw[12..14].copy_from_slice(&flags.to_le_bytes());
        raw[14..16].copy_from_slice(&next.to_le_bytes());
        self.mem.write(table + 16 * i as u64, &raw).unwrap();
    }

    /// Writes a request header.
    pub(crate) fn header(&self, kind: u32, sector: u64) {
        let mut raw = [0u8; 16];
        raw[0..4].copy_from_slice(&kind.to_le_bytes());
        raw[8..16].copy_from_slice(&sector.to_le_bytes());
        self.mem.write(HEADER, &raw).unwrap();
    }

    /// Publishes chain `head` on the available ring and notifies queue 0.
    pub(crate) fn submit(&mut self, head: u16) {
        let slot = (self.avail_idx as u32 % QSIZE) as u64;
        self.mem.write_u16(AVAIL + 4 + 2 * slot, head).unwrap();
        self.avail_idx = self.avail_idx.wrapping_add(1);
        self.mem.write_u16(AVAIL + 2, self.avail_idx).unwrap();
        self.wr(reg::QUEUE_NOTIFY, 0);
    }

    /// Sets `avail.idx` directly (for hostile index jumps).
    pub(crate) fn set_avail_idx(&mut self, idx: u16) {
        self.avail_idx = idx;
        self.mem.write_u16(AVAIL + 2, idx).unwrap();
    }

    pub(crate) fn used_idx(&self) -> u16 {
        self.mem.read_u16(USED + 2).unwrap()
    }

    /// Used ring element `i`: (id, len).
    pub(crate) fn used(&self, i: u16) -> (u32, u32) {
        let at = USED + 4 + 8 * (i as u32 % QSIZE) as u64;
        (
            self.mem.read_u32(at).unwrap(),
            self.mem.read_u32(at + 4).unwrap(),
        )
    }

    pub(crate) fn irq(&self) -> bool {
        self.levels.levels() & (1 << IRQ_SOURCE) != 0
    }

    pub(crate) fn status_byte(&self) -> u8 {
        let mut b = [0u8];
        self.mem.read(STATUS, &mut b).unwrap();
        b[0]
    }

    /// Sends the usual three-descriptor request (header, data, status) with
    /// the status byte preset to 0xff; returns (status byte, used length).
    pub(crate) fn request(&mut self, kind: u32, sector: u64, data: u64, len: u32) -> (u8, u32) {
        let device_writes = kind != super::blk::VIRTIO_BLK_T_OUT;
        self.header(kind, sector);
        self.desc(DESC, 0, HEADER, 16, F_NEXT, 1);
        let data_flags = if device_writes {
            F_NEXT | F_WRITE
        } else {
            F_NEXT
        };
        self.desc(DESC, 1, data, len, data_flags, 2);
        self.desc(DESC, 2, STATUS, 1, F_WRITE, 0);
        self.complete(0)
    }

    /// Submits the chain at `head` with the status byte preset to 0xff and
    /// expects exactly one used element for it; returns (status byte, used
    /// length).
    pub(crate) fn complete(&mut self, head: u16) -> (u8, u32) {
        self.mem.write(STATUS, &[0xff]).unwrap();
        let before = self.used_idx();
        self.submit(head);
        assert_eq!(self.used_idx(), before.wrapping_add(1), "one chain used");
        let (id, len) = self.used(before);
        assert_eq!(id, head as u32, "used element names the head");
        (self.status_byte(), len)
    }
}
