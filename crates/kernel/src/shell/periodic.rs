//! Periodic O tasks: O source run once per job of a real-time task.
//!
//! `` periodic[core;`name;C;T;D;"src"] `` asks the kernel to admit a
//! periodic task (budget C, period T, relative deadline D, in ms) on
//! `core`: the kernel's admission control accepts it or refuses it with the
//! task that would miss its deadline and by how much. Each released job
//! runs `src` (which sees `job`, the job number, and `parent`) under fuel,
//! like any O task; the job is done when the program is. An error ends the
//! task. `tasks[]` lists its releases, completions, misses and overruns.

use std::task::Poll;

use super::otask::OTask;
use crate::{Context, Job, JobPoll, PeriodicTask, Task};

/// The jobs of a periodic O task.
pub struct OJob {
    task: OTask,
    src: String,
    current: Option<u64>,
}

impl std::fmt::Debug for OJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OJob").field("src", &self.src).finish()
    }
}

impl OJob {
    /// Jobs that run `src`, in `task`.
    pub(crate) fn new(task: OTask, src: &str) -> OJob {
        OJob {
            task,
            src: src.to_string(),
            current: None,
        }
    }
}

impl PeriodicTask for OJob {
    fn run_job(&mut self, cx: &mut Context<'_>, job: &Job) -> JobPoll {
        if self.current != Some(job.seq) {
            self.current = Some(job.seq);
            if self.task.start_job(&self.src, job.seq).is_err() {
                // The source was parsed when the task was spawned.
                return JobPoll::Finished;
            }
        }
        match self.task.poll(cx) {
            Poll::Pending => JobPoll::Pending,
            Poll::Ready(()) if self.task.errored() => JobPoll::Finished,
            Poll::Ready(()) => JobPoll::Done,
        }
    }
}
