//! The executor: one `match` arm per instruction, grouped by extension as
//! in the ISA manual. Floating point, atomics and system instructions live in
//! their own files; the integer core stays here, on the hot path.

mod amo;
mod fence;
mod fp;
mod system;

use heron_mmu::Bus;

use crate::decode::{Kind, Op};
use crate::hart::Hart;
use crate::trap::Trap;
pub(crate) use fence::{fence_order, host_fence, FenceOrder};

/// What happens after an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Fall through to the next instruction.
    Continue,
    /// Control moved to this address (block ends).
    Jump(u64),
    /// `wfi` with nothing pending: wait for an interrupt, then resume at `pc`.
    Wait,
    /// State the block loop depends on changed (`pc` already set): end
    /// the block and re-check interrupts.
    Resync,
    /// The instruction raised the exception in `Hart::pending_trap`.
    /// (Keeping the trap out of the return value keeps `Next` small enough
    /// to live in registers on the hot path.)
    Trap,
}

/// Unwraps a `Result<_, Trap>` inside [`Hart::execute`]: on an exception,
/// park it in `pending_trap` and return [`Next::Trap`].
macro_rules! tri {
    ($self:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(t) => {
                $self.pending_trap = t;
                return Next::Trap;
            }
        }
    };
}

#[inline(always)]
fn sext32(v: u64) -> u64 {
    v as i32 as i64 as u64
}

