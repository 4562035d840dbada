//! The KVM engine (`--accel kvm`): on a riscv64 Linux host with
//! `/dev/kvm`, each hart is a KVM vCPU running guest code on the host's
//! own CPU (in VS-mode), with heron's RAM, bus, devices and device tree
//! around it.
//!
//! Built on rust-vmm's `kvm-ioctls`/`kvm-bindings` (the ioctl wrappers
//! Firecracker and Cloud Hypervisor use; riscv64 since 0.19) rather than
//! ioctls of our own. What KVM does itself: the SBI's BASE, TIME, IPI,
//! RFENCE, HSM and SRST extensions, the vCPU timer (and Sstc where the
//! host has it), `wfi`, two-stage translation. What stays in heron: every
//! MMIO access (an exit to [`KvmVcpu::run`], served by the bus), the
//! PLIC, which drives the vCPU's external interrupt with `KVM_INTERRUPT`
//! (QEMU's virt board offers no in-kernel AIA to a nested hypervisor),
//! the SBI debug console and system reset (exits), and the device tree,
//! whose ISA and timebase come from what KVM reports.
//!
//! Everything but [`probe`] and [`KvmError`] exists on riscv64 hosts only.

use thiserror::Error;

#[cfg(target_arch = "riscv64")]
mod debug;
#[cfg(target_arch = "riscv64")]
mod kick;
#[cfg(target_arch = "riscv64")]
mod regs;
// Portable (and tested) on every host; used by the vCPU on riscv64.
#[cfg_attr(not(target_arch = "riscv64"), allow(dead_code))]
mod sbi;
// Portable (and tested) on every host; used by the vCPU on riscv64.
#[cfg_attr(not(target_arch = "riscv64"), allow(dead_code))]
mod step;
#[cfg(target_arch = "riscv64")]
mod vcpu;
#[cfg(target_arch = "riscv64")]
mod vm;

#[cfg(target_arch = "riscv64")]
pub use vcpu::KvmVcpu;
#[cfg(target_arch = "riscv64")]
pub use vm::KvmVm;

/// Why KVM cannot run the guest.
#[derive(Debug, Error)]
#[cfg_attr(not(target_arch = "riscv64"), allow(dead_code))]
pub enum KvmError {
    /// The host is not riscv64: KVM runs guests of the host's own
    /// architecture only.
    #[error("KVM needs a riscv64 host (this one is {0}); use --accel jit or interp")]
    #[cfg_attr(target_arch = "riscv64", allow(dead_code))]
    WrongHost(&'static str),
    /// `/dev/kvm` could not be opened.
    #[error("cannot open /dev/kvm: {0} (is the kvm module loaded, and does the CPU have the H extension?)")]
    NoDevice(std::io::Error),
    /// A KVM ioctl failed.
    #[error("KVM: {what} failed: {source}")]
    Ioctl {
        /// What heron asked of KVM.
        what: &'static str,
        /// The kernel's answer.
        source: std::io::Error,
    },
    /// An option that needs a software engine.
    #[error("{0} is not available under --accel kvm")]
    Unsupported(&'static str),
}

/// Whether KVM can run guests here: `Ok` on a riscv64 host whose
/// `/dev/kvm` opens, else why not.
pub fn probe() -> Result<(), KvmError> {
    #[cfg(target_arch = "riscv64")]
    {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/kvm")
            .map(drop)
            .map_err(KvmError::NoDevice)
    }
    #[cfg(not(target_arch = "riscv64"))]
    {
        Err(KvmError::WrongHost(std::env::consts::ARCH))
    }
}

/// Whether this host's KVM lets a debugger in: software breakpoints
/// through `KVM_SET_GUEST_DEBUG` (Linux 6.10 and later on RISC-V), which
/// the gdb stub's breakpoints and steps are made of.
pub fn probe_guest_debug() -> Result<(), KvmError> {
    #[cfg(target_arch = "riscv64")]
    {
        let kvm = kvm_ioctls::Kvm::new().map_err(|e| KvmError::NoDevice(e.into()))?;
        let cap = kvm_bindings::KVM_CAP_SET_GUEST_DEBUG as libc::c_ulong;
        if kvm.check_extension_raw(cap) <= 0 {
            return Err(KvmError::Unsupported(
                "gdb on this host's KVM (it has no KVM_CAP_SET_GUEST_DEBUG; Linux 6.10 or later has)",
            ));
        }
        Ok(())
    }
    #[cfg(not(target_arch = "riscv64"))]
    {
        probe()
    }
}

/// Makes the VM and one vCPU per hart of `bus`'s machine, the harts after
/// the first held stopped if `secondaries_wait` (a Linux boot: KVM's HSM
/// starts them); returns them with what they are. Posts to a hart's event
/// word kick its vCPU out of `KVM_RUN`.
#[cfg(target_arch = "riscv64")]
pub fn vcpus(
    bus: &heron_mmu::Bus,
    harts: usize,
    secondaries_wait: bool,
    power: &heron_devices::PowerControl,
) -> Result<(Vec<Box<dyn heron_cpu::Vcpu>>, CpuInfo), KvmError> {
    let vm = KvmVm::new(bus.ram())?;
    let mut vcpus: Vec<Box<dyn heron_cpu::Vcpu>> = Vec::with_capacity(harts);
    let mut info = None;
    for h in 0..harts.max(1) {
        let vcpu = vm.create_vcpu(h, power.clone())?;
        vcpu.connect_events(bus);
        if h == 0 {
            info = Some(vcpu.cpu_info()?);
        } else if secondaries_wait {
            vcpu.hold_stopped()?;
        }
        vcpus.push(Box::new(vcpu));
    }
    let info = info.ok_or(KvmError::Unsupported("a machine without harts"))?;
    Ok((vcpus, info))
}

/// Elsewhere there is no KVM to make vCPUs with: why not ([`probe`]).
#[cfg(not(target_arch = "riscv64"))]
pub fn vcpus(
    _bus: &heron_mmu::Bus,
    _harts: usize,
    _secondaries_wait: bool,
    _power: &heron_devices::PowerControl,
) -> Result<(Vec<Box<dyn heron_cpu::Vcpu>>, CpuInfo), KvmError> {
    Err(probe()
        .err()
        .unwrap_or(KvmError::WrongHost(std::env::consts::ARCH)))
}

/// What the guest's device tree says of a KVM vCPU: what KVM exposes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuInfo {
    /// `riscv,isa`, e.g. `rv64imafdc_zicsr_zifencei_sstc`.
    pub isa: String,
    /// `riscv,isa-extensions`: single letters and multi-letter names.
    pub extensions: Vec<String>,
    /// `mmu-type`, e.g. `riscv,sv57`.
    pub mmu_type: String,
    /// The vCPU timer's frequency (`timebase-frequency`).
    pub timebase_hz: u32,
}
