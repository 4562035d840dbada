/*
 * outside.S - a riscof-style program whose signature symbols do not name a
 * range in RAM: below RAM, or (with -DREVERSED) ending before they begin.
 * tests/signature.rs expects heron to refuse the dump with a one-line
 * error and exit code 2, not to write zeros.
 */
#include "test.h"

    .text
    .globl test_main
test_main:
    ret

    .globl begin_signature, end_signature
#ifdef REVERSED
    .set begin_signature, 0x80001010
    .set end_signature, 0x80001000
#else
    .set begin_signature, 0x70000000
    .set end_signature, 0x70000010
#endif
