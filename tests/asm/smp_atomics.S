/*
 * smp_atomics.S - the A extension is atomic across harts (run with --smp 4).
 *
 * Every hart that takes part (hart 0 counts them with smp_gather, so the
 * totals follow the --smp given) runs the same phases on shared words. Each
 * phase starts with a barrier, so that all harts hammer the same word at
 * once, and each hart keeps going for at least ITER iterations and at least
 * PHASE_TICKS (100 ms), so that the harts overlap however the host schedules
 * them (a few milliseconds of work per hart can otherwise run one hart after
 * the other). Each hart records how many iterations it did; the phases:
 *
 *   1. amoadd.w +1 on one word and amoadd.d +0x1_0000_0001 on one
 *      doubleword (the carry into the upper half is checked too);
 *   2. an lr.w / sc.w retry loop adding 1;
 *   3. an lr.d / sc.d retry loop adding 0x1_0000_0001;
 *   4. an amoswap.w.aq spinlock (released with amoswap.w.rl) around a plain
 *      ld / add / sd increment; inside it each hart also requires the owner
 *      word to be free, writes its own tag there and checks it is still
 *      there before leaving (mutual exclusion, seen directly);
 *   5. amoadd.w and lr.w / sc.w on the same word in one loop: another hart's
 *      AMO between an LR and its SC must make that SC fail, or updates are
 *      lost.
 *
 * Then hart 0 requires every total to be exactly the iterations of all
 * harts x the increment. If any of these were not atomic across harts,
 * updates would be lost and a total would come out short. Fewer than two
 * harts is a failure (check 1): the program proves nothing on one hart.
 *
 * Checks: 1 at least 2 harts; 2 amoadd.w total; 3 amoadd.d total; 4 lr.w/sc.w
 * total; 5 lr.d/sc.d total; 6 (on the hart that saw it) another hart inside
 * the lock; 7 the lock-protected total; 8 the mixed amoadd + lr/sc total.
 */
#include "test.h"
#include "smp.h"

#define ITER        100000          /* at least, per hart and phase */
#define CHUNK       1000            /* iterations between time checks */
#define PHASE_TICKS (100 * TICKS_PER_MS)
#define WIDE        0x100000001     /* the doubleword increment */
#define ZEXT32(r)   slli r, r, 32; srli r, r, 32  /* a word counter's value */

    .text
    .globl test_main
test_main:
    call smp_gather
    mv s9, a1                       /* s9 = number of harts */
    TEST_NUM(1)
    li t0, 2
    bge s9, t0, 1f
    call print_acquire
    la a0, msg_one_hart
    call puts
    call print_release
    j fail
1:  li a0, 0
    call worker

    TEST_NUM(2)
    lwu a0, cnt_amo_w
    la a2, done_amo
    call total
    ZEXT32(a1)
    call check_eq
    TEST_NUM(3)
    la a2, done_amo                 /* the same iterations, unmasked */
    call total
    ld a0, cnt_amo_d
    li t0, WIDE
    mul a1, a1, t0
    call check_eq
    TEST_NUM(4)
    lwu a0, cnt_lrsc_w
    la a2, done_lrsc_w
    call total
    ZEXT32(a1)
    call check_eq
    TEST_NUM(5)
    ld a0, cnt_lrsc_d
    la a2, done_lrsc_d
    call total
    li t0, WIDE
    mul a1, a1, t0
    call check_eq
    TEST_NUM(7)
    ld a0, cnt_locked
    la a2, done_locked
    call total
    call check_eq
    TEST_NUM(8)
    lwu a0, cnt_mixed
    la a2, done_mixed
    call total
    slli a1, a1, 1
    ZEXT32(a1)
    call check_eq
    PASS

/* total(a2 = per-hart iteration counts): a1 = their sum. Clobbers t0-t1. */
total:
    li a1, 0
    li t0, SMP_MAX_HARTS
1:  ld t1, 0(a2)
    add a1, a1, t1
    addi a2, a2, 8
    addi t0, t0, -1
    bnez t0, 1b
    ret

    .globl hart_main
hart_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    call smp_checkin
    call worker
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* worker(a0 = hartid): the five phases, then a last barrier. */
worker:
    addi sp, sp, -32
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    addi s0, a0, 1                  /* s0 = this hart's owner tag */

    /* 1: amoadd.w / amoadd.d */
    call phase_begin
    la a1, cnt_amo_w
    la a2, cnt_amo_d
    li a4, 1
    li a5, WIDE
1:  li a3, CHUNK
2:  amoadd.w zero, a4, (a1)
    amoadd.d zero, a5, (a2)
    addi a3, a3, -1
    bnez a3, 2b
    call phase_more
    bnez a0, 1b
    la a0, done_amo
    call phase_end

    /* 2: lr.w / sc.w */
    call phase_begin
    la a1, cnt_lrsc_w
