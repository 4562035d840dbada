//! The command line (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use heron_cpu::MisalignedAccess;

use heron_devices::virtio::P9Share;

use crate::board::{Bios, CpuOptions, DiskSpec};
use crate::cli_debug::DebugArgs;
use crate::machine::Accel;
use crate::net::{NetError, NetSpec};

#[derive(Parser)]
#[command(name = "heron", version, about = "A full-system riscv64 emulator")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a guest program.
    Run(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The guest: a RISC-V Linux `Image` (booted in S-mode on the built-in
    /// SBI by default), an ELF (bare metal: loaded at its physical
    /// addresses and started in M-mode; HTIF when it has `tohost`) or any
    /// other file as a raw binary (like QEMU's `-kernel`: U-Boot's
    /// u-boot.bin; loaded at 0x80200000, or after the --bios firmware, and
    /// started in S-mode with a0 = hartid, a1 = device tree; with
    /// `--bios none`, at 0x80000000 in M-mode).
    #[arg(long, value_name = "FILE")]
    pub kernel: PathBuf,
    /// Initial ramdisk for a Linux kernel.
    #[arg(long, value_name = "FILE")]
    pub initrd: Option<PathBuf>,
    /// Kernel command line.
    #[arg(long, value_name = "ARGS", default_value = "")]
    pub append: String,
    /// A raw disk image on a virtio-blk device; repeatable; `FILE,readonly`
    /// makes it read-only.
    #[arg(long, value_name = "FILE[,readonly]", value_parser = parse_disk)]
    pub disk: Vec<DiskSpec>,
    /// Discard disk writes at exit: images stay byte-identical.
    #[arg(long)]
    pub snapshot: bool,
    /// No virtio-rng entropy device (by default there is one, in the virtio
    /// slot after the disks, fed by the host's getrandom; with
    /// `--deterministic` by a fixed-seed generator).
    #[arg(long)]
    pub no_rng: bool,
    /// A virtio-net card on QEMU-style user networking:
    /// `user[,restrict=on][,hostfwd=tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...`.
    /// The guest gets 10.0.2.15 by DHCP, the gateway 10.0.2.2 (the host's
    /// loopback as the guest sees it) and DNS at 10.0.2.3; `hostfwd`
    /// listens on the host (127.0.0.1 unless an address is given; port 0
    /// picks a free one, named on stderr); `restrict=on` lets the guest
    /// reach nothing but its forwarded ports.
    #[arg(long, value_name = "user[,OPTIONS]", value_parser = parse_net)]
    pub net: Option<NetSpec>,
    /// A host directory the guest can mount over virtio-9p (9P2000.L):
    /// `mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt`; repeatable.
    /// Nothing outside HOSTDIR is reachable through it; `readonly` refuses
    /// every change.
    #[arg(long, value_name = "HOSTDIR,tag=TAG[,readonly]", value_parser = parse_share)]
    pub share: Vec<P9Share>,
    /// Firmware: `builtin` (heron serves SBI calls), `none` (bare metal in
    /// M-mode) or an M-mode firmware file such as OpenSBI's fw_jump.bin.
    /// Default: none for an ELF, builtin for an Image or a raw binary.
    #[arg(long, value_name = "builtin|none|FILE", value_parser = parse_bios)]
    pub bios: Option<Bios>,
    /// CPU properties, comma-separated as QEMU's `-cpu` takes them:
    /// `misaligned=emulate` (default: misaligned loads and stores are done
    /// in hardware) or `misaligned=trap` (they raise address-misaligned, as
    /// on Spike; for riscv-arch-test's reference signatures).
    #[arg(long, value_name = "PROP=VALUE,...", default_value = "", value_parser = parse_cpu)]
    pub cpu: CpuOptions,
    /// Execution engine: `interp` (the interpreter), `jit` (the interpreter
    /// with hot code translated to host code by Cranelift) or `auto` (the
    /// JIT where Cranelift supports the host, else the interpreter).
    #[arg(long, value_name = "auto|interp|jit|kvm", default_value = "auto", value_parser = parse_accel)]
    pub accel: Accel,
    /// JIT: executions of a block before it is translated (1: on its
    /// first execution).
    #[arg(long, value_name = "N", default_value_t = heron_cpu::tier::DEFAULT_THRESHOLD,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub jit_threshold: u32,
    /// JIT: translate on the hart's own thread, not on the compile thread,
    /// so that blocks are translated at the same point in every run.
    #[arg(long)]
    pub jit_sync: bool,
    /// JIT: run every translated block twice, translated and interpreted,
    /// from the same state, and stop at the first difference with a report
    /// (harts take turns on one thread).
    #[arg(long)]
    pub jit_check: bool,
    /// Guest RAM size (bytes, or with a K, M, G or T suffix; at most 1T).
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_size)]
    pub memory: u64,
    /// Number of harts (1 to 64), each on its own host thread (with
    /// `--deterministic` or gdb, interleaved on one thread).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub smp: u16,
    /// Write the memory between `begin_signature` and `end_signature` to FILE
    /// at exit, one 32-bit word per line (Spike's format).
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// Write one line per executed instruction to FILE.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Stop after this many seconds of wall time (exit code 124).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Derive time from the instruction count, so that runs repeat exactly.
    #[arg(long)]
    pub deterministic: bool,
    /// Print the instruction count and speed to stderr at exit.
    #[arg(long)]
    pub stats: bool,
    /// Debugging: gdb stub and trace filters.
    #[command(flatten)]
    pub debug: DebugArgs,
}

