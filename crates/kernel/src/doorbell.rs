//! The doorbell a parked core sleeps on.
//!
//! A core parks in `mio::Poll::poll`; the doorbell is a `mio::Waker`
//! (an eventfd on Linux) registered in that poll. Protocol (a Dekker pair):
//!
//! - the sleeper stores `sleeping = true`, issues a SeqCst fence, checks its
//!   inbound queues once more, and only then polls;
//! - a sender publishes its message, issues a SeqCst fence, and rings the
//!   waker only if it sees `sleeping`.
//!
//! Either the sleeper sees the message in its last check or the sender sees
//! the flag: a message never waits for a sleeper that missed it. A core that
//! is awake costs its senders one fence and one load, no syscall.

use std::sync::atomic::{AtomicBool, Ordering, fence};

use crossbeam_utils::CachePadded;

/// The token of the doorbell in every core's poller.
pub(crate) const DOORBELL: mio::Token = mio::Token(usize::MAX);

/// A core's doorbell.
pub(crate) struct Doorbell {
    sleeping: CachePadded<AtomicBool>,
    waker: mio::Waker,
}

impl Doorbell {
    /// A doorbell registered in `registry`.
    pub(crate) fn new(registry: &mio::Registry) -> std::io::Result<Doorbell> {
        Ok(Doorbell {
            sleeping: CachePadded::new(AtomicBool::new(false)),
            waker: mio::Waker::new(registry, DOORBELL)?,
        })
    }

    /// Called by a sender after publishing a message.
    pub(crate) fn ring(&self) {
        fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::Relaxed) {
            // An eventfd write cannot fail short of the counter overflowing,
            // which needs 2^64 rings without a read; ignoring is sound.
            let _ = self.waker.wake();
        }
    }

    /// Called by the owning core before its last check and its sleep.
    pub(crate) fn announce_sleep(&self) {
        self.sleeping.store(true, Ordering::Relaxed);
        fence(Ordering::SeqCst);
    }

    /// Called by the owning core when it stops sleeping (or decides not to).
    pub(crate) fn awake(&self) {
        self.sleeping.store(false, Ordering::Relaxed);
    }
}
