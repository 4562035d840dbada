use std::io::Write;
use std::process::{Command, Stdio};

use super::*;

/// A description of heron's `virt`-like machine with two virtio slots.
pub(crate) fn description() -> MachineDescription {
    MachineDescription {
        model: "heron,virt".into(),
        ram: Region {
            base: 0x8000_0000,
            size: 0x800_0000,
        },
        timebase_hz: 10_000_000,
        harts: 1,
        cpu: CpuDescription {
            isa: "rv64imafdc_zicsr_zifencei_zba_zbb_zbs_zicond_sstc".into(),
            isa_extensions: strings(&[
                "i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zba", "zbb", "zbs", "zicond",
                "sstc",
            ]),
            mmu_type: "riscv,sv57".into(),
        },
        clint: Region {
            base: 0x200_0000,
            size: 0x1_0000,
        },
        plic: Region {
            base: 0xc00_0000,
            size: 0x60_0000,
        },
        plic_ndev: 63,
        uart: IrqDevice {
            region: Region {
                base: 0x1000_0000,
                size: 0x100,
            },
            irq: 10,
        },
        uart_clock_hz: 3_686_400,
        virtio: (1..=2)
            .map(|i| IrqDevice {
                region: Region {
                    base: 0x1000_0000 + 0x1000 * i as u64,
                    size: 0x1000,
                },
                irq: i,
            })
            .collect(),
        test: Some(Region {
            base: 0x10_0000,
            size: 0x1000,
        }),
        rtc: Some(IrqDevice {
            region: Region {
                base: 0x10_1000,
                size: 0x1000,
            },
            irq: 11,
        }),
        chosen: Chosen {
            bootargs: "console=ttyS0 earlycon=sbi".into(),
            initrd: None,
            rng_seed: None,
        },
    }
}

