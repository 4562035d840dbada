/*
 * paging_checks.h - the translation checks shared by mmu_sv39/48/57.S.
 *
 * Included *inside* test_main after LEVELS, SATP_MODE and VA_BITS are
 * defined (and vm.h is included). It builds one page table with
 * vm_map, turns paging on for S/U and checks, for that mode:
 *   - satp reads back; S code runs from an identity-mapped gigapage;
 *   - 4 KiB pages: load, store (seen at the physical address), two virtual
 *     aliases of one physical page;
 *   - permissions: R-only store -> store page fault (15); X-only load ->
 *     load page fault (13) but fetch works; RW-no-X fetch -> fetch page
 *     fault (12) with mepc = mtval = the target; W without R is reserved
 *     -> fault for loads and stores;
 *   - invalid entries at the leaf level and at the top level, and a pointer
 *     PTE at level 0 -> page fault;
 *   - superpages: megapage and gigapage aliases of RAM work; megapage and
 *     gigapage PTEs with misaligned PPNs -> page fault;
 *   - the top of the address space: non-canonical VAs fault, the most
 *     negative canonical VA translates;
 *   - U-mode: runs from a U page and uses a U data page; touching an S page
 *     from U faults for load and fetch;
 *   - M-mode is not translated.
 * Every fault check also requires mtval = the faulting virtual address.
 * Check numbers 1..60 are used here; the including file uses 100 and up.
 */

#define VA_4K      0x10000000
#define VA_MEGA    0x20000000      /* 2 MiB page -> 0x8000_0000 */
#define VA_MEGA_BAD 0x20200000     /* 2 MiB page with a misaligned PPN */
#define USER_VA    0x30000000      /* user_page, then the user data page */
#define VA_GIGA    0x40000000      /* 1 GiB page -> 0x8000_0000 */
#define VA_GIGA_BAD 0xc0000000     /* 1 GiB page with a misaligned PPN */
#define VA_HOLE    0x100000000     /* nothing mapped at the top level */
#define VA_NEG     (-(1 << (VA_BITS - 1)))               /* most negative canonical */
#define VA_NONCANON (1 << (VA_BITS - 1))                 /* sign bit set, upper bits clear */

/* S-mode access through a2; success = ecall from S with a0 = result */
#define S_LOAD_OK(num, va, expected) \
    TEST_NUM(num); li a2, va; RUN_IN(PRV_S, vm_ld_a2); \
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S); CHECK(a0, expected)
#define S_FAULT(num, snippet, va, cause) \
    TEST_NUM(num); li a2, va; RUN_IN(PRV_S, snippet); \
    CHECK_TRAP_CAUSE(cause); CHECK_TRAP_EPC(snippet); CHECK_TRAP_TVAL(va); CHECK_TRAP_PRV(PRV_S)
/* offset of a symbol from the start of RAM, for the superpage aliases */
#define RAM_OFF(reg, sym) la reg, sym; li t0, 0x80000000; sub reg, reg, t0

    /* ---------------- pages used below ---------------- */
    .pushsection .data
    .align 12
page_a:      .dword 0                    /* S data, several mappings */
    .align 12
page_b:      .dword 0                    /* S read-only */
    .align 12
page_c:      .dword 0                    /* U data */
    .align 12
data_word:   .dword 0x0123456789abcdef, 0
    .popsection
    .pushsection .text.s_code_page, "ax", @progbits
    .align 12
s_code_page:                             /* mapped execute-only */
    li a0, 0x600d
    ecall
    .align 12
    .popsection

    /* ---------------- build the page table ---------------- */
    call vm_reset
    mv s0, a0                               /* s0 = root (kept throughout) */
    li a5, LEVELS
