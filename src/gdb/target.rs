//! The machine as gdbstub's `Target`: registers, memory, breakpoints,
//! watchpoints and resume requests. Execution itself happens in
//! [`super::session`]; this only records what gdb asked for.

use gdbstub::common::Signal;
use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::base::singlethread::{
    SingleThreadBase, SingleThreadResume, SingleThreadResumeOps, SingleThreadSingleStep,
    SingleThreadSingleStepOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps,
    SwBreakpoint, SwBreakpointOps, WatchKind as GdbWatchKind,
};
use gdbstub::target::ext::monitor_cmd::MonitorCmdOps;
use gdbstub::target::ext::target_description_xml_override::{
    TargetDescriptionXmlOverride, TargetDescriptionXmlOverrideOps,
};
use gdbstub::target::{Target, TargetError, TargetResult};
use gdbstub_arch::riscv::reg::id::RiscvRegId;
use gdbstub_arch::riscv::reg::RiscvCoreRegs;
use heron_cpu::debug::{DebugArm, WatchHit, WatchKind, Watchpoint};
use heron_cpu::Priv;

use super::arch::{HeronRegId, HeronRiscv64};
use crate::machine::Machine;

/// How gdb asked the hart to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Resume {
    /// One instruction.
    Step,
    /// Until something stops it.
    Continue {
        /// The pc execution resumed from.
        from: u64,
        /// `instret` when it resumed.
        instret: u64,
    },
}

/// A gdb session's view of the machine.
pub(super) struct HeronTarget<'m> {
    pub(super) machine: &'m mut Machine,
    /// `Z0` breakpoints (checked by the interpreter; guest memory is never
    /// patched).
    sw_breaks: Vec<u64>,
    /// `Z1` breakpoints (the same mechanism).
    hw_breaks: Vec<u64>,
    /// `Z2`–`Z4` watchpoints.
    watches: Vec<Watchpoint>,
    /// The last resume request.
    pub(super) resume: Resume,
    xml: String,
}

impl<'m> HeronTarget<'m> {
    pub(super) fn new(machine: &'m mut Machine) -> Self {
        let (pc, instret) = (machine.harts[0].pc(), machine.harts[0].instret());
        HeronTarget {
            machine,
            sw_breaks: Vec::new(),
            hw_breaks: Vec::new(),
            watches: Vec::new(),
            resume: Resume::Continue { from: pc, instret },
            xml: super::xml::target_xml(),
        }
    }

    /// Arms the hart with the session's breakpoints and watchpoints;
    /// `stepping` asks for instruction-granular control as well. With
    /// nothing to arm the hart runs at full speed.
    pub(super) fn arm(&mut self, stepping: bool) {
        let mut breakpoints = self.sw_breaks.clone();
        breakpoints.extend(&self.hw_breaks);
        let arm = DebugArm {
            attached: stepping,
            breakpoints,
            watchpoints: self.watches.clone(),
        };
        let m = &mut *self.machine;
        m.harts[0].set_debug(arm, &m.core.bus);
    }

    /// Removes every breakpoint and watchpoint from the hart.
    pub(super) fn disarm(&mut self) {
        let m = &mut *self.machine;
        m.harts[0].set_debug(DebugArm::default(), &m.core.bus);
    }

    /// The stop reason for a breakpoint at `pc`, if gdb set one there.
    pub(super) fn breakpoint_stop(&self, pc: u64) -> Option<StopReason> {
        if self.sw_breaks.contains(&pc) {
            Some(StopReason::SwBreak(()))
        } else if self.hw_breaks.contains(&pc) {
            Some(StopReason::HwBreak(()))
        } else {
            None
        }
    }

