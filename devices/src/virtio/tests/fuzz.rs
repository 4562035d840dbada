//! Property tests: random virtqueue layouts and descriptor chains, driven
//! through the virtio-mmio registers of a virtio-blk device.
//!
//! Every case must end without a panic, with the device either serving
//! every published request or in DEVICE_NEEDS_RESET, and with a reset
//! device that works again. When the generated layout keeps what the
//! device reads (rings, tables) apart from what it may write (used ring,
//! device-writable buffers) — most cases — the outcome is predicted
//! exactly from the spec by `model` and checked byte for byte: used
//! entries, status bytes, indices, interrupts, and RAM outside the
//! writable bytes left untouched.

mod model;

use heron_mmu::GuestMemory;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use super::*;
use crate::virtio::blk::{
    VIRTIO_BLK_S_OK, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
};
use crate::virtio::mmio::{INTERRUPT_CONFIG_CHANGE, INTERRUPT_USED_BUFFER};
use model::{Queue, Ranges, RawDesc, Walk};

/// Where the generated driver puts things. Reads (rings, tables) live low,
/// writes (used ring, device-writable buffers) high, so that most layouts
/// keep them apart; generated addresses also land across zones, at RAM's
/// end and outside RAM.
const DESC_AT: u64 = RAM_BASE + 0x1000;
const AVAIL_AT: u64 = RAM_BASE + 0x3000;
const INDIRECT_AT: u64 = RAM_BASE + 0x5000;
const USED_AT: u64 = RAM_BASE + 0x1_0000;
const HEADERS_AT: u64 = RAM_BASE + 0x1_8000;
const HEADER_SLOTS: u64 = 8;
const BUFFERS_AT: u64 = RAM_BASE + 0x2_0000;
/// RAM of the fuzzed rig: smaller than the other tests' so that the
/// snapshot taken around every notification stays cheap.
const FUZZ_RAM_SIZE: u64 = 0x4_0000;
const FUZZ_RAM_END: u64 = RAM_BASE + FUZZ_RAM_SIZE;
/// Most table and ring slots the driver fills (the rest stay zero).
const MAX_WRITTEN: u32 = 32;

#[derive(Clone, Debug)]
struct Scenario {
    features: u64,
    mode: DiskMode,
    size: u32,
    desc: u64,
    avail: u64,
    used: u64,
    ready: bool,
    driver_ok: bool,
    table: Vec<RawDesc>,
    indirect: Vec<RawDesc>,
    headers: Vec<(u32, u64)>,
    avail_flags: u16,
    heads: Vec<u16>,
    /// Per notification: how far `avail.idx` moves, and which queue is
    /// notified.
    batches: Vec<(u16, u32)>,
}

fn features() -> impl Strategy<Value = u64> {
    let base = VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_BLK_F_FLUSH;
    prop_oneof![
        12 => (any::<bool>(), any::<bool>()).prop_map(|(ind, flush)| {
            let mut f = VIRTIO_F_VERSION_1;
            if ind { f |= VIRTIO_F_INDIRECT_DESC; }
            if flush { f |= VIRTIO_BLK_F_FLUSH; }
            f
        }),
        1 => Just(base & !VIRTIO_F_VERSION_1),
        1 => any::<u64>(),
    ]
}

fn queue_size() -> impl Strategy<Value = u32> {
    prop_oneof![
        2 => prop::sample::select(&[1u32, 2][..]),
        8 => prop::sample::select(&[4u32, 8, 16, 32, 256][..]),
        1 => prop::sample::select(&[0u32, 3, 24, 512, 0x8000, u32::MAX][..]),
    ]
}

/// Addresses outside RAM or running off one of its ends.
fn outside(len: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(0x1000u64),
        Just(FUZZ_RAM_END - len / 2),
        Just(RAM_BASE - 8),
        (0u64..32).prop_map(|d| u64::MAX - d),
        any::<u64>(),
    ]
}

fn ring_addr(at: u64, other: u64, len: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        40 => Just(at),
        1 => (1u64..16).prop_map(move |d| at + d),
        1 => Just(other),
        2 => outside(len),
    ]
}

fn used_addr() -> impl Strategy<Value = u64> {
    prop_oneof![
        40 => Just(USED_AT),
        1 => Just(USED_AT + 2),
        1 => Just(DESC_AT),
        1 => Just(AVAIL_AT),
        1 => Just(BUFFERS_AT + 0x100),
        2 => outside(16),
    ]
}

