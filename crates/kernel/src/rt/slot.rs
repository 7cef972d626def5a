//! A real-time task's per-slot state: its job, its release schedule and
//! its statistics. Built (histogram included) when the task is spawned, so
//! the core's release, poll and record steps allocate nothing.

use hdrhistogram::Histogram;

use super::{Dispatch, Job, RtInfo, RtParams};

/// Longest response time the histogram resolves (longer ones are recorded
/// as this), ns.
const HIST_MAX_NS: u64 = 10_000_000_000;

/// The job in progress.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobState {
    pub job: Job,
    /// Execution so far (sum of its polls), ns.
    pub exec_ns: u64,
    /// Whether this job has already been counted as an overrun.
    pub overrun: bool,
}

/// Where a queued job sits.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RtHandle {
    Fp(enso_sched::ReadyHandle),
    Edf(enso_sched::EdfHandle),
}

/// A real-time task's state on its core.
pub(crate) struct RtSlot {
    pub params: RtParams,
    pub dispatch: Dispatch,
    /// Its key in the core's admitted set.
    pub key: u64,
    /// Its listed name (an interned name id).
    pub name: u32,
    /// Its release timer on the core (set when placed; periodic only).
    pub timer: Option<enso_sched::IntervalId>,
    /// Sporadic only: the latest arrival, and a deferred one.
    pub last_arrival: Option<u64>,
    pub deferred: Option<u64>,
    /// Nominal release of the latest release.
    pub last_release: u64,
    pub job: Option<JobState>,
    /// Next job number.
    pub seq: u64,
    /// Released jobs waiting behind the current one.
    pub backlog: u32,
    /// Queued on the core's real-time queue.
    pub handle: Option<RtHandle>,
    /// Releases still to drop (one per overrun under `SkipNext`).
    pub skip_next: u32,
    pub demoted: bool,
    pub released: u64,
    pub completed: u64,
    pub skipped: u64,
    pub misses: u64,
    pub overruns: u64,
    pub wcet_poll_ns: u64,
    pub wcet_job_ns: u64,
    pub response: Histogram<u64>,
}

impl RtSlot {
    /// Fresh state for a task admitted under `key`.
    pub(crate) fn new(
        params: RtParams,
        dispatch: Dispatch,
        key: u64,
        name: u32,
    ) -> Option<Box<RtSlot>> {
        let response = Histogram::new_with_bounds(1, HIST_MAX_NS, 2).ok()?;
        Some(Box::new(RtSlot {
            params,
            dispatch,
            key,
            name,
            timer: None,
            last_arrival: None,
            deferred: None,
            last_release: 0,
            job: None,
            seq: 0,
            backlog: 0,
            handle: None,
            skip_next: 0,
            demoted: false,
            released: 0,
            completed: 0,
            skipped: 0,
            misses: 0,
            overruns: 0,
            wcet_poll_ns: 0,
            wcet_job_ns: 0,
            response,
        }))
    }

    /// Starts a job released at `release` (nominal).
    pub(crate) fn start_job(&mut self, release: u64) {
        self.job = Some(JobState {
            job: Job {
                seq: self.seq,
                release_ns: release,
                deadline_ns: release.saturating_add(self.params.deadline_ns),
                polls: 0,
            },
            exec_ns: 0,
            overrun: false,
        });
        self.seq += 1;
    }

    /// A release at `at`: starts a job, or queues it behind the current
    /// one, or drops it (skip). Returns whether a job was started.
    pub(crate) fn release(&mut self, at: u64) -> bool {
        if self.skip_next > 0 {
            self.skip_next -= 1;
            self.skipped += 1;
            return false;
        }
        self.released += 1;
        self.last_release = at;
        if self.job.is_some() {
            self.backlog = self.backlog.saturating_add(1);
            return false;
        }
        self.start_job(at);
        true
    }

    /// Skips the next job: a backlogged one at once, else the next release.
    pub(crate) fn skip_one(&mut self) {
        if self.backlog > 0 {
            // A release already waiting becomes a skipped one.
            self.backlog -= 1;
            self.released = self.released.saturating_sub(1);
            self.skipped += 1;
        } else {
            self.skip_next = self.skip_next.saturating_add(1);
        }
    }

