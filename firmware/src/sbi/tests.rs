use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use heron_cpu::trap::irq;
use heron_cpu::{Hart, RunExit};
use heron_mmu::tlb::TlbKind;
use heron_mmu::GuestRam;

use super::system::DBCN_MAX_CHUNK;
use super::*;
use crate::setup::firmware_boot;

const RAM_BASE: u64 = 0x8000_0000;
const RAM_SIZE: u64 = 0x20_0000;

/// A console whose output and input the test can see after boxing it.
#[derive(Clone, Default)]
struct TestConsole {
    out: Arc<Mutex<Vec<u8>>>,
    input: Arc<Mutex<VecDeque<u8>>>,
}

impl SbiConsole for TestConsole {
    fn write(&mut self, bytes: &[u8]) {
        self.out.lock().unwrap().extend_from_slice(bytes);
    }
    fn read(&mut self, buf: &mut [u8]) -> usize {
        let mut input = self.input.lock().unwrap();
        let n = buf.len().min(input.len());
        for b in buf.iter_mut().take(n) {
            *b = input.pop_front().unwrap();
        }
        n
    }
}

struct Rig {
    sbi: Sbi,
    hart: Box<Hart>,
    bus: Bus,
    console: TestConsole,
}

/// A hart in S-mode as the firmware leaves it, RAM, and the SBI.
fn rig() -> Rig {
    rig_of(1)
}

/// As [`rig`], on a machine of `harts` harts (the rig's hart is hart 0).
fn rig_of(harts: usize) -> Rig {
    let console = TestConsole::default();
    let mut hart = Hart::new(0, RAM_BASE);
    firmware_boot(&mut *hart, RAM_BASE, 0);
    let events = heron_mmu::HartEvents::for_harts(harts);
    Rig {
        sbi: Sbi::new(Box::new(console.clone()), harts),
        hart,
        bus: Bus::new(GuestRam::with_harts(RAM_BASE, RAM_SIZE, events).unwrap()),
        console,
    }
}

impl Rig {
    /// Makes the call `eid`/`fid` with `args`; returns (a0, a1, outcome).
    fn call(&mut self, eid: u64, fid: u64, args: &[u64]) -> (i64, u64, SbiOutcome) {
        self.hart.set_x(17, eid);
        self.hart.set_x(16, fid);
        for (i, &a) in args.iter().enumerate() {
            self.hart.set_x(10 + i as u8, a);
        }
        let outcome = self.sbi.handle(&mut *self.hart, &self.bus);
        (self.hart.get_x(10) as i64, self.hart.get_x(11), outcome)
    }

    fn ok(&mut self, eid: u64, fid: u64, args: &[u64]) -> u64 {
        let (err, value, outcome) = self.call(eid, fid, args);
        assert_eq!((err, outcome), (0, SbiOutcome::Continue));
        value
    }

    fn err(&mut self, eid: u64, fid: u64, args: &[u64]) -> i64 {
        self.call(eid, fid, args).0
    }

    fn output(&self) -> Vec<u8> {
        self.console.out.lock().unwrap().clone()
    }
}

#[test]
fn base_reports_versions_ids_and_extensions() {
    let mut r = rig();
    assert_eq!(r.ok(eid::BASE, 0, &[]), 0x0200_0000, "spec v2.0");
    assert_eq!(r.ok(eid::BASE, 1, &[]), IMPL_ID);
    assert_eq!(r.ok(eid::BASE, 2, &[]), IMPL_VERSION);
    assert_eq!((parse_version_part("0"), parse_version_part("17")), (0, 17));
    for e in [
        eid::TIME,
        eid::IPI,
        eid::RFENCE,
        eid::HSM,
        eid::SRST,
        eid::DBCN,
        0x01,
        0x02,
        0x08,
    ] {
        assert_eq!(r.ok(eid::BASE, 3, &[e]), 1, "probe {e:#x}");
    }
    for e in [
        0x00,
        0x504D55,    /* PMU */
        0x5355_5350, /* SUSP */
        u64::MAX,
    ] {
        assert_eq!(r.ok(eid::BASE, 3, &[e]), 0, "probe {e:#x}");
    }
    for fid in 4..=6 {
        assert_eq!(r.ok(eid::BASE, fid, &[]), 0);
    }
    assert_eq!(r.err(eid::BASE, 7, &[]), error::NOT_SUPPORTED);
}

