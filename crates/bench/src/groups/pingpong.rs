//! SPSC ping-pong: one value bounces between a thread on core 0 and a
//! thread on core 1 through a pair of rings (4096 slots each); the figure
//! is nanoseconds per round trip. The floor row bounces the value through
//! one cache-padded `AtomicU64`: one line travelling between the cores,
//! which no ring can beat (a ring moves the data and a cursor). The second
//! floor row bounces it through two padded lines, one per direction: the
//! fewest lines a pair of rings can use, so the floor for every ring row
//! but `enso rpc`: one request/response ring whose reply travels in the
//! request's own slot, one line for the round trip, as in the first floor.

use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_utils::CachePadded;
use disruptor::{EventPoller, Polling, SingleProducerBarrier};

use crate::harness::{self, BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};
use crate::peers::crossbeam::{CrossbeamArrayQueue, CrossbeamChannel};
use crate::peers::disruptor::{self as dis, Slot};
use crate::peers::enso::EnsoSpsc;
use crate::peers::rtrb::Rtrb;
use crate::peers::std_sync::StdSyncChannel;
use crate::peers::{self, Queue};
use crate::wait::{Spin, Wait};

/// The ping-pong group.
pub fn groups() -> Vec<Group> {
    vec![Group {
        name: "pingpong",
        title: "SPSC ping-pong round trip between core 0 and core 1, u64, capacity 4096",
        unit: Unit::NanosPer("round trip"),
        items: Items {
            full: 300_000,
            quick: 20_000,
        },
        capacity: 4096,
        batch: 1,
        notes: vec![Spin::DESCRIPTION.to_string()],
        rows: vec![
            Row::new(
                Kind::Floor,
                "one cache line",
                "one CachePadded<AtomicU64>, no ring: the physical floor",
                cache_line::<Spin>,
            ),
            Row::new(
                Kind::Floor,
                "two cache lines",
                "one CachePadded<AtomicU64> per direction, no ring: the floor for a pair of rings",
                two_lines::<Spin>,
            ),
            Row::new(
                Kind::Enso,
                "enso spsc",
                "try_push / try_pop",
                bounce::<EnsoSpsc, Spin>,
            ),
            Row::new(
                Kind::Enso,
                "enso rpc",
                "one request/response ring: try_send / try_serve / try_recv, the reply in the request's slot",
                rpc_bounce::<Spin>,
            ),
            Row::new(Kind::Peer, "rtrb", "push / pop", bounce::<Rtrb, Spin>),
            Row::new(
                Kind::Peer,
                "crossbeam ArrayQueue",
                "push / pop (MPMC, CAS)",
                bounce::<CrossbeamArrayQueue, Spin>,
            ),
            Row::new(
                Kind::Peer,
                "crossbeam-channel",
                "bounded, try_send / try_recv",
                bounce::<CrossbeamChannel, Spin>,
            ),
            Row::new(
                Kind::Peer,
                "std sync_channel",
                "try_send / try_recv",
                bounce::<StdSyncChannel, Spin>,
            ),
            Row::new(
                Kind::Peer,
                "disruptor",
                "two single-producer disruptors, try_publish / EventPoller::poll",
                disruptor_bounce::<Spin>,
            ),
        ],
    }]
}

/// Core 0 sends `v` on one queue and waits for it on the other; core 1
/// echoes. Both sum what they receive.
pub fn bounce<Q: Queue, W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let (mut ping_tx, mut ping_rx) = Q::channel(&p.label, p.capacity)?;
    let (mut pong_tx, mut pong_rx) = Q::channel(&p.label, p.capacity)?;
    let n = p.items;
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                let mut sum = 0u64;
                for v in 1..=n {
                    peers::send::<Q, W>(&mut ping_tx, v);
                    sum = sum.wrapping_add(peers::recv::<Q, W>(&mut pong_rx));
                }
                sum
            }),
            Worker::new(1, move || {
                let mut sum = 0u64;
                for _ in 0..n {
                    let v = peers::recv::<Q, W>(&mut ping_rx);
                    peers::send::<Q, W>(&mut pong_tx, v);
                    sum = sum.wrapping_add(v);
                }
                sum
            }),
        ],
    )?;
    finish(p, outcome.elapsed, &outcome.checksums)
}

/// Core 0 calls core 1 through one `enso_ring::rpc` ring: it sends `v`
/// and waits for the reply, which core 1 writes into the request's slot
/// (the same `v`, so both sides sum the same values).
fn rpc_bounce<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let (mut client, mut server) = enso_ring::rpc::channel::<u64, u64>(p.capacity)
        .map_err(|e| peers::setup_error(&p.label, e))?;
    let n = p.items;
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                let mut sum = 0u64;
                for v in 1..=n {
                    if client.try_send(v).is_err() {
                        return 0;
                    }
                    loop {
                        match client.try_recv() {
                            Ok(r) => break sum = sum.wrapping_add(r),
                            Err(enso_ring::PopError::Empty) => W::idle(),
                            Err(enso_ring::PopError::Closed) => return 0,
                        }
                    }
                }
                sum
            }),
            Worker::new(1, move || {
                let mut sum = 0u64;
                let mut served = 0;
                while served < n {
                    match server.try_serve(|v| {
                        sum = sum.wrapping_add(*v);
                        *v
                    }) {
                        Ok(()) => served += 1,
                        Err(enso_ring::PopError::Empty) => W::idle(),
                        Err(enso_ring::PopError::Closed) => return 0,
                    }
                }
                sum
            }),
        ],
    )?;
    finish(p, outcome.elapsed, &outcome.checksums)
}

