//! One unit of decoded blocks → one Cranelift function
//! `(hart, bus) -> exit code`.
//!
//! The function starts at the unit's block whose page offset the hart's
//! `pc` has (a switch), and jumps from block to block of the unit itself
//! wherever a direct jump, branch, fall-through or indirect jump leads to
//! one — after the run loop's checks between blocks (events posted, budget
//! left).
//!
//! Guest registers stay in the hart: a write is a store at once, a read
//! a load unless the block knows the value ([`Known`]); loads and stores
//! of each register are in an alias region of their own ([`Regions`]), so
//! Cranelift forwards values the emitter does not know and drops stores
//! that are overwritten before anything can observe them. The hart thus
//! holds the interpreter's state wherever it can be observed: a helper
//! call, a fault, an exit. (Cranelift variables for guest registers, the
//! first design, left the register allocator with more long-lived values
//! than the host has registers: in sha256's main unit it spilled most of
//! them and shuffled them between stack slots at every block edge. Keeping
//! written values in the emitter and storing them only on cold paths and
//! at exits, tried next, made the Linux boot's code 6.7 → 9.6 MiB.)
//!
//! All exits go through one exit block that writes `pc` and `instret` and
//! returns the exit code — block parameters `(pc, retired, code)` — or
//! tail-calls the next translated unit.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, AliasRegionData, Block, BlockArg, FuncRef, Function, InstBuilder,
    JumpTableData, MemFlagsData, SigRef, Signature, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Switch, Variable};
use heron_cpu::decode::{Kind, Op};
use heron_cpu::hart::offsets;
use heron_cpu::tier::{exit, fence_orders, helpers, jump, Unit};
use heron_mmu::tlb::{set_offset, SET_LOAD_OFFSET, SET_STORE_OFFSET};
use heron_mmu::PAGE_SIZE;

use crate::alu;

mod fp;
mod mem;

/// What code generation needs of the host: the helpers' signatures (they
/// are imported functions of the module, see `lib.rs`) and the frontend
/// configuration.
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
        let sig = |params: usize, returns: usize, ret: types::Type| {
            let mut s = Signature::new(cc);
            s.params
                .extend((0..params).map(|_| AbiParam::new(types::I64)));
            s.returns.extend((0..returns).map(|_| AbiParam::new(ret)));
            s
        };
        // (hart, bus, vaddr, size) -> (status, value), (hart, bus, vaddr,
        // size, value) -> status and (hart, bus, op, pc, retired) -> status.
        Target {
            load: sig(4, 2, types::I64),
            store: sig(5, 1, types::I32),
            exec: sig(5, 1, types::I32),
            block: block_signature(),
            frontend,
        }
    }

    /// The helpers' signatures: load, store, exec.
    pub(crate) fn helper_signatures(&self) -> [&Signature; 3] {
        [&self.load, &self.store, &self.exec]
    }
}