#[test]
fn unknown_calls_are_not_supported_and_preserve_registers() {
    let mut r = rig();
    r.hart.set_x(12, 0x1234);
    r.hart.set_x(9, 0x5678);
    assert_eq!(r.err(0x0BAD_CAFE, 0, &[]), error::NOT_SUPPORTED);
    assert_eq!(r.err(eid::TIME, 1, &[]), error::NOT_SUPPORTED);
    assert_eq!(r.hart.get_x(12), 0x1234);
    assert_eq!(r.hart.get_x(9), 0x5678);
    assert_eq!(r.hart.get_x(17), 0x5449_4D45, "a7 preserved");
}

#[test]
fn set_timer_programs_stimecmp_and_clears_stip() {
    let mut r = rig();
    r.hart.set_mtime(1000);
    r.ok(eid::TIME, 0, &[500]);
    assert_eq!(r.hart.csr.stimecmp, 500);
    assert_ne!(r.hart.mip & (1 << irq::STI), 0, "deadline passed");
    r.ok(eid::TIME, 0, &[2000]);
    assert_eq!(r.hart.mip & (1 << irq::STI), 0, "rearmed in the future");
    r.hart.set_mtime(2000);
    assert_ne!(r.hart.mip & (1 << irq::STI), 0);
}

#[test]
fn send_ipi_raises_ssip_on_the_named_hart() {
    let mut r = rig();
    // The IPI is posted to the target's event word, which its run loop
    // turns into SSIP before the next instruction.
    let ssip = |r: &mut Rig| {
        r.hart.run(&r.bus, 0);
        let set = r.hart.mip & (1 << irq::SSI) != 0;
        r.hart.csr.mip_sw = 0;
        r.hart.refresh_mip();
        set
    };
    r.ok(eid::IPI, 0, &[0, 0]);
    assert!(!ssip(&mut r), "an empty mask names no hart");
    r.ok(eid::IPI, 0, &[1, 0]);
    assert!(ssip(&mut r));
    r.ok(eid::IPI, 0, &[0, u64::MAX]);
    assert!(ssip(&mut r), "base -1 means all harts");
    assert_eq!(r.err(eid::IPI, 0, &[0b10, 0]), error::INVALID_PARAM);
    assert_eq!(r.err(eid::IPI, 0, &[1, 1]), error::INVALID_PARAM);
    assert_eq!(
        r.err(eid::IPI, 0, &[0b100, u64::MAX - 1]),
        error::INVALID_PARAM,
        "hartid overflow"
    );
    assert!(!ssip(&mut r));
}

#[test]
fn ipis_reach_other_harts() {
    let mut r = rig_of(4);
    r.ok(eid::IPI, 0, &[0b101, 1]);
    let got: Vec<_> = r
        .bus
        .events()
        .iter()
        .map(|e| e.take(heron_mmu::events::bits::SOFTWARE_IPI) != 0)
        .collect();
    assert_eq!(got, [false, true, false, true], "harts 1 and 3");
    assert_eq!(r.err(eid::IPI, 0, &[1, 4]), error::INVALID_PARAM);
}

