//! `monitor` commands: machine state gdb has no command for. gdb names no
//! thread for them: they act on the hart whose registers or memory gdb
//! last accessed, which after `thread N` is normally that thread's.

use std::fmt::Write;

use gdbstub::target::ext::monitor_cmd::{outputln, ConsoleOutput, MonitorCmd};
use heron_cpu::csr::addr::{MSTATUS, SATP};
use heron_cpu::csr::{MSTATUS_MPP_SHIFT, MSTATUS_MPRV};
use heron_cpu::disasm::{disassemble, insn_len};
use heron_cpu::{Priv, Vcpu};
use heron_mmu::Bus;

use super::target::HeronTarget;

const HELP: &str = "\
heron monitor commands (on the hart of the thread gdb last looked at):
  help                  this text
  priv                  the hart's privilege level (M, S or U)
  satp                  satp decoded: translation mode, ASID, root page table
  translate VADDR       the physical address VADDR maps to now (data access)
  disas [ADDR] [N]      N instructions (default 8) from ADDR (default pc)
  jit                   the hart's instructions retired, and by translated code
Numbers are decimal, or hex with 0x.";

/// Instructions `disas` shows by default.
const DISAS_DEFAULT: u64 = 8;
/// The most instructions one `disas` shows.
const DISAS_MAX: u64 = 1000;

impl MonitorCmd for HeronTarget<'_> {
    fn handle_monitor_cmd(
        &mut self,
        cmd: &[u8],
        mut out: ConsoleOutput<'_>,
    ) -> Result<(), Self::Error> {
        let text = match std::str::from_utf8(cmd) {
            Ok(cmd) => {
                let m = &mut *self.machine;
                run(m.harts[self.focus].as_mut(), &m.core.bus, cmd)
            }
            Err(_) => "monitor commands are text; try 'monitor help'".to_string(),
        };
        outputln!(out, "{}", text.trim_end());
        Ok(())
    }
}

fn parse_num(s: &str) -> Result<u64, String> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.map_err(|_| format!("'{s}' is not a number (decimal, or hex with 0x)"))
}

fn priv_name(p: Priv) -> &'static str {
    match p {
        Priv::M => "M",
        Priv::S => "S",
        Priv::U => "U",
    }
}

/// Runs monitor command `cmd` and returns its output.
pub(super) fn run(hart: &mut dyn Vcpu, bus: &Bus, cmd: &str) -> String {
    let mut words = cmd.split_whitespace();
    let result = match words.next() {
        None | Some("help") => Ok(HELP.to_string()),
        Some("priv") => Ok(priv_name(hart.privilege()).to_string()),
        Some("satp") => Ok(satp(hart.read_csr(SATP).unwrap_or(0))),
        Some("translate") => match words.next() {
            Some(v) => parse_num(v).map(|va| translate(hart, bus, va)),
            None => Err("usage: monitor translate VADDR".to_string()),
        },
        Some("disas") => {
            disas_args(hart, words.next(), words.next()).map(|(addr, n)| disas(hart, bus, addr, n))
        }
        Some("jit") => Ok(jit(hart)),
        Some(other) => Err(format!("unknown command '{other}'; try 'monitor help'")),
    };
    result.unwrap_or_else(|e| e)
}

/// How much of the hart's work translated code did: a user can tell
/// whether the hart runs translated or interpreted (it runs interpreted
/// while anything is armed), and tests check that it returns to
/// translated code.
fn jit(hart: &dyn Vcpu) -> String {
    let retired = hart.instret();
    match hart.tier_stats() {
        Some(t) => format!(
            "retired={retired} native={} units={}",
            t.native_insns, t.translated
        ),
        None => format!("retired={retired} (no JIT: interpreted)"),
    }
}

/// The privilege data accesses run at (`mstatus.MPRV` in M-mode).
fn data_priv(hart: &mut dyn Vcpu) -> Priv {
    let p = hart.privilege();
    let mstatus = hart.read_csr(MSTATUS).unwrap_or(0);
    if p == Priv::M && mstatus & MSTATUS_MPRV != 0 {
        Priv::from_bits(mstatus >> MSTATUS_MPP_SHIFT)
    } else {
        p
    }
}

/// satp decoded (privileged spec §10.1.11).
fn satp(satp: u64) -> String {
    let mode = match satp >> 60 {
        0 => "Bare (no translation)",
        8 => "Sv39",
        9 => "Sv48",
        10 => "Sv57",
        _ => "reserved",
    };
    let asid = (satp >> 44) & 0xffff;
    let root = (satp & ((1 << 44) - 1)) << 12;
    format!("satp = {satp:#018x}: mode {mode}, ASID {asid}, root page table at {root:#x}")
}

