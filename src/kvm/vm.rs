//! The VM: `/dev/kvm`, the VM fd with guest RAM as its one memory slot,
//! and what KVM says its vCPUs are.

use std::sync::Arc;

use heron_devices::PowerControl;
use heron_mmu::{GuestMemory, GuestRam};
use kvm_bindings::kvm_userspace_memory_region;
use kvm_ioctls::{Kvm, VcpuFd, VmFd};

use super::{regs, CpuInfo, KvmError, KvmVcpu};

/// The VM's fds and what keeps its memory alive.
pub struct KvmVm {
    kvm: Kvm,
    vm: VmFd,
    /// Holds guest RAM's mapping for as long as the VM (and every vCPU,
    /// which holds the VM) exists: the memory slot points into it. The
    /// vCPUs' SBI debug console reads through it too.
    ram: GuestMemory,
}

pub(super) fn ioctl_error(what: &'static str) -> impl FnOnce(kvm_ioctls::Error) -> KvmError {
    move |e| KvmError::Ioctl {
        what,
        source: std::io::Error::from_raw_os_error(e.errno()),
    }
}

impl KvmVm {
    /// Opens KVM and makes a VM whose memory is `ram`.
    pub fn new(ram: &GuestRam) -> Result<Arc<KvmVm>, KvmError> {
        let kvm = Kvm::new()
            .map_err(|e| KvmError::NoDevice(std::io::Error::from_raw_os_error(e.errno())))?;
        let vm = kvm.create_vm().map_err(ioctl_error("KVM_CREATE_VM"))?;
        let region = kvm_userspace_memory_region {
            slot: 0,
            flags: 0,
            guest_phys_addr: ram.base(),
            memory_size: ram.size(),
            userspace_addr: ram.host_base() as u64,
        };
        // SAFETY: the region is exactly `ram`'s mapping (base and size from
        // the same `GuestRam`), which `ram` keeps mapped for the VM's
        // whole life; the guest reaching it is what RAM is for, and every
        // host-side access to it is atomic (`mmu::host_mem`), so the
        // guest's concurrent writes are no data race.
        unsafe { vm.set_user_memory_region(region) }
            .map_err(ioctl_error("KVM_SET_USER_MEMORY_REGION"))?;
        Ok(Arc::new(KvmVm {
            kvm,
            vm,
            ram: ram.dma_handle(),
        }))
    }

    pub(super) fn create_vcpu_fd(&self, index: usize) -> Result<VcpuFd, KvmError> {
        self.vm
            .create_vcpu(index as u64)
            .map_err(ioctl_error("KVM_CREATE_VCPU"))
    }

    pub(super) fn run_size(&self) -> Result<usize, KvmError> {
        self.kvm
            .get_vcpu_mmap_size()
            .map_err(ioctl_error("KVM_GET_VCPU_MMAP_SIZE"))
    }

    /// Makes hart `index`'s vCPU; it stops the machine through `power`.
    pub fn create_vcpu(
        self: &Arc<Self>,
        index: usize,
        power: PowerControl,
    ) -> Result<KvmVcpu, KvmError> {
        KvmVcpu::new(self.clone(), index, self.ram.clone(), power)
    }
}

/// `riscv,isa-extensions` names of the `KVM_RISCV_ISA_EXT_*` ids heron
/// describes (the ids are uapi: stable).
const MULTI_LETTER: &[(u32, &str)] = &[
    (20, "zicsr"),
    (21, "zifencei"),
    (19, "zicntr"),
    (22, "zihpm"),
    (10, "zihintpause"),
    (48, "zihintntl"),
    (11, "zicbom"),
    (12, "zicboz"),
    (24, "zicond"),
    (53, "zacas"),
    (61, "zawrs"),
    (17, "zba"),
    (13, "zbb"),
    (25, "zbc"),
    (18, "zbs"),
    (51, "zfa"),
    (46, "zfh"),
    (47, "zfhmin"),
    (8, "sstc"),
    (9, "svinval"),
    (16, "svnapot"),
    (7, "svpbmt"),
];

impl KvmVcpu {
    /// What KVM exposes on this vCPU, for the device tree.
    pub fn cpu_info(&self) -> Result<CpuInfo, KvmError> {
        let misa = self.get(regs::CONFIG_ISA, "reading the vCPU's ISA")?;
        let mut extensions: Vec<String> = "imafdcv"
            .chars()
            .filter(|&c| misa & 1 << (c as u8 - b'a') != 0)
            .map(String::from)
            .collect();
        let letters: String = extensions.concat();
        for &(id, name) in MULTI_LETTER {
            // An id this kernel does not know reads as an error: absent.
            if self.get(regs::isa_ext(id), "").unwrap_or(0) == 1 {
                extensions.push(name.to_string());
            }
        }
        let multi: Vec<&str> = extensions[letters.len()..]
            .iter()
            .map(String::as_str)
            .collect();
        let isa = if multi.is_empty() {
            format!("rv64{letters}")
        } else {
            format!("rv64{letters}_{}", multi.join("_"))
        };
        let mmu_type = match self.get(regs::CONFIG_SATP_MODE, "").unwrap_or(8) {
            10 => "riscv,sv57",
            9 => "riscv,sv48",
            _ => "riscv,sv39",
        };
        let hz = self.get(regs::TIMER_FREQUENCY, "reading the vCPU timer's frequency")?;
        Ok(CpuInfo {
            isa,
            extensions,
            mmu_type: mmu_type.into(),
            timebase_hz: u32::try_from(hz).unwrap_or(u32::MAX),
        })
    }
}
