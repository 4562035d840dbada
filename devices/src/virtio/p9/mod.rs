//! The 9P transport device (virtio v1.2 §5.11): a host directory shared
//! with the guest over 9P2000.L, mounted in a Linux guest with
//! `mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt`.
//!
//! One queue (`requests`): each chain's device-readable part is one
//! T-message, its device-writable part receives the R-message. Both are
//! byte streams over however many descriptors the driver used (Linux's
//! zero-copy reads put an 11-byte header buffer before the user pages).
//! The configuration space is `le16 tag_len; u8 tag[tag_len]`, offered
//! with `VIRTIO_9P_F_MOUNT_TAG`.
//!
//! # The security boundary
//!
//! The guest must reach nothing outside the shared directory, whatever it
//! sends and whatever races it sets up:
//!
//! * **One component at a time, beneath a descriptor.** A fid names a
//!   [`node::Node`]: an `O_PATH` descriptor obtained by
//!   `openat2(parent, name, O_PATH | O_NOFOLLOW, RESOLVE_BENEATH |
//!   RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)` from the root's
//!   descriptor, one name per call. Names containing `/` or NUL, empty
//!   names, and `.`/`..` where a new name is meant are refused (`EINVAL`).
//! * **`..` is never resolved by the host.** A node remembers the
//!   directory node it was found in; walking `..` goes there, and the root
//!   is its own parent.
//! * **Symlinks are never followed by the server.** Walking to one yields
//!   the link itself (Treadlink returns its target as text, and the guest
//!   resolves it within its own mount); walking through one fails
//!   `ENOTDIR`, opening one fails `ELOOP`.
//! * **Reopening checks identity.** Files are opened for I/O as their
//!   name in the parent's descriptor (`O_NOFOLLOW`, same resolve flags) and
//!   must be the inode walked to, else `ESTALE`; directories as `.` of their
//!   own descriptor. No `/proc/self/fd` magic link is used.
//! * **Names are only ever `*at` arguments** (mkdirat, unlinkat,
//!   renameat, symlinkat, linkat without follow, mknodat); attributes are
//!   changed through descriptors (fchmodat2/fchownat/utimensat with
//!   `AT_EMPTY_PATH`), never by a name that could be a symlink.
//! * **No privileges planted:** no device nodes, no set-user-ID bits, no
//!   set-group-ID on files.
//! * **Read-only means read-only:** every modifying message answers
//!   `EROFS`, and files are opened read-only.
//! * **Bounded:** requests and replies at most msize (≤ 512 KiB), at most
//!   4096 fids and 8192 nodes; malformed messages get `Rlerror(EINVAL)`
//!   (or, without a readable header, a used chain of length 0).
//!
//! What the server cannot prevent: a host process moving a directory the
//! guest holds a fid for out of the share (the fid then follows the
//! directory, as with any open descriptor), and mount points the host
//! placed inside the share (they are crossed, as a host process would).

mod errno;
mod fids;
mod host;
mod io;
mod node;
mod server;
mod tree;
mod wire;

use std::fs::OpenOptions;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use heron_mmu::GuestMemory;
use thiserror::Error;

use super::queue::{Descriptor, DescriptorChain, QueueAccess, QueueError};
use super::VirtioDevice;
use server::Server;
pub use server::{MAX_MSIZE, MIN_MSIZE};

/// Virtio device ID of a 9P transport (§5).
pub const DEVICE_ID_9P: u32 = 9;
/// Feature: the configuration space holds the mount tag (§5.11.3).
pub const VIRTIO_9P_F_MOUNT_TAG: u64 = 1;
/// Longest mount tag: the config space (2 + tag) fits the transport's
/// 256-byte window.
pub const MAX_TAG_LEN: usize = 254;
/// The request queue's size limit (Linux's client uses up to 128
/// descriptors per request).
const QUEUE_MAX: u16 = 128;

/// A host directory to share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct P9Share {
    /// The directory exported; the guest reaches nothing outside it.
    pub root: PathBuf,
    /// The mount tag the guest mounts by (`mount -t 9p TAG`).
    pub tag: String,
    /// Refuse every change (`EROFS`).
    pub read_only: bool,
}

/// Why a share cannot be served.
#[derive(Debug, Error)]
pub enum P9Error {
    /// The directory could not be opened.
    #[error("cannot open shared directory {path}: {source}")]
    OpenRoot {
        /// The directory.
        path: PathBuf,
        /// Host error.
        source: std::io::Error,
    },
    /// The path is not a directory.
    #[error("shared path {path} is not a directory")]
    RootNotDirectory {
        /// The path.
        path: PathBuf,
    },
    /// The mount tag is empty.
    #[error("the mount tag of a share must not be empty")]
    EmptyTag,
    /// The mount tag does not fit the configuration space.
    #[error("mount tag is {len} bytes long, the maximum is {max}")]
    TagTooLong {
        /// The tag's length in bytes.
        len: usize,
        /// [`MAX_TAG_LEN`].
        max: usize,
    },
    /// The mount tag contains a NUL byte.
    #[error("the mount tag contains a NUL byte")]
    TagHasNul,
    /// The host kernel lacks `openat2(2)` (Linux 5.6), without which lookups
    /// cannot be confined to the directory.
    #[error(
        "the host kernel has no openat2(2) (Linux 5.6 or later is needed for shares): {source}"
    )]
    Openat2Unsupported {
        /// Host error.
        source: std::io::Error,
    },
}

/// A virtio 9P transport (device ID 9) serving one [`P9Share`].
pub struct Virtio9p {
    server: Server,
    share: P9Share,
    /// `le16 tag_len; u8 tag[tag_len]`.
    config: Vec<u8>,
}

