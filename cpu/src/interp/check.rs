//! `--jit-check`: the lockstep differential checker. Each execution of
//! translated code runs twice from the same state — first the host code,
//! then the interpreter, block after block from the same one, for as many
//! instructions as the host code retired (round loops and through the
//! blocks of its unit) — and the two outcomes are compared:
//! registers, `pc`, `instret`, privilege, every CSR, the reservation, how
//! the block ended, and the bytes each run wrote. Between the runs the
//! hart's state is restored and the memory the first run wrote is put back
//! from a journal of old values.
//!
//! What makes that possible: while checking, stores never use the store
//! TLB (so every write, inline or not, reaches the slow path, which
//! journals it), and an access to a device stops the run before it happens
//! (internal cause [`CAUSE_CHECK_DEVICE`]): a device access cannot be
//! undone, so such an execution is put back and run once by the
//! interpreter, unchecked, and counted as such. Harts run one at a time
//! (the machine interleaves them on one thread), so no other writer can
//! move memory between the two runs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use heron_mmu::pmp::Pmp;
use heron_mmu::Bus;

use super::BlockEnd;
use crate::csr::CsrFile;
use crate::decode::Op;
use crate::disasm::{disassemble, freg_name, xreg_name};
use crate::hart::{Hart, Priv, Reservation};
use crate::tier::NativeBlock;
use crate::trap::Trap;

/// The internal trap cause of a device access during a checked run (above
/// every architectural cause, like the debugger's).
pub(crate) const CAUSE_CHECK_DEVICE: u64 = (1 << 40) | 2;

/// The checker's state on a hart.
#[derive(Debug, Default)]
pub(crate) struct JitCheck {
    /// The run in progress journals its writes here.
    journal: Option<Vec<Write>>,
    /// Emptied journals, to use again.
    spare: Vec<Vec<Write>>,
    /// Executions compared, and executions run unchecked (a device access).
    pub(crate) checked: u64,
    pub(crate) unchecked: u64,
    /// The first divergence, described.
    pub(crate) report: Option<String>,
}

/// A write of a checked run: `size` bytes at `pa` held `old` before it.
#[derive(Clone, Copy, Debug)]
struct Write {
    pa: u64,
    size: u8,
    old: u64,
}

/// The architectural state the two runs must agree on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ArchState {
    x: [u64; 32],
    f: [u64; 32],
    pc: u64,
    instret: u64,
    fflags: u8,
    frm: u8,
    privilege: Priv,
    mstatus: u64,
    mip: u64,
    mie: u64,
    csr: CsrFile,
    pmp: Pmp,
    reservation: Option<Reservation>,
    needs_machine: bool,
}

impl ArchState {
    fn of(h: &Hart) -> ArchState {
        ArchState {
            x: h.x,
            f: h.f,
            pc: h.pc,
            instret: h.instret,
            fflags: h.fflags,
            frm: h.frm,
            privilege: h.privilege,
            mstatus: h.mstatus,
            mip: h.mip,
            mie: h.mie,
            csr: h.csr.clone(),
            pmp: h.pmp.clone(),
            reservation: h.reservation,
            needs_machine: h.needs_machine,
        }
    }

    fn restore(self, h: &mut Hart) {
        // The TLB caches translations under the current satp and PMP; any
        // other change (privilege, MPRV, SUM) selects another context.
        let flush = h.csr.satp != self.csr.satp || h.pmp != self.pmp;
        h.x = self.x;
        h.f = self.f;
        h.pc = self.pc;
        h.instret = self.instret;
        h.fflags = self.fflags;
        h.frm = self.frm;
        h.privilege = self.privilege;
        h.mstatus = self.mstatus;
        h.mip = self.mip;
        h.mie = self.mie;
        h.csr = self.csr;
        h.pmp = self.pmp;
        h.reservation = self.reservation;
        h.needs_machine = self.needs_machine;
        h.update_contexts();
        if flush {
            h.flush_translations();
        }
    }
}

