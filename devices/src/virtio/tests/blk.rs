//! Well-formed block requests over a temporary image file.

use super::*;
use crate::virtio::blk::{
    VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_FLUSH,
    VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
};

fn guest_bytes(rig: &Rig, addr: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    rig.mem.read(addr, &mut buf).unwrap();
    buf
}

#[test]
fn read_request_copies_sectors() {
    let image = pattern(8);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    let (status, len) = rig.request(VIRTIO_BLK_T_IN, 2, DATA, 1024);
    assert_eq!(status, VIRTIO_BLK_S_OK);
    assert_eq!(len, 1025, "data plus the status byte");
    assert_eq!(guest_bytes(&rig, DATA, 1024), &image[1024..2048]);
}

#[test]
fn write_request_reaches_the_file() {
    let image = pattern(8);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    rig.mem.write(DATA, &[0x5a; 1024]).unwrap();
    let (status, len) = rig.request(VIRTIO_BLK_T_OUT, 3, DATA, 1024);
    assert_eq!((status, len), (VIRTIO_BLK_S_OK, 1));
    rig.header(VIRTIO_BLK_T_FLUSH, 0);
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(DESC, 1, STATUS, 1, F_WRITE, 0);
    assert_eq!(rig.complete(0), (VIRTIO_BLK_S_OK, 1));

    let mut expected = image.clone();
    expected[1536..2560].fill(0x5a);
    assert_eq!(img.contents(), expected);
    // And it reads back through the device.
    let (status, _) = rig.request(VIRTIO_BLK_T_IN, 3, DATA + 0x1000, 512);
    assert_eq!(status, VIRTIO_BLK_S_OK);
    assert_eq!(guest_bytes(&rig, DATA + 0x1000, 512), vec![0x5a; 512]);
}

#[test]
fn framing_is_free_form() {
    // Header split over two descriptors, data over three of odd sizes, and
    // the status sharing the last data descriptor (§2.7.4: no assumption
    // about framing).
    let image = pattern(4);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    rig.header(VIRTIO_BLK_T_IN, 1);
    rig.desc(DESC, 0, HEADER, 4, F_NEXT, 5);
    rig.desc(DESC, 5, HEADER + 4, 12, F_NEXT, 9);
    rig.desc(DESC, 9, DATA, 100, F_NEXT | F_WRITE, 3);
    rig.desc(DESC, 3, DATA + 0x1000, 700, F_NEXT | F_WRITE, 4);
    rig.desc(DESC, 4, DATA + 0x2000, 225, F_WRITE, 0);
    let (_, len) = rig.complete(0);
    assert_eq!(len, 1025);
    let mut got = guest_bytes(&rig, DATA, 100);
    got.extend(guest_bytes(&rig, DATA + 0x1000, 700));
    got.extend(guest_bytes(&rig, DATA + 0x2000, 224));
    assert_eq!(got, &image[512..1536]);
    assert_eq!(guest_bytes(&rig, DATA + 0x2000 + 224, 1), [VIRTIO_BLK_S_OK]);
}

#[test]
fn indirect_descriptor_table() {
    let image = pattern(4);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(INDIRECT, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(INDIRECT, 1, DATA, 2048, F_NEXT | F_WRITE, 2);
    rig.desc(INDIRECT, 2, STATUS, 1, F_WRITE, 0);
    rig.desc(DESC, 7, INDIRECT, 48, F_INDIRECT, 0);
    assert_eq!(rig.complete(7), (VIRTIO_BLK_S_OK, 2049));
    assert_eq!(guest_bytes(&rig, DATA, 2048), image);
}

#[test]
fn get_id_returns_the_serial() {
    let img = TempImage::new(&pattern(1));
    let mut disk = Disk::open(img.path(), DiskMode::ReadOnly).unwrap();
    disk.set_serial("heron-serial-0123456789");
    let mut rig = Rig::new(Box::new(VirtioBlk::new(disk)));
    rig.init();
    rig.mem.write(DATA, &[0xee; 32]).unwrap();
    let (status, len) = rig.request(VIRTIO_BLK_T_GET_ID, 0, DATA, 32);
    assert_eq!((status, len), (VIRTIO_BLK_S_OK, 21));
    assert_eq!(guest_bytes(&rig, DATA, 20), b"heron-serial-0123456");
    assert_eq!(
        guest_bytes(&rig, DATA + 20, 1),
        [0xee],
        "no more than 20 bytes"
    );
    // A short buffer gets what fits.
    let (status, len) = rig.request(VIRTIO_BLK_T_GET_ID, 0, DATA + 0x100, 5);
    assert_eq!((status, len), (VIRTIO_BLK_S_OK, 6));
    assert_eq!(guest_bytes(&rig, DATA + 0x100, 5), b"heron");
}

#[test]
fn default_serial_is_the_file_name() {
    let img = TempImage::new(&pattern(1));
    let disk = Disk::open(img.path(), DiskMode::ReadOnly).unwrap();
    let name = img
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let n = name.len().min(20);
    assert_eq!(&disk.serial()[..n], &name.as_bytes()[..n]);
}

#[test]
fn unsupported_request_type() {
    let img = TempImage::new(&pattern(1));
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    // VIRTIO_BLK_T_DISCARD (11) was not offered.
    let (status, len) = rig.request(11, 0, DATA, 512);
    assert_eq!((status, len), (VIRTIO_BLK_S_UNSUPP, 1));
}

#[test]
fn read_only_rejects_writes() {
    let image = pattern(4);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::ReadOnly);
    rig.init();
    rig.mem.write(DATA, &[0x11; 512]).unwrap();
    let (status, len) = rig.request(VIRTIO_BLK_T_OUT, 0, DATA, 512);
    assert_eq!((status, len), (VIRTIO_BLK_S_IOERR, 1));
    assert_eq!(img.contents(), image);
    // Reads and flushes still work.
    let (status, _) = rig.request(VIRTIO_BLK_T_IN, 1, DATA, 512);
    assert_eq!(status, VIRTIO_BLK_S_OK);
    assert_eq!(guest_bytes(&rig, DATA, 512), &image[512..1024]);
}

