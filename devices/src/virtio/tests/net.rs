//! virtio-net driven as a guest driver would: frames both ways, input that
//! arrives before the driver has buffers, and hostile buffers.

use std::sync::{Arc, Mutex};

use super::*;
use crate::virtio::net::{
    NetTx, RxFrames, VirtioNet, DEVICE_ID_NET, MAX_FRAME, NET_HDR_LEN, RX_BACKLOG,
    VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS,
};

/// The transmit queue's rings (queue 0, receive, uses the rig's usual ones).
const TX_DESC: u64 = RAM_BASE + 0x7000;
const TX_AVAIL: u64 = RAM_BASE + 0x8000;
const TX_USED: u64 = RAM_BASE + 0x9000;
const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

/// What the card sent.
#[derive(Clone, Default)]
struct Sent(Arc<Mutex<Vec<Vec<u8>>>>);

impl NetTx for Sent {
    fn send(&mut self, frame: &[u8]) {
        self.0.lock().unwrap().push(frame.to_vec());
    }
}

impl Sent {
    fn frames(&self) -> Vec<Vec<u8>> {
        self.0.lock().unwrap().clone()
    }
}

struct NetRig {
    rig: Rig,
    rx: RxFrames,
    sent: Sent,
    tx_avail: u16,
}

fn net() -> NetRig {
    let rx = RxFrames::new();
    let sent = Sent::default();
    let dev = VirtioNet::new(MAC, rx.clone(), Box::new(sent.clone()));
    let mut rig = Rig::new(Box::new(dev));
    assert!(rig.negotiate(VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS));
    rig.program_queue(0, QSIZE, DESC, AVAIL, USED);
    rig.wr(reg::QUEUE_READY, 1);
    rig.program_queue(1, QSIZE, TX_DESC, TX_AVAIL, TX_USED);
    rig.wr(reg::QUEUE_READY, 1);
    rig.driver_ok();
    NetRig {
        rig,
        rx,
        sent,
        tx_avail: 0,
    }
}

impl NetRig {
    /// Offers one receive buffer (descriptor 0) without notifying.
    fn offer_rx(&mut self, addr: u64, len: u32) {
        self.rig.desc(DESC, 0, addr, len, F_WRITE, 0);
        self.rig.submit(0);
    }

    /// Sends `parts` as one chain on the transmit queue and notifies it.
    fn transmit(&mut self, parts: &[(u64, u32)]) {
        for (i, &(addr, len)) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let flags = if last { 0 } else { F_NEXT };
            self.rig
                .desc(TX_DESC, i as u16, addr, len, flags, i as u16 + 1);
        }
        let slot = (self.tx_avail as u32 % QSIZE) as u64;
        self.rig.mem.write_u16(TX_AVAIL + 4 + 2 * slot, 0).unwrap();
        self.tx_avail = self.tx_avail.wrapping_add(1);
        self.rig.mem.write_u16(TX_AVAIL + 2, self.tx_avail).unwrap();
        self.rig.wr(reg::QUEUE_NOTIFY, 1);
    }

    fn tx_used_idx(&self) -> u16 {
        self.rig.mem.read_u16(TX_USED + 2).unwrap()
    }
}

