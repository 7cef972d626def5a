//! What a task sees while it is polled: its id, waker, mailbox and
//! capabilities, and the services of the core running it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Waker;
use std::time::Duration;

use crate::bus::{End, Mail, Message, UserMsg};
use crate::caps::{Cap, Caps};
use crate::error::{CapError, SpawnError, TaskError};
use crate::ids::{CoreIndex, CounterId, RingId, TaskId, TimerId};
use crate::io::{Io, Reactor};
use crate::join::{JoinHandle, PendingSpawn};
use crate::mesh::Endpoint;
use crate::shared::Shared;
use crate::stats::CoreCounters;
use crate::task::{Task, TaskBox, joined};
use crate::timer::{TimerAction, TimerError, Timers};

/// The core services a task may use during a poll.
pub(crate) struct Services {
    pub core: CoreIndex,
    pub shared: Arc<Shared>,
    pub bus: Endpoint,
    pub timers: Option<Timers>,
    pub reactor: Option<Reactor>,
    /// Clock of the current turn, ns since boot.
    pub now: u64,
    pub counters: CoreCounters,
}

impl Services {
    /// Sends a kernel message that must not be lost (backlogged when full).
    pub(crate) fn send(&mut self, to: CoreIndex, m: Message) {
        self.bus.send(&self.shared, to, m);
    }
}

/// Why a send to a task was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendError {
    /// The id is stale or unknown.
    Task(TaskError),
    /// The bus link to the task's core is full: retry on a later poll.
    Full,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Task(e) => write!(f, "send: {e}"),
            SendError::Full => write!(f, "send: bus link full (backpressure)"),
        }
    }
}

impl std::error::Error for SendError {}

/// Why a ring push was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushError {
    /// No capability.
    Cap(CapError),
    /// The ring is full: the word is handed back.
    Full(u64),
}

impl std::fmt::Display for PushError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PushError::Cap(e) => write!(f, "push: {e}"),
            PushError::Full(w) => write!(f, "push: ring full (word {w} handed back)"),
        }
    }
}

impl std::error::Error for PushError {}

/// A task's view of the kernel during one poll.
pub struct Context<'a> {
    pub(crate) sv: &'a mut Services,
    pub(crate) id: TaskId,
    pub(crate) waker: &'a Waker,
    pub(crate) caps: &'a mut Caps,
    pub(crate) mail: &'a mut VecDeque<Mail>,
    pub(crate) yielded: bool,
}

