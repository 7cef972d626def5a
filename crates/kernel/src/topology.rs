//! The boot description: cores, rings, counters, tasks and timers.
//!
//! [`KernelBuilder`] collects declarations; [`KernelBuilder::build`] checks
//! all of them and resolves every name to an index, producing a [`Topology`]
//! before any thread starts. Every error names the field at fault (see
//! [`TopologyError`]).
//!
//! CPU policy: a core's `cpu` must be one of the CPUs this process may run on
//! (its affinity mask), or the build fails with [`TopologyError::CpuOutOfRange`].
//! Two cores may share a CPU only when [`KernelBuilder::allow_shared_cpus`] is
//! set, which is how tests run topologies with more cores than the two CPUs of
//! the test machine. Pinning can be disabled with [`KernelBuilder::pinning`]
//! (CPUs are still validated).

use std::time::Duration;

use crate::error::TopologyError;
use crate::ids::CoreIndex;
use crate::rt::{Dispatch, PeriodicTask, RtConfig, RtParams};
use crate::task::{BoxedTask, Task, boxed};
use crate::validate::{
    BootTask, BootTimer, check_cores, check_pow2, index_names, resolve_tasks, resolve_timers,
};

/// Largest number of cores a topology may declare (ids are 8 bits).
pub const MAX_CORES: usize = 255;
/// Default number of task slots per core.
pub const DEFAULT_MAX_TASKS: usize = 256;
/// Default number of timer slots per core.
pub const DEFAULT_MAX_TIMERS: usize = 1024;
/// Default capacity of each bus ring (one per ordered pair of cores).
pub const DEFAULT_BUS_CAPACITY: usize = 1024;
/// Default capacity of each task mailbox.
pub const DEFAULT_MAILBOX: usize = 64;

/// A core's role, fixed at boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The boot core: runs on the thread that calls [`crate::Kernel::run`].
    Bsp,
    /// An application core: a thread of its own, pinned to its CPU.
    Ap,
}

/// Which reactors a core runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Reactors {
    /// The task queue.
    pub tasks: bool,
    /// The timer wheel.
    pub timers: bool,
    /// The mio poller for sockets.
    pub io: bool,
}

/// The per-turn budgets of a core's run loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quanta {
    /// Bus messages handled per turn at most.
    pub bus: u32,
    /// I/O events handled per turn at most.
    pub io: u32,
    /// Task polls per turn at most.
    pub tasks: u32,
}

impl Default for Quanta {
    fn default() -> Quanta {
        Quanta {
            bus: 256,
            io: 256,
            tasks: 64,
        }
    }
}

/// What a core does when a turn found no work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdlePolicy {
    /// Never sleep (real-time cores): hand-offs in nanoseconds, one CPU burnt.
    Spin,
    /// Sleep on the doorbell at once.
    Park,
    /// Spin for the given time, then sleep on the doorbell.
    SpinThenPark(Duration),
}

impl Default for IdlePolicy {
    fn default() -> IdlePolicy {
        IdlePolicy::SpinThenPark(Duration::from_micros(50))
    }
}

/// A core declaration.
#[derive(Clone, Debug)]
pub struct CoreSpec {
    /// Unique name.
    pub name: String,
    /// The CPU the core's thread is pinned to.
    pub cpu: usize,
    /// BSP or AP.
    pub role: Role,
    /// Reactors run by this core.
    pub reactors: Reactors,
    /// Initial quanta (changed live by QoS messages).
    pub quanta: Quanta,
    /// Idle policy.
    pub idle: IdlePolicy,
    /// Task table size.
    pub max_tasks: usize,
    /// Timer table size.
    pub max_timers: usize,
    /// Real-time dispatch policy and admission costs.
    pub rt: RtConfig,
}

