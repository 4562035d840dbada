//! Per-hart event words: how devices, DMA and other harts tell a running
//! hart that something changed, without stopping it.
//!
//! Every hart has one [`HartEvents`]. Others *post* bits to it (an atomic
//! OR, then a wake-up if the hart sleeps); the hart *polls* the word — one
//! relaxed load — at every block boundary, so a request is seen within one
//! block (at most [`MAX_BLOCK_OPS`](crate) instructions of the interpreter,
//! or one unit of translated code), and serves what it finds. The same word
//! is what translated code of the JIT checks on unit entry and back-edges.
//!
//! Requests that must be *complete* before the requester goes on (a remote
//! TLB flush: Linux frees page tables right after `sbi_remote_sfence_vma`
//! returns; a hart about to decode a page that just became a code page,
//! so that no other hart's stale store-TLB entry can write it unseen) use a
//! ticket: [`HartEvents::request_tlb_flush`] and
//! [`HartEvents::request_store_tlb_flush`] return one, and
//! [`HartEvents::tlb_flushed`] / [`HartEvents::store_tlb_flushed`] say when
//! the hart has served it. A hart that
//! is not inside its run loop (stopped, asleep in `wfi`, serving an SBI
//! call, waiting for its turn on a shared thread) holds no translations it
//! can use before it serves its events on the way back in, so it counts as
//! done.
//!
//! This module is backend-neutral: a KVM vCPU uses the wake-up and the
//! machine-level bits; the soft-MMU bits (code pages, TLB) are the
//! interpreter's and the JIT's.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// Event bits.
pub mod bits {
    /// Device interrupt lines of this hart may have changed: the machine
    /// recomputes them (CLINT, PLIC).
    pub const INTERRUPT: u32 = 1 << 0;
    /// A supervisor software interrupt (SBI IPI): set `mip.SSIP`.
    pub const SOFTWARE_IPI: u32 = 1 << 1;
    /// Pages holding this hart's decoded code were written by someone else:
    /// drop those blocks ([`super::HartEvents::take_code_pages`]).
    pub const CODE: u32 = 1 << 2;
    /// Flush every cached translation (remote `sfence.vma`), then complete
    /// the ticket.
    pub const TLB: u32 = 1 << 3;
    /// Another hart is about to decode code in a page that was not a code
    /// page: drop store TLB entries so that stores to it take the slow
    /// path, which keeps code coherent, then complete the ticket.
    pub const STORE_TLB: u32 = 1 << 4;
    /// The machine wants the hart back (end of run, stop-all, HSM start).
    pub const MACHINE: u32 = 1 << 5;
    /// The JIT's compile thread finished translations for this hart:
    /// install them.
    pub const TRANSLATED: u32 = 1 << 6;
    /// The bits the run loop serves itself; the rest go back to the machine.
    pub const HART_LOCAL: u32 = SOFTWARE_IPI | CODE | TLB | STORE_TLB | TRANSLATED;
    /// What wakes a hart asleep in `wfi`.
    pub const WAKE: u32 = INTERRUPT | SOFTWARE_IPI | MACHINE;
}

/// How a poster gets a hart out of a wait the event word cannot end: a
/// KVM vCPU inside `KVM_RUN` (running guest code, or blocked in the
/// kernel's `wfi`) polls no word.
pub type Kicker = Box<dyn Fn() + Send + Sync>;

/// One hart's event word and the state that goes with it.
pub struct HartEvents {
    pending: AtomicU32,
    /// Inside its run loop (see the module documentation).
    running: AtomicBool,
    /// Full TLB flush tickets: the last requested, the last served.
    tlb_requested: AtomicU64,
    tlb_done: AtomicU64,
    /// Store-TLB flush tickets, the same way.
    store_tlb_requested: AtomicU64,
    store_tlb_done: AtomicU64,
    /// Code pages (page-aligned physical addresses) to drop.
    code_pages: Mutex<Vec<u64>>,
    /// Wake-up for a hart asleep in [`HartEvents::wait`].
    sleep: Mutex<()>,
    wake: Condvar,
    /// Called after every post, once set ([`HartEvents::set_kicker`]).
    kicker: OnceLock<Kicker>,
}

impl std::fmt::Debug for HartEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HartEvents")
            .field("pending", &self.pending)
            .field("running", &self.running)
            .field("kicker", &self.kicker.get().is_some())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while these locks are held; recover if it ever does.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Default for HartEvents {
    fn default() -> Self {
        Self::new()
    }
}

