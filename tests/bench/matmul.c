/*
 * matmul.c - double-precision floating-point benchmark.
 *
 * Each iteration fills two N x N matrices (int -> double conversions),
 * multiplies them with a plain triple loop (GCC emits fmadd.d for it) and
 * folds the product into a checksum.
 *
 * The inputs are small multiples of 1/8 and 1/4, so every product and
 * partial sum is exact: the product matrix does not depend on whether the
 * compiler fused the multiply-adds, and the expected value can be worked
 * out on any IEEE-754 machine. The fold then divides and takes square roots
 * (correctly rounded, never fused), which does exercise rounding.
 */
#include <stdint.h>
#include "htif.h"

/* About 13.2 M instructions per iteration (rv64gc, GCC 12 -O2): the
   default is ~0.66 G, 1-3 s at 300 MIPS. Scale with -DITERS=n. */
#ifndef ITERS
#define ITERS 50
#endif

#define N 128

static double a[N][N], b[N][N], c[N][N];

static inline double fsqrt(double x)
{
#ifdef __riscv
    /* Inline so there is no libm call and no errno path for x < 0. */
    __asm__("fsqrt.d %0, %1" : "=f"(x) : "f"(x));
    return x;
#else
    return __builtin_sqrt(x);
#endif
}

static __attribute__((noinline)) uint64_t matmul_once(void)
{
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)((i * 7 + j * 3) % 17 - 8) * 0.125;
            b[i][j] = (double)((i * 5 + j * 11) % 13 - 6) * 0.25;
        }
    }

    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < N; k++)
                s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    }

    /* Exact part: every c is a multiple of 1/32, so c*32 converts exactly. */
    uint64_t exact = 0;
    double acc = 0.0;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            exact = exact * 31 + (uint64_t)(int64_t)(c[i][j] * 32.0);
            acc += fsqrt(__builtin_fabs(c[i][j]) + 1.0) / (double)(i + j + 1);
        }
    }

    union { double d; uint64_t u; } bits = { .d = acc };
    return exact ^ bits.u;
}

int main(void)
{
    /* Value of matmul_once(), worked out in Python (IEEE-754 doubles). */
    const uint64_t one = 0x112e1af34011399dull;
    uint64_t total = 0;

    for (uint32_t it = 0; it < ITERS; it++) {
        total += matmul_once();
        BENCH_BARRIER();
    }
    return bench_report("matmul", ITERS, total, one * (uint64_t)ITERS);
}
