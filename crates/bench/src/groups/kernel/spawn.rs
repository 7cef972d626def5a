//! `kernel-spawn` and `kernel-spawn-detached`: spawn-and-complete of
//! trivial tasks on one core (core index 1); millions of tasks per second.
//!
//! `kernel-spawn`: both rows run the same driver: spawn tasks `1..=n` on
//! its own core, each of which returns its number, keeping at most
//! [`WINDOW`] in flight, and add up the results through the join handles in
//! spawn order (the driver waits on the oldest handle when the window is
//! full). Enso: the driver is a kernel task using `Context::spawn_on` and
//! `JoinHandle::poll_join`; the tasks implement `Task` and finish in their
//! first poll. Tokio: the driver is a task on a current-thread runtime using
//! `tokio::spawn(async move { v })` and awaiting the `JoinHandle`s.
//!
//! `kernel-spawn-detached`: the same without join handles. Each task adds
//! its number to counters in a thread local of the core's thread; the
//! driver keeps at most [`WINDOW`] tasks unfinished, yielding to them when
//! the window is full, until all `n` have counted themselves. Enso posts a
//! `Message::Spawn` of a `TaskBox` to its own core; tokio drops the
//! `JoinHandle` that `tokio::spawn` returns.

use std::cell::Cell;
use std::collections::VecDeque;
use std::task::Poll;
use std::time::{Duration, Instant};

use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, JoinHandle, Kernel, Message, Task, TaskBox};

use super::{join, sample, setup, start, stop};
use crate::harness::{self, BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};

/// Tasks in flight at most: fits the kernel's default task table (256).
const WINDOW: usize = 128;

/// The spawn groups.
pub fn groups() -> Vec<Group> {
    vec![joined(), detached()]
}

fn joined() -> Group {
    Group {
        name: "kernel-spawn",
        title: "spawn + complete + join of trivial tasks on one core, 128 in flight (target: at least 2x tokio)",
        unit: Unit::MillionsPerSec("task"),
        items: Items {
            full: 1_000_000,
            quick: 50_000,
        },
        capacity: WINDOW,
        batch: 1,
        notes: vec![
            "one core (core index 1); each task returns its number, summed from the join handles in spawn order"
                .to_string(),
        ],
        rows: vec![
            Row::new(
                Kind::Enso,
                "enso spawn_on + JoinHandle",
                "driver task: Context::spawn_on of a Task that is Ready at its first poll, poll_join; spinning core, default quanta",
                enso_spawn,
            ),
            Row::new(
                Kind::Peer,
                "tokio current-thread",
                "driver task: tokio::spawn(async move { v }), JoinHandle awaited",
                tokio_spawn,
            ),
        ],
    }
}

fn detached() -> Group {
    Group {
        name: "kernel-spawn-detached",
        title: "spawn + complete of trivial tasks on one core, no join handle, 128 unfinished at most",
        unit: Unit::MillionsPerSec("task"),
        items: Items {
            full: 1_000_000,
            quick: 50_000,
        },
        capacity: WINDOW,
        batch: 1,
        notes: vec![
            "one core (core index 1); each task adds its number to a thread-local sum and count, which the driver reads"
                .to_string(),
        ],
        rows: vec![
            Row::new(
                Kind::Enso,
                "enso Spawn(TaskBox) message",
                "driver task: Context::post(own core, Message::Spawn { TaskBox::new(task) }), yields while the window is full (polled again next turn, after the bus phase)",
                enso_detached,
            ),
            Row::new(
                Kind::Peer,
                "tokio current-thread",
                "driver task: tokio::spawn(async move { .. }) with the JoinHandle dropped, yield_now while the window is full",
                tokio_detached,
            ),
        ],
    }
}

/// Returns its number at its first poll.
struct Trivial(u64);

impl Task for Trivial {
    type Output = u64;
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<u64> {
        Poll::Ready(self.0)
    }
}

/// Spawns `1..=n` on its own core, at most `window` in flight, and sums
/// their results in spawn order.
struct Driver {
    n: u64,
    next: u64,
    sum: u64,
    window: usize,
    in_flight: VecDeque<JoinHandle<u64>>,
    t0: Option<Instant>,
}