impl HartEvents {
    /// Nothing pending.
    pub const fn new() -> Self {
        HartEvents {
            pending: AtomicU32::new(0),
            running: AtomicBool::new(false),
            tlb_requested: AtomicU64::new(0),
            tlb_done: AtomicU64::new(0),
            store_tlb_requested: AtomicU64::new(0),
            store_tlb_done: AtomicU64::new(0),
            code_pages: Mutex::new(Vec::new()),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
            kicker: OnceLock::new(),
        }
    }

    /// The event words of `harts` harts.
    pub fn for_harts(harts: usize) -> Arc<[HartEvents]> {
        (0..harts.max(1)).map(|_| HartEvents::new()).collect()
    }

    /// The bits posted and not yet taken (a relaxed load: the poll).
    #[inline(always)]
    pub fn pending(&self) -> u32 {
        self.pending.load(Ordering::Relaxed)
    }

    /// The address of the event word, for generated code that polls it
    /// with an atomic load (a translated loop checks it on each back-edge).
    pub fn word_addr(&self) -> usize {
        self.pending.as_ptr() as usize
    }

    /// Posts `bits` and wakes the hart if it sleeps.
    pub fn post(&self, bits: u32) {
        self.pending.fetch_or(bits, Ordering::SeqCst);
        // Taking the lock orders this against a sleeper's check of the word
        // (it checks with the lock held), so the wake-up cannot be lost.
        drop(lock(&self.sleep));
        self.wake.notify_all();
        if let Some(kick) = self.kicker.get() {
            kick();
        }
    }

    /// Has every later [`HartEvents::post`] call `kick` after setting the
    /// bits (so that the hart, once kicked, sees them). Set once; `false`
    /// if a kicker was already there.
    pub fn set_kicker(&self, kick: Kicker) -> bool {
        self.kicker.set(kick).is_ok()
    }

    /// Takes (clears and returns) the pending bits among `mask`.
    #[inline]
    pub fn take(&self, mask: u32) -> u32 {
        self.pending.fetch_and(!mask, Ordering::AcqRel) & mask
    }

    /// Sleeps until a bit of `mask` is pending or `timeout` passes.
    pub fn wait_for(&self, mask: u32, timeout: Duration) {
        let guard = lock(&self.sleep);
        let _ = self
            .wake
            .wait_timeout_while(guard, timeout, |_| self.pending() & mask == 0);
    }

    /// Queues the code page at `page` for dropping and posts [`bits::CODE`].
    pub fn queue_code_page(&self, page: u64) {
        lock(&self.code_pages).push(page);
        self.post(bits::CODE);
    }

    /// The queued code pages.
    pub fn take_code_pages(&self) -> Vec<u64> {
        std::mem::take(&mut *lock(&self.code_pages))
    }

    /// Marks the hart as inside (`true`) or outside its run loop. On the way
    /// in, the hart must serve its pending events before it executes
    /// anything.
    pub fn set_running(&self, running: bool) {
        self.running.store(running, Ordering::SeqCst);
    }

    /// Asks for a full translation flush; returns the ticket to wait on.
    pub fn request_tlb_flush(&self) -> u64 {
        let ticket = self.tlb_requested.fetch_add(1, Ordering::SeqCst) + 1;
        self.post(bits::TLB);
        ticket
    }

    /// The hart is about to flush its translations: every request made so
    /// far is served by that flush. Returns the value to pass to
    /// [`HartEvents::complete_tlb_flush`] after the flush.
    pub fn begin_tlb_flush(&self) -> u64 {
        self.tlb_requested.load(Ordering::SeqCst)
    }

    /// Completes the requests up to `upto` (from [`HartEvents::begin_tlb_flush`]).
    pub fn complete_tlb_flush(&self, upto: u64) {
        self.tlb_done.fetch_max(upto, Ordering::SeqCst);
    }

    /// Whether the request with `ticket` is served (or the hart holds no
    /// usable translations: it is outside its run loop).
    pub fn tlb_flushed(&self, ticket: u64) -> bool {
        !self.running.load(Ordering::SeqCst) || self.tlb_done.load(Ordering::SeqCst) >= ticket
    }

    /// Asks the hart to drop its store-TLB entries (so its stores take the
    /// slow path, which sees code pages); returns the ticket to wait on.
    pub fn request_store_tlb_flush(&self) -> u64 {
        let ticket = self.store_tlb_requested.fetch_add(1, Ordering::SeqCst) + 1;
        self.post(bits::STORE_TLB);
        ticket
    }

