//! Split virtqueues (virtio v1.2 §2.7): queue configuration, validation of
//! the rings the driver hands us, and the descriptor-chain walker.
//!
//! Everything read from the rings is guest-controlled. Every access goes
//! through [`GuestMemory`], which bounds-checks against RAM, so nothing here
//! can touch host memory outside the guest mapping; on top of that the walker
//! enforces the structural rules (chain length, `next` range, indirect table
//! shape) so that a hostile chain costs at most one queue size of work.

use std::sync::atomic::{fence, Ordering};

use heron_mmu::{GuestMemory, OutOfRange};
use thiserror::Error;

/// Descriptor flag: the chain continues at `next` (§2.7.5).
const VIRTQ_DESC_F_NEXT: u16 = 1;
/// Descriptor flag: the buffer is device-writable (§2.7.5).
const VIRTQ_DESC_F_WRITE: u16 = 2;
/// Descriptor flag: the buffer is an indirect descriptor table (§2.7.5.3).
const VIRTQ_DESC_F_INDIRECT: u16 = 4;
/// Available-ring flag: the driver does not want used-buffer notifications
/// (§2.7.7, without `VIRTIO_F_EVENT_IDX`).
const VIRTQ_AVAIL_F_NO_INTERRUPT: u16 = 1;
/// Bytes per descriptor table entry.
const DESC_SIZE: u64 = 16;

/// A ring the device cannot use: the driver broke the queue protocol badly
/// enough that the only recovery is a device reset (§2.1.2,
/// `DEVICE_NEEDS_RESET`).
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum QueueError {
    /// A ring access left guest RAM (possible only if validation at
    /// `QueueReady` was bypassed; kept as a guard).
    #[error("virtqueue ring access outside RAM: {0}")]
    RingOutOfRange(#[from] OutOfRange),
    /// `avail.idx` moved more than a queue size past what the device has
    /// consumed.
    #[error("available index jumped from {last} to {avail} (queue size {size})")]
    AvailIndexJump {
        /// Device's last consumed index.
        last: u16,
        /// Driver's published index.
        avail: u16,
        /// Queue size.
        size: u16,
    },
    /// The available ring names a head descriptor outside the table.
    #[error("available ring head {head} is outside a table of {size}")]
    HeadOutOfRange {
        /// The head index read.
        head: u16,
        /// Queue size.
        size: u16,
    },
}

/// Why a queue configuration was refused at `QueueReady` (§2.7, §4.2.3.2).
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub(crate) enum QueueConfigError {
    /// `QueueNum` is 0, not a power of two, or above `QueueNumMax`.
    #[error("queue size {size} is invalid (maximum {max}, power of two required)")]
    BadSize {
        /// Size the driver wrote.
        size: u32,
        /// `QueueNumMax`.
        max: u16,
    },
    /// A ring is misaligned or does not lie entirely in RAM.
    #[error("{ring} ring at {addr:#x} is misaligned or outside RAM")]
    BadRing {
        /// Which ring.
        ring: &'static str,
        /// Its guest physical address.
        addr: u64,
    },
}

/// Why a descriptor chain was rejected before the device saw it. Such a
/// chain is returned to the driver with a used length of 0: its layout
/// cannot be trusted enough to find a status byte.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
enum ChainError {
    #[error("descriptor index {index} is outside a table of {size}")]
    NextOutOfRange { index: u16, size: u32 },
    #[error("chain revisits a descriptor of its {0}-entry table (a loop)")]
    Loop(u32),
    #[error("descriptor table entry outside RAM: {0}")]
    TableOutOfRange(OutOfRange),
    #[error("indirect descriptor without VIRTIO_F_INDIRECT_DESC")]
    IndirectNotNegotiated,
    #[error("indirect descriptor inside an indirect table")]
    NestedIndirect,
    #[error("indirect descriptor with NEXT set")]
    IndirectWithNext,
    #[error("indirect table length {0} is zero, not a multiple of 16 or too long")]
    BadIndirectLength(u32),
}

/// One buffer of a descriptor chain, as the device sees it (§2.7.5). The
/// address and length are the driver's and have not been checked against
/// RAM; accesses through [`GuestMemory`] are bounds-checked, and
/// [`DescriptorChain::check_in_memory`] checks them all up front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    /// Guest physical address of the buffer.
    pub addr: u64,
    /// Length in bytes.
    pub len: u32,
    /// Device-writable (`VIRTQ_DESC_F_WRITE`) rather than device-readable.
    pub writable: bool,
}

/// A structurally valid descriptor chain: at most a queue size of buffers,
/// with indirect tables already flattened (§2.7.5.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescriptorChain {
    head: u16,
    descriptors: Vec<Descriptor>,
}

impl DescriptorChain {
    /// The head index, which identifies the chain on the used ring.
    pub fn head(&self) -> u16 {
        self.head
    }

    /// The buffers in chain order (never empty).
    pub fn descriptors(&self) -> &[Descriptor] {
        &self.descriptors
    }

