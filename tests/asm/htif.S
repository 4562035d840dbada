/*
 * htif.S - HTIF console and exit.
 *
 * Prints a fixed line through the HTIF console protocol (tohost =
 * device 1 / command 1 / byte, wait for fromhost != 0, clear fromhost) and
 * then passes. tests/asm_suite.rs checks that stdout is exactly that line,
 * so this is the one test that fails if console output is lost, duplicated
 * or reordered. Every other test only needs the exit path.
 */
#include "test.h"

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1: fromhost must read 0 before any command was sent */
    TEST_NUM(1)
    ld a0, fromhost
    CHECK(a0, 0)

    /* 2: print the line; every byte must be acknowledged through fromhost
       (putchar gives up after a bounded wait, so count acknowledgements) */
    TEST_NUM(2)
    la s0, hello
    li s1, 0                /* bytes acknowledged */
1:  lbu s2, 0(s0)
    beqz s2, 3f
    la t0, tohost
    li t1, HTIF_CONSOLE_PUTC
    or t1, t1, s2
    sd t1, 0(t0)
    li t2, 1000000
2:  ld t1, 8(t0)
    bnez t1, 4f
    addi t2, t2, -1
    bnez t2, 2b
    j fail                  /* no acknowledgement */
4:  sd zero, 8(t0)
    addi s1, s1, 1
    addi s0, s0, 1
    j 1b
3:  CHECK(s1, 13)

    /* 3: after the acknowledgement was consumed, fromhost reads 0 again */
    TEST_NUM(3)
    ld a0, fromhost
    CHECK(a0, 0)

    ld ra, 0(sp)
    addi sp, sp, 16
    ret

    .section .rodata
hello: .asciz "hello, heron\n"
