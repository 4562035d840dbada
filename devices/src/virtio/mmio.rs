//! The virtio-mmio transport, version 2 ("modern", virtio v1.2 §4.2).
//!
//! Register map (§4.2.2), 32-bit registers at these offsets; device
//! configuration space from 0x100:
//!
//! | offset | register | | offset | register |
//! |---|---|---|---|---|
//! | 0x000 | MagicValue `"virt"` | | 0x050 | QueueNotify |
//! | 0x004 | Version (2) | | 0x060 | InterruptStatus |
//! | 0x008 | DeviceID | | 0x064 | InterruptACK |
//! | 0x00c | VendorID | | 0x070 | Status |
//! | 0x010 | DeviceFeatures | | 0x080/0x084 | QueueDescLow/High |
//! | 0x014 | DeviceFeaturesSel | | 0x090/0x094 | QueueDriverLow/High |
//! | 0x020 | DriverFeatures | | 0x0a0/0x0a4 | QueueDeviceLow/High |
//! | 0x024 | DriverFeaturesSel | | 0x0ac | SHMSel |
//! | 0x030 | QueueSel | | 0x0b0/0x0b4 | SHMLenLow/High |
//! | 0x034 | QueueNumMax | | 0x0b8/0x0bc | SHMBaseLow/High |
//! | 0x038 | QueueNum | | 0x0fc | ConfigGeneration |
//! | 0x044 | QueueReady | | 0x100+ | device config |
//!
//! Notifications are served synchronously inside the `QueueNotify` write:
//! by the time the guest's store retires, the used ring is updated and the
//! interrupt line raised. That keeps runs deterministic and needs no I/O
//! thread. A device with input of its own (a network card's received
//! frames) is served the same way from its backend's thread through
//! [`VirtioMmio::serve_queue`] on a [`super::SharedVirtioMmio`].

use heron_mmu::{GuestMemory, MmioDevice};

use super::queue::{QueueAccess, QueueState};
use super::{VirtioDevice, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_VERSION_1};
use crate::IrqLine;

/// Size of a virtio-mmio register block (the usual 0x200: registers plus
/// 256 bytes of configuration space).
pub const VIRTIO_MMIO_SIZE: u64 = 0x200;

/// `MagicValue`: little-endian "virt".
const MAGIC: u32 = 0x7472_6976;
/// `Version` of the modern transport.
const VERSION: u32 = 2;
/// `VendorID`: the same "QEMU" value as QEMU's devices; drivers ignore it.
const VENDOR_ID: u32 = 0x554d_4551;

const REG_MAGIC: u64 = 0x000;
const REG_VERSION: u64 = 0x004;
const REG_DEVICE_ID: u64 = 0x008;
const REG_VENDOR_ID: u64 = 0x00c;
const REG_DEVICE_FEATURES: u64 = 0x010;
const REG_DEVICE_FEATURES_SEL: u64 = 0x014;
const REG_DRIVER_FEATURES: u64 = 0x020;
const REG_DRIVER_FEATURES_SEL: u64 = 0x024;
const REG_QUEUE_SEL: u64 = 0x030;
const REG_QUEUE_NUM_MAX: u64 = 0x034;
const REG_QUEUE_NUM: u64 = 0x038;
const REG_QUEUE_READY: u64 = 0x044;
const REG_QUEUE_NOTIFY: u64 = 0x050;
const REG_INTERRUPT_STATUS: u64 = 0x060;
const REG_INTERRUPT_ACK: u64 = 0x064;
const REG_STATUS: u64 = 0x070;
const REG_QUEUE_DESC_LOW: u64 = 0x080;
const REG_QUEUE_DESC_HIGH: u64 = 0x084;
const REG_QUEUE_DRIVER_LOW: u64 = 0x090;
const REG_QUEUE_DRIVER_HIGH: u64 = 0x094;
const REG_QUEUE_DEVICE_LOW: u64 = 0x0a0;
const REG_QUEUE_DEVICE_HIGH: u64 = 0x0a4;
const REG_SHM_LEN_LOW: u64 = 0x0b0;
const REG_SHM_LEN_HIGH: u64 = 0x0b4;
const REG_SHM_BASE_LOW: u64 = 0x0b8;
const REG_SHM_BASE_HIGH: u64 = 0x0bc;
const REG_CONFIG_GENERATION: u64 = 0x0fc;
const CONFIG_SPACE: u64 = 0x100;

