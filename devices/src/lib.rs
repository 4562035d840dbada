//! Device models of heron's `virt`-compatible machine. Each is a plain
//! register-level model behind [`heron_mmu::MmioDevice`]; state the machine
//! loop also needs (interrupt lines, timers) is shared through small handles,
//! never through the CPU.

pub mod clint;

pub use clint::{Clint, ClintHandle};
