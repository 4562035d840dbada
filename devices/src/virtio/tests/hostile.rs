//! A misbehaving driver: each case gets the architectural answer (an error
//! status, a chain consumed with nothing written, or DEVICE_NEEDS_RESET)
//! and the host neither panics nor touches memory outside guest RAM.

use super::*;
use crate::virtio::blk::{VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT};
use crate::virtio::mmio::{INTERRUPT_CONFIG_CHANGE, INTERRUPT_USED_BUFFER};

fn rig() -> (TempImage, Rig) {
    let img = TempImage::new(&pattern(8));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    (img, rig)
}

fn needs_reset(rig: &mut Rig) -> bool {
    rig.rd(reg::STATUS) & status::DEVICE_NEEDS_RESET != 0
}

/// The device still serves a good request (the bad one did not wedge it).
fn still_works(rig: &mut Rig) {
    let (status, len) = rig.request(VIRTIO_BLK_T_IN, 0, DATA, 512);
    assert_eq!((status, len), (VIRTIO_BLK_S_OK, 513));
}

#[test]
fn data_outside_ram_is_an_io_error() {
    let (_img, mut rig) = rig();
    assert_eq!(
        rig.request(VIRTIO_BLK_T_IN, 0, 0x1000, 512),
        (VIRTIO_BLK_S_IOERR, 1)
    );
    // A huge length from an address in RAM.
    assert_eq!(
        rig.request(VIRTIO_BLK_T_IN, 0, DATA, !511),
        (VIRTIO_BLK_S_IOERR, 1)
    );
    still_works(&mut rig);
}

#[test]
fn data_running_past_ram_end_is_an_io_error() {
    let (img, mut rig) = rig();
    let before = img.contents();
    assert_eq!(
        rig.request(VIRTIO_BLK_T_OUT, 0, RAM_END - 256, 512),
        (VIRTIO_BLK_S_IOERR, 1)
    );
    assert_eq!(img.contents(), before, "nothing was written to disk");
    assert_eq!(
        rig.request(VIRTIO_BLK_T_IN, 0, RAM_END - 256, 512),
        (VIRTIO_BLK_S_IOERR, 1)
    );
    // The address wraps around the 64-bit space.
    assert_eq!(
        rig.request(VIRTIO_BLK_T_IN, 0, u64::MAX - 255, 512),
        (VIRTIO_BLK_S_IOERR, 1)
    );
    still_works(&mut rig);
}

#[test]
fn descriptor_loop_is_consumed_without_writes() {
    let (_img, mut rig) = rig();
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(DESC, 1, STATUS, 1, F_NEXT | F_WRITE, 0);
    assert_eq!(
        rig.complete(0),
        (0xff, 0),
        "used with length 0, nothing written"
    );
    // A descriptor pointing at itself.
    rig.desc(DESC, 3, STATUS, 1, F_NEXT | F_WRITE, 3);
    assert_eq!(rig.complete(3), (0xff, 0));
    assert!(!needs_reset(&mut rig));
    assert_eq!(rig.rd(reg::INTERRUPT_STATUS), INTERRUPT_USED_BUFFER);
    still_works(&mut rig);
}

#[test]
fn next_index_beyond_queue_size() {
    let (_img, mut rig) = rig();
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, QSIZE as u16);
    assert_eq!(rig.complete(0), (0xff, 0));
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, u16::MAX);
    assert_eq!(rig.complete(0), (0xff, 0));
    assert!(!needs_reset(&mut rig));
    still_works(&mut rig);
}

#[test]
fn zero_length_data_descriptor_is_an_io_error() {
    let (_img, mut rig) = rig();
    assert_eq!(
        rig.request(VIRTIO_BLK_T_IN, 0, DATA, 0),
        (VIRTIO_BLK_S_IOERR, 1)
    );
    assert_eq!(
        rig.request(VIRTIO_BLK_T_OUT, 0, DATA, 0),
        (VIRTIO_BLK_S_IOERR, 1)
    );
}

#[test]
fn partial_sector_transfer_is_an_io_error() {
    let (_img, mut rig) = rig();
    assert_eq!(
        rig.request(VIRTIO_BLK_T_IN, 0, DATA, 100),
        (VIRTIO_BLK_S_IOERR, 1)
    );
}

#[test]
fn device_writable_header_is_an_io_error() {
    let (_img, mut rig) = rig();
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(DESC, 0, HEADER, 16, F_NEXT | F_WRITE, 1);
    rig.desc(DESC, 1, DATA, 512, F_NEXT | F_WRITE, 2);
    rig.desc(DESC, 2, STATUS, 1, F_WRITE, 0);
    assert_eq!(rig.complete(0), (VIRTIO_BLK_S_IOERR, 1));
    // Readable after writable breaks §2.7.4.2's ordering.
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(DESC, 1, DATA, 512, F_NEXT | F_WRITE, 2);
    rig.desc(DESC, 2, DATA + 0x1000, 512, F_NEXT, 3);
    rig.desc(DESC, 3, STATUS, 1, F_WRITE, 0);
    assert_eq!(rig.complete(0), (VIRTIO_BLK_S_IOERR, 1));
    // A short header.
    rig.desc(DESC, 0, HEADER, 8, F_NEXT, 1);
    rig.desc(DESC, 1, STATUS, 1, F_WRITE, 0);
    assert_eq!(rig.complete(0), (VIRTIO_BLK_S_IOERR, 1));
}

