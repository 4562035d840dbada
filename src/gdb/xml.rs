//! The target description heron sends gdb (`qXfer:features:read`): the
//! integer, FP, CSR and virtual register features of gdb's RISC-V
//! architecture (gdb manual, "RISC-V Features"), with gdb's register
//! numbering: x0–x31 = 0–31, pc = 32, f0–f31 = 33–64, CSR n = 65 + n and
//! the `priv` virtual register = 65 + 4096.

use std::fmt::Write;

use heron_cpu::csr::addr::{FCSR, FFLAGS, FRM};
use heron_cpu::debug_regs::DEBUG_CSRS;
use heron_cpu::disasm::{csr_name, freg_name, xreg_name};

/// gdb's register number of the first CSR.
pub(super) const CSR_BASE: usize = 65;
/// gdb's register number of `priv`.
pub(super) const PRIV_REGNUM: usize = CSR_BASE + 4096;

/// gdb's type for integer register `r`.
fn xreg_type(r: u8) -> &'static str {
    match r {
        1 => "code_ptr",
        2..=4 => "data_ptr",
        _ => "int",
    }
}

/// Builds the target description.
pub(super) fn target_xml() -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n\
         <target version=\"1.0\">\n<architecture>riscv:rv64</architecture>\n\
         <feature name=\"org.gnu.gdb.riscv.cpu\">\n",
    );
    // `write!` to a String cannot fail.
    for r in 0..32u8 {
        let _ = writeln!(
            x,
            "<reg name=\"{}\" bitsize=\"64\" type=\"{}\" regnum=\"{r}\"/>",
            xreg_name(r),
            xreg_type(r)
        );
    }
    x.push_str("<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n");
    // Single-precision values live NaN-boxed in the 64-bit registers.
    x.push_str(
        "<feature name=\"org.gnu.gdb.riscv.fpu\">\n<union id=\"riscv_double\">\
         <field name=\"float\" type=\"ieee_single\"/>\
         <field name=\"double\" type=\"ieee_double\"/></union>\n",
    );
    for r in 0..32u8 {
        let _ = writeln!(
            x,
            "<reg name=\"{}\" bitsize=\"64\" type=\"riscv_double\" regnum=\"{}\"/>",
            freg_name(r),
            33 + r as usize
        );
    }
    // gdb expects the FP CSRs in the FPU feature. gdbstub transfers every
    // CSR as 64 bits, so that is their size here too.
    let fp_csrs = [FFLAGS, FRM, FCSR];
    for csr in fp_csrs {
        csr_reg(&mut x, csr);
    }
    x.push_str("</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for &csr in DEBUG_CSRS.iter().filter(|c| !fp_csrs.contains(c)) {
        csr_reg(&mut x, csr);
    }
    let _ = write!(
        x,
        "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n\
         <reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"{PRIV_REGNUM}\"/>\n\
         </feature>\n</target>\n"
    );
    x
}

fn csr_reg(x: &mut String, csr: u16) {
    // Every CSR heron implements has a name; a number is the fallback.
    let name = csr_name(csr).map_or_else(|| format!("csr{csr}"), str::to_string);
    let _ = writeln!(
        x,
        "<reg name=\"{name}\" bitsize=\"64\" type=\"int\" regnum=\"{}\" group=\"system\"/>",
        CSR_BASE + csr as usize
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_follows_gdb() {
        let x = target_xml();
        assert!(x.contains("<reg name=\"zero\" bitsize=\"64\" type=\"int\" regnum=\"0\"/>"));
        assert!(x.contains("<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>"));
        assert!(x.contains("name=\"ft0\" bitsize=\"64\" type=\"riscv_double\" regnum=\"33\""));
        assert!(x.contains("name=\"ft11\" bitsize=\"64\" type=\"riscv_double\" regnum=\"64\""));
        assert!(x.contains("name=\"fflags\" bitsize=\"64\" type=\"int\" regnum=\"66\""));
        assert!(x.contains("name=\"mstatus\" bitsize=\"64\" type=\"int\" regnum=\"833\""));
        assert!(x.contains("name=\"satp\" bitsize=\"64\" type=\"int\" regnum=\"449\""));
        assert!(x.contains("name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"4161\""));
        // FP CSRs only once, in the FPU feature.
        assert_eq!(x.matches("name=\"fcsr\"").count(), 1);
    }
}
