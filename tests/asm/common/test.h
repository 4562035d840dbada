/*
 * test.h - heron's framework for self-checking RISC-V guest tests.
 *
 * Every tests/asm/*.S does `#include "test.h"` first and then defines
 * `test_main` in .text, which ends with PASS (a plain `ret` only works if it
 * never called anything). This header provides:
 *
 *   - constants (CSR bits, trap causes, privilege levels, PTE bits),
 *   - TEST_* macros: each numbered check loads its number into TESTNUM (gp)
 *     *before* running the code under test, so a trap or a mismatch is
 *     reported with the number of the check that was running,
 *   - a small runtime, emitted into .text.init where this file is included:
 *       _start        resets the machine state a test relies on, zeroes .bss,
 *                     calls test_main and passes when it returns (other
 *                     harts: see "Several harts" below)
 *       pass / fail   end the run through HTIF: tohost = (code << 1) | 1,
 *                     code 0 = pass, code = TESTNUM on failure (255 if the
 *                     failure happened before any check was numbered)
 *       putchar/puts/print_hex/print_dec  HTIF console (device 1, cmd 1)
 *       run_mode      run a piece of code in U, S or M mode until its first
 *                     trap into M-mode, then come back to the caller with the
 *                     trap recorded (see below)
 *       m_trap_vector the default M-mode trap handler
 *
 * Register conventions: gp (TESTNUM) holds the current check number and t6 is
 * the scratch register of the CHECK macros; test code must not keep values in
 * them across a check.
 *
 * Several harts (heron --smp N, QEMU -smp N): every hart starts at _start in
 * M-mode. Hart 0 runs test_main as always. The others park at once (mie = 0,
 * mstatus.MIE = 0, wfi forever), so that every single-hart program behaves
 * the same on any number of harts, unless the program defines a global
 * `hart_main`: then each hart h in 1..63 waits until hart 0 has zeroed .bss
 * and calls hart_main with a0 = h, sp = its own 16 KiB stack (link.ld),
 * mtvec = smp_trap_vector (every trap there is reported as unexpected) and
 * the same reset state as hart 0 (returning parks it). run_mode and its
 * trap_* bookkeeping belong to hart 0. Any hart may PASS or FAIL: the first
 * to end the run decides its code, and a failure on hart h prints
 * "... FAIL at check N on hart h". Output from several harts must be
 * serialized with print_acquire / print_release (the failure report takes
 * the lock itself). smp.h has barriers and bounded waits.
 *
 * S-mode programs: with TEST_SMODE defined before this file is included the
 * runtime is for a program that an SBI firmware enters in S-mode (heron
 * --bios builtin, OpenSBI on QEMU's virt machine): _start runs on the boot
 * hart with a0 = hartid and a1 = the device tree, keeps that entry state in
 * boot_hartid / boot_dtb / boot_satp / boot_sstatus, zeroes .bss and calls
 * test_main. Harts the test starts with sbi_hart_start call s_hart_init
 * first. tp holds the hart id on every hart and must not be changed. The
 * console is the SBI legacy putchar, the run ends through the SiFive test
 * finisher at 0x10_0000 (both heron and virt have one; exit code = check
 * number as with HTIF), traps go to s_trap_vector and are unexpected, and
 * there is no run_mode. A failing hart turns paging off before reporting.
 * With TEST_UART_CONSOLE also defined the console is virt's 16550 UART
 * (programs for heron --accel kvm, where KVM is the SBI and forwards no
 * legacy putchar to the host).
 *
 * run_mode (a0 = PRV_U/PRV_S/PRV_M, a1 = entry address, virtual if paging is
 * on for that mode) mrets to the entry with mstatus.MPP = a0. The first trap
 * that reaches M-mode afterwards ends the run: the default handler stores
 * mcause, mepc, mtval and the privilege the trap came from (mstatus.MPP) in
 * trap_cause / trap_epc / trap_tval / trap_prv, and returns from run_mode with
 * sp and ra restored and every other register as the trapped code left it.
 * run_mode itself clobbers t0-t2, and a0/a1 hold its arguments, so pass
 * values to the code in other registers. The trapped code normally ends with
 * `ecall`. mstatus is left as the trap set it (MPP, MPIE, MIE) so tests can
 * inspect the transition. A trap that arrives while no run is active is
 * unexpected: it is printed and the test fails with the current TESTNUM.
 *
 * Validation on QEMU 7.2 (never defined by tests/asm_suite.rs, which runs
 * heron):
 *   -DQEMU_QUIRKS  skips or adjusts the few checks where QEMU 7.2 is known to
 *                  diverge from the ratified spec; each such place says why.
 *   -DQEMU_VIRT    ends the run through the virt machine's test finisher and
 *                  prints through its UART instead of HTIF, for the files
 *                  that need the time CSR, which QEMU's spike lacks.
 *   qemu-system-riscv64 -M spike -bios none -nographic -kernel prog.elf
 *   exits with the HTIF code, like heron (add -smp N for several harts).
 *   S-mode programs are linked at 0x8020_0000 with
 *   -Wl,--defsym=LINK_BASE=0x80200000 (OpenSBI owns the start of RAM) and run
 *   with qemu-system-riscv64 -M virt -bios default -nographic -kernel prog.elf
 *   (QEMU's OpenSBI jumps to the ELF entry in S-mode).
 *
 * Nothing here is taken from other test suites; it is written for heron from
 * the RISC-V unprivileged and privileged ISA manuals.
 */
