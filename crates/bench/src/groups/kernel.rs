//! The kernel (`enso`) against its peers: whole-kernel workloads, each on
//! a booted kernel with pinned cores.
//!
//! - [`bus`]: a round trip over the InterCore bus between two spinning
//!   cores, against the one-cache-line floor and the rings it is built of.
//! - [`pingpong`]: a word bounced between two tasks on two cores, on
//!   spinning and on parking cores, against tokio.
//! - [`spawn`]: spawn-and-complete of trivial tasks on one core, against
//!   tokio's current-thread runtime.
//! - [`timers`]: lateness of 100k timers spread over 100 ms, against tokio
//!   sleeps (p50, p99 and max, one group each).
//! - [`echo`]: TCP echo on loopback under one load generator ([`loadgen`]),
//!   against a tokio echo server (throughput and p99, one group each).
//!
//! An enso row boots a kernel for each run (boot and shutdown are not
//! timed): its tasks time themselves on the core threads the kernel pinned,
//! and hand their figures and checksums back through join handles, which
//! are joined with the harness's watchdog time. Tokio rows run on threads
//! pinned to the same cores (through [`crate::harness::run_team`] where the
//! team's own timing fits). Core index 0 and 1 are the harness's cores
//! ([`crate::pin::core_id`]).
//!
//! Groups whose figure is a latency percentile encode it in the common
//! sample shape: a run of `n` items reports `elapsed = percentile * n`, so
//! the table's "ns per item" is the percentile itself.

mod bus;
mod echo;
mod loadgen;
mod pingpong;
mod spawn;
mod timers;

use std::time::{Duration, Instant};

use enso::{JoinHandle, Kernel, KernelBuilder, Running, TaskId};

use crate::harness::{BenchError, WATCHDOG};
use crate::model::{Group, Params, Sample};
use crate::pin;

/// Every kernel group.
pub fn groups() -> Vec<Group> {
    let mut all = vec![bus::group()];
    all.extend(pingpong::groups());
    all.extend(spawn::groups());
    all.extend(timers::groups());
    all.extend(echo::groups());
    all
}

/// The operating-system CPU of the harness's core index `index`.
fn cpu(index: usize) -> usize {
    pin::core_id(index).unwrap_or(index)
}

/// Maps any displayable error to a setup failure of run `p`.
fn setup<E: std::fmt::Display>(p: &Params) -> impl Fn(E) -> BenchError + '_ {
    move |e| fail(p, e)
}

/// A setup failure of run `p` saying `reason`.
fn fail(p: &Params, reason: impl std::fmt::Display) -> BenchError {
    BenchError::Setup {
        run: p.label.clone(),
        reason: reason.to_string(),
    }
}

/// Validates, boots and starts a topology. Cores may share a CPU, so the
/// groups also run (oversubscribed) on a one-CPU machine.
fn start(p: &Params, builder: KernelBuilder) -> Result<Running, BenchError> {
    let topo = builder.allow_shared_cpus(true).build().map_err(setup(p))?;
    Kernel::boot(topo)
        .map_err(setup(p))?
        .start()
        .map_err(setup(p))
}

/// Waits for a task's output, at most the harness's watchdog time.
fn join<T>(p: &Params, task: JoinHandle<T>) -> Result<T, BenchError> {
    match task.join_timeout(WATCHDOG) {
        Ok(r) => r.map_err(setup(p)),
        Err(_) => Err(fail(
            p,
            format!("task did not finish within {} s", WATCHDOG.as_secs()),
        )),
    }
}

/// The id of a spawned task, once its core has placed it.
fn placed<T>(p: &Params, task: &JoinHandle<T>) -> Result<TaskId, BenchError> {
    let t0 = Instant::now();
    loop {
        if let Some(id) = task.task_id() {
            return Ok(id);
        }
        if t0.elapsed() > Duration::from_secs(10) {
            return Err(fail(p, "a spawned task was not placed within 10 s"));
        }
        std::thread::yield_now();
    }
}

/// Halts and joins a kernel; a lost bus message or refused mail is an error.
fn stop(p: &Params, kernel: Running) -> Result<(), BenchError> {
    kernel.halt();
    let report = kernel.join().map_err(setup(p))?;
    if report.lost() > 0 || report.mail_overflow > 0 {
        return Err(fail(p, format!("kernel lost work: {report}")));
    }
    Ok(())
}

/// The sample of a run of `p.items` items that took `elapsed`.
fn sample(p: &Params, elapsed: Duration) -> Sample {
    Sample {
        elapsed,
        items: p.items,
    }
}

/// The sample whose per-item figure is `per_item` (a latency percentile;
/// see the module doc).
fn percentile_sample(p: &Params, per_item: Duration) -> Sample {
    let items = u32::try_from(p.items).unwrap_or(u32::MAX);
    Sample {
        elapsed: per_item.saturating_mul(items),
        items: u64::from(items),
    }
}
