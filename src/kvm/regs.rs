//! ONE_REG register ids (`Documentation/virt/kvm/api.rst`, RISC-V part):
//! `KVM_REG_RISCV | size | type | index`, the index being the register's
//! position in its uapi struct (`kvm_riscv_core`, `kvm_riscv_csr`, ...).

use kvm_bindings::{
    kvm_riscv_config, kvm_riscv_core, kvm_riscv_csr, kvm_riscv_timer, KVM_REG_RISCV,
    KVM_REG_RISCV_CONFIG, KVM_REG_RISCV_CORE, KVM_REG_RISCV_CSR, KVM_REG_RISCV_CSR_GENERAL,
    KVM_REG_RISCV_FP_D, KVM_REG_RISCV_ISA_EXT, KVM_REG_RISCV_ISA_SINGLE, KVM_REG_RISCV_SBI_EXT,
    KVM_REG_RISCV_SBI_SINGLE, KVM_REG_RISCV_TIMER, KVM_REG_SIZE_U64,
};

/// The id of the 64-bit register at byte offset `offset` of a struct of
/// register type `ty`.
const fn id64(ty: u32, offset: usize) -> u64 {
    KVM_REG_RISCV as u64 | KVM_REG_SIZE_U64 | ty as u64 | (offset / 8) as u64
}

/// `pc` (`kvm_riscv_core.regs.pc`, index 0).
pub const PC: u64 = id64(
    KVM_REG_RISCV_CORE,
    std::mem::offset_of!(kvm_riscv_core, regs),
);

/// Integer register `x1..x31`: `user_regs_struct` lists `ra` .. `t6` in
/// register order after `pc`, so `xN` is index `N`.
pub const fn x(r: u8) -> u64 {
    PC + r as u64
}

/// The vCPU's privilege: [`MODE_S`] or [`MODE_U`].
pub const MODE: u64 = id64(
    KVM_REG_RISCV_CORE,
    std::mem::offset_of!(kvm_riscv_core, mode),
);
/// `KVM_RISCV_MODE_S`.
pub const MODE_S: u64 = 1;
/// `KVM_RISCV_MODE_U`.
pub const MODE_U: u64 = 0;

/// A general S-mode CSR of `kvm_riscv_csr`.
const fn csr(offset: usize) -> u64 {
    id64(KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_GENERAL, offset)
}

/// The ONE_REG id of the CSR numbered `number`, for those KVM exposes.
pub fn csr_id(number: u16) -> Option<u64> {
    use std::mem::offset_of;
    let offset = match number {
        0x100 => offset_of!(kvm_riscv_csr, sstatus),
        0x104 => offset_of!(kvm_riscv_csr, sie),
        0x105 => offset_of!(kvm_riscv_csr, stvec),
        0x106 => offset_of!(kvm_riscv_csr, scounteren),
        0x10a => offset_of!(kvm_riscv_csr, senvcfg),
        0x140 => offset_of!(kvm_riscv_csr, sscratch),
        0x141 => offset_of!(kvm_riscv_csr, sepc),
        0x142 => offset_of!(kvm_riscv_csr, scause),
        0x143 => offset_of!(kvm_riscv_csr, stval),
        0x144 => offset_of!(kvm_riscv_csr, sip),
        0x180 => offset_of!(kvm_riscv_csr, satp),
        _ => return None,
    };
    Some(csr(offset))
}

/// `time` (`kvm_riscv_timer.time`) and `stimecmp` (`.compare`).
pub const TIMER_TIME: u64 = id64(
    KVM_REG_RISCV_TIMER,
    std::mem::offset_of!(kvm_riscv_timer, time),
);
pub const TIMER_COMPARE: u64 = id64(
    KVM_REG_RISCV_TIMER,
    std::mem::offset_of!(kvm_riscv_timer, compare),
);
/// The timer's frequency (read-only).
pub const TIMER_FREQUENCY: u64 = id64(
    KVM_REG_RISCV_TIMER,
    std::mem::offset_of!(kvm_riscv_timer, frequency),
);

/// The single-letter extensions, as `misa`'s low bits.
pub const CONFIG_ISA: u64 = id64(
    KVM_REG_RISCV_CONFIG,
    std::mem::offset_of!(kvm_riscv_config, isa),
);
/// The widest `satp` mode (8 = Sv39, 9 = Sv48, 10 = Sv57).
pub const CONFIG_SATP_MODE: u64 = id64(
    KVM_REG_RISCV_CONFIG,
    std::mem::offset_of!(kvm_riscv_config, satp_mode),
);

/// `f0..f31` as doubles (`kvm_riscv_fp_d.f[r]`).
pub const fn f(r: u8) -> u64 {
    KVM_REG_RISCV as u64 | KVM_REG_SIZE_U64 | KVM_REG_RISCV_FP_D as u64 | (r & 31) as u64
}

/// Whether multi-letter ISA extension `ext` (a `KVM_RISCV_ISA_EXT_*` id) is
/// on: 1 or 0, an unsigned long.
pub const fn isa_ext(ext: u32) -> u64 {
    KVM_REG_RISCV as u64
        | KVM_REG_SIZE_U64
        | KVM_REG_RISCV_ISA_EXT as u64
        | KVM_REG_RISCV_ISA_SINGLE as u64
        | ext as u64
}

/// Whether SBI extension `ext` (a `KVM_RISCV_SBI_EXT_*` id) is on.
pub const fn sbi_ext(ext: u32) -> u64 {
    KVM_REG_RISCV as u64
        | KVM_REG_SIZE_U64
        | KVM_REG_RISCV_SBI_EXT as u64
        | KVM_REG_RISCV_SBI_SINGLE as u64
        | ext as u64
}

// The layout facts the ids rest on.
const _: () = assert!(PC & 0xffff == 0);
const _: () = assert!(MODE & 0xffff == 32);
const _: () = assert!(CONFIG_ISA & 0xffff == 0);
