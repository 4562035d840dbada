// Every instruction form heron's disassembler knows, for the objdump
// comparison in tests/disasm_objdump.rs.
//
// The test assembles this file twice: with -march=rv64gc_zba_zbb_zbs (the
// assembler then compresses whatever it can, and the explicit c.* section
// below is included) and with -march=rv64g_zba_zbb_zbs (every instruction
// stays 32 bits wide). Each objdump line is then disassembled by heron and
// compared, so no expected text lives here: objdump is the reference.
//
// The file goes through the C preprocessor, so comments use // and the
// register and immediate lists below are macros expanded inside .irp loops.

// CSR names are printed according to the privileged-spec version recorded in
// the object; heron names CSRs as of priv 1.12, so say so explicitly (gas
// would otherwise record 1.11 and objdump would print e.g. pmpaddr63 in hex).
.attribute priv_spec, 1
.attribute priv_spec_minor, 12

// A spread of integer registers: compressible ones (x8-x15) and others,
// including the ones pseudo-instructions treat specially (zero, ra, sp).
#define XS zero, ra, sp, gp, s0, s1, a0, a5, a7, s11, t6
#define XS_NZ ra, sp, tp, s0, a1, a5, s2, t6
#define FS ft0, ft7, fs0, fs1, fa0, fa5, fa7, fs11, ft11
#define IMM12 -2048, -2047, -1000, -33, -32, -17, -16, -1, 0, 1, 15, 16, 31, 32, 255, 256, 1000, 2046, 2047
#define SHAMT64 0, 1, 7, 31, 32, 33, 62, 63
#define SHAMT32 0, 1, 7, 16, 30, 31
#define OFFS -2048, -2041, -256, -8, -1, 0, 1, 4, 8, 248, 504, 2040, 2047
#define RMS rne, rtz, rdn, rup, rmm, dyn

	.text
	.globl _start
_start:

// ---------------------------------------------------------------- RV64I
	.irp imm, 0, 1, 0x7ff, 0x800, 0x7ffff, 0x80000, 0xfffff
	lui a0, \imm
	lui t6, \imm
	auipc ra, \imm
	auipc s1, \imm
	.endr

	.irp rd, XS
	.irp rs, zero, sp, a0, t6
	.irp imm, IMM12
	addi \rd, \rs, \imm
	.endr
	.endr
	.endr

	.irp op, slti, sltiu, xori, ori, andi, addiw
	.irp rd, zero, a0, s11
	.irp rs, zero, a0, t6
	.irp imm, IMM12
	\op \rd, \rs, \imm
	.endr
	.endr
	.endr
	.endr

	.irp op, slli, srli, srai
	.irp rd, zero, s0, a0, t6
	.irp sh, SHAMT64
	\op \rd, \rd, \sh
	\op \rd, a1, \sh
	.endr
	.endr
	.endr

	.irp op, slliw, srliw, sraiw
	.irp rd, zero, s0, t6
	.irp sh, SHAMT32
	\op \rd, \rd, \sh
	\op \rd, a1, \sh
	.endr
	.endr
	.endr

	.irp op, add, sub, sll, slt, sltu, xor, srl, sra, or, and, addw, subw, sllw, srlw, sraw
	.irp rd, XS
	.irp rs1, zero, s0, a0, t6
	.irp rs2, zero, s1, a5, t6
	\op \rd, \rs1, \rs2
	.endr
	.endr
	.endr
	.endr

	.irp op, lb, lh, lw, ld, lbu, lhu, lwu
	.irp rd, zero, ra, s0, a5, t6
	.irp base, zero, sp, s1, a0, t6
	.irp off, OFFS
	\op \rd, \off(\base)
	.endr
	.endr
	.endr
	.endr

	.irp op, sb, sh, sw, sd
	.irp rs, zero, ra, s0, a5, t6
	.irp base, zero, sp, s1, a0, t6
	.irp off, OFFS
	\op \rs, \off(\base)
	.endr
	.endr
	.endr
	.endr

	// Branch offsets from the most negative to the most positive.
	.irp op, beq, bne, blt, bge, bltu, bgeu
	.irp rs1, zero, a0, s0, t6
	.irp rs2, zero, a1, s1, t6
	.irp off, -4096, -4094, -256, -2, 0, 2, 256, 2048, 4094
	\op \rs1, \rs2, .+\off
	.endr
	.endr
	.endr
	.endr

	.irp rd, zero, ra, sp, s0, a0, t6
	.irp off, -0x100000, -0xffffe, -2048, -2, 0, 2, 2046, 2048, 0xffffe
	jal \rd, .+\off
	.endr
	.endr

	.irp rd, zero, ra, sp, s0, a0, t6
	.irp rs, zero, ra, sp, s0, a0, t6
	.irp off, -2048, -1, 0, 1, 4, 2047
	jalr \rd, \off(\rs)
	.endr
	.endr
	.endr

	// The pseudo-instructions objdump prints, written in their long form
	// and as pseudo-instructions.
	nop
	addi zero, zero, 0
	addi zero, zero, 1
	addi zero, a0, 0
	.irp rd, XS
	li \rd, 0
	li \rd, -1
	li \rd, 2047
	li \rd, -2048
	mv \rd, a0
	mv \rd, sp
	not \rd, a0
	neg \rd, a0
	negw \rd, a0
	sext.w \rd, a0
	seqz \rd, a0
	snez \rd, a0
	sltz \rd, a0
	sgtz \rd, a0
	.endr
	// Constants that need lui/addiw/slli sequences.
	li a0, 0x12345678
	li a1, -0x80000000
	li a2, 0x7fffffff
	li a3, 0x123456789abcdef0
	li a4, -0x123456789abcdef0
	li a5, 0x8000000000000000
	li t6, 0xfff
	.irp r, zero, a0, s1, t6
	beqz \r, .-8
	bnez \r, .+8
	blez \r, .+16
	bgez \r, .-16
	bltz \r, .+32
	bgtz \r, .-32
	bgt \r, a1, .+64
	ble \r, a1, .-64
	bgtu \r, a1, .+64
	bleu \r, a1, .-64
	jr \r
	jalr \r
	jr 16(\r)
	jalr -16(\r)
	.endr
	j .
	j .-1024
	jal .+1024
	ret
	call 1f
	tail 1f
