/*
 * rv64i.S - the RV64I base integer instruction set.
 *
 * Checks: register and immediate ALU ops at their edge values (sign of the
 * 12-bit immediate, INT64_MIN/MAX, unsigned compares against -1), shifts
 * including the 6-bit RV64 shift amount and the *W forms that operate on the
 * low 32 bits and sign-extend, lui/auipc sign extension, every branch taken
 * and not taken (signed vs unsigned), loads of every width with their sign or
 * zero extension, stores of every width (only the addressed bytes change),
 * jal/jalr link values, jalr clearing bit 0 of the target, jalr with rd == rs1,
 * and writes to x0 being discarded.
 */
#include "test.h"

    .text
    .globl test_main
test_main:
    /* ---------------- register-register ALU ---------------- */
    TEST_RR(1, add, 0x0000000000000005, 2, 3)
    TEST_RR(2, add, 0x8000000000000000, 0x7fffffffffffffff, 1)     /* wraps */
    TEST_RR(3, add, 0, -1, 1)
    TEST_RR(4, sub, 0xffffffffffffffff, 2, 3)
    TEST_RR(5, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR(6, sll, 0x8000000000000000, 1, 63)
    TEST_RR(7, sll, 0x0000000000000002, 1, 65)     /* only rs2[5:0] counts */
    TEST_RR(8, srl, 0x0000000000000001, 0x8000000000000000, 63)
    TEST_RR(9, srl, 0x4000000000000000, 0x8000000000000000, 0xc1) /* 0xc1 & 63 = 1 */
    TEST_RR(10, sra, 0xffffffffffffffff, 0x8000000000000000, 63)
    TEST_RR(11, sra, 0xc000000000000000, 0x8000000000000000, 1)
    TEST_RR(12, slt, 1, -1, 0)
    TEST_RR(13, slt, 0, 0, -1)
    TEST_RR(14, slt, 0, 5, 5)
    TEST_RR(15, sltu, 0, -1, 0)                    /* -1 is the largest unsigned */
    TEST_RR(16, sltu, 1, 0, -1)
    TEST_RR(17, xor, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
    TEST_RR(18, or,  0xfff0fff0fff0fff0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
    TEST_RR(19, and, 0x0f000f000f000f00, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
    TEST_RR_SAME(20, add, 0x0000000100000000, 0xffffffff, 1)    /* rd == rs1 */

    /* ---------------- *W register-register forms ---------------- */
    TEST_RR(21, addw, 0xffffffff80000000, 0x7fffffff, 1)        /* 32-bit wrap, sign-extended */
    TEST_RR(22, addw, 0x0000000000000000, 0x1ffffffff, 1)       /* upper bits ignored */
    TEST_RR(23, subw, 0x000000007fffffff, 0x80000000, 1)
    TEST_RR(24, subw, 0xffffffffffffffff, 0x100000000, 1)
    TEST_RR(25, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(26, sllw, 0x0000000000000001, 1, 32)               /* only rs2[4:0] counts */
    TEST_RR(27, srlw, 0x0000000000000001, 0xffffffff80000000, 31)
    TEST_RR(28, srlw, 0x000000007fffffff, 0x12345678ffffffff, 1) /* upper rs1 bits ignored */
    TEST_RR(29, sraw, 0xffffffffffffffff, 0x0000000080000000, 31)
    TEST_RR(30, sraw, 0xffffffffc0000000, 0x0000000080000000, 33) /* 33 & 31 = 1 */
    TEST_RR(31, srlw, 0xffffffff80000000, 0x80000000, 0)        /* shift by 0 still sign-extends */

    /* ---------------- register-immediate ALU ---------------- */
    TEST_RI(32, addi, 0x00000000000007ff, 0, 2047)
    TEST_RI(33, addi, 0xfffffffffffff800, 0, -2048)
    TEST_RI(34, addi, 0x7fffffffffffffff, 0x8000000000000000, -1)
    TEST_RI(35, slti, 1, -2049, -2048)
    TEST_RI(36, slti, 0, 0, -1)
    TEST_RI(37, sltiu, 1, 0, -1)                   /* imm sign-extends, then compares unsigned */
    TEST_RI(38, sltiu, 0, -1, -1)
    TEST_RI(39, sltiu, 1, 0xfffffffffffff7ff, -2048)
    TEST_RI(40, xori, 0xedcba98754321000, 0x12345678abcdefff, -1) /* not */
    TEST_RI(41, xori, 0x12345678abcde800, 0x12345678abcdefff, 0x7ff)
    TEST_RI(42, ori,  0xfffffffffffff800, 0, -2048)
    TEST_RI(43, andi, 0x00000000000007ff, -1, 2047)
    TEST_RI(44, andi, 0x8000000000000800, 0x8000000000000fff, -2048)
    TEST_RI(45, slli, 0x8000000000000000, 1, 63)
    TEST_RI(46, slli, 0xfffffff000000000, 0xffffffffffffffff, 36)
    TEST_RI(47, srli, 0x0000000000000001, 0x8000000000000000, 63)
    TEST_RI(48, srli, 0x00000000ffffffff, 0xffffffffffffffff, 32)
    TEST_RI(49, srai, 0xffffffffffffffff, 0x8000000000000000, 63)
    TEST_RI(50, srai, 0x0000000007ffffff, 0x7fffffffffffffff, 36)
    TEST_RI(51, srai, 0x8000000000000000, 0x8000000000000000, 0)

    /* ---------------- *W immediate forms ---------------- */
    TEST_RI(52, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(53, addiw, 0x000000007fffffff, 0x80000000, -1)
    TEST_RI(54, addiw, 0xffffffff80000000, 0x1234567880000000, 0) /* sext.w */
    TEST_RI(55, addiw, 0xfffffffffffff800, 0, -2048)
    TEST_RI(56, slliw, 0xffffffff80000000, 1, 31)
    TEST_RI(57, slliw, 0x0000000000000000, 0x100000000, 4)
    TEST_RI(58, srliw, 0x0000000000000001, 0x80000000, 31)
    TEST_RI(59, srliw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RI(60, sraiw, 0xffffffffffffffff, 0x80000000, 31)
    TEST_RI(61, sraiw, 0x0000000000123456, 0xffffffff12345678, 8)

    /* ---------------- lui / auipc ---------------- */
    TEST_CASE(62, a0, 0xffffffff80000000, lui a0, 0x80000)  /* bit 31 sign-extends */
    TEST_CASE(63, a0, 0x000000007ffff000, lui a0, 0x7ffff)
    TEST_CASE(64, a0, 0xfffffffffffff000, lui a0, 0xfffff)
    TEST_CASE(65, a0, 0, lui a0, 0; addi a0, a0, 0)
    /* auipc adds to its own pc: compare with the address of the label */
    TEST_NUM(66)
1:  auipc a0, 0
    la a1, 1b
    bne a0, a1, fail
    TEST_NUM(67)
2:  auipc a0, 1
    la a1, 2b
    sub a0, a0, a1
    CHECK(a0, 0x1000)
    TEST_NUM(68)
3:  auipc a0, 0xfffff                                    /* -4096 */
    la a1, 3b
    sub a0, a0, a1
    CHECK(a0, -4096)

    /* ---------------- branches ---------------- */
    /* Each branch macro: taken case must skip the fail, not-taken must fall
       through to the next instruction. */
#define TEST_BR_TAKEN(num, inst, v1, v2) \
    TEST_NUM(num); li a1, v1; li a2, v2; inst a1, a2, 9f; j fail; 9:
#define TEST_BR_NOT(num, inst, v1, v2) \
    TEST_NUM(num); li a1, v1; li a2, v2; inst a1, a2, fail
    TEST_BR_TAKEN(69, beq, 7, 7)
    TEST_BR_NOT(70, beq, 7, 8)
    TEST_BR_TAKEN(71, bne, 0, 0x100000000)           /* differs only above bit 31 */
    TEST_BR_NOT(72, bne, -1, -1)
    TEST_BR_TAKEN(73, blt, -1, 0)
    TEST_BR_NOT(74, blt, 0, -1)
    TEST_BR_NOT(75, blt, 3, 3)
    TEST_BR_TAKEN(76, bge, 3, 3)
    TEST_BR_TAKEN(77, bge, 0, 0x8000000000000000)
    TEST_BR_NOT(78, bge, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_TAKEN(79, bltu, 0, -1)
    TEST_BR_NOT(80, bltu, -1, 0)
    TEST_BR_NOT(81, bltu, 5, 5)
    TEST_BR_TAKEN(82, bgeu, -1, 0)
    TEST_BR_TAKEN(83, bgeu, 5, 5)
    TEST_BR_NOT(84, bgeu, 0x7fffffffffffffff, 0x8000000000000000)
    /* backward branch: count a loop down */
    TEST_NUM(85)
    li a0, 10
    li a1, 0
4:  addi a1, a1, 3
    addi a0, a0, -1
    bnez a0, 4b
    CHECK(a1, 30)

    /* ---------------- loads ---------------- */
    /* ldata = 0x8899aabb_ccddeeff then 0x01234567_89abcdef (little endian) */
#define TEST_LD(num, inst, expected, off) \
    TEST_CASE(num, a0, expected, la a1, ldata; inst a0, off(a1))
    TEST_LD(86, lb,  0xffffffffffffffff, 0)
    TEST_LD(87, lb,  0xffffffffffffff88, 7)
    TEST_LD(88, lb,  0x0000000000000001, 15)
    TEST_LD(89, lbu, 0x00000000000000ff, 0)
    TEST_LD(90, lbu, 0x0000000000000088, 7)
    TEST_LD(91, lh,  0xffffffffffffeeff, 0)
    TEST_LD(92, lh,  0x0000000000000123, 14)
    TEST_LD(93, lhu, 0x000000000000eeff, 0)
    TEST_LD(94, lhu, 0x0000000000008899, 6)
    TEST_LD(95, lw,  0xffffffffccddeeff, 0)
    TEST_LD(96, lw,  0x0000000001234567, 12)
    TEST_LD(97, lwu, 0x00000000ccddeeff, 0)
    TEST_LD(98, lwu, 0x000000008899aabb, 4)
    TEST_LD(99, ld,  0x8899aabbccddeeff, 0)
    TEST_LD(100, ld, 0x0123456789abcdef, 8)
    /* negative offsets */
    TEST_CASE(101, a0, 0xffffffffffffff88, la a1, ldata + 8; lb a0, -1(a1))
    TEST_CASE(102, a0, 0x8899aabbccddeeff, la a1, ldata + 2048; ld a0, -2048(a1))

    /* ---------------- stores ---------------- */
    /* each store hits a zeroed doubleword; the whole doubleword is checked */
#define TEST_ST(num, st, offset, value, expected) \
    TEST_CASE(num, a0, expected, la a1, sdata; sd zero, 0(a1); li a2, value; st a2, offset(a1); ld a0, 0(a1))
    TEST_ST(103, sb, 0, 0x123456789abcdeff, 0x00000000000000ff)
    TEST_ST(104, sb, 7, 0x0000000000000080, 0x8000000000000000)
    TEST_ST(105, sh, 0, 0x123456789abcdeff, 0x000000000000deff)
    TEST_ST(106, sh, 6, 0xffffffffffff1234, 0x1234000000000000)
    TEST_ST(107, sw, 0, 0x123456789abcdeff, 0x000000009abcdeff)
    TEST_ST(108, sw, 4, 0xffffffff80000001, 0x8000000100000000)
    TEST_ST(109, sd, 0, 0x123456789abcdeff, 0x123456789abcdeff)
    /* a store must not touch the neighbouring doublewords */
    TEST_NUM(110)
    la a1, sdata
    li a2, -1
    sd a2, 8(a1)
    sd a2, -8(a1)
    sd zero, 0(a1)
    li a3, 0x55
    sb a3, 3(a1)
    ld a0, 8(a1)
    CHECK(a0, -1)
    ld a0, -8(a1)
    CHECK(a0, -1)
    ld a0, 0(a1)
    CHECK(a0, 0x55000000)
    /* store then load back through a different width */
    TEST_CASE(111, a0, 0xffffffffffff8765, la a1, sdata; li a2, 0x87654321; sw a2, 0(a1); lh a0, 2(a1))

    /* ---------------- jal / jalr ---------------- */
    /* jal links the address of the next instruction */
    TEST_NUM(112)
    jal a0, 5f
6:  j fail
5:  la a1, 6b
    bne a0, a1, fail
    /* jal x0 is a plain jump */
    TEST_NUM(113)
    li a0, 1
    j 7f
    li a0, 2
7:  CHECK(a0, 1)
    /* jalr with an offset */
    TEST_NUM(114)
    la a1, 8f - 16
    jalr a0, 16(a1)
10: j fail
8:  la a2, 10b
    bne a0, a2, fail
    /* jalr clears bit 0 of the computed target (no trap) */
    TEST_NUM(115)
    la a1, 11f
    addi a1, a1, 1
    jalr a0, 0(a1)
12: j fail
11: la a2, 12b
    bne a0, a2, fail
    /* odd offset, even base: target = (base + 1) & ~1 */
    TEST_NUM(116)
    la a1, 13f
    jalr a0, 1(a1)
    j fail
13:
    /* jalr with rd == rs1: the target uses the old rs1 */
    TEST_NUM(117)
    la a1, 14f
    jalr a1, 0(a1)
15: j fail
14: la a2, 15b
    bne a1, a2, fail
    /* call/ret through a real subroutine */
    TEST_NUM(118)
    li a0, 20
    call double_it
    CHECK(a0, 40)

    /* ---------------- x0 ---------------- */
    TEST_CASE(119, a0, 0, li a1, 5; addi x0, a1, 1; mv a0, x0)
    TEST_CASE(120, a0, 0, la a1, ldata; ld x0, 0(a1); add a0, x0, x0)
    TEST_CASE(121, a0, 0, lui x0, 0x12345; or a0, x0, x0)

    /* ---------------- misc ---------------- */
    /* fence / fence.tso / pause-like hints must simply execute */
    TEST_NUM(122)
    fence
    fence rw, rw
    fence.tso
    fence i, o
    nop
    /* a NOP-class hint: addi x0 with nonzero imm */
    addi x0, x0, 1
    /* slt/sltu writing the same register as a source */
    TEST_CASE(123, a1, 1, li a1, -5; li a2, 3; slt a1, a1, a2)
    TEST_CASE(124, a2, 0, li a1, -5; li a2, 3; sltu a2, a1, a2)
    /* sub of a register from itself */
    TEST_CASE(125, a1, 0, li a1, 0x123456789; sub a1, a1, a1)
    PASS

double_it:
    add a0, a0, a0
    ret

    .data
    .align 3
ldata:
    .dword 0x8899aabbccddeeff
    .dword 0x0123456789abcdef
    .space 2048
    .dword 0
    .align 3
    .dword 0
sdata:
    .dword 0
    .dword 0
