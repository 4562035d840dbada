/*
 * smp_fencei.S - code written by one hart runs on another after the
 * writer's data fence and the runner's fence.i (run with --smp 2, bare
 * metal).
 *
 * Hart 0 and one other hart (the lowest other hart that takes part; any
 * further harts park) take turns over ROUNDS rounds. In round r one of them
 * is the runner and the other the writer:
 *
 *   1. the runner executes fence.i (it may itself have written the code in
 *      the round before) and calls patch_fn WARM times: each call must
 *      return value(r - 1), so the code is decoded and, where an emulator
 *      caches decoded instructions, cached; then it sets `warm` = r;
 *   2. the writer waits for that, overwrites patch_fn's first instruction
 *      `li a0, value(r - 1)` with `li a0, value(r)`, executes fence rw, rw
 *      and sets `patched` = r;
 *   3. the runner waits for that, executes fence.i and calls patch_fn: it
 *      must return value(r).
 *
 * That is the recipe of the unprivileged ISA manual (Zifencei): the writing
 * hart's data fence orders the store before the flag, and the fence.i of the
 * hart that saw the flag makes the store visible to its instruction fetch.
 * The runner is hart 0 in odd rounds and the other hart in even rounds, so
 * each hart sees code it has cached replaced by the other, and code it wrote
 * itself after its own fence.i. Every round writes a new value, so a stale
 * decoded copy from any earlier round shows.
 *
 * Checks: 1 at least 2 harts; 2 hart 0, as the runner, sees value(r - 1)
 * before the change (3: the other hart); 4 hart 0 sees value(r) after the
 * other hart wrote it and hart 0 executed fence.i (5: the other hart, code
 * written by hart 0). A mismatch prints the value seen and the one
 * expected: value(r) = (37 r + 1) mod 2048 gives the round.
 */
#include "test.h"
#include "smp.h"

#define ROUNDS 100
#define WARM   200

/* reg = value(r) for r in `r`: the immediate of the patched li */
#define VALUE(reg, r) li reg, 37; mul reg, reg, r; addi reg, reg, 1; andi reg, reg, 0x7ff

    .text
    .globl test_main
test_main:
    call smp_gather
    TEST_NUM(1)
    li t0, 2
    bge a1, t0, 1f
    call print_acquire
    la a0, msg_one_hart
    call puts
    call print_release
    j fail
1:  li s0, 1                        /* s0 = round */
2:  andi t0, s0, 1
    mv a0, s0
    beqz t0, 3f
    call run_round                  /* odd: hart 0 runs */
    j 4f
3:  call write_round                /* even: hart 0 writes */
4:  addi s0, s0, 1
    li t0, ROUNDS
    bleu s0, t0, 2b
    la a0, partner_done             /* the partner's last check */
    li a1, 1
    call smp_wait_d
    PASS

    .globl hart_main
hart_main:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd s0, 8(sp)
    mv s0, a0
    call smp_checkin
    ld t0, smp_mask                 /* the partner: lowest hart after 0 */
    srli t0, t0, 1
    li t1, 1
5:  andi t2, t0, 1
    bnez t2, 6f
    srli t0, t0, 1
    addi t1, t1, 1
    j 5b
6:  bne t1, s0, 9f                  /* not the partner: park */
    li s0, 1
7:  andi t0, s0, 1
    mv a0, s0
    bnez t0, 8f
    call run_round                  /* even: the partner runs */
    j 10f
8:  call write_round                /* odd: the partner writes */
10: addi s0, s0, 1
    li t0, ROUNDS
    bleu s0, t0, 7b
    fence rw, w
    li t0, 1
    sd t0, partner_done, t1
9:  ld ra, 0(sp)
    ld s0, 8(sp)
    addi sp, sp, 16
    ret

/* run_round(a0 = r): this hart runs the code of round r. */
run_round:
    addi sp, sp, -32
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    sd s2, 24(sp)
    mv s0, a0
    csrr t0, mhartid                /* TESTNUM = 2 on hart 0, 3 elsewhere */
    snez t0, t0
    addi TESTNUM, t0, 2
    fence.i
    addi t0, s0, -1
    VALUE(s1, t0)
    li s2, WARM
1:  call patch_fn
    mv a1, s1
    call check_eq
    addi s2, s2, -1
    bnez s2, 1b
    fence rw, w
    sd s0, warm, t0
    addi TESTNUM, TESTNUM, 2        /* 4 on hart 0, 5 elsewhere */
    la a0, patched
    mv a1, s0
    call smp_wait_d
    fence.i
    VALUE(s1, s0)
    li s2, 10
2:  call patch_fn
    mv a1, s1
    call check_eq
    addi s2, s2, -1
    bnez s2, 2b
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    ld s2, 24(sp)
    addi sp, sp, 32
    ret

/* write_round(a0 = r): this hart rewrites the code in round r. */
write_round:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd s0, 8(sp)
    mv s0, a0
    csrr t0, mhartid                /* a timeout here belongs to the */
    seqz t0, t0                     /* runner's check: 3 if that is the */
    addi TESTNUM, t0, 2             /* other hart, 2 if hart 0 */
    la a0, warm
    mv a1, s0
    call smp_wait_d
    VALUE(t1, s0)                   /* addi a0, zero, value(r) */
    slli t1, t1, 20
    li t0, (10 << 7) | 0x13
    or t1, t1, t0
    la t0, patch_fn
    sw t1, 0(t0)
    fence rw, rw
    sd s0, patched, t0
    ld ra, 0(sp)
    ld s0, 8(sp)
    addi sp, sp, 16
    ret

    /* the code that is rewritten: value(0) = 1 at first */
    .option push
    .option norvc
    .align 2
patch_fn:
    addi a0, zero, 1
    ret
    .option pop

    .section .rodata
msg_one_hart: .asciz "heron-test: smp_fencei needs at least 2 harts (--smp 2)\n"

    .section .bss
    .align 6
warm:         .dword 0
    .align 6
patched:      .dword 0
    .align 6
partner_done: .dword 0
