//! One hart as a KVM vCPU: [`Vcpu`] over `KVM_RUN` and ONE_REG.

use std::io;
use std::os::fd::AsRawFd;
use std::sync::Arc;

use heron_cpu::debug::DebugArm;
use heron_cpu::hart::{MisalignedAccess, Priv};
use heron_cpu::trace::TraceConfig;
use heron_cpu::trap::irq;
use heron_cpu::{RunExit, Vcpu};
use heron_devices::{PowerControl, PowerEvent};
use heron_mmu::events::bits;
use heron_mmu::{Access, Bus, GuestMemory, GuestRam};
use kvm_bindings::{
    kvm_mp_state, KVM_EXIT_RISCV_SBI, KVM_MP_STATE_STOPPED, KVM_SYSTEM_EVENT_RESET,
    KVM_SYSTEM_EVENT_SHUTDOWN,
};
use kvm_ioctls::{VcpuExit, VcpuFd};

use super::debug::VcpuDebug;
use super::kick::Kicker;
use super::vm::{ioctl_error, KvmVm};
use super::{regs, sbi, KvmError};

/// `KVM_INTERRUPT`: `_IOW(KVMIO, 0x86, struct kvm_interrupt)`, which
/// kvm-ioctls does not wrap for riscv64. On RISC-V it is an asynchronous
/// vCPU ioctl that sets or clears the VS-level external interrupt.
const KVM_INTERRUPT: libc::c_ulong = 0x4004_ae86;

/// `mip.SEIP`: the PLIC's supervisor-context output for the hart.
const SEIP: u64 = 1 << irq::SEI;

/// The SBI_EXT id of the debug console (`KVM_RISCV_SBI_EXT_DBCN`).
const SBI_EXT_DBCN: u32 = 9;

/// The "cause" of [`Vcpu::machine_trap`] when KVM could not go on running
/// the guest (`main` reports it as such; no trap cause has all bits set).
const KVM_FAILED: u64 = u64::MAX;

/// A hart run by KVM.
pub struct KvmVcpu {
    pub(super) fd: VcpuFd,
    pub(super) index: usize,
    kicker: Arc<Kicker>,
    /// What the SBI debug console reads from.
    ram: GuestMemory,
    pub(super) power: PowerControl,
    /// The external interrupt line as last given to KVM.
    seip: bool,
    /// Why the guest stopped if KVM could not go on: `(KVM_FAILED, pc,
    /// errno or 0)`, reported as a guest crash.
    pub(super) failed: Option<(u64, u64, u64)>,
    /// How often `KVM_RUN` came back to heron, by cause (logged when the
    /// vCPU goes: what the guest cost heron beyond KVM itself).
    exits: ExitCounts,
    /// Breakpoints and steps for gdb ([`super::debug`]).
    pub(super) debug: VcpuDebug,
    /// Holds the VM (and with it guest RAM) while the vCPU exists.
    _vm: Arc<KvmVm>,
}

impl KvmVcpu {
    pub(super) fn new(
        vm: Arc<KvmVm>,
        index: usize,
        ram: GuestMemory,
        power: PowerControl,
    ) -> Result<KvmVcpu, KvmError> {
        let fd = vm.create_vcpu_fd(index)?;
        let kicker = Arc::new(Kicker::new(fd.as_raw_fd(), vm.run_size()?)?);
        // The debug console reaches user space only once enabled; a kernel
        // without it keeps the legacy console (or none).
        if let Err(e) = fd.set_one_reg(regs::sbi_ext(SBI_EXT_DBCN), &1u64.to_le_bytes()) {
            log::info!("kvm: no SBI debug console on this host ({e})");
        }
        Ok(KvmVcpu {
            fd,
            index,
            kicker,
            ram,
            power,
            seip: false,
            failed: None,
            exits: ExitCounts::default(),
            debug: VcpuDebug::default(),
            _vm: vm,
        })
    }

    /// Posts to `bus`'s event word for this hart kick the vCPU out of
    /// `KVM_RUN`.
    pub fn connect_events(&self, bus: &Bus) {
        if let Some(ev) = bus.events().get(self.index) {
            let kicker = self.kicker.clone();
            ev.set_kicker(Box::new(move || kicker.kick()));
        }
    }

