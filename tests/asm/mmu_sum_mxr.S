/*
 * mmu_sum_mxr.S - mstatus.SUM, mstatus.MXR and mstatus.MPRV (Sv39).
 *
 * Checks:
 *  - SUM = 0: S-mode loads and stores to U pages page-fault; SUM = 1 allows
 *    them; S-mode never executes from a U page, even with SUM = 1;
 *  - MXR = 0: loads from execute-only pages fault; MXR = 1 lets loads (not
 *    stores) read them, for S and for U (on a U execute-only page), while
 *    SUM still governs S access to U pages;
 *  - MPRV = 1 makes M-mode loads and stores use the translation and
 *    permissions of MPP (S or U) together with SUM and MXR; MPP = M means no
 *    translation; instruction fetch is never affected (M keeps running).
 *    Faults under MPRV are taken from M with mtval = the virtual address.
 */
#include "test.h"
#include "vm.h"

#define LEVELS 3
#define USER_VA 0x30000000       /* user_page; +0x1000 U data; +0x2000 U execute-only */
#define VA_XO   0x10000000       /* S execute-only page (xo_page) */
#define VA_S    0x10001000       /* S data page */
#define XO_DATA 0x400            /* offset of the data word in xo_page */

/* S access with the given extra mstatus bits (SUM/MXR) */
#define S_CASE(num, bits, snippet, va, cause)                             \
    TEST_NUM(num); li t1, MSTATUS_SUM | MSTATUS_MXR; csrc mstatus, t1;    \
    li t1, bits; csrs mstatus, t1; li a2, va; RUN_IN(PRV_S, snippet);     \
    CHECK_TRAP_CAUSE(cause)
/* M access under MPRV: a4 = the mstatus bits to set (MPRV, MPP, SUM, MXR) */
#define MPRV_CASE(num, bits, snippet, va, cause)                          \
    TEST_NUM(num); li a4, bits; li a2, va; RUN_IN(PRV_M, snippet);        \
    li t1, MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR; csrc mstatus, t1;    \
    CHECK_TRAP_CAUSE(cause)

    .text
    .globl test_main
test_main:
    call vm_reset
    mv s0, a0
    li a5, LEVELS
