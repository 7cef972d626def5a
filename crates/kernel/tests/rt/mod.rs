//! Helpers for the real-time tests: a periodic task that counts its jobs
//! and may spin, and a wait with a generous timeout.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use enso::{Context, Job, JobPoll, PeriodicTask};

/// Counts its jobs; each job spins for `spin` (wall clock) in one poll;
/// ends after `last` jobs if given.
pub struct Counting {
    pub jobs: Arc<AtomicU64>,
    pub spin: Duration,
    pub last: Option<u64>,
}

impl Counting {
    pub fn new(jobs: &Arc<AtomicU64>) -> Counting {
        Counting {
            jobs: jobs.clone(),
            spin: Duration::ZERO,
            last: None,
        }
    }
}

impl PeriodicTask for Counting {
    fn run_job(&mut self, _cx: &mut Context<'_>, job: &Job) -> JobPoll {
        if !self.spin.is_zero() {
            let t0 = Instant::now();
            while t0.elapsed() < self.spin {
                std::hint::spin_loop();
            }
        }
        let n = self.jobs.fetch_add(1, Ordering::Relaxed) + 1;
        match self.last {
            Some(last) if job.seq + 1 >= last || n >= last => JobPoll::Finished,
            _ => JobPoll::Done,
        }
    }
}

/// Waits for `f`, failing the test after 30 s.
pub fn wait_until(what: &str, f: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < Duration::from_secs(30), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

pub const MS: u64 = 1_000_000;
