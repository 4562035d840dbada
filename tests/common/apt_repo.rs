//! A local apt package source for tests: one small package, built here with
//! `dpkg-deb`, in a flat repository (`Packages` and an unsigned `Release`,
//! for `deb [trusted=yes] http://HOST:PORT/ ./`) served over HTTP by a
//! thread on a loopback port the test binds itself. A guest on user-mode
//! networking reaches it as 10.0.2.2:PORT; nothing else is served (any
//! other path is a 404), and every request is recorded for assertions.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::run_command;

/// The package the repository holds.
pub const PACKAGE: &str = "heron-apt-test";
/// The file it installs, and what that file says.
pub const PACKAGE_FILE: &str = "/usr/share/heron-apt-test/greeting";
pub const PACKAGE_GREETING: &str = "installed by apt from heron's test repository";

/// A running repository.
pub struct AptRepo {
    /// The loopback port it listens on.
    pub port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl AptRepo {
    /// Builds the package and the indexes under `<target tmp>/<name>` and
    /// starts serving them.
    pub fn start(name: &str) -> AptRepo {
        let files = Arc::new(build(name));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the repository's port");
        let port = listener.local_addr().expect("its address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // A thread per connection: apt keeps one open across its
                // requests. An idle client is dropped after a minute.
                let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
                let (files, log) = (Arc::clone(&files), Arc::clone(&log));
                std::thread::spawn(move || serve(stream, &files, &log));
            }
        });
        AptRepo { port, requests }
    }

    /// The `sources.list` line a user-mode-networking guest uses.
    pub fn source_line(&self) -> String {
        format!("deb [trusted=yes] http://10.0.2.2:{}/ ./", self.port)
    }

    /// The paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("request log").clone()
    }
}

/// Answers the HTTP/1.1 requests on one connection (apt keeps it open for
/// several) until the client closes it.
fn serve(stream: TcpStream, files: &HashMap<String, Vec<u8>>, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(&stream);
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        // The headers, up to the blank line; a GET has no body.
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim_end().is_empty() {
                break;
            }
        }
        let mut parts = request.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        log.lock().expect("request log").push(path.to_owned());
        // "/./Packages" and "/Packages" alike: the flat repository's root.
        let name = path.trim_start_matches('/').trim_start_matches("./");
        let found = files
            .get(name)
            .filter(|_| method == "GET" || method == "HEAD");
        let (status, body): (&str, &[u8]) = match found {
            Some(body) => ("200 OK", body),
            None => ("404 Not Found", b""),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\r\n",
            body.len()
        );
        let mut out = &stream;
        let sent = out.write_all(head.as_bytes()).and_then(|()| {
            if method == "HEAD" {
                Ok(())
            } else {
                out.write_all(body)
            }
        });
        if sent.is_err() {
            return;
        }
    }
}

/// The repository's files by name: the .deb, Packages and Release.
fn build(name: &str) -> HashMap<String, Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let tree = dir.join("tree");
    let file = tree.join(PACKAGE_FILE.trim_start_matches('/'));
    std::fs::create_dir_all(file.parent().expect("a directory")).expect("package tree");
    std::fs::create_dir_all(tree.join("DEBIAN")).expect("package control dir");
    std::fs::write(&file, format!("{PACKAGE_GREETING}\n")).expect("package file");
    let control = format!(
        "Package: {PACKAGE}\nVersion: 1.0\nArchitecture: all\n\
         Maintainer: heron tests <heron@localhost>\n\
         Description: heron's apt test package\n one file, to prove apt installs from a local source\n"
    );
    std::fs::write(tree.join("DEBIAN").join("control"), &control).expect("control file");

    let deb_name = format!("{PACKAGE}_1.0_all.deb");
    let deb_path = dir.join(&deb_name);
    let mut c = Command::new("dpkg-deb");
    c.args(["--root-owner-group", "-Zgzip", "--build"])
        .arg(&tree)
        .arg(&deb_path);
    let (status, out, err) = run_command(&mut c, Duration::from_secs(60));
    assert!(status.success(), "dpkg-deb --build failed:\n{out}{err}");
    let deb = std::fs::read(&deb_path).expect("read the .deb");

    let mut packages = control.clone();
    writeln!(packages, "Filename: ./{deb_name}").expect("string");
    writeln!(packages, "Size: {}", deb.len()).expect("string");
    writeln!(packages, "SHA256: {}", sha256(&deb_path)).expect("string");
    packages.push('\n');
    let packages_path = dir.join("Packages");
    std::fs::write(&packages_path, &packages).expect("Packages");

    let release = format!(
        "Origin: heron-tests\nLabel: heron-tests\nArchitectures: all riscv64\n\
         Date: Thu, 01 Jan 2026 00:00:00 UTC\nSHA256:\n {} {} Packages\n",
        sha256(&packages_path),
        packages.len()
    );
    HashMap::from([
        (deb_name, deb),
        ("Packages".to_owned(), packages.into_bytes()),
        ("Release".to_owned(), release.into_bytes()),
    ])
}

/// The SHA-256 of a file, in hex (coreutils' sha256sum).
fn sha256(path: &std::path::Path) -> String {
    let mut c = Command::new("sha256sum");
    c.arg(path);
    let (status, out, err) = run_command(&mut c, Duration::from_secs(60));
    assert!(status.success(), "sha256sum failed: {err}");
    out.split_whitespace().next().expect("a hash").to_owned()
}
