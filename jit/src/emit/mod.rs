//! One block of decoded ops → one Cranelift function
//! `(hart, bus) -> exit code`.
//!
//! Every guest register the block touches lives in a Cranelift variable,
//! loaded from the hart on entry; all exits go through one exit block that
//! writes back the registers the block writes, `pc` and `instret`, and
//! returns the exit code — block parameters `(pc, retired, code)`. At a
//! fault the variables hold exactly the values before the faulting
//! instruction, so the state matches the interpreter's.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, Function, InstBuilder, MemFlagsData, SigRef, Signature,
    StackSlot, StackSlotData, StackSlotKind, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use heron_cpu::decode::{Kind, Op};
use heron_cpu::hart::offsets;
use heron_cpu::tier::{exit, fence_orders, helpers, jump};
use heron_mmu::tlb::{set_offset, SET_LOAD_OFFSET, SET_STORE_OFFSET};

use crate::alu;

mod fp;
mod mem;

/// What code generation needs of the host: the helpers' signatures (for
/// `call_indirect`) and the frontend configuration.
pub(crate) struct Target {
    load: Signature,
    store: Signature,
    exec: Signature,
    /// A translated block's own: `(hart, bus) -> exit code`, tail calls.
    block: Signature,
    frontend: TargetFrontendConfig,
}

/// The signature of translated blocks: they end by tail-calling the next
/// one, so they use Cranelift's `tail` convention (the interpreter enters
/// through the JIT's trampoline, see `lib.rs`).
pub(crate) fn block_signature() -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::new(types::I64));
    sig.params.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

impl Target {
    pub(crate) fn new(cc: CallConv, frontend: TargetFrontendConfig) -> Target {
        let sig = |params: usize| {
            let mut s = Signature::new(cc);
            s.params
                .extend((0..params).map(|_| AbiParam::new(types::I64)));
            s.returns.push(AbiParam::new(types::I32));
            s
        };
        // (hart, bus, vaddr, size, out), (hart, bus, vaddr, size, value)
        // and (hart, bus, op, pc, retired).
        Target {
            load: sig(5),
            store: sig(5),
            exec: sig(5),
            block: block_signature(),
            frontend,
        }
    }
}

/// Whether the translator emits `op` itself (the rest goes through
/// `helpers::exec`, the interpreter's executor).
fn native(op: &Op) -> bool {
    use Kind::*;
    alu::is_alu(op.kind)
        || op.kind.is_cond_branch()
        || matches!(
            op.kind,
            Jal | Jalr | Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu | Sb | Sh | Sw | Sd | Fence | FenceI
        )
}

/// Builds `func` from `ops`; false (and `func` untouched) if some op is
/// left to the interpreter.
pub(crate) fn build(
    func: &mut Function,
    fbc: &mut FunctionBuilderContext,
    ops: &[Op],
    target: &Target,
) -> bool {
    if ops.is_empty() {
        return false;
    }
    let mut b = FunctionBuilder::new(func, fbc);
    let load_sig = b.import_signature(target.load.clone());
    let store_sig = b.import_signature(target.store.clone());
    let exec_sig = b.import_signature(target.exec.clone());
    let block_sig = b.import_signature(target.block.clone());
    let mut e = Emitter::start(b, ops, [load_sig, store_sig, exec_sig]);
    e.block_sig = Some(block_sig);
    let mut offset = 0u64;
    let mut ended = false;
    for (i, op) in ops.iter().enumerate() {
        if e.op(i, offset, op) {
            ended = true;
            break;
        }
        offset += op.len as u64;
    }
    if !ended {
        let next = e.pc_at(offset);
        let n = e.count(ops.len() as i64);
        e.leave(next, n, exit::CHAIN);
    }
    e.finish(target.frontend);
    true
}

