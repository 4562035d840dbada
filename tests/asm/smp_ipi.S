/*
 * smp_ipi.S - machine software interrupts between harts through the CLINT's
 * msip registers, and each hart's own mtimecmp (run with --smp 4, bare
 * metal, M-mode).
 *
 * The CLINT is as on QEMU's virt and spike machines: msip[h] at
 * 0x0200_0000 + 4h, mtimecmp[h] at 0x0200_4000 + 8h, mtime at 0x0200_bff8.
 * Every hart that takes part (smp_gather) uses one M-mode handler, which
 * counts per hart: for a software interrupt (mcause = interrupt 3) it
 * clears its own msip and reads it back, for a timer interrupt (mcause =
 * interrupt 7) it records mtime and disarms its own mtimecmp. Anything
 * else there is an unexpected trap.
 *
 *   A. hart 0 -> each other hart, several rounds, targets running with
 *      mstatus.MIE = 1 and mie.MSIE = 1: the target takes exactly one
 *      interrupt per msip write, with mcause = interrupt 3, and its msip
 *      reads 0 afterwards; no other hart is disturbed (hart 0's own
 *      mip.MSIP stays clear).
 *   B. the reverse: each other hart in turn writes msip[0]; hart 0 takes
 *      exactly one interrupt per write.
 *   C. wfi with mstatus.MIE = 0 but mie.MSIE = 1: each target sleeps in a
 *      wfi loop; hart 0 writes its msip (after a short delay, so the target
 *      is really asleep). wfi must wake up on the pending interrupt; no trap
 *      is taken (MIE = 0); the target sees mip.MSIP, clears msip, and
 *      mip.MSIP drops.
 *   D. every hart arms its own mtimecmp for a different time (hart h at
 *      base + (h + 1) * 10 ms) and sleeps in wfi (MTIE = 1; MIE = 0 in the
 *      wfi, then 1 for a moment to take the interrupt).
 *      Each must get exactly one timer interrupt, on itself, no earlier than
 *      its own deadline: one compare register shared by all harts, or MTIP
 *      raised on the wrong hart, makes a hart fire early or never.
 *
 * Checks: 1 at least 2 harts; 2 the target of a hart 0 msip took the
 * interrupt (bounded wait); 3 its mcause; 4 its msip is 0 afterwards; 5
 * exactly ROUNDS interrupts per target and none on hart 0; 6 hart 0 took
 * the interrupt from hart h; 7 hart 0's mcause; 8 msip[0] is 0 and hart 0
 * counted exactly one per sender; 9 the target reached its wfi loop; 10 the
 * target woke up; 11 (target) no trap with MIE = 0; 12 (target) mip.MSIP
 * drops once msip is cleared; 13 the target's msip is 0; 14 (each hart) its
 * timer interrupt came; 15 (each hart) not before its deadline; 16 hart 0:
 * exactly one timer interrupt per hart, and every mtimecmp disarmed.
 */
#include "test.h"
#include "smp.h"

#define ROUNDS     3
#define TIMER_LEAD (20 * TICKS_PER_MS)   /* from the barrier to the base */
#define TIMER_STEP (10 * TICKS_PER_MS)   /* between two harts' deadlines */

/* reg = the address of this hart's slot (hartid * 8) in `array` */
#define SLOT(reg, array, tmp) \
    csrr tmp, mhartid; slli tmp, tmp, 3; la reg, array; add reg, reg, tmp
/* reg = the address of hart `id`'s msip / mtimecmp */
#define MSIP_OF(reg, id) slli reg, id, 2; li t6, CLINT_MSIP; add reg, reg, t6
#define MTIMECMP_OF(reg, id) slli reg, id, 3; li t6, CLINT_MTIMECMP; add reg, reg, t6

    .text
    .globl test_main
test_main:
    call smp_gather
    mv s9, a0                       /* s9 = mask of the harts */
    TEST_NUM(1)
    li t0, 2
    bge a1, t0, 1f
    call print_acquire
    la a0, msg_one_hart
    call puts
    call print_release
    j fail
