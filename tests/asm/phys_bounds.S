/*
 * phys_bounds.S - accesses at the edges of the physical address space fault.
 *
 * M-mode loads and stores (no translation: the address is physical) at the
 * very top of the 64-bit space, where `pa + size` wraps to a small number,
 * must raise access faults with mtval = the address, never reach the
 * low devices (the CLINT at 0x0200_0000) the wrapped sum points at. An
 * access that starts in RAM and runs past its end faults on the part
 * outside RAM (mtval = the address of the faulting portion, RAM_END), and
 * a store that would straddle the end writes nothing at all. Validated on
 * QEMU 7.2's spike machine with -DQEMU_QUIRKS (two marked divergences).
 *
 * Assumes heron's default 512 MiB of RAM at 0x8000_0000 (QEMU validation:
 * -m 512M).
 */
#include "test.h"

#define RAM_END 0xa0000000
#define TOP8    0xfffffffffffffff8

/* An M-mode access that must fault with `cause` at `tval`. */
#define TEST_FAULT(num, cause, tval, ...) TEST_TRAP(num, PRV_M, cause, tval, __VA_ARGS__)

    .text
    .globl test_main
test_main:
    addi sp, sp, -16
    sd ra, 0(sp)

    /* The CLINT's msip is 0: a wrapped store must not set it. */
    li a3, 1

    /* ---- the top of the address space ---- */
    li a2, TOP8
    TEST_FAULT(1, CAUSE_LOAD_ACCESS, TOP8, ld a4, 0(a2))
    TEST_FAULT(2, CAUSE_STORE_ACCESS, TOP8, sd a3, 0(a2))
    li a2, TOP8 + 4
    TEST_FAULT(3, CAUSE_LOAD_ACCESS, TOP8 + 4, lw a4, 0(a2))
    TEST_FAULT(4, CAUSE_STORE_ACCESS, TOP8 + 4, sw a3, 0(a2))
    li a2, -1
    TEST_FAULT(5, CAUSE_LOAD_ACCESS, -1, lbu a4, 0(a2))
    TEST_FAULT(6, CAUSE_STORE_ACCESS, -1, sb a3, 0(a2))
    li a2, TOP8 + 6
    TEST_FAULT(7, CAUSE_LOAD_ACCESS, TOP8 + 6, lhu a4, 0(a2))
    li a2, TOP8
    TEST_FAULT(8, CAUSE_LOAD_ACCESS, TOP8, fld f1, 0(a2))
#ifdef QEMU_QUIRKS
    /* QEMU 7.2 reports an AMO's access fault as a load access fault; the
       spec says AMOs raise store/AMO faults. */
    TEST_FAULT(9, CAUSE_LOAD_ACCESS, TOP8, amoadd.d a4, a3, (a2))
#else
    TEST_FAULT(9, CAUSE_STORE_ACCESS, TOP8, amoadd.d a4, a3, (a2))
#endif
    TEST_FAULT(10, CAUSE_LOAD_ACCESS, TOP8, lr.d a4, (a2))
    /* Nothing reached the CLINT. */
    TEST_NUM(11)
    li a2, CLINT_MSIP
    lw a4, 0(a2)
    CHECK(a4, 0)
    csrr a4, mip
    andi a4, a4, MIP_MSIP
    CHECK(a4, 0)

    /* ---- the end of RAM ---- */
    /* The last words are ordinary RAM. */
    TEST_NUM(20)
    li a2, RAM_END - 8
    li a4, 0x1122334455667788
    sd a4, 0(a2)
    ld a5, 0(a2)
    CHECK(a5, 0x1122334455667788)
    lw a5, 4(a2)
    CHECK(a5, 0x11223344)
    /* An 8-byte access 4 bytes before the end faults on the part outside
       RAM. */
    li a2, RAM_END - 4
    TEST_FAULT(21, CAUSE_LOAD_ACCESS, RAM_END, ld a4, 0(a2))
    li a3, -1
    TEST_FAULT(22, CAUSE_STORE_ACCESS, RAM_END, sd a3, 0(a2))
    /* ... and the faulting store wrote none of its bytes. (The spec lets a
       misaligned store that faults part-way leave some bytes written, and
       QEMU 7.2 does; heron checks every byte before writing any.) */
#ifndef QEMU_QUIRKS
    TEST_NUM(23)
    li a2, RAM_END - 8
    ld a5, 0(a2)
    CHECK(a5, 0x1122334455667788)
#endif
    li a2, RAM_END
    TEST_FAULT(24, CAUSE_LOAD_ACCESS, RAM_END, lb a4, 0(a2))
    TEST_FAULT(25, CAUSE_STORE_ACCESS, RAM_END, sh a3, 0(a2))
    li a2, RAM_END - 2
    TEST_FAULT(26, CAUSE_LOAD_ACCESS, RAM_END, flw f1, 0(a2))
    /* Instruction fetch past the end: an instruction access fault. */
    TEST_NUM(27)
    li a1, RAM_END
    li a0, PRV_M
    call run_mode
    CHECK_TRAP_CAUSE(CAUSE_FETCH_ACCESS)
    ld t5, trap_epc
    CHECK(t5, RAM_END)

    ld ra, 0(sp)
    addi sp, sp, 16
    PASS