/// Whether some op of the block jumps or branches back to its start (a
/// loop inside the translation: see `Emitter::back_edge`).
fn loops_to_start(ops: &[Op]) -> bool {
    let mut offset = 0i64;
    ops.iter().any(|op| {
        let back =
            (op.kind == Kind::Jal || op.kind.is_cond_branch()) && offset + op.imm as i64 == 0;
        offset += op.len as i64;
        back
    })
}

struct Emitter<'a> {
    b: FunctionBuilder<'a>,
    hart: Value,
    bus: Value,
    /// Variables of x1..x31 (x0 has none: it reads as 0).
    regs: [Option<Variable>; 32],
    /// Registers the block writes (bit r).
    written: u32,
    entry_pc: Value,
    /// Base addresses of the data context's load and store TLB tables.
    load_tlb: Value,
    store_tlb: Value,
    /// Where the load helper puts its value.
    slot: StackSlot,
    /// Instructions retired by earlier trips round the block's loop.
    retired: Variable,
    /// `instret` on entry.
    instret: Value,
    /// With a loop to the block's start: the event word's address and the
    /// instructions left in the run's budget on entry.
    loop_check: Option<(Value, Value)>,
    /// Where a back-edge to the block's start jumps.
    head: Block,
    exit: Block,
    load_sig: SigRef,
    store_sig: SigRef,
    exec_sig: SigRef,
    /// For the tail call to the next block.
    block_sig: Option<SigRef>,
}

const MEM: MemFlagsData = MemFlagsData::trusted();

impl<'a> Emitter<'a> {
    fn start(mut b: FunctionBuilder<'a>, ops: &[Op], sigs: [SigRef; 3]) -> Self {
        let [load_sig, store_sig, exec_sig] = sigs;
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let (hart, bus) = (b.block_params(entry)[0], b.block_params(entry)[1]);
        let entry_pc = b.ins().load(types::I64, MEM, hart, offsets::PC as i32);
        let ctx = b
            .ins()
            .uload8(types::I64, MEM, hart, offsets::DATA_CTX as i32);
        let set_size = (set_offset(1) - set_offset(0)) as i64;
        let set = b.ins().imul_imm_s(ctx, set_size);
        let set = b.ins().iadd(hart, set);
        let set = b
            .ins()
            .iadd_imm_s(set, (offsets::TLB + set_offset(0)) as i64);
        let load_tlb = b.ins().iadd_imm_s(set, SET_LOAD_OFFSET as i64);
        let store_tlb = b.ins().iadd_imm_s(set, SET_STORE_OFFSET as i64);
        let slot = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
        let exit = b.create_block();
        b.append_block_param(exit, types::I64); // next pc
        b.append_block_param(exit, types::I64); // instructions retired
        b.append_block_param(exit, types::I32); // exit code
        let (mut regs, mut written) = ([None; 32], 0u32);
        for op in ops {
            let (reads, writes) = alu::regs_of(op);
            written |= writes;
            for (r, slot) in regs.iter_mut().enumerate().skip(1) {
                if (reads | writes) >> r & 1 != 0 && slot.is_none() {
                    let v = b.declare_var(types::I64);
                    let x = b
                        .ins()
                        .load(types::I64, MEM, hart, (offsets::X + 8 * r) as i32);
                    b.def_var(v, x);
                    *slot = Some(v);
                }
            }
        }
        let instret = b.ins().load(types::I64, MEM, hart, offsets::INSTRET as i32);
        // What every trip round the block's loop checks, loaded once.
        let loop_check = loops_to_start(ops).then(|| {
            let word = b
                .ins()
                .load(types::I64, MEM, hart, offsets::EVENTS_WORD as i32);
            let end = b.ins().load(types::I64, MEM, hart, offsets::RUN_END as i32);
            (word, b.ins().isub(end, instret))
        });
        let retired = b.declare_var(types::I64);
        let zero = b.ins().iconst(types::I64, 0);
        b.def_var(retired, zero);
        let head = b.create_block();
        b.ins().jump(head, &[]);
        b.switch_to_block(head);
        Emitter {
            loop_check,
            b,
            hart,
            bus,
            regs,
            written,
            entry_pc,
            load_tlb,
            store_tlb,
            slot,
            retired,
            instret,
            head,
            exit,
            load_sig,
            store_sig,
            exec_sig,
            block_sig: None,
        }
    }