/// How a run ended, comparably.
fn end_name(end: &BlockEnd) -> String {
    match end {
        BlockEnd::Chain => "chain".into(),
        BlockEnd::Sync => "sync".into(),
        BlockEnd::Wait => "wfi".into(),
        BlockEnd::Host(t) => format!("host exit (cause {:#x}, tval {:#x})", t.cause, t.tval),
    }
}

fn is_device_stop(end: &BlockEnd) -> bool {
    matches!(end, BlockEnd::Host(t) if t.cause == CAUSE_CHECK_DEVICE)
}

impl JitCheck {
    fn recording(&self) -> bool {
        self.journal.is_some()
    }
}

/// Puts back what `journal` overwrote, newest first.
fn undo(bus: &Bus, journal: &[Write]) {
    for w in journal.iter().rev() {
        // Journalled writes are to RAM (checked when recorded).
        let _ = bus.ram().store(w.pa, w.size, w.old);
    }
}

/// What RAM holds now where `journal` wrote.
fn now_at(bus: &Bus, journal: &[Write]) -> Vec<u64> {
    journal
        .iter()
        .map(|w| bus.ram().load(w.pa, w.size).unwrap_or(0))
        .collect()
}

/// The bytes `journal` wrote: before (into `old`, first write wins) and
/// after (the values `now_at` read).
fn written_bytes(journal: &[Write], now: &[u64], old: &mut BTreeMap<u64, u8>) -> BTreeMap<u64, u8> {
    let mut bytes = BTreeMap::new();
    for (w, v) in journal.iter().zip(now) {
        for i in 0..w.size as u64 {
            old.entry(w.pa + i).or_insert((w.old >> (8 * i)) as u8);
            bytes.insert(w.pa + i, (v >> (8 * i)) as u8);
        }
    }
    bytes
}

/// Lines for each byte the two runs left differently (each journal with
/// what RAM held after its run).
fn memory_diffs(out: &mut String, native: (&[Write], &[u64]), interp: (&[Write], &[u64])) {
    let same_writes = native.0.len() == interp.0.len()
        && native
            .0
            .iter()
            .zip(interp.0)
            .all(|(a, b)| (a.pa, a.size) == (b.pa, b.size));
    // The common case: the same accesses, so the same bytes, each left
    // with the same value.
    if same_writes && native.1 == interp.1 {
        return;
    }
    let mut original = BTreeMap::new();
    let n = written_bytes(native.0, native.1, &mut original);
    let i = written_bytes(interp.0, interp.1, &mut original);
    for (&pa, &orig) in &original {
        let (a, b) = (
            n.get(&pa).copied().unwrap_or(orig),
            i.get(&pa).copied().unwrap_or(orig),
        );
        if a != b {
            let _ = writeln!(
                out,
                "  memory {pa:#x}: translated {a:#04x}, interpreter {b:#04x} (was {orig:#04x})"
            );
        }
    }
}

impl Hart {
    /// Turns the checker on: from now on every translated block is
    /// checked against the interpreter.
    pub fn enable_jit_check(&mut self) {
        self.jit_check = Some(Box::default());
        self.tlb.flush_stores();
    }

    /// The first divergence the checker found, described (once).
    pub fn take_jit_check_report(&mut self) -> Option<String> {
        self.jit_check.as_mut()?.report.take()
    }

    /// Executions the checker compared and executions it had to leave
    /// unchecked (they touched a device).
    pub fn jit_check_counts(&self) -> Option<(u64, u64)> {
        self.jit_check.as_ref().map(|c| (c.checked, c.unchecked))
    }

    /// Whether stores may use the store TLB (not while checking: every
    /// write must reach the journal).
    #[inline]
    pub(crate) fn store_tlb_allowed(&self) -> bool {
        self.jit_check.is_none()
    }

    /// The access of `size` bytes at physical `pa` (virtual `vaddr`) is
    /// about to happen: during a checked run, a device access stops it and
    /// a RAM write is journalled.
    #[inline]
    pub(crate) fn check_access(
        &mut self,
        bus: &Bus,
        pa: u64,
        vaddr: u64,
        size: u64,
        write: bool,
    ) -> Result<(), Trap> {
        let Some(check) = self.jit_check.as_deref_mut().filter(|c| c.recording()) else {
            return Ok(());
        };
        if !bus.ram().contains(pa, size) {
            return Err(Trap::new(CAUSE_CHECK_DEVICE, vaddr));
        }
        if write {
            let old = bus.ram().load(pa, size as u8).unwrap_or(0);
            if let Some(j) = check.journal.as_mut() {
                j.push(Write {
                    pa,
                    size: size as u8,
                    old,
                });
            }
        }
        Ok(())
    }

