//! The one harness every implementation runs in.
//!
//! A run is a *team* of workers, each a closure pinned to a core. Every
//! worker pins itself, then waits at a start line until the whole team is
//! there; the clock starts when the first worker leaves the start line and
//! stops when the last one finishes. Each worker returns a checksum, which
//! the caller verifies, so the compiler cannot remove the work and a ring
//! that loses, duplicates or corrupts an item is caught.
//!
//! A watchdog (the calling thread, asleep) ends the process with an error
//! naming the run if it does not finish in time: a broken ring would
//! otherwise leave a consumer spinning forever.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::pin;

/// How long one run may take before the watchdog gives up.
pub const WATCHDOG: Duration = Duration::from_secs(120);

/// Why a run could not produce a figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BenchError {
    /// A checksum differed from what was sent.
    Checksum {
        /// "group/row".
        run: String,
        /// Which worker's checksum.
        who: &'static str,
        /// What was sent.
        expected: u64,
        /// What was seen.
        got: u64,
    },
    /// An implementation could not be set up.
    Setup {
        /// "group/row".
        run: String,
        /// What went wrong.
        reason: String,
    },
    /// A worker thread panicked.
    Panicked {
        /// "group/row".
        run: String,
    },
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::Checksum {
                run,
                who,
                expected,
                got,
            } => write!(
                f,
                "{run}: {who} checksum {got} differs from the {expected} sent"
            ),
            BenchError::Setup { run, reason } => write!(f, "{run}: setup failed: {reason}"),
            BenchError::Panicked { run } => write!(f, "{run}: a worker thread panicked"),
        }
    }
}

impl std::error::Error for BenchError {}

/// Checks that `who` saw exactly the checksum `expected`.
pub fn verify(run: &str, who: &'static str, expected: u64, got: u64) -> Result<(), BenchError> {
    if expected == got {
        Ok(())
    } else {
        Err(BenchError::Checksum {
            run: run.to_string(),
            who,
            expected,
            got,
        })
    }
}

/// The checksum of the values `first..=last`: their wrapping sum.
pub fn sum_of_range(first: u64, last: u64) -> u64 {
    if last < first {
        return 0;
    }
    let count = u128::from(last - first + 1);
    let sum = (u128::from(first) + u128::from(last)) * count / 2;
    // Truncation is the wrapping sum the workers compute.
    sum as u64
}

/// One member of a team: a core index and the work it does.
pub struct Worker<'a> {
    core: usize,
    job: Box<dyn FnOnce() -> u64 + Send + 'a>,
}

impl<'a> Worker<'a> {
    /// A worker pinned to core index `core` (see [`pin::to_core`]) running
    /// `job`, which returns its checksum.
    pub fn new(core: usize, job: impl FnOnce() -> u64 + Send + 'a) -> Self {
        Worker {
            core,
            job: Box::new(job),
        }
    }
}

/// What a team run measured.
#[derive(Debug)]
pub struct Outcome {
    /// From the first worker leaving the start line to the last one finishing.
    pub elapsed: Duration,
    /// Each worker's checksum, in the order the workers were given.
    pub checksums: Vec<u64>,
}

/// Times one run of `workers`; `run` names it in errors.
pub fn run_team(run: &str, workers: Vec<Worker<'_>>) -> Result<Outcome, BenchError> {
    let team = workers.len();
    let arrived = AtomicUsize::new(0);
    let (done_tx, done_rx) = mpsc::channel::<()>();
    thread::scope(|scope| {
        let handles: Vec<_> = workers
            .into_iter()
            .map(|worker| {
                let done = done_tx.clone();
                let arrived = &arrived;
                scope.spawn(move || {
                    pin::to_core(worker.core);
                    start_line(arrived, team);
                    let start = Instant::now();
                    let checksum = (worker.job)();
                    let end = Instant::now();
                    // The watchdog may have given up already; nothing to do then.
                    let _ = done.send(());
                    (start, end, checksum)
                })
            })
            .collect();
        // Only the workers hold senders now: when all are gone, all are done.
        drop(done_tx);
        watch(run, &done_rx, team);
        collect(run, handles)
    })
}

/// Spins (yielding, in case the team outnumbers the cores) until all
/// `team` workers have arrived. Not timed.
fn start_line(arrived: &AtomicUsize, team: usize) {
    // AcqRel/Acquire: every worker's setup happens before anyone starts.
    arrived.fetch_add(1, Ordering::AcqRel);
    while arrived.load(Ordering::Acquire) < team {
        thread::yield_now();
    }
}

/// Sleeps until `team` workers report done; ends the process if that takes
/// longer than [`WATCHDOG`], since a stuck spinning worker cannot be stopped.
fn watch(run: &str, done: &mpsc::Receiver<()>, team: usize) {
    let deadline = Instant::now() + WATCHDOG;
    for _ in 0..team {
        let left = deadline.saturating_duration_since(Instant::now());
        match done.recv_timeout(left) {
            Ok(()) => {}
            // Every worker has ended, some by panicking; joining reports it.
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                eprintln!(
                    "enso-bench: {run}: did not finish within {} s (items lost or a thread stuck); aborting",
                    WATCHDOG.as_secs()
                );
                std::process::exit(2);
            }
        }
    }
}

type Finished = (Instant, Instant, u64);

fn collect(
    run: &str,
    handles: Vec<thread::ScopedJoinHandle<'_, Finished>>,
) -> Result<Outcome, BenchError> {
    let mut first_start: Option<Instant> = None;
    let mut last_end: Option<Instant> = None;
    let mut checksums = Vec::with_capacity(handles.len());
    for handle in handles {
        let (start, end, checksum) = handle.join().map_err(|_| BenchError::Panicked {
            run: run.to_string(),
        })?;
        first_start = Some(first_start.map_or(start, |s| s.min(start)));
        last_end = Some(last_end.map_or(end, |e| e.max(end)));
        checksums.push(checksum);
    }
    let elapsed = match (first_start, last_end) {
        (Some(start), Some(end)) => end.saturating_duration_since(start),
        _ => Duration::ZERO,
    };
    Ok(Outcome { elapsed, checksums })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_sums() {
        assert_eq!(sum_of_range(1, 10), 55);
        assert_eq!(sum_of_range(5, 4), 0);
        assert_eq!(sum_of_range(7, 7), 7);
        let top = u64::MAX;
        assert_eq!(sum_of_range(top - 1, top), (top - 1).wrapping_add(top));
    }

    #[test]
    fn team_returns_checksums_in_order_and_times() {
        let outcome = run_team(
            "test/team",
            vec![
                Worker::new(0, || 1),
                Worker::new(1, || {
                    thread::sleep(Duration::from_millis(5));
                    2
                }),
            ],
        )
        .expect("team runs");
        assert_eq!(outcome.checksums, vec![1, 2]);
        assert!(outcome.elapsed >= Duration::from_millis(5));
    }

    #[test]
    fn verify_names_the_run() {
        let err = verify("g/r", "consumer", 3, 4).expect_err("mismatch");
        assert!(err.to_string().contains("g/r: consumer checksum 4"));
        assert!(verify("g/r", "consumer", 3, 3).is_ok());
    }

    #[test]
    fn panicking_worker_is_an_error() {
        let err = run_team("g/p", vec![Worker::new(0, || panic!("boom"))]);
        assert_eq!(
            err.expect_err("panic"),
            BenchError::Panicked {
                run: "g/p".to_string()
            }
        );
    }
}
