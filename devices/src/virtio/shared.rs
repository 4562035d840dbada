//! A virtio-mmio transport shared between the bus and a device backend's
//! thread: the bus sees an [`MmioDevice`], the backend a
//! [`VirtioMmioHandle`] through which it serves a queue when input arrives
//! (a received frame) — under the same lock as the guest's register
//! accesses, so the two never interleave inside a queue.

use std::sync::{Arc, Mutex, MutexGuard};

use heron_mmu::MmioDevice;

use super::VirtioMmio;

/// The bus side of a shared transport.
pub struct SharedVirtioMmio(Arc<Mutex<VirtioMmio>>);

/// The backend side: serves queues from another thread.
#[derive(Clone)]
pub struct VirtioMmioHandle(Arc<Mutex<VirtioMmio>>);

impl SharedVirtioMmio {
    /// Shares `transport`; returns the bus device and the backend's handle.
    pub fn new(transport: VirtioMmio) -> (SharedVirtioMmio, VirtioMmioHandle) {
        let shared = Arc::new(Mutex::new(transport));
        (SharedVirtioMmio(shared.clone()), VirtioMmioHandle(shared))
    }
}

/// A panic while the lock was held cannot leave the transport's registers
/// half-written in a way the guest could exploit: carry on with them.
fn lock(m: &Mutex<VirtioMmio>) -> MutexGuard<'_, VirtioMmio> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl VirtioMmioHandle {
    /// Serves queue `index` now (see [`VirtioMmio::serve_queue`]).
    pub fn serve_queue(&self, index: u32) {
        lock(&self.0).serve_queue(index);
    }
}

impl MmioDevice for SharedVirtioMmio {
    fn read(&mut self, offset: u64, size: u8) -> u64 {
        lock(&self.0).read(offset, size)
    }

    fn write(&mut self, offset: u64, size: u8, value: u64) {
        lock(&self.0).write(offset, size, value)
    }
}
