//! Privileged and CSR instructions: traps, returns, wfi, sfence.vma, Zicsr.

use crate::csr::{MSTATUS_TSR, MSTATUS_TVM, MSTATUS_TW};
use crate::decode::{Kind, Op};
use crate::exec::Next;
use crate::hart::{Hart, Priv};
use crate::trap::{cause, Trap};

impl Hart {
    /// Executes a system instruction at `pc`; `a` is `x[rs1]`.
    pub(crate) fn exec_system(
        &mut self,
        op: &Op,
        pc: u64,
        a: u64,
        retired: u64,
    ) -> Result<Next, Trap> {
        use Kind::*;
        let illegal = Trap::illegal(op.raw);
        let next_pc = pc.wrapping_add(op.len as u64);
        match op.kind {
            Ecall => {
                let c = match self.privilege {
                    Priv::U => cause::ECALL_U,
                    Priv::S => cause::ECALL_S,
                    Priv::M => cause::ECALL_M,
                };
                Err(Trap::new(c, 0))
            }
            Ebreak => Err(Trap::new(cause::BREAKPOINT, pc)),
            Mret => {
                if self.privilege != Priv::M {
                    return Err(illegal);
                }
                self.mret();
                Ok(Next::Resync)
            }
            Sret => {
                if self.privilege == Priv::U
                    || (self.privilege == Priv::S && self.mstatus & MSTATUS_TSR != 0)
                {
                    return Err(illegal);
                }
                self.sret();
                Ok(Next::Resync)
            }
            Wfi => {
                // TW traps wfi below M at once (the "bounded time" is zero);
                // U-mode wfi is always illegal without the N extension.
                if self.privilege == Priv::U
                    || (self.privilege == Priv::S && self.mstatus & MSTATUS_TW != 0)
                {
                    return Err(illegal);
                }
                self.pc = next_pc;
                // wfi resumes when any interrupt is pending and enabled in
                // mie, whatever the global enables say.
                if self.mip & self.mie != 0 {
                    Ok(Next::Resync)
                } else {
                    Ok(Next::Wait)
                }
            }
            SfenceVma => {
                if self.privilege == Priv::U
                    || (self.privilege == Priv::S && self.mstatus & MSTATUS_TVM != 0)
                {
                    return Err(illegal);
                }
                // The TLB keeps no ASIDs: by-ASID flushes flush everything.
                if op.rs1 == 0 {
                    self.flush_translations();
                } else {
                    self.tlb.flush_vaddr(a);
                    self.cache.clear_jump_cache();
                }
                Ok(Next::Jump(next_pc))
            }
            _ => {
                let csr = (op.imm as u16) & 0xfff;
                let (kind, src, writes) = match op.kind {
                    Csrrw => (0, a, true),
                    Csrrs => (1, a, op.rs1 != 0),
                    Csrrc => (2, a, op.rs1 != 0),
                    Csrrwi => (0, op.rs1 as u64, true),
                    Csrrsi => (1, op.rs1 as u64, op.rs1 != 0),
                    _ => (2, op.rs1 as u64, op.rs1 != 0),
                };
                let old = self.csr_op(csr, kind, src, writes, retired, op.raw)?;
                self.set_x(op.rd, old);
                self.pc = next_pc;
                Ok(Next::Resync)
            }
        }
    }
}
