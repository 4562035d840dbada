//! Control and status registers (Zicsr; privileged spec chapters 2–4):
//! access checks, WARL legalisation and side effects.

use crate::hart::{Hart, Priv};
use crate::trap::{irq, Trap};

#[allow(missing_docs)]
pub mod addr {
    pub const FFLAGS: u16 = 0x001;
    pub const FRM: u16 = 0x002;
    pub const FCSR: u16 = 0x003;
    pub const CYCLE: u16 = 0xc00;
    pub const TIME: u16 = 0xc01;
    pub const INSTRET: u16 = 0xc02;
    pub const SSTATUS: u16 = 0x100;
    pub const SIE: u16 = 0x104;
    pub const STVEC: u16 = 0x105;
    pub const SCOUNTEREN: u16 = 0x106;
    pub const SENVCFG: u16 = 0x10a;
    pub const SSCRATCH: u16 = 0x140;
    pub const SEPC: u16 = 0x141;
    pub const SCAUSE: u16 = 0x142;
    pub const STVAL: u16 = 0x143;
    pub const SIP: u16 = 0x144;
    pub const STIMECMP: u16 = 0x14d;
    pub const SATP: u16 = 0x180;
    pub const MVENDORID: u16 = 0xf11;
    pub const MARCHID: u16 = 0xf12;
    pub const MIMPID: u16 = 0xf13;
    pub const MHARTID: u16 = 0xf14;
    pub const MCONFIGPTR: u16 = 0xf15;
    pub const MSTATUS: u16 = 0x300;
    pub const MISA: u16 = 0x301;
    pub const MEDELEG: u16 = 0x302;
    pub const MIDELEG: u16 = 0x303;
    pub const MIE: u16 = 0x304;
    pub const MTVEC: u16 = 0x305;
    pub const MCOUNTEREN: u16 = 0x306;
    pub const MENVCFG: u16 = 0x30a;
    pub const MCOUNTINHIBIT: u16 = 0x320;
    pub const MSCRATCH: u16 = 0x340;
    pub const MEPC: u16 = 0x341;
    pub const MCAUSE: u16 = 0x342;
    pub const MTVAL: u16 = 0x343;
    pub const MIP: u16 = 0x344;
    pub const PMPCFG0: u16 = 0x3a0;
    pub const PMPADDR0: u16 = 0x3b0;
    pub const TSELECT: u16 = 0x7a0;
    pub const TDATA1: u16 = 0x7a1;
    pub const TDATA2: u16 = 0x7a2;
    pub const TDATA3: u16 = 0x7a3;
    pub const TINFO: u16 = 0x7a4;
    pub const MCYCLE: u16 = 0xb00;
    pub const MINSTRET: u16 = 0xb02;
}

pub const MSTATUS_SIE: u64 = 1 << 1;
pub const MSTATUS_MIE: u64 = 1 << 3;
pub const MSTATUS_SPIE: u64 = 1 << 5;
pub const MSTATUS_MPIE: u64 = 1 << 7;
pub const MSTATUS_SPP: u64 = 1 << 8;
pub const MSTATUS_MPP_SHIFT: u64 = 11;
pub const MSTATUS_MPP: u64 = 3 << MSTATUS_MPP_SHIFT;
pub const MSTATUS_FS: u64 = 3 << 13;
pub const MSTATUS_MPRV: u64 = 1 << 17;
pub const MSTATUS_SUM: u64 = 1 << 18;
pub const MSTATUS_MXR: u64 = 1 << 19;
pub const MSTATUS_TVM: u64 = 1 << 20;
pub const MSTATUS_TW: u64 = 1 << 21;
pub const MSTATUS_TSR: u64 = 1 << 22;
pub const MSTATUS_SD: u64 = 1 << 63;
/// UXL = SXL = 2 (64-bit), read-only.
const MSTATUS_XL: u64 = (2 << 32) | (2 << 34);
/// `mstatus` after reset: XLENs fixed, everything else zero.
pub const MSTATUS_RESET: u64 = MSTATUS_XL;
const MSTATUS_WRITABLE: u64 = MSTATUS_SIE
    | MSTATUS_MIE
    | MSTATUS_SPIE
    | MSTATUS_MPIE
    | MSTATUS_SPP
    | MSTATUS_MPP
    | MSTATUS_FS
    | MSTATUS_MPRV
    | MSTATUS_SUM
    | MSTATUS_MXR
    | MSTATUS_TVM
    | MSTATUS_TW
    | MSTATUS_TSR;
