//! Boot: from a [`Topology`] to running cores, and back to a report.
//!
//! [`Kernel::boot`] allocates everything (pollers, doorbells, the bus mesh,
//! task and timer tables, named rings) and places the boot tasks and timers;
//! nothing runs yet. [`Kernel::run`] starts every AP on its own pinned thread
//! and runs the BSP on the calling thread until the kernel halts;
//! [`Kernel::start`] runs the BSP on a thread too and returns a [`Running`]
//! kernel to `halt` and `join`. Shutdown joins every thread, then drains and
//! counts every message still queued anywhere (see [`ShutdownReport`]).

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::JoinHandle as ThreadHandle;
use std::time::Instant;

use crossbeam_queue::ArrayQueue;
use crossbeam_utils::CachePadded;
use enso_sched::ReadyQueue;

use crate::bus::KINDS;
use crate::caps::{Cap, Counter};
use crate::context::Services;
use crate::core::{Core, MAX_EVENTS};
use crate::doorbell::Doorbell;
use crate::error::KernelError;
use crate::handle::KernelHandle;
use crate::ids::{CoreIndex, TaskId};
use crate::io::Reactor;
use crate::mesh::{Endpoint, mesh};
use crate::rings::RingEntry;
use crate::rt::RtCore;
use crate::shared::{self, CoreShared, INBOX, Listing, Shared};
use crate::stats::{CoreStatsCell, ShutdownReport};
use crate::table::TaskTable;
use crate::timer::{TimerAction, Timers};
use crate::timerfd::TimerFd;
use crate::topology::{KernelBuilder, Role, TimerKind, Topology};

/// The kernel, booted but not yet running.
pub struct Kernel {
    shared: Arc<Shared>,
    cores: Vec<Core>,
    pinning: bool,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("cores", &self.cores.len())
            .finish_non_exhaustive()
    }
}

impl Kernel {
    /// A builder for the topology.
    pub fn builder() -> KernelBuilder {
        KernelBuilder::default()
    }

    /// Allocates every core's state and places boot tasks and timers.
    pub fn boot(topo: Topology) -> Result<Kernel, KernelError> {
        crate::tsc::calibrate();
        let kernel = shared::reserve().ok_or(KernelError::TooManyKernels)?;
        match boot_with(kernel, topo) {
            Ok(k) => Ok(k),
            Err(e) => {
                shared::unreserve(kernel);
                Err(e)
            }
        }
    }

    /// A handle for spawning, listing and halting (usable before `run`).
    pub fn handle(&self) -> KernelHandle {
        KernelHandle {
            shared: self.shared.clone(),
        }
    }

    /// Runs: every AP on its pinned thread, the BSP on this thread, until
    /// the kernel halts; then joins everything and reports.
    pub fn run(self) -> Result<ShutdownReport, KernelError> {
        let shared = self.shared.clone();
        let pinning = self.pinning;
        let (bsp, aps) = split_bsp(self.cores);
        let threads = spawn_aps(aps, pinning, &shared)?;
        let saved = crate::pin::SavedAffinity::save();
        let bsp_end = run_core(bsp, pinning, &shared);
        if let Some(s) = saved {
            s.restore();
        }
        finish(shared, vec![bsp_end], threads)
    }

    /// Starts every core on its own thread and returns at once.
    pub fn start(self) -> Result<Running, KernelError> {
        let shared = self.shared.clone();
        let pinning = self.pinning;
        let threads = spawn_aps(self.cores, pinning, &shared)?;
        Ok(Running {
            handle: KernelHandle { shared },
            threads,
        })
    }
}

/// A started kernel.
pub struct Running {
    handle: KernelHandle,
    threads: Vec<ThreadHandle<Result<Endpoint, String>>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("threads", &self.threads.len())
            .finish_non_exhaustive()
    }
}

impl Running {
    /// The kernel handle.
    pub fn handle(&self) -> &KernelHandle {
        &self.handle
    }

    /// Asks every core to stop.
    pub fn halt(&self) {
        self.handle.halt();
    }

