/*
 * zbs.S - Zbs single-bit instructions on RV64.
 *
 * Checks bset/bclr/binv/bext and their immediate forms for bit 0, bit 31
 * (no sign-extension games), bit 32 and bit 63, and that the register forms
 * use only rs2[5:0] as the bit index.
 */
#include "test.h"

    .text
    .globl test_main
test_main:
    TEST_RR(1, bset, 0x0000000000000001, 0, 0)
    TEST_RR(2, bset, 0x0000000080000000, 0, 31)              /* no sign extension */
    TEST_RR(3, bset, 0x8000000000000000, 0, 63)
    TEST_RR(4, bset, 0x0000000100000000, 0, 96)              /* 96 & 63 = 32 */
    TEST_RR(5, bset, 0xffffffffffffffff, -1, 5)              /* already set */
    TEST_RI(6, bseti, 0x0000000100000000, 0, 32)
    TEST_RI(7, bseti, 0x8000000000000001, 1, 63)
    TEST_RR(8, bclr, 0xfffffffffffffffe, -1, 0)
    TEST_RR(9, bclr, 0xffffffff7fffffff, -1, 31)
    TEST_RR(10, bclr, 0x7fffffffffffffff, -1, 127)          /* 127 & 63 = 63 */
    TEST_RI(11, bclri, 0xfffffffeffffffff, -1, 32)
    TEST_RI(12, bclri, 0x0000000000000000, 0x8000000000000000, 63)
    TEST_RR(13, binv, 0x0000000000000001, 0, 0)
    TEST_RR(14, binv, 0xfffffffffffffffe, -1, 0)
    TEST_RR(15, binv, 0x0000000080000000, 0, 0x1f)
    TEST_RI(16, binvi, 0x7fffffffffffffff, -1, 63)
    TEST_RI(17, binvi, 0x0000000100000005, 5, 32)
    TEST_RR(18, bext, 1, 0x8000000000000000, 63)
    TEST_RR(19, bext, 0, 0x7fffffffffffffff, 63)
    TEST_RR(20, bext, 1, 0x0000000080000000, 31)
    TEST_RR(21, bext, 1, 0x0000000100000000, 0x60)          /* 0x60 & 63 = 32 */
    TEST_RI(22, bexti, 1, 0x0000000000000001, 0)
    TEST_RI(23, bexti, 0, 0xfffffffeffffffff, 32)
    TEST_RI(24, bexti, 1, 0x8000000000000000, 63)
    TEST_RR_SAME(25, bset, 0x0000000000000104, 0x4, 8)      /* rd == rs1 */
    PASS