#define MAP(va, pa_reg, flags, level) \
    mv a0, s0; li a1, va; mv a2, pa_reg; li a3, flags; li a4, level; call vm_map
    li s1, 0x80000000
    MAP(0x80000000, s1, RWX_AD, 2)
    la s1, user_page
    MAP(USER_VA, s1, PTE_U | RX_AD, 0)
    la s1, upg
    MAP(USER_VA + 0x1000, s1, PTE_U | RW_AD, 0)
    la s1, xo_page
    MAP(USER_VA + 0x2000, s1, PTE_U | X_AD, 0)
    MAP(VA_XO, s1, X_AD, 0)
    la s1, spg
    MAP(VA_S, s1, RW_AD, 0)
    li a1, 0xaaaa
    sd a1, upg, t0
    li a1, 0xbbbb
    sd a1, spg, t0
    la a1, xo_page
    li a2, 0xcccc
    sd a2, XO_DATA(a1)
    SATP_VALUE(a1, s0, SATP_MODE_SV39)
    csrw satp, a1
    sfence.vma

    /* ---------------- SUM ---------------- */
    S_CASE(1, 0, vm_ld_a2, USER_VA + 0x1000, CAUSE_LOAD_PAGE)
    CHECK_TRAP_TVAL(USER_VA + 0x1000)
    S_CASE(2, 0, vm_sd_a2, USER_VA + 0x1008, CAUSE_STORE_PAGE)
    CHECK_TRAP_TVAL(USER_VA + 0x1008)
    S_CASE(3, MSTATUS_SUM, vm_ld_a2, USER_VA + 0x1000, CAUSE_ECALL_S)
    CHECK(a0, 0xaaaa)
    li a3, 0x1212
    S_CASE(4, MSTATUS_SUM, vm_sd_a2, USER_VA + 0x1008, CAUSE_ECALL_S)
    ld a0, upg + 8
    CHECK(a0, 0x1212)
    /* 5: S never fetches from a U page, SUM or not */
    TEST_NUM(5)
    li t1, MSTATUS_SUM
    csrs mstatus, t1
    USER_ADDR(a2, u_ok)
    mv s2, a2
    RUN_IN(PRV_S, vm_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE)
    ld t5, trap_tval
    bne t5, s2, fail
    li t1, MSTATUS_SUM
    csrc mstatus, t1

    /* ---------------- MXR ---------------- */
    S_CASE(10, 0, vm_ld_a2, VA_XO + XO_DATA, CAUSE_LOAD_PAGE)
    CHECK_TRAP_TVAL(VA_XO + XO_DATA)
    S_CASE(11, MSTATUS_MXR, vm_ld_a2, VA_XO + XO_DATA, CAUSE_ECALL_S)
    CHECK(a0, 0xcccc)
    S_CASE(12, MSTATUS_MXR, vm_sd_a2, VA_XO + XO_DATA, CAUSE_STORE_PAGE)  /* loads only */
    /* 13: the execute-only page is still executable */
    TEST_NUM(13)
    li a2, VA_XO
    li a0, 0
    RUN_IN(PRV_S, vm_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x600d)
    /* 14, 15: U and MXR on a U execute-only page */
    TEST_NUM(14)
    li t1, MSTATUS_MXR
    csrc mstatus, t1
    li a2, USER_VA + 0x2000 + XO_DATA
    RUN_USER(u_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE)
    TEST_NUM(15)
    li t1, MSTATUS_MXR
    csrs mstatus, t1
    li a2, USER_VA + 0x2000 + XO_DATA
    RUN_USER(u_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_U)
    CHECK(a0, 0xcccc)
    /* 16, 17: S reading a U execute-only page needs SUM as well as MXR */
    S_CASE(16, MSTATUS_MXR, vm_ld_a2, USER_VA + 0x2000 + XO_DATA, CAUSE_LOAD_PAGE)
    S_CASE(17, MSTATUS_MXR | MSTATUS_SUM, vm_ld_a2, USER_VA + 0x2000 + XO_DATA, CAUSE_ECALL_S)
    CHECK(a0, 0xcccc)
    li t1, MSTATUS_SUM | MSTATUS_MXR
    csrc mstatus, t1

    /* ---------------- MPRV ---------------- */
    MPRV_CASE(20, MSTATUS_MPRV | MSTATUS_MPP_S, mprv_ld, VA_S, CAUSE_ECALL_M)
    CHECK(a0, 0xbbbb)
    li a3, 0x3434
    MPRV_CASE(21, MSTATUS_MPRV | MSTATUS_MPP_S, mprv_sd, VA_S + 8, CAUSE_ECALL_M)
    ld a0, spg + 8
    CHECK(a0, 0x3434)
    /* 22: MPP = U: an S page is off limits; the fault is taken from M */
    MPRV_CASE(22, MSTATUS_MPRV, mprv_ld, VA_S, CAUSE_LOAD_PAGE)
    CHECK_TRAP_EPC(mprv_ld_insn)
    CHECK_TRAP_TVAL(VA_S)
    CHECK_TRAP_PRV(PRV_M)
    MPRV_CASE(23, MSTATUS_MPRV, mprv_ld, USER_VA + 0x1000, CAUSE_ECALL_M)
    CHECK(a0, 0xaaaa)
    /* 24, 25: MPP = S obeys SUM */
    MPRV_CASE(24, MSTATUS_MPRV | MSTATUS_MPP_S, mprv_ld, USER_VA + 0x1000, CAUSE_LOAD_PAGE)
    MPRV_CASE(25, MSTATUS_MPRV | MSTATUS_MPP_S | MSTATUS_SUM, mprv_ld, USER_VA + 0x1000, CAUSE_ECALL_M)
    CHECK(a0, 0xaaaa)
    /* 26, 27: ... and MXR */
    MPRV_CASE(26, MSTATUS_MPRV | MSTATUS_MPP_S, mprv_ld, VA_XO + XO_DATA, CAUSE_LOAD_PAGE)
    MPRV_CASE(27, MSTATUS_MPRV | MSTATUS_MPP_S | MSTATUS_MXR, mprv_ld, VA_XO + XO_DATA, CAUSE_ECALL_M)
    CHECK(a0, 0xcccc)
    /* 28: MPP = M: physical addresses, no translation */
    TEST_NUM(28)
    li a4, MSTATUS_MPRV | MSTATUS_MPP_M
    la a2, spg
    RUN_IN(PRV_M, mprv_ld)
    li t1, MSTATUS_MPRV
    csrc mstatus, t1
    CHECK_TRAP_CAUSE(CAUSE_ECALL_M)
    CHECK(a0, 0xbbbb)
    /* 29: a store under MPRV/MPP = U to the S page faults as a store */
    MPRV_CASE(29, MSTATUS_MPRV, mprv_sd, VA_S + 8, CAUSE_STORE_PAGE)
    CHECK_TRAP_TVAL(VA_S + 8)
    csrw satp, zero
    sfence.vma
    PASS

    /* M-mode: set MPP/MPRV/SUM/MXR from a4, access through a2, undo, ecall */
mprv_ld:
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    csrs mstatus, a4
mprv_ld_insn:
    ld a0, 0(a2)
    csrc mstatus, a4
    ecall
mprv_sd:
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    csrs mstatus, a4
    sd a3, 0(a2)
    csrc mstatus, a4
    ecall

    .section .text.xo_page, "ax", @progbits
    .align 12
xo_page:                                 /* code at 0, data at XO_DATA */
    li a0, 0x600d
    ecall
    .align 12

    .data
    .align 12
upg: .dword 0, 0
    .align 12
spg: .dword 0, 0
