/*
 * gdb/target.S - the program tests/gdb.rs debugs with gdb-multiarch.
 *
 * Not a self-checking test (tests/asm_suite.rs does not run it): it gives
 * gdb a loop, a function symbol, data words to watch and change, and an
 * exit code that shows what gdb changed:
 *
 *   _start   calls bump(i) for i = 0..4; bump increments `counter`
 *   compute  a0 = counter (5), plus 100 if `magic` reads 0x1234
 *   exit     exits through HTIF with code a0 (5 when left alone)
 *   spin     an endless loop, reached only when gdb sets the pc there
 *
 * Every instruction is 4 bytes (no RVC) so the tests can compute addresses
 * from the labels. Everything runs in M-mode with paging off.
 */
#include "htif.h"
    .option norvc
    .option nopic

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la sp, _stack_top
    li s0, 0
loop:
    mv a0, s0
    call bump
    addi s0, s0, 1
    li t0, 5
    blt s0, t0, loop

    .globl compute
compute:
    la t1, counter
    lw a0, 0(t1)
    la t1, magic
    lw t0, 0(t1)
    li t1, 0x1234
    bne t0, t1, exit
    addi a0, a0, 100

    /* a0 = exit code */
    .globl exit
exit:
    slli a0, a0, 1
    ori a0, a0, 1
    la t0, tohost
    sd a0, 0(t0)
1:  j 1b

    .globl spin
spin:
    j spin

    /* bump(a0): counter += 1; returns the index it was given. */
    .globl bump
    .type bump, @function
bump:
    la t1, counter
    lw t0, 0(t1)
    .globl after_load
after_load:
    addi t0, t0, 1
    .globl store_counter
store_counter:
    sw t0, 0(t1)
    .globl after_store
after_store:
    ret
    .size bump, . - bump

    .data
    .align 3
    .globl counter
counter:
    .word 0
    .globl magic
magic:
    .word 0xdeadbeef, 0x11111111, 0x22222222, 0x33333333

HTIF_MAILBOX
