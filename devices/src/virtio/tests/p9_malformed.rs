//! Hostile messages: lying sizes, short fields, bad strings, unknown
//! types, huge counts and offsets, fid and descriptor exhaustion. Each gets
//! an Rlerror (or, without a header, nothing), and the server keeps
//! working.

use super::*;

/// Sends raw bytes; returns (reply type, body) after checking the framing.
fn raw(c: &mut Client, bytes: &[u8], tag: u16) -> (u8, Vec<u8>) {
    let reply = c.send(bytes);
    let (ty, body) = parse_reply(&reply, tag);
    (ty, body.to_vec())
}

fn rlerror(errno: u32) -> (u8, Vec<u8>) {
    (7, errno.to_le_bytes().to_vec())
}

#[test]
fn size_fields_that_lie() {
    let share = TempShare::new();
    let mut c = Client::new(&share, false);
    let mut m = message(t::GETATTR, 5, &Body::default().u32(ROOT).u64(0).0);
    let true_size = m.len() as u32;
    for size in [0, 1, 6, 7, true_size - 1, true_size + 1, 0x10000, u32::MAX] {
        m[..4].copy_from_slice(&size.to_le_bytes());
        assert_eq!(raw(&mut c, &m, 5), rlerror(e::EINVAL), "size {size}");
    }
    // Without a whole header there is no tag to answer.
    for len in 0..7 {
        assert!(c.send(&m[..len]).is_empty(), "{len}-byte request");
    }
    assert!(c.getattr(ROOT).is_ok(), "still serving");
}

#[test]
fn short_and_garbled_bodies() {
    let share = TempShare::new();
    let mut c = Client::new(&share, false);
    // A string whose length runs past the message.
    let walk = Body::default().u32(ROOT).u32(1).u16(1).u16(1000).u8(b'x');
    assert_eq!(c.call(t::WALK, walk), Err(e::EINVAL));
    for n in [17u16, 0xffff] {
        let walk = Body::default().u32(ROOT).u32(1).u16(n);
        assert_eq!(c.call(t::WALK, walk), Err(e::EINVAL), "nwname {n}");
    }
    // Twrite whose count claims more than the message carries.
    c.walk(ROOT, 2, &[]).unwrap();
    c.lcreate(2, b"f", RDWR, 0o644).unwrap();
    let write = Body::default().u32(2).u64(0).u32(u32::MAX).u8(1).u8(2);
    assert_eq!(c.call(t::WRITE, write), Err(e::EINVAL));
    let write = Body::default().u32(2).u64(0).u32(3).u8(1).u8(2);
    assert_eq!(c.call(t::WRITE, write), Err(e::EINVAL));
    assert_eq!(fs::read(share.path("f")).unwrap(), b"");
    // Every message type, truncated at every length, with every kind of
    // leftover bytes.
    for ty in 0..=255u8 {
        for len in 0..24 {
            let body: Vec<u8> = (0..len).map(|i| (i * 37 + ty as usize) as u8).collect();
            let (rty, _) = raw(&mut c, &message(ty, 9, &body), 9);
            assert!(
                rty == 7 || rty == ty.wrapping_add(1),
                "type {ty}, {len} bytes"
            );
        }
    }
    share.assert_outside_untouched();
    c.version(8192, b"9P2000.L").unwrap();
    assert!(c.attach(ROOT).is_ok(), "still serving");
}

#[test]
fn unknown_and_legacy_types() {
    let share = TempShare::new();
    let mut c = Client::new(&share, false);
    // Tlerror, legacy Topen/Tcreate/Tstat/Twstat, an R-message, junk.
    for ty in [6u8, 112, 114, 124, 126, 101, 7, 0, 255] {
        assert_eq!(
            c.call(ty, Body::default().u32(ROOT).u64(0)),
            Err(e::EOPNOTSUPP),
            "type {ty}"
        );
    }
}

#[test]
fn nothing_before_version() {
    let share = TempShare::new();
    let mut c = Client::raw(&share, false);
    assert_eq!(c.attach(ROOT), Err(e::EPROTO));
    assert_eq!(c.walk(ROOT, 1, &[]), Err(e::EPROTO));
    assert_eq!(
        c.version(100, b"9P2000.L"),
        Err(e::EINVAL),
        "msize too small"
    );
    assert_eq!(c.attach(ROOT), Err(e::EPROTO));
}

