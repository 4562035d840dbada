//! A 16550A UART (the `ns16550a` of QEMU's `virt`), at the register level
//! Linux's 8250 driver and OpenSBI's uart8250 driver program.
//!
//! Register map (byte registers, reg-shift 0; TI PC16550D datasheet,
//! "Registers"): with LCR.DLAB = 0, offset 0 is RBR (read) / THR (write)
//! and 1 is IER; with DLAB = 1 they are the divisor latch DLL / DLM. Then
//! 2 = IIR (read) / FCR (write), 3 = LCR, 4 = MCR, 5 = LSR, 6 = MSR,
//! 7 = SCR. Wider accesses act as consecutive byte accesses, low byte
//! first; offsets past 7 read zero.
//!
//! Transmission is instant: THR and the transmitter are always empty
//! (LSR.THRE and LSR.TEMT stay set) and each byte goes straight to the
//! output writer. Received bytes come from the host through
//! [`UartHandle::push_input`]; the host side holds them back while the
//! receiver FIFO (16 bytes, or the single RBR with FIFOs off) is full, so
//! the receiver never overruns.
//!
//! The interrupt output is a level: high exactly while IIR identifies an
//! interrupt, re-evaluated after every register access and every push of
//! input, so the PLIC sees it without the machine polling the UART.
//!
//! (rust-vmm's `vm-superio` serial was considered; it signals interrupts as
//! edges through its `Trigger` trait, clears every interrupt cause on an IIR
//! read even while received data remains, and ignores FCR, so it cannot
//! drive a level-triggered PLIC source faithfully.)

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use heron_mmu::MmioDevice;

use crate::irq::IrqLine;

/// Size of the UART's register block on `virt`.
pub const UART_SIZE: u64 = 0x100;

/// Bytes the host may queue beyond the receiver FIFO before
/// [`UartHandle::push_input`] refuses more (the console retries later).
pub const INPUT_BACKLOG: usize = 4096;

const RX_FIFO_DEPTH: usize = 16;

// Register offsets.
const RBR_THR: u64 = 0;
const IER: u64 = 1;
const IIR_FCR: u64 = 2;
const LCR: u64 = 3;
const MCR: u64 = 4;
const LSR: u64 = 5;
const MSR: u64 = 6;
const SCR: u64 = 7;

// IER bits.
const IER_ERBFI: u8 = 0x01; // received data available
const IER_ETBEI: u8 = 0x02; // transmitter holding register empty
const IER_EDSSI: u8 = 0x08; // modem status
const IER_MASK: u8 = 0x0f;

// IIR values, highest priority first (receiver line status is never raised:
// no parity, framing, break or overrun errors happen here).
const IIR_RX_DATA: u8 = 0x04;
const IIR_RX_TIMEOUT: u8 = 0x0c;
const IIR_THRE: u8 = 0x02;
const IIR_MODEM: u8 = 0x00;
const IIR_NONE: u8 = 0x01;
const IIR_FIFOS_ON: u8 = 0xc0;

// FCR bits.
const FCR_ENABLE: u8 = 0x01;
const FCR_CLEAR_RX: u8 = 0x02;
const FCR_TRIGGER: u8 = 0xc0;

const LCR_DLAB: u8 = 0x80;

// MCR bits; in loopback the outputs drive the modem inputs.
const MCR_DTR: u8 = 0x01;
const MCR_RTS: u8 = 0x02;
const MCR_OUT1: u8 = 0x04;
const MCR_OUT2: u8 = 0x08;
const MCR_LOOP: u8 = 0x10;
const MCR_MASK: u8 = 0x1f;

const LSR_DR: u8 = 0x01;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;

// MSR input bits (high nibble) and their delta bits (low nibble).
const MSR_CTS: u8 = 0x10;
const MSR_DSR: u8 = 0x20;
const MSR_RI: u8 = 0x40;
const MSR_DCD: u8 = 0x80;
const MSR_TERI: u8 = 0x04;
/// Outside loopback the line looks like a connected, ready terminal.
const MSR_CONNECTED: u8 = MSR_CTS | MSR_DSR | MSR_DCD;

