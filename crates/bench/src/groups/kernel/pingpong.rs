//! `kernel-pingpong` and `kernel-pingpong-park`: a word bounced between a
//! task on core 0 and a task on core 1; nanoseconds per round trip.
//!
//! Enso: two tasks on a two-core kernel; each sends with `Context::send`
//! (a `Send` bus message to the other core, delivered to the peer's
//! mailbox, which wakes it) and reads its mailbox when polled. One group
//! runs the cores spinning, the other parking on their doorbells when idle.
//! The parking group's floor is two pinned threads ringing each other's
//! eventfd and sleeping in epoll (`mio::Waker` and `mio::Poll`), which is
//! all a parked enso core does to be woken.
//! Tokio: the same exchange over two bounded `tokio::sync::mpsc` channels,
//! between two current-thread runtimes pinned one per core (an idle one
//! parks in epoll), and between two tasks of one 2-worker multi-thread
//! runtime whose workers are pinned one per core (its scheduler is free to
//! run both tasks on one worker, which then needs no cross-core hand-off).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, Kernel, Mail, Task, TaskId};
use tokio::sync::mpsc;

use super::{join, placed, sample, setup, start, stop};
use crate::harness::{self, BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};
use crate::pin;

/// Round trips per run: a tokio current-thread pair takes tens of
/// microseconds each, so the count stays small for every row.
const ITEMS: Items = Items {
    full: 10_000,
    quick: 1_000,
};

/// The two ping-pong groups.
pub fn groups() -> Vec<Group> {
    vec![spinning(), parking()]
}

fn tokio_rows() -> Vec<Row> {
    vec![
        Row::new(
            Kind::Peer,
            "tokio current-thread x2",
            "one runtime pinned per core, bounded mpsc each way, send().await / recv().await; idle runtime parks in epoll",
            tokio_pair,
        ),
        Row::new(
            Kind::Peer,
            "tokio multi-thread, 2 workers",
            "workers pinned one per core, two spawned tasks, bounded mpsc; tokio may run both tasks on one worker",
            tokio_multi,
        ),
    ]
}

fn spinning() -> Group {
    let mut rows = vec![
        super::bus::floor_row(),
        Row::new(
            Kind::Enso,
            "enso tasks, spinning cores",
            "Context::send word to the peer task's mailbox (bus Send message), read on wake",
            enso_spin,
        ),
    ];
    rows.extend(tokio_rows());
    Group {
        name: "kernel-pingpong",
        title: "task ping-pong between core 0 and core 1, spinning cores (target: at most 2x the floor)",
        unit: Unit::NanosPer("round trip"),
        items: ITEMS,
        capacity: 64,
        batch: 1,
        notes: vec!["mpsc capacity 64; enso mailbox and bus link at their defaults".to_string()],
        rows,
    }
}

fn parking() -> Group {
    let mut rows = vec![
        Row::new(
            Kind::Floor,
            "eventfd + epoll, two threads",
            "mio::Waker (an eventfd) rung, mio::Poll (epoll) woken, one thread per core: the floor of a parked hand-off, and what an enso doorbell does",
            wake_floor,
        ),
        Row::new(
            Kind::Enso,
            "enso tasks, parking cores",
            "as kernel-pingpong, both cores IdlePolicy::Park: each idle core sleeps on its doorbell (eventfd in epoll)",
            enso_park,
        ),
    ];
    rows.extend(tokio_rows());
    Group {
        name: "kernel-pingpong-park",
        title: "task ping-pong between core 0 and core 1, cores sleep when idle (target: at most 20 us)",
        unit: Unit::NanosPer("round trip"),
        items: ITEMS,
        capacity: 64,
        batch: 1,
        notes: vec!["mpsc capacity 64; enso mailbox and bus link at their defaults".to_string()],
        rows,
    }
}

/// Sends `1..=n` to its peer, waiting for each to come back; outputs the
/// sum of what came back and the time from the first send to the last
/// answer. Its first mail is the peer's id.
struct Ping {
    n: u64,
    peer: Option<TaskId>,
    next: u64,
    sum: u64,
    t0: Option<Instant>,
}

type PingOutput = Result<(u64, Duration), String>;

impl Ping {
    fn send_next(&mut self, cx: &mut Context<'_>, peer: TaskId) -> Result<(), String> {
        self.next += 1;
        cx.send(peer, self.next)
            .map_err(|e| format!("ping {}: {e}", self.next))
    }
}