impl Virtio9p {
    /// A device exporting `share.root` under `share.tag`.
    pub fn new(share: P9Share) -> Result<Virtio9p, P9Error> {
        let tag = share.tag.as_bytes();
        if tag.is_empty() {
            return Err(P9Error::EmptyTag);
        }
        if tag.len() > MAX_TAG_LEN {
            return Err(P9Error::TagTooLong {
                len: tag.len(),
                max: MAX_TAG_LEN,
            });
        }
        if tag.contains(&0) {
            return Err(P9Error::TagHasNul);
        }
        let root = open_root(&share)?;
        let server = Server::new(root, share.read_only).map_err(|e| P9Error::OpenRoot {
            path: share.root.clone(),
            source: std::io::Error::from_raw_os_error(e.0),
        })?;
        let mut config = (tag.len() as u16).to_le_bytes().to_vec();
        config.extend_from_slice(tag);
        Ok(Virtio9p {
            server,
            share,
            config,
        })
    }

    /// The share served.
    pub fn share(&self) -> &P9Share {
        &self.share
    }

    /// The 9P server itself, for driving it with raw messages (tests).
    #[cfg(test)]
    pub(crate) fn server(&mut self) -> &mut Server {
        &mut self.server
    }

    /// Serves one chain; returns the bytes written into its writable part.
    fn serve(&mut self, chain: &DescriptorChain, mem: &GuestMemory) -> u32 {
        if let Err(e) = chain.check_in_memory(mem) {
            log::warn!("virtio-9p: request buffer {e}");
            return 0;
        }
        let Some((readable, writable)) = chain.split() else {
            log::warn!("virtio-9p: readable descriptor after a writable one");
            return 0;
        };
        let limit = self.server.max_message() as u64;
        let Some(request) = read_request(readable, mem, limit) else {
            log::warn!("virtio-9p: request shorter than a 9P header");
            return 0;
        };
        let room = total_len(writable).min(limit) as usize;
        let reply = self.server.handle(&request, room);
        if scatter(writable, mem, &reply) {
            reply.len() as u32
        } else {
            0
        }
    }
}

/// Opens the share's root as an `O_PATH` descriptor (following symlinks in
/// the path the user gave: that is their choice of directory) and checks
/// that the kernel confines lookups beneath it.
fn open_root(share: &P9Share) -> Result<OwnedFd, P9Error> {
    let path = &share.root;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(path)
        .map_err(|source| match source.raw_os_error() {
            Some(libc::ENOTDIR) => P9Error::RootNotDirectory { path: path.clone() },
            _ => P9Error::OpenRoot {
                path: path.clone(),
                source,
            },
        })?;
    let fd = OwnedFd::from(file);
    // Seccomp filters may answer EPERM rather than ENOSYS.
    if let Err(e) = host::openat2(std::os::fd::AsFd::as_fd(&fd), c".", libc::O_PATH, 0) {
        return Err(P9Error::Openat2Unsupported {
            source: std::io::Error::from_raw_os_error(e.0),
        });
    }
    Ok(fd)
}

fn total_len(descriptors: &[Descriptor]) -> u64 {
    descriptors.iter().map(|d| d.len as u64).sum()
}

/// The request in the readable buffers: as many bytes as its size field
/// says, but at least the header and at most `limit` or what the buffers
/// hold (a lying size field is then caught by the server). `None` without
/// a whole header.
fn read_request(readable: &[Descriptor], mem: &GuestMemory, limit: u64) -> Option<Vec<u8>> {
    let total = total_len(readable);
    let header = wire::HEADER_LEN as u64;
    if total < header {
        return None;
    }
    let mut size = [0u8; 4];
    gather(readable, mem, &mut size)?;
    let want = (u32::from_le_bytes(size) as u64).clamp(header, limit.min(total).max(header));
    let mut request = vec![0u8; want as usize];
    gather(readable, mem, &mut request)?;
    Some(request)
}

/// Fills `buf` from the start of the buffers.
fn gather(descriptors: &[Descriptor], mem: &GuestMemory, buf: &mut [u8]) -> Option<()> {
    let mut done = 0;
    for d in descriptors {
        if done == buf.len() {
            break;
        }
        let n = (d.len as usize).min(buf.len() - done);
        mem.read(d.addr, &mut buf[done..done + n]).ok()?;
        done += n;
    }
    (done == buf.len()).then_some(())
}

/// Writes `data` from the start of the buffers (which hold at least that
/// many bytes: the reply was sized to them).
fn scatter(descriptors: &[Descriptor], mem: &GuestMemory, data: &[u8]) -> bool {
    let mut done = 0;
    for d in descriptors {
        if done == data.len() {
            break;
        }
        let n = (d.len as usize).min(data.len() - done);
        if mem.write(d.addr, &data[done..done + n]).is_err() {
            return false;
        }
        done += n;
    }
    done == data.len()
}

impl VirtioDevice for Virtio9p {
    fn device_id(&self) -> u32 {
        DEVICE_ID_9P
    }

    fn device_features(&self) -> u64 {
        VIRTIO_9P_F_MOUNT_TAG
    }

    fn queue_count(&self) -> usize {
        1
    }

    fn queue_max_size(&self, _queue: usize) -> u16 {
        QUEUE_MAX
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        super::read_config_bytes(&self.config, offset, data);
    }

    fn write_config(&mut self, offset: u64, _data: &[u8]) {
        log::debug!("virtio-9p: ignored config write at {offset:#x}");
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
            let used = self.serve(&chain, access.memory());
            access.add_used(chain.head(), used)?;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.server.reset();
    }
}
