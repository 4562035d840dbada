/*
 * words.S - riscof-style signature: writes known words into the region
 * between begin_signature and end_signature and passes. tests/signature.rs
 * checks heron's --signature dump against them (Spike's format: one 32-bit
 * word per line, lowercase hex, in address order).
 */
#include "test.h"

    .text
    .globl test_main
test_main:
    la t0, begin_signature
    li t1, 0x01234567
    sw t1, 0(t0)
    li t1, 0x89abcdef
    sw t1, 4(t0)
    li t1, 0xdeadbeef
    sw t1, 8(t0)
    ret

    .data
    .balign 16
    .globl begin_signature
begin_signature:
    .word 0, 0, 0, 0x55aa55aa
    .globl end_signature
end_signature:
