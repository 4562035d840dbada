/*
 * fp.h - check macros for the F and D tests (include after test.h).
 *
 * Single-precision results are read back with fmv.x.d, so every check of an
 * .S result also checks that it was NaN-boxed (upper 32 bits all ones).
 * Inputs are loaded with fmv.w.x / fmv.d.x, which never alter the bits.
 * Every arithmetic check clears fflags first and then requires fflags to be
 * exactly the expected set: missing and extra flags both fail.
 */
#ifndef HERON_FP_H
#define HERON_FP_H

#define NV 0x10
#define DZ 0x08
#define OF 0x04
#define UF 0x02
#define NX 0x01

/* a single-precision value as it must appear in a 64-bit f register */
#define BOX(x) (0xffffffff00000000 | (x))

#define FSET_S(freg, bits) li t0, bits; fmv.w.x freg, t0
#define FSET_D(freg, bits) li t0, bits; fmv.d.x freg, t0
/* put raw 64 bits in an f register (used for improperly boxed singles) */
#define FSET_RAW(freg, bits) li t0, bits; fmv.d.x freg, t0

#define CHECK_FLAGS(flags) csrr a1, fflags; CHECK(a1, flags)

/* ---- single precision ---- */
/* two operands with a rounding mode: fadd fsub fmul fdiv */
#define TEST_FOP2_S(num, inst, rm, result, flags, a, b)                   \
    TEST_NUM(num); FSET_S(f1, a); FSET_S(f2, b); csrw fflags, zero;       \
    inst f3, f1, f2, rm; fmv.x.d a0, f3; CHECK(a0, BOX(result)); CHECK_FLAGS(flags)
/* one operand with a rounding mode: fsqrt */
#define TEST_FOP1_S(num, inst, rm, result, flags, a)                      \
    TEST_NUM(num); FSET_S(f1, a); csrw fflags, zero;                      \
    inst f3, f1, rm; fmv.x.d a0, f3; CHECK(a0, BOX(result)); CHECK_FLAGS(flags)
/* three operands: fmadd fmsub fnmadd fnmsub */
#define TEST_FOP3_S(num, inst, rm, result, flags, a, b, c)                \
    TEST_NUM(num); FSET_S(f1, a); FSET_S(f2, b); FSET_S(f4, c); csrw fflags, zero; \
    inst f3, f1, f2, f4, rm; fmv.x.d a0, f3; CHECK(a0, BOX(result)); CHECK_FLAGS(flags)
/* two operands, no rounding mode: fmin fmax fsgnj* */
#define TEST_FOPN_S(num, inst, result, flags, a, b)                       \
    TEST_NUM(num); FSET_S(f1, a); FSET_S(f2, b); csrw fflags, zero;       \
    inst f3, f1, f2; fmv.x.d a0, f3; CHECK(a0, BOX(result)); CHECK_FLAGS(flags)
/* comparisons: integer result */
#define TEST_FCMP_S(num, inst, result, flags, a, b)                       \
    TEST_NUM(num); FSET_S(f1, a); FSET_S(f2, b); csrw fflags, zero;       \
    inst a0, f1, f2; CHECK(a0, result); CHECK_FLAGS(flags)
/* float -> integer */
#define TEST_FCVT_X_S(num, inst, rm, result, flags, a)                    \
    TEST_NUM(num); FSET_S(f1, a); csrw fflags, zero;                      \
    inst a0, f1, rm; CHECK(a0, result); CHECK_FLAGS(flags)
/* integer -> float */
#define TEST_FCVT_S_X(num, inst, rm, result, flags, a)                    \
    TEST_NUM(num); li a2, a; csrw fflags, zero;                           \
    inst f3, a2, rm; fmv.x.d a0, f3; CHECK(a0, BOX(result)); CHECK_FLAGS(flags)
#define TEST_FCLASS_S(num, result, a)                                     \
    TEST_NUM(num); FSET_S(f1, a); fclass.s a0, f1; CHECK(a0, result)

/* ---- double precision ---- */
#define TEST_FOP2_D(num, inst, rm, result, flags, a, b)                   \
    TEST_NUM(num); FSET_D(f1, a); FSET_D(f2, b); csrw fflags, zero;       \
    inst f3, f1, f2, rm; fmv.x.d a0, f3; CHECK(a0, result); CHECK_FLAGS(flags)
#define TEST_FOP1_D(num, inst, rm, result, flags, a)                      \
    TEST_NUM(num); FSET_D(f1, a); csrw fflags, zero;                      \
    inst f3, f1, rm; fmv.x.d a0, f3; CHECK(a0, result); CHECK_FLAGS(flags)
#define TEST_FOP3_D(num, inst, rm, result, flags, a, b, c)                \
    TEST_NUM(num); FSET_D(f1, a); FSET_D(f2, b); FSET_D(f4, c); csrw fflags, zero; \
    inst f3, f1, f2, f4, rm; fmv.x.d a0, f3; CHECK(a0, result); CHECK_FLAGS(flags)
#define TEST_FOPN_D(num, inst, result, flags, a, b)                       \
    TEST_NUM(num); FSET_D(f1, a); FSET_D(f2, b); csrw fflags, zero;       \
    inst f3, f1, f2; fmv.x.d a0, f3; CHECK(a0, result); CHECK_FLAGS(flags)
#define TEST_FCMP_D(num, inst, result, flags, a, b)                       \
    TEST_NUM(num); FSET_D(f1, a); FSET_D(f2, b); csrw fflags, zero;       \
    inst a0, f1, f2; CHECK(a0, result); CHECK_FLAGS(flags)
#define TEST_FCVT_X_D(num, inst, rm, result, flags, a)                    \
    TEST_NUM(num); FSET_D(f1, a); csrw fflags, zero;                      \
    inst a0, f1, rm; CHECK(a0, result); CHECK_FLAGS(flags)
#define TEST_FCVT_D_X(num, inst, rm, result, flags, a)                    \
    TEST_NUM(num); li a2, a; csrw fflags, zero;                           \
    inst f3, a2, rm; fmv.x.d a0, f3; CHECK(a0, result); CHECK_FLAGS(flags)
/* fcvt.d.w / fcvt.d.wu are always exact and take no rounding mode */
#define TEST_FCVT_D_W(num, inst, result, a)                               \
    TEST_NUM(num); li a2, a; csrw fflags, zero;                           \
    inst f3, a2; fmv.x.d a0, f3; CHECK(a0, result); CHECK_FLAGS(0)
#define TEST_FCLASS_D(num, result, a)                                     \
    TEST_NUM(num); FSET_D(f1, a); fclass.d a0, f1; CHECK(a0, result)

/* the trap recorded by run_mode must be an illegal instruction whose mtval
   is the 32-bit instruction at `label` */
#define CHECK_ILLEGAL_AT(label)                                           \
    CHECK_TRAP_CAUSE(CAUSE_ILLEGAL_INSN); CHECK_TRAP_EPC(label);          \
    la t5, label; lwu t6, 0(t5); ld t5, trap_tval; bne t5, t6, fail

#endif /* HERON_FP_H */
