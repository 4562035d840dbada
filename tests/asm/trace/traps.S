/*
 * trace/traps.S - the program tests/trace.rs traces and logs.
 *
 * Not a self-checking test (tests/asm_suite.rs does not run it). In order
 * it takes one trap of each kind `--log` reports, all into one M-mode
 * handler that skips the trapping instruction:
 *
 *   ecall in M-mode                (int)
 *   unimp (csrrw zero,cycle,zero)  (int, unimp)
 *   load from 0x10_0000_0000       (int, guest_errors: nothing is there)
 *   mret into S-mode at s_code; two addi, then ecall from S (int)
 *   S-mode turns on Sv39 with an empty root table: the next fetch, at
 *   `fault`, page-faults (int, mmu) and the handler exits with code 0.
 *
 * Every instruction is 4 bytes (no RVC) so the tests can compute addresses
 * from the labels.
 */
#include "htif.h"
    .option norvc
    .option nopic

#define MSTATUS_MPP (3 << 11)
#define MSTATUS_MPP_S (1 << 11)
#define CAUSE_FETCH_PAGE 12

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la sp, _stack_top
    la t0, handler
    csrw mtvec, t0
    /* PMP: let S-mode reach all memory (NAPOT over everything, RWX). */
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0

    .globl m_ecall
m_ecall:
    ecall
    .globl m_unimp
m_unimp:
    unimp
    li t0, 1
    slli t0, t0, 36
    .globl m_bad_load
m_bad_load:
    ld t1, 0(t0)

    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPP_S
    csrs mstatus, t0
    la t0, s_code
    csrw mepc, t0
    mret

    .globl s_code
s_code:
    addi a1, a1, 1
    addi a1, a1, 1
    .globl s_ecall
s_ecall:
    ecall
    la t0, root_pt
    srli t0, t0, 12
    li t1, 8
    slli t1, t1, 60
    or t0, t0, t1
    csrw satp, t0
    .globl fault
fault:
    nop
    j fault

    .globl handler
    .align 2
handler:
    csrr t0, mcause
    li t1, CAUSE_FETCH_PAGE
    beq t0, t1, done
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret

done:
    li a0, 1            /* exit code 0: tohost = (0 << 1) | 1 */
    la t0, tohost
    sd a0, 0(t0)
1:  j 1b

    .bss
    .align 12
root_pt:
    .skip 4096

HTIF_MAILBOX