    /// The stop reason for a watchpoint hit: the watchpoint's kind and the
    /// first watched byte the access touched, which is what gdb matches
    /// against its watchpoints.
    pub(super) fn watch_stop(&self, hit: WatchHit) -> StopReason {
        let kind_hits = |w: &&Watchpoint| match w.kind {
            WatchKind::Read => !hit.write,
            WatchKind::Write => hit.write,
            WatchKind::Access => true,
        };
        let end = |w: &Watchpoint| w.addr.wrapping_add(w.len);
        // The hart reports the access address, not its size: prefer a
        // watchpoint containing it, else one starting within a doubleword.
        let w = self
            .watches
            .iter()
            .filter(kind_hits)
            .find(|w| (w.addr..end(w)).contains(&hit.addr))
            .or_else(|| {
                self.watches
                    .iter()
                    .filter(kind_hits)
                    .find(|w| hit.addr < end(w) && w.addr < hit.addr.wrapping_add(8))
            });
        let (kind, addr) = match w {
            Some(w) => (w.kind, hit.addr.max(w.addr)),
            None if hit.write => (WatchKind::Write, hit.addr),
            None => (WatchKind::Read, hit.addr),
        };
        StopReason::Watch {
            tid: (),
            kind: match kind {
                WatchKind::Read => GdbWatchKind::Read,
                WatchKind::Write => GdbWatchKind::Write,
                WatchKind::Access => GdbWatchKind::ReadWrite,
            },
            addr,
        }
    }
}

/// Stop reasons of a single-threaded riscv64 target.
pub(super) type StopReason = gdbstub::stub::SingleThreadStopReason<u64>;

impl Target for HeronTarget<'_> {
    type Arch = HeronRiscv64;
    type Error = std::convert::Infallible;

    #[inline(always)]
    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::SingleThread(self)
    }

    #[inline(always)]
    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_monitor_cmd(&mut self) -> Option<MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_target_description_xml_override(
        &mut self,
    ) -> Option<TargetDescriptionXmlOverrideOps<'_, Self>> {
        Some(self)
    }
}

/// A little-endian register value of up to eight bytes.
fn reg_value(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    let mut le = [0u8; 8];
    le[..bytes.len()].copy_from_slice(bytes);
    Some(u64::from_le_bytes(le))
}

/// Copies `value`'s low bytes into `buf` (sized by gdbstub for the register).
fn put_reg(buf: &mut [u8], value: u64) -> usize {
    let n = buf.len().min(8);
    buf[..n].copy_from_slice(&value.to_le_bytes()[..n]);
    n
}

impl SingleThreadBase for HeronTarget<'_> {
    fn read_registers(&mut self, regs: &mut RiscvCoreRegs<u64>) -> TargetResult<(), Self> {
        let hart = &self.machine.harts[0];
        for (r, x) in regs.x.iter_mut().enumerate() {
            *x = hart.xreg(r as u8);
        }
        regs.pc = hart.pc();
        Ok(())
    }

    fn write_registers(&mut self, regs: &RiscvCoreRegs<u64>) -> TargetResult<(), Self> {
        let hart = &mut self.machine.harts[0];
        for (r, &v) in regs.x.iter().enumerate() {
            hart.set_xreg(r as u8, v);
        }
        hart.set_pc(regs.pc);
        Ok(())
    }

    #[inline(always)]
    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, (), Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8]) -> TargetResult<usize, Self> {
        let m = &mut *self.machine;
        let n = m.harts[0].debug_read(&m.core.bus, start, data);
        if n == 0 && !data.is_empty() {
            return Err(TargetError::NonFatal);
        }
        Ok(n)
    }

    fn write_addrs(&mut self, start: u64, data: &[u8]) -> TargetResult<(), Self> {
        let m = &mut *self.machine;
        if m.harts[0].debug_write(&m.core.bus, start, data) < data.len() {
            return Err(TargetError::NonFatal);
        }
        Ok(())
    }

    #[inline(always)]
    fn support_resume(&mut self) -> Option<SingleThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<()> for HeronTarget<'_> {
    fn read_register(
        &mut self,
        _tid: (),
        reg: HeronRegId,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let hart = &mut self.machine.harts[0];
        let value = match reg.0 {
            RiscvRegId::Gpr(r) => hart.xreg(r),
            RiscvRegId::Fpr(r) => hart.freg(r),
            RiscvRegId::Pc => hart.pc(),
            // An unimplemented CSR reads as "unavailable".
            RiscvRegId::Csr(csr) => match hart.read_csr(csr) {
                Some(v) => v,
                None => return Ok(0),
            },
            RiscvRegId::Priv => hart.privilege() as u64,
            _ => return Ok(0),
        };
        Ok(put_reg(buf, value))
    }

    fn write_register(&mut self, _tid: (), reg: HeronRegId, val: &[u8]) -> TargetResult<(), Self> {
        let v = reg_value(val).ok_or(TargetError::NonFatal)?;
        let hart = &mut self.machine.harts[0];
        match reg.0 {
            RiscvRegId::Gpr(r) => hart.set_xreg(r, v),
            RiscvRegId::Fpr(r) => hart.set_freg(r, v),
            RiscvRegId::Pc => hart.set_pc(v),
            RiscvRegId::Csr(csr) => {
                if !hart.write_csr(csr, v) {
                    return Err(TargetError::NonFatal);
                }
            }
            RiscvRegId::Priv => match v {
                0 => hart.set_privilege(Priv::U),
                1 => hart.set_privilege(Priv::S),
                3 => hart.set_privilege(Priv::M),
                _ => return Err(TargetError::NonFatal),
            },
            _ => return Err(TargetError::NonFatal),
        }
        Ok(())
    }
}

