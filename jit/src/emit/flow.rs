//! Control flow inside a unit and out of it: the run loop's checks
//! between blocks, direct and indirect transfers to the unit's blocks,
//! conditional branches, and the exits — the exit block that writes `pc`
//! and `instret` and the tail call to the next translated unit.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, BlockArg, InstBuilder, JumpTableData, Value};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, Switch};
use heron_cpu::decode::{Kind, Op};
use heron_cpu::hart::offsets;
use heron_cpu::tier::{exit, jump, Unit};
use heron_mmu::PAGE_SIZE;

use super::{Emitter, OTHER};

/// Branches to the block of `starts` at page offset `offset` (even, in
/// the page), or to `none` if no block starts there: through a table
/// indexed by half the distance from the lowest start where the starts lie
/// close enough (one indirect jump; a `switch` dispatch goes through here
/// once per case it runs), else through Cranelift's search tree.
pub(super) fn branch_to_start(
    b: &mut FunctionBuilder,
    starts: &[(u64, Block)],
    offset: Value,
    none: Block,
) {
    const MAX_TABLE: u64 = 512;
    let lo = starts.iter().map(|s| s.0).min().unwrap_or(0);
    let hi = starts.iter().map(|s| s.0).max().unwrap_or(0);
    let slots = (hi - lo) / 2 + 1;
    if starts.len() < 4 || slots > MAX_TABLE {
        let mut switch = Switch::new();
        for &(start, block) in starts {
            switch.set_entry(start as u128, block);
        }
        switch.emit(b, offset, none);
        return;
    }
    let mut table = vec![none; slots as usize];
    for &(start, block) in starts {
        table[((start - lo) / 2) as usize] = block;
    }
    let calls: Vec<_> = table
        .iter()
        .map(|&t| b.func.dfg.block_call(t, &[]))
        .collect();
    let default = b.func.dfg.block_call(none, &[]);
    let jt = b.create_jump_table(JumpTableData::new(default, &calls));
    // Below `lo` the difference wraps to a huge index: out of the table.
    let o = b.ins().ireduce(types::I32, offset);
    let d = b.ins().iadd_imm_s(o, -(lo as i64));
    let index = b.ins().ushr_imm_s(d, 1);
    b.ins().br_table(index, jt);
}

/// Whether control may go from some block of `unit` to another (or the
/// same) one by itself: a direct jump, branch or fall-through to a block
/// start, or an indirect jump with other blocks to go to.
pub(super) fn has_transfers(unit: &Unit) -> bool {
    let starts = |t: u64| unit.blocks.iter().any(|b| b.offset == t);
    let indirect = |b: &heron_cpu::tier::UnitBlock| {
        unit.blocks.len() > 1 && b.ops.last().is_some_and(|op| op.kind == Kind::Jalr)
    };
    unit.blocks
        .iter()
        .any(|b| b.successors().into_iter().any(starts) || indirect(b))
}

