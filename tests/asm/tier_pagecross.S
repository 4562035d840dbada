/*
 * tier_pagecross.S - a hot loop whose body crosses a page boundary in the
 * middle of a 4-byte instruction (M-mode, then S-mode with Sv39).
 *
 * The loop starts 20 bytes before the end of page cross_a: four 4-byte
 * instructions and a c.nop, so that `addi s5, s5, 1` starts 2 bytes before
 * the page end and its upper half is the first halfword of the next page;
 * the rest of the loop follows in that page and jumps back (jr: the tail
 * is position-independent, since a copy of it lives in another page).
 * Page cross_b2 holds the same tail behind the upper half of `addi s5, s5,
 * 2`, and adds 0x20 instead of 0x10 to s7. Each trip:
 *   s1 += 3, s2 ^= 0x55, s3 += s1, s4 += 1, s5 += 1 (2), s7 += 0x10 (0x20).
 *
 *   1. M-mode, no translation: the loop at its physical address, where
 *      cross_b follows cross_a, runs HOT trips.
 *   2. S-mode: VA_X -> cross_a and VA_X + 4 KiB -> cross_b; HOT trips.
 *   3. The second virtual page is remapped to cross_b2 (sfence.vma): the
 *      split instruction is now `addi s5, s5, 2` and the tail the other one.
 *   4. The second page is unmapped: the first trip runs the part in the
 *      first page, then takes an instruction page fault with mepc = the
 *      split instruction and mtval = the start of the second page (the
 *      part that faulted).
 *   5. The second page maps cross_b again: the original loop is back.
 */
#include "test.h"
#include "vm.h"

#define HOT 300
#define VA_X 0x10000000
#define LOOP_OFF (4096 - 20)            /* cross_loop in its page */
#define ADDI(rd, rs1, imm) ((((imm) & 0xfff) << 20) | ((rs1) << 15) | ((rd) << 7) | 0x13)
#define S5 21

/* the loop's results after `trips` trips with increments inc5 and inc7 */
#define CHECK_LOOP(trips, inc5, inc7) \
    CHECK(s0, 0); \
    CHECK(s1, 3 * (trips)); \
    CHECK(s3, 3 * (trips) * ((trips) + 1) / 2); \
    CHECK(s4, trips); \
    CHECK(s5, (inc5) * (trips)); \
    CHECK(s7, (inc7) * (trips))

/* set the PPN of the leaf PTE at pte_b to the page `sym`, V set */
#define MAP_B(sym) \
    ld t0, pte_b; la t1, sym; srli t1, t1, 12; slli t1, t1, 10; \
    ori t1, t1, X_AD; sd t1, 0(t0); sfence.vma

    .text
    .globl test_main
test_main:
    /* 1: physical addresses, M-mode */
    TEST_NUM(1)
    la a2, cross_loop
    RUN_IN(PRV_M, run_cross)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_M)
    CHECK_LOOP(HOT, 1, 0x10)

    call vm_reset
    mv s0, a0
    li a5, 3
#define MAP(va, pa_sym, flags, level) \
    mv a0, s0; li a1, va; la a2, pa_sym; li a3, flags; li a4, level; call vm_map
    MAP(0x80000000, _start, RWX_AD, 2)      /* identity gigapage: S code */
    MAP(VA_X, cross_a, X_AD, 0)
    MAP(VA_X + 0x1000, cross_b, X_AD, 0)
    sd a0, pte_b, t0
    SATP_VALUE(a1, s0, SATP_MODE_SV39)
    csrw satp, a1
    sfence.vma

    /* 2: through VA_X */
    TEST_NUM(2)
    li a2, VA_X + LOOP_OFF
    RUN_IN(PRV_S, run_cross)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK_LOOP(HOT, 1, 0x10)

    /* 3: the second page is another physical page now */
    TEST_NUM(3)
    MAP_B(cross_b2)
    li a2, VA_X + LOOP_OFF
    RUN_IN(PRV_S, run_cross)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK_LOOP(HOT, 2, 0x20)

    /* 4: and unmapped */
    TEST_NUM(4)
    ld t0, pte_b
    sd zero, 0(t0)
    sfence.vma
    li a2, VA_X + LOOP_OFF
    RUN_IN(PRV_S, run_cross)
    CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE)
    ld t5, trap_epc
    CHECK(t5, VA_X + 4094)
    CHECK_TRAP_TVAL(VA_X + 4096)
    CHECK(s0, HOT)                  /* the first trip, up to the split insn */
    CHECK(s1, 3)
    CHECK(s2, 0x55)
    CHECK(s3, 3)
    CHECK(s4, 1)
    CHECK(s5, 0)
    CHECK(s7, 0)

    /* 5: the original second page again */
    TEST_NUM(5)
    MAP_B(cross_b)
    li a2, VA_X + LOOP_OFF
    RUN_IN(PRV_S, run_cross)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK_LOOP(HOT, 1, 0x10)

    csrw satp, zero
    sfence.vma
    PASS

/* HOT trips of the loop at a2 (in the mode run_mode entered); it ends
   with ecall */
run_cross:
    li s0, HOT
    li s1, 0
    li s2, 0
    li s3, 0
    li s4, 0
    li s5, 0
    li s7, 0
    mv s6, a2
    jr s6

/* the rest of a trip, after the split instruction: s7 += inc, then back to
   the loop at s6 (HOT trips in all) */
#define TAIL(inc) \
    addi s7, s7, inc; \
    addi s0, s0, -1; \
    beqz s0, 1f; \
    jr s6; \
1:  ecall

    .section .text.tier_cross, "ax", @progbits
    .option push
    .option norvc
    .align 12
cross_a:
    .skip LOOP_OFF
cross_loop:
    addi s1, s1, 3
    xori s2, s2, 0x55
    add s3, s3, s1
    addi s4, s4, 1
    .option rvc
    c.nop
    .option norvc
cross_split:                        /* page end - 2 */
    addi s5, s5, 1
    /* cross_b starts here, in the middle of the addi */
    TAIL(0x10)

    .align 12
cross_b2:
    .half (ADDI(S5, S5, 2) >> 16) & 0xffff
    TAIL(0x20)
    .option pop

    .data
    .align 3
pte_b: .dword 0
    /* cross_b: the page after cross_a */
    .set cross_b, cross_a + 4096
