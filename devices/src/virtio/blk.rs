//! The virtio block device (virtio v1.2 §5.2) over a [`Disk`].
//!
//! A request is a descriptor chain whose device-readable part starts with the
//! 16-byte header (`type`, `reserved`, `sector`) followed, for writes, by the
//! data; its device-writable part holds, for reads and `GET_ID`, the data,
//! and ends with the one-byte status. The device makes no assumption about
//! how those bytes are split into descriptors (§2.7.4, "message framing"):
//! it treats the readable and writable parts as byte streams.
//!
//! Requests are served synchronously, in the notification that published
//! them. Data moves in bounded chunks, so a guest asking for a 4 GiB
//! transfer costs time, not host memory.

use heron_mmu::GuestMemory;

use super::disk::{Disk, SECTOR_SIZE, SERIAL_LEN};
use super::queue::{Descriptor, DescriptorChain, QueueAccess, QueueError};
use super::{VirtioDevice, DEVICE_ID_BLOCK};

/// Feature: `seg_max` in config is valid (§5.2.3).
pub const VIRTIO_BLK_F_SEG_MAX: u64 = 1 << 2;
/// Feature: the device is read-only (§5.2.3).
pub const VIRTIO_BLK_F_RO: u64 = 1 << 5;
/// Feature: the device supports `VIRTIO_BLK_T_FLUSH` (§5.2.3).
pub const VIRTIO_BLK_F_FLUSH: u64 = 1 << 9;

/// Request type: read (§5.2.6).
pub const VIRTIO_BLK_T_IN: u32 = 0;
/// Request type: write.
pub const VIRTIO_BLK_T_OUT: u32 = 1;
/// Request type: flush.
pub const VIRTIO_BLK_T_FLUSH: u32 = 4;
/// Request type: read the device ID string.
pub const VIRTIO_BLK_T_GET_ID: u32 = 8;

/// Status: success (§5.2.6).
pub const VIRTIO_BLK_S_OK: u8 = 0;
/// Status: the request failed (bad request or host I/O error).
pub const VIRTIO_BLK_S_IOERR: u8 = 1;
/// Status: the request type is not supported.
pub const VIRTIO_BLK_S_UNSUPP: u8 = 2;

/// The device's only queue (`requestq`) size limit.
const QUEUE_MAX: u16 = 256;
/// Header length: `le32 type, le32 reserved, le64 sector`.
const HEADER_LEN: u64 = 16;
/// Largest piece of data copied between disk and guest at once.
const TRANSFER_CHUNK: usize = 64 * 1024;

/// A virtio block device (device ID 2) with one request queue.
///
/// Offers `VIRTIO_BLK_F_FLUSH`, `VIRTIO_BLK_F_SEG_MAX` and, for a read-only
/// [`Disk`], `VIRTIO_BLK_F_RO`. Configuration space (§5.2.4) holds
/// `capacity` (512-byte sectors) and `seg_max`; the rest reads as zero.
pub struct VirtioBlk {
    disk: Disk,
    /// Whether the driver negotiated `VIRTIO_BLK_F_FLUSH`; without it the
    /// device is write-through (§5.2.6.2): every write is synced at once.
    flush_negotiated: bool,
}

impl VirtioBlk {
    /// A block device serving `disk`.
    pub fn new(disk: Disk) -> Self {
        VirtioBlk {
            disk,
            flush_negotiated: false,
        }
    }

    /// The backing disk.
    pub fn disk(&self) -> &Disk {
        &self.disk
    }

    /// The configuration structure, as far as it is implemented.
    fn config(&self) -> [u8; 16] {
        let mut c = [0u8; 16];
        c[0..8].copy_from_slice(&self.disk.sectors().to_le_bytes());
        // size_max (8..12) stays 0: not offered. seg_max leaves room for the
        // header and status descriptors in a chain of QUEUE_MAX.
        c[12..16].copy_from_slice(&(QUEUE_MAX as u32 - 2).to_le_bytes());
        c
    }

    /// Serves one request; returns the number of bytes written into the
    /// chain's device-writable buffers (the used length).
    fn handle(&mut self, chain: &DescriptorChain, mem: &GuestMemory) -> u32 {
        // The status is the last byte of the chain, which must be
        // device-writable and in RAM. Without it nothing can be reported:
        // the chain is consumed with nothing written.
        let Some(status_addr) = status_address(chain, mem) else {
            log::warn!(
                "virtio-blk: request at head {} has no writable status byte",
                chain.head()
            );
            return 0;
        };
        let (status, written) = match self.execute(chain, mem) {
            Ok(written) => (VIRTIO_BLK_S_OK, written),
            Err(Failure { status, written }) => (status, written),
        };
        if mem.write(status_addr, &[status]).is_err() {
            // Unreachable: status_address checked the byte is in RAM.
            return 0;
        }
        written.saturating_add(1)
    }

