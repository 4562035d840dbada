//! An independent reading of a generated virtqueue, from the spec rather
//! than from `queue.rs`: which chains the available ring names, how each
//! walks (§2.7.5, §2.7.5.3), which bytes the device reads to find them and
//! which it may write.

use heron_mmu::GuestMemory;

use super::super::{F_INDIRECT, F_NEXT, F_WRITE, RAM_BASE};
use super::FUZZ_RAM_END as RAM_END;

/// Longest indirect table heron accepts: `QueueNumMax` of virtio-blk.
const MAX_INDIRECT: u32 = 256;

/// A descriptor as laid out in a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawDesc {
    pub addr: u64,
    pub len: u32,
    pub flags: u16,
    pub next: u16,
}

impl RawDesc {
    pub(crate) fn bytes(&self) -> [u8; 16] {
        let mut raw = [0u8; 16];
        raw[0..8].copy_from_slice(&self.addr.to_le_bytes());
        raw[8..12].copy_from_slice(&self.len.to_le_bytes());
        raw[12..14].copy_from_slice(&self.flags.to_le_bytes());
        raw[14..16].copy_from_slice(&self.next.to_le_bytes());
        raw
    }

    fn read(mem: &GuestMemory, at: u64) -> Option<RawDesc> {
        let mut raw = [0u8; 16];
        mem.read(at, &mut raw).ok()?;
        let mut addr = [0u8; 8];
        addr.copy_from_slice(&raw[0..8]);
        Some(RawDesc {
            addr: u64::from_le_bytes(addr),
            len: u32::from_le_bytes([raw[8], raw[9], raw[10], raw[11]]),
            flags: u16::from_le_bytes([raw[12], raw[13]]),
            next: u16::from_le_bytes([raw[14], raw[15]]),
        })
    }

    fn writable(&self) -> bool {
        self.flags & F_WRITE != 0
    }
}

/// A set of guest physical byte ranges, clipped to RAM.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ranges(Vec<(u64, u64)>);

impl Ranges {
    /// Adds `[addr, addr + len)` (the part in RAM; wrapping ranges end at
    /// the top of the address space).
    pub(crate) fn add(&mut self, addr: u64, len: u64) {
        let start = addr.max(RAM_BASE);
        let end = addr.saturating_add(len).min(RAM_END);
        if start < end {
            self.0.push((start, end));
        }
    }

    pub(crate) fn contains(&self, pa: u64) -> bool {
        self.0.iter().any(|&(s, e)| (s..e).contains(&pa))
    }

    pub(crate) fn overlaps(&self, other: &Ranges) -> bool {
        self.0
            .iter()
            .any(|&(s, e)| other.0.iter().any(|&(os, oe)| s < oe && os < e))
    }

    /// How many of the ranges hold `pa`.
    pub(crate) fn count(&self, pa: u64) -> usize {
        self.0
            .iter()
            .filter(|&&(s, e)| (s..e).contains(&pa))
            .count()
    }
}

/// How the chain at one head walks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Walk {
    /// Broken structure: the device must return it with length 0.
    Malformed,
    /// The buffers, indirect tables flattened.
    Chain(Vec<RawDesc>),
}

/// The queue as the device will find it.
pub(crate) struct Queue<'a> {
    pub mem: &'a GuestMemory,
    pub desc: u64,
    pub avail: u64,
    pub size: u32,
    pub indirect: bool,
}

impl Queue<'_> {
    /// The head in available-ring slot `i` (mod the queue size).
    pub(crate) fn head(&self, i: u16) -> Option<u16> {
        let slot = (i as u32 % self.size) as u64;
        self.mem
            .read_u16(self.avail.wrapping_add(4 + 2 * slot))
            .ok()
    }

    /// Walks the chain at `head`; `reads` collects the bytes of every
    /// table entry looked at.
    pub(crate) fn walk(&self, head: u16, reads: &mut Ranges) -> Walk {
        let (mut table, mut table_len) = (self.desc, self.size);
        let (mut in_indirect, mut taken) = (false, 0u32);
        let mut index = head as u32;
        let mut out = Vec::new();
        loop {
            if index >= table_len {
                return Walk::Malformed;
            }
            let at = table.wrapping_add(16 * index as u64);
            reads.add(at, 16);
            let Some(d) = RawDesc::read(self.mem, at) else {
                return Walk::Malformed;
            };
            if d.flags & F_INDIRECT != 0 {
                let entries = d.len / 16;
                let bad_len = d.len == 0 || d.len % 16 != 0 || entries > MAX_INDIRECT;
                if !self.indirect || in_indirect || d.flags & F_NEXT != 0 || bad_len {
                    return Walk::Malformed;
                }
                (table, table_len, in_indirect) = (d.addr, entries, true);
                (index, taken) = (0, 0);
                continue;
            }
            // A table of n entries holds at most n distinct descriptors.
            if taken == table_len {
                return Walk::Malformed;
            }
            taken += 1;
            out.push(d);
            if d.flags & F_NEXT == 0 {
                return Walk::Chain(out);
            }
            index = d.next as u32;
        }
    }
}

/// The device-writable buffers of a chain.
pub(crate) fn writable(walk: &Walk) -> impl Iterator<Item = &RawDesc> {
    let descs = match walk {
        Walk::Chain(d) => d.as_slice(),
        Walk::Malformed => &[],
    };
    descs.iter().filter(|d| d.writable())
}

/// The status byte virtio-blk must write (§5.2.6): the last byte of the
/// last descriptor, when that one is device-writable and the byte is in
/// RAM.
pub(crate) fn status_byte(walk: &Walk) -> Option<u64> {
    let Walk::Chain(descs) = walk else {
        return None;
    };
    let last = descs.last()?;
    let at = last.addr.checked_add((last.len as u64).checked_sub(1)?)?;
    (last.writable() && (RAM_BASE..RAM_END).contains(&at)).then_some(at)
}