1:
	fence
	fence.i
	fence.tso
	.irp p, i, o, r, w, io, ir, iw, or, ow, rw, ior, iow, irw, orw, iorw
	.irp s, i, o, r, w, io, ir, iw, or, ow, rw, ior, iow, irw, orw, iorw
	fence \p, \s
	.endr
	.endr

// ---------------------------------------------------------------- M
	.irp op, mul, mulh, mulhsu, mulhu, div, divu, rem, remu, mulw, divw, divuw, remw, remuw
	.irp rd, zero, a0, s0, t6
	.irp rs1, zero, a1, t5
	.irp rs2, zero, a2, t4
	\op \rd, \rs1, \rs2
	.endr
	.endr
	.endr
	.endr

// ---------------------------------------------------------------- A
	// Each mnemonic with every ordering suffix. (A macro, because gas
	// would read "\\op.aq" inside .irp as a parameter named "op.aq".)
	.macro ordered mn, operands:vararg
	\mn \operands
	\mn\().aq \operands
	\mn\().rl \operands
	\mn\().aqrl \operands
	.endm
	.irp rd, zero, a0, t6
	.irp rs1, zero, sp, a1, t5
	ordered lr.w, \rd, (\rs1)
	ordered lr.d, \rd, (\rs1)
	.irp amo, sc.w, sc.d, amoswap.w, amoswap.d, amoadd.w, amoadd.d, amoxor.w, amoxor.d, amoand.w, amoand.d, amoor.w, amoor.d, amomin.w, amomin.d, amomax.w, amomax.d, amominu.w, amominu.d, amomaxu.w, amomaxu.d
	ordered \amo, \rd, t4, (\rs1)
	.endr
	.endr
	.endr

