use super::*;

const M0: u64 = 0; // hart 0 M-mode context
const S0: u64 = 1; // hart 0 S-mode context

fn enable(ctx: u64) -> u64 {
    ENABLE + ENABLE_STRIDE * ctx
}
fn threshold(ctx: u64) -> u64 {
    CONTEXT + CONTEXT_STRIDE * ctx
}
fn claim(ctx: u64) -> u64 {
    threshold(ctx) + 4
}

/// A one-hart PLIC with sources 1..=63 at priority 1.
fn setup() -> (Plic, PlicHandle, IrqLevels) {
    let levels = IrqLevels::new();
    let (mut plic, handle) = Plic::new(levels.clone(), 1);
    for src in 1..64 {
        plic.write(4 * src, 4, 1);
    }
    (plic, handle, levels)
}

#[test]
fn claim_and_complete() {
    let (mut plic, h, levels) = setup();
    let uart = levels.line(10);
    plic.write(enable(S0), 4, 1 << 10);
    assert_eq!(h.irq_lines(0), 0);
    uart.set(true);
    assert_eq!(plic.read(PENDING, 4), 1 << 10);
    assert_eq!(h.irq_lines(0), MIP_SEIP, "only the S context enables it");
    assert_eq!(plic.read(claim(S0), 4), 10);
    assert_eq!(plic.read(PENDING, 4), 0, "claim clears the pending bit");
    assert_eq!(h.irq_lines(0), 0, "in service: no new request");
    assert_eq!(plic.read(claim(S0), 4), 0, "nothing else to claim");
    uart.set(false);
    plic.write(claim(S0), 4, 10);
    assert_eq!(h.irq_lines(0), 0);
    assert_eq!(plic.read(claim(S0), 4), 0);
}

#[test]
fn claim_with_nothing_pending_returns_zero() {
    let (mut plic, h, _) = setup();
    plic.write(enable(M0), 4, u32::MAX as u64);
    assert_eq!(plic.read(claim(M0), 4), 0);
    assert_eq!(h.irq_lines(0), 0);
}

#[test]
fn level_pends_again_after_complete() {
    let (mut plic, h, levels) = setup();
    let line = levels.line(3);
    plic.write(enable(M0), 4, 1 << 3);
    line.set(true);
    assert_eq!(plic.read(claim(M0), 4), 3);
    plic.write(claim(M0), 4, 3);
    assert_eq!(h.irq_lines(0), MIP_MEIP, "still high: pending again");
    assert_eq!(plic.read(claim(M0), 4), 3);
}

#[test]
fn level_dropping_before_claim_withdraws_request() {
    let (mut plic, h, levels) = setup();
    let line = levels.line(5);
    plic.write(enable(M0), 4, 1 << 5);
    line.set(true);
    assert_eq!(h.irq_lines(0), MIP_MEIP);
    line.set(false);
    assert_eq!(h.irq_lines(0), 0);
    assert_eq!(plic.read(claim(M0), 4), 0);
}

#[test]
fn enable_and_threshold_mask() {
    let (mut plic, h, levels) = setup();
    levels.line(40).set(true);
    plic.write(4 * 40, 4, 3);
    assert_eq!(plic.read(PENDING + 4, 4), 1 << 8);
    assert_eq!(h.irq_lines(0), 0, "not enabled");
    plic.write(enable(M0) + 4, 4, 1 << 8);
    assert_eq!(plic.read(enable(M0) + 4, 4), 1 << 8);
    assert_eq!(h.irq_lines(0), MIP_MEIP);
    plic.write(threshold(M0), 4, 3);
    assert_eq!(plic.read(threshold(M0), 4), 3);
    assert_eq!(h.irq_lines(0), 0, "priority must exceed the threshold");
    assert_eq!(plic.read(claim(M0), 4), 0);
    plic.write(threshold(M0), 4, 2);
    assert_eq!(plic.read(claim(M0), 4), 40);
}

#[test]
fn priority_zero_never_interrupts() {
    let (mut plic, h, levels) = setup();
    levels.line(7).set(true);
    plic.write(enable(M0), 4, 1 << 7);
    plic.write(4 * 7, 4, 0);
    assert_eq!(h.irq_lines(0), 0);
    assert_eq!(plic.read(claim(M0), 4), 0);
}

#[test]
fn highest_priority_first_then_lowest_id() {
    let (mut plic, _, levels) = setup();
    for src in [2, 4, 9, 33] {
        levels.line(src).set(true);
    }
    plic.write(enable(M0), 8, u64::MAX);
    plic.write(4 * 9, 4, 5);
    plic.write(4 * 33, 4, 5);
    plic.write(4 * 4, 4, 0xff); // only 3 bits stick
    assert_eq!(plic.read(4 * 4, 4), 7);
    let order: Vec<u64> = (0..5).map(|_| plic.read(claim(M0), 4)).collect();
    assert_eq!(order, [4, 9, 33, 2, 0]);
}

