//! Scheduling structures of `enso-sched` on one core (core 0), single thread:
//!
//! - `timer-cancel`: arm `n` timers (all pending at once, deadlines spread
//!   over about a second of microsecond ticks), then cancel every one;
//!   nanoseconds per insert + cancel pair. Peer: tokio's `sleep`, both as
//!   created and dropped without a poll (tokio registers a sleep lazily, at
//!   its first poll, so that row arms nothing) and as created, polled once
//!   (registered in tokio's wheel) and dropped.
//! - `timer-fire`: arm `n` timers, then fire them all in deadline order;
//!   nanoseconds per insert + fire. Peer: `n` tokio sleeps polled once
//!   (registered), then the runtime's clock is advanced past the last
//!   deadline (paused clock, `test-util`) so its time driver fires them
//!   all, then each is polled to `Ready`.
//! - `ready-queue`: a 256-entry ready queue (a core's task table) in steady
//!   state: pop the most urgent entry, push it back at a pseudo-random level;
//!   nanoseconds per pop + push. Peer: `std::collections::BinaryHeap` keyed
//!   by (priority, arrival) for the same FIFO-within-level order.
//!
//! - `ready-pop`: pop-highest alone: `n` entries (64 Ki, a large task
//!   table that still fits in L2) at pseudo-random levels are pushed before
//!   the clock starts, then all are popped, most urgent first; nanoseconds
//!   per pop. Peer: the same `BinaryHeap`.
//!
//! Every structure is built before the clock starts. Tokio rows use one
//! current-thread runtime per run with the time driver on a paused clock,
//! so no row waits for wall-clock time, and poll outside any task or
//! inside `task::unconstrained`, so tokio's cooperative budget (which
//! turns the 129th poll of a task turn into `Pending`) does not distort
//! them. Boxed sleeps: a `Sleep` is `!Unpin`, so holding many of them
//! pinned means boxing each.

use std::collections::BinaryHeap;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::Duration;

use enso_sched::{ReadyQueue, TimerHandle, TimerWheel};
use tokio::time::{Instant, Sleep};

use crate::harness::{self, BenchError, Worker};
use crate::model::Unit;
use crate::model::{Group, Items, Kind, Params, Row, Sample};

/// Deadline spread of the timer workloads: about one second in microsecond ticks.
const SPREAD: u64 = 1 << 20;
/// Entries resident in the ready-queue workload.
const RESIDENT: usize = 256;

/// The scheduling groups.
pub fn groups() -> Vec<Group> {
    vec![timer_cancel(), timer_fire(), ready_queue(), ready_pop()]
}

fn timer_cancel() -> Group {
    Group {
        name: "timer-cancel",
        title: "timer insert + cancel, all n pending at once, one thread",
        unit: Unit::NanosPer("insert+cancel"),
        items: Items {
            full: 1_000_000,
            quick: 50_000,
        },
        capacity: 0,
        batch: 1,
        notes: Vec::new(),
        rows: vec![
            Row::new(
                Kind::Baseline,
                "loop alone",
                "deadlines computed and checksummed, no timer",
                timer_baseline,
            ),
            Row::new(
                Kind::Enso,
                "enso TimerWheel",
                "insert / cancel by handle, capacity n preallocated",
                wheel_cancel,
            ),
            Row::new(
                Kind::Peer,
                "tokio sleep, polled",
                "Box::pin(sleep_until), polled once (registered), dropped",
                tokio_cancel_registered,
            ),
            Row::new(
                Kind::Peer,
                "tokio sleep, unpolled",
                "sleep_until created and dropped, never polled: never registered",
                tokio_create_drop,
            ),
        ],
    }
}

fn timer_fire() -> Group {
    Group {
        name: "timer-fire",
        title: "timer insert + fire, all n pending at once, one thread",
        unit: Unit::NanosPer("insert+fire"),
        items: Items {
            full: 1_000_000,
            quick: 50_000,
        },
        capacity: 0,
        batch: 1,
        notes: Vec::new(),
        rows: vec![
            Row::new(
                Kind::Enso,
                "enso TimerWheel",
                "insert, then advance past the last deadline",
                wheel_fire,
            ),
            Row::new(
                Kind::Peer,
                "tokio sleep",
                "Box::pin(sleep_until) polled once, then polled to Ready after the driver fired it",
                tokio_fire,
            ),
        ],
    }
}

