//! One core: its task table, ready queue, bus end, timers, reactor, and the
//! run loop.
//!
//! Each turn: the bus (at most `bus` messages), I/O (at most `io` events),
//! due timers, tasks (at most `tasks` polls), then, if the turn found no
//! work, idling by policy. Wakes produced by any step are moved onto the
//! ready queue (or onto the bus, for other cores) right after that step, in
//! the order they happened: tasks woken by one turn's I/O events are polled
//! in event order, each once before any is polled twice.
//!
//! A task that yields ([`Context::yield_now`], a full `send`, or a wake of
//! itself during its own poll, as `async` [`crate::yield_now`] does) goes
//! on the core's yielded list, not the ready queue: the list joins the
//! ready queue (at each task's priority, in yield order) at the start of
//! the next task phase, so the bus, I/O and timers are looked at before the
//! task is polled again.
//!
//! A task poll is timed and wrapped in `catch_unwind`: a panic marks the
//! task failed, releases its capabilities and sockets, reports the failure
//! to its joiner and to the core's counters, and the loop goes on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use crate::bus::{Mail, Message};
use crate::context::{Context, Services};
use crate::doorbell::DOORBELL;
use crate::error::JoinError;
use crate::ids::{CoreIndex, TaskId};
use crate::rt::RtCore;
use crate::shared::Shared;
use crate::stats::TaskFailure;
use crate::table::TaskTable;
use crate::task::BoxedTask;
use crate::timer::TimerAction;
use crate::timerfd::{TIMERFD, TimerFd};
use crate::topology::{IdlePolicy, Quanta};
use crate::tsc;
use crate::turnclock::TurnClock;
use crate::waker;
use enso_sched::{ReadyHandle, ReadyQueue};

/// A core's private state; lives on its thread.
pub(crate) struct Core {
    pub(crate) idx: CoreIndex,
    pub(crate) shared: Arc<Shared>,
    pub(crate) table: TaskTable,
    /// Ready task slots by priority (`enso_sched`: 256 levels, O(1)).
    pub(crate) ready: ReadyQueue<u32>,
    pub(crate) sv: Services,
    pub(crate) poll: mio::Poll,
    pub(crate) events: mio::Events,
    pub(crate) quanta: Quanta,
    pub(crate) idle: IdlePolicy,
    pub(crate) halted: bool,
    /// Timer actions of the current turn (preallocated).
    pub(crate) fired: Vec<TimerAction>,
    /// Slots that yielded in this turn's task phase, in order; they join
    /// the ready queue at the start of the next one (capacity: one per
    /// table slot, so pushing never allocates).
    pub(crate) yielded: Vec<u32>,
    /// Wakes a parked core at its next timer deadline or job release.
    pub(crate) timerfd: Option<TimerFd>,
    /// Real-time jobs: their queue and release schedule.
    pub(crate) rt: RtCore,
}

/// An idle core publishes its counters every this many turns.
const IDLE_PUBLISH: u64 = 256;

/// How long a core with a backlog for a full link sleeps before retrying.
const BACKLOG_RETRY: Duration = Duration::from_micros(50);

/// Upper bound on the events taken from the poller in one call.
pub(crate) const MAX_EVENTS: usize = 1024;

impl Core {
    /// Runs the loop until a `Halt` message, then drops every task.
    pub(crate) fn run(&mut self) {
        waker::enter(self.shared.kernel, self.idx, self.table.slots.len());
        let mut clock = TurnClock::new(self.shared.epoch);
        let mut idle_since: Option<u64> = None;
        let mut prev_start = clock.read().ns;
        let mut prev_work = false;
        while !self.halted {
            // One clock read per turn (a TSC read, see `turnclock`), plus
            // two per poll (see `poll_slot`): the time since the previous
            // turn's start is that turn's, busy or idle.
            let start = clock.read();
            let spent = start.ns.saturating_sub(prev_start);
            if prev_work {
                self.sv.counters.busy_ns += spent;
            } else {
                self.sv.counters.idle_ns += spent;
            }
            prev_start = start.ns;
            self.rt.turn_tsc = start.tsc;
            self.sv.now = start.ns;
            let mut work = self.bus_phase();
            if self.halted {
                break;
            }
            if self.sv.reactor.is_some() {
                work += self.io_phase(Some(Duration::ZERO));
            }
            work += self.timer_phase();
            work += self.release_phase();
            work += self.task_phase();
            self.sv.counters.turns += 1;
            prev_work = work > 0;
            if prev_work {
                idle_since = None;
                self.publish_stats();
            } else {
                let since = *idle_since.get_or_insert(start.ns);
                // Idle spinning publishes now and then, not every turn.
                if self.sv.counters.turns.is_multiple_of(IDLE_PUBLISH) {
                    self.publish_stats();
                }
                self.idle_step(since);
            }
        }
        self.shutdown_tasks();
        self.publish_stats();
        waker::leave();
    }

