/*
 * pmp.S - physical memory protection (16 entries, 4-byte granularity).
 *
 * Checks: pmpaddr/pmpcfg read back; NAPOT, NA4 and TOR regions (including
 * TOR from address 0 for entry 0, and an empty TOR range that matches
 * nothing); R/W/X denial from S and U gives access faults 5 (load), 7
 * (store), 1 (fetch) with mtval = the address; unlocked entries do not
 * restrict M-mode, but M-mode loads with MPRV (MPP = U) are checked with U
 * privilege; OFF entries match nothing; the lowest-numbered matching entry
 * wins; an access only partly inside the deciding entry fails even if that
 * entry allows it; the implicit page-table reads of an Sv39 walk are
 * checked too (access fault, not page fault); a locked entry restricts
 * M-mode (store and fetch) and ignores writes to its pmpcfg byte and
 * pmpaddr. Entry 15 is test.h's allow-everything background entry.
 * Every PMP change is followed by sfence.vma, as the spec asks.
 */
#include "test.h"
#include "vm.h"

/* pmpaddr value for a naturally aligned power-of-two region (size >= 8) */
#define NAPOT(reg, sym, size) la reg, sym; srli reg, reg, 2; ori reg, reg, ((size) >> 3) - 1
#define ADDR(reg, sym, off)   la reg, sym + (off); srli reg, reg, 2
/* set the config byte of entry i (0..7) */
#define CFG(i, cfg) li t0, 0xff << (8 * (i)); csrc pmpcfg0, t0; li t0, (cfg) << (8 * (i)); csrs pmpcfg0, t0
#define CLEAR_ALL csrw pmpcfg0, zero; sfence.vma
#define SYNC sfence.vma
/* S/U access through a2 with the expected outcome */
#define ACCESS(num, prv, snippet, addr_sym, cause)                        \
    TEST_NUM(num); la a2, addr_sym; RUN_IN(prv, snippet); CHECK_TRAP_CAUSE(cause)
#define ACCESS_FAULT(num, prv, snippet, addr_sym, cause)                  \
    ACCESS(num, prv, snippet, addr_sym, cause); CHECK_TRAP_TVAL_SYM(addr_sym)

    .text
    .globl test_main
