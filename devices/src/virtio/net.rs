//! The network device (virtio v1.2 §5.1): one receive and one transmit
//! queue, a MAC address and a link that is always up, no offloads.
//!
//! The device knows nothing of the network behind it. Frames the guest
//! transmits go to a [`NetTx`]; frames for the guest are queued in
//! [`RxFrames`] by the backend (on its own thread) which then serves the
//! receive queue through the transport's handle
//! ([`super::VirtioMmioHandle::serve_queue`]). A frame waits there until the
//! driver has a receive buffer for it; the backlog is bounded, and a full
//! one drops new frames as a congested link would (TCP retransmits).
//!
//! Every buffer is a byte stream across its descriptors (§2.7.4), starts
//! with the 12-byte `virtio_net_hdr` (all zero: no checksum or
//! segmentation offload; `num_buffers` 1 on receive), and is checked
//! against guest RAM before anything is read or written: a chain that
//! points outside RAM is returned untouched.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use heron_mmu::GuestMemory;

use super::queue::{Descriptor, DescriptorChain, QueueAccess, QueueError};
use super::VirtioDevice;

/// Virtio device ID of a network card (§5).
pub const DEVICE_ID_NET: u32 = 1;
/// Feature: `mac` in the configuration is valid.
pub const VIRTIO_NET_F_MAC: u64 = 1 << 5;
/// Feature: `status` in the configuration is valid.
pub const VIRTIO_NET_F_STATUS: u64 = 1 << 16;
/// `status`: the link is up.
const VIRTIO_NET_S_LINK_UP: u16 = 1;

/// `virtio_net_hdr` with `VIRTIO_F_VERSION_1`: flags, gso_type, hdr_len,
/// gso_size, csum_start, csum_offset, num_buffers.
pub const NET_HDR_LEN: usize = 12;
/// The largest frame either way: an Ethernet frame without offloads is at
/// most 1514 bytes; this leaves room for jumbo frames and bounds what a
/// guest can make the host copy.
pub const MAX_FRAME: usize = 65_536;
/// Frames waiting for receive buffers.
pub const RX_BACKLOG: usize = 256;

/// Queue indices (§5.1.2).
pub const RX_QUEUE: usize = 0;
/// The transmit queue.
pub const TX_QUEUE: usize = 1;

const QUEUE_MAX: u16 = 256;

/// Where the guest's frames go (the backend's send side).
pub trait NetTx: Send {
    /// Takes one Ethernet frame the guest sent (header stripped).
    fn send(&mut self, frame: &[u8]);
}

/// Frames for the guest, queued by the backend's thread.
#[derive(Clone, Default)]
pub struct RxFrames(Arc<Mutex<VecDeque<Vec<u8>>>>);

impl RxFrames {
    /// An empty backlog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `frame`; `false` (and the frame dropped) when the backlog is
    /// full or the frame too large.
    pub fn push(&self, frame: Vec<u8>) -> bool {
        let mut q = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if q.len() >= RX_BACKLOG || frame.len() > MAX_FRAME {
            return false;
        }
        q.push_back(frame);
        true
    }

    fn pop(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
    }