    /// Checks that every buffer lies in guest RAM.
    pub fn check_in_memory(&self, mem: &GuestMemory) -> Result<(), OutOfRange> {
        for d in &self.descriptors {
            if !mem.contains(d.addr, d.len as u64) {
                return Err(OutOfRange {
                    addr: d.addr,
                    len: d.len as u64,
                });
            }
        }
        Ok(())
    }

    /// Splits the chain into its device-readable part and the device-writable
    /// part that follows it, or `None` if a readable buffer follows a
    /// writable one, which §2.7.4.2 forbids.
    pub fn split(&self) -> Option<(&[Descriptor], &[Descriptor])> {
        let first_writable = self
            .descriptors
            .iter()
            .position(|d| d.writable)
            .unwrap_or(self.descriptors.len());
        let (readable, writable) = self.descriptors.split_at(first_writable);
        writable
            .iter()
            .all(|d| d.writable)
            .then_some((readable, writable))
    }
}

/// One virtqueue's registers as the driver programs them through the
/// transport (§4.2.2: `QueueNum`, `QueueDesc`, `QueueDriver`, `QueueDevice`,
/// `QueueReady`), plus the device's ring cursors.
#[derive(Clone, Debug, Default)]
pub(crate) struct QueueState {
    /// `QueueNum` as written (validated only at `QueueReady`).
    pub size: u32,
    /// `QueueReady`: validated and in use.
    pub ready: bool,
    /// Descriptor table address.
    pub desc_addr: u64,
    /// Available (driver) ring address.
    pub avail_addr: u64,
    /// Used (device) ring address.
    pub used_addr: u64,
    /// `QueueNumMax`, recorded when the queue is enabled: the longest
    /// indirect table accepted.
    max_size: u16,
    /// Next available-ring index the device will consume.
    last_avail: u16,
    /// Next used-ring index the device will fill.
    next_used: u16,
}

impl QueueState {
    /// Validates the configuration for `QueueReady = 1` (§2.7: sizes and
    /// alignment; and that each ring lies entirely in RAM) and, if it holds,
    /// marks the queue ready with fresh cursors.
    pub(crate) fn enable(&mut self, max: u16, mem: &GuestMemory) -> Result<(), QueueConfigError> {
        let size = self.size;
        if size == 0 || !size.is_power_of_two() || size > max as u32 {
            return Err(QueueConfigError::BadSize { size, max });
        }
        let n = size as u64;
        // Sizes include the event-index words (§2.7.6, §2.7.8): the layout
        // reserves them whether or not VIRTIO_F_EVENT_IDX is negotiated.
        let rings = [
            ("descriptor", self.desc_addr, 16, DESC_SIZE * n),
            ("available", self.avail_addr, 2, 6 + 2 * n),
            ("used", self.used_addr, 4, 6 + 8 * n),
        ];
        for (ring, addr, align, len) in rings {
            if !addr.is_multiple_of(align) || !mem.contains(addr, len) {
                return Err(QueueConfigError::BadRing { ring, addr });
            }
        }
        self.ready = true;
        self.max_size = max;
        self.last_avail = 0;
        self.next_used = 0;
        Ok(())
    }
}

/// A device's view of one ready queue during a notification: pop available
/// chains, return them on the used ring.
pub struct QueueAccess<'a> {
    state: &'a mut QueueState,
    mem: &'a GuestMemory,
    indirect: bool,
    used_added: bool,
}

impl<'a> QueueAccess<'a> {
    /// Access to `state` (which must be ready) over `mem`; `indirect` says
    /// whether `VIRTIO_F_INDIRECT_DESC` was negotiated.
    pub(crate) fn new(state: &'a mut QueueState, mem: &'a GuestMemory, indirect: bool) -> Self {
        QueueAccess {
            state,
            mem,
            indirect,
            used_added: false,
        }
    }

