//! `async` futures as tasks.
//!
//! [`FutureTask`] polls a future with the task's own waker, so a future is
//! scheduled on the same ready queue as every other task: waking it pushes
//! its task id (locally, or as a `Wake` bus message from another core).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use crate::context::Context;
use crate::task::Task;

/// A future run as a task.
pub struct FutureTask<F> {
    fut: Pin<Box<F>>,
}

impl<F: Future> FutureTask<F> {
    /// Wraps a future (boxed once, at spawn).
    pub fn new(fut: F) -> FutureTask<F> {
        FutureTask { fut: Box::pin(fut) }
    }
}

impl<F> Task for FutureTask<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    type Output = F::Output;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut scx = std::task::Context::from_waker(cx.waker());
        self.fut.as_mut().poll(&mut scx)
    }
}

/// Gives the core to other tasks once: on a kernel core the task is polled
/// again in the next turn, after that turn's bus, I/O and timers (its wake
/// of itself during its own poll is taken as a yield).
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
#[derive(Debug)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
