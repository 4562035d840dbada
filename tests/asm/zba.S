/*
 * zba.S - Zba address-generation instructions on RV64.
 *
 * Checks: sh1add/sh2add/sh3add (shift rs1, add rs2, 64-bit wrap), the .uw
 * forms which zero-extend the low 32 bits of rs1 *before* shifting (the
 * upper bits of rs1 must not leak in, bit 31 must not sign-extend), add.uw
 * (and its zext.w alias), and slli.uw including shift amounts that move
 * bit 31 past bit 63.
 */
#include "test.h"

    .text
    .globl test_main
test_main:
    TEST_RR(1, sh1add, 0x0000000000000007, 2, 3)                    /* (2<<1)+3 */
    TEST_RR(2, sh2add, 0x000000000000000b, 2, 3)
    TEST_RR(3, sh3add, 0x0000000000000013, 2, 3)
    TEST_RR(4, sh1add, 0x0000000000000000, 0x8000000000000000, 0)   /* bit 63 shifts out */
    TEST_RR(5, sh3add, 0xfffffffffffffff7, -1, -1)                  /* -8 + -1 */
    TEST_RR(6, sh2add, 0x0000000400000000, 0x100000000, 0)          /* upper bits kept */
    TEST_RR(7, sh1add.uw, 0x0000000100000002, 0xffffffff80000000, 2) /* zext(0x80000000)<<1 + 2 */
    TEST_RR(8, sh2add.uw, 0x0000000000000010, 0x1234567800000004, 0) /* upper rs1 ignored */
    TEST_RR(9, sh3add.uw, 0x00000007fffffff9, 0xffffffffffffffff, 1) /* 0xffffffff<<3 + 1 */
    TEST_RR(10, sh3add.uw, 0x0000000000000000, 0xabcdef0000000000, 0)
    TEST_RR(11, add.uw, 0x0000000100000000, 0xffffffffffffffff, 1)  /* zext(rs1) + rs2 */
    TEST_RR(12, add.uw, 0x0000000080000000, 0x5555555580000000, 0)
    TEST_RR(13, add.uw, 0xffffffff00000000, 0x1, 0xfffffffeffffffff)  /* rs2 is used whole */
    TEST_R1(14, zext.w, 0x00000000ffffffff, -1)
    TEST_RI(15, slli.uw, 0x00000000ffffffff, 0xffffffffffffffff, 0)
    TEST_RI(16, slli.uw, 0x0000000100000000, 0x1234567880000000, 1)
    TEST_RI(17, slli.uw, 0x8000000000000000, 0x0000000000000001, 63)
    TEST_RI(18, slli.uw, 0x8000000000000000, 0xffffffff80000001, 63)  /* only bit 0 survives */
    TEST_RI(19, slli.uw, 0xffffffff00000000, 0xffffffffffffffff, 32)
    TEST_RI(20, slli.uw, 0x00000003fffffffc, 0xfedcba98ffffffff, 2)
    TEST_RR_SAME(21, sh1add.uw, 0x0000000200000000, 0x80000000ffffffff, 2)  /* rd == rs1 */
    PASS