    /// Guest memory, for the device's data transfers.
    pub fn memory(&self) -> &'a GuestMemory {
        self.mem
    }

    /// The next available chain, or `None` when the driver has published no
    /// more. Structurally invalid chains (loops, `next` out of range, bad
    /// indirect tables) are returned to the driver with used length 0 and
    /// skipped: their layout is unknown, so nothing is written into them.
    pub fn pop(&mut self) -> Result<Option<DescriptorChain>, QueueError> {
        loop {
            let size = self.state.size as u16;
            let avail = self.mem.read_u16(self.state.avail_addr + 2)?;
            let pending = avail.wrapping_sub(self.state.last_avail);
            if pending == 0 {
                return Ok(None);
            }
            if pending > size {
                return Err(QueueError::AvailIndexJump {
                    last: self.state.last_avail,
                    avail,
                    size,
                });
            }
            // Read ring entries only after seeing the index that publishes
            // them (§2.7.13.3: the driver's barrier pairs with this one).
            fence(Ordering::Acquire);
            let slot = (self.state.last_avail % size) as u64;
            let head = self.mem.read_u16(self.state.avail_addr + 4 + 2 * slot)?;
            if head >= size {
                return Err(QueueError::HeadOutOfRange { head, size });
            }
            self.state.last_avail = self.state.last_avail.wrapping_add(1);
            match self.walk(head) {
                Ok(chain) => return Ok(Some(chain)),
                Err(e) => {
                    log::warn!("virtio: dropping malformed chain at head {head}: {e}");
                    self.add_used(head, 0)?;
                }
            }
        }
    }

    /// Puts chain `head` on the used ring with `len` bytes written into its
    /// device-writable buffers (§2.7.8).
    pub fn add_used(&mut self, head: u16, len: u32) -> Result<(), QueueError> {
        let size = self.state.size as u16;
        let slot = (self.state.next_used % size) as u64;
        let elem = self.state.used_addr + 4 + 8 * slot;
        let mut bytes = [0u8; 8];
        bytes[..4].copy_from_slice(&(head as u32).to_le_bytes());
        bytes[4..].copy_from_slice(&len.to_le_bytes());
        self.mem.write(elem, &bytes)?;
        self.state.next_used = self.state.next_used.wrapping_add(1);
        // The element must be visible before the index that publishes it.
        fence(Ordering::Release);
        self.mem
            .write_u16(self.state.used_addr + 2, self.state.next_used)?;
        self.used_added = true;
        Ok(())
    }

    /// Whether anything was put on the used ring through this access.
    pub fn used_added(&self) -> bool {
        self.used_added
    }

    /// Whether the driver should be notified: something was added to the
    /// used ring and the driver has not suppressed notifications with
    /// `VIRTQ_AVAIL_F_NO_INTERRUPT` (§2.7.7).
    pub fn needs_notification(&self) -> Result<bool, QueueError> {
        if !self.used_added {
            return Ok(false);
        }
        fence(Ordering::SeqCst);
        let flags = self.mem.read_u16(self.state.avail_addr)?;
        Ok(flags & VIRTQ_AVAIL_F_NO_INTERRUPT == 0)
    }

    /// Follows the chain starting at `head`, flattening an indirect table
    /// (§2.7.5.3: zero or more direct descriptors, then at most one indirect
    /// one without `NEXT`).
    fn walk(&self, head: u16) -> Result<DescriptorChain, ChainError> {
        let size = self.state.size as u16;
        let mut table = self.state.desc_addr;
        let mut table_len = size as u32;
        let mut in_indirect = false;
        let mut index = head;
        let mut descriptors = Vec::new();
        // Descriptors taken from the current table. A table of n entries
        // yields at most n distinct ones, so more means `next` looped: this
        // bounds the walk without remembering which entries were seen.
        let mut taken_from_table = 0u32;
        loop {
            if index as u32 >= table_len {
                return Err(ChainError::NextOutOfRange {
                    index,
                    size: table_len,
                });
            }
            let mut raw = [0u8; DESC_SIZE as usize];
            self.mem
                .read(table + DESC_SIZE * index as u64, &mut raw)
                .map_err(ChainError::TableOutOfRange)?;
            let addr = u64::from_le_bytes(field(&raw, 0));
            let len = u32::from_le_bytes(field(&raw, 8));
            let flags = u16::from_le_bytes(field(&raw, 12));
            let next = u16::from_le_bytes(field(&raw, 14));

            if flags & VIRTQ_DESC_F_INDIRECT != 0 {
                if !self.indirect {
                    return Err(ChainError::IndirectNotNegotiated);
                }
                if in_indirect {
                    return Err(ChainError::NestedIndirect);
                }
                if flags & VIRTQ_DESC_F_NEXT != 0 {
                    return Err(ChainError::IndirectWithNext);
                }
                let entries = len / DESC_SIZE as u32;
                // §2.7.5.3.1 bounds a chain by the queue size; measured
                // against QueueNumMax so that a driver that picked a
                // smaller ring can still use tables sized for SEG_MAX.
                let max = self.state.max_size as u32;
                if len == 0 || !len.is_multiple_of(DESC_SIZE as u32) || entries > max {
                    return Err(ChainError::BadIndirectLength(len));
                }
                table = addr;
                table_len = entries;
                in_indirect = true;
                index = 0;
                taken_from_table = 0;
                continue;
            }

            if taken_from_table >= table_len {
                return Err(ChainError::Loop(table_len));
            }
            taken_from_table += 1;
            descriptors.push(Descriptor {
                addr,
                len,
                writable: flags & VIRTQ_DESC_F_WRITE != 0,
            });
            if flags & VIRTQ_DESC_F_NEXT == 0 {
                return Ok(DescriptorChain { head, descriptors });
            }
            index = next;
        }
    }
}

/// The `N` bytes at `at` of a raw descriptor.
fn field<const N: usize>(raw: &[u8; DESC_SIZE as usize], at: usize) -> [u8; N] {
    let mut bytes = [0; N];
    bytes.copy_from_slice(&raw[at..at + N]);
    bytes
}
