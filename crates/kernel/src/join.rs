//! Join handles: where a task's result (or its failure) is delivered.
//!
//! The slot is shared by the task (which completes it once) and the handle
//! (which takes the result once). A handle can block an outside thread
//! ([`JoinHandle::join`]), be polled by a [`Task`](crate::Task)
//! ([`JoinHandle::poll_join`]) or be awaited by an async task; the waker it
//! registers may belong to another core, in which case the wake travels as a
//! bus message.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::error::JoinError;
use crate::ids::TaskId;

enum State<T> {
    Waiting(Option<Waker>),
    Done(Result<T, JoinError>),
    Taken,
}

/// The one-shot rendezvous between a task and its join handle.
pub(crate) struct JoinSlot<T> {
    state: Mutex<State<T>>,
    done: Condvar,
    /// The task id once the core has placed the task (0: not yet).
    id: AtomicU64,
    /// A task to wake when the task is placed (its id bits; 0: none).
    notify: AtomicU64,
}

impl<T> JoinSlot<T> {
    pub(crate) fn new() -> Arc<JoinSlot<T>> {
        Arc::new(JoinSlot {
            state: Mutex::new(State::Waiting(None)),
            done: Condvar::new(),
            id: AtomicU64::new(0),
            notify: AtomicU64::new(0),
        })
    }

    /// A slot whose placement, and whose completion, wake task `spawner`.
    pub(crate) fn notifying(spawner: TaskId) -> Arc<JoinSlot<T>> {
        Arc::new(JoinSlot {
            state: Mutex::new(State::Waiting(Some(crate::waker::waker(spawner)))),
            done: Condvar::new(),
            id: AtomicU64::new(0),
            notify: AtomicU64::new(spawner.to_bits()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A poisoned lock only means a waiter panicked; the state is intact.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores the result and wakes the waiter; later calls are ignored.
    pub(crate) fn complete(&self, r: Result<T, JoinError>) {
        let mut g = self.lock();
        let waker = match &mut *g {
            State::Waiting(w) => w.take(),
            _ => return,
        };
        *g = State::Done(r);
        drop(g);
        self.done.notify_all();
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
    slot: Arc<JoinSlot<T>>,
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("task", &self.task_id())
            .finish()
    }
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(slot: Arc<JoinSlot<T>>) -> JoinHandle<T> {
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
        !matches!(*self.slot.lock(), State::Waiting(_))
    }

    /// Polls for the result, registering `waker` if it is not there yet.
    /// The result is handed out once; later polls stay pending.
    pub fn poll_join(&mut self, waker: &Waker) -> Poll<Result<T, JoinError>> {
        let mut g = self.slot.lock();
        match &mut *g {
            State::Waiting(w) => {
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
                s @ State::Waiting(_) => {
                    *g = s;
                    g = self.slot.done.wait(g).unwrap_or_else(|e| e.into_inner());
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
            g = self
                .slot
                .done
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
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
    pub(crate) fn new(slot: Arc<JoinSlot<T>>) -> PendingSpawn<T> {
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
