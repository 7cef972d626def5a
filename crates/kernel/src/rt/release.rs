//! A core's real-time dispatcher: the queue of released jobs (by fixed
//! priority or by absolute deadline) and the releases themselves, one
//! `enso_sched::IntervalTimers` entry per periodic task (releases come out
//! in nominal time order, none skipped however late the core looks). The
//! earliest next release is cached, so a turn with nothing due costs one
//! compare.

use enso_sched::{EdfQueue, IntervalId, IntervalTimers, ReadyQueue};

use super::Dispatch;
use super::slot::{RtHandle, RtSlot};

/// The real-time side of a core (preallocated at boot for every slot).
pub(crate) struct RtCore {
    pub dispatch: Dispatch,
    fp: ReadyQueue<u32>,
    edf: EdfQueue<u32>,
    /// One release timer per periodic task, valued by its slot.
    pub timers: IntervalTimers<u32>,
    /// Sporadic tasks with a deferred release (capacity: the task table).
    pub deferred: Vec<u32>,
    /// The earliest next release, `u64::MAX` when none.
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
            timers: IntervalTimers::with_capacity(n).map_err(|e| e.to_string())?,
            deferred: Vec::with_capacity(n),
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

    /// Adds slot `s`, released at `at`, then every `period`. Within
    /// capacity: one timer per table slot at most.
    pub(crate) fn add(&mut self, s: u32, at: u64, period: u64) -> Option<IntervalId> {
        let id = self.timers.add(period, at, s).ok()?;
        self.next_release = self.next_release.min(at);
        Some(id)
    }

    /// Removes a release timer (its task ended).
    pub(crate) fn forget(&mut self, id: IntervalId) {
        // `next_release` may now be early: the next release phase
        // recomputes it.
        let _ = self.timers.remove(id);
    }
}
