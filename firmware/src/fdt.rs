//! The flattened device tree (Devicetree Specification v0.4) that tells the
//! kernel what the machine is: the same layout and bindings as QEMU's
//! `virt` board, generated from a [`MachineDescription`] so it lists exactly
//! the devices the machine built.

use thiserror::Error;
use vm_fdt::FdtWriter;

#[cfg(test)]
pub(crate) mod tests;

/// Errors building the device tree.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FdtError {
    /// The FDT writer rejected a node or property (for example a string
    /// holding a NUL byte).
    #[error("device tree: {0}")]
    Writer(#[from] vm_fdt::Error),
    /// A device's PLIC source is 0 (reserved: "no interrupt") or above the
    /// PLIC's `riscv,ndev`.
    #[error("{device}: PLIC source {irq} is outside 1..={ndev}")]
    BadInterrupt {
        /// The device node.
        device: String,
        /// Its source number.
        irq: u32,
        /// The PLIC's number of sources.
        ndev: u32,
    },
    /// A hart count the tree cannot describe.
    #[error("{0} harts: the machine has 1 to {MAX_HARTS}")]
    BadHartCount(u32),
    /// The initrd range ends before it starts.
    #[error("initrd range {start:#x}..{end:#x} is empty or reversed")]
    BadInitrd {
        /// Start address.
        start: u64,
        /// End address.
        end: u64,
    },
}

/// A physical address range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// First byte.
    pub base: u64,
    /// Length in bytes.
    pub size: u64,
}

/// A memory-mapped device with one PLIC interrupt source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrqDevice {
    /// Its registers.
    pub region: Region,
    /// Its PLIC source number (1..=`riscv,ndev`).
    pub irq: u32,
}

/// The most harts a machine may have (as QEMU's `virt`).
pub const MAX_HARTS: u32 = 64;

/// What every hart is, as each `/cpus/cpu@N` describes it (all harts are
/// alike).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuDescription {
    /// `riscv,isa`: the ISA string, e.g.
    /// `"rv64imafdc_zicsr_zifencei_zba_zbb_zbs_zicond_sstc"`.
    pub isa: String,
    /// `riscv,isa-extensions`: the same extensions one per entry, e.g.
    /// `["i", "m", "a", "f", "d", "c", "zicsr", …]` (bindings/riscv/extensions.yaml).
    pub isa_extensions: Vec<String>,
    /// `mmu-type`: the widest paging mode, e.g. `"riscv,sv57"`.
    pub mmu_type: String,
}

/// What `/chosen` passes to the kernel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chosen {
    /// The kernel command line.
    pub bootargs: String,
    /// Where the initrd lies: `[start, end)`.
    pub initrd: Option<(u64, u64)>,
    /// Entropy for the kernel's RNG (`rng-seed`).
    pub rng_seed: Option<Vec<u8>>,
}

/// The machine the device tree describes. Every address and interrupt comes
/// from here, so the tree matches what the machine actually mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineDescription {
    /// `/model`.
    pub model: String,
    /// Guest RAM.
    pub ram: Region,
    /// `timebase-frequency`: the rate of `mtime`, in Hz.
    pub timebase_hz: u32,
    /// The number of harts, 1..=[`MAX_HARTS`], with hart IDs 0..harts.
    pub harts: u32,
    /// What each hart is.
    pub cpu: CpuDescription,
    /// The CLINT (`sifive,clint0`).
    pub clint: Region,
    /// The PLIC (`sifive,plic-1.0.0`).
    pub plic: Region,
    /// `riscv,ndev`: the PLIC's number of interrupt sources.
    pub plic_ndev: u32,
    /// The ns16550a UART; `/chosen/stdout-path` points at it.
    pub uart: IrqDevice,
    /// The UART's input clock (`clock-frequency`), in Hz.
    pub uart_clock_hz: u32,
    /// virtio-mmio transports, in slot order.
    pub virtio: Vec<IrqDevice>,
    /// The SiFive test device (`sifive,test0`), through which the syscon
    /// poweroff and reboot nodes act.
    pub test: Option<Region>,
    /// The Goldfish RTC.
    pub rtc: Option<IrqDevice>,
    /// What `/chosen` says.
    pub chosen: Chosen,
}