    /// Whether no frame waits.
    pub fn is_empty(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// Frames waiting.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// A virtio network card.
pub struct VirtioNet {
    mac: [u8; 6],
    rx: RxFrames,
    tx: Box<dyn NetTx>,
    /// A transmitted frame being gathered from its descriptors.
    buf: Vec<u8>,
}

impl VirtioNet {
    /// A card with address `mac`, receiving from `rx`, sending to `tx`.
    pub fn new(mac: [u8; 6], rx: RxFrames, tx: Box<dyn NetTx>) -> Self {
        VirtioNet {
            mac,
            rx,
            tx,
            buf: Vec::new(),
        }
    }

    fn config(&self) -> [u8; 8] {
        let mut c = [0u8; 8];
        c[..6].copy_from_slice(&self.mac);
        c[6..8].copy_from_slice(&VIRTIO_NET_S_LINK_UP.to_le_bytes());
        c
    }

    /// Moves waiting frames into the driver's receive buffers.
    fn receive(&mut self, access: &mut QueueAccess<'_>) -> Result<(), QueueError> {
        let mem = access.memory();
        while !self.rx.is_empty() {
            let Some(chain) = access.pop()? else {
                // No buffer: the frames wait for the driver's next one.
                return Ok(());
            };
            let Some(frame) = self.rx.pop() else {
                access.add_used(chain.head(), 0)?;
                return Ok(());
            };
            let written = deliver(&chain, mem, &frame);
            access.add_used(chain.head(), written)?;
        }
        Ok(())
    }

    /// Sends every frame the driver made available.
    fn transmit(&mut self, access: &mut QueueAccess<'_>) -> Result<(), QueueError> {
        let mem = access.memory();
        while let Some(chain) = access.pop()? {
            if self.gather(&chain, mem) {
                self.tx.send(&self.buf[NET_HDR_LEN..]);
            }
            access.add_used(chain.head(), 0)?;
        }
        Ok(())
    }

    /// Reads the chain's device-readable bytes into `buf`; `false` for a
    /// chain that is not a frame (outside RAM, too long, shorter than the
    /// header), which is returned without being sent.
    fn gather(&mut self, chain: &DescriptorChain, mem: &GuestMemory) -> bool {
        if let Err(e) = chain.check_in_memory(mem) {
            log::warn!("virtio-net: transmit buffer {e}");
            return false;
        }
        let readable = chain.descriptors().iter().filter(|d| !d.writable);
        let total: u64 = readable.clone().map(|d| u64::from(d.len)).sum();
        if total > (NET_HDR_LEN + MAX_FRAME) as u64 || total < NET_HDR_LEN as u64 {
            log::warn!("virtio-net: transmit chain of {total} bytes dropped");
            return false;
        }
        self.buf.clear();
        for d in readable {
            let at = self.buf.len();
            self.buf.resize(at + d.len as usize, 0);
            if mem.read(d.addr, &mut self.buf[at..]).is_err() {
                // Unreachable: checked above.
                return false;
            }
        }
        true
    }
}

/// Writes the header and `frame` across the chain's writable buffers;
/// returns the used length (0 if the frame does not fit or the chain is
/// not in RAM: the driver counts it as a receive error).
fn deliver(chain: &DescriptorChain, mem: &GuestMemory, frame: &[u8]) -> u32 {
    if let Err(e) = chain.check_in_memory(mem) {
        log::warn!("virtio-net: receive buffer {e}");
        return 0;
    }
    let writable: Vec<&Descriptor> = chain.descriptors().iter().filter(|d| d.writable).collect();
    let room: u64 = writable.iter().map(|d| u64::from(d.len)).sum();
    let len = NET_HDR_LEN + frame.len();
    if room < len as u64 {
        log::warn!("virtio-net: a {len}-byte frame does not fit a {room}-byte buffer; dropped");
        return 0;
    }
    let mut header = [0u8; NET_HDR_LEN];
    // num_buffers: the whole frame is in this one buffer.
    header[10..12].copy_from_slice(&1u16.to_le_bytes());
    let mut bytes = header.iter().chain(frame).copied();
    for d in writable {
        let piece: Vec<u8> = bytes.by_ref().take(d.len as usize).collect();
        if piece.is_empty() {
            break;
        }
        if mem.write(d.addr, &piece).is_err() {
            return 0;
        }
    }
    len as u32
}

impl VirtioDevice for VirtioNet {
    fn device_id(&self) -> u32 {
        DEVICE_ID_NET
    }

    fn device_features(&self) -> u64 {
        VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS
    }

    fn queue_count(&self) -> usize {
        2
    }

    fn queue_max_size(&self, _queue: usize) -> u16 {
        QUEUE_MAX
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        super::read_config_bytes(&self.config(), offset, data);
    }

    /// The MAC is the device's; the driver may not change it this way
    /// (only with `VIRTIO_NET_F_CTRL_MAC_ADDR`, not offered).
    fn write_config(&mut self, _offset: u64, _data: &[u8]) {}

    fn process_queue(
        &mut self,
        queue: usize,
        access: &mut QueueAccess<'_>,
    ) -> Result<(), QueueError> {
        match queue {
            RX_QUEUE => self.receive(access),
            TX_QUEUE => self.transmit(access),
            _ => Ok(()),
        }
    }

    fn reset(&mut self) {
        self.buf = Vec::new();
    }
}