/// The bits of `mstatus` that `sstatus` shows.
const SSTATUS_MASK: u64 = MSTATUS_SIE
    | MSTATUS_SPIE
    | MSTATUS_SPP
    | MSTATUS_FS
    | MSTATUS_SUM
    | MSTATUS_MXR
    | (3 << 32)
    | MSTATUS_SD;

/// `mip` bits driven by devices rather than software.
pub const EXTERNAL_IRQ_MASK: u64 =
    (1 << irq::MSI) | (1 << irq::MTI) | (1 << irq::MEI) | (1 << irq::SEI);
const S_IRQS: u64 = (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI);
const ALL_IRQS: u64 = S_IRQS | (1 << irq::MSI) | (1 << irq::MTI) | (1 << irq::MEI);
/// Exceptions that may be delegated: all but ecall from M (11) and the
/// reserved codes 10 and 14.
const MEDELEG_MASK: u64 = 0xb3ff;
const MENVCFG_STCE: u64 = 1 << 63;
const ENVCFG_FIOM: u64 = 1;

/// `misa`: RV64 with A, C, D, F, I, M, S, U (and B for Zba/Zbb/Zbs).
pub const MISA_VALUE: u64 = (2 << 62)
    | (1 << 0)  // A
    | (1 << 1)  // B
    | (1 << 2)  // C
    | (1 << 3)  // D
    | (1 << 5)  // F
    | (1 << 8)  // I
    | (1 << 12) // M
    | (1 << 18) // S
    | (1 << 20); // U

/// CSRs not kept in [`Hart`]'s hot fields.
#[allow(missing_docs)]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsrFile {
    pub mhartid: u64,
    pub medeleg: u64,
    pub mideleg: u64,
    pub mtvec: u64,
    pub stvec: u64,
    pub mepc: u64,
    pub sepc: u64,
    pub mcause: u64,
    pub scause: u64,
    pub mtval: u64,
    pub stval: u64,
    pub mscratch: u64,
    pub sscratch: u64,
    pub satp: u64,
    pub mcounteren: u64,
    pub scounteren: u64,
    pub menvcfg: u64,
    pub senvcfg: u64,
    pub stimecmp: u64,
    pub mcountinhibit: u64,
    /// `mip` bits software set (SSIP, STIP without Sstc, SEIP).
    pub mip_sw: u64,
    /// `mcycle` minus the executed-instruction count (cycles are counted
    /// as instructions).
    pub cycle_offset: u64,
    /// `minstret` minus the executed-instruction count, so that guest
    /// writes never disturb the count time may be derived from.
    pub instret_offset: u64,
}

impl CsrFile {
    /// Reset values.
    pub fn new(hartid: u64) -> Self {
        CsrFile {
            mhartid: hartid,
            stimecmp: u64::MAX,
            ..Default::default()
        }
    }
}

/// What a CSR instruction did besides reading and writing, so the caller can
/// act on state it caches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CsrEffect {
    /// Translation state changed: drop TLB contexts.
    pub flush_tlb: bool,
}

impl Hart {
    fn fs_enabled(&self) -> bool {
        self.mstatus & MSTATUS_FS != 0
    }

    /// Marks the FP state dirty (FS = 3, SD = 1).
    #[inline]
    pub fn set_fs_dirty(&mut self) {
        self.mstatus |= MSTATUS_FS | MSTATUS_SD;
    }

    /// Recomputes the effective `mip` from software bits, device lines and
    /// the Sstc comparator.
    pub fn refresh_mip(&mut self) {
        let mut mip = self.csr.mip_sw | self.external_irqs;
        if self.csr.menvcfg & MENVCFG_STCE != 0 {
            mip &= !(1 << irq::STI);
            if self.mtime >= self.csr.stimecmp {
                mip |= 1 << irq::STI;
            }
        }
        self.mip = mip;
    }

