/*
 * gdb/smp.S - the program tests/gdb_smp.rs debugs with gdb-multiarch on
 * two harts (heron --smp 2, no firmware: both harts start at _start in
 * M-mode).
 *
 * Not a self-checking test (tests/asm_suite.rs does not run it): each hart
 * shows who it is in its registers and runs code of its own, so that gdb's
 * threads can be told apart:
 *
 *   every hart   a0 = mhartid, s1 = 0x1000 + mhartid
 *   hart 1       hart_loop_1: counts `count` up to 3, sets `done`, parks
 *                (hart_park_1)
 *   hart 0       hart_loop_0: waits for `done`, then exits through HTIF
 *                with code count + s2 (3 when left alone; s2 starts at 0
 *                and only gdb changes it)
 *   other harts  park at once
 *
 * Every instruction is 4 bytes (no RVC) so the tests can compute addresses
 * from the labels.
 */
#include "htif.h"
    .option norvc
    .option nopic

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    csrr a0, mhartid
    li s1, 0x1000
    add s1, s1, a0
    li s2, 0
    beqz a0, hart_loop_0
    li t0, 1
    beq a0, t0, hart_loop_1
park:
    j park

    .globl hart_loop_0
hart_loop_0:
    lw t0, done
    beqz t0, hart_loop_0
    lw a0, count
    add a0, a0, s2
    slli a0, a0, 1
    ori a0, a0, 1
    la t0, tohost
    sd a0, 0(t0)
1:  j 1b

    .globl hart_loop_1
hart_loop_1:
    la t1, count
    lw t0, 0(t1)
    addi t0, t0, 1
    .globl store_count
store_count:
    sw t0, 0(t1)
    li t2, 3
    blt t0, t2, hart_loop_1
    li t0, 1
    sw t0, done, t1
    .globl hart_park_1
hart_park_1:
    j hart_park_1

    .data
    .align 3
    .globl count
count:
    .word 0
    .globl done
done:
    .word 0

HTIF_MAILBOX