    /// Holds the vCPU until an SBI HSM `hart_start` (secondary harts of a
    /// Linux boot; KVM implements HSM).
    pub fn hold_stopped(&self) -> Result<(), KvmError> {
        self.fd
            .set_mp_state(kvm_mp_state {
                mp_state: KVM_MP_STATE_STOPPED,
            })
            .map_err(ioctl_error("KVM_SET_MP_STATE"))
    }

    pub(super) fn get(&self, id: u64, what: &'static str) -> Result<u64, KvmError> {
        let mut buf = [0u8; 8];
        self.fd
            .get_one_reg(id, &mut buf)
            .map_err(ioctl_error(what))?;
        Ok(u64::from_le_bytes(buf))
    }

    fn set(&self, id: u64, value: u64) -> bool {
        match self.fd.set_one_reg(id, &value.to_le_bytes()) {
            Ok(_) => true,
            Err(e) => {
                log::warn!("kvm: hart {}: setting register {id:#x}: {e}", self.index);
                false
            }
        }
    }

    /// A register the debugger or the boot code asks for; 0 if KVM has
    /// none by that id (logged).
    pub(super) fn get_or_zero(&self, id: u64) -> u64 {
        self.get(id, "reading a vCPU register").unwrap_or_else(|e| {
            log::warn!("kvm: hart {}: {e}", self.index);
            0
        })
    }

    fn set_external_interrupt(&mut self, high: bool) {
        if high == self.seip {
            return;
        }
        // KVM_INTERRUPT_SET / KVM_INTERRUPT_UNSET.
        let irq: u32 = if high { -1i32 as u32 } else { -2i32 as u32 };
        // SAFETY: the ioctl reads one `struct kvm_interrupt` (a u32) from
        // the pointer, which is valid for the call.
        let rc = unsafe { libc::ioctl(self.fd.as_raw_fd(), KVM_INTERRUPT, &irq) };
        if rc == 0 {
            self.seip = high;
        } else {
            log::error!(
                "kvm: hart {}: KVM_INTERRUPT: {}",
                self.index,
                io::Error::last_os_error()
            );
        }
    }

    /// One `KVM_RUN` and its exit; `Some` to return to the machine.
    pub(super) fn run_once(&mut self, bus: &Bus) -> Option<RunExit> {
        let exit = match self.fd.run() {
            Ok(exit) => exit,
            Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => {
                self.exits.kicks += 1;
                return Some(RunExit::Event);
            }
            Err(e) => {
                let pc = self.get_or_zero(regs::PC);
                log::error!(
                    "kvm: hart {}: KVM_RUN failed at pc {pc:#x}: {e}",
                    self.index
                );
                self.failed = Some((KVM_FAILED, pc, e.errno() as u64));
                return Some(RunExit::Attention);
            }
        };
        self.exits.count(&exit);
        match exit {
            VcpuExit::MmioRead(addr, data) => {
                let size = data.len() as u8;
                let value = bus.read(addr, size).unwrap_or_else(|_| {
                    log::debug!("kvm: read of nothing at {addr:#x}");
                    0
                });
                let bytes = value.to_le_bytes();
                data.copy_from_slice(&bytes[..data.len()]);
                // A read may have changed lines too (a PLIC claim).
                Some(RunExit::Attention)
            }
            VcpuExit::MmioWrite(addr, data) => {
                let mut bytes = [0u8; 8];
                bytes[..data.len()].copy_from_slice(data);
                let value = u64::from_le_bytes(bytes);
                if bus.write(addr, data.len() as u8, value).is_err() {
                    log::debug!("kvm: write of {value:#x} to nothing at {addr:#x}");
                }
                Some(RunExit::Attention)
            }
            VcpuExit::SystemEvent(kind, _) => {
                self.power.request(match kind {
                    KVM_SYSTEM_EVENT_SHUTDOWN => PowerEvent::Shutdown(0),
                    KVM_SYSTEM_EVENT_RESET => PowerEvent::Reboot,
                    other => {
                        log::warn!("kvm: system event {other}: powering off");
                        PowerEvent::Shutdown(1)
                    }
                });
                Some(RunExit::Attention)
            }
            VcpuExit::Intr => Some(RunExit::Event),
            // An `ebreak` with guest debugging on (see `super::debug`).
            VcpuExit::Debug(_) => Some(RunExit::Breakpoint),
            VcpuExit::Unsupported(KVM_EXIT_RISCV_SBI) => {
                self.serve_sbi();
                None
            }
            other => {
                let reason = format!("{other:?}");
                let pc = self.get_or_zero(regs::PC);
                log::error!(
                    "kvm: hart {}: unexpected exit {reason} at pc {pc:#x}",
                    self.index
                );
                self.failed = Some((KVM_FAILED, pc, 0));
                Some(RunExit::Attention)
            }
        }
    }