    fn x(&mut self, r: u8) -> Value {
        match self.regs[r as usize] {
            Some(v) => self.b.use_var(v),
            None => self.b.ins().iconst(types::I64, 0),
        }
    }

    fn set_x(&mut self, r: u8, value: Value) {
        if let Some(v) = self.regs[r as usize].filter(|_| r != 0) {
            self.b.def_var(v, value);
        }
    }

    /// Instructions retired when `k` more of this trip have.
    fn count(&mut self, k: i64) -> Value {
        let r = self.b.use_var(self.retired);
        self.b.ins().iadd_imm_s(r, k)
    }

    /// A jump from op `i` back to the block's start: go round again unless
    /// the run's budget is spent or something was posted to the hart — the
    /// same checks the run loop makes before each block.
    fn back_edge(&mut self, i: usize) {
        let r = self.count(i as i64 + 1);
        self.b.def_var(self.retired, r);
        let Some((word, budget)) = self.loop_check else {
            // `loops_to_start` found every back-edge: not reached.
            let code = self.b.ins().iconst(types::I32, exit::CHAIN as i64);
            let args = [self.entry_pc, r, code].map(BlockArg::Value);
            self.b.ins().jump(self.exit, &args);
            return;
        };
        let pending = self.b.ins().atomic_load(types::I32, MEM, word);
        let posted = self.b.ins().icmp_imm_s(IntCC::NotEqual, pending, 0);
        let spent = self
            .b
            .ins()
            .icmp(IntCC::SignedGreaterThanOrEqual, r, budget);
        let stop = self.b.ins().bor(posted, spent);
        let code = self.b.ins().iconst(types::I32, exit::CHAIN as i64);
        let args = [self.entry_pc, r, code].map(BlockArg::Value);
        self.b.ins().brif(stop, self.exit, &args, self.head, &[]);
    }

    fn pc_at(&mut self, offset: u64) -> Value {
        self.b.ins().iadd_imm_s(self.entry_pc, offset as i64)
    }

    /// Jumps to the exit with `(next, retired, code)`.
    fn leave(&mut self, next: Value, retired: Value, code: u32) {
        let code = self.b.ins().iconst(types::I32, code as i64);
        let args = [next, retired, code].map(BlockArg::Value);
        self.b.ins().jump(self.exit, &args);
    }

    /// Emits op `i` at byte `offset` of the block; true if it ends it.
    fn op(&mut self, i: usize, offset: u64, op: &Op) -> bool {
        use Kind::*;
        let pc = self.pc_at(offset);
        if fp::handles(op) {
            self.fp_op(i, pc, op);
            return false;
        }
        if !native(op) {
            return self.interpret(i, pc, op);
        }
        let len = op.len as i64;
        let imm = op.imm as i64;
        match op.kind {
            Jal | Jalr => {
                let target = if op.kind == Jal {
                    self.b.ins().iadd_imm_s(pc, imm)
                } else {
                    let a = self.x(op.rs1);
                    let t = self.b.ins().iadd_imm_s(a, imm);
                    self.b.ins().band_imm_s(t, !1i64)
                };
                let link = self.b.ins().iadd_imm_s(pc, len);
                self.set_x(op.rd, link);
                if op.kind == Jal && offset as i64 + imm == 0 {
                    self.back_edge(i);
                } else {
                    let n = self.count(i as i64 + 1);
                    self.leave(target, n, exit::CHAIN);
                }
                true
            }
            FenceI => {
                let next = self.b.ins().iadd_imm_s(pc, len);
                let n = self.count(i as i64 + 1);
                self.leave(next, n, exit::CHAIN);
                true
            }
            k if k.is_cond_branch() => {
                self.branch(i, pc, op, offset as i64 + imm == 0);
                false
            }
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => {
                self.load(i, pc, op);
                false
            }
            Sb | Sh | Sw | Sd => {
                self.store(i, pc, op);
                false
            }
            Fence => {
                self.fence(op);
                false
            }
            kind => {
                let (a, bv) = (self.x(op.rs1), self.x(op.rs2));
                let v = alu::emit(&mut self.b, kind, a, bv, imm, pc);
                self.set_x(op.rd, v);
                false
            }
        }
    }

