/*
 * smp_sbi.S - the SBI's multi-hart extensions, from S-mode (heron --bios
 * builtin --smp 4): HSM, IPI and RFENCE, SBI v2.0.
 *
 * Entered in S-mode on the boot hart B (hart 0 on heron) with a0 = hartid,
 * a1 = the device tree, satp = 0; the other harts are STOPPED until the
 * test starts them. Harts are found with hart_get_status (0, 1, ... until
 * SBI_ERR_INVALID_PARAM); H1, H2, H3 are the three after B (mod N). Every
 * hart the test starts runs a mailbox server: the boot hart posts a command
 * (stop, suspend, take IPIs, read sip, set satp, load from a virtual
 * address, call a function) and waits, bounded, for the answer.
 *
 * Checks:
 *   1  the boot hart is hart 0 (a0 at entry)
 *   2  at entry satp = 0 and sstatus.SIE = 0
 *   3  a1 at entry points at a flattened device tree (magic d00dfeed)
 *   4  sbi_probe_extension finds HSM, IPI and RFENCE
 *   5  at least 4 harts (hart_get_status answers for 0..N-1)
 *   6  hart_get_status(B) = STARTED
 *   7  every other hart is STOPPED
 *   8  hart_get_status(99) = SBI_ERR_INVALID_PARAM (-3)
 *   9  hart_start(99, ...) = SBI_ERR_INVALID_PARAM
 *  10  hart_start(H1, entry, opaque) = 0 and H1 runs
 *  11  ... at that entry with a0 = H1
 *  12  ... and a1 = opaque
 *  13  ... satp = 0, sstatus.SIE = 0
 *  14  hart_get_status(H1) becomes STARTED
 *  15  hart_start(H1) again = SBI_ERR_ALREADY_AVAILABLE (-6)
 *  16  hart_stop on H1 (it must not return); H1 becomes STOPPED
 *  17  hart_start(H1) again, at another entry with another opaque: it runs
 *      there with a0 = H1, a1 = the new opaque, satp = 0, SIE = 0
 *  18  sbi_send_ipi(mask 1 << H2, base 0) = 0; H2, running with
 *      sstatus.SIE = 1 and sie.SSIE = 1, takes one S-mode software
 *      interrupt
 *  19  ... with scause = interrupt 1 (its handler clears sip.SSIP)
 *  20  sbi_send_ipi(mask 1, base H2) reaches H2 too
 *  21  the caller's own sip.SSIP stayed clear
 *  22  an IPI to the caller itself (SIE = 0) sets its sip.SSIP, which it
 *      can clear
 *  23  one call to H2 and H3 (mask with two bits): one interrupt each
 *  24  base = -1 (all harts): H2 and H3 take one, the caller and H1 (SIE
 *      = 0) see sip.SSIP
 *  25  hart_suspend(retentive default) on H3: its status becomes SUSPENDED
 *  26  an IPI wakes it; the call returns 0
 *  27  ... with sip.SSIP pending there
 *  28  ... and H3 is STARTED again
 *  29  hart_suspend(non-retentive default, resume address, opaque) on H3:
 *      SUSPENDED
 *  30  an IPI wakes it: it resumes at the resume address with a0 = H3,
 *      a1 = opaque
 *  31  ... satp = 0, SIE = 0, and it is STARTED
 *  32  H1 turns on Sv39 (a page table the boot hart built) and reads a
 *      page at VA_T: page A's value
 *  33  the boot hart points VA_T at page B, calls
 *      sbi_remote_sfence_vma(H1, VA_T, 4 KiB) = 0; H1 reads B. heron caches
 *      translations per hart, so H1 would still see A if the remote fence
 *      had not flushed its TLB before the call returned.
 *  34  page C, sbi_remote_sfence_vma_asid(mask 1, base H1, VA_T, 4 KiB, the
 *      ASID H1 runs with): H1 reads C
 *  35  page A, sbi_remote_sfence_vma(size = -1: everything): H1 reads A
 *  36  page B, sbi_remote_sfence_vma(start 0, size 0: everything): H1
 *      reads B
 *  37  page C, sbi_remote_sfence_vma(base = -1: all harts): H1 reads C
 *  38  sbi_remote_sfence_vma to hart 99 = SBI_ERR_INVALID_PARAM
 *  39  H1 runs a function (many times); the boot hart rewrites it and calls
 *      sbi_remote_fence_i(H1) = 0; H1 must run the new code (without any
 *      fence.i of its own). Several rounds.
 *
 * Validation on QEMU: OpenSBI 1.1 (SBI v1.0) under -M virt -smp 4, linked
 * at 0x8020_0000 (see test.h); -DQEMU_QUIRKS marks where OpenSBI differs.
 */