#define MAP(va, pa_reg, flags, level) \
    mv a0, s0; li a1, va; mv a2, pa_reg; li a3, flags; li a4, level; call vm_map
    li s1, 0x80000000
    MAP(0x80000000, s1, RWX_AD, 2)          /* identity gigapage for S code */
    la s1, page_a
    MAP(VA_4K + 0x0000, s1, RW_AD, 0)
    la s1, page_b
    MAP(VA_4K + 0x1000, s1, R_AD, 0)
    la s1, page_a
    MAP(VA_4K + 0x2000, s1, RW_AD, 0)       /* alias of page_a */
    la s1, s_code_page
    MAP(VA_4K + 0x3000, s1, X_AD, 0)        /* execute-only code */
    la s1, page_a
    MAP(VA_4K + 0x4000, s1, RW_AD, 0)       /* data: not executable */
    MAP(VA_4K + 0x5000, s1, PTE_V | PTE_W | PTE_A | PTE_D, 0) /* W without R: reserved */
    MAP(VA_4K + 0x6000, s1, PTE_A | PTE_R | PTE_W, 0)         /* V = 0 */
    MAP(VA_4K + 0x7000, s1, PTE_V, 0)       /* a pointer where a leaf must be */
    la s1, user_page
    MAP(USER_VA, s1, PTE_U | RX_AD, 0)
    la s1, page_c
    MAP(USER_VA + 0x1000, s1, PTE_U | RW_AD, 0)
    li s1, 0x80000000
    MAP(VA_MEGA, s1, RW_AD, 1)
    li s1, 0x80001000
    MAP(VA_MEGA_BAD, s1, RW_AD, 1)          /* PPN[0] != 0 */
    li s1, 0x80000000
    MAP(VA_GIGA, s1, RW_AD, 2)
    li s1, 0x80200000
    MAP(VA_GIGA_BAD, s1, RW_AD, 2)          /* PPN[1] != 0 */
    li s1, 0x80000000
    MAP(VA_NEG, s1, RW_AD, 2)

    /* data */
    li a1, 0x1111111111111111
    sd a1, page_a, t0
    li a1, 0x2222222222222222
    sd a1, page_b, t0
    li a1, 0x3333333333333333
    sd a1, page_c, t0

    /* ---------------- turn translation on ---------------- */
    TEST_NUM(1)
    SATP_VALUE(a1, s0, SATP_MODE)
    csrw satp, a1
    sfence.vma
    csrr a0, satp
    bne a0, a1, fail

    /* ---------------- 4 KiB pages ---------------- */
    TEST_NUM(2)                                 /* identity-mapped data */
    la a2, data_word
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x0123456789abcdef)
    S_LOAD_OK(3, VA_4K, 0x1111111111111111)
    TEST_NUM(4)                                 /* store through a VA */
    li a2, VA_4K + 8
    li a3, 0x4444
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    la a1, page_a
    ld a0, 8(a1)                                /* M: physical */
    CHECK(a0, 0x4444)
    S_LOAD_OK(5, VA_4K + 0x2000 + 8, 0x4444)    /* the alias sees it */
    S_LOAD_OK(6, VA_4K + 0x1000, 0x2222222222222222)   /* R-only: load is fine */
    li a3, 0x5555
    S_FAULT(7, vm_sd_a2, VA_4K + 0x1000, CAUSE_STORE_PAGE)
    ld a0, page_b
    CHECK(a0, 0x2222222222222222)              /* not written */
    /* 8: fetch from an X-only page works */
    TEST_NUM(8)
    li a2, VA_4K + 0x3000
    li a0, 0
    RUN_IN(PRV_S, vm_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x600d)
    S_FAULT(9, vm_ld_a2, VA_4K + 0x3000, CAUSE_LOAD_PAGE)   /* X-only: no load */
    /* 10: fetch from a non-executable page: mepc = mtval = the target */
    TEST_NUM(10)
    li a2, VA_4K + 0x4000
    RUN_IN(PRV_S, vm_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE)
    ld t5, trap_epc
    CHECK(t5, VA_4K + 0x4000)
    CHECK_TRAP_TVAL(VA_4K + 0x4000)
    S_FAULT(11, vm_ld_a2, VA_4K + 0x5000, CAUSE_LOAD_PAGE)  /* W without R */
    S_FAULT(12, vm_sd_a2, VA_4K + 0x5008, CAUSE_STORE_PAGE)
    S_FAULT(13, vm_ld_a2, VA_4K + 0x6010, CAUSE_LOAD_PAGE)  /* V = 0 */
    S_FAULT(14, vm_sd_a2, VA_4K + 0x6018, CAUSE_STORE_PAGE)
    S_FAULT(15, vm_ld_a2, VA_4K + 0x7000, CAUSE_LOAD_PAGE)  /* pointer at level 0 */
    S_FAULT(16, vm_ld_a2, VA_HOLE + 0x20, CAUSE_LOAD_PAGE)  /* V = 0 at the top */
    /* 17: fetch from an unmapped page */
    TEST_NUM(17)
    li a2, VA_4K + 0x6000
    RUN_IN(PRV_S, vm_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE)
    CHECK_TRAP_TVAL(VA_4K + 0x6000)

    /* ---------------- superpages ---------------- */
    TEST_NUM(20)
    RAM_OFF(a2, data_word)
    li t0, VA_MEGA
    add a2, a2, t0
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x0123456789abcdef)
    S_FAULT(21, vm_ld_a2, VA_MEGA_BAD + 0x100, CAUSE_LOAD_PAGE)
    S_FAULT(22, vm_sd_a2, VA_MEGA_BAD + 0x108, CAUSE_STORE_PAGE)
    TEST_NUM(23)
    RAM_OFF(a2, data_word)
    li t0, VA_GIGA
    add a2, a2, t0
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x0123456789abcdef)
    S_FAULT(24, vm_ld_a2, VA_GIGA_BAD + 0x100, CAUSE_LOAD_PAGE)
    /* 25: a store through the gigapage alias lands in RAM */
    TEST_NUM(25)
    RAM_OFF(a2, data_word)
    li t0, VA_GIGA + 8
    add a2, a2, t0
    li a3, 0x7777
    RUN_IN(PRV_S, vm_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    la a1, data_word
    ld a0, 8(a1)
    CHECK(a0, 0x7777)

    /* ---------------- the ends of the address space ---------------- */
    TEST_NUM(26)
    RAM_OFF(a2, data_word)
    li t0, VA_NEG
    add a2, a2, t0
    RUN_IN(PRV_S, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_S)
    CHECK(a0, 0x0123456789abcdef)
    S_FAULT(27, vm_ld_a2, VA_NONCANON, CAUSE_LOAD_PAGE)
    S_FAULT(28, vm_sd_a2, VA_NONCANON + 0x10, CAUSE_STORE_PAGE)
    /* 29: a VA whose low bits are mapped (VA_4K) but with a bit above the
           sign bit set: not canonical, so it faults instead of aliasing */
    S_FAULT(29, vm_ld_a2, (1 << 62) | VA_4K, CAUSE_LOAD_PAGE)

    /* ---------------- U-mode ---------------- */
    /* 30: U code runs from its U page and loads from a U data page */
    TEST_NUM(30)
    li a2, USER_VA + 0x1000
    RUN_USER(u_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_U)
    CHECK(a0, 0x3333333333333333)
    /* 31: U store to its data page */
    TEST_NUM(31)
    li a2, USER_VA + 0x1008
    li a3, 0x9999
    RUN_USER(u_sd_a2)
    CHECK_TRAP_CAUSE(CAUSE_ECALL_U)
    la a1, page_c
    ld a0, 8(a1)
    CHECK(a0, 0x9999)
    /* 32: U load from an S page */
    TEST_NUM(32)
    li a2, VA_4K
    RUN_USER(u_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_LOAD_PAGE)
    CHECK_TRAP_TVAL(VA_4K)
    CHECK_TRAP_PRV(PRV_U)
    /* 33: U fetch from an S page (executable for S) */
    TEST_NUM(33)
    li a2, VA_4K + 0x3000
    RUN_USER(u_jump_a2)
    CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE)
    CHECK_TRAP_TVAL(VA_4K + 0x3000)
    /* 34: U code cannot even start from an S page (identity-mapped code) */
    TEST_NUM(34)
    RUN_IN(PRV_U, vm_ld_a2)
    CHECK_TRAP_CAUSE(CAUSE_FETCH_PAGE)
    CHECK_TRAP_EPC(vm_ld_a2)
    CHECK_TRAP_TVAL_SYM(vm_ld_a2)

    /* ---------------- M-mode ignores satp ---------------- */
    TEST_NUM(35)
    la a2, page_a                        /* the physical address, as is */
    ld a0, 0(a2)
    CHECK(a0, 0x1111111111111111)
