//! Where a hart's hot blocks go: to its translator on the hart's own thread
//! (`--jit-sync`), or to a compile thread all harts share, which translates
//! while the harts go on interpreting and hands each result back to its
//! hart through a channel, posting [`bits::TRANSLATED`] on the hart's event
//! word so that the run loop installs it within a block.
//!
//! Code memory belongs to the translator, which the hart and the worker
//! share (`Arc`): it is freed by a reset the hart asks for once it dropped
//! every native block (a new *generation*; results of the old one still in
//! flight are recognised by their generation number and thrown away), or
//! when the last owner goes — never while the hart can still call into it.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use heron_mmu::events::{bits, HartEvents};

use super::{NativeBlock, NativeEntry, TierStats, Translator, Unit};

type Shared = Arc<Mutex<Box<dyn Translator>>>;

fn lock(t: &Shared) -> MutexGuard<'_, Box<dyn Translator>> {
    // A translator that panicked mid-compile left no half-installed code
    // (results are sent only once complete): its state is still usable.
    t.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the compile thread is asked to do.
enum Request {
    /// Translate `unit` for `hart`.
    Translate {
        hart: usize,
        generation: u64,
        unit: Unit,
    },
    /// `hart` dropped every native block: free its translator's code.
    Reset { hart: usize },
    /// The machine is going away.
    Stop,
}

/// A translation, back at its hart.
pub(crate) struct Done {
    generation: u64,
    /// What it was made of (the code may point into its ops).
    pub(crate) unit: Unit,
    /// `None`: declined.
    pub(crate) native: Option<NativeBlock>,
    /// The translator's code memory is full.
    pub(crate) full: bool,
}

/// The hart's end of the compile thread.
struct Link {
    hart: usize,
    requests: Sender<Request>,
    results: Receiver<Done>,
}

/// A hart's translating tier: its translator, how hot a block must get,
/// and (with a compile thread) the link to it.
pub struct Tier {
    translator: Shared,
    entry: NativeEntry,
    link: Option<Link>,
    threshold: u32,
    generation: u64,
}

/// What to do with a hot block.
pub(crate) enum Hot {
    /// Its translation (or `None`: declined), ready now.
    Now(Option<NativeBlock>),
    /// Asked for; it arrives as a [`Done`].
    Requested,
}

impl Tier {
    /// A tier that translates on the hart's own thread: a block runs
    /// translated from the execution after it got hot on, at the same point
    /// in every run (tests, profiles).
    pub fn inline(translator: Box<dyn Translator>, threshold: u32) -> Tier {
        Tier {
            entry: translator.entry(),
            translator: Arc::new(Mutex::new(translator)),
            link: None,
            threshold: threshold.max(1),
            generation: 0,
        }
    }

    /// Executions of a block before it is translated.
    pub(crate) fn threshold(&self) -> u32 {
        self.threshold
    }

    /// How the translator's code is called (valid while the tier lives:
    /// it shares the translator).
    pub(crate) fn entry(&self) -> NativeEntry {
        self.entry
    }

    /// The translator's counters.
    pub(crate) fn stats(&self) -> TierStats {
        lock(&self.translator).stats()
    }

    /// Translates `unit` now or asks the compile thread to.
    /// `drop_natives` is called first when the translator's memory is
    /// full, and must drop every native block the hart holds.
    pub(crate) fn hot(&mut self, unit: &Unit, drop_natives: impl FnOnce()) -> Hot {
        let Some(link) = &self.link else {
            let mut t = lock(&self.translator);
            if t.take_reset() {
                drop_natives();
                t.reset();
            }
            return Hot::Now(t.translate(unit));
        };
        let request = Request::Translate {
            hart: link.hart,
            generation: self.generation,
            unit: unit.clone(),
        };
        match link.requests.send(request) {
            Ok(()) => Hot::Requested,
            // The compile thread is gone (the machine is shutting down).
            Err(_) => Hot::Now(None),
        }
    }

    /// The next finished translation of the current generation, if any.
    pub(crate) fn next_done(&mut self) -> Option<Done> {
        let link = self.link.as_ref()?;
        loop {
            let done = link.results.try_recv().ok()?;
            if done.generation == self.generation {
                return Some(done);
            }
        }
    }

    /// Starts a new code generation: the hart has dropped every native
    /// block (of this generation and the results still in flight).
    pub(crate) fn new_generation(&mut self) {
        self.generation += 1;
        if let Some(link) = &self.link {
            // If the compile thread is gone, its share of the translator
            // is too, and the code goes with the hart's.
            let _ = link.requests.send(Request::Reset { hart: link.hart });
        }
    }
}

/// The compile thread: translates hot blocks for every hart of a machine.
/// Dropping it stops the thread (the harts keep their translators, and so
/// their code, for as long as they live).
pub struct CompileWorker {
    stop: Sender<Request>,
    thread: Option<JoinHandle<()>>,
}

