//! Join handles: where a task's result (or its failure) is delivered.
//!
//! The slot is shared by the task (which completes it once) and the handle
//! (which takes the result once). A handle can block an outside thread
//! ([`JoinHandle::join`]), be polled by a [`Task`](crate::Task)
//! ([`JoinHandle::poll_join`]) or be awaited by an async task; the waker it
//! registers may belong to another core, in which case the wake travels as a
//! bus message.
//!
//! A thread blocked in `join` counts itself in the slot's state, under the
//! slot's lock; completion signals the condvar only when that count is
//! non-zero, so the common case (the handle polled, or joined after the
//! end) costs no futex call.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::error::JoinError;
use crate::ids::TaskId;

enum State<T> {
    /// Not done: the waker of an async or `poll_join` waiter, and how many
    /// threads are blocked on the condvar (`join`, `join_timeout`).
    Waiting {
        waker: Option<Waker>,
        blocked: u32,
    },
    Done(Result<T, JoinError>),
    Taken,
}

/// What shares a join slot's allocation: nothing (`()`), or the task
/// itself ([`crate::task::joined`]: one allocation per spawn).
pub(crate) trait Tail: Send + Sync {}

impl Tail for () {}

/// The one-shot rendezvous between a task and its join handle; `tail`
/// (last, so the slot can be unsized to `JoinSlot<T, dyn Tail>`) is what
/// else lives in the same allocation.
pub(crate) struct JoinSlot<T, X: ?Sized = ()> {
    state: Mutex<State<T>>,
    done: Condvar,
    /// The task id once the core has placed the task (0: not yet).
    id: AtomicU64,
    /// A task to wake when the task is placed (its id bits; 0: none).
    notify: AtomicU64,
    pub(crate) tail: X,
}

impl<T> JoinSlot<T> {
    pub(crate) fn new() -> Arc<JoinSlot<T>> {
        Arc::new(JoinSlot::with_tail((), None))
    }
}

impl<T, X> JoinSlot<T, X> {
    /// A slot holding `tail`; with `spawner`, its placement and its
    /// completion wake that task.
    pub(crate) fn with_tail(tail: X, spawner: Option<TaskId>) -> JoinSlot<T, X> {
        JoinSlot {
            state: Mutex::new(State::Waiting {
                waker: spawner.map(crate::waker::waker),
                blocked: 0,
            }),
            done: Condvar::new(),
            id: AtomicU64::new(0),
            notify: AtomicU64::new(spawner.map_or(0, TaskId::to_bits)),
            tail,
        }
    }
}

impl<T, X: ?Sized> JoinSlot<T, X> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A poisoned lock only means a waiter panicked; the state is intact.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores the result and wakes the waiter; later calls are ignored.
    /// The condvar is signalled only if a thread is blocked on it (counted
    /// under the same lock), so a completion nobody waits for makes no
    /// futex call.
    pub(crate) fn complete(&self, r: Result<T, JoinError>) {
        let mut g = self.lock();
        let (waker, blocked) = match &mut *g {
            State::Waiting { waker, blocked } => (waker.take(), *blocked),
            _ => return,
        };
        *g = State::Done(r);
        drop(g);
        // A thread counted in `blocked` is in the condvar's wait (or about
        // to re-check the state under the lock): no lost wakeup.
        if blocked > 0 {
            self.done.notify_all();
        }
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn set_id(&self, id: TaskId) {
        // Release: a reader that sees the id also sees the task placed.
        self.id.store(id.to_bits(), Ordering::Release);
        // Relaxed: set once before the slot is shared.
        match self.notify.load(Ordering::Relaxed) {
            0 => {}
            // Runs on the placing core: a wake of a task on another core
            // travels as a bus message.
            b => crate::waker::wake(TaskId::from_bits(b)),
        }
    }
}

/// The result of a spawned task.
pub struct JoinHandle<T> {
    slot: Arc<JoinSlot<T, dyn Tail>>,
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("task", &self.task_id())
            .finish()
    }
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(slot: Arc<JoinSlot<T, dyn Tail>>) -> JoinHandle<T> {
        JoinHandle { slot }
    }

    /// The task's id, once its core has placed it (`None` before that, or if
    /// the spawn was refused).
    pub fn task_id(&self) -> Option<TaskId> {
        match self.slot.id.load(Ordering::Acquire) {
            0 => None,
            b => Some(TaskId::from_bits(b)),
        }
    }

    /// Whether the result is there.
    pub fn is_finished(&self) -> bool {
        !matches!(*self.slot.lock(), State::Waiting { .. })
    }

    /// Polls for the result, registering `waker` if it is not there yet.
    /// The result is handed out once; later polls stay pending.
    pub fn poll_join(&mut self, waker: &Waker) -> Poll<Result<T, JoinError>> {
        let mut g = self.slot.lock();
        match &mut *g {
            State::Waiting { waker: w, .. } => {
                match w {
                    Some(old) if old.will_wake(waker) => {}
                    _ => *w = Some(waker.clone()),
                }
                Poll::Pending
            }
            State::Done(_) => match std::mem::replace(&mut *g, State::Taken) {
                State::Done(r) => Poll::Ready(r),
                _ => Poll::Pending,
            },
            State::Taken => Poll::Pending,
        }
    }

    /// Blocks the calling thread until the task ends. Call it from outside
    /// the kernel: on a core thread it would stall the core.
    pub fn join(self) -> Result<T, JoinError> {
        let mut g = self.slot.lock();
        loop {
            match std::mem::replace(&mut *g, State::Taken) {
                State::Done(r) => return r,
                State::Waiting { waker, blocked } => {
                    *g = State::Waiting {
                        waker,
                        blocked: blocked.saturating_add(1),
                    };
                    g = self.slot.done.wait(g).unwrap_or_else(|e| e.into_inner());
                    unblock(&mut g);
                }
                State::Taken => return Err(JoinError::Halted),
            }
        }
    }

    /// Like [`JoinHandle::join`] with a deadline; `Err(self)` on timeout.
    pub fn join_timeout(self, timeout: Duration) -> Result<Result<T, JoinError>, JoinHandle<T>> {
        let deadline = std::time::Instant::now() + timeout;
        let mut g = self.slot.lock();
        loop {
            if let State::Done(_) = &*g
                && let State::Done(r) = std::mem::replace(&mut *g, State::Taken)
            {
                return Ok(r);
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                drop(g);
                return Err(self);
            }
            if let State::Waiting { blocked, .. } = &mut *g {
                *blocked = blocked.saturating_add(1);
            }
            g = self
                .slot
                .done
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            unblock(&mut g);
        }
    }
}

