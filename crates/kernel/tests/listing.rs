//! Listings asked from inside a task (`Context::request_listing`): the
//! cores answer over the bus and wake the requester; nobody blocks.

mod common;

use std::task::Poll;

use common::*;
use enso::{Context, CoreIndex, ListingRequest, Task, TaskInfo, TimerAction, TimerInfo};

/// Asks for a listing once, then waits for the cores' wakes (it never
/// yields, so a lost wake would hang the test instead of passing).
struct Lister {
    req: Option<ListingRequest>,
    polls: u64,
}

impl Task for Lister {
    type Output = (Vec<TaskInfo>, Vec<TimerInfo>, String, u64);
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        let req = self.req.get_or_insert_with(|| cx.request_listing());
        if !req.is_ready() {
            return Poll::Pending;
        }
        Poll::Ready((req.tasks(), req.timers(), req.prometheus(), self.polls))
    }
}

#[test]
fn a_task_lists_tasks_and_timers_of_both_cores_without_blocking() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let other = h.spawn_on(CoreIndex(1), 5, Forever).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let other_id = loop {
        if let Some(id) = other.task_id() {
            break id;
        }
        assert!(std::time::Instant::now() < deadline, "never placed");
        std::thread::yield_now();
    };
    // A timer on core 1 that will not fire during the test.
    h.timer(
        CoreIndex(1),
        enso::TimerRequest {
            after_ns: 60_000_000_000,
            period_ns: 0,
            action: TimerAction::Wake(other_id),
        },
    )
    .unwrap();
    h.sync(CoreIndex(1)).unwrap();
    for core in 0..2 {
        let lister = Lister {
            req: None,
            polls: 0,
        };
        let j = h.spawn_on(CoreIndex(core), 5, lister).unwrap();
        let (tasks, timers, prom, polls) = join(j).unwrap();
        assert!(polls >= 2, "woken by the answers, polled {polls} times");
        assert!(tasks.iter().any(|t| t.id == other_id), "{tasks:?}");
        assert!(
            tasks.iter().any(|t| t.id.core() == CoreIndex(core)),
            "the lister itself is listed: {tasks:?}"
        );
        assert!(
            timers
                .iter()
                .any(|t| t.core == CoreIndex(1) && t.period_ns == 0),
            "{timers:?}"
        );
        assert!(prom.contains("enso_task_polls_total"), "{prom}");
    }
    h.kill(other_id).unwrap();
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
}
