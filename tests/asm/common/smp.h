/*
 * smp.h - helpers for programs that run several harts (include after
 * test.h; see "Several harts" there for how harts start and stop).
 *
 * Time is the CLINT's mtime (10 MHz on heron, QEMU's spike and virt) in
 * M-mode programs and the time CSR in S-mode ones (TEST_SMODE). Every wait
 * here is bounded: a hart that waits longer than SMP_TIMEOUT_TICKS for the
 * others prints "timed out" and fails with its current TESTNUM, well before
 * the harness's own --timeout, so a missing or stuck hart shows up as the
 * number of the check that was waiting for it.
 *
 * M-mode programs, who takes part:
 *   smp_gather   hart 0, once, first thing in test_main. Waits (up to
 *                SMP_TIMEOUT_TICKS) for a first other hart to check in, then
 *                until no new one has for SMP_SETTLE_TICKS, and closes the
 *                registration. Returns a0 = the mask of the harts that take
 *                part (bit h = hart h; bit 0, hart 0 itself, is always set)
 *                and a1 = their number, also kept in smp_mask / smp_nharts.
 *                One hart alone (a1 = 1) means no other hart ever started:
 *                programs fail then, since they would prove nothing.
 *                Clobbers t0-t5.
 *   smp_checkin  harts 1..63, first thing in hart_main (a0 = hartid, kept):
 *                registers the hart and waits until hart 0 has closed the
 *                registration. A hart that arrives after that (a host too
 *                busy to run it for SMP_SETTLE_TICKS after the others) never
 *                returns: it parks, its bit set in smp_late, and the test
 *                goes on with the harts that came. Clobbers t0-t5.
 *
 * Both modes:
 *   smp_barrier  wait until all smp_nharts harts have arrived
 *                (sense-reversing, amoadd-based; reusable at once).
 *                Clobbers t0-t5. S-mode programs, which start their harts
 *                themselves, store smp_nharts before the first use.
 *   smp_wait_w   wait until the word at a0 equals a1 (as lw returns it,
 *                i.e. sign-extended); smp_wait_d the same for a doubleword,
 *                smp_wait_ge_d until the doubleword is >= a1 (unsigned).
 *                Keep a0/a1; clobber t0-t5. Loads are followed by
 *                fence r, rw (acquire). They give up after
 *                SMP_TIMEOUT_TICKS, barriers after twice that, so that the
 *                hart that waits for something specific is the one that
 *                reports it.
 *   smp_delay    busy-wait a0 ticks. Clobbers t0-t2.
 *   check_eq     a0 = value, a1 = expected: returns (nothing clobbered)
 *                if they are equal, else prints both and fails with
 *                TESTNUM.
 *   READ_TIME(rd)  the current time into rd (rd only).
 *
 * Nothing here is taken from other test suites; it is written for heron
 * from the RISC-V ISA manuals.
 */
#ifndef HERON_SMP_H
#define HERON_SMP_H

#define TICKS_PER_MS      10000
#define SMP_SETTLE_TICKS  (200 * TICKS_PER_MS)   /* registration window */
#define SMP_TIMEOUT_TICKS (5000 * TICKS_PER_MS)  /* any wait for other harts */
#define SMP_BARRIER_TICKS (2 * SMP_TIMEOUT_TICKS)

#ifdef TEST_SMODE
#define READ_TIME(rd) rdtime rd
#else
#define READ_TIME(rd) li rd, CLINT_MTIME; ld rd, 0(rd)
#endif

    .text
#ifndef TEST_SMODE
    .globl smp_gather
smp_gather:
    la t0, smp_online
    READ_TIME(t2)               /* wait for a first other hart */
    li t5, SMP_TIMEOUT_TICKS
    add t2, t2, t5
4:  ld t1, 0(t0)
    bnez t1, 5f
    READ_TIME(t4)
    bltu t4, t2, 4b
5:  READ_TIME(t2)               /* t1 = the mask as last seen, t2 = when */
1:  ld t3, 0(t0)                /* it last changed */
    beq t3, t1, 2f
    mv t1, t3
    READ_TIME(t2)
2:  READ_TIME(t4)
    sub t4, t4, t2
    li t5, SMP_SETTLE_TICKS
    bltu t4, t5, 1b
    /* close: bit 0 tells harts that check in from now on they are late */
    li t3, 1
    amoor.d.aqrl t1, t3, (t0)
    ori a0, t1, 1
    li a1, 0                    /* a1 = number of bits in a0 */
    mv t1, a0
3:  andi t2, t1, 1
    add a1, a1, t2
    srli t1, t1, 1
    bnez t1, 3b
    sd a0, smp_mask, t0
    sw a1, smp_nharts, t0
    fence rw, w
    li t1, 1
    sw t1, smp_ready, t0
    ret

    .globl smp_checkin
