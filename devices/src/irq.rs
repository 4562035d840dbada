//! Interrupt lines from devices into the PLIC.
//!
//! Each PLIC source (1..=63) is one bit of a shared level word: a device
//! holds an [`IrqLine`] and sets its level; the PLIC samples
//! [`IrqLevels::levels`] when the machine loop asks which contexts have a
//! pending interrupt. Levels rather than edges, because the PLIC gateway
//! re-raises a level-triggered source after completion while it stays high.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The levels of all interrupt sources.
#[derive(Clone, Debug, Default)]
pub struct IrqLevels(Arc<AtomicU64>);

/// One device's interrupt output.
#[derive(Clone, Debug)]
pub struct IrqLine {
    levels: Arc<AtomicU64>,
    bit: u64,
}

impl IrqLevels {
    /// All lines low.
    pub fn new() -> Self {
        Self::default()
    }

    /// The line of PLIC source `source` (1..=63).
    pub fn line(&self, source: u32) -> IrqLine {
        assert!(
            (1..64).contains(&source),
            "PLIC source {source} out of range"
        );
        IrqLine {
            levels: self.0.clone(),
            bit: 1 << source,
        }
    }

    /// Bit `n` is the level of source `n`.
    pub fn levels(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

impl IrqLine {
    /// Drives the line high (`true`) or low.
    pub fn set(&self, high: bool) {
        if high {
            self.levels.fetch_or(self.bit, Ordering::AcqRel);
        } else {
            self.levels.fetch_and(!self.bit, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_set_their_own_bit() {
        let levels = IrqLevels::new();
        let uart = levels.line(10);
        let blk = levels.line(1);
        uart.set(true);
        blk.set(true);
        assert_eq!(levels.levels(), (1 << 10) | (1 << 1));
        uart.set(false);
        assert_eq!(levels.levels(), 1 << 1);
    }
}