1:  call install_handler
    call smp_barrier                /* B1: every handler is installed */

    /* ---- A: hart 0 -> each other hart ---- */
    li s1, 1                        /* s1 = round */
2:  li s2, 1                        /* s2 = target hart */
3:  srl t0, s9, s2
    andi t0, t0, 1
    beqz t0, 4f
    TEST_NUM(2)
    MSIP_OF(s3, s2)
    li t0, 1
    sw t0, 0(s3)
    slli t0, s2, 3
    la a0, msi_count
    add a0, a0, t0
    mv a1, s1
    call smp_wait_ge_d              /* exactly: check 5 */
    TEST_NUM(3)
    slli t0, s2, 3
    la a0, msi_cause
    add a0, a0, t0
    ld a0, 0(a0)
    li a1, CAUSE_INTR | IRQ_M_SOFT
    call check_eq
    TEST_NUM(4)
    lw a0, 0(s3)
    li a1, 0
    call check_eq
4:  addi s2, s2, 1
    li t0, SMP_MAX_HARTS
    bltu s2, t0, 3b
    addi s1, s1, 1
    li t0, ROUNDS
    bleu s1, t0, 2b
    /* 5: no second interrupt arrives later, none on any other hart */
    TEST_NUM(5)
    li a0, 10 * TICKS_PER_MS
    call smp_delay
    li s2, 1
5:  srl t0, s9, s2
    andi t0, t0, 1
    beqz t0, 6f
    slli t0, s2, 3
    la a0, msi_count
    add a0, a0, t0
    ld a0, 0(a0)
    li a1, ROUNDS
    call check_eq
6:  addi s2, s2, 1
    li t0, SMP_MAX_HARTS
    bltu s2, t0, 5b
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    li a1, 0
    call check_eq
    ld a0, msi_count
    call check_eq
    call smp_barrier                /* B2 */

    /* ---- B: each other hart -> hart 0 ---- */
    li t0, MIP_MSIP
    csrw mie, t0
    csrsi mstatus, MSTATUS_MIE
    li s1, 0                        /* s1 = interrupts expected so far */
    li s2, 1
7:  srl t0, s9, s2
    andi t0, t0, 1
    beqz t0, 8f
    addi s1, s1, 1
    TEST_NUM(6)
    fence rw, w
    sd s2, turn, t0                 /* hart s2 writes msip[0] now */
    la a0, msi_count
    mv a1, s1
    call smp_wait_ge_d              /* exactly: check 8 */
    TEST_NUM(7)
    ld a0, msi_cause
    li a1, CAUSE_INTR | IRQ_M_SOFT
    call check_eq
8:  addi s2, s2, 1
    li t0, SMP_MAX_HARTS
    bltu s2, t0, 7b
    TEST_NUM(8)
    li a0, 10 * TICKS_PER_MS
    call smp_delay
    li t0, CLINT_MSIP
    lw a0, 0(t0)
    li a1, 0
    call check_eq
    ld a0, msi_count
    mv a1, s1
    call check_eq
    csrci mstatus, MSTATUS_MIE
    csrw mie, zero
    li t0, -1
    sd t0, turn, t1
    call smp_barrier                /* B3 */

    /* ---- C: wake each other hart from wfi with MIE = 0 ---- */
    li s2, 1
9:  srl t0, s9, s2
    andi t0, t0, 1
    beqz t0, 10f
    slli s4, s2, 3
    TEST_NUM(9)
    la a0, wfi_ready
    add a0, a0, s4
    li a1, 1
    call smp_wait_d
    li a0, 5 * TICKS_PER_MS         /* let it fall asleep */
    call smp_delay
    MSIP_OF(s3, s2)
    li t0, 1
    sw t0, 0(s3)
    TEST_NUM(10)
    la a0, wfi_done
    add a0, a0, s4
    li a1, 1
    call smp_wait_d
    TEST_NUM(13)
    lw a0, 0(s3)
    li a1, 0
    call check_eq
