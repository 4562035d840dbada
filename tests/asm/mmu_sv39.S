/*
 * mmu_sv39.S - Sv39 translation (3 levels, 39-bit virtual addresses).
 *
 * The common checks in common/paging_checks.h (4 KiB pages, permissions,
 * invalid and malformed PTEs, megapages and gigapages including misaligned
 * ones, canonical-address rules, U-mode pages, mtval/mepc on every fault)
 * run with satp.MODE = Sv39. Specific to Sv39: a VA that is canonical for
 * Sv48 but not for Sv39 faults.
 */
#include "test.h"
#include "vm.h"

#define LEVELS 3
#define SATP_MODE SATP_MODE_SV39
#define VA_BITS 39

    .text
    .globl test_main
test_main:
#include "paging_checks.h"
    /* 100: bit 39 set: fine in Sv48, not canonical in Sv39 */
    S_FAULT(100, vm_ld_a2, 0x0000008000000000, CAUSE_LOAD_PAGE)
    /* 101: bit 38 set without the upper bits: not canonical either */
    S_FAULT(101, vm_ld_a2, 0x0000004000000000, CAUSE_LOAD_PAGE)
    csrw satp, zero
    sfence.vma
    PASS
