//! Supervision: restart a task spawned by name when it panics, up to a
//! budget of restarts within a time window, then let it fail.
//!
//! The supervisor is the task the core sees (one id, one capability table,
//! one join handle); the supervised task inside it is rebuilt from its
//! registered factory after each panic. Every panic is recorded in the
//! kernel's failure list and counted on the core, restarted or not; when
//! the budget is spent the panic goes on to the core, which fails the task
//! as for any other panic.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use crate::context::{Context, ns};
use crate::shared::Shared;
use crate::stats::TaskFailure;
use crate::task::{BoxedTask, Task};

/// How many restarts a supervised task gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Restarts allowed within one window.
    pub max_restarts: u32,
    /// The window, from the first restart counted in it.
    pub window: Duration,
}

/// A task rebuilt from factory `factory` after each panic.
pub(crate) struct Supervised {
    pub(crate) shared: Arc<Shared>,
    pub(crate) factory: usize,
    pub(crate) arg: u64,
    pub(crate) policy: RestartPolicy,
    pub(crate) name: Option<String>,
    pub(crate) inner: BoxedTask,
    window_start: u64,
    restarts: u32,
}

impl Supervised {
    pub(crate) fn new(
        shared: Arc<Shared>,
        factory: usize,
        arg: u64,
        policy: RestartPolicy,
    ) -> Option<Supervised> {
        let (name, make) = shared.factories.get(factory)?;
        let inner = make(arg);
        let name = Some(name.clone());
        Some(Supervised {
            shared,
            factory,
            arg,
            policy,
            name,
            inner,
            window_start: 0,
            restarts: 0,
        })
    }

    /// Whether the budget allows another restart at `now`; counts it.
    fn may_restart(&mut self, now: u64) -> bool {
        if self.restarts == 0 || now.saturating_sub(self.window_start) > ns(self.policy.window) {
            self.window_start = now;
            self.restarts = 0;
        }
        if self.restarts < self.policy.max_restarts {
            self.restarts += 1;
            true
        } else {
            false
        }
    }
}

impl Task for Supervised {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let payload = match catch_unwind(AssertUnwindSafe(|| self.inner.poll(cx))) {
            Ok(p) => return p,
            Err(payload) => payload,
        };
        let now = cx.sv.now;
        if !self.may_restart(now) {
            // Out of budget: the core fails the task and records the panic.
            resume_unwind(payload);
        }
        let message = crate::core::panic_message(&*payload);
        eprintln!(
            "enso: {} panicked: {message}; restarting ({} of {})",
            cx.id(),
            self.restarts,
            self.policy.max_restarts
        );
        cx.sv.counters.task_panics += 1;
        self.shared.record_failure(TaskFailure {
            id: cx.id(),
            name: self.name.clone(),
            message,
            at_ns: now,
        });
        let make = &self.shared.factories[self.factory].1;
        // The failed instance is dropped here (its drop runs) and replaced.
        self.inner = make(self.arg);
        cx.yield_now();
        Poll::Pending
    }
}