/// Parses `FILE` or `FILE,readonly`.
fn parse_disk(s: &str) -> Result<DiskSpec, String> {
    let (path, opts) = match s.rsplit_once(',') {
        Some((p, "readonly")) => (p, true),
        Some((_, other)) => return Err(format!("unknown disk option '{other}' (only 'readonly')")),
        None => (s, false),
    };
    if path.is_empty() {
        return Err("empty disk path".into());
    }
    Ok(DiskSpec {
        path: PathBuf::from(path),
        read_only: opts,
    })
}

/// `HOSTDIR,tag=TAG[,readonly]` (QEMU's `-virtfs local,path=,mount_tag=`,
/// in fewer words).
fn parse_share(s: &str) -> Result<P9Share, String> {
    let mut parts = s.split(',');
    let path = parts
        .next()
        .filter(|p| !p.is_empty())
        .ok_or("empty share path")?;
    let (mut tag, mut read_only) = (None, false);
    for part in parts {
        match part.split_once('=') {
            Some(("tag", t)) if !t.is_empty() => tag = Some(t.to_string()),
            None if part == "readonly" => read_only = true,
            _ => return Err(format!("unknown share option '{part}' (tag=TAG, readonly)")),
        }
    }
    Ok(P9Share {
        root: PathBuf::from(path),
        tag: tag.ok_or("a share needs tag=TAG")?,
        read_only,
    })
}

/// Parses `--cpu` properties: `misaligned=trap|emulate`, comma-separated.
/// `--accel`. `auto` is resolved when the board is built (`board::build`:
/// KVM where `/dev/kvm` opens and the board can run on it, else the JIT
/// where Cranelift can generate code for the host, else the interpreter);
/// `kvm` where KVM cannot run is refused then, with the reason.
fn parse_accel(s: &str) -> Result<Accel, String> {
    match s {
        "interp" => Ok(Accel::Interp),
        "jit" => Ok(Accel::Jit),
        "kvm" => Ok(Accel::Kvm),
        "auto" => Ok(Accel::Auto),
        _ => Err(format!("unknown engine '{s}' (auto, interp, jit or kvm)")),
    }
}

