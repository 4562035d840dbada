/*
 * kvm/hello.S - an S-mode program for heron --accel kvm (run with
 * --bios builtin: KVM is the SBI). Checks what a vCPU gives an S-mode
 * guest: the SBI base extension (KVM's own), the time CSR moving, the
 * boot state (a0 = hartid 0, a1 = heron's device tree), then prints a
 * line through the UART (MMIO exits) and ends through the SiFive test
 * finisher: pass, or with -DEXIT_CODE=N the failure code N, so that the
 * exit status is seen to pass through.
 *
 * Validation on QEMU: link at 0x8020_0000 and run with
 * qemu-system-riscv64 -M virt -bios default (see test.h).
 */
#define TEST_SMODE
#define TEST_UART_CONSOLE
#include "test.h"

#define EID_BASE 0x10
#define EID_HSM  0x48534D
#define EID_TIME 0x54494D45
#define FDT_MAGIC_LE 0xedfe0dd0

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* 1: booted as hart 0 with a device tree. */
    li TESTNUM, 1
    ld t0, boot_hartid
    bnez t0, fail
    ld t0, boot_dtb
    lwu t1, 0(t0)
    li t2, FDT_MAGIC_LE
    bne t1, t2, fail

    /* 2: SBI spec version >= 0.2 (a0 = 0, a1 = version). */
    li TESTNUM, 2
    li a7, EID_BASE
    li a6, 0
    ecall
    bnez a0, fail
    li t0, 2                /* major 0, minor 2 */
    bltu a1, t0, fail

    /* 3: the HSM and TIME extensions are there (probe_extension). */
    li TESTNUM, 3
    li a7, EID_BASE
    li a6, 3
    li a0, EID_HSM
    ecall
    beqz a1, fail
    li a7, EID_BASE
    li a6, 3
    li a0, EID_TIME
    ecall
    beqz a1, fail

    /* 4: time moves (bounded wait). */
    li TESTNUM, 4
    rdtime t0
    li t2, 100000000
1:  rdtime t1
    bne t1, t0, 2f
    addi t2, t2, -1
    bnez t2, 1b
    j fail
2:
    /* 5: the console. */
    li TESTNUM, 5
    la a0, msg_hello
    call puts

#ifdef EXIT_CODE
    li TESTNUM, EXIT_CODE
    j fail
#endif
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

    .section .rodata
msg_hello: .asciz "kvm-hello: S-mode on a vCPU\n"
