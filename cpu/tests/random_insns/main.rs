//! Property tests: one random instruction, executed from random
//! architectural state (privilege M/S/U, Sv39 paging on or off, PMP,
//! delegation, biased register values), either retires or raises an
//! exception it is allowed to raise, with the trap state the privileged
//! spec prescribes. Deterministic: fixed seeds, a bounded number of cases.

mod gen;
mod machine;
mod oracle;

use heron_cpu::decode::{decode, Kind, Op};
use heron_cpu::trap::cause;
use heron_cpu::{Hart, Priv, RunExit};
use heron_mmu::Bus;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use machine::{Setup, ALIAS_BASE, RAM_BASE, RAM_SIZE};
use oracle::Expect;

fn config(cases: u32, seed: u64) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 512,
        ..ProptestConfig::default()
    }
}

/// The state `check` compares against after the run.
struct Before {
    pc: u64,
    x: [u64; 32],
    f: [u64; 32],
    instret: u64,
    privilege: Priv,
    mstatus: u64,
    csr: heron_cpu::csr::CsrFile,
    ram: Vec<u8>,
}

fn ram_bytes(bus: &Bus) -> Vec<u8> {
    let mut buf = vec![0; RAM_SIZE as usize];
    bus.ram().read(RAM_BASE, &mut buf).expect("RAM reads back");
    buf
}

/// Pages 1..=3 hold the page tables, whose A/D bits a walk may set even
/// when the access then faults.
fn is_page_table(offset: usize) -> bool {
    (0x1000..0x4000).contains(&offset)
}

/// Runs `s` and checks every rule that applies.
fn check(s: &Setup) -> Result<(), TestCaseError> {
    let (bus, mut hart) = machine::build(s);
    let op = decode(s.bits);
    prop_assert_eq!(op.len as u64, s.len());
    let before = Before {
        pc: hart.pc,
        x: hart.x,
        f: hart.f,
        instret: hart.instret,
        privilege: hart.privilege,
        mstatus: hart.mstatus,
        csr: hart.csr.clone(),
        ram: ram_bytes(&bus),
    };
    let expect = oracle::expect(&op, &hart);
    let next_pc = oracle::next_pc(&op, before.pc, &hart);
    let next_priv = oracle::next_privilege(&op, &hart);

    let exit = hart.run(&bus, 1);

    prop_assert_eq!(hart.x[0], 0, "x0 is hardwired to zero");
    prop_assert_eq!(hart.pc & 1, 0, "pc stays 2-aligned");
    let ram = ram_bytes(&bus);
    if hart.instret == before.instret + 1 {
        check_retired(s, &op, &before, &hart, exit, &expect, &ram)?;
        prop_assert_eq!(Some(hart.pc), next_pc, "pc after {:?}", op.kind);
        prop_assert_eq!(hart.privilege, next_priv);
    } else {
        prop_assert_eq!(hart.instret, before.instret, "a trap retires nothing");
        prop_assert_eq!(exit, RunExit::Budget);
        check_trap(s, &before, &hart, &expect)?;
        prop_assert_eq!(
            hart.x,
            before.x,
            "a trapping instruction writes no x register"
        );
        prop_assert_eq!(
            hart.f,
            before.f,
            "a trapping instruction writes no f register"
        );
        for (i, (a, b)) in ram.iter().zip(&before.ram).enumerate() {
            prop_assert!(a == b || is_page_table(i), "trap wrote RAM at {:#x}", i);
        }
    }
    Ok(())
}

fn check_retired(
    s: &Setup,
    op: &Op,
    before: &Before,
    hart: &Hart,
    exit: RunExit,
    expect: &Expect,
    ram: &[u8],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        expect.must_trap,
        None,
        "{:?} ({:#x}) retired but must trap",
        op.kind,
        s.raw()
    );
    let wfi = op.kind == Kind::Wfi && exit == RunExit::Wfi;
    prop_assert!(exit == RunExit::Budget || wfi, "exit {:?}", exit);
    if matches!(op.kind, Kind::Jal | Kind::Jalr) && op.rd != 0 {
        prop_assert_eq!(hart.x[op.rd as usize], before.pc + s.len(), "link register");
    }
    // Only a store writes RAM (besides A/D bits), and only its own bytes,
    // reached directly or through the RAM alias superpage.
    let stored = expect
        .access
        .filter(|_| is_store(op.kind))
        .map(|(ea, size)| {
            let alias = ea.wrapping_sub(ALIAS_BASE).wrapping_add(RAM_BASE);
            move |pa: u64| pa.wrapping_sub(ea) < size || pa.wrapping_sub(alias) < size
        });
    for (i, (a, b)) in ram.iter().zip(&before.ram).enumerate() {
        let pa = RAM_BASE + i as u64;
        let allowed = is_page_table(i) || stored.as_ref().is_some_and(|f| f(pa));
        prop_assert!(a == b || allowed, "{:?} wrote RAM at {:#x}", op.kind, pa);
    }
    Ok(())
}

fn is_store(k: Kind) -> bool {
    use Kind::*;
    matches!(k, Sb | Sh | Sw | Sd | Fsw | Fsd) || (oracle::is_atomic(k) && !matches!(k, LrW | LrD))
}