// ---------------------------------------------------------------- F, D
	.irp p, s, d
	.irp fd, FS
	.irp fs, ft0, fa1, ft11
	fmv.\p \fd, \fs
	fneg.\p \fd, \fs
	fabs.\p \fd, \fs
	fsgnj.\p \fd, \fs, \fs
	fsgnj.\p \fd, \fs, fa3
	fsgnjn.\p \fd, \fs, fa3
	fsgnjx.\p \fd, \fs, fa3
	fmin.\p \fd, \fs, fa3
	fmax.\p \fd, \fs, fa3
	.endr
	.irp rm, RMS
	fadd.\p \fd, fa1, fa2, \rm
	fsub.\p \fd, ft1, fs2, \rm
	fmul.\p \fd, fa6, ft8, \rm
	fdiv.\p \fd, fs10, ft9, \rm
	fsqrt.\p \fd, fa4, \rm
	fmadd.\p \fd, fa1, fa2, fa3, \rm
	fmsub.\p \fd, fa1, fa2, ft3, \rm
	fnmsub.\p \fd, fa1, fs2, fa3, \rm
	fnmadd.\p \fd, ft11, fa2, fa3, \rm
	fcvt.\p\().l \fd, zero, \rm
	fcvt.\p\().lu \fd, s1, \rm
	.endr
	.endr
	// Without a rounding mode the assembler picks dyn, like the ",dyn" forms.
	fadd.\p fa0, fa1, fa2
	fsqrt.\p fa0, fa1
	fmadd.\p fa0, fa1, fa2, fa3
	fcvt.\p\().l fa0, a0
	fcvt.l.\p a0, fa0
	.irp rd, zero, a0, t6
	.irp fs, ft0, fa1, ft11
	feq.\p \rd, \fs, fa2
	flt.\p \rd, \fs, fa2
	fle.\p \rd, fa2, \fs
	fclass.\p \rd, \fs
	.irp rm, RMS
	fcvt.w.\p \rd, \fs, \rm
	fcvt.wu.\p \rd, \fs, \rm
	fcvt.l.\p \rd, \fs, \rm
	fcvt.lu.\p \rd, \fs, \rm
	.endr
	.endr
	.endr
	.endr

	.irp fd, FS
	.irp rm, RMS
	fcvt.s.d \fd, fa0, \rm
	fcvt.s.w \fd, a0, \rm
	fcvt.s.wu \fd, t6, \rm
	.endr
	fcvt.s.d \fd, fa0
	fcvt.s.w \fd, a0
	fcvt.s.wu \fd, t6
	// 32-bit integer to double is exact and takes no rounding mode.
	fcvt.d.w \fd, a0
	fcvt.d.wu \fd, t6
	fcvt.d.s \fd, fa0
	fmv.x.w a0, \fd
	fmv.x.d t6, \fd
	fmv.w.x \fd, a0
	fmv.d.x \fd, zero
	.irp base, zero, sp, s0, a5, t6
	.irp off, OFFS
	flw \fd, \off(\base)
	fld \fd, \off(\base)
	fsw \fd, \off(\base)
	fsd \fd, \off(\base)
	.endr
	.endr
	.endr

// ---------------------------------------------------------------- Zicsr
	// Named CSRs from each privilege level plus unnamed numbers.
#define CSRS fflags, frm, fcsr, cycle, time, instret, cycleh, hpmcounter3, hpmcounter31h, \
	sstatus, sie, stvec, scounteren, senvcfg, sscratch, sepc, scause, stval, sip, satp, \
	mstatus, misa, medeleg, mideleg, mie, mtvec, mcounteren, menvcfg, mstatush, mscratch, \
	mepc, mcause, mtval, mip, mtinst, mtval2, pmpcfg0, pmpcfg15, pmpaddr0, pmpaddr63, \
	mcycle, minstret, mhpmcounter3, mhpmcounter31, mhpmevent3, mhpmevent31, mcountinhibit, \
	mvendorid, marchid, mimpid, mhartid, mconfigptr, tselect, tdata1, dcsr, dpc, dscratch0, \
	hstatus, vsstatus, vl, vtype, vlenb, seed, \
	0x000, 0x004, 0x0ff, 0x7c0, 0x800, 0x8ff, 0xbff, 0xcc0, 0xfff
	.irp csr, CSRS
	csrr a0, \csr
	csrr zero, \csr
	csrw \csr, a1
	csrw \csr, zero
	csrs \csr, t6
	csrc \csr, s0
	csrwi \csr, 0
	csrwi \csr, 31
	csrsi \csr, 1
	csrci \csr, 16
	csrrw a0, \csr, a1
	csrrs t6, \csr, zero
	csrrs t6, \csr, a1
	csrrc ra, \csr, zero
	csrrc ra, \csr, s1
	csrrwi a0, \csr, 5
	csrrsi s1, \csr, 0
	csrrsi s1, \csr, 31
	csrrci t6, \csr, 7
	.endr
	.irp r, zero, a0, t6
	frcsr \r
	fscsr \r
	fscsr a1, \r
	frrm \r
	fsrm \r
	fsrm a1, \r
	fsrmi \r, 0
	fsrmi \r, 31
	frflags \r
	fsflags \r
	fsflags a1, \r
	fsflagsi \r, 0
	fsflagsi \r, 31
	rdcycle \r
	rdtime \r
	rdinstret \r
	.endr

