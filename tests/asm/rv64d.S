/*
 * rv64d.S - the D extension (double precision) on RV64.
 *
 * Checks: results and exact fflags of the arithmetic ops in all five static
 * rounding modes and through frm; ties; overflow/underflow per direction;
 * canonical NaN 0x7ff8000000000000 for every NaN-producing op; fused
 * multiply-add rounding once; fmin/fmax, compares and fclass; conversions to
 * and from 32/64-bit integers with saturation and sign extension; the
 * single<->double conversions (rounding, overflow, NaN handling, boxing of
 * the single result, unboxed single input read as the canonical NaN);
 * fmv.x.d/fmv.d.x/fld/fsd moving bits untouched; sign injection; D
 * instructions illegal with mstatus.FS = Off and making FS Dirty.
 */
#include "test.h"
#include "fp.h"

#define D_ONE   0x3ff0000000000000
#define D_TWO   0x4000000000000000
#define D_THREE 0x4008000000000000
#define D_TEN   0x4024000000000000
#define D_HALF  0x3fe0000000000000
#define D_MONE  0xbff0000000000000
#define D_PINF  0x7ff0000000000000
#define D_NINF  0xfff0000000000000
#define D_QNAN  0x7ff8000000000000     /* the canonical NaN */
#define D_SNAN  0x7ff0000000000001
#define D_MAX   0x7fefffffffffffff
#define D_NZERO 0x8000000000000000

    .text
    .globl test_main
test_main:
    /* ---------------- exact arithmetic ---------------- */
    TEST_FOP2_D(1, fadd.d, rne, D_THREE, 0, D_ONE, D_TWO)
    TEST_FOP2_D(2, fsub.d, rne, D_MONE, 0, D_ONE, D_TWO)
    TEST_FOP2_D(3, fmul.d, rne, 0x4018000000000000, 0, D_TWO, D_THREE)     /* 6 */
    TEST_FOP2_D(4, fdiv.d, rne, 0x3ff8000000000000, 0, D_THREE, D_TWO)     /* 1.5 */
    TEST_FOP1_D(5, fsqrt.d, rne, D_THREE, 0, 0x4022000000000000)           /* sqrt 9 */
    TEST_FOP2_D(6, fsub.d, rne, 0, 0, D_TWO, D_TWO)                        /* +0 */
    TEST_FOP2_D(7, fsub.d, rdn, D_NZERO, 0, D_TWO, D_TWO)                  /* -0 in RDN */

    /* ---------------- all five static rounding modes ---------------- */
    TEST_FOP2_D(10, fdiv.d, rne, 0x3fb999999999999a, NX, D_ONE, D_TEN)     /* 0.1 */
    TEST_FOP2_D(11, fdiv.d, rtz, 0x3fb9999999999999, NX, D_ONE, D_TEN)
    TEST_FOP2_D(12, fdiv.d, rdn, 0x3fb9999999999999, NX, D_ONE, D_TEN)
    TEST_FOP2_D(13, fdiv.d, rup, 0x3fb999999999999a, NX, D_ONE, D_TEN)
    TEST_FOP2_D(14, fdiv.d, rmm, 0x3fb999999999999a, NX, D_ONE, D_TEN)
    TEST_FOP2_D(15, fdiv.d, rne, 0xbfb999999999999a, NX, D_MONE, D_TEN)    /* -0.1 */
    TEST_FOP2_D(16, fdiv.d, rtz, 0xbfb9999999999999, NX, D_MONE, D_TEN)
    TEST_FOP2_D(17, fdiv.d, rdn, 0xbfb999999999999a, NX, D_MONE, D_TEN)
    TEST_FOP2_D(18, fdiv.d, rup, 0xbfb9999999999999, NX, D_MONE, D_TEN)
    TEST_FOP2_D(19, fdiv.d, rmm, 0xbfb999999999999a, NX, D_MONE, D_TEN)
    /* ties: 1 + 2^-53 */
    TEST_FOP2_D(20, fadd.d, rne, D_ONE,              NX, D_ONE, 0x3ca0000000000000)
    TEST_FOP2_D(21, fadd.d, rmm, 0x3ff0000000000001, NX, D_ONE, 0x3ca0000000000000)
    TEST_FOP2_D(22, fadd.d, rup, 0x3ff0000000000001, NX, D_ONE, 0x3ca0000000000000)
    TEST_FOP2_D(23, fadd.d, rdn, D_ONE,              NX, D_ONE, 0x3ca0000000000000)
    TEST_FOP2_D(24, fadd.d, rtz, D_ONE,              NX, D_ONE, 0x3ca0000000000000)
    TEST_FOP2_D(25, fadd.d, rne, 0x3ff0000000000002, NX, 0x3ff0000000000001, 0x3ca0000000000000)
    TEST_FOP1_D(26, fsqrt.d, rne, 0x3ff6a09e667f3bcd, NX, D_TWO)
    TEST_FOP1_D(27, fsqrt.d, rtz, 0x3ff6a09e667f3bcc, NX, D_TWO)
    TEST_FOP1_D(28, fsqrt.d, rmm, 0x3ff6a09e667f3bcd, NX, D_TWO)

    /* ---------------- dynamic rounding ---------------- */
