/*
 * sfence.S - sfence.vma makes page-table changes visible (Sv39).
 *
 * Without sfence.vma an old translation may legally survive, so that is
 * never tested; every change here is followed by the fence the spec
 * requires, and the new mapping must then be used. Checks: a changed leaf
 * PPN after sfence.vma with no operands, with an address, with an ASID
 * (the one satp really holds), with both; a global mapping changed and
 * fenced by address; invalid -> valid and valid -> invalid; a permission
 * downgrade (store then faults) and upgrade; a changed pointer (non-leaf)
 * PTE; a remapped megapage fenced by an address in its middle; switching
 * satp to another root; S-mode changing a PTE and fencing itself;
 * sfence.vma is illegal in U-mode.
 */
#include "test.h"
#include "vm.h"

#define VA_T    0x10000000       /* non-global 4 KiB page */
#define VA_G    0x10001000       /* global 4 KiB page */
#define VA_N    0x10002000       /* starts unmapped */
#define VA_M    0x20000000       /* megapage */
#define VA_P    0x10200000       /* 4 KiB page under a second level-0 table */

/* rewrite the PPN of the leaf PTE whose address is in memory at pte_sym */
#define SET_PPN(pte_sym, pa_sym) \
    ld t5, pte_sym; ld t6, 0(t5); li t4, 0x3ff; and t6, t6, t4; \
    la t4, pa_sym; srli t4, t4, 12; slli t4, t4, 10; or t6, t6, t4; sd t6, 0(t5)
#define S_LOAD(num, va, expected) \
    TEST_NUM(num); li a2, va; RUN_IN(PRV_S, vm_ld_a2); \
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S); CHECK(a0, expected)

    .text
    .globl test_main
test_main:
    li a1, 1
    sd a1, pa_one, t0
    li a1, 2
    sd a1, pa_two, t0
    li a1, 3
    sd a1, pa_three, t0
    call vm_reset
    mv s0, a0
    li a5, 3
