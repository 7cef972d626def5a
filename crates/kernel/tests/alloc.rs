//! Steady state allocates nothing: bus delivery between two cores, task
//! polls, wakes, parking and timer fires, counted by a global allocator.
//! (One test in this binary, so no other test allocates during the window.)

mod common;
mod counting;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use common::*;
use enso::{Context, CoreIndex, Mail, Task, TaskId, TimerAction};

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// Core 0: learns the pong's id from its first mail, then bounces a word.
struct Ping {
    pong: Option<TaskId>,
    trips: Arc<AtomicU64>,
}
impl Task for Ping {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Some(Mail::Word(w)) = cx.recv() {
            match self.pong {
                None => self.pong = Some(TaskId::from_bits(w)),
                Some(_) => {
                    self.trips.fetch_add(1, Ordering::Relaxed);
                }
            }
            if let Some(p) = self.pong {
                cx.send(p, 1)
                    .expect("pong alive, link not full with one ball");
            }
        }
        Poll::Pending
    }
}

/// Core 1: sends every word back.
struct Pong {
    ping: TaskId,
}
impl Task for Pong {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Some(Mail::Word(w)) = cx.recv() {
            cx.send(self.ping, w).expect("ping alive");
        }
        Poll::Pending
    }
}

/// Arms an interval timer waking itself, counts the wakes.
struct Ticker {
    armed: bool,
    ticks: Arc<AtomicU64>,
}
impl Task for Ticker {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.armed {
            self.armed = true;
            let me = cx.id();
            cx.every(Duration::from_micros(200), TimerAction::Wake(me))
                .unwrap();
        } else {
            self.ticks.fetch_add(1, Ordering::Relaxed);
        }
        Poll::Pending
    }
}

fn wait_until(what: &str, f: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < Duration::from_secs(60), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn steady_state_bus_poll_and_timer_allocate_nothing() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let trips = Arc::new(AtomicU64::new(0));
    let ticks = Arc::new(AtomicU64::new(0));
    let ping = h
        .spawn_on(
            CoreIndex(0),
            5,
            Ping {
                pong: None,
                trips: trips.clone(),
            },
        )
        .unwrap();
    wait_until("ping placed", || ping.task_id().is_some());
    let ping_id = ping.task_id().unwrap();
    let pong = h.spawn_on(CoreIndex(1), 5, Pong { ping: ping_id }).unwrap();
    wait_until("pong placed", || pong.task_id().is_some());
    for c in 0..2 {
        h.spawn_on(
            CoreIndex(c),
            5,
            Ticker {
                armed: false,
                ticks: ticks.clone(),
            },
        )
        .unwrap();
    }
    h.send(ping_id, pong.task_id().unwrap().to_bits()).unwrap();
    // Warm up: every buffer reaches its working size.
    wait_until("warm-up", || {
        trips.load(Ordering::Relaxed) >= 2_000 && ticks.load(Ordering::Relaxed) >= 20
    });
    let n = if cfg!(debug_assertions) {
        20_000
    } else {
        200_000
    };
    let (t0, k0) = (trips.load(Ordering::Relaxed), ticks.load(Ordering::Relaxed));
    let before = counting::allocations();
    while trips.load(Ordering::Relaxed) < t0 + n || ticks.load(Ordering::Relaxed) < k0 + 50 {
        std::thread::sleep(Duration::from_millis(1));
    }
    let after = counting::allocations();
    let (dt, dk) = (
        trips.load(Ordering::Relaxed) - t0,
        ticks.load(Ordering::Relaxed) - k0,
    );
    assert_eq!(
        after - before,
        0,
        "{} allocations during {dt} round trips and {dk} timer fires",
        after - before
    );
    k.halt();
    k.join().unwrap();
}