#define TEST_DYN_D(num, mode, result)                                     \
    TEST_NUM(num); csrwi frm, mode; FSET_D(f1, D_MONE); FSET_D(f2, D_TEN); \
    csrw fflags, zero; fdiv.d f3, f1, f2, dyn; fmv.x.d a0, f3;            \
    CHECK(a0, result); CHECK_FLAGS(NX)
    TEST_DYN_D(30, 0, 0xbfb999999999999a)
    TEST_DYN_D(31, 1, 0xbfb9999999999999)
    TEST_DYN_D(32, 2, 0xbfb999999999999a)
    TEST_DYN_D(33, 3, 0xbfb9999999999999)
    TEST_DYN_D(34, 4, 0xbfb999999999999a)
    /* 35: frm = 5 with dyn is illegal for D too */
    TEST_NUM(35)
    csrwi frm, 5
    RUN_IN(PRV_M, d_dyn_illegal)
    CHECK_ILLEGAL_AT(d_dyn_illegal)
    csrwi frm, 0
    /* 36: static rm = 7 (dyn) is fine with a valid frm; rm = 5 is reserved */
    TEST_NUM(36)
    RUN_IN(PRV_M, d_static_rm5)
    CHECK_ILLEGAL_AT(d_static_rm5)

    /* ---------------- overflow / underflow ---------------- */
    TEST_FOP2_D(40, fmul.d, rne, D_PINF, OF | NX, D_MAX, D_TWO)
    TEST_FOP2_D(41, fmul.d, rtz, D_MAX, OF | NX, D_MAX, D_TWO)
    TEST_FOP2_D(42, fmul.d, rdn, D_MAX, OF | NX, D_MAX, D_TWO)
    TEST_FOP2_D(43, fmul.d, rup, D_PINF, OF | NX, D_MAX, D_TWO)
    TEST_FOP2_D(44, fmul.d, rdn, D_NINF, OF | NX, 0xffefffffffffffff, D_TWO)
    TEST_FOP2_D(45, fmul.d, rne, 0, UF | NX, 0x1a70000000000000, 0x1a70000000000000)  /* 2^-1200 */
    TEST_FOP2_D(46, fmul.d, rup, 1, UF | NX, 0x1a70000000000000, 0x1a70000000000000)
    TEST_FOP2_D(47, fmul.d, rne, 0x0008000000000000, 0, 0x0010000000000000, D_HALF)  /* exact subnormal */

    /* ---------------- special values / NaNs ---------------- */
    TEST_FOP2_D(50, fdiv.d, rne, D_PINF, DZ, D_ONE, 0)
    TEST_FOP2_D(51, fdiv.d, rne, D_QNAN, NV, 0, 0)
    TEST_FOP2_D(52, fsub.d, rne, D_QNAN, NV, D_PINF, D_PINF)
    TEST_FOP2_D(53, fmul.d, rne, D_QNAN, NV, D_NINF, 0)
    TEST_FOP1_D(54, fsqrt.d, rne, D_QNAN, NV, D_MONE)
    TEST_FOP1_D(55, fsqrt.d, rne, D_NZERO, 0, D_NZERO)
    TEST_FOP2_D(56, fadd.d, rne, D_QNAN, 0, 0xfff8000000012345, D_ONE)   /* payload/sign dropped */
    TEST_FOP2_D(57, fadd.d, rne, D_QNAN, NV, D_SNAN, D_ONE)
    TEST_FOP3_D(58, fmadd.d, rne, D_QNAN, NV, 0, D_PINF, D_QNAN)          /* 0*inf+qNaN: NV */

    /* ---------------- fused multiply-add ---------------- */
    TEST_FOP3_D(60, fmadd.d,  rne, 0x401c000000000000, 0, D_TWO, D_THREE, D_ONE)  /*  7 */
    TEST_FOP3_D(61, fmsub.d,  rne, 0x4014000000000000, 0, D_TWO, D_THREE, D_ONE)  /*  5 */
    TEST_FOP3_D(62, fnmadd.d, rne, 0xc01c000000000000, 0, D_TWO, D_THREE, D_ONE)  /* -7 */
    TEST_FOP3_D(63, fnmsub.d, rne, 0xc014000000000000, 0, D_TWO, D_THREE, D_ONE)  /* -5 */
    /* (1+2^-27)^2 - (1+2^-26) = 2^-54, only if the product is not rounded */
    TEST_FOP3_D(64, fmsub.d, rne, 0x3c90000000000000, 0, 0x3ff0000002000000, 0x3ff0000002000000, 0x3ff0000004000000)
    TEST_FOP3_D(65, fmadd.d, rup, 0x3ff0000000000001, NX, D_ONE, D_ONE, 0x3c90000000000000)

    /* ---------------- fmin / fmax / compares / fclass ---------------- */
    TEST_FOPN_D(70, fmin.d, D_NZERO, 0, 0, D_NZERO)
    TEST_FOPN_D(71, fmax.d, 0, 0, D_NZERO, 0)
    TEST_FOPN_D(72, fmin.d, D_ONE, 0, D_QNAN, D_ONE)
    TEST_FOPN_D(73, fmax.d, D_ONE, NV, D_ONE, D_SNAN)
    TEST_FOPN_D(74, fmin.d, D_QNAN, 0, 0x7ff8000000000001, 0xfff8000000000000)
    TEST_FOPN_D(75, fmax.d, D_TWO, 0, D_MONE, D_TWO)
    TEST_FCMP_D(76, feq.d, 0, 0, D_QNAN, D_QNAN)
    TEST_FCMP_D(77, feq.d, 0, NV, D_SNAN, D_ONE)
    TEST_FCMP_D(78, flt.d, 0, NV, D_ONE, D_QNAN)
    TEST_FCMP_D(79, fle.d, 1, 0, D_NZERO, 0)
    TEST_FCMP_D(80, flt.d, 1, 0, D_MONE, D_ONE)
    TEST_FCMP_D(81, feq.d, 1, 0, D_NZERO, 0)
    TEST_FCLASS_D(82, 1 << 0, D_NINF)
    TEST_FCLASS_D(83, 1 << 1, D_MONE)
    TEST_FCLASS_D(84, 1 << 2, 0x800fffffffffffff)
    TEST_FCLASS_D(85, 1 << 3, D_NZERO)
    TEST_FCLASS_D(86, 1 << 4, 0)
    TEST_FCLASS_D(87, 1 << 5, 1)
    TEST_FCLASS_D(88, 1 << 6, D_MAX)
    TEST_FCLASS_D(89, 1 << 7, D_PINF)
    TEST_FCLASS_D(90, 1 << 8, 0x7ff7ffffffffffff)
    TEST_FCLASS_D(91, 1 << 9, D_QNAN)

    /* ---------------- double -> integer ---------------- */
    TEST_FCVT_X_D(100, fcvt.w.d, rne, 2, NX, 0x4004000000000000)                 /*  2.5 */
    TEST_FCVT_X_D(101, fcvt.w.d, rmm, 3, NX, 0x4004000000000000)
    TEST_FCVT_X_D(102, fcvt.w.d, rdn, -3, NX, 0xc004000000000000)                /* -2.5 */
    TEST_FCVT_X_D(103, fcvt.w.d, rup, -2, NX, 0xc004000000000000)
    TEST_FCVT_X_D(104, fcvt.w.d, rtz, 0x7fffffff, NV, D_QNAN)
    TEST_FCVT_X_D(105, fcvt.w.d, rtz, 0x7fffffff, NV, 0x41e65a0bc0000000)        /* 3e9 */
    TEST_FCVT_X_D(106, fcvt.w.d, rtz, 0xffffffff80000000, NX, 0xc1e0000000100000) /* -2^31-0.5 truncates in range */
    TEST_FCVT_X_D(107, fcvt.w.d, rdn, 0xffffffff80000000, NV, 0xc1e0000000100000) /* ... rounds out of range */
    TEST_FCVT_X_D(108, fcvt.wu.d, rtz, 0xffffffffffffffff, 0, 0x41efffffffe00000) /* 2^32-1, sign-extended */
    TEST_FCVT_X_D(109, fcvt.wu.d, rtz, 0xffffffffffffffff, NV, 0x41f0000000000000) /* 2^32 */
    TEST_FCVT_X_D(110, fcvt.wu.d, rtz, 0, NV, D_NINF)
    TEST_FCVT_X_D(111, fcvt.l.d, rtz, 0x7fffffffffffffff, NV, 0x43e0000000000000) /* 2^63 */
    TEST_FCVT_X_D(112, fcvt.l.d, rtz, 0x8000000000000000, 0, 0xc3e0000000000000) /* -2^63 */
    TEST_FCVT_X_D(113, fcvt.l.d, rtz, 0x7fffffffffffffff, NV, D_SNAN)
    TEST_FCVT_X_D(114, fcvt.l.d, rne, -1, NX, 0xbfe8000000000000)                /* -0.75 */
    TEST_FCVT_X_D(115, fcvt.lu.d, rtz, 0xfffffffffffff800, 0, 0x43efffffffffffff)
    TEST_FCVT_X_D(116, fcvt.lu.d, rtz, 0, 0, D_NZERO)
    TEST_FCVT_X_D(117, fcvt.lu.d, rtz, 0, NV, D_MONE)
    TEST_FCVT_X_D(118, fcvt.lu.d, rtz, 0xffffffffffffffff, NV, D_PINF)

    /* ---------------- integer -> double ---------------- */
    TEST_FCVT_D_W(120, fcvt.d.w, 0xc1e0000000000000, 0xffffffff80000000)
    TEST_FCVT_D_W(121, fcvt.d.w, D_THREE, 0xabcdef0000000003)            /* low 32 bits */
    TEST_FCVT_D_W(122, fcvt.d.wu, 0x41efffffffe00000, 0xffffffffffffffff)
    TEST_FCVT_D_X(123, fcvt.d.l, rne, 0x43e0000000000000, NX, 0x7fffffffffffffff)
    TEST_FCVT_D_X(124, fcvt.d.l, rtz, 0x43dfffffffffffff, NX, 0x7fffffffffffffff)
    TEST_FCVT_D_X(125, fcvt.d.l, rne, 0x4340000000000000, NX, 0x20000000000001)  /* 2^53 + 1 */
    TEST_FCVT_D_X(126, fcvt.d.l, rup, 0x4340000000000001, NX, 0x20000000000001)
    TEST_FCVT_D_X(127, fcvt.d.lu, rne, 0x43f0000000000000, NX, -1)
    TEST_FCVT_D_X(128, fcvt.d.l, rne, 0xc3e0000000000000, 0, 0x8000000000000000)

    /* ---------------- single <-> double ---------------- */
    /* 130: fcvt.s.d rounds, and the single result is NaN-boxed */
    TEST_NUM(130)
    FSET_D(f1, 0x3fd5555555555555)          /* 1/3 */
    csrw fflags, zero
    fcvt.s.d f3, f1, rne
    fmv.x.d a0, f3
    CHECK(a0, BOX(0x3eaaaaab))
    CHECK_FLAGS(NX)
    TEST_NUM(131)
    csrw fflags, zero
    fcvt.s.d f3, f1, rtz
    fmv.x.d a0, f3
    CHECK(a0, BOX(0x3eaaaaaa))
    CHECK_FLAGS(NX)
    /* 132: overflow to single */
    TEST_NUM(132)
    FSET_D(f1, D_MAX)
    csrw fflags, zero
    fcvt.s.d f3, f1, rne
    fmv.x.d a0, f3
    CHECK(a0, BOX(0x7f800000))
    CHECK_FLAGS(OF | NX)
    TEST_NUM(133)
    csrw fflags, zero
    fcvt.s.d f3, f1, rtz
    fmv.x.d a0, f3
    CHECK(a0, BOX(0x7f7fffff))
    CHECK_FLAGS(OF | NX)
    /* 134: underflow to single */
    TEST_NUM(134)
    FSET_D(f1, 0x3370000000000000)          /* 2^-200 */
    csrw fflags, zero
    fcvt.s.d f3, f1, rne
    fmv.x.d a0, f3
    CHECK(a0, BOX(0))
    CHECK_FLAGS(UF | NX)
    /* 135: NaNs: qNaN with payload -> canonical, quietly; sNaN -> NV */
    TEST_NUM(135)
    FSET_D(f1, 0x7ff8123456789abc)
    csrw fflags, zero
    fcvt.s.d f3, f1
    fmv.x.d a0, f3
    CHECK(a0, BOX(0x7fc00000))
    CHECK_FLAGS(0)
    TEST_NUM(136)
    FSET_D(f1, D_SNAN)
    csrw fflags, zero
    fcvt.s.d f3, f1
    fmv.x.d a0, f3
    CHECK(a0, BOX(0x7fc00000))
    CHECK_FLAGS(NV)
    /* 137: fcvt.d.s is exact, including subnormal singles */
    TEST_NUM(137)
    FSET_S(f1, 0x3eaaaaab)
    csrw fflags, zero
    fcvt.d.s f3, f1
    fmv.x.d a0, f3
    CHECK(a0, 0x3fd5555560000000)
    CHECK_FLAGS(0)
    TEST_NUM(138)
    FSET_S(f1, 0x00000001)                  /* 2^-149 */
    fcvt.d.s f3, f1
    fmv.x.d a0, f3
    CHECK(a0, 0x36a0000000000000)
    /* 139: fcvt.d.s of a signalling NaN -> canonical double NaN + NV */
    TEST_NUM(139)
    FSET_S(f1, 0xff800001)
    csrw fflags, zero
    fcvt.d.s f3, f1
    fmv.x.d a0, f3
    CHECK(a0, D_QNAN)
    CHECK_FLAGS(NV)
    /* 140: an unboxed single input reads as the canonical NaN, quietly */
    TEST_NUM(140)
    FSET_RAW(f1, 0x000000003f800000)
    csrw fflags, zero
    fcvt.d.s f3, f1
    fmv.x.d a0, f3
    CHECK(a0, D_QNAN)
    CHECK_FLAGS(0)
    /* 141: a double in an f register is not a valid single: fadd.s on it
       gives the canonical NaN; properly boxed bits loaded by fld are fine */
    TEST_NUM(141)
    FSET_D(f1, D_ONE)
    fadd.s f3, f1, f1
    fmv.x.d a0, f3
    CHECK(a0, BOX(0x7fc00000))
    la a3, ddata
    li a2, 0xffffffff3f800000
    sd a2, 0(a3)
    fld f1, 0(a3)
    fadd.s f3, f1, f1
    fmv.x.d a0, f3
    CHECK(a0, BOX(0x40000000))

    /* ---------------- moves, loads/stores, sign injection ---------------- */
    /* 142: fmv.d.x / fmv.x.d / fsd / fld move a signalling NaN untouched */
    TEST_NUM(142)
    li a2, 0x7ff0000000000abc
    fmv.d.x f5, a2
    fsd f5, 8(a3)
    fld f6, 8(a3)
    fmv.x.d a0, f6
    CHECK(a0, 0x7ff0000000000abc)
    ld a0, 8(a3)
    CHECK(a0, 0x7ff0000000000abc)
    TEST_FOPN_D(143, fsgnj.d,  D_MONE, 0, D_ONE, D_NINF)
    TEST_FOPN_D(144, fsgnjn.d, D_ONE, 0, D_ONE, D_NINF)
    TEST_FOPN_D(145, fsgnjx.d, D_ONE, 0, D_MONE, D_NINF)
    TEST_FOPN_D(146, fsgnjn.d, 0xfff0000000000001, 0, D_SNAN, 0)   /* NaN kept, no NV */
    /* 147: fsgnj.d on a boxed single just moves 64 bits (no NaN check) */
    TEST_FOPN_D(147, fsgnj.d, 0x7fffffff3f800000, 0, 0xffffffff3f800000, 0)

    /* ---------------- mstatus.FS ---------------- */
    /* 150: FS = Off makes D instructions illegal */
    TEST_NUM(150)
    li a2, MSTATUS_FS
    csrc mstatus, a2
    RUN_IN(PRV_M, d_off_fmul)
    CHECK_ILLEGAL_AT(d_off_fmul)
    TEST_NUM(151)
    la a3, ddata
    RUN_IN(PRV_M, d_off_fld)
    CHECK_ILLEGAL_AT(d_off_fld)
    TEST_NUM(152)
    RUN_IN(PRV_M, d_off_fcvt)
    CHECK_ILLEGAL_AT(d_off_fcvt)
    /* 153: FS = Clean; fcvt.d.l writes an f register: Dirty + SD */
    TEST_NUM(153)
    li a2, MSTATUS_FS_CLEAN
    csrs mstatus, a2
    li a2, 7
    fcvt.d.l f1, a2
    csrr a0, mstatus
    srli a1, a0, 13
    andi a1, a1, 3
    CHECK(a1, 3)
    bgez a0, fail
    PASS

d_dyn_illegal: fadd.d f3, f1, f2, dyn;                  ecall
d_static_rm5:  .insn r 0x53, 5, 0x01, f3, f1, f2;       ecall  /* fadd.d, rm = 5 */
d_off_fmul:    fmul.d f3, f1, f2;                       ecall
d_off_fld:     fld f3, 0(a3);                           ecall
d_off_fcvt:    fcvt.l.d a0, f1, rtz;                    ecall

    .data
    .align 3
ddata:
    .dword 0, 0