impl CoreSpec {
    fn new(name: &str, cpu: usize, role: Role) -> CoreSpec {
        CoreSpec {
            name: name.to_string(),
            cpu,
            role,
            reactors: Reactors::default(),
            quanta: Quanta::default(),
            idle: IdlePolicy::default(),
            max_tasks: DEFAULT_MAX_TASKS,
            max_timers: DEFAULT_MAX_TIMERS,
            rt: RtConfig::default(),
        }
    }
    /// The boot core, on `cpu`.
    pub fn bsp(name: &str, cpu: usize) -> CoreSpec {
        CoreSpec::new(name, cpu, Role::Bsp)
    }
    /// An application core, on `cpu`.
    pub fn ap(name: &str, cpu: usize) -> CoreSpec {
        CoreSpec::new(name, cpu, Role::Ap)
    }
    /// Runs the task reactor.
    pub fn tasks(mut self) -> CoreSpec {
        self.reactors.tasks = true;
        self
    }
    /// Runs the timer reactor.
    pub fn timers(mut self) -> CoreSpec {
        self.reactors.timers = true;
        self
    }
    /// Runs the I/O reactor.
    pub fn io(mut self) -> CoreSpec {
        self.reactors.io = true;
        self
    }
    /// Runs all three reactors.
    pub fn all(self) -> CoreSpec {
        self.tasks().timers().io()
    }
    /// Sets the quanta.
    pub fn quanta(mut self, bus: u32, io: u32, tasks: u32) -> CoreSpec {
        self.quanta = Quanta { bus, io, tasks };
        self
    }
    /// Sets the idle policy.
    pub fn idle(mut self, idle: IdlePolicy) -> CoreSpec {
        self.idle = idle;
        self
    }
    /// Sets the task table size.
    pub fn max_tasks(mut self, n: usize) -> CoreSpec {
        self.max_tasks = n;
        self
    }
    /// Sets the timer table size.
    pub fn max_timers(mut self, n: usize) -> CoreSpec {
        self.max_timers = n;
        self
    }
    /// Sets how real-time jobs are dispatched (fixed priority by default).
    pub fn dispatch(mut self, dispatch: Dispatch) -> CoreSpec {
        self.rt.dispatch = dispatch;
        self
    }
    /// Sets the admission costs: per bus message or I/O event, and the
    /// longest background poll, in ns (see [`RtConfig`]).
    pub fn rt_costs(mut self, event_cost_ns: u64, background_poll_ns: u64) -> CoreSpec {
        self.rt.event_cost_ns = event_cost_ns;
        self.rt.background_poll_ns = background_poll_ns;
        self
    }
}

/// A named ring of `u64` words that tasks attach to through capabilities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingSpec {
    /// Unique name.
    pub name: String,
    /// Slots; a power of two.
    pub capacity: usize,
}

/// Where a timer's fire goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimerTarget {
    /// Wake the named task.
    Wake(String),
    /// Deliver `word` to the named task's mailbox.
    Send {
        /// The task.
        task: String,
        /// The word delivered.
        word: u64,
    },
}

/// Oneshot or interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    /// Fires once, `after` the boot.
    Oneshot(Duration),
    /// Fires every period, first one period after boot.
    Interval(Duration),
}

/// A timer declaration.
#[derive(Clone, Debug)]
pub struct TimerSpec {
    /// Unique name.
    pub name: String,
    /// The core whose wheel holds it.
    pub core: String,
    /// Oneshot or interval.
    pub kind: TimerKind,
    /// What it does when it fires.
    pub target: TimerTarget,
}

/// A task declared at boot.
pub struct TaskSpec {
    /// Unique name.
    pub name: String,
    /// The core that runs it.
    pub core: String,
    /// Priority, 0 (lowest) to 255 (highest).
    pub priority: u8,
    /// Rings the task may write.
    pub writes: Vec<String>,
    /// Rings the task may read.
    pub reads: Vec<String>,
    /// Counters the task may update.
    pub counters: Vec<String>,
    /// Real-time parameters, for a periodic task ([`TaskSpec::periodic`]).
    pub rt: Option<RtParams>,
    pub(crate) make: Box<dyn FnOnce() -> BoxedTask + Send>,
}

impl std::fmt::Debug for TaskSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskSpec")
            .field("name", &self.name)
            .field("core", &self.core)
            .field("priority", &self.priority)
            .finish_non_exhaustive()
    }
}

impl TaskSpec {
    /// A task named `name` on core `core`, built by `make` on the core at boot.
    pub fn new<T: Task, F>(name: &str, core: &str, make: F) -> TaskSpec
    where
        F: FnOnce() -> T + Send + 'static,
    {
        TaskSpec {
            name: name.to_string(),
            core: core.to_string(),
            priority: 128,
            writes: Vec::new(),
            reads: Vec::new(),
            counters: Vec::new(),
            rt: None,
            make: Box::new(move || boxed(make(), None)),
        }
    }