#[test]
fn read_only_status_descriptor_gets_nothing_written() {
    let (_img, mut rig) = rig();
    rig.mem.write(DATA, &[0xcc; 512]).unwrap();
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(DESC, 1, DATA, 512, F_NEXT | F_WRITE, 2);
    rig.desc(DESC, 2, STATUS, 1, 0, 0);
    assert_eq!(rig.complete(0), (0xff, 0));
    let mut data = [0u8; 512];
    rig.mem.read(DATA, &mut data).unwrap();
    assert_eq!(data, [0xcc; 512], "no data delivered without a status");
    // A status descriptor outside RAM.
    rig.desc(DESC, 2, RAM_END, 1, F_WRITE, 0);
    assert_eq!(rig.complete(0), (0xff, 0));
    still_works(&mut rig);
}

#[test]
fn request_beyond_capacity_is_an_io_error() {
    let (img, mut rig) = rig();
    let before = img.contents();
    assert_eq!(
        rig.request(VIRTIO_BLK_T_IN, 8, DATA, 512),
        (VIRTIO_BLK_S_IOERR, 1)
    );
    assert_eq!(
        rig.request(VIRTIO_BLK_T_IN, 7, DATA, 1024),
        (VIRTIO_BLK_S_IOERR, 1),
        "starts inside, ends outside"
    );
    assert_eq!(
        rig.request(VIRTIO_BLK_T_OUT, u64::MAX, DATA, 512),
        (VIRTIO_BLK_S_IOERR, 1),
        "sector * 512 overflows"
    );
    assert_eq!(
        rig.request(VIRTIO_BLK_T_OUT, u64::MAX >> 9, DATA, 1024),
        (VIRTIO_BLK_S_IOERR, 1),
        "end offset overflows"
    );
    assert_eq!(img.contents(), before);
    assert_eq!(
        rig.request(VIRTIO_BLK_T_IN, 7, DATA, 512),
        (VIRTIO_BLK_S_OK, 513),
        "the last sector is fine"
    );
}