#[test]
fn attach_and_fid_misuse() {
    let share = TempShare::new();
    let mut c = Client::new(&share, false);
    assert_eq!(c.attach(ROOT), Err(e::EBADF), "fid in use");
    assert_eq!(c.attach(NOFID), Err(e::EBADF));
    let with_afid = Body::default().u32(1).u32(7).s(b"u").s(b"").u32(0);
    assert_eq!(c.call(t::ATTACH, with_afid), Err(e::EINVAL), "no auth fids");
    c.walk(ROOT, 1, &[]).unwrap();
    assert_eq!(c.walk(ROOT, 1, &[]), Err(e::EBADF), "newfid in use");
    assert_eq!(c.walk(ROOT, NOFID, &[]), Err(e::EBADF));
    assert_eq!(c.walk(99, 2, &[]), Err(e::EBADF), "no such fid");
    assert_eq!(c.clunk(99), Err(e::EBADF));
    assert_eq!(c.read(1, 0, 10), Err(e::EBADF), "not open");
    assert_eq!(c.fsync(1), Err(e::EBADF));
    // A walk onto itself.
    share.write("f", b"x");
    assert_eq!(c.walk(1, 1, &[b"f"]).unwrap().len(), 1);
    assert_eq!(c.getattr(1).unwrap().size, 1);
    // Nothing below a file; the fid keeps its meaning.
    assert_eq!(c.walk(1, 1, &[b"nothing"]), Err(e::ENOTDIR));
    assert_eq!(c.getattr(1).unwrap().size, 1);
}

#[test]
fn huge_counts_and_offsets() {
    let share = TempShare::new();
    share.write("big", &vec![7u8; 1 << 20]);
    let mut c = Client::raw(&share, false);
    c.version(8192, b"9P2000.L").unwrap();
    c.attach(ROOT).unwrap();
    c.walk_to(1, "big").unwrap();
    c.lopen(1, RDWR).unwrap();
    // Capped at msize less the Rread header.
    assert_eq!(c.read(1, 0, u32::MAX).unwrap().len(), 8192 - 11);
    // And at the room the guest's buffer offers.
    c.room = 100;
    assert_eq!(c.read(1, 0, u32::MAX).unwrap().len(), 100 - 11);
    c.room = 1 << 20;
    assert_eq!(c.read(1, u64::MAX, 10), Err(e::EINVAL));
    assert_eq!(c.read(1, 1 << 40, 10).unwrap(), b"");
    assert_eq!(c.write(1, 1 << 63, b"x"), Err(e::EINVAL));
    c.open_clone(ROOT, 2, RDONLY).unwrap();
    let entries = c.readdir(2, 0, u32::MAX).unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(c.readdir(2, u64::MAX, 100), Err(e::EINVAL));
    assert!(c.readdir(2, 0, 0).unwrap().is_empty());
    // A request larger than msize is refused, not read.
    let big = Body::default().u32(1).u64(0).u32(9000).0;
    let mut write = big.clone();
    write.resize(big.len() + 9000, 1);
    assert_eq!(c.call(t::WRITE, Body(write)), Err(e::EINVAL));
}

#[test]
fn replies_that_do_not_fit() {
    let share = TempShare::new();
    let mut c = Client::new(&share, false);
    // Room for an Rlerror but not an Rgetattr.
    c.room = 11;
    assert_eq!(c.getattr(ROOT).err(), Some(e::EMSGSIZE));
    c.room = 10;
    let m = message(t::GETATTR, 1, &Body::default().u32(ROOT).u64(0).0);
    assert!(c.send(&m).is_empty(), "not even Rlerror fits");
}

#[test]
fn fid_exhaustion() {
    let share = TempShare::new();
    let mut c = Client::new(&share, false);
    for fid in 1..4096 {
        c.walk(ROOT, fid, &[]).unwrap();
    }
    assert_eq!(c.walk(ROOT, 5000, &[]), Err(e::EMFILE));
    assert_eq!(c.attach(5000), Err(e::EMFILE));
    assert_eq!(c.dev.server().fid_count(), 4096);
    c.clunk(17).unwrap();
    c.walk(ROOT, 5000, &[]).unwrap();
    assert_eq!(
        c.dev.server().live_nodes(),
        1,
        "clones share the root's node"
    );
}

#[test]
fn descriptor_exhaustion() {
    let share = TempShare::new();
    let deep = "d/".repeat(16);
    fs::create_dir_all(share.path(&deep)).unwrap();
    let mut c = Client::new(&share, false);
    let names = [&b"d"[..]; 16];
    // Each walk of 16 names holds 16 descriptors; 8192 in all are allowed.
    let mut fid = 1;
    let err = loop {
        match c.walk(ROOT, fid, &names) {
            Ok(qids) if qids.len() == 16 => fid += 1,
            Ok(_) => break e::ENFILE,
            Err(e) => break e,
        }
        assert!(fid < 1000, "no limit reached");
    };
    assert_eq!(err, e::ENFILE);
    assert!(c.dev.server().live_nodes() <= 8192);
    for f in 1..fid {
        c.clunk(f).unwrap();
    }
    assert_eq!(c.dev.server().live_nodes(), 1, "every descriptor released");
    assert_eq!(c.walk(ROOT, 1, &names).unwrap().len(), 16);
}
