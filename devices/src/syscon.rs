//! The SiFive test finisher (`sifive,test0`, QEMU's `sifive_test`), which
//! `virt` exposes as a syscon: Linux's `syscon-poweroff` / `syscon-reboot`
//! and OpenSBI's reset driver write magic values to its one register to
//! power off or reset the machine.
//!
//! Register map: offset 0, 32 bits, write-only (reads are zero). The low
//! 16 bits select the action; for FAIL the high 16 bits are the exit code.

use heron_mmu::MmioDevice;

use crate::power::{PowerControl, PowerEvent};

/// Size of the finisher's register block on `virt`.
pub const SIFIVE_TEST_SIZE: u64 = 0x1000;

/// Power off with the code in the upper 16 bits.
const FINISHER_FAIL: u32 = 0x3333;
/// Power off, success.
const FINISHER_PASS: u32 = 0x5555;
/// Reset.
const FINISHER_RESET: u32 = 0x7777;

/// The finisher register block, mapped on the bus; posts its requests to a
/// [`PowerControl`] the machine loop polls.
pub struct SifiveTest {
    power: PowerControl,
}

impl SifiveTest {
    /// A finisher that posts to `power`.
    pub fn new(power: PowerControl) -> Self {
        SifiveTest { power }
    }
}

impl MmioDevice for SifiveTest {
    fn read(&mut self, _offset: u64, _size: u8) -> u64 {
        0
    }

    fn write(&mut self, offset: u64, size: u8, value: u64) {
        // QEMU accepts 16- and 32-bit writes; a 64-bit one is taken as its
        // low word so that `sd` works too. Byte writes cannot hold a command.
        if offset != 0 || size < 2 {
            log::debug!("sifive_test: ignored {size}-byte write at {offset:#x}");
            return;
        }
        // Only the bytes the access carries count (the bus passes the whole
        // source register): a 16-bit store of a register whose upper half is
        // not zero must not turn into a FAIL code.
        let value = if size >= 4 {
            value as u32
        } else {
            value as u32 & 0xffff
        };
        let event = match value & 0xffff {
            FINISHER_PASS => PowerEvent::Shutdown(0),
            FINISHER_FAIL => PowerEvent::Shutdown(value >> 16),
            FINISHER_RESET => PowerEvent::Reboot,
            _ => {
                log::debug!("sifive_test: unknown command {value:#x} ignored");
                return;
            }
        };
        log::debug!("sifive_test: {event:?}");
        self.power.request(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(offset: u64, size: u8, value: u64) -> Option<PowerEvent> {
        let power = PowerControl::new();
        SifiveTest::new(power.clone()).write(offset, size, value);
        power.take()
    }

    #[test]
    fn pass_fail_and_reset() {
        assert_eq!(post(0, 4, 0x5555), Some(PowerEvent::Shutdown(0)));
        assert_eq!(post(0, 4, 0x0007_3333), Some(PowerEvent::Shutdown(7)));
        assert_eq!(post(0, 4, 0xffff_3333), Some(PowerEvent::Shutdown(0xffff)));
        assert_eq!(post(0, 4, 0x7777), Some(PowerEvent::Reboot));
        assert_eq!(post(0, 2, 0x5555), Some(PowerEvent::Shutdown(0)));
        assert_eq!(
            post(0, 2, 0x0007_3333),
            Some(PowerEvent::Shutdown(0)),
            "16-bit write: the code bits are not part of it"
        );
        assert_eq!(
            post(0, 8, 0xdead_0000_0001_3333),
            Some(PowerEvent::Shutdown(1)),
            "64-bit write: low word"
        );
    }

    #[test]
    fn other_writes_do_nothing() {
        assert_eq!(post(0, 4, 0x1234), None);
        assert_eq!(post(0, 4, 0x5554), None);
        assert_eq!(post(4, 4, 0x5555), None, "wrong offset");
        assert_eq!(post(0, 1, 0x55), None, "byte write");
        let mut dev = SifiveTest::new(PowerControl::new());
        assert_eq!(dev.read(0, 4), 0);
    }
}