#define TEST_SMODE
#include "test.h"
#include "smp.h"
#include "vm.h"

/* ---- SBI ---- */
#define EID_BASE   0x10
#define EID_IPI    0x735049
#define EID_RFENCE 0x52464E43
#define EID_HSM    0x48534D
#define SBI_CALL(eid, fid) li a7, eid; li a6, fid; ecall
#define SBI_PROBE_EXTENSION 3
#define SBI_HART_START      0
#define SBI_HART_STOP       1
#define SBI_HART_GET_STATUS 2
#define SBI_HART_SUSPEND    3
#define SBI_REMOTE_FENCE_I          0
#define SBI_REMOTE_SFENCE_VMA       1
#define SBI_REMOTE_SFENCE_VMA_ASID  2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_ALREADY_AVAILABLE -6
#define HSM_STARTED   0
#define HSM_STOPPED   1
#define HSM_SUSPENDED 4
#define SUSPEND_RETENTIVE     0x00000000
#define SUSPEND_NON_RETENTIVE 0x80000000

#define OPAQUE1 0x123456789abcdef0
#define OPAQUE2 0x0fedcba987654321
#define OPAQUE3 0x5a5a0000a5a5ffff

/* ---- mailbox commands ---- */
#define CMD_STOP     1
#define CMD_IRQ_ON   2      /* take S-mode software interrupts */
#define CMD_READ_SIP 3      /* res0 = sip; clear sip.SSIP */
#define CMD_SUSPEND  4      /* hart_suspend(arg0, arg1, arg2); res0 = a0, res1 = sip */
#define CMD_SATP     5      /* satp = arg0; sfence.vma; res0 = satp */
#define CMD_LOAD     6      /* res0 = ld (arg0) */
#define CMD_CALL     7      /* res0 = patch_fn(); res1 = calls (of 50) that disagreed */

/* mailbox of a hart: 64 bytes at mbox + 64 * hartid */
#define MB_SEQ  0
#define MB_CMD  8
#define MB_ARG0 16
#define MB_ARG1 24
#define MB_ARG2 32
#define MB_RES0 40
#define MB_RES1 48
#define MB_ACK  56
/* what a hart saw when it entered: 64 bytes at rec + 64 * hartid */
#define RC_A0      0
#define RC_A1      8
#define RC_SATP    16
#define RC_SSTATUS 24
#define RC_ENTRY   32       /* which entry: 1, 2 (hart_start), 3 (resume) */
#define RC_COUNT   40       /* entries so far */

/* ---- paging ---- */
#define VA_T   0x40000000   /* 4 KiB page, not global */
#define ASID_T 5

    .text
    .globl test_main
test_main:
    /* ---- entry state ---- */
    ld s5, boot_hartid              /* s5 = B */
#ifndef QEMU_QUIRKS
    /* OpenSBI picks its boot hart by lottery; heron always boots hart 0. */
    TEST_NUM(1)
    CHECK(s5, 0)
#endif
    TEST_NUM(2)
    ld a0, boot_satp
    CHECK(a0, 0)
    ld a0, boot_sstatus
    andi a0, a0, MSTATUS_SIE
    CHECK(a0, 0)
    TEST_NUM(3)
    ld a0, boot_dtb
    beqz a0, fail
    lwu a0, 0(a0)
    CHECK(a0, 0xedfe0dd0)           /* d0 0d fe ed, read little-endian */
    TEST_NUM(4)
    li a0, EID_HSM
    call probe
    li a0, EID_IPI
    call probe
    li a0, EID_RFENCE
    call probe

    /* ---- HSM: who is there ---- */
    TEST_NUM(5)
    li s4, 0                        /* s4 = N */
