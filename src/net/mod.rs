//! User-mode networking for the guest's virtio-net card (`--net user`,
//! QEMU's `-netdev user`): the guest sees a NAT'ed network with a DHCP
//! server, a DNS forwarder and a gateway, and reaches the host's network
//! through ordinary sockets of the heron process; host ports forwarded
//! into the guest (`hostfwd`) are sockets heron listens on.
//!
//! The stack is libslirp — QEMU's own, from Debian's `libslirp0` — through
//! the `libslirp` crate (its core `Context` only: no mio, no D-Bus
//! helper). A TCP/IP stack of our own or smoltcp would leave DHCP, DNS
//! forwarding, TCP NAT with the host's sockets and port forwarding to be
//! written and hardened again; libslirp has done exactly that for QEMU for
//! two decades. It runs on a thread of its own ([`slirp`]), the only
//! thread that touches the slirp context.
//!
//! What the guest can reach is what `--net user` exports: the host's
//! network as the heron process sees it, or with `restrict=on` nothing but
//! the forwarded ports (libslirp's restricted mode).

// Without libslirp only the parsing is used (so that `--net` is refused
// with its reason rather than unknown).
#![cfg_attr(not(feature = "user-net"), allow(dead_code, unused_imports))]

#[cfg(feature = "user-net")]
mod slirp;
mod spec;

#[cfg(feature = "user-net")]
pub use slirp::{link as slirp_link, UserNet};
pub use spec::{HostFwd, NetSpec, Protocol};

use thiserror::Error;

/// The guest's side of the user network (QEMU's defaults).
pub mod addr {
    use std::net::Ipv4Addr;

    /// The network.
    pub const NETWORK: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 0);
    /// Its mask.
    pub const NETMASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
    /// The gateway; also the host's loopback as the guest sees it.
    pub const HOST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
    /// The DNS forwarder.
    pub const DNS: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 3);
    /// The first address DHCP hands out, the guest's.
    pub const GUEST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 15);
    /// The card's MAC address (QEMU's default).
    pub const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
}

/// Why the user network could not be set up.
#[derive(Debug, Error)]
pub enum NetError {
    /// The `--net` argument is malformed.
    #[error("--net {arg}: {why}")]
    Spec {
        /// The argument.
        arg: String,
        /// What is wrong with it.
        why: String,
    },
    /// This heron was built without libslirp.
    #[cfg_attr(feature = "user-net", allow(dead_code))]
    #[error("--net user needs heron built with the `user-net` feature (libslirp)")]
    NotBuilt,
    /// A host port could not be forwarded (in use, no permission).
    #[error(
        "cannot forward host {proto} port {addr}:{port} to the guest (in use, or not allowed)"
    )]
    HostFwd {
        /// tcp or udp.
        proto: Protocol,
        /// The host address.
        addr: std::net::Ipv4Addr,
        /// The host port.
        port: u16,
    },
    /// The network thread could not be started.
    #[error("user network: {0}")]
    Io(#[from] std::io::Error),
}
