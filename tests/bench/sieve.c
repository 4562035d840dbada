/*
 * sieve.c - integer, branch-heavy benchmark: sieve of Eratosthenes.
 *
 * Each iteration clears a 2 MB byte array, sieves it and walks it to count
 * and sum the primes below LIMIT. Every iteration must give the same
 * answer; the sum over ITERS iterations is checked at the end.
 *
 * Known values: there are 148933 primes below 2,000,000 and they sum to
 * 142913828922.
 */
#include <stdint.h>
#include "htif.h"

/* About 37.2 M instructions per iteration (rv64gc, GCC 12 -O2): the
   default is ~0.67 G, 1-3 s at 300 MIPS. Scale with -DITERS=n. */
#ifndef ITERS
#define ITERS 18
#endif

#define LIMIT 2000000u

static uint8_t composite[LIMIT];

/* Primes below LIMIT folded into one number: count + sum * 2^20. */
static __attribute__((noinline)) uint64_t sieve_once(void)
{
    for (uint32_t i = 0; i < LIMIT; i++)
        composite[i] = 0;

    for (uint32_t p = 2; p * p < LIMIT; p++) {
        if (composite[p])
            continue;
        for (uint32_t m = p * p; m < LIMIT; m += p)
            composite[m] = 1;
    }

    uint64_t count = 0, sum = 0;
    for (uint32_t i = 2; i < LIMIT; i++) {
        if (!composite[i]) {
            count++;
            sum += i;
        }
    }
    return count + (sum << 20);
}

int main(void)
{
    const uint64_t one = 148933u + (142913828922ull << 20);
    uint64_t total = 0;

    for (uint32_t it = 0; it < ITERS; it++) {
        total += sieve_once();
        BENCH_BARRIER();
    }
    return bench_report("sieve", ITERS, total, one * (uint64_t)ITERS);
}