1:  mv a0, s4
    SBI_CALL(EID_HSM, SBI_HART_GET_STATUS)
    li t0, SBI_ERR_INVALID_PARAM
    beq a0, t0, 2f
    bnez a0, fail
    addi s4, s4, 1
    li t0, SMP_MAX_HARTS
    bltu s4, t0, 1b
2:  li t0, 4
    bltu s4, t0, too_few_harts
    sw s4, smp_nharts, t0
    addi s1, s5, 1                  /* s1..s3 = H1..H3 */
    remu s1, s1, s4
    addi s2, s5, 2
    remu s2, s2, s4
    addi s3, s5, 3
    remu s3, s3, s4
    TEST_NUM(6)
    mv a0, s5
    call hsm_status
    CHECK(a0, 0)
    CHECK(a1, HSM_STARTED)
    TEST_NUM(7)
    li s6, 0
3:  beq s6, s5, 4f
    mv a0, s6
    call hsm_status
    CHECK(a0, 0)
    CHECK(a1, HSM_STOPPED)
4:  addi s6, s6, 1
    bltu s6, s4, 3b
    TEST_NUM(8)
    li a0, 99
    call hsm_status
    CHECK(a0, SBI_ERR_INVALID_PARAM)
    TEST_NUM(9)
    li a0, 99
    la a1, entry1
    li a2, 0
    SBI_CALL(EID_HSM, SBI_HART_START)
    CHECK(a0, SBI_ERR_INVALID_PARAM)

    /* ---- HSM: start, stop, start again ---- */
    TEST_NUM(10)
    mv a0, s1
    la a1, entry1
    li a2, OPAQUE1
    li a3, 1
    call start_and_wait
    TEST_NUM(11)
    mv a0, s1
    call rec_of
    ld t0, RC_A0(a0)
    bne t0, s1, fail
    TEST_NUM(12)
    ld t0, RC_A1(a0)
    CHECK(t0, OPAQUE1)
    TEST_NUM(13)
    call check_clean_entry
    TEST_NUM(14)
    mv a0, s1
    li a1, HSM_STARTED
    call wait_status
    TEST_NUM(15)
    mv a0, s1
    la a1, entry1
    li a2, 0
    SBI_CALL(EID_HSM, SBI_HART_START)
    CHECK(a0, SBI_ERR_ALREADY_AVAILABLE)
    TEST_NUM(16)
    mv a0, s1
    li a1, CMD_STOP
    call mbox_post
    mv a0, s1
    li a1, HSM_STOPPED
    call wait_status
    TEST_NUM(17)
    mv a0, s1
    la a1, entry2
    li a2, OPAQUE2
    li a3, 2
    call start_and_wait
    mv a0, s1
    call rec_of
    ld t0, RC_A0(a0)
    bne t0, s1, fail
    ld t0, RC_A1(a0)
    CHECK(t0, OPAQUE2)
    call check_clean_entry
    mv a0, s1
    li a1, HSM_STARTED
    call wait_status

    /* ---- IPI ---- */
    TEST_NUM(18)
    mv a0, s2
    la a1, entry1
    li a2, 0
    li a3, 1
    call start_and_wait
    mv a0, s2
    li a1, CMD_IRQ_ON
    call mbox_cmd
    li a0, 1
    sll a0, a0, s2
    li a1, 0
    SBI_CALL(EID_IPI, 0)
    CHECK(a0, 0)
    mv a0, s2
    li a1, 1
    call wait_ssi
    TEST_NUM(19)
    slli t0, s2, 3
    la a0, ssi_cause
    add a0, a0, t0
    ld a0, 0(a0)
    CHECK(a0, CAUSE_INTR | IRQ_S_SOFT)
    TEST_NUM(20)
    li a0, 1
    mv a1, s2
    SBI_CALL(EID_IPI, 0)
    CHECK(a0, 0)
    mv a0, s2
    li a1, 2
    call wait_ssi
    TEST_NUM(21)
    csrr a0, sip
    andi a0, a0, MIP_SSIP
    CHECK(a0, 0)
    TEST_NUM(22)
    li a0, 1
    mv a1, s5
    SBI_CALL(EID_IPI, 0)
    CHECK(a0, 0)
    call wait_own_ssip
    csrci sip, MIP_SSIP
    csrr a0, sip
    andi a0, a0, MIP_SSIP
    CHECK(a0, 0)
    TEST_NUM(23)
    mv a0, s3
    la a1, entry1
    li a2, 0
    li a3, 1
    call start_and_wait
    mv a0, s3
    li a1, CMD_IRQ_ON
    call mbox_cmd
    li a0, 1
    sll t0, a0, s2
    sll t1, a0, s3
    or a0, t0, t1
    li a1, 0
    SBI_CALL(EID_IPI, 0)
    CHECK(a0, 0)
    mv a0, s2
    li a1, 3
    call wait_ssi
    mv a0, s3
    li a1, 1
    call wait_ssi
    TEST_NUM(24)
    li a0, 0
    li a1, -1
    SBI_CALL(EID_IPI, 0)
    CHECK(a0, 0)
    mv a0, s2
    li a1, 4
    call wait_ssi
    mv a0, s3
    li a1, 2
    call wait_ssi
    call wait_own_ssip
    csrci sip, MIP_SSIP
    mv a0, s1
    li a1, CMD_READ_SIP
    call mbox_cmd
    andi a0, a0, MIP_SSIP
    CHECK(a0, MIP_SSIP)
    li a0, 5 * TICKS_PER_MS         /* nothing more arrives */
    call smp_delay
    mv a0, s2
    li a1, 4
    call check_ssi
    mv a0, s3
    li a1, 2
    call check_ssi

    /* ---- HSM: suspend ---- */
    TEST_NUM(25)
    mv a0, s3
    li a1, CMD_SUSPEND
    li a2, SUSPEND_RETENTIVE
    li a3, 0
    li a4, 0
    call mbox_post
    mv s6, a0                       /* its seq */
    mv a0, s3
    li a1, HSM_SUSPENDED
    call wait_status
    TEST_NUM(26)
    li a0, 1
    sll a0, a0, s3
    li a1, 0
    SBI_CALL(EID_IPI, 0)
    CHECK(a0, 0)
    mv a0, s3
    mv a1, s6
    call mbox_wait
    CHECK(a0, 0)
    TEST_NUM(27)
    andi a1, a1, MIP_SSIP
    CHECK(a1, MIP_SSIP)
    TEST_NUM(28)
    mv a0, s3
    call hsm_status
    CHECK(a0, 0)
    CHECK(a1, HSM_STARTED)
    TEST_NUM(29)
    mv a0, s3
    call rec_of
    ld s7, RC_COUNT(a0)             /* entries of H3 so far */
    mv a0, s3
    li a1, CMD_SUSPEND
    li a2, SUSPEND_NON_RETENTIVE
    la a3, resume_entry
    li a4, OPAQUE3
    call mbox_post
    mv s6, a0
    mv a0, s3
    li a1, HSM_SUSPENDED
    call wait_status
    TEST_NUM(30)
    li a0, 1
    sll a0, a0, s3
    li a1, 0
    SBI_CALL(EID_IPI, 0)
    CHECK(a0, 0)
    mv a0, s3                       /* the resumed hart acknowledges */
    mv a1, s6
    call mbox_wait
    mv a0, s3
    call rec_of
    ld t0, RC_COUNT(a0)
    addi s7, s7, 1
    bne t0, s7, fail
    ld t0, RC_ENTRY(a0)
    CHECK(t0, 3)
    ld t0, RC_A0(a0)
    bne t0, s3, fail
    ld t0, RC_A1(a0)
    CHECK(t0, OPAQUE3)
    TEST_NUM(31)
    call check_clean_entry
    mv a0, s3
    li a1, HSM_STARTED
    call wait_status

    /* ---- RFENCE: sfence.vma on H1 ---- */
    TEST_NUM(32)
    li t0, 0xaaaa
    sd t0, page_a, t1
    li t0, 0xbbbb
    sd t0, page_b, t1
    li t0, 0xcccc
    sd t0, page_c, t1
    call vm_reset
    mv s0, a0                       /* s0 = root */
    mv a0, s0                       /* identity: devices (the finisher) */
    li a1, 0
    li a2, 0
    li a3, RW_AD | PTE_G
    li a4, 2
    li a5, 3
    call vm_map
    mv a0, s0                       /* identity: RAM */
    li a1, 0x80000000
    li a2, 0x80000000
    li a3, RWX_AD | PTE_G
    li a4, 2
    li a5, 3
    call vm_map
    mv a0, s0
    li a1, VA_T
    la a2, page_a
    li a3, RW_AD
    li a4, 0
    li a5, 3
    call vm_map
    mv s6, a0                       /* s6 = the leaf PTE of VA_T */
    fence rw, rw
    srli a2, s0, 12
    li t0, SATP_MODE_SV39 | (ASID_T << 44)
    or a2, a2, t0
    mv a0, s1
    li a1, CMD_SATP
    call mbox_cmd
    srli t0, a0, 60
    CHECK(t0, 8)                    /* Sv39 is on */
    srli s7, a0, 44                 /* s7 = the ASID H1 really has */
    li t0, 0xffff
    and s7, s7, t0
    li a1, 0xaaaa
    call h1_load                    /* three times: the TLB has it now */
    li a1, 0xaaaa
    call h1_load
    li a1, 0xaaaa
    call h1_load

    TEST_NUM(33)
    la a0, page_b
    call set_pte
    li a0, 1
    sll a0, a0, s1
    li a1, 0
    li a2, VA_T
    li a3, 4096
    SBI_CALL(EID_RFENCE, SBI_REMOTE_SFENCE_VMA)
    CHECK(a0, 0)
    li a1, 0xbbbb
    call h1_load

    TEST_NUM(34)
    la a0, page_c
    call set_pte
    li a0, 1
    mv a1, s1
    li a2, VA_T
    li a3, 4096
    mv a4, s7
    SBI_CALL(EID_RFENCE, SBI_REMOTE_SFENCE_VMA_ASID)
    CHECK(a0, 0)
    li a1, 0xcccc
    call h1_load

    TEST_NUM(35)
    la a0, page_a
    call set_pte
    li a0, 1
    sll a0, a0, s1
    li a1, 0
    li a2, 0
    li a3, -1
    SBI_CALL(EID_RFENCE, SBI_REMOTE_SFENCE_VMA)
    CHECK(a0, 0)
    li a1, 0xaaaa
    call h1_load

    TEST_NUM(36)
    la a0, page_b
    call set_pte
    li a0, 1
    sll a0, a0, s1
    li a1, 0
    li a2, 0
    li a3, 0
    SBI_CALL(EID_RFENCE, SBI_REMOTE_SFENCE_VMA)
    CHECK(a0, 0)
    li a1, 0xbbbb
    call h1_load

    TEST_NUM(37)
    la a0, page_c
    call set_pte
    li a0, 0
    li a1, -1
    li a2, VA_T
    li a3, 4096
    SBI_CALL(EID_RFENCE, SBI_REMOTE_SFENCE_VMA)
    CHECK(a0, 0)
    li a1, 0xcccc
    call h1_load

    TEST_NUM(38)
    li a0, 1
    li a1, 99
    li a2, VA_T
    li a3, 4096
    SBI_CALL(EID_RFENCE, SBI_REMOTE_SFENCE_VMA)
    CHECK(a0, SBI_ERR_INVALID_PARAM)
    mv a0, s1                       /* H1 back to bare */
    li a1, CMD_SATP
    li a2, 0
    call mbox_cmd
    CHECK(a0, 0)

    /* ---- RFENCE: fence.i on H1 ---- */
    TEST_NUM(39)
    li s6, 1                        /* s6 = the value patch_fn returns */
    li s8, 0                        /* s8 = round */
