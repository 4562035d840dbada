/*
 * htif.h - the HTIF mailbox every test program ends its run through:
 * `tohost` and `fromhost` in their own section (link.ld places it).
 * Write (code << 1) | 1 to tohost to exit with `code`.
 */
#ifndef HERON_TEST_HTIF_H
#define HERON_TEST_HTIF_H

#define HTIF_MAILBOX                                \
    .section .tohost, "aw", @progbits;              \
    .align 6;                                       \
    /* QEMU insists on the symbol sizes being exactly 8. */ \
    .globl tohost;                                  \
    .type tohost, @object;                          \
    .size tohost, 8;                                \
tohost:   .dword 0;                                 \
    .globl fromhost;                                \
    .type fromhost, @object;                        \
    .size fromhost, 8;                              \
fromhost: .dword 0

#endif
