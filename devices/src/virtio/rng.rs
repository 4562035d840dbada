//! The entropy device (virtio v1.2 §5.4): the guest's `hw_random` source,
//! which seeds its CRNG at boot instead of leaving the kernel to gather
//! entropy from interrupt timings.
//!
//! One queue (`requestq`); every buffer the driver makes available is
//! device-writable and is filled with random bytes. No features, no
//! configuration space. A chain is filled up to [`MAX_PER_REQUEST`] bytes
//! (the used length says how many), so a guest offering gigabytes costs
//! bounded time and host memory.
//!
//! The bytes come from the host's `getrandom(2)` (through the `getrandom`
//! crate, the standard way to reach the OS's generator), or, for
//! `--deterministic` runs, from a fixed-seed generator so that runs stay
//! repeatable ([`EntropySource::Repeatable`]: not random at all, which is
//! the point).

use heron_mmu::GuestMemory;

use super::queue::{DescriptorChain, QueueAccess, QueueError};
use super::VirtioDevice;

/// Virtio device ID of an entropy source (§5).
pub const DEVICE_ID_RNG: u32 = 4;

/// The most bytes one request is given (Linux asks for at most a page).
pub const MAX_PER_REQUEST: usize = 64 * 1024;

const QUEUE_MAX: u16 = 64;

/// Where the bytes come from.
#[derive(Clone, Debug)]
pub enum EntropySource {
    /// The host's `getrandom(2)`.
    Host,
    /// SplitMix64 from a fixed seed: the same bytes every run.
    Repeatable(u64),
}

impl EntropySource {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), getrandom::Error> {
        match self {
            EntropySource::Host => getrandom::fill(buf),
            EntropySource::Repeatable(state) => {
                for chunk in buf.chunks_mut(8) {
                    let v = split_mix64(state).to_le_bytes();
                    chunk.copy_from_slice(&v[..chunk.len()]);
                }
                Ok(())
            }
        }
    }
}

/// One step of SplitMix64 (Steele, Lea, Flood 2014).
fn split_mix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A virtio entropy device.
pub struct VirtioRng {
    source: EntropySource,
    /// What the source produced, before it goes into guest buffers.
    buf: Vec<u8>,
}

impl VirtioRng {
    /// An entropy device drawing from `source`.
    pub fn new(source: EntropySource) -> Self {
        VirtioRng {
            source,
            buf: Vec::new(),
        }
    }

    /// Fills the chain's device-writable buffers (up to
    /// [`MAX_PER_REQUEST`] bytes); returns the bytes written.
    fn serve(&mut self, chain: &DescriptorChain, mem: &GuestMemory) -> u32 {
        // A buffer that is not all in RAM is not the guest's to offer:
        // nothing is written into the chain.
        if let Err(e) = chain.check_in_memory(mem) {
            log::warn!("virtio-rng: request buffer {e}");
            return 0;
        }
        let mut written = 0usize;
        for d in chain.descriptors().iter().filter(|d| d.writable) {
            let n = (d.len as usize).min(MAX_PER_REQUEST - written);
            if n == 0 {
                break;
            }
            self.buf.resize(n, 0);
            if let Err(e) = self.source.fill(&mut self.buf) {
                log::error!("virtio-rng: the host's generator failed: {e}");
                break;
            }
            if mem.write(d.addr, &self.buf).is_err() {
                // Unreachable: checked above.
                break;
            }
            written += n;
        }
        written as u32
    }
}

impl VirtioDevice for VirtioRng {
    fn device_id(&self) -> u32 {
        DEVICE_ID_RNG
    }

    fn device_features(&self) -> u64 {
        0
    }

    fn queue_count(&self) -> usize {
        1
    }

    fn queue_max_size(&self, _queue: usize) -> u16 {
        QUEUE_MAX
    }

    fn read_config(&self, _offset: u64, data: &mut [u8]) {
        data.fill(0);
    }

    fn write_config(&mut self, _offset: u64, _data: &[u8]) {}

    fn process_queue(
        &mut self,
        _queue: usize,
        access: &mut QueueAccess<'_>,
    ) -> Result<(), QueueError> {
        let mem = access.memory();
        while let Some(chain) = access.pop()? {
            let written = self.serve(&chain, mem);
            access.add_used(chain.head(), written)?;
        }
        Ok(())
    }

    fn reset(&mut self) {}
}

#[cfg(test)]
impl VirtioRng {
    /// What the device's source gives next (tests compare with it).
    pub(crate) fn fill_for_test(&mut self, buf: &mut [u8]) {
        self.source.fill(buf).expect("the source works");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repeatable_source_repeats_and_varies() {
        let (mut a, mut b) = (EntropySource::Repeatable(1), EntropySource::Repeatable(1));
        let (mut x, mut y) = ([0u8; 13], [0u8; 13]);
        a.fill(&mut x).unwrap();
        b.fill(&mut y).unwrap();
        assert_eq!(x, y);
        a.fill(&mut y).unwrap();
        assert_ne!(x, y, "the stream moves on");
    }

    #[test]
    fn the_host_source_gives_bytes() {
        let mut s = EntropySource::Host;
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        s.fill(&mut x).unwrap();
        s.fill(&mut y).unwrap();
        // 2^-256 odds of a false failure.
        assert_ne!(x, y);
    }
}