impl Task for Ping {
    type Output = PingOutput;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<PingOutput> {
        while let Some(mail) = cx.recv() {
            let Mail::Word(w) = mail else {
                return Poll::Ready(Err(format!("unexpected mail {mail:?}")));
            };
            let Some(peer) = self.peer else {
                let peer = TaskId::from_bits(w);
                self.peer = Some(peer);
                self.t0 = Some(Instant::now());
                if let Err(e) = self.send_next(cx, peer) {
                    return Poll::Ready(Err(e));
                }
                continue;
            };
            if w != self.next {
                return Poll::Ready(Err(format!("sent {}, got {w} back", self.next)));
            }
            self.sum = self.sum.wrapping_add(w);
            if w == self.n {
                let elapsed = self.t0.map_or(Duration::ZERO, |t| t.elapsed());
                return Poll::Ready(Ok((self.sum, elapsed)));
            }
            if let Err(e) = self.send_next(cx, peer) {
                return Poll::Ready(Err(e));
            }
        }
        Poll::Pending
    }
}

/// Sends every word back to `ping`; outputs their sum after the `n`th.
struct Pong {
    n: u64,
    ping: TaskId,
    seen: u64,
    sum: u64,
}

impl Task for Pong {
    type Output = Result<u64, String>;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        while let Some(mail) = cx.recv() {
            let Mail::Word(w) = mail else {
                return Poll::Ready(Err(format!("unexpected mail {mail:?}")));
            };
            self.sum = self.sum.wrapping_add(w);
            self.seen += 1;
            if let Err(e) = cx.send(self.ping, w) {
                return Poll::Ready(Err(format!("pong {w}: {e}")));
            }
            if self.seen == self.n {
                return Poll::Ready(Ok(self.sum));
            }
        }
        Poll::Pending
    }
}

fn enso_spin(p: &Params) -> Result<Sample, BenchError> {
    enso_bounce(p, IdlePolicy::Spin)
}

fn enso_park(p: &Params) -> Result<Sample, BenchError> {
    enso_bounce(p, IdlePolicy::Park)
}

fn enso_bounce(p: &Params, idle: IdlePolicy) -> Result<Sample, BenchError> {
    let kernel = start(
        p,
        Kernel::builder()
            .core(CoreSpec::bsp("a", super::cpu(0)).tasks().idle(idle))
            .core(CoreSpec::ap("b", super::cpu(1)).tasks().idle(idle)),
    )?;
    let outcome = bounce_on(p, &kernel);
    stop(p, kernel)?;
    let (ping_sum, pong_sum, elapsed) = outcome?;
    finish(p, elapsed, ping_sum, pong_sum)
}

fn bounce_on(p: &Params, kernel: &enso::Running) -> Result<(u64, u64, Duration), BenchError> {
    let h = kernel.handle();
    let ping = Ping {
        n: p.items,
        peer: None,
        next: 0,
        sum: 0,
        t0: None,
    };
    let ping = h.spawn_on(CoreIndex(0), 1, ping).map_err(setup(p))?;
    let ping_id = placed(p, &ping)?;
    let pong = Pong {
        n: p.items,
        ping: ping_id,
        seen: 0,
        sum: 0,
    };
    let pong = h.spawn_on(CoreIndex(1), 1, pong).map_err(setup(p))?;
    let pong_id = placed(p, &pong)?;
    h.send(ping_id, pong_id.to_bits()).map_err(setup(p))?;
    let (ping_sum, elapsed) = join(p, ping)?.map_err(setup(p))?;
    let pong_sum = join(p, pong)?.map_err(setup(p))?;
    Ok((ping_sum, pong_sum, elapsed))
}

fn finish(
    p: &Params,
    elapsed: Duration,
    ping_sum: u64,
    pong_sum: u64,
) -> Result<Sample, BenchError> {
    let expected = harness::sum_of_range(1, p.items);
    harness::verify(&p.label, "core 0", expected, ping_sum)?;
    harness::verify(&p.label, "core 1", expected, pong_sum)?;
    Ok(sample(p, elapsed))
}

/// One side of the wake floor: its poller, and the waker registered in it.
struct Sleeper {
    poll: mio::Poll,
    events: mio::Events,
}

const WAKE: mio::Token = mio::Token(0);

impl Sleeper {
    fn new(p: &Params) -> Result<(Sleeper, Arc<mio::Waker>), BenchError> {
        let poll = mio::Poll::new().map_err(setup(p))?;
        let waker = mio::Waker::new(poll.registry(), WAKE).map_err(setup(p))?;
        let sleeper = Sleeper {
            poll,
            events: mio::Events::with_capacity(4),
        };
        Ok((sleeper, Arc::new(waker)))
    }

    /// Sleeps in epoll until the waker is rung (spurious returns retried).
    fn sleep(&mut self) {
        loop {
            if self.poll.poll(&mut self.events, None).is_ok()
                && self.events.iter().any(|e| e.token() == WAKE)
            {
                return;
            }
        }
    }
}

