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
    MemFlagsData, SigRef, Signature, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use heron_cpu::decode::{Kind, Op};
use heron_cpu::hart::offsets;
use heron_cpu::tier::{exit, fence_orders, helpers, Unit};
use heron_mmu::tlb::{set_offset, SET_LOAD_OFFSET, SET_STORE_OFFSET};
use heron_mmu::PAGE_SIZE;

use crate::alu;
use flow::{branch_to_start, has_transfers};

mod flow;
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

/// The load and store tables of the soft TLB's set for the hart's data
/// context, read on entry (a unit runs in one context: what changes it ends
/// the unit).
fn data_tlb_tables(b: &mut FunctionBuilder, hart: Value, flags: MemFlagsData) -> (Value, Value) {
    let ctx = b
        .ins()
        .uload8(types::I64, flags, hart, offsets::DATA_CTX as i32);
    let set_size = (set_offset(1) - set_offset(0)) as i64;
    let set = b.ins().imul_imm_s(ctx, set_size);
    let set = b.ins().iadd(hart, set);
    let set = b
        .ins()
        .iadd_imm_s(set, (offsets::TLB + set_offset(0)) as i64);
    let load = b.ins().iadd_imm_s(set, SET_LOAD_OFFSET as i64);
    let store = b.ins().iadd_imm_s(set, SET_STORE_OFFSET as i64);
    (load, store)
}

/// Goes on to the block of `starts` that the hart's `pc` (`entry_pc`)
/// starts. The code is installed only on the unit's blocks, so the default
/// (to `exit`: leave at once, nothing done, `zero` retired) is never taken.
fn enter(
    b: &mut FunctionBuilder,
    starts: &[(u64, Block)],
    entry_pc: Value,
    exit: Block,
    zero: Value,
) {
    if let [(_, only)] = starts[..] {
        b.ins().jump(only, &[]);
        return;
    }
    let none = b.create_block();
    let in_page = b.ins().band_imm_s(entry_pc, PAGE_SIZE as i64 - 1);
    branch_to_start(b, starts, in_page, none);
    b.switch_to_block(none);
    let code = b.ins().iconst(types::I32, exit::SYNC as i64);
    let args = [entry_pc, zero, code].map(BlockArg::Value);
    b.ins().jump(exit, &args);
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
        let (load_tlb, store_tlb) = data_tlb_tables(&mut b, hart, hart_mem);
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
        enter(&mut b, &starts, entry_pc, exit, zero);
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

    /// The virtual address at page offset `offset`.
    fn pc_at(&mut self, offset: u64) -> Value {
        self.b.ins().iadd_imm_s(self.page_pc, offset as i64)
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
}
