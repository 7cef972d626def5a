//! `kernel-timer-p50`, `kernel-timer-p99`, `kernel-timer-max`: how late
//! timers are observed. `n` oneshot timers, each due [`LEAD`] plus a
//! pseudo-random offset within [`SPREAD`] after it is armed, all armed in
//! one burst on core 1; the lateness of a timer is the time from its
//! deadline to the moment the task waiting for it reads the clock after
//! being told. Real time, no paused clock. Each group reports one
//! percentile of the lateness of a run (see the kernel module doc for how
//! a percentile is carried in a sample).
//!
//! Enso: one task on a spinning timer core arms every timer with
//! `Context::after` (action: a word to its own mailbox) and reads the clock
//! for each word it receives. Tokio: one task per timer on a current-thread
//! runtime, `sleep_until(deadline).await`, then the clock; the spawning
//! task yields every 128 spawns so the sleeps register as they are made.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, Kernel, Mail, Task, TimerAction};
use hdrhistogram::Histogram;

use super::{fail, join, percentile_sample, setup, start, stop};
use crate::harness::{BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};

/// Time from arming a timer to the start of its window.
const LEAD: Duration = Duration::from_millis(50);
/// The window the deadlines are spread over.
const SPREAD: Duration = Duration::from_millis(100);
/// Lateness not yet observed.
const NOT_FIRED: u64 = u64::MAX;

/// The three lateness groups.
pub fn groups() -> Vec<Group> {
    vec![
        group::<500>("kernel-timer-p50", "median"),
        group::<990>("kernel-timer-p99", "99th percentile"),
        group::<1000>("kernel-timer-max", "largest"),
    ]
}

/// The group reporting per-mille `Q` of the lateness (1000: the maximum).
fn group<const Q: u32>(name: &'static str, what: &str) -> Group {
    Group {
        name,
        title: "timer lateness, deadline to the task reading the clock: n timers spread over 100 ms (target p99: under 50 us)",
        unit: Unit::NanosPer("timer"),
        items: Items {
            full: 100_000,
            quick: 10_000,
        },
        capacity: 0,
        batch: 1,
        notes: vec![
            format!("figure: the {what} lateness of a run, in ns (not a time per timer)"),
            "each timer due 50 ms + a pseudo-random offset within 100 ms after it is armed; all on core index 1".to_string(),
        ],
        rows: vec![
            Row::new(
                Kind::Enso,
                "enso Context::after",
                "one task arms all (TimerAction::Send to itself); spinning timer core, clock read per mail word",
                enso_lateness::<Q>,
            ),
            Row::new(
                Kind::Floor,
                "spinning thread alone",
                "no timers: one pinned thread spins on the clock until each deadline in turn (this core's own stalls: vCPU preemption, interrupts)",
                floor_lateness::<Q>,
            ),
            Row::new(
                Kind::Peer,
                "tokio sleep_until",
                "one task per timer on a current-thread runtime; tokio's wheel has 1 ms resolution (deadlines round up)",
                tokio_lateness::<Q>,
            ),
        ],
    }
}

/// Offset of timer `i` within the spread, in ns: a multiplicative hash.
fn offset(i: u64) -> Duration {
    let spread = SPREAD.as_nanos() as u64;
    Duration::from_nanos((i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) % spread)
}

/// Arms `late.len()` timers on its first poll, then records the lateness
/// of each as its word arrives.
struct Lateness {
    due: Vec<Instant>,
    late: Vec<u64>,
    fired: usize,
}

impl Task for Lateness {
    type Output = Result<Vec<u64>, String>;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.due.is_empty() {
            let me = cx.id();
            for i in 0..self.late.len() {
                let after = LEAD + offset(i as u64);
                self.due.push(Instant::now() + after);
                let action = TimerAction::Send {
                    to: me,
                    word: i as u64,
                };
                if let Err(e) = cx.after(after, action) {
                    return Poll::Ready(Err(format!("timer {i}: {e}")));
                }
            }
        }
        while let Some(mail) = cx.recv() {
            let now = Instant::now();
            let Mail::Word(i) = mail else {
                return Poll::Ready(Err(format!("unexpected mail {mail:?}")));
            };
            let Some(slot) = self.late.get_mut(i as usize) else {
                return Poll::Ready(Err(format!("unknown timer {i}")));
            };
            if *slot != NOT_FIRED {
                return Poll::Ready(Err(format!("timer {i} fired twice")));
            }
            *slot = now
                .saturating_duration_since(self.due[i as usize])
                .as_nanos() as u64;
            self.fired += 1;
        }
        if self.fired == self.late.len() {
            return Poll::Ready(Ok(std::mem::take(&mut self.late)));
        }
        Poll::Pending
    }
}