    /// Waits for every core thread, then drains and reports. Without a
    /// `halt` (from here, a handle or a task) this waits forever.
    pub fn join(mut self) -> Result<ShutdownReport, KernelError> {
        let threads = std::mem::take(&mut self.threads);
        finish(self.handle.shared.clone(), Vec::new(), threads)
    }
}

impl Drop for Running {
    /// A running kernel dropped without `join` is halted and joined, so no
    /// core thread outlives it and every task's drop runs.
    fn drop(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        self.handle.halt();
        let threads = std::mem::take(&mut self.threads);
        let _ = finish(self.handle.shared.clone(), Vec::new(), threads);
    }
}

fn split_bsp(cores: Vec<Core>) -> (Core, Vec<Core>) {
    let mut bsp = None;
    let mut aps = Vec::new();
    for c in cores {
        if c.shared.cores[c.idx.get()].spec.role == Role::Bsp && bsp.is_none() {
            bsp = Some(c);
        } else {
            aps.push(c);
        }
    }
    // The topology guarantees exactly one BSP.
    let bsp = bsp.unwrap_or_else(|| aps.remove(0));
    (bsp, aps)
}

fn spawn_aps(
    cores: Vec<Core>,
    pinning: bool,
    shared: &Arc<Shared>,
) -> Result<Vec<ThreadHandle<Result<Endpoint, String>>>, KernelError> {
    let mut threads = Vec::with_capacity(cores.len());
    for core in cores {
        let name = core.shared.cores[core.idx.get()].spec.name.clone();
        let sh = shared.clone();
        let t = std::thread::Builder::new()
            .name(format!("enso-{name}"))
            .spawn(move || run_core(core, pinning, &sh));
        match t {
            Ok(t) => threads.push(t),
            Err(e) => {
                KernelHandle {
                    shared: shared.clone(),
                }
                .halt();
                for t in threads {
                    let _ = t.join();
                }
                return Err(KernelError::Io(e));
            }
        }
    }
    Ok(threads)
}

/// Pins the thread, runs the loop, and hands the bus end back for the final drain.
fn run_core(mut core: Core, pinning: bool, shared: &Arc<Shared>) -> Result<Endpoint, String> {
    let spec = &shared.cores[core.idx.get()].spec;
    if pinning && !crate::pin::pin_to(spec.cpu) {
        let mut f = shared.fatal.lock().unwrap_or_else(|e| e.into_inner());
        f.get_or_insert(KernelError::Pin {
            core: spec.name.clone(),
            cpu: spec.cpu,
        });
        drop(f);
        KernelHandle {
            shared: shared.clone(),
        }
        .halt();
    }
    if spec.reactors.timers {
        crate::pin::tight_timer_slack();
    }
    let name = spec.name.clone();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| core.run()));
    // Release: pairs with the Acquire of posters deciding to give up.
    shared.cores[core.idx.get()]
        .running
        .store(false, std::sync::atomic::Ordering::Release);
    match r {
        Ok(()) => Ok(core.sv.bus),
        Err(p) => {
            KernelHandle {
                shared: shared.clone(),
            }
            .halt();
            Err(format!("{name}: {}", crate::core::panic_message(&*p)))
        }
    }
}

fn finish(
    shared: Arc<Shared>,
    mut ends: Vec<Result<Endpoint, String>>,
    threads: Vec<ThreadHandle<Result<Endpoint, String>>>,
) -> Result<ShutdownReport, KernelError> {
    for t in threads {
        ends.push(
            t.join()
                .unwrap_or_else(|p| Err(crate::core::panic_message(&*p))),
        );
    }
    // Refuse posts from now on, then count whatever is still queued.
    *shared.closed.write().unwrap_or_else(|e| e.into_inner()) = true;
    let mut counts = [0u64; KINDS];
    let mut failed = None;
    for e in ends {
        match e {
            Ok(mut ep) => ep.drain_into(&mut counts),
            Err(m) => failed = Some(m),
        }
    }
    for c in &shared.cores {
        while let Some(m) = c.inbox.pop() {
            counts[m.kind()] += 1;
        }
    }
    let mut rep = shared
        .report
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    for (a, b) in rep.undelivered.iter_mut().zip(counts) {
        *a += b;
    }
    // The operator's own halt requests are not lost messages.
    rep.undelivered[13] = 0;
    rep.ring_words_left = shared
        .rings
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|r| r.depth())
        .sum();
    if let Some(e) = shared
        .fatal
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        return Err(e);
    }
    if let Some(m) = failed {
        return Err(KernelError::CorePanicked(m));
    }
    Ok(rep)
}

