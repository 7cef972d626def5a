//! State shared by all cores of one kernel, and the process registry of
//! kernels (so a waker called outside the kernel can find its core).
//!
//! Everything here is written rarely or by one core only: per-core stats
//! cells, each slot's published generation, listings produced on request,
//! named rings and counters. Hot per-core state lives in the core itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Instant;

use crossbeam_queue::ArrayQueue;
use crossbeam_utils::Backoff;

use crate::bus::Message;
use crate::caps::Counter;
use crate::doorbell::Doorbell;
use crate::error::TaskError;
use crate::ids::{CoreIndex, TaskId};
use crate::rings::RingEntry;
use crate::stats::{CoreStatsCell, TaskInfo, TimerInfo};
use crate::topology::{CoreSpec, Factory, Quanta};

/// How many task failures the kernel remembers.
pub(crate) const FAILURES: usize = 64;

/// Capacity of each core's inbox for messages from outside the kernel.
pub(crate) const INBOX: usize = 1024;

/// A listing a core publishes on request.
#[derive(Default)]
pub(crate) struct Listing {
    pub seq: u64,
    pub tasks: Vec<TaskInfo>,
    pub timers: Vec<TimerInfo>,
    /// Tasks waiting for a listing of at least this sequence number
    /// ([`crate::ListingRequest`]): woken when it is published.
    pub waiters: Vec<(u64, crate::ids::TaskId)>,
}

/// What other threads may see of one core.
pub(crate) struct CoreShared {
    pub spec: CoreSpec,
    pub doorbell: Doorbell,
    /// Messages from outside the kernel (handles, foreign wakers).
    pub inbox: ArrayQueue<Message>,
    pub stats: CoreStatsCell,
    /// Current quanta, published by the core after a QoS message.
    pub quanta: Mutex<Quanta>,
    /// Per slot: `generation << 1 | live`, written by the core only.
    pub slots: Box<[AtomicU64]>,
    pub listing: Mutex<Listing>,
    pub listing_ready: std::sync::Condvar,
    /// The last `Sync` answer this core received.
    pub synced: AtomicU64,
    /// False once the core's loop has ended (set by the core, Release).
    pub running: std::sync::atomic::AtomicBool,
    /// The admitted real-time set (spawns and the core; never the hot path).
    pub rt: Mutex<Vec<crate::rt::Admitted>>,
}

impl CoreShared {
    /// Checks that `id` names a live task of this core.
    pub(crate) fn check(&self, id: TaskId) -> Result<(), TaskError> {
        let cell = self
            .slots
            .get(id.slot() as usize)
            .ok_or(TaskError::Unknown(id))?;
        // Acquire: pairs with the core's Release when it publishes a slot.
        let v = cell.load(Ordering::Acquire);
        if v & 1 == 1 && (v >> 1) as u32 & crate::ids::GEN_MASK == id.generation() {
            Ok(())
        } else {
            Err(TaskError::Stale(id))
        }
    }
}

/// The kernel's shared state.
pub(crate) struct Shared {
    pub kernel: u8,
    pub epoch: Instant,
    pub cores: Vec<CoreShared>,
    pub rings: RwLock<Vec<Arc<RingEntry>>>,
    pub counters: Vec<(String, Counter)>,
    pub factories: Vec<(String, Factory)>,
    pub names: Mutex<Vec<String>>,
    pub texts: Mutex<Vec<(u64, String)>>,
    pub next_text: AtomicU64,
    pub mailbox: usize,
    /// Set when the final drain is done: posts are refused from then on.
    pub closed: RwLock<bool>,
    pub listing_seq: AtomicU64,
    /// Counts gathered at shutdown.
    pub report: Mutex<crate::stats::ShutdownReport>,
    /// The latest task failures, oldest first (at most `FAILURES`).
    pub failures: Mutex<std::collections::VecDeque<crate::stats::TaskFailure>>,
    /// The first fatal error of a core (e.g. pinning refused).
    pub fatal: Mutex<Option<crate::error::KernelError>>,
}

