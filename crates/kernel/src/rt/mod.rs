//! Real-time tasks: periodic and sporadic jobs with admission control.
//!
//! A [`PeriodicTask`] is spawned with [`RtParams`] (C, T, D, phase, FP
//! priority, longest poll, overrun policy) by
//! [`KernelHandle::spawn_periodic`](crate::KernelHandle::spawn_periodic).
//! The spawn runs the core's admission test first (`admit`): the core's
//! admitted set plus the new task must pass enso-sched's limited-preemptive
//! analysis for the core's [`Dispatch`] policy, or the spawn is refused
//! ([`RtSpawnError::Unschedulable`] names the failing task and by how much)
//! and nothing is applied.
//!
//! On its core (`release` and `run`): jobs are released every T from the
//! spawn plus the phase, dispatched ahead of every background task by fixed
//! priority or by earliest absolute deadline, and the task is polled
//! (`run_job`) until it answers [`JobPoll::Done`] for the job. Every poll is
//! timed with the TSC (`tsc`); per task the core keeps the longest poll and
//! job, a response-time histogram (preallocated at spawn), deadline misses
//! and overruns, listed in [`TaskInfo::rt`](crate::TaskInfo::rt) as
//! [`RtInfo`]. A job whose execution exceeds C is an overrun, handled by
//! the task's [`OverrunPolicy`].

pub(crate) mod admit;
mod release;
mod run;
mod slot;
mod spawn;

pub(crate) use admit::qos as qos_checked;
pub(crate) use admit::{Admitted, admit, withdraw};
pub(crate) use release::RtCore;
pub(crate) use slot::RtSlot;
pub(crate) use spawn::rt_boxed;

use std::fmt;

use crate::context::Context;

/// Largest period, deadline, phase or budget accepted (one hour, in ns):
/// release arithmetic then never overflows.
pub const MAX_RT_NS: u64 = 3_600_000_000_000;

/// How a core orders the jobs of its real-time tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Dispatch {
    /// Fixed priority ([`RtParams::priority`], higher first, FIFO within a
    /// level); admitted by response-time analysis with explicit priorities.
    #[default]
    FixedPriority,
    /// Earliest absolute deadline first; admitted by processor demand (QPA).
    Edf,
}

/// What the core does when a job runs longer than its budget C.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OverrunPolicy {
    /// Report it on stderr (the first few times) and go on.
    #[default]
    Log,
    /// Drop the next job, one per overrun: a release already waiting
    /// behind the overrunning job, else the next release.
    SkipNext,
    /// Move the task to the background: its jobs queue behind every
    /// real-time job at its background priority, and it leaves the
    /// admitted set (its capacity is freed).
    Demote,
    /// End the task: its joiner gets [`JoinError::Overrun`](crate::JoinError::Overrun).
    Stop,
}

/// The real-time parameters of a task, in integer nanoseconds.
///
/// ```
/// use enso::{OverrunPolicy, RtParams};
/// let p = RtParams::new(200_000, 10_000_000)
///     .deadline(5_000_000)
///     .priority(200)
///     .on_overrun(OverrunPolicy::SkipNext);
/// assert_eq!((p.wcet_ns, p.period_ns, p.deadline_ns, p.poll_ns), (200_000, 10_000_000, 5_000_000, 200_000));
/// assert!(p.check().is_ok());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtParams {
    /// C: the budget of one job.
    pub wcet_ns: u64,
    /// T: the period (minimum inter-arrival time).
    pub period_ns: u64,
    /// D: the relative deadline, from each job's nominal release.
    pub deadline_ns: u64,
    /// The first release, after the spawn is handled by the core.
    pub phase_ns: u64,
    /// The fixed priority under [`Dispatch::FixedPriority`] (higher first);
    /// the background priority once demoted.
    pub priority: u8,
    /// The longest single poll, `1..=C` (what the task blocks others for).
    pub poll_ns: u64,
    /// What an overrun does.
    pub overrun: OverrunPolicy,
    /// Periodic (released by the clock) or sporadic (released by wakes).
    pub arrival: Arrival,
}

/// How a real-time task's jobs arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Arrival {
    /// Released every T from the spawn plus the phase.
    #[default]
    Periodic,
    /// Released by a wake (its waker, a timer, an I/O event, mail, or
    /// [`KernelHandle::wake`](crate::KernelHandle::wake)), at most once per
    /// T: a wake sooner than T after the previous arrival is deferred to
    /// that instant, and wakes in between are merged into it. The phase is
    /// ignored.
    Sporadic,
}

