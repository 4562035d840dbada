//! Breakpoints and watchpoints: what gdb set, armed on every hart (all-stop:
//! any hart that reaches one stops the machine), and the stop reason, with
//! the thread of the hart that hit it, that gdb is told.

use gdbstub::target::ext::breakpoints::{
    Breakpoints, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps, SwBreakpoint,
    SwBreakpointOps, WatchKind as GdbWatchKind,
};
use gdbstub::target::TargetResult;
use heron_cpu::debug::{DebugArm, WatchHit, WatchKind, Watchpoint};

use super::target::{tid, HeronTarget, StopReason};
use crate::machine::Accel;

/// What gdb has set. Guest memory is never patched: the interpreter checks
/// breakpoints before each instruction and watchpoints before each access
/// while something is armed.
#[derive(Default)]
pub(super) struct Points {
    /// `Z0` breakpoints.
    sw_breaks: Vec<u64>,
    /// `Z1` breakpoints (the same mechanism).
    hw_breaks: Vec<u64>,
    /// `Z2`–`Z4` watchpoints (virtual addresses, each hart translating
    /// through its own `satp`).
    watches: Vec<Watchpoint>,
}

impl HeronTarget<'_> {
    /// Arms every hart with the session's breakpoints and watchpoints;
    /// `stepping` asks for instruction-granular control as well. With
    /// nothing to arm the harts run at full speed, translated code
    /// included; with anything armed they run interpreted, so that every
    /// stop is at its exact instruction (see `Hart::set_debug`).
    pub(super) fn arm(&mut self, stepping: bool) {
        let mut breakpoints = self.points.sw_breaks.clone();
        breakpoints.extend(&self.points.hw_breaks);
        let arm = DebugArm {
            attached: stepping,
            breakpoints,
            watchpoints: self.points.watches.clone(),
        };
        let m = &mut *self.machine;
        for hart in &mut m.harts {
            hart.set_debug(arm.clone(), &m.core.bus);
        }
    }

    /// Removes every breakpoint and watchpoint from every hart.
    pub(super) fn disarm(&mut self) {
        let m = &mut *self.machine;
        for hart in &mut m.harts {
            hart.set_debug(DebugArm::default(), &m.core.bus);
        }
    }

    /// The stop reason for hart `h` at a breakpoint at `pc`, if gdb set one
    /// there.
    pub(super) fn breakpoint_stop(&self, h: usize, pc: u64) -> Option<StopReason> {
        if self.points.sw_breaks.contains(&pc) {
            Some(StopReason::SwBreak(tid(h)))
        } else if self.points.hw_breaks.contains(&pc) {
            Some(StopReason::HwBreak(tid(h)))
        } else {
            None
        }
    }

    /// The stop reason for a watchpoint hit on hart `h`: the watchpoint's
    /// kind and the first watched byte the access touched, which is what
    /// gdb matches against its watchpoints.
    pub(super) fn watch_stop(&self, h: usize, hit: WatchHit) -> StopReason {
        let watches = &self.points.watches;
        let kind_hits = |w: &&Watchpoint| match w.kind {
            WatchKind::Read => !hit.write,
            WatchKind::Write => hit.write,
            WatchKind::Access => true,
        };
        let end = |w: &Watchpoint| w.addr.wrapping_add(w.len);
        // The hart reports the access address, not its size: prefer a
        // watchpoint containing it, else one starting within a doubleword.
        let w = watches
            .iter()
            .filter(kind_hits)
            .find(|w| (w.addr..end(w)).contains(&hit.addr))
            .or_else(|| {
                watches
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
            tid: tid(h),
            kind: match kind {
                WatchKind::Read => GdbWatchKind::Read,
                WatchKind::Write => GdbWatchKind::Write,
                WatchKind::Access => GdbWatchKind::ReadWrite,
            },
            addr,
        }
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
        self.points.sw_breaks.push(addr);
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(remove_one(&mut self.points.sw_breaks, addr))
    }
}

impl HwBreakpoint for HeronTarget<'_> {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.points.hw_breaks.push(addr);
        Ok(true)
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(remove_one(&mut self.points.hw_breaks, addr))
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
        if self.machine.accel() == Accel::Kvm {
            // gdb then says it could not insert the watchpoint.
            log::warn!("gdb: KVM has no watchpoints on RISC-V (use --accel jit or interp)");
            return Ok(false);
        }
        self.points.watches.push(Watchpoint {
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
        let watches = &mut self.points.watches;
        match watches.iter().position(|x| *x == w) {
            Some(i) => {
                watches.swap_remove(i);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