/// Value the `syscon-poweroff` node writes to the test device (FINISHER_PASS).
pub const TEST_POWEROFF_VALUE: u32 = 0x5555;
/// Value the `syscon-reboot` node writes to the test device (FINISHER_RESET).
pub const TEST_REBOOT_VALUE: u32 = 0x7777;

const PHANDLE_PLIC: u32 = 1;
const PHANDLE_TEST: u32 = 2;
/// Hart `h`'s local interrupt controller has phandle `PHANDLE_INTC0 + h`.
const PHANDLE_INTC0: u32 = 3;
/// Hart `h`'s `cpu` node has phandle `PHANDLE_CPU0 + h` (for `cpu-map`).
const PHANDLE_CPU0: u32 = PHANDLE_INTC0 + MAX_HARTS;

fn intc_phandle(hart: u32) -> u32 {
    PHANDLE_INTC0 + hart
}

/// `interrupts-extended` naming the local interrupts `irqs` of every hart,
/// hart by hart (the order the CLINT's and the PLIC's contexts follow).
fn per_hart_interrupts(desc: &MachineDescription, irqs: &[u32]) -> Vec<u32> {
    (0..desc.harts)
        .flat_map(|h| irqs.iter().flat_map(move |&irq| [intc_phandle(h), irq]))
        .collect()
}

/// `mip` bit numbers the CLINT and PLIC drive, as `interrupts-extended`
/// specifiers of the hart's interrupt controller.
const IRQ_M_SOFT: u32 = 3;
const IRQ_M_TIMER: u32 = 7;
const IRQ_S_EXT: u32 = 9;
const IRQ_M_EXT: u32 = 11;

/// The node name of a device at `region`: `name@<base in hex>`.
fn node_name(name: &str, region: Region) -> String {
    format!("{name}@{:x}", region.base)
}

/// Path of the UART node, which `stdout-path` and the `serial0` alias name.
fn uart_path(desc: &MachineDescription) -> String {
    format!("/soc/{}", node_name("serial", desc.uart.region))
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Builds the device tree blob for `desc`.
pub fn build_dtb(desc: &MachineDescription) -> Result<Vec<u8>, FdtError> {
    check(desc)?;
    let mut fdt = FdtWriter::new()?;
    fdt.set_boot_cpuid_phys(0);
    let root = fdt.begin_node("")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "riscv-virtio")?;
    fdt.property_string("model", &desc.model)?;

    chosen(&mut fdt, desc)?;
    let aliases = fdt.begin_node("aliases")?;
    fdt.property_string("serial0", &uart_path(desc))?;
    fdt.end_node(aliases)?;
    cpus(&mut fdt, desc)?;

    let memory = fdt.begin_node(&node_name("memory", desc.ram))?;
    fdt.property_string("device_type", "memory")?;
    fdt.property_array_u64("reg", &[desc.ram.base, desc.ram.size])?;
    fdt.end_node(memory)?;

    soc(&mut fdt, desc)?;
    if desc.test.is_some() {
        syscon_action(&mut fdt, "poweroff", "syscon-poweroff", TEST_POWEROFF_VALUE)?;
        syscon_action(&mut fdt, "reboot", "syscon-reboot", TEST_REBOOT_VALUE)?;
    }
    fdt.end_node(root)?;
    Ok(with_free_space(fdt.finish()?))
}

/// Free space at the end of the blob, inside its `totalsize`, for a later
/// stage that edits the tree in place, as OpenSBI leaves some (about 900
/// bytes) after its own fixups. U-Boot needs it: `booti` adds `bootargs`
/// and the initrd range to the tree where it lies ("Using Device Tree in
/// place"), trusting that there is room after it, but keeps its copy of
/// the tree right below its global data, which edits past `totalsize`
/// overwrite (U-Boot then crashes before the kernel starts). 4 KiB holds
/// any command line U-Boot takes (its console buffer is smaller).
pub const DTB_FREE_SPACE: usize = 4096;

/// `blob` with [`DTB_FREE_SPACE`] zero bytes after its last block, counted
/// in the header's `totalsize` (offset 4, big-endian), as `dtc -p` pads.
fn with_free_space(mut blob: Vec<u8>) -> Vec<u8> {
    let padded = blob.len() + DTB_FREE_SPACE;
    // vm-fdt's blobs are far below 4 GiB; one that is not stays unpadded.
    if let (Ok(total), true) = (u32::try_from(padded), blob.len() >= 8) {
        blob.resize(padded, 0);
        blob[4..8].copy_from_slice(&total.to_be_bytes());
    }
    blob
}

