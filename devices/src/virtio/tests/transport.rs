//! The virtio-mmio register interface: discovery, negotiation, status,
//! queue configuration and interrupts.

use heron_mmu::MmioDevice;

use super::*;
use crate::virtio::blk::{VIRTIO_BLK_F_RO, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_S_OK, VIRTIO_BLK_T_IN};
use crate::virtio::mmio::{INTERRUPT_CONFIG_CHANGE, INTERRUPT_USED_BUFFER};

#[test]
fn discovery_registers() {
    let img = TempImage::new(&pattern(8));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    assert_eq!(rig.rd(reg::MAGIC), 0x7472_6976);
    assert_eq!(rig.rd(reg::VERSION), 2);
    assert_eq!(rig.rd(reg::DEVICE_ID), 2);
    assert_eq!(rig.rd(reg::VENDOR_ID), 0x554d_4551);
    assert_eq!(rig.rd(reg::STATUS), 0);
    rig.wr(reg::QUEUE_SEL, 0);
    assert_eq!(rig.rd(reg::QUEUE_NUM_MAX), 256);
    assert_eq!(rig.rd(reg::QUEUE_READY), 0);
    rig.wr(reg::QUEUE_SEL, 1);
    assert_eq!(rig.rd(reg::QUEUE_NUM_MAX), 0, "no second queue");
    assert_eq!(rig.rd(reg::SHM_LEN_LOW), u32::MAX, "no shared memory");
    assert_eq!(rig.rd(reg::CONFIG_GENERATION), 0);

    let features = rig.device_features();
    assert_eq!(
        features,
        VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_SEG_MAX
    );
    rig.wr(reg::DEVICE_FEATURES_SEL, 2);
    assert_eq!(rig.rd(reg::DEVICE_FEATURES), 0);

    // capacity (le64 at 0) in sectors, by 32-bit halves and whole.
    assert_eq!(rig.rd(reg::CONFIG), 8);
    assert_eq!(rig.rd(reg::CONFIG + 4), 0);
    assert_eq!(rig.dev.read(reg::CONFIG, 8), 8);
    assert_eq!(rig.dev.read(reg::CONFIG, 1), 8);
    // seg_max (le32 at 12).
    assert_eq!(rig.rd(reg::CONFIG + 12), 254);
    assert_eq!(rig.rd(reg::CONFIG + 0xf0), 0, "past the structure");
    // Registers take 32-bit accesses only.
    assert_eq!(rig.dev.read(reg::MAGIC, 1), 0);
    assert_eq!(rig.dev.read(reg::MAGIC, 8), 0);
}

#[test]
fn read_only_disk_offers_ro() {
    let img = TempImage::new(&pattern(1));
    let mut rig = Rig::blk(&img, DiskMode::ReadOnly);
    assert_ne!(rig.device_features() & VIRTIO_BLK_F_RO, 0);
    let img = TempImage::new(&pattern(1));
    let mut rig = Rig::blk(&img, DiskMode::Snapshot);
    assert_eq!(
        rig.device_features() & VIRTIO_BLK_F_RO,
        0,
        "snapshot is writable"
    );
}

#[test]
fn feature_negotiation() {
    let img = TempImage::new(&pattern(1));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    // Modern-only: VERSION_1 is required.
    assert!(!rig.negotiate(VIRTIO_BLK_F_FLUSH));
    // Bits the device did not offer are refused.
    assert!(!rig.negotiate(VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_RO));
    assert!(!rig.negotiate(VIRTIO_F_VERSION_1 | 1 << 40));
    // A subset of the offer is accepted.
    assert!(rig.negotiate(VIRTIO_F_VERSION_1));
    assert!(rig.negotiate(VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_FLUSH));
    // After FEATURES_OK the driver's features are frozen: dropping
    // VERSION_1 now is ignored, and a re-assertion of FEATURES_OK holds.
    rig.wr(reg::DRIVER_FEATURES_SEL, 1);
    rig.wr(reg::DRIVER_FEATURES, 0);
    let s = rig.rd(reg::STATUS);
    rig.wr(reg::STATUS, s | status::DRIVER_OK);
    assert_eq!(
        rig.rd(reg::STATUS),
        status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK | status::DRIVER_OK
    );
    rig.wr(reg::STATUS, 0);
    assert_eq!(rig.rd(reg::STATUS), 0, "writing 0 resets");
}

