//! Spawning from inside a task without blocking its core: `Context::spawn_named`
//! and `Context::spawn_notify` send the spawn over the bus, and the target
//! core wakes the spawner when it has placed (or refused) the new task.

mod common;

use std::collections::HashSet;
use std::task::Poll;
use std::time::Duration;

use common::*;
use enso::{
    Context, CoreIndex, CoreSpec, IdlePolicy, Kernel, KernelBuilder, Mail, PendingSpawn,
    SpawnError, Task, TaskId,
};

/// Ends when a word arrives in its mailbox.
struct Waiter;
impl Task for Waiter {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match cx.recv() {
            Some(Mail::Word(_)) => Poll::Ready(()),
            _ => Poll::Pending,
        }
    }
}

fn cores(max_tasks: usize) -> KernelBuilder {
    let idle = IdlePolicy::SpinThenPark(Duration::from_micros(20));
    Kernel::builder()
        .core(CoreSpec::bsp("c0", 0).all().idle(idle).max_tasks(max_tasks))
        .core(CoreSpec::ap("c1", 1).all().idle(idle).max_tasks(max_tasks))
        .register("waiter", |_| Waiter)
}

/// Spawns `n` waiters by name in one poll, alternating cores, then waits
/// (without yielding: only the placement wakes bring it back) until every
/// spawn is resolved.
struct Spawner {
    n: usize,
    pending: Vec<PendingSpawn<()>>,
    polls: u64,
}

impl Task for Spawner {
    type Output = (Vec<PendingSpawn<()>>, u64);
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        if self.pending.is_empty() {
            for i in 0..self.n {
                let core = CoreIndex((i % 2) as u8);
                let p = cx.spawn_named(core, 10, "waiter", i as u64).expect("spawn");
                self.pending.push(p);
            }
        }
        if self.pending.iter().any(|p| p.poll_id().is_pending()) {
            return Poll::Pending;
        }
        Poll::Ready((std::mem::take(&mut self.pending), self.polls))
    }
}

#[test]
fn a_task_spawns_a_thousand_tasks_across_two_cores_without_stalling() {
    let k = start(cores(1024));
    let h = k.handle().clone();
    let spawner = Spawner {
        n: 1000,
        pending: Vec::new(),
        polls: 0,
    };
    let (pending, polls) = join(h.spawn_on(CoreIndex(0), 5, spawner).unwrap()).unwrap();
    // Woken by placements, not spinning: far fewer polls than spawns + 1
    // would mean wakes were lost (the test would hang instead).
    assert!(polls >= 2, "the spawner was woken by the placements");
    let ids: Vec<TaskId> = pending.iter().map(|p| p.id().expect("placed")).collect();
    let distinct: HashSet<TaskId> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), 1000, "every id distinct");
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(id.core(), CoreIndex((i % 2) as u8), "{id} on its core");
        h.check(*id).expect("live");
    }
    // Neither core stalled: both answer a sync at once.
    h.sync(CoreIndex(0)).expect("core 0 runs");
    h.sync(CoreIndex(1)).expect("core 1 runs");
    let listed = h
        .tasks()
        .iter()
        .filter(|t| distinct.contains(&t.id))
        .count();
    assert_eq!(listed, 1000);
    // Each ends on a word; its join handle gets the outcome; its id goes stale.
    for id in &ids {
        h.send(*id, 1).unwrap();
    }
    for p in pending {
        let id = p.id().unwrap();
        assert_eq!(join(p.into_join()), Ok(()));
        assert!(h.check(id).is_err(), "{id} joined, stale");
    }
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
}

#[test]
fn a_refused_placement_wakes_the_spawner_with_no_id() {
    let k = start(cores(8));
    let h = k.handle().clone();
    let spawner = Spawner {
        n: 40,
        pending: Vec::new(),
        polls: 0,
    };
    let (pending, _) = join(h.spawn_on(CoreIndex(0), 5, spawner).unwrap()).unwrap();
    let placed: Vec<TaskId> = pending.iter().filter_map(|p| p.id()).collect();
    let refused = pending
        .iter()
        .filter(|p| p.poll_id() == Poll::Ready(None))
        .count();
    assert_eq!(placed.len() + refused, 40);
    assert!(refused > 0, "tables of 8 cannot hold 40 waiters");
    assert!(placed.len() <= 16, "{} placed", placed.len());
    for id in placed {
        h.send(id, 1).unwrap();
    }
    k.halt();
    k.join().unwrap();
}

#[test]
fn spawn_errors_are_immediate() {
    struct Try;
    impl Task for Try {
        type Output = (SpawnError, SpawnError);
        fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let a = cx.spawn_named(CoreIndex(0), 1, "nope", 0).unwrap_err();
            let b = cx.spawn_notify(CoreIndex(9), 1, Value(1)).unwrap_err();
            Poll::Ready((a, b))
        }
    }
    let k = start(cores(64));
    let h = k.handle().clone();
    let (a, b) = join(h.spawn_on(CoreIndex(1), 5, Try).unwrap()).unwrap();
    assert_eq!(a, SpawnError::UnknownName("nope".into()));
    assert_eq!(b, SpawnError::UnknownCore(CoreIndex(9)));
    k.halt();
    k.join().unwrap();
}