// ---------------------------------------------------------------- privileged
	ecall
	ebreak
	mret
	sret
	wfi
	sfence.vma
	sfence.vma a0
	sfence.vma zero, a1
	sfence.vma t6, t5
	unimp

// ---------------------------------------------------------------- Zba, Zbb, Zbs
	.irp op, sh1add, sh2add, sh3add, add.uw, sh1add.uw, sh2add.uw, sh3add.uw, andn, orn, xnor, min, minu, max, maxu, rol, ror, rolw, rorw, bclr, bext, binv, bset
	.irp rd, zero, a0, t6
	.irp rs1, zero, s0, t5
	.irp rs2, zero, a1, t4
	\op \rd, \rs1, \rs2
	.endr
	.endr
	.endr
	.endr
	.irp op, clz, ctz, cpop, clzw, ctzw, cpopw, sext.b, sext.h, zext.b, zext.h, zext.w, orc.b, rev8
	.irp rd, zero, a0, t6
	.irp rs, zero, s0, t5
	\op \rd, \rs
	.endr
	.endr
	.endr
	.irp op, slli.uw, rori, bclri, bexti, binvi, bseti
	.irp rd, zero, a0, t6
	.irp sh, SHAMT64
	\op \rd, s1, \sh
	.endr
	.endr
	.endr
	.irp rd, zero, a0, t6
	.irp sh, SHAMT32
	roriw \rd, s1, \sh
	.endr
	.endr

// ---------------------------------------------------------------- encodings
// that have no mnemonic in the assembler: objdump prints them as .4byte, or
// as instructions the assembler no longer accepts (uret, hret, dret,
// sfence.vm), or with a reserved rounding mode ("unknown").
	.insn 4, 0x00200073	// uret
	.insn 4, 0x20200073	// hret
	.insn 4, 0x7b200073	// dret
	.insn 4, 0x10400073	// sfence.vm
	.insn 4, 0x10450073	// sfence.vm a0
	.insn 4, 0x0000000f	// fence with empty sets
	.insn 4, 0x0100000f	// fence w,0
	.insn 4, 0x0000707b	// custom-3
	.insn 4, 0x12345677	// reserved major opcode
	.insn 4, 0x0000001b | (1 << 25) | (1 << 12)	// slliw with shamt[5] set
	.insn 4, 0x00007003	// load with funct3 = 7
	.insn 4, 0x00004023	// store with funct3 = 4
	.insn 4, 0x00002063	// branch with funct3 = 2
	.insn 4, 0x00001067	// jalr with funct3 = 1
	.insn 4, 0x00004073	// SYSTEM funct3 = 4
	.insn 4, 0x30300073	// mret with a stray bit
	.insn 4, 0x1000102f	// lr.w with rs2 != 0
	.insn 4, 0x0000402f	// AMO with funct3 = 4
	.insn 4, 0x0000100f | (1 << 7)	// fence.i with rd != 0
	.insn 4, 0x8330000f | (1 << 15)	// fence.tso with rs1 != 0
	.insn 4, 0x9ff0000f	// fence with fm = 1001
	.insn 4, 0x02b57553 | (5 << 12)	// fadd.d rm = 5
	.insn 4, 0x02b57553 | (6 << 12)	// fadd.d rm = 6
	.insn 4, 0x58050553 | (5 << 12)	// fsqrt.s rm = 5
	.insn 4, 0x6ac5c543 | (6 << 12)	// fmadd.d rm = 6
	.insn 4, 0x04b57553	// fadd.h (Zfh not enabled)
	.insn 4, 0x06b57553	// fadd.q (Q not enabled)
	.insn 4, 0xd2050553 | (7 << 12)	// fcvt.d.w with rm = dyn
	.insn 4, 0x42050553 | (1 << 12)	// fcvt.d.s with rm = rtz
	.insn 4, 0xe0050553 | (2 << 12)	// fmv.x.w funct3 = 2
	.insn 4, 0x20b5b553	// fsgnj.s funct3 = 3
	.insn 4, 0x0a05d51b	// srliw with funct7 = 5
	.insn 4, 0x60351513	// clz funct12 = 0x603
	.insn 4, 0x0a05151b	// slli.uw, shamt 32
	.insn 4, 0x0a05951b | (31 << 20)	// slli.uw, shamt 63
	.insn 4, 0x00002007	// flw with funct3 = 2 but vector-ish rd
	.insn 4, 0x00001007	// flh (Zfh not enabled)
	.insn 4, 0x00004027	// fsq (Q not enabled)

