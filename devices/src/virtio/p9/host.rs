//! The host syscalls the server uses, as safe functions over file
//! descriptors and single path components.
//!
//! This is the only file of the 9P server with `unsafe`: each call passes
//! valid NUL-terminated strings (`&CStr`), buffers with their true lengths
//! and descriptors the caller holds open (`BorrowedFd`), and takes
//! ownership of a descriptor only when the call returned a new one.
//!
//! Every function taking a `name` is an `*at` call relative to a directory
//! descriptor, and none of them follows a symbolic link in `name`:
//! `openat2` is always given `O_NOFOLLOW` and `RESOLVE_BENEATH |
//! RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`, `fstatat` and `linkat`
//! do not follow, and `mkdirat`, `mknodat`, `symlinkat`, `unlinkat` and
//! `renameat` act on the last component itself. Operations on an existing
//! file take its descriptor (`AT_EMPTY_PATH`) rather than a name.

use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use super::errno::Errno;

/// How every lookup resolves: never above the directory it starts from,
/// never through a symbolic link, never through `/proc`-style magic links.
/// With `O_PATH | O_NOFOLLOW` a trailing symlink is still opened as itself
/// (openat2(2): `RESOLVE_NO_SYMLINKS`), which is how the guest reads it.
const RESOLVE: u64 =
    libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS;

/// `fchmodat2(2)` (Linux 6.6), the one way to chmod through an `O_PATH`
/// descriptor without `/proc`. The same number on every architecture
/// heron's hosts use (the syscall tables were unified before it).
const SYS_FCHMODAT2: libc::c_long = 452;

/// Retries `f` while it fails with `EINTR`; maps -1 to the errno.
fn retry<T: PartialEq + From<i8>>(mut f: impl FnMut() -> T) -> Result<T, Errno> {
    loop {
        let r = f();
        if r != T::from(-1) {
            return Ok(r);
        }
        let e = Errno::last();
        if e.0 != libc::EINTR {
            return Err(e);
        }
    }
}

/// Opens `name`, one component, beneath `dir` (see [`RESOLVE`]). `mode` is
/// used only with `O_CREAT`.
pub fn openat2(dir: BorrowedFd<'_>, name: &CStr, flags: i32, mode: u32) -> Result<OwnedFd, Errno> {
    let mut flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // openat2 refuses O_PATH with anything but O_DIRECTORY, O_NOFOLLOW and
    // O_CLOEXEC; a descriptor opened for I/O must never become the
    // process's controlling terminal.
    if flags & libc::O_PATH == 0 {
        flags |= libc::O_NOCTTY;
    }
    // SAFETY: open_how is three integers, for which all-zero is valid; it
    // is non_exhaustive, so it cannot be built with a literal.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = flags as u32 as u64;
    how.mode = if flags & libc::O_CREAT != 0 {
        mode as u64
    } else {
        0
    };
    how.resolve = RESOLVE;
    let size = std::mem::size_of::<libc::open_how>();
    // SAFETY: `name` is NUL-terminated, `how` lives across the call and
    // `size` is its size; the kernel only reads them.
    let fd = retry(|| unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            name.as_ptr(),
            &how,
            size,
        )
    })?;
    // SAFETY: a successful openat2 returned a new descriptor, now ours.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// What the server needs of `struct stat`.
#[derive(Clone, Copy, Debug)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u64,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub size: u64,
    pub blksize: u64,
    pub blocks: u64,
    pub atime: (i64, i64),
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
}

impl Stat {
    /// The file type bits (`S_IFMT`).
    pub fn kind(&self) -> u32 {
        self.mode & libc::S_IFMT
    }

    // The field types of `struct stat` differ between architectures (u32
    // or u64 nlink, i32 or i64 blksize), so some casts are no-ops here.
    #[allow(clippy::unnecessary_cast)]
    fn from_libc(st: &libc::stat) -> Stat {
        Stat {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            mode: st.st_mode as u32,
            nlink: st.st_nlink as u64,
            uid: st.st_uid as u32,
            gid: st.st_gid as u32,
            rdev: st.st_rdev as u64,
            size: st.st_size as u64,
            blksize: st.st_blksize as u64,
            blocks: st.st_blocks as u64,
            atime: (st.st_atime as i64, st.st_atime_nsec as i64),
            mtime: (st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctime: (st.st_ctime as i64, st.st_ctime_nsec as i64),
        }
    }
}

/// `fstat` (works on `O_PATH` descriptors).
pub fn fstat(fd: BorrowedFd<'_>) -> Result<Stat, Errno> {
    // SAFETY: all-zero is a valid `struct stat`; fstat fills it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a live, writable `struct stat`.
    retry(|| unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok(Stat::from_libc(&st))
}

/// `fstatat(dir, name, AT_SYMLINK_NOFOLLOW)`: the entry itself.
pub fn stat_entry(dir: BorrowedFd<'_>, name: &CStr) -> Result<Stat, Errno> {
    // SAFETY: as in `fstat`.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let flags = libc::AT_SYMLINK_NOFOLLOW;
    // SAFETY: `name` is NUL-terminated and `st` writable.
    retry(|| unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), &mut st, flags) })?;
    Ok(Stat::from_libc(&st))
}

