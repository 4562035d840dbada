/*
 * kvm/debuggee.S - an S-mode program for gdb under heron --accel kvm
 * (run with --bios builtin). tests/kvm_nested.rs drives it from gdb; on
 * its own it passes (exit 0) and checks what the debugger must not break:
 *
 *   1. Sv39 paging on: RAM identity-mapped, and a second (alias) view of
 *      RAM at ALIAS_BASE, a virtual address with no physical RAM behind
 *      it, so that gdb reading or writing there proves the stub walks the
 *      guest's page tables.
 *   2. A loop calls `bump` five times; bump increments `counter` through
 *      the alias. gdb breaks in bump and reads the counter there.
 *   3. The program's own `ebreak` reaches its own trap handler (scause 3)
 *      even while gdb has KVM's guest debugging on: heron must deliver
 *      it, not report it to gdb.
 *   4. `done`: if `exit_code` is nonzero (gdb writes it through the
 *      alias), the run fails with that code, else prints and passes.
 */
#define TEST_SMODE
#define TEST_UART_CONSOLE
#include "test.h"

/* Where the alias of RAM (0x8000_0000..) begins: Sv39 VPN[2] = 128. */
#define ALIAS_BASE   0x2000000000
#define ALIAS_OFFSET (ALIAS_BASE - 0x80000000)
/* Leaf flags: V R W A D, and X for code. */
#define PTE_RW_AD    0xc7
#define PTE_RWX_AD   0xcf

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1: paging with the alias. */
    li TESTNUM, 1
    la t0, root_table
    li t1, PTE_RW_AD                        /* 0..1 GiB: the devices */
    sd t1, 0(t0)
    li t1, ((0x80000000 >> 12) << 10) | PTE_RWX_AD
    sd t1, 2 * 8(t0)                        /* 2..3 GiB: RAM itself */
    li t1, ((0x80000000 >> 12) << 10) | PTE_RW_AD
    sd t1, 128 * 8(t0)                      /* the alias */
    srli t1, t0, 12
    li t2, 8 << 60                          /* Sv39 */
    or t1, t1, t2
    sfence.vma
    csrw satp, t1
    sfence.vma
    la t0, ebreak_trap
    csrw stvec, t0

    /* 2: the loop gdb breaks in. */
    li TESTNUM, 2
    li s6, 0
1:  call bump
    addi s6, s6, 1
    li t0, 5
    blt s6, t0, 1b
    ld t0, counter
    bne t0, s6, fail

    /* 3: our own ebreak reaches our handler. */
    li TESTNUM, 3
    .option push
    .option norvc
    ebreak
    .option pop
    ld t0, ebreaks
    li t1, 1
    bne t0, t1, fail

    .globl done
done:
    /* 4: the exit code gdb may have written. */
    ld t0, exit_code
    beqz t0, 2f
    mv TESTNUM, t0
    j fail
2:  la a0, msg_done
    call puts
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* counter += 1, through the alias. */
    .globl bump
bump:
    la t0, counter
    li t1, ALIAS_OFFSET
    add t0, t0, t1
    ld t2, 0(t0)
    addi t2, t2, 1
    sd t2, 0(t0)
    ret

/* The only trap expected: our breakpoint. Counts it and steps over it. */
    .align 2
ebreak_trap:
    csrr t0, scause
    li t1, 3
    bne t0, t1, fail
    la t0, ebreaks
    ld t1, 0(t0)
    addi t1, t1, 1
    sd t1, 0(t0)
    csrr t0, sepc
    addi t0, t0, 4
    csrw sepc, t0
    sret

    .section .rodata
msg_done: .asciz "kvm-debuggee: done\n"

    .data
    .balign 8
    .globl counter, ebreaks, exit_code
counter:   .dword 0
ebreaks:   .dword 0
exit_code: .dword 0

    .balign 4096
root_table:
    .zero 4096
