/*
 * zicond.S - Zicond integer conditional operations.
 *
 *   czero.eqz rd, rs1, rs2:  rd = (rs2 == 0) ? 0 : rs1
 *   czero.nez rd, rs1, rs2:  rd = (rs2 != 0) ? 0 : rs1
 *
 * binutils 2.40 does not know these mnemonics, so they are spelled with
 * .insn r (opcode OP = 0x33, funct7 = 0b0000111, funct3 = 0b101 / 0b111).
 * Checks: both outcomes of each, a condition that is nonzero only in its
 * upper 32 bits (the whole register is tested), rd aliasing rs1 or rs2,
 * x0 as the value or the condition, and the select idiom
 * (cond ? a : b) = czero.nez(b, cond) | czero.eqz(a, cond).
 *
 * QEMU 7.2 has no Zicond, so this file is validated by reasoning only:
 * running it there stops at check 1 with an illegal-instruction trap.
 */
#include "test.h"

#define CZERO_EQZ(rd, rs1, rs2) .insn r 0x33, 5, 7, rd, rs1, rs2
#define CZERO_NEZ(rd, rs1, rs2) .insn r 0x33, 7, 7, rd, rs1, rs2

#define TEST_EQZ(num, expected, value, cond) \
    TEST_CASE(num, a0, expected, li a1, value; li a2, cond; li a0, 0x5a5a; CZERO_EQZ(a0, a1, a2))
#define TEST_NEZ(num, expected, value, cond) \
    TEST_CASE(num, a0, expected, li a1, value; li a2, cond; li a0, 0x5a5a; CZERO_NEZ(a0, a1, a2))

    .text
    .globl test_main
test_main:
    TEST_EQZ(1, 0x0000000000000000, 0x123456789abcdef0, 0)
    TEST_EQZ(2, 0x123456789abcdef0, 0x123456789abcdef0, 1)
    TEST_EQZ(3, 0xffffffffffffffff, -1, 0x8000000000000000)
    TEST_EQZ(4, 0x00000000deadbeef, 0xdeadbeef, 0x100000000)    /* condition only above bit 31 */
    TEST_NEZ(5, 0x123456789abcdef0, 0x123456789abcdef0, 0)
    TEST_NEZ(6, 0x0000000000000000, 0x123456789abcdef0, 1)
    TEST_NEZ(7, 0x0000000000000000, -1, 0x100000000)
    TEST_NEZ(8, 0x8000000000000000, 0x8000000000000000, 0)
    /* rd == rs1 */
    TEST_CASE(9,  a1, 0, li a1, 77; li a2, 0; CZERO_EQZ(a1, a1, a2))
    TEST_CASE(10, a1, 77, li a1, 77; li a2, 0; CZERO_NEZ(a1, a1, a2))
    /* rd == rs2: the condition is read before rd is written */
    TEST_CASE(11, a2, 77, li a1, 77; li a2, 5; CZERO_EQZ(a2, a1, a2))
    TEST_CASE(12, a2, 0, li a1, 77; li a2, 5; CZERO_NEZ(a2, a1, a2))
    /* rs1 == rs2: value and condition are the same register */
    TEST_CASE(13, a0, 9, li a1, 9; CZERO_EQZ(a0, a1, a1))
    TEST_CASE(14, a0, 0, li a1, 9; CZERO_NEZ(a0, a1, a1))
    /* x0 as the condition: eqz always zeroes, nez always passes rs1 */
    TEST_CASE(15, a0, 0, li a1, 9; CZERO_EQZ(a0, a1, x0))
    TEST_CASE(16, a0, 9, li a1, 9; CZERO_NEZ(a0, a1, x0))
    /* x0 as the value */
    TEST_CASE(17, a0, 0, li a2, 1; li a0, 3; CZERO_NEZ(a0, x0, x0); CZERO_EQZ(a0, x0, a2))
    /* select: c ? a : b */
#define SELECT(num, cond, expected)                                       \
    TEST_NUM(num); li a1, 0x1111; li a2, 0x2222; li a3, cond;            \
    CZERO_EQZ(a4, a1, a3); CZERO_NEZ(a5, a2, a3); or a0, a4, a5; CHECK(a0, expected)
    SELECT(18, 1, 0x1111)
    SELECT(19, 0, 0x2222)
    SELECT(20, 0xffffffff00000000, 0x1111)
    PASS
