//! What the shell's tasks share: the console's event channel, the kernel
//! handle (set once booted), the zero task's id, ring policies, metrics and
//! the registry of Rust tasks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use hdrhistogram::Histogram;

use super::registry::Registry;
use super::topic::Topic;
use crate::{KernelHandle, TaskId};

/// What O tasks tell the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Text printed by `print` (one line or more, no trailing newline).
    Print(String),
    /// The zero task finished evaluating a console line: the printed
    /// result, or the error.
    Result(Result<String, String>),
    /// The zero task is running and takes console lines.
    ZeroReady(TaskId),
    /// The machine has halted and every core thread has ended: the
    /// shutdown report, or why the kernel failed.
    Halted(Result<String, String>),
}

/// What an O `pub` does when its ring is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backpressure {
    /// Suspend the O task until the ring has room (the default).
    Block,
    /// Publish what fits and return how many words went in.
    Fail,
}

/// A named measurement a task keeps: a count, a value and a latency histogram.
pub struct Metric {
    /// Name, e.g. `vwap.1`.
    pub name: String,
    /// The core of the task that keeps it.
    pub core: String,
    /// When counting began.
    pub since: Instant,
    count: AtomicU64,
    value_bits: AtomicU64,
    hist: Mutex<Histogram<u64>>,
}

impl std::fmt::Debug for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metric").field("name", &self.name).finish()
    }
}

impl Metric {
    /// A new metric (latencies from 1 ns to 60 s, 3 significant digits).
    pub fn new(name: &str, core: &str) -> Result<Metric, String> {
        let hist = Histogram::new_with_bounds(1, 60_000_000_000, 3)
            .map_err(|e| format!("metric `{name}`: {e}"))?;
        Ok(Metric {
            name: name.to_string(),
            core: core.to_string(),
            since: Instant::now(),
            count: AtomicU64::new(0),
            value_bits: AtomicU64::new(f64::NAN.to_bits()),
            hist: Mutex::new(hist),
        })
    }

    /// Adds `n` events.
    pub fn add(&self, n: u64) {
        // Relaxed: a statistic.
        self.count.fetch_add(n, Ordering::Relaxed);
    }

    /// Sets the metric's value (e.g. the current VWAP).
    pub fn set_value(&self, v: f64) {
        self.value_bits.store(v.to_bits(), Ordering::Relaxed);
    }

    /// Records latencies (ns) under one lock.
    pub fn record(&self, latencies: &[u64]) {
        let mut h = self.hist.lock().unwrap_or_else(|e| e.into_inner());
        for &l in latencies {
            h.saturating_record(l.max(1));
        }
    }

    /// Events so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The value.
    pub fn value(&self) -> f64 {
        f64::from_bits(self.value_bits.load(Ordering::Relaxed))
    }

    /// Latency quantiles in ns: (p50, p99, p99.9, max, samples).
    pub fn latency(&self) -> (u64, u64, u64, u64, u64) {
        let h = self.hist.lock().unwrap_or_else(|e| e.into_inner());
        (
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            h.max(),
            h.len(),
        )
    }
}

/// State shared by the shell's tasks and the console.
pub struct Shell {
    events: Mutex<Sender<Event>>,
    handle: OnceLock<KernelHandle>,
    zero: AtomicU64,
    fuel: AtomicU64,
    policies: Mutex<Vec<(String, Backpressure)>>,
    metrics: Mutex<Vec<Arc<Metric>>>,
    registry: Mutex<Registry>,
    topics: Mutex<Vec<Arc<Topic>>>,
    interrupt: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

/// Reductions an O task runs before it is preempted, by default.
pub const DEFAULT_FUEL: u64 = 2_000;

impl Shell {
    /// A shell whose tasks report to `events`.
    pub fn new(events: Sender<Event>) -> Arc<Shell> {
        Arc::new(Shell {
            events: Mutex::new(events),
            handle: OnceLock::new(),
            zero: AtomicU64::new(0),
            fuel: AtomicU64::new(DEFAULT_FUEL),
            policies: Mutex::new(Vec::new()),
            metrics: Mutex::new(Vec::new()),
            registry: Mutex::new(Registry::new()),
            topics: Mutex::new(Vec::new()),
            interrupt: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Sends an event to the console (dropped if the console is gone).
    pub fn emit(&self, e: Event) {
        let tx = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let _ = tx.send(e);
    }

    /// Gives the shell the kernel's handle (once, after boot).
    pub fn set_handle(&self, h: KernelHandle) {
        let _ = self.handle.set(h);
    }

    /// The kernel handle, once booted.
    pub fn handle(&self) -> Option<&KernelHandle> {
        self.handle.get()
    }

    /// The zero task, once it runs.
    pub fn zero(&self) -> Option<TaskId> {
        match self.zero.load(Ordering::Acquire) {
            0 => None,
            b => Some(TaskId::from_bits(b)),
        }
    }

    pub(crate) fn set_zero(&self, id: TaskId) {
        self.zero.store(id.to_bits(), Ordering::Release);
    }

    /// Reductions per O slice.
    pub fn fuel(&self) -> u64 {
        self.fuel.load(Ordering::Relaxed)
    }

    /// Sets the reductions per O slice (at least 1).
    pub fn set_fuel(&self, fuel: u64) {
        self.fuel.store(fuel.max(1), Ordering::Relaxed);
    }

    /// The backpressure policy of ring `name` for O `pub`.
    pub fn policy(&self, name: &str) -> Backpressure {
        let p = self.policies.lock().unwrap_or_else(|e| e.into_inner());
        p.iter()
            .find(|e| e.0 == name)
            .map_or(Backpressure::Block, |e| e.1)
    }

    /// Sets ring `name`'s policy.
    pub fn set_policy(&self, name: &str, bp: Backpressure) {
        let mut p = self.policies.lock().unwrap_or_else(|e| e.into_inner());
        p.retain(|e| e.0 != name);
        p.push((name.to_string(), bp));
    }

    /// Registers a metric for `stats[]`.
    pub fn add_metric(&self, m: Arc<Metric>) {
        self.metrics
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(m);
    }

    /// Every metric.
    pub fn metrics(&self) -> Vec<Arc<Metric>> {
        self.metrics
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Asks the zero task to abandon the console text it is running (its
    /// answer is then the error `interrupted`); the machine runs on.
    pub fn interrupt(&self) {
        // Release: pairs with the zero task's Acquire swap.
        self.interrupt.store(true, Ordering::Release);
        if let (Some(h), Some(z)) = (self.handle(), self.zero()) {
            let _ = h.wake(z);
        }
    }

    pub(crate) fn take_interrupt(&self) -> bool {
        self.interrupt.swap(false, Ordering::AcqRel)
    }

    /// Adds a topic (a name already taken is replaced).
    pub fn add_topic(&self, t: Topic) {
        let mut v = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        v.retain(|x| x.name != t.name);
        v.push(Arc::new(t));
    }

    /// The topic named `name`.
    pub fn topic(&self, name: &str) -> Option<Arc<Topic>> {
        let v = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        v.iter().find(|t| t.name == name).cloned()
    }

    /// Every topic.
    pub fn topics(&self) -> Vec<Arc<Topic>> {
        self.topics
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The registry of Rust tasks (a copy: entries are shared).
    pub fn registry(&self) -> Registry {
        self.registry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the registry of Rust tasks (before the topology is built).
    pub fn set_registry(&self, r: Registry) {
        *self.registry.lock().unwrap_or_else(|e| e.into_inner()) = r;
    }
}
