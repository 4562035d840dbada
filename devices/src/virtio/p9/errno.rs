//! Linux error numbers, as 9P2000.L carries them in `Rlerror`.
//!
//! Every failure inside the server is an [`Errno`]: host syscalls fail with
//! one, and protocol violations are given the number a Linux server would
//! answer (`EINVAL` for a malformed message, `EOPNOTSUPP` for an unknown
//! one). Nothing else crosses into the reply.

use std::fmt;
use std::io;

/// An error number, in the host's numbering; [`Errno::to_guest`] gives the
/// number the guest's kernel expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    pub const EPERM: Errno = Errno(libc::EPERM);
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    pub const EIO: Errno = Errno(libc::EIO);
    pub const ENXIO: Errno = Errno(libc::ENXIO);
    pub const EBADF: Errno = Errno(libc::EBADF);
    pub const EBUSY: Errno = Errno(libc::EBUSY);
    pub const ENOTDIR: Errno = Errno(libc::ENOTDIR);
    pub const EISDIR: Errno = Errno(libc::EISDIR);
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const ENFILE: Errno = Errno(libc::ENFILE);
    pub const EMFILE: Errno = Errno(libc::EMFILE);
    pub const EROFS: Errno = Errno(libc::EROFS);
    pub const ENAMETOOLONG: Errno = Errno(libc::ENAMETOOLONG);
    pub const ENOSYS: Errno = Errno(libc::ENOSYS);
    pub const ELOOP: Errno = Errno(libc::ELOOP);
    pub const EPROTO: Errno = Errno(libc::EPROTO);
    pub const EMSGSIZE: Errno = Errno(libc::EMSGSIZE);
    pub const EOPNOTSUPP: Errno = Errno(libc::EOPNOTSUPP);
    pub const ESTALE: Errno = Errno(libc::ESTALE);

    /// The calling thread's `errno` after a failed libc call.
    pub fn last() -> Errno {
        Errno::from(io::Error::last_os_error())
    }

    /// The number for the guest. The guest is riscv64 Linux, which uses
    /// the asm-generic numbering; so do Linux hosts on x86, Arm, RISC-V,
    /// s390x, PowerPC and LoongArch, for which this is the identity. Hosts
    /// numbered otherwise (MIPS, SPARC, Alpha, PA-RISC) translate what a
    /// file server returns and answer EIO for the rest.
    pub fn to_guest(self) -> u32 {
        if GENERIC_NUMBERING {
            return self.0 as u32;
        }
        GENERIC
            .iter()
            .find(|&&(host, _)| host == self.0)
            .map_or(5, |&(_, guest)| guest)
    }
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Self {
        Errno(e.raw_os_error().unwrap_or(Errno::EIO.0))
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", io::Error::from_raw_os_error(self.0))
    }
}

/// Whether the host numbers errors as asm-generic does.
const GENERIC_NUMBERING: bool = cfg!(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "riscv64",
    target_arch = "riscv32",
    target_arch = "s390x",
    target_arch = "powerpc64",
    target_arch = "loongarch64",
));

/// Host constant → asm-generic number, for hosts numbered otherwise.
const GENERIC: &[(i32, u32)] = &[
    (libc::EPERM, 1),
    (libc::ENOENT, 2),
    (libc::EINTR, 4),
    (libc::EIO, 5),
    (libc::ENXIO, 6),
    (libc::E2BIG, 7),
    (libc::EBADF, 9),
    (libc::EAGAIN, 11),
    (libc::ENOMEM, 12),
    (libc::EACCES, 13),
    (libc::EFAULT, 14),
    (libc::EBUSY, 16),
    (libc::EEXIST, 17),
    (libc::EXDEV, 18),
    (libc::ENODEV, 19),
    (libc::ENOTDIR, 20),
    (libc::EISDIR, 21),
    (libc::EINVAL, 22),
    (libc::ENFILE, 23),
    (libc::EMFILE, 24),
    (libc::ETXTBSY, 26),
    (libc::EFBIG, 27),
    (libc::ENOSPC, 28),
    (libc::ESPIPE, 29),
    (libc::EROFS, 30),
    (libc::EMLINK, 31),
    (libc::ERANGE, 34),
    (libc::EDEADLK, 35),
    (libc::ENAMETOOLONG, 36),
    (libc::ENOLCK, 37),
    (libc::ENOSYS, 38),
    (libc::ENOTEMPTY, 39),
    (libc::ELOOP, 40),
    (libc::ENODATA, 61),
    (libc::EPROTO, 71),
    (libc::EOVERFLOW, 75),
    (libc::EMSGSIZE, 90),
    (libc::EOPNOTSUPP, 95),
    (libc::ESTALE, 116),
    (libc::EDQUOT, 122),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_translation_table_is_asm_generic() {
        // On a generic host the table must be the identity, which checks its
        // numbers against the host's libc.
        if GENERIC_NUMBERING {
            for &(host, guest) in GENERIC {
                assert_eq!(host as u32, guest, "errno {host}");
            }
        }
        assert_eq!(Errno::EROFS.to_guest(), 30);
        assert_eq!(Errno::EOPNOTSUPP.to_guest(), 95);
    }
}
