//! virtio-net on user-mode networking (`--net user`, libslirp) with
//! Debian's kernel and the busybox guest: the guest gets its address by
//! DHCP, reaches a server on the host's loopback through the gateway
//! (10.0.2.2), and a host port heron forwards (`hostfwd`, port 0: heron
//! picks it and names it on stderr) reaches a server in the guest. With
//! `restrict=on` the guest reaches nothing outside.
//!
//! Every port on the host is bound by the test or by heron itself; the
//! guest says when its server listens (a marker the test waits for).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::linux::{Boot, ScratchDisk, BOOT_TIMEOUT_SECS};
use common::Proc;

/// The guest's server port (forwarded from a host port heron picks).
const GUEST_PORT: u16 = 7777;
/// What heron prints once a forward listens; the port follows.
const HOSTFWD_LINE: &str = "heron: hostfwd tcp 127.0.0.1:";

/// Brings eth0 up by DHCP (busybox udhcpc, with a script that applies the
/// lease and prints it).
const DHCP: &str = r#"ip link set eth0 up
printf '#!/bin/sh\ncase "$1" in bound) ip addr add $ip/$mask dev $interface; ip route add default via $router; echo "dhcp: $ip via $router dns $dns";; esac\n' >/dh
chmod +x /dh
udhcpc -i eth0 -f -q -n -s /dh"#;

/// A server on the host's loopback that answers one line, and its port.
fn host_server() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a host server");
    let port = listener.local_addr().expect("its address").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut line = String::new();
        let mut reader = BufReader::new(&stream);
        if reader.read_line(&mut line).is_ok() {
            let _ = (&stream).write_all(format!("host-says: {line}").as_bytes());
            let _ = tx.send(line);
        }
    });
    (port, rx)
}

fn heron(cmd: &str, disk: &ScratchDisk, net: &str) -> Proc {
    let mut args = Boot::new(cmd, disk.path()).args();
    args.extend(["--net".to_owned(), net.to_owned()]);
    let mut c = Command::new(env!("CARGO_BIN_EXE_heron"));
    c.args(&args).stdin(Stdio::null());
    Proc::spawn(&mut c, Duration::from_secs(BOOT_TIMEOUT_SECS + 60))
}

#[test]
fn dhcp_outbound_tcp_and_a_forwarded_port() {
    let (port, got) = host_server();
    // The marker is computed by the guest's shell, so the echo of the
    // command line itself never matches it.
    let cmd = format!(
        "{DHCP}
echo guest-hello | nc 10.0.2.2 {port}
nc -l -p {GUEST_PORT} -e echo guest-says-hi &
until netstat -ltn | grep -q ':{GUEST_PORT} '; do usleep 20000; done
echo listening-$((40 + 2))
wait"
    );
    let disk = ScratchDisk::new("net_user");
    let h = heron(&cmd, &disk, &format!("user,hostfwd=tcp::0-:{GUEST_PORT}"));
    let fwd = h.wait_for_stderr_line(HOSTFWD_LINE);
    let host_port: u16 = fwd
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {HOSTFWD_LINE}{fwd}"));
    assert!(fwd.contains(&format!("10.0.2.15:{GUEST_PORT}")), "{fwd}");
    h.wait_for("listening-42");
    let mut reply = String::new();
    TcpStream::connect(("127.0.0.1", host_port))
        .and_then(|mut s| s.read_to_string(&mut reply))
        .expect("connect to the forwarded port");
    let (code, out) = h.finish();
    assert_eq!(reply.trim(), "guest-says-hi", "{out}");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("dhcp: 10.0.2.15 via 10.0.2.2 dns 10.0.2.3"),
        "{out}"
    );
    assert!(out.contains("host-says: guest-hello"), "{out}");
    let line = got.recv_timeout(Duration::from_secs(5));
    assert_eq!(line.as_deref().map(str::trim), Ok("guest-hello"), "{out}");
}

#[test]
fn restrict_keeps_the_guest_in() {
    let (port, got) = host_server();
    let cmd = format!(
        "{DHCP}
if echo guest-hello | nc -w 5 10.0.2.2 {port}; then echo reached-$((1 + 1)); else echo refused-$((1 + 1)); fi"
    );
    let disk = ScratchDisk::new("net_user_restrict");
    let h = heron(&cmd, &disk, "user,restrict=on");
    let (code, out) = h.finish();
    assert_eq!(code, 0, "{out}");
    // DHCP still works: it is the virtual network's own.
    assert!(out.contains("dhcp: 10.0.2.15"), "{out}");
    assert!(!out.contains("host-says"), "{out}");
    assert!(
        got.try_recv().is_err(),
        "the host server heard from the guest"
    );
    assert!(out.contains("refused-2"), "{out}");
}
