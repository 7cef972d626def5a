//! The `Task` trait and its type-erased form that the task table stores.
//!
//! A task is polled by its core until it returns `Poll::Ready(output)`; the
//! output goes to its [`JoinHandle`](crate::JoinHandle). Between polls a task
//! is idle until something wakes it: its waker, a mailbox delivery, a timer,
//! an I/O event or a ring it asked to be woken for. A poll must not block.

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::task::Poll;

use crate::context::Context;
use crate::error::JoinError;
use crate::ids::TaskId;
use crate::join::{JoinSlot, Tail};

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

/// An erased task owned by one place at a time (a bus message, a table
/// slot, a supervisor): a box, or (a spawn with a join handle) a task that
/// shares one allocation with its join slot ([`joined`]).
pub(crate) struct BoxedTask(Repr);

enum Repr {
    Boxed(Box<dyn Runnable>),
    Joined(Arc<dyn SharedRunnable>),
}

impl BoxedTask {
    /// Wraps a boxed task.
    pub(crate) fn from_box(task: Box<dyn Runnable>) -> BoxedTask {
        BoxedTask(Repr::Boxed(task))
    }

    /// See [`Runnable::poll`].
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.0 {
            Repr::Boxed(t) => t.poll(cx),
            // SAFETY: `self` is the one owner of the task's cells and is
            // borrowed mutably, so no other call on them runs.
            Repr::Joined(t) => unsafe { t.poll(cx) },
        }
    }

    /// See [`Runnable::fail`].
    pub(crate) fn fail(&mut self, err: JoinError) {
        match &mut self.0 {
            Repr::Boxed(t) => t.fail(err),
            // SAFETY: as in `poll`.
            Repr::Joined(t) => unsafe { t.fail(err) },
        }
    }

    /// See [`Runnable::started`].
    pub(crate) fn started(&mut self, id: TaskId) {
        match &mut self.0 {
            Repr::Boxed(t) => t.started(id),
            Repr::Joined(t) => t.started(id),
        }
    }

    /// See [`Runnable::take_rt`] (a joined task is never real-time).
    pub(crate) fn take_rt(&mut self) -> Option<Box<crate::rt::RtSlot>> {
        match &mut self.0 {
            Repr::Boxed(t) => t.take_rt(),
            Repr::Joined(_) => None,
        }
    }

    /// See [`Runnable::run_job`].
    pub(crate) fn run_job(
        &mut self,
        cx: &mut Context<'_>,
        job: &crate::rt::Job,
    ) -> crate::rt::JobPoll {
        match &mut self.0 {
            Repr::Boxed(t) => t.run_job(cx, job),
            Repr::Joined(_) => match self.poll(cx) {
                Poll::Ready(()) => crate::rt::JobPoll::Finished,
                Poll::Pending => crate::rt::JobPoll::Pending,
            },
        }
    }
}

impl Drop for BoxedTask {
    fn drop(&mut self) {
        if let Repr::Joined(t) = &self.0 {
            // SAFETY: the owner is going away: this is the last call on
            // the task's cells, and no other runs.
            unsafe { t.end() }
        }
    }
}

