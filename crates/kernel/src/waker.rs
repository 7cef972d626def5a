//! Wakers for kernel tasks, and where a wake goes.
//!
//! A task's `std::task::Waker` carries only its [`TaskId`] in the data word:
//! creating, cloning and dropping one allocates nothing. Waking routes by
//! the calling thread:
//!
//! - on the task's own core: the id goes into the core's local wake list,
//!   which the run loop moves onto the ready queue after the current step;
//! - on another core of the same kernel: into that core's remote wake list,
//!   which the run loop sends as a `Wake` bus message;
//! - on any other thread: the kernel is found in the process registry (by
//!   the instance number inside the id) and a `Wake` is posted to the task's
//!   core's external inbox, ringing its doorbell.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::bus::Message;
use crate::ids::{CoreIndex, TaskId};
use crate::shared;

/// The wake lists of the core running on this thread.
pub(crate) struct WakeLists {
    kernel: u8,
    core: CoreIndex,
    /// Tasks of this core to make ready, in wake order (the run loop takes
    /// them from the front: the first woken is queued first).
    pub(crate) local: VecDeque<TaskId>,
    /// Tasks of other cores to wake by bus message.
    pub(crate) remote: Vec<TaskId>,
}

thread_local! {
    static CURRENT: RefCell<Option<WakeLists>> = const { RefCell::new(None) };
}

/// Marks this thread as running `core` of kernel `kernel`.
pub(crate) fn enter(kernel: u8, core: CoreIndex, capacity: usize) {
    CURRENT.with(|c| {
        *c.borrow_mut() = Some(WakeLists {
            kernel,
            core,
            local: VecDeque::with_capacity(capacity),
            remote: Vec::with_capacity(capacity),
        })
    });
}

/// Unmarks this thread.
pub(crate) fn leave() {
    CURRENT.with(|c| *c.borrow_mut() = None);
}

/// Runs `f` on this thread's wake lists (none outside a core thread).
pub(crate) fn with_lists<R>(f: impl FnOnce(&mut WakeLists) -> R) -> Option<R> {
    CURRENT.with(|c| c.try_borrow_mut().ok().and_then(|mut g| g.as_mut().map(f)))
}

/// Takes back the wakes of `id` recorded on this thread's local list, and
/// says whether there were any. The run loop calls it right after polling
/// `id`: a task that wakes itself during its own poll (an `async`
/// [`yield_now`](crate::yield_now)) has yielded, and is deferred to the
/// next turn rather than made ready at once.
pub(crate) fn take_self_wake(id: TaskId) -> bool {
    with_lists(|l| {
        if !l.local.contains(&id) {
            return false;
        }
        l.local.retain(|&t| t != id);
        true
    })
    .unwrap_or(false)
}

/// Routes a wake of `id` as described in the module doc.
pub(crate) fn wake(id: TaskId) {
    let routed = with_lists(|l| {
        if l.kernel != id.kernel() {
            return false;
        }
        if l.core == id.core() {
            l.local.push_back(id)
        } else {
            l.remote.push(id)
        }
        true
    });
    if routed != Some(true)
        && let Some(sh) = shared::lookup(id.kernel())
    {
        // Outside the kernel; a halted kernel refuses, and then there is no
        // task left to wake.
        let _ = sh.post(id.core(), Message::Wake { task: id });
    }
}

/// The waker of task `id`.
pub(crate) fn waker(id: TaskId) -> Waker {
    // SAFETY: the vtable functions below treat the data word as a plain
    // integer (the task id); nothing is dereferenced or freed.
    unsafe { Waker::from_raw(raw(id)) }
}

fn raw(id: TaskId) -> RawWaker {
    RawWaker::new(id.to_bits() as usize as *const (), &VTABLE)
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake_by_val, wake_by_ref, drop_waker);

fn id_of(data: *const ()) -> TaskId {
    TaskId::from_bits(data as usize as u64)
}

fn clone(data: *const ()) -> RawWaker {
    raw(id_of(data))
}

fn wake_by_val(data: *const ()) {
    wake(id_of(data));
}

fn wake_by_ref(data: *const ()) {
    wake(id_of(data));
}

fn drop_waker(_: *const ()) {}

const _: () = assert!(
    std::mem::size_of::<usize>() == 8,
    "task ids travel in a 64-bit waker word"
);
