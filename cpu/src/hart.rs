//! The hart: architectural state at fixed offsets, plus the bookkeeping the
//! interpreter needs around it.

use heron_mmu::pmp::Pmp;
use heron_mmu::Tlb;

use crate::csr::CsrFile;
use crate::interp::BlockCache;
use crate::trace::Tracer;

/// Privilege levels, numbered as in `mstatus.MPP`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Priv {
    /// User.
    U = 0,
    /// Supervisor.
    S = 1,
    /// Machine.
    M = 3,
}

impl Priv {
    /// Decodes an `MPP`/`SPP`-style field; the reserved value 2 reads as U.
    pub fn from_bits(b: u64) -> Priv {
        match b & 3 {
            3 => Priv::M,
            1 => Priv::S,
            _ => Priv::U,
        }
    }
}

/// TLB context indices (see [`heron_mmu::tlb`]): the translation regime
/// an access runs under. S-mode with and without `SUM` differ in what they
/// may touch, so they get separate contexts instead of a flush per toggle.
pub mod tlb_ctx {
    /// U-mode.
    pub const USER: u8 = 0;
    /// S-mode, SUM clear.
    pub const SUPERVISOR: u8 = 1;
    /// S-mode, SUM set.
    pub const SUPERVISOR_SUM: u8 = 2;
    /// M-mode (no translation).
    pub const MACHINE: u8 = 3;
}

/// An LR's reservation: the physical address it read and the value it saw,
/// which the SC compares (and swaps) against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// Physical address of the reserved word.
    pub pa: u64,
    /// The value LR loaded (zero-extended from the access size).
    pub value: u64,
}

/// What a misaligned ordinary load or store does. The privileged spec
/// allows either: heron emulates them by default (as QEMU does, and as
/// Linux expects of a platform that does not trap them); trapping with
/// "address misaligned" is what Spike does and what riscv-arch-test's
/// reference signatures expect. LR/SC and AMOs always trap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MisalignedAccess {
    /// Performed in hardware, byte by byte where they cross a page.
    #[default]
    Emulate,
    /// Raise a load/store address-misaligned exception.
    Trap,
}

/// Byte offsets of the fields generated code addresses in a [`Hart`],
/// checked at compile time against the layout they assume.
pub mod offsets {
    use super::Hart;
    use std::mem::offset_of;

    /// `x[0]`; register `r` is at `X + 8 * r`.
    pub const X: usize = offset_of!(Hart, x);
    /// `f[0]`; register `r` is at `F + 8 * r`.
    pub const F: usize = offset_of!(Hart, f);
    /// `pc`.
    pub const PC: usize = offset_of!(Hart, pc);
    /// `instret`.
    pub const INSTRET: usize = offset_of!(Hart, instret);
    /// `fflags`.
    pub const FFLAGS: usize = offset_of!(Hart, fflags);
    /// `frm` (a byte).
    pub const FRM: usize = offset_of!(Hart, frm);
    /// `mstatus`.
    pub const MSTATUS: usize = offset_of!(Hart, mstatus);
    /// `fetch_ctx`.
    pub const FETCH_CTX: usize = offset_of!(Hart, fetch_ctx);
    /// `data_ctx`.
    pub const DATA_CTX: usize = offset_of!(Hart, data_ctx);
    /// The soft TLB ([`heron_mmu::tlb::set_offset`] within it).
    pub const TLB: usize = offset_of!(Hart, tlb);
    /// `concurrent_memory` (a `bool`: fences must be host fences).
    pub const CONCURRENT_MEMORY: usize = offset_of!(Hart, concurrent_memory);
    /// `run_end`: the `instret` at which the current run's budget is spent.
    pub const RUN_END: usize = offset_of!(Hart, run_end);
    /// `events_word`: the address of the hart's event word (a `u32`).
    pub const EVENTS_WORD: usize = offset_of!(Hart, events_word);
    /// `jump_table`: the address of the jump cache ([`crate::tier::jump`]).
    pub const JUMP_TABLE: usize = offset_of!(Hart, jump_table);
    /// `chain` (a `bool`): translated code may chain through the jump
    /// cache.
    pub const CHAIN: usize = offset_of!(Hart, chain);

    const _: () = {
        assert!(X == 0 && F == 256 && PC == 512 && INSTRET == 520);
        assert!(FFLAGS == 528 && FRM == 529 && FETCH_CTX == 531 && DATA_CTX == 532);
        assert!(MSTATUS == 536);
        // The TLB's entries are two u64s: keep them 8-aligned.
        assert!(TLB.is_multiple_of(8));
        assert!(std::mem::size_of::<bool>() == 1);
    };
}