/// A blocked thread is back under the lock: it no longer counts as waiting
/// on the condvar (a completion while it was blocked reset the state to
/// `Done`, dropping the count with it).
fn unblock<T>(g: &mut MutexGuard<'_, State<T>>) {
    if let State::Waiting { blocked, .. } = &mut **g {
        *blocked = blocked.saturating_sub(1);
    }
}

/// A spawn requested from inside a task ([`crate::Context::spawn_named`],
/// [`crate::Context::spawn_notify`]): the spawning task's core did not wait.
/// The target core wakes the spawner when it has placed the task (a bus
/// message if it is another core), and again if the placement is refused
/// or the task ends; [`PendingSpawn::poll_id`] then says which.
pub struct PendingSpawn<T> {
    join: JoinHandle<T>,
}

impl<T> std::fmt::Debug for PendingSpawn<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSpawn")
            .field("task", &self.join.task_id())
            .finish()
    }
}

impl<T> PendingSpawn<T> {
    pub(crate) fn new(slot: Arc<JoinSlot<T, dyn Tail>>) -> PendingSpawn<T> {
        PendingSpawn {
            join: JoinHandle::new(slot),
        }
    }

    /// The new task's id once its core has placed it.
    pub fn id(&self) -> Option<TaskId> {
        self.join.task_id()
    }

    /// `Ready(Some(id))` once placed; `Ready(None)` if the spawn came to
    /// nothing (the core's task table was full, or the kernel halted);
    /// `Pending` until then (the spawner is woken when it changes).
    pub fn poll_id(&self) -> Poll<Option<TaskId>> {
        match self.join.task_id() {
            Some(id) => Poll::Ready(Some(id)),
            None if self.join.is_finished() => {
                // Placed and finished between the two reads: the id is set
                // before the task can run, so a second read sees it.
                Poll::Ready(self.join.task_id())
            }
            None => Poll::Pending,
        }
    }

    /// The join handle of the task (its result, once it ends).
    pub fn into_join(self) -> JoinHandle<T> {
        self.join
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        self.get_mut().poll_join(cx.waker())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Threads counted as blocked on `slot`'s condvar.
    fn blocked<T, X: ?Sized>(slot: &JoinSlot<T, X>) -> u32 {
        match &*slot.lock() {
            State::Waiting { blocked, .. } => *blocked,
            _ => 0,
        }
    }

    /// Waits until a thread is blocked on `slot` (10 s at most).
    fn until_blocked<T, X: ?Sized>(slot: &JoinSlot<T, X>) {
        let t0 = Instant::now();
        while blocked(slot) == 0 {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "joiner never blocked"
            );
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_thread_blocked_in_join_is_woken_by_completion() {
        for i in 0..1000u64 {
            let slot = JoinSlot::<u64>::new();
            let h = JoinHandle::new(slot.clone());
            let (tx, rx) = std::sync::mpsc::channel();
            let t = std::thread::spawn(move || tx.send(h.join()));
            until_blocked(&slot);
            slot.complete(Ok(i));
            // A lost wakeup fails here instead of hanging the test.
            let r = rx.recv_timeout(Duration::from_secs(10));
            assert_eq!(r, Ok(Ok(i)), "round {i}: the blocked joiner was not woken");
            t.join().expect("joiner").expect("result sent");
        }
    }

    #[test]
    fn a_thread_blocked_in_join_timeout_is_woken_by_completion() {
        for i in 0..200u64 {
            let slot = JoinSlot::<u64>::new();
            let h = JoinHandle::new(slot.clone());
            let t = std::thread::spawn(move || {
                let t0 = Instant::now();
                let r = h.join_timeout(Duration::from_secs(30)).ok();
                (r, t0.elapsed())
            });
            until_blocked(&slot);
            slot.complete(Ok(i));
            let (r, took) = t.join().expect("joiner");
            assert_eq!(r, Some(Ok(i)));
            assert!(
                took < Duration::from_secs(20),
                "woken by the timeout, not the completion"
            );
        }
    }

    #[test]
    fn a_join_timeout_that_expires_leaves_no_count_behind() {
        let slot = JoinSlot::<u64>::new();
        let h = JoinHandle::new(slot.clone());
        let h = h
            .join_timeout(Duration::from_millis(1))
            .expect_err("nothing completed it");
        assert_eq!(blocked(&slot), 0);
        slot.complete(Ok(3));
        assert_eq!(h.join(), Ok(3));
    }
}
