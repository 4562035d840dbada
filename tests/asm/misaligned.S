/*
 * misaligned.S - misaligned ordinary loads and stores are done in hardware.
 *
 * heron's contract (like QEMU's): misaligned integer and FP loads/stores do
 * not trap. Checks: lh/lhu/lw/lwu/ld at every misaligned offset inside and
 * across an 8-byte boundary, with sign/zero extension; sh/sw/sd at each
 * misalignment write exactly their bytes (neighbours checked on both
 * sides); misaligned flw/fld/fsw/fsd; misaligned accesses from S and U mode;
 * with Sv39 on, accesses that straddle two virtual pages mapped to
 * non-adjacent physical pages read and write the right bytes on both sides,
 * and a straddling access whose second page is unmapped or read-only takes
 * a page fault (mtval = the access address or the start of the second
 * page: the spec allows the address of the faulting portion).
 */
#include "test.h"
#include "vm.h"

/* lbuf holds bytes 0x80, 0x81, ... so every loaded value has high bits */
#define TEST_LOAD(num, inst, off, expected) \
    TEST_CASE(num, a0, expected, la a1, lbuf; inst a0, off(a1))
/* zero sbuf-8 .. sbuf+16, store 0x1122334455667788 at sbuf+off, check all */
#define TEST_STORE(num, inst, off, d0, d1, d2)                            \
    TEST_NUM(num); la a1, sbuf; sd zero, -8(a1); sd zero, 0(a1); sd zero, 8(a1); \
    li a2, 0x1122334455667788; inst a2, off(a1);                          \
    ld a0, -8(a1); CHECK(a0, d0); ld a0, 0(a1); CHECK(a0, d1); ld a0, 8(a1); CHECK(a0, d2)

#define VA_CROSS 0x10000000      /* page_hi at +0, page_lo at +0x1000, nothing at +0x2000 */
#define VA_RO    0x10003000      /* page_hi again, writable; +0x4000: page_lo read-only */

    .text
    .globl test_main
test_main:
    /* lbuf = 0x80, 0x81, ..., 0x9f */
    la a1, lbuf
    li a2, 0x80
    li a3, 32
1:  sb a2, 0(a1)
    addi a1, a1, 1
    addi a2, a2, 1
    addi a3, a3, -1
    bnez a3, 1b

    /* ---------------- loads (M-mode, physical) ---------------- */
    TEST_LOAD(1, lh, 1, 0xffffffffffff8281)
    TEST_LOAD(2, lh, 3, 0xffffffffffff8483)
    TEST_LOAD(3, lh, 5, 0xffffffffffff8685)
    TEST_LOAD(4, lh, 7, 0xffffffffffff8887)
    TEST_LOAD(5, lhu, 1, 0x0000000000008281)
    TEST_LOAD(6, lhu, 7, 0x0000000000008887)
    TEST_LOAD(7, lw, 1, 0xffffffff84838281)
    TEST_LOAD(8, lw, 2, 0xffffffff85848382)
    TEST_LOAD(9, lw, 3, 0xffffffff86858483)
    TEST_LOAD(10, lw, 5, 0xffffffff88878685)
    TEST_LOAD(11, lw, 6, 0xffffffff89888786)
    TEST_LOAD(12, lw, 7, 0xffffffff8a898887)
    TEST_LOAD(13, lwu, 1, 0x0000000084838281)
    TEST_LOAD(14, lwu, 6, 0x0000000089888786)
    TEST_LOAD(15, ld, 1, 0x8887868584838281)
    TEST_LOAD(16, ld, 2, 0x8988878685848382)
    TEST_LOAD(17, ld, 3, 0x8a89888786858483)
    TEST_LOAD(18, ld, 4, 0x8b8a898887868584)
    TEST_LOAD(19, ld, 5, 0x8c8b8a8988878685)
    TEST_LOAD(20, ld, 6, 0x8d8c8b8a89888786)
    TEST_LOAD(21, ld, 7, 0x8e8d8c8b8a898887)

    /* ---------------- stores ---------------- */
    TEST_STORE(30, sh, 1, 0x0000000000000000, 0x0000000000778800, 0x0000000000000000)
    TEST_STORE(31, sh, 3, 0x0000000000000000, 0x0000007788000000, 0x0000000000000000)
    TEST_STORE(32, sh, 5, 0x0000000000000000, 0x0077880000000000, 0x0000000000000000)
    TEST_STORE(33, sh, 7, 0x0000000000000000, 0x8800000000000000, 0x0000000000000077)
    TEST_STORE(34, sw, 1, 0x0000000000000000, 0x0000005566778800, 0x0000000000000000)
    TEST_STORE(35, sw, 2, 0x0000000000000000, 0x0000556677880000, 0x0000000000000000)
    TEST_STORE(36, sw, 3, 0x0000000000000000, 0x0055667788000000, 0x0000000000000000)
    TEST_STORE(37, sw, 5, 0x0000000000000000, 0x6677880000000000, 0x0000000000000055)
    TEST_STORE(38, sw, 6, 0x0000000000000000, 0x7788000000000000, 0x0000000000005566)
    TEST_STORE(39, sw, 7, 0x0000000000000000, 0x8800000000000000, 0x0000000000556677)
    TEST_STORE(40, sd, 1, 0x0000000000000000, 0x2233445566778800, 0x0000000000000011)
    TEST_STORE(41, sd, 2, 0x0000000000000000, 0x3344556677880000, 0x0000000000001122)
    TEST_STORE(42, sd, 3, 0x0000000000000000, 0x4455667788000000, 0x0000000000112233)
    TEST_STORE(43, sd, 4, 0x0000000000000000, 0x5566778800000000, 0x0000000011223344)
    TEST_STORE(44, sd, 5, 0x0000000000000000, 0x6677880000000000, 0x0000001122334455)
    TEST_STORE(45, sd, 6, 0x0000000000000000, 0x7788000000000000, 0x0000112233445566)
    TEST_STORE(46, sd, 7, 0x0000000000000000, 0x8800000000000000, 0x0011223344556677)

    /* ---------------- floating point ---------------- */
    /* 50: flw at offset 1, fld at offset 3 (bits loaded exactly) */
    TEST_NUM(50)
    la a1, lbuf
    flw f1, 1(a1)
    fmv.x.d a0, f1
    CHECK(a0, 0xffffffff84838281)        /* NaN-boxed */
    fld f2, 3(a1)
    fmv.x.d a0, f2
    CHECK(a0, 0x8a89888786858483)
    /* 51: fsw at offset 5, fsd at offset 7 */
    TEST_NUM(51)
    la a1, sbuf
    sd zero, 0(a1)
    sd zero, 8(a1)
    sd zero, 16(a1)
    li a2, 0x0102030405060708
    fmv.d.x f3, a2
    fsd f3, 7(a1)
    ld a0, 0(a1)
    CHECK(a0, 0x0800000000000000)
    ld a0, 8(a1)
    CHECK(a0, 0x0001020304050607)
    li a2, 0xaabbccdd
    fmv.w.x f4, a2
    fsw f4, 17(a1)
    ld a0, 16(a1)
    CHECK(a0, 0x000000aabbccdd00)

    /* ---------------- lower privilege, no paging ---------------- */
    /* 52: S-mode ld at offset 3 */
    TEST_NUM(52)
    la a2, lbuf + 3
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x8a89888786858483)
    /* 53: U-mode sd at offset 5 */
    TEST_NUM(53)
    la a1, sbuf
    sd zero, 0(a1)
    sd zero, 8(a1)
    la a2, sbuf + 5
    li a3, -1
    RUN_IN(PRV_U, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_U)
    ld a0, sbuf
    CHECK(a0, 0xffffff0000000000)
    ld a0, sbuf + 8
    CHECK(a0, 0x000000ffffffffff)

    /* ---------------- across a page boundary, Sv39 ---------------- */
    /* VA_CROSS -> page_hi and VA_CROSS + 0x1000 -> page_lo, where page_lo
       is *below* page_hi in physical memory, so a straddling access that
       used consecutive physical addresses would read the wrong bytes. */
    call vm_reset
    mv s0, a0
    li a5, 3