#define MAP(va, pa_reg, flags, level, save) \
    mv a0, s0; li a1, va; mv a2, pa_reg; li a3, flags; li a4, level; call vm_map; sd a0, save, t0
    li s1, 0x80000000
    MAP(0x80000000, s1, RWX_AD | PTE_G, 2, pte_ident)
    la s1, pa_one
    MAP(VA_T, s1, RW_AD, 0, pte_t)
    MAP(VA_G, s1, RW_AD | PTE_G, 0, pte_g)
    MAP(VA_N, s1, 0, 0, pte_n)               /* V = 0 for now */
    li s1, 0x80000000
    MAP(VA_M, s1, RW_AD, 1, pte_m)
    la s1, pa_one
    MAP(VA_P, s1, RW_AD, 0, pte_p)
    /* satp with ASID 5 if ASIDs are implemented; s3 = the ASID kept */
    SATP_VALUE(a1, s0, SATP_MODE_SV39)
    li t0, 5 << 44
    or a1, a1, t0
    csrw satp, a1
    sfence.vma
    csrr s3, satp
    srli s3, s3, 44
    li t0, 0xffff
    and s3, s3, t0

    S_LOAD(1, VA_T, 1)
    /* 2: new PPN + sfence.vma (everything) */
    SET_PPN(pte_t, pa_two)
    sfence.vma
    S_LOAD(2, VA_T, 2)
    /* 3: sfence.vma by address */
    SET_PPN(pte_t, pa_three)
    li a1, VA_T
    sfence.vma a1, zero
    S_LOAD(3, VA_T, 3)
    /* 4: sfence.vma by ASID */
    SET_PPN(pte_t, pa_one)
    sfence.vma zero, s3
    S_LOAD(4, VA_T, 1)
    /* 5: by address and ASID */
    SET_PPN(pte_t, pa_two)
    li a1, VA_T + 0x123                     /* any address inside the page */
    sfence.vma a1, s3
    S_LOAD(5, VA_T, 2)
    /* 6: a global mapping, fenced by address (rs2 = x0 covers globals) */
    S_LOAD(6, VA_G, 1)
    SET_PPN(pte_g, pa_three)
    li a1, VA_G
    sfence.vma a1, zero
    S_LOAD(7, VA_G, 3)
    /* 8, 9: invalid -> valid */
    TEST_NUM(8)
    li a2, VA_N
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE)
    ld t5, pte_n
    ld t6, 0(t5)
    ori t6, t6, RW_AD
    sd t6, 0(t5)
    li a1, VA_N
    sfence.vma a1, zero
    S_LOAD(9, VA_N, 1)
    /* 10: valid -> invalid */
    TEST_NUM(10)
    ld t5, pte_n
    ld t6, 0(t5)
    andi t6, t6, ~PTE_V
    sd t6, 0(t5)
    li a1, VA_N
    sfence.vma a1, zero
    li a2, VA_N
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE)
    /* 11: permission downgrade: the page becomes read-only */
    TEST_NUM(11)
    li a2, VA_T
    li a3, 0x22
    RUN_IN(PRV_S, vm_sd_a2)                 /* writable: fills the TLB */
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    ld t5, pte_t
    ld t6, 0(t5)
    andi t6, t6, ~PTE_W
    sd t6, 0(t5)
    sfence.vma
    li a2, VA_T
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_STORE_PAGE)
    /* 12: and back */
    TEST_NUM(12)
    ld t5, pte_t
    ld t6, 0(t5)
    ori t6, t6, PTE_W
    sd t6, 0(t5)
    sfence.vma
    li a2, VA_T
    li a3, 0x2222
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    ld a0, pa_two
    CHECK(a0, 0x2222)
    li a1, 2
    sd a1, pa_two, t0
    /* 13, 14: change a pointer PTE: VA_P's level-1 entry now points at a
       fresh level-0 table mapping VA_P to pa_three */
    S_LOAD(13, VA_P, 1)
    TEST_NUM(14)
    call vm_alloc
    mv s4, a0                               /* the new level-0 table */
    li t0, (VA_P >> 12) & 0x1ff
    slli t0, t0, 3
    add t0, s4, t0
    la t1, pa_three
    srli t1, t1, 12
    slli t1, t1, 10
    ori t1, t1, RW_AD
    sd t1, 0(t0)
    mv a0, s0
    li a1, VA_P
    li a4, 1
    li a5, 3
    call vm_pte                              /* the level-1 pointer for VA_P */
    srli t1, s4, 12
    slli t1, t1, 10
    ori t1, t1, PTE_V
    sd t1, 0(a0)
    sfence.vma
    li a2, VA_P
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 3)
    /* 15, 16: a megapage moved by 2 MiB, fenced by an address in its middle */
    TEST_NUM(15)
    la a2, pa_one
    li t0, 0x80000000
    sub a2, a2, t0
    li t0, VA_M
    add a2, a2, t0
    mv s5, a2
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 1)
    TEST_NUM(16)
    /* the copy of pa_one 2 MiB higher holds 0x2m */
    la t1, pa_one
    li t0, 0x200000
    add t1, t1, t0
    li t2, 0x2f
    sd t2, 0(t1)
    ld t5, pte_m
    li t6, ((0x80200000 >> 12) << 10) | RW_AD
    sd t6, 0(t5)
    li a1, VA_M + 0x123456
    sfence.vma a1, zero
    mv a2, s5
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x2f)
    /* 17: switch satp to a second root that maps VA_T to pa_three */
    TEST_NUM(17)
    mv s6, s0
    call vm_alloc
    mv s7, a0
    mv a0, s7
    li a1, 0x80000000
    li a2, 0x80000000
    li a3, RWX_AD | PTE_G
    li a4, 2
    li a5, 3
    call vm_map
    mv a0, s7
    li a1, VA_T
    la a2, pa_three
    li a3, RW_AD
    li a4, 0
    call vm_map
    SATP_VALUE(a1, s7, SATP_MODE_SV39)
    csrw satp, a1
    sfence.vma
    li a2, VA_T
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 3)
    /* 18: and back to the first root */
    TEST_NUM(18)
    SATP_VALUE(a1, s6, SATP_MODE_SV39)
    slli t0, s3, 44
    or a1, a1, t0
    csrw satp, a1
    sfence.vma
    li a2, VA_T
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 2)
    /* 19: S-mode rewrites the PTE itself and fences */
    TEST_NUM(19)
    ld a2, pte_t
    ld a3, 0(a2)
    li t0, 0x3ff
    and a3, a3, t0
    la t0, pa_one
    srli t0, t0, 12
    slli t0, t0, 10
    or a3, a3, t0
    RUN_IN(PRV_S, s_remap_and_load)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 1)
    /* 20: sfence.vma in U-mode is illegal */
    TEST_NUM(20)
    csrw satp, zero
    sfence.vma
    RUN_IN(PRV_U, u_sfence)
    CHECK_TRAP_CAUSE(CAUSE_ILLEGAL_INSN)
    CHECK_TRAP_EPC(u_sfence)
    PASS

    /* S: store a3 to the PTE at a2, fence that page, load from it */
s_remap_and_load:
    sd a3, 0(a2)
    li a4, VA_T
    sfence.vma a4, zero
    ld a0, 0(a4)
    ecall
u_sfence:
    sfence.vma
    ecall

    .data
    .align 12
pa_one:   .dword 0
    .align 12
pa_two:   .dword 0
    .align 12
pa_three: .dword 0
    .align 3
pte_ident: .dword 0
pte_t:    .dword 0
pte_g:    .dword 0
pte_n:    .dword 0
pte_m:    .dword 0
pte_p:    .dword 0
