//! Drives one generated scenario through the registers and checks the
//! device against the plan after every notification.

use super::*;

/// The device's progress as the spec predicts it.
struct Progress {
    /// Available-ring positions published and consumed so far.
    published: u32,
    consumed: u32,
    needs_reset: bool,
    /// Once the prediction runs past what the plan walked, stop checking
    /// exactly (the layout is still checked for crashes and recovery).
    lost: bool,
}

pub(super) fn run(s: &Scenario, img: &TempImage) -> Result<(), TestCaseError> {
    let disk = Disk::open(img.path(), s.mode).expect("test image opens");
    let mut rig = Rig::with_ram(Box::new(VirtioBlk::new(disk)), FUZZ_RAM_SIZE);
    rig.negotiate(s.features);
    rig.program_queue(0, s.size, s.desc, s.avail, s.used);
    if s.ready {
        rig.wr(reg::QUEUE_READY, 1);
    }
    if s.driver_ok {
        rig.driver_ok();
    }
    let mem = rig.mem.clone();
    write_driver_structures(&mem, s);
    let plan = plan(&mem, s);
    let mut progress = Progress {
        published: 0,
        consumed: 0,
        needs_reset: rig.rd(reg::STATUS) & status::DEVICE_NEEDS_RESET != 0,
        lost: false,
    };
    for &(step, queue) in &s.batches {
        progress.published += step as u32;
        let _ = mem.write_u16(s.avail.wrapping_add(2), progress.published as u16);
        let before = ram(&mem);
        let old_status = rig.rd(reg::STATUS);
        let running = old_status & (status::DRIVER_OK | status::DEVICE_NEEDS_RESET)
            == status::DRIVER_OK
            && rig.rd(reg::QUEUE_READY) == 1;
        let old_irq = rig.rd(reg::INTERRUPT_STATUS);
        rig.wr(reg::QUEUE_NOTIFY, queue);
        check_registers(&mut rig)?;
        if !running || queue != 0 {
            prop_assert!(ram(&mem) == before, "an ignored notification changed RAM");
            prop_assert_eq!(rig.rd(reg::STATUS), old_status);
            continue;
        }
        if plan.disjoint && !progress.lost {
            let start = progress.consumed;
            predict(&mut progress, s, &plan);
            if !progress.lost {
                check_notification(&mut rig, s, &plan, &progress, start, &before, old_irq)?;
            }
        }
    }
    recover(&mut rig)
}

/// Advances `p` through one notification (§2.7.13: the device consumes
/// every published entry; an index more than a queue size ahead or a head
/// outside the table is a broken ring).
fn predict(p: &mut Progress, s: &Scenario, plan: &Plan) {
    let pending = (p.published as u16).wrapping_sub(p.consumed as u16) as u32;
    if pending > s.size {
        p.needs_reset = true;
        return;
    }
    for _ in 0..pending {
        if p.consumed as usize >= plan.chains.len() {
            if plan.walked_all {
                // The plan stopped at a head outside the table.
                p.needs_reset = true;
            } else {
                p.lost = true;
            }
            return;
        }
        p.consumed += 1;
    }
}

/// Guest physical addresses of the bytes that differ (compared a page at a
/// time first: nearly all pages are equal).
fn changed<'a>(before: &'a [u8], after: &'a [u8]) -> impl Iterator<Item = u64> + 'a {
    before
        .chunks(4096)
        .zip(after.chunks(4096))
        .enumerate()
        .filter(|(_, (b, a))| b != a)
        .flat_map(|(page, (b, a))| {
            b.iter()
                .zip(a.iter())
                .enumerate()
                .filter(|(_, (x, y))| x != y)
                .map(move |(i, _)| RAM_BASE + (page * 4096 + i) as u64)
        })
}

/// The register block stays sane whatever happened.
fn check_registers(rig: &mut Rig) -> Result<(), TestCaseError> {
    prop_assert_eq!(rig.rd(reg::MAGIC), 0x7472_6976);
    prop_assert_eq!(rig.rd(reg::STATUS) & !0xff, 0, "status is a byte");
    let irq = rig.rd(reg::INTERRUPT_STATUS);
    prop_assert_eq!(irq & !3, 0, "only the two interrupt causes");
    prop_assert_eq!(rig.irq(), irq != 0, "the line follows InterruptStatus");
    Ok(())
}

