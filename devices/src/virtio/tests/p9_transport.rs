//! virtio-9p through the virtio-mmio transport: identity, configuration
//! space, requests and replies spread over descriptors as Linux's client
//! lays them out, and chains that carry no usable message.

use heron_mmu::MmioDevice;

use super::super::{reg, Rig, DATA, DESC, F_INDIRECT, F_NEXT, F_WRITE, INDIRECT, RAM_END};
use super::*;
use crate::virtio::mmio::status;
use crate::virtio::p9::P9Error;
use crate::virtio::{VIRTIO_F_INDIRECT_DESC, VIRTIO_F_VERSION_1};

const MOUNT_TAG: u64 = 1;
const REQ: u64 = DATA;
const REPLY: u64 = DATA + 0x4_0000;

fn rig(share: &TempShare) -> Rig {
    let mut rig = Rig::new(Box::new(share.device(false)));
    rig.init_with(VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | MOUNT_TAG);
    rig
}

fn bytes(rig: &Rig, addr: u64, len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    rig.mem.read(addr, &mut b).unwrap();
    b
}

/// Publishes chain `head`; returns its used length.
fn used_len(rig: &mut Rig, head: u16) -> u32 {
    let before = rig.used_idx();
    rig.submit(head);
    assert_eq!(rig.used_idx(), before.wrapping_add(1), "one chain used");
    let (id, len) = rig.used(before);
    assert_eq!(id, head as u32);
    len
}

/// `request` in one readable descriptor, `room` writable bytes after it;
/// returns the reply.
fn call(rig: &mut Rig, request: &[u8], room: u32) -> Vec<u8> {
    rig.mem.write(REQ, request).unwrap();
    rig.desc(DESC, 0, REQ, request.len() as u32, F_NEXT, 1);
    rig.desc(DESC, 1, REPLY, room, F_WRITE, 0);
    let len = used_len(rig, 0);
    bytes(rig, REPLY, len as usize)
}

/// Negotiates msize 64 KiB and attaches fid 0.
fn connect(rig: &mut Rig) {
    let v = call(
        rig,
        &message(
            t::VERSION,
            0xffff,
            &Body::default().u32(65536).s(b"9P2000.L").0,
        ),
        4096,
    );
    let (ty, body) = parse_reply(&v, 0xffff);
    assert_eq!((ty, Fields(body).u32()), (t::VERSION + 1, 65536));
    let attach = Body::default().u32(ROOT).u32(NOFID).s(b"").s(b"").u32(0);
    let r = call(rig, &message(t::ATTACH, 1, &attach.0), 4096);
    assert_eq!(parse_reply(&r, 1).0, t::ATTACH + 1);
}

#[test]
fn identifies_as_a_9p_transport_with_its_tag() {
    let share = TempShare::new();
    let mut rig = rig(&share);
    assert_eq!(rig.rd(reg::DEVICE_ID), 9);
    assert_eq!(rig.device_features() & MOUNT_TAG, MOUNT_TAG);
    let config: Vec<u8> = (0..8)
        .map(|i| rig.dev.read(reg::CONFIG + i, 1) as u8)
        .collect();
    assert_eq!(config, [3, 0, b's', b'r', b'c', 0, 0, 0]);
    assert_eq!(rig.dev.read(reg::CONFIG, 2), 3, "le16 tag_len");
}

#[test]
fn bad_shares_are_refused() {
    let share = TempShare::new();
    let make = |root: PathBuf, tag: &str| {
        Virtio9p::new(P9Share {
            root,
            tag: tag.into(),
            read_only: false,
        })
        .err()
    };
    assert!(matches!(make(share.path(""), ""), Some(P9Error::EmptyTag)));
    let long = "t".repeat(255);
    assert!(matches!(
        make(share.path(""), &long),
        Some(P9Error::TagTooLong { len: 255, max: 254 })
    ));
    assert!(make(share.path(""), &long[..254]).is_none());
    assert!(matches!(
        make(share.path(""), "a\0b"),
        Some(P9Error::TagHasNul)
    ));
    let file = share.base().join("canary");
    assert!(matches!(
        make(file, "src"),
        Some(P9Error::RootNotDirectory { .. })
    ));
    assert!(matches!(
        make(share.base().join("absent"), "src"),
        Some(P9Error::OpenRoot { .. })
    ));
}

#[test]
fn a_session_through_the_queue() {
    let share = TempShare::new();
    share.write("hello", b"hello through virtio\n");
    let mut rig = rig(&share);
    connect(&mut rig);
    let walk = Body::default().u32(ROOT).u32(1).u16(1).s(b"hello");
    assert_eq!(
        parse_reply(&call(&mut rig, &message(t::WALK, 2, &walk.0), 4096), 2).0,
        t::WALK + 1
    );
    let open = Body::default().u32(1).u32(RDONLY);
    assert_eq!(
        parse_reply(&call(&mut rig, &message(t::LOPEN, 3, &open.0), 4096), 3).0,
        t::LOPEN + 1
    );
    let read = Body::default().u32(1).u64(0).u32(4096);
    let reply = call(&mut rig, &message(t::READ, 4, &read.0), 8192);
    let (ty, body) = parse_reply(&reply, 4);
    assert_eq!(ty, t::READ + 1);
    assert_eq!(&body[4..], b"hello through virtio\n");
    assert!(rig.irq(), "the driver is interrupted");
}

