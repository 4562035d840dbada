/*
 * timer.S - the CLINT machine timer and wfi.
 *
 * Checks: mtime advances and the time CSR reads the same counter; MTIP is
 * clear while mtime < mtimecmp, becomes set once mtime >= mtimecmp and
 * clears again when mtimecmp moves into the future; a pending, enabled MTI
 * is taken (mcause = interrupt | 7) from a spin loop; wfi stalls until the
 * timer fires and the interrupt is then taken with mepc after the wfi (or
 * before it, if the guest was stalled past the deadline first); wfi
 * also wakes with mstatus.MIE = 0 (it only needs the mie bit) and execution
 * simply continues; 32-bit halves of mtimecmp work; an S-mode timer
 * interrupt raised by M through mip.STIP is delegated to S.
 *
 * The time CSR does not exist on QEMU's spike machine, so this file was
 * validated on QEMU's virt machine (same CLINT, see QEMU_VIRT in test.h).
 */
#include "test.h"

#define TICKS_1MS 10000              /* 10 MHz timebase */
/* a0 = mtime */
#define READ_MTIME li t4, CLINT_MTIME; ld a0, 0(t4)
/* mtimecmp = mtime + delta */
#define ARM_TIMER(delta) READ_MTIME; li t4, delta; add a0, a0, t4; li t4, CLINT_MTIMECMP; sd a0, 0(t4)
#define DISARM_TIMER li t4, CLINT_MTIMECMP; li a0, -1; sd a0, 0(t4)

    .text
    .globl test_main
test_main:
    csrw mie, zero
    DISARM_TIMER

    /* 1: mtime advances */
    TEST_NUM(1)
    READ_MTIME
    mv s2, a0
    li t3, 100000
1:  addi t3, t3, -1
    bnez t3, 1b
    READ_MTIME
    bleu a0, s2, fail
    /* 2: the time CSR reads mtime */
    TEST_NUM(2)
    READ_MTIME
    mv s2, a0
    csrr s3, time
    READ_MTIME
    bltu s3, s2, fail
    bltu a0, s3, fail
    /* 3: MTIP is clear with mtimecmp in the future */
    TEST_NUM(3)
    ARM_TIMER(TICKS_1MS * 100)
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK(a0, 0)
    /* 4: MTIP becomes set once mtime reaches mtimecmp, not before */
    TEST_NUM(4)
    ARM_TIMER(TICKS_1MS)
    mv s2, a0                          /* the compare value */
    li t3, 50000000                    /* bounded wait */
2:  csrr a1, mip
    andi a1, a1, MIP_MTIP
    bnez a1, 3f
    addi t3, t3, -1
    bnez t3, 2b
    j fail                             /* never fired */
3:  READ_MTIME
    bltu a0, s2, fail                  /* fired early */
    /* 5: moving mtimecmp into the future clears MTIP */
    TEST_NUM(5)
    ARM_TIMER(TICKS_1MS * 100)
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK(a0, 0)
    /* 6: writing mtimecmp as two 32-bit halves */
    TEST_NUM(6)
    li t4, CLINT_MTIMECMP
    li a1, -1
    sw a1, 4(t4)                       /* high first: no spurious match */
    sw zero, 0(t4)
    ld a0, 0(t4)
    CHECK(a0, 0xffffffff00000000)
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK(a0, 0)
    sw zero, 4(t4)                     /* now 0: pending */
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK(a0, MIP_MTIP)
    DISARM_TIMER

    /* 7: the timer interrupt is taken from a spin loop */
    TEST_NUM(7)
    li a2, MIP_MTIP
    csrw mie, a2
    ARM_TIMER(TICKS_1MS)
    RUN_IN(PRV_M, enable_mie_and_spin)
    CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_TIMER)
    ld t5, trap_epc
    la t6, spin_loop
    blt t5, t6, fail
    la t6, spin_loop_end
    bgt t5, t6, fail
    DISARM_TIMER
    /* 8: wfi waits for the timer; the interrupt is taken after the wfi */
    TEST_NUM(8)
    ARM_TIMER(TICKS_1MS)
    mv s2, a0
    RUN_IN(PRV_M, enable_mie_and_wfi)
    CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_M_TIMER)
    /* mepc is after the wfi; or at or before it (from the entry on), if
       the 1 ms passed before the wfi ran (a host that stalled the guest: a
       busy machine, or a JIT compiling each new block on the hart's
       thread). Early out of the wfi would leave mepc in the wait loop
       after it. */
    ld t5, trap_epc
    la t6, after_wfi
    bgtu t5, t6, fail
    la t6, enable_mie_and_wfi
    bltu t5, t6, fail
    READ_MTIME
    bltu a0, s2, fail
    DISARM_TIMER
    /* 9: wfi with MIE = 0 wakes on a pending mie-enabled interrupt and just
          continues (no trap: an unexpected trap would fail the test) */
    TEST_NUM(9)
    li a2, MSTATUS_MIE
    csrc mstatus, a2
    ARM_TIMER(TICKS_1MS)
    mv s2, a0
    wfi
    li t3, 50000000                    /* wfi may also return early: wait */
4:  csrr a1, mip
    andi a1, a1, MIP_MTIP
    bnez a1, 5f
    addi t3, t3, -1
    bnez t3, 4b
    j fail
5:  READ_MTIME
    bltu a0, s2, fail
    DISARM_TIMER
    csrw mie, zero

    /* 10: S timer interrupt, raised by M through mip.STIP, delegated to S */
    TEST_NUM(10)
    csrw menvcfg, zero                 /* STIP is M-writable without Sstc */
    la a2, s_handler
    csrw stvec, a2
    li a2, MIP_STIP
    csrw mideleg, a2
    csrw mie, a2
    csrs mip, a2
    RUN_IN(PRV_S, enable_sie_and_spin)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)    /* from the S handler */
    ld a0, s_cause
    CHECK(a0, CAUSE_INTR | IRQ_S_TIMER)
    li a2, MIP_STIP
    csrc mip, a2
    csrw mideleg, zero
    csrw mie, zero
    PASS

enable_mie_and_spin:
    csrsi mstatus, MSTATUS_MIE
spin_loop:
    li t3, 50000000
1:  addi t3, t3, -1
    bnez t3, 1b
spin_loop_end:
    ecall
enable_mie_and_wfi:
    csrsi mstatus, MSTATUS_MIE
    wfi
after_wfi:
    /* wfi may return before the interrupt: keep waiting for it here */
    li t3, 50000000
1:  addi t3, t3, -1
    bnez t3, 1b
    ecall
enable_sie_and_spin:
    csrsi sstatus, MSTATUS_SIE
    li t3, 50000000
1:  addi t3, t3, -1
    bnez t3, 1b
    ecall

    .align 2
s_handler:
    csrr t0, scause
    sd t0, s_cause, t1
    ecall

    .bss
    .align 3
s_cause: .dword 0
