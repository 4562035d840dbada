/*
 * sha256.c - bit-manipulation benchmark: SHA-256 (FIPS 180-4).
 *
 * First checks the implementation against the FIPS "abc" test vector, then
 * each iteration fills a 64 KiB buffer from an LCG and hashes it. The
 * 32-bit rotates, shifts, xors and adds are the W/word-sized RV64 forms
 * (addw, srliw, slliw, ...) that an emulator must sign-extend correctly.
 */
#include <stdint.h>
#include "htif.h"

/* About 6.1 M instructions per iteration (rv64gc, GCC 12 -O2): the
   default is ~0.61 G, 1-3 s at 300 MIPS. Scale with -DITERS=n. */
#ifndef ITERS
#define ITERS 100
#endif

#define BUF_SIZE 65536u

static uint8_t buf[BUF_SIZE];

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }

    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                      ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                      ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/* Hash len bytes at msg into out[32]. */
static void sha256(const uint8_t *msg, uint32_t len, uint8_t out[32])
{
    uint32_t h[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    uint32_t off = 0;
    for (; len - off >= 64; off += 64)
        sha256_block(h, msg + off);

    /* Padding: 0x80, zeros, 64-bit big-endian bit length. */
    uint8_t tail[128];
    uint32_t rest = len - off, n = rest < 56 ? 64 : 128;
    for (uint32_t i = 0; i < n; i++)
        tail[i] = i < rest ? msg[off + i] : 0;
    tail[rest] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        tail[n - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (uint32_t i = 0; i < n; i += 64)
        sha256_block(h, tail + i);

    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

/* First 8 digest bytes as a big-endian number. */
static uint64_t digest_prefix(const uint8_t d[32])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | d[i];
    return v;
}

static __attribute__((noinline)) uint64_t sha256_once(void)
{
    uint64_t x = 1;
    for (uint32_t i = 0; i < BUF_SIZE; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(x >> 56);
    }
    uint8_t d[32];
    sha256(buf, BUF_SIZE, d);
    return digest_prefix(d);
}

int main(void)
{
    /* FIPS 180-4 example: SHA-256("abc") = ba7816bf 8f01cfea ... */
    uint8_t d[32];
    sha256((const uint8_t *)"abc", 3, d);
    if (digest_prefix(d) != 0xba7816bf8f01cfeaull) {
        htif_puts("sha256: \"abc\" test vector mismatch\n");
        return bench_report("sha256", 0, digest_prefix(d), 0xba7816bf8f01cfeaull);
    }

    /* First 8 bytes of the buffer's digest (checked with Python hashlib). */
    const uint64_t one = 0xc373a95f7bf08b05ull;
    uint64_t total = 0;
    for (uint32_t it = 0; it < ITERS; it++) {
        total += sha256_once();
        BENCH_BARRIER();
    }
    return bench_report("sha256", ITERS, total, one * (uint64_t)ITERS);
}
