//! CSR numbers objdump prints by name.
//!
//! The set is the one binutils 2.40 recognises (observed from its output for
//! all 4096 CSR numbers), which includes CSRs of extensions heron does not
//! implement (vector, hypervisor, AIA, debug): a trace should name a CSR the
//! same way objdump does even when accessing it traps. The user-level N
//! extension CSRs (ustatus, …) are gone from binutils 2.40 and so from here.

/// Builds an array of names `prefix N suffix` for the listed numbers, so the
/// numbered families below stay `&'static str` without spelling each out.
macro_rules! numbered {
    ($prefix:literal, $suffix:literal; $($n:literal)*) => {
        [$(concat!($prefix, $n, $suffix)),*]
    };
}

static PMPCFG: [&str; 16] = numbered!("pmpcfg", ""; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
static PMPADDR: [&str; 64] = numbered!("pmpaddr", ""; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63);
// The hpm families start at 3: numbers 0-2 are cycle, time/reserved, instret.
static MHPMEVENT: [&str; 29] = numbered!("mhpmevent", ""; 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
static MHPMEVENTH: [&str; 29] = numbered!("mhpmevent", "h"; 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
static MHPMCOUNTER: [&str; 29] = numbered!("mhpmcounter", ""; 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
static MHPMCOUNTERH: [&str; 29] = numbered!("mhpmcounter", "h"; 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
static HPMCOUNTER: [&str; 29] = numbered!("hpmcounter", ""; 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
static HPMCOUNTERH: [&str; 29] = numbered!("hpmcounter", "h"; 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);

/// Known CSR name for a CSR number, as objdump prints it (e.g. 0x300 ->
/// `"mstatus"`), or `None` if objdump would print the number in hex.
pub fn csr_name(csr: u16) -> Option<&'static str> {
    let family =
        |names: &'static [&'static str], base: u16| names.get(usize::from(csr - base)).copied();
    Some(match csr {
        0x3a0..=0x3af => return family(&PMPCFG, 0x3a0),
        0x3b0..=0x3ef => return family(&PMPADDR, 0x3b0),
        0x323..=0x33f => return family(&MHPMEVENT, 0x323),
        0x723..=0x73f => return family(&MHPMEVENTH, 0x723),
        0xb03..=0xb1f => return family(&MHPMCOUNTER, 0xb03),
        0xb83..=0xb9f => return family(&MHPMCOUNTERH, 0xb83),
        0xc03..=0xc1f => return family(&HPMCOUNTER, 0xc03),
        0xc83..=0xc9f => return family(&HPMCOUNTERH, 0xc83),
        // Unprivileged floating-point, vector and entropy-source CSRs.
        0x001 => "fflags",
        0x002 => "frm",
        0x003 => "fcsr",
        0x008 => "vstart",
        0x009 => "vxsat",
        0x00a => "vxrm",
        0x00f => "vcsr",
        0x015 => "seed",
        // Supervisor.
        0x100 => "sstatus",
        0x104 => "sie",
        0x105 => "stvec",
        0x106 => "scounteren",
        0x10a => "senvcfg",
        0x10c => "sstateen0",
        0x10d => "sstateen1",
        0x10e => "sstateen2",
        0x10f => "sstateen3",
        0x114 => "sieh",
        0x140 => "sscratch",
        0x141 => "sepc",
        0x142 => "scause",
        0x143 => "stval",
        0x144 => "sip",
        0x14d => "stimecmp",
        0x150 => "siselect",
        0x151 => "sireg",
        0x154 => "siph",
        0x15c => "stopei",
        0x15d => "stimecmph",
        0x180 => "satp",
        // Virtual supervisor (hypervisor extension).
        0x200 => "vsstatus",
        0x204 => "vsie",
        0x205 => "vstvec",
        0x214 => "vsieh",
        0x240 => "vsscratch",
        0x241 => "vsepc",
        0x242 => "vscause",
        0x243 => "vstval",
        0x244 => "vsip",
        0x24d => "vstimecmp",
        0x250 => "vsiselect",
        0x251 => "vsireg",
        0x254 => "vsiph",
        0x25c => "vstopei",
        0x25d => "vstimecmph",
        0x280 => "vsatp",
        // Machine trap setup and handling.
        0x300 => "mstatus",
        0x301 => "misa",
        0x302 => "medeleg",
        0x303 => "mideleg",
        0x304 => "mie",
        0x305 => "mtvec",
        0x306 => "mcounteren",
        0x308 => "mvien",
        0x309 => "mvip",
        0x30a => "menvcfg",
        0x30c => "mstateen0",
        0x30d => "mstateen1",
        0x30e => "mstateen2",
        0x30f => "mstateen3",
        0x310 => "mstatush",
        0x313 => "midelegh",
        0x314 => "mieh",
        0x318 => "mvienh",
        0x319 => "mviph",
        0x31a => "menvcfgh",
        0x31c => "mstateen0h",
        0x31d => "mstateen1h",
        0x31e => "mstateen2h",
        0x31f => "mstateen3h",
        0x320 => "mcountinhibit",
        0x340 => "mscratch",
        0x341 => "mepc",
        0x342 => "mcause",
        0x343 => "mtval",
        0x344 => "mip",
        0x34a => "mtinst",
        0x34b => "mtval2",
        0x350 => "miselect",
        0x351 => "mireg",
        0x354 => "miph",
        0x35c => "mtopei",
        // Hypervisor and supervisor debug context.
        0x5a8 => "scontext",
        0x600 => "hstatus",
        0x602 => "hedeleg",
        0x603 => "hideleg",
        0x604 => "hie",
        0x605 => "htimedelta",
        0x606 => "hcounteren",
        0x607 => "hgeie",
        0x608 => "hvien",
        0x609 => "hvictl",
        0x60a => "henvcfg",
        0x60c => "hstateen0",
        0x60d => "hstateen1",
        0x60e => "hstateen2",
        0x60f => "hstateen3",
        0x613 => "hidelegh",
        0x615 => "htimedeltah",
        0x618 => "hvienh",
        0x61a => "henvcfgh",
        0x61c => "hstateen0h",
        0x61d => "hstateen1h",
        0x61e => "hstateen2h",
        0x61f => "hstateen3h",
        0x643 => "htval",
        0x644 => "hip",
        0x645 => "hvip",
        0x646 => "hviprio1",
        0x647 => "hviprio2",
        0x64a => "htinst",
        0x655 => "hviph",
        0x656 => "hviprio1h",
        0x657 => "hviprio2h",
        0x680 => "hgatp",
        0x6a8 => "hcontext",
        // Machine security configuration, debug and trace.
        0x747 => "mseccfg",
        0x757 => "mseccfgh",
        0x7a0 => "tselect",
        0x7a1 => "tdata1",
        0x7a2 => "tdata2",
        0x7a3 => "tdata3",
        0x7a4 => "tinfo",
        0x7a5 => "tcontrol",
        0x7a8 => "mcontext",
        0x7aa => "mscontext",
        0x7b0 => "dcsr",
        0x7b1 => "dpc",
        0x7b2 => "dscratch0",
        0x7b3 => "dscratch1",
        // Machine counters.
        0xb00 => "mcycle",
        0xb02 => "minstret",
        0xb80 => "mcycleh",
        0xb82 => "minstreth",
        // Unprivileged counters and vector state.
        0xc00 => "cycle",
        0xc01 => "time",
        0xc02 => "instret",
        0xc20 => "vl",
        0xc21 => "vtype",
        0xc22 => "vlenb",
        0xc80 => "cycleh",
        0xc81 => "timeh",
        0xc82 => "instreth",
        // Read-only status and identification registers.
        0xda0 => "scountovf",
        0xdb0 => "stopi",
        0xe12 => "hgeip",
        0xeb0 => "vstopi",
        0xf11 => "mvendorid",
        0xf12 => "marchid",
        0xf13 => "mimpid",
        0xf14 => "mhartid",
        0xf15 => "mconfigptr",
        0xfb0 => "mtopi",
        _ => return None,
    })
}
