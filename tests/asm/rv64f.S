/*
 * rv64f.S - the F extension (single precision) on RV64.
 *
 * Checks: results and exact fflags of fadd/fsub/fmul/fdiv/fsqrt and the four
 * fused multiply-adds (including one where fusing changes the answer and the
 * 0 * inf + qNaN invalid case); every static rounding mode on inexact results
 * and on exact ties, and the dynamic mode through frm; reserved rounding
 * modes (static 5/6 and frm = 5..7 with dyn) are illegal while a valid static
 * mode still works with a bad frm; fcsr/frm/fflags field aliasing; overflow
 * and underflow in each direction (tininess after rounding, no underflow for
 * an exact subnormal); the canonical NaN for every NaN-producing operation;
 * NaN-boxing (results boxed, unboxed inputs read as the canonical NaN,
 * transfers fmv.x.w / fsw not checking the box); fcvt to and from integers
 * with saturation and the RV64 sign extension of 32-bit results; fmin/fmax
 * NaN and signed-zero rules; feq (quiet) vs flt/fle (signalling); fclass for
 * all ten classes; sign injection (which never canonicalises NaNs);
 * mstatus.FS: Off makes F instructions and FP CSRs illegal (mtval = the
 * instruction), writing FP state makes FS Dirty and sets SD.
 */
#include "test.h"
#include "fp.h"

#define ONE   0x3f800000
#define TWO   0x40000000
#define THREE 0x40400000
#define HALF  0x3f000000
#define MONE  0xbf800000
#define PINF  0x7f800000
#define NINF  0xff800000
#define QNAN  0x7fc00000          /* the canonical NaN */
#define SNAN  0x7f800001
#define MAXF  0x7f7fffff
#define NZERO 0x80000000

    .text
    .globl test_main
test_main:
    /* ---------------- basic arithmetic, exact ---------------- */
    TEST_FOP2_S(1, fadd.s, rne, THREE, 0, ONE, TWO)
    TEST_FOP2_S(2, fsub.s, rne, MONE, 0, ONE, TWO)
    TEST_FOP2_S(3, fmul.s, rne, 0x40c00000, 0, TWO, THREE)        /* 6.0 */
    TEST_FOP2_S(4, fdiv.s, rne, 0x3fc00000, 0, THREE, TWO)        /* 1.5 */
    TEST_FOP1_S(5, fsqrt.s, rne, TWO, 0, 0x40800000)              /* sqrt 4 */
    TEST_FOP2_S(6, fadd.s, rne, 0, 0, ONE, MONE)                  /* x + -x = +0 in RNE */
    TEST_FOP2_S(7, fadd.s, rdn, NZERO, 0, ONE, MONE)              /* ... and -0 in RDN */
    TEST_FOP1_S(8, fsqrt.s, rne, NZERO, 0, NZERO)                 /* sqrt(-0) = -0, no flags */

    /* ---------------- inexact results in all 5 static modes ---------------- */
    /* 1/3 and -1/3 */
    TEST_FOP2_S(10, fdiv.s, rne, 0x3eaaaaab, NX, ONE, THREE)
    TEST_FOP2_S(11, fdiv.s, rtz, 0x3eaaaaaa, NX, ONE, THREE)
    TEST_FOP2_S(12, fdiv.s, rdn, 0x3eaaaaaa, NX, ONE, THREE)
    TEST_FOP2_S(13, fdiv.s, rup, 0x3eaaaaab, NX, ONE, THREE)
    TEST_FOP2_S(14, fdiv.s, rmm, 0x3eaaaaab, NX, ONE, THREE)
    TEST_FOP2_S(15, fdiv.s, rne, 0xbeaaaaab, NX, MONE, THREE)
    TEST_FOP2_S(16, fdiv.s, rtz, 0xbeaaaaaa, NX, MONE, THREE)
    TEST_FOP2_S(17, fdiv.s, rdn, 0xbeaaaaab, NX, MONE, THREE)
    TEST_FOP2_S(18, fdiv.s, rup, 0xbeaaaaaa, NX, MONE, THREE)
    TEST_FOP2_S(19, fdiv.s, rmm, 0xbeaaaaab, NX, MONE, THREE)
    /* exact ties: 1 + 2^-24 is halfway between 1 and 1 + 2^-23 (even below) */
    TEST_FOP2_S(20, fadd.s, rne, ONE,        NX, ONE, 0x33800000)
    TEST_FOP2_S(21, fadd.s, rmm, 0x3f800001, NX, ONE, 0x33800000)
    TEST_FOP2_S(22, fadd.s, rtz, ONE,        NX, ONE, 0x33800000)
    TEST_FOP2_S(23, fadd.s, rup, 0x3f800001, NX, ONE, 0x33800000)
    TEST_FOP2_S(24, fadd.s, rdn, ONE,        NX, ONE, 0x33800000)
    /* (1 + 2^-23) + 2^-24 is halfway with the even neighbour above */
    TEST_FOP2_S(25, fadd.s, rne, 0x3f800002, NX, 0x3f800001, 0x33800000)
    TEST_FOP2_S(26, fadd.s, rtz, 0x3f800001, NX, 0x3f800001, 0x33800000)
    /* negative tie */
    TEST_FOP2_S(27, fadd.s, rdn, 0xbf800001, NX, MONE, 0xb3800000)
    TEST_FOP2_S(28, fadd.s, rup, MONE,       NX, MONE, 0xb3800000)
    TEST_FOP2_S(29, fadd.s, rmm, 0xbf800001, NX, MONE, 0xb3800000)
    TEST_FOP1_S(30, fsqrt.s, rne, 0x3fb504f3, NX, TWO)
    TEST_FOP1_S(31, fsqrt.s, rup, 0x3fb504f4, NX, TWO)

    /* ---------------- dynamic rounding through frm ---------------- */
