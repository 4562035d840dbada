//! heron's built-in firmware: what OpenSBI and QEMU's boot code do for a
//! Linux guest, done in the host.
//!
//! * [`sbi`]: the Supervisor Binary Interface (SBI spec v2.0) served when the
//!   hart's S-mode `ecall`s end [`heron_cpu::Hart::run`] with
//!   [`heron_cpu::RunExit::EnvCall`].
//! * [`setup`]: the machine-mode state the firmware leaves behind when it
//!   jumps to the kernel (trap delegation, counters, PMP, Sstc).
//! * [`fdt`]: the flattened device tree describing the machine.
//! * [`image`]: loading a RISC-V Linux `Image`, ELF or raw-binary kernel, and
//!   placing the initrd and the device tree in RAM.
//! * [`boot`]: all of the above in the order a boot needs them.

#![warn(missing_docs)]

pub mod boot;
pub mod elf;
pub mod fdt;
pub mod image;
pub mod sbi;
pub mod setup;

pub use boot::{load_linux, BootError, LinuxBoot};
pub use fdt::{build_dtb, FdtError, MachineDescription};
pub use image::{load_kernel, raw_kernel_address, ImageError, KernelFormat, KernelInfo};
pub use sbi::{HartState, Hsm, Resume, Sbi, SbiConsole, SbiOutcome};
pub use setup::{firmware_boot, resume_hart, start_hart};
