//! Disk backends for [`super::VirtioBlk`]: a raw image file, used
//! read-write, read-only, or in snapshot mode, where guest writes go to an
//! in-memory overlay and the image is never opened for writing.
//!
//! An open image is locked for as long as its [`Disk`] lives, as QEMU does:
//! exclusively when it is written, shared otherwise, so that two writers
//! (two heron processes, or one image given twice) cannot corrupt it and
//! no reader sees it change under it. The locks are `flock(2)` locks (std's
//! `File::try_lock`), which belong to the open file: a second open of the
//! same image in the same process conflicts too.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::{FileExt, FileTypeExt};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Bytes per sector: the unit of virtio-blk's `capacity` and `sector`
/// fields (§5.2.4, §5.2.6).
pub const SECTOR_SIZE: u64 = 512;
/// Length of a virtio-blk device ID string (`VIRTIO_BLK_ID_BYTES`, §5.2.6).
pub const SERIAL_LEN: usize = 20;
/// Granularity of the snapshot overlay. Larger than a sector so that big
/// writes need few map entries; partial chunks are filled from the image.
const CHUNK_SIZE: u64 = 4096;

/// How the image is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskMode {
    /// Reads and writes go to the image file.
    ReadWrite,
    /// The image is opened read-only and the guest sees a read-only device
    /// (`VIRTIO_BLK_F_RO`); guest writes fail.
    ReadOnly,
    /// The image is opened read-only; guest writes go to an in-memory
    /// overlay that is discarded when the disk is dropped, so the file stays
    /// byte-identical.
    Snapshot,
}

/// Errors opening or accessing a disk image.
#[derive(Debug, Error)]
pub enum DiskError {
    /// The image could not be opened or measured.
    #[error("cannot open disk image {path}: {source}")]
    Open {
        /// The image path.
        path: PathBuf,
        /// Host error.
        source: std::io::Error,
    },
    /// The image is neither a regular file nor a block device (a FIFO, a
    /// character device such as /dev/zero, a directory, ...).
    #[error("not a regular file or block device")]
    NotDiskImage {
        /// The image path.
        path: PathBuf,
    },
    /// Another open file holds a conflicting lock on the image: another
    /// process uses it, or it was given twice.
    #[error(
        "Failed to get \"{}\" lock: the image is in use by another process (or given twice)",
        if *write { "write" } else { "read" }
    )]
    Locked {
        /// The image path.
        path: PathBuf,
        /// The lock wanted was the exclusive (write) one.
        write: bool,
    },
    /// The image size is not a whole number of 512-byte sectors.
    #[error("disk image {path} is {size} bytes, not a multiple of 512-byte sectors")]
    NotSectorMultiple {
        /// The image path.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
    },
    /// An access past the end of the disk.
    #[error("disk access {offset:#x}+{len:#x} is past the end of a {size:#x}-byte disk")]
    OutOfRange {
        /// Byte offset of the access.
        offset: u64,
        /// Its length.
        len: u64,
        /// Disk size in bytes.
        size: u64,
    },
    /// A write to a read-only disk.
    #[error("disk is read-only")]
    ReadOnly,
    /// The host reported an I/O error.
    #[error("disk I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// A disk image: a size in sectors, data at byte offsets, a flush, and a
/// serial number for `VIRTIO_BLK_T_GET_ID`.
pub struct Disk {
    file: File,
    mode: DiskMode,
    size: u64,
    /// Snapshot mode: chunk index → chunk contents, for every chunk the
    /// guest has written.
    overlay: HashMap<u64, Box<[u8]>>,
    /// Writes reached the file since the last `sync_data`.
    dirty: bool,
    serial: [u8; SERIAL_LEN],
}

