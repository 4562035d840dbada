/*
 * gdb/hot.S - the program tests/gdb.rs uses to show that a hart under gdb
 * goes back to translated code once nothing is armed, and that a
 * breakpoint armed afterwards still stops at its exact instruction.
 *
 * Not a self-checking test (tests/asm_suite.rs does not run it):
 *
 *   _start     runs hot_loop ITERATIONS times: s0 counts 1..ITERATIONS,
 *              s1 sums the counts; loop_mark is inside the loop
 *   then       prints "hot" and a newline on the HTIF console: the sign
 *              that the loop is done and the hart waits
 *   wait_loop  spins until `go` is nonzero (gdb sets it), counting the
 *              spins in s5; in_wait is inside the loop, after the load
 *   target     the instruction after the wait (the last breakpoint)
 *   exits      with code 7 if s1 holds the sum of 1..ITERATIONS, else 1
 *
 * Every instruction is 4 bytes (no RVC) so the tests can compute addresses
 * from the labels. Everything runs in M-mode with paging off.
 */
#include "htif.h"
    .option norvc
    .option nopic

    .equ ITERATIONS, 20000
    /* HTIF console: device 1, command 1 (write the byte in the payload). */
    .equ HTIF_PUTC, (1 << 56) | (1 << 48)

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la sp, _stack_top
    li s0, 0
    li s1, 0
    li s3, ITERATIONS
    .globl hot_loop
hot_loop:
    addi s0, s0, 1
    .globl loop_mark
loop_mark:
    add s1, s1, s0
    blt s0, s3, hot_loop

    la s4, hot_msg
print:
    lbu a0, 0(s4)
    beqz a0, wait
    call putchar
    addi s4, s4, 1
    j print

wait:
    la t1, go
    .globl wait_loop
wait_loop:
    lw t0, 0(t1)
    /* In the middle of the loop's block: a breakpoint gdb inserts here
       while the loop runs translated must still stop here. */
    .globl in_wait
in_wait:
    addi s5, s5, 1
    beqz t0, wait_loop

    .globl target
target:
    li t0, ITERATIONS * (ITERATIONS + 1) / 2
    li a0, 7
    beq s1, t0, exit
    li a0, 1

    /* a0 = exit code */
exit:
    slli a0, a0, 1
    ori a0, a0, 1
    la t0, tohost
    sd a0, 0(t0)
1:  j 1b

    /* putchar(a0): one byte to the HTIF console; waits until heron took
       the command (it clears tohost). */
putchar:
    li t0, HTIF_PUTC
    or t0, t0, a0
    la t2, tohost
    sd t0, 0(t2)
1:  ld t0, 0(t2)
    bnez t0, 1b
    ret

    .section .rodata
hot_msg:
    .asciz "hot\n"

    .data
    .align 3
    .globl go
go:
    .word 0

HTIF_MAILBOX
