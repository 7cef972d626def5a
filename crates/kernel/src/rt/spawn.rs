//! The erased form of a periodic task: what the task table stores.
//!
//! Like an ordinary spawned task it holds its join slot and hands the
//! outcome over only after the task has been dropped. It also carries its
//! [`RtSlot`] (built at spawn, histogram included) until the core places
//! it and takes the slot out (`Runnable::take_rt`).

use std::sync::Arc;
use std::task::Poll;

use super::{Job, JobPoll, PeriodicTask, RtSlot};
use crate::context::Context;
use crate::error::JoinError;
use crate::ids::TaskId;
use crate::join::JoinSlot;
use crate::task::{BoxedTask, Runnable};

struct RtSpawned<P: PeriodicTask> {
    task: Option<P>,
    rt: Option<Box<RtSlot>>,
    outcome: Option<Result<(), JoinError>>,
    join: Option<Arc<JoinSlot<()>>>,
}

/// Boxes a periodic task with its real-time state and join slot.
pub(crate) fn rt_boxed<P: PeriodicTask>(
    task: P,
    rt: Option<Box<RtSlot>>,
    join: Option<Arc<JoinSlot<()>>>,
) -> BoxedTask {
    BoxedTask::from_box(Box::new(RtSpawned {
        task: Some(task),
        rt,
        outcome: None,
        join,
    }))
}

impl<P: PeriodicTask> Runnable for RtSpawned<P> {
    /// A periodic task is only run through `run_job`; a plain poll (which
    /// the core never makes) does nothing.
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
    fn fail(&mut self, err: JoinError) {
        self.outcome.get_or_insert(Err(err));
    }
    fn started(&mut self, id: TaskId) {
        if let Some(j) = &self.join {
            j.set_id(id);
        }
    }
    fn take_rt(&mut self) -> Option<Box<RtSlot>> {
        self.rt.take()
    }
    fn run_job(&mut self, cx: &mut Context<'_>, job: &Job) -> JobPoll {
        let Some(task) = self.task.as_mut() else {
            return JobPoll::Finished;
        };
        let r = task.run_job(cx, job);
        if r == JobPoll::Finished {
            self.outcome.get_or_insert(Ok(()));
        }
        r
    }
}

impl<P: PeriodicTask> Drop for RtSpawned<P> {
    fn drop(&mut self) {
        drop(self.task.take());
        if let Some(j) = self.join.take() {
            j.complete(self.outcome.take().unwrap_or(Err(JoinError::Halted)));
        }
    }
}