fn boot_with(kernel: u8, topo: Topology) -> Result<Kernel, KernelError> {
    let n = topo.cores.len();
    let mut polls = Vec::with_capacity(n);
    let mut cores_shared = Vec::with_capacity(n);
    for spec in &topo.cores {
        let poll = mio::Poll::new()?;
        let doorbell = Doorbell::new(poll.registry())?;
        polls.push(poll);
        cores_shared.push(CoreShared {
            quanta: Mutex::new(spec.quanta),
            spec: spec.clone(),
            doorbell,
            inbox: ArrayQueue::new(INBOX),
            stats: CoreStatsCell::default(),
            slots: (0..spec.max_tasks).map(|_| AtomicU64::new(0)).collect(),
            listing: Mutex::new(Listing::default()),
            listing_ready: Condvar::new(),
            synced: AtomicU64::new(0),
            running: std::sync::atomic::AtomicBool::new(true),
            rt: Mutex::new(Vec::with_capacity(spec.max_tasks)),
        });
    }
    let specs: Vec<(&str, usize)> = topo
        .rings
        .iter()
        .map(|r| (r.name.as_str(), r.capacity))
        .collect();
    let rings = RingEntry::sector(&specs)
        .map_err(|e| KernelError::Bus(format!("boot rings sector: {e}")))?;
    let counters: Vec<(String, Counter)> = topo
        .counters
        .iter()
        .map(|c| (c.clone(), Arc::new(CachePadded::new(AtomicU64::new(0)))))
        .collect();
    let shared = Arc::new(Shared {
        kernel,
        epoch: Instant::now(),
        cores: cores_shared,
        rings: RwLock::new(rings),
        counters,
        factories: topo.factories,
        names: Mutex::new(Vec::new()),
        texts: Mutex::new(Vec::new()),
        next_text: AtomicU64::new(1),
        mailbox: topo.mailbox,
        closed: RwLock::new(false),
        listing_seq: AtomicU64::new(0),
        report: Mutex::new(ShutdownReport::default()),
        failures: Mutex::new(std::collections::VecDeque::with_capacity(shared::FAILURES)),
        fatal: Mutex::new(None),
    });
    shared::publish(&shared);
    let mut cores = Vec::with_capacity(n);
    let eps = mesh(n, topo.bus_capacity).map_err(|e| KernelError::Bus(e.to_string()))?;
    for ((i, ep), poll) in eps.into_iter().enumerate().zip(polls) {
        cores.push(new_core(&shared, CoreIndex(i as u8), ep, poll)?);
    }
    let ids = place_boot_tasks(&shared, &mut cores, topo.tasks)?;
    for t in topo.timers {
        let task = ids[t.task];
        let action = match t.word {
            Some(word) => TimerAction::Send { to: task, word },
            None => TimerAction::Wake(task),
        };
        let (after, period) = match t.kind {
            TimerKind::Oneshot(d) => (crate::context::ns(d), 0),
            TimerKind::Interval(p) => (crate::context::ns(p), crate::context::ns(p)),
        };
        if let Some(timers) = cores[t.core.get()].sv.timers.as_mut() {
            // Boot timers fit: the table holds `max_timers` and boot timers
            // are few; a full table here is reported, not ignored.
            if let Err(e) = timers.arm(after, period, action) {
                return Err(KernelError::Io(std::io::Error::other(e.to_string())));
            }
        }
    }
    Ok(Kernel {
        shared,
        cores,
        pinning: topo.pinning,
    })
}