    fn execute(&mut self, chain: &DescriptorChain, mem: &GuestMemory) -> Result<u32, Failure> {
        if let Err(e) = chain.check_in_memory(mem) {
            log::warn!("virtio-blk: request buffer {e}");
            return Err(Failure::ioerr(0));
        }
        if chain.descriptors().iter().any(|d| d.len == 0) {
            log::warn!("virtio-blk: zero-length descriptor in request");
            return Err(Failure::ioerr(0));
        }
        let Some((readable, writable)) = chain.split() else {
            log::warn!("virtio-blk: readable descriptor after a writable one");
            return Err(Failure::ioerr(0));
        };
        let readable = Regions::new(readable);
        // All writable bytes but the trailing status byte.
        let data_in = Regions::new(writable).trim_back(1);

        let mut header = [0u8; HEADER_LEN as usize];
        if readable.len() < HEADER_LEN || readable.read(mem, &mut header).is_err() {
            log::warn!("virtio-blk: request header missing or short");
            return Err(Failure::ioerr(0));
        }
        let kind = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let mut sector_bytes = [0u8; 8];
        sector_bytes.copy_from_slice(&header[8..16]);
        let sector = u64::from_le_bytes(sector_bytes);

        match kind {
            VIRTIO_BLK_T_IN => self.read(sector, &data_in, mem),
            VIRTIO_BLK_T_OUT => self.write(sector, &readable.skip_front(HEADER_LEN), mem),
            VIRTIO_BLK_T_FLUSH => self.disk.flush().map(|()| 0).map_err(|e| {
                log::error!("virtio-blk: flush failed: {e}");
                Failure::ioerr(0)
            }),
            VIRTIO_BLK_T_GET_ID => {
                let serial = self.disk.serial();
                let n = (data_in.len() as usize).min(SERIAL_LEN);
                data_in
                    .write(mem, &serial[..n])
                    .map(|()| n as u32)
                    .map_err(|()| Failure::ioerr(0))
            }
            other => {
                log::debug!("virtio-blk: unsupported request type {other}");
                Err(Failure {
                    status: VIRTIO_BLK_S_UNSUPP,
                    written: 0,
                })
            }
        }
    }

    /// Byte offset of a transfer of `len` bytes at `sector`, if it is whole
    /// sectors and lies within the disk.
    fn transfer_offset(&self, sector: u64, len: u64) -> Result<u64, Failure> {
        let offset = sector.checked_mul(SECTOR_SIZE);
        match offset.and_then(|o| o.checked_add(len).map(|end| (o, end))) {
            Some((o, end)) if len.is_multiple_of(SECTOR_SIZE) && end <= self.disk.size() => Ok(o),
            _ => {
                log::warn!("virtio-blk: bad transfer of {len} bytes at sector {sector}");
                Err(Failure::ioerr(0))
            }
        }
    }

    fn read(&mut self, sector: u64, data: &Regions, mem: &GuestMemory) -> Result<u32, Failure> {
        let mut offset = self.transfer_offset(sector, data.len())?;
        let mut buf = vec![0u8; (data.len() as usize).min(TRANSFER_CHUNK)];
        let mut written = 0u32;
        for &(addr, len) in &data.0 {
            let mut done = 0u64;
            while done < len {
                let n = ((len - done) as usize).min(buf.len());
                let piece = &mut buf[..n];
                if let Err(e) = self.disk.read_at(offset, piece) {
                    log::error!("virtio-blk: read failed: {e}");
                    return Err(Failure::ioerr(written));
                }
                if mem.write(addr + done, piece).is_err() {
                    return Err(Failure::ioerr(written));
                }
                written = written.saturating_add(n as u32);
                offset += n as u64;
                done += n as u64;
            }
        }
        Ok(written)
    }

    fn write(&mut self, sector: u64, data: &Regions, mem: &GuestMemory) -> Result<u32, Failure> {
        if self.disk.read_only() {
            log::debug!("virtio-blk: write to a read-only disk");
            return Err(Failure::ioerr(0));
        }
        let mut offset = self.transfer_offset(sector, data.len())?;
        let mut buf = vec![0u8; (data.len() as usize).min(TRANSFER_CHUNK)];
        for &(addr, len) in &data.0 {
            let mut done = 0u64;
            while done < len {
                let n = ((len - done) as usize).min(buf.len());
                let piece = &mut buf[..n];
                if mem.read(addr + done, piece).is_err() {
                    return Err(Failure::ioerr(0));
                }
                if let Err(e) = self.disk.write_at(offset, piece) {
                    log::error!("virtio-blk: write failed: {e}");
                    return Err(Failure::ioerr(0));
                }
                offset += n as u64;
                done += n as u64;
            }
        }
        if !self.flush_negotiated {
            self.disk.flush().map_err(|e| {
                log::error!("virtio-blk: write-through sync failed: {e}");
                Failure::ioerr(0)
            })?;
        }
        Ok(0)
    }
}

