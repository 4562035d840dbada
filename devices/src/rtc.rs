//! The Goldfish RTC (Android emulator's real-time clock, `google,goldfish-rtc`),
//! which QEMU's `virt` uses as its wall clock; Linux's `rtc-goldfish` reads
//! it at boot to set the system time.
//!
//! Register map (32-bit registers; Android emulator "GOLDFISH-VIRTUAL-HARDWARE"
//! document, section "Goldfish real-time clock"):
//!
//! | offset | register                                                   |
//! |--------|------------------------------------------------------------|
//! | 0x00   | TIME_LOW: low half of ns since the Unix epoch; reading it latches TIME_HIGH |
//! | 0x04   | TIME_HIGH: the latched high half                            |
//! | 0x08   | ALARM_LOW, 0x0c ALARM_HIGH                                  |
//! | 0x10   | IRQ_ENABLED                                                 |
//! | 0x14   | CLEAR_ALARM (write)                                         |
//! | 0x18   | ALARM_STATUS (read: 1 while an alarm is armed)              |
//! | 0x1c   | CLEAR_INTERRUPT (write)                                     |
//!
//! Writing TIME_HIGH then TIME_LOW sets the clock (kept as an offset from
//! the host clock, which is never touched). Alarms are stored but never
//! fire: heron wires no RTC interrupt yet.

use std::time::{SystemTime, UNIX_EPOCH};

use heron_mmu::MmioDevice;

/// Size of the RTC's register block on `virt`.
pub const GOLDFISH_RTC_SIZE: u64 = 0x1000;

const TIME_LOW: u64 = 0x00;
const TIME_HIGH: u64 = 0x04;
const ALARM_LOW: u64 = 0x08;
const ALARM_HIGH: u64 = 0x0c;
const IRQ_ENABLED: u64 = 0x10;
const CLEAR_ALARM: u64 = 0x14;
const ALARM_STATUS: u64 = 0x18;
const CLEAR_INTERRUPT: u64 = 0x1c;

/// A source of wall-clock time for the RTC.
pub trait WallClock: Send {
    /// Nanoseconds since the Unix epoch.
    fn now_ns(&self) -> u64;
}

/// The host's clock ([`SystemTime`]); a host clock before 1970 reads 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn now_ns(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// Any `Fn() -> u64` (ns since the epoch) is a clock, e.g. a fixed time for
/// repeatable runs and tests.
impl<F: Fn() -> u64 + Send> WallClock for F {
    fn now_ns(&self) -> u64 {
        self()
    }
}

/// The Goldfish RTC register block, mapped on the bus.
pub struct GoldfishRtc {
    clock: Box<dyn WallClock>,
    /// Guest time minus clock time (wrapping), set by guest writes.
    offset: u64,
    /// TIME_HIGH as latched by the last TIME_LOW read.
    time_high: u32,
    /// TIME_HIGH as written by the guest, used by the next TIME_LOW write.
    set_high: u32,
    alarm: u64,
    alarm_armed: bool,
    irq_enabled: u32,
}

impl GoldfishRtc {
    /// An RTC reading `clock`.
    pub fn new(clock: Box<dyn WallClock>) -> Self {
        GoldfishRtc {
            clock,
            offset: 0,
            time_high: 0,
            set_high: 0,
            alarm: 0,
            alarm_armed: false,
            irq_enabled: 0,
        }
    }

    fn now(&self) -> u64 {
        self.clock.now_ns().wrapping_add(self.offset)
    }

    fn read32(&mut self, offset: u64) -> u32 {
        match offset {
            TIME_LOW => {
                let now = self.now();
                self.time_high = (now >> 32) as u32;
                now as u32
            }
            TIME_HIGH => self.time_high,
            ALARM_LOW => self.alarm as u32,
            ALARM_HIGH => (self.alarm >> 32) as u32,
            IRQ_ENABLED => self.irq_enabled,
            ALARM_STATUS => self.alarm_armed as u32,
            _ => 0,
        }
    }

    fn write32(&mut self, offset: u64, value: u32) {
        match offset {
            TIME_HIGH => self.set_high = value,
            TIME_LOW => {
                let wanted = (self.set_high as u64) << 32 | value as u64;
                self.offset = wanted.wrapping_sub(self.clock.now_ns());
            }
            ALARM_HIGH => self.alarm = (self.alarm & 0xffff_ffff) | (value as u64) << 32,
            ALARM_LOW => {
                // Writing the low half arms the alarm, as on Goldfish.
                self.alarm = (self.alarm & !0xffff_ffff) | value as u64;
                self.alarm_armed = true;
            }
            IRQ_ENABLED => self.irq_enabled = value & 1,
            CLEAR_ALARM => self.alarm_armed = false,
            CLEAR_INTERRUPT => {} // no interrupt is ever raised
            _ => log::debug!("goldfish_rtc: write to unknown offset {offset:#x}"),
        }
    }
}