smp_checkin:
    li t0, 1
    sll t0, t0, a0
    la t1, smp_online
    amoor.d.aqrl t2, t0, (t1)
    andi t2, t2, 1
    bnez t2, 1f
    addi sp, sp, -32
    sd ra, 0(sp)
    sd a0, 8(sp)
    sd a1, 16(sp)
    la a0, smp_ready
    li a1, 1
    call smp_wait_w
    ld ra, 0(sp)
    ld a0, 8(sp)
    ld a1, 16(sp)
    addi sp, sp, 32
    ret
1:  la t1, smp_late             /* too late: not counted, park */
    amoor.d zero, t0, (t1)
    j smp_park
#endif

    .globl smp_barrier
smp_barrier:
    la t0, smp_bar_count
    lw t1, 4(t0)                /* the generation this barrier completes */
    li t2, 1
    amoadd.w.aqrl t2, t2, (t0)  /* .rl: the lw above is done before */
    addi t2, t2, 1
    lw t3, smp_nharts
    bne t2, t3, 1f
    sw zero, 0(t0)              /* last one in: reset the count, then */
    addi t1, t1, 1              /* release the others */
    fence rw, w
    sw t1, 4(t0)
    ret
1:  READ_TIME(t4)
    li t5, SMP_BARRIER_TICKS
    add t4, t4, t5              /* t4 = deadline */
2:  li t3, 1024                 /* the time is read once every 1024 polls: */
4:  lw t2, 4(t0)                /* polls stay fast, so the harts leave the */
    bne t2, t1, 3f              /* barrier close together */
    addi t3, t3, -1
    bnez t3, 4b
    READ_TIME(t5)
    bltu t5, t4, 2b
    j smp_timeout
3:  fence r, rw
    ret

    .globl smp_wait_w, smp_wait_d, smp_wait_ge_d
smp_wait_w:
    READ_TIME(t4)
    li t5, SMP_TIMEOUT_TICKS
    add t4, t4, t5
1:  lw t0, 0(a0)
    beq t0, a1, 2f
    READ_TIME(t5)
    bltu t5, t4, 1b
    j smp_timeout
2:  fence r, rw
    ret
smp_wait_d:
    READ_TIME(t4)
    li t5, SMP_TIMEOUT_TICKS
    add t4, t4, t5
1:  ld t0, 0(a0)
    beq t0, a1, 2f
    READ_TIME(t5)
    bltu t5, t4, 1b
    j smp_timeout
2:  fence r, rw
    ret

smp_wait_ge_d:
    READ_TIME(t4)
    li t5, SMP_TIMEOUT_TICKS
    add t4, t4, t5
1:  ld t0, 0(a0)
    bgeu t0, a1, 2f
    READ_TIME(t5)
    bltu t5, t4, 1b
    j smp_timeout
2:  fence r, rw
    ret

    .globl smp_delay
smp_delay:
    READ_TIME(t0)
    add t0, t0, a0
1:  READ_TIME(t1)
    bltu t1, t0, 1b
    ret

    .globl check_eq
check_eq:
    bne a0, a1, 1f
    ret
1:  mv s7, a0
    mv s8, a1
    HARTID(s10)
#ifdef TEST_SMODE
    csrw satp, zero
    sfence.vma
#endif
    HART_STACK(s10, t0)
    call print_acquire
    la a0, msg_got
    call puts
    mv a0, s7
    call print_hex
    la a0, msg_expected
    call puts
    mv a0, s8
    call print_hex
    li a0, '\n'
    call putchar
    j fail_locked

/* A bounded wait expired: report it, then fail with the current TESTNUM. */
    .globl smp_timeout
smp_timeout:
    HARTID(s10)
#ifdef TEST_SMODE
    csrw satp, zero
    sfence.vma
#endif
    HART_STACK(s10, t0)
    call print_acquire
    la a0, msg_smp_timeout
    call puts
    mv a0, s10
    call print_dec
    la a0, msg_smp_timeout2
    call puts
    j fail_locked

    .section .rodata
msg_smp_timeout:  .asciz "heron-test: hart "
msg_smp_timeout2: .asciz " timed out waiting for another hart\n"
msg_got:          .asciz "heron-test: got "
msg_expected:     .asciz ", expected "

    .section .bss
    .align 6
    .globl smp_mask, smp_nharts, smp_late
smp_online:    .dword 0         /* bit h: hart h checked in; bit 0: closed */
smp_late:      .dword 0         /* harts that checked in after closing */
smp_mask:      .dword 0
smp_nharts:    .word 0
smp_ready:     .word 0
    .align 6
smp_bar_count: .word 0          /* arrivals at the current barrier */
smp_bar_gen:   .word 0          /* completed barriers */
    .align 6
    .text
#endif /* HERON_SMP_H */
