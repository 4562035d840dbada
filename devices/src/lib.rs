//! Device models of heron's `virt`-compatible machine. Each is a plain
//! register-level model behind [`heron_mmu::MmioDevice`]; state the machine
//! loop also needs (interrupt lines, timers) is shared through small handles,
//! never through the CPU.

pub mod clint;
pub mod irq;
pub mod power;

pub use clint::{Clint, ClintHandle};
pub use irq::{IrqLevels, IrqLine};
pub use power::{PowerControl, PowerEvent};