struct State {
    out: Box<dyn Write + Send>,
    output_failed: bool,
    irq: IrqLine,
    /// Received bytes: the first [`State::rx_capacity`] of them are in the
    /// receiver FIFO (or RBR); the rest wait on the host side.
    rx: VecDeque<u8>,
    ier: u8,
    fcr: u8,
    lcr: u8,
    mcr: u8,
    scr: u8,
    dll: u8,
    dlm: u8,
    /// The THR-empty interrupt condition: set when THR empties (always at
    /// once) or ETBEI is enabled; cleared by reading IIR while it is the
    /// identified cause.
    thre_pending: bool,
    /// MSR's low nibble: which modem inputs changed since MSR was read.
    msr_delta: u8,
}

impl State {
    fn fifo_enabled(&self) -> bool {
        self.fcr & FCR_ENABLE != 0
    }

    fn rx_capacity(&self) -> usize {
        if self.fifo_enabled() {
            RX_FIFO_DEPTH
        } else {
            1
        }
    }

    /// Bytes in the receiver FIFO (or RBR).
    fn rx_count(&self) -> usize {
        self.rx.len().min(self.rx_capacity())
    }

    fn rx_trigger_level(&self) -> usize {
        match self.fcr >> 6 {
            0 => 1,
            1 => 4,
            2 => 8,
            _ => 14,
        }
    }

    fn dlab(&self) -> bool {
        self.lcr & LCR_DLAB != 0
    }

    /// The modem inputs (MSR's high nibble).
    fn modem_inputs(&self) -> u8 {
        if self.mcr & MCR_LOOP == 0 {
            return MSR_CONNECTED;
        }
        let mut msr = 0;
        for (out, input) in [
            (MCR_DTR, MSR_DSR),
            (MCR_RTS, MSR_CTS),
            (MCR_OUT1, MSR_RI),
            (MCR_OUT2, MSR_DCD),
        ] {
            if self.mcr & out != 0 {
                msr |= input;
            }
        }
        msr
    }

    /// The highest-priority enabled interrupt cause, as IIR's low nibble.
    fn interrupt_id(&self) -> u8 {
        let rx = self.rx_count();
        if self.ier & IER_ERBFI != 0 && rx > 0 {
            // Below the FIFO trigger level, real hardware reports a
            // character timeout after four idle character times; with no
            // line timing here it is reported at once.
            if self.fifo_enabled() && rx < self.rx_trigger_level() {
                IIR_RX_TIMEOUT
            } else {
                IIR_RX_DATA
            }
        } else if self.ier & IER_ETBEI != 0 && self.thre_pending {
            IIR_THRE
        } else if self.ier & IER_EDSSI != 0 && self.msr_delta != 0 {
            IIR_MODEM
        } else {
            IIR_NONE
        }
    }

    fn update_irq(&self) {
        self.irq.set(self.interrupt_id() != IIR_NONE);
    }

    fn transmit(&mut self, byte: u8) {
        if self.mcr & MCR_LOOP != 0 {
            // Loopback: the byte arrives at our own receiver.
            if self.rx.len() < self.rx_capacity() + INPUT_BACKLOG {
                self.rx.push_back(byte);
            }
        } else if let Err(e) = self.out.write_all(&[byte]).and_then(|_| self.out.flush()) {
            // Like a disconnected line: the byte is lost, the guest goes on.
            if !self.output_failed {
                log::warn!("uart: output failed, further output is discarded: {e}");
                self.output_failed = true;
            }
        }
        self.thre_pending = true;
    }

    fn write_mcr(&mut self, value: u8) {
        let before = self.modem_inputs();
        self.mcr = value & MCR_MASK;
        let after = self.modem_inputs();
        let changed = before ^ after;
        // CTS, DSR and DCD report any change; RI only its trailing edge.
        self.msr_delta |= (changed & (MSR_CTS | MSR_DSR | MSR_DCD)) >> 4;
        if before & MSR_RI != 0 && after & MSR_RI == 0 {
            self.msr_delta |= MSR_TERI;
        }
    }

    fn write_fcr(&mut self, value: u8) {
        let toggled = (self.fcr ^ value) & FCR_ENABLE != 0;
        if toggled || (value & FCR_ENABLE != 0 && value & FCR_CLEAR_RX != 0) {
            // Only the receiver FIFO is cleared; bytes the host still
            // holds back are not on the chip yet.
            let in_fifo = self.rx_count();
            self.rx.drain(..in_fifo);
        }
        // The other FCR bits only take effect with the FIFOs enabled; the
        // transmitter FIFO is always empty, so clearing it is a no-op.
        self.fcr = if value & FCR_ENABLE != 0 {
            value & (FCR_ENABLE | FCR_TRIGGER)
        } else {
            0
        };
    }

