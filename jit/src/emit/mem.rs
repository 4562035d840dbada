//! Loads and stores: the soft-TLB hit path inline (index, tag compare,
//! addend — the contract of `mmu::tlb`), the MMU's slow path through a
//! helper call on a miss.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, BlockArg, InstBuilder, Value};
use heron_cpu::decode::{Kind, Op};
use heron_cpu::tier::exit;
use heron_mmu::tlb::TLB_ENTRIES;

/// log2 of a TLB entry's size (16 bytes, checked in `mmu::tlb`).
const ENTRY_SHIFT: i64 = 4;
const _: () = assert!(std::mem::size_of::<heron_mmu::tlb::TlbEntry>() == 1 << ENTRY_SHIFT);

use super::Emitter;

impl Emitter<'_> {
    /// The TLB entry `vaddr` would use in `table`, and whether it hits for
    /// an access of `size` bytes (the tag compare of `mmu::tlb`).
    pub(super) fn tlb_probe(&mut self, table: Value, vaddr: Value, size: i64) -> (Value, Value) {
        // The entry's byte offset, `((vaddr >> 12) & (N - 1)) * 16`, as
        // `(vaddr >> 8) & ((N - 1) << 4)`: one shift fewer.
        let shifted = self.b.ins().ushr_imm_s(vaddr, 12 - ENTRY_SHIFT);
        let offset = self
            .b
            .ins()
            .band_imm_s(shifted, (TLB_ENTRIES as i64 - 1) << ENTRY_SHIFT);
        let entry = self.b.ins().iadd(table, offset);
        let tag = self.b.ins().load(types::I64, self.mem.hart, entry, 0);
        let masked = self.b.ins().band_imm_s(vaddr, !0xfffi64 | (size - 1));
        let hit = self.b.ins().icmp(IntCC::Equal, tag, masked);
        (entry, hit)
    }

    /// An integer load (`lb` … `ld`, `lbu` … `lwu`).
    pub(super) fn load(&mut self, i: usize, op: &Op) {
        use Kind::*;
        let size: i64 = match op.kind {
            Lb | Lbu => 1,
            Lh | Lhu => 2,
            Lw | Lwu => 4,
            _ => 8,
        };
        let base = self.x(op.rs1);
        let vaddr = self.b.ins().iadd_imm_s(base, op.imm as i64);
        let raw = self.load_value(i, vaddr, size);
        let v = match op.kind {
            Lb => self.sext(raw, types::I8),
            Lh => self.sext(raw, types::I16),
            Lw => self.sext(raw, types::I32),
            _ => raw,
        };
        self.set_x(op.rd, v);
    }

    /// The `size` bytes at `vaddr`, zero-extended, for op `i`
    /// (which, on a fault, leaves with TRAP).
    pub(super) fn load_value(&mut self, i: usize, vaddr: Value, size: i64) -> Value {
        let (entry, hit) = self.tlb_probe(self.load_tlb, vaddr, size);
        let (fast, slow, join) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.append_block_param(join, types::I64);
        self.b.ins().brif(hit, fast, &[], slow, &[]);
        self.b.set_cold_block(slow);

        self.b.switch_to_block(fast);
        let addend = self.b.ins().load(types::I64, self.mem.hart, entry, 8);
        let host = self.b.ins().iadd(vaddr, addend);
        let raw = match size {
            1 => self.b.ins().uload8(types::I64, self.mem.guest, host, 0),
            2 => self.b.ins().uload16(types::I64, self.mem.guest, host, 0),
            4 => self.b.ins().uload32(self.mem.guest, host, 0),
            _ => self.b.ins().load(types::I64, self.mem.guest, host, 0),
        };
        self.b.ins().jump(join, &[BlockArg::Value(raw)]);

        self.b.switch_to_block(slow);
        let size_v = self.b.ins().iconst(types::I64, size);
        let args = [self.hart, self.bus, vaddr, size_v];
        let call = self.b.ins().call(self.helpers.load, &args);
        let (status, raw) = (self.b.inst_results(call)[0], self.b.inst_results(call)[1]);
        self.trap_if(status, i);
        self.b.ins().jump(join, &[BlockArg::Value(raw)]);

        self.b.switch_to_block(join);
        self.b.block_params(join)[0]
    }

    fn sext(&mut self, v: Value, ty: types::Type) -> Value {
        let narrow = self.b.ins().ireduce(ty, v);
        self.b.ins().sextend(types::I64, narrow)
    }

    /// An integer store (`sb` … `sd`).
    pub(super) fn store(&mut self, i: usize, op: &Op) {
        use Kind::*;
        let size: i64 = match op.kind {
            Sb => 1,
            Sh => 2,
            Sw => 4,
            _ => 8,
        };
        let base = self.x(op.rs1);
        let value = self.x(op.rs2);
        let vaddr = self.b.ins().iadd_imm_s(base, op.imm as i64);
        self.store_value(i, op, vaddr, size, value);
    }

    /// Stores the low `size` bytes of `value` at `vaddr` for op `i` (`op`,
    /// at `pc`): a fault leaves with TRAP, a device store ends the block
    /// after it with SYNC.
    pub(super) fn store_value(&mut self, i: usize, op: &Op, vaddr: Value, size: i64, value: Value) {
        let (entry, hit) = self.tlb_probe(self.store_tlb, vaddr, size);
        let (fast, slow, join) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().brif(hit, fast, &[], slow, &[]);
        self.b.set_cold_block(slow);

        self.b.switch_to_block(fast);
        let addend = self.b.ins().load(types::I64, self.mem.hart, entry, 8);
        let host = self.b.ins().iadd(vaddr, addend);
        match size {
            1 => self.b.ins().istore8(self.mem.guest, value, host, 0),
            2 => self.b.ins().istore16(self.mem.guest, value, host, 0),
            4 => self.b.ins().istore32(self.mem.guest, value, host, 0),
            _ => self.b.ins().store(self.mem.guest, value, host, 0),
        };
        self.b.ins().jump(join, &[]);

        self.b.switch_to_block(slow);
        let size_v = self.b.ins().iconst(types::I64, size);
        let args = [self.hart, self.bus, vaddr, size_v, value];
        let call = self.b.ins().call(self.helpers.store, &args);
        let status = self.b.inst_results(call)[0];
        self.trap_if(status, i);
        // Not a trap: 0 goes on, SYNC (a device) ends the block after it.
        let sync = self.b.create_block();
        self.b.ins().brif(status, sync, &[], join, &[]);
        self.b.set_cold_block(sync);
        self.b.switch_to_block(sync);
        let n = self.count(i as i64 + 1);
        self.leave_at((self.at + op.len as u64) as i64, n, exit::SYNC);

        self.b.switch_to_block(join);
    }
}
