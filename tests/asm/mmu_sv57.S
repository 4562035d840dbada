/*
 * mmu_sv57.S - Sv57 translation (5 levels, 57-bit virtual addresses).
 *
 * The common checks in common/paging_checks.h run with satp.MODE = Sv57.
 * Specific to Sv57: a 256 TiB "petapage" leaf at the top level (VA
 * 0x1_0000_0000_0000 -> PA 0) and a 512 GiB terapage one level down, each
 * also with a misaligned PPN (page fault); a 4 KiB page at a VA that needs
 * bit 55; bit 57 set without sign extension faults.
 */
#include "test.h"
#include "vm.h"

#define LEVELS 5
#define SATP_MODE SATP_MODE_SV57
#define VA_BITS 57
#define VA_PETA     0x0001000000000000     /* top-level index 1 */
#define VA_PETA_BAD 0x0002000000000000     /* top-level index 2 */
#define VA_TERA     0x0000008000000000     /* level-3 index 1 (top index 0) */
#define VA_TERA_BAD 0x0000010000000000
#define VA_HIGH     0x0080000000000000     /* needs bit 55 */

    .text
    .globl test_main
test_main:
#include "paging_checks.h"
    csrw satp, zero
    sfence.vma
    li a5, LEVELS
    li s1, 0
    MAP(VA_PETA, s1, RW_AD, 4)
    li s1, 0x8000000000                    /* PPN[3] != 0 */
    MAP(VA_PETA_BAD, s1, RW_AD, 4)
    li s1, 0
    MAP(VA_TERA, s1, RW_AD, 3)
    li s1, 0x80000000                      /* PPN[2] != 0 */
    MAP(VA_TERA_BAD, s1, RW_AD, 3)
    la s1, page_a
    MAP(VA_HIGH, s1, RW_AD, 0)
    SATP_VALUE(a1, s0, SATP_MODE)
    csrw satp, a1
    sfence.vma
    /* 100: load through the petapage */
    TEST_NUM(100)
    RAM_OFF(a2, data_word)
    li t0, VA_PETA + 0x80000000
    add a2, a2, t0
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x0123456789abcdef)
    S_FAULT(101, vm_ld_a2, VA_PETA_BAD + 0x80000000, CAUSE_LOAD_PAGE)
    /* 102: load through the terapage */
    TEST_NUM(102)
    RAM_OFF(a2, data_word)
    li t0, VA_TERA + 0x80000000
    add a2, a2, t0
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x0123456789abcdef)
    S_FAULT(103, vm_ld_a2, VA_TERA_BAD + 0x80000000, CAUSE_LOAD_PAGE)
    S_LOAD_OK(104, VA_HIGH, 0x1111111111111111)
    /* 105: bit 57 set: not canonical for Sv57 */
    S_FAULT(105, vm_ld_a2, 0x0200000000000000, CAUSE_LOAD_PAGE)
    csrw satp, zero
    sfence.vma
    PASS
