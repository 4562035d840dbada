//! The architecture gdbstub serves: `gdbstub_arch`'s riscv64 registers and
//! numbering, except that the `priv` virtual register travels as 64 bits
//! (as QEMU sends it), so that gdb prints `$priv` as a number rather than
//! as a character.

use core::num::NonZeroUsize;

use gdbstub::arch::{Arch, RegId};
use gdbstub_arch::riscv::reg::id::RiscvRegId;
use gdbstub_arch::riscv::reg::RiscvCoreRegs;

/// riscv64 as heron serves it.
pub(super) enum HeronRiscv64 {}

impl Arch for HeronRiscv64 {
    type Usize = u64;
    type Registers = RiscvCoreRegs<u64>;
    type BreakpointKind = usize;
    type RegId = HeronRegId;

    /// None: the target supplies its own (see [`super::xml`]).
    fn target_description_xml() -> Option<&'static str> {
        None
    }
}

/// A register by gdb number.
#[derive(Clone, Copy, Debug)]
pub(super) struct HeronRegId(pub(super) RiscvRegId<u64>);

impl RegId for HeronRegId {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        let (reg, size) = RiscvRegId::<u64>::from_raw_id(id)?;
        let size = match reg {
            RiscvRegId::Priv => NonZeroUsize::new(8),
            _ => size,
        };
        Some((HeronRegId(reg), size))
    }
}
