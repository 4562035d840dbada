use super::*;
use crate::hart::Hart;

#[test]
fn mstatus_warl_and_sd() {
    let mut h = Hart::new(0, 0);
    h.csr_write(addr::MSTATUS, u64::MAX, 0, 0).unwrap();
    let v = h.csr_read(addr::MSTATUS, 0, 0).unwrap();
    // UXL/SXL stay 64-bit, MPP reads M, FS dirty sets SD.
    assert_eq!((v >> 32) & 0xf, 0xa);
    assert_eq!((v >> MSTATUS_MPP_SHIFT) & 3, 3);
    assert!(v & MSTATUS_SD != 0);
    // MPP = 2 is reserved and becomes U.
    h.csr_write(addr::MSTATUS, 2 << MSTATUS_MPP_SHIFT, 0, 0)
        .unwrap();
    assert_eq!(h.csr_read(addr::MSTATUS, 0, 0).unwrap() & MSTATUS_MPP, 0);
}

#[test]
fn sstatus_is_a_view_of_mstatus() {
    let mut h = Hart::new(0, 0);
    h.csr_write(addr::SSTATUS, MSTATUS_MIE | MSTATUS_SIE | MSTATUS_SUM, 0, 0)
        .unwrap();
    assert_eq!(
        h.mstatus & (MSTATUS_MIE | MSTATUS_SIE | MSTATUS_SUM),
        MSTATUS_SIE | MSTATUS_SUM
    );
}

#[test]
fn privilege_and_read_only_checks() {
    let mut h = Hart::new(0, 0);
    h.privilege = Priv::S;
    assert!(h.csr_read(addr::MSTATUS, 0, 0x1234).is_err());
    assert_eq!(
        h.csr_read(addr::MSTATUS, 0, 0x1234),
        Err(Trap::illegal(0x1234))
    );
    assert!(h.csr_check_write(addr::MHARTID, 0).is_err());
    assert!(h.csr_check_write(addr::CYCLE, 0).is_err());
    // Counters from S need mcounteren.
    assert!(h.csr_read(addr::CYCLE, 5, 0).is_err());
    h.csr.mcounteren = 1;
    assert_eq!(h.csr_read(addr::CYCLE, 5, 0), Ok(5));
    // stimecmp needs menvcfg.STCE and mcounteren.TM.
    assert!(h.csr_read(addr::STIMECMP, 0, 0).is_err());
}

#[test]
fn sstc_drives_stip() {
    let mut h = Hart::new(0, 0);
    h.csr_write(addr::MENVCFG, 1 << 63, 0, 0).unwrap();
    h.csr_write(addr::STIMECMP, 100, 0, 0).unwrap();
    h.set_mtime(99);
    assert_eq!(h.mip & (1 << 5), 0);
    h.set_mtime(100);
    assert_ne!(h.mip & (1 << 5), 0);
    // With Sstc on, software cannot clear STIP through mip.
    h.csr_write(addr::MIP, 0, 0, 0).unwrap();
    assert_ne!(h.mip & (1 << 5), 0);
}

#[test]
fn unsupported_satp_mode_is_ignored_and_tvec_warl() {
    let mut h = Hart::new(0, 0);
    h.csr_write(addr::SATP, (8 << 60) | 0x80000, 0, 0).unwrap();
    h.csr_write(addr::SATP, (5 << 60) | 0x1, 0, 0).unwrap();
    assert_eq!(h.csr.satp, (8 << 60) | 0x80000);
    h.csr_write(addr::MTVEC, 0x8000_0101, 0, 0).unwrap();
    h.csr_write(addr::MTVEC, 0x8000_0202, 0, 0).unwrap();
    assert_eq!(h.csr.mtvec, 0x8000_0201);
}

#[test]
fn csrrs_and_csrrc_of_mip_leave_the_external_seip_line_alone() {
    // OpenSBI sets and clears SSIP with csrrs/csrrc while a PLIC line may
    // be high: the line must not turn into a latched software SEIP.
    let sei = 1 << irq::SEI;
    let ssi = 1 << irq::SSI;
    let mut h = Hart::new(0, 0);
    h.set_external_interrupts(sei);
    assert_eq!(h.csr_op(addr::MIP, 1, ssi, true, 0, 0), Ok(sei));
    assert_eq!(h.csr_op(addr::MIP, 2, ssi, true, 0, 0), Ok(sei | ssi));
    h.set_external_interrupts(0);
    assert_eq!(h.csr_read(addr::MIP, 0, 0), Ok(0), "SEIP follows the line");
    // The software SEIP bit itself is still set and cleared by them.
    h.csr_op(addr::MIP, 1, sei, true, 0, 0).unwrap();
    assert_eq!(h.csr_read(addr::MIP, 0, 0), Ok(sei));
    h.csr_op(addr::MIP, 2, sei, true, 0, 0).unwrap();
    assert_eq!(h.csr_read(addr::MIP, 0, 0), Ok(0));
}