/// One RISC-V hart.
///
/// `#[repr(C)]` with the registers, `pc`, the instruction count, `fcsr` and
/// the TLB context first, so generated code can address them at fixed
/// offsets from a `*mut Hart`.
#[repr(C)]
pub struct Hart {
    /// Integer registers; `x[0]` is always 0.
    pub x: [u64; 32],
    /// Floating-point registers (F values NaN-boxed).
    pub f: [u64; 32],
    /// Program counter.
    pub pc: u64,
    /// Instructions retired before the current block.
    pub instret: u64,
    /// `fcsr.fflags`, accrued exception flags.
    pub fflags: u8,
    /// `fcsr.frm`, the dynamic rounding mode.
    pub frm: u8,
    /// Current privilege level.
    pub privilege: Priv,
    /// TLB context for instruction fetch.
    pub fetch_ctx: u8,
    /// TLB context for loads and stores (differs under MPRV).
    pub data_ctx: u8,
    pub(crate) _pad: [u8; 3],
    /// `mstatus` (the `sstatus` view is a mask of it).
    pub mstatus: u64,
    /// Effective `mip` (software bits, device lines and the Sstc timer).
    pub mip: u64,
    /// `mie`.
    pub mie: u64,
    /// The soft TLB (its hit path is the contract generated code shares;
    /// see [`offsets::TLB`]).
    pub(crate) tlb: Tlb,
    /// Every other CSR.
    pub csr: CsrFile,
    /// Physical memory protection.
    pub pmp: Pmp,
    /// LR/SC reservation.
    pub reservation: Option<Reservation>,
    /// Current value of `mtime` (set by the machine; read by `time`).
    pub mtime: u64,
    /// Pre-decoded blocks.
    pub(crate) cache: BlockCache,
    /// Per-instruction trace, when on.
    pub(crate) tracer: Option<Tracer>,
    /// Breakpoints and watchpoints armed by a debugger.
    pub(crate) debug: Option<Box<crate::debug::DebugArm>>,
    /// Serve S-mode `ecall`s in the host (built-in SBI firmware): they end
    /// [`Hart::run`] with [`crate::RunExit::EnvCall`] instead of trapping to M.
    pub firmware_ecalls: bool,
    /// What misaligned ordinary loads and stores do.
    pub misaligned: MisalignedAccess,
    /// Other threads (harts) access guest RAM concurrently, so `fence`s
    /// must be host fences. With one hart nothing can observe the order
    /// of its accesses, and fences stay free.
    pub concurrent_memory: bool,
    /// The exception the executing instruction raised (valid when it
    /// returned `Next::Trap`).
    pub(crate) pending_trap: crate::trap::Trap,
    /// Device interrupt lines into `mip` (MSIP, MTIP, MEIP, SEIP).
    pub(crate) external_irqs: u64,
    /// A store reached a device or a watched word: the run loop returns
    /// [`crate::RunExit::Attention`] before the next instruction.
    pub(crate) needs_machine: bool,
    /// The translating tier hot blocks go to (`--accel jit`), if any.
    pub(crate) tier: Option<crate::tier::Tier>,
    /// Its threshold (a copy where the run loop reads it).
    pub(crate) tier_threshold: u32,
    /// Instructions retired by translated code.
    pub(crate) native_insns: u64,
    /// The lockstep checker (`--jit-check`), when on.
    pub(crate) jit_check: Option<Box<crate::interp::JitCheck>>,
    /// For translated code during a run: the `instret` at which the run's
    /// budget is spent, and the address of the hart's event word.
    pub(crate) run_end: u64,
    pub(crate) events_word: usize,
    /// The jump cache's table (for translated code), and whether
    /// translated code may use it to go straight on to the next block.
    pub(crate) jump_table: usize,
    pub(crate) chain: bool,
    /// How translated code is called (the tier's).
    pub(crate) native_entry: Option<crate::tier::NativeEntry>,
}

impl Hart {
    /// A hart in its reset state: M-mode, `pc` = `reset_pc`, `mhartid` =
    /// `hartid`.
    pub fn new(hartid: u64, reset_pc: u64) -> Box<Hart> {
        let mut h = Box::new(Hart {
            x: [0; 32],
            f: [0; 32],
            pc: reset_pc,
            instret: 0,
            fflags: 0,
            frm: 0,
            privilege: Priv::M,
            fetch_ctx: tlb_ctx::MACHINE,
            data_ctx: tlb_ctx::MACHINE,
            _pad: [0; 3],
            mstatus: crate::csr::MSTATUS_RESET,
            mip: 0,
            mie: 0,
            tlb: Tlb::new(),
            csr: CsrFile::new(hartid),
            pmp: Pmp::default(),
            reservation: None,
            mtime: 0,
            cache: BlockCache::new(),
            tracer: None,
            debug: None,
            firmware_ecalls: false,
            misaligned: MisalignedAccess::Emulate,
            concurrent_memory: false,
            external_irqs: 0,
            needs_machine: false,
            tier: None,
            tier_threshold: u32::MAX,
            native_insns: 0,
            jit_check: None,
            run_end: 0,
            events_word: 0,
            jump_table: 0,
            chain: false,
            native_entry: None,
            pending_trap: crate::trap::Trap::new(0, 0),
        });
        h.jump_table = h.cache.jump_table();
        h.update_contexts();
        h
    }