fn new_core(
    shared: &Arc<Shared>,
    idx: CoreIndex,
    bus: Endpoint,
    poll: mio::Poll,
) -> Result<Core, KernelError> {
    let spec = &shared.cores[idx.get()].spec;
    let reactor = if spec.reactors.io {
        Some(Reactor::new(poll.registry().try_clone()?, spec.max_tasks))
    } else {
        None
    };
    let timers = match spec.reactors.timers {
        true => Some(
            Timers::new(idx, spec.max_timers)
                .map_err(|e| KernelError::Bus(format!("core `{}` timer wheel: {e}", spec.name)))?,
        ),
        false => None,
    };
    let fired = (spec.quanta.tasks.max(spec.quanta.bus) as usize).max(1);
    // Task cores get one too: job releases wake a parked core on time.
    let timerfd = match spec.reactors.timers || spec.reactors.tasks {
        true => Some(TimerFd::new(poll.registry())?),
        false => None,
    };
    Ok(Core {
        idx,
        shared: shared.clone(),
        table: TaskTable::new(shared.kernel, idx, spec.max_tasks, shared.mailbox),
        ready: ReadyQueue::with_capacity(spec.max_tasks)
            .map_err(|e| KernelError::Bus(format!("core `{}` ready queue: {e}", spec.name)))?,
        sv: Services {
            core: idx,
            shared: shared.clone(),
            bus,
            timers,
            reactor,
            now: 0,
            counters: Default::default(),
        },
        poll,
        events: mio::Events::with_capacity((spec.quanta.io as usize).clamp(1, MAX_EVENTS)),
        quanta: spec.quanta,
        idle: spec.idle,
        halted: false,
        fired: Vec::with_capacity(fired),
        yielded: Vec::with_capacity(spec.max_tasks),
        timerfd,
        rt: RtCore::new(spec.rt.dispatch, spec.max_tasks)
            .map_err(|e| KernelError::Bus(format!("core `{}` real-time queue: {e}", spec.name)))?,
    })
}

/// Admits a boot-time periodic task (the topology's build already checked
/// the set, so this passes) and builds its real-time state.
fn boot_rt(
    shared: &Shared,
    core: CoreIndex,
    task: &str,
    name: u32,
    params: crate::rt::RtParams,
) -> Result<Box<crate::rt::RtSlot>, KernelError> {
    let key = crate::rt::admit(shared, core, task, &params)
        .map_err(|e| KernelError::Bus(format!("task `{task}`: {e}")))?;
    let dispatch = shared.cores[core.get()].spec.rt.dispatch;
    crate::rt::RtSlot::new(params, dispatch, key, name)
        .ok_or_else(|| KernelError::Bus(format!("task `{task}`: response histogram")))
}

/// Places boot tasks (the topology checked table sizes) with their capabilities.
fn place_boot_tasks(
    shared: &Arc<Shared>,
    cores: &mut [Core],
    tasks: Vec<crate::validate::BootTask>,
) -> Result<Vec<TaskId>, KernelError> {
    let rings = shared
        .rings
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let mut ids = Vec::with_capacity(tasks.len());
    for t in tasks {
        let core = &mut cores[t.core.get()];
        let name = shared.intern(&t.name);
        let rt = match t.rt {
            Some(p) => Some(boot_rt(shared, t.core, &t.name, name, p)?),
            None => None,
        };
        let Some(id) = core.place_as((t.make)(), t.priority, rt) else {
            ids.push(TaskId::from_bits(0));
            continue;
        };
        let slot = &mut core.table.slots[id.slot() as usize];
        slot.name = Some(name);
        for r in t.writes {
            if let Some(w) = rings[r.0 as usize].take_writer() {
                slot.caps.grant(Cap::Write(r, w));
            }
        }
        for r in t.reads {
            if let Some(rx) = rings[r.0 as usize].take_reader() {
                slot.caps.grant(Cap::Read(r, rx));
            }
        }
        for c in t.counters {
            slot.caps
                .grant(Cap::Counter(c, shared.counters[c.0 as usize].1.clone()));
        }
        ids.push(id);
    }
    Ok(ids)
}