/// A task living in its join slot's allocation. The methods touch the
/// task's cells, so only the task's one [`BoxedTask`] calls them.
trait SharedRunnable: Send + Sync {
    /// # Safety
    /// Called by the owning `BoxedTask` only, never concurrently with
    /// another call on the same task, and not after `end`.
    unsafe fn poll(&self, cx: &mut Context<'_>) -> Poll<()>;
    /// # Safety
    /// As for `poll`.
    unsafe fn fail(&self, err: JoinError);
    fn started(&self, id: TaskId);
    /// Drops the task, then hands the outcome (or `Halted`) to the joiner.
    ///
    /// # Safety
    /// As for `poll`; called once, by the owner's drop.
    unsafe fn end(&self);
}

/// The task part of a joined spawn: the task, then its outcome, held until
/// the task is dropped (as in [`Spawned`]).
pub(crate) struct TaskCell<T: Task> {
    task: UnsafeCell<Option<T>>,
    outcome: UnsafeCell<Option<Result<T::Output, JoinError>>>,
}

// SAFETY: the cells are touched only through `SharedRunnable`, whose
// callers are the task's one `BoxedTask` (one thread at a time, `&mut` or
// in its drop); the join handle sharing the allocation reads the slot's
// other fields, never these. `T` and its output are `Send`.
unsafe impl<T: Task> Sync for TaskCell<T> {}

impl<T: Task> Tail for TaskCell<T> {}

impl<T: Task> SharedRunnable for JoinSlot<T::Output, TaskCell<T>> {
    unsafe fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the caller is the only one touching the cells (contract).
        let (task, outcome) =
            unsafe { (&mut *self.tail.task.get(), &mut *self.tail.outcome.get()) };
        let Some(task) = task.as_mut() else {
            return Poll::Ready(());
        };
        match task.poll(cx) {
            Poll::Ready(v) => {
                outcome.get_or_insert(Ok(v));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    unsafe fn fail(&self, err: JoinError) {
        // SAFETY: as in `poll`.
        let outcome = unsafe { &mut *self.tail.outcome.get() };
        outcome.get_or_insert(Err(err));
    }

    fn started(&self, id: TaskId) {
        self.set_id(id);
    }

    unsafe fn end(&self) {
        // SAFETY: as in `poll`; the task first: its drop runs before anyone
        // hears the outcome.
        drop(unsafe { (*self.tail.task.get()).take() });
        // SAFETY: as in `poll`.
        let outcome = unsafe { (*self.tail.outcome.get()).take() };
        self.complete(outcome.unwrap_or(Err(JoinError::Halted)));
    }
}

/// Erases `task` into one allocation shared with its join slot; with
/// `spawner`, that task is woken when it is placed and when it ends.
pub(crate) fn joined<T: Task>(
    task: T,
    spawner: Option<TaskId>,
) -> (BoxedTask, Arc<JoinSlot<T::Output, dyn Tail>>) {
    let cell = TaskCell {
        task: UnsafeCell::new(Some(task)),
        outcome: UnsafeCell::new(None),
    };
    let slot = Arc::new(JoinSlot::with_tail(cell, spawner));
    let join: Arc<JoinSlot<T::Output, dyn Tail>> = slot.clone();
    (BoxedTask(Repr::Joined(slot)), join)
}

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
    BoxedTask::from_box(Box::new(Spawned {
        task: Some(task),
        outcome: None,
        join,
    }))
}

/// Adapts a task with any output to one with output `()` (spawn by name).
pub(crate) struct Discard<T>(pub T);

impl<T: Task> Task for Discard<T> {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0.poll(cx).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JoinHandle;
    use crate::ids::CoreIndex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its drops.
    struct Dropped(Arc<AtomicUsize>);

    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Never ends by itself.
    struct Never(#[allow(dead_code)] Dropped);

    impl Task for Never {
        type Output = u64;
        fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<u64> {
            Poll::Pending
        }
    }

    #[test]
    fn a_joined_task_is_dropped_once_before_its_joiner_hears_the_first_failure() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut task, slot) = joined(Never(Dropped(drops.clone())), None);
        let h = JoinHandle::new(slot);
        assert_eq!(h.task_id(), None);
        let id = TaskId::new(1, CoreIndex(0), 3, 7);
        task.started(id);
        assert_eq!(h.task_id(), Some(id));
        assert!(task.take_rt().is_none());
        task.fail(JoinError::Panicked("first".into()));
        task.fail(JoinError::Halted);
        assert!(!h.is_finished(), "the outcome waits for the task's drop");
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(task);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(h.join(), Err(JoinError::Panicked("first".into())));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_joined_task_outlives_its_dropped_handle_and_reports_halted_when_dropped() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (task, slot) = joined(Never(Dropped(drops.clone())), None);
        let probe = slot.clone();
        drop(JoinHandle::new(slot));
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "the handle does not own the task"
        );
        drop(task);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(JoinHandle::new(probe).join(), Err(JoinError::Halted));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