1:  li a3, CHUNK
2:  lr.w t0, (a1)
    addiw t0, t0, 1
    sc.w t1, t0, (a1)
    bnez t1, 2b
    addi a3, a3, -1
    bnez a3, 2b
    call phase_more
    bnez a0, 1b
    la a0, done_lrsc_w
    call phase_end

    /* 3: lr.d / sc.d */
    call phase_begin
    la a1, cnt_lrsc_d
    li a5, WIDE
1:  li a3, CHUNK
2:  lr.d t0, (a1)
    add t0, t0, a5
    sc.d t1, t0, (a1)
    bnez t1, 2b
    addi a3, a3, -1
    bnez a3, 2b
    call phase_more
    bnez a0, 1b
    la a0, done_lrsc_d
    call phase_end

    /* 4: amoswap spinlock around a plain increment */
    call phase_begin
    TEST_NUM(6)
    la a1, lock
    la a2, cnt_locked
    la a4, owner
1:  li a3, CHUNK
2:  lw t1, 0(a1)                    /* wait until it looks free */
    bnez t1, 2b
    li t0, 1
    amoswap.w.aq t1, t0, (a1)
    bnez t1, 2b                     /* someone else got it */
    lw t2, 0(a4)                    /* nobody else is inside */
    bnez t2, 6f
    sw s0, 0(a4)
    ld t2, 0(a2)
    addi t2, t2, 1
    li t3, 8                        /* some work inside the lock: without */
3:  addi t3, t3, -1                 /* mutual exclusion harts would meet */
    bnez t3, 3b                     /* here at once */
    sd t2, 0(a2)
    lw t2, 0(a4)
    bne t2, s0, 6f
    sw zero, 0(a4)
    amoswap.w.rl zero, zero, (a1)
    addi a3, a3, -1
    bnez a3, 2b
    call phase_more
    bnez a0, 1b
    la a0, done_locked
    call phase_end

    /* 5: amoadd and lr/sc on one word */
    call phase_begin
    la a1, cnt_mixed
    li a4, 1
1:  li a3, CHUNK
2:  amoadd.w zero, a4, (a1)
3:  lr.w t0, (a1)
    addiw t0, t0, 1
    sc.w t1, t0, (a1)
    bnez t1, 3b
    addi a3, a3, -1
    bnez a3, 2b
    call phase_more
    bnez a0, 1b
    la a0, done_mixed
    call phase_end

    call smp_barrier                /* everyone is done */
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    addi sp, sp, 32
    ret

6:  addi s1, t2, -1                 /* mutual exclusion broken */
    call print_acquire
    la a0, msg_owner
    call puts
    mv a0, s1
    call print_dec
    la a0, msg_owner2
    call puts
    li a0, '\n'
    call putchar
    call print_release
    j fail

/* phase_begin: the barrier that starts a phase; a6 = when this hart may
   stop, s1 = 0 iterations so far. Clobbers t0-t5. */
phase_begin:
    addi sp, sp, -16
    sd ra, 0(sp)
    call smp_barrier
    READ_TIME(a6)
    li t0, PHASE_TICKS
    add a6, a6, t0
    li s1, 0
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* phase_more: one more chunk done; a0 = 1 while the phase goes on (fewer
   than ITER iterations so far, or before the deadline). Clobbers t0. */
phase_more:
    li t0, CHUNK
    add s1, s1, t0
    li a0, 1
    li t0, ITER
    bltu s1, t0, 1f
    READ_TIME(t0)
    sltu a0, t0, a6
1:  ret

/* phase_end(a0 = per-hart counts): this hart's count (s1) into its slot. */
phase_end:
    addi t0, s0, -1
    slli t0, t0, 3
    add a0, a0, t0
    sd s1, 0(a0)
    ret

    .section .rodata
msg_one_hart: .asciz "heron-test: smp_atomics needs at least 2 harts (--smp 4)\n"
msg_owner:    .asciz "heron-test: two harts inside the lock: hart "
msg_owner2:   .asciz " was there too"

    /* each counter in its own 64-byte block */
    .section .bss
    .align 6
cnt_amo_w:  .word 0
    .align 6
cnt_amo_d:  .dword 0
    .align 6
cnt_lrsc_w: .word 0
    .align 6
cnt_lrsc_d: .dword 0
    .align 6
lock:       .word 0
    .align 6
owner:      .word 0
    .align 6
cnt_locked: .dword 0
    .align 6
cnt_mixed:  .word 0
    .align 6
    /* iterations done by each hart, per phase */
done_amo:    .space 8 * SMP_MAX_HARTS
done_lrsc_w: .space 8 * SMP_MAX_HARTS
done_lrsc_d: .space 8 * SMP_MAX_HARTS
done_locked: .space 8 * SMP_MAX_HARTS
done_mixed:  .space 8 * SMP_MAX_HARTS