/// Device status bits (§2.1).
pub mod status {
    /// The guest noticed the device.
    pub const ACKNOWLEDGE: u32 = 1;
    /// The guest has a driver for it.
    pub const DRIVER: u32 = 2;
    /// The driver is ready: the device may use its queues.
    pub const DRIVER_OK: u32 = 4;
    /// Feature negotiation is complete (cleared by the device on refusal).
    pub const FEATURES_OK: u32 = 8;
    /// The device hit an error it cannot recover from without a reset.
    pub const DEVICE_NEEDS_RESET: u32 = 0x40;
    /// The driver gave up on the device.
    pub const FAILED: u32 = 0x80;
}

/// `InterruptStatus` bit: a used buffer notification (§4.2.2).
pub const INTERRUPT_USED_BUFFER: u32 = 1;
/// `InterruptStatus` bit: a configuration change notification.
pub const INTERRUPT_CONFIG_CHANGE: u32 = 2;

/// A virtio-mmio register block around a [`VirtioDevice`]: feature
/// negotiation, device status, queue configuration and interrupts.
pub struct VirtioMmio {
    device: Box<dyn VirtioDevice>,
    mem: GuestMemory,
    irq: IrqLine,
    status: u32,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    queues: Vec<QueueState>,
    interrupt_status: u32,
}

impl VirtioMmio {
    /// A transport for `device`, doing DMA through `mem` and interrupting on
    /// `irq` (its PLIC source).
    pub fn new(device: Box<dyn VirtioDevice>, mem: GuestMemory, irq: IrqLine) -> Self {
        let queues = vec![QueueState::default(); device.queue_count()];
        VirtioMmio {
            device,
            mem,
            irq,
            status: 0,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            queue_sel: 0,
            queues,
            interrupt_status: 0,
        }
    }

    /// Features offered: the device's plus the transport's.
    fn offered_features(&self) -> u64 {
        self.device.device_features() | VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC
    }

    /// The device status register (§2.1).
    pub fn status(&self) -> u32 {
        self.status
    }

    /// Device reset (§2.4): everything back to its initial value, the
    /// interrupt line low.
    fn reset(&mut self) {
        self.status = 0;
        self.device_features_sel = 0;
        self.driver_features_sel = 0;
        self.driver_features = 0;
        self.queue_sel = 0;
        self.queues.fill(QueueState::default());
        self.interrupt_status = 0;
        self.irq.set(false);
        self.device.reset();
    }

    fn raise(&mut self, bits: u32) {
        self.interrupt_status |= bits;
        self.irq.set(true);
    }

    /// Sets `DEVICE_NEEDS_RESET` (§2.1.2) and, once the driver is running,
    /// tells it with a configuration change notification.
    fn needs_reset(&mut self, why: &dyn std::fmt::Display) {
        log::warn!("virtio-mmio: device needs reset: {why}");
        self.status |= status::DEVICE_NEEDS_RESET;
        if self.status & status::DRIVER_OK != 0 {
            self.raise(INTERRUPT_CONFIG_CHANGE);
        }
    }

    fn write_status(&mut self, value: u32) {
        if value == 0 {
            self.reset();
            return;
        }
        let old = self.status;
        // DEVICE_NEEDS_RESET is the device's; only a reset clears it.
        let mut new =
            (value & 0xff & !status::DEVICE_NEEDS_RESET) | (old & status::DEVICE_NEEDS_RESET);
        if new & status::FEATURES_OK != 0 && old & status::FEATURES_OK == 0 {
            let unknown = self.driver_features & !self.offered_features();
            if unknown != 0 || self.driver_features & VIRTIO_F_VERSION_1 == 0 {
                // §3.1.1: the device refuses by leaving FEATURES_OK clear.
                log::warn!(
                    "virtio-mmio: refusing features {:#x} (unknown {unknown:#x}, VERSION_1 required)",
                    self.driver_features
                );
                new &= !status::FEATURES_OK;
            } else {
                self.device.set_driver_features(self.driver_features);
            }
        }
        self.status = new;
        let driver_ok_now = new & status::DRIVER_OK != 0 && old & status::DRIVER_OK == 0;
        if driver_ok_now && new & status::DEVICE_NEEDS_RESET != 0 {
            // The failure happened during setup; report it now that the
            // driver listens.
            self.raise(INTERRUPT_CONFIG_CHANGE);
        }
    }

