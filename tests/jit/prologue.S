/*
 * jit/prologue.S, jit/epilogue.S - the frame of the random programs that
 * tests/jit_diff.rs generates (the loop body between them is random).
 *
 * Bare metal, M-mode, one hart. Fixed registers, never written by the
 * random code: x27 = the UART (byte stores are device writes), x28 = an
 * unmapped address (accesses fault), x29 = the data area, x30 = swapped
 * with mscratch by the trap handler, x31 = the loop counter.
 *
 * The handler counts each trap, sums mcause, xors mtval and skips the
 * faulting instruction (2 or 4 bytes). The signature holds x1..x26 after
 * the loop, the trap record, minstret, fflags and the data area.
 */
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la t0, trap_handler
    csrw mtvec, t0
    li t0, 0x2000                   /* mstatus.FS = Initial: FP on */
    csrs mstatus, t0
    la t0, scratch
    csrw mscratch, t0
    li x27, 0x10000000
    li x28, 0xc0000000
    la x29, data
