//! The machine as gdbstub's `Target`: one gdb thread per hart (thread id =
//! hart index + 1, as gdb's ids start at 1), registers and memory of the
//! thread gdb names, breakpoints and watchpoints ([`super::breakpoints`])
//! and resume requests ([`super::resume`]). Execution itself happens in
//! [`super::session`]; this only records what gdb asked for.

use core::num::NonZeroUsize;
use std::convert::Infallible;

use gdbstub::common::Tid;
use gdbstub::target::ext::base::multithread::{MultiThreadBase, MultiThreadResumeOps};
use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::BreakpointsOps;
use gdbstub::target::ext::monitor_cmd::MonitorCmdOps;
use gdbstub::target::ext::target_description_xml_override::{
    TargetDescriptionXmlOverride, TargetDescriptionXmlOverrideOps,
};
use gdbstub::target::ext::thread_extra_info::{ThreadExtraInfo, ThreadExtraInfoOps};
use gdbstub::target::{Target, TargetError, TargetResult};
use gdbstub_arch::riscv::reg::id::RiscvRegId;
use gdbstub_arch::riscv::reg::RiscvCoreRegs;
use heron_cpu::{Priv, Vcpu};

use super::arch::{HeronRegId, HeronRiscv64};
use super::breakpoints::Points;
use super::resume::{Action, Resume};
use crate::machine::Machine;

/// A gdb session's view of the machine.
pub(super) struct HeronTarget<'m> {
    pub(super) machine: &'m mut Machine,
    /// The breakpoints and watchpoints gdb set.
    pub(super) points: Points,
    /// The last resume request.
    pub(super) resume: Resume,
    /// The resume request being assembled, by hart.
    pub(super) actions: Vec<Action>,
    /// Harts gdb did not name in that request stay stopped.
    pub(super) locked: bool,
    /// The hart the last stop was reported for (gdb's thread after it).
    pub(super) stopped_hart: usize,
    /// The hart gdb last read or wrote registers or memory of, which is
    /// the thread it works with (the selected one, or the one it is about
    /// to step): gdb names no thread for `monitor` commands or for
    /// continues that serve as software single steps.
    pub(super) focus: usize,
    xml: String,
}

/// gdb's thread id of hart `h`.
pub(super) fn tid(h: usize) -> Tid {
    NonZeroUsize::MIN.saturating_add(h)
}

impl<'m> HeronTarget<'m> {
    pub(super) fn new(machine: &'m mut Machine) -> Self {
        let harts = machine.harts.len();
        let from = (0, machine.position(0));
        HeronTarget {
            machine,
            points: Points::default(),
            resume: Resume::Continue {
                running: vec![true; harts],
                first: 0,
                from,
            },
            actions: vec![Action::Default; harts],
            locked: false,
            stopped_hart: 0,
            focus: 0,
            xml: super::xml::target_xml(),
        }
    }

    /// The index of thread `tid`'s hart (now gdb's focus), or a non-fatal
    /// error for a thread heron never listed.
    fn hart_index(&mut self, tid: Tid) -> Result<usize, TargetError<Infallible>> {
        let h = tid.get() - 1;
        if h >= self.machine.harts.len() {
            return Err(TargetError::NonFatal);
        }
        self.focus = h;
        Ok(h)
    }

    /// Thread `tid`'s hart (see [`HeronTarget::hart_index`]).
    fn hart(&mut self, tid: Tid) -> Result<&mut dyn Vcpu, TargetError<Infallible>> {
        let h = self.hart_index(tid)?;
        Ok(self.machine.harts[h].as_mut())
    }
}

/// Stop reasons of a riscv64 target whose threads are harts.
pub(super) type StopReason = gdbstub::stub::MultiThreadStopReason<u64>;

impl Target for HeronTarget<'_> {
    type Arch = HeronRiscv64;
    type Error = Infallible;

    #[inline(always)]
    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
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

impl MultiThreadBase for HeronTarget<'_> {
    fn read_registers(
        &mut self,
        regs: &mut RiscvCoreRegs<u64>,
        tid: Tid,
    ) -> TargetResult<(), Self> {
        let hart = self.hart(tid)?;
        for (r, x) in regs.x.iter_mut().enumerate() {
            *x = hart.xreg(r as u8);
        }
        regs.pc = hart.pc();
        Ok(())
    }

    fn write_registers(&mut self, regs: &RiscvCoreRegs<u64>, tid: Tid) -> TargetResult<(), Self> {
        let hart = self.hart(tid)?;
        for (r, &v) in regs.x.iter().enumerate() {
            hart.set_xreg(r as u8, v);
        }
        hart.set_pc(regs.pc);
        Ok(())
    }

    #[inline(always)]
    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, Tid, Self>> {
        Some(self)
    }

    /// Through hart `tid`'s translation (its `satp` and privilege).
    fn read_addrs(&mut self, start: u64, data: &mut [u8], tid: Tid) -> TargetResult<usize, Self> {
        let h = self.hart_index(tid)?;
        let m = &mut *self.machine;
        let n = m.harts[h].debug_read(&m.core.bus, start, data);
        if n == 0 && !data.is_empty() {
            return Err(TargetError::NonFatal);
        }
        Ok(n)
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], tid: Tid) -> TargetResult<(), Self> {
        let h = self.hart_index(tid)?;
        let m = &mut *self.machine;
        if m.harts[h].debug_write(&m.core.bus, start, data) < data.len() {
            return Err(TargetError::NonFatal);
        }
        Ok(())
    }

    /// Every hart, started or not: an HSM-stopped hart is a thread too.
    #[inline(always)]
    fn list_active_threads(
        &mut self,
        thread_is_active: &mut dyn FnMut(Tid),
    ) -> Result<(), Self::Error> {
        (0..self.machine.harts.len()).for_each(|h| thread_is_active(tid(h)));
        Ok(())
    }

    #[inline(always)]
    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_thread_extra_info(&mut self) -> Option<ThreadExtraInfoOps<'_, Self>> {
        Some(self)
    }
}

impl ThreadExtraInfo for HeronTarget<'_> {
    /// What `info threads` shows after the thread id: the hart, and whether
    /// the SBI's HSM holds it (all the others are merely stopped by gdb).
    fn thread_extra_info(&self, tid: Tid, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let h = tid.get() - 1;
        let text = if h < self.machine.harts.len() && self.machine.hart_stopped(h) {
            format!("hart {h}, stopped by SBI HSM")
        } else {
            format!("hart {h}")
        };
        let n = text.len().min(buf.len());
        buf[..n].copy_from_slice(&text.as_bytes()[..n]);
        Ok(n)
    }
}

impl SingleRegisterAccess<Tid> for HeronTarget<'_> {
    fn read_register(
        &mut self,
        tid: Tid,
        reg: HeronRegId,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let hart = self.hart(tid)?;
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

    fn write_register(&mut self, tid: Tid, reg: HeronRegId, val: &[u8]) -> TargetResult<(), Self> {
        let v = reg_value(val).ok_or(TargetError::NonFatal)?;
        let hart = self.hart(tid)?;
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
