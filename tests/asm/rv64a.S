/*
 * rv64a.S - the A extension on RV64: LR/SC and every AMO, word and doubleword.
 *
 * Checks only what the spec guarantees:
 *   - LR then SC to the same address with nothing in between succeeds
 *     (rd = 0) and writes exactly the SC's width;
 *   - SC without a reservation fails (rd != 0) and leaves memory alone:
 *     every SC invalidates the reservation, so a second SC right after a
 *     successful one must fail;
 *   - LR.W sign-extends; .aq/.rl forms behave the same single-threaded;
 *   - each AMO returns the old memory value (sign-extended for .W), stores
 *     op(old, rs2), and .W forms touch only 32 bits; min/max are signed and
 *     minu/maxu unsigned at the 32-bit width for .W;
 *   - rd == rs2 and rd == x0 forms;
 *   - misaligned LR raises load-address-misaligned (4), misaligned SC/AMO
 *     raise store/AMO-address-misaligned (6), mtval = the address, and
 *     memory is unchanged (they are never emulated, unlike ordinary loads
 *     and stores on heron).
 */
#include "test.h"

/* mem: dword at amo_d, word at amo_w (with guard words either side) */
#define SETW(v)  la a3, amo_w; li t0, v; sw t0, 0(a3); li t0, 0x5a5a5a5a; sw t0, -4(a3); sw t0, 4(a3)
#define SETD(v)  la a3, amo_d; li t0, v; sd t0, 0(a3)

/* AMO .W: check returned old value, new memory word (sign-extended by lw), guards */
#define TEST_AMO_W(num, inst, init, operand, ret_expected, mem_expected) \
    TEST_NUM(num); SETW(init); li a2, operand; inst a0, a2, (a3);       \
    CHECK(a0, ret_expected); lw a1, 0(a3); CHECK(a1, mem_expected);     \
    lw a1, -4(a3); CHECK(a1, 0x5a5a5a5a); lw a1, 4(a3); CHECK(a1, 0x5a5a5a5a)

#define TEST_AMO_D(num, inst, init, operand, ret_expected, mem_expected) \
    TEST_NUM(num); SETD(init); li a2, operand; inst a0, a2, (a3);       \
    CHECK(a0, ret_expected); ld a1, 0(a3); CHECK(a1, mem_expected)

    .text
    .globl test_main
test_main:
    /* ---------------- LR/SC ---------------- */
    /* 1: lr.w / sc.w succeed, the word is replaced, its neighbours are not */
    TEST_NUM(1)
    SETW(0x11111111)
    lr.w a0, (a3)
    li a2, 0x22222222
    sc.w a1, a2, (a3)
    CHECK(a1, 0)
    CHECK(a0, 0x11111111)
    lw a0, 0(a3)
    CHECK(a0, 0x22222222)
    lw a0, 4(a3)
    CHECK(a0, 0x5a5a5a5a)
    lw a0, -4(a3)
    CHECK(a0, 0x5a5a5a5a)

    /* 2: the reservation is gone after that SC: a second SC must fail and
          must not write */
    TEST_NUM(2)
    li a2, 0x33333333
    sc.w a1, a2, (a3)
    beqz a1, fail
    lw a0, 0(a3)
    CHECK(a0, 0x22222222)

    /* 3: lr.w sign-extends bit 31 */
    TEST_NUM(3)
    SETW(0x80000001)
    lr.w a0, (a3)
    CHECK(a0, 0xffffffff80000001)
    sc.w a1, a0, (a3)       /* consume the reservation */
    CHECK(a1, 0)

    /* 4: lr.d / sc.d */
    TEST_NUM(4)
    SETD(0x0123456789abcdef)
    lr.d a0, (a3)
    CHECK(a0, 0x0123456789abcdef)
    li a2, 0xfedcba9876543210
    sc.d a1, a2, (a3)
    CHECK(a1, 0)
    ld a0, 0(a3)
    CHECK(a0, 0xfedcba9876543210)

    /* 5: sc.d without a reservation (the last SC consumed it) fails */
    TEST_NUM(5)
    li a2, 0x1111
    sc.d a1, a2, (a3)
    beqz a1, fail
    ld a0, 0(a3)
    CHECK(a0, 0xfedcba9876543210)

    /* 6: .aq/.rl/.aqrl forms; a typical LR/SC increment loop */
    TEST_NUM(6)
    SETD(41)
