//! The pre-decoded instruction the interpreter executes (and the JIT reads).

/// What an instruction does. One variant per instruction (compressed forms
/// decode to the instruction they expand to).
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Illegal,
    // RV64I
    Lui,
    Auipc,
    Jal,
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    Lb,
    Lh,
    Lw,
    Ld,
    Lbu,
    Lhu,
    Lwu,
    Sb,
    Sh,
    Sw,
    Sd,
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Addiw,
    Slliw,
    Srliw,
    Sraiw,
    Addw,
    Subw,
    Sllw,
    Srlw,
    Sraw,
    Fence,
    FenceI,
    Ecall,
    Ebreak,
    // Zicsr (imm = CSR number; rs1 holds the register or the 5-bit immediate)
    Csrrw,
    Csrrs,
    Csrrc,
    Csrrwi,
    Csrrsi,
    Csrrci,
    // Privileged
    Mret,
    Sret,
    Wfi,
    SfenceVma,
    // M
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    Mulw,
    Divw,
    Divuw,
    Remw,
    Remuw,
    // A (rm holds aq/rl, unused by a sequentially consistent single hart)
    LrW,
    ScW,
    LrD,
    ScD,
    AmoSwapW,
    AmoAddW,
    AmoXorW,
    AmoAndW,
    AmoOrW,
    AmoMinW,
    AmoMaxW,
    AmoMinuW,
    AmoMaxuW,
    AmoSwapD,
    AmoAddD,
    AmoXorD,
    AmoAndD,
    AmoOrD,
    AmoMinD,
    AmoMaxD,
    AmoMinuD,
    AmoMaxuD,
    // F and D (rm holds the rounding-mode field)
    Flw,
    Fld,
    Fsw,
    Fsd,
    FmaddS,
    FmsubS,
    FnmsubS,
    FnmaddS,
    FaddS,
    FsubS,
    FmulS,
    FdivS,
    FsqrtS,
    FsgnjS,
    FsgnjnS,
    FsgnjxS,
    FminS,
    FmaxS,
    FcvtWS,
    FcvtWuS,
    FcvtLS,
    FcvtLuS,
    FmvXW,
    FeqS,
    FltS,
    FleS,
    FclassS,
    FcvtSW,
    FcvtSWu,
    FcvtSL,
    FcvtSLu,
    FmvWX,
    FmaddD,
    FmsubD,
    FnmsubD,
    FnmaddD,
    FaddD,
    FsubD,
    FmulD,
    FdivD,
    FsqrtD,
    FsgnjD,
    FsgnjnD,
    FsgnjxD,
    FminD,
    FmaxD,
    FcvtWD,
    FcvtWuD,
    FcvtLD,
    FcvtLuD,
    FmvXD,
    FeqD,
    FltD,
    FleD,
    FclassD,
    FcvtDW,
    FcvtDWu,
    FcvtDL,
    FcvtDLu,
    FmvDX,
    FcvtSD,
    FcvtDS,
    // Zba
    AddUw,
    Sh1add,
    Sh2add,
    Sh3add,
    Sh1addUw,
    Sh2addUw,
    Sh3addUw,
    SlliUw,
    // Zbb
    Andn,
    Orn,
    Xnor,
    Clz,
    Clzw,
    Ctz,
    Ctzw,
    Cpop,
    Cpopw,
    Max,
    Maxu,
    Min,
    Minu,
    SextB,
    SextH,
    ZextH,
    Rol,
    Rolw,
    Ror,
    Rorw,
    Rori,
    Roriw,
    OrcB,
    Rev8,
    // Zbs
    Bclr,
    Bclri,
    Bext,
    Bexti,
    Binv,
    Binvi,
    Bset,
    Bseti,
    // Zicond
    CzeroEqz,
    CzeroNez,
}

/// One pre-decoded instruction.
///
/// Register fields are already masked to 0..31; `imm` is the sign-extended
/// immediate (shift amount, CSR number, branch offset...). `raw` keeps the
/// original bits: `mtval` of an illegal instruction and the trace need them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Op {
    /// Operation.
    pub kind: Kind,
    /// Destination register.
    pub rd: u8,
    /// First source register (or CSR immediate).
    pub rs1: u8,
    /// Second source register.
    pub rs2: u8,
    /// Third source register (fused multiply-add).
    pub rs3: u8,
    /// Floating-point rounding mode field, or AMO aq/rl bits.
    pub rm: u8,
    /// Instruction length in bytes: 2 (compressed) or 4.
    pub len: u8,
    /// Padding, keeps the layout explicit for the JIT.
    pub _pad: u8,
    /// Immediate.
    pub imm: i32,
    /// The instruction's original bits (16 bits for compressed ones).
    pub raw: u32,
}

impl Kind {
    /// Whether the instruction writes `rd` of the integer registers (when
    /// `rd` is not x0): not branches, stores, fences, system instructions
    /// or FP instructions with an FP destination.
    pub fn writes_xreg(self) -> bool {
        use Kind::*;
        !matches!(
            self,
            Sb | Sh
                | Sw
                | Sd
                | Beq
                | Bne
                | Blt
                | Bge
                | Bltu
                | Bgeu
                | Fence
                | FenceI
                | Ecall
                | Ebreak
                | Mret
                | Sret
                | Wfi
                | SfenceVma
                | Flw
                | Fld
                | Fsw
                | Fsd
                | Illegal
        ) && !self.has_fp_dest()
    }

    /// Whether the instruction writes an FP register.
    pub fn has_fp_dest(self) -> bool {
        use Kind::*;
        matches!(
            self,
            FmaddS
                | FmsubS
                | FnmsubS
                | FnmaddS
                | FaddS
                | FsubS
                | FmulS
                | FdivS
                | FsqrtS
                | FsgnjS
                | FsgnjnS
                | FsgnjxS
                | FminS
                | FmaxS
                | FcvtSW
                | FcvtSWu
                | FcvtSL
                | FcvtSLu
                | FmvWX
                | FmaddD
                | FmsubD
                | FnmsubD
                | FnmaddD
                | FaddD
                | FsubD
                | FmulD
                | FdivD
                | FsqrtD
                | FsgnjD
                | FsgnjnD
                | FsgnjxD
                | FminD
                | FmaxD
                | FcvtDW
                | FcvtDWu
                | FcvtDL
                | FcvtDLu
                | FmvDX
                | FcvtSD
                | FcvtDS
        )
    }

    /// Whether this is a conditional branch.
    pub fn is_cond_branch(self) -> bool {
        use Kind::*;
        matches!(self, Beq | Bne | Blt | Bge | Bltu | Bgeu)
    }
}

impl Op {
    /// An illegal instruction with bits `raw` of length `len`.
    pub fn illegal(raw: u32, len: u8) -> Op {
        Op {
            kind: Kind::Illegal,
            rd: 0,
            rs1: 0,
            rs2: 0,
            rs3: 0,
            rm: 0,
            len,
            _pad: 0,
            imm: 0,
            raw,
        }
    }

    /// Whether this instruction ends a block: it always transfers control,
    /// may change translation/privilege/interrupt state, or waits.
    /// Conditional branches do not: a block runs on past a branch not taken
    /// and leaves by a taken one (a superblock with side exits).
    pub fn ends_block(&self) -> bool {
        use Kind::*;
        matches!(
            self.kind,
            Illegal
                | Jal
                | Jalr
                | FenceI
                | Ecall
                | Ebreak
                | Csrrw
                | Csrrs
                | Csrrc
                | Csrrwi
                | Csrrsi
                | Csrrci
                | Mret
                | Sret
                | Wfi
                | SfenceVma
        )
    }
}