fn translate(hart: &mut dyn Vcpu, bus: &Bus, va: u64) -> String {
    let bare = hart.read_csr(SATP).unwrap_or(0) >> 60 == 0;
    match hart.debug_translate(bus, va) {
        Some(pa) if pa == va && bare => {
            format!("{va:#x} -> {pa:#x} (no translation: satp is Bare)")
        }
        Some(pa) => format!("{va:#x} -> {pa:#x}"),
        None => format!(
            "{va:#x}: page fault (no valid mapping for a {} access)",
            priv_name(data_priv(hart))
        ),
    }
}

fn disas_args(hart: &dyn Vcpu, addr: Option<&str>, n: Option<&str>) -> Result<(u64, u64), String> {
    let addr = addr.map_or(Ok(hart.pc()), parse_num)?;
    let n = n.map_or(Ok(DISAS_DEFAULT), parse_num)?;
    Ok((addr, n.clamp(1, DISAS_MAX)))
}

/// `n` instructions from `addr`, with `=>` at the pc.
fn disas(hart: &dyn Vcpu, bus: &Bus, mut addr: u64, n: u64) -> String {
    let mut text = String::new();
    for _ in 0..n {
        let mut lo = [0u8; 2];
        if hart.debug_read(bus, addr, &mut lo) < 2 {
            let _ = writeln!(text, "   {addr:#x}: cannot read memory");
            break;
        }
        let lo = u16::from_le_bytes(lo);
        let len = insn_len(lo);
        let bits = if len == 2 {
            lo as u32
        } else {
            let mut hi = [0u8; 2];
            if hart.debug_read(bus, addr.wrapping_add(2), &mut hi) < 2 {
                let _ = writeln!(text, "   {addr:#x}: cannot read memory");
                break;
            }
            lo as u32 | (u16::from_le_bytes(hi) as u32) << 16
        };
        let marker = if addr == hart.pc() { "=>" } else { "  " };
        let width = len * 2;
        let _ = writeln!(
            text,
            "{marker} {addr:#x}: {bits:0width$x}  {}",
            disassemble(bits, addr).replace('\t', " ")
        );
        addr = addr.wrapping_add(len as u64);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use heron_cpu::Hart;
    use heron_mmu::GuestRam;

    const BASE: u64 = 0x8000_0000;

    fn machine() -> (Box<Hart>, Bus) {
        let ram = GuestRam::new(BASE, 0x10000).expect("RAM");
        let bus = Bus::new(ram);
        let mut hart = Hart::new(0, BASE);
        // li a0,10 ; c.nop ; ret
        let code = [0x13, 0x05, 0xa0, 0x00, 0x01, 0x00, 0x82, 0x80];
        assert_eq!(hart.debug_write(&bus, BASE, &code), code.len());
        (hart, bus)
    }

    #[test]
    fn disas_marks_the_pc_and_follows_lengths() {
        let (mut hart, bus) = machine();
        let out = run(&mut *hart, &bus, "disas 0x80000000 3");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "=> 0x80000000: 00a00513  li a0,10");
        assert_eq!(lines[1], "   0x80000004: 0001  nop");
        assert_eq!(lines[2], "   0x80000006: 8082  ret");
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn priv_satp_translate() {
        let (mut hart, bus) = machine();
        assert_eq!(run(&mut *hart, &bus, "priv"), "M");
        assert!(run(&mut *hart, &bus, "satp").contains("mode Bare"));
        assert!(
            run(&mut *hart, &bus, "translate 0x80001000").starts_with("0x80001000 -> 0x80001000")
        );
        hart.csr.satp = (8 << 60) | (5 << 44) | 0x80002;
        assert_eq!(
            satp(hart.csr.satp),
            "satp = 0x8000500000080002: mode Sv39, ASID 5, root page table at 0x80002000"
        );
        hart.debug_set_privilege(Priv::S);
        // The root table is zero-filled RAM: nothing is mapped.
        assert!(run(&mut *hart, &bus, "translate 0x1000").contains("page fault"));
        assert!(run(&mut *hart, &bus, "translate zzz").contains("not a number"));
        assert!(run(&mut *hart, &bus, "frobnicate").contains("unknown command"));
        assert!(run(&mut *hart, &bus, "help").contains("translate VADDR"));
        assert_eq!(
            run(&mut *hart, &bus, "jit"),
            "retired=0 (no JIT: interpreted)"
        );
    }
}