5:  mv a0, s1
    li a1, CMD_CALL
    call mbox_cmd
    mv s9, a1
    mv a1, s6
    call check_eq
    CHECK(s9, 0)                    /* all 50 calls agreed */
    addi s8, s8, 1
    li t0, 8
    bgtu s8, t0, 6f
    li t0, 97                       /* the next value */
    mul s6, s8, t0
    addi s6, s6, 1
    andi s6, s6, 0x7ff
    slli t1, s6, 20                 /* addi a0, zero, s6 */
    li t0, (10 << 7) | 0x13
    or t1, t1, t0
    la t0, patch_fn
    sw t1, 0(t0)
    fence rw, rw
    li a0, 1
    sll a0, a0, s1
    li a1, 0
    SBI_CALL(EID_RFENCE, SBI_REMOTE_FENCE_I)
    CHECK(a0, 0)
    j 5b
6:  PASS

too_few_harts:
    call print_acquire
    la a0, msg_few_harts
    call puts
    call print_release
    j fail

/* ------------------------------------------------------------------------
 * Helpers of the boot hart. They keep s0-s11 unless they say otherwise.
 * ------------------------------------------------------------------------ */

/* probe(a0 = EID): fail unless sbi_probe_extension says it is there */
probe:
    SBI_CALL(EID_BASE, SBI_PROBE_EXTENSION)
    bnez a0, fail
    beqz a1, fail
    ret

