//! The machine one random instruction runs on: a small RAM with an Sv39
//! page table, a scratch MMIO register block, PMP, and a hart whose
//! architectural state comes from a generated [`Setup`].

use heron_cpu::csr::{MSTATUS_FS, MSTATUS_MPP, MSTATUS_RESET, MSTATUS_SD};
use heron_cpu::{Hart, Priv};
use heron_mmu::{Bus, GuestRam, MmioDevice};

pub const RAM_BASE: u64 = 0x8000_0000;
pub const RAM_SIZE: u64 = 0x1_0000;
pub const RAM_END: u64 = RAM_BASE + RAM_SIZE;
pub const PAGE: u64 = 0x1000;
/// Sv39 tables: root, one level-1 table, one level-0 table.
const ROOT: u64 = RAM_BASE + PAGE;
const L1: u64 = RAM_BASE + 2 * PAGE;
const L0: u64 = RAM_BASE + 3 * PAGE;
/// The page holding the instruction, which sits at its very end so that
/// the block the interpreter decodes holds exactly one instruction (blocks
/// end at page boundaries) and `run` with a budget of 1 executes just it.
pub const CODE_PAGE: u64 = RAM_BASE + 4 * PAGE;
pub const CODE_END: u64 = CODE_PAGE + PAGE;
/// The page PMP entry 0 covers (with generated permissions and lock).
pub const PMP_PAGE: u64 = RAM_BASE + 10 * PAGE;
/// A 1 GiB superpage alias of RAM (root entry 3).
pub const ALIAS_BASE: u64 = 0xc000_0000;
/// Scratch MMIO registers, mapped identically by root entry 0 (a gigapage
/// over the first GiB of physical space).
pub const MMIO_BASE: u64 = 0x1000_0000;
pub const MMIO_SIZE: u64 = 0x1000;

const PTE_V: u64 = 1;
const PTE_R: u64 = 2;
const PTE_X: u64 = 8;
const PTE_U: u64 = 16;
const PTE_A: u64 = 64;
const SATP_SV39: u64 = 8 << 60;

/// A device that remembers the last value written and reads back a value
/// derived from it and the offset, so loads from MMIO are not all zero.
struct Scratch(u64);

impl MmioDevice for Scratch {
    fn read(&mut self, offset: u64, size: u8) -> u64 {
        let v = self.0 ^ offset.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        if size >= 8 {
            v
        } else {
            v & ((1 << (8 * size)) - 1)
        }
    }

    fn write(&mut self, _offset: u64, _size: u8, value: u64) {
        self.0 = value;
    }
}

/// Everything generated about the state before the instruction.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The instruction: 32 bits, or 16 in the low half when `bits & 3 != 3`.
    pub bits: u32,
    pub privilege: Priv,
    /// Sv39 paging on (with the table below) or bare.
    pub paging: bool,
    pub x: [u64; 32],
    pub f: [u64; 32],
    pub frm: u8,
    pub fflags: u8,
    /// Raw `mstatus` bits (masked to the writable ones here).
    pub mstatus: u64,
    pub medeleg: u64,
    pub mtvec: u64,
    pub stvec: u64,
    pub mepc: u64,
    pub sepc: u64,
    pub mcounteren: u64,
    pub scounteren: u64,
    pub menvcfg: u64,
    /// Level-0 PTE flag bits (low 8 bits) of each of the 16 RAM pages.
    pub page_flags: [u8; 16],
    /// Flags of the two gigapage leaves (MMIO identity, RAM alias).
    pub giga_flags: [u8; 2],
    /// PMP entry 0 configuration byte (over [`PMP_PAGE`]).
    pub pmp0: u8,
}

impl Setup {
    /// Physical address of the instruction.
    pub fn pc(&self) -> u64 {
        CODE_END - self.len()
    }

    /// Instruction length in bytes.
    pub fn len(&self) -> u64 {
        if self.bits & 3 == 3 {
            4
        } else {
            2
        }
    }

    /// The raw bits as `mtval` reports them for an illegal instruction.
    pub fn raw(&self) -> u64 {
        if self.len() == 4 {
            self.bits as u64
        } else {
            (self.bits & 0xffff) as u64
        }
    }
}

