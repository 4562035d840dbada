//! Property tests: random reads and writes of every size at random offsets
//! in and past the register window of every device of the `virt` board,
//! directly and through the bus. Nothing panics, reads fit their size,
//! registers keep their documented ranges during the storm, the syscon
//! posts exactly the documented power events, and afterwards each device
//! answers its documented reset values and still works.

mod rig;

use heron_devices::PowerEvent;
use heron_mmu::Bus;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use rig::*;

fn config(cases: u32, seed: u64) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 1024,
        ..ProptestConfig::default()
    }
}

/// Offsets of each device's registers, to aim at (with a small skew).
fn registers(dev: usize) -> &'static [u64] {
    match dev {
        CLINT => &[0, 4, 8, 0x4000, 0x4004, 0x4008, 0x4010, 0xbff8, 0xbffc],
        PLIC => &[
            0, 4, 0x28, 0xfc, 0x100, 0x1000, 0x1004, 0x1008, 0x2000, 0x2004, 0x2080, 0x2084,
            0x2100, 0x2180, 0x20_0000, 0x20_0004, 0x20_1000, 0x20_1004, 0x20_2004, 0x20_3004,
            0x20_4004,
        ],
        UART => &[0, 1, 2, 3, 4, 5, 6, 7, 8],
        SYSCON => &[0, 2, 4],
        RTC => &[0, 4, 8, 0xc, 0x10, 0x14, 0x18, 0x1c, 0x20],
        _ => &[
            0, 4, 8, 0xc, 0x10, 0x14, 0x20, 0x24, 0x30, 0x34, 0x38, 0x44, 0x50, 0x60, 0x64, 0x70,
            0x80, 0x84, 0x90, 0x94, 0xa0, 0xa4, 0xac, 0xb0, 0xb8, 0xfc, 0x100, 0x108, 0x10c, 0x1fc,
        ],
    }
}

#[derive(Clone, Copy, Debug)]
struct Access {
    dev: usize,
    offset: u64,
    size: u8,
    value: u64,
    write: bool,
}

fn offset_for(dev: usize, kind: u8, raw: u64) -> u64 {
    let window = MAP[dev].1;
    let regs = registers(dev);
    match kind {
        0..=3 => {
            regs[(raw % regs.len() as u64) as usize] + if kind == 3 { (raw >> 32) % 8 } else { 0 }
        }
        4 => raw % window,
        5 => window - 8 + raw % 16,
        6 => window + raw % window,
        7 => u64::MAX - raw % 16,
        _ => raw,
    }
}

fn value_for(kind: u8, raw: u64) -> u64 {
    match kind {
        0 => raw % 8,
        1 => [0x5555, 0x3333 | (raw << 16), 0x7777, raw << 16][(raw % 4) as usize],
        2 => RAM_BASE + raw % RAM_SIZE,
        3 => [0, u32::MAX as u64, u64::MAX, 1 << 63][(raw % 4) as usize],
        // Device status sequences for virtio.
        4 => [1, 3, 11, 15, 0x40, 0x80][(raw % 6) as usize],
        _ => raw,
    }
}

fn access() -> impl Strategy<Value = Access> {
    (
        0usize..6,
        0u8..9,
        any::<u64>(),
        prop::sample::select(&[1u8, 2, 4, 8][..]),
        0u8..6,
        any::<u64>(),
        prop::bool::weighted(0.6),
    )
        .prop_map(|(dev, ok, raw, size, vk, vraw, write)| Access {
            dev,
            offset: offset_for(dev, ok, raw),
            size,
            value: value_for(vk, vraw),
            write,
        })
}