#[test]
fn hsm_starts_and_stops_secondary_harts() {
    let mut r = rig_of(2);
    assert_eq!(r.ok(eid::HSM, 2, &[0]), HartState::Started as u64);
    assert_eq!(r.ok(eid::HSM, 2, &[1]), HartState::Stopped as u64);
    assert_eq!(r.err(eid::HSM, 2, &[2]), error::INVALID_PARAM);
    assert_eq!(
        r.err(eid::HSM, 0, &[1, 0x1000, 0]),
        error::INVALID_ADDRESS,
        "not RAM"
    );
    r.ok(eid::HSM, 0, &[1, RAM_BASE + 0x100, 77]);
    assert_eq!(r.ok(eid::HSM, 2, &[1]), HartState::StartPending as u64);
    assert_ne!(r.bus.events()[1].pending(), 0, "the target is woken");
    assert_eq!(
        r.err(eid::HSM, 0, &[1, RAM_BASE, 0]),
        error::ALREADY_AVAILABLE
    );
    assert_eq!(r.sbi.hsm().take_start(1), Some((RAM_BASE + 0x100, 77)));
    assert_eq!(r.sbi.hsm().take_start(1), None);
    assert_eq!(r.ok(eid::HSM, 2, &[1]), HartState::Started as u64);
    // Hart 0 stops itself; hart 1 may start it again.
    assert_eq!(r.call(eid::HSM, 1, &[]).2, SbiOutcome::HartStopped);
    assert_eq!(r.sbi.hsm().state(0), Some(HartState::Stopped));
}

#[test]
fn hsm_suspends_and_says_how_to_resume() {
    use crate::sbi::Resume;
    let mut r = rig_of(2);
    let hsm = |r: &Rig| r.sbi.hsm().state(0);
    assert_eq!(
        r.call(eid::HSM, 3, &[0, 0, 0]),
        (0, 0, SbiOutcome::Suspended)
    );
    assert_eq!(hsm(&r), Some(HartState::Suspended));
    assert!(r.sbi.hsm().is_suspended(0));
    assert_eq!(r.sbi.hsm().take_resume(0), Some(Resume::Return));
    assert_eq!(hsm(&r), Some(HartState::Started));
    assert_eq!(r.sbi.hsm().take_resume(0), None, "resumed once");
    let (addr, opaque) = (RAM_BASE + 0x40, 0x55);
    assert_eq!(
        r.call(eid::HSM, 3, &[0x8000_0000, addr, opaque]).2,
        SbiOutcome::Suspended
    );
    assert_eq!(r.ok(eid::HSM, 2, &[0]), HartState::Suspended as u64);
    assert_eq!(
        r.sbi.hsm().take_resume(0),
        Some(Resume::Restart { addr, opaque })
    );
    assert!(!r.sbi.hsm().is_suspended(0));
}

#[test]
fn remote_sfence_waits_for_a_running_target() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut r = rig_of(2);
    let events = r.bus.ram().events().clone();
    let target = &events[1];
    target.set_running(true);
    let served = AtomicBool::new(false);
    std::thread::scope(|s| {
        // The target hart: serves its TLB request a little later.
        s.spawn(|| {
            while target.pending() == 0 {
                std::thread::yield_now();
            }
            served.store(true, Ordering::SeqCst);
            target.take(u32::MAX);
            let upto = target.begin_tlb_flush();
            target.complete_tlb_flush(upto);
        });
        let (err, _, _) = r.call(eid::RFENCE, 1, &[0b10, 0, 0, 0]);
        assert_eq!(err, 0);
        assert!(
            served.load(Ordering::SeqCst),
            "the call returned only after the target flushed"
        );
    });
}