/// The helpers as imported into the function being built.
pub(crate) struct Helpers {
    pub(crate) load: FuncRef,
    pub(crate) store: FuncRef,
    pub(crate) exec: FuncRef,
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

/// Builds `func` from `unit`; false (and `func` untouched) if it has
/// nothing to translate.
pub(crate) fn build(
    func: &mut Function,
    fbc: &mut FunctionBuilderContext,
    unit: &Unit,
    target: &Target,
    helpers: Helpers,
) -> bool {
    if unit.blocks.iter().any(|b| b.ops.is_empty()) {
        return false;
    }
    let mut b = FunctionBuilder::new(func, fbc);
    let block_sig = b.import_signature(target.block.clone());
    let mut e = Emitter::start(b, unit, helpers);
    e.block_sig = Some(block_sig);
    for k in 0..unit.blocks.len() {
        let (start, block) = e.starts[k];
        e.b.switch_to_block(block);
        e.known = Known::default();
        let ops = &unit.blocks[k].ops;
        let mut offset = start;
        let mut ended = false;
        for (i, op) in ops.iter().enumerate() {
            e.at = offset;
            if e.op(i, offset, op) {
                ended = true;
                break;
            }
            offset += op.len as u64;
        }
        if !ended {
            e.goto(ops.len() as i64, offset as i64);
        }
    }
    e.finish(target.frontend);
    true
}

/// Branches to the block of `starts` at page offset `offset` (even, in
/// the page), or to `none` if no block starts there: through a table
/// indexed by half the distance from the lowest start where the starts lie
/// close enough (one indirect jump; a `switch` dispatch goes through here
/// once per case it runs), else through Cranelift's search tree.
fn branch_to_start(b: &mut FunctionBuilder, starts: &[(u64, Block)], offset: Value, none: Block) {
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
fn has_transfers(unit: &Unit) -> bool {
    let starts = |t: i64| unit.blocks.iter().any(|b| b.offset as i64 == t);
    unit.blocks.iter().any(|b| {
        let mut at = b.offset as i64;
        let mut hit = false;
        for op in b.ops.iter() {
            if (op.kind == Kind::Jal || op.kind.is_cond_branch()) && starts(at + op.imm as i64) {
                hit = true;
            }
            at += op.len as i64;
        }
        let last = b.ops.last();
        hit || (last.is_some_and(|op| !op.ends_block()) && starts(at))
            || (unit.blocks.len() > 1 && last.is_some_and(|op| op.kind == Kind::Jalr))
    })
}

struct Emitter<'a> {
    b: FunctionBuilder<'a>,
    /// The hart's address, a constant (see [`Unit::hart`]): Cranelift
    /// materialises it where it is used instead of keeping it in a register
    /// all along (as the function's parameter, it was spilled and reloaded
    /// all over long units), and every access to the hart has the same base
    /// value, which alias analysis needs to forward values.
    hart: Value,
    bus: Value,
    /// Memory flags of each kind of access.
    mem: Regions,
    /// What the current block knows of x1..x31.
    known: Known,
    /// Inside a conditional arm (see [`Emitter::x`]).
    in_arm: bool,
    /// The virtual address of the unit's page.
    page_pc: Value,
    /// Base addresses of the data context's load and store TLB tables.
    load_tlb: Value,
    store_tlb: Value,
    /// With transfers between blocks: the run's budget on entry minus the
    /// instructions retired by the blocks run before the current one in
    /// this call (counting down makes the check between blocks a compare
    /// with 0).
    left: Variable,
    /// `instret` on entry.
    instret: Value,
    /// With transfers between blocks: the event word's address and the
    /// instructions left in the run's budget on entry.
    transfer_check: Option<(Value, Value)>,
    /// The unit's blocks: page offset and where their code starts.
    starts: Vec<(u64, Block)>,
    /// The page offset of the op being emitted.
    at: u64,
    exit: Block,
    /// The exits with code CHAIN, TRAP and SYNC, `(next pc, retired)`:
    /// each sets its code there, so that no exit code is a value of the
    /// loop bodies (Cranelift hoists constants out of loops, and kept them
    /// on the stack).
    exits: [Block; 3],
    helpers: Helpers,
    /// For the tail call to the next block.
    block_sig: Option<SigRef>,
}

/// The value of each guest register as the current block last read or
/// wrote it (every value in it dominates the point being emitted). A read
/// the block knows needs no load: Cranelift's own forwarding of stores to
/// loads works too, but a load it removes still counts as reading the
/// store before it, which then cannot be found dead when overwritten.
#[derive(Clone, Copy, Default)]
pub(crate) struct Known([Option<Value>; 32]);

/// Loads of memory outside the hart and guest RAM (the event word, the
/// jump cache), which translated code never stores to.
const OTHER: MemFlagsData = MemFlagsData::trusted();

/// The flags of every access translated code makes: aligned and not
/// trapping (guest faults go through helpers, never host traps), each kind
/// of memory in an alias region of its own, since they never overlap.
/// Each guest register is a region: a store to one leaves what is known
/// of the others (alias analysis forwards a value only while the last
/// store to its region is the same).
#[derive(Clone, Copy)]
pub(crate) struct Regions {
    /// x0..x31, then f0..f31 in the hart.
    pub(crate) regs: [MemFlagsData; 64],
    /// The hart's other fields (pc, instret, CSRs, the soft TLB, ...).
    pub(crate) hart: MemFlagsData,
    /// Guest RAM, through the TLB's host addresses.
    pub(crate) guest: MemFlagsData,
}

impl Regions {
    fn new(b: &mut FunctionBuilder) -> Regions {
        let mut region = |user_id, description: &'static str| {
            let r = b.func.dfg.alias_regions.insert(AliasRegionData {
                user_id,
                description: description.into(),
            });
            MemFlagsData::trusted().with_alias_region(Some(r))
        };
        Regions {
            hart: region(1, "hart"),
            guest: region(2, "guest memory"),
            regs: std::array::from_fn(|r| region(16 + r as u32, "guest register")),
        }
    }
}