pub fn mkdirat(dir: BorrowedFd<'_>, name: &CStr, mode: u32) -> Result<(), Errno> {
    // SAFETY: `name` is NUL-terminated.
    retry(|| unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), mode as libc::mode_t) })?;
    Ok(())
}

pub fn mknodat(dir: BorrowedFd<'_>, name: &CStr, mode: u32) -> Result<(), Errno> {
    // SAFETY: `name` is NUL-terminated. Device numbers are never passed:
    // the server creates no device nodes.
    retry(|| unsafe { libc::mknodat(dir.as_raw_fd(), name.as_ptr(), mode as libc::mode_t, 0) })?;
    Ok(())
}

pub fn symlinkat(target: &CStr, dir: BorrowedFd<'_>, name: &CStr) -> Result<(), Errno> {
    // SAFETY: both strings are NUL-terminated.
    retry(|| unsafe { libc::symlinkat(target.as_ptr(), dir.as_raw_fd(), name.as_ptr()) })?;
    Ok(())
}

pub fn unlinkat(dir: BorrowedFd<'_>, name: &CStr, remove_dir: bool) -> Result<(), Errno> {
    let flags = if remove_dir { libc::AT_REMOVEDIR } else { 0 };
    // SAFETY: `name` is NUL-terminated.
    retry(|| unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), flags) })?;
    Ok(())
}

pub fn renameat(
    old_dir: BorrowedFd<'_>,
    old: &CStr,
    new_dir: BorrowedFd<'_>,
    new: &CStr,
) -> Result<(), Errno> {
    let (od, nd) = (old_dir.as_raw_fd(), new_dir.as_raw_fd());
    // SAFETY: both names are NUL-terminated.
    retry(|| unsafe { libc::renameat(od, old.as_ptr(), nd, new.as_ptr()) })?;
    Ok(())
}

/// Links the file `fd` refers to as `name` in `dir` (`AT_EMPTY_PATH`,
/// which needs `CAP_DAC_READ_SEARCH`).
pub fn link_fd(fd: BorrowedFd<'_>, dir: BorrowedFd<'_>, name: &CStr) -> Result<(), Errno> {
    let (f, d) = (fd.as_raw_fd(), dir.as_raw_fd());
    let flags = libc::AT_EMPTY_PATH;
    // SAFETY: both strings are NUL-terminated.
    retry(|| unsafe { libc::linkat(f, c"".as_ptr(), d, name.as_ptr(), flags) })?;
    Ok(())
}

/// Links entry `old` of `old_dir` as `new` in `new_dir`; a symlink is
/// linked itself, not followed (no `AT_SYMLINK_FOLLOW`).
pub fn link_entry(
    old_dir: BorrowedFd<'_>,
    old: &CStr,
    new_dir: BorrowedFd<'_>,
    new: &CStr,
) -> Result<(), Errno> {
    let (od, nd) = (old_dir.as_raw_fd(), new_dir.as_raw_fd());
    // SAFETY: both names are NUL-terminated.
    retry(|| unsafe { libc::linkat(od, old.as_ptr(), nd, new.as_ptr(), 0) })?;
    Ok(())
}