impl SingleThreadResume for HeronTarget<'_> {
    fn resume(&mut self, signal: Option<Signal>) -> Result<(), Self::Error> {
        // A hart has no signals to deliver: run on as if none was given.
        if let Some(s) = signal {
            log::debug!("gdb: ignoring signal {s} on continue");
        }
        // Tests wait for this line to know the guest is running for gdb.
        let hart = &self.machine.harts[0];
        log::debug!("gdb: continuing at {:#x}", hart.pc());
        self.resume = Resume::Continue {
            from: hart.pc(),
            instret: hart.instret(),
        };
        Ok(())
    }

    #[inline(always)]
    fn support_single_step(&mut self) -> Option<SingleThreadSingleStepOps<'_, Self>> {
        Some(self)
    }
}

impl SingleThreadSingleStep for HeronTarget<'_> {
    fn step(&mut self, signal: Option<Signal>) -> Result<(), Self::Error> {
        if let Some(s) = signal {
            log::debug!("gdb: ignoring signal {s} on step");
        }
        self.resume = Resume::Step;
        Ok(())
    }
}

impl Breakpoints for HeronTarget<'_> {
    #[inline(always)]
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

/// Removes one `addr` from `list`; whether there was one.
fn remove_one(list: &mut Vec<u64>, addr: u64) -> bool {
    match list.iter().position(|&a| a == addr) {
        Some(i) => {
            list.swap_remove(i);
            true
        }
        None => false,
    }
}

impl SwBreakpoint for HeronTarget<'_> {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.sw_breaks.push(addr);
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(remove_one(&mut self.sw_breaks, addr))
    }
}

impl HwBreakpoint for HeronTarget<'_> {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.hw_breaks.push(addr);
        Ok(true)
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(remove_one(&mut self.hw_breaks, addr))
    }
}

fn watch_kind(kind: GdbWatchKind) -> WatchKind {
    match kind {
        GdbWatchKind::Write => WatchKind::Write,
        GdbWatchKind::Read => WatchKind::Read,
        GdbWatchKind::ReadWrite => WatchKind::Access,
    }
}

impl HwWatchpoint for HeronTarget<'_> {
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: GdbWatchKind,
    ) -> TargetResult<bool, Self> {
        if len == 0 {
            return Ok(false);
        }
        self.watches.push(Watchpoint {
            addr,
            len,
            kind: watch_kind(kind),
        });
        Ok(true)
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: GdbWatchKind,
    ) -> TargetResult<bool, Self> {
        let w = Watchpoint {
            addr,
            len,
            kind: watch_kind(kind),
        };
        match self.watches.iter().position(|x| *x == w) {
            Some(i) => {
                self.watches.swap_remove(i);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

impl TargetDescriptionXmlOverride for HeronTarget<'_> {
    fn target_description_xml(
        &self,
        annex: &[u8],
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        if annex != b"target.xml" {
            return Err(TargetError::NonFatal);
        }
        let xml = self.xml.as_bytes();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(xml.len());
        let end = start.saturating_add(length).min(xml.len());
        let n = (end - start).min(buf.len());
        buf[..n].copy_from_slice(&xml[start..start + n]);
        Ok(n)
    }
}