/* hsm_status(a0 = hartid) -> a0 = error, a1 = state */
hsm_status:
    SBI_CALL(EID_HSM, SBI_HART_GET_STATUS)
    ret

/* wait_status(a0 = hartid, a1 = state): poll hart_get_status until it says
   `state` (others, e.g. the *_PENDING ones, may come first); bounded. */
wait_status:
    addi sp, sp, -32
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    sd s2, 24(sp)
    mv s0, a0
    mv s1, a1
    READ_TIME(s2)
    li t0, SMP_TIMEOUT_TICKS
    add s2, s2, t0
1:  mv a0, s0
    SBI_CALL(EID_HSM, SBI_HART_GET_STATUS)
    bnez a0, fail
    beq a1, s1, 2f
    READ_TIME(t0)
    bltu t0, s2, 1b
    mv a0, a1                       /* report the state it stayed in */
    mv a1, s1
    call check_eq
2:  ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    ld s2, 24(sp)
    addi sp, sp, 32
    ret

/* start_and_wait(a0 = hartid, a1 = entry, a2 = opaque, a3 = the RC_ENTRY
   that entry records): hart_start must return 0 and the hart must arrive
   at the entry (its RC_COUNT goes up by one, RC_ENTRY = a3). */
start_and_wait:
    addi sp, sp, -32
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    sd s2, 24(sp)
    mv s0, a0
    mv s2, a3
    mv t2, a1
    call rec_of
    ld s1, RC_COUNT(a0)
    addi s1, s1, 1
    mv a0, s0
    mv a1, t2
    SBI_CALL(EID_HSM, SBI_HART_START)
    CHECK(a0, 0)
    mv a0, s0
    call rec_of
    addi a0, a0, RC_COUNT
    mv a1, s1
    call smp_wait_d
    mv a0, s0
    call rec_of
    ld t0, RC_ENTRY(a0)
    bne t0, s2, fail
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    ld s2, 24(sp)
    addi sp, sp, 32
    ret