impl CompileWorker {
    /// Starts the thread for harts `0..translators.len()` (whose event
    /// words are `events`); returns it and each hart's [`Tier`].
    pub fn spawn(
        translators: Vec<Box<dyn Translator>>,
        events: Arc<[HartEvents]>,
        threshold: u32,
    ) -> std::io::Result<(CompileWorker, Vec<Tier>)> {
        let (requests, inbox) = mpsc::channel();
        let mut tiers = Vec::with_capacity(translators.len());
        let mut served = Vec::with_capacity(translators.len());
        for (hart, t) in translators.into_iter().enumerate() {
            let (reply, results) = mpsc::channel();
            let mut tier = Tier::inline(t, threshold);
            tier.link = Some(Link {
                hart,
                requests: requests.clone(),
                results,
            });
            served.push((tier.translator.clone(), reply));
            tiers.push(tier);
        }
        let thread = std::thread::Builder::new()
            .name("heron-jit".into())
            .spawn(move || serve(inbox, served, events))?;
        Ok((
            CompileWorker {
                stop: requests,
                thread: Some(thread),
            },
            tiers,
        ))
    }
}

impl Drop for CompileWorker {
    fn drop(&mut self) {
        let _ = self.stop.send(Request::Stop);
        if let Some(thread) = self.thread.take() {
            // It finishes at most the translation in hand.
            let _ = thread.join();
        }
    }
}

/// The compile thread's loop.
fn serve(inbox: Receiver<Request>, harts: Vec<(Shared, Sender<Done>)>, events: Arc<[HartEvents]>) {
    while let Ok(request) = inbox.recv() {
        match request {
            Request::Translate {
                hart,
                generation,
                unit,
            } => {
                let Some((translator, reply)) = harts.get(hart) else {
                    continue;
                };
                let (native, full) = {
                    let mut t = lock(translator);
                    let native = t.translate(&unit);
                    (native, t.take_reset())
                };
                let done = Done {
                    generation,
                    unit,
                    native,
                    full,
                };
                if reply.send(done).is_ok() {
                    if let Some(e) = events.get(hart) {
                        e.post(bits::TRANSLATED);
                    }
                }
            }
            Request::Reset { hart } => {
                if let Some((translator, _)) = harts.get(hart) {
                    lock(translator).reset();
                }
            }
            Request::Stop => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    /// Declines everything; says it is full after `full_after` blocks;
    /// counts what it was asked.
    struct Fake {
        calls: Arc<AtomicU64>,
        resets: Arc<AtomicU64>,
        full_after: u64,
    }

    impl Translator for Fake {
        fn stats(&self) -> TierStats {
            TierStats::default()
        }
        fn entry(&self) -> NativeEntry {
            never_called
        }
        fn translate(&mut self, _unit: &Unit) -> Option<NativeBlock> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            None
        }
        fn take_reset(&mut self) -> bool {
            self.calls.load(Ordering::SeqCst) >= self.full_after
        }
        fn reset(&mut self) {
            self.resets.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The fake makes no code, so nothing calls its entry.
    unsafe extern "C" fn never_called(
        _: *mut crate::hart::Hart,
        _: *const heron_mmu::Bus,
        _: *const u8,
    ) -> u32 {
        unreachable!("no code was made")
    }

    fn wait_translated(events: &HartEvents) {
        while events.take(bits::TRANSLATED) == 0 {
            events.wait_for(bits::TRANSLATED, Duration::from_millis(100));
        }
    }

    #[test]
    fn results_come_back_posted_and_a_new_generation_drops_stale_ones() {
        let (calls, resets) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let fake = Fake {
            calls: calls.clone(),
            resets: resets.clone(),
            full_after: 2,
        };
        let events = HartEvents::for_harts(1);
        let (worker, mut tiers) =
            CompileWorker::spawn(vec![Box::new(fake)], events.clone(), 5).expect("thread");
        let tier = &mut tiers[0];
        assert_eq!(tier.threshold(), 5);
        let ops: Arc<[crate::decode::Op]> = vec![crate::decode::decode(0x13)].into();
        let hart = crate::hart::Hart::new(0, 0);
        let unit = Unit::single(&hart, 0x8000_0004, ops.clone());
        let hot = tier.hot(&unit, || panic!("not full yet"));
        assert!(matches!(hot, Hot::Requested));
        wait_translated(&events[0]);
        let done = tier.next_done().expect("a result");
        assert_eq!(
            (done.unit.page, done.unit.blocks[0].offset),
            (0x8000_0000, 4)
        );
        assert!(Arc::ptr_eq(&done.unit.blocks[0].ops, &ops));
        assert!(done.native.is_none() && !done.full);
        assert!(tier.next_done().is_none());

        // The second fills the translator; a result of the generation
        // before a reset is never handed out.
        tier.hot(&Unit::single(&hart, 0x8000_1000, ops), || {});
        wait_translated(&events[0]);
        tier.new_generation();
        assert!(tier.next_done().is_none(), "stale result handed out");
        drop(worker);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(
            resets.load(Ordering::SeqCst),
            1,
            "the reset reached the thread"
        );
    }

    #[test]
    fn an_inline_tier_resets_before_translating_when_full() {
        let (calls, resets) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let fake = Fake {
            calls: calls.clone(),
            resets: resets.clone(),
            full_after: 1,
        };
        let mut tier = Tier::inline(Box::new(fake), 0);
        assert_eq!(tier.threshold(), 1, "a threshold of 0 means 1");
        let hart = crate::hart::Hart::new(0, 0);
        let unit = Unit::single(&hart, 0, vec![crate::decode::decode(0x13)].into());
        let mut dropped = 0;
        assert!(matches!(tier.hot(&unit, || dropped += 1), Hot::Now(None)));
        assert!(matches!(tier.hot(&unit, || dropped += 1), Hot::Now(None)));
        assert_eq!((dropped, resets.load(Ordering::SeqCst)), (1, 1));
    }
}
