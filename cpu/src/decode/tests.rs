use super::*;

fn d(raw: u32) -> Op {
    decode(raw)
}

#[test]
fn base_integer_fields_and_immediates() {
    // addi a0, a1, -1
    let o = d(0xfff5_8513);
    assert_eq!(
        (o.kind, o.rd, o.rs1, o.imm, o.len),
        (Kind::Addi, 10, 11, -1, 4)
    );
    // lui a0, 0x80000 -> imm is the sign-extended upper immediate
    assert_eq!(d(0x8000_0537).imm, i32::MIN);
    // sd ra, -8(sp)
    let o = d(0xfe11_3c23);
    assert_eq!((o.kind, o.rs1, o.rs2, o.imm), (Kind::Sd, 2, 1, -8));
    // beq a0, a1, -4
    let o = d(0xfeb5_0ee3);
    assert_eq!((o.kind, o.imm), (Kind::Beq, -4));
    // jal ra, 2048
    let o = d(0x0010_00ef);
    assert_eq!((o.kind, o.rd, o.imm), (Kind::Jal, 1, 2048));
    // srai a0, a0, 63
    let o = d(0x43f5_5513);
    assert_eq!((o.kind, o.imm), (Kind::Srai, 63));
}

#[test]
fn extensions() {
    assert_eq!(d(0x02b5_0533).kind, Kind::Mul); // mul a0,a0,a1
    assert_eq!(d(0x100525af).kind, Kind::LrW); // lr.w a1,(a0)
    assert_eq!(d(0x20b5_2533).kind, Kind::Sh1add); // sh1add a0,a0,a1
    assert_eq!(d(0x6005_1513).kind, Kind::Clz); // clz a0,a0
    assert_eq!(d(0x6b85_5513).kind, Kind::Rev8); // rev8 a0,a0
    assert_eq!(d(0x2875_5513).kind, Kind::OrcB); // orc.b a0,a0
    assert_eq!(d(0x0805_453b).kind, Kind::ZextH); // zext.h a0,a0
    assert_eq!(d(0x0eb5_5533).kind, Kind::CzeroEqz);
    assert_eq!(d(0x30200073).kind, Kind::Mret);
    assert_eq!(d(0x12000073).kind, Kind::SfenceVma);
    // fadd.d fa0,fa1,fa2,rtz and the reserved rounding mode 5
    let o = d(0x02c5_9553);
    assert_eq!((o.kind, o.rm), (Kind::FaddD, 1));
    assert_eq!(d(0x02c5_d553).kind, Kind::Illegal);
    let o = d(0x3000_2573); // csrr a0, mstatus
    assert_eq!((o.kind, o.imm), (Kind::Csrrs, 0x300));
}

#[test]
fn illegal_encodings() {
    for raw in [
        0x0000_0000u32,
        0xffff_ffff,
        0x0000_707f,
        0x0000_2063,
        0x4000_1033,
    ] {
        let o = d(raw);
        assert_eq!(o.kind, Kind::Illegal, "{raw:#x}");
    }
    // The all-zero halfword is illegal and reports 16 bits.
    let o = d(0x0000);
    assert_eq!((o.kind, o.raw, o.len), (Kind::Illegal, 0, 2));
}

#[test]
fn compressed_expansions() {
    let cases: &[(u16, u32)] = &[
        (0x1141, 0xff01_0113), // c.addi sp,-16      -> addi sp,sp,-16
        (0xe406, 0x0011_3423), // c.sdsp ra,8(sp)    -> sd ra,8(sp)
        (0x60a2, 0x0081_3083), // c.ldsp ra,8(sp)    -> ld ra,8(sp)
        (0x8082, 0x0000_8067), // c.jr ra (ret)      -> jalr x0,0(ra)
        (0x852e, 0x00b0_0533), // c.mv a0,a1         -> add a0,x0,a1
        (0x952e, 0x00b5_0533), // c.add a0,a1        -> add a0,a0,a1
        (0x4505, 0x0010_0513), // c.li a0,1          -> addi a0,x0,1
        (0x6505, 0x0000_1537), // c.lui a0,1         -> lui a0,0x1
        (0x0028, 0x0081_0513), // c.addi4spn a0,sp,8 -> addi a0,sp,8
        (0x8d0d, 0x40b5_0533), // c.sub a0,a1        -> sub a0,a0,a1
        (0x9d2d, 0x00b5_053b), // c.addw a0,a1       -> addw a0,a0,a1
        (0x9002, 0x0010_0073), // c.ebreak
        (0x2505, 0x0015_051b), // c.addiw a0,1       -> addiw a0,a0,1
        (0x050e, 0x0035_1513), // c.slli a0,3        -> slli a0,a0,3
        (0x8505, 0x4015_5513), // c.srai a0,1        -> srai a0,a0,1
        (0x8105, 0x0015_5513), // c.srli a0,1        -> srli a0,a0,1
        (0x6105, 0x0201_0113), // c.addi16sp sp,32   -> addi sp,sp,32
        (0xc119, 0x0005_0363), // c.beqz a0,6        -> beq a0,x0,6
        (0xa001, 0x0000_006f), // c.j 0              -> jal x0,0
    ];
    for &(c, full) in cases {
        assert_eq!(compressed::expand(c), Some(full), "{c:#06x}");
        let o = decode(c as u32);
        assert_eq!((o.len, o.raw), (2, c as u32));
    }
    // Reserved: c.addi4spn 0, c.lwsp rd=0, c.jr x0, c.addiw rd=0, c.lui imm=0.
    for c in [0x0000u16, 0x4002, 0x8002, 0x2001, 0x6501] {
        assert_eq!(compressed::expand(c), None, "{c:#06x}");
    }
}

#[test]
fn every_halfword_decodes_without_panic() {
    for c in 0..=u16::MAX {
        if c & 3 == 3 {
            continue;
        }
        let o = decode(c as u32);
        assert_eq!(o.len, 2);
        assert_eq!(
            o.kind == Kind::Illegal,
            compressed::expand(c).is_none() || decode32_is_illegal(c)
        );
    }
}

fn decode32_is_illegal(c: u16) -> bool {
    compressed::expand(c)
        .map(|f| decode(f).kind == Kind::Illegal)
        .unwrap_or(true)
}