/* rec_of(a0 = hartid) -> a0 = its entry record. Clobbers t0. */
rec_of:
    slli t0, a0, 6
    la a0, rec
    add a0, a0, t0
    ret

/* check_clean_entry(a0 = a record): satp = 0 and sstatus.SIE = 0 there */
check_clean_entry:
    ld t0, RC_SATP(a0)
    CHECK(t0, 0)
    ld t0, RC_SSTATUS(a0)
    andi t0, t0, MSTATUS_SIE
    CHECK(t0, 0)
    ret

/* mbox_post(a0 = hartid, a1 = command, a2-a4 = arguments) -> a0 = its
   sequence number. mbox_wait(a0 = hartid, a1 = sequence number) -> a0, a1 =
   the results. mbox_cmd = both. Clobber t0-t5. */
mbox_post:
    slli t0, a0, 6
    la t1, mbox
    add t1, t1, t0
    sd a1, MB_CMD(t1)
    sd a2, MB_ARG0(t1)
    sd a3, MB_ARG1(t1)
    sd a4, MB_ARG2(t1)
    ld a0, MB_SEQ(t1)
    addi a0, a0, 1
    fence rw, w
    sd a0, MB_SEQ(t1)
    ret
mbox_wait:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd s0, 8(sp)
    slli t0, a0, 6
    la s0, mbox
    add s0, s0, t0
    addi a0, s0, MB_ACK
    call smp_wait_d
    ld a0, MB_RES0(s0)
    ld a1, MB_RES1(s0)
    ld ra, 0(sp)
    ld s0, 8(sp)
    addi sp, sp, 16
    ret
