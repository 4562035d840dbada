/*
 * kvm/uart_irq.S - an external interrupt reaching a KVM vCPU: the UART's
 * receive interrupt through heron's PLIC (in user space), which drives
 * the vCPU's external interrupt line with KVM_INTERRUPT. The program
 * enables UART source 10 for hart 0's S context, prints "uart-irq: ready",
 * and waits in wfi; the host feeds a byte to the UART (heron's stdin).
 * The handler claims the source, reads the byte, completes, prints
 * "uart-irq: got <byte>" and passes. A spurious wake-up (no claim) waits
 * again; no interrupt within the bounded wait fails check 3.
 *
 * Run: printf k | heron run --accel kvm --bios builtin --kernel uart_irq.elf
 */
#define TEST_SMODE
#define TEST_UART_CONSOLE
#include "test.h"

#define UART       0x10000000
#define UART_IRQ   10
#define PLIC       0x0c000000
#define PLIC_PRIO  (PLIC + 4 * UART_IRQ)
/* Context 1 is hart 0's S-mode (0 is its M-mode). */
#define PLIC_ENABLE_S0    (PLIC + 0x2000 + 0x80 * 1)
#define PLIC_THRESHOLD_S0 (PLIC + 0x200000 + 0x1000 * 1)
#define PLIC_CLAIM_S0     (PLIC_THRESHOLD_S0 + 4)

    .text
    .globl test_main
test_main:
    /* 1: PLIC: priority 1, enabled for S context 0, threshold 0. */
    li TESTNUM, 1
    li t0, PLIC_PRIO
    li t1, 1
    sw t1, 0(t0)
    li t0, PLIC_ENABLE_S0
    li t1, 1 << UART_IRQ
    sw t1, 0(t0)
    lw t2, 0(t0)
    bne t1, t2, fail
    li t0, PLIC_THRESHOLD_S0
    sw zero, 0(t0)

    /* 2: UART receive interrupt on, then the handler and sie.SEIE. */
    li TESTNUM, 2
    li t0, UART
    li t1, 1                /* IER.ERBFI */
    sb t1, 1(t0)
    la t0, on_irq
    csrw stvec, t0
    li t0, 1 << IRQ_S_EXT
    csrs sie, t0
    la a0, msg_ready
    call puts

    /* 3: wait for the byte (bounded: about 2^32 spins or wake-ups). */
    li TESTNUM, 3
    li s1, 0                /* the byte, once the handler saw it */
    li s2, 0xffffffff
    csrs sstatus, MSTATUS_SIE
1:  bnez s1, 2f
    wfi
    addi s2, s2, -1
    bnez s2, 1b
    j fail
2:  csrc sstatus, MSTATUS_SIE
    la a0, msg_got
    call puts
    mv a0, s1
    call putchar
    li a0, '\n'
    call putchar
    PASS

/* S-mode interrupt handler (interrupts only: anything else is a failure
   reported as an unexpected trap). Claims, reads RBR, completes. */
    .align 2
on_irq:
    csrr t0, scause
    bgez t0, s_trap_vector
    li t0, PLIC_CLAIM_S0
    lw t1, 0(t0)
    beqz t1, 3f             /* nothing to claim: spurious */
    li t2, UART_IRQ
    bne t1, t2, 4f
    li t2, UART
    lbu s1, 0(t2)           /* RBR: lowers the UART's line */
4:  sw t1, 0(t0)            /* complete */
3:  sret

    .section .rodata
msg_ready: .asciz "uart-irq: ready\n"
msg_got:   .asciz "uart-irq: got "
