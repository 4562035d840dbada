/*
 * zifencei.S - fence.i makes stores to instruction memory visible to fetch.
 *
 * The test overwrites instructions in .text with new ones (copied from
 * templates assembled into .data), executes fence.i and requires the new
 * behaviour: a 32-bit instruction in a called function (after the old one
 * was executed many times, so any decoded-instruction cache is warm),
 * repeated patching of the same slot, a 16-bit compressed instruction, an
 * instruction patched in two halfword stores, and an instruction right
 * after the fence.i in the same straight-line code. Whether stale code may
 * run *without* fence.i is not tested: the spec leaves it open.
 */
#include "test.h"

    .text
    .globl test_main
test_main:
    /* 1: the unpatched function returns 1, called 1000 times */
    TEST_NUM(1)
    li s0, 1000
    li s1, 0
1:  call patch_fn
    add s1, s1, a0
    addi s0, s0, -1
    bnez s0, 1b
    CHECK(s1, 1000)

    /* 2: patch "li a0, 1" into "li a0, 2" */
    TEST_NUM(2)
    la a1, tmpl_li2
    lw a2, 0(a1)
    la a3, patch_fn
    sw a2, 0(a3)
    fence.i
    call patch_fn
    CHECK(a0, 2)

    /* 3: and again into "li a0, 3": a second change to the same word */
    TEST_NUM(3)
    la a1, tmpl_li3
    lw a2, 0(a1)
    la a3, patch_fn
    sw a2, 0(a3)
    fence.i
    li s0, 10
    li s1, 0
2:  call patch_fn
    add s1, s1, a0
    addi s0, s0, -1
    bnez s0, 2b
    CHECK(s1, 30)

    /* 4: patch a compressed instruction (c.li a0, 5 -> c.li a0, 6) */
    TEST_NUM(4)
    call patch_c_fn
    CHECK(a0, 5)
    la a1, tmpl_cli6
    lhu a2, 0(a1)
    la a3, patch_c_fn
    sh a2, 0(a3)
    fence.i
    call patch_c_fn
    CHECK(a0, 6)

    /* 5: a 32-bit instruction written as two halfwords */
    TEST_NUM(5)
    call patch_fn2
    CHECK(a0, 0x123)
    la a1, tmpl_xori
    lhu a2, 0(a1)
    lhu a4, 2(a1)
    la a3, patch_fn2 + 4
    sh a2, 0(a3)
    sh a4, 2(a3)
    fence.i
    call patch_fn2
    CHECK(a0, 0x123 ^ 0x7ff)

    /* 6: patch the instruction that directly follows the fence.i */
    TEST_NUM(6)
    la a1, tmpl_li7
    lw a2, 0(a1)
    la a3, inline_slot
    li a0, 0
    sw a2, 0(a3)
    fence.i
    .option push
    .option norvc
inline_slot:
    addi a0, zero, 0            /* becomes li a0, 7 */
    .option pop
    CHECK(a0, 7)

    /* 7: patch a branch into a jump (control flow changes, not just data) */
    TEST_NUM(7)
    call patch_branch_fn
    CHECK(a0, 1)
    la a1, tmpl_jump
    lw a2, 0(a1)
    la a3, branch_slot
    sw a2, 0(a3)
    fence.i
    call patch_branch_fn
    CHECK(a0, 2)
    PASS

    /* ---- patched code ---- */
    .option push
    .option norvc
    .align 2
patch_fn:
    addi a0, zero, 1
    ret
patch_fn2:
    addi a0, zero, 0x123
    addi zero, zero, 0          /* becomes xori a0, a0, 0x7ff */
    ret
patch_branch_fn:
    li a0, 1
branch_slot:
    beq zero, a1, 1f            /* a1 != 0: not taken; becomes j 1f */
    ret
1:  li a0, 2
    ret
    .option pop

    .option push
    .option rvc
    .align 2
patch_c_fn:
    c.li a0, 5
    ret
    .option pop

    /* ---- templates: instructions assembled into data ---- */
    .data
    .option push
    .option norvc
    .align 2
tmpl_li2:  addi a0, zero, 2
tmpl_li3:  addi a0, zero, 3
tmpl_li7:  addi a0, zero, 7
tmpl_xori: xori a0, a0, 0x7ff
    /* a jump with the same displacement as branch_slot -> 1f above (+8) */
tmpl_jump: .word 0x0080006f     /* jal x0, +8 */
    .option pop
    .option push
    .option rvc
    .align 1
tmpl_cli6: c.li a0, 6
    .option pop
