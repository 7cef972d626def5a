//! A core's real-time dispatcher: the queue of released jobs (by fixed
//! priority or by absolute deadline) and the list of real-time slots with
//! the earliest next release, so a turn with nothing due costs one compare.

use enso_sched::{EdfQueue, ReadyQueue};

use super::Dispatch;
use super::slot::{RtHandle, RtSlot};

/// The real-time side of a core (preallocated at boot for every slot).
pub(crate) struct RtCore {
    pub dispatch: Dispatch,
    fp: ReadyQueue<u32>,
    edf: EdfQueue<u32>,
    /// Slots holding real-time tasks (capacity: the task table).
    pub slots: Vec<u32>,
    /// The earliest next release among them, `u64::MAX` when none.
    pub next_release: u64,
    /// The poll clock at the start of the turn (when `sv.now` was read).
    pub turn_tsc: u64,
}

impl RtCore {
    /// Queues and a slot list for a table of `n` slots.
    pub(crate) fn new(dispatch: Dispatch, n: usize) -> Result<RtCore, String> {
        Ok(RtCore {
            dispatch,
            fp: ReadyQueue::with_capacity(n).map_err(|e| e.to_string())?,
            edf: EdfQueue::with_capacity(n).map_err(|e| e.to_string())?,
            slots: Vec::with_capacity(n),
            next_release: u64::MAX,
            turn_tsc: 0,
        })
    }

    /// Queues the current job of slot `s` (at most one entry per slot:
    /// callers check `rt.handle`; the queues hold one entry per slot).
    pub(crate) fn push(&mut self, s: u32, rt: &mut RtSlot) {
        let Some(j) = rt.job else { return };
        rt.handle = match self.dispatch {
            Dispatch::FixedPriority => self.fp.push(rt.params.priority, s).ok().map(RtHandle::Fp),
            Dispatch::Edf => self.edf.push(j.job.deadline_ns, s).ok().map(RtHandle::Edf),
        };
    }

    /// The next job's slot: highest priority, or earliest deadline.
    pub(crate) fn pop(&mut self) -> Option<u32> {
        match self.dispatch {
            Dispatch::FixedPriority => self.fp.pop().map(|(_, s)| s),
            Dispatch::Edf => self.edf.pop().map(|(_, s)| s),
        }
    }

    /// Takes a queued job out (its task ended or was demoted).
    pub(crate) fn remove(&mut self, h: RtHandle) {
        match h {
            RtHandle::Fp(h) => {
                let _ = self.fp.remove(h);
            }
            RtHandle::Edf(h) => {
                let _ = self.edf.remove(h);
            }
        }
    }

    /// Whether a job is queued.
    pub(crate) fn has_jobs(&self) -> bool {
        !self.fp.is_empty() || !self.edf.is_empty()
    }

    /// Adds slot `s`, first released at `at`.
    pub(crate) fn add(&mut self, s: u32, at: u64) {
        if !self.slots.contains(&s) {
            // Within capacity: one entry per table slot.
            self.slots.push(s);
        }
        self.next_release = self.next_release.min(at);
    }

    /// Forgets slot `s` (its task ended).
    pub(crate) fn forget(&mut self, s: u32) {
        if let Some(i) = self.slots.iter().position(|&x| x == s) {
            self.slots.swap_remove(i);
        }
    }
}
