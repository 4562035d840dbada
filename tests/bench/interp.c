/*
 * interp.c - interpreter benchmark: a small register bytecode VM.
 *
 * A switch-dispatched loop (a jump table: indirect jumps, loads of
 * decoded fields, mostly unpredictable control flow), the kind of code
 * that dominates scripting languages. The bytecode program adds up the
 * Collatz stopping times of 1..LIMIT and tracks the highest value reached.
 */
#include <stdint.h>
#include "htif.h"

/* About 145 M instructions per iteration (rv64gc, GCC 12 -O2): the
   default is ~0.72 G, 1-3 s at 300 MIPS. Scale with -DITERS=n. */
#ifndef ITERS
#define ITERS 5
#endif

#define LIMIT 10000

enum op {
    OP_LI,      /* r[a] = imm */
    OP_MOV,     /* r[a] = r[b] */
    OP_ADD,     /* r[a] = r[b] + r[c] */
    OP_ADDI,    /* r[a] = r[b] + imm */
    OP_ANDI,    /* r[a] = r[b] & imm */
    OP_SHRI,    /* r[a] = r[b] >> imm (logical) */
    OP_MULI,    /* r[a] = r[b] * imm */
    OP_BEQ,     /* if r[a] == r[b] goto imm */
    OP_BNEI,    /* if r[a] != imm goto c */
    OP_BLT,     /* if r[a] < r[b] goto imm (signed) */
    OP_JMP,     /* goto imm */
    OP_HALT,
};

struct insn {
    uint8_t op, a, b, c;
    int32_t imm;
};

/*
 * r1 = n, r2 = x, r3 = total steps, r4 = highest 3x+1 value, r5 = LIMIT+1,
 * r6 = x & 1. Branch targets are instruction indices.
 */
static const struct insn program[] = {
    /*  0 */ { OP_LI,   3, 0, 0, 0 },
    /*  1 */ { OP_LI,   4, 0, 0, 0 },
    /*  2 */ { OP_LI,   1, 0, 0, 1 },
    /*  3 */ { OP_LI,   5, 0, 0, LIMIT + 1 },
    /*  4 */ { OP_BEQ,  1, 5, 0, 21 },      /* loop_n: n == LIMIT+1 -> end */
    /*  5 */ { OP_MOV,  2, 1, 0, 0 },       /* x = n */
    /*  6 */ { OP_BNEI, 2, 0, 8, 1 },       /* loop_x: x != 1 -> step */
    /*  7 */ { OP_JMP,  0, 0, 0, 19 },      /* -> next_n */
    /*  8 */ { OP_ADDI, 3, 3, 0, 1 },       /* step: steps++ */
    /*  9 */ { OP_ANDI, 6, 2, 0, 1 },
    /* 10 */ { OP_BNEI, 6, 0, 13, 0 },      /* odd -> 13 */
    /* 11 */ { OP_SHRI, 2, 2, 0, 1 },       /* x /= 2 */
    /* 12 */ { OP_JMP,  0, 0, 0, 6 },
    /* 13 */ { OP_MULI, 2, 2, 0, 3 },       /* x = 3x + 1 */
    /* 14 */ { OP_ADDI, 2, 2, 0, 1 },
    /* 15 */ { OP_BLT,  4, 2, 0, 17 },      /* max < x -> 17 */
    /* 16 */ { OP_JMP,  0, 0, 0, 6 },
    /* 17 */ { OP_MOV,  4, 2, 0, 0 },       /* max = x */
    /* 18 */ { OP_JMP,  0, 0, 0, 6 },
    /* 19 */ { OP_ADDI, 1, 1, 0, 1 },       /* next_n: n++ */
    /* 20 */ { OP_JMP,  0, 0, 0, 4 },
    /* 21 */ { OP_HALT, 0, 0, 0, 0 },
};

#define NPROG (sizeof(program) / sizeof(program[0]))

/* Runs code from index 0 until HALT; returns r3 + (r4 << 32), or all-ones
   if the program does something it should not (an emulator bug). */
static __attribute__((noinline)) uint64_t run(const struct insn *code,
                                              uint32_t len)
{
    int64_t r[8] = { 0 };
    uint32_t pc = 0;

    for (;;) {
        if (pc >= len)
            return ~0ull;
        const struct insn *in = &code[pc++];
        switch (in->op) {
        case OP_LI:   r[in->a] = in->imm; break;
        case OP_MOV:  r[in->a] = r[in->b]; break;
        case OP_ADD:  r[in->a] = r[in->b] + r[in->c]; break;
        case OP_ADDI: r[in->a] = r[in->b] + in->imm; break;
        case OP_ANDI: r[in->a] = r[in->b] & in->imm; break;
        case OP_SHRI: r[in->a] = (int64_t)((uint64_t)r[in->b] >> in->imm); break;
        case OP_MULI: r[in->a] = r[in->b] * in->imm; break;
        case OP_BEQ:  if (r[in->a] == r[in->b]) pc = (uint32_t)in->imm; break;
        case OP_BNEI: if (r[in->a] != in->imm) pc = in->c; break;
        case OP_BLT:  if (r[in->a] < r[in->b]) pc = (uint32_t)in->imm; break;
        case OP_JMP:  pc = (uint32_t)in->imm; break;
        case OP_HALT: return (uint64_t)r[3] + ((uint64_t)r[4] << 32);
        default:      return ~0ull;
        }
    }
}

int main(void)
{
    /* Collatz steps for 1..10000 and the highest 3x+1 value (Python). */
    const uint64_t one = 849666u + (27114424ull << 32);
    uint64_t total = 0;

    for (uint32_t it = 0; it < ITERS; it++) {
        total += run(program, NPROG);
        BENCH_BARRIER();
    }
    return bench_report("interp", ITERS, total, one * (uint64_t)ITERS);
}
