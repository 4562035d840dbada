//! Unit tests for the tricky corners. Every expected string was taken from
//! `riscv64-linux-gnu-objdump -d` (binutils 2.40); the exhaustive comparison
//! lives in the root package's `tests/disasm_objdump.rs`.

use super::{csr_name, disassemble, freg_name, insn_len, xreg_name};

/// Disassembles at an address where branch targets are irrelevant.
fn d(insn: u32) -> String {
    disassemble(insn, 0)
}

/// Asserts each `(encoding, objdump text)` pair at pc 0.
fn check(cases: &[(u32, &str)]) {
    for &(insn, want) in cases {
        assert_eq!(d(insn), want, "encoding {insn:#010x}");
    }
}

#[test]
fn compressed_expand_to_base_instructions() {
    check(&[
        (0x717d, "add\tsp,sp,-16"), // c.addi16sp
        (0x7101, "add\tsp,sp,-512"),
        (0x4515, "li\ta0,5"),
        (0x5501, "li\ta0,-32"),
        (0x8082, "ret"),
        (0x0001, "nop"),
        (0x9002, "ebreak"),
        (0x852e, "mv\ta0,a1"),
        (0x6505, "lui\ta0,0x1"),
        (0x757d, "lui\ta0,0xfffff"), // c.lui sign-extends its immediate
        (0x050e, "sll\ta0,a0,0x3"),
        (0x95fd, "sra\ta1,a1,0x3f"),
        (0x9101, "srl\ta0,a0,0x20"),
        (0x9a7d, "and\ta2,a2,-1"),
        (0x9eb9, "addw\ta3,a3,a4"),
        (0x2501, "sext.w\ta0,a0"), // c.addiw with zero immediate
        (0x0040, "add\ts0,sp,4"),  // c.addi4spn
        (0x60a2, "ld\tra,8(sp)"),
        (0xffa2, "sd\ts0,504(sp)"),
        (0x557e, "lw\ta0,252(sp)"),
        (0xa422, "fsd\tfs0,8(sp)"),
        (0x3fe8, "fld\tfa0,248(a5)"),
        (0x9282, "jalr\tt0"),
        (0x0000, "unimp"),
    ]);
}

#[test]
fn compressed_targets_are_absolute() {
    assert_eq!(disassemble(0xd001, 0x22), "beqz\ts0,ffffffffffffff22");
    assert_eq!(disassemble(0xaffd, 0x24), "j\t822");
    assert_eq!(disassemble(0xb001, 0xa6), "j\tfffffffffffff8a6");
    // The upper halfword is not part of a compressed instruction.
    assert_eq!(disassemble(0xdead_4515, 0), "li\ta0,5");
}

#[test]
fn compressed_hints_and_reserved_encodings() {
    check(&[
        (0x0005, "c.nop\t1"),
        (0x400d, "c.li\tzero,3"),
        (0x0502, "c.slli64\ta0"),
        (0x8001, "c.srli64\ts0"),
        (0x8401, "c.srai64\ts0"),
        (0x802a, "c.mv\tzero,a0"),
        (0x902a, "c.add\tzero,a0"),
        (0x6005, "c.lui\tzero,0x1"),
        (0x000e, "c.slli\tzero,0x3"),
        (0x0501, "add\ta0,a0,0"),
        // objdump decodes c.addi16sp with a zero immediate, which is reserved.
        (0x6101, "add\tsp,sp,0"),
        (0x0004, ".2byte\t0x4"),
        (0x8002, ".2byte\t0x8002"),
        (0x6501, ".2byte\t0x6501"),
        (0x4002, ".2byte\t0x4002"),
        (0x9c41, ".2byte\t0x9c41"),
    ]);
}

#[test]
fn integer_pseudo_instructions() {
    check(&[
        (0x0000_0013, "nop"),
        (0x8000_0513, "li\ta0,-2048"),
        (0x0005_8513, "mv\ta0,a1"),
        (0xfff5_c513, "not\ta0,a1"),
        (0x40b0_0533, "neg\ta0,a1"),
        (0x40b0_053b, "negw\ta0,a1"),
        (0x0005_851b, "sext.w\ta0,a1"),
        (0x0015_b513, "seqz\ta0,a1"),
        (0x00b0_3533, "snez\ta0,a1"),
        (0x0005_a533, "sltz\ta0,a1"),
        (0x00b0_2533, "sgtz\ta0,a1"),
        (0x0ff5_f513, "zext.b\ta0,a1"),
        (0x0805_c53b, "zext.h\ta0,a1"),
        (0x0805_853b, "zext.w\ta0,a1"),
        (0x0002_8067, "jr\tt0"),
        (0x0040_8067, "jr\t4(ra)"),
        (0x0000_0067, "jr\tzero"),
        (0xff05_00e7, "jalr\t-16(a0)"),
        (0x0003_0367, "jalr\tt1,t1"),
    ]);
}