#define TEST_DYN_S(num, mode, result)                                     \
    TEST_NUM(num); csrwi frm, mode; FSET_S(f1, MONE); FSET_S(f2, THREE);  \
    csrw fflags, zero; fdiv.s f3, f1, f2, dyn; fmv.x.d a0, f3;            \
    CHECK(a0, BOX(result)); CHECK_FLAGS(NX)
    TEST_DYN_S(32, 0, 0xbeaaaaab)      /* RNE */
    TEST_DYN_S(33, 1, 0xbeaaaaaa)      /* RTZ */
    TEST_DYN_S(34, 2, 0xbeaaaaab)      /* RDN */
    TEST_DYN_S(35, 3, 0xbeaaaaaa)      /* RUP */
    TEST_DYN_S(36, 4, 0xbeaaaaab)      /* RMM */
    /* 37: fcsr = frm << 5 | fflags; the three CSRs alias */
    TEST_NUM(37)
    li a2, (3 << 5) | 0x15
    csrw fcsr, a2
    csrr a0, frm
    CHECK(a0, 3)
    csrr a0, fflags
    CHECK(a0, 0x15)
    csrwi fflags, 0x0a          /* writes only the flags */
    csrr a0, fcsr
    CHECK(a0, (3 << 5) | 0x0a)
    csrwi frm, 1                /* writes only the rounding mode */
    csrr a0, fcsr
    CHECK(a0, (1 << 5) | 0x0a)
    li a2, -1                   /* bits above 7 are not part of fcsr */
    csrw fcsr, a2
    csrr a0, fcsr
    CHECK(a0, 0xff)
    /* 38: flags are sticky: they accumulate until cleared */
    TEST_NUM(38)
    csrw fcsr, zero
    FSET_S(f1, ONE)
    FSET_S(f2, 0)
    fdiv.s f3, f1, f2, rne          /* DZ */
    FSET_S(f2, THREE)
    fdiv.s f3, f1, f2, rne          /* NX */
    fadd.s f3, f1, f1, rne          /* exact: adds nothing */
    CHECK_FLAGS(DZ | NX)
    /* frm.fflags swap forms */
    fsflags a0, zero
    CHECK(a0, DZ | NX)
    frflags a0
    CHECK(a0, 0)

    /* ---------------- reserved rounding modes ---------------- */
    /* 40-42: frm = 5, 6, 7 with dyn: illegal instruction */
    TEST_NUM(40)
    csrwi frm, 5
    csrr a0, frm
    CHECK(a0, 5)                /* the field keeps the value */
    RUN_IN(PRV_M, dyn_illegal)
    CHECK_ILLEGAL_AT(dyn_illegal)
    TEST_NUM(41)
    csrwi frm, 6
    RUN_IN(PRV_M, dyn_illegal)
    CHECK_ILLEGAL_AT(dyn_illegal)
    TEST_NUM(42)
    csrwi frm, 7
    RUN_IN(PRV_M, dyn_illegal)
    CHECK_ILLEGAL_AT(dyn_illegal)
    /* 43: a static rounding mode ignores the bad frm */
    TEST_NUM(43)
    FSET_S(f1, ONE)
    FSET_S(f2, THREE)
    fdiv.s f3, f1, f2, rtz
    fmv.x.d a0, f3
    CHECK(a0, BOX(0x3eaaaaaa))
    csrwi frm, 0
    /* 44, 45: static rm = 5 and 6 are reserved encodings */
    TEST_NUM(44)
    RUN_IN(PRV_M, static_rm5)
    CHECK_ILLEGAL_AT(static_rm5)
    TEST_NUM(45)
    RUN_IN(PRV_M, static_rm6)
    CHECK_ILLEGAL_AT(static_rm6)

    /* ---------------- overflow / underflow ---------------- */
    TEST_FOP2_S(50, fmul.s, rne, PINF, OF | NX, MAXF, TWO)
    TEST_FOP2_S(51, fmul.s, rtz, MAXF, OF | NX, MAXF, TWO)
    TEST_FOP2_S(52, fmul.s, rdn, MAXF, OF | NX, MAXF, TWO)
    TEST_FOP2_S(53, fmul.s, rup, PINF, OF | NX, MAXF, TWO)
    TEST_FOP2_S(54, fmul.s, rmm, PINF, OF | NX, MAXF, TWO)
    TEST_FOP2_S(55, fmul.s, rdn, NINF, OF | NX, 0xff7fffff, TWO)
    TEST_FOP2_S(56, fmul.s, rup, 0xff7fffff, OF | NX, 0xff7fffff, TWO)
    TEST_FOP2_S(57, fmul.s, rne, 0, UF | NX, 0x0d800000, 0x0d800000)          /* 2^-200 */
    TEST_FOP2_S(58, fmul.s, rup, 0x00000001, UF | NX, 0x0d800000, 0x0d800000)
    TEST_FOP2_S(59, fmul.s, rdn, 0x80000001, UF | NX, 0x8d800000, 0x0d800000) /* toward -inf */
    TEST_FOP2_S(60, fmul.s, rne, 0x00400000, 0, 0x00800000, HALF)             /* exact subnormal: no UF */
    TEST_FOP2_S(61, fadd.s, rne, 0x00000003, 0, 0x00000001, 0x00000002)       /* subnormal + subnormal */

    /* ---------------- special values / NaNs ---------------- */
    TEST_FOP2_S(62, fdiv.s, rne, PINF, DZ, ONE, 0)
    TEST_FOP2_S(63, fdiv.s, rne, NINF, DZ, MONE, 0)
    TEST_FOP2_S(64, fdiv.s, rne, QNAN, NV, 0, 0)
    TEST_FOP2_S(65, fdiv.s, rne, QNAN, NV, PINF, PINF)
    TEST_FOP2_S(66, fsub.s, rne, QNAN, NV, PINF, PINF)
    TEST_FOP2_S(67, fadd.s, rne, QNAN, NV, PINF, NINF)
    TEST_FOP2_S(68, fmul.s, rne, QNAN, NV, 0, PINF)
    TEST_FOP1_S(69, fsqrt.s, rne, QNAN, NV, MONE)
    TEST_FOP2_S(70, fadd.s, rne, QNAN, 0, 0x7fc12345, ONE)       /* qNaN payload not propagated */
    TEST_FOP2_S(71, fadd.s, rne, QNAN, 0, 0xffc00000, ONE)       /* sign not propagated either */
    TEST_FOP2_S(72, fadd.s, rne, QNAN, NV, SNAN, ONE)            /* sNaN: invalid */
    TEST_FOP2_S(73, fmul.s, rne, QNAN, NV, ONE, 0xff812345)
    TEST_FOP1_S(74, fsqrt.s, rne, PINF, 0, PINF)
    TEST_FOP2_S(75, fdiv.s, rne, 0, 0, ONE, PINF)
    TEST_FOP2_S(76, fadd.s, rne, PINF, 0, PINF, MAXF)

    /* ---------------- fused multiply-add ---------------- */
    TEST_FOP3_S(80, fmadd.s,  rne, 0x40e00000, 0, TWO, THREE, ONE)   /*  2*3+1 =  7 */
    TEST_FOP3_S(81, fmsub.s,  rne, 0x40a00000, 0, TWO, THREE, ONE)   /*  2*3-1 =  5 */
    TEST_FOP3_S(82, fnmadd.s, rne, 0xc0e00000, 0, TWO, THREE, ONE)   /* -2*3-1 = -7 */
    TEST_FOP3_S(83, fnmsub.s, rne, 0xc0a00000, 0, TWO, THREE, ONE)   /* -2*3+1 = -5 */
    /* (1+2^-12)^2 - (1+2^-11) = 2^-24 exactly when fused; a separate
       multiply would round the product and give 0 */
    TEST_FOP3_S(84, fmsub.s, rne, 0x33800000, 0, 0x3f800800, 0x3f800800, 0x3f801000)
    /* 0 * inf + qNaN is invalid even though the addend is a quiet NaN */
    TEST_FOP3_S(85, fmadd.s, rne, QNAN, NV, 0, PINF, 0x7fc00000)
    TEST_FOP3_S(86, fmadd.s, rne, QNAN, 0, 0x7fc00000, ONE, ONE)
    TEST_FOP3_S(87, fmadd.s, rne, QNAN, NV, PINF, ONE, NINF)         /* inf - inf */
    TEST_FOP3_S(88, fmadd.s, rtz, 0x3f800000, NX, ONE, ONE, 0x33000000) /* 1 + 2^-25 */
    TEST_FOP3_S(89, fmadd.s, rup, 0x3f800001, NX, ONE, ONE, 0x33000000)
    TEST_FOP3_S(90, fnmadd.s, rne, NZERO, 0, ONE, 0, 0)               /* -(1*0) - 0 = -0 */

    /* ---------------- fmin / fmax ---------------- */
    TEST_FOPN_S(91, fmin.s, ONE, 0, ONE, TWO)
    TEST_FOPN_S(92, fmax.s, TWO, 0, ONE, TWO)
    TEST_FOPN_S(93, fmin.s, NZERO, 0, 0, NZERO)          /* -0 < +0 for min/max */
    TEST_FOPN_S(94, fmax.s, 0, 0, NZERO, 0)
    TEST_FOPN_S(95, fmin.s, ONE, 0, QNAN, ONE)           /* one quiet NaN: the number */
    TEST_FOPN_S(96, fmax.s, ONE, 0, ONE, QNAN)
    TEST_FOPN_S(97, fmin.s, ONE, NV, SNAN, ONE)          /* signalling NaN: the number + NV */
    TEST_FOPN_S(98, fmax.s, QNAN, 0, 0x7fc11111, 0xffc22222) /* both NaN: canonical */
    TEST_FOPN_S(99, fmin.s, QNAN, NV, SNAN, QNAN)
    TEST_FOPN_S(100, fmax.s, NINF, 0, NINF, QNAN)

    /* ---------------- compares ---------------- */
    TEST_FCMP_S(101, feq.s, 1, 0, ONE, ONE)
    TEST_FCMP_S(102, feq.s, 0, 0, QNAN, ONE)             /* feq is quiet */
    TEST_FCMP_S(103, feq.s, 0, NV, SNAN, ONE)            /* ... except for sNaN */
    TEST_FCMP_S(104, flt.s, 0, NV, QNAN, ONE)            /* flt/fle signal on any NaN */
    TEST_FCMP_S(105, fle.s, 0, NV, ONE, QNAN)
    TEST_FCMP_S(106, feq.s, 1, 0, NZERO, 0)
    TEST_FCMP_S(107, flt.s, 0, 0, NZERO, 0)
    TEST_FCMP_S(108, fle.s, 1, 0, 0, NZERO)
    TEST_FCMP_S(109, flt.s, 1, 0, NINF, 0xff7fffff)
    TEST_FCMP_S(110, fle.s, 0, 0, TWO, ONE)

    /* ---------------- fclass ---------------- */
    TEST_FCLASS_S(111, 1 << 0, NINF)
    TEST_FCLASS_S(112, 1 << 1, MONE)
    TEST_FCLASS_S(113, 1 << 2, 0x807fffff)               /* negative subnormal */
    TEST_FCLASS_S(114, 1 << 3, NZERO)
    TEST_FCLASS_S(115, 1 << 4, 0)
    TEST_FCLASS_S(116, 1 << 5, 0x00000001)
    TEST_FCLASS_S(117, 1 << 6, 0x00800000)               /* smallest normal */
    TEST_FCLASS_S(118, 1 << 7, PINF)
    TEST_FCLASS_S(119, 1 << 8, 0x7fbfffff)               /* signalling NaN */
    TEST_FCLASS_S(120, 1 << 9, 0xffc00001)               /* quiet NaN, negative */

    /* ---------------- conversions float -> integer ---------------- */
    TEST_FCVT_X_S(121, fcvt.w.s, rne, 2, NX, 0x40200000)                 /*  2.5 */
    TEST_FCVT_X_S(122, fcvt.w.s, rmm, 3, NX, 0x40200000)
    TEST_FCVT_X_S(123, fcvt.w.s, rup, 3, NX, 0x40200000)
    TEST_FCVT_X_S(124, fcvt.w.s, rdn, 2, NX, 0x40200000)
    TEST_FCVT_X_S(125, fcvt.w.s, rtz, 2, NX, 0x40200000)
    TEST_FCVT_X_S(126, fcvt.w.s, rne, -2, NX, 0xc0200000)                /* -2.5 */
    TEST_FCVT_X_S(127, fcvt.w.s, rmm, -3, NX, 0xc0200000)
    TEST_FCVT_X_S(128, fcvt.w.s, rdn, -3, NX, 0xc0200000)
    TEST_FCVT_X_S(129, fcvt.w.s, rup, -2, NX, 0xc0200000)
    TEST_FCVT_X_S(130, fcvt.w.s, rtz, -2, NX, 0xc0200000)
    TEST_FCVT_X_S(131, fcvt.w.s, rtz, 0x7fffffff, NV, QNAN)              /* NaN -> max */
    TEST_FCVT_X_S(132, fcvt.w.s, rtz, 0x7fffffff, NV, PINF)
    TEST_FCVT_X_S(133, fcvt.w.s, rtz, 0xffffffff80000000, NV, NINF)
    TEST_FCVT_X_S(134, fcvt.w.s, rtz, 0x7fffffff, NV, 0x4f32d05e)        /*  3e9 */
    TEST_FCVT_X_S(135, fcvt.w.s, rtz, 0xffffffff80000000, NV, 0xcf32d05e) /* -3e9 */
    TEST_FCVT_X_S(136, fcvt.w.s, rtz, 0xffffffff80000000, 0, 0xcf000000) /* -2^31 exact */
    TEST_FCVT_X_S(137, fcvt.wu.s, rtz, 0, NV, MONE)
    TEST_FCVT_X_S(138, fcvt.wu.s, rtz, 0, NX, 0xbf000000)                /* -0.5 -> 0: inexact only */
    TEST_FCVT_X_S(139, fcvt.wu.s, rtz, 0xffffffffb2d05e00, 0, 0x4f32d05e) /* 3e9, sign-extended */
    TEST_FCVT_X_S(140, fcvt.wu.s, rtz, 0xffffffffffffffff, NV, QNAN)
    TEST_FCVT_X_S(141, fcvt.wu.s, rtz, 0xffffffffffffffff, NV, 0x4f9502f9) /* 5e9 */
    TEST_FCVT_X_S(142, fcvt.l.s, rtz, 0x7fffffffffffffff, NV, QNAN)
    TEST_FCVT_X_S(143, fcvt.l.s, rtz, 0x8000000000000000, NV, NINF)
    TEST_FCVT_X_S(144, fcvt.l.s, rtz, 0x7fffffffffffffff, NV, 0x5f0ac723) /* 1e19 */
    TEST_FCVT_X_S(145, fcvt.l.s, rtz, 0x8000000000000000, 0, 0xdf000000)  /* -2^63 exact */
    TEST_FCVT_X_S(146, fcvt.lu.s, rtz, 0, NV, MONE)
    TEST_FCVT_X_S(147, fcvt.lu.s, rtz, 0xffffffffffffffff, NV, QNAN)
    TEST_FCVT_X_S(148, fcvt.lu.s, rtz, 0x8ac7230000000000, 0, 0x5f0ac723) /* 1e19 fits */
    TEST_FCVT_X_S(149, fcvt.lu.s, rtz, 0xffffffffffffffff, NV, PINF)

    /* ---------------- conversions integer -> float ---------------- */
    TEST_FCVT_S_X(150, fcvt.s.w, rne, 0xcf000000, 0, 0xffffffff80000000)
    TEST_FCVT_S_X(151, fcvt.s.w, rne, THREE, 0, 0x1234567800000003)      /* upper bits ignored */
    TEST_FCVT_S_X(152, fcvt.s.w, rne, 0x4b800000, NX, 16777217)          /* 2^24 + 1 */
    TEST_FCVT_S_X(153, fcvt.s.w, rup, 0x4b800001, NX, 16777217)
    TEST_FCVT_S_X(154, fcvt.s.wu, rne, 0x4f800000, NX, 0xffffffff)
    TEST_FCVT_S_X(155, fcvt.s.wu, rtz, 0x4f7fffff, NX, 0xffffffffffffffff) /* low 32 bits */
    TEST_FCVT_S_X(156, fcvt.s.l, rne, 0x5f000000, NX, 0x7fffffffffffffff)
    TEST_FCVT_S_X(157, fcvt.s.l, rne, MONE, 0, -1)
    TEST_FCVT_S_X(158, fcvt.s.lu, rne, 0x5f800000, NX, -1)
    TEST_FCVT_S_X(159, fcvt.s.lu, rtz, 0x5f7fffff, NX, -1)
    TEST_FCVT_S_X(160, fcvt.s.l, rne, 0, 0, 0)                           /* +0, not -0 */

    /* ---------------- sign injection ---------------- */
    TEST_FOPN_S(161, fsgnj.s,  MONE, 0, ONE, 0xc0000000)
    TEST_FOPN_S(162, fsgnjn.s, ONE, 0, ONE, 0xc0000000)
    TEST_FOPN_S(163, fsgnjx.s, ONE, 0, MONE, 0xc0000000)
    TEST_FOPN_S(164, fsgnjx.s, MONE, 0, MONE, TWO)
    TEST_FOPN_S(165, fsgnj.s, 0xff800001, 0, SNAN, MONE)   /* NaN bits kept, no NV */
    TEST_FOPN_S(166, fsgnjn.s, 0x7fc12345, 0, 0xffc12345, 0xffc12345)
    /* 167, 168: fneg / fabs aliases */
    TEST_NUM(167)
    FSET_S(f1, THREE)
    fneg.s f3, f1
    fmv.x.d a0, f3
    CHECK(a0, BOX(0xc0400000))
    TEST_NUM(168)
    fabs.s f4, f3
    fmv.x.d a0, f4
    CHECK(a0, BOX(THREE))

    /* ---------------- NaN-boxing ---------------- */
    /* 170: an unboxed single is read as the canonical NaN (quietly) */
    TEST_NUM(170)
    FSET_RAW(f1, 0x000000003f800000)     /* 1.0 but not boxed */
    FSET_S(f2, ONE)
    csrw fflags, zero
    fadd.s f3, f1, f2
    fmv.x.d a0, f3
    CHECK(a0, BOX(QNAN))
    CHECK_FLAGS(0)
    /* 171: boxing with one zero bit in the upper half is still unboxed */
    TEST_NUM(171)
    FSET_RAW(f1, 0xfffffffe3f800000)
    fmul.s f3, f1, f1
    fmv.x.d a0, f3
    CHECK(a0, BOX(QNAN))
    /* 172: fclass sees the canonical NaN */
    TEST_NUM(172)
    FSET_RAW(f1, 0x00000000ff800000)
    fclass.s a0, f1
    CHECK(a0, 1 << 9)
    /* 173: sign injection reads an unboxed rs1 as the canonical NaN too */
    TEST_NUM(173)
    FSET_RAW(f1, 0x000000003f800000)
    FSET_S(f2, MONE)
    fsgnj.s f3, f1, f2
    fmv.x.d a0, f3
    CHECK(a0, BOX(0xffc00000))
    /* 174: ... and an unboxed rs2 supplies the canonical NaN's (positive) sign */
    TEST_NUM(174)
    FSET_S(f1, MONE)
    FSET_RAW(f2, 0x00000000bf800000)
    fsgnj.s f3, f1, f2
    fmv.x.d a0, f3
    CHECK(a0, BOX(ONE))
    /* 175: fmv.x.w does not check the box: low 32 bits, sign-extended */
    TEST_NUM(175)
    FSET_RAW(f1, 0x123456789abcdef0)
    fmv.x.w a0, f1
    CHECK(a0, 0xffffffff9abcdef0)
    /* 176: fsw does not check the box either */
    TEST_NUM(176)
    la a3, fdata
    li a2, -1
    sd a2, 0(a3)
    fsw f1, 0(a3)
    ld a0, 0(a3)
    CHECK(a0, 0xffffffff9abcdef0)
    /* 177: flw boxes; fmv.w.x boxes and keeps sNaN bits exactly */
    TEST_NUM(177)
    li a2, 0x7f800001
    sw a2, 0(a3)
    flw f5, 0(a3)
    fmv.x.d a0, f5
    CHECK(a0, BOX(SNAN))
    li a2, 0x123456787f800001
    fmv.w.x f6, a2
    fmv.x.d a0, f6
    CHECK(a0, BOX(SNAN))
    /* 178: fmv.x.w of a positive value is zero-extended (bit 31 clear) */
    TEST_NUM(178)
    FSET_S(f1, 0x7fffffff)
    fmv.x.w a0, f1
    CHECK(a0, 0x7fffffff)
    /* 179: flw/fsw with offsets */
    TEST_NUM(179)
    la a3, fdata
    li a2, ONE
    sw a2, 8(a3)
    flw f1, 8(a3)
    fsw f1, 12(a3)
    lw a0, 12(a3)
    CHECK(a0, ONE)

    /* ---------------- mstatus.FS ---------------- */
    /* 180: FS = Initial; an FP arithmetic op makes it Dirty and sets SD */
    TEST_NUM(180)
    li a2, MSTATUS_FS
    csrc mstatus, a2
    li a2, MSTATUS_FS_INITIAL
    csrs mstatus, a2
    csrr a0, mstatus
    bltz a0, fail               /* SD must be clear while FS is not Dirty */
    FSET_S(f1, ONE)             /* fmv.w.x writes an f register */
    fadd.s f2, f1, f1
    csrr a0, mstatus
    srli a1, a0, 13
    andi a1, a1, 3
    CHECK(a1, 3)
    bgez a0, fail               /* SD = bit 63 */
    /* 181: sstatus shows the same FS and SD */
    TEST_NUM(181)
    csrr a0, sstatus
    srli a1, a0, 13
    andi a1, a1, 3
    CHECK(a1, 3)
    bgez a0, fail
    /* 182: FS = Clean; writing an f register with fmv.w.x makes it Dirty */
    TEST_NUM(182)
    li a2, MSTATUS_FS
    csrc mstatus, a2
    li a2, MSTATUS_FS_CLEAN
    csrs mstatus, a2
    csrr a0, mstatus
    bltz a0, fail
    li a2, 5
    fmv.w.x f7, a2
    csrr a0, mstatus
    srli a1, a0, 13
    andi a1, a1, 3
    CHECK(a1, 3)
    bgez a0, fail
    /* 183: FS = Clean; writing fflags makes it Dirty */
    TEST_NUM(183)
    li a2, MSTATUS_FS
    csrc mstatus, a2
    li a2, MSTATUS_FS_CLEAN
    csrs mstatus, a2
    csrwi fflags, 1
    csrr a0, mstatus
    srli a1, a0, 13
    andi a1, a1, 3
    CHECK(a1, 3)
    /* 184: FS = Clean; a load into an f register makes it Dirty */
    TEST_NUM(184)
    li a2, MSTATUS_FS
    csrc mstatus, a2
    li a2, MSTATUS_FS_CLEAN
    csrs mstatus, a2
    la a3, fdata
    flw f8, 0(a3)
    csrr a0, mstatus
    srli a1, a0, 13
    andi a1, a1, 3
    CHECK(a1, 3)

    /* 185-190: FS = Off: F instructions and FP CSRs are illegal */
    FSET_S(f9, 0x12345678)           /* must survive FS = Off */
    li a2, MSTATUS_FS
    csrc mstatus, a2
    TEST_NUM(185)
    RUN_IN(PRV_M, off_fadd)
    CHECK_ILLEGAL_AT(off_fadd)
    TEST_NUM(186)
    la a3, fdata
    RUN_IN(PRV_M, off_flw)
    CHECK_ILLEGAL_AT(off_flw)
    TEST_NUM(187)
    la a3, fdata
    RUN_IN(PRV_M, off_fsw)
    CHECK_ILLEGAL_AT(off_fsw)
    TEST_NUM(188)
    RUN_IN(PRV_M, off_fmv)
    CHECK_ILLEGAL_AT(off_fmv)
    TEST_NUM(189)
    RUN_IN(PRV_M, off_csr_fcsr)
    CHECK_ILLEGAL_AT(off_csr_fcsr)
    TEST_NUM(190)
    RUN_IN(PRV_M, off_csr_fflags)
    CHECK_ILLEGAL_AT(off_csr_fflags)
    TEST_NUM(191)
    RUN_IN(PRV_M, off_fmadd)
    CHECK_ILLEGAL_AT(off_fmadd)
    /* 192: FS stayed Off (a trapping instruction changes nothing) and the
       register file is intact when FP is turned back on */
    TEST_NUM(192)
    csrr a0, mstatus
    li a1, MSTATUS_FS
    and a0, a0, a1
    CHECK(a0, 0)
    li a2, MSTATUS_FS_INITIAL
    csrs mstatus, a2
    fmv.x.d a0, f9
    CHECK(a0, BOX(0x12345678))
    PASS

    /* ---- code run by run_mode; the first instruction must trap ---- */
dyn_illegal:    fadd.s f3, f1, f2, dyn;     ecall
static_rm5:     .insn r 0x53, 5, 0x00, f3, f1, f2;  ecall   /* fadd.s with rm = 5 */
static_rm6:     .insn r 0x53, 6, 0x08, f3, f1, f2;  ecall   /* fsub.s with rm = 6 */
off_fadd:       fadd.s f3, f1, f2;          ecall
off_flw:        flw f3, 0(a3);              ecall
off_fsw:        fsw f3, 0(a3);              ecall
off_fmv:        fmv.x.w a0, f3;             ecall
off_csr_fcsr:   csrr a0, fcsr;              ecall
off_csr_fflags: csrwi fflags, 0;            ecall
off_fmadd:      fmadd.s f3, f1, f2, f4;     ecall

    .data
    .align 3
fdata:
    .dword 0
    .dword 0
