//! virtio-rng driven as a guest driver would, hostile buffers included.

use super::*;
use crate::virtio::rng::{EntropySource, VirtioRng, DEVICE_ID_RNG, MAX_PER_REQUEST};

fn rig() -> Rig {
    let mut rig = Rig::new(Box::new(VirtioRng::new(EntropySource::Repeatable(7))));
    rig.init_with(VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC);
    rig
}

/// The bytes the device's source gives first, from a source of its own.
fn expected(len: usize) -> Vec<u8> {
    let mut dev = VirtioRng::new(EntropySource::Repeatable(7));
    let mut buf = vec![0u8; len];
    dev.fill_for_test(&mut buf);
    buf
}

fn bytes(rig: &Rig, addr: u64, len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    rig.mem.read(addr, &mut b).unwrap();
    b
}

#[test]
fn identifies_as_an_entropy_source() {
    let mut rig = rig();
    assert_eq!(rig.rd(reg::DEVICE_ID), DEVICE_ID_RNG);
    assert_eq!(
        rig.device_features(),
        VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC
    );
}

#[test]
fn fills_every_writable_buffer_of_a_chain() {
    let mut rig = rig();
    rig.desc(DESC, 0, DATA, 24, F_WRITE | F_NEXT, 1);
    rig.desc(DESC, 1, DATA + 0x100, 8, F_WRITE, 0);
    rig.submit(0);
    assert_eq!(rig.used_idx(), 1);
    assert_eq!(rig.used(0), (0, 32));
    let want = expected(32);
    assert_eq!(bytes(&rig, DATA, 24), want[..24]);
    assert_eq!(bytes(&rig, DATA + 0x100, 8), want[24..]);
    assert!(rig.irq(), "the driver is told");
}

#[test]
fn readable_buffers_are_left_alone() {
    let mut rig = rig();
    rig.mem.write(DATA, &[0xaa; 16]).unwrap();
    rig.desc(DESC, 0, DATA, 16, F_NEXT, 1);
    rig.desc(DESC, 1, DATA + 0x100, 16, F_WRITE, 0);
    rig.submit(0);
    assert_eq!(rig.used(0), (0, 16));
    assert_eq!(bytes(&rig, DATA, 16), [0xaa; 16]);
}

#[test]
fn a_huge_request_gets_a_bounded_answer() {
    let mut rig = Rig::with_ram(
        Box::new(VirtioRng::new(EntropySource::Repeatable(7))),
        4 << 20,
    );
    rig.init_with(VIRTIO_F_VERSION_1);
    rig.desc(DESC, 0, DATA, 2 << 20, F_WRITE, 0);
    rig.submit(0);
    assert_eq!(rig.used(0), (0, MAX_PER_REQUEST as u32));
    // Past the bound nothing was written.
    assert_eq!(bytes(&rig, DATA + MAX_PER_REQUEST as u64, 64), [0u8; 64]);
}

#[test]
fn buffers_outside_ram_get_nothing() {
    let mut rig = rig();
    let cases = [
        (0x1000, 16),       // below RAM
        (RAM_END - 8, 16),  // running past its end
        (u64::MAX - 7, 16), // wrapping the address space
        (DATA, u32::MAX),   // a length RAM cannot hold
    ];
    for (i, (addr, len)) in cases.into_iter().enumerate() {
        rig.desc(DESC, 0, addr, len, F_WRITE, 0);
        rig.submit(0);
        assert_eq!(rig.used(i as u16), (0, 0), "case {i}");
    }
    assert_eq!(rig.rd(reg::STATUS) & status::DEVICE_NEEDS_RESET, 0);
    // Still serving.
    rig.desc(DESC, 0, DATA, 8, F_WRITE, 0);
    rig.submit(0);
    assert_eq!(rig.used(4), (0, 8));
}
