//! Requests to power off or reset the machine, from guest-visible devices
//! (the sifive_test/syscon register) or the SBI firmware (SRST).

use std::sync::{Arc, Mutex};

/// What the guest asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerEvent {
    /// Power off; the exit code heron should return (0 = clean poweroff).
    Shutdown(u32),
    /// Reset the machine.
    Reboot,
}

/// A shared mailbox the machine loop polls after the hart returns.
#[derive(Clone, Debug, Default)]
pub struct PowerControl(Arc<Mutex<Option<PowerEvent>>>);

impl PowerControl {
    /// An empty mailbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Posts `event` (the first one posted wins until taken).
    pub fn request(&self, event: PowerEvent) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(event);
    }

    /// Whether a request is pending (it stays so).
    pub fn pending(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// Takes the pending request, if any.
    pub fn take(&self) -> Option<PowerEvent> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}