impl RtParams {
    /// C and T; D = T, no phase, priority 128, one poll of length C, overruns logged.
    pub fn new(wcet_ns: u64, period_ns: u64) -> RtParams {
        RtParams {
            wcet_ns,
            period_ns,
            deadline_ns: period_ns,
            phase_ns: 0,
            priority: 128,
            poll_ns: wcet_ns,
            overrun: OverrunPolicy::Log,
            arrival: Arrival::Periodic,
        }
    }
    /// Makes the task sporadic: T is the minimum inter-arrival time.
    pub fn sporadic(mut self) -> RtParams {
        self.arrival = Arrival::Sporadic;
        self
    }
    /// Sets D.
    pub fn deadline(mut self, ns: u64) -> RtParams {
        self.deadline_ns = ns;
        self
    }
    /// Sets the phase (first release).
    pub fn phase(mut self, ns: u64) -> RtParams {
        self.phase_ns = ns;
        self
    }
    /// Sets the fixed priority.
    pub fn priority(mut self, p: u8) -> RtParams {
        self.priority = p;
        self
    }
    /// Sets the longest poll.
    pub fn poll(mut self, ns: u64) -> RtParams {
        self.poll_ns = ns;
        self
    }
    /// Sets the overrun policy.
    pub fn on_overrun(mut self, policy: OverrunPolicy) -> RtParams {
        self.overrun = policy;
        self
    }

    /// Checks every field; the error names the field.
    pub fn check(&self) -> Result<(), RtSpawnError> {
        let bad = |field: &'static str, reason: &'static str| {
            Err(RtSpawnError::Invalid { field, reason })
        };
        for (field, v) in [
            ("wcet_ns", self.wcet_ns),
            ("period_ns", self.period_ns),
            ("deadline_ns", self.deadline_ns),
        ] {
            if v == 0 {
                return bad(field, "must be at least 1");
            }
        }
        for (field, v) in [
            ("wcet_ns", self.wcet_ns),
            ("period_ns", self.period_ns),
            ("deadline_ns", self.deadline_ns),
            ("phase_ns", self.phase_ns),
        ] {
            if v > MAX_RT_NS {
                return bad(field, "must be at most one hour");
            }
        }
        if self.poll_ns == 0 || self.poll_ns > self.wcet_ns {
            return bad("poll_ns", "must be in 1..=wcet_ns");
        }
        Ok(())
    }

    /// The analysis model of these parameters (ticks are nanoseconds).
    pub(crate) fn model(&self) -> enso_sched::Task {
        enso_sched::Task::new(self.wcet_ns, self.period_ns)
            .with_deadline(self.deadline_ns)
            .with_priority(u32::from(self.priority))
            .with_poll(self.poll_ns)
    }
}

/// The job being run, as [`PeriodicTask::run_job`] sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// Job number, from 0 (skipped releases are not numbered).
    pub seq: u64,
    /// Nominal release, ns since boot.
    pub release_ns: u64,
    /// Absolute deadline, ns since boot.
    pub deadline_ns: u64,
    /// Polls of this job before this one.
    pub polls: u32,
}

/// What one poll of a job achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobPoll {
    /// The job is complete; the task waits for the next release.
    Done,
    /// The job has more to do: poll again (after other ready work).
    Pending,
    /// The task is over: it ends, its joiner gets `Ok(())`.
    Finished,
}

/// A periodic or sporadic real-time task: one call of `run_job` per poll,
/// polled until each released job is [`JobPoll::Done`].
///
/// ```
/// use enso::{Context, Job, JobPoll, PeriodicTask};
///
/// /// Counts its jobs; ends after `n`.
/// struct Tick { n: u64 }
///
/// impl PeriodicTask for Tick {
///     fn run_job(&mut self, _cx: &mut Context<'_>, job: &Job) -> JobPoll {
///         if job.seq + 1 == self.n { JobPoll::Finished } else { JobPoll::Done }
///     }
/// }
/// ```
pub trait PeriodicTask: Send + 'static {
    /// Makes progress on `job` without blocking.
    fn run_job(&mut self, cx: &mut Context<'_>, job: &Job) -> JobPoll;
}

/// A real-time task's statistics, as listed by the kernel handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtInfo {
    /// Its parameters.
    pub params: RtParams,
    /// The dispatch policy of its core.
    pub dispatch: Dispatch,
    /// Releases (not counting skipped ones).
    pub released: u64,
    /// Jobs completed.
    pub completed: u64,
    /// Releases dropped by [`OverrunPolicy::SkipNext`] (arrivals are
    /// `released + skipped`).
    pub skipped: u64,
    /// Released jobs waiting behind the current one.
    pub backlog: u32,
    /// Jobs completed after their absolute deadline.
    pub deadline_misses: u64,
    /// Jobs whose execution exceeded C.
    pub overruns: u64,
    /// Longest poll observed (TSC), ns.
    pub wcet_poll_ns: u64,
    /// Longest job execution observed (sum of its polls), ns.
    pub wcet_job_ns: u64,
    /// Response time (completion minus nominal release) percentiles, ns.
    pub response_p50_ns: u64,
    /// 99th percentile response, ns.
    pub response_p99_ns: u64,
    /// 99.9th percentile response, ns.
    pub response_p999_ns: u64,
    /// Longest response, ns.
    pub response_max_ns: u64,
    /// Whether an overrun demoted it to the background.
    pub demoted: bool,
}