    /// Publishes the core's counters for readers on other threads.
    pub(crate) fn publish_stats(&mut self) {
        self.sv.counters.bus_out = self.sv.bus.sent;
        self.shared.cores[self.idx.get()]
            .stats
            .publish(&self.sv.counters);
    }

    /// Handles up to `bus` messages from the local queue, the links and the
    /// outside inbox, in turn.
    fn bus_phase(&mut self) -> usize {
        self.sv.bus.flush(&self.shared);
        let quota = self.quanta.bus as usize;
        let mut n = 0;
        while n < quota && !self.halted {
            let Some(m) = self.next_message(n) else { break };
            self.handle(m);
            self.drain_wakes();
            n += 1;
        }
        n
    }

    /// The next message from three sources, the first choice rotating with
    /// `n` so none starves: the links from other cores, the outside inbox,
    /// this core's own queue.
    fn next_message(&mut self, n: usize) -> Option<crate::bus::Message> {
        let inbox = &self.shared.cores[self.idx.get()].inbox;
        // One division per call, then a wrapping step (was one per source).
        let mut src = n % 3;
        for _ in 0..3 {
            let m = match src {
                0 => self.sv.bus.recv(),
                1 => inbox.pop(),
                _ => self.sv.bus.local.pop_front(),
            };
            if m.is_some() {
                if src != 2 {
                    self.sv.counters.bus_in += 1;
                }
                return m;
            }
            src = if src == 2 { 0 } else { src + 1 };
        }
        None
    }

    /// Polls the reactor (and the doorbell) with `timeout`; handles events.
    pub(crate) fn io_phase(&mut self, timeout: Option<Duration>) -> usize {
        if let Err(e) = self.poll.poll(&mut self.events, timeout)
            && e.kind() != std::io::ErrorKind::Interrupted
        {
            eprintln!("enso: {}: poll failed: {e}", self.idx);
        }
        let mut n = 0;
        let Core { events, sv, .. } = self;
        for ev in events.iter() {
            if ev.token() == DOORBELL || ev.token() == TIMERFD {
                continue;
            }
            if let Some(owner) = sv.reactor.as_mut().and_then(|r| r.event(ev)) {
                // Through the wake lists: dedup and routing as for any wake.
                waker::wake(owner);
                n += 1;
            }
        }
        self.sv.counters.io_events += n as u64;
        self.drain_wakes();
        n
    }

    fn timer_phase(&mut self) -> usize {
        let Some(timers) = self.sv.timers.as_mut() else {
            return 0;
        };
        let mut fired = std::mem::take(&mut self.fired);
        let max = fired.capacity();
        let n = timers.fire_due(self.sv.now, max, |a| fired.push(a));
        for a in fired.drain(..) {
            self.timer_action(a);
        }
        self.fired = fired;
        self.sv.counters.timers_fired += n as u64;
        self.drain_wakes();
        n
    }

    /// Carries out a timer's action (locally, or as a bus message).
    pub(crate) fn timer_action(&mut self, a: TimerAction) {
        let to = a.task();
        if to.core() != self.idx {
            let m = match a {
                TimerAction::Wake(task) => Message::Wake { task },
                TimerAction::Send { to, word } => Message::Send { to, word },
                TimerAction::User { to, msg } => Message::User { to, msg },
            };
            self.sv.send(to.core(), m);
            return;
        }
        match a {
            TimerAction::Wake(t) => self.wake_local(t),
            TimerAction::Send { to, word } => self.deliver(to, Mail::Word(word)),
            TimerAction::User { to, msg } => self.deliver(to, Mail::User(msg)),
        }
    }

