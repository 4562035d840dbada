//! heron's RISC-V hart: instruction decoding, the interpreter tier, CSRs,
//! traps and interrupts, and the floating-point unit.
//!
//! Data flow: instruction bytes (fetched through [`heron_mmu`]) →
//! [`decode`] → pre-decoded blocks ([`interp`]) → [`exec`]uted against the
//! [`Hart`], whose loads and stores go through the soft TLB and, on a miss,
//! the page-table walker and the bus.

pub mod csr;
pub mod debug;
pub mod debug_regs;
pub mod decode;
pub mod disasm;
mod exec;
pub mod fpu;
pub mod hart;
pub mod interp;
mod mem;
pub mod tier;
pub mod trace;
pub mod trap;
pub mod vcpu;

pub use hart::{Hart, MisalignedAccess, Priv, Reservation};
pub use interp::RunExit;
pub use trap::Trap;
pub use vcpu::Vcpu;