impl Disk {
    /// Opens the raw image at `path` (a regular file or a block device) and
    /// locks it: exclusively in [`DiskMode::ReadWrite`], shared otherwise.
    /// Its serial defaults to the file name, truncated to 20 bytes.
    pub fn open(path: &Path, mode: DiskMode) -> Result<Disk, DiskError> {
        let open_error = |source| DiskError::Open {
            path: path.to_owned(),
            source,
        };
        // Looked at before opening: opening a FIFO would wait for a writer.
        let meta = std::fs::metadata(path).map_err(open_error)?;
        check_disk_type(path, &meta.file_type())?;
        // Only read-write mode may ever write the file; the other modes open
        // it read-only so that no code path can change it.
        let mut file = OpenOptions::new()
            .read(true)
            .write(mode == DiskMode::ReadWrite)
            .open(path)
            .map_err(open_error)?;
        // And again what was opened: the path may have changed meanwhile.
        let meta = file.metadata().map_err(open_error)?;
        check_disk_type(path, &meta.file_type())?;
        lock(&file, path, mode)?;
        // Seeking to the end measures block devices too, whose metadata
        // length is 0.
        let size = file.seek(SeekFrom::End(0)).map_err(open_error)?;
        if !size.is_multiple_of(SECTOR_SIZE) {
            return Err(DiskError::NotSectorMultiple {
                path: path.to_owned(),
                size,
            });
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut disk = Disk {
            file,
            mode,
            size,
            overlay: HashMap::new(),
            dirty: false,
            serial: [0; SERIAL_LEN],
        };
        disk.set_serial(&name);
        Ok(disk)
    }

    /// Sets the serial reported by `VIRTIO_BLK_T_GET_ID`: the first 20 bytes
    /// of `serial`, zero-padded.
    pub fn set_serial(&mut self, serial: &str) {
        let bytes = serial.as_bytes();
        let n = bytes.len().min(SERIAL_LEN);
        self.serial = [0; SERIAL_LEN];
        self.serial[..n].copy_from_slice(&bytes[..n]);
    }

    /// The serial, zero-padded to 20 bytes.
    pub fn serial(&self) -> [u8; SERIAL_LEN] {
        self.serial
    }

    /// The mode the disk was opened in.
    pub fn mode(&self) -> DiskMode {
        self.mode
    }

    /// Whether the guest may not write ([`DiskMode::ReadOnly`]).
    pub fn read_only(&self) -> bool {
        self.mode == DiskMode::ReadOnly
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Size in 512-byte sectors.
    pub fn sectors(&self) -> u64 {
        self.size / SECTOR_SIZE
    }

    fn check_range(&self, offset: u64, len: usize) -> Result<(), DiskError> {
        let len = len as u64;
        match offset.checked_add(len) {
            Some(end) if end <= self.size => Ok(()),
            _ => Err(DiskError::OutOfRange {
                offset,
                len,
                size: self.size,
            }),
        }
    }

    /// Reads `buf.len()` bytes at byte `offset` (through the overlay in
    /// snapshot mode).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), DiskError> {
        self.check_range(offset, buf.len())?;
        if self.overlay.is_empty() {
            self.file.read_exact_at(buf, offset)?;
            return Ok(());
        }
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let in_chunk = (pos % CHUNK_SIZE) as usize;
            let n = (CHUNK_SIZE as usize - in_chunk).min(buf.len() - done);
            let out = &mut buf[done..done + n];
            match self.overlay.get(&(pos / CHUNK_SIZE)) {
                Some(chunk) => out.copy_from_slice(&chunk[in_chunk..in_chunk + n]),
                None => self.file.read_exact_at(out, pos)?,
            }
            done += n;
        }
        Ok(())
    }

