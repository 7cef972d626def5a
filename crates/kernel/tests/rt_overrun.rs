//! Overrun policies: a task whose jobs run 3 ms against a 1 ms budget
//! (spinning on the wall clock, so it overruns however loaded the machine
//! is) is counted every time, and each policy's effect is observable.

mod common;
mod rt;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::*;
use enso::{CoreIndex, JoinError, KernelHandle, OverrunPolicy, RtInfo, RtParams, TaskId};
use rt::*;

fn params(policy: OverrunPolicy) -> RtParams {
    RtParams::new(MS, 20 * MS).on_overrun(policy)
}

fn overrunner(jobs: &Arc<AtomicU64>) -> Counting {
    Counting {
        spin: Duration::from_millis(3),
        ..Counting::new(jobs)
    }
}

fn rt_info(h: &KernelHandle, id: TaskId) -> RtInfo {
    h.tasks()
        .into_iter()
        .find(|t| t.id == id)
        .and_then(|t| t.rt)
        .expect("listed with rt stats")
}

/// Spawns an overrunner under `policy` on core 1, waits for `n` jobs.
fn run(policy: OverrunPolicy, n: u64) -> (enso::Running, TaskId, Arc<AtomicU64>) {
    let k = start(two_cores());
    let h = k.handle().clone();
    let jobs = Arc::new(AtomicU64::new(0));
    let t = h
        .spawn_periodic(CoreIndex(1), "over", params(policy), overrunner(&jobs))
        .unwrap();
    wait_until("placed", || t.task_id().is_some());
    let id = t.task_id().unwrap();
    wait_until("jobs", || jobs.load(Ordering::Relaxed) >= n);
    drop(t);
    (k, id, jobs)
}

#[test]
fn log_counts_every_overrun_and_keeps_going() {
    let (k, id, _) = run(OverrunPolicy::Log, 5);
    let h = k.handle().clone();
    let i = rt_info(&h, id);
    assert!(i.completed >= 5, "{i:?}");
    assert_eq!(i.overruns, i.completed, "every job overran: {i:?}");
    assert!(i.wcet_job_ns >= 3 * MS && i.wcet_poll_ns >= 3 * MS, "{i:?}");
    assert!(!i.demoted && i.skipped == 0, "{i:?}");
    assert!(h.prometheus().contains("enso_rt_overruns_total{"));
    k.halt();
    k.join().unwrap();
}

#[test]
fn skip_drops_the_release_after_each_overrun() {
    let (k, id, _) = run(OverrunPolicy::SkipNext, 4);
    let h = k.handle().clone();
    let i = rt_info(&h, id);
    assert!(i.overruns >= 4, "{i:?}");
    // Every overrun skips the next release (the last one may be pending).
    assert!(i.skipped + 1 >= i.overruns && i.skipped >= 3, "{i:?}");
    assert!(!i.demoted, "{i:?}");
    k.halt();
    k.join().unwrap();
}

#[test]
fn demote_moves_the_task_to_the_background_and_frees_its_capacity() {
    let (k, id, jobs) = run(OverrunPolicy::Demote, 1);
    let h = k.handle().clone();
    wait_until("demoted", || rt_info(&h, id).demoted);
    assert!(h.rt_admitted(CoreIndex(1)).is_empty());
    // Still running, now behind real-time jobs.
    let before = jobs.load(Ordering::Relaxed);
    wait_until("jobs after demotion", || {
        jobs.load(Ordering::Relaxed) >= before + 3
    });
    let i = rt_info(&h, id);
    assert!(i.overruns >= 1 && i.demoted, "{i:?}");
    k.halt();
    k.join().unwrap();
}

#[test]
fn stop_ends_the_task_with_an_overrun_error() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let jobs = Arc::new(AtomicU64::new(0));
    let t = h
        .spawn_periodic(
            CoreIndex(1),
            "over",
            params(OverrunPolicy::Stop),
            overrunner(&jobs),
        )
        .unwrap();
    assert_eq!(join(t), Err(JoinError::Overrun));
    assert_eq!(
        jobs.load(Ordering::Relaxed),
        1,
        "stopped after its first job"
    );
    assert!(h.rt_admitted(CoreIndex(1)).is_empty());
    k.halt();
    k.join().unwrap();
}