/// Rejects descriptions the tree could state but the kernel could not use.
fn check(desc: &MachineDescription) -> Result<(), FdtError> {
    if !(1..=MAX_HARTS).contains(&desc.harts) {
        return Err(FdtError::BadHartCount(desc.harts));
    }
    let ndev = desc.plic_ndev;
    let uart = ("serial", desc.uart);
    let devices = std::iter::once(uart)
        .chain(desc.virtio.iter().map(|v| ("virtio_mmio", *v)))
        .chain(desc.rtc.iter().map(|r| ("rtc", *r)));
    for (name, dev) in devices {
        if dev.irq == 0 || dev.irq > ndev {
            return Err(FdtError::BadInterrupt {
                device: node_name(name, dev.region),
                irq: dev.irq,
                ndev,
            });
        }
    }
    if let Some((start, end)) = desc.chosen.initrd {
        if end < start {
            return Err(FdtError::BadInitrd { start, end });
        }
    }
    Ok(())
}

/// `/chosen`: command line, console and initrd (bindings: chosen.yaml in
/// dt-schema; the initrd properties as Linux reads them).
fn chosen(fdt: &mut FdtWriter, desc: &MachineDescription) -> Result<(), FdtError> {
    let node = fdt.begin_node("chosen")?;
    fdt.property_string("bootargs", &desc.chosen.bootargs)?;
    fdt.property_string("stdout-path", &uart_path(desc))?;
    if let Some((start, end)) = desc.chosen.initrd {
        fdt.property_u64("linux,initrd-start", start)?;
        fdt.property_u64("linux,initrd-end", end)?;
    }
    if let Some(seed) = &desc.chosen.rng_seed {
        fdt.property("rng-seed", seed)?;
    }
    fdt.end_node(node)?;
    Ok(())
}

/// `/cpus`: every hart with its local interrupt controller, and a
/// `cpu-map` putting them in one cluster (bindings: riscv/cpus.yaml,
/// cpu/cpu-topology.txt), as QEMU's `virt` describes them.
fn cpus(fdt: &mut FdtWriter, desc: &MachineDescription) -> Result<(), FdtError> {
    let cpus = fdt.begin_node("cpus")?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_u32("#size-cells", 0)?;
    fdt.property_u32("timebase-frequency", desc.timebase_hz)?;
    for hart in 0..desc.harts {
        cpu(fdt, &desc.cpu, hart)?;
    }
    let map = fdt.begin_node("cpu-map")?;
    let cluster = fdt.begin_node("cluster0")?;
    for hart in 0..desc.harts {
        let core = fdt.begin_node(&format!("core{hart}"))?;
        fdt.property_u32("cpu", cpu_phandle(hart))?;
        fdt.end_node(core)?;
    }
    fdt.end_node(cluster)?;
    fdt.end_node(map)?;
    fdt.end_node(cpus)?;
    Ok(())
}

fn cpu_phandle(hart: u32) -> u32 {
    PHANDLE_CPU0 + hart
}

/// `/cpus/cpu@N`.
fn cpu(fdt: &mut FdtWriter, cpu: &CpuDescription, hart: u32) -> Result<(), FdtError> {
    let node = fdt.begin_node(&format!("cpu@{hart}"))?;
    fdt.property_string("device_type", "cpu")?;
    fdt.property_u32("reg", hart)?;
    fdt.property_string("status", "okay")?;
    fdt.property_string("compatible", "riscv")?;
    fdt.property_string("riscv,isa", &cpu.isa)?;
    fdt.property_string("riscv,isa-base", "rv64i")?;
    fdt.property_string_list("riscv,isa-extensions", cpu.isa_extensions.clone())?;
    fdt.property_string("mmu-type", &cpu.mmu_type)?;
    fdt.property_phandle(cpu_phandle(hart))?;

    let intc = fdt.begin_node("interrupt-controller")?;
    fdt.property_u32("#address-cells", 0)?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_string("compatible", "riscv,cpu-intc")?;
    fdt.property_phandle(intc_phandle(hart))?;
    fdt.end_node(intc)?;

    fdt.end_node(node)?;
    Ok(())
}