    /// Hands hot blocks to `tier` (the JIT) from now on. Translations made
    /// by an earlier tier are forgotten first: its code goes with it.
    pub fn set_tier(&mut self, tier: crate::tier::Tier) {
        self.cache.drop_natives();
        self.tier_threshold = tier.threshold();
        self.native_entry = Some(tier.entry());
        self.tier = Some(tier);
    }

    /// The tier's counters with the share of the work translated code
    /// did, if the hart has a tier.
    pub fn tier_stats(&self) -> Option<crate::tier::TierStats> {
        let mut stats = self.tier.as_ref()?.stats();
        stats.native_insns = self.native_insns;
        if let Some((checked, unchecked)) = self.jit_check_counts() {
            stats.checked = checked;
            stats.unchecked = unchecked;
        }
        Some(stats)
    }

    /// The hart's index in the machine (its `mhartid`, which is read-only).
    #[inline]
    pub fn index(&self) -> usize {
        self.csr.mhartid as usize
    }

    /// Writes integer register `r` (writes to x0 are dropped).
    #[inline(always)]
    pub fn set_x(&mut self, r: u8, v: u64) {
        // Two stores beat a data-dependent branch on the hot path.
        self.x[(r & 31) as usize] = v;
        self.x[0] = 0;
    }

    /// Reads integer register `r`.
    #[inline(always)]
    pub fn get_x(&self, r: u8) -> u64 {
        self.x[(r & 31) as usize]
    }

    /// Recomputes the TLB contexts after a change of privilege, `satp` or
    /// `mstatus` (MPRV, MPP, SUM).
    pub fn update_contexts(&mut self) {
        use crate::csr::MSTATUS_SUM;
        let ctx = |p: Priv, sum: bool| match p {
            Priv::M => tlb_ctx::MACHINE,
            Priv::S if sum => tlb_ctx::SUPERVISOR_SUM,
            Priv::S => tlb_ctx::SUPERVISOR,
            Priv::U => tlb_ctx::USER,
        };
        let sum = self.mstatus & MSTATUS_SUM != 0;
        self.fetch_ctx = ctx(self.privilege, sum);
        let data_priv = self.data_priv();
        self.data_ctx = ctx(data_priv, sum);
    }

    /// Effective privilege of loads and stores (`mstatus.MPRV`).
    pub fn data_priv(&self) -> Priv {
        use crate::csr::{MSTATUS_MPP_SHIFT, MSTATUS_MPRV};
        if self.privilege == Priv::M && self.mstatus & MSTATUS_MPRV != 0 {
            Priv::from_bits(self.mstatus >> MSTATUS_MPP_SHIFT)
        } else {
            self.privilege
        }
    }

    /// Sets the device interrupt lines (bits of `mip`: MSIP, MTIP, MEIP, SEIP).
    pub fn set_external_interrupts(&mut self, lines: u64) {
        self.external_irqs = lines & crate::csr::EXTERNAL_IRQ_MASK;
        self.refresh_mip();
    }

    /// Sets `mtime` and re-evaluates the Sstc timer.
    pub fn set_mtime(&mut self, mtime: u64) {
        self.mtime = mtime;
        self.refresh_mip();
    }

    /// Drops all pre-decoded code (after the loader or a device wrote RAM).
    pub fn flush_decoded(&mut self, ram: &heron_mmu::GuestRam) {
        self.cache.flush(ram);
        self.flush_translations();
    }

    /// The soft TLB (to inspect or fill; its entries can only be RAM pages).
    pub fn tlb(&self) -> &Tlb {
        &self.tlb
    }

    /// The soft TLB, mutably.
    pub fn tlb_mut(&mut self) -> &mut Tlb {
        &mut self.tlb
    }

    /// Flushes the trace writer.
    pub fn flush_trace(&mut self) -> std::io::Result<()> {
        match self.tracer.as_mut() {
            Some(t) => t.flush(),
            None => Ok(()),
        }
    }
}