    fn start_journal(&mut self) {
        if let Some(c) = self.jit_check.as_deref_mut() {
            c.journal = Some(c.spare.pop().unwrap_or_default());
        }
    }

    fn recycle(&mut self, mut journal: Vec<Write>) {
        if let Some(c) = self.jit_check.as_deref_mut() {
            journal.clear();
            c.spare.push(journal);
        }
    }

    fn stop_journal(&mut self) -> Vec<Write> {
        self.jit_check
            .as_deref_mut()
            .and_then(|c| c.journal.take())
            .unwrap_or_default()
    }

    /// Runs translated `native` (made of `ops`) and the interpreter from the
    /// same state and compares them; a divergence ends the block as a
    /// host exit the run loop reports ([`super::RunExit::JitDiverged`]).
    #[inline(never)]
    pub(super) fn exec_checked(&mut self, bus: &Bus, native: NativeBlock, ops: &[Op]) -> BlockEnd {
        let before = ArchState::of(self);
        self.start_journal();
        let end_native = self.exec_native(bus, native);
        let journal_native = self.stop_journal();
        if is_device_stop(&end_native) {
            undo(bus, &journal_native);
            self.recycle(journal_native);
            before.restore(self);
            if let Some(c) = self.jit_check.as_deref_mut() {
                c.unchecked += 1;
            }
            return self.exec_block::<false>(bus, ops);
        }
        let after_native = ArchState::of(self);
        let mem_native = now_at(bus, &journal_native);
        undo(bus, &journal_native);
        let retired = after_native.instret.wrapping_sub(before.instret);
        let start_pc = before.pc;
        before.clone().restore(self);

        self.start_journal();
        let (end_interp, path) = self.interpret_unit(bus, ops, retired);
        let journal_interp = self.stop_journal();
        let after_interp = ArchState::of(self);
        let mem_interp = now_at(bus, &journal_interp);

        let mut diffs = String::new();
        if end_native != end_interp {
            let (en, ei) = (end_name(&end_native), end_name(&end_interp));
            let _ = writeln!(diffs, "  ended: translated {en}, interpreter {ei}");
        }
        if after_native != after_interp {
            state_diffs(&mut diffs, &after_native, &after_interp);
        }
        memory_diffs(
            &mut diffs,
            (&journal_native, &mem_native),
            (&journal_interp, &mem_interp),
        );
        self.recycle(journal_native);
        self.recycle(journal_interp);
        let hart = self.index();
        let Some(check) = self.jit_check.as_deref_mut() else {
            return end_interp;
        };
        check.checked += 1;
        if diffs.is_empty() {
            return end_interp;
        }
        let listing = self.listing(bus, &path);
        let mut report = format!(
            "translated code diverged from the interpreter on hart {hart} (unit entered at \
             {start_pc:#x}, {retired} instructions retired; state before: privilege {:?}, \
             instret {}); the interpreter ran:\n",
            before.privilege, before.instret
        );
        report.push_str(&listing);
        report.push_str(&diffs);
        if let Some(check) = self.jit_check.as_deref_mut() {
            check.report = Some(report);
        }
        BlockEnd::Host(Trap::new(CAUSE_CHECK_DIVERGED, start_pc))
    }

    /// Interprets the blocks from `ops` (the one at `pc`) on, block after
    /// block as the run loop would, while they chain and fewer than
    /// `retired` instructions retired: what one call of translated code
    /// did (it goes round loops and from block to block of its unit).
    /// Also returns where the first blocks it ran start, for a report.
    fn interpret_unit(&mut self, bus: &Bus, ops: &[Op], retired: u64) -> (BlockEnd, Path) {
        let start = self.instret;
        let mut path = Path::default();
        let mut ops = ops;
        loop {
            path.push(self.pc);
            let end = self.exec_block::<false>(bus, ops);
            let done = self.instret.wrapping_sub(start);
            if !matches!(end, BlockEnd::Chain) || done >= retired {
                return (end, path);
            }
            let found = match self.block_at(bus, self.pc) {
                Ok(found) => found,
                Err(_) => return (end, path),
            };
            // SAFETY: as in `run_block`: `n` ops of a block that stays
            // allocated until the next `block_at` call; `ops` is used only
            // before that.
            ops = unsafe { std::slice::from_raw_parts(found.ops, found.n) };
        }
    }

