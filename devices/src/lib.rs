//! Device models of heron's `virt`-compatible machine. Each is a plain
//! register-level model behind [`heron_mmu::MmioDevice`]; state the machine
//! loop also needs (interrupt lines, timers) is shared through small handles,
//! never through the CPU.

pub mod clint;
pub mod irq;
pub mod plic;
pub mod power;
pub mod rtc;
pub mod syscon;
pub mod uart;
pub mod virtio;

pub use clint::{Clint, ClintHandle};
pub use irq::{IrqLevels, IrqLine};
pub use plic::{Plic, PlicHandle};
pub use power::{PowerControl, PowerEvent};
pub use rtc::{GoldfishRtc, SystemClock, WallClock};
pub use syscon::SifiveTest;
pub use uart::{Uart, UartHandle};
