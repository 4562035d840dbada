//! Getting a vCPU out of `KVM_RUN` from another thread, as QEMU's
//! `kvm_cpu_kick` does: set the vCPU's `kvm_run.immediate_exit` (so that
//! a `KVM_RUN` about to start returns at once) and send its thread a
//! signal (so that one under way returns with `EINTR`, even from the
//! kernel's `wfi`). The vCPU clears the flag before it looks at its event
//! word, so a post that lands after the look still stops the next run.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};
use std::sync::Once;

use kvm_bindings::kvm_run;

use super::KvmError;

/// The signal that kicks (a real-time one: nothing else in heron uses it,
/// and its handler does nothing but interrupt the system call).
fn kick_signal() -> libc::c_int {
    libc::SIGRTMIN() + 1
}

extern "C" fn on_kick(_: libc::c_int) {}

/// Installs the (empty) handler once, without `SA_RESTART`, so that the
/// signal interrupts `KVM_RUN` instead of restarting it.
fn install_handler() -> Result<(), KvmError> {
    static INSTALL: Once = Once::new();
    let mut result = Ok(());
    INSTALL.call_once(|| {
        // SAFETY: a zeroed `sigaction` is a valid "no flags, empty mask"
        // value; the handler is an `extern "C"` function that touches
        // nothing, which is async-signal-safe.
        let rc = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_kick as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(kick_signal(), &action, std::ptr::null_mut())
        };
        if rc != 0 {
            result = Err(KvmError::Ioctl {
                what: "installing the vCPU kick signal handler",
                source: std::io::Error::last_os_error(),
            });
        }
    });
    result
}

/// A second mapping of a vCPU's `kvm_run` page, owned here so that it
/// stays valid for as long as any poster holds the kicker, whatever
/// happens to the `VcpuFd` (which has its own mapping of the same page).
struct RunPage {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the page is only reached through the atomic `immediate_exit`
// byte below, which the kernel and every thread access as a byte.
unsafe impl Send for RunPage {}
unsafe impl Sync for RunPage {}

impl RunPage {
    fn map(vcpu_fd: RawFd, len: usize) -> Result<RunPage, KvmError> {
        // SAFETY: a fresh shared mapping of the vCPU fd's run page, at an
        // address the kernel picks; nothing else is touched.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                vcpu_fd,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(KvmError::Ioctl {
                what: "mapping the vCPU's run page",
                source: std::io::Error::last_os_error(),
            });
        }
        Ok(RunPage {
            ptr: ptr.cast(),
            len,
        })
    }

    fn immediate_exit(&self) -> &AtomicU8 {
        const _: () = assert!(std::mem::offset_of!(kvm_run, immediate_exit) < 4096);
        // SAFETY: the mapping is at least one page long and lives as long
        // as `self`; `immediate_exit` is a byte at this offset, and an
        // `AtomicU8` has the size and alignment of a `u8`.
        unsafe {
            &*self
                .ptr
                .add(std::mem::offset_of!(kvm_run, immediate_exit))
                .cast()
        }
    }
}

impl Drop for RunPage {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `map` made, no longer used.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// One vCPU's kick: shared by the vCPU and whoever posts to its event
/// word.
pub(super) struct Kicker {
    page: RunPage,
    /// The kernel thread id of the thread inside [`super::KvmVcpu::run`],
    /// 0 while none is.
    tid: AtomicI32,
}

impl Kicker {
    /// The kicker of the vCPU whose fd is `vcpu_fd` (run page of
    /// `run_size` bytes, `KVM_GET_VCPU_MMAP_SIZE`).
    pub(super) fn new(vcpu_fd: RawFd, run_size: usize) -> Result<Kicker, KvmError> {
        install_handler()?;
        Ok(Kicker {
            page: RunPage::map(vcpu_fd, run_size)?,
            tid: AtomicI32::new(0),
        })
    }

    /// Makes the vCPU leave `KVM_RUN` (or not enter it) soon.
    pub(super) fn kick(&self) {
        self.page.immediate_exit().store(1, Ordering::SeqCst);
        let tid = self.tid.load(Ordering::SeqCst);
        if tid != 0 {
            // SAFETY: plain system calls. A thread that has just left
            // `run` ignores the signal (empty handler); one that exited
            // makes tgkill fail with ESRCH, which is harmless.
            unsafe {
                libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, kick_signal());
            }
        }
    }

    /// The calling thread is about to run the vCPU: clears the flag
    /// (before the caller looks at the event word) and makes the thread
    /// the one kicks go to.
    pub(super) fn enter(&self) {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() };
        self.tid.store(tid, Ordering::SeqCst);
        self.page.immediate_exit().store(0, Ordering::SeqCst);
    }

    /// The thread is done running the vCPU for now.
    pub(super) fn leave(&self) {
        self.tid.store(0, Ordering::SeqCst);
    }
}