#[test]
fn immediate_forms_use_register_mnemonics() {
    // binutils 2.40 prints addi/andi/ori/xori/addiw and the immediate shifts
    // with the register-form name; slti/sltiu keep theirs.
    check(&[
        (0x8005_8513, "add\ta0,a1,-2048"),
        (0x7ff5_8513, "add\ta0,a1,2047"),
        (0x0015_0013, "add\tzero,a0,1"),
        (0x0050_051b, "addw\ta0,zero,5"),
        (0x63f5_d513, "ror\ta0,a1,0x3f"),
        (0x61f5_d51b, "rorw\ta0,a1,0x1f"),
        (0x4855_d513, "bext\ta0,a1,0x5"),
        (0x0a05_951b, "slli.uw\ta0,a1,0x20"),
        (0xfea1_3c23, "sd\ta0,-8(sp)"),
        (0xfff5_c503, "lbu\ta0,-1(a1)"),
        (0xffc1_2507, "flw\tfa0,-4(sp)"),
        (0x7fbf_bfa7, "fsd\tfs11,2047(t6)"),
        (0xffff_f537, "lui\ta0,0xfffff"),
        (0x0000_0517, "auipc\ta0,0x0"),
    ]);
}

#[test]
fn branch_and_jump_targets() {
    assert_eq!(disassemble(0xfeb5_0ee3, 0x5e), "beq\ta0,a1,5a");
    assert_eq!(disassemble(0x7e05_1fe3, 0x62), "bnez\ta0,1060");
    assert_eq!(disassemble(0x00a0_5063, 0x66), "blez\ta0,66");
    assert_eq!(disassemble(0x0005_5063, 0x6a), "bgez\ta0,6a");
    assert_eq!(disassemble(0x0005_4063, 0x6e), "bltz\ta0,6e");
    assert_eq!(disassemble(0x00a0_4063, 0x72), "bgtz\ta0,72");
    assert_eq!(disassemble(0x8000_006f, 0x76), "j\tfffffffffff00076");
    assert_eq!(disassemble(0x0080_00ef, 0x7a), "jal\t82");
    assert_eq!(disassemble(0x0040_056f, 0x9c), "jal\ta0,a0");
    assert_eq!(disassemble(0xfeb5_0ee3, 0x8000_0004), "beq\ta0,a1,80000000");
    // bge zero,zero is blez, but blt zero,zero is bltz.
    assert_eq!(disassemble(0x0000_5063, 0), "blez\tzero,0");
    assert_eq!(disassemble(0x0000_4063, 0), "bltz\tzero,0");
}

#[test]
fn rounding_modes() {
    check(&[
        (0xc205_1553, "fcvt.w.d\ta0,fa0,rtz"),
        (0x02c5_f553, "fadd.d\tfa0,fa1,fa2"), // dyn is not printed
        (0x00c5_8553, "fadd.s\tfa0,fa1,fa2,rne"),
        (0x6ac5_c543, "fmadd.d\tfa0,fa1,fa2,fa3,rmm"),
        (0x02b5_d553, "fadd.d\tfa0,fa1,fa1,unknown"), // reserved rm 5
        (0x02b5_e553, "fadd.d\tfa0,fa1,fa1,unknown"), // reserved rm 6
        (0xd035_4553, "fcvt.s.lu\tfa0,a0,rmm"),
        (0xc235_3553, "fcvt.lu.d\ta0,fa0,rup"),
        (0x4015_a553, "fcvt.s.d\tfa0,fa1,rdn"),
        (0x5a05_8553, "fsqrt.d\tfa0,fa1,rne"),
        (0xc025_7553, "fcvt.l.s\ta0,fa0"),
        // Exact conversions take no rounding mode; objdump requires rm = 0.
        (0xd205_0553, "fcvt.d.w\tfa0,a0"),
        (0x4205_8553, "fcvt.d.s\tfa0,fa1"),
        (0xd205_7553, ".4byte\t0xd2057553"),
        (0x4205_1553, ".4byte\t0x42051553"),
    ]);
}

#[test]
fn float_moves_and_compares() {
    check(&[
        (0x20b5_8553, "fmv.s\tfa0,fa1"),
        (0x22b5_9553, "fneg.d\tfa0,fa1"),
        (0x20b5_a553, "fabs.s\tfa0,fa1"),
        (0x22c5_8553, "fsgnj.d\tfa0,fa1,fa2"),
        (0xe005_0553, "fmv.x.w\ta0,fa0"),
        (0xe205_0553, "fmv.x.d\ta0,fa0"),
        (0xf205_0553, "fmv.d.x\tfa0,a0"),
        (0xe205_1553, "fclass.d\ta0,fa0"),
        (0xa2b5_2553, "feq.d\ta0,fa0,fa1"),
        (0xa0c5_9553, "flt.s\ta0,fa1,fa2"),
        (0x68c5_f54f, "fnmadd.s\tfa0,fa1,fa2,fa3"),
    ]);
}

#[test]
fn atomics() {
    check(&[
        (0x0eb6_252f, "amoswap.w.aqrl\ta0,a1,(a2)"),
        (0x1405_b52f, "lr.d.aq\ta0,(a1)"),
        (0x1ab6_252f, "sc.w.rl\ta0,a1,(a2)"),
        (0xe0b6_352f, "amomaxu.d\ta0,a1,(a2)"),
        (0x1000_102f, ".4byte\t0x1000102f"), // lr with rs2 != 0
    ]);
}

