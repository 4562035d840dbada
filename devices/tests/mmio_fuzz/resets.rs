//! After a storm of random accesses: the register sequence a driver uses
//! to bring each device back to a known state, then the documented reset
//! values, then one thing the device must still do.

use proptest::prelude::*;

use crate::rig::*;

pub fn check_all(r: &mut Rig) -> Result<(), TestCaseError> {
    uart(r)?;
    plic(r)?;
    clint(r)?;
    rtc(r)?;
    virtio(r)
}

fn uart(r: &mut Rig) -> Result<(), TestCaseError> {
    // DLAB off, interrupts off, FIFOs off, modem control (loopback) off.
    for (reg, v) in [(3, 0), (1, 0), (2, 0), (4, 0)] {
        r.write(UART, reg, 1, v);
    }
    // Drain what loopback queued (bounded by the FIFO and host backlog).
    for _ in 0..16 + 4096 + 1 {
        if r.read(UART, 5, 1) & 1 == 0 {
            break;
        }
        r.read(UART, 0, 1);
    }
    prop_assert_eq!(r.read(UART, 5, 1), 0x60, "LSR: empty, nothing received");
    r.read(UART, 6, 1);
    prop_assert_eq!(r.read(UART, 6, 1), 0xb0, "MSR: CTS, DSR, DCD, no deltas");
    prop_assert_eq!(r.read(UART, 2, 1), 0x01, "IIR: no interrupt, FIFOs off");
    for reg in [1, 3, 4] {
        prop_assert_eq!(r.read(UART, reg, 1), 0, "register {} reads back 0", reg);
    }
    prop_assert!(!r.level(UART_IRQ), "UART interrupt line low");
    Ok(())
}

fn plic(r: &mut Rig) -> Result<(), TestCaseError> {
    let contexts = 2 * HARTS as u64;
    for ctx in 0..contexts {
        r.write(PLIC, 0x2000 + 0x80 * ctx, 8, 0);
        r.write(PLIC, 0x20_0000 + 0x1000 * ctx, 4, 0);
    }
    for src in 1..64 {
        r.write(PLIC, 4 * src, 4, 0);
    }
    for ctx in 0..contexts {
        prop_assert_eq!(
            r.read(PLIC, 0x20_0004 + 0x1000 * ctx, 4),
            0,
            "nothing enabled"
        );
    }
    for hart in 0..HARTS {
        prop_assert_eq!(r.plic.irq_lines(hart), 0);
    }
    // A held source, enabled on hart 0's M context and completed in case
    // the storm left it claimed, is claimable again.
    let Some(src) = (2..64u64).find(|&s| r.held & (1 << s) != 0) else {
        return Ok(());
    };
    r.write(PLIC, 4 * src, 4, 1);
    r.write(PLIC, 0x2000, 8, 1 << src);
    r.write(PLIC, 0x20_0004, 4, src);
    prop_assert_eq!(r.plic.irq_lines(0), heron_devices::plic::MIP_MEIP);
    prop_assert_eq!(r.read(PLIC, 0x20_0004, 4), src, "claim");
    prop_assert_eq!(r.plic.irq_lines(0), 0, "in service until completed");
    Ok(())
}

fn clint(r: &mut Rig) -> Result<(), TestCaseError> {
    for hart in 0..HARTS as u64 {
        r.write(CLINT, 0x4000 + 8 * hart, 8, u64::MAX);
        r.write(CLINT, 4 * hart, 4, 0);
    }
    r.clint.set_clock(1000);
    r.write(CLINT, 0xbff8, 8, 5);
    prop_assert_eq!(r.read(CLINT, 0xbff8, 8), 5);
    prop_assert_eq!(r.clint.mtime(), 5);
    for hart in 0..HARTS {
        prop_assert_eq!(r.clint.lines(hart), 0, "no timer or software interrupt");
    }
    r.write(CLINT, 0x4000, 4, 5);
    r.write(CLINT, 0x4004, 4, 0);
    prop_assert_eq!(r.read(CLINT, 0x4000, 8), 5);
    prop_assert_eq!(r.clint.lines(0), heron_devices::clint::MIP_MTIP);
    r.write(CLINT, 4, 4, 1);
    prop_assert_eq!(r.clint.lines(1), heron_devices::clint::MIP_MSIP);
    Ok(())
}

fn rtc(r: &mut Rig) -> Result<(), TestCaseError> {
    r.write(RTC, 0x14, 4, 1);
    prop_assert_eq!(r.read(RTC, 0x18, 4), 0, "alarm cleared");
    r.write(RTC, 0x10, 4, 0);
    prop_assert_eq!(r.read(RTC, 0x10, 4), 0, "interrupt disabled");
    let t = 0x0123_4567_89ab_cdef;
    r.write(RTC, 0, 8, t);
    prop_assert_eq!(r.read(RTC, 0, 8), t, "time set (the clock is fixed)");
    prop_assert_eq!(r.read(RTC, 4, 4), t >> 32, "TIME_HIGH latched");
    Ok(())
}

fn virtio(r: &mut Rig) -> Result<(), TestCaseError> {
    r.write(VIRTIO, 0x70, 4, 0);
    prop_assert_eq!(r.read(VIRTIO, 0x70, 4), 0, "status after reset");
    prop_assert_eq!(r.read(VIRTIO, 0x60, 4), 0, "no interrupt after reset");
    prop_assert_eq!(r.read(VIRTIO, 0x44, 4), 0, "queue 0 not ready after reset");
    prop_assert_eq!(r.read(VIRTIO, 0x34, 4), 256, "QueueNumMax of queue 0");
    prop_assert!(!r.level(VIRTIO_IRQ), "virtio interrupt line low");
    r.write(VIRTIO, 0x14, 4, 1);
    prop_assert_eq!(r.read(VIRTIO, 0x10, 4) & 1, 1, "VERSION_1 offered");
    Ok(())
}