    fn selected_queue(&mut self) -> Option<&mut QueueState> {
        self.queues.get_mut(self.queue_sel as usize)
    }

    /// A write to one of the selected queue's configuration registers,
    /// which §4.2.3.2 allows only while the queue is not ready.
    fn write_queue_config(&mut self, offset: u64, value: u32) {
        let Some(q) = self.queues.get_mut(self.queue_sel as usize) else {
            log::debug!("virtio-mmio: queue register write with QueueSel out of range");
            return;
        };
        if q.ready {
            log::warn!(
                "virtio-mmio: queue {} reconfigured while ready; ignored",
                self.queue_sel
            );
            return;
        }
        let set_low = |r: &mut u64| *r = (*r & !0xffff_ffff) | value as u64;
        let set_high = |r: &mut u64| *r = (*r & 0xffff_ffff) | (value as u64) << 32;
        match offset {
            REG_QUEUE_NUM => q.size = value,
            REG_QUEUE_DESC_LOW => set_low(&mut q.desc_addr),
            REG_QUEUE_DESC_HIGH => set_high(&mut q.desc_addr),
            REG_QUEUE_DRIVER_LOW => set_low(&mut q.avail_addr),
            REG_QUEUE_DRIVER_HIGH => set_high(&mut q.avail_addr),
            REG_QUEUE_DEVICE_LOW => set_low(&mut q.used_addr),
            REG_QUEUE_DEVICE_HIGH => set_high(&mut q.used_addr),
            _ => {}
        }
    }

    fn write_queue_ready(&mut self, value: u32) {
        let index = self.queue_sel as usize;
        if index >= self.queues.len() {
            return;
        }
        let max = self.device.queue_max_size(index);
        let q = &mut self.queues[index];
        if value & 1 == 0 {
            q.ready = false;
            return;
        }
        if q.ready {
            return;
        }
        if let Err(e) = q.enable(max, &self.mem) {
            self.needs_reset(&format_args!("queue {index}: {e}"));
        }
    }

    /// Serves queue `index` as a notification from the driver would (§4.2.3.3),
    /// for device-initiated work: input the device has received while the
    /// driver had buffers waiting. Ignored until the driver runs the queue.
    pub fn serve_queue(&mut self, index: u32) {
        self.notify(index);
    }

    /// Serves a notification of queue `index` (§4.2.3.3): the device handles
    /// what the driver made available, then the driver is interrupted if
    /// anything was used.
    fn notify(&mut self, index: u32) {
        let index = index as usize;
        let running =
            self.status & (status::DRIVER_OK | status::DEVICE_NEEDS_RESET) == status::DRIVER_OK;
        let indirect = self.driver_features & VIRTIO_F_INDIRECT_DESC != 0;
        let Some(q) = self.queues.get_mut(index).filter(|q| q.ready && running) else {
            log::debug!("virtio-mmio: notify of queue {index} ignored (not ready or not running)");
            return;
        };
        let mut access = QueueAccess::new(q, &self.mem, indirect);
        let result = self.device.process_queue(index, &mut access);
        let notify = match &result {
            Ok(()) => access.needs_notification(),
            // Chains already completed are reported even though the ring
            // then failed.
            Err(_) => Ok(access.used_added()),
        };
        match notify {
            Ok(true) => self.raise(INTERRUPT_USED_BUFFER),
            Ok(false) => {}
            Err(e) => self.needs_reset(&e),
        }
        if let Err(e) = result {
            self.needs_reset(&format_args!("queue {index}: {e}"));
        }
    }

