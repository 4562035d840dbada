/*
 * linux_start.S - the CPU benchmarks as static riscv64 Linux programs, to
 * time them on a riscv64 Linux host itself (scripts/bench-kvm.sh: on the
 * host directly and inside a Linux guest of heron --accel kvm). Replaces
 * crt0.S: _start calls main and exits with its result; the console is
 * stdout. The kernel sets up the stack and turns the FPU on; main's C is
 * the same as on bare metal.
 */
#define SYS_write      64
#define SYS_exit_group 94

    .text
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    call main
    tail htif_exit

/* htif_putchar(c): one byte to stdout (the benchmarks print one line). */
    .globl htif_putchar
htif_putchar:
    addi sp, sp, -16
    sb a0, 0(sp)
    li a0, 1
    mv a1, sp
    li a2, 1
    li a7, SYS_write
    ecall
    addi sp, sp, 16
    ret

/* htif_exit(code): the process's exit status. */
    .globl htif_exit
htif_exit:
    li a7, SYS_exit_group
    ecall
1:  j 1b

/* What GCC may call even with -ffreestanding (as crt0.S provides). */
    .globl memset
memset:
    mv t0, a0
    beqz a2, 2f
1:  sb a1, 0(t0)
    addi t0, t0, 1
    addi a2, a2, -1
    bnez a2, 1b
2:  ret

    .globl memcpy
memcpy:
    mv t0, a0
    beqz a2, 2f
1:  lbu t1, 0(a1)
    sb t1, 0(t0)
    addi t0, t0, 1
    addi a1, a1, 1
    addi a2, a2, -1
    bnez a2, 1b
2:  ret
