/*
 * mmu_sv48.S - Sv48 translation (4 levels, 48-bit virtual addresses).
 *
 * The common checks in common/paging_checks.h run with satp.MODE = Sv48
 * (so the same 4 KiB/2 MiB/1 GiB mappings now hang below a fourth level).
 * Specific to Sv48: a 512 GiB "terapage" leaf at the top level, mapping
 * VA 0x80_0000_0000 to PA 0 (so RAM appears at 0x80_8000_0000); a terapage
 * with a misaligned PPN faults; a VA with bit 47 clear but bit 46 set in the
 * upper half (0x4000_0000_0000) translates only because Sv48 has 48 bits.
 */
#include "test.h"
#include "vm.h"

#define LEVELS 4
#define SATP_MODE SATP_MODE_SV48
#define VA_BITS 48
#define VA_TERA     0x0000008000000000     /* top-level index 1 */
#define VA_TERA_BAD 0x0000010000000000     /* top-level index 2 */
#define VA_HIGH     0x0000400000000000     /* needs bit 46 */

    .text
    .globl test_main
test_main:
#include "paging_checks.h"
    csrw satp, zero
    sfence.vma
    li a5, LEVELS
    li s1, 0
    MAP(VA_TERA, s1, RW_AD, 3)
    li s1, 0x40000000                      /* PPN[2] != 0 */
    MAP(VA_TERA_BAD, s1, RW_AD, 3)
    la s1, page_a
    MAP(VA_HIGH, s1, RW_AD, 0)
    SATP_VALUE(a1, s0, SATP_MODE)
    csrw satp, a1
    sfence.vma
    /* 100: load through the terapage */
    TEST_NUM(100)
    RAM_OFF(a2, data_word)
    li t0, VA_TERA + 0x80000000
    add a2, a2, t0
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x0123456789abcdef)
    /* 101: misaligned terapage */
    S_FAULT(101, vm_ld_a2, VA_TERA_BAD + 0x80000000, CAUSE_LOAD_PAGE)
    /* 102: a 4 KiB page at a VA only Sv48 can express */
    S_LOAD_OK(102, VA_HIGH, 0x1111111111111111)
    /* 103: bit 48 set: not canonical for Sv48 */
    S_FAULT(103, vm_ld_a2, 0x0001000000000000, CAUSE_LOAD_PAGE)
    csrw satp, zero
    sfence.vma
    PASS
