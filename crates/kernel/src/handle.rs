//! The kernel handle: spawn, message, list and halt from any thread.
//!
//! Requests from outside the kernel go through each core's inbox (bounded;
//! a full inbox makes the caller wait, it never drops). Listings are plain
//! data: cores and rings are read directly, tasks and timers are copied out
//! by each core on request (a `Stats` bus message).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::bus::{End, Message, TimerRequest, UserMsg};
use crate::context::check_spawn;
use crate::error::{SpawnError, TaskError};
use crate::future::FutureTask;
use crate::ids::{CoreIndex, CounterId, RingId, TaskId};
use crate::io::IoSource;
use crate::join::{JoinHandle, JoinSlot};
use crate::rings::RingEntry;
use crate::shared::Shared;
use crate::stats::{CoreInfo, RingInfo, TaskFailure, TaskInfo, TimerInfo};
use crate::supervise::{RestartPolicy, Supervised};
use crate::task::{Discard, Task, TaskBox};
use crate::topology::Quanta;

use crate::listing::LISTING_WAIT;

/// A cloneable handle on a kernel.
#[derive(Clone)]
pub struct KernelHandle {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for KernelHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KernelHandle")
            .field("kernel", &self.shared.kernel)
            .finish()
    }
}

/// A request refused because the kernel has shut down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Halted;

impl std::fmt::Display for Halted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the kernel has shut down")
    }
}

impl std::error::Error for Halted {}

impl KernelHandle {
    fn post(&self, core: CoreIndex, m: Message) -> Result<(), Halted> {
        self.shared.post(core, m).map_err(|_| Halted)
    }

    /// Asks every core to stop (idempotent).
    pub fn halt(&self) {
        for c in 0..self.shared.cores.len() {
            let _ = self.post(CoreIndex(c as u8), Message::Halt);
        }
    }

    /// The index of the core named `name`.
    pub fn core(&self, name: &str) -> Option<CoreIndex> {
        self.shared
            .cores
            .iter()
            .position(|c| c.spec.name == name)
            .map(|i| CoreIndex(i as u8))
    }

    /// Spawns `task` on `core` with `priority`.
    pub fn spawn_on<T: Task>(
        &self,
        core: CoreIndex,
        priority: u8,
        task: T,
    ) -> Result<JoinHandle<T::Output>, SpawnError> {
        check_spawn(&self.shared, core)?;
        let (task, slot) = crate::task::joined(task, None);
        self.post(
            core,
            Message::Spawn {
                task: TaskBox(task),
                priority,
            },
        )
        .map_err(|_| SpawnError::Halted)?;
        Ok(JoinHandle::new(slot))
    }