    /// Checks `mcounteren`/`scounteren` for the counter CSR `csr`.
    fn counter_allowed(&self, csr: u16) -> bool {
        let bit = 1u64 << (csr & 31);
        match self.privilege {
            Priv::M => true,
            Priv::S => self.csr.mcounteren & bit != 0,
            Priv::U => self.csr.mcounteren & bit != 0 && self.csr.scounteren & bit != 0,
        }
    }

    /// Reads CSR `csr`. `retired` is `instret` as of this instruction.
    pub(crate) fn csr_read(&mut self, csr: u16, retired: u64, bits: u32) -> Result<u64, Trap> {
        use addr::*;
        let illegal = Trap::illegal(bits);
        if (csr >> 8) & 3 > self.privilege as u16 {
            return Err(illegal);
        }
        Ok(match csr {
            FFLAGS | FRM | FCSR => {
                if !self.fs_enabled() {
                    return Err(illegal);
                }
                match csr {
                    FFLAGS => self.fflags as u64,
                    FRM => self.frm as u64,
                    _ => ((self.frm as u64) << 5) | self.fflags as u64,
                }
            }
            CYCLE..=0xc1f => {
                if !self.counter_allowed(csr) {
                    return Err(illegal);
                }
                match csr {
                    CYCLE => retired.wrapping_add(self.csr.cycle_offset),
                    TIME => self.mtime,
                    INSTRET => retired.wrapping_add(self.csr.instret_offset),
                    _ => 0,
                }
            }
            SSTATUS => self.sstatus(),
            SIE => self.mie & self.csr.mideleg,
            SIP => self.mip & self.csr.mideleg,
            STVEC => self.csr.stvec,
            SCOUNTEREN => self.csr.scounteren,
            SENVCFG => self.csr.senvcfg,
            SSCRATCH => self.csr.sscratch,
            SEPC => self.csr.sepc,
            SCAUSE => self.csr.scause,
            STVAL => self.csr.stval,
            STIMECMP => {
                self.check_stimecmp_access(bits)?;
                self.csr.stimecmp
            }
            SATP => {
                if self.privilege == Priv::S && self.mstatus & MSTATUS_TVM != 0 {
                    return Err(illegal);
                }
                self.csr.satp
            }
            MVENDORID | MARCHID | MIMPID | MCONFIGPTR => 0,
            MHARTID => self.csr.mhartid,
            MSTATUS => self.mstatus_read(),
            MISA => MISA_VALUE,
            MEDELEG => self.csr.medeleg,
            MIDELEG => self.csr.mideleg,
            MIE => self.mie,
            MIP => self.mip,
            MTVEC => self.csr.mtvec,
            MCOUNTEREN => self.csr.mcounteren,
            MENVCFG => self.csr.menvcfg,
            MCOUNTINHIBIT => self.csr.mcountinhibit,
            MSCRATCH => self.csr.mscratch,
            MEPC => self.csr.mepc,
            MCAUSE => self.csr.mcause,
            MTVAL => self.csr.mtval,
            0x3a0..=0x3af => {
                // RV64 has only the even pmpcfg registers.
                if csr & 1 != 0 {
                    return Err(illegal);
                }
                self.pmp.read_cfg((csr - PMPCFG0) as usize)
            }
            0x3b0..=0x3bf => self.pmp.read_addr((csr - PMPADDR0) as usize),
            // pmpaddr16..63: unimplemented entries read as zero.
            0x3c0..=0x3ef => 0,
            // Sdtrig with no triggers: tselect 0 selects nothing (tdata1
            // type 0), and tinfo says only type 0 exists.
            TSELECT | TDATA1 | TDATA2 | TDATA3 => 0,
            TINFO => 1,
            MCYCLE => retired.wrapping_add(self.csr.cycle_offset),
            MINSTRET => retired.wrapping_add(self.csr.instret_offset),
            // Unimplemented hardware performance counters and their events.
            0xb03..=0xb1f | 0x323..=0x33f => 0,
            _ => return Err(illegal),
        })
    }

