//! SPMC work queue: one producer on core 0 hands `1..=items` to two
//! consumers on core 1; each item goes to exactly one consumer. The producer
//! ends the run with one `0` per consumer (a consumer stops at its `0`); the
//! consumers' sums must add up to the sum sent. Three threads on two cores
//! oversubscribe core 1, so every row waits by yielding.

use disruptor::ProcessorSettings as _;

use super::common;
use crate::harness::{self, BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};
use crate::peers::crossbeam::{CrossbeamArrayQueue, CrossbeamChannel};
use crate::peers::disruptor::{self as dis, Sink};
use crate::peers::enso::EnsoWork;
use crate::peers::{self, Queue};
use crate::wait::{Wait, Yield};

/// The core both consumers are pinned to.
const CONSUMER_CORE: usize = 1;
/// How many consumers share the work.
const CONSUMERS: u64 = 2;

/// The work-queue group.
pub fn groups() -> Vec<Group> {
    vec![Group {
        name: "spmc-work",
        title: "SPMC work queue, 1 producer -> 2 consumers, each item to one (3 threads on 2 cores: oversubscribed), u64, capacity 4096",
        unit: Unit::MillionsPerSec("msg"),
        items: Items {
            full: 10_000_000,
            quick: 500_000,
        },
        capacity: 4096,
        batch: 1,
        notes: vec![
            "3 threads on 2 cores oversubscribe: both consumers share core 1".to_string(),
            Yield::DESCRIPTION.to_string(),
        ],
        rows: vec![
            common::harness_baseline(),
            Row::new(
                Kind::Enso,
                "enso work",
                "cloned Consumer, try_push / try_pop",
                distribute::<EnsoWork, Yield>,
            ),
            Row::new(
                Kind::Peer,
                "crossbeam ArrayQueue",
                "shared by Arc, push / pop",
                distribute::<CrossbeamArrayQueue, Yield>,
            ),
            Row::new(
                Kind::Peer,
                "crossbeam-channel",
                "bounded, cloned Receiver, try_send / try_recv",
                distribute::<CrossbeamChannel, Yield>,
            ),
            Row::new(
                Kind::Peer,
                "disruptor",
                "two handlers on core 1, each takes sequence % 2 == its index (both see every event)",
                disruptor_split::<Yield>,
            ),
        ],
    }]
}

/// One producer, [`CONSUMERS`] consumers with cloned receivers.
pub fn distribute<Q: Queue, W: Wait>(p: &Params) -> Result<Sample, BenchError>
where
    Q::Rx: Clone,
{
    let (mut tx, rx) = Q::channel(&p.label, p.capacity)?;
    let n = p.items;
    let consumer = |mut rx: Q::Rx| {
        move || {
            let mut sum = 0u64;
            loop {
                match peers::recv::<Q, W>(&mut rx) {
                    0 => return sum,
                    v => sum = sum.wrapping_add(v),
                }
            }
        }
    };
    let mut team = vec![Worker::new(0, move || {
        for v in 1..=n {
            peers::send::<Q, W>(&mut tx, v);
        }
        for _ in 0..CONSUMERS {
            peers::send::<Q, W>(&mut tx, 0);
        }
        0
    })];
    for _ in 1..CONSUMERS {
        team.push(Worker::new(CONSUMER_CORE, consumer(rx.clone())));
    }
    team.push(Worker::new(CONSUMER_CORE, consumer(rx)));
    let outcome = harness::run_team(&p.label, team)?;
    let total = outcome.checksums[1..]
        .iter()
        .fold(0u64, |sum, c| sum.wrapping_add(*c));
    common::verified_stream(p, outcome.elapsed, total)
}

/// The disruptor with two handlers splitting the events by sequence.
fn disruptor_split<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let last = dis::last_sequence(&p.label, n)?;
    let core = dis::core(&p.label, CONSUMER_CORE)?;
    let (sink_a, sink_b) = (Sink::new(), Sink::new());
    let mut producer =
        disruptor::build_single_producer(p.capacity, dis::factory, dis::Strategy::<W>::default())
            .pin_at_core(core)
            .handle_events_with(dis::splitting_handler(0, 2, last, sink_a.clone()))
            .pin_at_core(core)
            .handle_events_with(dis::splitting_handler(1, 2, last, sink_b.clone()))
            .build();
    let outcome = harness::run_team(
        &p.label,
        vec![Worker::new(0, move || {
            for v in 1..=n {
                dis::publish::<W>(&mut producer, v);
            }
            // Dropping the producer waits for both handlers to finish.
            drop(producer);
            0
        })],
    )?;
    let total = sink_a
        .checksum()
        .unwrap_or(0)
        .wrapping_add(sink_b.checksum().unwrap_or(0));
    common::verified_stream(p, outcome.elapsed, total)
}
