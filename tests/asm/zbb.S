/*
 * zbb.S - Zbb basic bit manipulation on RV64.
 *
 * Checks: andn/orn/xnor; clz/ctz/cpop and their W forms, including the
 * all-zero inputs (64 and 32) and that the W forms ignore the upper half;
 * signed/unsigned min/max; sext.b/sext.h/zext.h; rol/ror/rori (6-bit
 * amounts) and rolw/rorw/roriw (5-bit amounts, sign-extended 32-bit
 * results); orc.b; rev8.
 */
#include "test.h"

    .text
    .globl test_main
test_main:
    /* ---- logic with negate ---- */
    TEST_RR(1, andn, 0xf000f000f000f000, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
    TEST_RR(2, orn,  0xff0fff0fff0fff0f, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
    TEST_RR(3, xnor, 0x0f0f0f0f0f0f0f0f, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
    TEST_RR(4, andn, 0, -1, -1)

    /* ---- counts ---- */
    TEST_R1(5, clz, 64, 0)
    TEST_R1(6, clz, 0, 0x8000000000000000)
    TEST_R1(7, clz, 63, 1)
    TEST_R1(8, clz, 31, 0x0000000100000000)
    TEST_R1(9, clzw, 32, 0)
    TEST_R1(10, clzw, 32, 0xffffffff00000000)              /* upper half ignored */
    TEST_R1(11, clzw, 0, 0x0000000080000000)
    TEST_R1(12, clzw, 31, 0x1234567800000001)
    TEST_R1(13, ctz, 64, 0)
    TEST_R1(14, ctz, 63, 0x8000000000000000)
    TEST_R1(15, ctz, 0, -1)
    TEST_R1(16, ctz, 32, 0xffffffff00000000)
    TEST_R1(17, ctzw, 32, 0)
    TEST_R1(18, ctzw, 32, 0xffffffff00000000)              /* upper half ignored */
    TEST_R1(19, ctzw, 31, 0x0000000080000000)
    TEST_R1(20, cpop, 0, 0)
    TEST_R1(21, cpop, 64, -1)
    TEST_R1(22, cpop, 32, 0x5555555555555555)
    TEST_R1(23, cpopw, 32, -1)
    TEST_R1(24, cpopw, 1, 0xffffffff00000001)

    /* ---- min / max ---- */
    TEST_RR(25, min,  0xffffffffffffffff, -1, 1)
    TEST_RR(26, minu, 0x0000000000000001, -1, 1)
    TEST_RR(27, max,  0x0000000000000001, -1, 1)
    TEST_RR(28, maxu, 0xffffffffffffffff, -1, 1)
    TEST_RR(29, min,  0x8000000000000000, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(30, maxu, 0x8000000000000000, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(31, max,  0x0000000100000000, 0x0000000100000000, 0x00000000ffffffff) /* 64-bit compare */

    /* ---- sign/zero extension ---- */
    TEST_R1(32, sext.b, 0xffffffffffffff80, 0x1234567890abcd80)
    TEST_R1(33, sext.b, 0x000000000000007f, 0xffffffffffffff7f)
    TEST_R1(34, sext.h, 0xffffffffffff8000, 0x0000000000008000)
    TEST_R1(35, sext.h, 0x0000000000007fff, 0xffffffffffff7fff)
    TEST_R1(36, zext.h, 0x000000000000ffff, 0xffffffffffffffff)
    TEST_R1(37, zext.h, 0x0000000000001234, 0xabcdef0012341234)

    /* ---- rotates ---- */
    TEST_RR(38, rol, 0x0000000000000001, 0x8000000000000000, 1)
    TEST_RR(39, rol, 0x23456789abcdef01, 0x0123456789abcdef, 8)
    TEST_RR(40, rol, 0x0123456789abcdef, 0x0123456789abcdef, 64)    /* amount & 63 = 0 */
    TEST_RR(41, ror, 0x8000000000000000, 0x0000000000000001, 1)
    TEST_RR(42, ror, 0xef0123456789abcd, 0x0123456789abcdef, 72)    /* 72 & 63 = 8 */
    TEST_RI(43, rori, 0x0000000000000003, 0x8000000000000001, 63)
    TEST_RI(44, rori, 0x89abcdef01234567, 0x0123456789abcdef, 32)
    TEST_RR(45, rolw, 0x0000000000000001, 0x0000000080000000, 1)
    TEST_RR(46, rolw, 0xffffffff80000000, 0x0000000040000000, 1)    /* sign-extends */
    TEST_RR(47, rolw, 0x0000000023456781, 0xffffffff12345678, 36)   /* 36 & 31 = 4, upper ignored */
    TEST_RR(48, rorw, 0xffffffff80000000, 0x0000000000000001, 1)
    TEST_RR(49, rorw, 0x0000000012345678, 0x0000000012345678, 32)   /* 32 & 31 = 0, still sext */
    TEST_RR(50, rorw, 0xffffffff81234567, 0x0000000012345678, 4)
    TEST_RI(51, roriw, 0xffffffff80000000, 0x0000000000000001, 1)
    TEST_RI(52, roriw, 0x0000000000000003, 0xabcdef0080000001, 31)
    TEST_RI(53, roriw, 0xffffffff87654321, 0x0000000087654321, 0)   /* roriw 0 = sext.w */

    /* ---- orc.b / rev8 ---- */
    TEST_R1(54, orc.b, 0xff00ff0000ffffff, 0x0100800000102030)
    TEST_R1(55, orc.b, 0x0000000000000000, 0)
    TEST_R1(56, orc.b, 0xffffffffffffffff, 0x0101010101010101)
    TEST_R1(57, rev8, 0xefcdab8967452301, 0x0123456789abcdef)
    TEST_R1(58, rev8, 0x0000000000000080, 0x8000000000000000)
    TEST_RR_SAME(59, andn, 0x00000000000000f0, 0xff, 0x0f)          /* rd == rs1 */
    PASS
