//! Broadcast: one producer on core 0, two subscribers that each see every
//! item, both on core 1, one item at a time (`broadcast`) and in batches of
//! 64 (`broadcast-batch`). Three threads on two cores oversubscribe core 1,
//! so every row waits by yielding, and the figure includes the scheduler
//! switching the subscribers.

use disruptor::ProcessorSettings as _;

use super::common;
use crate::harness::{self, BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};
use crate::peers::disruptor::{self as dis, Sink};
use crate::peers::enso::EnsoBroadcast;
use crate::peers::rtrb::Rtrb;
use crate::peers::{self, Queue};
use crate::wait::{Wait, Yield};

/// The core both subscribers are pinned to.
const SUBSCRIBER_CORE: usize = 1;
const CAPACITY: usize = 4096;
const UNIT: Unit = Unit::MillionsPerSec("msg");

/// The broadcast groups.
pub fn groups() -> Vec<Group> {
    vec![one_at_a_time(), batched()]
}

fn notes() -> Vec<String> {
    vec![
        "3 threads on 2 cores oversubscribe: both subscribers share core 1".to_string(),
        Yield::DESCRIPTION.to_string(),
    ]
}

fn one_at_a_time() -> Group {
    Group {
        name: "broadcast",
        title: "broadcast, 1 producer -> 2 subscribers (3 threads on 2 cores: oversubscribed), u64, capacity 4096, one item at a time",
        unit: UNIT,
        items: Items {
            full: 10_000_000,
            quick: 500_000,
        },
        capacity: CAPACITY,
        batch: 1,
        notes: notes(),
        rows: vec![
            common::harness_baseline(),
            Row::new(
                Kind::Enso,
                "enso broadcast",
                "try_publish(closure) / try_read_with, in place",
                enso_fan_out::<Yield>,
            ),
            Row::new(
                Kind::Peer,
                "disruptor",
                "single producer, try_publish; two handlers (parallel) pinned to core 1",
                disruptor_fan_out::<Yield>,
            ),
            Row::new(
                Kind::Peer,
                "rtrb x2",
                "fan-out by copy: one rtrb per subscriber, push / pop",
                copy_fan_out::<Rtrb, Yield>,
            ),
        ],
    }
}

fn batched() -> Group {
    let mut notes = notes();
    notes.push("only rings with a broadcast batch API have a row here".to_string());
    Group {
        name: "broadcast-batch",
        title: "broadcast, 1 producer -> 2 subscribers (3 threads on 2 cores: oversubscribed), u64, capacity 4096, batches of 64",
        unit: UNIT,
        items: Items {
            full: 20_000_000,
            quick: 1_000_000,
        },
        capacity: CAPACITY,
        batch: 64,
        notes,
        rows: vec![
            common::harness_baseline(),
            Row::new(
                Kind::Enso,
                "enso broadcast chunks",
                "write_chunk(64) + get_mut + commit / read_chunk(64) + release",
                enso_fan_out::<Yield>,
            ),
            Row::new(
                Kind::Peer,
                "disruptor",
                "try_batch_publish(64); two handlers (parallel) pinned to core 1",
                disruptor_fan_out::<Yield>,
            ),
        ],
    }
}

/// The enso broadcast ring; batched when `p.batch > 1`.
fn enso_fan_out<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let (mut publisher, subscribers) = EnsoBroadcast::channel(&p.label, p.capacity, 2)?;
    let (n, batch) = (p.items, p.batch.max(1) as u64);
    let mut team = vec![Worker::new(0, move || {
        let mut sent = 0u64;
        while sent < n {
            let k = batch.min(n - sent);
            if k == 1 {
                while !EnsoBroadcast::try_publish(&mut publisher, sent + 1) {
                    W::idle();
                }
            } else {
                while !EnsoBroadcast::try_publish_batch(&mut publisher, sent + 1, k as usize) {
                    W::idle();
                }
            }
            sent += k;
        }
        0
    })];
    for mut subscriber in subscribers {
        team.push(Worker::new(SUBSCRIBER_CORE, move || {
            let (mut sum, mut seen) = (0u64, 0u64);
            while seen < n {
                let got = if batch == 1 {
                    EnsoBroadcast::try_recv(&mut subscriber).map_or(0, |v| {
                        sum = sum.wrapping_add(v);
                        1
                    })
                } else {
                    EnsoBroadcast::recv_available(&mut subscriber, batch as usize, |v| {
                        sum = sum.wrapping_add(v)
                    })
                };
                if got == 0 {
                    W::idle();
                }
                seen += got as u64;
            }
            sum
        }));
    }
    let outcome = harness::run_team(&p.label, team)?;
    verify_both(
        p,
        outcome.elapsed,
        outcome.checksums[1],
        outcome.checksums[2],
    )
}

/// The disruptor with two parallel handlers; batched when `p.batch > 1`.
fn disruptor_fan_out<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let (n, batch) = (p.items, p.batch.max(1) as u64);
    let last = dis::last_sequence(&p.label, n)?;
    let core = dis::core(&p.label, SUBSCRIBER_CORE)?;
    let (sink_a, sink_b) = (Sink::new(), Sink::new());
    let mut producer =
        disruptor::build_single_producer(p.capacity, dis::factory, dis::Strategy::<W>::default())
            .pin_at_core(core)
            .handle_events_with(dis::summing_handler(last, sink_a.clone()))
            .pin_at_core(core)
            .handle_events_with(dis::summing_handler(last, sink_b.clone()))
            .build();
    let outcome = harness::run_team(
        &p.label,
        vec![Worker::new(0, move || {
            let mut sent = 0u64;
            while sent < n {
                let k = batch.min(n - sent);
                if k == 1 {
                    dis::publish::<W>(&mut producer, sent + 1);
                } else {
                    dis::publish_batch::<W>(&mut producer, sent + 1, k as usize);
                }
                sent += k;
            }
            // Dropping the producer waits for both handlers to finish.
            drop(producer);
            0
        })],
    )?;
    let got_a = sink_a.checksum().unwrap_or(0);
    let got_b = sink_b.checksum().unwrap_or(0);
    verify_both(p, outcome.elapsed, got_a, got_b)
}

/// The producer pushes every item into one queue per subscriber.
fn copy_fan_out<Q: Queue, W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let (mut tx_a, rx_a) = Q::channel(&p.label, p.capacity)?;
    let (mut tx_b, rx_b) = Q::channel(&p.label, p.capacity)?;
    let n = p.items;
    let subscriber = |mut rx: Q::Rx| {
        move || {
            let mut sum = 0u64;
            for _ in 0..n {
                sum = sum.wrapping_add(peers::recv::<Q, W>(&mut rx));
            }
            sum
        }
    };
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                for v in 1..=n {
                    peers::send::<Q, W>(&mut tx_a, v);
                    peers::send::<Q, W>(&mut tx_b, v);
                }
                0
            }),
            Worker::new(SUBSCRIBER_CORE, subscriber(rx_a)),
            Worker::new(SUBSCRIBER_CORE, subscriber(rx_b)),
        ],
    )?;
    verify_both(
        p,
        outcome.elapsed,
        outcome.checksums[1],
        outcome.checksums[2],
    )
}

/// Both subscribers must have seen exactly `1..=items`.
fn verify_both(
    p: &Params,
    elapsed: std::time::Duration,
    first: u64,
    second: u64,
) -> Result<Sample, BenchError> {
    let expected = harness::sum_of_range(1, p.items);
    harness::verify(&p.label, "subscriber 1", expected, first)?;
    harness::verify(&p.label, "subscriber 2", expected, second)?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}
