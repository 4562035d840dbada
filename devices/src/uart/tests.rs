use std::io;

use super::*;
use crate::irq::IrqLevels;

const SRC: u32 = 10;

/// Output the test can read back.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Rig {
    uart: Uart,
    host: UartHandle,
    levels: IrqLevels,
    out: Sink,
}

impl Rig {
    fn new() -> Self {
        let levels = IrqLevels::new();
        let out = Sink::default();
        let (uart, host) = Uart::new(levels.line(SRC), Box::new(out.clone()));
        Rig {
            uart,
            host,
            levels,
            out,
        }
    }
    fn irq(&self) -> bool {
        self.levels.levels() & (1 << SRC) != 0
    }
    fn rd(&mut self, reg: u64) -> u8 {
        self.uart.read(reg, 1) as u8
    }
    fn wr(&mut self, reg: u64, value: u8) {
        self.uart.write(reg, 1, value as u64);
    }
    fn output(&self) -> Vec<u8> {
        self.out.0.lock().unwrap().clone()
    }
}

#[test]
fn registers_after_reset() {
    let mut r = Rig::new();
    assert_eq!(r.rd(IER), 0);
    assert_eq!(r.rd(IIR_FCR), IIR_NONE, "no interrupt, FIFOs off");
    assert_eq!(r.rd(LCR), 0);
    assert_eq!(r.rd(MCR), 0);
    assert_eq!(r.rd(LSR), LSR_THRE | LSR_TEMT);
    assert_eq!(r.rd(MSR), MSR_CTS | MSR_DSR | MSR_DCD);
    assert_eq!(r.rd(SCR), 0);
    assert_eq!(r.rd(RBR_THR), 0, "empty receiver reads 0");
    assert_eq!(r.rd(8), 0, "past the registers");
    assert!(!r.irq());
}

#[test]
fn divisor_latch_overlays_rbr_and_ier() {
    let mut r = Rig::new();
    r.wr(IER, IER_ERBFI);
    r.wr(LCR, LCR_DLAB | 0x03);
    r.wr(RBR_THR, 0x0c);
    r.wr(IER, 0x01);
    assert_eq!(r.rd(RBR_THR), 0x0c);
    assert_eq!(r.rd(IER), 0x01);
    assert!(r.output().is_empty(), "DLL write is not transmitted");
    r.wr(LCR, 0x03);
    assert_eq!(r.rd(IER), IER_ERBFI, "IER kept its value");
    assert_eq!(r.rd(LCR), 0x03);
    r.wr(LCR, LCR_DLAB);
    assert_eq!(r.rd(RBR_THR), 0x0c, "divisor kept");
}