    /// Serves the SBI call KVM forwarded (see [`sbi`]).
    fn serve_sbi(&mut self) {
        // SAFETY: the exit reason is KVM_EXIT_RISCV_SBI, for which the
        // kernel filled this member of the union.
        let call = unsafe { &mut self.fd.get_kvm_run().__bindgen_anon_1.riscv_sbi };
        let (a0, a1) = sbi::handle(
            call.extension_id,
            call.function_id,
            &call.args,
            &self.ram,
            &mut io::stdout(),
        );
        call.ret = [a0, a1];
    }
}

/// `KVM_RUN`'s returns to user space.
#[derive(Default)]
struct ExitCounts {
    mmio: u64,
    sbi: u64,
    /// Kicks and signals (`EINTR`), and `KVM_EXIT_INTR`.
    kicks: u64,
    other: u64,
}

impl ExitCounts {
    fn count(&mut self, exit: &VcpuExit<'_>) {
        match exit {
            VcpuExit::MmioRead(..) | VcpuExit::MmioWrite(..) => self.mmio += 1,
            VcpuExit::Unsupported(KVM_EXIT_RISCV_SBI) => self.sbi += 1,
            VcpuExit::Intr => self.kicks += 1,
            _ => self.other += 1,
        }
    }
}

impl Drop for KvmVcpu {
    fn drop(&mut self) {
        let e = &self.exits;
        log::info!(
            "kvm: hart {}: KVM_RUN returned {} times (MMIO {}, SBI {}, kicks {}, other {})",
            self.index,
            e.mmio + e.sbi + e.kicks + e.other,
            e.mmio,
            e.sbi,
            e.kicks,
            e.other
        );
    }
}

impl Vcpu for KvmVcpu {
    fn index(&self) -> usize {
        self.index
    }

    /// Runs until something needs the machine: an MMIO access (served
    /// here first), a power event, a post to the hart's event word. The
    /// budget does not apply (KVM counts no instructions), except that a
    /// budget of one is a single step when gdb asks for one.
    fn run(&mut self, bus: &Bus, budget: u64) -> RunExit {
        let events = &bus.events()[self.index];
        self.kicker.enter();
        let exit = loop {
            if events.pending() & bits::WAKE != 0 {
                break RunExit::Event;
            }
            if self.debug.armed() {
                break self.run_debug(bus, budget);
            }
            if let Some(exit) = self.run_once(bus) {
                break exit;
            }
        };
        self.kicker.leave();
        exit
    }

    fn instret(&self) -> u64 {
        0
    }