#ifndef HERON_TEST_H
#define HERON_TEST_H

#include "htif.h"

#define TESTNUM gp

/* The cross gcc may assemble as PIC by default; `la` must be PC-relative
   (auipc+addi), never a GOT load, so page tables and PMP see real addresses. */
    .option nopic

/* ---- privilege levels ---- */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* ---- mstatus / sstatus ---- */
#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_MPP_S (1 << 11)
#define MSTATUS_MPP_M (3 << 11)
#define MSTATUS_FS    (3 << 13)
#define MSTATUS_FS_OFF     (0 << 13)
#define MSTATUS_FS_INITIAL (1 << 13)
#define MSTATUS_FS_CLEAN   (2 << 13)
#define MSTATUS_FS_DIRTY   (3 << 13)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)
#define MSTATUS_SD    (1 << 63)

/* ---- interrupts: bit numbers in mip/mie and in mcause ---- */
#define IRQ_S_SOFT  1
#define IRQ_M_SOFT  3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7
#define IRQ_S_EXT   9
#define IRQ_M_EXT   11
#define MIP_SSIP (1 << IRQ_S_SOFT)
#define MIP_MSIP (1 << IRQ_M_SOFT)
#define MIP_STIP (1 << IRQ_S_TIMER)
#define MIP_MTIP (1 << IRQ_M_TIMER)
#define MIP_SEIP (1 << IRQ_S_EXT)
#define MIP_MEIP (1 << IRQ_M_EXT)
#define CAUSE_INTR (1 << 63)

/* ---- exception causes ---- */
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL_INSN     2
#define CAUSE_BREAKPOINT       3
#define CAUSE_MISALIGNED_LOAD  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_ECALL_U          8
#define CAUSE_ECALL_S          9
#define CAUSE_ECALL_M          11
#define CAUSE_FETCH_PAGE       12
#define CAUSE_LOAD_PAGE        13
#define CAUSE_STORE_PAGE       15

/* ---- satp ---- */
#define SATP_MODE_SV39 (8 << 60)
#define SATP_MODE_SV48 (9 << 60)
#define SATP_MODE_SV57 (10 << 60)

/* ---- page table entries ---- */
#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_U (1 << 4)
#define PTE_G (1 << 5)
#define PTE_A (1 << 6)
#define PTE_D (1 << 7)

/* ---- PMP ---- */
#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_OFF   0x00
#define PMP_TOR   0x08
#define PMP_NA4   0x10
#define PMP_NAPOT 0x18
#define PMP_L     0x80