#[test]
fn thr_write_reaches_the_writer() {
    let mut r = Rig::new();
    for b in b"ok\n" {
        r.wr(RBR_THR, *b);
    }
    assert_eq!(r.output(), b"ok\n");
    assert_eq!(r.rd(LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT);
    assert!(!r.irq(), "THRE interrupt not enabled");
}

#[test]
fn received_byte_raises_rda_until_read() {
    let mut r = Rig::new();
    assert_eq!(r.host.push_input(b"a"), 1);
    assert_eq!(r.rd(LSR) & LSR_DR, LSR_DR);
    assert!(!r.irq(), "ERBFI off");
    r.wr(IER, IER_ERBFI);
    assert!(r.irq());
    assert_eq!(r.rd(IIR_FCR), IIR_RX_DATA);
    assert!(r.irq(), "reading IIR does not clear received data");
    assert_eq!(r.rd(RBR_THR), b'a');
    assert!(!r.irq());
    assert_eq!(r.rd(LSR) & LSR_DR, 0);
    assert_eq!(r.rd(IIR_FCR), IIR_NONE);
}

#[test]
fn input_while_enabled_raises_line_at_once() {
    let mut r = Rig::new();
    r.wr(IER, IER_ERBFI);
    assert!(!r.irq());
    r.host.push_input(b"xy");
    assert!(r.irq(), "no register access needed");
    assert_eq!(r.rd(RBR_THR), b'x');
    assert!(r.irq(), "the next byte moved into RBR");
    assert_eq!(r.rd(RBR_THR), b'y');
    assert!(!r.irq());
}

#[test]
fn thre_interrupt() {
    let mut r = Rig::new();
    r.wr(IER, IER_ETBEI);
    assert!(r.irq(), "enabling ETBEI with THR empty interrupts");
    assert_eq!(r.rd(IIR_FCR), IIR_THRE);
    assert!(!r.irq(), "reading IIR acknowledges THRE");
    assert_eq!(r.rd(IIR_FCR), IIR_NONE);
    r.wr(RBR_THR, b'z');
    assert!(r.irq(), "THR empty again after the byte left");
    r.wr(IER, 0);
    assert!(!r.irq());
    r.wr(IER, IER_ETBEI);
    assert!(r.irq());
}

#[test]
fn received_data_outranks_thre() {
    let mut r = Rig::new();
    r.wr(IER, IER_ERBFI | IER_ETBEI);
    r.host.push_input(b"q");
    assert_eq!(r.rd(IIR_FCR), IIR_RX_DATA);
    assert_eq!(r.rd(RBR_THR), b'q');
    assert_eq!(r.rd(IIR_FCR), IIR_THRE, "THRE still pending underneath");
    assert_eq!(r.rd(IIR_FCR), IIR_NONE);
}

#[test]
fn fifo_mode_trigger_level_and_timeout() {
    let mut r = Rig::new();
    r.wr(IIR_FCR, FCR_ENABLE | 0x80); // trigger at 8 bytes
    r.wr(IER, IER_ERBFI);
    r.host.push_input(b"abc");
    assert_eq!(r.rd(IIR_FCR), IIR_FIFOS_ON | IIR_RX_TIMEOUT);
    r.host.push_input(b"defgh");
    assert_eq!(r.rd(IIR_FCR), IIR_FIFOS_ON | IIR_RX_DATA);
    let mut got = Vec::new();
    while r.rd(LSR) & LSR_DR != 0 {
        got.push(r.rd(RBR_THR));
    }
    assert_eq!(got, b"abcdefgh");
    assert!(!r.irq());
}

#[test]
fn fcr_clears_only_the_receiver_fifo() {
    let mut r = Rig::new();
    r.host.push_input(b"abc");
    // Enabling the FIFOs clears the receiver: only RBR's 'a' was on the chip.
    r.wr(IIR_FCR, FCR_ENABLE);
    assert_eq!(r.rd(IIR_FCR) & IIR_FIFOS_ON, IIR_FIFOS_ON);
    assert_eq!(r.rd(RBR_THR), b'b');
    let input: Vec<u8> = (0..20).collect();
    r.host.push_input(&input);
    // 'c' and 0..=14 fill the 16-byte FIFO; 15..=19 wait on the host side.
    r.wr(IIR_FCR, FCR_ENABLE | FCR_CLEAR_RX);
    assert_eq!(r.rd(RBR_THR), 15);
    r.wr(IIR_FCR, FCR_ENABLE | 0x40);
    assert_eq!(r.rd(RBR_THR), 16, "FCR write without CLEAR_RX keeps data");
    r.wr(IIR_FCR, 0);
    assert_eq!(r.rd(IIR_FCR) & IIR_FIFOS_ON, 0);
    assert_eq!(r.rd(LSR) & LSR_DR, 0, "disabling the FIFOs cleared them");
}

#[test]
fn host_backlog_is_bounded() {
    let r = Rig::new();
    let big = vec![b'x'; RX_FIFO_DEPTH + INPUT_BACKLOG + 10];
    assert_eq!(r.host.push_input(&big), RX_FIFO_DEPTH + INPUT_BACKLOG);
    assert_eq!(r.host.push_input(b"more"), 0);
}

#[test]
fn loopback_and_modem_status() {
    let mut r = Rig::new();
    r.wr(MCR, MCR_LOOP | MCR_RTS | MCR_OUT2);
    assert_eq!(
        r.rd(MSR) & 0xf0,
        MSR_CTS | MSR_DCD,
        "Linux's loopback probe"
    );
    assert_eq!(r.rd(MSR) & 0x0f, 0, "deltas clear on read");
    r.wr(IER, IER_EDSSI);
    r.wr(MCR, MCR_LOOP | MCR_OUT1);
    assert!(r.irq(), "modem status changed");
    assert_eq!(r.rd(IIR_FCR), IIR_MODEM);
    r.rd(MSR);
    assert!(!r.irq());
    r.wr(MCR, MCR_LOOP);
    assert_eq!(r.rd(MSR), MSR_TERI, "RI trailing edge");
    r.wr(IER, IER_ERBFI);
    r.wr(RBR_THR, b'L');
    assert!(r.output().is_empty(), "looped back, not sent");
    assert!(r.irq());
    assert_eq!(r.rd(RBR_THR), b'L');
    r.wr(MCR, 0);
    r.wr(RBR_THR, b'!');
    assert_eq!(r.output(), b"!");
}

#[test]
fn wide_accesses_are_byte_sequences() {
    let mut r = Rig::new();
    // LCR = 0x03, MCR = 0x08, SCR untouched (offset 7 is past a 4-byte write at 3).
    r.uart.write(LCR, 2, 0x0803);
    assert_eq!(r.rd(LCR), 0x03);
    assert_eq!(r.rd(MCR), 0x08);
    let word = r.uart.read(LCR, 4);
    assert_eq!(
        word,
        u64::from_le_bytes([0x03, 0x08, 0x60, 0xb0, 0, 0, 0, 0])
    );
    r.uart.write(SCR, 8, u64::MAX);
    assert_eq!(r.rd(SCR), 0xff);
    assert_eq!(r.uart.read(0xf8, 8), 0);
}

#[test]
fn failing_output_is_not_fatal() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let levels = IrqLevels::new();
    let (mut uart, _) = Uart::new(levels.line(SRC), Box::new(Broken));
    uart.write(IER, 1, IER_ETBEI as u64);
    uart.write(RBR_THR, 1, b'x' as u64);
    uart.write(RBR_THR, 1, b'y' as u64);
    assert_eq!(uart.read(IIR_FCR, 1) as u8, IIR_THRE, "still transmits");
}