impl Task for Driver {
    type Output = Result<(u64, Duration), String>;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let t0 = *self.t0.get_or_insert_with(Instant::now);
        let core = cx.core();
        loop {
            while self.in_flight.len() < self.window && self.next < self.n {
                self.next += 1;
                match cx.spawn_on(core, 1, Trivial(self.next)) {
                    Ok(h) => self.in_flight.push_back(h),
                    Err(e) => return Poll::Ready(Err(format!("spawn {}: {e}", self.next))),
                }
            }
            let Some(oldest) = self.in_flight.front_mut() else {
                return Poll::Ready(Ok((self.sum, t0.elapsed())));
            };
            match oldest.poll_join(cx.waker()) {
                Poll::Ready(Ok(v)) => {
                    self.sum = self.sum.wrapping_add(v);
                    self.in_flight.pop_front();
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(format!("join: {e}"))),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

fn enso_spawn(p: &Params) -> Result<Sample, BenchError> {
    let kernel = start(
        p,
        Kernel::builder().core(
            CoreSpec::bsp("spawner", super::cpu(1))
                .tasks()
                .idle(IdlePolicy::Spin),
        ),
    )?;
    let driver = Driver {
        n: p.items,
        next: 0,
        sum: 0,
        window: p.capacity,
        in_flight: VecDeque::with_capacity(p.capacity),
        t0: None,
    };
    let outcome = kernel
        .handle()
        .spawn_on(CoreIndex(0), 1, driver)
        .map_err(setup(p))
        .and_then(|h| join(p, h));
    stop(p, kernel)?;
    let (sum, elapsed) = outcome?.map_err(setup(p))?;
    harness::verify(&p.label, "driver", harness::sum_of_range(1, p.items), sum)?;
    Ok(sample(p, elapsed))
}

/// The tokio driver: the same window, awaiting the oldest handle.
async fn tokio_driver(n: u64, window: usize) -> u64 {
    let mut in_flight = VecDeque::with_capacity(window);
    let mut sum = 0u64;
    for v in 1..=n {
        if in_flight.len() == window
            && let Some(oldest) = in_flight.pop_front()
        {
            match oldest.await {
                Ok(x) => sum = sum.wrapping_add(x),
                Err(_) => return 0,
            }
        }
        in_flight.push_back(tokio::spawn(async move { v }));
    }
    for h in in_flight {
        match h.await {
            Ok(x) => sum = sum.wrapping_add(x),
            Err(_) => return 0,
        }
    }
    sum
}

fn tokio_spawn(p: &Params) -> Result<Sample, BenchError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(setup(p))?;
    let (n, window) = (p.items, p.capacity);
    // Borrowed, so the runtime shuts down after the timed section.
    let rt = &rt;
    let outcome = harness::run_team(
        &p.label,
        vec![Worker::new(1, move || {
            rt.block_on(async move { tokio::spawn(tokio_driver(n, window)).await.unwrap_or(0) })
        })],
    )?;
    harness::verify(
        &p.label,
        "driver",
        harness::sum_of_range(1, p.items),
        outcome.checksums[0],
    )?;
    Ok(sample(p, outcome.elapsed))
}

thread_local! {
    /// Detached tasks finished on this thread.
    static DONE: Cell<u64> = const { Cell::new(0) };
    /// Sum of their numbers.
    static SUM: Cell<u64> = const { Cell::new(0) };
}

/// Counts detached task `v` as finished on this thread.
fn count(v: u64) {
    DONE.set(DONE.get() + 1);
    SUM.set(SUM.get().wrapping_add(v));
}

/// Detached tasks finished on this thread and the sum of their numbers.
fn counted() -> (u64, u64) {
    (DONE.get(), SUM.get())
}

/// Counts itself at its first poll.
struct Counted(u64);

impl Task for Counted {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        count(self.0);
        Poll::Ready(())
    }
}

/// Spawns `1..=n` detached on its own core, at most `window` unfinished.
struct DetachedDriver {
    n: u64,
    next: u64,
    window: u64,
    /// The thread's counters when the driver started.
    base: Option<(u64, u64)>,
    t0: Option<Instant>,
}

impl Task for DetachedDriver {
    type Output = (u64, Duration);
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let t0 = *self.t0.get_or_insert_with(Instant::now);
        let (done0, sum0) = *self.base.get_or_insert_with(counted);
        let (done, sum) = counted();
        let done = done - done0;
        if done == self.n {
            return Poll::Ready((sum.wrapping_sub(sum0), t0.elapsed()));
        }
        let core = cx.core();
        while self.next - done < self.window && self.next < self.n {
            self.next += 1;
            let task = TaskBox::new(Counted(self.next));
            cx.post(core, Message::Spawn { task, priority: 1 });
        }
        cx.yield_now();
        Poll::Pending
    }
}

fn enso_detached(p: &Params) -> Result<Sample, BenchError> {
    let kernel = start(
        p,
        Kernel::builder().core(
            CoreSpec::bsp("spawner", super::cpu(1))
                .tasks()
                .idle(IdlePolicy::Spin),
        ),
    )?;
    let driver = DetachedDriver {
        n: p.items,
        next: 0,
        window: p.capacity as u64,
        base: None,
        t0: None,
    };
    let outcome = kernel
        .handle()
        .spawn_on(CoreIndex(0), 1, driver)
        .map_err(setup(p))
        .and_then(|h| join(p, h));
    stop(p, kernel)?;
    let (sum, elapsed) = outcome?;
    harness::verify(&p.label, "tasks", harness::sum_of_range(1, p.items), sum)?;
    Ok(sample(p, elapsed))
}

/// The tokio detached driver: the same window, yielding while it is full.
async fn tokio_detached_driver(n: u64, window: u64) -> u64 {
    let (done0, sum0) = counted();
    let mut next = 0;
    loop {
        let (done, sum) = counted();
        let done = done - done0;
        if done == n {
            return sum.wrapping_sub(sum0);
        }
        while next - done < window && next < n {
            next += 1;
            let v = next;
            drop(tokio::spawn(async move { count(v) }));
        }
        tokio::task::yield_now().await;
    }
}

fn tokio_detached(p: &Params) -> Result<Sample, BenchError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(setup(p))?;
    let (n, window) = (p.items, p.capacity as u64);
    // Borrowed, so the runtime shuts down after the timed section.
    let rt = &rt;
    let outcome = harness::run_team(
        &p.label,
        vec![Worker::new(1, move || {
            rt.block_on(async move {
                tokio::spawn(tokio_detached_driver(n, window))
                    .await
                    .unwrap_or(0)
            })
        })],
    )?;
    harness::verify(
        &p.label,
        "tasks",
        harness::sum_of_range(1, p.items),
        outcome.checksums[0],
    )?;
    Ok(sample(p, outcome.elapsed))
}