mbox_cmd:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd a0, 8(sp)
    call mbox_post
    mv a1, a0
    ld a0, 8(sp)
    call mbox_wait
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* wait_ssi(a0 = hartid, a1 = n): wait until that hart has taken n software
   interrupts. check_ssi: it has taken exactly n. */
wait_ssi:
    addi sp, sp, -16
    sd ra, 0(sp)
    slli t0, a0, 3
    la a0, ssi_count
    add a0, a0, t0
    call smp_wait_ge_d
    ld ra, 0(sp)
    addi sp, sp, 16
    j check_ssi_at
check_ssi:
    slli t0, a0, 3
    la a0, ssi_count
    add a0, a0, t0
check_ssi_at:
    ld a0, 0(a0)
    j check_eq

/* wait_own_ssip: wait (bounded) for this hart's sip.SSIP */
wait_own_ssip:
    READ_TIME(t1)
    li t0, SMP_TIMEOUT_TICKS
    add t1, t1, t0
1:  csrr t0, sip
    andi t0, t0, MIP_SSIP
    bnez t0, 2f
    READ_TIME(t0)
    bltu t0, t1, 1b
    j fail
2:  ret

/* set_pte(a0 = page): point VA_T's leaf (at s6) at that page */
set_pte:
    srli a0, a0, 12
    slli a0, a0, 10
    ori a0, a0, RW_AD
    sd a0, 0(s6)
    fence rw, rw
    ret

/* h1_load(a1 = expected): H1 loads from VA_T, which must give a1 */
h1_load:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd a1, 8(sp)
    mv a0, s1
    li a1, CMD_LOAD
    li a2, VA_T
    call mbox_cmd
    ld a1, 8(sp)
    call check_eq
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* ------------------------------------------------------------------------
 * The other harts.
 * ------------------------------------------------------------------------ */

/* Entries: record a0, a1, satp, sstatus and which entry it was, then serve
   the mailbox. Commands posted before (the hart_stop that stopped it, the
   suspend it resumes from) count as done. */
    .align 2
entry1:
    li t1, 1
    j entered
    .align 2
entry2:
    li t1, 2
    j entered
    .align 2
resume_entry:
    li t1, 3
entered:
    csrr t2, satp
    csrr t3, sstatus
    call s_hart_init                /* tp, sp, stvec; keeps a0, a1 */
    slli t0, tp, 6
    la t4, rec
    add t4, t4, t0
    sd a0, RC_A0(t4)
    sd a1, RC_A1(t4)
    sd t2, RC_SATP(t4)
    sd t3, RC_SSTATUS(t4)
    sd t1, RC_ENTRY(t4)
    ld t1, RC_COUNT(t4)
    addi t1, t1, 1
    fence rw, w                     /* the record, then its count */
    sd t1, RC_COUNT(t4)
    la s0, mbox
    add s0, s0, t0                  /* s0 = this hart's mailbox */
    ld s1, MB_SEQ(s0)               /* s1 = the last command done */
    sd a0, MB_RES0(s0)              /* (for the resumed suspend) */
    sd a1, MB_RES1(s0)
    fence rw, w                     /* the count, then the ack */
    sd s1, MB_ACK(s0)