fn parse_cpu(s: &str) -> Result<CpuOptions, String> {
    let mut cpu = CpuOptions::default();
    for prop in s.split(',').filter(|p| !p.is_empty()) {
        match prop.split_once('=') {
            Some(("misaligned", "trap")) => cpu.misaligned = MisalignedAccess::Trap,
            Some(("misaligned", "emulate")) => cpu.misaligned = MisalignedAccess::Emulate,
            Some(("misaligned", other)) => {
                return Err(format!("misaligned={other}: expected 'trap' or 'emulate'"))
            }
            _ => {
                return Err(format!(
                    "unknown CPU property '{prop}' (known: misaligned=trap|emulate)"
                ))
            }
        }
    }
    Ok(cpu)
}

/// Parses `builtin`, `none` or a file name.
fn parse_bios(s: &str) -> Result<Bios, String> {
    Ok(match s {
        "builtin" => Bios::Builtin,
        "none" => Bios::None,
        "" => return Err("empty firmware path".into()),
        file => Bios::File(PathBuf::from(file)),
    })
}

/// The largest `--memory`.
const MAX_MEMORY: u64 = 1 << 40;

/// Parses "128M", "1G", "1T", "65536" and the like: a number of bytes, or
/// of KiB, MiB, GiB or TiB with a K, M, G or T suffix (either case). The
/// size must be a non-zero multiple of 4 KiB, at most 1T.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, shift) = match s.as_bytes().last().map(u8::to_ascii_lowercase) {
        // The suffix is one ASCII byte, so the slice ends on a char boundary.
        Some(b'k') => (&s[..s.len() - 1], 10),
        Some(b'm') => (&s[..s.len() - 1], 20),
        Some(b'g') => (&s[..s.len() - 1], 30),
        Some(b't') => (&s[..s.len() - 1], 40),
        _ => (s, 0),
    };
    let out_of_range = || format!("'{s}': memory must be a non-zero multiple of 4 KiB, at most 1T");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{s}' is not a size like 512M (bytes, or a number with a K, M, G or T suffix)"
        ));
    }
    // All digits: parsing fails only by overflowing, which is out of range.
    let n: u64 = digits.parse().map_err(|_| out_of_range())?;
    let bytes = n
        .checked_mul(1 << shift)
        .filter(|&b| b != 0 && b % 4096 == 0 && b <= MAX_MEMORY)
        .ok_or_else(out_of_range)?;
    Ok(bytes)
}

fn parse_net(s: &str) -> Result<NetSpec, String> {
    NetSpec::parse(s).map_err(|e| match e {
        NetError::Spec { why, .. } => why,
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_with_every_suffix() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("4K"), Ok(4096));
        assert_eq!(parse_size("4k"), Ok(4096));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("1T"), Ok(1 << 40));
        assert_eq!(parse_size("1t"), Ok(1 << 40));
        assert_eq!(parse_size("1024G"), Ok(1 << 40));
        assert_eq!(parse_size(" 64M "), Ok(64 << 20));
    }

    /// The message for sizes out of range, which must say what is allowed.
    fn range_error(s: &str) -> String {
        format!("'{s}': memory must be a non-zero multiple of 4 KiB, at most 1T")
    }

    #[test]
    fn sizes_out_of_range_say_what_is_allowed() {
        for s in [
            "1025G",
            "2T",
            "1099511631872",
            "0",
            "0M",
            "123",
            "4097",
            "99999999999T",
        ] {
            assert_eq!(parse_size(s), Err(range_error(s)), "{s}");
        }
        // More digits than a u64 holds.
        let huge = "99999999999999999999999";
        assert_eq!(parse_size(huge), Err(range_error(huge)));
    }

    #[test]
    fn garbage_is_not_a_size() {
        for s in [
            "", "M", "12Q", "1.5G", "-1M", "+1M", "0x1000", "1 G", "1GB", "1KiB", "T1", "é",
        ] {
            let e = parse_size(s).expect_err(s);
            assert!(e.contains("is not a size like 512M"), "{s}: {e}");
        }
    }
}
