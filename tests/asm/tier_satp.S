/*
 * tier_satp.S - two address spaces map the same virtual addresses to
 * different code and data; hot code runs in each in turn (S-mode, Sv39).
 *
 * Root A maps VA_F -> fn_a (`li a0, 1; ret`) and VA_D -> data_a (10), root
 * B maps VA_F -> fn_b (`li a0, 2; ret`) and VA_D -> data_b (20); both map
 * the S code with one global identity gigapage. A round calls VA_F and
 * loads VA_D HOT times: s1 = HOT * 1 or 2, s2 = HOT * 10 or 20. Blocks are
 * found by virtual pc and kept by physical address, so each switch must
 * leave nothing of the other space's code or data translations in use.
 *
 *   1-4. M switches satp between A and B (ASID 0) with sfence.vma before
 *        each round: A, B, A, B.
 *   5.   S switches satp itself, ASID 0, sfence.vma after each switch,
 *        ROUNDS rounds alternating A and B.
 *   6.   S switches between A with ASID 1 and B with ASID 2 *without*
 *        sfence.vma, ROUNDS rounds. The privileged spec requires no fence
 *        here: satp writes do not invalidate, but translations are tagged
 *        by ASID, neither ASID was in use before (one sfence.vma after
 *        the ASID-0 rounds, which did reuse ASID 0 for both roots), and
 *        neither space's tables change. Needs ASIDs: if satp.ASID reads
 *        back 0 (ASIDLEN = 0) the round is skipped (heron and QEMU keep
 *        16 bits).
 * A failing S round prints its number (0 = the first) and s1, s2.
 */
#include "test.h"
#include "vm.h"

#define HOT 300
#define ROUNDS 6
#define VA_F 0x10000000
#define VA_D 0x10001000
#define ASID(n) ((n) << 44)

    .text
    .globl test_main
test_main:
    li t0, 10
    sd t0, data_a, t1
    li t0, 20
    sd t0, data_b, t1
    /* root A in s6, root B in s7 */
    call vm_reset
    mv s6, a0
    li a5, 3
#define MAP(root, va, pa_sym, flags, level) \
    mv a0, root; li a1, va; la a2, pa_sym; li a3, flags; li a4, level; call vm_map
    MAP(s6, 0x80000000, _start, RWX_AD | PTE_G, 2)
    MAP(s6, VA_F, fn_a, X_AD, 0)
    MAP(s6, VA_D, data_a, R_AD, 0)
    call vm_alloc
    mv s7, a0
    MAP(s7, 0x80000000, _start, RWX_AD | PTE_G, 2)
    MAP(s7, VA_F, fn_b, X_AD, 0)
    MAP(s7, VA_D, data_b, R_AD, 0)
    SATP_VALUE(s6, s6, SATP_MODE_SV39)      /* from now on: satp values */
    SATP_VALUE(s7, s7, SATP_MODE_SV39)

#define M_ROUND(num, satp_reg, k) \
    TEST_NUM(num); \
    csrw satp, satp_reg; \
    sfence.vma; \
    RUN_IN(PRV_S, s_calls); \
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S); \
    CHECK(s1, (k) * HOT); \
    CHECK(s2, (k) * 10 * HOT)
    M_ROUND(1, s6, 1)
    M_ROUND(2, s7, 2)
    M_ROUND(3, s6, 1)
    M_ROUND(4, s7, 2)

    /* 5: S switches, ASID 0, with sfence.vma */
    TEST_NUM(5)
    mv a2, s6
    mv a3, s7
    li a4, 1
    RUN_IN(PRV_S, s_rounds)
    call check_rounds

    /* 6: ASIDs 1 and 2, no sfence.vma between the switches */
    TEST_NUM(6)
    li t0, ASID(1)
    or a2, s6, t0
    csrw satp, a2
    csrr t1, satp
    bne t1, a2, 1f                  /* no ASIDs: nothing to test */
    sfence.vma                      /* the ASID-0 rounds are forgotten */
    li t0, ASID(2)
    or a3, s7, t0
    li a4, 0
    RUN_IN(PRV_S, s_rounds)
    call check_rounds
1:  csrw satp, zero
    sfence.vma
    PASS

/* after s_rounds: pass if it got to the end, else print the round */
check_rounds:
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    ld t5, trap_epc
    la t6, s_rounds_done
    bne t5, t6, 1f
    ret
1:  la a0, msg_round
    call puts
    mv a0, s10
    call print_dec
    la a0, msg_s1
    call puts
    mv a0, s1
    call print_dec
    la a0, msg_s2
    call puts
    mv a0, s2
    call print_dec
    li a0, '\n'
    call putchar
    j fail

/* S: HOT calls of VA_F and loads of VA_D: s1, s2 = their sums */
s_calls:
    call s_hot
    ecall
s_hot:
    mv s11, ra
    li s8, VA_F
    li s9, VA_D
    li s0, HOT
    li s1, 0
    li s2, 0
1:  jalr s8
    add s1, s1, a0
    ld t3, 0(s9)
    add s2, s2, t3
    addi s0, s0, -1
    bnez s0, 1b
    mv ra, s11
    ret

/* S: ROUNDS rounds, space A (satp a2) in even ones, B (a3) in odd ones;
   sfence.vma after each switch if a4 != 0. s10 = the round. */
s_rounds:
    li s10, 0
1:  andi s3, s10, 1
    mv t1, a2
    beqz s3, 2f
    mv t1, a3
2:  csrw satp, t1
    beqz a4, 3f
    sfence.vma
3:  call s_hot
    li t4, HOT                      /* expected: A 1 and 10, B 2 and 20 */
    li t5, 10 * HOT
    beqz s3, 4f
    slli t4, t4, 1
    slli t5, t5, 1
4:  bne s1, t4, s_rounds_bad
    bne s2, t5, s_rounds_bad
    addi s10, s10, 1
    li t4, ROUNDS
    bne s10, t4, 1b
s_rounds_done:
    ecall
s_rounds_bad:
    ecall

    /* the two functions at VA_F, a page each */
    .section .text.tier_spaces, "ax", @progbits
    .align 12
fn_a:
    li a0, 1
    ret
    .align 12
fn_b:
    li a0, 2
    ret

    .section .rodata
msg_round: .asciz "tier_satp: wrong sums in round "
msg_s1:    .asciz ": s1="
msg_s2:    .asciz " s2="

    .data
    .align 12
data_a: .dword 0
    .align 12
data_b: .dword 0
