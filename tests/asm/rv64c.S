/*
 * rv64c.S - every RV64 compressed instruction (RVC), with results checked.
 *
 * Each form is written with its explicit c.* mnemonic, and COMPRESSED()
 * makes the assembler prove the encoding is 2 bytes, so this file cannot
 * silently turn into a 32-bit test. Immediates are taken at their edges
 * (sign bit, largest scaled offsets, 6-bit RV64 shift amounts), the 3-bit
 * register fields are exercised with x8 and x15, and control transfers check
 * their link values (pc + 2) and that execution continues at 2-byte-aligned
 * addresses. c.ebreak must raise a breakpoint with mepc at the instruction.
 */
#include "test.h"

/* assemble `insn` and require it to be 2 bytes long */
#define COMPRESSED(...) 98: __VA_ARGS__; 99: .if (99b - 98b) != 2; .error "not compressed"; .endif
/* branches and jumps to labels have no size known when the .if would be
   evaluated; an explicit c.* mnemonic is still only ever encoded in 16 bits */
#define COMPRESSED_BR(...) __VA_ARGS__

    .text
    .globl test_main
test_main:
    .option push
    .option rvc
    .option norelax     /* fixed instruction sizes, so COMPRESSED can check them */
    /* ---------------- immediates into registers ---------------- */
    TEST_CASE(1, a0, 31,  COMPRESSED(c.li a0, 31))
    TEST_CASE(2, a0, -32, COMPRESSED(c.li a0, -32))
    TEST_CASE(3, s0, 0x000000000001f000, COMPRESSED(c.lui s0, 0x1f))
    TEST_CASE(4, a0, 0xfffffffffffe0000, COMPRESSED(c.lui a0, 0xfffe0))   /* nzimm sign-extends */
    TEST_CASE(5, t1, 0xfffffffffffff000, COMPRESSED(c.lui t1, 0xfffff))   /* any rd but x0/x2 */

    /* ---------------- c.addi / c.addiw / c.addi16sp / c.addi4spn ---------------- */
    TEST_CASE(6, a0, 0x0000000000000009, li a0, 40; COMPRESSED(c.addi a0, -31))
    TEST_CASE(7, a0, 0xffffffffffffffe0, li a0, 0; COMPRESSED(c.addi a0, -32))
    TEST_CASE(8, t2, 0x100000000, li t2, 0xffffffe1; COMPRESSED(c.addi t2, 31))  /* 64-bit add */
    TEST_CASE(9, a0, 0xffffffff80000000, li a0, 0x7fffffff; COMPRESSED(c.addiw a0, 1)) /* wraps at 32 */
    TEST_CASE(10, a0, 0xffffffff87654321, li a0, 0x1234567887654321; COMPRESSED(c.addiw a0, 0)) /* sext.w */
    TEST_CASE(11, a5, 0x00000000000001f, li a5, 0x100000020; COMPRESSED(c.addiw a5, -1))
    /* c.addi16sp and c.addi4spn use sp: work on a copy of it */
    TEST_NUM(12)
    mv s1, sp
    li sp, 0x1000
    COMPRESSED(c.addi16sp sp, -512)
    mv a0, sp
    mv sp, s1
    CHECK(a0, 0x1000 - 512)
    TEST_NUM(13)
    mv s1, sp
    li sp, 0x1000
    COMPRESSED(c.addi16sp sp, 496)
    mv a0, sp
    mv sp, s1
    CHECK(a0, 0x1000 + 496)
    TEST_NUM(14)
    mv s1, sp
    li sp, 0x1000
    COMPRESSED(c.addi4spn a5, sp, 1020)
    COMPRESSED(c.addi4spn s0, sp, 4)
    mv sp, s1
    CHECK(a5, 0x1000 + 1020)
    CHECK(s0, 0x1004)

    /* ---------------- shifts and logic (rd' forms) ---------------- */
    TEST_CASE(15, a0, 0x0000000000000001, li a0, 0x8000000000000000; COMPRESSED(c.srli a0, 63))
    TEST_CASE(16, a1, 0x00000000ffffffff, li a1, -1; COMPRESSED(c.srli a1, 32))
    TEST_CASE(17, a0, 0xffffffffffffffff, li a0, 0x8000000000000000; COMPRESSED(c.srai a0, 63))
    TEST_CASE(18, s1, 0xfffffffff8000000, li s1, 0x8000000000000000; COMPRESSED(c.srai s1, 36))
    TEST_CASE(19, a0, 0x8000000000000000, li a0, 1; COMPRESSED(c.slli a0, 63))
    TEST_CASE(20, t3, 0x0000001000000000, li t3, 1; COMPRESSED(c.slli t3, 36))   /* any rd */
    TEST_CASE(21, a0, 0xffffffffffffffe0, li a0, -1; COMPRESSED(c.andi a0, -32))
    TEST_CASE(22, a0, 0x000000000000001f, li a0, 0x12345ff; COMPRESSED(c.andi a0, 31))
    TEST_CASE(23, a0, 5, li a0, 8; li a1, 3; COMPRESSED(c.sub a0, a1))
    TEST_CASE(24, s0, 0xff00ff00ff00ff00 ^ 0x0ff00ff00ff00ff0, li s0, 0xff00ff00ff00ff00; li a5, 0x0ff00ff00ff00ff0; COMPRESSED(c.xor s0, a5))
    TEST_CASE(25, s0, 0xfff0fff0fff0fff0, li s0, 0xff00ff00ff00ff00; li a5, 0x0ff00ff00ff00ff0; COMPRESSED(c.or s0, a5))
    TEST_CASE(26, a5, 0x0f000f000f000f00, li s0, 0xff00ff00ff00ff00; li a5, 0x0ff00ff00ff00ff0; COMPRESSED(c.and a5, s0))
    TEST_CASE(27, a0, 0x000000007fffffff, li a0, 0x80000000; li a1, 1; COMPRESSED(c.subw a0, a1))
    TEST_CASE(28, a0, 0xffffffff80000000, li a0, 0x7fffffff; li a1, 0x500000001; COMPRESSED(c.addw a0, a1))
    TEST_CASE(29, a0, 0x7fffffffffffffff, li a0, 0x8000000000000000; li a1, 1; COMPRESSED(c.sub a0, a1))

    /* ---------------- c.mv / c.add ---------------- */
    TEST_CASE(30, t4, 0x123456789abcdef0, li a0, 0x123456789abcdef0; COMPRESSED(c.mv t4, a0))
    TEST_CASE(31, ra, 0x0000000100000000, li ra, 0xffffffff; li t5, 1; COMPRESSED(c.add ra, t5))
    TEST_CASE(32, a0, 2, li a0, 1; COMPRESSED(c.add a0, a0))
    TEST_NUM(33)
    COMPRESSED(c.nop)
    COMPRESSED(c.addi zero, 0)      /* c.nop spelled as an addi hint */

    /* ---------------- loads and stores (rs1' forms) ---------------- */
    TEST_NUM(34)
    la s0, cdata
    COMPRESSED(c.lw a0, 0(s0))
    CHECK(a0, 0xffffffff89abcdef)               /* sign-extends */
    COMPRESSED(c.lw a1, 4(s0))
    CHECK(a1, 0x0000000001234567)
    TEST_NUM(35)
    COMPRESSED(c.ld a2, 0(s0))
    CHECK(a2, 0x0123456789abcdef)
    TEST_NUM(36)
    la a5, cdata - 124                          /* largest c.lw offset */
    COMPRESSED(c.lw a3, 124(a5))
    CHECK(a3, 0xffffffff89abcdef)
    la a5, cdata - 248                          /* largest c.ld offset */
    COMPRESSED(c.ld a3, 248(a5))
    CHECK(a3, 0x0123456789abcdef)
    TEST_NUM(37)
    la s1, cbuf
    sd zero, 0(s1)
    sd zero, 8(s1)
    li a4, 0xaaaaaaaabbbbbbbb
    COMPRESSED(c.sw a4, 4(s1))                  /* only 4 bytes */
    ld a0, 0(s1)
    CHECK(a0, 0xbbbbbbbb00000000)
    COMPRESSED(c.sd a4, 8(s1))
    ld a0, 8(s1)
    CHECK(a0, 0xaaaaaaaabbbbbbbb)
    TEST_NUM(38)
    la a5, cbuf - 248
    li a4, 0x5555
    COMPRESSED(c.sd a4, 248(a5))
    ld a0, 0(s1)
    CHECK(a0, 0x5555)
    la a5, cbuf - 124
    li a4, 0x6666
    COMPRESSED(c.sw a4, 124(a5))
    ld a0, 0(s1)
    CHECK(a0, 0x6666)
    /* 39: c.fld / c.fsd */
    TEST_NUM(39)
    la s0, cdata
    COMPRESSED(c.fld fa0, 0(s0))
    fmv.x.d a0, fa0
    CHECK(a0, 0x0123456789abcdef)
    la s1, cbuf
    COMPRESSED(c.fsd fa0, 8(s1))
    ld a0, 8(s1)
    CHECK(a0, 0x0123456789abcdef)

    /* ---------------- sp-relative loads and stores ---------------- */
    /* point sp at cbuf for these, keeping the real sp in s1 */
    TEST_NUM(40)
    mv s1, sp
    la sp, cbuf
    li a0, 0x1111222233334444
    COMPRESSED(c.sdsp a0, 504(sp))              /* largest c.sdsp offset */
    COMPRESSED(c.ldsp t0, 504(sp))
    li a0, 0x88887777
    COMPRESSED(c.swsp a0, 252(sp))              /* largest c.swsp offset */
    COMPRESSED(c.lwsp t1, 252(sp))
    COMPRESSED(c.lwsp t2, 0(sp))
    la a0, cbuf
    ld a0, 504(a0)
    mv sp, s1
    CHECK(t0, 0x1111222233334444)
    CHECK(t1, 0xffffffff88887777)               /* c.lwsp sign-extends */
    CHECK(t2, 0x6666)
    CHECK(a0, 0x1111222233334444)
    /* 41: c.fldsp / c.fsdsp */
    TEST_NUM(41)
    mv s1, sp
    la sp, cbuf
    li a0, 0x400921fb54442d18
    fmv.d.x ft3, a0
    COMPRESSED(c.fsdsp ft3, 16(sp))
    COMPRESSED(c.fldsp ft4, 16(sp))
    mv sp, s1
    fmv.x.d a0, ft4
    CHECK(a0, 0x400921fb54442d18)

    /* ---------------- control transfer ---------------- */
    /* 42: c.j forwards and backwards */
    TEST_NUM(42)
    li a0, 0
    COMPRESSED_BR(c.j 2f)