fn desc_len() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => prop::sample::select(&[16u32, 1, 512, 1024, 4096, 513, 0, 100, 32, 48][..]),
        1 => prop::sample::select(&[u32::MAX, 0x8000_0000, 4097 * 512, 256 * 16, 257 * 16][..]),
        1 => 0u32..8192,
    ]
}

fn desc_flags() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(F_NEXT),
        4 => Just(F_NEXT | F_WRITE),
        4 => Just(F_WRITE),
        1 => Just(0u16),
        2 => Just(F_INDIRECT),
        1 => Just(F_INDIRECT | F_NEXT),
        1 => Just(F_INDIRECT | F_WRITE),
        1 => any::<u16>(),
    ]
}

/// A descriptor whose address fits its flags: headers and anything for
/// readable buffers, the buffer zone for writable ones, the indirect table
/// for indirect ones; and everywhere else now and then.
fn descriptor() -> impl Strategy<Value = RawDesc> {
    let header = (0..HEADER_SLOTS).prop_map(|i| HEADERS_AT + 0x100 * i);
    let readable = prop_oneof![
        6 => header,
        1 => (0..FUZZ_RAM_SIZE).prop_map(|o| RAM_BASE + o),
        1 => outside(512),
    ];
    let writable = prop_oneof![
        6 => (0u64..0x400).prop_map(|k| BUFFERS_AT + 0x200 * k),
        2 => (0u64..(FUZZ_RAM_END - BUFFERS_AT)).prop_map(|o| BUFFERS_AT + o),
        1 => (1u64..1024).prop_map(|d| FUZZ_RAM_END - d),
        1 => outside(512),
    ];
    let indirect = prop_oneof![
        6 => (0u64..4).prop_map(|k| INDIRECT_AT + 16 * k),
        1 => Just(INDIRECT_AT + 8),
        1 => outside(32),
    ];
    let next = prop_oneof![
        8 => 0u16..8,
        1 => 0u16..64,
        1 => prop::sample::select(&[255u16, 256, u16::MAX][..]),
    ];
    (desc_flags(), desc_len(), next, readable, writable, indirect).prop_map(
        |(flags, len, next, r, w, i)| {
            let addr = if flags & F_INDIRECT != 0 {
                i
            } else if flags & F_WRITE != 0 {
                w
            } else {
                r
            };
            RawDesc {
                addr,
                len,
                flags,
                next,
            }
        },
    )
}

fn header() -> impl Strategy<Value = (u32, u64)> {
    let kind = prop_oneof![
        4 => prop::sample::select(
            &[VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID][..]
        ),
        1 => any::<u32>(),
    ];
    let sector = prop_oneof![
        4 => 0u64..10,
        1 => prop::sample::select(&[u64::MAX, u64::MAX / 512, 1 << 55][..]),
        1 => any::<u64>(),
    ];
    (kind, sector)
}

fn batch() -> impl Strategy<Value = (u16, u32)> {
    let step = prop_oneof![
        8 => 0u16..4,
        2 => 4u16..40,
        1 => prop::sample::select(&[256u16, 257, u16::MAX][..]),
    ];
    let queue = prop_oneof![10 => Just(0u32), 1 => Just(1u32), 1 => any::<u32>()];
    (step, queue)
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let layout = (
        features(),
        prop::sample::select(&[DiskMode::Snapshot, DiskMode::ReadOnly][..]),
        queue_size(),
        ring_addr(DESC_AT, AVAIL_AT, 0x1000),
        ring_addr(AVAIL_AT, DESC_AT, 0x200),
        used_addr(),
        prop::bool::weighted(0.95),
        prop::bool::weighted(0.95),
    );
    let contents = (
        prop::collection::vec(descriptor(), 1..24),
        prop::collection::vec(descriptor(), 0..16),
        prop::collection::vec(header(), HEADER_SLOTS as usize),
        prop_oneof![Just(0u16), Just(1u16), any::<u16>()],
        prop::collection::vec(any::<u16>(), 1..32),
        prop::collection::vec(batch(), 1..5),
    );
    (layout, contents).prop_map(|(l, c)| Scenario {
        features: l.0,
        mode: l.1,
        size: l.2,
        desc: l.3,
        avail: l.4,
        used: l.5,
        ready: l.6,
        driver_ok: l.7,
        table: c.0,
        indirect: c.1,
        headers: c.2,
        avail_flags: c.3,
        // Mostly heads inside the table, whatever its size.
        heads: c
            .4
            .iter()
            .map(|&h| {
                if h < 0xf000 {
                    h % (l.2.clamp(1, 64) as u16)
                } else {
                    h & 0x1ff
                }
            })
            .collect(),
        batches: c.5,
    })
}

