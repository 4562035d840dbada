//! heron's memory system: everything between a virtual address and a byte of
//! guest state.
//!
//! * [`GuestRam`]: guest RAM, one anonymous host mapping.
//! * [`host_mem`]: race-free (relaxed atomic) accesses to guest RAM through
//!   host pointers, the only way RAM is touched.
//! * [`Bus`]: the physical address space — RAM plus MMIO ranges dispatched to
//!   [`MmioDevice`] trait objects.
//! * [`walk`]: the Sv39/Sv48/Sv57 page-table walker with permission checks and
//!   hardware A/D updates.
//! * [`Tlb`]: the software TLB whose hit path (index, tag compare, host
//!   addend) is shared by the interpreter and the JIT.
//! * [`pmp`]: physical memory protection checks.
//! * [`events`]: per-hart event words through which devices, DMA and other
//!   harts reach a running hart.
//!
//! Backend-neutral (a KVM vCPU uses them too): [`ram`], [`host_mem`],
//! [`bus`], [`events`]. The software MMU (the interpreter's and the JIT's):
//! [`walk`], [`tlb`], [`pmp`].

pub mod bus;
pub mod events;
pub mod host_mem;
pub mod pmp;
pub mod ram;
pub mod tlb;
pub mod walk;

pub use bus::{Bus, BusError, MmioDevice};
pub use events::HartEvents;
pub use ram::{GuestMemory, GuestRam, OutOfRange, RamError, RamPage};
pub use tlb::{Tlb, TlbEntry, TlbSet};
pub use walk::{PagingMode, Translation, WalkFault};

/// The kind of a memory access, as the privileged spec distinguishes them for
/// permission checks and fault causes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Instruction fetch.
    Fetch,
    /// Data read (loads, LR, the read half of an AMO is a store for faults).
    Load,
    /// Data write (stores, SC, AMOs).
    Store,
}

/// Page size used by the soft TLB and the RAM page bookkeeping.
pub const PAGE_SHIFT: u32 = 12;
/// 4 KiB.
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
