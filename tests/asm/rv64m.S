/*
 * rv64m.S - the M extension on RV64.
 *
 * Checks: mul/mulh/mulhsu/mulhu on sign and magnitude corners (the high half
 * is where 128-bit product bugs show), mulw sign extension, div/divu/rem/remu
 * including the spec-defined results for division by zero (quotient all ones,
 * remainder = dividend) and signed overflow (INT_MIN / -1 = INT_MIN,
 * remainder 0), truncation toward zero with negative operands, and the *W
 * forms, which use only the low 32 bits of the operands and sign-extend their
 * 32-bit result.
 */
#include "test.h"

#define MIN64 0x8000000000000000
#define MAX64 0x7fffffffffffffff

    .text
    .globl test_main
test_main:
    /* ---------------- mul (low 64 bits) ---------------- */
    TEST_RR(1, mul, 42, 6, 7)
    TEST_RR(2, mul, -42, -6, 7)
    TEST_RR(3, mul, 0x0000000000000001, -1, -1)
    TEST_RR(4, mul, MIN64, MIN64, -1)             /* wraps */
    TEST_RR(5, mul, 0xfffffffe00000001, 0xffffffff, 0xffffffff)
    TEST_RR(6, mul, 0x2236d88fe5618cf0, 0x123456789abcdef0, 0x0fedcba987654321)
    TEST_RR_SAME(7, mul, 0x0000000100000000, 0x10000, 0x10000)

    /* ---------------- mulh: signed x signed, high half ---------------- */
    TEST_RR(8, mulh, 0, 6, 7)
    TEST_RR(9, mulh, -1, -6, 7)                   /* small negative product */
    TEST_RR(10, mulh, 0, -1, -1)
    TEST_RR(11, mulh, 0x4000000000000000, MIN64, MIN64)
    TEST_RR(12, mulh, 0xc000000000000000, MIN64, MAX64)
    TEST_RR(13, mulh, 0x3fffffffffffffff, MAX64, MAX64)
    TEST_RR(14, mulh, 0x0000000000000000, MIN64, -1)      /* MIN*-1 = +2^63: high half 0 */
    TEST_RR(15, mulh, 0xffffffffffffffff, -0x0123456789abcdef, 2) /* small negative product */

    /* ---------------- mulhu: unsigned x unsigned ---------------- */
    TEST_RR(16, mulhu, 0xfffffffffffffffe, -1, -1)
    TEST_RR(17, mulhu, 0x7fffffffffffffff, -1, MIN64)
    TEST_RR(18, mulhu, 0, 0xffffffff, 0xffffffff)
    TEST_RR(19, mulhu, 0x0014b66dc33f6acd, 0x123456789abcdef0, 0x0123456789abcdef)

    /* ---------------- mulhsu: signed rs1 x unsigned rs2 ---------------- */
    TEST_RR(20, mulhsu, 0xffffffffffffffff, -1, -1)        /* -1 * (2^64-1) */
    TEST_RR(21, mulhsu, 0xc000000000000000, MIN64, MIN64)  /* -2^63 * 2^63 */
    TEST_RR(22, mulhsu, 0x7ffffffffffffffe, MAX64, -1)
    TEST_RR(23, mulhsu, 0x0000000000000004, 5, -1)         /* 5 * (2^64-1) = 5*2^64 - 5 */
    TEST_RR(24, mulhsu, 0xffffffffffffffff, -5, 6)

    /* ---------------- mulw ---------------- */
    TEST_RR(25, mulw, 0xffffffff80000000, 0x40000000, 2)  /* 32-bit result sign-extends */
    TEST_RR(26, mulw, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(27, mulw, 0x0000000000000006, 0x1200000002, 0x3400000003) /* upper bits ignored */
    TEST_RR(28, mulw, 0xfffffffffffffffa, 0xffffffff, 6)

    /* ---------------- div / divu ---------------- */
    TEST_RR(29, div, 3, 20, 6)
    TEST_RR(30, div, -3, -20, 6)                   /* truncates toward zero */
    TEST_RR(31, div, -3, 20, -6)
    TEST_RR(32, div, 3, -20, -6)
    TEST_RR(33, div, -1, 5, 0)                     /* by zero: all ones */
    TEST_RR(34, div, -1, -5, 0)
    TEST_RR(35, div, MIN64, MIN64, -1)             /* overflow */
    TEST_RR(36, div, MIN64, MIN64, 1)
    TEST_RR(37, divu, 0x2aaaaaaaaaaaaaaa, -2, 6)
    TEST_RR(38, divu, 0xffffffffffffffff, 5, 0)    /* by zero: 2^64-1 */
    TEST_RR(39, divu, 0, MIN64, -1)
    TEST_RR(40, divu, 1, -1, -1)

    /* ---------------- rem / remu ---------------- */
    TEST_RR(41, rem, 2, 20, 6)
    TEST_RR(42, rem, -2, -20, 6)                   /* sign of the dividend */
    TEST_RR(43, rem, 2, 20, -6)
    TEST_RR(44, rem, -2, -20, -6)
    TEST_RR(45, rem, 5, 5, 0)                      /* by zero: the dividend */
    TEST_RR(46, rem, -5, -5, 0)
    TEST_RR(47, rem, 0, MIN64, -1)                 /* overflow: 0 */
    TEST_RR(48, remu, 2, -2, 6)
    TEST_RR(49, remu, 0xfffffffffffffffb, -5, 0)   /* by zero: the dividend */
    TEST_RR(50, remu, MIN64, MIN64, -1)

    /* ---------------- divw / divuw / remw / remuw ---------------- */
    TEST_RR(51, divw, -3, -20, 6)
    TEST_RR(52, divw, 3, 0x12345678ffffffec, 0x00000001fffffffa) /* -20 / -6 from the low words */
    TEST_RR(53, divw, -1, 5, 0)
    TEST_RR(54, divw, -1, 5, 0x100000000)          /* low word of divisor is 0 */
    TEST_RR(55, divw, 0xffffffff80000000, 0x80000000, -1) /* INT32_MIN / -1 */
    TEST_RR(56, divuw, 0x000000007fffffff, 0xfffffffe, 2)
    TEST_RR(57, divuw, 0xffffffffffffffff, 5, 0)   /* 0xffffffff sign-extended */
    TEST_RR(58, divuw, 0xffffffff80000000, 0x80000000, 1) /* result bit 31 sign-extends */
    TEST_RR(59, remw, -2, -20, 6)
    TEST_RR(60, remw, 0, 0x80000000, -1)           /* overflow: 0 */
    TEST_RR(61, remw, 0xffffffff80000000, 0x80000000, 0) /* by zero: sign-extended dividend */
    TEST_RR(62, remw, 5, 0x1234567800000005, 0)
    TEST_RR(63, remuw, 3, 0xffffffff, 7)
    TEST_RR(64, remuw, 0xfffffffffffffffb, 0xfffffffb, 0) /* by zero: dividend, sign-extended */
    TEST_RR(65, remuw, 0x0000000000000001, 0xabcd00000007, 3)

    /* ---------------- rd == rs1 / rd == rs2 ---------------- */
    TEST_CASE(66, a2, 5, li a1, 35; li a2, 7; divu a2, a1, a2)
    TEST_CASE(67, a1, 0, li a1, 35; li a2, 7; remu a1, a1, a2)
    TEST_CASE(68, a1, -9, li a1, -3; mul a1, a1, a1; li a2, -1; mul a1, a1, a2)  /* rd == rs1 == rs2 */
    PASS