    /// Writes CSR `csr` (access already checked by [`Hart::csr_read`] or
    /// [`Hart::csr_check_write`]). `retired` is `instret` as of this
    /// instruction.
    pub(crate) fn csr_write(
        &mut self,
        csr: u16,
        v: u64,
        retired: u64,
        bits: u32,
    ) -> Result<CsrEffect, Trap> {
        use addr::*;
        let mut effect = CsrEffect::default();
        match csr {
            FFLAGS => {
                self.fflags = (v & 0x1f) as u8;
                self.set_fs_dirty();
            }
            FRM => {
                self.frm = (v & 7) as u8;
                self.set_fs_dirty();
            }
            FCSR => {
                self.fflags = (v & 0x1f) as u8;
                self.frm = ((v >> 5) & 7) as u8;
                self.set_fs_dirty();
            }
            SSTATUS => {
                let m = (self.mstatus & !SSTATUS_MASK) | (v & SSTATUS_MASK);
                effect = self.mstatus_write(m);
            }
            SIE => {
                let d = self.csr.mideleg;
                self.mie = (self.mie & !d) | (v & d);
            }
            SIP => {
                // Only SSIP is writable through sip, and only if delegated.
                let w = self.csr.mideleg & (1 << irq::SSI);
                self.csr.mip_sw = (self.csr.mip_sw & !w) | (v & w);
                self.refresh_mip();
            }
            STVEC => self.csr.stvec = legal_tvec(v, self.csr.stvec),
            SCOUNTEREN => self.csr.scounteren = v & 0xffff_ffff,
            SENVCFG => self.csr.senvcfg = v & ENVCFG_FIOM,
            SSCRATCH => self.csr.sscratch = v,
            SEPC => self.csr.sepc = v & !1,
            SCAUSE => self.csr.scause = v,
            STVAL => self.csr.stval = v,
            STIMECMP => {
                self.csr.stimecmp = v;
                self.refresh_mip();
            }
            SATP => {
                // An unsupported MODE leaves satp unchanged (WARL).
                if heron_mmu::PagingMode::from_satp_mode(v >> 60).is_some() {
                    // MODE, 16 ASID bits and a 44-bit PPN: every bit is writable.
                    self.csr.satp = v;
                    effect.flush_tlb = true;
                }
            }
            MSTATUS => effect = self.mstatus_write(v),
            MEDELEG => self.csr.medeleg = v & MEDELEG_MASK,
            MIDELEG => self.csr.mideleg = v & S_IRQS,
            MIE => self.mie = v & ALL_IRQS,
            MIP => {
                let mut w = (1 << irq::SSI) | (1 << irq::SEI);
                if self.csr.menvcfg & MENVCFG_STCE == 0 {
                    w |= 1 << irq::STI;
                }
                self.csr.mip_sw = (self.csr.mip_sw & !w) | (v & w);
                self.refresh_mip();
            }
            MTVEC => self.csr.mtvec = legal_tvec(v, self.csr.mtvec),
            MCOUNTEREN => self.csr.mcounteren = v & 0xffff_ffff,
            MENVCFG => {
                self.csr.menvcfg = v & (MENVCFG_STCE | ENVCFG_FIOM);
                self.refresh_mip();
            }
            MCOUNTINHIBIT => self.csr.mcountinhibit = v & 0xffff_fffd,
            MSCRATCH => self.csr.mscratch = v,
            MEPC => self.csr.mepc = v & !1,
            MCAUSE => self.csr.mcause = v,
            MTVAL => self.csr.mtval = v,
            0x3a0..=0x3af => {
                // RV64 has only the even pmpcfg registers.
                if csr & 1 != 0 {
                    return Err(Trap::illegal(bits));
                }
                self.pmp.write_cfg((csr - PMPCFG0) as usize, v);
                effect.flush_tlb = true;
            }
            0x3b0..=0x3bf => {
                self.pmp.write_addr((csr - PMPADDR0) as usize, v);
                effect.flush_tlb = true;
            }
            // misa is WARL and heron's extensions cannot be switched off;
            // trigger registers accept nothing (no triggers implemented).
            MISA | TSELECT | TDATA1 | TDATA2 | TDATA3 | TINFO => {}
            0x3c0..=0x3ef | 0xb03..=0xb1f | 0x323..=0x33f => {}
            // The writing instruction itself retires after the write, and the
            // caller counts it: leave the counter one short of `v`.
            MCYCLE => self.csr.cycle_offset = v.wrapping_sub(retired).wrapping_sub(1),
            MINSTRET => self.csr.instret_offset = v.wrapping_sub(retired).wrapping_sub(1),
            _ => return Err(Trap::illegal(bits)),
        }
        Ok(effect)
    }