/// The exception taken: its cause and `xtval` against the rules for the
/// instruction, the mode it went to, the vector, `xepc` and `xstatus`.
fn check_trap(
    s: &Setup,
    before: &Before,
    hart: &Hart,
    expect: &Expect,
) -> Result<(), TestCaseError> {
    let from = before.privilege;
    // Which mode: decided by the cause, so read the cause from where it
    // must have gone given the delegation of the cause found there.
    let to_s = hart.privilege == Priv::S;
    let (c, tval, epc, tvec) = if to_s {
        (
            hart.csr.scause,
            hart.csr.stval,
            hart.csr.sepc,
            before.csr.stvec,
        )
    } else {
        (
            hart.csr.mcause,
            hart.csr.mtval,
            hart.csr.mepc,
            before.csr.mtvec,
        )
    };
    prop_assert!(c < 64, "synchronous cause, got {:#x}", c);
    let delegated = from <= Priv::S && before.csr.medeleg & (1 << c) != 0;
    prop_assert_eq!(
        to_s,
        delegated,
        "cause {} from {:?} went to the wrong mode",
        c,
        from
    );
    prop_assert_eq!(hart.privilege, if delegated { Priv::S } else { Priv::M });
    prop_assert!(
        expect.causes.contains(&c),
        "cause {} not allowed for {:#x} (allowed {:?})",
        c,
        s.raw(),
        expect.causes
    );
    if let Some(must) = expect.must_trap {
        // A misaligned access may report that instead of the access fault.
        let misaligned = c == cause::LOAD_MISALIGNED || c == cause::STORE_MISALIGNED;
        prop_assert!(
            c == must || (misaligned && expect.access.is_some()),
            "cause {} not {}",
            c,
            must
        );
    }
    prop_assert_eq!(epc, before.pc, "xepc");
    prop_assert_eq!(
        hart.pc,
        tvec & !3,
        "synchronous traps go to the vector base"
    );
    match c {
        cause::ILLEGAL_INSN => prop_assert!(tval == s.raw() || tval == 0, "tval {:#x}", tval),
        cause::BREAKPOINT => prop_assert!(tval == before.pc || tval == 0),
        cause::ECALL_U | cause::ECALL_S | cause::ECALL_M => prop_assert_eq!(tval, 0),
        _ => {
            let (ea, size) = expect.access.expect("memory causes come with an access");
            if c == cause::LOAD_MISALIGNED || c == cause::STORE_MISALIGNED {
                prop_assert_eq!(tval, ea);
            } else {
                prop_assert!(
                    tval.wrapping_sub(ea) < size,
                    "tval {:#x} ea {:#x}",
                    tval,
                    ea
                );
            }
        }
    }
    check_status_stack(before, hart, to_s)
}

/// `xPP`, `xPIE` and `xIE` after entering the trap.
fn check_status_stack(before: &Before, hart: &Hart, to_s: bool) -> Result<(), TestCaseError> {
    let (old, new) = (before.mstatus, hart.mstatus);
    let bit = |v: u64, n: u32| (v >> n) & 1;
    if to_s {
        prop_assert_eq!(bit(new, 8), before.privilege as u64 & 1, "SPP");
        prop_assert_eq!(bit(new, 5), bit(old, 1), "SPIE");
        prop_assert_eq!(bit(new, 1), 0, "SIE");
        prop_assert_eq!(hart.csr.mcause, before.csr.mcause, "M state untouched");
    } else {
        prop_assert_eq!((new >> 11) & 3, before.privilege as u64, "MPP");
        prop_assert_eq!(bit(new, 7), bit(old, 3), "MPIE");
        prop_assert_eq!(bit(new, 3), 0, "MIE");
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(3000, 0x4865_726f_6e5f_3332))]

    /// Random 32-bit words, uniform and shaped by opcode and CSR number.
    #[test]
    fn random_32bit_instructions(s in gen::setup(gen::insn32().boxed())) {
        check(&s)?;
    }
}

proptest! {
    #![proptest_config(config(3000, 0x4865_726f_6e5f_3136))]

    /// Random compressed words.
    #[test]
    fn random_compressed_instructions(s in gen::setup(gen::insn16().boxed())) {
        check(&s)?;
    }
}

proptest! {
    #![proptest_config(config(20000, 0x4865_726f_6e5f_6463))]

    /// The decoder's length matches the encoding's, and a compressed word
    /// decodes as illegal exactly when it has no 32-bit expansion.
    #[test]
    fn decoder_agrees_with_compressed_expansion(h in any::<u16>()) {
        let op = decode(h as u32);
        if h & 3 == 3 {
            prop_assert_eq!(op.len, 4);
        } else {
            prop_assert_eq!(op.len, 2);
            let expanded = heron_cpu::decode::compressed::expand(h);
            prop_assert_eq!(op.kind == Kind::Illegal, expanded.is_none());
            if let Some(full) = expanded {
                prop_assert_eq!(op.kind, decode(full).kind);
            }
        }
    }
}