    fn read_register(&mut self, offset: u64) -> u32 {
        match offset {
            REG_MAGIC => MAGIC,
            REG_VERSION => VERSION,
            REG_DEVICE_ID => self.device.device_id(),
            REG_VENDOR_ID => VENDOR_ID,
            REG_DEVICE_FEATURES => match self.device_features_sel {
                0 => self.offered_features() as u32,
                1 => (self.offered_features() >> 32) as u32,
                _ => 0,
            },
            REG_QUEUE_NUM_MAX => {
                let index = self.queue_sel as usize;
                if index < self.queues.len() {
                    self.device.queue_max_size(index) as u32
                } else {
                    0
                }
            }
            REG_QUEUE_READY => self.selected_queue().is_some_and(|q| q.ready) as u32,
            REG_INTERRUPT_STATUS => self.interrupt_status,
            REG_STATUS => self.status,
            // No shared memory regions: a length of -1 says so (§4.2.2).
            REG_SHM_LEN_LOW | REG_SHM_LEN_HIGH => u32::MAX,
            REG_SHM_BASE_LOW | REG_SHM_BASE_HIGH => u32::MAX,
            // The configuration never changes while the device runs.
            REG_CONFIG_GENERATION => 0,
            _ => 0,
        }
    }

    fn write_register(&mut self, offset: u64, value: u32) {
        match offset {
            REG_DEVICE_FEATURES_SEL => self.device_features_sel = value,
            REG_DRIVER_FEATURES_SEL => self.driver_features_sel = value,
            REG_DRIVER_FEATURES => {
                if self.status & status::FEATURES_OK != 0 {
                    log::warn!("virtio-mmio: DriverFeatures written after FEATURES_OK; ignored");
                    return;
                }
                let f = &mut self.driver_features;
                match self.driver_features_sel {
                    0 => *f = (*f & !0xffff_ffff) | value as u64,
                    1 => *f = (*f & 0xffff_ffff) | (value as u64) << 32,
                    _ => {}
                }
            }
            REG_QUEUE_SEL => self.queue_sel = value,
            REG_QUEUE_NUM
            | REG_QUEUE_DESC_LOW
            | REG_QUEUE_DESC_HIGH
            | REG_QUEUE_DRIVER_LOW
            | REG_QUEUE_DRIVER_HIGH
            | REG_QUEUE_DEVICE_LOW
            | REG_QUEUE_DEVICE_HIGH => self.write_queue_config(offset, value),
            REG_QUEUE_READY => self.write_queue_ready(value),
            REG_QUEUE_NOTIFY => self.notify(value),
            REG_INTERRUPT_ACK => {
                self.interrupt_status &= !value;
                if self.interrupt_status == 0 {
                    self.irq.set(false);
                }
            }
            REG_STATUS => self.write_status(value),
            _ => log::debug!("virtio-mmio: write to read-only or unknown register {offset:#x}"),
        }
    }
}

impl MmioDevice for VirtioMmio {
    fn read(&mut self, offset: u64, size: u8) -> u64 {
        if offset >= CONFIG_SPACE {
            let mut bytes = [0u8; 8];
            let n = (size as usize).min(8);
            self.device
                .read_config(offset - CONFIG_SPACE, &mut bytes[..n]);
            return u64::from_le_bytes(bytes);
        }
        // §4.2.2: registers take aligned 32-bit accesses only.
        if size != 4 || !offset.is_multiple_of(4) {
            log::debug!("virtio-mmio: {size}-byte read of register {offset:#x} ignored");
            return 0;
        }
        self.read_register(offset) as u64
    }

    fn write(&mut self, offset: u64, size: u8, value: u64) {
        if offset >= CONFIG_SPACE {
            let n = (size as usize).min(8);
            let bytes = value.to_le_bytes();
            self.device.write_config(offset - CONFIG_SPACE, &bytes[..n]);
            return;
        }
        if size != 4 || !offset.is_multiple_of(4) {
            log::debug!("virtio-mmio: {size}-byte write of register {offset:#x} ignored");
            return;
        }
        self.write_register(offset, value as u32);
    }
}