impl Emitter<'_> {
    /// Instructions retired in this call when `k` more of the current
    /// block have.
    pub(super) fn count(&mut self, k: i64) -> Value {
        let Some((_, budget)) = self.transfer_check else {
            return self.b.ins().iconst(types::I64, k);
        };
        let left = self.b.use_var(self.left);
        let done = self.b.ins().isub(budget, left);
        self.b.ins().iadd_imm_s(done, k)
    }

    /// The checks the run loop makes between blocks, after `n` ops of the
    /// current block retired: on to `next` unless something was posted to
    /// the hart or the run's budget is spent, else to `out` (where
    /// `count(0)` is what this call retired).
    fn check_transfer(&mut self, n: i64, word: Value, next: Block, out: Block) {
        let left = self.b.use_var(self.left);
        let left = self.b.ins().iadd_imm_s(left, -n);
        self.b.def_var(self.left, left);
        let pending = self.b.ins().atomic_load(types::I32, OTHER, word);
        let budget_left = self.b.create_block();
        self.b.ins().brif(pending, out, &[], budget_left, &[]);
        self.b.switch_to_block(budget_left);
        let spent = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedLessThanOrEqual, left, 0);
        self.b.ins().brif(spent, out, &[], next, &[]);
    }

    /// Control goes to page offset `target` after `n` ops of the current
    /// block retired: on to that block of the unit unless the run's budget
    /// is spent or something was posted to the hart — the checks the run
    /// loop makes between blocks — else (or if no block of the unit starts
    /// there) out through the exit.
    pub(super) fn goto(&mut self, n: i64, target: i64) {
        let block = self
            .starts
            .iter()
            .find(|&&(offset, _)| offset as i64 == target)
            .map(|&(_, block)| block);
        let (Some(block), Some((word, _))) = (block, self.transfer_check) else {
            let r = self.count(n);
            self.leave_at(target, r, exit::CHAIN);
            return;
        };
        // The way out computes the next `pc` only when taken.
        let out = self.b.create_block();
        self.check_transfer(n, word, block, out);
        self.b.switch_to_block(out);
        let r = self.count(0);
        self.leave_at(target, r, exit::CHAIN);
    }

    /// An indirect jump to `target` after `n` ops of the current block
    /// retired: on to the unit's block that starts there, if one does and
    /// the run loop's checks let it (as in [`Emitter::goto`]), else out.
    pub(super) fn dispatch(&mut self, n: i64, target: Value) {
        let (Some((word, _)), true) = (self.transfer_check, self.starts.len() > 1) else {
            let r = self.count(n);
            self.leave(target, r, exit::CHAIN);
            return;
        };
        let (out, gone) = (self.b.create_block(), self.b.create_block());
        let page = self.b.ins().band_imm_s(target, !(PAGE_SIZE as i64 - 1));
        let elsewhere = self.b.ins().icmp(IntCC::NotEqual, page, self.page_pc);
        let in_page = self.b.create_block();
        self.b.ins().brif(elsewhere, gone, &[], in_page, &[]);
        self.b.switch_to_block(gone);
        let r = self.count(n);
        self.leave(target, r, exit::CHAIN);
        self.b.switch_to_block(in_page);
        let look = self.b.create_block();
        self.check_transfer(n, word, look, out);
        self.b.switch_to_block(look);
        let offset = self.b.ins().band_imm_s(target, PAGE_SIZE as i64 - 1);
        branch_to_start(&mut self.b, &self.starts, offset, out);
        self.b.switch_to_block(out);
        let r = self.count(0);
        self.leave(target, r, exit::CHAIN);
    }

    /// Jumps to the exit with `(next, retired, code)`, `next` at offset
    /// `offset` from the unit's page (past its end, for a fall-through),
    /// found from the hart's `pc` (the unit's entry, in the page, until the
    /// exit writes it): an atomic load, which no optimisation moves or
    /// merges, so that the exits' pc values are computed only when taken
    /// (values of the unit's entry pc plus a constant are hoisted out of
    /// loops to the function's entry, and were kept on the stack).
    pub(super) fn leave_at(&mut self, offset: i64, retired: Value, code: u32) {
        let at = self.b.ins().iadd_imm_s(self.hart, offsets::PC as i64);
        let pc = self.b.ins().atomic_load(types::I64, self.mem.hart, at);
        let page = self.b.ins().band_imm_s(pc, !(PAGE_SIZE as i64 - 1));
        let next = self.b.ins().iadd_imm_s(page, offset);
        self.leave(next, retired, code);
    }

    /// Jumps to the exit with `(next, retired, code)`.
    pub(super) fn leave(&mut self, next: Value, retired: Value, code: u32) {
        let args = [next, retired].map(BlockArg::Value);
        match code {
            exit::CHAIN | exit::TRAP | exit::SYNC => {
                self.b.ins().jump(self.exits[code as usize], &args);
            }
            _ => {
                let code = self.b.ins().iconst(types::I32, code as i64);
                let args = [next, retired, code].map(BlockArg::Value);
                self.b.ins().jump(self.exit, &args);
            }
        }
    }

    /// A conditional branch (op `i`, at page offset `offset`): a taken one
    /// goes to its target (see [`Emitter::goto`]).
    pub(super) fn branch(&mut self, i: usize, offset: u64, op: &Op) {
        use Kind::*;
        let (a, bv) = (self.x(op.rs1), self.x(op.rs2));
        let cc = match op.kind {
            Beq => IntCC::Equal,
            Bne => IntCC::NotEqual,
            Blt => IntCC::SignedLessThan,
            Bge => IntCC::SignedGreaterThanOrEqual,
            Bltu => IntCC::UnsignedLessThan,
            _ => IntCC::UnsignedGreaterThanOrEqual,
        };
        let taken = self.b.ins().icmp(cc, a, bv);
        let (go, cont) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(taken, go, &[], cont, &[]);
        self.b.switch_to_block(go);
        self.goto(i as i64 + 1, offset as i64 + op.imm as i64);
        self.b.switch_to_block(cont);
    }

    /// Leaves with TRAP (the helper parked the exception on the hart) if
    /// `status` says so; op `i` (at `self.at`) did not retire.
    pub(super) fn trap_if(&mut self, status: Value, i: usize) {
        let is_trap = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, exit::TRAP as i64);
        let (trap, cont) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(is_trap, trap, &[], cont, &[]);
        self.b.set_cold_block(trap);
        self.b.switch_to_block(trap);
        let n = self.count(i as i64);
        self.leave_at(self.at as i64, n, exit::TRAP);
        self.b.switch_to_block(cont);
    }

    /// The exit block: write back, then return the code.
    pub(super) fn finish(mut self, frontend: TargetFrontendConfig) {
        for (code, block) in self.exits.into_iter().enumerate() {
            self.b.switch_to_block(block);
            let params = self.b.block_params(block).to_vec();
            let code = self.b.ins().iconst(types::I32, code as i64);
            let args = [params[0], params[1], code].map(BlockArg::Value);
            self.b.ins().jump(self.exit, &args);
        }

        self.b.switch_to_block(self.exit);
        let params = self.b.block_params(self.exit).to_vec();
        let (next, retired, code) = (params[0], params[1], params[2]);
        self.b
            .ins()
            .store(self.mem.hart, next, self.hart, offsets::PC as i32);
        let old = self.b.ins().load(
            types::I64,
            self.mem.hart,
            self.hart,
            offsets::INSTRET as i32,
        );
        let instret = self.b.ins().iadd(old, retired);
        self.b
            .ins()
            .store(self.mem.hart, instret, self.hart, offsets::INSTRET as i32);
        let ret = self.b.create_block();
        self.chain(next, instret, code, ret);
        self.b.switch_to_block(ret);
        self.b.ins().return_(&[code]);
        self.b.seal_all_blocks();
        self.b.finalize(frontend);
    }

    /// After a CHAIN exit, goes straight on to the next block if it is
    /// translated (its jump-cache slot names it) and the run loop would
    /// run it next anyway: chaining allowed, nothing posted, budget left.
    /// Else (and after any other exit) to `ret`.
    fn chain(&mut self, next: Value, instret: Value, code: Value, ret: Block) {
        let Some(sig) = self.block_sig else {
            self.b.ins().jump(ret, &[]);
            return;
        };
        let step = |e: &mut Self, stop: Value| {
            let go = e.b.create_block();
            e.b.ins().brif(stop, ret, &[], go, &[]);
            e.b.switch_to_block(go);
        };
        step(self, code);
        let allowed =
            self.b
                .ins()
                .uload8(types::I32, self.mem.hart, self.hart, offsets::CHAIN as i32);
        let barred = self.b.ins().icmp_imm_s(IntCC::Equal, allowed, 0);
        step(self, barred);
        let word = self.b.ins().load(
            types::I64,
            self.mem.hart,
            self.hart,
            offsets::EVENTS_WORD as i32,
        );
        let pending = self.b.ins().atomic_load(types::I32, OTHER, word);
        step(self, pending);
        let end = self.b.ins().load(
            types::I64,
            self.mem.hart,
            self.hart,
            offsets::RUN_END as i32,
        );
        let left = self.b.ins().isub(end, instret);
        let spent = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedLessThanOrEqual, left, 0);
        step(self, spent);
        let table = self.b.ins().load(
            types::I64,
            self.mem.hart,
            self.hart,
            offsets::JUMP_TABLE as i32,
        );
        let index = self.b.ins().ushr_imm_s(next, 1);
        let index = self.b.ins().band_imm_s(index, jump::SLOTS as i64 - 1);
        let offset = self.b.ins().imul_imm_s(index, jump::SIZE as i64);
        let slot = self.b.ins().iadd(table, offset);
        let pc = self.b.ins().load(types::I64, OTHER, slot, jump::PC as i32);
        let other_pc = self.b.ins().icmp(IntCC::NotEqual, pc, next);
        step(self, other_pc);
        let ctx = self.b.ins().load(types::I64, OTHER, slot, jump::CTX as i32);
        let fetch = self.b.ins().uload8(
            types::I64,
            self.mem.hart,
            self.hart,
            offsets::FETCH_CTX as i32,
        );
        let other_ctx = self.b.ins().icmp(IntCC::NotEqual, ctx, fetch);
        step(self, other_ctx);
        let target = self
            .b
            .ins()
            .load(types::I64, OTHER, slot, jump::NATIVE as i32);
        let untranslated = self.b.ins().icmp_imm_s(IntCC::Equal, target, 0);
        step(self, untranslated);
        self.b
            .ins()
            .return_call_indirect(sig, target, &[self.hart, self.bus]);
    }
}
