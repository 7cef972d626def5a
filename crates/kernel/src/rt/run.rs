//! The core's real-time steps: placing a periodic task, releasing its jobs
//! each turn, polling a job (timed with the TSC) and applying the overrun
//! policy. None of them allocates: every structure was sized at boot or
//! built at spawn.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::slot::RtSlot;
use super::{Arrival, JobPoll, OverrunPolicy};
use crate::context::Context;
use crate::core::Core;
use crate::error::JoinError;
use crate::{tsc, waker};

/// Overruns reported on stderr per task under [`OverrunPolicy::Log`].
const LOGGED_OVERRUNS: u64 = 4;

impl Core {
    /// Starts the real-time life of slot `s`: first release after the phase.
    pub(crate) fn place_rt(&mut self, s: u32, mut rt: Box<RtSlot>) {
        let at = self.shared.now().saturating_add(rt.params.phase_ns);
        rt.dispatch = self.rt.dispatch;
        if rt.params.arrival == Arrival::Periodic {
            rt.timer = self.rt.add(s, at, rt.params.period_ns);
        }
        let slot = &mut self.table.slots[s as usize];
        slot.name = Some(rt.name);
        slot.rt = Some(rt);
    }

    /// Releases every job due by the turn's clock; returns how many.
    pub(crate) fn release_phase(&mut self) -> usize {
        let now = self.sv.now;
        if now < self.rt.next_release {
            return 0;
        }
        let mut n = 0;
        while let Some((s, at)) = self.rt.timers.poll(now).map(|r| (*r.value, r.at)) {
            n += 1;
            let Some(rt) = self.table.slots[s as usize].rt.as_mut() else {
                continue;
            };
            if rt.release(at) {
                self.queue_job(s);
            }
        }
        n += self.release_deferred(now);
        self.rt.next_release = self
            .rt
            .next_release
            .min(self.rt.timers.next_release().unwrap_or(u64::MAX));
        n
    }

    /// Releases the deferred sporadic arrivals due by `now`; recomputes
    /// `next_release` from those still waiting.
    fn release_deferred(&mut self, now: u64) -> usize {
        let mut n = 0;
        let mut next = u64::MAX;
        let mut i = 0;
        while i < self.rt.deferred.len() {
            let s = self.rt.deferred[i];
            let Some(rt) = self.table.slots[s as usize].rt.as_mut() else {
                self.rt.deferred.swap_remove(i);
                continue;
            };
            match rt.deferred {
                Some(at) if at <= now => {
                    rt.deferred = None;
                    rt.last_arrival = Some(at);
                    self.rt.deferred.swap_remove(i);
                    n += 1;
                    if rt.release(at) {
                        self.queue_job(s);
                    }
                }
                Some(at) => {
                    next = next.min(at);
                    i += 1;
                }
                None => {
                    self.rt.deferred.swap_remove(i);
                }
            }
        }
        self.rt.next_release = next;
        n
    }

    /// A wake of real-time slot `s`: a sporadic task's arrival (now, or
    /// deferred to one T after the previous one); nothing for a periodic one.
    pub(crate) fn arrive(&mut self, s: u32) {
        let now = self.sv.now.max(self.shared.now());
        let Some(rt) = self.table.slots[s as usize].rt.as_mut() else {
            return;
        };
        if rt.params.arrival != Arrival::Sporadic || rt.deferred.is_some() {
            return;
        }
        let earliest = rt
            .last_arrival
            .map_or(0, |a| a.saturating_add(rt.params.period_ns));
        if now >= earliest {
            rt.last_arrival = Some(now);
            if rt.release(now) {
                self.queue_job(s);
            }
        } else {
            rt.deferred = Some(earliest);
            // Within capacity: one entry per table slot at most.
            self.rt.deferred.push(s);
            self.rt.next_release = self.rt.next_release.min(earliest);
        }
    }

    /// Queues the current job of slot `s`: on the real-time queue, or on
    /// the background queue once demoted.
    pub(crate) fn queue_job(&mut self, s: u32) {
        let slot = &mut self.table.slots[s as usize];
        let Some(rt) = slot.rt.as_mut() else { return };
        if rt.job.is_none() {
            return;
        }
        if rt.demoted {
            if !slot.queued {
                slot.queued = true;
                slot.ready_handle = self.ready.push(rt.params.priority, s).ok();
            }
        } else if rt.handle.is_none() {
            self.rt.push(s, rt);
        }
    }