    /// Polls up to `tasks` times: real-time jobs first (by priority or
    /// deadline), then background tasks by priority. Tasks that yielded in
    /// the previous task phase join the ready queue first.
    fn task_phase(&mut self) -> usize {
        self.requeue_yielded();
        let mut n = 0;
        while n < self.quanta.tasks as usize {
            let s = match self.rt.pop() {
                Some(s) => s,
                None => match self.ready.pop() {
                    Some((_, s)) => s,
                    None => break,
                },
            };
            if self.table.slots[s as usize].rt.is_some() {
                self.poll_rt(s);
            } else {
                self.poll_slot(s);
            }
            self.drain_wakes();
            n += 1;
        }
        n
    }

    /// Moves the slots that yielded onto the ready queue, in yield order
    /// (a slot that ended since is skipped: `free` cleared its flag).
    fn requeue_yielded(&mut self) {
        let Core {
            table,
            ready,
            yielded,
            ..
        } = self;
        for s in yielded.drain(..) {
            let slot = &mut table.slots[s as usize];
            if slot.deferred {
                slot.deferred = false;
                slot.ready_handle = enqueue(ready, s, slot.priority);
            }
        }
    }

    fn poll_slot(&mut self, s: u32) {
        let Core {
            table,
            sv,
            ready,
            yielded: yield_list,
            ..
        } = self;
        let id = table.id(s);
        let slot = &mut table.slots[s as usize];
        slot.queued = false;
        slot.ready_handle = None;
        let Some(mut task) = slot.task.take() else {
            return;
        };
        let waker = waker::waker(id);
        let t0 = tsc::now();
        let (res, yielded) = {
            let mut cx = Context {
                sv,
                id,
                waker: &waker,
                caps: &mut slot.caps,
                mail: &mut slot.mail,
                yielded: false,
            };
            let r = catch_unwind(AssertUnwindSafe(|| task.poll(&mut cx)));
            (r, cx.yielded)
        };
        let dt = tsc::ticks_to_ns(tsc::now().wrapping_sub(t0));
        // A wake of itself during its own poll is a yield too.
        let yielded = waker::take_self_wake(id) || yielded;
        slot.polls += 1;
        slot.total_ns += dt;
        slot.longest_ns = slot.longest_ns.max(dt);
        sv.counters.polls += 1;
        match res {
            Ok(Poll::Pending) => {
                slot.task = Some(task);
                if yielded && !slot.queued {
                    slot.queued = true;
                    if yield_list.len() < yield_list.capacity() {
                        slot.deferred = true;
                        yield_list.push(s);
                    } else {
                        // Not reached (one entry per slot, the list is
                        // emptied every task phase); never allocate.
                        slot.ready_handle = enqueue(ready, s, slot.priority);
                    }
                }
            }
            Ok(Poll::Ready(())) => self.finish(s, task),
            Err(payload) => self.task_panicked(s, task, &*payload),
        }
    }

    /// A poll of slot `s` panicked: the task fails and ends, the core goes on.
    pub(crate) fn task_panicked(
        &mut self,
        s: u32,
        mut task: BoxedTask,
        payload: &(dyn std::any::Any + Send),
    ) {
        let id = self.table.id(s);
        let msg = panic_message(payload);
        eprintln!(
            "enso: {id} on {} panicked in poll: {msg}; task failed, core goes on",
            self.idx
        );
        self.sv.counters.task_panics += 1;
        let name = self.table.slots[s as usize]
            .name
            .and_then(|n| self.shared.name(n));
        self.shared.record_failure(TaskFailure {
            id,
            name,
            message: msg.clone(),
            at_ns: self.sv.now,
        });
        task.fail(JoinError::Panicked(msg));
        self.finish(s, task);
    }

    /// Ends the task of slot `s`: capabilities, sockets and unread mail are
    /// released, watchers woken, the slot freed, and the task dropped.
    pub(crate) fn finish(&mut self, s: u32, task: BoxedTask) {
        // Most tasks are not real-time: no call for them.
        if self.table.slots[s as usize].rt.is_some() {
            self.finish_rt(s);
        }
        let id = self.table.id(s);
        let slot = &mut self.table.slots[s as usize];
        // A task killed while queued leaves the ready queue with its slot.
        if let Some(h) = slot.ready_handle.take() {
            let _ = self.ready.remove(h);
        }
        slot.caps.release_all();
        self.sv.counters.mail_unread += slot.mail.len() as u64;
        slot.mail.clear();
        if !slot.waiters.is_empty() {
            let mut waiters = std::mem::take(&mut slot.waiters);
            for w in waiters.drain(..) {
                waker::wake(w);
            }
            self.table.slots[s as usize].waiters = waiters;
        }
        if let Some(r) = self.sv.reactor.as_mut() {
            r.release_owner(id);
        }
        let cells = &self.shared.cores[self.idx.get()].slots;
        self.table.free(s, cells);
        drop_task(task, id);
        self.drain_wakes();
    }

