//! The board as its device tree describes it: memory map, CPU (heron's
//! own, or under KVM what KVM exposes), devices, command line and seed.

use heron_devices::clint::CLINT_SIZE;
use heron_devices::plic::PLIC_SIZE;
use heron_devices::rtc::GOLDFISH_RTC_SIZE;
use heron_devices::syscon::SIFIVE_TEST_SIZE;
use heron_devices::uart::UART_SIZE;
use heron_devices::virtio::VIRTIO_MMIO_SIZE;
use heron_firmware::fdt::{Chosen, CpuDescription, IrqDevice, Region};
use heron_firmware::MachineDescription;

use super::BoardConfig;
use crate::kvm::CpuInfo;
use crate::machine::{CLINT_BASE, RAM_BASE, TIMEBASE_HZ};

/// The ISA heron's hart implements, as the device tree states it.
const ISA_EXTENSIONS: &[&str] = &[
    "i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zicntr", "zba", "zbb", "zbs", "zicond",
    "sstc",
];

/// The device tree's view of the board `map_devices` builds; under KVM
/// the CPU and timebase are what KVM reports (`kvm`).
pub(super) fn describe(config: &BoardConfig, kvm: Option<&CpuInfo>) -> MachineDescription {
    use super::map::*;
    let isa = format!("rv64imafdc_{}", ISA_EXTENSIONS[6..].join("_"));
    let rng_seed = if config.deterministic {
        Some((0u8..64).collect())
    } else {
        let mut seed = vec![0u8; 64];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed))
            .ok()
            .map(|_| seed)
    };
    let mut desc = MachineDescription {
        model: "heron virt".into(),
        ram: Region {
            base: RAM_BASE,
            size: config.ram_size,
        },
        timebase_hz: TIMEBASE_HZ as u32,
        harts: config.harts as u32,
        cpu: CpuDescription {
            isa,
            isa_extensions: ISA_EXTENSIONS.iter().map(|s| s.to_string()).collect(),
            mmu_type: "riscv,sv57".into(),
        },
        clint: Region {
            base: CLINT_BASE,
            size: CLINT_SIZE,
        },
        plic: Region {
            base: PLIC_BASE,
            size: PLIC_SIZE,
        },
        plic_ndev: PLIC_NDEV,
        uart: IrqDevice {
            region: Region {
                base: UART_BASE,
                size: UART_SIZE,
            },
            irq: UART_IRQ,
        },
        uart_clock_hz: UART_CLOCK_HZ,
        // Every slot map_virtio fills.
        virtio: (0..super::virtio::slots_used(config))
            .map(|i| IrqDevice {
                region: Region {
                    base: VIRTIO_BASE + i as u64 * VIRTIO_STRIDE,
                    size: VIRTIO_MMIO_SIZE,
                },
                irq: VIRTIO_IRQ + i as u32,
            })
            .collect(),
        test: Some(Region {
            base: TEST_BASE,
            size: SIFIVE_TEST_SIZE,
        }),
        rtc: Some(IrqDevice {
            region: Region {
                base: RTC_BASE,
                size: GOLDFISH_RTC_SIZE,
            },
            irq: RTC_IRQ,
        }),
        chosen: Chosen {
            bootargs: config.append.clone(),
            initrd: None,
            rng_seed,
        },
    };
    if let Some(cpu) = kvm {
        desc.cpu.isa = cpu.isa.clone();
        desc.cpu.isa_extensions = cpu.extensions.clone();
        desc.cpu.mmu_type = cpu.mmu_type.clone();
        desc.timebase_hz = cpu.timebase_hz;
    }
    desc
}