/* The mailbox server: s0 = mailbox, s1 = last sequence number done. */
serve:
    ld t0, MB_SEQ(s0)
    beq t0, s1, serve
    fence r, rw
    mv s1, t0
    ld t1, MB_CMD(s0)
    ld a0, MB_ARG0(s0)
    ld a1, MB_ARG1(s0)
    ld a2, MB_ARG2(s0)
    li t0, CMD_STOP
    beq t1, t0, do_stop
    li t0, CMD_IRQ_ON
    beq t1, t0, do_irq_on
    li t0, CMD_READ_SIP
    beq t1, t0, do_read_sip
    li t0, CMD_SUSPEND
    beq t1, t0, do_suspend
    li t0, CMD_SATP
    beq t1, t0, do_satp
    li t0, CMD_LOAD
    beq t1, t0, do_load
    li t0, CMD_CALL
    beq t1, t0, do_call
    li TESTNUM, 254                 /* a command nobody knows: a bug here */
    j fail
done:
    sd a0, MB_RES0(s0)
    sd a1, MB_RES1(s0)
    fence rw, w
    sd s1, MB_ACK(s0)
    j serve

do_stop:
    SBI_CALL(EID_HSM, SBI_HART_STOP)
    li TESTNUM, 16                  /* hart_stop returned */
    j fail
do_irq_on:
    slli t0, tp, 5
    la t1, save_area
    add t1, t1, t0
    csrw sscratch, t1
    la t0, s_ipi_vector
    csrw stvec, t0
    li t0, MIP_SSIP
    csrs sie, t0
    csrsi sstatus, MSTATUS_SIE
    li a0, 0
    j done
do_read_sip:
    csrr a0, sip
    csrci sip, MIP_SSIP
    j done
do_suspend:
    /* interrupts off, but SSIE on: an IPI ends the suspension and then
       stays pending */
    csrr s2, sstatus
    csrci sstatus, MSTATUS_SIE
    li t0, MIP_SSIP
    csrs sie, t0
    SBI_CALL(EID_HSM, SBI_HART_SUSPEND)   /* non-retentive: resumes at a1 */
    csrr a1, sip
    csrci sip, MIP_SSIP
    andi s2, s2, MSTATUS_SIE
    csrs sstatus, s2
    j done
do_satp:
    csrw satp, a0
    sfence.vma
    csrr a0, satp
    j done
do_load:
    ld a0, 0(a0)
    j done
do_call:
    li s2, 50                       /* calls */
    li s3, 0                        /* disagreements */
    call patch_fn
    mv s4, a0
1:  call patch_fn
    beq a0, s4, 2f
    addi s3, s3, 1
2:  addi s2, s2, -1
    bnez s2, 1b
    mv a0, s4
    mv a1, s3
    j done

/* S-mode software interrupts of the serving harts: count, record scause,
   clear sip.SSIP. sscratch = this hart's save area. */
    .align 2
s_ipi_vector:
    csrrw t0, sscratch, t0
    sd t1, 0(t0)
    sd t2, 8(t0)
    sd t3, 16(t0)
    csrr t1, scause
    li t2, CAUSE_INTR | IRQ_S_SOFT
    beq t1, t2, 1f
    csrr s7, scause                 /* anything else is unexpected */
    csrr s8, sepc
    csrr s9, stval
    csrw satp, zero
    sfence.vma
    j report_trap
1:  csrci sip, MIP_SSIP
    slli t2, tp, 3
    la t3, ssi_cause
    add t3, t3, t2
    sd t1, 0(t3)
    la t3, ssi_count
    add t3, t3, t2
    ld t1, 0(t3)
    addi t1, t1, 1
    sd t1, 0(t3)
    ld t1, 0(t0)
    ld t2, 8(t0)
    ld t3, 16(t0)
    csrrw t0, sscratch, t0
    sret

    /* the code the boot hart rewrites: returns 1 at first */
    .option push
    .option norvc
    .align 2
patch_fn:
    addi a0, zero, 1
    ret
    .option pop

    .section .rodata
msg_few_harts: .asciz "heron-test: smp_sbi needs at least 4 harts (--smp 4)\n"

    .data
    .align 12
page_a: .dword 0
    .align 12
page_b: .dword 0
    .align 12
page_c: .dword 0

    .section .bss
    .align 6
mbox:      .space 64 * SMP_MAX_HARTS
rec:       .space 64 * SMP_MAX_HARTS
ssi_count: .space 8 * SMP_MAX_HARTS
ssi_cause: .space 8 * SMP_MAX_HARTS
save_area: .space 32 * SMP_MAX_HARTS
