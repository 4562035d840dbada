/*
 * htif.h - console output and exit for the bare-metal CPU benchmarks.
 *
 * htif_putchar/htif_exit are implemented in crt0.S (the trap handler needs
 * them before any C runs); the print helpers here build on them, since
 * there is no libc.
 */
#ifndef BENCH_HTIF_H
#define BENCH_HTIF_H

#include <stdint.h>

void htif_putchar(int c);
__attribute__((noreturn)) void htif_exit(int code);

static inline void htif_puts(const char *s)
{
    while (*s)
        htif_putchar(*s++);
}

static inline void htif_put_u64(uint64_t v)
{
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    htif_puts(&buf[i]);
}

static inline void htif_put_hex(uint64_t v)
{
    htif_puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        htif_putchar("0123456789abcdef"[(v >> shift) & 15]);
}

/*
 * Common ending of every benchmark: print
 *   "<name>: iters=N checksum=0x... OK"  and return 0, or
 *   "<name>: iters=N checksum=0x... expected 0x... FAIL"  and return 1,
 * so a miscomputing emulator fails the benchmark instead of just timing it.
 */
static inline int bench_report(const char *name, uint64_t iters,
                               uint64_t got, uint64_t want)
{
    htif_puts(name);
    htif_puts(": iters=");
    htif_put_u64(iters);
#ifdef BENCH_INSTRET
    /* Debug aid: instructions retired so far, for emulators (or
       `qemu -icount shift=0`) that count minstret exactly. */
    uint64_t instret;
    __asm__ volatile("csrr %0, minstret" : "=r"(instret));
    htif_puts(" minstret=");
    htif_put_u64(instret);
#endif
    htif_puts(" checksum=");
    htif_put_hex(got);
    if (got == want) {
        htif_puts(" OK\n");
        return 0;
    }
    htif_puts(" expected ");
    htif_put_hex(want);
    htif_puts(" FAIL\n");
    return 1;
}

/* Keeps GCC from hoisting or merging the repeated work across iterations. */
#define BENCH_BARRIER() __asm__ volatile("" ::: "memory")

#endif
