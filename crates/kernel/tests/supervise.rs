//! Supervision: a task spawned by name restarts after panics within its
//! budget, and fails once the budget is spent.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use common::*;
use enso::{Context, CoreIndex, JoinError, RestartPolicy, Task};

/// Panics while fewer than `arg` instances have been built, then finishes.
struct Flaky {
    instance: u64,
    needed: u64,
}
impl Task for Flaky {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        if self.instance < self.needed {
            panic!("flaky instance {}", self.instance);
        }
        Poll::Ready(())
    }
}

fn kernel(builds: Arc<AtomicU64>) -> enso::Running {
    start(two_cores().register("flaky", move |needed| Flaky {
        instance: builds.fetch_add(1, Ordering::SeqCst) + 1,
        needed,
    }))
}

#[test]
fn restarts_within_budget_then_succeeds() {
    let builds = Arc::new(AtomicU64::new(0));
    let k = kernel(builds.clone());
    let h = k.handle().clone();
    let policy = RestartPolicy {
        max_restarts: 5,
        window: Duration::from_secs(60),
    };
    // Instances 1 and 2 panic, instance 3 finishes.
    let j = h
        .spawn_supervised(CoreIndex(1), 3, "flaky", 3, policy)
        .unwrap();
    assert_eq!(join(j), Ok(()));
    assert_eq!(builds.load(Ordering::SeqCst), 3);
    let f = h.failures();
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0].name.as_deref(), Some("flaky"));
    assert_eq!(f[0].id, f[1].id, "a restart keeps the task's id");
    k.halt();
    k.join().unwrap();
}

#[test]
fn fails_when_the_budget_is_spent() {
    let builds = Arc::new(AtomicU64::new(0));
    let k = kernel(builds.clone());
    let h = k.handle().clone();
    let policy = RestartPolicy {
        max_restarts: 2,
        window: Duration::from_secs(60),
    };
    let j = h
        .spawn_supervised(CoreIndex(0), 3, "flaky", 100, policy)
        .unwrap();
    match join(j) {
        Err(JoinError::Panicked(m)) => assert!(m.contains("flaky instance 3"), "{m}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(
        builds.load(Ordering::SeqCst),
        3,
        "built once plus two restarts"
    );
    assert_eq!(h.failures().len(), 3);
    assert!(matches!(
        h.spawn_supervised(CoreIndex(0), 3, "nope", 0, policy),
        Err(enso::SpawnError::UnknownName(_))
    ));
    k.halt();
    k.join().unwrap();
}