/* ---- CLINT (as on QEMU's spike machine) ---- */
#define CLINT_BASE     0x02000000
#define CLINT_MSIP     (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME    (CLINT_BASE + 0xBFF8)

/* ---- HTIF console command: device 1 (console), command 1 (putchar) ---- */
#define HTIF_CONSOLE_PUTC ((1 << 56) | (1 << 48))

/* ------------------------------------------------------------------------
 * Checks. `code` may be several instructions separated by ';'. The label
 * test_<num> makes the assembler reject a number used twice in one file.
 * Numbers must be in 1..255 so that they survive as a process exit code.
 * ------------------------------------------------------------------------ */

/* Start check `num`: everything up to the next TEST_NUM belongs to it. */
#define TEST_NUM(num) \
test_##num:           \
    li TESTNUM, num

/* Fail check `num` unless `reg` == `expected` (any 64-bit constant). */
#define CHECK(reg, expected) \
    li t6, expected;         \
    bne reg, t6, fail

/* Run `code`, then require reg == expected. */
#define TEST_CASE(num, reg, expected, ...) \
    TEST_NUM(num);                         \
    __VA_ARGS__;                           \
    CHECK(reg, expected)

/* Register-register ALU op: a0 = a1 op a2. */
#define TEST_RR(num, inst, expected, v1, v2) \
    TEST_CASE(num, a0, expected, li a1, v1; li a2, v2; inst a0, a1, a2)

/* Register-immediate ALU op: a0 = a1 op imm. */
#define TEST_RI(num, inst, expected, v1, imm) \
    TEST_CASE(num, a0, expected, li a1, v1; inst a0, a1, imm)

/* Unary op: a0 = op(a1). */
#define TEST_R1(num, inst, expected, v1) \
    TEST_CASE(num, a0, expected, li a1, v1; inst a0, a1)

/* Same as TEST_RR but with rd == rs1 (checks operand read before write). */
#define TEST_RR_SAME(num, inst, expected, v1, v2) \
    TEST_CASE(num, a1, expected, li a1, v1; li a2, v2; inst a1, a1, a2)

/* Require the trap recorded by run_mode to be (cause, epc, tval). */
#define CHECK_TRAP_CAUSE(cause) \
    ld t5, trap_cause;          \
    CHECK(t5, cause)
#define CHECK_TRAP_EPC(epc) \
    ld t5, trap_epc;        \
    la t6, epc;             \
    bne t5, t6, fail
#define CHECK_TRAP_TVAL(tval) \
    ld t5, trap_tval;         \
    CHECK(t5, tval)
#define CHECK_TRAP_TVAL_SYM(sym) \
    ld t5, trap_tval;            \
    la t6, sym;                  \
    bne t5, t6, fail
#define CHECK_TRAP_PRV(prv) \
    ld t5, trap_prv;        \
    CHECK(t5, prv)

/* Run `entry` in privilege `prv` until it traps into M-mode. */
#define RUN_IN(prv, entry) \
    li a0, prv;            \
    la a1, entry;          \
    call run_mode

/* Check `num`: run the instructions (on registers other than a0/a1/t0-t2,
   which run_mode uses) in privilege `prv`; the first of them must trap into
   M-mode with `cause` and mtval == `tval` (a constant). */
#define TEST_TRAP(num, prv, cause, tval, ...) \
    TEST_NUM(num);                           \
    RUN_IN(prv, 1f);                         \
    j 2f;                                    \
1:  __VA_ARGS__;                             \
    ecall;                                   \
2:  CHECK_TRAP_CAUSE(cause);                 \
    CHECK_TRAP_EPC(1b);                      \
    CHECK_TRAP_TVAL(tval)

/* End the test now. */
#define PASS j pass
#define FAIL j fail

/* ------------------------------------------------------------------------
 * Several harts. Hart h's stack is the 16 KiB below _stack_top + h * 16 KiB
 * (link.ld), so hart 0 keeps the stack it always had.
 * ------------------------------------------------------------------------ */