/// Writes what a driver would: tables, headers, the available ring (not
/// its index). Parts outside RAM are skipped: the device must reject them.
fn write_driver_structures(mem: &GuestMemory, s: &Scenario) {
    let slots = s.size.min(MAX_WRITTEN) as usize;
    for (i, d) in s.table.iter().take(slots).enumerate() {
        let _ = mem.write(s.desc.wrapping_add(16 * i as u64), &d.bytes());
    }
    for (i, d) in s.indirect.iter().enumerate() {
        let _ = mem.write(INDIRECT_AT + 16 * i as u64, &d.bytes());
    }
    for (i, &(kind, sector)) in s.headers.iter().enumerate() {
        let mut raw = [0u8; 16];
        raw[0..4].copy_from_slice(&kind.to_le_bytes());
        raw[8..16].copy_from_slice(&sector.to_le_bytes());
        let _ = mem.write(HEADERS_AT + 0x100 * i as u64, &raw);
    }
    let _ = mem.write_u16(s.avail, s.avail_flags);
    for (i, &head) in s.heads.iter().take(slots).enumerate() {
        let _ = mem.write_u16(s.avail.wrapping_add(4 + 2 * i as u64), head);
    }
}

fn ram(mem: &GuestMemory) -> Vec<u8> {
    let mut buf = vec![0u8; FUZZ_RAM_SIZE as usize];
    mem.read(RAM_BASE, &mut buf).expect("RAM reads back");
    buf
}

/// What the spec says the device sees, for a layout that passed
/// `QueueReady` (sizes and ring bounds are valid).
struct Plan {
    /// The chain behind each available-ring position the driver publishes.
    chains: Vec<(u16, Walk)>,
    /// Whether `chains` ends at a head outside the table (rather than at
    /// the end of what was published or walked).
    walked_all: bool,
    /// Bytes the device may write: used ring, writable buffers.
    writes: Ranges,
    /// The writable buffers alone, one range per use.
    buffers: Ranges,
    /// Whether nothing the device writes is also read to find requests.
    disjoint: bool,
}

fn plan(mem: &GuestMemory, s: &Scenario) -> Plan {
    if !s.size.is_power_of_two() || s.size > 256 {
        // QueueReady refuses it: nothing to predict.
        return Plan {
            chains: Vec::new(),
            walked_all: false,
            writes: Ranges::default(),
            buffers: Ranges::default(),
            disjoint: false,
        };
    }
    let queue = Queue {
        mem,
        desc: s.desc,
        avail: s.avail,
        size: s.size,
        indirect: s.features & VIRTIO_F_INDIRECT_DESC != 0,
    };
    let mut reads = Ranges::default();
    let n = s.size as u64;
    reads.add(s.avail, 6 + 2 * n);
    reads.add(s.desc, 16 * n);
    let mut writes = Ranges::default();
    writes.add(s.used.wrapping_add(2), 2 + 8 * n);
    let mut used_ring = Ranges::default();
    used_ring.add(s.used, 6 + 8 * n);
    let total: u32 = s.batches.iter().map(|&(step, _)| step as u32).sum();
    let mut chains = Vec::new();
    let mut buffers = Ranges::default();
    let mut walked_all = false;
    for i in 0..total.min(4 * 300) {
        let Some(head) = queue.head(i as u16).filter(|&h| (h as u32) < s.size) else {
            walked_all = true;
            break;
        };
        let walk = queue.walk(head, &mut reads);
        for d in model::writable(&walk) {
            buffers.add(d.addr, d.len as u64);
            writes.add(d.addr, d.len as u64);
        }
        chains.push((head, walk));
    }
    let disjoint = !reads.overlaps(&writes) && !buffers.overlaps(&used_ring);
    Plan {
        chains,
        walked_all,
        writes,
        buffers,
        disjoint,
    }
}

fn fuzz_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(0x7669_7274_7175_6575),
        failure_persistence: None,
        max_shrink_iters: 512,
        ..ProptestConfig::default()
    }
}

mod run;

proptest! {
    #![proptest_config(fuzz_config(1500))]

    #[test]
    fn random_virtqueues(s in scenario()) {
        let img = TempImage::new(&pattern(8));
        run::run(&s, &img)?;
        prop_assert_eq!(img.contents(), pattern(8), "snapshot and read-only disks keep the image");
    }
}