#[test]
fn snapshot_writes_stay_in_memory() {
    let image = pattern(16);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::Snapshot);
    rig.init();
    rig.mem.write(DATA, &[0x77; 1536]).unwrap();
    let (status, _) = rig.request(VIRTIO_BLK_T_OUT, 7, DATA, 1536);
    assert_eq!(status, VIRTIO_BLK_S_OK);
    rig.header(VIRTIO_BLK_T_FLUSH, 0);
    rig.desc(DESC, 0, HEADER, 16, F_NEXT, 1);
    rig.desc(DESC, 1, STATUS, 1, F_WRITE, 0);
    assert_eq!(rig.complete(0), (VIRTIO_BLK_S_OK, 1));

    let (status, _) = rig.request(VIRTIO_BLK_T_IN, 6, DATA + 0x1000, 2560);
    assert_eq!(status, VIRTIO_BLK_S_OK);
    let mut expected = image[3072..5632].to_vec();
    expected[512..2048].fill(0x77);
    assert_eq!(guest_bytes(&rig, DATA + 0x1000, 2560), expected);
    drop(rig);
    assert_eq!(img.contents(), image, "the image file is untouched");
}

#[test]
fn writes_without_flush_feature_are_written_through() {
    // Without VIRTIO_BLK_F_FLUSH the device must be write-through; the data
    // is in the file as soon as the request completes.
    let image = pattern(2);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init_with(VIRTIO_F_VERSION_1);
    rig.mem.write(DATA, &[0x42; 512]).unwrap();
    let (status, _) = rig.request(VIRTIO_BLK_T_OUT, 1, DATA, 512);
    assert_eq!(status, VIRTIO_BLK_S_OK);
    assert_eq!(&img.contents()[512..], &[0x42; 512]);
}

#[test]
fn many_requests_wrap_the_rings() {
    let image = pattern(4);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    for i in 0..(3 * QSIZE as u64) {
        let sector = i % 4;
        let (status, len) = rig.request(VIRTIO_BLK_T_IN, sector, DATA, 512);
        assert_eq!((status, len), (VIRTIO_BLK_S_OK, 513));
        let start = sector as usize * 512;
        assert_eq!(guest_bytes(&rig, DATA, 512), &image[start..start + 512]);
    }
    assert_eq!(rig.used_idx(), 3 * QSIZE as u16);
}

#[test]
fn batch_of_requests_in_one_notification() {
    let image = pattern(4);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    rig.header(VIRTIO_BLK_T_IN, 0);
    for chain in 0..3u16 {
        let base = chain * 3;
        rig.desc(DESC, base, HEADER, 16, F_NEXT, base + 1);
        let data = DATA + 0x1000 * chain as u64;
        rig.desc(DESC, base + 1, data, 512, F_NEXT | F_WRITE, base + 2);
        rig.desc(DESC, base + 2, STATUS + chain as u64, 1, F_WRITE, 0);
        rig.mem
            .write_u16(AVAIL + 4 + 2 * chain as u64, base)
            .unwrap();
    }
    rig.set_avail_idx(3);
    rig.wr(reg::QUEUE_NOTIFY, 0);
    assert_eq!(rig.used_idx(), 3);
    for chain in 0..3u16 {
        assert_eq!(rig.used(chain), (chain as u32 * 3, 513));
    }
}

#[test]
fn indirect_table_may_exceed_the_ring_size() {
    // SEG_MAX is sized for QueueNumMax; a driver that chose a 16-entry ring
    // may still send 18-entry indirect tables.
    let image = pattern(16);
    let img = TempImage::new(&image);
    let mut rig = Rig::blk(&img, DiskMode::ReadWrite);
    rig.init();
    rig.header(VIRTIO_BLK_T_IN, 0);
    rig.desc(INDIRECT, 0, HEADER, 16, F_NEXT, 1);
    for i in 1..=16u16 {
        let data = DATA + 0x400 * (i as u64 - 1);
        rig.desc(INDIRECT, i, data, 512, F_NEXT | F_WRITE, i + 1);
    }
    rig.desc(INDIRECT, 17, STATUS, 1, F_WRITE, 0);
    rig.desc(DESC, 0, INDIRECT, 18 * 16, F_INDIRECT, 0);
    assert_eq!(rig.complete(0), (VIRTIO_BLK_S_OK, 16 * 512 + 1));
    for i in 0..16usize {
        let got = guest_bytes(&rig, DATA + 0x400 * i as u64, 512);
        assert_eq!(got, &image[512 * i..512 * (i + 1)]);
    }
}