    /// Places a task on this core; a full table fails its joiner.
    pub(crate) fn place(&mut self, mut task: BoxedTask, priority: u8) -> Option<TaskId> {
        let rt = task.take_rt();
        self.place_as(task, priority, rt)
    }

    /// Places a task, a real-time one if `rt` is given.
    pub(crate) fn place_as(
        &mut self,
        mut task: BoxedTask,
        priority: u8,
        rt: Option<Box<crate::rt::RtSlot>>,
    ) -> Option<TaskId> {
        let cells = &self.shared.cores[self.idx.get()].slots;
        match self.table.insert(task, priority, cells) {
            Ok(s) => {
                let id = self.table.id(s);
                let slot = &mut self.table.slots[s as usize];
                if let Some(t) = slot.task.as_mut() {
                    t.started(id);
                }
                match rt {
                    Some(rt) => self.place_rt(s, rt),
                    None => {
                        slot.queued = true;
                        slot.ready_handle = enqueue(&mut self.ready, s, priority);
                    }
                }
                Some(id)
            }
            Err(back) => {
                task = back;
                if let Some(rt) = rt {
                    crate::rt::withdraw(&self.shared, self.idx, rt.key);
                }
                task.fail(JoinError::TableFull(self.idx));
                drop_task(task, TaskId::from_bits(0));
                None
            }
        }
    }

    /// Makes a task of this core ready (stale ids are counted and ignored).
    pub(crate) fn wake_local(&mut self, id: TaskId) {
        match self.table.find(id) {
            Ok(s) => {
                let slot = &mut self.table.slots[s as usize];
                // Real-time tasks run when their jobs are released: a wake
                // is a sporadic task's arrival.
                if slot.rt.is_some() {
                    self.arrive(s);
                    return;
                }
                if !slot.queued && slot.task.is_some() {
                    slot.queued = true;
                    slot.ready_handle = enqueue(&mut self.ready, s, slot.priority);
                }
            }
            Err(_) => self.sv.counters.stale_refused += 1,
        }
    }

    /// Delivers mail to a task of this core and wakes it.
    pub(crate) fn deliver(&mut self, to: TaskId, mail: Mail) {
        match self.table.find(to) {
            Ok(s) => {
                let slot = &mut self.table.slots[s as usize];
                if slot.mail.len() == slot.mail.capacity() {
                    self.sv.counters.mail_overflow += 1;
                    return;
                }
                slot.mail.push_back(mail);
                self.wake_local(to);
            }
            Err(_) => self.sv.counters.stale_refused += 1,
        }
    }

    /// Moves wakes recorded on this thread onto the ready queue or the bus,
    /// in the order they happened: the owners of a turn's I/O events are
    /// queued in event order (the poller's, oldest readiness first), so a
    /// connection that became ready first is served first (taking them
    /// last-first made some requests wait almost two rounds of the others).
    pub(crate) fn drain_wakes(&mut self) {
        // Most steps wake nobody: one look at both lists, then out.
        if !waker::with_lists(|l| !l.local.is_empty() || !l.remote.is_empty()).unwrap_or(false) {
            return;
        }
        loop {
            let next = waker::with_lists(|l| {
                l.local
                    .pop_front()
                    .map(|t| (t, true))
                    .or_else(|| l.remote.pop().map(|t| (t, false)))
            });
            match next.flatten() {
                Some((t, true)) => self.wake_local(t),
                Some((t, false)) => self.sv.send(t.core(), Message::Wake { task: t }),
                None => break,
            }
        }
    }

    /// Whether anything is waiting to be handled.
    fn has_work(&mut self) -> bool {
        let sh = &self.shared;
        !self.ready.is_empty()
            || !self.yielded.is_empty()
            || self.rt.has_jobs()
            || self.rt.next_release <= sh.now()
            || self.sv.bus.has_inbound()
            || self.sv.bus.has_backlog()
            || !sh.cores[self.idx.get()].inbox.is_empty()
            || waker::with_lists(|l| !l.local.is_empty() || !l.remote.is_empty()).unwrap_or(false)
            || self
                .sv
                .timers
                .as_mut()
                .and_then(|t| t.next_deadline())
                .is_some_and(|d| d <= sh.now())
    }

