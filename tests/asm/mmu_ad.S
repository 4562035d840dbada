/*
 * mmu_ad.S - hardware updating of the PTE Accessed and Dirty bits (Sv39).
 *
 * heron, like QEMU, sets A/D itself instead of raising page faults (no
 * Svade). Checks: a load sets A only; a store sets A and D; an instruction
 * fetch sets A; a store to a page already accessed (A = 1, D = 0) sets D,
 * including when the same page was just loaded through (a cached clean
 * translation must not let the store through without D); an access that
 * page-faults sets nothing; the update ORs in A/D and preserves every other
 * PTE bit (G, the RSW software bits); superpage leaves are updated the same
 * way; pointer (non-leaf) PTEs are never changed; after software clears A
 * and executes sfence.vma, the next access sets it again; U-mode accesses
 * and M-mode accesses with MPRV (MPP = S) update A/D too.
 */
#include "test.h"
#include "vm.h"

#define LEVELS 3
#define RSW (3 << 8)                       /* the two software bits */
#define VA_P1   0x10000000                 /* RW, A = D = 0: load then store */
#define VA_P2   0x10001000                 /* RW, A = D = 0, G and RSW set: store */
#define VA_P3   0x10002000                 /* RX code, A = 0: fetch */
#define VA_P4   0x10003000                 /* R only, A = 0: faulting store */
#define VA_P5   0x10004000                 /* RW, A = 1, D = 0: store */
#define VA_P6   0x10005000                 /* RW, A = D = 0: MPRV load */
#define VA_MEGA 0x20000000                 /* 2 MiB, A = D = 0 */
#define USER_VA 0x30000000                 /* user_page (A = 1) and U data page (A = D = 0) */

/* a0 = the PTE at *pte_sym */
#define PTE_OF(sym) ld t5, sym; ld a0, 0(t5)
#define CHECK_AD(sym, expected) PTE_OF(sym); andi a0, a0, PTE_A | PTE_D; CHECK(a0, expected)

    .text
    .globl test_main
test_main:
    call vm_reset
    mv s0, a0
    li a5, LEVELS
