//! Scheduling structures of `enso-sched` on one core (core 0), single thread:
//!
//! - `timer-cancel`: arm `n` timers (all pending at once, deadlines spread
//!   over about a second of microsecond ticks), then cancel every one;
//!   nanoseconds per insert + cancel pair. Peer: tokio's `sleep`, both as
//!   created and dropped without a poll (tokio registers a sleep lazily, at
//!   its first poll, so that row arms nothing) and as created, polled once
//!   (registered in tokio's wheel) and dropped. Floor: the bytes of `n`
//!   pending timers written and read back in order, with no wheel.
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
//! - `admit-fp`, `admit-lp`, `admit-edf`: the analyses `enso-admit` runs,
//!   on one realistic 100-task core (periods 1 to 20 ms, utilization
//!   0.6 to 0.7, constrained deadlines): preemptive fixed priority with
//!   blocking and jitter, limited-preemptive fixed priority (the
//!   kernel's), and EDF by processor demand (QPA); nanoseconds per task
//!   of a whole-set analysis. Peers reach the same verdict another way in
//!   the same run: the textbook iterations (response-time analysis from
//!   C, demand at every deadline) and the enso simulator over the
//!   hyperperiod.
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
    let mut groups = vec![
        timer_cancel(),
        timer_fire(),
        ready_queue(),
        ready_pop(),
        ready_pop_hot(),
    ];
    groups.extend(admit_groups());
    groups
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
        notes: vec![
            "tokio 1.54.1 arms a timer only at a sleep's first poll: Sleep::new_timeout (time/sleep.rs) \
             clones the runtime handle and stores `timer: None`; poll_elapsed creates the TimerEntry and \
             registers it (sleep.rs, `Timer::new` then `init`). The unpolled row is therefore a handle \
             clone and drop with no timer state at all; the polled row is tokio's insert + cancel \
             (drop -> TimerEntry::cancel -> clear_entry: driver lock, wheel.remove; runtime/time/)."
                .to_string(),
            "the floor row is the memory traffic of n pending timers alone (32 bytes each, written, \
             read back, freed): insert + cancel with a million pending cannot go below it"
                .to_string(),
        ],
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
            Row::new(
                Kind::Floor,
                "timer bytes alone",
                "the 32 bytes a pending timer occupies (value, deadline, generation, list, links) written, read back and freed in order, n at once; no wheel",
                timer_bytes_floor,
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
            Row::new(
                Kind::Floor,
                "successor chain alone",
                "the pop order as a dense u32 successor array (256 KiB): one dependent load per item, no queue",
                pop_chain_floor,
            ),
        ],
    }
}

