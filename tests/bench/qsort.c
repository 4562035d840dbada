/*
 * qsort.c - memory and recursion benchmark: quicksort.
 *
 * Each iteration fills an array of N 32-bit keys from an LCG, sorts it with
 * a recursive median-of-three quicksort (insertion sort for short runs),
 * checks it is in order and folds it into a checksum. The loads/stores are
 * data-dependent and the partition branches unpredictable.
 */
#include <stdint.h>
#include "htif.h"

/* About 34.1 M instructions per iteration (rv64gc, GCC 12 -O2): the
   default is ~0.68 G, 1-3 s at 300 MIPS. Scale with -DITERS=n. */
#ifndef ITERS
#define ITERS 20
#endif

#define N 200000u

static uint32_t keys[N];

static void insertion_sort(uint32_t *v, long n)
{
    for (long i = 1; i < n; i++) {
        uint32_t x = v[i];
        long j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static inline void swap(uint32_t *x, uint32_t *y)
{
    uint32_t t = *x;
    *x = *y;
    *y = t;
}

/* Sort v[0..n). Recurses on the smaller part, loops on the larger, so the
   depth stays O(log n). */
static void quicksort(uint32_t *v, long n)
{
    while (n > 16) {
        long mid = n / 2;
        /* Median of three into v[mid], then use it as the pivot. */
        if (v[mid] < v[0]) swap(&v[mid], &v[0]);
        if (v[n - 1] < v[0]) swap(&v[n - 1], &v[0]);
        if (v[n - 1] < v[mid]) swap(&v[n - 1], &v[mid]);
        uint32_t pivot = v[mid];

        /* Hoare partition. */
        long i = -1, j = n;
        for (;;) {
            do i++; while (v[i] < pivot);
            do j--; while (v[j] > pivot);
            if (i >= j)
                break;
            swap(&v[i], &v[j]);
        }
        long left = j + 1;      /* v[0..left) <= pivot <= v[left..n) */
        if (left < n - left) {
            quicksort(v, left);
            v += left;
            n -= left;
        } else {
            quicksort(v + left, n - left);
            n = left;
        }
    }
    insertion_sort(v, n);
}

static __attribute__((noinline)) uint64_t qsort_once(void)
{
    uint64_t x = 42;
    for (uint32_t i = 0; i < N; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        keys[i] = (uint32_t)(x >> 32);
    }

    quicksort(keys, N);

    uint64_t sum = 0;
    for (uint32_t i = 0; i < N; i++) {
        if (i > 0 && keys[i - 1] > keys[i])
            return 0;               /* not sorted: can never match */
        sum += (uint64_t)keys[i] * (i + 1);
    }
    return sum;
}

int main(void)
{
    /* sum(sorted[i] * (i+1)) for the LCG data (checked with Python). */
    const uint64_t one = 0x1b2e3e5f50923114ull;
    uint64_t total = 0;

    for (uint32_t it = 0; it < ITERS; it++) {
        total += qsort_once();
        BENCH_BARRIER();
    }
    return bench_report("qsort", ITERS, total, one * (uint64_t)ITERS);
}