    fn pc(&self) -> u64 {
        self.get_or_zero(regs::PC)
    }
    fn set_pc(&mut self, pc: u64) {
        self.set(regs::PC, pc);
    }
    fn xreg(&self, r: u8) -> u64 {
        match r & 31 {
            0 => 0,
            r => self.get_or_zero(regs::x(r)),
        }
    }
    fn set_xreg(&mut self, r: u8, value: u64) {
        if r & 31 != 0 {
            self.set(regs::x(r & 31), value);
        }
    }
    fn freg(&self, r: u8) -> u64 {
        self.get_or_zero(regs::f(r))
    }
    fn set_freg(&mut self, r: u8, value: u64) {
        self.set(regs::f(r), value);
    }
    fn read_csr(&mut self, csr: u16) -> Option<u64> {
        match csr {
            0xc01 => Some(self.get_or_zero(regs::TIMER_TIME)),
            0x14d => Some(self.get_or_zero(regs::TIMER_COMPARE)),
            0xf14 => Some(self.index as u64),
            0x301 => Some(2 << 62 | self.get_or_zero(regs::CONFIG_ISA)),
            n => regs::csr_id(n).and_then(|id| self.get(id, "reading a CSR").ok()),
        }
    }
    fn write_csr(&mut self, csr: u16, value: u64) -> bool {
        regs::csr_id(csr).is_some_and(|id| self.set(id, value))
    }
    fn privilege(&self) -> Priv {
        if self.get_or_zero(regs::MODE) == regs::MODE_U {
            Priv::U
        } else {
            Priv::S
        }
    }
    fn set_privilege(&mut self, p: Priv) {
        match p {
            Priv::U => self.set(regs::MODE, regs::MODE_U),
            Priv::S => self.set(regs::MODE, regs::MODE_S),
            Priv::M => {
                log::warn!("kvm: hart {}: a vCPU has no M-mode", self.index);
                false
            }
        };
    }

    fn set_interrupt_lines(&mut self, lines: u64) {
        self.set_external_interrupt(lines & SEIP != 0);
    }
    /// KVM keeps the vCPU's time itself.
    fn set_mtime(&mut self, _mtime: u64) {}
    fn timer_deadline(&self) -> u64 {
        u64::MAX
    }
    /// KVM waits in `wfi` itself: the machine never idles a vCPU.
    fn wakeup_pending(&self) -> bool {
        true
    }
    fn serve_posted_events(&mut self, bus: &Bus) {
        // The soft-MMU requests (code pages, TLB flushes) concern no vCPU.
        if let Some(ev) = bus.events().get(self.index) {
            ev.take(bits::HART_LOCAL);
        }
    }
    fn machine_trap(&mut self) -> Option<(u64, u64, u64)> {
        self.failed
    }
    fn complete_ecall(&mut self) {}
    /// KVM is the SBI.
    fn set_host_sbi(&mut self, _on: bool) {}
    fn flush_translations(&mut self) {}
    fn flush_decoded(&mut self, _ram: &GuestRam) {}
    fn pmp_allows(&self, _pa: u64, _len: u64, _access: Access, _machine: bool) -> bool {
        true
    }
    fn set_misaligned(&mut self, _misaligned: MisalignedAccess) {}
    fn set_concurrent_memory(&mut self, _concurrent: bool) {}

    fn set_debug(&mut self, arm: DebugArm, _bus: &Bus) {
        self.arm_debug(arm);
    }
    fn debug_translate(&self, bus: &Bus, vaddr: u64) -> Option<u64> {
        self.translate(bus, vaddr)
    }
    /// Byte by byte through the guest's page tables, as the interpreter's
    /// debugger reads; stops at the first unmapped byte.
    fn debug_read(&self, bus: &Bus, vaddr: u64, buf: &mut [u8]) -> usize {
        let translate = self.translator(bus);
        for (i, b) in buf.iter_mut().enumerate() {
            let va = vaddr.wrapping_add(i as u64);
            let ok =
                translate(va).is_some_and(|pa| bus.ram().read(pa, std::slice::from_mut(b)).is_ok());
            if !ok {
                return i;
            }
        }
        buf.len()
    }
    fn debug_write(&mut self, bus: &Bus, vaddr: u64, data: &[u8]) -> usize {
        let translate = self.translator(bus);
        for (i, b) in data.iter().enumerate() {
            let va = vaddr.wrapping_add(i as u64);
            let ok = translate(va)
                .is_some_and(|pa| bus.ram().write(pa, std::slice::from_ref(b)).is_ok());
            if !ok {
                return i;
            }
        }
        data.len()
    }
    fn set_trace(&mut self, _out: Option<Box<dyn io::Write + Send>>, _config: TraceConfig) {}
    fn flush_trace(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn tier_stats(&self) -> Option<heron_cpu::tier::TierStats> {
        None
    }
    fn enable_jit_check(&mut self) {}
    fn take_jit_check_report(&mut self) -> Option<String> {
        None
    }
}