fn ready_pop_hot() -> Group {
    Group {
        name: "ready-pop-hot",
        title: "ready queue, pop most urgent from a 256-entry queue (refilled off the clock)",
        unit: Unit::NanosPer("pop"),
        items: Items {
            full: 20_000_000,
            quick: 1_000_000,
        },
        capacity: RESIDENT,
        batch: 1,
        notes: vec![format!(
            "rounds of {RESIDENT} pushes at pseudo-random levels (not timed), then {RESIDENT} pops timed \
             with one clock read before and one after; the baseline row is the clock reads alone"
        )],
        rows: vec![
            Row::new(
                Kind::Baseline,
                "clock alone",
                "the same rounds and clock reads, no pops",
                pop_hot_baseline,
            ),
            Row::new(
                Kind::Enso,
                "enso ReadyQueue",
                "256 levels, bitmap, FIFO per level; capacity 256",
                pop_hot_enso,
            ),
            Row::new(
                Kind::Peer,
                "std BinaryHeap",
                "(priority, Reverse(arrival)) keys, capacity 256",
                pop_hot_heap,
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
    // The handles' pages are faulted in before the clock, as the wheel's are.
    let stale = wheel.insert(0, 0).map_err(|_| BenchError::Setup {
        run: p.label.clone(),
        reason: "an empty wheel is full".into(),
    })?;
    wheel.cancel(stale).map_err(setup(p))?;
    let mut handles: Vec<TimerHandle> = vec![stale; n as usize];
    handles.clear();
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

/// What a wheel entry holds besides its value and links, as in `TimerWheel`.
#[derive(Clone, Copy)]
struct FloorMeta {
    deadline: u64,
    generation: u32,
    list: u16,
}

/// The memory floor of `timer-cancel`: every pending timer's bytes in
/// three arrays of `n` entries, pre-faulted like the wheel's, written on
/// insert and read back and freed on cancel, in order; no lists, no levels.
fn timer_bytes_floor(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items as usize;
    let mut links = vec![[u32::MAX; 2]; n];
    let mut meta = vec![
        FloorMeta {
            deadline: 0,
            generation: 0,
            list: u16::MAX,
        };
        n
    ];
    let mut values = vec![u64::MAX; n];
    let mut handles: Vec<(u32, u32)> = vec![(u32::MAX, 0); n];
    handles.clear();
    let (elapsed, sum) = solo(p, move || {
        for v in 1..=n as u64 {
            let i = (v - 1) as usize;
            values[i] = v;
            let m = &mut meta[i];
            m.deadline = black_box(deadline_of(v));
            m.list = (m.deadline >> 14) as u16 & 0x3ff;
            links[i] = [u32::MAX, u32::MAX];
            handles.push((i as u32, m.generation));
        }
        let mut free = u32::MAX;
        let mut sum = 0u64;
        for &(i, generation) in &handles {
            let m = &mut meta[i as usize];
            if m.generation != generation || m.list == u16::MAX {
                return 0;
            }
            m.generation += 1;
            m.list = u16::MAX;
            links[i as usize] = [u32::MAX, free];
            free = i;
            sum = sum.wrapping_add(values[i as usize]);
        }
        black_box(free);
        sum
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

// ---------------------------------------------------------------------
// Admission control: `enso-admit`'s analyses of a 100-task set.
// ---------------------------------------------------------------------

/// Tasks in the admission workload.
const ADMIT_TASKS: usize = 100;
/// Run-loop overhead (ticks) of the limited-preemptive rows.
const ADMIT_OVERHEAD: u64 = 5;
/// Periods of the admission workload, in microsecond ticks: a 1 ms to
/// 20 ms mix of control loops; hyperperiod 20 ms, 420 jobs per hyperperiod.
const ADMIT_PERIODS: [u64; 6] = [1_000, 2_000, 4_000, 5_000, 10_000, 20_000];

/// Which admission analysis a group times.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AdmitCase {
    /// Preemptive FP, deadline monotonic, with blocking B and jitter J.
    Fp,
    /// Limited-preemptive FP (polls of at most 1/4 of C, overhead 5).
    Limited,
    /// Preemptive EDF, constrained deadlines: QPA.
    Edf,
}

/// A realistic 100-task core: utilization about 0.6 (0.7 under EDF),
/// deadlines 70..100 % of the period (50..100 % under EDF), and in the
/// FP set some tasks with a 10-tick critical section (B) and up to 1 %
/// release jitter (J). Deterministic (an LCG), so every row analyses
/// the same set.
fn admit_tasks(case: AdmitCase) -> Vec<enso_sched::Task> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut draw = |n: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % n
    };
    (0..ADMIT_TASKS)
        .map(|i| {
            let period = ADMIT_PERIODS[i % ADMIT_PERIODS.len()];
            // Per-task utilization 2..10 per mille (EDF: 4..10).
            let permille = if case == AdmitCase::Edf {
                4 + draw(7)
            } else {
                2 + draw(9)
            };
            let wcet = (period * permille / 1_000).max(1);
            let slack = if case == AdmitCase::Edf {
                draw(6)
            } else {
                draw(4)
            };
            let mut t =
                enso_sched::Task::new(wcet, period).with_deadline(period - period * slack / 10);
            match case {
                AdmitCase::Fp => {
                    if i % 3 == 0 {
                        t = t.with_blocking(10);
                    }
                    if i % 4 == 1 {
                        t = t.with_jitter(draw(period / 100 + 1));
                    }
                }
                AdmitCase::Limited => t = t.with_poll((wcet / 4).max(1)),
                AdmitCase::Edf => {}
            }
            t
        })
        .collect()
}

fn admit_preemption(case: AdmitCase) -> enso_sched::Preemption {
    match case {
        AdmitCase::Limited => enso_sched::Preemption::Limited {
            overhead: ADMIT_OVERHEAD,
        },
        _ => enso_sched::Preemption::Preemptive,
    }
}

fn admit_policy(case: AdmitCase) -> enso_sched::Policy {
    match case {
        AdmitCase::Edf => enso_sched::Policy::Edf,
        _ => enso_sched::Policy::FixedPriority(enso_sched::Priorities::DeadlineMonotonic),
    }
}

/// What an analysis concluded, in a form every row can reproduce: the
/// verdict and, under FP, each task's response time.
#[derive(Clone, Debug, PartialEq, Eq)]
struct AdmitVerdict {
    schedulable: bool,
    responses: Vec<Option<u64>>,
}

/// The enso analysis of `case` (what `enso-admit` runs).
fn admit_enso_verdict(tasks: &[enso_sched::Task], case: AdmitCase) -> Option<AdmitVerdict> {
    let verdict =
        enso_sched::analysis::analyze(tasks, admit_policy(case), admit_preemption(case)).ok()?;
    let responses = match &verdict {
        enso_sched::Verdict::FixedPriority(r) => r
            .tasks
            .iter()
            .map(|t| t.response.filter(|_| t.schedulable))
            .collect(),
        enso_sched::Verdict::Edf(_) => Vec::new(),
    };
    Some(AdmitVerdict {
        schedulable: verdict.schedulable(),
        responses,
    })
}

/// Textbook preemptive response-time analysis (Joseph and Pandya 1986,
/// with B and J as in Audsley et al. 1993): for each task, iterate
/// `w = B + C + sum_{hp} ceil((w + J_j) / T_j) C_j` from `w = C`,
/// recomputing the whole sum each step, until it settles or
/// `w + J > D`. Valid for `D <= T` (one job per busy period).
fn textbook_rta(tasks: &[enso_sched::Task]) -> AdmitVerdict {
    let rank = enso_sched::model::ranks(tasks, enso_sched::Priorities::DeadlineMonotonic);
    let responses: Vec<Option<u64>> = tasks
        .iter()
        .enumerate()
        .map(|(i, ti)| {
            let mut w = ti.wcet;
            loop {
                let interference: u64 = tasks
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i && rank[j] >= rank[i])
                    .map(|(_, tj)| (w + tj.jitter).div_ceil(tj.period) * tj.wcet)
                    .sum();
                let next = ti.blocking + ti.wcet + interference;
                if next + ti.jitter > ti.deadline {
                    return None;
                }
                if next == w {
                    return Some(w + ti.jitter);
                }
                w = next;
            }
        })
        .collect();
    AdmitVerdict {
        schedulable: responses.iter().all(Option::is_some),
        responses,
    }
}

/// Textbook processor-demand test (Baruah, Rosier and Howell 1990) for
/// EDF with `D <= T`, no B or J: `dbf(t) <= t` at every absolute deadline
/// `t` up to the synchronous busy period `L` (iterated from `sum C`).
fn textbook_demand(tasks: &[enso_sched::Task]) -> AdmitVerdict {
    let unschedulable = AdmitVerdict {
        schedulable: false,
        responses: Vec::new(),
    };
    // Busy period: w = sum ceil(w / T_i) C_i, bounded by the hyperperiod
    // when U <= 1 (a longer one means U > 1).
    let Some(h) = enso_sched::model::hyperperiod(tasks) else {
        return unschedulable;
    };
    let mut busy: u64 = tasks.iter().map(|t| t.wcet).sum();
    loop {
        let next: u64 = tasks.iter().map(|t| busy.div_ceil(t.period) * t.wcet).sum();
        if next == busy {
            break;
        }
        if next > h {
            return unschedulable;
        }
        busy = next;
    }
    let mut deadlines: Vec<u64> = Vec::new();
    for t in tasks {
        deadlines.extend((t.deadline..=busy).step_by(t.period as usize));
    }
    deadlines.sort_unstable();
    deadlines.dedup();
    let schedulable = deadlines.iter().all(|&at| {
        let demand: u64 = tasks
            .iter()
            .filter(|t| t.deadline <= at)
            .map(|t| ((at - t.deadline) / t.period + 1) * t.wcet)
            .sum();
        demand <= at
    });
    AdmitVerdict {
        schedulable,
        responses: Vec::new(),
    }
}

/// The simulator over the hyperperiod (synchronous release, every job
/// takes C): its verdict is the analysis' when it sees no miss and every
/// task's worst observed response is within the analysed bound. B and J
/// are analysis terms the simulator does not play, so under FP it checks
/// the verdict (observed <= bound <= D), not equality.
fn simulated_agrees(tasks: &[enso_sched::Task], case: AdmitCase, reference: &AdmitVerdict) -> bool {
    let Ok(report) =
        enso_sched::sim::Simulation::new(tasks, admit_policy(case), admit_preemption(case)).run()
    else {
        return false;
    };
    let no_miss = report.misses() == 0 && !report.truncated;
    let within =
        reference.responses.iter().zip(&report.tasks).all(
            |(bound, seen)| matches!((bound, seen.worst_response), (Some(b), Some(w)) if w <= *b),
        );
    no_miss == reference.schedulable && (reference.responses.is_empty() || within)
}

/// Times whole analyses of the case's task set (built and checked against
/// the enso analysis before the clock starts); an item is one task of the
/// set, so a run of `p.items` items is `p.items / 100` analyses (rounded
/// up: only the registry test asks for a count that is not a multiple of
/// 100). Each analysis that reaches the reference verdict counts its 100
/// tasks in the checksum.
fn admit_run(
    p: &Params,
    case: AdmitCase,
    analyse: fn(&[enso_sched::Task], AdmitCase, &AdmitVerdict) -> bool,
) -> Result<Sample, BenchError> {
    let analyses = p.items.div_ceil(ADMIT_TASKS as u64);
    let tasks = admit_tasks(case);
    let reference = admit_enso_verdict(&tasks, case).ok_or_else(|| BenchError::Setup {
        run: p.label.clone(),
        reason: "the enso analysis failed on the workload".into(),
    })?;
    if !reference.schedulable {
        return Err(BenchError::Setup {
            run: p.label.clone(),
            reason: "the workload is meant to be schedulable".into(),
        });
    }
    let (elapsed, agreed) = solo(p, move || {
        (0..analyses).fold(0u64, |s, _| {
            let ok = analyse(black_box(&tasks), case, &reference);
            s + u64::from(ok) * ADMIT_TASKS as u64
        })
    })?;
    harness::verify(
        &p.label,
        "tasks in agreeing analyses",
        analyses * ADMIT_TASKS as u64,
        agreed,
    )?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn admit_enso_row(tasks: &[enso_sched::Task], case: AdmitCase, reference: &AdmitVerdict) -> bool {
    admit_enso_verdict(tasks, case).as_ref() == Some(reference)
}

fn admit_textbook_row(
    tasks: &[enso_sched::Task],
    case: AdmitCase,
    reference: &AdmitVerdict,
) -> bool {
    let verdict = match case {
        AdmitCase::Edf => textbook_demand(tasks),
        _ => textbook_rta(tasks),
    };
    &verdict == reference
}

fn admit_fp_enso(p: &Params) -> Result<Sample, BenchError> {
    admit_run(p, AdmitCase::Fp, admit_enso_row)
}
fn admit_fp_textbook(p: &Params) -> Result<Sample, BenchError> {
    admit_run(p, AdmitCase::Fp, admit_textbook_row)
}
fn admit_fp_sim(p: &Params) -> Result<Sample, BenchError> {
    admit_run(p, AdmitCase::Fp, simulated_agrees)
}
fn admit_lp_enso(p: &Params) -> Result<Sample, BenchError> {
    admit_run(p, AdmitCase::Limited, admit_enso_row)
}
fn admit_lp_sim(p: &Params) -> Result<Sample, BenchError> {
    admit_run(p, AdmitCase::Limited, simulated_agrees)
}
fn admit_edf_enso(p: &Params) -> Result<Sample, BenchError> {
    admit_run(p, AdmitCase::Edf, admit_enso_row)
}
fn admit_edf_textbook(p: &Params) -> Result<Sample, BenchError> {
    admit_run(p, AdmitCase::Edf, admit_textbook_row)
}
fn admit_edf_sim(p: &Params) -> Result<Sample, BenchError> {
    admit_run(p, AdmitCase::Edf, simulated_agrees)
}

fn admit_group(name: &'static str, title: &'static str, rows: Vec<Row>) -> Group {
    Group {
        name,
        title,
        unit: Unit::NanosPer("task"),
        items: Items {
            full: 200 * ADMIT_TASKS as u64,
            quick: 10 * ADMIT_TASKS as u64,
        },
        capacity: 0,
        batch: 1,
        notes: vec![format!(
            "per task of one {ADMIT_TASKS}-task analysis: x{ADMIT_TASKS} = the time to analyse the whole set; \
             every analysis of every row is checked against the enso verdict (and FP response times)"
        )],
        rows,
    }
}

fn admit_groups() -> Vec<Group> {
    vec![
        admit_group(
            "admit-fp",
            "admission, 100 tasks: fixed priority (DM), preemptive, B and J, D <= T",
            vec![
                Row::new(
                    Kind::Enso,
                    "enso fp::analyze",
                    "busy-period RTA as enso-admit runs it (validation, ranks, exact load check)",
                    admit_fp_enso,
                ),
                Row::new(
                    Kind::Peer,
                    "textbook RTA",
                    "Joseph-Pandya/Audsley iteration from C, full sum per step; same response times",
                    admit_fp_textbook,
                ),
                Row::new(
                    Kind::Peer,
                    "simulator",
                    "enso sim over the hyperperiod (420 jobs): no miss, every worst <= analysed R",
                    admit_fp_sim,
                ),
            ],
        ),
        admit_group(
            "admit-lp",
            "admission, 100 tasks: fixed priority (DM), limited-preemptive (polls C/4, overhead 5)",
            vec![
                Row::new(
                    Kind::Enso,
                    "enso fp::analyze",
                    "deferred-preemption RTA, every job of the busy period (what the kernel runs)",
                    admit_lp_enso,
                ),
                Row::new(
                    Kind::Peer,
                    "simulator",
                    "enso sim, limited-preemptive, over the hyperperiod: no miss, worst <= R",
                    admit_lp_sim,
                ),
            ],
        ),
        admit_group(
            "admit-edf",
            "admission, 100 tasks: EDF, preemptive, constrained deadlines (D = 50..100 % of T)",
            vec![
                Row::new(
                    Kind::Enso,
                    "enso edf::analyze",
                    "QPA (Zhang and Burns 2009) from the La bound",
                    admit_edf_enso,
                ),
                Row::new(
                    Kind::Peer,
                    "textbook demand",
                    "dbf(t) <= t at every deadline up to the busy period (Baruah et al. 1990)",
                    admit_edf_textbook,
                ),
                Row::new(
                    Kind::Peer,
                    "simulator",
                    "enso sim, EDF, over the hyperperiod: same verdict",
                    admit_edf_sim,
                ),
            ],
        ),
    ]
}

/// The floor of `ready-pop`: the queue's pop order as a successor array,
/// walked with one dependent load per item (what a FIFO linked through
/// `u32` indices cannot go below when the links are not in L1).
fn pop_chain_floor(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    // The pop order of `pop_enso`: levels descending, arrival ascending;
    // entry v (1-based) sits in slot v - 1.
    let mut x = 7u64;
    let mut order: Vec<(std::cmp::Reverse<u8>, u32)> = (0..n as u32)
        .map(|slot| (std::cmp::Reverse(next_level(&mut x)), slot))
        .collect();
    order.sort_unstable();
    let mut succ = vec![u32::MAX; n as usize];
    for w in order.windows(2) {
        succ[w[0].1 as usize] = w[1].1;
    }
    let first = order.first().map_or(u32::MAX, |o| o.1);
    let (elapsed, sum) = solo(p, move || {
        let mut sum = 0u64;
        let mut i = first;
        while let Some(&next) = succ.get(i as usize) {
            sum = sum.wrapping_add(u64::from(i) + 1);
            i = next;
        }
        sum
    })?;
    checked(p, elapsed, sum)
}

/// Runs rounds of: `fill` (off the clock) with the round's size, then
/// `drain` timed; the elapsed time is the sum of the drains. A round of
/// size `r` pushes the values `0..r`, and its drain returns the sum of
/// `v + 1` over the values it popped: every value, once, or the run fails.
fn timed_drains<S: Send>(
    p: &Params,
    mut state: S,
    fill: impl Fn(&mut S, u64) -> bool + Send,
    drain: impl Fn(&mut S) -> u64 + Send,
) -> Result<Sample, BenchError> {
    let n = p.items;
    let mut timed = Duration::ZERO;
    let timed_ref = &mut timed;
    let (_, sum) = solo(p, move || {
        let mut sum = 0u64;
        let mut want = 0u64;
        let mut done = 0u64;
        while done < n {
            let round = (n - done).min(RESIDENT as u64);
            if !fill(&mut state, round) {
                // Not 0: the verification below must fail.
                return u64::MAX;
            }
            let start = std::time::Instant::now();
            sum = sum.wrapping_add(drain(&mut state));
            *timed_ref += start.elapsed();
            want = want.wrapping_add(harness::sum_of_range(1, round));
            done += round;
        }
        // Off the clock: the checksum of what every round should pop.
        sum.wrapping_sub(want)
    })?;
    harness::verify(&p.label, "popped values minus expected", 0, sum)?;
    Ok(Sample {
        elapsed: timed,
        items: n,
    })
}

fn pop_hot_baseline(p: &Params) -> Result<Sample, BenchError> {
    timed_drains(
        p,
        0u64,
        |pending, round| {
            *pending = round;
            true
        },
        |pending| black_box(harness::sum_of_range(1, *pending)),
    )
}

fn pop_hot_enso(p: &Params) -> Result<Sample, BenchError> {
    let q = ReadyQueue::with_capacity(RESIDENT).map_err(setup(p))?;
    timed_drains(
        p,
        (q, 7u64),
        |(q, x), round| (0..round).all(|v| q.push(next_level(x), v).is_ok()),
        |(q, _)| {
            let mut sum = 0u64;
            while let Some((_, v)) = q.pop() {
                sum = sum.wrapping_add(v + 1);
            }
            sum
        },
    )
}

type HeapEntry = (u8, std::cmp::Reverse<u64>, u64);

fn pop_hot_heap(p: &Params) -> Result<Sample, BenchError> {
    let heap: BinaryHeap<HeapEntry> = BinaryHeap::with_capacity(RESIDENT);
    timed_drains(
        p,
        (heap, 7u64, 0u64),
        |(heap, x, arrival), round| {
            for v in 0..round {
                heap.push((next_level(x), std::cmp::Reverse(*arrival), v));
                *arrival += 1;
            }
            true
        },
        |(heap, _, _)| {
            let mut sum = 0u64;
            while let Some((_, _, v)) = heap.pop() {
                sum = sum.wrapping_add(v + 1);
            }
            sum
        },
    )
}