#[test]
fn remote_sfence_vma_flushes_the_tlb() {
    let mut r = rig();
    let page = r.bus.ram().page(RAM_BASE).expect("RAM page");
    r.hart.tlb_mut().fill(1, TlbKind::Load, 0x4000, page, false);
    assert!(r.hart.tlb().lookup(1, TlbKind::Load, 0x4000, 8).is_some());
    assert_eq!(
        r.err(eid::RFENCE, 1, &[0b10, 0, 0, 0]),
        error::INVALID_PARAM
    );
    assert!(
        r.hart.tlb().lookup(1, TlbKind::Load, 0x4000, 8).is_some(),
        "an invalid hart list does nothing"
    );
    r.ok(eid::RFENCE, 2, &[1, 0, 0x4000, 0x1000, 7]);
    assert!(r.hart.tlb().lookup(1, TlbKind::Load, 0x4000, 8).is_none());

    r.ok(eid::RFENCE, 0, &[1, 0]);
    for hfence in 3..=6 {
        assert_eq!(
            r.err(eid::RFENCE, hfence, &[1, 0, 0, 0, 0]),
            error::NOT_SUPPORTED
        );
    }
}

#[test]
fn hsm_on_one_hart() {
    let mut r = rig();
    assert_eq!(r.ok(eid::HSM, 2, &[0]), 0, "STARTED");
    assert_eq!(r.err(eid::HSM, 2, &[1]), error::INVALID_PARAM);
    assert_eq!(
        r.err(eid::HSM, 0, &[0, RAM_BASE, 0]),
        error::ALREADY_AVAILABLE
    );
    assert_eq!(r.err(eid::HSM, 0, &[3, RAM_BASE, 0]), error::INVALID_PARAM);
    assert_eq!(
        r.err(eid::HSM, 3, &[0x8000_0000, 0x1000, 0]),
        error::INVALID_ADDRESS,
        "a non-retentive resume address must be RAM"
    );
    for reserved in [1, 0x1000_0000, 0x8000_0001, 0x9000_0000, 1 << 32] {
        assert_eq!(
            r.err(eid::HSM, 3, &[reserved, 0, 0]),
            error::INVALID_PARAM,
            "{reserved:#x}"
        );
    }
    assert_eq!(r.call(eid::HSM, 1, &[]).2, SbiOutcome::HartStopped);
}

#[test]
fn system_reset_maps_to_power_events() {
    let mut r = rig();
    let power = |e| SbiOutcome::Power(e);
    assert_eq!(
        r.call(eid::SRST, 0, &[0, 0]).2,
        power(PowerEvent::Shutdown(0))
    );
    assert_eq!(
        r.call(eid::SRST, 0, &[0, 1]).2,
        power(PowerEvent::Shutdown(1)),
        "system failure exits 1"
    );
    assert_eq!(r.call(eid::SRST, 0, &[1, 0]).2, power(PowerEvent::Reboot));
    assert_eq!(r.call(eid::SRST, 0, &[2, 1]).2, power(PowerEvent::Reboot));
    for (ty, reason) in [
        (3, 0),
        (0xF000_0000, 0),
        (0, 2),
        (0, 0xE000_0000),
        (1 << 32, 0),
    ] {
        assert_eq!(
            r.call(eid::SRST, 0, &[ty, reason]),
            (error::INVALID_PARAM, 0, SbiOutcome::Continue),
            "type {ty:#x} reason {reason:#x}"
        );
    }
}

#[test]
fn debug_console_writes_guest_memory_to_the_console() {
    let mut r = rig();
    r.bus
        .ram()
        .write(RAM_BASE + 0x100, b"hello, heron")
        .unwrap();
    assert_eq!(r.ok(eid::DBCN, 0, &[12, RAM_BASE + 0x100, 0]), 12);
    r.ok(eid::DBCN, 2, &[b'!' as u64]);
    assert_eq!(r.output(), b"hello, heron!");
    assert_eq!(r.ok(eid::DBCN, 0, &[0, 0, 0]), 0);
}