    /// Whether writing `csr` is allowed (read-only CSRs and privilege).
    pub(crate) fn csr_check_write(&self, csr: u16, bits: u32) -> Result<(), Trap> {
        if csr >> 10 == 3 || (csr >> 8) & 3 > self.privilege as u16 {
            return Err(Trap::illegal(bits));
        }
        Ok(())
    }

    fn check_stimecmp_access(&self, bits: u32) -> Result<(), Trap> {
        // Sstc: S-mode access needs menvcfg.STCE and mcounteren.TM.
        if self.privilege == Priv::S
            && (self.csr.menvcfg & MENVCFG_STCE == 0 || self.csr.mcounteren & 2 == 0)
        {
            return Err(Trap::illegal(bits));
        }
        Ok(())
    }

    fn sstatus(&self) -> u64 {
        self.mstatus_read() & SSTATUS_MASK
    }

    fn mstatus_read(&self) -> u64 {
        let sd = if self.mstatus & MSTATUS_FS == MSTATUS_FS {
            MSTATUS_SD
        } else {
            0
        };
        (self.mstatus & !MSTATUS_SD) | sd
    }

    fn mstatus_write(&mut self, v: u64) -> CsrEffect {
        let old = self.mstatus;
        let mut n = (old & !MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
        // MPP is WARL over {U, S, M}: the reserved value 2 becomes U.
        if (n >> MSTATUS_MPP_SHIFT) & 3 == 2 {
            n &= !MSTATUS_MPP;
        }
        n = (n & !MSTATUS_SD)
            | if n & MSTATUS_FS == MSTATUS_FS {
                MSTATUS_SD
            } else {
                0
            };
        self.mstatus = n;
        let changed = old ^ n;
        // MXR changes what a cached load translation permits.
        CsrEffect {
            flush_tlb: changed & MSTATUS_MXR != 0,
        }
    }

    /// Executes a CSR instruction: `op` is 0 = write, 1 = set, 2 = clear;
    /// `src` the register value or immediate; `writes` whether the
    /// instruction writes at all (csrrs/csrrc with x0 or 0 do not).
    pub(crate) fn csr_op(
        &mut self,
        csr: u16,
        op: u8,
        src: u64,
        writes: bool,
        retired: u64,
        bits: u32,
    ) -> Result<u64, Trap> {
        if writes {
            self.csr_check_write(csr, bits)?;
        }
        // heron's CSR reads have no side effects, so csrrw with rd = x0
        // (which must not read) can still use the read for its checks.
        let old = self.csr_read(csr, retired, bits)?;
        if writes {
            // csrrs/csrrc of mip modify the software-writable SEIP bit, not
            // the OR with the PLIC's line that reads return (privileged
            // spec, "Machine Interrupt Registers"): M-mode code setting or
            // clearing SSIP while a device interrupt is pending must not
            // latch SEIP high for good.
            let base = if csr == addr::MIP {
                let sei = 1 << irq::SEI;
                (old & !sei) | (self.csr.mip_sw & sei)
            } else {
                old
            };
            let new = match op {
                0 => src,
                1 => base | src,
                _ => base & !src,
            };
            let effect = self.csr_write(csr, new, retired, bits)?;
            if effect.flush_tlb {
                self.flush_translations();
            }
            self.update_contexts();
        }
        Ok(old)
    }
}

/// `xtvec` is WARL: modes 2 and 3 are reserved, so keep the old mode then.
fn legal_tvec(v: u64, old: u64) -> u64 {
    if v & 3 >= 2 {
        (v & !3) | (old & 3)
    } else {
        v
    }
}

#[cfg(test)]
mod tests;
