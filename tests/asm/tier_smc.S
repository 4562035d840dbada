/*
 * tier_smc.S - self-modifying code while the code is hot (M-mode, then
 * S-mode with Sv39).
 *
 * Under --accel jit a block that ran HOT times is translated to host code,
 * so every change below replaces code that was (by default or with
 * --jit-threshold 1) already translated. Each change is followed by
 * fence.i before the new code runs, as Zifencei requires; what runs
 * without one is left open by the spec and not tested.
 *
 *   A. a hot loop rewrites, on its last trip, the instruction right after
 *      its own store and fence.i: that trip must already add the new
 *      constant (1); then the same with the roles swapped, so the rewritten
 *      slot is rewritten back (2); a hot loop rewrites the instruction at
 *      the start of the very block that does the store, and the following
 *      trips must see it (3).
 *   B. code written by ordinary stores into a fresh buffer, fence.i, called
 *      HOT times (4); rewritten with a different constant and called again
 *      (5); a copied loop that branches to its own start (one translation
 *      with a loop inside) returns its sum (6), and after its first
 *      instruction is rewritten the new sum (7).
 *   C. a function alone in its page, called HOT times, has its middle
 *      instruction rewritten by a (hot) copy loop in another page (8, 9);
 *      the copy loop had stored into the victim's page HOT times before the
 *      victim ever ran, so a store fast path set up then must not survive
 *      the victim's code being decoded.
 *   D. S-mode, Sv39: a page is mapped twice, executable at VA_CODE and
 *      writable at VA_DATA; a function is written through VA_DATA and
 *      called HOT times through VA_CODE (10), rewritten through VA_DATA and
 *      called again (11): code is tracked by physical page, whatever
 *      virtual page the store went through.
 */
#include "test.h"
#include "vm.h"
#include "hot.h"


/* encodings, for code built at run time */
#define ADDI(rd, rs1, imm) ((((imm) & 0xfff) << 20) | ((rs1) << 15) | ((rd) << 7) | 0x13)
#define RET 0x00008067              /* jalr x0, 0(ra) */
#define A0 10

#define VA_CODE 0x10000000
#define VA_DATA 0x10001000

    .text
    .globl test_main
test_main:
    /* ---- A: a loop rewrites its own code ---- */
    TEST_NUM(1)
    la s2, a_slot
    lw s3, 0(s2)                    /* addi s1, s1, 1 */
    li s4, ADDI(9, 9, 100)          /* addi s1, s1, 100 */
    li s0, HOT
    li s1, 0
    call a_loop
    CHECK(s1, (HOT - 1) + 100)
    /* 2: back: the slot holds addi 100 for HOT - 1 trips, then addi 1 */
    TEST_NUM(2)
    mv s4, s3
    li s0, HOT
    li s1, 0
    call a_loop
    CHECK(s1, 100 * (HOT - 1) + 1)
    lw a0, 0(s2)
    CHECK(a0, ADDI(9, 9, 1))
    /* 3: the store rewrites the first instruction of its own block after
          300 trips; the last HOT - 300 trips add 100 */
    TEST_NUM(3)
    la s2, c_slot
    li s4, ADDI(9, 9, 100)
    li s5, HOT - 300                /* s0 when the rewrite happens */
    li s0, HOT
    li s1, 0
    call c_loop
    CHECK(s1, 300 + 100 * (HOT - 300))

    /* ---- B: code built in a buffer ---- */
    TEST_NUM(4)
    la s2, code_buf
    li t0, ADDI(A0, 0, 7)
    sw t0, 0(s2)
    li t0, RET
    sw t0, 4(s2)
    fence.i
    call call_buf_hot
    CHECK(s1, 7 * HOT)
    TEST_NUM(5)
    li t0, ADDI(A0, 0, -9)
    sw t0, 0(s2)
    fence.i
    call call_buf_hot
    CHECK(s1, -9 * HOT)
    /* 6: copy buf_loop_tmpl (a loop to its own start) into the buffer */
    TEST_NUM(6)
    la a0, code_buf
    la a1, buf_loop_tmpl
    li a2, 4                        /* words of buf_loop_tmpl */
    call copy_words
    fence.i
    li s0, HOT
    li s1, 0
1:  li a0, 0
    li a1, 10                       /* trips of the copied loop */
    jalr s2
    add s1, s1, a0
    addi s0, s0, -1
    bnez s0, 1b
    CHECK(s1, 30 * HOT)
    /* 7: its first instruction becomes addi a0, a0, 5 */
    TEST_NUM(7)
    li t0, ADDI(A0, A0, 5)
    sw t0, 0(s2)
    fence.i
    li a0, 0
    li a1, 10
    jalr s2
    CHECK(a0, 50)

    /* ---- C: a hot function rewritten from another page ---- */
    TEST_NUM(8)
    li s0, HOT                      /* store into the victim's page first */