impl<'a> Emitter<'a> {
    fn start(mut b: FunctionBuilder<'a>, unit: &Unit, helpers: Helpers) -> Self {
        let mem = Regions::new(&mut b);
        let hart_mem = mem.hart;
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let bus = b.block_params(entry)[1];
        let hart = b.ins().iconst(types::I64, unit.hart as i64);
        let entry_pc = b.ins().load(types::I64, hart_mem, hart, offsets::PC as i32);
        let page_pc = b.ins().band_imm_s(entry_pc, !(PAGE_SIZE as i64 - 1));
        let ctx = b
            .ins()
            .uload8(types::I64, hart_mem, hart, offsets::DATA_CTX as i32);
        let set_size = (set_offset(1) - set_offset(0)) as i64;
        let set = b.ins().imul_imm_s(ctx, set_size);
        let set = b.ins().iadd(hart, set);
        let set = b
            .ins()
            .iadd_imm_s(set, (offsets::TLB + set_offset(0)) as i64);
        let load_tlb = b.ins().iadd_imm_s(set, SET_LOAD_OFFSET as i64);
        let store_tlb = b.ins().iadd_imm_s(set, SET_STORE_OFFSET as i64);
        let exit = b.create_block();
        b.append_block_param(exit, types::I64); // next pc
        b.append_block_param(exit, types::I64); // instructions retired
        b.append_block_param(exit, types::I32); // exit code
        let exits = [(); 3].map(|_| {
            let e = b.create_block();
            b.append_block_param(e, types::I64); // next pc
            b.append_block_param(e, types::I64); // instructions retired
            e
        });
        let instret = b
            .ins()
            .load(types::I64, hart_mem, hart, offsets::INSTRET as i32);
        // What every transfer between blocks checks, loaded once.
        let transfer_check = has_transfers(unit).then(|| {
            let word = b
                .ins()
                .load(types::I64, hart_mem, hart, offsets::EVENTS_WORD as i32);
            let end = b
                .ins()
                .load(types::I64, hart_mem, hart, offsets::RUN_END as i32);
            (word, b.ins().isub(end, instret))
        });
        let left = b.declare_var(types::I64);
        let zero = b.ins().iconst(types::I64, 0);
        b.def_var(left, transfer_check.map_or(zero, |(_, budget)| budget));
        let starts: Vec<(u64, Block)> = unit
            .blocks
            .iter()
            .map(|m| (m.offset, b.create_block()))
            .collect();
        if let [(_, only)] = starts[..] {
            b.ins().jump(only, &[]);
        } else {
            // Entered at the block the hart's `pc` starts; the code is
            // installed only on the unit's blocks, so the default (leave
            // at once, nothing done) is never taken.
            let none = b.create_block();
            let in_page = b.ins().band_imm_s(entry_pc, PAGE_SIZE as i64 - 1);
            branch_to_start(&mut b, &starts, in_page, none);
            b.switch_to_block(none);
            let code = b.ins().iconst(types::I32, exit::SYNC as i64);
            let args = [entry_pc, zero, code].map(BlockArg::Value);
            b.ins().jump(exit, &args);
        }
        Emitter {
            transfer_check,
            b,
            hart,
            bus,
            mem,
            known: Known::default(),
            in_arm: false,
            page_pc,
            load_tlb,
            store_tlb,
            left,
            instret,
            starts,
            at: 0,
            exit,
            exits,
            helpers,
            block_sig: None,
        }
    }

    /// `x[r]`. What is loaded inside a conditional arm is not remembered:
    /// it would not dominate the code after the arms join.
    fn x(&mut self, r: u8) -> Value {
        if r == 0 {
            return self.b.ins().iconst(types::I64, 0);
        }
        if let Some(v) = self.known.0[r as usize] {
            return v;
        }
        let at = (offsets::X + 8 * r as usize) as i32;
        let flags = self.mem.regs[r as usize];
        let v = self.b.ins().load(types::I64, flags, self.hart, at);
        if !self.in_arm {
            self.known.0[r as usize] = Some(v);
        }
        v
    }

    fn set_x(&mut self, r: u8, value: Value) {
        if r != 0 {
            let at = (offsets::X + 8 * r as usize) as i32;
            let flags = self.mem.regs[r as usize];
            self.b.ins().store(flags, value, self.hart, at);
            self.known.0[r as usize] = Some(value);
        }
    }