#define SMP_MAX_HARTS   64
#define SMP_STACK_SHIFT 14

/* This hart's id into `reg`: mhartid in M-mode; in S-mode programs the
   runtime keeps it in tp (set at entry, never to be changed by tests). */
#ifdef TEST_SMODE
#define HARTID(reg) mv reg, tp
#else
#define HARTID(reg) csrr reg, mhartid
#endif

/* sp = the top of the stack of the hart whose id is in `id`; clobbers tmp. */
#define HART_STACK(id, tmp) \
    la sp, _stack_top;      \
    slli tmp, id, SMP_STACK_SHIFT; \
    add sp, sp, tmp

/* ------------------------------------------------------------------------
 * The runtime. It lives in .text.init so that _start is at the link address
 * (0x8000_0000).
 * ------------------------------------------------------------------------ */
    .section .text.init, "ax", @progbits
    .option push
    .option norelax
    .globl _start
_start:
#ifdef TEST_SMODE
    /* Entered in S-mode by the firmware on the boot hart: a0 = hartid,
       a1 = device tree. The entry state is kept in boot_* for the test. */
    li TESTNUM, 0
    mv tp, a0
    HART_STACK(tp, t0)
    la t0, s_trap_vector
    csrw stvec, t0
    mv s2, a0
    mv s3, a1
    csrr s4, satp
    csrr s5, sstatus
    la t0, _bss_start
    la t1, _bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  la t0, boot_hartid
    sd s2, 0(t0)
    sd s3, 8(t0)            /* boot_dtb */
    sd s4, 16(t0)           /* boot_satp */
    sd s5, 24(t0)           /* boot_sstatus */
    call test_main
    j pass
#else
    /* Nothing is assumed about the registers at reset (QEMU's reset stub
       leaves a0/a1/t0 set; heron zeroes them). All harts start here. */
    li TESTNUM, 0
    csrr t0, mhartid
    bnez t0, secondary_start
    la sp, _stack_top
    la t0, m_trap_vector
    csrw mtvec, t0
    call reset_hart_state
    /* Zero .bss: the run_mode bookkeeping and page-table pools live there. */
    la t0, _bss_start
    la t1, _bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  fence rw, w
    li t0, 1
    sw t0, smp_bss_ready, t1    /* the other harts may go on */
    call test_main
    j pass

/* Harts other than 0 (t0 = mhartid). A program that defines a global
   hart_main gets them there, once hart 0 has zeroed .bss, with a0 =
   mhartid, their own stack, mtvec = smp_trap_vector and the same reset
   state as hart 0. In every other program they park at once. */
secondary_start:
    ld t1, hart_main_ptr
    beqz t1, smp_park
    li t2, SMP_MAX_HARTS
    bgeu t0, t2, smp_park
    HART_STACK(t0, t2)
    la t2, smp_trap_vector
    csrw mtvec, t2
    call reset_hart_state
1:  lw t2, smp_bss_ready
    beqz t2, 1b
    fence r, rw
    mv a0, t0
    jalr t1
    /* hart_main returned: park */

/* smp_park: stop this hart for good: interrupts off, wfi forever. */
    .globl smp_park
smp_park:
    csrw mie, zero
    csrci mstatus, MSTATUS_MIE
1:  wfi
    j 1b