fn ready_queue() -> Group {
    Group {
        name: "ready-queue",
        title: "ready queue, 256 resident entries, pop most urgent + push back",
        unit: Unit::NanosPer("pop+push"),
        items: Items {
            full: 20_000_000,
            quick: 1_000_000,
        },
        capacity: RESIDENT,
        batch: 1,
        notes: Vec::new(),
        rows: vec![
            Row::new(
                Kind::Baseline,
                "loop alone",
                "levels generated and checksummed, no queue",
                ready_baseline,
            ),
            Row::new(
                Kind::Enso,
                "enso ReadyQueue",
                "256 levels, bitmap, FIFO per level",
                ready_enso,
            ),
            Row::new(
                Kind::Peer,
                "std BinaryHeap",
                "(priority, Reverse(arrival)) keys, capacity preallocated",
                ready_heap,
            ),
        ],
    }
}

fn ready_pop() -> Group {
    Group {
        name: "ready-pop",
        title: "ready queue, pop most urgent, n entries pushed before the clock (a 64 Ki-task table)",
        unit: Unit::NanosPer("pop"),
        items: Items {
            full: 65_536,
            quick: 4_096,
        },
        capacity: 0,
        batch: 1,
        notes: Vec::new(),
        rows: vec![
            Row::new(
                Kind::Enso,
                "enso ReadyQueue",
                "256 levels, bitmap, FIFO per level; capacity n",
                pop_enso,
            ),
            Row::new(
                Kind::Peer,
                "std BinaryHeap",
                "(priority, Reverse(arrival)) keys, capacity n",
                pop_heap,
            ),
        ],
    }
}

/// The deadline (in ticks) of timer `v`: spread over `SPREAD` by a multiplicative hash.
fn deadline_of(v: u64) -> u64 {
    1 + (v.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 44) % SPREAD
}

/// One worker on core 0.
fn solo(
    p: &Params,
    job: impl FnOnce() -> u64 + Send,
) -> Result<(std::time::Duration, u64), BenchError> {
    let outcome = harness::run_team(&p.label, vec![Worker::new(0, job)])?;
    Ok((outcome.elapsed, outcome.checksums[0]))
}

fn checked(p: &Params, elapsed: Duration, got: u64) -> Result<Sample, BenchError> {
    harness::verify(&p.label, "timers", harness::sum_of_range(1, p.items), got)?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn setup<E: std::fmt::Display>(p: &Params) -> impl Fn(E) -> BenchError + '_ {
    move |e| BenchError::Setup {
        run: p.label.clone(),
        reason: e.to_string(),
    }
}

fn timer_baseline(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let (elapsed, sum) = solo(p, move || {
        (1..=n).fold(0u64, |s, v| {
            black_box(deadline_of(v));
            s.wrapping_add(v)
        })
    })?;
    checked(p, elapsed, sum)
}

fn wheel_cancel(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let mut wheel = TimerWheel::with_capacity(n as usize).map_err(setup(p))?;
    let mut handles: Vec<TimerHandle> = Vec::with_capacity(n as usize);
    let (elapsed, sum) = solo(p, move || {
        for v in 1..=n {
            match wheel.insert(deadline_of(v), v) {
                Ok(h) => handles.push(h),
                Err(_) => return 0,
            }
        }
        handles
            .iter()
            .fold(0u64, |s, &h| s.wrapping_add(wheel.cancel(h).unwrap_or(0)))
    })?;
    checked(p, elapsed, sum)
}

fn wheel_fire(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let mut wheel = TimerWheel::with_capacity(n as usize).map_err(setup(p))?;
    let (elapsed, sum) = solo(p, move || {
        for v in 1..=n {
            if wheel.insert(deadline_of(v), v).is_err() {
                return 0;
            }
        }
        let mut last = 0;
        let mut sum = 0u64;
        for e in wheel.advance(SPREAD + 1) {
            // A timer out of deadline order spoils the checksum.
            if e.deadline < last {
                return 0;
            }
            last = e.deadline;
            sum = sum.wrapping_add(e.value);
        }
        sum
    })?;
    checked(p, elapsed, sum)
}

fn runtime(p: &Params) -> Result<tokio::runtime::Runtime, BenchError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(setup(p))
}

/// Polls a sleep once (registering it with the time driver); true when Ready.
fn poll_once(sleep: &mut Pin<Box<Sleep>>) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    sleep.as_mut().poll(&mut cx).is_ready()
}

fn tokio_create_drop(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let rt = runtime(p)?;
    let (elapsed, sum) = solo(p, move || {
        let _guard = rt.enter();
        let start = Instant::now() + Duration::from_secs(1);
        (1..=n).fold(0u64, |s, v| {
            let sleep = tokio::time::sleep_until(start + Duration::from_micros(deadline_of(v)));
            drop(black_box(sleep));
            s.wrapping_add(v)
        })
    })?;
    checked(p, elapsed, sum)
}

