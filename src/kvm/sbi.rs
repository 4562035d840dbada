//! The SBI calls KVM forwards to user space (`KVM_EXIT_RISCV_SBI`): the
//! debug console (once enabled through its SBI_EXT register) and the
//! legacy console, both to heron's console output. Everything else gets
//! SBI_ERR_NOT_SUPPORTED.

use std::io::Write;

use heron_mmu::GuestMemory;

/// `DBCN`.
const EXT_DBCN: u64 = 0x4442_434e;
/// Legacy `console_putchar` (SBI v0.1).
const EXT_LEGACY_PUTCHAR: u64 = 0x01;
const DBCN_WRITE: u64 = 0;
const DBCN_READ: u64 = 1;
const DBCN_WRITE_BYTE: u64 = 2;

const SBI_SUCCESS: u64 = 0;
const SBI_ERR_NOT_SUPPORTED: u64 = -2i64 as u64;
const SBI_ERR_INVALID_PARAM: u64 = -3i64 as u64;

/// The most one DBCN write copies per call: the guest loops on the count
/// returned, and the host never buffers a guest-chosen size.
const MAX_WRITE: u64 = 4096;

/// Serves one forwarded call: returns `(a0, a1)`.
pub(super) fn handle(
    ext: u64,
    fid: u64,
    args: &[u64; 6],
    ram: &GuestMemory,
    out: &mut dyn Write,
) -> (u64, u64) {
    match (ext, fid) {
        (EXT_DBCN, DBCN_WRITE) => {
            // (num_bytes, base_lo, base_hi): on RV64 the address is base_lo.
            let len = args[0].min(MAX_WRITE);
            let mut buf = vec![0u8; len as usize];
            if ram.read(args[1], &mut buf).is_err() {
                return (SBI_ERR_INVALID_PARAM, 0);
            }
            // Console output is best effort: a closed stdout loses nothing
            // the guest could act on.
            let _ = out.write_all(&buf).and_then(|()| out.flush());
            (SBI_SUCCESS, len)
        }
        (EXT_DBCN, DBCN_WRITE_BYTE) | (EXT_LEGACY_PUTCHAR, _) => {
            let _ = out.write_all(&[args[0] as u8]).and_then(|()| out.flush());
            (SBI_SUCCESS, 0)
        }
        // Input comes through the UART.
        (EXT_DBCN, DBCN_READ) => (SBI_SUCCESS, 0),
        _ => {
            log::debug!("kvm: SBI call {ext:#x}/{fid} not supported");
            (SBI_ERR_NOT_SUPPORTED, 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use heron_mmu::GuestRam;

    #[test]
    fn dbcn_write_copies_guest_bytes_and_refuses_wild_addresses() {
        let ram = GuestRam::new(0x8000_0000, 0x1000).unwrap().dma_handle();
        ram.write(0x8000_0010, b"hi!").unwrap();
        let mut out = Vec::new();
        let args = [3, 0x8000_0010, 0, 0, 0, 0];
        assert_eq!(handle(EXT_DBCN, DBCN_WRITE, &args, &ram, &mut out), (0, 3));
        assert_eq!(out, b"hi!");
        let wild = [16, 0x8000_0ff8, 0, 0, 0, 0];
        assert_eq!(
            handle(EXT_DBCN, DBCN_WRITE, &wild, &ram, &mut out),
            (SBI_ERR_INVALID_PARAM, 0)
        );
        assert_eq!(
            handle(0x1234, 0, &args, &ram, &mut out).0,
            SBI_ERR_NOT_SUPPORTED
        );
    }
}
