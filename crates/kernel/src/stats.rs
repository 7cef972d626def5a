//! Statistics and listings, as plain data.
//!
//! Per core, counters live in cache-padded atomics written only by the core
//! (published once per loop turn) and read by anyone. Per task, counters live
//! in the core's task table and are copied out on request (a `Stats` bus
//! message). Per ring, the kernel's ring wrappers count pushes and pops.

use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_utils::CachePadded;

use crate::bus::KINDS;
use crate::ids::{CoreIndex, TaskId};
use crate::topology::{IdlePolicy, Quanta, Reactors, Role};

/// The counters a core publishes each turn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoreCounters {
    /// Time spent in turns that found work, in ns.
    pub busy_ns: u64,
    /// Time spent idle (spinning or parked), in ns.
    pub idle_ns: u64,
    /// Loop turns.
    pub turns: u64,
    /// Task polls.
    pub polls: u64,
    /// Bus messages received (other cores and outside the kernel).
    pub bus_in: u64,
    /// Bus messages sent to other cores.
    pub bus_out: u64,
    /// Times the core parked on its doorbell.
    pub parks: u64,
    /// Timers fired.
    pub timers_fired: u64,
    /// I/O events handled.
    pub io_events: u64,
    /// Tasks that panicked.
    pub task_panics: u64,
    /// Messages for a stale task id, refused.
    pub stale_refused: u64,
    /// Mailbox deliveries refused because the mailbox was full (counted, not lost silently).
    pub mail_overflow: u64,
    /// Mail left unread by tasks that ended.
    pub mail_unread: u64,
}

const FIELDS: usize = 13;

/// Where a core publishes its [`CoreCounters`].
#[derive(Default)]
pub(crate) struct CoreStatsCell {
    cells: [CachePadded<AtomicU64>; FIELDS],
}

impl CoreStatsCell {
    pub(crate) fn publish(&self, c: &CoreCounters) {
        let v = [
            c.busy_ns,
            c.idle_ns,
            c.turns,
            c.polls,
            c.bus_in,
            c.bus_out,
            c.parks,
            c.timers_fired,
            c.io_events,
            c.task_panics,
            c.stale_refused,
            c.mail_overflow,
            c.mail_unread,
        ];
        for (cell, x) in self.cells.iter().zip(v) {
            // Relaxed: each value is a monotone counter read independently.
            cell.store(x, Ordering::Relaxed);
        }
    }

    pub(crate) fn read(&self) -> CoreCounters {
        let g = |i: usize| self.cells[i].load(Ordering::Relaxed);
        CoreCounters {
            busy_ns: g(0),
            idle_ns: g(1),
            turns: g(2),
            polls: g(3),
            bus_in: g(4),
            bus_out: g(5),
            parks: g(6),
            timers_fired: g(7),
            io_events: g(8),
            task_panics: g(9),
            stale_refused: g(10),
            mail_overflow: g(11),
            mail_unread: g(12),
        }
    }
}

/// One core, as listed by the kernel handle.
#[derive(Clone, Debug, PartialEq)]
pub struct CoreInfo {
    /// Index.
    pub index: CoreIndex,
    /// Name.
    pub name: String,
    /// CPU.
    pub cpu: usize,
    /// Role.
    pub role: Role,
    /// Reactors.
    pub reactors: Reactors,
    /// Current quanta.
    pub quanta: Quanta,
    /// Idle policy.
    pub idle: IdlePolicy,
    /// Counters.
    pub counters: CoreCounters,
}

/// A task's state in a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting for a wake.
    Idle,
    /// On the ready queue.
    Ready,
}

/// One task, as listed by the kernel handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInfo {
    /// Id.
    pub id: TaskId,
    /// Listed name (boot name, registered name or `Register` message), if any.
    pub name: Option<String>,
    /// Priority.
    pub priority: u8,
    /// State.
    pub state: TaskState,
    /// Polls so far.
    pub polls: u64,
    /// Longest poll, ns.
    pub longest_poll_ns: u64,
    /// Total poll time, ns.
    pub total_ns: u64,
    /// Capabilities held.
    pub capabilities: usize,
    /// Mail waiting.
    pub mail: usize,
    /// Real-time parameters and statistics, for a periodic task.
    pub rt: Option<crate::rt::RtInfo>,
}

/// A task that panicked, as reported by the kernel handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFailure {
    /// The task (now stale).
    pub id: TaskId,
    /// Its listed name, if any.
    pub name: Option<String>,
    /// The panic message.
    pub message: String,
    /// When, in ns since boot (the turn's clock).
    pub at_ns: u64,
}

/// One timer, as listed by the kernel handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerInfo {
    /// The core holding it.
    pub core: CoreIndex,
    /// Its slot.
    pub slot: u32,
    /// Next fire, ns since boot.
    pub deadline_ns: u64,
    /// Period, 0 for a oneshot.
    pub period_ns: u64,
}

/// One ring, as listed by the kernel handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingInfo {
    /// Name.
    pub name: String,
    /// Capacity.
    pub capacity: usize,
    /// Words pushed so far.
    pub pushed: u64,
    /// Words popped so far.
    pub popped: u64,
    /// Current depth (pushed - popped).
    pub depth: u64,
    /// Whether a task holds the write end.
    pub writer_attached: bool,
    /// Whether a task holds the read end.
    pub reader_attached: bool,
}

/// What a clean shutdown found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Bus messages never handled, per kind (index with [`crate::bus::KIND_NAMES`]).
    pub undelivered: [u64; KINDS],
    /// Mail left unread in mailboxes of tasks ended by the halt.
    pub unread_mail: u64,
    /// Mail refused by full mailboxes over the kernel's life.
    pub mail_overflow: u64,
    /// Tasks still alive at halt, dropped by it.
    pub tasks_dropped: u64,
    /// Words left in named rings.
    pub ring_words_left: u64,
}

impl ShutdownReport {
    /// All bus messages never handled.
    pub fn undelivered_total(&self) -> u64 {
        self.undelivered.iter().sum()
    }
    /// Bus messages never handled that carried work or data: every kind but
    /// `wake` (a wake in flight at halt has no task left to wake: every task
    /// is dropped by the halt anyway).
    pub fn lost(&self) -> u64 {
        self.undelivered_total() - self.undelivered[14]
    }
    /// `Send` words that never reached a task: undelivered `Send` messages,
    /// unread mail and mailbox overflow.
    pub fn words_lost(&self) -> u64 {
        self.undelivered[3] + self.unread_mail + self.mail_overflow
    }
}

impl std::fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "shutdown: {} tasks dropped, {} mail unread, {} mail refused (full mailbox)",
            self.tasks_dropped, self.unread_mail, self.mail_overflow
        )?;
        for (n, k) in self.undelivered.iter().zip(crate::bus::KIND_NAMES) {
            if *n > 0 {
                write!(f, ", {n} {k} undelivered")?;
            }
        }
        Ok(())
    }
}