    /// Writes `data` at byte `offset`: to the file, or to the overlay in
    /// snapshot mode.
    pub fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), DiskError> {
        self.check_range(offset, data.len())?;
        match self.mode {
            DiskMode::ReadOnly => Err(DiskError::ReadOnly),
            DiskMode::ReadWrite => {
                self.dirty = true;
                self.file.write_all_at(data, offset)?;
                Ok(())
            }
            DiskMode::Snapshot => self.write_overlay(offset, data),
        }
    }

    fn write_overlay(&mut self, offset: u64, data: &[u8]) -> Result<(), DiskError> {
        let mut done = 0;
        while done < data.len() {
            let pos = offset + done as u64;
            let index = pos / CHUNK_SIZE;
            let in_chunk = (pos % CHUNK_SIZE) as usize;
            let n = (CHUNK_SIZE as usize - in_chunk).min(data.len() - done);
            if !self.overlay.contains_key(&index) {
                // First write to this chunk: start from the image's bytes.
                // The last chunk may extend past the end of the disk; that
                // tail stays zero and is never readable (check_range).
                let start = index * CHUNK_SIZE;
                let valid = (self.size - start).min(CHUNK_SIZE) as usize;
                let mut chunk = vec![0u8; CHUNK_SIZE as usize].into_boxed_slice();
                self.file.read_exact_at(&mut chunk[..valid], start)?;
                self.overlay.insert(index, chunk);
            }
            if let Some(chunk) = self.overlay.get_mut(&index) {
                chunk[in_chunk..in_chunk + n].copy_from_slice(&data[done..done + n]);
            }
            done += n;
        }
        Ok(())
    }

    /// Makes completed writes durable (`VIRTIO_BLK_T_FLUSH`): `sync_data`
    /// on the file. Nothing to do for read-only and snapshot disks, whose
    /// file is never written.
    pub fn flush(&mut self) -> Result<(), DiskError> {
        if self.dirty {
            self.file.sync_data()?;
            self.dirty = false;
        }
        Ok(())
    }
}

/// Only regular files and block devices hold disk images.
fn check_disk_type(path: &Path, kind: &std::fs::FileType) -> Result<(), DiskError> {
    if kind.is_file() || kind.is_block_device() {
        Ok(())
    } else {
        Err(DiskError::NotDiskImage {
            path: path.to_owned(),
        })
    }
}

/// Takes the lock `mode` needs on `file`, without waiting; it is released
/// when the file is closed.
fn lock(file: &File, path: &Path, mode: DiskMode) -> Result<(), DiskError> {
    let write = mode == DiskMode::ReadWrite;
    let locked = if write {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match locked {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(DiskError::Locked {
            path: path.to_owned(),
            write,
        }),
        // Some file systems have no locks: use the image unprotected rather
        // than not at all.
        Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
            log::warn!("{}: cannot lock the disk image: {e}", path.display());
            Ok(())
        }
        Err(TryLockError::Error(source)) => Err(DiskError::Open {
            path: path.to_owned(),
            source,
        }),
    }
}