/// Builds the bus and hart for `s`.
pub fn build(s: &Setup) -> (Bus, Box<Hart>) {
    let ram = GuestRam::new(RAM_BASE, RAM_SIZE).expect("test RAM");
    let mut bus = Bus::new(ram);
    bus.map(MMIO_BASE, MMIO_SIZE, "scratch", Box::new(Scratch(0x5a5a)))
        .expect("scratch device fits");
    write_page_tables(&bus, s);
    let pc = s.pc();
    if s.len() == 4 {
        bus.ram()
            .store(pc, 4, s.bits as u64)
            .expect("in the test RAM");
    } else {
        bus.ram()
            .store(pc, 2, (s.bits & 0xffff) as u64)
            .expect("in the test RAM");
    }
    let mut h = Hart::new(0, pc);
    h.x = s.x;
    h.x[0] = 0;
    h.f = s.f;
    h.frm = s.frm & 7;
    h.fflags = s.fflags & 0x1f;
    h.privilege = s.privilege;
    h.mstatus = legal_mstatus(s.mstatus);
    h.csr.medeleg = s.medeleg & 0xb3ff;
    h.csr.mtvec = s.mtvec & !2;
    h.csr.stvec = s.stvec & !2;
    h.csr.mepc = s.mepc & !1;
    h.csr.sepc = s.sepc & !1;
    h.csr.mcounteren = s.mcounteren & 0xffff_ffff;
    h.csr.scounteren = s.scounteren & 0xffff_ffff;
    h.csr.menvcfg = s.menvcfg & ((1 << 63) | 1);
    if s.paging {
        h.csr.satp = SATP_SV39 | (ROOT >> 12);
    }
    // Entry 0 over PMP_PAGE as generated; entry 1 grants everything else
    // (S and U need a matching entry once any is implemented).
    let napot_4k = (PMP_PAGE >> 2) | 0x1ff;
    h.pmp.write_addr(0, napot_4k);
    h.pmp.write_addr(1, (1 << 54) - 1);
    let cfg0 = (s.pmp0 & 0x87) as u64 | if s.pmp0 & 0x40 != 0 { 0x18 } else { 0 };
    h.pmp.write_cfg(0, cfg0 | (0x1f << 8));
    h.update_contexts();
    h.refresh_mip();
    (bus, h)
}

/// `mstatus` with only writable bits, a legal MPP and SD matching FS.
fn legal_mstatus(raw: u64) -> u64 {
    let writable = 0x7e_79aa;
    let mut m = MSTATUS_RESET | (raw & writable);
    if m & MSTATUS_MPP == 2 << 11 {
        m &= !MSTATUS_MPP;
    }
    if m & MSTATUS_FS == MSTATUS_FS {
        m |= MSTATUS_SD;
    }
    m
}

/// Identity-maps the RAM pages through root[2] → L1[0] → L0[0..16] with
/// the generated flags; the code page is always fetchable at the generated
/// privilege. Root[0] is a gigapage over the MMIO region, root[3] an alias
/// of RAM.
fn write_page_tables(bus: &Bus, s: &Setup) {
    let ram = bus.ram();
    let pointer = |table: u64| ((table >> 12) << 10) | PTE_V;
    ram.store(ROOT + 2 * 8, 8, pointer(L1))
        .expect("in the test RAM");
    ram.store(L1, 8, pointer(L0)).expect("in the test RAM");
    for (i, &flags) in s.page_flags.iter().enumerate() {
        let pa = RAM_BASE + i as u64 * PAGE;
        let mut flags = flags as u64;
        if pa == CODE_PAGE {
            let user = if s.privilege == Priv::U { PTE_U } else { 0 };
            // Keep the generated W/D bits; the rest must allow the fetch.
            flags = (flags & 0x84) | PTE_V | PTE_R | PTE_X | PTE_A | user;
        }
        ram.store(L0 + 8 * i as u64, 8, ((pa >> 12) << 10) | flags)
            .expect("in the test RAM");
    }
    let [mmio, alias] = s.giga_flags.map(|f| f as u64);
    ram.store(ROOT, 8, mmio).expect("in the test RAM");
    ram.store(ROOT + 3 * 8, 8, ((RAM_BASE >> 12) << 10) | alias)
        .expect("in the test RAM");
}