#[test]
fn bad_indirect_tables_are_consumed() {
    let (_img, mut rig) = rig();
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(INDIRECT, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(INDIRECT, 1, STATUS, 1, F_WRITE, 0);
    // Length not a multiple of 16; zero; longer than QueueNumMax.
    for len in [20, 0, 16 * 257] {
        rig.desc(DESC, 0, INDIRECT, len, F_INDIRECT, 0);
        assert_eq!(rig.complete(0), (0xff, 0), "length {len}");
    }
    // Indirect with NEXT.
    rig.desc(DESC, 0, INDIRECT, 32, F_INDIRECT | F_NEXT, 1);
    assert_eq!(rig.complete(0), (0xff, 0));
    // An indirect table naming another one.
    rig.desc(INDIRECT, 1, INDIRECT, 32, F_INDIRECT, 0);
    rig.desc(DESC, 0, INDIRECT, 32, F_INDIRECT, 0);
    assert_eq!(rig.complete(0), (0xff, 0));
    // A table outside RAM; a table whose chain loops.
    rig.desc(DESC, 0, RAM_END - 16, 32, F_INDIRECT, 0);
    assert_eq!(rig.complete(0), (0xff, 0));
    rig.desc(INDIRECT, 1, STATUS, 1, F_WRITE | F_NEXT, 0);
    rig.desc(DESC, 0, INDIRECT, 32, F_INDIRECT, 0);
    assert_eq!(rig.complete(0), (0xff, 0));
    assert!(!needs_reset(&mut rig));
    still_works(&mut rig);
}

#[test]
fn indirect_without_negotiation_is_consumed() {
    let img = TempImage::new(&pattern(1));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init_with(VIRTIO_F_VERSION_1);
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(INDIRECT, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(INDIRECT, 1, STATUS, 1, F_WRITE, 0);
    rig.desc(DESC, 0, INDIRECT, 32, F_INDIRECT, 0);
    assert_eq!(rig.complete(0), (0xff, 0));
}

/// Sets queue 0 up with `size` and the given rings, then DRIVER_OK;
/// returns whether the queue became ready.
fn setup(rig: &mut Rig, size: u32, desc: u64, avail: u64, used: u64) -> bool {
    assert!(rig.negotiate(VIRTIO_F_VERSION_1));
    rig.program_queue(0, size, desc, avail, used);
    rig.wr(reg::QUEUE_READY, 1);
    let ready = rig.rd(reg::QUEUE_READY) == 1;
    assert!(!rig.irq(), "no interrupt before DRIVER_OK");
    rig.driver_ok();
    ready
}

fn assert_refused(rig: &mut Rig) {
    assert!(needs_reset(rig));
    assert_eq!(rig.rd(reg::INTERRUPT_STATUS), INTERRUPT_CONFIG_CHANGE);
    assert!(rig.irq());
    // Notifications are ignored until reset.
    rig.mem.write_u16(AVAIL + 4, 0).unwrap();
    rig.set_avail_idx(1);
    rig.wr(reg::QUEUE_NOTIFY, 0);
    assert_eq!(rig.rd(reg::INTERRUPT_STATUS), INTERRUPT_CONFIG_CHANGE);
    // The driver cannot clear the bit itself, only reset.
    rig.wr(reg::STATUS, status::ACKNOWLEDGE);
    assert!(needs_reset(rig));
    rig.wr(reg::STATUS, 0);
    assert!(!needs_reset(rig));
    assert!(!rig.irq());
}

#[test]
fn bad_queue_sizes_need_reset() {
    let img = TempImage::new(&pattern(1));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    for size in [0, 3, 512, 0x1_0000] {
        assert!(!setup(&mut rig, size, DESC, AVAIL, USED), "size {size}");
        assert_refused(&mut rig);
    }
    // The maximum itself is fine.
    assert!(setup(&mut rig, 256, DESC, AVAIL, USED));
    assert!(!needs_reset(&mut rig));
}

#[test]
fn rings_outside_ram_need_reset() {
    let img = TempImage::new(&pattern(1));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    let cases = [
        (0x1000, AVAIL, USED),
        (DESC, 0x1_0000_0000_0000, USED),
        (DESC, AVAIL, u64::MAX - 0xf),
        // Starts in RAM, runs past its end.
        (RAM_END - 16 * 8, AVAIL, USED),
        (DESC, AVAIL, RAM_END - 8),
        // Misaligned.
        (DESC + 8, AVAIL, USED),
        (DESC, AVAIL + 1, USED),
        (DESC, AVAIL, USED + 2),
    ];
    for (desc, avail, used) in cases {
        assert!(
            !setup(&mut rig, QSIZE, desc, avail, used),
            "{desc:#x} {avail:#x} {used:#x}"
        );
        assert_refused(&mut rig);
    }
}

#[test]
fn notify_for_queue_not_ready_is_ignored() {
    let img = TempImage::new(&pattern(1));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    assert!(rig.negotiate(VIRTIO_F_VERSION_1));
    rig.program_queue(0, QSIZE, DESC, AVAIL, USED);
    rig.driver_ok();
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(DESC, 1, STATUS, 1, F_WRITE, 0);
    rig.mem.write(STATUS, &[0xff]).unwrap();
    rig.submit(0);
    rig.wr(reg::QUEUE_NOTIFY, 5);
    rig.wr(reg::QUEUE_NOTIFY, u32::MAX);
    assert_eq!(rig.used_idx(), 0);
    assert_eq!(rig.status_byte(), 0xff);
    assert!(!rig.irq());
    assert!(!needs_reset(&mut rig));
}

#[test]
fn notify_before_driver_ok_is_ignored() {
    let img = TempImage::new(&pattern(1));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    assert!(rig.negotiate(VIRTIO_F_VERSION_1));
    rig.program_queue(0, QSIZE, DESC, AVAIL, USED);
    rig.wr(reg::QUEUE_READY, 1);
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(DESC, 1, STATUS, 1, F_WRITE, 0);
    rig.submit(0);
    assert_eq!(rig.used_idx(), 0);
    // Once the driver is ready, the next notification serves it.
    rig.driver_ok();
    rig.wr(reg::QUEUE_NOTIFY, 0);
    assert_eq!(rig.used_idx(), 1);
    assert_eq!(rig.status_byte(), VIRTIO_BLK_S_OK);
}

#[test]
fn avail_index_jump_needs_reset() {
    let (_img, mut rig) = rig();
    rig.set_avail_idx(QSIZE as u16 + 1);
    rig.wr(reg::QUEUE_NOTIFY, 0);
    assert_eq!(rig.used_idx(), 0);
    assert_refused(&mut rig);
}

#[test]
fn head_index_beyond_queue_needs_reset() {
    let (_img, mut rig) = rig();
    rig.mem.write_u16(AVAIL + 4, QSIZE as u16).unwrap();
    rig.set_avail_idx(1);
    rig.wr(reg::QUEUE_NOTIFY, 0);
    assert_eq!(rig.used_idx(), 0);
    assert_refused(&mut rig);
}

#[test]
fn good_chain_before_a_bad_head_is_still_reported() {
    let (_img, mut rig) = rig();
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(DESC, 1, STATUS, 1, F_WRITE, 0);
    rig.mem.write_u16(AVAIL + 4, 0).unwrap();
    rig.mem.write_u16(AVAIL + 6, 999).unwrap();
    rig.set_avail_idx(2);
    rig.wr(reg::QUEUE_NOTIFY, 0);
    assert_eq!(rig.used_idx(), 1);
    assert_eq!(rig.used(0), (0, 1));
    assert_eq!(
        rig.rd(reg::INTERRUPT_STATUS),
        INTERRUPT_USED_BUFFER | INTERRUPT_CONFIG_CHANGE
    );
    assert!(needs_reset(&mut rig));
}
