//! gdb's resume requests (`vCont`, `c`, `s`) for a machine of several
//! harts, one gdb thread each. gdbstub hands over one action per thread;
//! [`MultiThreadResume::resume`] turns them into the [`Resume`] that
//! [`super::session`] carries out.
//!
//! All-stop. gdb steps RISC-V in software: `stepi` plants a breakpoint
//! after the instruction and continues — every thread, with gdb's default
//! scheduler-locking (`replay`, i.e. off outside a replay), or only the
//! stepping one when it steps over a breakpoint. So that a step moves the
//! stepping hart alone whenever it can, a continue runs the hart gdb
//! works with (the thread it last read, see `focus`) first in every
//! round-robin turn: it reaches the step's breakpoint before any other
//! hart executes, unless it waits in `wfi` or traps elsewhere. A continue
//! otherwise runs every hart gdb resumed (all of them unless scheduler
//! locking holds the others) until any of them stops.
//!
//! A hardware step (`vCont;s:N`, which gdb sends only when it cannot
//! place a step breakpoint) executes one instruction of that hart, and
//! every other hart stays where it is even if gdb asked it to continue
//! (`vCont;s:2;c`): since the step's end stops them all again, that is
//! one legal interleaving of "the others run while one instruction
//! retires", the one that makes `stepi` repeatable.

use gdbstub::common::{Signal, Tid};
use gdbstub::target::ext::base::multithread::{
    MultiThreadResume, MultiThreadSchedulerLocking, MultiThreadSchedulerLockingOps,
    MultiThreadSingleStep, MultiThreadSingleStepOps,
};

use super::target::HeronTarget;

/// How gdb asked the harts to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Resume {
    /// Hart `hart` executes one instruction; the others stay stopped.
    Step {
        /// The hart (thread id − 1).
        hart: usize,
    },
    /// The harts `running` marks run until something stops one of them.
    Continue {
        /// By hart index.
        running: Vec<bool>,
        /// The hart that runs first in each round-robin turn.
        first: usize,
        /// The hart the last stop was reported for, and its `(pc,
        /// instret)` when the run resumed: it does not stop again at a
        /// breakpoint there before it has moved. Other harts standing at a
        /// breakpoint stop at once (they have not reported it yet).
        from: (usize, (u64, u64)),
    },
}

/// What gdb asked of one hart in the resume request being assembled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Action {
    /// Not named: continue, unless scheduler locking holds it.
    Default,
    /// Continue.
    Continue,
    /// One instruction.
    Step,
}

impl HeronTarget<'_> {
    /// Records `action` for thread `tid`; a thread that is no hart is
    /// ignored (gdb only names the threads heron listed).
    fn set_action(&mut self, tid: Tid, action: Action, signal: Option<Signal>) {
        // A hart has no signals to deliver: run on as if none was given.
        if let Some(s) = signal {
            log::debug!("gdb: ignoring signal {s} for thread {tid}");
        }
        match self.actions.get_mut(tid.get() - 1) {
            Some(a) => *a = action,
            None => log::debug!("gdb: no thread {tid} to resume"),
        }
    }
}

impl MultiThreadResume for HeronTarget<'_> {
    fn resume(&mut self) -> Result<(), Self::Error> {
        let last = self.stopped_hart;
        self.resume = match self.actions.iter().position(|&a| a == Action::Step) {
            Some(hart) => Resume::Step { hart },
            None => {
                let running = self
                    .actions
                    .iter()
                    .map(|&a| a == Action::Continue || (a == Action::Default && !self.locked))
                    .collect();
                let from = (last, self.machine.position(last));
                // Tests wait for this line to know the guest runs for gdb.
                let first = self.focus;
                log::debug!(
                    "gdb: continuing at {:#x} (hart {first} first)",
                    self.machine.harts[first].pc()
                );
                Resume::Continue {
                    running,
                    first,
                    from,
                }
            }
        };
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), Self::Error> {
        self.actions = vec![Action::Default; self.machine.harts.len()];
        self.locked = false;
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        tid: Tid,
        signal: Option<Signal>,
    ) -> Result<(), Self::Error> {
        self.set_action(tid, Action::Continue, signal);
        Ok(())
    }

    #[inline(always)]
    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadSingleStep for HeronTarget<'_> {
    fn set_resume_action_step(
        &mut self,
        tid: Tid,
        signal: Option<Signal>,
    ) -> Result<(), Self::Error> {
        self.set_action(tid, Action::Step, signal);
        Ok(())
    }
}

impl MultiThreadSchedulerLocking for HeronTarget<'_> {
    /// gdb named the threads to run and wants the rest held (`set
    /// scheduler-locking on`, or stepping over a breakpoint).
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Self::Error> {
        self.locked = true;
        Ok(())
    }
}