    /// Runs op `i` (`op`, at `pc`) through the interpreter's executor:
    /// `x[rs1]` and `x[rs2]` go to the hart first, `x[rd]` comes back
    /// after. True if the op ends the block.
    fn interpret(&mut self, i: usize, pc: Value, op: &Op) -> bool {
        for r in [op.rs1, op.rs2] {
            if let Some(v) = self.regs[r as usize].filter(|_| r != 0) {
                let x = self.b.use_var(v);
                self.b
                    .ins()
                    .store(MEM, x, self.hart, (offsets::X + 8 * r as usize) as i32);
            }
        }
        let op_ptr = self.b.ins().iconst(types::I64, op as *const Op as i64);
        let count = self.count(i as i64);
        let retired = self.b.ins().iadd(self.instret, count);
        let callee = self
            .b
            .ins()
            .iconst(types::I64, helpers::exec as *const () as i64);
        let args = [self.hart, self.bus, op_ptr, pc, retired];
        let call = self.b.ins().call_indirect(self.exec_sig, callee, &args);
        let status = self.b.inst_results(call)[0];
        self.trap_if(status, i, pc);
        let rd = op.rd as usize;
        if let Some(v) = self.regs[rd].filter(|_| rd != 0 && op.kind.writes_xreg()) {
            let x = self
                .b
                .ins()
                .load(types::I64, MEM, self.hart, (offsets::X + 8 * rd) as i32);
            self.b.def_var(v, x);
        }
        // JUMPED, SYNC or WAIT: the op retired and set `pc`; leave with
        // its code (CHAIN for a jump, as the interpreter's block ends).
        let (ended, cont) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(status, ended, &[], cont, &[]);
        self.b.switch_to_block(ended);
        let next = self
            .b
            .ins()
            .load(types::I64, MEM, self.hart, offsets::PC as i32);
        let n = self.count(i as i64 + 1);
        let jumped = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, helpers::JUMPED as i64);
        let chain = self.b.ins().iconst(types::I32, exit::CHAIN as i64);
        let code = self.b.ins().select(jumped, chain, status);
        let args = [next, n, code].map(BlockArg::Value);
        self.b.ins().jump(self.exit, &args);
        self.b.switch_to_block(cont);
        if op.ends_block() {
            // Not reached (such ops always end with a status); a plain
            // exit keeps the function well-formed.
            let next = self.b.ins().iadd_imm_s(pc, op.len as i64);
            let n = self.count(i as i64 + 1);
            self.leave(next, n, exit::CHAIN);
            return true;
        }
        false
    }

    /// A conditional branch: a taken one leaves the block, or goes round
    /// its loop if it targets the block's start (`to_start`).
    fn branch(&mut self, i: usize, pc: Value, op: &Op, to_start: bool) {
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
        let cont = self.b.create_block();
        if to_start {
            let again = self.b.create_block();
            self.b.ins().brif(taken, again, &[], cont, &[]);
            self.b.switch_to_block(again);
            self.back_edge(i);
        } else {
            let target = self.b.ins().iadd_imm_s(pc, op.imm as i64);
            let n = self.count(i as i64 + 1);
            let code = self.b.ins().iconst(types::I32, exit::CHAIN as i64);
            let args = [target, n, code].map(BlockArg::Value);
            self.b.ins().brif(taken, self.exit, &args, cont, &[]);
        }
        self.b.switch_to_block(cont);
    }

    /// Leaves with TRAP (the helper parked the exception on the hart) if
    /// `status` says so; op `i`, at `pc`, did not retire.
    fn trap_if(&mut self, status: Value, i: usize, pc: Value) {
        let is_trap = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, exit::TRAP as i64);
        let n = self.count(i as i64);
        let code = self.b.ins().iconst(types::I32, exit::TRAP as i64);
        let cont = self.b.create_block();
        let args = [pc, n, code].map(BlockArg::Value);
        self.b.ins().brif(is_trap, self.exit, &args, cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// A `fence` that orders something is a host fence while other harts
    /// share memory (as in the interpreter; a full fence either way).
    fn fence(&mut self, op: &Op) {
        if !fence_orders(op) {
            return;
        }
        let shared = self.b.ins().uload8(
            types::I32,
            MEM,
            self.hart,
            offsets::CONCURRENT_MEMORY as i32,
        );
        let (fence, join) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(shared, fence, &[], join, &[]);
        self.b.switch_to_block(fence);
        self.b.ins().fence();
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
    }

    /// The exit block: write back, then return the code.
    fn finish(mut self, frontend: TargetFrontendConfig) {
        self.b.switch_to_block(self.exit);
        let params = self.b.block_params(self.exit).to_vec();
        let (next, retired, code) = (params[0], params[1], params[2]);
        for r in 1..32 {
            if self.written >> r & 1 != 0 {
                let v = self.x(r as u8);
                self.b
                    .ins()
                    .store(MEM, v, self.hart, (offsets::X + 8 * r) as i32);
            }
        }
        self.b.ins().store(MEM, next, self.hart, offsets::PC as i32);
        let old = self
            .b
            .ins()
            .load(types::I64, MEM, self.hart, offsets::INSTRET as i32);
        let instret = self.b.ins().iadd(old, retired);
        self.b
            .ins()
            .store(MEM, instret, self.hart, offsets::INSTRET as i32);
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
        let allowed = self
            .b
            .ins()
            .uload8(types::I32, MEM, self.hart, offsets::CHAIN as i32);
        let barred = self.b.ins().icmp_imm_s(IntCC::Equal, allowed, 0);
        step(self, barred);
        let word = self
            .b
            .ins()
            .load(types::I64, MEM, self.hart, offsets::EVENTS_WORD as i32);
        let pending = self.b.ins().atomic_load(types::I32, MEM, word);
        step(self, pending);
        let end = self
            .b
            .ins()
            .load(types::I64, MEM, self.hart, offsets::RUN_END as i32);
        let left = self.b.ins().isub(end, instret);
        let spent = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedLessThanOrEqual, left, 0);
        step(self, spent);
        let table = self
            .b
            .ins()
            .load(types::I64, MEM, self.hart, offsets::JUMP_TABLE as i32);
        let index = self.b.ins().ushr_imm_s(next, 1);
        let index = self.b.ins().band_imm_s(index, jump::SLOTS as i64 - 1);
        let offset = self.b.ins().imul_imm_s(index, jump::SIZE as i64);
        let slot = self.b.ins().iadd(table, offset);
        let pc = self.b.ins().load(types::I64, MEM, slot, jump::PC as i32);
        let other_pc = self.b.ins().icmp(IntCC::NotEqual, pc, next);
        step(self, other_pc);
        let ctx = self.b.ins().load(types::I64, MEM, slot, jump::CTX as i32);
        let fetch = self
            .b
            .ins()
            .uload8(types::I64, MEM, self.hart, offsets::FETCH_CTX as i32);
        let other_ctx = self.b.ins().icmp(IntCC::NotEqual, ctx, fetch);
        step(self, other_ctx);
        let target = self
            .b
            .ins()
            .load(types::I64, MEM, slot, jump::NATIVE as i32);
        let untranslated = self.b.ins().icmp_imm_s(IntCC::Equal, target, 0);
        step(self, untranslated);
        self.b
            .ins()
            .return_call_indirect(sig, target, &[self.hart, self.bus]);
    }
}