test_main:
    /* ---------------- CSRs ---------------- */
    TEST_NUM(1)
    NAPOT(a1, pmp_page, 4096)
    csrw pmpaddr0, a1
    csrr a0, pmpaddr0
    bne a0, a1, fail
    li a1, 0x12345
    csrw pmpaddr3, a1
    csrr a0, pmpaddr3
    CHECK(a0, 0x12345)
    TEST_NUM(2)
    CFG(0, PMP_NAPOT | PMP_R)
    csrr a0, pmpcfg0
    andi a0, a0, 0xff
    CHECK(a0, PMP_NAPOT | PMP_R)
    CLEAR_ALL

    /* ---------------- NAPOT, no permissions ---------------- */
    NAPOT(a1, pmp_page, 4096)
    csrw pmpaddr0, a1
    CFG(0, PMP_NAPOT)
    SYNC
    ACCESS_FAULT(3, PRV_S, vm_ld_a2, pmp_page + 0x18, CAUSE_LOAD_ACCESS)
    CHECK_TRAP_EPC(vm_ld_a2)
    ACCESS_FAULT(4, PRV_S, vm_sd_a2, pmp_page + 0x20, CAUSE_STORE_ACCESS)
    ACCESS_FAULT(5, PRV_U, vm_ld_a2, pmp_page, CAUSE_LOAD_ACCESS)
    CHECK_TRAP_PRV(PRV_U)
    /* 6: M-mode is not restricted by an unlocked entry */
    TEST_NUM(6)
    li a1, 0x77
    sd a1, pmp_page + 8, t0
    ld a0, pmp_page + 8
    CHECK(a0, 0x77)
    /* 7: ... unless MPRV makes its loads U-mode loads */
    TEST_NUM(7)
    la a2, pmp_page + 8
    RUN_IN(PRV_M, mprv_u_load)
    li t1, MSTATUS_MPRV
    csrc mstatus, t1
    CHECK_TRAP_CAUSE(CAUSE_LOAD_ACCESS)
    CHECK_TRAP_PRV(PRV_M)
    CHECK_TRAP_TVAL_SYM(pmp_page + 8)
    /* 8: the byte just below the region is still accessible */
    ACCESS(8, PRV_S, vm_ld_a2, pmp_page - 8, CAUSE_ECALL_S)

    /* ---------------- NAPOT, R only / X only / RW ---------------- */
    CFG(0, PMP_NAPOT | PMP_R)
    SYNC
    ACCESS(9, PRV_S, vm_ld_a2, pmp_page + 8, CAUSE_ECALL_S)
    CHECK(a0, 0x77)
    ACCESS_FAULT(10, PRV_S, vm_sd_a2, pmp_page + 8, CAUSE_STORE_ACCESS)
    /* 11: fetch from a region without X */
    NAPOT(a1, pmp_code, 4096)
    csrw pmpaddr0, a1
    CFG(0, PMP_NAPOT | PMP_R | PMP_W)
    SYNC
    TEST_NUM(11)
    la a2, pmp_code
    RUN_IN(PRV_S, vm_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_FETCH_ACCESS)
    CHECK_TRAP_EPC(pmp_code)
    CHECK_TRAP_TVAL_SYM(pmp_code)
    /* 12, 13: X only: fetch works, load does not */
    CFG(0, PMP_NAPOT | PMP_X)
    SYNC
    TEST_NUM(12)
    la a2, pmp_code
    li a0, 0
    RUN_IN(PRV_S, vm_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x600d)
    ACCESS_FAULT(13, PRV_S, vm_ld_a2, pmp_code + 0x40, CAUSE_LOAD_ACCESS)
    CLEAR_ALL

    /* ---------------- NA4 ---------------- */
    /* entry 0: NA4 at pmp_page + 0x100, no permissions;
       entry 1: NAPOT over the page, RW */
    ADDR(a1, pmp_page, 0x100)
    csrw pmpaddr0, a1
    NAPOT(a1, pmp_page, 4096)
    csrw pmpaddr1, a1
    CFG(0, PMP_NA4)
    CFG(1, PMP_NAPOT | PMP_R | PMP_W)
    SYNC
    ACCESS_FAULT(14, PRV_S, vm_lw_a2, pmp_page + 0x100, CAUSE_LOAD_ACCESS)
    ACCESS(15, PRV_S, vm_lw_a2, pmp_page + 0x104, CAUSE_ECALL_S)
    ACCESS(16, PRV_S, vm_lw_a2, pmp_page + 0xfc, CAUSE_ECALL_S)
    /* 17, 18: partial match: NA4 entry 0 now allows RW, but an 8-byte access
       covering it and the next 4 bytes matches it only partly -> fault */
    CFG(0, PMP_NA4 | PMP_R | PMP_W)
    SYNC
    ACCESS(17, PRV_S, vm_lw_a2, pmp_page + 0x100, CAUSE_ECALL_S)
    ACCESS_FAULT(18, PRV_S, vm_ld_a2, pmp_page + 0x100, CAUSE_LOAD_ACCESS)
    CLEAR_ALL

    /* ---------------- TOR ---------------- */
    /* entry 0 (OFF) holds the bottom, entry 1 TOR: [page+0x200, page+0x300)
       with no permissions; entry 2: the whole page RW */
    ADDR(a1, pmp_page, 0x200)
    csrw pmpaddr0, a1
    ADDR(a1, pmp_page, 0x300)
    csrw pmpaddr1, a1
    NAPOT(a1, pmp_page, 4096)
    csrw pmpaddr2, a1
    CFG(1, PMP_TOR)
    CFG(2, PMP_NAPOT | PMP_R | PMP_W)
    SYNC
    ACCESS_FAULT(19, PRV_S, vm_lw_a2, pmp_page + 0x200, CAUSE_LOAD_ACCESS)
    ACCESS_FAULT(20, PRV_S, vm_lw_a2, pmp_page + 0x2fc, CAUSE_LOAD_ACCESS)
    ACCESS(21, PRV_S, vm_lw_a2, pmp_page + 0x300, CAUSE_ECALL_S)   /* top is exclusive */
    ACCESS(22, PRV_S, vm_lw_a2, pmp_page + 0x1fc, CAUSE_ECALL_S)
    /* 23: an OFF entry matches nothing even when its address would */
    TEST_NUM(23)
    CFG(1, PMP_OFF)
    SYNC
    la a2, pmp_page + 0x200
    RUN_IN(PRV_S, vm_lw_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    /* 24: an empty TOR range (bottom above top) matches nothing */
    TEST_NUM(24)
    ADDR(a1, pmp_page, 0x300)
    csrw pmpaddr0, a1
    ADDR(a1, pmp_page, 0x200)
    csrw pmpaddr1, a1
    CFG(1, PMP_TOR)
    SYNC
    la a2, pmp_page + 0x280
    RUN_IN(PRV_S, vm_lw_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CLEAR_ALL
    /* 25, 26: TOR in entry 0 starts at address 0: [0, pmp_page) RWX, and
       entry 1 denies pmp_page */
    ADDR(a1, pmp_page, 0)
    csrw pmpaddr0, a1
    NAPOT(a1, pmp_page, 4096)
    csrw pmpaddr1, a1
    CFG(0, PMP_TOR | PMP_R | PMP_W | PMP_X)
    CFG(1, PMP_NAPOT)
    SYNC
    ACCESS(25, PRV_S, vm_ld_a2, pmp_page - 8, CAUSE_ECALL_S)
    ACCESS_FAULT(26, PRV_S, vm_ld_a2, pmp_page, CAUSE_LOAD_ACCESS)
    CLEAR_ALL

    /* ---------------- priority ---------------- */
    NAPOT(a1, pmp_page, 4096)
    csrw pmpaddr0, a1
    csrw pmpaddr1, a1
    CFG(0, PMP_NAPOT | PMP_R)
    CFG(1, PMP_NAPOT)
    SYNC
    ACCESS(27, PRV_S, vm_ld_a2, pmp_page, CAUSE_ECALL_S)            /* entry 0 decides */
    CFG(0, PMP_NAPOT)
    CFG(1, PMP_NAPOT | PMP_R)
    SYNC
    ACCESS_FAULT(28, PRV_S, vm_ld_a2, pmp_page, CAUSE_LOAD_ACCESS)
    CLEAR_ALL

    /* ---------------- page-table walks are checked ---------------- */
    /* Sv39 identity gigapage; then deny S access to the root table page:
       S cannot even fetch its first instruction (fetch access fault). */
    call vm_reset
    mv s0, a0
    li a5, 3
    mv a0, s0
    li a1, 0x80000000
    li a2, 0x80000000
    li a3, RWX_AD
    li a4, 2
    call vm_map
    SATP_VALUE(a1, s0, SATP_MODE_SV39)
    csrw satp, a1
    SYNC
    TEST_NUM(29)                            /* walk allowed: works */
    la a2, pmp_page - 8
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    TEST_NUM(30)
    srli a1, s0, 2
    ori a1, a1, (4096 >> 3) - 1
    csrw pmpaddr0, a1
    CFG(0, PMP_NAPOT)
    SYNC
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_FETCH_ACCESS)
    CHECK_TRAP_EPC(vm_ld_a2)
    csrw satp, zero
    CLEAR_ALL

    /* ---------------- locked entries (last: they stay until reset) ---------------- */
    /* entry 8: lock_page, R only, locked; entry 9: lock_code, R only, locked */
    TEST_NUM(31)
    NAPOT(a1, lock_page, 4096)
    csrw pmpaddr8, a1
    NAPOT(a1, lock_code, 4096)
    csrw pmpaddr9, a1
    li t0, ((PMP_L | PMP_NAPOT | PMP_R) << 0) | ((PMP_L | PMP_NAPOT | PMP_R) << 8)
    csrs pmpcfg2, t0
    SYNC
    la a1, lock_page
    ld a0, 0(a1)                            /* M may still read */
    CHECK(a0, 0x10c4)
    /* 32: M store to a locked read-only region: store access fault */
    TEST_NUM(32)
    la a2, lock_page + 8
    RUN_IN(PRV_M, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_STORE_ACCESS)
    CHECK_TRAP_PRV(PRV_M)
    CHECK_TRAP_TVAL_SYM(lock_page + 8)
    /* 33: M fetch from a locked region without X */
    TEST_NUM(33)
    la a2, lock_code
    RUN_IN(PRV_M, vm_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_FETCH_ACCESS)
    CHECK_TRAP_EPC(lock_code)
    /* 34: the locked config byte and address ignore writes */
    TEST_NUM(34)
    li t0, 0xff
    csrc pmpcfg2, t0
    li t0, PMP_NAPOT | PMP_R | PMP_W | PMP_X
    csrs pmpcfg2, t0
    csrr a0, pmpcfg2
    andi a0, a0, 0xff
    CHECK(a0, PMP_L | PMP_NAPOT | PMP_R)
    csrr a1, pmpaddr8
    li a2, 0x1234
    csrw pmpaddr8, a2
    csrr a0, pmpaddr8
    bne a0, a1, fail
    /* 35: S is bound by it too */
    ACCESS_FAULT(35, PRV_S, vm_sd_a2, lock_page + 16, CAUSE_STORE_ACCESS)
    PASS

    /* M-mode load through a2 with MPRV = 1, MPP = U */
mprv_u_load:
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    ld a0, 0(a2)
    ecall

    .section .text.pmp_code, "ax", @progbits
    .align 12
pmp_code:
    li a0, 0x600d
    ecall
    .align 12
lock_code:
    li a0, 0x600d
    ecall
    .align 12

    .data
    .align 12
pmp_page:  .space 4096
lock_page: .dword 0x10c4
    .align 12