#[test]
fn csr_instructions_and_aliases() {
    check(&[
        (0x3000_2573, "csrr\ta0,mstatus"),
        (0x3000_2073, "csrr\tzero,mstatus"),
        (0x3055_1073, "csrw\tmtvec,a0"),
        (0x3045_a073, "csrs\tmie,a1"),
        (0x3446_3073, "csrc\tmip,a2"),
        (0x1402_d073, "csrw\tsscratch,5"),
        (0x3000_6073, "csrs\tmstatus,0"),
        // The immediate forms keep the register-form mnemonic.
        (0x3002_d5f3, "csrrw\ta1,mstatus,5"),
        (0x180f_e573, "csrrs\ta0,satp,31"),
        (0x7c05_9573, "csrrw\ta0,0x7c0,a1"),
        (0x0000_1073, "csrw\t0x0,zero"),
        (0x0030_2573, "frcsr\ta0"),
        (0x0035_15f3, "fscsr\ta1,a0"),
        (0x0035_9573, "fscsr\ta0,a1"),
        (0x0025_1073, "fsrm\ta0"),
        (0x0020_d073, "fsrmi\tzero,1"),
        (0x0011_d573, "fsflagsi\ta0,3"),
        (0x0010_2573, "frflags\ta0"),
        (0xc010_2573, "rdtime\ta0"),
        (0xc000_2073, "rdcycle\tzero"),
        (0xc800_2573, "csrr\ta0,cycleh"),
        (0x3ef0_2573, "csrr\ta0,pmpaddr63"),
        (0xc000_1073, "unimp"), // csrw cycle,zero
    ]);
}

#[test]
fn csr_names() {
    assert_eq!(csr_name(0x300), Some("mstatus"));
    assert_eq!(csr_name(0x001), Some("fflags"));
    assert_eq!(csr_name(0xc00), Some("cycle"));
    assert_eq!(csr_name(0x180), Some("satp"));
    assert_eq!(csr_name(0x3a0), Some("pmpcfg0"));
    assert_eq!(csr_name(0x3ef), Some("pmpaddr63"));
    assert_eq!(csr_name(0x323), Some("mhpmevent3"));
    assert_eq!(csr_name(0x73f), Some("mhpmevent31h"));
    assert_eq!(csr_name(0xb1f), Some("mhpmcounter31"));
    assert_eq!(csr_name(0xc9f), Some("hpmcounter31h"));
    assert_eq!(csr_name(0xf14), Some("mhartid"));
    assert_eq!(csr_name(0x000), None); // ustatus is gone from binutils 2.40
    assert_eq!(csr_name(0x322), None);
    assert_eq!(csr_name(0x7c0), None);
    assert_eq!(csr_name(0xfff), None);
}

#[test]
fn fences_and_privileged() {
    check(&[
        (0x0ff0_000f, "fence"),
        (0x0310_000f, "fence\trw,w"),
        (0x0000_000f, "fence\tunknown,unknown"),
        (0x0100_000f, "fence\tw,unknown"),
        (0x8330_000f, "fence.tso"),
        (0x0000_100f, "fence.i"),
        (0x0000_0073, "ecall"),
        (0x0010_0073, "ebreak"),
        (0x1020_0073, "sret"),
        (0x3020_0073, "mret"),
        (0x7b20_0073, "dret"),
        (0x1050_0073, "wfi"),
        (0x1200_0073, "sfence.vma"),
        (0x1205_0073, "sfence.vma\ta0"),
        (0x12b5_0073, "sfence.vma\ta0,a1"),
    ]);
}

#[test]
fn bitmanip() {
    check(&[
        (0x6b85_d513, "rev8\ta0,a1"),
        (0x2875_d513, "orc.b\ta0,a1"),
        (0x6025_951b, "cpopw\ta0,a1"),
        (0x20c5_e53b, "sh3add.uw\ta0,a1,a2"),
        (0x08c5_853b, "add.uw\ta0,a1,a2"),
    ]);
}

#[test]
fn zicond_is_decoded_although_objdump_does_not() {
    check(&[
        (0x0ec5_d533, "czero.eqz\ta0,a1,a2"),
        (0x0ec5_f533, "czero.nez\ta0,a1,a2"),
    ]);
}

#[test]
fn unknown_encodings() {
    check(&[
        (0x0000_707b, ".4byte\t0x707b"),
        (0x1234_5677, ".4byte\t0x12345677"),
        (0x3030_0073, ".4byte\t0x30300073"),
    ]);
}

#[test]
fn lengths_and_register_names() {
    assert_eq!(insn_len(0x4515), 2);
    assert_eq!(insn_len(0x0000), 2);
    assert_eq!(insn_len(0x0513), 4);
    assert_eq!(xreg_name(0), "zero");
    assert_eq!(xreg_name(8), "s0");
    assert_eq!(xreg_name(31), "t6");
    assert_eq!(freg_name(0), "ft0");
    assert_eq!(freg_name(10), "fa0");
    assert_eq!(freg_name(31), "ft11");
}