impl Shared {
    /// Nanoseconds since boot.
    pub(crate) fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// Checks that `id` names a live task of this kernel.
    pub(crate) fn check(&self, id: TaskId) -> Result<(), TaskError> {
        if id.kernel() != self.kernel {
            return Err(TaskError::Unknown(id));
        }
        self.cores
            .get(id.core().get())
            .ok_or(TaskError::Unknown(id))?
            .check(id)
    }

    /// Posts a message from outside the kernel to `core`, waiting while the
    /// inbox is full (backpressure). Refused once the kernel has shut down.
    pub(crate) fn post(&self, core: CoreIndex, mut m: Message) -> Result<(), Message> {
        let Some(c) = self.cores.get(core.get()) else {
            return Err(m);
        };
        let closed = self.closed.read().unwrap_or_else(|e| e.into_inner());
        if *closed {
            return Err(m);
        }
        let backoff = Backoff::new();
        loop {
            match c.inbox.push(m) {
                Ok(()) => break,
                Err(back) => {
                    // A core that has stopped will never make room: refuse
                    // rather than wait forever (the caller gets it back).
                    if !c.running.load(Ordering::Acquire) {
                        return Err(back);
                    }
                    m = back;
                    c.doorbell.ring();
                    backoff.snooze();
                }
            }
        }
        drop(closed);
        c.doorbell.ring();
        Ok(())
    }

    /// Keeps a task failure for the handle's `failures` listing.
    pub(crate) fn record_failure(&self, f: crate::stats::TaskFailure) {
        let mut l = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if l.len() == FAILURES {
            l.pop_front();
        }
        l.push_back(f);
    }

    /// Interns a listed name.
    pub(crate) fn intern(&self, name: &str) -> u32 {
        let mut n = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = n.iter().position(|x| x == name) {
            return i as u32;
        }
        n.push(name.to_string());
        (n.len() - 1) as u32
    }

    pub(crate) fn name(&self, i: u32) -> Option<String> {
        self.names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(i as usize)
            .cloned()
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Ring ends point back at their entry; take them out to break the cycle.
        for r in self
            .rings
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            drop(r.take_writer());
            drop(r.take_reader());
        }
        let mut reg = registry();
        if let Some(e) = reg.get_mut(usize::from(self.kernel))
            && matches!(e, Entry::Live(w) if w.strong_count() == 0)
        {
            *e = Entry::Free;
        }
    }
}

/// A registry entry.
#[derive(Clone)]
enum Entry {
    Free,
    Reserved,
    Live(Weak<Shared>),
}

static KERNELS: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

fn registry() -> std::sync::MutexGuard<'static, Vec<Entry>> {
    KERNELS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reserves a kernel instance number.
pub(crate) fn reserve() -> Option<u8> {
    let mut reg = registry();
    if reg.is_empty() {
        reg.resize(256, Entry::Free);
    }
    // Instance 0 is never used, so no valid task id is all zero bits (the
    // join slot's "not placed yet" value).
    let i = reg.iter().skip(1).position(|s| match s {
        Entry::Free => true,
        Entry::Reserved => false,
        Entry::Live(w) => w.strong_count() == 0,
    })? + 1;
    reg[i] = Entry::Reserved;
    Some(i as u8)
}

/// Frees a reserved number whose kernel never started.
pub(crate) fn unreserve(kernel: u8) {
    if let Some(e) = registry().get_mut(usize::from(kernel)) {
        *e = Entry::Free;
    }
}

/// Publishes a kernel under its instance number.
pub(crate) fn publish(sh: &Arc<Shared>) {
    registry()[usize::from(sh.kernel)] = Entry::Live(Arc::downgrade(sh));
}

/// Finds a live kernel by instance number.
pub(crate) fn lookup(kernel: u8) -> Option<Arc<Shared>> {
    match registry().get(usize::from(kernel)) {
        Some(Entry::Live(w)) => w.upgrade(),
        _ => None,
    }
}