/// A task in a core's admitted set, as listed by
/// [`KernelHandle::rt_core`](crate::KernelHandle::rt_core).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmittedTask {
    /// Its name.
    pub name: String,
    /// C, ns.
    pub wcet_ns: u64,
    /// T, ns.
    pub period_ns: u64,
    /// D, ns.
    pub deadline_ns: u64,
    /// Longest poll, ns.
    pub poll_ns: u64,
    /// Fixed priority.
    pub priority: u8,
}

/// A core's real-time side, as listed by the kernel handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtCoreInfo {
    /// How its real-time jobs are ordered.
    pub dispatch: Dispatch,
    /// The blocking overhead admission charges with its live quanta, ns.
    pub overhead_ns: u64,
    /// Its admitted tasks, in admission order.
    pub admitted: Vec<AdmittedTask>,
}

/// How far a refused task misses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Miss {
    /// Its worst-case response (or the demand at its deadline) exceeds
    /// the deadline by this many ns.
    By(u64),
    /// Unbounded: the core would be overloaded.
    Unbounded,
}

/// Why a real-time spawn was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RtSpawnError {
    /// The spawn itself was refused (unknown core, not a task core, halted).
    Spawn(crate::SpawnError),
    /// A parameter is out of range.
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// Admission control: with the new task some task would miss.
    Unschedulable {
        /// The core.
        core: String,
        /// The task spawned.
        spawned: String,
        /// The task that would miss (maybe the one spawned).
        failing: String,
        /// By how much.
        miss: Miss,
    },
    /// A checked QoS change refused: with the new quanta's overhead an
    /// admitted task would miss.
    Qos {
        /// The core.
        core: String,
        /// The admitted task that would miss.
        failing: String,
        /// By how much.
        miss: Miss,
    },
    /// The analysis could not decide (overflow or iteration budget).
    Analysis(String),
}

impl fmt::Display for RtSpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtSpawnError::Spawn(e) => write!(f, "{e}"),
            RtSpawnError::Invalid { field, reason } => {
                write!(f, "spawn: rt params.{field} {reason}")
            }
            RtSpawnError::Unschedulable {
                core,
                spawned,
                failing,
                miss,
            } => {
                write!(f, "spawn `{spawned}` refused on core `{core}`: ")?;
                match miss {
                    Miss::By(ns) => {
                        write!(f, "task `{failing}` would miss its deadline by {ns} ns")
                    }
                    Miss::Unbounded => write!(
                        f,
                        "task `{failing}` would miss without bound (the core would be overloaded)"
                    ),
                }
            }
            RtSpawnError::Qos {
                core,
                failing,
                miss,
            } => {
                write!(
                    f,
                    "qos refused on core `{core}`: task `{failing}` would miss "
                )?;
                match miss {
                    Miss::By(ns) => write!(f, "its deadline by {ns} ns"),
                    Miss::Unbounded => write!(f, "without bound"),
                }
            }
            RtSpawnError::Analysis(m) => write!(f, "spawn: admission analysis failed: {m}"),
        }
    }
}

impl std::error::Error for RtSpawnError {}

impl From<crate::SpawnError> for RtSpawnError {
    fn from(e: crate::SpawnError) -> RtSpawnError {
        RtSpawnError::Spawn(e)
    }
}

/// Default cost charged per bus message and per I/O event in a core's
/// admission overhead: 1 us, a conservative figure for a loaded 2-vCPU VM
/// (a bus message is handled in about 100-300 ns there when nothing else runs).
pub const DEFAULT_EVENT_COST_NS: u64 = 1_000;

/// Default longest poll of a background (non-real-time) task charged as
/// blocking: 100 us (an O shell slice of 2000 reductions takes well under).
pub const DEFAULT_BACKGROUND_POLL_NS: u64 = 100_000;

/// A core's real-time configuration (part of its [`CoreSpec`](crate::CoreSpec)).
///
/// Admission charges every real-time task a blocking overhead of
/// `(quanta.bus + quanta.io) * event_cost_ns + background_poll_ns`: the
/// run-loop work (one turn's bus and I/O quanta) and the one background
/// poll that can run before a released job's first poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtConfig {
    /// How real-time jobs are ordered.
    pub dispatch: Dispatch,
    /// Cost charged per bus message or I/O event, ns.
    pub event_cost_ns: u64,
    /// Longest poll of a background task, ns (a background poll is never
    /// preempted, so it blocks a released job).
    pub background_poll_ns: u64,
}

impl Default for RtConfig {
    fn default() -> RtConfig {
        RtConfig {
            dispatch: Dispatch::FixedPriority,
            event_cost_ns: DEFAULT_EVENT_COST_NS,
            background_poll_ns: DEFAULT_BACKGROUND_POLL_NS,
        }
    }
}