#define MAP(va, pa_reg, flags, level) \
    mv a0, s0; li a1, va; mv a2, pa_reg; li a3, flags; li a4, level; call vm_map
    li s1, 0x80000000
    MAP(0x80000000, s1, RWX_AD, 2)
    la s1, page_hi
    MAP(VA_CROSS, s1, RW_AD, 0)
    MAP(VA_RO, s1, RW_AD, 0)
    la s1, page_lo
    MAP(VA_CROSS + 0x1000, s1, RW_AD, 0)
    MAP(VA_RO + 0x1000, s1, R_AD, 0)
    /* page_hi ends with 0x11 0x12 ... 0x18, page_lo starts 0x21 ... 0x28 */
    la a1, page_hi + 4096 - 8
    li a2, 0x1817161514131211
    sd a2, 0(a1)
    la a1, page_lo
    li a2, 0x2827262524232221
    sd a2, 0(a1)
    SATP_VALUE(a1, s0, SATP_MODE_SV39)
    csrw satp, a1
    sfence.vma

    /* 60: ld 3 bytes before the boundary */
    TEST_NUM(60)
    li a2, VA_CROSS + 4096 - 3
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x2524232221181716)
    /* 61: lw with two bytes on each side, sign-extended */
    TEST_NUM(61)
    li a2, VA_CROSS + 4096 - 2
    RUN_IN(PRV_S, vm_lw_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x0000000022211817)
    /* 62: sd 5 bytes before the boundary: 5 bytes in page_hi, 3 in page_lo */
    TEST_NUM(62)
    li a2, VA_CROSS + 4096 - 5
    li a3, 0xa8a7a6a5a4a3a2a1
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    ld a0, page_hi + 4096 - 8
    CHECK(a0, 0xa5a4a3a2a1131211)
    ld a0, page_lo
    CHECK(a0, 0x2827262524a8a7a6)
    /* 63: straddling into an unmapped page: load page fault */
    TEST_NUM(63)
    li a2, VA_CROSS + 0x2000 - 4
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE)
    CHECK_TRAP_EPC(vm_ld_a2)
    ld t5, trap_tval
    li t6, VA_CROSS + 0x2000 - 4
    beq t5, t6, 2f
    li t6, VA_CROSS + 0x2000
    bne t5, t6, fail
2:
    /* 64: straddling into a read-only page: store page fault */
    TEST_NUM(64)
    li a2, VA_RO + 0x1000 - 2
    li a3, 0
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_STORE_PAGE)
    ld t5, trap_tval
    li t6, VA_RO + 0x1000 - 2
    beq t5, t6, 3f
    li t6, VA_RO + 0x1000
    bne t5, t6, fail
3:
    /* 65: M-mode straddles the same physical pages without translation:
           page_hi's end is followed by whatever is after it physically */
    TEST_NUM(65)
    la a1, page_hi + 4096 - 1
    la a2, page_hi + 4096
    li a3, 0x5a
    sb a3, 0(a2)
    lh a0, 0(a1)
    CHECK(a0, 0x5aa5)
    csrw satp, zero
    sfence.vma
    PASS

    .data
    .align 12
page_lo:  .space 4096
page_hi:  .space 4096
          .space 64                       /* what follows page_hi physically */
    .align 4
lbuf:     .space 32
    .align 4
          .space 8
sbuf:     .space 32