    /// Spawns an `async` block on `core`.
    pub fn spawn_async<F>(
        &self,
        core: CoreIndex,
        priority: u8,
        fut: F,
    ) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_on(core, priority, FutureTask::new(fut))
    }

    /// Spawns the task registered as `name` with argument `arg`; the task
    /// is listed under that name.
    pub fn spawn_named(
        &self,
        core: CoreIndex,
        priority: u8,
        name: &str,
        arg: u64,
    ) -> Result<JoinHandle<()>, SpawnError> {
        check_spawn(&self.shared, core)?;
        let task = named_task(&self.shared, name, arg)?;
        self.spawn_on(core, priority, task)
    }

    /// Spawns the task registered as `name` under supervision: when it
    /// panics it is rebuilt from its factory (same id, same capabilities),
    /// at most `policy.max_restarts` times per `policy.window`; past that
    /// budget it fails like any task.
    pub fn spawn_supervised(
        &self,
        core: CoreIndex,
        priority: u8,
        name: &str,
        arg: u64,
        policy: RestartPolicy,
    ) -> Result<JoinHandle<()>, SpawnError> {
        check_spawn(&self.shared, core)?;
        let i = self
            .shared
            .factories
            .iter()
            .position(|(n, _)| n == name)
            .ok_or_else(|| SpawnError::UnknownName(name.into()))?;
        let sup = Supervised::new(self.shared.clone(), i, arg, policy)
            .ok_or_else(|| SpawnError::UnknownName(name.into()))?;
        let task = NamedTask {
            inner: crate::task::boxed(sup, None),
            name: self.shared.intern(name),
            named: false,
        };
        self.spawn_on(core, priority, Discard(task))
    }

    /// Spawns a periodic real-time task named `name` on `core`, after
    /// admission control: the core's admitted set plus this task must meet
    /// every deadline under the core's dispatch policy (limited-preemptive
    /// analysis, see [`RtConfig`](crate::RtConfig)), or the spawn is
    /// refused with the task that would miss and by how much, and nothing
    /// changes. Its first job is released `params.phase_ns` after the core
    /// places it, then one every `params.period_ns`.
    pub fn spawn_periodic<P: crate::rt::PeriodicTask>(
        &self,
        core: CoreIndex,
        name: &str,
        params: crate::rt::RtParams,
        task: P,
    ) -> Result<JoinHandle<()>, crate::rt::RtSpawnError> {
        check_spawn(&self.shared, core)?;
        params.check()?;
        let dispatch = self.shared.cores[core.get()].spec.rt.dispatch;
        let key = crate::rt::admit(&self.shared, core, name, &params)?;
        let name_id = self.shared.intern(name);
        let Some(rt) = crate::rt::RtSlot::new(params, dispatch, key, name_id) else {
            crate::rt::withdraw(&self.shared, core, key);
            return Err(crate::rt::RtSpawnError::Analysis(
                "response histogram could not be built".into(),
            ));
        };
        let slot = JoinSlot::new();
        let task = TaskBox(crate::rt::rt_boxed(task, Some(rt), Some(slot.clone())));
        if self
            .post(
                core,
                Message::Spawn {
                    task,
                    priority: params.priority,
                },
            )
            .is_err()
        {
            crate::rt::withdraw(&self.shared, core, key);
            return Err(SpawnError::Halted.into());
        }
        Ok(JoinHandle::new(slot))
    }

    /// A core's real-time side: its dispatch policy, the overhead charged
    /// as blocking with its live quanta, and its admitted tasks in
    /// admission order (`None` for an unknown core).
    pub fn rt_core(&self, core: CoreIndex) -> Option<crate::rt::RtCoreInfo> {
        let c = self.shared.cores.get(core.get())?;
        let overhead_ns = crate::rt::admit::overhead(&self.shared, core);
        let admitted =
            c.rt.lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .map(|a| crate::rt::AdmittedTask {
                    name: a.name.clone(),
                    wcet_ns: a.model.wcet,
                    period_ns: a.model.period,
                    deadline_ns: a.model.deadline,
                    poll_ns: a.model.poll,
                    priority: a.model.priority as u8,
                })
                .collect();
        Some(crate::rt::RtCoreInfo {
            dispatch: c.spec.rt.dispatch,
            overhead_ns,
            admitted,
        })
    }

    /// The names of the real-time tasks admitted on `core`, in admission
    /// order (see [`KernelHandle::rt_core`] for their parameters).
    pub fn rt_admitted(&self, core: CoreIndex) -> Vec<String> {
        self.rt_core(core)
            .map(|c| c.admitted.into_iter().map(|a| a.name).collect())
            .unwrap_or_default()
    }

    /// Checks that `id` names a live task.
    pub fn check(&self, id: TaskId) -> Result<(), TaskError> {
        self.shared.check(id)
    }

    /// Ends a task (its drop runs; its joiner gets `Killed`).
    pub fn kill(&self, id: TaskId) -> Result<(), TaskError> {
        self.to_task(id, Message::Kill { task: id })
    }

    /// Wakes a task.
    pub fn wake(&self, id: TaskId) -> Result<(), TaskError> {
        self.to_task(id, Message::Wake { task: id })
    }

    /// Sends a word to a task's mailbox.
    pub fn send(&self, id: TaskId, word: u64) -> Result<(), TaskError> {
        self.to_task(id, Message::Send { to: id, word })
    }

    /// Sends a user-protocol message to a task's mailbox.
    pub fn send_user(&self, id: TaskId, msg: UserMsg) -> Result<(), TaskError> {
        self.to_task(id, Message::User { to: id, msg })
    }

    /// Hands a script to a task (its mailbox gets `Mail::Exec(text id)`).
    pub fn exec(&self, id: TaskId, text: &str) -> Result<(), TaskError> {
        self.shared.check(id)?;
        let k = self.shared.next_text.fetch_add(1, Ordering::Relaxed);
        self.shared
            .texts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((k, text.to_string()));
        self.to_task(id, Message::Exec { task: id, text: k })
    }

    /// Stores a text for an `Exec` message; returns its id.
    pub fn put_text(&self, text: &str) -> u64 {
        let k = self.shared.next_text.fetch_add(1, Ordering::Relaxed);
        self.shared
            .texts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((k, text.to_string()));
        k
    }

    /// The id of a listed name (for a `Register` message), interning it.
    pub fn name_id(&self, name: &str) -> u32 {
        self.shared.intern(name)
    }

    /// The sequence number of the last `Sync` answer `core` received.
    pub fn last_sync(&self, core: CoreIndex) -> u64 {
        self.shared
            .cores
            .get(core.get())
            .map_or(0, |c| c.synced.load(Ordering::Acquire))
    }

    /// Lists a task under `name`.
    pub fn register(&self, id: TaskId, name: &str) -> Result<(), TaskError> {
        let name = self.shared.intern(name);
        self.to_task(id, Message::Register { task: id, name })
    }

    /// Hands a socket to a task on an I/O core (its mailbox gets `Mail::Io(token)`).
    pub fn give_socket(&self, id: TaskId, source: IoSource) -> Result<(), TaskError> {
        self.to_task(id, Message::Io { task: id, source })
    }

    fn to_task(&self, id: TaskId, m: Message) -> Result<(), TaskError> {
        self.shared.check(id)?;
        self.post(id.core(), m).map_err(|_| TaskError::Stale(id))
    }

    /// Arms a timer on `core`.
    pub fn timer(&self, core: CoreIndex, req: TimerRequest) -> Result<(), Halted> {
        self.post(core, Message::Timer(req))
    }

    /// Changes a core's quanta.
    pub fn qos(&self, core: CoreIndex, quanta: Quanta) -> Result<(), Halted> {
        self.post(core, Message::Qos(quanta))
    }

    /// Changes a core's quanta after checking that every real-time task
    /// admitted there still meets its deadline with the new run-loop
    /// overhead (`(bus + io) * event_cost_ns + background_poll_ns`);
    /// refused, with the task that would miss, and nothing changed
    /// otherwise. (`qos` changes quanta unchecked.)
    pub fn qos_checked(
        &self,
        core: CoreIndex,
        quanta: Quanta,
    ) -> Result<(), crate::rt::RtSpawnError> {
        if core.get() >= self.shared.cores.len() {
            return Err(SpawnError::UnknownCore(core).into());
        }
        crate::rt::qos_checked(&self.shared, core, quanta, || {
            self.post(core, Message::Qos(quanta)).is_ok()
        })
    }

    /// Waits until `core` has handled everything posted to it before this call.
    pub fn sync(&self, core: CoreIndex) -> Result<(), Halted> {
        let seq = self.shared.listing_seq.fetch_add(1, Ordering::Relaxed) + 1;
        self.post(
            core,
            Message::Sync {
                from: core,
                seq,
                ack: false,
            },
        )?;
        let c = &self.shared.cores[core.get()];
        let t0 = Instant::now();
        while c.synced.load(Ordering::Acquire) < seq {
            if !c.running.load(Ordering::Acquire) || t0.elapsed() > LISTING_WAIT {
                return Err(Halted);
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        Ok(())
    }

    /// The cores, with their counters.
    pub fn cores(&self) -> Vec<CoreInfo> {
        self.shared
            .cores
            .iter()
            .enumerate()
            .map(|(i, c)| CoreInfo {
                index: CoreIndex(i as u8),
                name: c.spec.name.clone(),
                cpu: c.spec.cpu,
                role: c.spec.role,
                reactors: c.spec.reactors,
                quanta: *c.quanta.lock().unwrap_or_else(|e| e.into_inner()),
                idle: c.spec.idle,
                counters: c.stats.read(),
            })
            .collect()
    }

    fn listings(&self) -> Vec<(Vec<TaskInfo>, Vec<TimerInfo>)> {
        let seq = self.shared.listing_seq.fetch_add(1, Ordering::Relaxed) + 1;
        for c in 0..self.shared.cores.len() {
            let _ = self.post(CoreIndex(c as u8), Message::Stats { seq });
        }
        let deadline = Instant::now() + LISTING_WAIT;
        let mut out = Vec::new();
        for c in &self.shared.cores {
            let mut l = c.listing.lock().unwrap_or_else(|e| e.into_inner());
            while l.seq < seq {
                let now = Instant::now();
                if now >= deadline || !c.running.load(Ordering::Acquire) {
                    break;
                }
                l = c
                    .listing_ready
                    .wait_timeout(l, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            out.push((l.tasks.clone(), l.timers.clone()));
        }
        out
    }

    /// Every live task (a core that does not answer within 2 s lists its
    /// last published listing).
    pub fn tasks(&self) -> Vec<TaskInfo> {
        self.listings().into_iter().flat_map(|l| l.0).collect()
    }

    /// Every live timer.
    pub fn timers(&self) -> Vec<TimerInfo> {
        self.listings().into_iter().flat_map(|l| l.1).collect()
    }

    /// Every named ring.
    pub fn rings(&self) -> Vec<RingInfo> {
        self.shared
            .rings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|r| r.info())
            .collect()
    }

    /// The id of the ring named `name`.
    pub fn ring(&self, name: &str) -> Option<RingId> {
        let rings = self.shared.rings.read().unwrap_or_else(|e| e.into_inner());
        rings
            .iter()
            .position(|r| r.name == name)
            .map(|i| RingId(i as u32))
    }

    /// Creates a named ring at run time (capacity a power of two).
    pub fn create_ring(
        &self,
        name: &str,
        capacity: usize,
    ) -> Result<RingId, crate::error::TopologyError> {
        if !capacity.is_power_of_two() {
            return Err(crate::error::TopologyError::NotPowerOfTwo {
                field: format!("ring `{name}`.capacity"),
                value: capacity,
            });
        }
        let mut rings = self.shared.rings.write().unwrap_or_else(|e| e.into_inner());
        if rings.iter().any(|r| r.name == name) {
            return Err(crate::error::TopologyError::DuplicateName {
                kind: "ring",
                name: name.into(),
            });
        }
        let entry = RingEntry::new(name, capacity).map_err(|_| {
            crate::error::TopologyError::OutOfRange {
                field: format!("ring `{name}`.capacity"),
                value: capacity as u64,
                max: enso_ring::MAX_CAPACITY as u64,
            }
        })?;
        rings.push(entry);
        Ok(RingId((rings.len() - 1) as u32))
    }

    /// Gives a task `end` of `ring` (if that end is free).
    pub fn attach(&self, task: TaskId, ring: RingId, end: End) -> Result<(), TaskError> {
        self.to_task(task, Message::Ring { ring, end, task })
    }

    /// Takes `end` of `ring` back from a task.
    pub fn detach(&self, task: TaskId, ring: RingId, end: End) -> Result<(), TaskError> {
        self.to_task(task, Message::Cursor { ring, end, task })
    }

    /// The id of the counter named `name`.
    pub fn counter(&self, name: &str) -> Option<CounterId> {
        self.shared
            .counters
            .iter()
            .position(|c| c.0 == name)
            .map(|i| CounterId(i as u32))
    }

    /// A counter's value.
    pub fn counter_value(&self, id: CounterId) -> Option<u64> {
        self.shared
            .counters
            .get(id.0 as usize)
            .map(|c| c.1.load(Ordering::Relaxed))
    }

    /// The latest task failures (panics), oldest first, at most 64.
    pub fn failures(&self) -> Vec<TaskFailure> {
        let l = self
            .shared
            .failures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        l.iter().cloned().collect()
    }

    /// Every counter with its value.
    pub fn counters(&self) -> Vec<(String, u64)> {
        self.shared
            .counters
            .iter()
            .map(|(n, c)| (n.clone(), c.load(Ordering::Relaxed)))
            .collect()
    }

    /// Names registered for spawning by name.
    pub fn registered(&self) -> Vec<String> {
        self.shared.factories.iter().map(|f| f.0.clone()).collect()
    }
}

/// Builds the task registered as `name` with argument `arg` (listed under
/// that name once it runs).
pub(crate) fn named_task(
    shared: &Shared,
    name: &str,
    arg: u64,
) -> Result<Discard<NamedTask>, SpawnError> {
    let f = shared
        .factories
        .iter()
        .find(|(n, _)| n == name)
        .ok_or_else(|| SpawnError::UnknownName(name.into()))?;
    Ok(Discard(NamedTask {
        inner: (f.1)(arg),
        name: shared.intern(name),
        named: false,
    }))
}

/// A task spawned by name: lists itself under that name on its first poll.
pub(crate) struct NamedTask {
    inner: crate::task::BoxedTask,
    name: u32,
    named: bool,
}

impl Task for NamedTask {
    type Output = ();
    fn poll(&mut self, cx: &mut crate::Context<'_>) -> std::task::Poll<()> {
        if !self.named {
            self.named = true;
            let me = cx.id();
            cx.post(
                me.core(),
                Message::Register {
                    task: me,
                    name: self.name,
                },
            );
        }
        self.inner.poll(cx)
    }
}