    /// Instructions retired in this call when `k` more of the current
    /// block have.
    fn count(&mut self, k: i64) -> Value {
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
    fn goto(&mut self, n: i64, target: i64) {
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
    fn dispatch(&mut self, n: i64, target: Value) {
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

    /// The virtual address at page offset `offset`.
    fn pc_at(&mut self, offset: u64) -> Value {
        self.b.ins().iadd_imm_s(self.page_pc, offset as i64)
    }

    /// Jumps to the exit with `(next, retired, code)`, `next` at offset
    /// `offset` from the unit's page (past its end, for a fall-through),
    /// found from the hart's `pc` (the unit's entry, in the page, until the
    /// exit writes it): an atomic load, which no optimisation moves or
    /// merges, so that the exits' pc values are computed only when taken
    /// (values of the unit's entry pc plus a constant are hoisted out of
    /// loops to the function's entry, and were kept on the stack).
    fn leave_at(&mut self, offset: i64, retired: Value, code: u32) {
        let at = self.b.ins().iadd_imm_s(self.hart, offsets::PC as i64);
        let pc = self.b.ins().atomic_load(types::I64, self.mem.hart, at);
        let page = self.b.ins().band_imm_s(pc, !(PAGE_SIZE as i64 - 1));
        let next = self.b.ins().iadd_imm_s(page, offset);
        self.leave(next, retired, code);
    }

    /// Jumps to the exit with `(next, retired, code)`.
    fn leave(&mut self, next: Value, retired: Value, code: u32) {
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

    /// Emits op `i` of the current block, at page offset `offset`; true if
    /// it ends the block.
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
            Jal => {
                let link = self.b.ins().iadd_imm_s(pc, len);
                self.set_x(op.rd, link);
                self.goto(i as i64 + 1, offset as i64 + imm);
                true
            }
            Jalr => {
                let a = self.x(op.rs1);
                let t = self.b.ins().iadd_imm_s(a, imm);
                let target = self.b.ins().band_imm_s(t, !1i64);
                let link = self.b.ins().iadd_imm_s(pc, len);
                self.set_x(op.rd, link);
                self.dispatch(i as i64 + 1, target);
                true
            }
            FenceI => {
                let n = self.count(i as i64 + 1);
                self.leave_at(offset as i64 + len, n, exit::CHAIN);
                true
            }
            k if k.is_cond_branch() => {
                self.branch(i, offset, op);
                false
            }
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => {
                self.load(i, op);
                false
            }
            Sb | Sh | Sw | Sd => {
                self.store(i, op);
                false
            }
            Fence => {
                self.fence(op);
                false
            }
            kind => {
                let a = self.x(op.rs1);
                let rs2 = if alu::reads_rs2(kind) { op.rs2 } else { 0 };
                let bv = self.x(rs2);
                let v = alu::emit(&mut self.b, kind, a, bv, imm, pc);
                self.set_x(op.rd, v);
                false
            }
        }
    }

    /// Runs op `i` (`op`, at `pc`) through the interpreter's executor,
    /// which finds and leaves the registers in the hart. True if the op
    /// ends the block.
    fn interpret(&mut self, i: usize, pc: Value, op: &Op) -> bool {
        let op_ptr = self.b.ins().iconst(types::I64, op as *const Op as i64);
        let count = self.count(i as i64);
        let retired = self.b.ins().iadd(self.instret, count);
        let args = [self.hart, self.bus, op_ptr, pc, retired];
        let call = self.b.ins().call(self.helpers.exec, &args);
        let status = self.b.inst_results(call)[0];
        // The executor may have written any register (rd, or more for an
        // `ecall` the firmware served).
        self.known = Known::default();
        self.trap_if(status, i);
        // JUMPED, SYNC or WAIT: the op retired and set `pc`; leave with
        // its code (CHAIN for a jump, as the interpreter's block ends).
        let (ended, cont) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(status, ended, &[], cont, &[]);
        self.b.switch_to_block(ended);
        let next = self
            .b
            .ins()
            .load(types::I64, self.mem.hart, self.hart, offsets::PC as i32);
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
            let n = self.count(i as i64 + 1);
            self.leave_at((self.at + op.len as u64) as i64, n, exit::CHAIN);
            return true;
        }
        false
    }

    /// A conditional branch (op `i`, at page offset `offset`): a taken one
    /// goes to its target (see [`Emitter::goto`]).
    fn branch(&mut self, i: usize, offset: u64, op: &Op) {
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
    fn trap_if(&mut self, status: Value, i: usize) {
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

    /// A `fence` that orders something is a host fence while other harts
    /// share memory (as in the interpreter; a full fence either way).
    fn fence(&mut self, op: &Op) {
        if !fence_orders(op) {
            return;
        }
        let shared = self.b.ins().uload8(
            types::I32,
            self.mem.hart,
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
