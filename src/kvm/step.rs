//! Single-stepping a vCPU that cannot step: KVM on RISC-V offers software
//! breakpoints (`KVM_SET_GUEST_DEBUG` makes `ebreak` exit to user space)
//! but no hardware step. A step therefore plants breakpoints wherever the
//! instruction at `pc` can go next — like gdb's own software single-step
//! for RISC-V — plus the trap vector, so that a step that traps or takes
//! an interrupt stops at the handler's first instruction, as the
//! interpreter's step does.

use heron_cpu::decode::{decode, Kind, Op};

/// What a step's targets depend on besides the instruction.
pub(crate) struct StepContext<'a> {
    /// The instruction's address.
    pub pc: u64,
    /// Integer register `r` now.
    pub xreg: &'a dyn Fn(u8) -> u64,
    /// `sepc` (where `sret` goes).
    pub sepc: u64,
    /// `stvec` (where traps and interrupts go).
    pub stvec: u64,
    /// The vCPU runs in U-mode (its `ecall` traps; S-mode's goes to KVM's
    /// SBI and returns after the instruction).
    pub user: bool,
}

/// The supervisor interrupts a vectored `stvec` sends to `base + 4 × cause`.
const VECTORED_CAUSES: [u64; 3] = [1, 5, 9];

/// Every address the instruction `raw` at `ctx.pc` may pass control to,
/// without duplicates and without `pc` itself (a breakpoint there would stop
/// the instruction before it ran; a jump to itself ends the step when the
/// caller gives up waiting).
pub(crate) fn step_targets(raw: u32, ctx: &StepContext<'_>) -> Vec<u64> {
    let op = decode(raw);
    let pc = ctx.pc;
    let next = pc.wrapping_add(u64::from(op.len));
    let mut out = Vec::with_capacity(6);
    match op.kind {
        Kind::Jal => out.push(branch_target(pc, &op)),
        Kind::Jalr => {
            out.push((ctx.xreg)(op.rs1).wrapping_add(op.imm as i64 as u64) & !1);
        }
        kind if kind.is_cond_branch() => {
            out.push(branch_target(pc, &op));
            out.push(next);
        }
        Kind::Sret => out.push(ctx.sepc),
        // U-mode's `ecall` goes to the vector below, S-mode's returns.
        Kind::Ecall if ctx.user => {}
        _ => out.push(next),
    }
    // A trap (a fault of this instruction, or an interrupt taken before
    // it) enters the handler instead.
    let base = ctx.stvec & !3;
    out.push(base);
    if ctx.stvec & 3 == 1 {
        out.extend(VECTORED_CAUSES.iter().map(|c| base.wrapping_add(4 * c)));
    }
    out.retain(|&t| t != pc);
    let mut seen = Vec::with_capacity(out.len());
    out.retain(|t| {
        let fresh = !seen.contains(t);
        seen.push(*t);
        fresh
    });
    out
}

fn branch_target(pc: u64, op: &Op) -> u64 {
    pc.wrapping_add(op.imm as i64 as u64)
}

/// The breakpoint instruction for a slot whose original instruction's low
/// halfword is `lo`: `c.ebreak` over a compressed instruction (so that a
/// 2-byte slot before another instruction stays 2 bytes), `ebreak` over a
/// full one.
pub(crate) fn ebreak_for(lo: u16) -> &'static [u8] {
    const EBREAK: [u8; 4] = 0x0010_0073u32.to_le_bytes();
    const C_EBREAK: [u8; 2] = 0x9002u16.to_le_bytes();
    if heron_cpu::decode::insn_len(lo) == 4 {
        &EBREAK
    } else {
        &C_EBREAK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pc: u64, user: bool, stvec: u64) -> StepContext<'static> {
        StepContext {
            pc,
            xreg: &|r| u64::from(r) * 0x100,
            sepc: 0x5000,
            stvec,
            user,
        }
    }

    #[test]
    fn straight_line_code_goes_on_or_traps() {
        // addi a0, a0, 1
        let t = step_targets(0x0015_0513, &ctx(0x1000, false, 0x8000));
        assert_eq!(t, vec![0x1004, 0x8000]);
        // c.addi a0, 1 is two bytes long.
        let t = step_targets(0x0505, &ctx(0x1000, false, 0x8000));
        assert_eq!(t, vec![0x1002, 0x8000]);
    }

    #[test]
    fn branches_have_both_ways() {
        // beq a0, a1, +16
        let t = step_targets(0x00b5_0863, &ctx(0x1000, false, 0x8000));
        assert_eq!(t, vec![0x1010, 0x1004, 0x8000]);
        // c.beqz a0, -4
        let t = step_targets(0xdd75, &ctx(0x1000, false, 0x8000));
        assert_eq!(t, vec![0x0ffc, 0x1002, 0x8000]);
    }

    #[test]
    fn jumps_go_to_their_target() {
        // jal ra, +0x20
        let t = step_targets(0x0200_00ef, &ctx(0x1000, false, 0x8000));
        assert_eq!(t, vec![0x1020, 0x8000]);
        // jalr x0, 8(a0): a0 is 0xa00 in this context, bit 0 cleared.
        let t = step_targets(0x0085_0067, &ctx(0x1000, false, 0x8000));
        assert_eq!(t, vec![0xa08, 0x8000]);
        // sret goes to sepc.
        let t = step_targets(0x1020_0073, &ctx(0x1000, false, 0x8000));
        assert_eq!(t, vec![0x5000, 0x8000]);
    }

    #[test]
    fn ecall_traps_from_user_mode_only() {
        let t = step_targets(0x0000_0073, &ctx(0x1000, true, 0x8000));
        assert_eq!(t, vec![0x8000]);
        let t = step_targets(0x0000_0073, &ctx(0x1000, false, 0x8000));
        assert_eq!(t, vec![0x1004, 0x8000]);
    }

    #[test]
    fn a_vectored_stvec_adds_the_interrupt_entries() {
        let t = step_targets(0x0015_0513, &ctx(0x1000, false, 0x8001));
        assert_eq!(t, vec![0x1004, 0x8000, 0x8004, 0x8014, 0x8024]);
    }

    #[test]
    fn a_jump_to_itself_plants_nothing_at_pc() {
        // j . (jal x0, 0)
        let t = step_targets(0x0000_006f, &ctx(0x1000, false, 0x8000));
        assert_eq!(t, vec![0x8000]);
    }

    #[test]
    fn breakpoints_keep_the_slot_size() {
        assert_eq!(ebreak_for(0x0513), &[0x73, 0x00, 0x10, 0x00]);
        assert_eq!(ebreak_for(0x0505), &[0x02, 0x90]);
    }
}