/// The syscon's documented commands: the low 16 bits of what was written
/// (only the bytes the access carries), at offset 0, 16 bits or wider.
fn syscon_event(a: &Access) -> Option<PowerEvent> {
    if a.offset != 0 || a.size < 2 {
        return None;
    }
    let carried = if a.size >= 4 {
        a.value as u32
    } else {
        a.value as u32 & 0xffff
    };
    match carried & 0xffff {
        0x5555 => Some(PowerEvent::Shutdown(0)),
        0x3333 => Some(PowerEvent::Shutdown(carried >> 16)),
        0x7777 => Some(PowerEvent::Reboot),
        _ => None,
    }
}

fn fits(v: u64, size: u8) -> bool {
    size >= 8 || v >> (8 * size as u32) == 0
}

/// Per-access invariants: the documented ranges of what was read.
fn check_access(r: &mut Rig, a: &Access) -> Result<(), TestCaseError> {
    if a.write {
        r.write(a.dev, a.offset, a.size, a.value);
        if a.dev == SYSCON {
            prop_assert_eq!(r.power.take(), syscon_event(a), "syscon write {:?}", a);
        }
        return Ok(());
    }
    let v = r.read(a.dev, a.offset, a.size);
    prop_assert!(
        fits(v, a.size),
        "{:#x} does not fit {} bytes ({:?})",
        v,
        a.size,
        a
    );
    let aligned4 = a.size == 4 && a.offset.is_multiple_of(4);
    let words = match (a.size, a.offset % 8) {
        (4, 0 | 4) => vec![(a.offset, v)],
        (8, 0) => vec![(a.offset, v & 0xffff_ffff), (a.offset + 4, v >> 32)],
        _ => vec![],
    };
    match a.dev {
        SYSCON => prop_assert_eq!(v, 0, "the syscon reads as zero"),
        PLIC => {
            prop_assert!(
                !words.is_empty() || v == 0,
                "sub-word PLIC reads are ignored"
            );
            for (off, w) in words {
                check_plic_word(r, off, w)?;
            }
        }
        UART => {
            for i in 0..a.size as u64 {
                check_uart_byte(a.offset.saturating_add(i), (v >> (8 * i)) as u8)?;
            }
        }
        RTC if aligned4 && (a.offset == 0x10 || a.offset == 0x18) => prop_assert!(v <= 1),
        CLINT if aligned4 && a.offset < 4 * HARTS as u64 => prop_assert!(v <= 1, "msip"),
        VIRTIO if a.offset < 0x100 && !aligned4 => prop_assert_eq!(v, 0, "registers are 32-bit"),
        VIRTIO if aligned4 => check_virtio_register(a.offset, v)?,
        _ => {}
    }
    Ok(())
}

fn check_plic_word(r: &Rig, off: u64, w: u64) -> Result<(), TestCaseError> {
    let contexts = 2 * HARTS as u64;
    if off < 0x100 {
        prop_assert!(w <= 7, "priority {}", w);
    } else if off == 0x1000 || off == 0x1004 {
        let levels = r.levels.levels() >> (8 * (off - 0x1000));
        prop_assert_eq!(w & !(levels & 0xffff_ffff), 0, "pending without a level");
    } else if (0x20_0000..0x20_0000 + 0x1000 * contexts).contains(&off) {
        match (off - 0x20_0000) % 0x1000 {
            0 => prop_assert!(w <= 7, "threshold {}", w),
            4 => prop_assert!(w == 0 || (w < 64 && r.level(w as u32)), "claimed {}", w),
            _ => prop_assert_eq!(w, 0),
        }
    } else if off >= 0x20_0000 + 0x1000 * contexts {
        prop_assert_eq!(w, 0, "no such context");
    }
    Ok(())
}

