//! Virtio devices over the MMIO transport (virtio v1.2).
//!
//! * [`VirtioMmio`] (`mmio.rs`): the modern (version 2) virtio-mmio register
//!   block of §4.2, an [`heron_mmu::MmioDevice`] wrapping any
//!   [`VirtioDevice`].
//! * `queue.rs`: split virtqueues (§2.7): the per-queue configuration the
//!   driver programs, and [`QueueAccess`], through which a device pops
//!   validated [`DescriptorChain`]s and returns them on the used ring.
//! * [`VirtioBlk`] (`blk.rs`): the block device of §5.2, backed by a
//!   [`Disk`] (`disk.rs`: a raw image, read-write, read-only or with an
//!   in-memory copy-on-write overlay).
//! * [`VirtioNet`] (`net.rs`): the network card of §5.1, frames to and from
//!   a backend on its own thread, which serves received frames through a
//!   [`SharedVirtioMmio`]'s handle (`shared.rs`).
//! * [`VirtioRng`] (`rng.rs`): the entropy device of §5.4, from the host's
//!   `getrandom(2)`.
//!
//! # Why a queue walker of our own rather than rust-vmm's `virtio-queue`
//!
//! `virtio-queue` is generic over `vm-memory`'s `GuestMemory` trait, whose
//! regions hand out host addresses and volatile slices; its used-ring updates
//! are atomic stores through those host addresses. heron's
//! [`heron_mmu::GuestMemory`] deliberately exposes no host pointers: every DMA
//! access is a bounds-checked copy, and every write is checked against the
//! pages holding pre-decoded guest code so the interpreter drops stale
//! translations. Adapting would mean either exposing the raw mapping (and
//! losing that invalidation for used-ring and data writes) or implementing
//! `vm-memory`'s region and `Bytes` traits over a copy-only handle, which is
//! more code than the walker itself and pulls two crates and their feature
//! matrix in. So the split-queue walker here is our own, written from the
//! spec and following `virtio-queue`'s validation rules: ring and descriptor
//! addresses checked against RAM, each table walked at most once per entry (which
//! catches loops), `next` indices checked against the table, indirect tables
//! checked for size, nesting and `NEXT`, and a misbehaving ring turned into
//! `DEVICE_NEEDS_RESET` rather than a host fault.

pub mod blk;
pub mod disk;
pub mod mmio;
pub mod net;
pub mod p9;
pub mod queue;
pub mod rng;
mod shared;

#[cfg(test)]
mod tests;

pub use blk::VirtioBlk;
pub use disk::{Disk, DiskError, DiskMode};
pub use mmio::{VirtioMmio, VIRTIO_MMIO_SIZE};
pub use net::{NetTx, RxFrames, VirtioNet};
pub use p9::{P9Error, P9Share, Virtio9p};
pub use queue::{Descriptor, DescriptorChain, QueueAccess, QueueError};
pub use rng::{EntropySource, VirtioRng};
pub use shared::{SharedVirtioMmio, VirtioMmioHandle};

/// Feature bit: the device conforms to virtio 1.x (§6). The transport always
/// offers it and refuses `FEATURES_OK` without it: this is a modern-only
/// device.
pub const VIRTIO_F_VERSION_1: u64 = 1 << 32;
/// Feature bit: the driver may use indirect descriptor tables (§2.7.5.3).
/// Offered by the transport, whose queue walker implements them.
pub const VIRTIO_F_INDIRECT_DESC: u64 = 1 << 28;

/// Virtio device ID of a block device (§5, table of device types).
pub const DEVICE_ID_BLOCK: u32 = 2;

/// A virtio device behind a transport: its identity, features and
/// configuration space, and the work it does for each queue (§2, §5).
///
/// The transport owns the generic state (device status, feature
/// negotiation, queue registers, interrupts); the device only sees its own
/// configuration space and, on a notification, a [`QueueAccess`] for the
/// notified queue.
pub trait VirtioDevice: Send {
    /// The virtio device ID (§5), e.g. [`DEVICE_ID_BLOCK`].
    fn device_id(&self) -> u32;

    /// Device-specific feature bits offered to the driver. The transport
    /// adds the transport features it implements ([`VIRTIO_F_VERSION_1`],
    /// [`VIRTIO_F_INDIRECT_DESC`]).
    fn device_features(&self) -> u64;

    /// Called when the driver's feature selection is accepted (the
    /// `FEATURES_OK` handshake of §3.1.1), with the negotiated set.
    fn set_driver_features(&mut self, _features: u64) {}

    /// Number of virtqueues.
    fn queue_count(&self) -> usize;

    /// Largest queue size the device supports for `queue` (`QueueNumMax`).
    /// Must be a power of two no larger than 32768.
    fn queue_max_size(&self, queue: usize) -> u16;

    /// Reads `data.len()` bytes of device configuration space at `offset`.
    /// Bytes past the end of the configuration structure read as zero.
    fn read_config(&self, offset: u64, data: &mut [u8]);

    /// Writes `data` into device configuration space at `offset`. Read-only
    /// fields ignore the write.
    fn write_config(&mut self, offset: u64, data: &[u8]);

    /// Handles a notification of `queue`: pops available chains from
    /// `access`, serves them and returns them with
    /// [`QueueAccess::add_used`]. An `Err` means the ring itself is unusable;
    /// the transport then sets `DEVICE_NEEDS_RESET`.
    fn process_queue(
        &mut self,
        queue: usize,
        access: &mut QueueAccess<'_>,
    ) -> Result<(), QueueError>;

    /// Returns the device to its initial state (the driver wrote 0 to the
    /// status register, §2.1).
    fn reset(&mut self);
}

/// Copies configuration bytes `config[offset..]` into `data` as
/// `VirtioDevice::read_config` promises: bytes past the structure (or at an
/// offset no `usize` holds) read as zero.
pub(crate) fn read_config_bytes(config: &[u8], offset: u64, data: &mut [u8]) {
    for (i, byte) in data.iter_mut().enumerate() {
        *byte = usize::try_from(offset)
            .ok()
            .and_then(|o| o.checked_add(i))
            .and_then(|o| config.get(o).copied())
            .unwrap_or(0);
    }
}