#[test]
fn used_buffer_interrupt_and_ack() {
    let img = TempImage::new(&pattern(4));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    assert!(!rig.irq());
    let (status, _) = rig.request(VIRTIO_BLK_T_IN, 0, DATA, 512);
    assert_eq!(status, VIRTIO_BLK_S_OK);
    assert_eq!(rig.rd(reg::INTERRUPT_STATUS), INTERRUPT_USED_BUFFER);
    assert!(rig.irq());
    rig.wr(reg::INTERRUPT_ACK, INTERRUPT_CONFIG_CHANGE);
    assert!(rig.irq(), "acknowledging another bit keeps the line up");
    rig.wr(reg::INTERRUPT_ACK, INTERRUPT_USED_BUFFER);
    assert_eq!(rig.rd(reg::INTERRUPT_STATUS), 0);
    assert!(!rig.irq());
}

#[test]
fn no_interrupt_flag_suppresses_notification() {
    let img = TempImage::new(&pattern(4));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    rig.mem.write_u16(AVAIL, 1).unwrap(); // VIRTQ_AVAIL_F_NO_INTERRUPT
    let (status, _) = rig.request(VIRTIO_BLK_T_IN, 0, DATA, 512);
    assert_eq!(status, VIRTIO_BLK_S_OK);
    assert_eq!(rig.rd(reg::INTERRUPT_STATUS), 0);
    assert!(!rig.irq());
}

#[test]
fn reset_clears_queues_and_interrupts() {
    let img = TempImage::new(&pattern(4));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    rig.request(VIRTIO_BLK_T_IN, 0, DATA, 512);
    assert!(rig.irq());
    rig.wr(reg::STATUS, 0);
    assert!(!rig.irq());
    assert_eq!(rig.rd(reg::INTERRUPT_STATUS), 0);
    rig.wr(reg::QUEUE_SEL, 0);
    assert_eq!(rig.rd(reg::QUEUE_READY), 0);
    // And the device works again after a fresh initialisation, with the
    // ring cursors back at zero.
    rig.mem.write(USED, &[0; 4]).unwrap();
    rig.set_avail_idx(0);
    rig.init();
    let (status, len) = rig.request(VIRTIO_BLK_T_IN, 1, DATA, 512);
    assert_eq!((status, len), (VIRTIO_BLK_S_OK, 513));
}

#[test]
fn queue_registers_frozen_while_ready() {
    let img = TempImage::new(&pattern(4));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    // Moving the rings under a live queue is ignored.
    rig.program_queue(
        0,
        2,
        RAM_BASE + 0x8000,
        RAM_BASE + 0x9000,
        RAM_BASE + 0xa000,
    );
    let (status, _) = rig.request(VIRTIO_BLK_T_IN, 0, DATA, 512);
    assert_eq!(status, VIRTIO_BLK_S_OK);
    assert_eq!(rig.used_idx(), 1, "the original used ring was updated");
    // Queue registers of a queue that does not exist are ignored too.
    rig.wr(reg::QUEUE_SEL, 7);
    rig.wr(reg::QUEUE_NUM, 4);
    rig.wr(reg::QUEUE_READY, 1);
    assert_eq!(rig.rd(reg::QUEUE_READY), 0);
    assert_eq!(rig.rd(reg::STATUS) & status::DEVICE_NEEDS_RESET, 0);
}

#[test]
fn disabled_queue_ignores_notifications() {
    let img = TempImage::new(&pattern(4));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    rig.request(VIRTIO_BLK_T_IN, 0, DATA, 512);
    rig.wr(reg::QUEUE_SEL, 0);
    rig.wr(reg::QUEUE_READY, 0);
    assert_eq!(rig.rd(reg::QUEUE_READY), 0);
    // Notifying a disabled queue consumes nothing.
    rig.mem.write_u16(AVAIL + 4 + 2, 0).unwrap();
    rig.set_avail_idx(2);
    rig.wr(reg::QUEUE_NOTIFY, 0);
    assert_eq!(rig.used_idx(), 1);
}