#[test]
fn claimed_source_is_in_service_for_all_contexts() {
    let (mut plic, h, levels) = setup();
    levels.line(1).set(true);
    plic.write(enable(M0), 4, 2);
    plic.write(enable(S0), 4, 2);
    assert_eq!(h.irq_lines(0), MIP_MEIP | MIP_SEIP);
    assert_eq!(plic.read(claim(S0), 4), 1);
    assert_eq!(h.irq_lines(0), 0);
    assert_eq!(plic.read(claim(M0), 4), 0);
}

#[test]
fn completion_of_a_source_not_enabled_is_ignored() {
    let (mut plic, _, levels) = setup();
    levels.line(6).set(true);
    plic.write(enable(M0), 4, 1 << 6);
    assert_eq!(plic.read(claim(M0), 4), 6);
    plic.write(claim(S0), 4, 6); // S context does not enable 6
    assert_eq!(plic.read(claim(M0), 4), 0, "still in service");
    plic.write(claim(M0), 4, 6);
    assert_eq!(plic.read(claim(M0), 4), 6);
}

#[test]
fn source_zero_and_bad_accesses_are_harmless() {
    let (mut plic, h, levels) = setup();
    plic.write(0, 4, 7);
    assert_eq!(plic.read(0, 4), 0, "source 0 has no priority");
    plic.write(enable(M0), 4, u32::MAX as u64);
    assert_eq!(
        plic.read(enable(M0), 4),
        0xffff_fffe,
        "source 0 cannot be enabled"
    );
    // Contexts of a second hart do not exist on a one-hart PLIC.
    plic.write(enable(2), 4, 2);
    assert_eq!(plic.read(enable(2), 4), 0);
    assert_eq!(plic.read(claim(3), 4), 0);
    plic.write(claim(3), 4, 1);
    assert_eq!(h.irq_lines(1), 0);
    assert_eq!(h.irq_lines(usize::MAX / 2), 0);
    // Pending is read-only; reserved offsets, odd sizes and misalignment
    // read zero and change nothing.
    plic.write(PENDING, 4, u32::MAX as u64);
    assert_eq!(plic.read(PENDING, 4), 0);
    plic.write(0x104, 4, 5);
    assert_eq!(plic.read(0x104, 4), 0);
    levels.line(1).set(true);
    assert_eq!(plic.read(claim(M0), 1), 0);
    assert_eq!(plic.read(claim(M0) + 2, 4), 0);
    plic.write(threshold(M0), 2, 7);
    assert_eq!(plic.read(threshold(M0), 4), 0);
    assert_eq!(plic.read(PLIC_SIZE - 4, 4), 0);
    complete_with_garbage(&mut plic);
    assert_eq!(
        plic.read(claim(M0), 4),
        1,
        "garbage completions harm nothing"
    );
}

fn complete_with_garbage(plic: &mut Plic) {
    for id in [0, 64, 1000, u32::MAX as u64] {
        plic.write(claim(M0), 4, id);
    }
}

#[test]
fn contexts_of_a_second_hart() {
    let levels = IrqLevels::new();
    let (mut plic, h) = Plic::new(levels.clone(), 2);
    plic.write(4 * 12, 4, 1);
    plic.write(enable(3), 4, 1 << 12); // hart 1 S-mode
    levels.line(12).set(true);
    assert_eq!(h.irq_lines(0), 0);
    assert_eq!(h.irq_lines(1), MIP_SEIP);
    assert_eq!(
        plic.read(threshold(3), 8),
        12 << 32,
        "8-byte access: threshold, then claim"
    );
}

#[test]
fn no_access_panics() {
    let levels = IrqLevels::new();
    let (mut plic, h) = Plic::new(levels.clone(), 1);
    levels.line(63).set(true);
    let ranges = [
        0..0x3000,
        CONTEXT - 0x10..CONTEXT + 0x2010,
        PLIC_SIZE - 0x10..PLIC_SIZE,
    ];
    for offset in ranges.into_iter().flatten() {
        for size in [1, 2, 4, 8] {
            plic.write(offset, size, u64::MAX);
            plic.read(offset, size);
        }
    }
    // The all-ones writes enabled and prioritised everything they could.
    assert_eq!(plic.read(4 * 63, 4), 7);
    assert_eq!(h.irq_lines(0) & MIP_MEIP, 0, "threshold 7 masks all");
}