    /// A periodic real-time task named `name` on core `core`, built by
    /// `make` at boot. The topology's build runs admission control on each
    /// core's periodic tasks in declaration order and refuses the first one
    /// that makes some task miss ([`TopologyError::RealTime`]).
    pub fn periodic<P: PeriodicTask, F>(
        name: &str,
        core: &str,
        params: RtParams,
        make: F,
    ) -> TaskSpec
    where
        F: FnOnce() -> P + Send + 'static,
    {
        TaskSpec {
            name: name.to_string(),
            core: core.to_string(),
            priority: params.priority,
            writes: Vec::new(),
            reads: Vec::new(),
            counters: Vec::new(),
            rt: Some(params),
            make: Box::new(move || crate::rt::rt_boxed(make(), None, None)),
        }
    }
    /// Sets the priority.
    pub fn priority(mut self, p: u8) -> TaskSpec {
        self.priority = p;
        self
    }
    /// Grants the write end of ring `ring`.
    pub fn writes(mut self, ring: &str) -> TaskSpec {
        self.writes.push(ring.to_string());
        self
    }
    /// Grants the read end of ring `ring`.
    pub fn reads(mut self, ring: &str) -> TaskSpec {
        self.reads.push(ring.to_string());
        self
    }
    /// Grants counter `counter`.
    pub fn counter(mut self, counter: &str) -> TaskSpec {
        self.counters.push(counter.to_string());
        self
    }
}

/// A factory registered under a name, for spawning by name (the O `spawn` verb).
pub(crate) type Factory = Box<dyn Fn(u64) -> BoxedTask + Send + Sync>;

/// Collects a topology; [`KernelBuilder::build`] validates it.
pub struct KernelBuilder {
    cores: Vec<CoreSpec>,
    rings: Vec<RingSpec>,
    counters: Vec<String>,
    tasks: Vec<TaskSpec>,
    timers: Vec<TimerSpec>,
    factories: Vec<(String, Factory)>,
    bus_capacity: usize,
    mailbox: usize,
    shared_cpus: bool,
    pinning: bool,
}

impl Default for KernelBuilder {
    fn default() -> KernelBuilder {
        KernelBuilder {
            cores: Vec::new(),
            rings: Vec::new(),
            counters: Vec::new(),
            tasks: Vec::new(),
            timers: Vec::new(),
            factories: Vec::new(),
            bus_capacity: DEFAULT_BUS_CAPACITY,
            mailbox: DEFAULT_MAILBOX,
            shared_cpus: false,
            pinning: true,
        }
    }
}

impl KernelBuilder {
    /// Declares a core.
    pub fn core(mut self, core: CoreSpec) -> KernelBuilder {
        self.cores.push(core);
        self
    }
    /// Declares a ring of `capacity` words.
    pub fn ring(mut self, name: &str, capacity: usize) -> KernelBuilder {
        self.rings.push(RingSpec {
            name: name.to_string(),
            capacity,
        });
        self
    }
    /// Declares a counter.
    pub fn counter(mut self, name: &str) -> KernelBuilder {
        self.counters.push(name.to_string());
        self
    }
    /// Declares a task started at boot.
    pub fn task(mut self, task: TaskSpec) -> KernelBuilder {
        self.tasks.push(task);
        self
    }
    /// Declares a timer armed at boot.
    pub fn timer(
        mut self,
        name: &str,
        core: &str,
        kind: TimerKind,
        target: TimerTarget,
    ) -> KernelBuilder {
        self.timers.push(TimerSpec {
            name: name.to_string(),
            core: core.to_string(),
            kind,
            target,
        });
        self
    }
    /// Registers a task factory under `name`, for [`crate::KernelHandle::spawn_named`].
    /// The factory receives the spawn argument word.
    pub fn register<T: Task, F>(mut self, name: &str, make: F) -> KernelBuilder
    where
        F: Fn(u64) -> T + Send + Sync + 'static,
    {
        self.factories.push((
            name.to_string(),
            Box::new(move |arg| boxed(make(arg), None)),
        ));
        self
    }
    /// Capacity of each bus ring (power of two).
    pub fn bus_capacity(mut self, capacity: usize) -> KernelBuilder {
        self.bus_capacity = capacity;
        self
    }
    /// Capacity of each task mailbox.
    pub fn mailbox(mut self, capacity: usize) -> KernelBuilder {
        self.mailbox = capacity;
        self
    }
    /// Allows several cores on one CPU (they then share it by time slicing).
    pub fn allow_shared_cpus(mut self, allow: bool) -> KernelBuilder {
        self.shared_cpus = allow;
        self
    }
    /// Pins core threads to their CPUs (default on).
    pub fn pinning(mut self, pin: bool) -> KernelBuilder {
        self.pinning = pin;
        self
    }