fn enso_lateness<const Q: u32>(p: &Params) -> Result<Sample, BenchError> {
    let n = usize::try_from(p.items).map_err(setup(p))?;
    let kernel = start(
        p,
        Kernel::builder()
            .core(
                CoreSpec::bsp("timers", super::cpu(1))
                    .tasks()
                    .timers()
                    .idle(IdlePolicy::Spin)
                    .max_timers(n.max(1)),
            )
            .mailbox(1024),
    )?;
    let task = Lateness {
        due: Vec::with_capacity(n),
        late: vec![NOT_FIRED; n],
        fired: 0,
    };
    let outcome = kernel
        .handle()
        .spawn_on(CoreIndex(0), 1, task)
        .map_err(setup(p))
        .and_then(|h| join(p, h));
    stop(p, kernel)?;
    let late = outcome?.map_err(setup(p))?;
    percentile::<Q>(p, &late)
}

fn tokio_lateness<const Q: u32>(p: &Params) -> Result<Sample, BenchError> {
    let n = usize::try_from(p.items).map_err(setup(p))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(setup(p))?;
    let late: Arc<Vec<AtomicU64>> = Arc::new((0..n).map(|_| AtomicU64::new(NOT_FIRED)).collect());
    let slots = late.clone();
    let rt = &rt;
    crate::harness::run_team(
        &p.label,
        vec![Worker::new(1, move || {
            rt.block_on(async move {
                let mut sleepers = Vec::with_capacity(n);
                for i in 0..n {
                    let due = Instant::now() + LEAD + offset(i as u64);
                    let slots = slots.clone();
                    sleepers.push(tokio::spawn(async move {
                        tokio::time::sleep_until(due.into()).await;
                        let late = Instant::now().saturating_duration_since(due);
                        slots[i].store(late.as_nanos() as u64, Ordering::Relaxed);
                    }));
                    if i % 128 == 127 {
                        tokio::task::yield_now().await;
                    }
                }
                let mut done = 0;
                for s in sleepers {
                    done += u64::from(s.await.is_ok());
                }
                done
            })
        })],
    )?;
    let late: Vec<u64> = late.iter().map(|l| l.load(Ordering::Relaxed)).collect();
    percentile::<Q>(p, &late)
}

/// The floor: the same deadlines, in order, met by a thread pinned where
/// the timer core runs that does nothing but read the clock. What it
/// measures late is the machine's (a stolen vCPU, an interrupt), and no
/// timer implementation on this core can do better.
fn floor_lateness<const Q: u32>(p: &Params) -> Result<Sample, BenchError> {
    let n = usize::try_from(p.items).map_err(setup(p))?;
    let late: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(NOT_FIRED)).collect();
    let late_ref = &late;
    crate::harness::run_team(
        &p.label,
        vec![Worker::new(1, move || {
            let start = Instant::now();
            let mut due: Vec<(Instant, usize)> = (0..n)
                .map(|i| (start + LEAD + offset(i as u64), i))
                .collect();
            due.sort_unstable();
            for (at, i) in due {
                let now = loop {
                    let now = Instant::now();
                    if now >= at {
                        break now;
                    }
                    std::hint::spin_loop();
                };
                late_ref[i].store((now - at).as_nanos() as u64, Ordering::Relaxed);
            }
            n as u64
        })],
    )?;
    let late: Vec<u64> = late.iter().map(|l| l.load(Ordering::Relaxed)).collect();
    percentile::<Q>(p, &late)
}

/// Per-mille `Q` of the lateness, once every timer is known to have fired.
fn percentile<const Q: u32>(p: &Params, late: &[u64]) -> Result<Sample, BenchError> {
    if late.len() as u64 != p.items {
        return Err(fail(
            p,
            format!("{} of {} timers reported", late.len(), p.items),
        ));
    }
    if let Some(i) = late.iter().position(|&l| l == NOT_FIRED) {
        return Err(fail(p, format!("timer {i} never fired")));
    }
    let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).map_err(setup(p))?;
    for &l in late {
        h.record(l.max(1)).map_err(setup(p))?;
    }
    let ns = if Q >= 1000 {
        h.max()
    } else {
        h.value_at_quantile(f64::from(Q) / 1000.0)
    };
    Ok(percentile_sample(p, Duration::from_nanos(ns)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(items: u64) -> Params {
        Params {
            label: "kernel-timer/test".to_string(),
            items,
            capacity: 0,
            batch: 1,
        }
    }

    #[test]
    fn percentiles_come_from_every_timer() {
        let late: Vec<u64> = (1..=100).map(|v| v * 1000).collect();
        let p = params(100);
        let per = |s: Sample| s.elapsed.as_nanos() as u64 / s.items;
        let p50 = per(percentile::<500>(&p, &late).expect("p50"));
        let max = per(percentile::<1000>(&p, &late).expect("max"));
        assert!((50_000..=50_100).contains(&p50), "{p50}");
        assert!((100_000..=100_100).contains(&max), "{max}");
    }

    #[test]
    fn a_timer_that_never_fired_fails_the_run() {
        let mut late = vec![5; 10];
        late[3] = NOT_FIRED;
        assert!(percentile::<990>(&params(10), &late).is_err());
        assert!(percentile::<990>(&params(11), &late[..]).is_err());
    }

    #[test]
    fn offsets_stay_within_the_spread() {
        assert!((0..10_000).all(|i| offset(i) < SPREAD));
    }
}