    /// As [`HartEvents::begin_tlb_flush`], for store-TLB requests (a full
    /// flush serves them too).
    pub fn begin_store_tlb_flush(&self) -> u64 {
        self.store_tlb_requested.load(Ordering::SeqCst)
    }

    /// Completes the store-TLB requests up to `upto`.
    pub fn complete_store_tlb_flush(&self, upto: u64) {
        self.store_tlb_done.fetch_max(upto, Ordering::SeqCst);
    }

    /// Whether the store-TLB request with `ticket` is served (or the hart
    /// is outside its run loop, where it stores nothing).
    pub fn store_tlb_flushed(&self, ticket: u64) -> bool {
        !self.running.load(Ordering::SeqCst) || self.store_tlb_done.load(Ordering::SeqCst) >= ticket
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn posted_bits_are_taken_once() {
        let ev = HartEvents::default();
        ev.post(bits::INTERRUPT | bits::CODE);
        assert_eq!(ev.pending(), bits::INTERRUPT | bits::CODE);
        assert_eq!(ev.take(bits::CODE | bits::TLB), bits::CODE);
        assert_eq!(ev.pending(), bits::INTERRUPT);
        assert_eq!(ev.take(u32::MAX), bits::INTERRUPT);
        assert_eq!(ev.pending(), 0);
    }

    #[test]
    fn a_post_wakes_a_sleeper() {
        let ev = Arc::new(HartEvents::default());
        let started = Instant::now();
        let sleeper = {
            let ev = ev.clone();
            std::thread::spawn(move || ev.wait_for(bits::MACHINE, Duration::from_secs(60)))
        };
        ev.post(bits::CODE);
        ev.post(bits::MACHINE);
        sleeper.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn a_kicker_sees_the_bits_of_every_post() {
        let ev = Arc::new(HartEvents::default());
        let seen = Arc::new(AtomicU32::new(0));
        let (e, s) = (ev.clone(), seen.clone());
        // The kicker reads the word: a post sets the bits before it kicks.
        assert!(ev.set_kicker(Box::new(move || {
            s.fetch_or(e.pending() | 1 << 31, Ordering::SeqCst);
        })));
        assert!(!ev.set_kicker(Box::new(|| {})), "set once");
        ev.post(bits::INTERRUPT);
        assert_eq!(seen.load(Ordering::SeqCst), bits::INTERRUPT | 1 << 31);
        ev.post(bits::MACHINE);
        assert_eq!(
            seen.load(Ordering::SeqCst),
            bits::INTERRUPT | bits::MACHINE | 1 << 31
        );
    }

    #[test]
    fn tlb_tickets_complete_when_served_or_not_running() {
        let ev = HartEvents::default();
        ev.set_running(true);
        let t = ev.request_tlb_flush();
        assert!(!ev.tlb_flushed(t));
        let upto = ev.begin_tlb_flush();
        ev.complete_tlb_flush(upto);
        assert!(ev.tlb_flushed(t));
        let t2 = ev.request_tlb_flush();
        assert!(!ev.tlb_flushed(t2));
        ev.set_running(false);
        assert!(ev.tlb_flushed(t2), "a hart outside its loop holds nothing");
    }

    #[test]
    fn store_tlb_tickets_complete_apart_from_full_flushes() {
        let ev = HartEvents::default();
        ev.set_running(true);
        let full = ev.request_tlb_flush();
        let t = ev.request_store_tlb_flush();
        assert!(!ev.store_tlb_flushed(t));
        assert_eq!(ev.take(bits::HART_LOCAL), bits::TLB | bits::STORE_TLB);
        let upto = ev.begin_store_tlb_flush();
        ev.complete_store_tlb_flush(upto);
        assert!(ev.store_tlb_flushed(t));
        assert!(!ev.tlb_flushed(full), "a store flush is not a full one");
        let t2 = ev.request_store_tlb_flush();
        assert!(!ev.store_tlb_flushed(t2));
        ev.set_running(false);
        assert!(
            ev.store_tlb_flushed(t2),
            "a hart outside its loop stores nothing"
        );
    }

    #[test]
    fn code_pages_queue_in_order() {
        let ev = HartEvents::default();
        ev.queue_code_page(0x8000_1000);
        ev.queue_code_page(0x8000_3000);
        assert_eq!(ev.pending() & bits::CODE, bits::CODE);
        assert_eq!(ev.take_code_pages(), vec![0x8000_1000, 0x8000_3000]);
        assert!(ev.take_code_pages().is_empty());
    }
}