1:  addi a0, a0, 1
    COMPRESSED_BR(c.j 3f)
2:  addi a0, a0, 10
    COMPRESSED_BR(c.j 1b)
3:  CHECK(a0, 11)
    /* 43: c.beqz / c.bnez taken and not taken */
    TEST_NUM(43)
    li s0, 0
    COMPRESSED_BR(c.bnez s0, 4f)                   /* not taken */
    COMPRESSED_BR(c.beqz s0, 5f)                   /* taken */
4:  j fail
5:  li s0, 0x100000000                          /* nonzero only above bit 31 */
    COMPRESSED_BR(c.beqz s0, 4b)
    COMPRESSED_BR(c.bnez s0, 6f)
    j fail
6:
    /* 44: c.jr */
    TEST_NUM(44)
    la t0, 7f
    COMPRESSED(c.jr t0)
    j fail
7:
    /* 45: c.jalr links pc + 2 */
    TEST_NUM(45)
    la t0, 8f
    COMPRESSED(c.jalr t0)
9:  j fail
8:  la a0, 9b
    bne ra, a0, fail
    /* 46: a 32-bit instruction at a 2-byte-aligned address (after a
           compressed one), reached by c.jr too */
    TEST_NUM(46)
    .p2alignw 2, 0x0001     /* pad with c.nop, never with 0x0000 */
    COMPRESSED(c.nop)
10: addi a0, zero, 77                           /* at 4n + 2 */
    CHECK(a0, 77)
    la t0, 10b
    andi t1, t0, 3
    CHECK(t1, 2)
    li a0, 0
    la t0, 11f
    COMPRESSED(c.jr t0)
    j fail
    .p2alignw 2, 0x0001     /* pad with c.nop, never with 0x0000 */
    COMPRESSED(c.nop)
11: addi a0, a0, 5                              /* target at 4n + 2 */
    CHECK(a0, 5)

    /* 47: c.ebreak raises a breakpoint at its own address */
    TEST_NUM(47)
    RUN_IN(PRV_M, do_c_ebreak)
    CHECK_TRAP_CAUSE(CAUSE_BREAKPOINT)
    CHECK_TRAP_EPC(do_c_ebreak)
    .option pop
    PASS

    .option push
    .option rvc
do_c_ebreak:
    COMPRESSED(c.ebreak)
    ecall
    .option pop

    .data
    .align 3
cdata:
    .dword 0x0123456789abcdef
    .align 3
cbuf:
    .space 512
