/*
 * vm.h - page-table building for the MMU tests (include after test.h).
 *
 * Tables are carved out of vm_pool (in .bss, 4 KiB aligned) by a bump
 * allocator, zeroed as they are handed out.
 *
 *   vm_reset()  -> a0 = a fresh, zeroed root table; resets the pool
 *   vm_map(a0 = root, a1 = va, a2 = pa, a3 = PTE flags (V, R, W, X, U, G,
 *          A, D), a4 = leaf level (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB,
 *          3 = 512 GiB, 4 = 256 TiB), a5 = number of levels (3 = Sv39,
 *          4 = Sv48, 5 = Sv57))
 *          builds the missing intermediate tables, writes the leaf and
 *          returns a0 = the address of the leaf PTE (so tests can rewrite
 *          it later). The PPN is taken from a2 as is: a misaligned
 *          superpage is built by passing an unaligned pa.
 *   vm_pte(a0 = root, a1 = va, a4 = level, a5 = levels) -> a0 = address of
 *          the PTE for va at that level (tables must exist)
 *
 * They clobber t0-t3, a6, a7 (and a0 for the result), nothing else.
 *
 * Also here: small code snippets for run_mode (S-mode accesses through a2)
 * and USER_PAGE support: U-mode code must live in a page mapped with PTE_U,
 * so snippets for U are placed in the page-aligned user_page section and
 * reached through a virtual alias (see RUN_USER).
 */
#ifndef HERON_VM_H
#define HERON_VM_H

#define VM_POOL_PAGES 48

/* satp value for a root table and a mode */
#define SATP_VALUE(reg_out, root_reg, mode) \
    srli reg_out, root_reg, 12; li t0, mode; or reg_out, reg_out, t0

#define RWX_AD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RW_AD  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define R_AD   (PTE_V | PTE_R | PTE_A)
#define RX_AD  (PTE_V | PTE_R | PTE_X | PTE_A)
#define X_AD   (PTE_V | PTE_X | PTE_A)

    .text
vm_reset:
    la t0, vm_pool
    la t1, vm_next
    sd t0, 0(t1)
    /* fall through: allocate the root */
vm_alloc:                       /* a0 = zeroed page; clobbers t0-t2 */
    la t1, vm_next
    ld a0, 0(t1)
    li t2, 4096
    add t0, a0, t2
    sd t0, 0(t1)
    la t1, vm_pool_end
    bgtu t0, t1, vm_pool_exhausted
    mv t0, a0
1:  sd zero, 0(t0)
    addi t0, t0, 8
    addi t2, t2, -8
    bnez t2, 1b
    ret
vm_pool_exhausted:
    j fail

vm_map:
    mv a6, a0                   /* current table */
    addi a7, a5, -1             /* current level */
1:  li t0, 9                    /* t1 = &table[(va >> (12 + 9 * level)) & 511] */
    mul t0, t0, a7
    addi t0, t0, 12
    srl t1, a1, t0
    andi t1, t1, 0x1ff
    slli t1, t1, 3
    add t1, a6, t1
    beq a7, a4, 3f
    ld t2, 0(t1)
    andi t3, t2, PTE_V
    bnez t3, 2f
    /* no next-level table yet: allocate one */
    mv t3, ra
    mv a6, t1                   /* keep the PTE address across vm_alloc */
    call vm_alloc
    mv ra, t3
    srli t2, a0, 12
    slli t2, t2, 10
    ori t2, t2, PTE_V
    sd t2, 0(a6)
    mv a6, a0
    addi a7, a7, -1
    j 1b
2:  srli t2, t2, 10             /* follow the existing pointer */
    slli a6, t2, 12
    addi a7, a7, -1
    j 1b
3:  srli t2, a2, 12             /* leaf */
    slli t2, t2, 10
    or t2, t2, a3
    sd t2, 0(t1)
    mv a0, t1
    ret

vm_pte:
    mv a6, a0
    addi a7, a5, -1
1:  li t0, 9
    mul t0, t0, a7
    addi t0, t0, 12
    srl t1, a1, t0
    andi t1, t1, 0x1ff
    slli t1, t1, 3
    add t1, a6, t1
    beq a7, a4, 2f
    ld t2, 0(t1)
    srli t2, t2, 10
    slli a6, t2, 12
    addi a7, a7, -1
    j 1b
2:  mv a0, t1
    ret

/* ---- snippets for run_mode (S-mode, identity-mapped code) ---- */
vm_ld_a2:    ld a0, 0(a2)
             ecall
vm_lw_a2:    lw a0, 0(a2)
             ecall
vm_sd_a2:    sd a3, 0(a2)
             ecall
vm_jump_a2:  jr a2                  /* the target reports success itself */

/* RUN_USER(label): run a snippet of user_page in U-mode through its alias
   at USER_VA (the test must have mapped USER_VA -> user_page with PTE_U) */
#define RUN_USER(label) \
    la a1, label; la t0, user_page; sub a1, a1, t0; li t0, USER_VA; add a1, a1, t0; \
    li a0, PRV_U; call run_mode
/* the address of `label` seen through the USER_VA alias, into reg */
#define USER_ADDR(reg, label) \
    la reg, label; la t0, user_page; sub reg, reg, t0; li t0, USER_VA; add reg, reg, t0

    .section .text.user_page, "ax", @progbits
    .align 12
user_page:
u_ld_a2:     ld a0, 0(a2)
             ecall
u_sd_a2:     sd a3, 0(a2)
             ecall
u_jump_a2:   jr a2
u_ok:        li a0, 0x600d
             ecall
    .align 12
user_page_end:

    .section .bss
    .align 12
vm_pool:     .space 4096 * VM_POOL_PAGES
vm_pool_end:
    .align 3
vm_next:     .dword 0
    .text
#endif /* HERON_VM_H */