10: addi s2, s2, 1
    li t0, SMP_MAX_HARTS
    bltu s2, t0, 9b
    READ_TIME(t0)
    li t1, TIMER_LEAD
    add t0, t0, t1
    sd t0, timer_base, t1
    call smp_barrier                /* B4 */

    /* ---- D: per-hart timers ---- */
    call own_timer
    li TESTNUM, 14                  /* waiting for the others' timers */
    call smp_barrier                /* B5: every hart is done */
    li s2, 0
11: srl t0, s9, s2
    andi t0, t0, 1
    beqz t0, 12f
    slli s4, s2, 3
    TEST_NUM(16)
    la a0, mti_count
    add a0, a0, s4
    ld a0, 0(a0)
    li a1, 1
    call check_eq
    la a0, mti_time
    add a0, a0, s4
    ld a0, 0(a0)
    la a1, mti_deadline
    add a1, a1, s4
    ld a1, 0(a1)
    bltu a0, a1, fail
    MTIMECMP_OF(t0, s2)
    ld a0, 0(t0)
    li a1, -1
    call check_eq
12: addi s2, s2, 1
    li t0, SMP_MAX_HARTS
    bltu s2, t0, 11b
    PASS

/* ---- the other harts ---- */
    .globl hart_main
hart_main:
    mv s0, a0                       /* s0 = hartid */
    slli s5, a0, 3                  /* s5 = its slot offset */
    call smp_checkin
    call install_handler
    li t0, MIP_MSIP                 /* A: take software interrupts */
    csrw mie, t0
    csrsi mstatus, MSTATUS_MIE
    li TESTNUM, 2                   /* (a wait that times out here fails */
    call smp_barrier                /* with the check hart 0 is in) */
    call smp_barrier                /* B2: A happens meanwhile */
    csrci mstatus, MSTATUS_MIE
    csrw mie, zero

    /* B: wait for this hart's turn, then interrupt hart 0 */
    li TESTNUM, 6
    la a0, turn
    mv a1, s0
    call smp_wait_d
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    call smp_barrier                /* B3 */

    /* C: sleep with MIE = 0, MSIE = 1 until hart 0 writes our msip */
    li TESTNUM, 10
    csrci mstatus, MSTATUS_MIE
    li t0, MIP_MSIP
    csrw mie, t0
    fence rw, w
    la t0, wfi_ready
    add t0, t0, s5
    li t1, 1
    sd t1, 0(t0)
    SLOT(s6, msi_count, t0)
1:  wfi
    csrr t0, mip
    andi t0, t0, MIP_MSIP
    bnez t0, 2f
    ld t0, 0(s6)                    /* a trap was taken after all */
    li t1, ROUNDS
    beq t0, t1, 1b
2:  TEST_NUM(11)
    la a0, msi_count                /* MIE = 0: no trap was taken */
    add a0, a0, s5
    ld a0, 0(a0)
    li a1, ROUNDS
    call check_eq
    TEST_NUM(12)
    MSIP_OF(t0, s0)
    sw zero, 0(t0)
    lw zero, 0(t0)
    READ_TIME(t2)
    li t3, SMP_TIMEOUT_TICKS
    add t2, t2, t3
3:  csrr t0, mip
    andi t0, t0, MIP_MSIP
    beqz t0, 4f
    READ_TIME(t3)
    bltu t3, t2, 3b
    j fail
4:  csrw mie, zero
    fence rw, w
    la t0, wfi_done
    add t0, t0, s5
    li t1, 1
    sd t1, 0(t0)
    call smp_barrier                /* B4 */

    /* D: per-hart timers */
    call own_timer
    li TESTNUM, 14
    call smp_barrier                /* B5 */
    ret

/* install_handler: ipi_vector with mscratch = this hart's save area; all
   interrupt enables off. Clobbers t0-t1. */
install_handler:
    csrw mie, zero
    csrci mstatus, MSTATUS_MIE
    csrr t0, mhartid
    slli t0, t0, 5
    la t1, save_area
    add t1, t1, t0
    csrw mscratch, t1
    la t0, ipi_vector
    csrw mtvec, t0
    ret