#[test]
fn zero_copy_layouts() {
    let share = TempShare::new();
    share.write("f", &[0u8; 64]);
    let mut rig = rig(&share);
    connect(&mut rig);
    let walk = Body::default().u32(ROOT).u32(1).u16(1).s(b"f");
    call(&mut rig, &message(t::WALK, 2, &walk.0), 4096);
    call(
        &mut rig,
        &message(t::LOPEN, 3, &Body::default().u32(1).u32(RDWR).0),
        4096,
    );

    // Twrite as Linux sends large ones: the header in one buffer, the
    // payload in others, the size field covering both.
    let payload: Vec<u8> = (0..40u8).collect();
    let mut header = message(t::WRITE, 4, &Body::default().u32(1).u64(8).u32(40).0);
    header[..4].copy_from_slice(&(23u32 + 40).to_le_bytes());
    rig.mem.write(REQ, &header).unwrap();
    rig.mem.write(REQ + 0x1000, &payload[..15]).unwrap();
    rig.mem.write(REQ + 0x2000, &payload[15..]).unwrap();
    rig.desc(DESC, 0, REQ, 23, F_NEXT, 1);
    rig.desc(DESC, 1, REQ + 0x1000, 15, F_NEXT, 2);
    rig.desc(DESC, 2, REQ + 0x2000, 25, F_NEXT, 3);
    rig.desc(DESC, 3, REPLY, 4096, F_WRITE, 0);
    assert_eq!(used_len(&mut rig, 0), 11);
    assert_eq!(bytes(&rig, REPLY + 7, 4), 40u32.to_le_bytes());
    assert_eq!(fs::read(share.path("f")).unwrap()[8..48], payload[..]);

    // Tread the same way: an 11-byte buffer for `size type tag count`, the
    // data in the next ones (here through an indirect table).
    let read = message(t::READ, 5, &Body::default().u32(1).u64(8).u32(40).0);
    rig.mem.write(REQ, &read).unwrap();
    rig.desc(INDIRECT, 0, REQ, read.len() as u32, F_NEXT, 1);
    rig.desc(INDIRECT, 1, REPLY, 11, F_NEXT | F_WRITE, 2);
    rig.desc(INDIRECT, 2, REPLY + 0x1000, 30, F_NEXT | F_WRITE, 3);
    rig.desc(INDIRECT, 3, REPLY + 0x2000, 10, F_WRITE, 0);
    rig.desc(DESC, 5, INDIRECT, 64, F_INDIRECT, 0);
    assert_eq!(used_len(&mut rig, 5), 51);
    assert_eq!(bytes(&rig, REPLY + 7, 4), 40u32.to_le_bytes());
    let mut got = bytes(&rig, REPLY + 0x1000, 30);
    got.extend(bytes(&rig, REPLY + 0x2000, 10));
    assert_eq!(got, payload);
}

#[test]
fn chains_without_a_usable_message() {
    let share = TempShare::new();
    let mut rig = rig(&share);
    connect(&mut rig);
    let getattr = message(t::GETATTR, 6, &Body::default().u32(ROOT).u64(0).0);
    rig.mem.write(REQ, &getattr).unwrap();
    rig.mem.write(REPLY, &[0xee; 16]).unwrap();
    // Fewer than 7 readable bytes: nothing to answer.
    rig.desc(DESC, 0, REQ, 6, F_NEXT, 1);
    rig.desc(DESC, 1, REPLY, 4096, F_WRITE, 0);
    assert_eq!(used_len(&mut rig, 0), 0);
    // No writable part.
    rig.desc(DESC, 0, REQ, getattr.len() as u32, 0, 0);
    assert_eq!(used_len(&mut rig, 0), 0);
    // A readable buffer after a writable one.
    rig.desc(DESC, 0, REPLY, 4096, F_NEXT | F_WRITE, 1);
    rig.desc(DESC, 1, REQ, getattr.len() as u32, 0, 0);
    assert_eq!(used_len(&mut rig, 0), 0);
    // Buffers outside RAM, or running past its end.
    rig.desc(DESC, 0, 0x1000, getattr.len() as u32, F_NEXT, 1);
    rig.desc(DESC, 1, REPLY, 4096, F_WRITE, 0);
    assert_eq!(used_len(&mut rig, 0), 0);
    rig.desc(DESC, 0, REQ, getattr.len() as u32, F_NEXT, 1);
    rig.desc(DESC, 1, RAM_END - 8, 4096, F_WRITE, 0);
    assert_eq!(used_len(&mut rig, 0), 0);
    assert_eq!(bytes(&rig, REPLY, 16), [0xee; 16], "nothing written");
    assert_eq!(rig.rd(reg::STATUS) & status::DEVICE_NEEDS_RESET, 0);

    // A size field far beyond msize: only msize bytes are read, and the
    // answer is EINVAL.
    let mut lying = getattr.clone();
    lying[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    let r = call(&mut rig, &lying, 4096);
    assert_eq!(parse_reply(&r, 6), (7, &(e::EINVAL).to_le_bytes()[..]));
    // Room for Rlerror only.
    let r = call(&mut rig, &getattr, 11);
    assert_eq!(parse_reply(&r, 6), (7, &(e::EMSGSIZE).to_le_bytes()[..]));
    // And the device still answers properly.
    let r = call(&mut rig, &getattr, 4096);
    assert_eq!(parse_reply(&r, 6).0, t::GETATTR + 1);
}