/// `/soc`: the memory-mapped devices, in address order.
fn soc(fdt: &mut FdtWriter, desc: &MachineDescription) -> Result<(), FdtError> {
    let soc = fdt.begin_node("soc")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "simple-bus")?;
    fdt.property_null("ranges")?;

    if let Some(test) = desc.test {
        let node = fdt.begin_node(&node_name("test", test))?;
        fdt.property_string_list(
            "compatible",
            strings(&["sifive,test1", "sifive,test0", "syscon"]),
        )?;
        fdt.property_array_u64("reg", &[test.base, test.size])?;
        fdt.property_phandle(PHANDLE_TEST)?;
        fdt.end_node(node)?;
    }
    if let Some(rtc) = desc.rtc {
        plic_device(fdt, "rtc", "google,goldfish-rtc", rtc)?;
    }

    let clint = fdt.begin_node(&node_name("clint", desc.clint))?;
    fdt.property_string_list("compatible", strings(&["sifive,clint0", "riscv,clint0"]))?;
    fdt.property_array_u64("reg", &[desc.clint.base, desc.clint.size])?;
    fdt.property_array_u32(
        "interrupts-extended",
        &per_hart_interrupts(desc, &[IRQ_M_SOFT, IRQ_M_TIMER]),
    )?;
    fdt.end_node(clint)?;

    let plic = fdt.begin_node(&node_name("plic", desc.plic))?;
    fdt.property_string_list("compatible", strings(&["sifive,plic-1.0.0", "riscv,plic0"]))?;
    fdt.property_array_u64("reg", &[desc.plic.base, desc.plic.size])?;
    fdt.property_u32("#address-cells", 0)?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.property_null("interrupt-controller")?;
    // Context 2h is hart h's M-mode external interrupt, context 2h + 1
    // its S-mode one, in the order the PLIC numbers its contexts.
    fdt.property_array_u32(
        "interrupts-extended",
        &per_hart_interrupts(desc, &[IRQ_M_EXT, IRQ_S_EXT]),
    )?;
    fdt.property_u32("riscv,ndev", desc.plic_ndev)?;
    fdt.property_phandle(PHANDLE_PLIC)?;
    fdt.end_node(plic)?;

    let uart = fdt.begin_node(&node_name("serial", desc.uart.region))?;
    fdt.property_string("compatible", "ns16550a")?;
    fdt.property_array_u64("reg", &[desc.uart.region.base, desc.uart.region.size])?;
    fdt.property_u32("clock-frequency", desc.uart_clock_hz)?;
    fdt.property_u32("interrupt-parent", PHANDLE_PLIC)?;
    fdt.property_u32("interrupts", desc.uart.irq)?;
    fdt.end_node(uart)?;

    for slot in &desc.virtio {
        plic_device(fdt, "virtio_mmio", "virtio,mmio", *slot)?;
    }
    fdt.end_node(soc)?;
    Ok(())
}

/// A device node with one register range and one PLIC interrupt.
fn plic_device(
    fdt: &mut FdtWriter,
    name: &str,
    compatible: &str,
    dev: IrqDevice,
) -> Result<(), FdtError> {
    let node = fdt.begin_node(&node_name(name, dev.region))?;
    fdt.property_string("compatible", compatible)?;
    fdt.property_array_u64("reg", &[dev.region.base, dev.region.size])?;
    fdt.property_u32("interrupt-parent", PHANDLE_PLIC)?;
    fdt.property_u32("interrupts", dev.irq)?;
    fdt.end_node(node)?;
    Ok(())
}

/// A `syscon-poweroff`/`syscon-reboot` node writing `value` to offset 0 of
/// the test device (bindings: power/reset/syscon-poweroff.yaml,
/// syscon-reboot.yaml).
fn syscon_action(
    fdt: &mut FdtWriter,
    name: &str,
    compatible: &str,
    value: u32,
) -> Result<(), FdtError> {
    let node = fdt.begin_node(name)?;
    fdt.property_string("compatible", compatible)?;
    fdt.property_u32("regmap", PHANDLE_TEST)?;
    fdt.property_u32("offset", 0)?;
    fdt.property_u32("value", value)?;
    fdt.end_node(node)?;
    Ok(())
}