    fn read_reg(&mut self, reg: u64) -> u8 {
        match reg {
            RBR_THR if self.dlab() => self.dll,
            IER if self.dlab() => self.dlm,
            RBR_THR => self.rx.pop_front().unwrap_or(0),
            IER => self.ier,
            IIR_FCR => {
                let id = self.interrupt_id();
                if id == IIR_THRE {
                    self.thre_pending = false;
                }
                let fifos = if self.fifo_enabled() { IIR_FIFOS_ON } else { 0 };
                id | fifos
            }
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                let dr = if self.rx_count() > 0 { LSR_DR } else { 0 };
                dr | LSR_THRE | LSR_TEMT
            }
            MSR => {
                let msr = self.modem_inputs() | self.msr_delta;
                self.msr_delta = 0;
                msr
            }
            SCR => self.scr,
            _ => 0,
        }
    }

    fn write_reg(&mut self, reg: u64, value: u8) {
        match reg {
            RBR_THR if self.dlab() => self.dll = value,
            IER if self.dlab() => self.dlm = value,
            RBR_THR => self.transmit(value),
            IER => {
                let enabled = (value & !self.ier) & IER_ETBEI != 0;
                self.ier = value & IER_MASK;
                // THR is always empty, so enabling its interrupt raises it
                // at once (drivers rely on that to start transmitting).
                if enabled {
                    self.thre_pending = true;
                }
            }
            IIR_FCR => self.write_fcr(value),
            LCR => self.lcr = value,
            MCR => self.write_mcr(value),
            SCR => self.scr = value,
            // LSR and MSR writes are factory-test features: ignored.
            _ => log::debug!("uart: write of {value:#x} to register {reg} ignored"),
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // Nothing panics while holding the lock; recover if that ever changes.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// The UART register block, mapped on the bus.
pub struct Uart(Arc<Mutex<State>>);

/// The host side of the UART: feeds received bytes in. Cloneable, so a
/// console thread can own one.
#[derive(Clone)]
pub struct UartHandle(Arc<Mutex<State>>);

impl Uart {
    /// A UART in its reset state that transmits to `out` and drives `irq`
    /// (PLIC source 10 on `virt`). Returns the bus device and the host-side
    /// handle.
    pub fn new(irq: IrqLine, out: Box<dyn Write + Send>) -> (Uart, UartHandle) {
        irq.set(false);
        let state = Arc::new(Mutex::new(State {
            out,
            output_failed: false,
            irq,
            rx: VecDeque::new(),
            ier: 0,
            fcr: 0,
            lcr: 0,
            mcr: 0,
            scr: 0,
            dll: 0,
            dlm: 0,
            thre_pending: false,
            msr_delta: 0,
        }));
        (Uart(state.clone()), UartHandle(state))
    }
}

impl UartHandle {
    /// Queues bytes received from the host and updates the interrupt line.
    /// Returns how many were taken: fewer than `bytes.len()` when the
    /// backlog is full, in which case the caller retries the rest later.
    pub fn push_input(&self, bytes: &[u8]) -> usize {
        let mut state = lock(&self.0);
        let limit = RX_FIFO_DEPTH + INPUT_BACKLOG;
        let taken = bytes.len().min(limit.saturating_sub(state.rx.len()));
        state.rx.extend(&bytes[..taken]);
        state.update_irq();
        taken
    }
}

impl MmioDevice for Uart {
    fn read(&mut self, offset: u64, size: u8) -> u64 {
        let mut state = lock(&self.0);
        let mut value = 0;
        for i in 0..u64::from(size.min(8)) {
            value |= u64::from(state.read_reg(offset.saturating_add(i))) << (8 * i);
        }
        state.update_irq();
        value
    }

    fn write(&mut self, offset: u64, size: u8, value: u64) {
        let mut state = lock(&self.0);
        for i in 0..u64::from(size.min(8)) {
            state.write_reg(offset.saturating_add(i), (value >> (8 * i)) as u8);
        }
        state.update_irq();
    }
}

#[cfg(test)]
mod tests;
