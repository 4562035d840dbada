//! F and D: register moves, loads/stores and dispatch to the soft-float
//! unit. Every instruction first needs `mstatus.FS != Off`; every write of an
//! f register or of fflags marks FS dirty.

use heron_mmu::Bus;

use crate::csr::MSTATUS_FS;
use crate::decode::{Kind, Op};
use crate::fpu::{self, box_f32, unbox_f32};
use crate::hart::Hart;
use crate::trap::Trap;

/// Where an FP instruction's result goes.
enum Dest {
    /// f[rd] (already boxed for single precision).
    F(u64),
    /// x[rd].
    X(u64),
}

impl Hart {
    /// The rounding mode for `op`: its static field, or `frm` when dynamic.
    /// An invalid `frm` makes the instruction illegal.
    #[inline]
    fn rounding_mode(&self, op: &Op) -> Result<u8, Trap> {
        let rm = if op.rm == 7 { self.frm } else { op.rm };
        if rm > 4 {
            return Err(Trap::illegal(op.raw));
        }
        Ok(rm)
    }

    /// Executes an F or D instruction; `a` is `x[rs1]`.
    pub(crate) fn exec_fp(&mut self, bus: &Bus, op: &Op, a: u64) -> Result<(), Trap> {
        use Kind::*;
        if self.mstatus & MSTATUS_FS == 0 {
            return Err(Trap::illegal(op.raw));
        }
        let f1 = self.f[(op.rs1 & 31) as usize];
        let f2 = self.f[(op.rs2 & 31) as usize];
        let f3 = self.f[(op.rs3 & 31) as usize];
        let (s1, s2, s3) = (unbox_f32(f1), unbox_f32(f2), unbox_f32(f3));
        let addr = a.wrapping_add(op.imm as i64 as u64);
        // Single-precision result with flags.
        let fs = |(v, fl): (u32, u8)| (Dest::F(box_f32(v)), fl);
        let fd = |(v, fl): (u64, u8)| (Dest::F(v), fl);
        let xi = |(v, fl): (u64, u8)| (Dest::X(v), fl);
        let cmp = |(v, fl): (bool, u8)| (Dest::X(v as u64), fl);
        let (dest, flags) = match op.kind {
            Flw => (Dest::F(box_f32(self.load(bus, addr, 4)? as u32)), 0),
            Fld => (Dest::F(self.load(bus, addr, 8)?), 0),
            Fsw => return self.store(bus, addr, 4, f2).map(|_| ()),
            Fsd => return self.store(bus, addr, 8, f2).map(|_| ()),
            FmaddS => fs(fpu::f32_madd(s1, s2, s3, self.rounding_mode(op)?)),
            FmsubS => fs(fpu::f32_msub(s1, s2, s3, self.rounding_mode(op)?)),
            FnmsubS => fs(fpu::f32_nmsub(s1, s2, s3, self.rounding_mode(op)?)),
            FnmaddS => fs(fpu::f32_nmadd(s1, s2, s3, self.rounding_mode(op)?)),
            FaddS => fs(fpu::f32_add(s1, s2, self.rounding_mode(op)?)),
            FsubS => fs(fpu::f32_sub(s1, s2, self.rounding_mode(op)?)),
            FmulS => fs(fpu::f32_mul(s1, s2, self.rounding_mode(op)?)),
            FdivS => fs(fpu::f32_div(s1, s2, self.rounding_mode(op)?)),
            FsqrtS => fs(fpu::f32_sqrt(s1, self.rounding_mode(op)?)),
            FsgnjS => fs((fpu::f32_sgnj(s1, s2), 0)),
            FsgnjnS => fs((fpu::f32_sgnjn(s1, s2), 0)),
            FsgnjxS => fs((fpu::f32_sgnjx(s1, s2), 0)),
            FminS => fs(fpu::f32_min(s1, s2)),
            FmaxS => fs(fpu::f32_max(s1, s2)),
            FcvtWS => xi(fpu::f32_to_i32(s1, self.rounding_mode(op)?)),
            FcvtWuS => xi(fpu::f32_to_u32(s1, self.rounding_mode(op)?)),
            FcvtLS => xi(fpu::f32_to_i64(s1, self.rounding_mode(op)?)),
            FcvtLuS => xi(fpu::f32_to_u64(s1, self.rounding_mode(op)?)),
            // fmv.x.w moves the raw low bits, sign-extended, boxed or not.
            FmvXW => (Dest::X(f1 as u32 as i32 as i64 as u64), 0),
            FeqS => cmp(fpu::f32_eq(s1, s2)),
            FltS => cmp(fpu::f32_lt(s1, s2)),
            FleS => cmp(fpu::f32_le(s1, s2)),
            FclassS => (Dest::X(fpu::f32_classify(s1)), 0),
            FcvtSW => fs(fpu::i32_to_f32(a, self.rounding_mode(op)?)),
            FcvtSWu => fs(fpu::u32_to_f32(a, self.rounding_mode(op)?)),
            FcvtSL => fs(fpu::i64_to_f32(a, self.rounding_mode(op)?)),
            FcvtSLu => fs(fpu::u64_to_f32(a, self.rounding_mode(op)?)),
            FmvWX => (Dest::F(box_f32(a as u32)), 0),
            FmaddD => fd(fpu::f64_madd(f1, f2, f3, self.rounding_mode(op)?)),
            FmsubD => fd(fpu::f64_msub(f1, f2, f3, self.rounding_mode(op)?)),
            FnmsubD => fd(fpu::f64_nmsub(f1, f2, f3, self.rounding_mode(op)?)),
            FnmaddD => fd(fpu::f64_nmadd(f1, f2, f3, self.rounding_mode(op)?)),
            FaddD => fd(fpu::f64_add(f1, f2, self.rounding_mode(op)?)),
            FsubD => fd(fpu::f64_sub(f1, f2, self.rounding_mode(op)?)),
            FmulD => fd(fpu::f64_mul(f1, f2, self.rounding_mode(op)?)),
            FdivD => fd(fpu::f64_div(f1, f2, self.rounding_mode(op)?)),
            FsqrtD => fd(fpu::f64_sqrt(f1, self.rounding_mode(op)?)),
            FsgnjD => fd((fpu::f64_sgnj(f1, f2), 0)),
            FsgnjnD => fd((fpu::f64_sgnjn(f1, f2), 0)),
            FsgnjxD => fd((fpu::f64_sgnjx(f1, f2), 0)),
            FminD => fd(fpu::f64_min(f1, f2)),
            FmaxD => fd(fpu::f64_max(f1, f2)),
            FcvtWD => xi(fpu::f64_to_i32(f1, self.rounding_mode(op)?)),
            FcvtWuD => xi(fpu::f64_to_u32(f1, self.rounding_mode(op)?)),
            FcvtLD => xi(fpu::f64_to_i64(f1, self.rounding_mode(op)?)),
            FcvtLuD => xi(fpu::f64_to_u64(f1, self.rounding_mode(op)?)),
            FmvXD => (Dest::X(f1), 0),
            FeqD => cmp(fpu::f64_eq(f1, f2)),
            FltD => cmp(fpu::f64_lt(f1, f2)),
            FleD => cmp(fpu::f64_le(f1, f2)),
            FclassD => (Dest::X(fpu::f64_classify(f1)), 0),
            FcvtDW => fd(fpu::i32_to_f64(a, self.rounding_mode(op)?)),
            FcvtDWu => fd(fpu::u32_to_f64(a, self.rounding_mode(op)?)),
            FcvtDL => fd(fpu::i64_to_f64(a, self.rounding_mode(op)?)),
            FcvtDLu => fd(fpu::u64_to_f64(a, self.rounding_mode(op)?)),
            FmvDX => (Dest::F(a), 0),
            FcvtSD => fs(fpu::f64_to_f32(f1, self.rounding_mode(op)?)),
            FcvtDS => {
                self.rounding_mode(op)?;
                fd(fpu::f32_to_f64(s1))
            }
            _ => return Err(Trap::illegal(op.raw)),
        };
        match dest {
            Dest::F(v) => {
                self.f[(op.rd & 31) as usize] = v;
                self.set_fs_dirty();
            }
            Dest::X(v) => self.set_x(op.rd, v),
        }
        if flags != 0 {
            self.fflags |= flags;
            self.set_fs_dirty();
        }
        Ok(())
    }
}