/// The target of the symlink `fd` (an `O_PATH` descriptor of it) refers to.
pub fn readlink_fd(fd: BorrowedFd<'_>) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: `buf` is writable for its length; the empty path with an
    // O_PATH descriptor reads the link the descriptor refers to.
    let n = retry(|| unsafe {
        libc::readlinkat(
            fd.as_raw_fd(),
            c"".as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    })?;
    buf.truncate(n as usize);
    Ok(buf)
}

/// chmod through a descriptor of any kind, `O_PATH` included
/// (`fchmodat2(fd, "", mode, AT_EMPTY_PATH)`); `ENOSYS` before Linux 6.6.
pub fn chmod_fd(fd: BorrowedFd<'_>, mode: u32) -> Result<(), Errno> {
    let (f, flags) = (fd.as_raw_fd(), libc::AT_EMPTY_PATH);
    // SAFETY: the empty path is NUL-terminated.
    retry(|| unsafe { libc::syscall(SYS_FCHMODAT2, f, c"".as_ptr(), mode, flags) })?;
    Ok(())
}

/// `fchmod` on a descriptor opened for I/O.
pub fn fchmod(fd: BorrowedFd<'_>, mode: u32) -> Result<(), Errno> {
    // SAFETY: plain integers.
    retry(|| unsafe { libc::fchmod(fd.as_raw_fd(), mode as libc::mode_t) })?;
    Ok(())
}

/// chown through a descriptor (`AT_EMPTY_PATH`: `O_PATH` works); `u32::MAX`
/// leaves an id unchanged.
pub fn chown_fd(fd: BorrowedFd<'_>, uid: u32, gid: u32) -> Result<(), Errno> {
    let (f, flags) = (
        fd.as_raw_fd(),
        libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW,
    );
    // SAFETY: the empty path is NUL-terminated.
    retry(|| unsafe { libc::fchownat(f, c"".as_ptr(), uid, gid, flags) })?;
    Ok(())
}

/// A time for [`utimens_fd`]: now, unchanged, or a given instant.
#[derive(Clone, Copy, Debug)]
pub enum Time {
    Now,
    Omit,
    At(i64, i64),
}

impl Time {
    fn timespec(self) -> libc::timespec {
        let (sec, nsec) = match self {
            Time::Now => (0, libc::UTIME_NOW),
            Time::Omit => (0, libc::UTIME_OMIT),
            Time::At(s, ns) => (s as libc::time_t, ns as libc::c_long),
        };
        libc::timespec {
            tv_sec: sec,
            tv_nsec: nsec,
        }
    }
}

/// Sets atime and mtime through a descriptor (`AT_EMPTY_PATH`).
pub fn utimens_fd(fd: BorrowedFd<'_>, atime: Time, mtime: Time) -> Result<(), Errno> {
    let times = [atime.timespec(), mtime.timespec()];
    let flags = libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW;
    // SAFETY: `times` holds the two timespecs utimensat reads.
    retry(|| unsafe { libc::utimensat(fd.as_raw_fd(), c"".as_ptr(), times.as_ptr(), flags) })?;
    Ok(())
}

/// Sets atime and mtime through a descriptor opened for I/O (the fallback
/// for kernels whose utimensat lacks `AT_EMPTY_PATH`, before Linux 5.8).
pub fn futimens(fd: BorrowedFd<'_>, atime: Time, mtime: Time) -> Result<(), Errno> {
    let times = [atime.timespec(), mtime.timespec()];
    // SAFETY: `times` holds the two timespecs futimens reads.
    retry(|| unsafe { libc::futimens(fd.as_raw_fd(), times.as_ptr()) })?;
    Ok(())
}

/// What `Rstatfs` reports.
#[derive(Clone, Copy, Debug)]
pub struct StatFs {
    pub fs_type: u32,
    pub bsize: u32,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub namelen: u32,
}

// As with `struct stat`, the statfs field types vary by architecture.
#[allow(clippy::unnecessary_cast)]
pub fn fstatfs(fd: BorrowedFd<'_>) -> Result<StatFs, Errno> {
    // SAFETY: all-zero is a valid `struct statfs`; fstatfs fills it.
    let mut s: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `s` is writable.
    retry(|| unsafe { libc::fstatfs(fd.as_raw_fd(), &mut s) })?;
    Ok(StatFs {
        fs_type: s.f_type as u32,
        bsize: s.f_bsize as u32,
        blocks: s.f_blocks as u64,
        bfree: s.f_bfree as u64,
        bavail: s.f_bavail as u64,
        files: s.f_files as u64,
        ffree: s.f_ffree as u64,
        namelen: s.f_namelen as u32,
    })
}

pub fn pread(fd: BorrowedFd<'_>, buf: &mut [u8], offset: i64) -> Result<usize, Errno> {
    // SAFETY: `buf` is writable for its length.
    let n = retry(|| unsafe {
        libc::pread(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), offset)
    })?;
    Ok(n as usize)
}

pub fn pwrite(fd: BorrowedFd<'_>, data: &[u8], offset: i64) -> Result<usize, Errno> {
    // SAFETY: `data` is readable for its length.
    let n = retry(|| unsafe {
        libc::pwrite(fd.as_raw_fd(), data.as_ptr().cast(), data.len(), offset)
    })?;
    Ok(n as usize)
}

pub fn ftruncate(fd: BorrowedFd<'_>, len: i64) -> Result<(), Errno> {
    // SAFETY: plain integers.
    retry(|| unsafe { libc::ftruncate(fd.as_raw_fd(), len) })?;
    Ok(())
}

pub fn fsync(fd: BorrowedFd<'_>, data_only: bool) -> Result<(), Errno> {
    // SAFETY: plain integers.
    retry(|| unsafe {
        if data_only {
            libc::fdatasync(fd.as_raw_fd())
        } else {
            libc::fsync(fd.as_raw_fd())
        }
    })?;
    Ok(())
}

/// Positions a directory stream at `cookie` (a `d_off` getdents returned,
/// or 0 for the start).
pub fn seek_dir(fd: BorrowedFd<'_>, cookie: i64) -> Result<(), Errno> {
    // SAFETY: plain integers.
    retry(|| unsafe { libc::lseek(fd.as_raw_fd(), cookie, libc::SEEK_SET) })?;
    Ok(())
}

/// Raw `linux_dirent64` records of the directory `fd` into `buf`; returns
/// the bytes filled (0 at the end).
pub fn getdents(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is writable for its length.
    let n = retry(|| unsafe {
        libc::syscall(
            libc::SYS_getdents64,
            fd.as_raw_fd(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    })?;
    Ok(n as usize)
}
