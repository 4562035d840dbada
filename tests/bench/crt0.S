/*
 * crt0.S - startup and runtime for the bare-metal CPU benchmarks.
 *
 * Entered in M-mode at _start with nothing set up. Sets gp/sp, installs a
 * trap handler (any trap is a bug in the benchmark or the emulator, so it
 * reports mcause/mepc/mtval and exits 3), enables the FPU, clears .bss,
 * calls main() and exits through HTIF with main's return value.
 *
 * Also provides the HTIF primitives declared in htif.h and the memset /
 * memcpy that GCC may emit calls to even with -ffreestanding.
 */

#define HTIF_CONSOLE_PUTC  0x0101000000000000   /* device 1, command 1 */
#define MSTATUS_FS_INITIAL (1 << 13)

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    /* gp must be set without relaxation, or it is "relaxed" against itself */
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop

    /* Single-threaded: park any hart but 0. */
    csrr t0, mhartid
    bnez t0, park

    la sp, __stack_top
    la t0, trap_entry
    csrw mtvec, t0
    csrw mie, zero

    /* FP instructions trap while mstatus.FS is Off. */
    li t0, MSTATUS_FS_INITIAL
    csrs mstatus, t0
    csrw fcsr, zero

    /* The loader may not zero .bss; link.ld aligns both ends to 16. */
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:
    li a0, 0
    li a1, 0
    call main
    tail htif_exit

park:
    wfi
    j park

/* ------------------------------------------------------------------ */
/* HTIF                                                               */
/* ------------------------------------------------------------------ */

    .text

/* void htif_putchar(int c) - clobbers t0-t2 only (the trap path relies on it) */
    .globl htif_putchar
    .type htif_putchar, @function
htif_putchar:
    la t0, tohost
    la t2, fromhost
1:  ld t1, 0(t0)            /* previous command not yet taken by the host */
    bnez t1, 1b
    andi t1, a0, 0xff
    li a0, HTIF_CONSOLE_PUTC
    or t1, t1, a0
    sd t1, 0(t0)
2:  ld t1, 0(t2)            /* host acknowledges through fromhost */
    beqz t1, 2b
    sd zero, 0(t2)
    ret
    .size htif_putchar, .-htif_putchar

/* void htif_exit(int code) - never returns */
    .globl htif_exit
    .type htif_exit, @function
htif_exit:
    slli a0, a0, 1
    ori a0, a0, 1
    la t0, tohost
    sd a0, 0(t0)
1:  j 1b                    /* the host stops us; spin until it does */
    .size htif_exit, .-htif_exit

/* ------------------------------------------------------------------ */
/* Trap handler: "TRAP mcause=... mepc=... mtval=...", exit 3          */
/* ------------------------------------------------------------------ */

    .align 2
trap_entry:
    csrr s2, mcause
    csrr s3, mepc
    csrr s4, mtval
    la s0, msg_trap
    call puts_asm
    mv a0, s2
    call puthex_asm
    la s0, msg_mepc
    call puts_asm
    mv a0, s3
    call puthex_asm
    la s0, msg_mtval
    call puts_asm
    mv a0, s4
    call puthex_asm
    li a0, '\n'
    call htif_putchar
    li a0, 3
    tail htif_exit

/* print NUL-terminated string at s0; clobbers s0, a0, t0-t2 */
puts_asm:
    mv s5, ra
1:  lbu a0, 0(s0)
    beqz a0, 2f
    call htif_putchar
    addi s0, s0, 1
    j 1b
2:  mv ra, s5
    ret

/* print a0 as 16 hex digits; clobbers s6-s8, a0, t0-t2 */
puthex_asm:
    mv s5, ra
    mv s6, a0
    li s7, 60               /* shift for the top nibble */
1:  srl a0, s6, s7
    andi a0, a0, 15
    la s8, hexdigits
    add a0, a0, s8
    lbu a0, 0(a0)
    call htif_putchar
    addi s7, s7, -4
    bgez s7, 1b
    mv ra, s5
    ret

/* ------------------------------------------------------------------ */
/* memset / memcpy: doubleword loops when alignment allows            */
/* ------------------------------------------------------------------ */

/* void *memset(void *d, int c, size_t n) */
    .globl memset
    .type memset, @function
memset:
    mv t0, a0
    andi a1, a1, 0xff
    li t1, 16
    bltu a2, t1, 3f         /* short: bytes only */
1:  andi t1, t0, 7          /* byte stores up to 8-byte alignment */
    beqz t1, 2f
    sb a1, 0(t0)
    addi t0, t0, 1
    addi a2, a2, -1
    j 1b
2:  li t2, 0x0101010101010101
    mul t2, t2, a1          /* c replicated into every byte */
    andi t1, a2, -8
    add t1, t1, t0          /* end of the doubleword part */
    andi a2, a2, 7
4:  bgeu t0, t1, 3f
    sd t2, 0(t0)
    addi t0, t0, 8
    j 4b
3:  beqz a2, 5f             /* tail bytes */
    sb a1, 0(t0)
    addi t0, t0, 1
    addi a2, a2, -1
    j 3b
5:  ret
    .size memset, .-memset

/* void *memcpy(void *d, const void *s, size_t n) */
    .globl memcpy
    .type memcpy, @function
memcpy:
    mv t0, a0
    or t1, a0, a1           /* doublewords only if both are 8-aligned */
    andi t1, t1, 7
    bnez t1, 3f
    andi t1, a2, -8
    add t1, t1, t0
    andi a2, a2, 7
1:  bgeu t0, t1, 3f
    ld t2, 0(a1)
    sd t2, 0(t0)
    addi t0, t0, 8
    addi a1, a1, 8
    j 1b
3:  beqz a2, 5f
    lbu t2, 0(a1)
    sb t2, 0(t0)
    addi t0, t0, 1
    addi a1, a1, 1
    addi a2, a2, -1
    j 3b
5:  ret
    .size memcpy, .-memcpy

/* ------------------------------------------------------------------ */
/* HTIF mailboxes; QEMU finds them by symbol and needs st_size == 8.  */
/* ------------------------------------------------------------------ */

    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
    .type tohost, @object
tohost: .dword 0
    .size tohost, 8
    .globl fromhost
    .type fromhost, @object
fromhost: .dword 0
    .size fromhost, 8

    .section .rodata
msg_trap:   .asciz "\nTRAP mcause=0x"
msg_mepc:   .asciz " mepc=0x"
msg_mtval:  .asciz " mtval=0x"
hexdigits:  .ascii "0123456789abcdef"