#ifdef __riscv_compressed
// ---------------------------------------------------------------- C
// Explicit compressed instructions, boundary immediates and HINTs; objdump
// prints them as their 32-bit expansion.
	.irp rd, s0, s1, a0, a5
	.irp imm, 4, 8, 16, 508, 512, 1020
	c.addi4spn \rd, sp, \imm
	.endr
	.irp off, 0, 8, 120, 128, 248
	c.fld fa0, \off(\rd)
	c.fsd fs1, \off(\rd)
	c.ld a1, \off(\rd)
	c.sd s0, \off(\rd)
	.endr
	.irp off, 0, 4, 60, 64, 124
	c.lw a2, \off(\rd)
	c.sw a3, \off(\rd)
	.endr
	.irp sh, 1, 2, 31, 32, 63
	c.srli \rd, \sh
	c.srai \rd, \sh
	.endr
	.irp imm, -32, -31, -1, 0, 1, 31
	c.andi \rd, \imm
	.endr
	.irp rs, s0, s1, a0, a5
	c.sub \rd, \rs
	c.xor \rd, \rs
	c.or \rd, \rs
	c.and \rd, \rs
	c.subw \rd, \rs
	c.addw \rd, \rs
	.endr
	.irp off, -256, -254, -2, 0, 2, 128, 254
	c.beqz \rd, .+\off
	c.bnez \rd, .+\off
	.endr
	.endr

	.irp rd, ra, sp, gp, s0, a0, a5, s2, t6
	.irp imm, -32, -31, -1, 1, 15, 31
	c.addi \rd, \imm
	c.addiw \rd, \imm
	c.li \rd, \imm
	.endr
	c.addiw \rd, 0
	c.li \rd, 0
	.irp sh, 1, 2, 31, 32, 63
	c.slli \rd, \sh
	.endr
	.irp off, 0, 8, 256, 504
	c.fldsp ft1, \off(sp)
	c.fsdsp fs11, \off(sp)
	c.ldsp \rd, \off(sp)
	c.sdsp \rd, \off(sp)
	.endr
	.irp off, 0, 4, 128, 252
	c.lwsp \rd, \off(sp)
	c.swsp \rd, \off(sp)
	.endr
	c.jr \rd
	c.jalr \rd
	.irp rs, ra, sp, s1, t6
	c.mv \rd, \rs
	c.add \rd, \rs
	.endr
	.endr
	c.sdsp zero, 8(sp)
	c.swsp zero, 8(sp)

	.irp rd, ra, gp, s0, a0, t6
	.irp imm, 1, 2, 0x1f, 0xfffe0, 0xffffe, 0xfffff
	c.lui \rd, \imm
	.endr
	.endr
	.irp imm, -512, -496, -16, 16, 256, 496
	c.addi16sp sp, \imm
	.endr
	.irp off, -2048, -2046, -2, 0, 2, 1024, 2046
	c.j .+\off
	.endr
	c.nop
	c.ebreak
	c.unimp

	// HINTs, which keep their c. names.
	.irp imm, -32, -1, 1, 31
	c.nop \imm
	c.li zero, \imm
	.endr
	c.li zero, 0
	.irp imm, 1, 0x1f, 0xfffff
	c.lui zero, \imm
	.endr
	.irp sh, 1, 31, 63
	c.slli zero, \sh
	.endr
	.irp r, zero, ra, s0, a5, t6
	c.slli64 \r
	c.mv zero, a0
	c.add zero, t6
	.endr
	.irp r, s0, a0, a5
	c.srli64 \r
	c.srai64 \r
	.endr
	c.addi a0, 0

	// Reserved encodings, printed as .2byte (except c.addi16sp with a zero
	// immediate, which objdump decodes anyway).
	.insn 2, 0x0004	// c.addi4spn with zero immediate
	.insn 2, 0x8000	// quadrant 0, funct3 = 4
	.insn 2, 0x8002	// c.jr zero
	.insn 2, 0x2001	// c.addiw zero
	.insn 2, 0x6501	// c.lui a0, 0
	.insn 2, 0x6001	// c.lui zero, 0
	.insn 2, 0x6101	// c.addi16sp sp, 0
	.insn 2, 0x4002	// c.lwsp zero
	.insn 2, 0x6002	// c.ldsp zero
	.insn 2, 0x9c41	// quadrant 1 reserved ALU op
	.insn 2, 0x9c61	// quadrant 1 reserved ALU op
#endif
