/*
 * hot.h - for the JIT's programs (tests/asm/tier_*.S; include after
 * test.h): run code in a RAM buffer often enough that heron translates it.
 *
 *   HOT           calls per round: above the JIT's default threshold (200)
 *   call_buf_hot  s1 = the sum of HOT calls of the code at s2 (a0 = its
 *                 result); clobbers s0, s5
 */
#ifndef HOT
#define HOT 400
#endif

    .pushsection .text
call_buf_hot:
    mv s5, ra
    li s0, HOT
    li s1, 0
1:  jalr s2
    add s1, s1, a0
    addi s0, s0, -1
    bnez s0, 1b
    mv ra, s5
    ret
    .popsection
