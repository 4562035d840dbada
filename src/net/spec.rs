//! `--net user[,restrict=on|off][,hostfwd=PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...`,
//! spelled as QEMU's `-netdev user` options.

use std::fmt;
use std::net::Ipv4Addr;

use super::{addr, NetError};

/// A transport protocol of a forwarded port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
}

/// A host port forwarded into the guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostFwd {
    /// tcp or udp.
    pub proto: Protocol,
    /// The host address to listen on (default 127.0.0.1: QEMU listens on
    /// every address by default, but a guest's sshd reachable from the
    /// whole network is rarely what a user meant).
    pub host_addr: Ipv4Addr,
    /// The host port; 0 lets the kernel pick one (heron names it).
    pub host_port: u16,
    /// The guest's address (default its DHCP address).
    pub guest_addr: Ipv4Addr,
    /// The guest port.
    pub guest_port: u16,
}

/// What `--net` asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetSpec {
    /// Isolate the guest: it reaches nothing but what is forwarded to it.
    pub restrict: bool,
    /// Forwarded host ports.
    pub hostfwd: Vec<HostFwd>,
}

impl NetSpec {
    /// Parses the argument of `--net`.
    pub fn parse(arg: &str) -> Result<NetSpec, NetError> {
        let bad = |why: String| NetError::Spec {
            arg: arg.to_string(),
            why,
        };
        let mut parts = arg.split(',');
        match parts.next() {
            Some("user") => {}
            Some(other) => return Err(bad(format!("unknown backend '{other}' (only 'user')"))),
            None => return Err(bad("empty".into())),
        }
        let mut spec = NetSpec::default();
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("'{part}' is not KEY=VALUE")))?;
            match key {
                "restrict" => {
                    spec.restrict = match value {
                        "on" | "yes" | "true" => true,
                        "off" | "no" | "false" => false,
                        _ => return Err(bad(format!("restrict={value}: on or off"))),
                    }
                }
                "hostfwd" => spec.hostfwd.push(parse_hostfwd(value).map_err(bad)?),
                _ => return Err(bad(format!("unknown option '{key}'"))),
            }
        }
        Ok(spec)
    }
}

/// `PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT`.
fn parse_hostfwd(value: &str) -> Result<HostFwd, String> {
    let (proto, rest) = value
        .split_once(':')
        .ok_or_else(|| format!("hostfwd={value}: PROTO:[ADDR]:PORT-[ADDR]:PORT"))?;
    let proto = match proto {
        "tcp" | "" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        other => return Err(format!("hostfwd protocol '{other}': tcp or udp")),
    };
    let (host, guest) = rest
        .split_once('-')
        .ok_or_else(|| format!("hostfwd={value}: no '-' between host and guest"))?;
    let (host_addr, host_port) = endpoint(host, Ipv4Addr::LOCALHOST)?;
    let (guest_addr, guest_port) = endpoint(guest, addr::GUEST)?;
    if guest_port == 0 {
        return Err(format!("hostfwd={value}: the guest port cannot be 0"));
    }
    Ok(HostFwd {
        proto,
        host_addr,
        host_port,
        guest_addr,
        guest_port,
    })
}

/// `[ADDR]:PORT`, with `default` for an empty address.
fn endpoint(s: &str, default: Ipv4Addr) -> Result<(Ipv4Addr, u16), String> {
    let (a, p) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("'{s}': [ADDR]:PORT"))?;
    let addr = if a.is_empty() {
        default
    } else {
        a.parse()
            .map_err(|_| format!("'{a}' is not an IPv4 address"))?
    };
    let port = p.parse().map_err(|_| format!("'{p}' is not a port"))?;
    Ok((addr, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_user() {
        assert_eq!(NetSpec::parse("user").unwrap(), NetSpec::default());
    }

    #[test]
    fn hostfwd_as_qemu_spells_it() {
        let s = NetSpec::parse("user,hostfwd=tcp:127.0.0.1:2222-:22,restrict=on").unwrap();
        assert!(s.restrict);
        assert_eq!(
            s.hostfwd,
            vec![HostFwd {
                proto: Protocol::Tcp,
                host_addr: Ipv4Addr::LOCALHOST,
                host_port: 2222,
                guest_addr: addr::GUEST,
                guest_port: 22,
            }]
        );
        let s = NetSpec::parse("user,hostfwd=udp::0-10.0.2.16:53,hostfwd=tcp::80-:8080").unwrap();
        assert_eq!(s.hostfwd[0].proto, Protocol::Udp);
        assert_eq!(s.hostfwd[0].host_addr, Ipv4Addr::LOCALHOST);
        assert_eq!(s.hostfwd[0].host_port, 0);
        assert_eq!(s.hostfwd[0].guest_addr, Ipv4Addr::new(10, 0, 2, 16));
        assert_eq!(s.hostfwd[1].guest_port, 8080);
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        for (arg, needle) in [
            ("tap", "unknown backend"),
            ("user,foo=1", "unknown option"),
            ("user,restrict=maybe", "on or off"),
            ("user,hostfwd=sctp::1-:2", "tcp or udp"),
            ("user,hostfwd=tcp::1:2", "no '-'"),
            ("user,hostfwd=tcp:nowhere:1-:2", "not an IPv4"),
            ("user,hostfwd=tcp::99999-:2", "not a port"),
            ("user,hostfwd=tcp::1-:0", "cannot be 0"),
            ("user,hostfwd", "KEY=VALUE"),
        ] {
            let e = NetSpec::parse(arg).unwrap_err().to_string();
            assert!(e.contains(needle), "{arg}: {e}");
        }
    }
}