fn check_uart_byte(reg: u64, b: u8) -> Result<(), TestCaseError> {
    match reg {
        // LSR: THR and transmitter always empty; only DR may vary.
        5 => prop_assert!(b & 0x60 == 0x60 && b & !0x61 == 0, "LSR {:#x}", b),
        // IIR: a 16550 interrupt ID, FIFO bits both or neither.
        2 => {
            prop_assert!(
                [0x01, 0x04, 0x0c, 0x02, 0x00].contains(&(b & 0x0f)),
                "IIR {:#x}",
                b
            );
            prop_assert!(
                b & 0x30 == 0 && (b & 0xc0 == 0 || b & 0xc0 == 0xc0),
                "IIR {:#x}",
                b
            );
        }
        r if r >= 8 => prop_assert_eq!(b, 0, "past the registers"),
        _ => {}
    }
    Ok(())
}

fn check_virtio_register(off: u64, v: u64) -> Result<(), TestCaseError> {
    match off {
        0x000 => prop_assert_eq!(v, 0x7472_6976, "magic"),
        0x004 => prop_assert_eq!(v, 2, "version"),
        0x008 => prop_assert_eq!(v, 2, "block device"),
        0x044 => prop_assert!(v <= 1, "QueueReady"),
        0x060 => prop_assert!(v <= 3, "InterruptStatus"),
        0x070 => prop_assert!(v <= 0xff, "Status"),
        _ => {}
    }
    Ok(())
}

mod resets;

proptest! {
    #![proptest_config(config(4000, 0x6d6d_696f_6675_7a7a))]

    /// Random accesses straight to each device, then its reset values.
    #[test]
    fn random_device_accesses(
        held in any::<u64>(),
        accesses in prop::collection::vec(access(), 1..64),
    ) {
        let image = Image::new();
        let mut r = Rig::new(&image, held);
        for a in &accesses {
            check_access(&mut r, a)?;
        }
        resets::check_all(&mut r)?;
    }
}

/// A physical address aimed at the edges of the memory map.
fn bus_addr() -> impl Strategy<Value = u64> {
    let edge = (0usize..7, any::<bool>(), 0u64..24).prop_map(|(i, end, d)| {
        let (base, size) = if i < 6 { MAP[i] } else { (RAM_BASE, RAM_SIZE) };
        let at = if end { base.wrapping_add(size) } else { base };
        at.wrapping_add(d).wrapping_sub(12)
    });
    prop_oneof![
        6 => edge,
        2 => (0u64..16).prop_map(|d| u64::MAX - d),
        1 => any::<u64>(),
    ]
}

/// Whether `[pa, pa + size)` lies inside RAM or one device window.
fn mapped(pa: u64, size: u8) -> bool {
    let Some(end) = pa.checked_add(size as u64) else {
        return false;
    };
    MAP.iter()
        .chain(&[(RAM_BASE, RAM_SIZE)])
        .any(|&(base, len)| pa >= base && end <= base + len)
}

proptest! {
    #![proptest_config(config(3000, 0x6275_735f_6675_7a7a))]

    /// Accesses through the bus at the edges of every window and at the
    /// top of the address space: they reach a device or RAM exactly when
    /// the whole access lies inside one, and fault otherwise.
    #[test]
    fn random_bus_accesses(
        accesses in prop::collection::vec(
            (bus_addr(), prop::sample::select(&[1u8, 2, 4, 8][..]), any::<u64>(), any::<bool>()),
            1..64,
        ),
    ) {
        let image = Image::new();
        let r = Rig::new(&image, 0);
        let mut bus = Bus::new(r.ram);
        let names = ["clint", "plic", "uart", "syscon", "rtc", "virtio"];
        for (i, dev) in r.devices.into_iter().enumerate() {
            bus.map(MAP[i].0, MAP[i].1, names[i], dev).expect("virt map has no overlaps");
        }
        for (pa, size, value, write) in accesses {
            let result = if write {
                bus.write(pa, size, value).map(|_| 0)
            } else {
                bus.read(pa, size)
            };
            prop_assert_eq!(result.is_ok(), mapped(pa, size), "{:#x}/{}", pa, size);
            if let Ok(v) = result {
                prop_assert!(fits(v, size), "{:#x} does not fit {} bytes", v, size);
            }
        }
    }
}