    /// The blocks at `path`, disassembled (looked up again: only a report
    /// needs them).
    fn listing(&mut self, bus: &Bus, path: &Path) -> String {
        let mut out = String::new();
        for &pc in &path.starts[..path.len] {
            match self.block_at(bus, pc) {
                // SAFETY: as in `interpret_unit`.
                Ok(b) => list_block(&mut out, pc, unsafe {
                    std::slice::from_raw_parts(b.ops, b.n)
                }),
                Err(_) => {
                    let _ = writeln!(out, "    {pc:#x}: (no longer fetchable)");
                }
            }
        }
        out
    }
}

/// Where the first blocks of a checked execution start (no allocation:
/// every execution records one).
#[derive(Default)]
struct Path {
    starts: [u64; MAX_SHOWN_BLOCKS],
    len: usize,
}

impl Path {
    fn push(&mut self, pc: u64) {
        if self.len < MAX_SHOWN_BLOCKS {
            self.starts[self.len] = pc;
            self.len += 1;
        }
    }
}

/// Blocks a divergence report lists at most.
const MAX_SHOWN_BLOCKS: usize = 16;

fn list_block(out: &mut String, mut pc: u64, ops: &[Op]) {
    for op in ops {
        let text = disassemble(op.raw, pc).replace('\t', " ");
        let _ = writeln!(out, "    {pc:#x}: {text}");
        pc = pc.wrapping_add(op.len as u64);
    }
}

/// The internal cause that ends a run after a divergence.
pub(crate) const CAUSE_CHECK_DIVERGED: u64 = (1 << 40) | 3;

