//! The `Task` trait and its type-erased form that the task table stores.
//!
//! A task is polled by its core until it returns `Poll::Ready(output)`; the
//! output goes to its [`JoinHandle`](crate::JoinHandle). Between polls a task
//! is idle until something wakes it: its waker, a mailbox delivery, a timer,
//! an I/O event or a ring it asked to be woken for. A poll must not block.

use std::sync::Arc;
use std::task::Poll;

use crate::context::Context;
use crate::error::JoinError;
use crate::ids::TaskId;
use crate::join::JoinSlot;

/// A unit of work run by a core: polled until ready, finite or infinite.
///
/// ```
/// use std::task::Poll;
/// use enso::{Context, Task};
///
/// /// Counts to `n`, one step per poll, then returns `n`.
/// struct CountTo { n: u64, i: u64 }
///
/// impl Task for CountTo {
///     type Output = u64;
///     fn poll(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
///         self.i += 1;
///         if self.i == self.n { return Poll::Ready(self.n); }
///         cx.yield_now();
///         Poll::Pending
///     }
/// }
/// ```
pub trait Task: Send + 'static {
    /// What the task delivers to its join handle.
    type Output: Send + 'static;
    /// Makes progress without blocking.
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output>;
}

/// The erased task the tables and bus messages carry.
pub(crate) trait Runnable: Send {
    /// Polls the task; `Ready` means it completed and delivered its output.
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()>;
    /// Delivers a failure to the join handle (first call wins).
    fn fail(&mut self, err: JoinError);
    /// Tells the join handle which id the task received.
    fn started(&mut self, id: TaskId);
    /// A real-time task's state, taken once by the core that places it.
    fn take_rt(&mut self) -> Option<Box<crate::rt::RtSlot>> {
        None
    }
    /// Runs one poll of a real-time job (only real-time tasks are run so).
    fn run_job(&mut self, cx: &mut Context<'_>, _job: &crate::rt::Job) -> crate::rt::JobPoll {
        match self.poll(cx) {
            Poll::Ready(()) => crate::rt::JobPoll::Finished,
            Poll::Pending => crate::rt::JobPoll::Pending,
        }
    }
}

/// A boxed erased task.
pub(crate) type BoxedTask = Box<dyn Runnable>;

/// A task boxed for a `Spawn` bus message.
pub struct TaskBox(pub(crate) BoxedTask);

impl TaskBox {
    /// Boxes `task` (its output is dropped; use a spawn function for a join handle).
    pub fn new<T: Task>(task: T) -> TaskBox {
        TaskBox(boxed(task, None))
    }
}

impl std::fmt::Debug for TaskBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TaskBox")
    }
}

/// A task with the join slot its result goes to.
///
/// The result (or failure) is held until the task is dropped and only then
/// handed to the joiner: a joiner that sees a result knows the task's drop
/// has run and its capabilities are released.
struct Spawned<T: Task> {
    task: Option<T>,
    outcome: Option<Result<T::Output, JoinError>>,
    join: Option<Arc<JoinSlot<T::Output>>>,
}

impl<T: Task> Runnable for Spawned<T> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(task) = self.task.as_mut() else {
            return Poll::Ready(());
        };
        match task.poll(cx) {
            Poll::Ready(v) => {
                self.outcome.get_or_insert(Ok(v));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
    fn fail(&mut self, err: JoinError) {
        self.outcome.get_or_insert(Err(err));
    }
    fn started(&mut self, id: TaskId) {
        if let Some(j) = &self.join {
            j.set_id(id);
        }
    }
}

impl<T: Task> Drop for Spawned<T> {
    fn drop(&mut self) {
        // The task first: its drop runs before anyone hears the outcome.
        drop(self.task.take());
        // A task dropped without an outcome (halt, or a spawn message that
        // was never delivered) tells its joiner so.
        if let Some(j) = self.join.take() {
            j.complete(self.outcome.take().unwrap_or(Err(JoinError::Halted)));
        }
    }
}

/// Boxes `task` with an optional join slot.
pub(crate) fn boxed<T: Task>(task: T, join: Option<Arc<JoinSlot<T::Output>>>) -> BoxedTask {
    Box::new(Spawned {
        task: Some(task),
        outcome: None,
        join,
    })
}

/// Adapts a task with any output to one with output `()` (spawn by name).
pub(crate) struct Discard<T>(pub T);

impl<T: Task> Task for Discard<T> {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0.poll(cx).map(|_| ())
    }
}
