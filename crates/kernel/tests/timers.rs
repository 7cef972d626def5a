//! Timers fire once, in deadline order, never early.

mod common;

use std::task::Poll;
use std::time::{Duration, Instant};

use common::*;
use enso::{Context, CoreIndex, Mail, Task, TaskSpec, TimerAction, TimerKind, TimerTarget};

/// Arms oneshot timers with the given delays (ms), in the given order, each
/// sending its index to this task; returns (index, fired-after) in arrival order.
struct Oneshots {
    delays_ms: Vec<u64>,
    armed: Option<Instant>,
    got: Vec<(usize, Duration)>,
}

impl Task for Oneshots {
    type Output = (Vec<(usize, Duration)>, Vec<u64>);
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let t0 = *self.armed.get_or_insert_with(|| {
            let t0 = Instant::now();
            let me = cx.id();
            for (i, d) in self.delays_ms.iter().enumerate() {
                let a = TimerAction::Send {
                    to: me,
                    word: i as u64,
                };
                cx.after(Duration::from_millis(*d), a).unwrap();
            }
            t0
        });
        while let Some(Mail::Word(i)) = cx.recv() {
            self.got.push((i as usize, t0.elapsed()));
        }
        if self.got.len() == self.delays_ms.len() {
            return Poll::Ready((std::mem::take(&mut self.got), self.delays_ms.clone()));
        }
        Poll::Pending
    }
}

#[test]
fn oneshots_fire_once_in_order_never_early() {
    let k = start(two_cores());
    let h = k.handle().clone();
    // Distinct delays, armed out of order; 1 ms apart or more.
    let delays: Vec<u64> = vec![9, 2, 14, 5, 1, 11, 3, 20, 7, 16];
    let j = h.spawn_on(
        CoreIndex(1),
        5,
        Oneshots {
            delays_ms: delays,
            armed: None,
            got: vec![],
        },
    );
    let (got, delays) = join(j.unwrap()).unwrap();
    let mut seen = vec![false; delays.len()];
    let mut last = 0;
    for (i, after) in &got {
        assert!(!seen[*i], "timer {i} fired twice");
        seen[*i] = true;
        let d = Duration::from_millis(delays[*i]);
        assert!(*after >= d, "timer {i} fired early: {after:?} < {d:?}");
        assert!(delays[*i] >= last, "out of order: {got:?}");
        last = delays[*i];
    }
    assert!(seen.iter().all(|s| *s));
    // A cancelled timer and a stale id.
    k.halt();
    k.join().unwrap();
}

/// An interval timer: fires `n` times, each no earlier than k periods after
/// arming, then is cancelled; a second cancel is refused as stale.
struct Interval {
    n: usize,
    t0: Option<Instant>,
    id: Option<enso::TimerId>,
    fires: Vec<Duration>,
}
impl Task for Interval {
    type Output = (Vec<Duration>, bool);
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.t0.is_none() {
            self.t0 = Some(Instant::now());
            let me = cx.id();
            self.id = Some(
                cx.every(Duration::from_millis(3), TimerAction::Wake(me))
                    .unwrap(),
            );
            return Poll::Pending;
        }
        let t0 = self.t0.unwrap_or_else(Instant::now);
        self.fires.push(t0.elapsed());
        if self.fires.len() < self.n {
            return Poll::Pending;
        }
        let id = self.id.take().unwrap();
        cx.cancel(id).unwrap();
        let stale = cx.cancel(id).is_err();
        Poll::Ready((std::mem::take(&mut self.fires), stale))
    }
}

#[test]
fn interval_fires_on_its_period_and_cancels() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let j = h.spawn_on(
        CoreIndex(0),
        5,
        Interval {
            n: 5,
            t0: None,
            id: None,
            fires: vec![],
        },
    );
    let (fires, stale) = join(j.unwrap()).unwrap();
    for (k, f) in fires.iter().enumerate() {
        let min = Duration::from_millis(3 * (k as u64 + 1));
        assert!(*f >= min, "fire {k} early: {f:?} < {min:?}");
    }
    assert!(stale, "cancelling twice is refused");
    assert!(h.timers().is_empty(), "{:?}", h.timers());
    k.halt();
    k.join().unwrap();
}

/// Counts boot-timer mail.
struct Count(usize);
impl Task for Count {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Some(Mail::Word(42)) = cx.recv() {
            self.0 += 1;
        }
        if self.0 >= 3 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn boot_timers_target_boot_tasks_across_cores() {
    let k = start(
        two_cores()
            .task(TaskSpec::new("count", "c0", || Count(0)))
            .timer(
                "t1",
                "c1",
                TimerKind::Oneshot(Duration::from_millis(2)),
                TimerTarget::Send {
                    task: "count".into(),
                    word: 42,
                },
            )
            .timer(
                "t2",
                "c1",
                TimerKind::Interval(Duration::from_millis(1)),
                TimerTarget::Send {
                    task: "count".into(),
                    word: 42,
                },
            ),
    );
    let h = k.handle().clone();
    let t0 = Instant::now();
    // The task ends after three fires; the interval keeps going.
    while h.tasks().iter().any(|t| t.name.as_deref() == Some("count")) {
        assert!(t0.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(h.timers().iter().any(|t| t.period_ns == 1_000_000));
    k.halt();
    k.join().unwrap();
}