    /// Idles after a turn that found no work; `since`: the turn clock when
    /// the core went idle (the current turn's clock is `sv.now`).
    fn idle_step(&mut self, since: u64) {
        let park = match self.idle {
            IdlePolicy::Spin => false,
            IdlePolicy::Park => true,
            IdlePolicy::SpinThenPark(d) => self.sv.now.saturating_sub(since) >= d.as_nanos() as u64,
        };
        if !park {
            std::hint::spin_loop();
            return;
        }
        // A backlog waits for room in another core's link: retry soon rather
        // than sleeping on a doorbell nobody will ring.
        let backlog = self.sv.bus.has_backlog();
        let until = self
            .sv
            .timers
            .as_mut()
            .and_then(|t| t.next_deadline())
            .into_iter()
            .chain((self.rt.next_release < u64::MAX).then_some(self.rt.next_release))
            .min()
            .map(|d| Duration::from_nanos(d.saturating_sub(self.shared.now())));
        // With a timerfd the deadline is kept to the nanosecond; without
        // one, epoll's timeout rounds it up to the millisecond.
        let mut timeout = until;
        if let (Some(tfd), Some(u)) = (self.timerfd.as_mut(), until)
            && tfd.arm(u).is_ok()
        {
            timeout = None;
        }
        if backlog {
            timeout = Some(timeout.map_or(BACKLOG_RETRY, |t| t.min(BACKLOG_RETRY)));
        }
        // Readers see fresh counters while this core sleeps.
        self.publish_stats();
        let me = self.idx.get();
        self.shared.cores[me].doorbell.announce_sleep();
        if self.has_work() {
            self.shared.cores[me].doorbell.awake();
            if let Some(tfd) = self.timerfd.as_mut() {
                let _ = tfd.disarm();
            }
            return;
        }
        self.sv.counters.parks += 1;
        self.io_phase(timeout);
        self.shared.cores[me].doorbell.awake();
        if let Some(tfd) = self.timerfd.as_mut() {
            // A failed disarm leaves at most one early wake-up.
            let _ = tfd.disarm();
        }
    }

    /// Halt: every task still here is dropped (its drop runs, its joiner
    /// hears `Halted`), and the counts go to the shutdown report.
    fn shutdown_tasks(&mut self) {
        let mut dropped = 0;
        let mut unread = 0;
        for s in 0..self.table.slots.len() as u32 {
            let slot = &mut self.table.slots[s as usize];
            if !slot.live {
                continue;
            }
            unread += slot.mail.len() as u64;
            slot.mail.clear();
            if let Some(mut t) = slot.task.take() {
                t.fail(JoinError::Halted);
                self.finish_rt(s);
                dropped += 1;
                let id = self.table.id(s);
                self.table.slots[s as usize].caps.release_all();
                if let Some(r) = self.sv.reactor.as_mut() {
                    r.release_owner(id);
                }
                let cells = &self.shared.cores[self.idx.get()].slots;
                self.table.free(s, cells);
                drop_task(t, id);
            }
        }
        let mut rep = self.shared.report.lock().unwrap_or_else(|e| e.into_inner());
        rep.tasks_dropped += dropped;
        rep.unread_mail += unread + self.sv.counters.mail_unread;
        rep.mail_overflow += self.sv.counters.mail_overflow;
        drop(rep);
        // Wakes produced by the drops may target other cores; they are
        // counted with the rest of the bus at the final drain.
        self.drain_wakes();
    }
}

/// Queues slot `s` at `priority`. The queue holds as many entries as the
/// table has slots, a slot is queued at most once (its `queued` flag) and
/// a task that ends while queued is taken out (`finish`), so it is never
/// full.
fn enqueue(ready: &mut ReadyQueue<u32>, s: u32, priority: u8) -> Option<ReadyHandle> {
    ready.push(priority, s).ok()
}

/// Drops a task, containing a panic in its `Drop`.
fn drop_task(task: BoxedTask, id: TaskId) {
    if let Err(p) = catch_unwind(AssertUnwindSafe(move || drop(task))) {
        eprintln!("enso: {id}: panicked in drop: {}", panic_message(&*p));
    }
}

/// The message of a panic payload.
pub(crate) fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}
