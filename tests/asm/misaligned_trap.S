/*
 * misaligned_trap.S - with `--cpu misaligned=trap`, misaligned ordinary
 * loads and stores raise address-misaligned exceptions (as on Spike).
 *
 * Run by tests/asm_suite.rs with `--cpu misaligned=trap`; misaligned.S
 * covers the default, where they are performed in hardware. Checks: every
 * integer and FP load and store width, and the compressed forms, at
 * misaligned addresses trap with cause 4 (loads) or 6 (stores), mepc at the
 * instruction and mtval = the address; a trapping store writes nothing;
 * aligned accesses and byte accesses still work; the same from S and U
 * mode; misalignment is reported before an access fault (an 8-byte load 4
 * bytes before the end of RAM), and LR/AMOs trap as always.
 *
 * BUF is a fixed address in RAM above the program, so that mtval can be
 * compared with constants. Assumes at least 2 MiB of RAM.
 */
#include "test.h"

#define BUF     0x80100000
#define RAM_END 0xa0000000
#define LOAD_MIS(num, prv, off, ...) \
    TEST_TRAP(num, prv, CAUSE_MISALIGNED_LOAD, BUF + off, __VA_ARGS__)
#define STORE_MIS(num, prv, off, ...) \
    TEST_TRAP(num, prv, CAUSE_MISALIGNED_STORE, BUF + off, __VA_ARGS__)

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    /* BUF: 16 bytes 0x80, 0x81, ..., 0x8f; a2 = BUF, a3 = all ones. */
    li a2, BUF
    li a4, 0x8786858483828180
    sd a4, 0(a2)
    li a4, 0x8f8e8d8c8b8a8988
    sd a4, 8(a2)
    li a3, -1
    fmv.d.x f3, a3
    fmv.d.x f8, a3

    /* ---- M-mode loads ---- */
    LOAD_MIS(1, PRV_M, 1, lh a4, 1(a2))
    LOAD_MIS(2, PRV_M, 3, lhu a4, 3(a2))
    LOAD_MIS(3, PRV_M, 2, lw a4, 2(a2))
    LOAD_MIS(4, PRV_M, 7, lwu a4, 7(a2))
    LOAD_MIS(5, PRV_M, 4, ld a4, 4(a2))
    LOAD_MIS(6, PRV_M, 1, ld a4, 1(a2))
    LOAD_MIS(7, PRV_M, 6, flw f1, 6(a2))
    LOAD_MIS(8, PRV_M, 12, fld f1, 12(a2))

    /* ---- M-mode stores, which write nothing ---- */
    STORE_MIS(10, PRV_M, 1, sh a3, 1(a2))
    STORE_MIS(11, PRV_M, 2, sw a3, 2(a2))
    STORE_MIS(12, PRV_M, 4, sd a3, 4(a2))
    STORE_MIS(13, PRV_M, 9, fsw f3, 9(a2))
    STORE_MIS(14, PRV_M, 3, fsd f3, 3(a2))
    TEST_NUM(15)
    ld a4, 0(a2)
    CHECK(a4, 0x8786858483828180)
    ld a4, 8(a2)
    CHECK(a4, 0x8f8e8d8c8b8a8988)

    /* ---- compressed forms (base register misaligned) ---- */
    li s0, BUF + 2
    TEST_TRAP(20, PRV_M, CAUSE_MISALIGNED_LOAD, BUF + 2, c.lw a4, 0(s0))
    TEST_TRAP(21, PRV_M, CAUSE_MISALIGNED_LOAD, BUF + 2, c.ld a4, 0(s0))
    TEST_TRAP(22, PRV_M, CAUSE_MISALIGNED_STORE, BUF + 2, c.sw a3, 0(s0))
    TEST_TRAP(23, PRV_M, CAUSE_MISALIGNED_STORE, BUF + 2, c.fsd f8, 0(s0))
    TEST_NUM(24)
    ld a4, 0(a2)
    CHECK(a4, 0x8786858483828180)

    /* ---- aligned and byte accesses are unaffected ---- */
    TEST_NUM(30)
    lb a4, 3(a2)
    CHECK(a4, 0xffffffffffffff83)
    lhu a4, 6(a2)
    CHECK(a4, 0x8786)
    lwu a4, 4(a2)
    CHECK(a4, 0x87868584)
    ld a4, 8(a2)
    CHECK(a4, 0x8f8e8d8c8b8a8988)
    sb zero, 5(a2)
    sh zero, 2(a2)
    ld a4, 0(a2)
    CHECK(a4, 0x8786008400008180)

    /* ---- S and U mode trap alike (into M: nothing is delegated) ---- */
    LOAD_MIS(40, PRV_S, 5, lw a4, 5(a2))
    CHECK_TRAP_PRV(PRV_S)
    STORE_MIS(41, PRV_S, 6, sd a3, 6(a2))
    LOAD_MIS(42, PRV_U, 3, ld a4, 3(a2))
    CHECK_TRAP_PRV(PRV_U)
    STORE_MIS(43, PRV_U, 1, sh a3, 1(a2))
    TEST_NUM(44)
    ld a4, 0(a2)
    CHECK(a4, 0x8786008400008180)

    /* ---- misaligned is reported before an access fault ---- */
    li a5, RAM_END - 4
    TEST_TRAP(50, PRV_M, CAUSE_MISALIGNED_LOAD, RAM_END - 4, ld a4, 0(a5))
    TEST_TRAP(51, PRV_M, CAUSE_MISALIGNED_STORE, RAM_END - 4, sd a3, 0(a5))
    /* An aligned access past the end is an access fault, as ever. */
    li a5, RAM_END
    TEST_TRAP(52, PRV_M, CAUSE_LOAD_ACCESS, RAM_END, ld a4, 0(a5))

    /* ---- atomics trap on misalignment in either mode ---- */
    li s1, BUF + 4
    TEST_TRAP(60, PRV_M, CAUSE_MISALIGNED_LOAD, BUF + 4, lr.d a4, (s1))
    TEST_TRAP(61, PRV_M, CAUSE_MISALIGNED_STORE, BUF + 4, amoswap.d a4, a3, (s1))

    ld ra, 0(sp)
    addi sp, sp, 16
    PASS