/// Exact checks of a notification on a disjoint layout, from the chain
/// at position `start` to `p.consumed`.
fn check_notification(
    rig: &mut Rig,
    s: &Scenario,
    plan: &Plan,
    p: &Progress,
    start: u32,
    before: &[u8],
    old_irq: u32,
) -> Result<(), TestCaseError> {
    let now = rig.rd(reg::STATUS);
    prop_assert_eq!(
        now & status::DEVICE_NEEDS_RESET != 0,
        p.needs_reset,
        "NEEDS_RESET"
    );
    let mem = &rig.mem;
    let after = ram(mem);
    for pa in changed(before, &after) {
        prop_assert!(plan.writes.contains(pa), "device wrote {:#x}", pa);
    }
    let used_idx = mem.read_u16(s.used.wrapping_add(2)).unwrap_or(0);
    prop_assert_eq!(
        used_idx,
        p.consumed as u16,
        "used.idx counts every chain served"
    );
    let n = s.size;
    // Elements not overwritten by a later one in this notification.
    for pos in start.max(p.consumed.saturating_sub(n))..p.consumed {
        let elem = s.used.wrapping_add(4 + 8 * (pos % n) as u64);
        let id = mem.read_u32(elem).unwrap_or(u32::MAX);
        let len = mem.read_u32(elem.wrapping_add(4)).unwrap_or(u32::MAX);
        let (head, walk) = &plan.chains[pos as usize];
        prop_assert_eq!(id, *head as u32, "used element {} names its head", pos);
        check_used_len(mem, plan, walk, len)?;
    }
    let irq = rig.rd(reg::INTERRUPT_STATUS);
    if p.consumed > start && s.avail_flags & 1 == 0 {
        prop_assert!(irq & INTERRUPT_USED_BUFFER != 0, "used buffers interrupt");
    } else if !p.needs_reset {
        // NO_INTERRUPT suppresses it (the error path may still report
        // the chains it served, a SHOULD NOT of §2.7.7.2 it may break).
        prop_assert_eq!(irq & INTERRUPT_USED_BUFFER, old_irq & INTERRUPT_USED_BUFFER);
    }
    if p.needs_reset && old_irq & INTERRUPT_CONFIG_CHANGE == 0 {
        prop_assert!(
            irq & INTERRUPT_CONFIG_CHANGE != 0,
            "NEEDS_RESET is announced"
        );
    }
    Ok(())
}

/// §2.7.8 and §5.2.6: a malformed chain or one without a writable status
/// byte comes back with length 0; otherwise the status byte holds a
/// status and the length counts it plus at most the writable bytes.
fn check_used_len(
    mem: &GuestMemory,
    plan: &Plan,
    walk: &Walk,
    len: u32,
) -> Result<(), TestCaseError> {
    let Some(at) = model::status_byte(walk) else {
        prop_assert_eq!(len, 0, "no status byte: nothing reported written");
        return Ok(());
    };
    let room: u64 = model::writable(walk).map(|d| d.len as u64).sum();
    prop_assert!(
        len >= 1 && len as u64 <= room,
        "used length {} of {}",
        len,
        room
    );
    // Another buffer over the same byte may have been written later.
    if plan.buffers.count(at) == 1 {
        let mut b = [0u8];
        let _ = mem.read(at, &mut b);
        prop_assert!(b[0] <= 2, "status byte {}", b[0]);
    }
    Ok(())
}

/// A reset returns the registers to their initial values, and the device
/// then serves a well-formed request.
fn recover(rig: &mut Rig) -> Result<(), TestCaseError> {
    rig.wr(reg::STATUS, 0);
    prop_assert_eq!(rig.rd(reg::STATUS), 0);
    prop_assert_eq!(rig.rd(reg::INTERRUPT_STATUS), 0);
    prop_assert!(!rig.irq());
    rig.wr(reg::QUEUE_SEL, 0);
    prop_assert_eq!(rig.rd(reg::QUEUE_READY), 0);
    let zeros = vec![0u8; FUZZ_RAM_SIZE as usize];
    let _ = rig.mem.write(RAM_BASE, &zeros);
    rig.init();
    let (status, len) = rig.request(VIRTIO_BLK_T_IN, 0, DATA, 512);
    prop_assert_eq!((status, len), (VIRTIO_BLK_S_OK, 513));
    Ok(())
}