impl Drop for Disk {
    /// Syncs outstanding writes so that a guest that never flushed still
    /// leaves its data on stable storage when heron exits normally.
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            log::error!("virtio-blk: syncing the disk image on close failed: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virtio::tests::TempImage;

    #[test]
    fn rejects_partial_sector_images() {
        let img = TempImage::new(&[0u8; 1000]);
        match Disk::open(img.path(), DiskMode::ReadOnly) {
            Err(DiskError::NotSectorMultiple { size: 1000, .. }) => {}
            other => panic!("expected NotSectorMultiple, got {:?}", other.err()),
        }
        assert!(matches!(
            Disk::open(Path::new("/nonexistent/heron-disk.img"), DiskMode::ReadOnly),
            Err(DiskError::Open { .. })
        ));
    }

    #[test]
    fn read_write_and_bounds() {
        let img = TempImage::new(&[7u8; 2048]);
        let mut disk = Disk::open(img.path(), DiskMode::ReadWrite).unwrap();
        assert_eq!(disk.sectors(), 4);
        disk.write_at(510, &[1, 2, 3, 4]).unwrap();
        let mut buf = [0u8; 6];
        disk.read_at(509, &mut buf).unwrap();
        assert_eq!(buf, [7, 1, 2, 3, 4, 7]);
        assert!(matches!(
            disk.read_at(2047, &mut [0u8; 2]),
            Err(DiskError::OutOfRange { .. })
        ));
        assert!(disk.write_at(u64::MAX, &[0]).is_err());
        drop(disk);
        assert_eq!(&img.contents()[508..514], &[7, 7, 1, 2, 3, 4]);
    }

    #[test]
    fn snapshot_overlay_spans_chunks_and_spares_the_file() {
        // 9 sectors: the last 4 KiB chunk is partial.
        let original: Vec<u8> = (0..4608u32).map(|i| (i % 251) as u8).collect();
        let img = TempImage::new(&original);
        let mut disk = Disk::open(img.path(), DiskMode::Snapshot).unwrap();
        assert!(!disk.read_only());
        disk.write_at(4090, &[0xaa; 12]).unwrap();
        disk.write_at(4600, &[0xbb; 8]).unwrap();
        disk.flush().unwrap();
        let mut all = vec![0u8; 4608];
        disk.read_at(0, &mut all).unwrap();
        let mut expected = original.clone();
        expected[4090..4102].fill(0xaa);
        expected[4600..4608].fill(0xbb);
        assert_eq!(all, expected);
        assert!(disk.write_at(4605, &[0; 4]).is_err());
        drop(disk);
        assert_eq!(img.contents(), original);
    }

    /// Opens `img` in `mode`.
    fn open(img: &TempImage, mode: DiskMode) -> Result<Disk, DiskError> {
        Disk::open(img.path(), mode)
    }

    #[test]
    fn a_written_image_is_locked_against_every_other_use() {
        use DiskMode::*;
        let img = TempImage::new(&[0u8; 512]);
        let writer = open(&img, ReadWrite).unwrap();
        for mode in [ReadWrite, ReadOnly, Snapshot] {
            match open(&img, mode) {
                Err(DiskError::Locked { write, .. }) => assert_eq!(write, mode == ReadWrite),
                other => panic!("{mode:?} beside a writer: {:?}", other.err()),
            }
        }
        drop(writer);
        // Closing the writer released its lock.
        let again = open(&img, ReadWrite).unwrap();
        drop(again);
        let reader = open(&img, ReadOnly).unwrap();
        assert!(
            matches!(
                open(&img, ReadWrite),
                Err(DiskError::Locked { write: true, .. })
            ),
            "a writer beside a reader"
        );
        drop(reader);
        assert!(
            open(&img, ReadWrite).is_ok(),
            "the reader's lock went with it"
        );
    }

    #[test]
    fn readers_share_an_image() {
        use DiskMode::*;
        let img = TempImage::new(&[0u8; 512]);
        let a = open(&img, ReadOnly).unwrap();
        let b = open(&img, ReadOnly).unwrap();
        let c = open(&img, Snapshot).unwrap();
        let d = open(&img, Snapshot).unwrap();
        assert!(matches!(
            open(&img, ReadWrite),
            Err(DiskError::Locked { .. })
        ));
        drop((a, b, c, d));
        assert!(open(&img, ReadWrite).is_ok());
    }

    #[test]
    fn the_lock_message_names_the_conflict() {
        let img = TempImage::new(&[0u8; 512]);
        let _writer = open(&img, DiskMode::ReadWrite).unwrap();
        let e = open(&img, DiskMode::ReadWrite).err().unwrap();
        assert_eq!(
            e.to_string(),
            "Failed to get \"write\" lock: the image is in use by another process (or given twice)"
        );
        let e = open(&img, DiskMode::Snapshot).err().unwrap();
        assert!(
            e.to_string().starts_with("Failed to get \"read\" lock"),
            "{e}"
        );
    }

    #[test]
    fn only_files_and_block_devices_are_images() {
        for path in ["/dev/zero", "/dev/null", "/"] {
            for mode in [DiskMode::ReadWrite, DiskMode::ReadOnly] {
                match Disk::open(Path::new(path), mode) {
                    Err(DiskError::NotDiskImage { .. }) => {}
                    other => panic!("{path} {mode:?}: {:?}", other.err()),
                }
            }
        }
    }

    #[test]
    fn read_only_refuses_writes() {
        let img = TempImage::new(&[0u8; 512]);
        let mut disk = Disk::open(img.path(), DiskMode::ReadOnly).unwrap();
        assert!(disk.read_only());
        assert!(matches!(disk.write_at(0, &[1]), Err(DiskError::ReadOnly)));
        assert_eq!(img.contents(), vec![0u8; 512]);
    }
}