#[test]
fn debug_console_rejects_memory_outside_ram_or_pmp() {
    let mut r = rig();
    let end = RAM_BASE + RAM_SIZE;
    for (len, lo, hi) in [
        (4, 0x1000_0000, 0), // MMIO, not RAM
        (8, end - 4, 0),     // runs off the end
        (4, RAM_BASE, 1),    // above 64 bits
        (u64::MAX, RAM_BASE, 0),
    ] {
        assert_eq!(r.err(eid::DBCN, 0, &[len, lo, hi]), error::INVALID_PARAM);
        assert_eq!(r.err(eid::DBCN, 1, &[len, lo, hi]), error::INVALID_PARAM);
    }
    assert!(r.output().is_empty());
    // Without the firmware's PMP entry S-mode may touch nothing.
    r.hart.pmp = Default::default();
    assert_eq!(r.err(eid::DBCN, 0, &[4, RAM_BASE, 0]), error::INVALID_PARAM);
}

#[test]
fn debug_console_reads_input_into_guest_memory() {
    let mut r = rig();
    assert_eq!(r.ok(eid::DBCN, 1, &[16, RAM_BASE, 0]), 0, "no input yet");
    r.console.input.lock().unwrap().extend(b"ls\n");
    assert_eq!(r.ok(eid::DBCN, 1, &[2, RAM_BASE + 8, 0]), 2);
    assert_eq!(r.ok(eid::DBCN, 1, &[16, RAM_BASE + 10, 0]), 1);
    let mut got = [0u8; 3];
    r.bus.ram().read(RAM_BASE + 8, &mut got).unwrap();
    assert_eq!(&got, b"ls\n");
}

#[test]
fn debug_console_writes_are_capped_per_call() {
    let mut r = rig();
    let len = DBCN_MAX_CHUNK + 100;
    assert_eq!(r.ok(eid::DBCN, 0, &[len, RAM_BASE, 0]), DBCN_MAX_CHUNK);
    assert_eq!(r.output().len() as u64, DBCN_MAX_CHUNK);
}

#[test]
fn legacy_console_and_shutdown() {
    let mut r = rig();
    r.hart.set_x(11, 0xa1a1);
    r.call(0x01, 0, &[b'x' as u64]);
    assert_eq!(r.hart.get_x(10), 0);
    assert_eq!(r.hart.get_x(11), 0xa1a1, "legacy calls leave a1 alone");
    assert_eq!(r.output(), b"x");
    r.call(0x02, 0, &[]);
    assert_eq!(r.hart.get_x(10), u64::MAX, "-1 without input");
    r.console.input.lock().unwrap().push_back(b'q');
    r.call(0x02, 0, &[]);
    assert_eq!(r.hart.get_x(10), b'q' as u64);
    assert_eq!(
        r.call(0x00, 0, &[]).0,
        error::NOT_SUPPORTED,
        "legacy set_timer"
    );
    assert_eq!(
        r.call(0x08, 0, &[]).2,
        SbiOutcome::Power(PowerEvent::Shutdown(0))
    );
}

#[test]
fn a_guest_ecall_round_trip() {
    let mut r = rig();
    // li a7, 0x10 ; li a6, 0 ; ecall ; j .
    let program: [u32; 4] = [
        (0x10 << 20) | (17 << 7) | 0x13,
        (16 << 7) | 0x13,
        0x0000_0073,
        0x0000_006f,
    ];
    for (i, insn) in program.iter().enumerate() {
        r.bus
            .ram()
            .write(RAM_BASE + 4 * i as u64, &insn.to_le_bytes())
            .unwrap();
    }
    assert_eq!(r.hart.run(&r.bus, 1000), RunExit::EnvCall);
    assert_eq!(r.hart.pc, RAM_BASE + 8, "stopped at the ecall");
    assert_eq!(r.sbi.handle(&mut *r.hart, &r.bus), SbiOutcome::Continue);
    r.hart.complete_ecall();
    assert_eq!(r.hart.pc, RAM_BASE + 12);
    assert_eq!(r.hart.get_x(10), 0);
    assert_eq!(r.hart.get_x(11), SPEC_VERSION);
    assert_eq!(r.hart.run(&r.bus, 100), RunExit::Budget);
    assert_eq!(r.hart.pc, RAM_BASE + 12, "spinning on `j .`");
}