#define MAP(va, pa_reg, flags, level, save) \
    mv a0, s0; li a1, va; mv a2, pa_reg; li a3, flags; li a4, level; call vm_map; sd a0, save, t0
    li s1, 0x80000000
    MAP(0x80000000, s1, RWX_AD, 2, pte_ident)
    la s1, pg1
    MAP(VA_P1, s1, PTE_V | PTE_R | PTE_W, 0, pte1)
    la s1, pg2
    MAP(VA_P2, s1, PTE_V | PTE_R | PTE_W | PTE_G | RSW, 0, pte2)
    la s1, code_page
    MAP(VA_P3, s1, PTE_V | PTE_R | PTE_X, 0, pte3)
    la s1, pg4
    MAP(VA_P4, s1, PTE_V | PTE_R, 0, pte4)
    la s1, pg5
    MAP(VA_P5, s1, PTE_V | PTE_R | PTE_W | PTE_A, 0, pte5)
    la s1, pg6
    MAP(VA_P6, s1, PTE_V | PTE_R | PTE_W, 0, pte6)
    li s1, 0x80000000
    MAP(VA_MEGA, s1, PTE_V | PTE_R | PTE_W, 1, pte_mega)
    la s1, user_page
    MAP(USER_VA, s1, PTE_U | RX_AD, 0, pte_ucode)
    la s1, pg_user
    MAP(USER_VA + 0x1000, s1, PTE_U | PTE_V | PTE_R | PTE_W, 0, pte_udata)
    /* the pointer PTEs above VA_P1 */
    mv a0, s0
    li a1, VA_P1
    li a4, 2
    call vm_pte
    sd a0, pte_l2, t0
    mv a0, s0
    li a1, VA_P1
    li a4, 1
    call vm_pte
    sd a0, pte_l1, t0
    PTE_OF(pte_l2)
    sd a0, pte_l2_before, t0
    PTE_OF(pte_l1)
    sd a0, pte_l1_before, t0

    SATP_VALUE(a1, s0, SATP_MODE_SV39)
    csrw satp, a1
    sfence.vma

    /* 1: a load sets A, not D */
    TEST_NUM(1)
    CHECK_AD(pte1, 0)
    li a2, VA_P1
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK_AD(pte1, PTE_A)
    /* 2: then a store through the same (now cached) translation sets D */
    TEST_NUM(2)
    li a2, VA_P1
    li a3, 0x1234
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK_AD(pte1, PTE_A | PTE_D)
    ld a0, pg1
    CHECK(a0, 0x1234)
    /* 3: a first access that is a store sets both; all other bits kept */
    TEST_NUM(3)
    li a2, VA_P2
    li a3, 0x5678
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    PTE_OF(pte2)
    la a1, pg2
    srli a1, a1, 12
    slli a1, a1, 10
    li t0, PTE_V | PTE_R | PTE_W | PTE_G | RSW | PTE_A | PTE_D
    or a1, a1, t0
    bne a0, a1, fail
    /* 4: an instruction fetch sets A (and not D) */
    TEST_NUM(4)
    li a2, VA_P3
    li a0, 0
    RUN_IN(PRV_S, vm_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x600d)
    CHECK_AD(pte3, PTE_A)
    /* 5: a store to a read-only page faults and sets neither bit */
    TEST_NUM(5)
    li a2, VA_P4
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_STORE_PAGE)
    CHECK_AD(pte4, 0)
    /* 6: A already set, D clear: a store sets D */
    TEST_NUM(6)
    li a2, VA_P5
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK_AD(pte5, PTE_A | PTE_D)
    /* 7: megapage leaf: a load sets A, a store then D */
    TEST_NUM(7)
    la a2, pg1
    li t0, 0x80000000
    sub a2, a2, t0
    li t0, VA_MEGA
    add a2, a2, t0
    mv s2, a2
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK_AD(pte_mega, PTE_A)
    mv a2, s2
    li a3, 0x1234                       /* pg1 keeps the same value */
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK_AD(pte_mega, PTE_A | PTE_D)
    /* 8: pointer PTEs were not touched */
    TEST_NUM(8)
    PTE_OF(pte_l2)
    ld a1, pte_l2_before
    bne a0, a1, fail
    PTE_OF(pte_l1)
    ld a1, pte_l1_before
    bne a0, a1, fail
    andi a0, a0, PTE_A | PTE_D
    CHECK(a0, 0)
    /* 9: software clears A (and D) + sfence.vma: the next load sets A again */
    TEST_NUM(9)
    ld t5, pte1
    ld a0, 0(t5)
    andi a0, a0, ~(PTE_A | PTE_D)
    sd a0, 0(t5)
    sfence.vma
    li a2, VA_P1
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x1234)
    CHECK_AD(pte1, PTE_A)
    /* 10: U-mode accesses update A/D as well */
    TEST_NUM(10)
    li a2, USER_VA + 0x1000
    li a3, 0x4321
    RUN_USER(u_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_U)
    CHECK_AD(pte_udata, PTE_A | PTE_D)
    /* 11: M-mode with MPRV = 1, MPP = S: a translated load sets A */
    TEST_NUM(11)
    CHECK_AD(pte6, 0)
    li a2, VA_P6
    RUN_IN(PRV_M, mprv_load)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_M)
    CHECK_AD(pte6, PTE_A)
    csrw satp, zero
    sfence.vma
    PASS

    /* M-mode: load through a2 with the S translation */
mprv_load:
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV | MSTATUS_MPP_S
    csrs mstatus, t0
    ld a0, 0(a2)
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    ecall

    .section .text.code_page, "ax", @progbits
    .align 12
code_page:
    li a0, 0x600d
    ecall
    .align 12

    .data
    .align 12
pg1: .dword 0
    .align 12
pg2: .dword 0
    .align 12
pg4: .dword 0
    .align 12
pg5: .dword 0
    .align 12
pg6: .dword 0
    .align 12
pg_user: .dword 0
    .align 3
pte_ident: .dword 0
pte1: .dword 0
pte2: .dword 0
pte3: .dword 0
pte4: .dword 0
pte5: .dword 0
pte6: .dword 0
pte_mega: .dword 0
pte_ucode: .dword 0
pte_udata: .dword 0
pte_l1: .dword 0
pte_l2: .dword 0
pte_l1_before: .dword 0
pte_l2_before: .dword 0