    /// Accounts one poll of `ns`; returns true if the job just overran C.
    pub(crate) fn on_poll(&mut self, ns: u64) -> bool {
        self.wcet_poll_ns = self.wcet_poll_ns.max(ns);
        let Some(j) = self.job.as_mut() else {
            return false;
        };
        j.exec_ns = j.exec_ns.saturating_add(ns);
        j.job.polls = j.job.polls.saturating_add(1);
        if !j.overrun && j.exec_ns > self.params.wcet_ns {
            j.overrun = true;
            self.overruns += 1;
            return true;
        }
        false
    }

    /// The current job completed at `now`; starts the next backlogged one.
    /// Returns whether a job was started.
    pub(crate) fn complete(&mut self, now: u64) -> bool {
        let Some(j) = self.job.take() else {
            return false;
        };
        self.completed += 1;
        self.wcet_job_ns = self.wcet_job_ns.max(j.exec_ns);
        let response = now.saturating_sub(j.job.release_ns);
        // Saturating: never resizes, never allocates.
        self.response.saturating_record(response.max(1));
        if now > j.job.deadline_ns {
            self.misses += 1;
        }
        if self.backlog == 0 {
            return false;
        }
        // The oldest waiting release.
        let behind = u64::from(self.backlog - 1).saturating_mul(self.params.period_ns);
        self.backlog -= 1;
        self.start_job(self.last_release.saturating_sub(behind));
        true
    }

    /// Plain-data statistics.
    pub(crate) fn info(&self) -> RtInfo {
        let q = |x: f64| {
            if self.response.is_empty() {
                0
            } else {
                self.response.value_at_quantile(x)
            }
        };
        RtInfo {
            params: self.params,
            dispatch: self.dispatch,
            released: self.released,
            completed: self.completed,
            skipped: self.skipped,
            backlog: self.backlog,
            deadline_misses: self.misses,
            overruns: self.overruns,
            wcet_poll_ns: self.wcet_poll_ns,
            wcet_job_ns: self.wcet_job_ns,
            response_p50_ns: q(0.5),
            response_p99_ns: q(0.99),
            response_p999_ns: q(0.999),
            response_max_ns: if self.response.is_empty() {
                0
            } else {
                self.response.max()
            },
            demoted: self.demoted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::OverrunPolicy;

    const MS: u64 = 1_000_000;

    /// One overrunning job under `SkipNext`, as `poll_rt` runs it.
    fn overrun_job(rt: &mut RtSlot, now: u64) {
        if rt.on_poll(3 * MS) {
            rt.skip_one();
        }
        rt.complete(now);
    }

    #[test]
    fn skip_next_drops_one_job_per_overrun_even_with_a_backlog() {
        let p = RtParams::new(MS, 20 * MS).on_overrun(OverrunPolicy::SkipNext);
        let mut rt = RtSlot::new(p, Dispatch::Edf, 1, 0).unwrap();
        // A starved core: four releases at once, one job and a backlog of 3.
        assert!(rt.release(0));
        for k in 1..4 {
            assert!(!rt.release(k * 20 * MS));
        }
        assert_eq!(rt.backlog, 3);
        let mut now = 80 * MS;
        for _ in 0..6 {
            if rt.job.is_none() && !rt.release(now) {
                now += 20 * MS;
                continue;
            }
            overrun_job(&mut rt, now);
            assert_eq!(rt.skipped + u64::from(rt.skip_next), rt.overruns);
            assert!(rt.skip_next <= 1, "skips pile up: {}", rt.skip_next);
            now += 20 * MS;
        }
        assert!(rt.overruns >= 3);
        // Every release kept started a job or waits in the backlog.
        assert_eq!(rt.released, rt.seq + u64::from(rt.backlog));
    }

    #[test]
    fn completion_records_response_and_misses() {
        let mut rt = RtSlot::new(
            RtParams::new(MS, 10 * MS).deadline(5 * MS),
            Dispatch::Edf,
            1,
            0,
        )
        .unwrap();
        assert!(rt.release(100));
        rt.on_poll(MS / 2);
        rt.complete(100 + 2 * MS);
        assert!(rt.release(100 + 10 * MS));
        rt.on_poll(MS / 2);
        rt.complete(100 + 10 * MS + 6 * MS);
        let i = rt.info();
        assert_eq!((i.completed, i.deadline_misses, i.overruns), (2, 1, 0));
        assert!(i.response_max_ns >= 6 * MS && i.response_p50_ns >= 2 * MS - 2 * MS / 100);
    }
}