/// Core 0 writes the odd value `2v - 1` and waits for `2v`; core 1 waits
/// for the odd value and answers with the next even one.
fn cache_line<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let line = CachePadded::new(AtomicU64::new(0));
    let n = p.items;
    let line = &line;
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                let mut sum = 0u64;
                for v in 1..=n {
                    // Release/Acquire: the same hand-off a ring makes.
                    line.store(2 * v - 1, Ordering::Release);
                    while line.load(Ordering::Acquire) != 2 * v {
                        W::idle();
                    }
                    sum = sum.wrapping_add(v);
                }
                sum
            }),
            Worker::new(1, move || {
                let mut sum = 0u64;
                for v in 1..=n {
                    while line.load(Ordering::Acquire) != 2 * v - 1 {
                        W::idle();
                    }
                    line.store(2 * v, Ordering::Release);
                    sum = sum.wrapping_add(v);
                }
                sum
            }),
        ],
    )?;
    harness::verify(&p.label, "last value", 2 * n, line.load(Ordering::Acquire))?;
    finish(p, outcome.elapsed, &outcome.checksums)
}

/// Core 0 writes `v` to one padded line and waits for `v` on another;
/// core 1 waits on the first and answers on the second. Each line is
/// written by one core and read by the other, as a pair of rings' lines
/// are: every hand-off pays the reader's miss and the writer's
/// invalidation, where the single line of [`cache_line`] is read and then
/// written by the same core and migrates whole. No pair of rings can beat
/// this row.
fn two_lines<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let ping = CachePadded::new(AtomicU64::new(0));
    let pong = CachePadded::new(AtomicU64::new(0));
    let n = p.items;
    let (ping, pong) = (&ping, &pong);
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                let mut sum = 0u64;
                for v in 1..=n {
                    ping.store(v, Ordering::Release);
                    while pong.load(Ordering::Acquire) != v {
                        W::idle();
                    }
                    sum = sum.wrapping_add(v);
                }
                sum
            }),
            Worker::new(1, move || {
                let mut sum = 0u64;
                for v in 1..=n {
                    while ping.load(Ordering::Acquire) != v {
                        W::idle();
                    }
                    pong.store(v, Ordering::Release);
                    sum = sum.wrapping_add(v);
                }
                sum
            }),
        ],
    )?;
    harness::verify(&p.label, "last value", n, pong.load(Ordering::Acquire))?;
    finish(p, outcome.elapsed, &outcome.checksums)
}

/// Two disruptors, each with an event poller read by the other thread.
fn disruptor_bounce<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let (mut ping_rx, builder) =
        disruptor::build_single_producer(p.capacity, dis::factory, dis::Strategy::<W>::default())
            .new_event_poller();
    let mut ping_tx = builder.build();
    let (mut pong_rx, builder) =
        disruptor::build_single_producer(p.capacity, dis::factory, dis::Strategy::<W>::default())
            .new_event_poller();
    let mut pong_tx = builder.build();
    let n = p.items;
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                let mut sum = 0u64;
                for v in 1..=n {
                    dis::publish::<W>(&mut ping_tx, v);
                    sum = sum.wrapping_add(poll_one::<W>(&mut pong_rx));
                }
                sum
            }),
            Worker::new(1, move || {
                let mut sum = 0u64;
                for _ in 0..n {
                    let v = poll_one::<W>(&mut ping_rx);
                    dis::publish::<W>(&mut pong_tx, v);
                    sum = sum.wrapping_add(v);
                }
                sum
            }),
        ],
    )?;
    finish(p, outcome.elapsed, &outcome.checksums)
}

/// Spins until the poller yields events and returns their sum (one event
/// in a ping-pong); 0 if the disruptor shut down, which the checksum catches.
fn poll_one<W: Wait>(poller: &mut EventPoller<Slot, SingleProducerBarrier>) -> u64 {
    loop {
        match poller.poll() {
            Ok(mut events) => return (&mut events).fold(0u64, |s, e| s.wrapping_add(e.0)),
            Err(Polling::NoEvents) => W::idle(),
            Err(Polling::Shutdown) => return 0,
        }
    }
}

fn finish(
    p: &Params,
    elapsed: std::time::Duration,
    checksums: &[u64],
) -> Result<Sample, BenchError> {
    let expected = harness::sum_of_range(1, p.items);
    harness::verify(&p.label, "core 0", expected, checksums[0])?;
    harness::verify(&p.label, "core 1", expected, checksums[1])?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}