    /// Validates everything against the CPUs this process may use.
    pub fn build(self) -> Result<Topology, TopologyError> {
        let cpus = available_cpus();
        self.build_for(&cpus)
    }

    /// Validates everything against the given set of usable CPUs.
    pub fn build_for(self, cpus: &[usize]) -> Result<Topology, TopologyError> {
        let core_index = check_cores(&self.cores, self.shared_cpus, cpus)?;
        check_pow2("bus_capacity", self.bus_capacity)?;
        if self.mailbox == 0 {
            return Err(TopologyError::Zero {
                field: "mailbox".into(),
            });
        }
        let ring_index = index_names("ring", self.rings.iter().map(|r| r.name.as_str()))?;
        for r in &self.rings {
            check_pow2(&format!("ring `{}`.capacity", r.name), r.capacity)?;
        }
        let counter_index = index_names("counter", self.counters.iter().map(String::as_str))?;
        index_names(
            "registered task",
            self.factories.iter().map(|f| f.0.as_str()),
        )?;
        let task_index = index_names("task", self.tasks.iter().map(|t| t.name.as_str()))?;
        index_names("timer", self.timers.iter().map(|t| t.name.as_str()))?;
        let tasks = resolve_tasks(
            self.tasks,
            &self.cores,
            &core_index,
            &ring_index,
            &counter_index,
        )?;
        crate::validate::check_rt_tasks(&tasks, &self.cores)?;
        let timers = resolve_timers(self.timers, &self.cores, &core_index, &task_index)?;
        Ok(Topology {
            cores: self.cores,
            rings: self.rings,
            counters: self.counters,
            tasks,
            timers,
            factories: self.factories,
            bus_capacity: self.bus_capacity,
            mailbox: self.mailbox,
            pinning: self.pinning,
        })
    }
}

/// A validated topology: every name resolved, nothing started.
pub struct Topology {
    pub(crate) cores: Vec<CoreSpec>,
    pub(crate) rings: Vec<RingSpec>,
    pub(crate) counters: Vec<String>,
    pub(crate) tasks: Vec<BootTask>,
    pub(crate) timers: Vec<BootTimer>,
    pub(crate) factories: Vec<(String, Factory)>,
    pub(crate) bus_capacity: usize,
    pub(crate) mailbox: usize,
    pub(crate) pinning: bool,
}

impl Topology {
    /// The cores, in index order.
    pub fn cores(&self) -> &[CoreSpec] {
        &self.cores
    }
    /// The rings, in index order.
    pub fn rings(&self) -> &[RingSpec] {
        &self.rings
    }
    /// Index of the BSP.
    pub fn bsp(&self) -> CoreIndex {
        let i = self
            .cores
            .iter()
            .position(|c| c.role == Role::Bsp)
            .unwrap_or(0);
        CoreIndex(i as u8)
    }
}

impl std::fmt::Debug for Topology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Topology")
            .field("cores", &self.cores)
            .field("rings", &self.rings)
            .field("counters", &self.counters)
            .field(
                "tasks",
                &self.tasks.iter().map(|t| &t.name).collect::<Vec<_>>(),
            )
            .field("timers", &self.timers)
            .finish_non_exhaustive()
    }
}

/// The CPUs the calling thread may run on (its affinity mask, which threads
/// it starts inherit), sorted. On a thread already pinned this is one CPU.
pub fn available_cpus() -> Vec<usize> {
    let mut v: Vec<usize> = core_affinity::get_core_ids()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect();
    v.sort_unstable();
    v
}
