//! HTIF, the host-target interface of Spike and riscv-tests: the guest
//! writes a command to the `tohost` word; heron answers in `fromhost`.
//!
//! Command layout: device in bits 63:56, command in 55:48, payload below.
//! Device 0 command 0 with payload bit 0 set ends the run with exit code
//! `payload >> 1`; device 1 command 1 writes the byte `payload` to the
//! console.

use std::io::Write;

use heron_mmu::Bus;

/// What a `tohost` command asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HtifEvent {
    /// Nothing for the machine loop to do.
    None,
    /// The guest ended the run with this code.
    Exit(u64),
}

/// The HTIF words of a loaded program.
pub struct Htif {
    tohost: u64,
    fromhost: Option<u64>,
    console: Box<dyn Write + Send>,
}

impl Htif {
    /// HTIF at the given words, printing console output to `console`.
    pub fn new(tohost: u64, fromhost: Option<u64>, console: Box<dyn Write + Send>) -> Self {
        Htif {
            tohost,
            fromhost,
            console,
        }
    }

    /// The address the bus must watch.
    pub fn tohost(&self) -> u64 {
        self.tohost
    }

    /// Serves a pending `tohost` command, if any.
    pub fn service(&mut self, bus: &Bus) -> HtifEvent {
        let Ok(cmd) = bus.read(self.tohost, 8) else {
            return HtifEvent::None;
        };
        if cmd == 0 {
            return HtifEvent::None;
        }
        let device = cmd >> 56;
        let command = (cmd >> 48) & 0xff;
        let payload = cmd & ((1 << 48) - 1);
        let _ = bus.write(self.tohost, 8, 0);
        match (device, command) {
            (0, 0) if payload & 1 == 1 => return HtifEvent::Exit(payload >> 1),
            (1, 1) => {
                // Console output is best effort (a closed pipe must not kill
                // the guest).
                let _ = self.console.write_all(&[payload as u8]);
                let _ = self.console.flush();
            }
            _ => log::warn!("htif: unsupported command {cmd:#x}"),
        }
        if let Some(fromhost) = self.fromhost {
            let _ = bus.write(fromhost, 8, (device << 56) | (command << 48) | 1);
        }
        HtifEvent::None
    }
}