/// Decompiles `dtb` with the device-tree compiler: (source text, warnings).
fn decompile(dtb: &[u8]) -> (String, String) {
    let mut child = match Command::new("dtc")
        .args(["-I", "dtb", "-O", "dts", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!(
            "cannot run `dtc` ({e}); install the Debian package device-tree-compiler \
             (apt-get install device-tree-compiler)"
        ),
    };
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(dtb)
        .expect("dtc reads the blob");
    let out = child.wait_with_output().expect("dtc runs");
    assert!(
        out.status.success(),
        "dtc rejected the blob: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dts = String::from_utf8(out.stdout).expect("dts is text");
    (
        split_string_lists(&dts),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Older dtc prints a string list as one string with `\0` separators
/// ("a\0b"); newer ones as "a", "b". Rewrites the former as the latter
/// where a list element (a letter) follows the separator.
fn split_string_lists(dts: &str) -> String {
    let mut out = String::with_capacity(dts.len());
    let mut rest = dts;
    while let Some(i) = rest.find("\\0") {
        out.push_str(&rest[..i]);
        rest = &rest[i + 2..];
        if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            out.push_str("\", \"");
        } else {
            out.push_str("\\0");
        }
    }
    out.push_str(rest);
    out
}

/// The text of node `path` (e.g. "soc/plic@c000000") up to its first child
/// or its end, from decompiled source.
fn node<'a>(dts: &'a str, name: &str) -> &'a str {
    let start = dts
        .find(&format!("{name} {{"))
        .unwrap_or_else(|| panic!("node {name} missing from:\n{dts}"));
    let rest = &dts[start..];
    let end = rest.find("};").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn describes_the_machine_and_passes_dtc_checks() {
    let dtb = build_dtb(&description()).unwrap();
    let (dts, warnings) = decompile(&dtb);
    assert!(warnings.trim().is_empty(), "dtc warnings:\n{warnings}");

    assert!(dts.contains("compatible = \"riscv-virtio\";"));
    assert!(dts.contains("model = \"heron,virt\";"));
    assert!(dts.contains("timebase-frequency = <0x989680>;"));

    let cpu = node(&dts, "cpu@0");
    assert!(cpu.contains("riscv,isa = \"rv64imafdc_zicsr_zifencei_zba_zbb_zbs_zicond_sstc\";"));
    assert!(cpu.contains("riscv,isa-base = \"rv64i\";"));
    assert!(cpu.contains("riscv,isa-extensions = \"i\", \"m\", \"a\""));
    assert!(cpu.contains("\"zicond\", \"sstc\";"));
    assert!(cpu.contains("mmu-type = \"riscv,sv57\";"));
    let intc = node(&dts, "interrupt-controller");
    assert!(intc.contains("compatible = \"riscv,cpu-intc\";"));
    assert!(intc.contains("phandle = <0x03>;"));
    assert!(!dts.contains("cpu@1"), "one hart");
    assert!(node(&dts, "core0").contains("cpu = <0x43>;"));
    assert!(cpu.contains("phandle = <0x43>;"));

    let memory = node(&dts, "memory@80000000");
    assert!(memory.contains("reg = <0x00 0x80000000 0x00 0x8000000>;"));

    let clint = node(&dts, "clint@2000000");
    assert!(clint.contains("interrupts-extended = <0x03 0x03 0x03 0x07>;"));
    assert!(clint.contains("\"sifive,clint0\", \"riscv,clint0\""));

    let plic = node(&dts, "plic@c000000");
    assert!(plic.contains("interrupts-extended = <0x03 0x0b 0x03 0x09>;"));
    assert!(plic.contains("riscv,ndev = <0x3f>;"));
    assert!(plic.contains("reg = <0x00 0xc000000 0x00 0x600000>;"));
    assert!(plic.contains("phandle = <0x01>;"));

    let uart = node(&dts, "serial@10000000");
    assert!(uart.contains("compatible = \"ns16550a\";"));
    assert!(uart.contains("interrupts = <0x0a>;"));
    assert!(uart.contains("interrupt-parent = <0x01>;"));
    // 0x00384000 happens to look like a string ("\08@") to older dtc.
    assert!(
        uart.contains("clock-frequency = <0x384000>;")
            || uart.contains("clock-frequency = \"\\08@\";"),
        "{uart}"
    );

    let blk = node(&dts, "virtio_mmio@10001000");
    assert!(blk.contains("interrupts = <0x01>;"));
    assert!(blk.contains("reg = <0x00 0x10001000 0x00 0x1000>;"));
    assert!(node(&dts, "virtio_mmio@10002000").contains("interrupts = <0x02>;"));
    assert!(
        !dts.contains("virtio_mmio@10003000"),
        "only the listed slots appear"
    );

    let test = node(&dts, "test@100000");
    assert!(test.contains("\"sifive,test1\", \"sifive,test0\", \"syscon\""));
    let poweroff = node(&dts, "poweroff");
    assert!(poweroff.contains("value = <0x5555>;"));
    assert!(poweroff.contains("regmap = <0x02>;"));
    assert!(node(&dts, "reboot").contains("value = <0x7777>;"));
    assert!(node(&dts, "rtc@101000").contains("interrupts = <0x0b>;"));

    let chosen = node(&dts, "chosen");
    assert!(chosen.contains("bootargs = \"console=ttyS0 earlycon=sbi\";"));
    assert!(chosen.contains("stdout-path = \"/soc/serial@10000000\";"));
    assert!(!chosen.contains("linux,initrd-start"));
}

#[test]
fn describes_every_hart_with_its_interrupt_contexts() {
    let mut desc = description();
    desc.harts = 4;
    let dtb = build_dtb(&desc).unwrap();
    let (dts, warnings) = decompile(&dtb);
    assert!(warnings.trim().is_empty(), "dtc warnings:\n{warnings}");
    for h in 0..4u32 {
        let cpu = node(&dts, &format!("cpu@{h}"));
        assert!(cpu.contains(&format!("reg = <{h:#04x}>;")), "{cpu}");
        assert!(
            cpu.contains(&format!("phandle = <{:#04x}>;", 0x43 + h)),
            "{cpu}"
        );
        // Each hart's interrupt controller, then the next hart.
        assert!(
            cpu.contains(&format!("phandle = <{:#04x}>;", 3 + h)),
            "{cpu}"
        );
        let core = node(&dts, &format!("core{h}"));
        assert!(
            core.contains(&format!("cpu = <{:#04x}>;", 0x43 + h)),
            "{core}"
        );
    }
    assert!(!dts.contains("cpu@4"));
    // msip and mtimer of harts 0..3; M and S external of harts 0..3, in the
    // PLIC's context order (2h, 2h + 1).
    let clint = node(&dts, "clint@2000000");
    assert!(clint.contains(
        "interrupts-extended = <0x03 0x03 0x03 0x07 0x04 0x03 0x04 0x07 \
         0x05 0x03 0x05 0x07 0x06 0x03 0x06 0x07>;"
    ));
    let plic = node(&dts, "plic@c000000");
    assert!(plic.contains(
        "interrupts-extended = <0x03 0x0b 0x03 0x09 0x04 0x0b 0x04 0x09 \
         0x05 0x0b 0x05 0x09 0x06 0x0b 0x06 0x09>;"
    ));
}

#[test]
fn hart_counts_outside_1_to_64_are_refused() {
    let mut desc = description();
    for harts in [0, 65, u32::MAX] {
        desc.harts = harts;
        assert_eq!(build_dtb(&desc), Err(FdtError::BadHartCount(harts)));
    }
    desc.harts = MAX_HARTS;
    let (dts, warnings) = decompile(&build_dtb(&desc).unwrap());
    assert!(warnings.trim().is_empty(), "dtc warnings:\n{warnings}");
    assert!(dts.contains("cpu@63"));
}

#[test]
fn chosen_carries_initrd_and_rng_seed() {
    let mut desc = description();
    desc.chosen.initrd = Some((0x8700_0000, 0x8712_3456));
    desc.chosen.rng_seed = Some(vec![0xde, 0xad, 0xbe, 0xef]);
    let (dts, _) = decompile(&build_dtb(&desc).unwrap());
    let chosen = node(&dts, "chosen");
    assert!(
        chosen.contains("linux,initrd-start = <0x00 0x87000000>;"),
        "{chosen}"
    );
    assert!(chosen.contains("linux,initrd-end = <0x00 0x87123456>;"));
    assert!(chosen.contains("rng-seed = <0xdeadbeef>;"));
}

#[test]
fn optional_devices_are_left_out() {
    let mut desc = description();
    desc.virtio.clear();
    desc.test = None;
    desc.rtc = None;
    let (dts, warnings) = decompile(&build_dtb(&desc).unwrap());
    assert!(warnings.trim().is_empty(), "dtc warnings:\n{warnings}");
    for absent in ["virtio_mmio", "test@", "poweroff", "reboot", "rtc@"] {
        assert!(!dts.contains(absent), "{absent} present:\n{dts}");
    }
}

#[test]
fn writer_errors_surface_as_fdt_errors() {
    let mut desc = description();
    desc.chosen.bootargs = "console=ttyS0\0oops".into();
    assert_eq!(
        build_dtb(&desc),
        Err(FdtError::Writer(vm_fdt::Error::InvalidString))
    );
    let mut desc = description();
    desc.model = "bad\0model".into();
    assert!(matches!(build_dtb(&desc), Err(FdtError::Writer(_))));
}

#[test]
fn rejects_unusable_descriptions() {
    let mut desc = description();
    desc.virtio[1].irq = 64;
    assert_eq!(
        build_dtb(&desc),
        Err(FdtError::BadInterrupt {
            device: "virtio_mmio@10002000".into(),
            irq: 64,
            ndev: 63
        })
    );
    let mut desc = description();
    desc.uart.irq = 0;
    assert!(matches!(
        build_dtb(&desc),
        Err(FdtError::BadInterrupt { irq: 0, .. })
    ));
    let mut desc = description();
    desc.chosen.initrd = Some((0x8800_0000, 0x8700_0000));
    assert!(matches!(build_dtb(&desc), Err(FdtError::BadInitrd { .. })));
}

/// The blob ends in [`DTB_FREE_SPACE`] bytes of free space that its
/// `totalsize` counts, past the strings block, which a later stage can
/// grow the tree into (and dtc accepts).
#[test]
fn leaves_free_space_after_the_strings_block() {
    let dtb = build_dtb(&description()).unwrap();
    let be32 = |at: usize| u32::from_be_bytes(dtb[at..at + 4].try_into().unwrap()) as usize;
    let (total, off_strings, size_strings) = (be32(4), be32(12), be32(32));
    assert_eq!(total, dtb.len());
    assert_eq!(total - (off_strings + size_strings), DTB_FREE_SPACE);
    assert!(dtb[off_strings + size_strings..].iter().all(|&b| b == 0));
    let (_, warnings) = decompile(&dtb);
    assert!(warnings.trim().is_empty(), "dtc warnings:\n{warnings}");
}
