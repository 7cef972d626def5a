//! A core's task table: preallocated slots with generations.
//!
//! A slot is free or holds one task with its priority, capabilities,
//! mailbox, join waiters and statistics. Removing a task bumps the slot's
//! generation, so ids of the old occupant become stale. Each slot's
//! `generation << 1 | live` word is also published (Release) in the shared
//! state, so any thread can tell a stale id from a live one without asking
//! the core.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::bus::Mail;
use crate::caps::Caps;
use crate::error::TaskError;
use crate::ids::{CoreIndex, TaskId};
use crate::task::BoxedTask;

/// One slot.
pub(crate) struct Slot {
    pub generation: u32,
    pub task: Option<BoxedTask>,
    pub live: bool,
    pub priority: u8,
    pub queued: bool,
    /// Queued on the core's yielded list (with `queued` set): it yielded
    /// and joins the ready queue at the start of the next task phase.
    pub deferred: bool,
    /// The ready-queue entry while queued.
    pub ready_handle: Option<enso_sched::ReadyHandle>,
    pub caps: Caps,
    pub mail: VecDeque<Mail>,
    pub name: Option<u32>,
    pub waiters: Vec<TaskId>,
    pub polls: u64,
    pub longest_ns: u64,
    pub total_ns: u64,
    /// Real-time state, for a periodic task.
    pub rt: Option<Box<crate::rt::RtSlot>>,
}

/// The table.
pub(crate) struct TaskTable {
    kernel: u8,
    core: CoreIndex,
    pub slots: Vec<Slot>,
    free: Vec<u32>,
    pub live: usize,
}

impl TaskTable {
    /// `n` slots, each with a mailbox of `mailbox` entries.
    pub(crate) fn new(kernel: u8, core: CoreIndex, n: usize, mailbox: usize) -> TaskTable {
        let slots = (0..n)
            .map(|_| Slot {
                generation: 0,
                task: None,
                live: false,
                priority: 0,
                queued: false,
                deferred: false,
                ready_handle: None,
                caps: Caps::with_capacity(4),
                mail: VecDeque::with_capacity(mailbox),
                name: None,
                waiters: Vec::with_capacity(2),
                polls: 0,
                longest_ns: 0,
                total_ns: 0,
                rt: None,
            })
            .collect();
        TaskTable {
            kernel,
            core,
            slots,
            free: (0..n as u32).rev().collect(),
            live: 0,
        }
    }

    /// The id of the task in `slot`.
    pub(crate) fn id(&self, slot: u32) -> TaskId {
        TaskId::new(
            self.kernel,
            self.core,
            slot,
            self.slots[slot as usize].generation,
        )
    }

    /// Places a task; gives it back when the table is full.
    pub(crate) fn insert(
        &mut self,
        task: BoxedTask,
        priority: u8,
        cells: &[AtomicU64],
    ) -> Result<u32, BoxedTask> {
        let Some(s) = self.free.pop() else {
            return Err(task);
        };
        let slot = &mut self.slots[s as usize];
        slot.task = Some(task);
        slot.live = true;
        slot.priority = priority;
        slot.queued = false;
        slot.deferred = false;
        slot.name = None;
        slot.polls = 0;
        slot.longest_ns = 0;
        slot.total_ns = 0;
        slot.rt = None;
        publish(cells, s, slot.generation, true);
        self.live += 1;
        Ok(s)
    }

    /// The slot of a live task, or why not.
    pub(crate) fn find(&self, id: TaskId) -> Result<u32, TaskError> {
        if id.kernel() != self.kernel || id.core() != self.core {
            return Err(TaskError::Unknown(id));
        }
        let s = self
            .slots
            .get(id.slot() as usize)
            .ok_or(TaskError::Unknown(id))?;
        if s.live && s.generation & crate::ids::GEN_MASK == id.generation() {
            Ok(id.slot())
        } else {
            Err(TaskError::Stale(id))
        }
    }

    /// Frees a slot (the task is already out of it); its ids become stale.
    pub(crate) fn free(&mut self, s: u32, cells: &[AtomicU64]) {
        let slot = &mut self.slots[s as usize];
        slot.live = false;
        slot.queued = false;
        slot.deferred = false;
        slot.ready_handle = None;
        slot.generation = slot.generation.wrapping_add(1) & crate::ids::GEN_MASK;
        publish(cells, s, slot.generation, false);
        self.free.push(s);
        self.live -= 1;
    }
}

fn publish(cells: &[AtomicU64], s: u32, generation: u32, live: bool) {
    // Release: a thread that sees the word sees the slot's new occupant.
    cells[s as usize].store(
        u64::from(generation) << 1 | u64::from(live),
        Ordering::Release,
    );
}