impl MmioDevice for GoldfishRtc {
    fn read(&mut self, offset: u64, size: u8) -> u64 {
        match size {
            4 if offset.is_multiple_of(4) => self.read32(offset) as u64,
            // Low word first, so TIME_LOW latches the TIME_HIGH returned.
            8 if offset.is_multiple_of(8) => {
                let low = self.read32(offset) as u64;
                low | (self.read32(offset + 4) as u64) << 32
            }
            _ => {
                log::debug!("goldfish_rtc: ignored {size}-byte read at {offset:#x}");
                0
            }
        }
    }

    fn write(&mut self, offset: u64, size: u8, value: u64) {
        match size {
            4 if offset.is_multiple_of(4) => self.write32(offset, value as u32),
            // High word first, so a 64-bit TIME write sets the whole time.
            8 if offset.is_multiple_of(8) => {
                self.write32(offset + 4, (value >> 32) as u32);
                self.write32(offset, value as u32);
            }
            _ => log::debug!("goldfish_rtc: ignored {size}-byte write at {offset:#x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use std::sync::Arc;

    use super::*;

    /// An RTC on a clock the test moves.
    fn rtc_at(ns: u64) -> (GoldfishRtc, Arc<AtomicU64>) {
        let time = Arc::new(AtomicU64::new(ns));
        let t = time.clone();
        (GoldfishRtc::new(Box::new(move || t.load(Relaxed))), time)
    }

    #[test]
    fn time_low_latches_time_high() {
        let (mut rtc, time) = rtc_at(0x1234_5678_9abc_def0);
        assert_eq!(rtc.read(TIME_HIGH, 4), 0, "nothing latched yet");
        assert_eq!(rtc.read(TIME_LOW, 4), 0x9abc_def0);
        time.store(0x1234_5679_0000_0001, Relaxed);
        assert_eq!(rtc.read(TIME_HIGH, 4), 0x1234_5678, "latched, not live");
        assert_eq!(rtc.read(TIME_LOW, 4), 1);
        assert_eq!(rtc.read(TIME_HIGH, 4), 0x1234_5679);
        assert_eq!(rtc.read(TIME_LOW, 8), 0x1234_5679_0000_0001);
    }

    #[test]
    fn guest_sets_the_time() {
        let (mut rtc, time) = rtc_at(1_000);
        rtc.write(TIME_HIGH, 4, 0x10);
        rtc.write(TIME_LOW, 4, 0x20);
        time.store(1_500, Relaxed);
        assert_eq!(rtc.read(TIME_LOW, 8), (0x10 << 32) + 0x20 + 500);
        rtc.write(TIME_LOW, 8, 5_000);
        assert_eq!(rtc.read(TIME_LOW, 8), 5_000);
    }

    #[test]
    fn alarm_and_interrupt_registers_are_harmless() {
        let (mut rtc, _) = rtc_at(42);
        assert_eq!(rtc.read(ALARM_STATUS, 4), 0);
        rtc.write(ALARM_HIGH, 4, 1);
        rtc.write(ALARM_LOW, 4, 2);
        assert_eq!(rtc.read(ALARM_STATUS, 4), 1);
        assert_eq!(rtc.read(ALARM_LOW, 8), (1 << 32) | 2);
        rtc.write(IRQ_ENABLED, 4, 0xffff_ffff);
        assert_eq!(rtc.read(IRQ_ENABLED, 4), 1);
        rtc.write(CLEAR_INTERRUPT, 4, 1);
        rtc.write(CLEAR_ALARM, 4, 1);
        assert_eq!(rtc.read(ALARM_STATUS, 4), 0);
        assert_eq!(rtc.read(CLEAR_INTERRUPT, 4), 0);
        rtc.write(0x800, 4, 1);
        assert_eq!(rtc.read(0x800, 4), 0);
        assert_eq!(rtc.read(TIME_LOW + 1, 1), 0, "sub-word access ignored");
        assert_eq!(rtc.read(TIME_LOW, 8), 42, "time unaffected");
    }

    #[test]
    fn system_clock_is_after_2020() {
        const JAN_2020_NS: u64 = 1_577_836_800 * 1_000_000_000;
        let mut rtc = GoldfishRtc::new(Box::new(SystemClock));
        assert!(rtc.read(TIME_LOW, 8) > JAN_2020_NS);
    }
}
