/*
 * sstc.S - the Sstc extension: stimecmp drives the S-mode timer interrupt.
 *
 * Checks: with menvcfg.STCE = 1, mip.STIP reflects (time >= stimecmp) and
 * can no longer be written by M; moving stimecmp forward clears it; S-mode
 * may program stimecmp itself when mcounteren.TM = 1 and receives the
 * delegated timer interrupt (scause = interrupt | 5) once the time passes;
 * S-mode access to stimecmp is illegal when mcounteren.TM = 0 or
 * menvcfg.STCE = 0; an undelegated STI from stimecmp is taken by M.
 *
 * The time CSR (hence Sstc) does not exist on QEMU's spike machine, so this
 * file was validated on QEMU's virt machine (see QEMU_VIRT in test.h).
 */
#include "test.h"

#define TICKS_1MS 10000
#define MENVCFG_STCE (1 << 63)
#define CHECK_ILLEGAL_AT(label)                                           \
    CHECK_TRAP_CAUSE(CAUSE_ILLEGAL_INSN); CHECK_TRAP_EPC(label);          \
    la t5, label; lwu t6, 0(t5); ld t5, trap_tval; bne t5, t6, fail
#define STIP_BIT(reg) csrr reg, mip; andi reg, reg, MIP_STIP

    .text
    .globl test_main
test_main:
    csrw mie, zero
    csrw mideleg, zero
    li a2, MIP_STIP
    csrc mip, a2
    la a2, s_handler
    csrw stvec, a2

    /* 1: STCE can be set */
    TEST_NUM(1)
    li a2, MENVCFG_STCE
    csrs menvcfg, a2
    csrr a0, menvcfg
    bgez a0, fail                       /* bit 63 */
    /* 2: stimecmp in the future: STIP clear, and M cannot set it by hand */
    TEST_NUM(2)
    li a2, -1
    csrw stimecmp, a2
    csrr a0, stimecmp
    CHECK(a0, -1)
    STIP_BIT(a0)
    CHECK(a0, 0)
    li a2, MIP_STIP
    csrs mip, a2
    STIP_BIT(a0)
    CHECK(a0, 0)
    /* 3: stimecmp in the past: STIP set, and M cannot clear it by hand */
    TEST_NUM(3)
    csrw stimecmp, zero
    STIP_BIT(a0)
    CHECK(a0, MIP_STIP)
    li a2, MIP_STIP
    csrc mip, a2
    STIP_BIT(a0)
    CHECK(a0, MIP_STIP)
    /* 4: moving stimecmp forward clears STIP again */
    TEST_NUM(4)
    csrr a0, time
    li a1, TICKS_1MS * 1000
    add a0, a0, a1
    csrw stimecmp, a0
    STIP_BIT(a0)
    CHECK(a0, 0)
    /* 5: STIP appears once time passes stimecmp, not before */
    TEST_NUM(5)
    csrr a0, time
    li a1, TICKS_1MS
    add s2, a0, a1
    csrw stimecmp, s2
    li t3, 50000000
1:  STIP_BIT(a1)
    bnez a1, 2f
    addi t3, t3, -1
    bnez t3, 1b
    j fail
2:  csrr a0, time
    bltu a0, s2, fail

    /* 6: an undelegated STI is taken by M */
    TEST_NUM(6)
    li a2, MIP_STIP
    csrw mie, a2
    RUN_IN(PRV_M, enable_mie_and_spin)
    CHECK_TRAP_CAUSE(CAUSE_INTR | IRQ_S_TIMER)
    li a2, -1
    csrw stimecmp, a2

    /* 7: S programs stimecmp itself (TM = 1) and takes the delegated STI */
    TEST_NUM(7)
    li a2, 2                             /* mcounteren.TM */
    csrw mcounteren, a2
    li a2, MIP_STIP
    csrw mideleg, a2
    csrw mie, a2
    sd zero, s_cause, t0
    RUN_IN(PRV_S, s_arm_and_wait)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)     /* from the S handler */
    ld a0, s_cause
    CHECK(a0, CAUSE_INTR | IRQ_S_TIMER)
    ld t5, s_epc
    la t6, s_wait_loop
    blt t5, t6, fail
    la t6, s_wait_end
    bgt t5, t6, fail
    /* 8: S read back what it wrote (s4 vs s3) */
    TEST_NUM(8)
    bne s4, s3, fail
    li a2, -1
    csrw stimecmp, a2
    /* 9: mcounteren.TM = 0: S access to stimecmp is illegal */
    TEST_NUM(9)
    csrw mcounteren, zero
    RUN_IN(PRV_S, s_read_stimecmp)
    CHECK_ILLEGAL_AT(s_read_stimecmp)
    /* 10: menvcfg.STCE = 0: S access to stimecmp is illegal even with TM */
    TEST_NUM(10)
    li a2, 2
    csrw mcounteren, a2
    li a2, MENVCFG_STCE
    csrc menvcfg, a2
    RUN_IN(PRV_S, s_read_stimecmp)
    CHECK_ILLEGAL_AT(s_read_stimecmp)
    /* 11: with STCE = 0, mip.STIP is an ordinary M-writable bit again */
    TEST_NUM(11)
    csrw mie, zero
    li a2, MIP_STIP
    csrs mip, a2
    STIP_BIT(a0)
    CHECK(a0, MIP_STIP)
    csrc mip, a2
    STIP_BIT(a0)
    CHECK(a0, 0)
    csrw mideleg, zero
    csrw mcounteren, zero
    PASS

enable_mie_and_spin:
    csrsi mstatus, MSTATUS_MIE
    li t3, 50000000
1:  addi t3, t3, -1
    bnez t3, 1b
    ecall

    /* S: stimecmp = time + 1 ms (kept in s3), enable SIE, wait */
s_arm_and_wait:
    csrr a0, time
    li a1, TICKS_1MS
    add s3, a0, a1
    csrw stimecmp, s3
    csrr s4, stimecmp
    csrsi sstatus, MSTATUS_SIE
s_wait_loop:
    li t3, 50000000
1:  addi t3, t3, -1
    bnez t3, 1b
s_wait_end:
    ecall
s_read_stimecmp:
    csrr a0, stimecmp
    ecall

    .align 2
s_handler:
    csrr t0, scause
    sd t0, s_cause, t1
    csrr t0, sepc
    sd t0, s_epc, t1
    li t0, -1
    csrw stimecmp, t0                   /* acknowledge */
    ecall

    .bss
    .align 3
s_cause: .dword 0
s_epc:   .dword 0