/* The M-mode state a test relies on, for the calling hart. Clobbers t2. */
reset_hart_state:
    csrw mie, zero
    csrw mip, zero
    csrw medeleg, zero
    csrw mideleg, zero
    csrw satp, zero
    csrw mscratch, zero
    /* mstatus: M-mode, all interrupt enables off, MPP = U, FP usable. */
    li t2, MSTATUS_FS_INITIAL
    csrw mstatus, t2
    csrw fcsr, zero
    /* S/U-mode accesses fail when PMP is implemented and no entry matches,
       so grant everything with the lowest-priority entry (15). Tests that
       exercise PMP use entries 0..14, which take precedence. */
    li t2, -1
    csrw pmpaddr15, t2
    li t2, (PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 56
    csrw pmpcfg2, t2
    csrw pmpcfg0, zero
    ret
#endif /* TEST_SMODE */

#ifdef TEST_SMODE
/* s_hart_init: the first call of a hart started with sbi_hart_start
   (a0 = hartid, as the SBI passes it): tp = hartid, sp = its stack, stvec =
   the default handler, TESTNUM = 0. Keeps a0-a7; clobbers t0. */
    .globl s_hart_init
s_hart_init:
    mv tp, a0
    HART_STACK(tp, t0)
    la t0, s_trap_vector
    csrw stvec, t0
    li TESTNUM, 0
    ret
#endif

/* ---- end of the run ---- */
    .globl pass
pass:
    li a0, 1
    j test_exit

/* Any hart may fail. The report is printed under the console lock, which
   is never released: the first failing hart's report is the one that
   reaches the console before the run ends. Harts other than 0 add their id. */
    .globl fail
fail:
    HARTID(s10)
#ifdef TEST_SMODE
    csrw satp, zero         /* the failing code may have had paging on */
    sfence.vma
#endif
    HART_STACK(s10, t0)
    call print_acquire
fail_locked:                /* s10 = hartid, sp set, console lock held */
    /* Keep the number: never exit with 0. */
    mv s11, TESTNUM
    bnez s11, 1f
    li s11, 255
1:  la a0, msg_fail
    call puts
    mv a0, s11
    call print_dec
    beqz s10, 2f
    la a0, msg_on_hart
    call puts
    mv a0, s10
    call print_dec
2:  li a0, '\n'
    call putchar
    slli a0, s11, 1
    ori a0, a0, 1
    j test_exit

/* a0 = (code << 1) | 1, code 0 = pass. */
test_exit:
    fence
#ifdef TEST_SMODE
    /* S-mode programs end through the SiFive test finisher at 0x10_0000,
       which heron and QEMU's virt machine both have (no HTIF behind an SBI
       firmware): 0x5555 for pass, (code << 16) | 0x3333 for failure. */
    srli a0, a0, 1
    li t1, 0x5555
    beqz a0, 2f
    slli t1, a0, 16
    li t2, 0x3333
    or t1, t1, t2
2:  li t0, 0x100000
    sw t1, 0(t0)
#else
#ifdef QEMU_VIRT
    /* Validation only: QEMU's virt machine has no HTIF, but it has what
       spike lacks (the time CSR, hence Sstc). Its test finisher takes
       0x5555 for pass and (code << 16) | 0x3333 for failure. */
    srli a0, a0, 1
    li t1, 0x5555
    beqz a0, 2f
    slli t1, a0, 16
    li t2, 0x3333
    or t1, t1, t2
2:  li t0, 0x100000
    sw t1, 0(t0)
#endif
    la t0, tohost
    sd a0, 0(t0)
#endif
1:  j 1b        /* the host ends the run; spin until it does */

/* putchar(a0): one character to the console. Clobbers t0-t2. Several harts
   must not print at once: take print_acquire around their output. */
    .globl putchar
putchar:
#if defined(TEST_SMODE) && defined(TEST_UART_CONSOLE)
    /* virt's 16550 UART, for S-mode programs under an SBI without a
       console that reaches the host (KVM forwards no legacy putchar):
       wait (bounded) for LSR.THRE, then write THR. */
    li t0, 0x10000000
    li t2, 1000000
1:  lbu t1, 5(t0)
    andi t1, t1, 0x20
    bnez t1, 2f
    addi t2, t2, -1
    bnez t2, 1b
2:  sb a0, 0(t0)
    ret
#elif defined(TEST_SMODE)
    mv t0, a7
    li a7, 0x01             /* SBI legacy console putchar, a0 = the character */
    andi a0, a0, 0xff
    ecall
    mv a7, t0
    ret
#else
#ifdef QEMU_VIRT
    li t0, 0x10000000       /* validation only: virt's 16550 UART */
    sb a0, 0(t0)
    ret
#endif
    /* HTIF console write. The wait for fromhost is bounded so that a
       broken console cannot hang a failing test forever. */
    la t0, tohost
    li t1, HTIF_CONSOLE_PUTC
    andi a0, a0, 0xff
    or t1, t1, a0
    sd t1, 0(t0)
    li t2, 1000000
1:  ld t1, 8(t0)            /* fromhost */
    bnez t1, 2f
    addi t2, t2, -1
    bnez t2, 1b
    ret
2:  sd zero, 8(t0)
    ret
#endif

/* print_acquire / print_release: the console lock shared by all harts (an
   amoswap spinlock). print_acquire gives up after about 2 s (of mtime, or
   the time CSR in S-mode), so that a hart that stopped while holding it
   cannot silence a failure report; the time is only read when the lock is
   busy. Clobbers t0-t3 (print_release: t0). */
#ifdef TEST_SMODE
#define PRINT_LOCK_TIME(rd) rdtime rd
#else
#define PRINT_LOCK_TIME(rd) li rd, CLINT_MTIME; ld rd, 0(rd)
#endif
    .globl print_acquire, print_release
print_acquire:
    la t0, print_lock
    li t2, 0                /* deadline, once the lock was found busy */
1:  lw t1, 0(t0)
    bnez t1, 2f
    li t1, 1
    amoswap.w.aq t1, t1, (t0)
    beqz t1, 3f
2:  PRINT_LOCK_TIME(t3)
    bnez t2, 4f
    li t2, 20000000         /* 2 s at 10 MHz */
    add t2, t2, t3
4:  bltu t3, t2, 1b
3:  ret
print_release:
    la t0, print_lock
    amoswap.w.rl zero, zero, (t0)
    ret

/* puts(a0 = NUL-terminated string). Clobbers a0, t0-t3. */
    .globl puts
puts:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd s0, 8(sp)
    mv s0, a0
1:  lbu a0, 0(s0)
    beqz a0, 2f
    call putchar
    addi s0, s0, 1
    j 1b
2:  ld ra, 0(sp)
    ld s0, 8(sp)
    addi sp, sp, 16
    ret

/* print_hex(a0): "0x" and 16 hex digits. Clobbers a0, t0-t3. */
    .globl print_hex
print_hex:
    addi sp, sp, -32
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    mv s0, a0
    li a0, '0'
    call putchar
    li a0, 'x'
    call putchar
    li s1, 60
1:  srl a0, s0, s1
    andi a0, a0, 15
    li t3, 10
    blt a0, t3, 2f
    addi a0, a0, 'a' - 10 - '0'
2:  addi a0, a0, '0'
    call putchar
    addi s1, s1, -4
    bgez s1, 1b
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    addi sp, sp, 32
    ret

/* print_dec(a0): unsigned decimal. Clobbers a0, t0-t3. */
    .globl print_dec
print_dec:
    addi sp, sp, -48
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    mv s0, a0
    addi s1, sp, 47         /* digits are built backwards in sp[24..47] */
    sb zero, 0(s1)
1:  li t3, 10
    remu a0, s0, t3
    divu s0, s0, t3
    addi a0, a0, '0'
    addi s1, s1, -1
    sb a0, 0(s1)
    bnez s0, 1b
    mv a0, s1
    call puts
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    addi sp, sp, 48
    ret

#ifndef TEST_SMODE
/* run_mode(a0 = privilege, a1 = entry): see the header comment. Hart 0
   only: the bookkeeping is not per hart. */
    .globl run_mode
run_mode:
    la t0, run_ctx
    sd ra, 0(t0)
    sd sp, 8(t0)
    li t1, 1
    sd t1, 16(t0)           /* run active */
    la t0, trap_cause
    li t1, -1
    sd t1, 0(t0)            /* "no trap yet" marker */
    csrw mepc, a1
    li t1, MSTATUS_MPP
    csrc mstatus, t1
    andi t2, a0, 3
    slli t2, t2, 11
    csrs mstatus, t2
    mret

/* Default M-mode trap handler of hart 0 (direct mode, so 4-byte aligned). */
    .align 2
    .globl m_trap_vector
m_trap_vector:
    csrw mscratch, t0
    la t0, trap_save
    sd t1, 0(t0)
    sd t2, 8(t0)
    csrr t1, mscratch
    sd t1, 16(t0)           /* the trapped t0 */
    la t0, trap_cause
    csrr t1, mcause
    sd t1, 0(t0)
    csrr t1, mepc
    sd t1, 8(t0)
    csrr t1, mtval
    sd t1, 16(t0)
    csrr t1, mstatus
    srli t1, t1, 11
    andi t1, t1, 3
    sd t1, 24(t0)           /* trap_prv = MPP */
    ld t2, 32(t0)           /* trap_count++ */
    addi t2, t2, 1
    sd t2, 32(t0)
    la t0, run_ctx
    ld t1, 16(t0)
    beqz t1, unexpected_trap
    sd zero, 16(t0)         /* the run is over */
    ld ra, 0(t0)
    ld sp, 8(t0)
    la t0, trap_save
    ld t1, 0(t0)
    ld t2, 8(t0)
    ld t0, 16(t0)
    ret                     /* from run_mode, still in M-mode */

unexpected_trap:
    ld s7, trap_cause
    ld s8, trap_epc
    ld s9, trap_tval
    j report_trap

/* Default M-mode trap handler of the other harts: every trap there is
   unexpected, and hart 0's run_mode bookkeeping is left alone. */
    .align 2
    .globl smp_trap_vector
smp_trap_vector:
    csrr s7, mcause
    csrr s8, mepc
    csrr s9, mtval
#else
/* Default S-mode trap handler: every trap is unexpected. */
    .align 2
    .globl s_trap_vector
s_trap_vector:
    csrr s7, scause
    csrr s8, sepc
    csrr s9, stval
    csrw satp, zero
    sfence.vma
#endif
/* Print the trap in s7/s8/s9 (cause, epc, tval) and fail with TESTNUM. */
report_trap:
    HARTID(s10)
    HART_STACK(s10, t0)
    call print_acquire
    la a0, msg_trap
    call puts
    mv a0, s7
    call print_hex
    la a0, msg_epc
    call puts
    mv a0, s8
    call print_hex
    la a0, msg_tval
    call puts
    mv a0, s9
    call print_hex
    li a0, '\n'
    call putchar
    j fail_locked

    .option pop

    .section .rodata
msg_fail:  .asciz "heron-test: FAIL at check "
msg_on_hart: .asciz " on hart "
#ifdef TEST_SMODE
msg_trap:  .asciz "heron-test: unexpected trap scause="
msg_epc:   .asciz " sepc="
msg_tval:  .asciz " stval="
#else
msg_trap:  .asciz "heron-test: unexpected trap mcause="
msg_epc:   .asciz " mepc="
msg_tval:  .asciz " mtval="

    /* hart_main, when the program defines it (0 otherwise) */
    .align 3
    .weak hart_main
hart_main_ptr: .dword hart_main

HTIF_MAILBOX
#endif

    .section .data
    .align 2
    /* In .data, not .bss: other harts read them while hart 0 zeroes .bss. */
smp_bss_ready: .word 0
print_lock:    .word 0

    .section .bss
    .align 3
#ifdef TEST_SMODE
    .globl boot_hartid, boot_dtb, boot_satp, boot_sstatus
boot_hartid:  .dword 0      /* the entry state of the boot hart */
boot_dtb:     .dword 0
boot_satp:    .dword 0
boot_sstatus: .dword 0
#else
run_ctx:    .dword 0, 0, 0      /* ra, sp, active */
trap_save:  .dword 0, 0, 0      /* t1, t2, t0 */
    .globl trap_cause, trap_epc, trap_tval, trap_prv, trap_count
trap_cause: .dword 0
trap_epc:   .dword 0
trap_tval:  .dword 0
trap_prv:   .dword 0
trap_count: .dword 0
#endif

    .text
#endif /* HERON_TEST_H */