1:  la a0, victim_data
    la a1, tmpl_addi5
    li a2, 1
    call copy_words
    addi s0, s0, -1
    bnez s0, 1b
    li s0, HOT
    li s1, 0
2:  call victim
    add s1, s1, a0
    addi s0, s0, -1
    bnez s0, 2b
    CHECK(s1, 12 * HOT)
    TEST_NUM(9)
    la a0, victim_slot
    la a1, tmpl_addi5
    li a2, 1
    call copy_words
    fence.i
    li s0, HOT
    li s1, 0
3:  call victim
    add s1, s1, a0
    addi s0, s0, -1
    bnez s0, 3b
    CHECK(s1, 16 * HOT)

    /* ---- D: S-mode, a page mapped for execution and for writing ---- */
    call vm_reset
    mv s0, a0
    li a5, 3
#define MAP(va, pa_reg, flags, level) \
    mv a0, s0; li a1, va; mv a2, pa_reg; li a3, flags; li a4, level; call vm_map
    li s1, 0x80000000
    MAP(0x80000000, s1, RWX_AD, 2)          /* identity gigapage: S code */
    la s1, alias_page
    MAP(VA_CODE, s1, X_AD, 0)
    MAP(VA_DATA, s1, RW_AD, 0)
    SATP_VALUE(a1, s0, SATP_MODE_SV39)
    csrw satp, a1
    sfence.vma
    TEST_NUM(10)
    li s4, ADDI(A0, 0, 21)
    RUN_IN(PRV_S, s_alias)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(s1, 21 * HOT)
    TEST_NUM(11)
    li s4, ADDI(A0, 0, 23)
    RUN_IN(PRV_S, s_alias)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(s1, 23 * HOT)
    csrw satp, zero
    sfence.vma
    PASS

    .option push
    .option norvc
/* s0 trips; on the last one (s0 = 0 after the decrement) a_slot becomes the
   instruction in s4; s1 += the slot's constant on every trip */
a_loop:
1:  addi s0, s0, -1
    bnez s0, 2f
    sw s4, 0(s2)                    /* s2 = a_slot */
2:  fence.i
a_slot:
    addi s1, s1, 1
    bnez s0, 1b
    ret

/* s0 trips; when s0 reaches s5 the block's own first instruction, c_slot,
   becomes the instruction in s4 */
c_loop:
c_slot:
    addi s1, s1, 1
    addi s0, s0, -1
    bne s0, s5, 2f
    sw s4, 0(s2)                    /* s2 = c_slot */
2:  fence.i
    bnez s0, c_slot
    ret
    .option pop

/* S-mode (s4 = an instruction for a0, then ret): write it through VA_DATA,
   fence.i, call it HOT times through VA_CODE; s1 = the sum */
s_alias:
    li s2, VA_DATA
    li s3, VA_CODE
    sw s4, 0(s2)
    li t0, RET
    sw t0, 4(s2)
    fence.i
    li s0, HOT
    li s1, 0
1:  jalr s3
    add s1, s1, a0
    addi s0, s0, -1
    bnez s0, 1b
    ecall

    /* the copier lives in a page of its own, away from its targets */
    .section .text.tier_copier, "ax", @progbits
    .align 12
/* copy a2 words from a1 to a0; clobbers a0-a3 */
copy_words:
1:  lw a3, 0(a1)
    sw a3, 0(a0)
    addi a0, a0, 4
    addi a1, a1, 4
    addi a2, a2, -1
    bnez a2, 1b
    ret

    /* the victim of C, alone in its page (with a data word the copier
       writes before the code ever runs) */
    .section .text.tier_victim, "ax", @progbits
    .align 12
    .option push
    .option norvc
victim:
    addi a0, zero, 11
victim_slot:
    addi a0, a0, 1                  /* becomes addi a0, a0, 5 */
    ret
    .option pop
    .align 11
victim_data:
    .word 0

    /* the page D maps twice */
    .align 12
alias_page:
    .space 4096

    .section .rodata
    .align 2
    .option push
    .option norvc
tmpl_addi5:
    addi a0, a0, 5
/* a0 += 3, a1 times: a loop that branches to its own start */
buf_loop_tmpl:
    addi a0, a0, 3
    addi a1, a1, -1
    bnez a1, buf_loop_tmpl
    ret
    .option pop

    .section .bss
    .align 12
code_buf:
    .space 4096
