//! The virtio-mmio slots: one virtio-blk per `--disk` (slots 0..n, so the
//! disks are Linux's vda, vdb, ... in order), then the virtio-net card of
//! `--net`, then one virtio-9p device per `--share`, then the entropy
//! device.

use heron_devices::virtio::{
    Disk, DiskMode, EntropySource, P9Share, Virtio9p, VirtioBlk, VirtioMmio, VirtioRng,
    VIRTIO_MMIO_SIZE,
};
use heron_devices::IrqLevels;

use super::map::{VIRTIO_BASE, VIRTIO_IRQ, VIRTIO_SLOTS, VIRTIO_STRIDE};
use super::net::{self, UserNet};
use super::{BoardConfig, BoardError};
use crate::machine::Machine;

/// The seed of `--deterministic` runs' entropy ("heron").
const REPEATABLE_SEED: u64 = 0x6865_726f_6e00_0000;

/// How many slots the board fills.
pub(super) fn slots_used(config: &BoardConfig) -> usize {
    config.disks.len()
        + usize::from(config.net.is_some())
        + config.shares.len()
        + usize::from(config.rng)
}

fn slot(i: usize) -> (u64, u32) {
    (
        VIRTIO_BASE + i as u64 * VIRTIO_STRIDE,
        VIRTIO_IRQ + i as u32,
    )
}

/// Maps every virtio device; returns the user network, if any.
pub(super) fn map_virtio(
    m: &mut Machine,
    config: &BoardConfig,
    levels: &IrqLevels,
) -> Result<Option<UserNet>, BoardError> {
    let others = slots_used(config) - config.disks.len();
    if slots_used(config) > VIRTIO_SLOTS {
        return Err(BoardError::TooManyDisks {
            max: VIRTIO_SLOTS - others,
            given: config.disks.len(),
        });
    }
    for i in 0..config.disks.len() {
        map_disk(m, config, levels, i)?;
    }
    let mut next = config.disks.len();
    let net = match &config.net {
        Some(spec) => {
            let (base, irq) = slot(next);
            next += 1;
            if config.deterministic {
                log::warn!(
                    "--net: what the network sends arrives when it arrives, --deterministic or not"
                );
            }
            Some(net::attach(
                m,
                spec,
                base,
                VIRTIO_MMIO_SIZE,
                levels.line(irq),
            )?)
        }
        None => None,
    };
    if !config.shares.is_empty() {
        raise_open_file_limit();
    }
    for share in &config.shares {
        map_share(m, share, levels, next)?;
        next += 1;
    }
    if config.rng {
        let (base, irq) = slot(next);
        let source = if config.deterministic {
            EntropySource::Repeatable(REPEATABLE_SEED)
        } else {
            EntropySource::Host
        };
        let dev = VirtioMmio::new(
            Box::new(VirtioRng::new(source)),
            m.bus().ram().dma_handle(),
            levels.line(irq),
        );
        m.core
            .bus
            .map(base, VIRTIO_MMIO_SIZE, "virtio-rng", Box::new(dev))?;
    }
    Ok(net)
}

fn map_share(
    m: &mut Machine,
    share: &P9Share,
    levels: &IrqLevels,
    i: usize,
) -> Result<(), BoardError> {
    let dev = Virtio9p::new(share.clone()).map_err(|source| BoardError::Share {
        path: share.root.clone(),
        source,
    })?;
    let (base, irq) = slot(i);
    let dev = VirtioMmio::new(Box::new(dev), m.bus().ram().dma_handle(), levels.line(irq));
    m.core
        .bus
        .map(base, VIRTIO_MMIO_SIZE, "virtio-9p", Box::new(dev))?;
    Ok(())
}

/// A share holds an O_PATH descriptor per file the guest has looked up (up
/// to the device's node cap, 8192), past the usual soft limit of 1024: the
/// soft limit goes up to the hard one, as QEMU does for its 9p server.
/// Failure is harmless (the device then answers EMFILE), so it is logged.
fn raise_open_file_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the valid, owned `lim`.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0
        || lim.rlim_cur >= lim.rlim_max
    {
        return;
    }
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: setrlimit only reads the valid `lim`.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        log::warn!("could not raise the open-file limit for --share");
    }
}

fn map_disk(
    m: &mut Machine,
    config: &BoardConfig,
    levels: &IrqLevels,
    i: usize,
) -> Result<(), BoardError> {
    let disk = &config.disks[i];
    let mode = if disk.read_only {
        DiskMode::ReadOnly
    } else if config.snapshot {
        DiskMode::Snapshot
    } else {
        DiskMode::ReadWrite
    };
    let image = Disk::open(&disk.path, mode).map_err(|source| BoardError::Disk {
        path: disk.path.clone(),
        source,
    })?;
    let (base, irq) = slot(i);
    let dev = VirtioMmio::new(
        Box::new(VirtioBlk::new(image)),
        m.bus().ram().dma_handle(),
        levels.line(irq),
    );
    m.core
        .bus
        .map(base, VIRTIO_MMIO_SIZE, "virtio-blk", Box::new(dev))?;
    Ok(())
}