/* own_timer: arm this hart's mtimecmp for timer_base + (hartid + 1) *
   TIMER_STEP, wait in wfi with MIE = 1 until its interrupt came, check it
   was not early. */
own_timer:
    addi sp, sp, -16
    sd ra, 0(sp)
    TEST_NUM(14)
    csrr t0, mhartid
    addi t1, t0, 1
    li t2, TIMER_STEP
    mul t1, t1, t2
    ld t2, timer_base
    add s6, t1, t2                  /* s6 = the deadline */
    SLOT(t1, mti_deadline, t2)
    sd s6, 0(t1)
    MTIMECMP_OF(t1, t0)
    sd s6, 0(t1)
    li t0, MIP_MTIP
    csrw mie, t0
    li t2, SMP_TIMEOUT_TICKS
    add s7, s6, t2                  /* give up then */
    SLOT(s8, mti_count, t0)
    /* Sleep with MIE = 0 and take the interrupt with MIE = 1 between two
       sleeps: a hart that took it just before a wfi would sleep for good. */
1:  ld t0, 0(s8)
    bnez t0, 2f
    READ_TIME(t0)
    bgeu t0, s7, fail
    wfi
    csrsi mstatus, MSTATUS_MIE
    csrci mstatus, MSTATUS_MIE
    j 1b
2:  csrw mie, zero
    TEST_NUM(15)
    SLOT(t0, mti_time, t1)
    ld t0, 0(t0)
    bltu t0, s6, fail
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* The M-mode handler of every hart in this program. mscratch = the hart's
   save area (t0-t3). */
    .align 2
ipi_vector:
    csrrw t0, mscratch, t0
    sd t1, 0(t0)
    sd t2, 8(t0)
    sd t3, 16(t0)
    csrr t1, mhartid
    slli t1, t1, 3                  /* t1 = slot offset */
    csrr t2, mcause
    li t3, CAUSE_INTR | IRQ_M_SOFT
    beq t2, t3, 1f
    li t3, CAUSE_INTR | IRQ_M_TIMER
    beq t2, t3, 2f
    csrr s7, mcause                 /* anything else is unexpected */
    csrr s8, mepc
    csrr s9, mtval
    j report_trap
1:  la t3, msi_cause
    add t3, t3, t1
    sd t2, 0(t3)
    srli t2, t1, 1                  /* clear our own msip, read it back */
    li t3, CLINT_MSIP
    add t3, t3, t2
    sw zero, 0(t3)
    lw zero, 0(t3)
    la t3, msi_count
    j 3f
2:  li t2, CLINT_MTIME
    ld t2, 0(t2)
    la t3, mti_time
    add t3, t3, t1
    sd t2, 0(t3)
    li t3, CLINT_MTIMECMP           /* disarm our own timer */
    add t3, t3, t1
    li t2, -1
    sd t2, 0(t3)
    la t3, mti_count
3:  add t3, t3, t1                  /* count it */
    ld t2, 0(t3)
    addi t2, t2, 1
    sd t2, 0(t3)
    ld t1, 0(t0)
    ld t2, 8(t0)
    ld t3, 16(t0)
    csrrw t0, mscratch, t0
    mret

    .section .rodata
msg_one_hart: .asciz "heron-test: smp_ipi needs at least 2 harts (--smp 4)\n"

    .section .bss
    .align 6
turn:         .dword 0
    .align 6
timer_base:   .dword 0
    .align 6
    /* per hart, indexed by hartid */
msi_count:    .space 8 * SMP_MAX_HARTS
msi_cause:    .space 8 * SMP_MAX_HARTS
mti_count:    .space 8 * SMP_MAX_HARTS
mti_time:     .space 8 * SMP_MAX_HARTS
mti_deadline: .space 8 * SMP_MAX_HARTS
wfi_ready:    .space 8 * SMP_MAX_HARTS
wfi_done:     .space 8 * SMP_MAX_HARTS
save_area:    .space 32 * SMP_MAX_HARTS