impl Hart {
    /// Executes `op` at `pc`. `retired` is the number of instructions retired
    /// before it (for counter CSRs).
    #[inline(always)]
    pub(crate) fn execute(&mut self, bus: &Bus, op: &Op, pc: u64, retired: u64) -> Next {
        use Kind::*;
        let a = self.get_x(op.rs1);
        let b = self.get_x(op.rs2);
        let imm = op.imm as i64 as u64;
        let rd = op.rd;
        let v = match op.kind {
            // RV64I
            Lui => imm,
            Auipc => pc.wrapping_add(imm),
            Jal => {
                self.set_x(rd, pc.wrapping_add(op.len as u64));
                return Next::Jump(pc.wrapping_add(imm));
            }
            Jalr => {
                let target = a.wrapping_add(imm) & !1;
                self.set_x(rd, pc.wrapping_add(op.len as u64));
                return Next::Jump(target);
            }
            Beq => return branch(a == b, pc, imm),
            Bne => return branch(a != b, pc, imm),
            Blt => return branch((a as i64) < (b as i64), pc, imm),
            Bge => return branch((a as i64) >= (b as i64), pc, imm),
            Bltu => return branch(a < b, pc, imm),
            Bgeu => return branch(a >= b, pc, imm),
            Lb => tri!(self, self.load(bus, a.wrapping_add(imm), 1)) as i8 as u64,
            Lh => tri!(self, self.load(bus, a.wrapping_add(imm), 2)) as i16 as u64,
            Lw => tri!(self, self.load(bus, a.wrapping_add(imm), 4)) as i32 as u64,
            Ld => tri!(self, self.load(bus, a.wrapping_add(imm), 8)),
            Lbu => tri!(self, self.load(bus, a.wrapping_add(imm), 1)),
            Lhu => tri!(self, self.load(bus, a.wrapping_add(imm), 2)),
            Lwu => tri!(self, self.load(bus, a.wrapping_add(imm), 4)),
            Sb => return self.store_op(bus, a.wrapping_add(imm), 1, b, pc, op),
            Sh => return self.store_op(bus, a.wrapping_add(imm), 2, b, pc, op),
            Sw => return self.store_op(bus, a.wrapping_add(imm), 4, b, pc, op),
            Sd => return self.store_op(bus, a.wrapping_add(imm), 8, b, pc, op),
            Addi => a.wrapping_add(imm),
            Slti => ((a as i64) < (imm as i64)) as u64,
            Sltiu => (a < imm) as u64,
            Xori => a ^ imm,
            Ori => a | imm,
            Andi => a & imm,
            Slli => a << (imm & 63),
            Srli => a >> (imm & 63),
            Srai => ((a as i64) >> (imm & 63)) as u64,
            Add => a.wrapping_add(b),
            Sub => a.wrapping_sub(b),
            Sll => a << (b & 63),
            Slt => ((a as i64) < (b as i64)) as u64,
            Sltu => (a < b) as u64,
            Xor => a ^ b,
            Srl => a >> (b & 63),
            Sra => ((a as i64) >> (b & 63)) as u64,
            Or => a | b,
            And => a & b,
            Addiw => sext32(a.wrapping_add(imm)),
            Slliw => sext32(a << (imm & 31)),
            Srliw => sext32((a as u32 >> (imm & 31)) as u64),
            Sraiw => ((a as i32) >> (imm & 31)) as i64 as u64,
            Addw => sext32(a.wrapping_add(b)),
            Subw => sext32(a.wrapping_sub(b)),
            Sllw => sext32(a << (b & 31)),
            Srlw => sext32((a as u32 >> (b & 31)) as u64),
            Sraw => ((a as i32) >> (b & 31)) as i64 as u64,
            Fence => {
                if self.concurrent_memory {
                    host_fence(fence_order(op.imm as u32));
                }
                0
            }
            // Stores into pages holding decoded code already invalidated it.
            FenceI => return Next::Jump(pc.wrapping_add(op.len as u64)),
            // M
            Mul => a.wrapping_mul(b),
            Mulh => ((a as i64 as i128 * b as i64 as i128) >> 64) as u64,
            Mulhsu => ((a as i64 as i128 * b as i128) >> 64) as u64,
            Mulhu => ((a as u128 * b as u128) >> 64) as u64,
            Div => div(a as i64, b as i64) as u64,
            Divu => a.checked_div(b).unwrap_or(u64::MAX),
            Rem => rem(a as i64, b as i64) as u64,
            Remu => {
                if b == 0 {
                    a
                } else {
                    a % b
                }
            }
            Mulw => sext32(a.wrapping_mul(b)),
            Divw => div(a as i32 as i64, b as i32 as i64) as i32 as i64 as u64,
            Divuw => sext32((a as u32).checked_div(b as u32).unwrap_or(u32::MAX) as u64),
            Remw => rem(a as i32 as i64, b as i32 as i64) as i32 as i64 as u64,
            Remuw => {
                let (x, y) = (a as u32, b as u32);
                sext32(if y == 0 { x } else { x % y } as u64)
            }
            // Zba
            AddUw => b.wrapping_add(a as u32 as u64),
            Sh1add => b.wrapping_add(a << 1),
            Sh2add => b.wrapping_add(a << 2),
            Sh3add => b.wrapping_add(a << 3),
            Sh1addUw => b.wrapping_add((a as u32 as u64) << 1),
            Sh2addUw => b.wrapping_add((a as u32 as u64) << 2),
            Sh3addUw => b.wrapping_add((a as u32 as u64) << 3),
            SlliUw => (a as u32 as u64) << (imm & 63),
            // Zbb
            Andn => a & !b,
            Orn => a | !b,
            Xnor => !(a ^ b),
            Clz => a.leading_zeros() as u64,
            Clzw => (a as u32).leading_zeros() as u64,
            Ctz => a.trailing_zeros() as u64,
            Ctzw => (a as u32).trailing_zeros() as u64,
            Cpop => a.count_ones() as u64,
            Cpopw => (a as u32).count_ones() as u64,
            Max => (a as i64).max(b as i64) as u64,
            Maxu => a.max(b),
            Min => (a as i64).min(b as i64) as u64,
            Minu => a.min(b),
            SextB => a as i8 as u64,
            SextH => a as i16 as u64,
            ZextH => a as u16 as u64,
            Rol => a.rotate_left((b & 63) as u32),
            Rolw => sext32((a as u32).rotate_left((b & 31) as u32) as u64),
            Ror => a.rotate_right((b & 63) as u32),
            Rorw => sext32((a as u32).rotate_right((b & 31) as u32) as u64),
            Rori => a.rotate_right((imm & 63) as u32),
            Roriw => sext32((a as u32).rotate_right((imm & 31) as u32) as u64),
            OrcB => orc_b(a),
            Rev8 => a.swap_bytes(),
            // Zbs
            Bclr => a & !(1 << (b & 63)),
            Bclri => a & !(1 << (imm & 63)),
            Bext => (a >> (b & 63)) & 1,
            Bexti => (a >> (imm & 63)) & 1,
            Binv => a ^ (1 << (b & 63)),
            Binvi => a ^ (1 << (imm & 63)),
            Bset => a | (1 << (b & 63)),
            Bseti => a | (1 << (imm & 63)),
            // Zicond
            CzeroEqz => {
                if b == 0 {
                    0
                } else {
                    a
                }
            }
            CzeroNez => {
                if b != 0 {
                    0
                } else {
                    a
                }
            }
            // A
            LrW | ScW | LrD | ScD | AmoSwapW | AmoAddW | AmoXorW | AmoAndW | AmoOrW | AmoMinW
            | AmoMaxW | AmoMinuW | AmoMaxuW | AmoSwapD | AmoAddD | AmoXorD | AmoAndD | AmoOrD
            | AmoMinD | AmoMaxD | AmoMinuD | AmoMaxuD => {
                tri!(self, self.exec_atomic(bus, op, a, b))
            }
            // System
            Ecall | Ebreak | Mret | Sret | Wfi | SfenceVma | Csrrw | Csrrs | Csrrc | Csrrwi
            | Csrrsi | Csrrci => return tri!(self, self.exec_system(op, pc, a, retired)),
            Illegal => {
                self.pending_trap = Trap::illegal(op.raw);
                return Next::Trap;
            }
            // F and D
            _ => {
                tri!(self, self.exec_fp(bus, op, a));
                return Next::Continue;
            }
        };
        self.set_x(rd, v);
        Next::Continue
    }
}

impl Hart {
    #[inline(always)]
    fn store_op(&mut self, bus: &Bus, addr: u64, size: u64, v: u64, pc: u64, op: &Op) -> Next {
        if tri!(self, self.store(bus, addr, size, v)) {
            self.pc = pc.wrapping_add(op.len as u64);
            return Next::Resync;
        }
        Next::Continue
    }
}

#[inline(always)]
fn branch(taken: bool, pc: u64, imm: u64) -> Next {
    if taken {
        Next::Jump(pc.wrapping_add(imm))
    } else {
        Next::Continue
    }
}

/// Signed division with the ISA's results for /0 (-1) and overflow (MIN).
fn div(a: i64, b: i64) -> i64 {
    if b == 0 {
        -1
    } else {
        a.wrapping_div(b)
    }
}

/// Signed remainder: x % 0 = x, MIN % -1 = 0.
fn rem(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        a.wrapping_rem(b)
    }
}

/// orc.b: each byte becomes 0xff if any of its bits is set, else 0.
fn orc_b(a: u64) -> u64 {
    (0..8).fold(0, |acc, i| {
        let byte = (a >> (8 * i)) & 0xff;
        acc | if byte != 0 { 0xff << (8 * i) } else { 0 }
    })
}