fn tokio_cancel_registered(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let rt = runtime(p)?;
    let mut sleeps: Vec<Pin<Box<Sleep>>> = Vec::with_capacity(n as usize);
    let (elapsed, sum) = solo(p, move || {
        let _guard = rt.enter();
        let start = Instant::now() + Duration::from_secs(1);
        let mut sum = 0u64;
        for v in 1..=n {
            let mut sleep = Box::pin(tokio::time::sleep_until(
                start + Duration::from_micros(deadline_of(v)),
            ));
            if poll_once(&mut sleep) {
                return 0; // fired a second early: not a pending timer
            }
            sleeps.push(sleep);
            sum = sum.wrapping_add(v);
        }
        sleeps.clear();
        sum
    })?;
    checked(p, elapsed, sum)
}

fn tokio_fire(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let rt = runtime(p)?;
    let mut sleeps: Vec<(u64, Pin<Box<Sleep>>)> = Vec::with_capacity(n as usize);
    let (elapsed, sum) = solo(p, move || {
        rt.block_on(tokio::task::unconstrained(async move {
            let start = Instant::now();
            for v in 1..=n {
                let at = start + Duration::from_micros(deadline_of(v));
                let mut sleep = Box::pin(tokio::time::sleep_until(at));
                if poll_once(&mut sleep) {
                    return 0; // fired before its deadline
                }
                sleeps.push((v, sleep));
            }
            // The paused clock jumps to the deadline; the driver fires all.
            tokio::time::sleep_until(start + Duration::from_micros(SPREAD + 1)).await;
            let mut sum = 0u64;
            for (v, sleep) in &mut sleeps {
                if !poll_once(sleep) {
                    return 0; // not fired after its deadline
                }
                sum = sum.wrapping_add(*v);
            }
            sum
        }))
    })?;
    checked(p, elapsed, sum)
}

/// The pseudo-random priority stream of the ready-queue rows.
fn next_level(x: &mut u64) -> u8 {
    *x = x
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*x >> 56) as u8
}

fn ready_baseline(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let (elapsed, sum) = solo(p, move || {
        let mut x = 1u64;
        (1..=n).fold(0u64, |s, v| {
            black_box(next_level(&mut x));
            s.wrapping_add(black_box(v))
        })
    })?;
    checked(p, elapsed, sum)
}

fn ready_enso(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let mut q = ReadyQueue::with_capacity(RESIDENT).map_err(setup(p))?;
    let mut x = 7u64;
    for v in 0..RESIDENT as u64 {
        q.push(next_level(&mut x), v).map_err(setup(p))?;
    }
    let (elapsed, sum) = solo(p, move || {
        let mut sum = 0u64;
        for v in 1..=n {
            let Some((_, task)) = q.pop() else { return 0 };
            black_box(task);
            if q.push(next_level(&mut x), task).is_err() {
                return 0;
            }
            sum = sum.wrapping_add(v);
        }
        sum.wrapping_add(u64::from(q.len() != RESIDENT))
    })?;
    checked(p, elapsed, sum)
}

fn ready_heap(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let mut heap: BinaryHeap<(u8, std::cmp::Reverse<u64>, u64)> =
        BinaryHeap::with_capacity(RESIDENT + 1);
    let mut x = 7u64;
    let mut arrival = 0u64;
    for v in 0..RESIDENT as u64 {
        heap.push((next_level(&mut x), std::cmp::Reverse(arrival), v));
        arrival += 1;
    }
    let (elapsed, sum) = solo(p, move || {
        let mut sum = 0u64;
        for v in 1..=n {
            let Some((_, _, task)) = heap.pop() else {
                return 0;
            };
            black_box(task);
            heap.push((next_level(&mut x), std::cmp::Reverse(arrival), task));
            arrival += 1;
            sum = sum.wrapping_add(v);
        }
        sum.wrapping_add(u64::from(heap.len() != RESIDENT))
    })?;
    checked(p, elapsed, sum)
}

fn pop_enso(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let mut q = ReadyQueue::with_capacity(n as usize).map_err(setup(p))?;
    let mut x = 7u64;
    for v in 1..=n {
        q.push(next_level(&mut x), v).map_err(setup(p))?;
    }
    let (elapsed, sum) = solo(p, move || {
        let mut sum = 0u64;
        while let Some((_, v)) = q.pop() {
            sum = sum.wrapping_add(black_box(v));
        }
        sum
    })?;
    checked(p, elapsed, sum)
}

fn pop_heap(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let mut heap: BinaryHeap<(u8, std::cmp::Reverse<u64>, u64)> =
        BinaryHeap::with_capacity(n as usize);
    let mut x = 7u64;
    for v in 1..=n {
        heap.push((next_level(&mut x), std::cmp::Reverse(v), v));
    }
    let (elapsed, sum) = solo(p, move || {
        let mut sum = 0u64;
        while let Some((_, _, v)) = heap.pop() {
            sum = sum.wrapping_add(black_box(v));
        }
        sum
    })?;
    checked(p, elapsed, sum)
}