    /// Runs one poll of slot `s`'s current job.
    pub(crate) fn poll_rt(&mut self, s: u32) {
        let Core { table, sv, rt, .. } = self;
        let id = table.id(s);
        let slot = &mut table.slots[s as usize];
        slot.queued = false;
        slot.ready_handle = None;
        let Some(state) = slot.rt.as_mut() else {
            return;
        };
        state.handle = None;
        let Some(job) = state.job.map(|j| j.job) else {
            return;
        };
        let Some(mut task) = slot.task.take() else {
            return;
        };
        let waker = waker::waker(id);
        let t0 = tsc::now();
        let res = {
            let mut cx = Context {
                sv,
                id,
                waker: &waker,
                caps: &mut slot.caps,
                mail: &mut slot.mail,
                yielded: false,
            };
            catch_unwind(AssertUnwindSafe(|| task.run_job(&mut cx, &job)))
        };
        let t1 = tsc::now();
        let dt = tsc::ticks_to_ns(t1.wrapping_sub(t0));
        slot.polls += 1;
        slot.total_ns += dt;
        slot.longest_ns = slot.longest_ns.max(dt);
        sv.counters.polls += 1;
        let overran = state.on_poll(dt);
        let policy = state.params.overrun;
        if overran && policy == OverrunPolicy::SkipNext {
            // Before a completion starts a backlogged job: the skip takes
            // the job after this one, never a later one.
            state.skip_one();
        }
        let now = sv.now + tsc::ticks_to_ns(t1.wrapping_sub(rt.turn_tsc));
        match res {
            Ok(JobPoll::Pending) => {
                slot.task = Some(task);
                self.queue_job(s);
            }
            Ok(JobPoll::Done) => {
                slot.task = Some(task);
                if state.complete(now) {
                    self.queue_job(s);
                }
            }
            Ok(JobPoll::Finished) => {
                self.finish(s, task);
                return;
            }
            Err(payload) => {
                self.task_panicked(s, task, &*payload);
                return;
            }
        }
        if overran {
            self.overrun(s, policy);
        }
    }

    /// Applies `policy` to slot `s`, whose current job just exceeded C.
    fn overrun(&mut self, s: u32, policy: OverrunPolicy) {
        let id = self.table.id(s);
        let slot = &mut self.table.slots[s as usize];
        let Some(rt) = slot.rt.as_mut() else { return };
        match policy {
            OverrunPolicy::Log => {
                if rt.overruns <= LOGGED_OVERRUNS {
                    eprintln!(
                        "enso: {id} on {}: job {} overran its budget of {} ns (overrun {})",
                        self.idx,
                        rt.seq.saturating_sub(1),
                        rt.params.wcet_ns,
                        rt.overruns
                    );
                }
            }
            // Applied in `poll_rt`, before the job's completion.
            OverrunPolicy::SkipNext => {}
            OverrunPolicy::Demote => {
                if rt.demoted {
                    return;
                }
                rt.demoted = true;
                let key = rt.key;
                let queued = rt.handle.take();
                if let Some(h) = queued {
                    self.rt.remove(h);
                }
                super::withdraw(&self.shared, self.idx, key);
                if queued.is_some() {
                    self.queue_job(s);
                }
            }
            OverrunPolicy::Stop => {
                if let Some(mut t) = slot.task.take() {
                    t.fail(JoinError::Overrun);
                    self.finish(s, t);
                }
            }
        }
    }

    /// The real-time side of ending slot `s`: out of the queue, the
    /// release list and the admitted set.
    pub(crate) fn finish_rt(&mut self, s: u32) {
        let Some(rt) = self.table.slots[s as usize].rt.take() else {
            return;
        };
        if let Some(h) = rt.handle {
            self.rt.remove(h);
        }
        if let Some(id) = rt.timer {
            self.rt.forget(id);
        }
        if let Some(i) = self.rt.deferred.iter().position(|&x| x == s) {
            self.rt.deferred.swap_remove(i);
        }
        if !rt.demoted {
            super::withdraw(&self.shared, self.idx, rt.key);
        }
        // The state (histogram) is dropped here, off the hot path: a task's end.
        drop(rt);
    }
}
