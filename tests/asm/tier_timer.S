/*
 * tier_timer.S - interrupts arrive while a hart spins in a loop that is
 * one block branching to its own start (run with --smp 2, M-mode).
 *
 * Under --accel jit such a block loops inside its translation, checking
 * the hart's event word and the run's budget on every back-edge; an
 * interrupt must still be taken, at an instruction of the loop.
 *
 *   A. (1-3) mtimecmp a little in the future, MTIE and MIE on, then
 *      `1: j 1b`: the machine timer interrupt is taken (cause interrupt 7)
 *      with mepc = the jump.
 *   B. (4-7) the same with a counting loop (`addi; addi; bne` back to its
 *      start, bounded so a missed interrupt fails instead of hanging): the
 *      interrupt comes before the bound, mepc is one of the loop's three
 *      instructions, the two counters agree with that mepc, and minstret
 *      (read by the handler as its first instruction) advanced by exactly
 *      the instructions the counters say ran.
 *   C. (8-11) hart 1 writes hart 0's msip while hart 0 spins in
 *      `1: j 1b` with only MSIE enabled: the software interrupt is taken
 *      (cause interrupt 3) at the jump; msip is then cleared.
 *
 * Validated on QEMU's spike machine with -smp 2 (B's minstret check needs
 * -icount shift=0 there: otherwise QEMU's minstret counts host time).
 */
#include "test.h"
#include "smp.h"

#define TICKS_1MS 10000
#define READ_MTIME(rd) li rd, CLINT_MTIME; ld rd, 0(rd)
/* mtimecmp of hart 0 = mtime + delta */
#define ARM_TIMER(delta) \
    READ_MTIME(a0); li t4, delta; add a0, a0, t4; li t4, CLINT_MTIMECMP; sd a0, 0(t4)
#define DISARM_TIMER li t4, CLINT_MTIMECMP; li a0, -1; sd a0, 0(t4)
#define SPIN_BOUND 200000000

    .text
    .globl test_main
test_main:
    call smp_gather
    TEST_NUM(1)
    li t0, 2
    blt a1, t0, fail                /* hart 1 must take part (C) */
    csrw mie, zero
    DISARM_TIMER
    la t0, timer_mtrap
    csrw mtvec, t0

    /* ---- A: the timer interrupts `1: j 1b` ---- */
    TEST_NUM(2)
    li t0, MIP_MTIP
    csrw mie, t0
    ARM_TIMER(2 * TICKS_1MS)
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    RUN_IN(PRV_M, spin_jump)
    CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_TIMER)
    TEST_NUM(3)
    CHECK_TRAP_EPC(spin_jump_loop)
    DISARM_TIMER

    /* ---- B: the timer interrupts a counting loop ---- */
    TEST_NUM(4)
    li s2, 0
    li s3, 0
    li s4, SPIN_BOUND
    ARM_TIMER(2 * TICKS_1MS)
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    RUN_IN(PRV_M, spin_count)
    CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_TIMER)
    DISARM_TIMER
    /* 5: mepc is in the loop; s6 = its index (0, 1, 2) */
    TEST_NUM(5)
    ld t5, trap_epc
    la t6, spin_count_loop
    sub s6, t5, t6
    srli s6, s6, 2
    andi t6, t5, 3
    bnez t6, fail
    li t6, 3
    bgeu s6, t6, fail
    /* 6: the counters agree with mepc: s3 = s2 unless mepc is the second
          addi, where s3 = s2 - 1 */
    TEST_NUM(6)
    sub t5, s2, s3
    li t6, 1
    bne s6, t6, 1f
    bne t5, t6, fail
    j 2f
1:  bnez t5, fail
    /* 7: minstret at the trap = at the csrr before the loop + 2 (csrr,
          csrsi) + the first addi s2 times + the second s3 times + the bne
          s2 times, less one unless mepc is the loop's start */
2:  TEST_NUM(7)
    add t5, s2, s3
    add t5, t5, s2
    addi t5, t5, 2
    beqz s6, 3f
    addi t5, t5, -1
3:  csrr t6, sscratch
    sub t6, t6, s5
    bne t6, t5, fail

    /* ---- C: hart 1's IPI interrupts `1: j 1b` ---- */
    TEST_NUM(8)
    li t0, MIP_MSIP
    csrw mie, t0
    li t0, 1
    fence rw, w
    sw t0, ipi_go, t1               /* hart 1 waits for this, then writes */
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    RUN_IN(PRV_M, spin_jump_ipi)
    CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_SOFT)
    TEST_NUM(9)
    CHECK_TRAP_EPC(spin_ipi_loop)
    TEST_NUM(10)
    li t0, CLINT_MSIP
    lw t1, 0(t0)
    CHECK(t1, 1)
    sw zero, 0(t0)
    TEST_NUM(11)
    li t3, 1000000                  /* mip.MSIP drops (bounded wait) */
4:  csrr t1, mip
    andi t1, t1, MIP_MSIP
    beqz t1, 5f
    addi t3, t3, -1
    bnez t3, 4b
    j fail
5:  csrw mie, zero
    la t0, m_trap_vector
    csrw mtvec, t0
    PASS

/* M-mode trap vector for this file: minstret first, then test.h's
   handler (which ends the run_mode). Clobbers only t6. */
    .align 2
timer_mtrap:
    csrr t6, minstret
    csrw sscratch, t6
    j m_trap_vector

/* the spin loops, entered through run_mode in M-mode (with MPIE clear:
   MIE must stay 0 until the csrsi, whatever an earlier trap left) */
    .option push
    .option norvc
spin_jump:
    csrsi mstatus, MSTATUS_MIE
spin_jump_loop:
    j spin_jump_loop

spin_count:
    csrr s5, minstret
    csrsi mstatus, MSTATUS_MIE
spin_count_loop:
    addi s2, s2, 1
    addi s3, s3, 1
    bne s2, s4, spin_count_loop
    ecall                           /* the bound: no interrupt came */

spin_jump_ipi:
    csrsi mstatus, MSTATUS_MIE
spin_ipi_loop:
    j spin_ipi_loop
    .option pop

/* hart 1 (any further hart parks): wait until hart 0 is about to spin,
   let it spin a moment, then raise its software interrupt */
    .globl hart_main
hart_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    call smp_checkin
    li t0, 1
    bne a0, t0, 1f
    la a0, ipi_go
    li a1, 1
    call smp_wait_w
    li a0, TICKS_1MS
    call smp_delay
    li t0, CLINT_MSIP               /* msip of hart 0 */
    li t1, 1
    sw t1, 0(t0)
1:  ld ra, 0(sp)
    addi sp, sp, 16
    ret

    .data
    .align 2
ipi_go: .word 0