/// The floor of a parked hand-off: two pinned threads, each sleeping in
/// epoll on an eventfd the other rings after writing the word.
fn wake_floor(p: &Params) -> Result<Sample, BenchError> {
    let (mut a, wake_a) = Sleeper::new(p)?;
    let (mut b, wake_b) = Sleeper::new(p)?;
    // Borrowed, not moved: a waker dropped by the worker that finishes first
    // would close its eventfd, and epoll forgets a pending event on a closed
    // fd, so the other worker's last wake would be lost.
    let (wake_a, wake_b) = (&wake_a, &wake_b);
    let word = AtomicU64::new(0);
    let word = &word;
    let n = p.items;
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                let mut sum = 0u64;
                for v in 1..=n {
                    word.store(v, Ordering::Release);
                    if wake_b.wake().is_err() {
                        return 0;
                    }
                    a.sleep();
                    sum = sum.wrapping_add(word.load(Ordering::Acquire));
                }
                sum
            }),
            Worker::new(1, move || {
                let mut sum = 0u64;
                for _ in 0..n {
                    b.sleep();
                    sum = sum.wrapping_add(word.load(Ordering::Acquire));
                    if wake_a.wake().is_err() {
                        return 0;
                    }
                }
                sum
            }),
        ],
    )?;
    finish(
        p,
        outcome.elapsed,
        outcome.checksums[0],
        outcome.checksums[1],
    )
}

/// Sends `1..=n` on `tx`, waiting for each on `rx`; the sum of the answers.
async fn tokio_ping(n: u64, tx: mpsc::Sender<u64>, mut rx: mpsc::Receiver<u64>) -> u64 {
    let mut sum = 0u64;
    for v in 1..=n {
        if tx.send(v).await.is_err() {
            return 0;
        }
        match rx.recv().await {
            Some(w) => sum = sum.wrapping_add(w),
            None => return 0,
        }
    }
    sum
}

/// Sends back everything from `rx` on `tx`; the sum of what it saw.
async fn tokio_pong(tx: mpsc::Sender<u64>, mut rx: mpsc::Receiver<u64>) -> u64 {
    let mut sum = 0u64;
    while let Some(v) = rx.recv().await {
        sum = sum.wrapping_add(v);
        if tx.send(v).await.is_err() {
            break;
        }
    }
    sum
}

fn current_thread(p: &Params) -> Result<tokio::runtime::Runtime, BenchError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(setup(p))
}

fn tokio_pair(p: &Params) -> Result<Sample, BenchError> {
    let (ping_tx, ping_rx) = mpsc::channel(p.capacity);
    let (pong_tx, pong_rx) = mpsc::channel(p.capacity);
    let (rt_a, rt_b) = (current_thread(p)?, current_thread(p)?);
    // Borrowed, so the runtimes shut down after the timed section.
    let (rt_a, rt_b) = (&rt_a, &rt_b);
    let n = p.items;
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || rt_a.block_on(tokio_ping(n, ping_tx, pong_rx))),
            Worker::new(1, move || rt_b.block_on(tokio_pong(pong_tx, ping_rx))),
        ],
    )?;
    finish(
        p,
        outcome.elapsed,
        outcome.checksums[0],
        outcome.checksums[1],
    )
}

fn tokio_multi(p: &Params) -> Result<Sample, BenchError> {
    let started = Arc::new(AtomicUsize::new(0));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            // Workers start first: the first goes to core 0, the second to core 1.
            pin::to_core(started.fetch_add(1, Ordering::Relaxed));
        })
        .build()
        .map_err(setup(p))?;
    let (ping_tx, ping_rx) = mpsc::channel(p.capacity);
    let (pong_tx, pong_rx) = mpsc::channel(p.capacity);
    let n = p.items;
    let pong_sum = AtomicU64::new(0);
    // Borrowed, so the runtime shuts down after the timed section.
    let (pong_sum, rt) = (&pong_sum, &rt);
    // The harness thread only waits in block_on; the tasks run on the workers.
    let outcome = harness::run_team(
        &p.label,
        vec![Worker::new(0, move || {
            rt.block_on(async move {
                let pong = tokio::spawn(tokio_pong(pong_tx, ping_rx));
                let ping = tokio::spawn(tokio_ping(n, ping_tx, pong_rx));
                let ping_sum = ping.await.unwrap_or(0);
                pong_sum.store(pong.await.unwrap_or(0), Ordering::Relaxed);
                ping_sum
            })
        })],
    )?;
    finish(
        p,
        outcome.elapsed,
        outcome.checksums[0],
        pong_sum.load(Ordering::Relaxed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_word_fails_the_checksum() {
        let p = Params {
            label: "kernel-pingpong/test".to_string(),
            items: 3,
            capacity: 4,
            batch: 1,
        };
        assert!(finish(&p, Duration::from_millis(1), 6, 6).is_ok());
        assert!(finish(&p, Duration::from_millis(1), 6, 5).is_err());
    }
}