impl Context<'_> {
    /// This task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The core running this task.
    pub fn core(&self) -> CoreIndex {
        self.sv.core
    }

    /// The clock of the current loop turn, in nanoseconds since boot.
    pub fn now_ns(&self) -> u64 {
        self.sv.now
    }

    /// This task's waker (cheap to clone, no allocation).
    pub fn waker(&self) -> &Waker {
        self.waker
    }

    /// Asks to be polled again in the next turn even without a wake: the
    /// task goes on the core's yielded list, which joins the ready queue
    /// after the next turn's bus, I/O and timers.
    pub fn yield_now(&mut self) {
        self.yielded = true;
    }

    /// Takes the oldest mail.
    pub fn recv(&mut self) -> Option<Mail> {
        self.mail.pop_front()
    }

    /// Mail waiting.
    pub fn mail_len(&self) -> usize {
        self.mail.len()
    }

    fn route(&mut self, to: TaskId, m: Message) -> Result<(), SendError> {
        self.sv.shared.check(to).map_err(SendError::Task)?;
        // Field borrows, not an Arc clone: the refcount line is shared by
        // every core and must stay off the hot path.
        let Services { bus, shared, .. } = &mut *self.sv;
        bus.try_send(shared, to.core(), m)
            .map_err(|_| SendError::Full)
    }

    /// Sends a word to a task's mailbox (bus message if it lives elsewhere).
    /// `Full` is backpressure: keep the word and try again on a later poll.
    pub fn send(&mut self, to: TaskId, word: u64) -> Result<(), SendError> {
        let r = self.route(to, Message::Send { to, word });
        if r == Err(SendError::Full) {
            self.yielded = true;
        }
        r
    }

    /// Sends a user-protocol message to a task's mailbox.
    pub fn send_user(&mut self, to: TaskId, msg: UserMsg) -> Result<(), SendError> {
        let r = self.route(to, Message::User { to, msg });
        if r == Err(SendError::Full) {
            self.yielded = true;
        }
        r
    }

    /// Wakes a task (on any core).
    pub fn wake(&mut self, task: TaskId) -> Result<(), TaskError> {
        self.sv.shared.check(task)?;
        self.sv.send(task.core(), Message::Wake { task });
        Ok(())
    }

    /// Ends a task: its drop runs, its joiner gets `Killed`.
    pub fn kill(&mut self, task: TaskId) -> Result<(), TaskError> {
        self.sv.shared.check(task)?;
        self.sv.send(task.core(), Message::Kill { task });
        Ok(())
    }

    /// Asks `task`'s core to wake this task when `task` ends (at once if it
    /// already has).
    pub fn watch(&mut self, task: TaskId) {
        let waiter = self.id;
        self.sv.send(task.core(), Message::Join { task, waiter });
    }

    /// Spawns `task` on `core` with `priority`.
    pub fn spawn_on<T: Task>(
        &mut self,
        core: CoreIndex,
        priority: u8,
        task: T,
    ) -> Result<JoinHandle<T::Output>, SpawnError> {
        check_spawn(&self.sv.shared, core)?;
        let (task, slot) = joined(task, None);
        self.sv.send(
            core,
            Message::Spawn {
                task: TaskBox(task),
                priority,
            },
        );
        Ok(JoinHandle::new(slot))
    }

    /// Spawns an `async` block on `core` with `priority`.
    pub fn spawn_async<F>(
        &mut self,
        core: CoreIndex,
        priority: u8,
        fut: F,
    ) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_on(core, priority, crate::future::FutureTask::new(fut))
    }

    /// Spawns `task` on `core` without waiting (the spawn travels over the
    /// bus, never blocking this core); the target core wakes this task when
    /// it has placed the task, and [`PendingSpawn::poll_id`] then gives the
    /// new id.
    pub fn spawn_notify<T: Task>(
        &mut self,
        core: CoreIndex,
        priority: u8,
        task: T,
    ) -> Result<PendingSpawn<T::Output>, SpawnError> {
        check_spawn(&self.sv.shared, core)?;
        let (task, slot) = joined(task, Some(self.id));
        self.sv.send(
            core,
            Message::Spawn {
                task: TaskBox(task),
                priority,
            },
        );
        Ok(PendingSpawn::new(slot))
    }

    /// Spawns the task registered as `name` with argument `arg` on `core`
    /// (listed under that name), like [`Context::spawn_notify`]: this core
    /// does not wait, and this task is woken when the new id is known.
    pub fn spawn_named(
        &mut self,
        core: CoreIndex,
        priority: u8,
        name: &str,
        arg: u64,
    ) -> Result<PendingSpawn<()>, SpawnError> {
        check_spawn(&self.sv.shared, core)?;
        let task = crate::handle::named_task(&self.sv.shared, name, arg)?;
        self.spawn_notify(core, priority, task)
    }

    /// Pushes a word into a ring this task holds the write end of.
    pub fn push(&mut self, ring: RingId, word: u64) -> Result<(), PushError> {
        self.caps
            .writer(ring)
            .map_err(PushError::Cap)?
            .push(word)
            .map_err(PushError::Full)
    }

    /// Pops a word from a ring this task holds the read end of.
    pub fn pop(&mut self, ring: RingId) -> Result<Option<u64>, CapError> {
        Ok(self.caps.reader(ring)?.pop())
    }

    /// Takes the free `end` of the ring named `name` into this task's table.
    pub fn attach(&mut self, name: &str, end: End) -> Result<RingId, CapError> {
        let rings = self
            .sv
            .shared
            .rings
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let i = rings
            .iter()
            .position(|r| r.name == name)
            .ok_or(CapError::Unknown(u32::MAX))?;
        let id = RingId(i as u32);
        if self.caps.holds(id, end) {
            return Ok(id);
        }
        let cap = match end {
            End::Write => rings[i].take_writer().map(|t| Cap::Write(id, t)),
            End::Read => rings[i].take_reader().map(|r| Cap::Read(id, r)),
        };
        self.caps.grant(cap.ok_or(CapError::Taken(id))?);
        Ok(id)
    }

    /// Gives `end` of `ring` back to the registry.
    pub fn detach(&mut self, ring: RingId, end: End) -> Result<(), CapError> {
        if self.caps.release(ring, end) {
            Ok(())
        } else {
            Err(match end {
                End::Write => CapError::NoWrite(ring),
                End::Read => CapError::NoRead(ring),
            })
        }
    }

    /// Adds `n` to a counter this task holds; returns the new value.
    pub fn counter_add(&mut self, id: CounterId, n: u64) -> Result<u64, CapError> {
        // Relaxed: a counter orders nothing else.
        Ok(self.caps.counter(id)?.fetch_add(n, Ordering::Relaxed) + n)
    }

    fn timers(&mut self) -> Result<&mut Timers, TimerError> {
        let core = self.sv.core;
        self.sv
            .timers
            .as_mut()
            .ok_or(TimerError::NotATimerCore(core))
    }

    /// Arms a oneshot timer on this core, due `after` from now (the clock is read
    /// at the call, so the timer cannot fire early relative to it).
    pub fn after(&mut self, after: Duration, action: TimerAction) -> Result<TimerId, TimerError> {
        let d = self.sv.shared.now().saturating_add(ns(after));
        self.timers()?.arm(d, 0, action)
    }

    /// Arms an interval timer on this core, first due one `period` from now.
    pub fn every(&mut self, period: Duration, action: TimerAction) -> Result<TimerId, TimerError> {
        let p = ns(period).max(1);
        let d = self.sv.shared.now().saturating_add(p);
        self.timers()?.arm(d, p, action)
    }

    /// Cancels a timer of this core.
    pub fn cancel(&mut self, id: TimerId) -> Result<(), TimerError> {
        self.timers()?.cancel(id)
    }

    /// Arms a timer on another core (e.g. a dedicated timer core).
    pub fn timer_on(&mut self, core: CoreIndex, req: crate::bus::TimerRequest) {
        self.sv.send(core, Message::Timer(req));
    }

    /// The I/O reactor, on an I/O core.
    pub fn io(&mut self) -> std::io::Result<Io<'_>> {
        let me = self.id;
        let core = self.sv.core;
        let reactor = self.sv.reactor.as_mut().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                format!("{core} does not run the io reactor"),
            )
        })?;
        Ok(Io { reactor, me })
    }

    /// Takes a text posted with [`crate::KernelHandle::exec`].
    pub fn take_text(&mut self, id: u64) -> Option<String> {
        let mut t = self
            .sv
            .shared
            .texts
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let i = t.iter().position(|(k, _)| *k == id)?;
        Some(t.swap_remove(i).1)
    }

    /// Sends any system message to `core` (kernel messages are never lost:
    /// they wait in a backlog when the link is full).
    pub fn post(&mut self, core: CoreIndex, m: Message) {
        self.sv.send(core, m);
    }

    /// Changes `core`'s quanta after re-checking its admitted real-time
    /// set, like [`crate::KernelHandle::qos_checked`], without blocking
    /// this core: the change goes over the bus (never lost). Refused, with
    /// the task that would miss, and nothing changed otherwise.
    pub fn qos_checked(
        &mut self,
        core: CoreIndex,
        quanta: crate::topology::Quanta,
    ) -> Result<(), crate::rt::RtSpawnError> {
        if core.get() >= self.sv.shared.cores.len() {
            return Err(SpawnError::UnknownCore(core).into());
        }
        let Services { bus, shared, .. } = &mut *self.sv;
        crate::rt::qos_checked(shared, core, quanta, || {
            bus.send(shared, core, Message::Qos(quanta));
            true
        })
    }

    /// Asks every core for its task and timer listing without blocking
    /// this core: each core wakes this task when it has published its
    /// answer; [`crate::ListingRequest::is_ready`] says when all have.
    pub fn request_listing(&mut self) -> crate::ListingRequest {
        let seq = self.sv.shared.listing_seq.fetch_add(1, Ordering::Relaxed) + 1;
        let me = self.id;
        let asked = std::time::Instant::now();
        for c in 0..self.sv.shared.cores.len() {
            // Registered before the request is sent: the answer cannot
            // be published unseen.
            self.sv.shared.cores[c]
                .listing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .waiters
                .push((seq, me));
            self.sv.send(CoreIndex(c as u8), Message::Stats { seq });
        }
        crate::ListingRequest {
            handle: crate::KernelHandle {
                shared: self.sv.shared.clone(),
            },
            seq,
            asked,
        }
    }

    /// Halts the whole kernel.
    pub fn halt_kernel(&mut self) {
        for c in 0..self.sv.shared.cores.len() {
            self.sv.send(CoreIndex(c as u8), Message::Halt);
        }
    }
}

/// Nanoseconds in `d`, rounded up, saturating.
pub(crate) fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

pub(crate) fn check_spawn(sh: &Shared, core: CoreIndex) -> Result<(), SpawnError> {
    let c = sh
        .cores
        .get(core.get())
        .ok_or(SpawnError::UnknownCore(core))?;
    if !c.spec.reactors.tasks {
        return Err(SpawnError::NotATaskCore(core));
    }
    Ok(())
}
