//! `kernel-bus`: one message from core 0 to core 1 and back over the
//! InterCore bus, both cores spinning; nanoseconds per round trip.
//!
//! The enso row is a task on core 0 that posts a `Sync` request to core 1
//! and yields until core 1's answer has been handled on core 0 (the
//! handle's `last_sync` reaches the request's number), then posts the next:
//! a bus message each way, handled by each core's run loop, with no task on
//! core 1. Both cores run the default quanta: a task that yields is polled
//! again only in the next turn, after the bus phase, so each turn of core 0
//! looks at the bus once and polls the pinger once.
//! The floor is `pingpong`'s one cache line; the peers bounce a
//! `u64` through a pair of SPSC rings on two pinned threads, and the enso
//! ring the bus links are made of is the baseline (the bus without the
//! kernel around it).

use std::task::Poll;
use std::time::{Duration, Instant};

use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, Kernel, KernelHandle, Message, Task};

use super::{join, sample, setup, start, stop};
use crate::groups::pingpong::{self as spsc_pingpong, bounce};
use crate::harness::{self, BenchError};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};
use crate::peers::crossbeam::CrossbeamChannel;
use crate::peers::enso::EnsoSpsc;
use crate::peers::rtrb::Rtrb;
use crate::wait::Spin;

/// The bus round-trip group.
pub fn group() -> Group {
    Group {
        name: "kernel-bus",
        title: "InterCore bus round trip, core 0 -> core 1 -> core 0, spinning cores (target: at most 1.5x the floor)",
        unit: Unit::NanosPer("round trip"),
        items: Items {
            full: 300_000,
            quick: 20_000,
        },
        capacity: 4096,
        batch: 1,
        notes: vec![
            "enso: kernel with two spinning task cores (CPU of core index 0 and 1), default bus capacity".to_string(),
            "ring rows: two threads, one per core, busy-spinning (spin-loop hint)".to_string(),
        ],
        rows: vec![
            floor_row(),
            Row::new(
                Kind::Enso,
                "enso bus Sync",
                "task on core 0 posts Message::Sync to core 1, yields until the answer is handled (a yielded task is polled again in the next turn, after the bus); default quanta",
                enso_sync,
            ),
            Row::new(
                Kind::Baseline,
                "enso_ring spsc pair",
                "the ring each bus link is built of, no kernel: try_push / try_pop",
                bounce::<EnsoSpsc, Spin>,
            ),
            Row::new(Kind::Peer, "rtrb", "push / pop", bounce::<Rtrb, Spin>),
            Row::new(
                Kind::Peer,
                "crossbeam-channel",
                "bounded, try_send / try_recv",
                bounce::<CrossbeamChannel, Spin>,
            ),
        ],
    }
}

/// The floor row of the `pingpong` group: the same implementation, so the
/// floor is measured one way everywhere.
pub fn floor_row() -> Row {
    spsc_pingpong::groups()
        .into_iter()
        .flat_map(|g| g.rows)
        .find(|r| r.kind == Kind::Floor)
        .unwrap_or_else(|| {
            Row::new(
                Kind::Floor,
                "one cache line",
                "missing: the pingpong group has no floor row",
                no_floor,
            )
        })
}

fn no_floor(p: &Params) -> Result<Sample, BenchError> {
    Err(super::fail(p, "the pingpong group has no floor row"))
}

/// Posts `n` Sync requests one after another and waits for each answer.
struct SyncPinger {
    handle: KernelHandle,
    me: CoreIndex,
    peer: CoreIndex,
    n: u64,
    /// The request in flight (0: none yet).
    seq: u64,
    /// Sum of the answered request numbers.
    sum: u64,
    t0: Option<Instant>,
}

impl Task for SyncPinger {
    type Output = Result<(u64, Duration), String>;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let t0 = *self.t0.get_or_insert_with(Instant::now);
        if self.seq > 0 {
            let seen = self.handle.last_sync(self.me);
            if seen < self.seq {
                cx.yield_now();
                return Poll::Pending;
            }
            if seen != self.seq {
                return Poll::Ready(Err(format!("answer {seen} to request {}", self.seq)));
            }
            self.sum = self.sum.wrapping_add(seen);
            if self.seq == self.n {
                return Poll::Ready(Ok((self.sum, t0.elapsed())));
            }
        }
        self.seq += 1;
        let m = Message::Sync {
            from: self.me,
            seq: self.seq,
            ack: false,
        };
        cx.post(self.peer, m);
        cx.yield_now();
        Poll::Pending
    }
}

fn enso_sync(p: &Params) -> Result<Sample, BenchError> {
    let kernel = start(
        p,
        Kernel::builder()
            .core(
                CoreSpec::bsp("a", super::cpu(0))
                    .tasks()
                    .idle(IdlePolicy::Spin),
            )
            .core(
                CoreSpec::ap("b", super::cpu(1))
                    .tasks()
                    .idle(IdlePolicy::Spin),
            ),
    )?;
    let h = kernel.handle().clone();
    let task = SyncPinger {
        handle: h.clone(),
        me: CoreIndex(0),
        peer: CoreIndex(1),
        n: p.items,
        seq: 0,
        sum: 0,
        t0: None,
    };
    let pinger = h.spawn_on(CoreIndex(0), 1, task).map_err(setup(p))?;
    let outcome = join(p, pinger);
    drop(h);
    stop(p, kernel)?;
    let (sum, elapsed) = outcome?.map_err(setup(p))?;
    harness::verify(&p.label, "answers", harness::sum_of_range(1, p.items), sum)?;
    Ok(sample(p, elapsed))
}