/// Lines for each field where `n` (translated) and `i` (interpreter)
/// differ.
fn state_diffs(out: &mut String, n: &ArchState, i: &ArchState) {
    let mut line = |what: &str, a: String, b: String| {
        if a != b {
            let _ = writeln!(out, "  {what}: translated {a}, interpreter {b}");
        }
    };
    for r in 1..32 {
        let name = format!("x{r} ({})", xreg_name(r as u8));
        line(&name, format!("{:#x}", n.x[r]), format!("{:#x}", i.x[r]));
    }
    for r in 0..32 {
        let name = format!("f{r} ({})", freg_name(r as u8));
        line(&name, format!("{:#x}", n.f[r]), format!("{:#x}", i.f[r]));
    }
    line("pc", format!("{:#x}", n.pc), format!("{:#x}", i.pc));
    line("instret", n.instret.to_string(), i.instret.to_string());
    line(
        "fflags",
        format!("{:#x}", n.fflags),
        format!("{:#x}", i.fflags),
    );
    line("frm", n.frm.to_string(), i.frm.to_string());
    line(
        "privilege",
        format!("{:?}", n.privilege),
        format!("{:?}", i.privilege),
    );
    line(
        "mstatus",
        format!("{:#x}", n.mstatus),
        format!("{:#x}", i.mstatus),
    );
    line("mip", format!("{:#x}", n.mip), format!("{:#x}", i.mip));
    line("mie", format!("{:#x}", n.mie), format!("{:#x}", i.mie));
    line("csrs", format!("{:x?}", n.csr), format!("{:x?}", i.csr));
    line("pmp", format!("{:?}", n.pmp), format!("{:?}", i.pmp));
    line(
        "reservation",
        format!("{:x?}", n.reservation),
        format!("{:x?}", i.reservation),
    );
    line(
        "device attention",
        n.needs_machine.to_string(),
        i.needs_machine.to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tier::{exit, NativeEntry, Tier, TierStats, Translator};
    use std::ptr::NonNull;

    /// The fakes' blocks are Rust functions with the C ABI.
    type NativeFn = unsafe extern "C" fn(*mut Hart, *const Bus) -> u32;

    /// Calls such a block.
    unsafe extern "C" fn c_entry(hart: *mut Hart, bus: *const Bus, code: *const u8) -> u32 {
        // SAFETY: every block of `Fixed` is a `NativeFn`.
        let f = unsafe { std::mem::transmute::<*const u8, NativeFn>(code) };
        // SAFETY: the run loop's pointers, passed on.
        unsafe { f(hart, bus) }
    }
    use crate::RunExit;
    use heron_mmu::GuestRam;

    const BASE: u64 = 0x8000_0000;

    /// Returns the same host function for every block.
    struct Fixed(NativeFn);

    impl Translator for Fixed {
        fn stats(&self) -> TierStats {
            TierStats::default()
        }
        fn entry(&self) -> NativeEntry {
            c_entry
        }
        fn translate(&mut self, _unit: &crate::tier::Unit) -> Option<NativeBlock> {
            let code = NonNull::new(self.0 as *mut u8)?;
            // SAFETY: the functions below keep the contract for the one
            // block the tests run (`addi a0, a0, 1; j .-4`), called
            // through `c_entry`.
            Some(unsafe { NativeBlock::new(code) })
        }
        fn take_reset(&mut self) -> bool {
            false
        }
        fn reset(&mut self) {}
    }

    /// The block right: one trip, back to its start.
    unsafe extern "C" fn right(hart: *mut Hart, _bus: *const Bus) -> u32 {
        // SAFETY: the run loop passes its hart.
        let h = unsafe { &mut *hart };
        h.x[10] = h.x[10].wrapping_add(1);
        h.instret += 2;
        exit::CHAIN
    }

    /// The block with a wrong sum and a store the interpreter does not make.
    unsafe extern "C" fn wrong(hart: *mut Hart, bus: *const Bus) -> u32 {
        // SAFETY: the run loop passes its hart and bus.
        let (h, bus) = unsafe { (&mut *hart, &*bus) };
        h.x[10] = 42;
        h.instret += 2;
        let _ = h.store(bus, BASE + 0x100, 1, 0x5a);
        exit::CHAIN
    }

    fn machine(f: NativeFn) -> (Box<Hart>, Bus) {
        let bus = Bus::new(GuestRam::new(BASE, 1 << 20).expect("RAM"));
        // addi a0, a0, 1; jal x0, -4
        bus.ram().store(BASE, 4, 0x0015_0513).expect("RAM");
        bus.ram().store(BASE + 4, 4, 0xffdf_f06f).expect("RAM");
        let mut hart = Hart::new(0, BASE);
        hart.set_tier(Tier::inline(Box::new(Fixed(f)), 1));
        hart.enable_jit_check();
        (hart, bus)
    }

    #[test]
    fn matching_translations_run_on_and_are_counted() {
        let (mut hart, bus) = machine(right);
        assert_eq!(hart.run(&bus, 1000), RunExit::Budget);
        let (checked, unchecked) = hart.jit_check_counts().expect("on");
        assert!(checked > 400, "{checked} executions checked");
        assert_eq!(unchecked, 0);
        assert_eq!(hart.x[10], hart.instret / 2, "one add per trip");
    }

    #[test]
    fn a_divergence_stops_the_run_with_a_report() {
        let (mut hart, bus) = machine(wrong);
        assert_eq!(hart.run(&bus, 1000), RunExit::JitDiverged);
        let report = hart.take_jit_check_report().expect("a report");
        assert!(report.contains("unit entered at 0x80000000"), "{report}");
        assert!(report.contains("0x80000000: add a0,a0,1"), "{report}");
        assert!(
            report.contains("x10 (a0): translated 0x2a, interpreter 0x2"),
            "{report}"
        );
        assert!(
            report.contains("memory 0x80000100: translated 0x5a"),
            "{report}"
        );
        // The interpreter's state stands, and the stray store was undone.
        assert_eq!(hart.x[10], 2);
        assert_eq!(bus.ram().load(BASE + 0x100, 1).ok(), Some(0));
    }
}