/// A failed request: its status and the data bytes already written into the
/// chain before the failure.
struct Failure {
    status: u8,
    written: u32,
}

impl Failure {
    fn ioerr(written: u32) -> Self {
        Failure {
            status: VIRTIO_BLK_S_IOERR,
            written,
        }
    }
}

/// The guest address of the status byte: the last byte of the last
/// descriptor, if that descriptor is device-writable and the byte is in RAM.
fn status_address(chain: &DescriptorChain, mem: &GuestMemory) -> Option<u64> {
    let last = chain.descriptors().last()?;
    let addr = last.addr.checked_add(last.len.checked_sub(1)? as u64)?;
    (last.writable && mem.contains(addr, 1)).then_some(addr)
}

/// A byte stream spread over guest buffers: `(address, length)` pairs, all
/// non-empty.
struct Regions(Vec<(u64, u64)>);

impl Regions {
    fn new(descriptors: &[Descriptor]) -> Self {
        Regions(
            descriptors
                .iter()
                .filter(|d| d.len > 0)
                .map(|d| (d.addr, d.len as u64))
                .collect(),
        )
    }

    /// Total length in bytes.
    fn len(&self) -> u64 {
        self.0.iter().map(|&(_, len)| len).sum()
    }

    /// The stream without its first `n` bytes.
    fn skip_front(&self, mut n: u64) -> Regions {
        let mut out = Vec::new();
        for &(addr, len) in &self.0 {
            if n >= len {
                n -= len;
            } else {
                out.push((addr + n, len - n));
                n = 0;
            }
        }
        Regions(out)
    }

    /// The stream without its last `n` bytes.
    fn trim_back(mut self, mut n: u64) -> Regions {
        while n > 0 {
            let Some(last) = self.0.last_mut() else { break };
            if last.1 > n {
                last.1 -= n;
                n = 0;
            } else {
                n -= last.1;
                self.0.pop();
            }
        }
        self
    }

    /// Fills `buf` from the start of the stream.
    fn read(&self, mem: &GuestMemory, buf: &mut [u8]) -> Result<(), ()> {
        let mut done = 0;
        for &(addr, len) in &self.0 {
            if done == buf.len() {
                break;
            }
            let n = (len as usize).min(buf.len() - done);
            mem.read(addr, &mut buf[done..done + n]).map_err(|_| ())?;
            done += n;
        }
        if done == buf.len() {
            Ok(())
        } else {
            Err(())
        }
    }

    /// Writes `data` at the start of the stream (which must be long enough).
    fn write(&self, mem: &GuestMemory, data: &[u8]) -> Result<(), ()> {
        let mut done = 0;
        for &(addr, len) in &self.0 {
            if done == data.len() {
                break;
            }
            let n = (len as usize).min(data.len() - done);
            mem.write(addr, &data[done..done + n]).map_err(|_| ())?;
            done += n;
        }
        if done == data.len() {
            Ok(())
        } else {
            Err(())
        }
    }
}

impl VirtioDevice for VirtioBlk {
    fn device_id(&self) -> u32 {
        DEVICE_ID_BLOCK
    }

    fn device_features(&self) -> u64 {
        let mut features = VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_SEG_MAX;
        if self.disk.read_only() {
            features |= VIRTIO_BLK_F_RO;
        }
        features
    }

    fn set_driver_features(&mut self, features: u64) {
        self.flush_negotiated = features & VIRTIO_BLK_F_FLUSH != 0;
    }

    fn queue_count(&self) -> usize {
        1
    }

    fn queue_max_size(&self, _queue: usize) -> u16 {
        QUEUE_MAX
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        super::read_config_bytes(&self.config(), offset, data);
    }

    fn write_config(&mut self, offset: u64, _data: &[u8]) {
        // Nothing writable without VIRTIO_BLK_F_CONFIG_WCE.
        log::debug!("virtio-blk: ignored config write at {offset:#x}");
    }

    fn process_queue(
        &mut self,
        queue: usize,
        access: &mut QueueAccess<'_>,
    ) -> Result<(), QueueError> {
        if queue != 0 {
            return Ok(());
        }
        while let Some(chain) = access.pop()? {
            let used = self.handle(&chain, access.memory());
            access.add_used(chain.head(), used)?;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.flush_negotiated = false;
    }
}
