//! The virtio-net card of `--net` and the user network behind it.

use heron_devices::IrqLine;

use super::BoardError;
use crate::machine::Machine;
use crate::net::NetSpec;

#[cfg(feature = "user-net")]
pub use crate::net::UserNet;

/// Without libslirp there is no user network to hold.
#[cfg(not(feature = "user-net"))]
pub struct UserNet;

/// Maps a virtio-net card at `base` (interrupting on `irq`) and starts the
/// user network `spec` behind it. The network's thread serves the card's
/// receive queue when frames arrive and then asks every hart to look at
/// its interrupt lines.
#[cfg(feature = "user-net")]
pub(super) fn attach(
    m: &mut Machine,
    spec: &NetSpec,
    base: u64,
    size: u64,
    irq: IrqLine,
) -> Result<UserNet, BoardError> {
    use heron_devices::virtio::net::RX_QUEUE;
    use heron_devices::virtio::{RxFrames, SharedVirtioMmio, VirtioMmio, VirtioNet};
    use heron_mmu::events::bits;

    let (tx, link) = crate::net::slirp_link()?;
    let rx = RxFrames::new();
    let card = VirtioNet::new(crate::net::addr::MAC, rx.clone(), Box::new(tx));
    let transport = VirtioMmio::new(Box::new(card), m.bus().ram().dma_handle(), irq);
    let (shared, handle) = SharedVirtioMmio::new(transport);
    m.core.bus.map(base, size, "virtio-net", Box::new(shared))?;
    let events = m.bus().ram().events().clone();
    let deliver = Box::new(move || {
        handle.serve_queue(RX_QUEUE as u32);
        for ev in events.iter() {
            ev.post(bits::INTERRUPT);
        }
    });
    let net = UserNet::start(spec, link, rx, deliver)?;
    for (fwd, port) in net.forwarded() {
        // The readiness signal (and the port, for port 0) of each forward.
        eprintln!(
            "heron: hostfwd {} {}:{port} -> {}:{}",
            fwd.proto, fwd.host_addr, fwd.guest_addr, fwd.guest_port
        );
    }
    Ok(net)
}

/// Without libslirp `--net user` is refused.
#[cfg(not(feature = "user-net"))]
pub(super) fn attach(
    _m: &mut Machine,
    _spec: &NetSpec,
    _base: u64,
    _size: u64,
    _irq: IrqLine,
) -> Result<UserNet, BoardError> {
    Err(crate::net::NetError::NotBuilt.into())
}