fn frame(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

#[test]
fn identifies_with_its_mac_and_link_up() {
    let mut n = net();
    assert_eq!(n.rig.rd(reg::DEVICE_ID), DEVICE_ID_NET);
    let f = n.rig.device_features();
    assert_ne!(f & VIRTIO_NET_F_MAC, 0);
    let mac: Vec<u8> = (0..6)
        .map(|i| n.rig.dev.read(reg::CONFIG + i, 1) as u8)
        .collect();
    assert_eq!(mac, MAC);
    assert_eq!(n.rig.dev.read(reg::CONFIG + 6, 2), 1, "link up");
}

#[test]
fn a_waiting_frame_goes_into_the_next_buffer() {
    let mut n = net();
    let f = frame(60, 1);
    assert!(n.rx.push(f.clone()));
    // Input before any buffer: it waits.
    n.rig.dev.serve_queue(0);
    assert_eq!(n.rig.used_idx(), 0);
    n.offer_rx(DATA, 2048);
    assert_eq!(n.rig.used(0), (0, (NET_HDR_LEN + 60) as u32));
    let mut got = vec![0u8; NET_HDR_LEN + 60];
    n.rig.mem.read(DATA, &mut got).unwrap();
    assert_eq!(&got[..10], &[0u8; 10], "no offloads");
    assert_eq!(&got[10..12], &1u16.to_le_bytes(), "num_buffers");
    assert_eq!(&got[NET_HDR_LEN..], &f[..]);
    assert!(n.rig.irq());
}

#[test]
fn input_arriving_later_is_served_by_the_backend() {
    let mut n = net();
    n.offer_rx(DATA, 2048);
    assert_eq!(n.rig.used_idx(), 0, "nothing to receive yet");
    assert!(n.rx.push(frame(100, 2)));
    // What the backend's thread does when a frame arrives.
    n.rig.dev.serve_queue(0);
    assert_eq!(n.rig.used(0), (0, (NET_HDR_LEN + 100) as u32));
    assert_eq!(n.rx.len(), 0);
}

#[test]
fn a_frame_too_big_for_its_buffer_is_dropped() {
    let mut n = net();
    assert!(n.rx.push(frame(1514, 3)));
    assert!(n.rx.push(frame(64, 4)));
    n.offer_rx(DATA, 1000);
    assert_eq!(n.rig.used(0), (0, 0), "dropped, not truncated");
    n.offer_rx(DATA, 1000);
    assert_eq!(n.rig.used(1), (0, (NET_HDR_LEN + 64) as u32));
}

#[test]
fn receive_buffers_outside_ram_get_nothing() {
    let mut n = net();
    for (i, (addr, len)) in [(0x1000, 2048), (RAM_END - 100, 2048), (u64::MAX - 99, 2048)]
        .into_iter()
        .enumerate()
    {
        assert!(n.rx.push(frame(60, 5)));
        n.offer_rx(addr, len);
        assert_eq!(n.rig.used(i as u16), (0, 0), "case {i}");
    }
    assert_eq!(n.rig.rd(reg::STATUS) & status::DEVICE_NEEDS_RESET, 0);
}

#[test]
fn the_backlog_is_bounded() {
    let n = net();
    let taken = (0..RX_BACKLOG + 10)
        .filter(|&i| n.rx.push(frame(60, i as u8)))
        .count();
    assert_eq!(taken, RX_BACKLOG);
    assert!(!RxFrames::new().push(vec![0; MAX_FRAME + 1]), "oversized");
}

#[test]
fn transmitted_frames_reach_the_backend_without_their_header() {
    let mut n = net();
    let f = frame(90, 6);
    let mut bytes = vec![0u8; NET_HDR_LEN];
    bytes.extend_from_slice(&f);
    n.rig.mem.write(DATA, &bytes).unwrap();
    // Header and frame split oddly across three descriptors.
    n.transmit(&[(DATA, 5), (DATA + 5, 40), (DATA + 45, 57)]);
    assert_eq!(n.tx_used_idx(), 1);
    assert_eq!(n.sent.frames(), vec![f]);
}

#[test]
fn hostile_transmit_chains_are_returned_unsent() {
    let mut n = net();
    let cases: [&[(u64, u32)]; 4] = [
        &[(0x1000, 64)],                                 // outside RAM
        &[(RAM_END - 10, 64)],                           // past its end
        &[(DATA, 4)],                                    // shorter than the header
        &[(DATA, (NET_HDR_LEN + MAX_FRAME) as u32 + 1)], // too long
    ];
    for (i, parts) in cases.iter().enumerate() {
        n.transmit(parts);
        assert_eq!(n.tx_used_idx(), i as u16 + 1, "case {i} returned");
    }
    assert!(n.sent.frames().is_empty());
    n.transmit(&[(DATA, 60)]);
    assert_eq!(n.sent.frames().len(), 1, "still sending");
}