1:  lr.d.aq a0, (a3)
    addi a0, a0, 1
    sc.d.rl a1, a0, (a3)
    bnez a1, 1b
    ld a0, 0(a3)
    CHECK(a0, 42)
    lr.w.aqrl a0, (a3)
    sc.w.aqrl a1, a0, (a3)
    CHECK(a1, 0)

    /* 7: SC writing rd == rs2: success code replaces the data register */
    TEST_NUM(7)
    SETD(5)
    lr.d a0, (a3)
    li a2, 9
    sc.d a2, a2, (a3)
    CHECK(a2, 0)
    ld a0, 0(a3)
    CHECK(a0, 9)

    /* ---------------- AMO .W ---------------- */
    TEST_AMO_W(10, amoswap.w, 0x80000000, 0x12345678, 0xffffffff80000000, 0x12345678)
    TEST_AMO_W(11, amoswap.w, 0x7fffffff, 0xffffffff00000001, 0x7fffffff, 1) /* rs2 upper bits ignored */
    TEST_AMO_W(12, amoadd.w, 0x7fffffff, 1, 0x7fffffff, 0xffffffff80000000)
    TEST_AMO_W(13, amoadd.w, 0xffffffff, 0x100000001, 0xffffffffffffffff, 0)
    TEST_AMO_W(14, amoxor.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xfffffffff0f0f0f0)
    TEST_AMO_W(15, amoand.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0x0f000f00)
    TEST_AMO_W(16, amoor.w,  0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xfffffffffff0fff0)
    TEST_AMO_W(17, amomin.w, 0x80000000, 1, 0xffffffff80000000, 0xffffffff80000000)
    TEST_AMO_W(18, amomin.w, 1, 0xffffffff, 1, 0xffffffffffffffff)     /* -1 < 1 */
    TEST_AMO_W(19, amomin.w, 5, 0xfffffffe00000006, 5, 5)               /* rs2 = 6 in 32 bits */
    TEST_AMO_W(20, amomax.w, 0x80000000, 1, 0xffffffff80000000, 1)
    TEST_AMO_W(21, amomax.w, 0xfffffffe, 0xffffffff, 0xfffffffffffffffe, 0xffffffffffffffff)
    TEST_AMO_W(22, amominu.w, 0x80000000, 1, 0xffffffff80000000, 1)
    TEST_AMO_W(23, amominu.w, 3, 0x100000002, 3, 2)                     /* compares 32 bits only */
    TEST_AMO_W(24, amomaxu.w, 0x80000000, 1, 0xffffffff80000000, 0xffffffff80000000)
    TEST_AMO_W(25, amomaxu.w, 1, 0xffffffff, 1, 0xffffffffffffffff)
    TEST_AMO_W(26, amomaxu.w, 7, 0xf00000003, 7, 7)                     /* upper rs2 bits ignored */
    TEST_AMO_W(27, amoadd.w.aqrl, 10, -3, 10, 7)

    /* ---------------- AMO .D ---------------- */
    TEST_AMO_D(30, amoswap.d, 0x8000000000000000, 0x123456789, 0x8000000000000000, 0x123456789)
    TEST_AMO_D(31, amoadd.d, 0x7fffffffffffffff, 1, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_AMO_D(32, amoadd.d, 0xffffffff, 1, 0xffffffff, 0x100000000)   /* carries past bit 31 */
    TEST_AMO_D(33, amoxor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0)
    TEST_AMO_D(34, amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
    TEST_AMO_D(35, amoor.d,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0)
    TEST_AMO_D(36, amomin.d, 0x8000000000000000, 1, 0x8000000000000000, 0x8000000000000000)
    TEST_AMO_D(37, amomin.d, 0x80000000, 0xffffffffffffffff, 0x80000000, 0xffffffffffffffff)
    TEST_AMO_D(38, amomax.d, 0x8000000000000000, 1, 0x8000000000000000, 1)
    TEST_AMO_D(39, amomax.d, 0x80000000, 0x7fffffff, 0x80000000, 0x80000000) /* 64-bit compare */
    TEST_AMO_D(40, amominu.d, 0x8000000000000000, 1, 0x8000000000000000, 1)
    TEST_AMO_D(41, amominu.d, 3, 0xffffffffffffffff, 3, 3)
    TEST_AMO_D(42, amomaxu.d, 0x8000000000000000, 1, 0x8000000000000000, 0x8000000000000000)
    TEST_AMO_D(43, amomaxu.d, 1, 0xffffffffffffffff, 1, 0xffffffffffffffff)
    TEST_AMO_D(44, amoswap.d.aq, 1, 2, 1, 2)

    /* 45: rd == rs2: the old value replaces the operand register after use */
    TEST_NUM(45)
    SETD(100)
    li a2, 23
    amoadd.d a2, a2, (a3)
    CHECK(a2, 100)
    ld a0, 0(a3)
    CHECK(a0, 123)

    /* 46: rd == x0 still performs the memory update */
    TEST_NUM(46)
    SETW(100)
    li a2, 0x80000000
    amoor.w x0, a2, (a3)
    lwu a0, 0(a3)
    CHECK(a0, 0x80000064)

    /* 47: AMO .W on the upper half of a doubleword leaves the lower half */
    TEST_NUM(47)
    SETD(0x1111111122222222)
    addi a4, a3, 4
    li a2, 1
    amoadd.w a0, a2, (a4)
    CHECK(a0, 0x11111111)
    ld a0, 0(a3)
    CHECK(a0, 0x1111111222222222)

    /* ---------------- misaligned LR/SC/AMO trap ---------------- */
    /* Each runs in M-mode through run_mode so the trap ends the run. */
#define TEST_MISALIGNED(num, label, cause, offset)          \
    TEST_NUM(num); SETD(0x0706050403020100);                \
    la a3, amo_d + offset; li a2, -1;                       \
    RUN_IN(PRV_M, label);                                   \
    CHECK_TRAP_CAUSE(cause);                                \
    CHECK_TRAP_EPC(label);                                  \
    CHECK_TRAP_TVAL_SYM(amo_d + offset);                    \
    la a3, amo_d; ld a0, 0(a3); CHECK(a0, 0x0706050403020100)

    TEST_MISALIGNED(50, mis_lr_w, CAUSE_MISALIGNED_LOAD, 2)
    TEST_MISALIGNED(51, mis_lr_d, CAUSE_MISALIGNED_LOAD, 4)
#ifndef QEMU_QUIRKS
    /* QEMU 7.2 diverges here: its SC compares the address with the
       reservation first and, on a mismatch, fails without the alignment
       check, so a misaligned SC never traps. The spec requires an
       address-misaligned (or access-fault) exception for a misaligned SC, and
       heron's contract says cause 6. Skipped when validating on QEMU. */
    TEST_MISALIGNED(52, mis_sc_w, CAUSE_MISALIGNED_STORE, 1)
    TEST_MISALIGNED(53, mis_sc_d, CAUSE_MISALIGNED_STORE, 4)
#endif
    /* A misaligned AMO raises store/AMO-address-misaligned (6). QEMU 7.2
       diverges: it reports load-address-misaligned (4) for AMOs (fixed in
       later QEMU), so only the cause differs when validating on QEMU. That
       is its serial TCG only: with several vCPUs (-smp 2 and up, MTTCG) it
       reports 6, so validate this file with -smp 1 or -accel
       tcg,thread=single. */
#ifdef QEMU_QUIRKS
#define AMO_MISALIGNED_CAUSE CAUSE_MISALIGNED_LOAD
#else
#define AMO_MISALIGNED_CAUSE CAUSE_MISALIGNED_STORE
#endif
    TEST_MISALIGNED(54, mis_amoadd_w, AMO_MISALIGNED_CAUSE, 2)
    TEST_MISALIGNED(55, mis_amoswap_d, AMO_MISALIGNED_CAUSE, 4)
    TEST_MISALIGNED(56, mis_amomaxu_w, AMO_MISALIGNED_CAUSE, 3)
    TEST_MISALIGNED(57, mis_amoor_d, AMO_MISALIGNED_CAUSE, 1)
    PASS

    /* Run in M-mode by TEST_MISALIGNED with a3 = address, a2 = -1. The
       first instruction must trap; the ecall is reached only if it did not
       (and then the cause check fails). */
mis_lr_w:      lr.w a0, (a3);              ecall
mis_lr_d:      lr.d a0, (a3);              ecall
mis_sc_w:      sc.w a0, a2, (a3);          ecall
mis_sc_d:      sc.d a0, a2, (a3);          ecall
mis_amoadd_w:  amoadd.w a0, a2, (a3);      ecall
mis_amoswap_d: amoswap.d a0, a2, (a3);     ecall
mis_amomaxu_w: amomaxu.w a0, a2, (a3);     ecall
mis_amoor_d:   amoor.d a0, a2, (a3);       ecall

    .data
    .align 4
    .word 0                 /* guard word below amo_w */
amo_w:
    .word 0
    .word 0
    .align 3
amo_d:
    .dword 0
    .dword 0
