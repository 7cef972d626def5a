//! Broadcast: one producer on core 0, two subscribers that each see every
//! item, both on core 1. Three threads on two cores oversubscribe core 1,
//! so every row waits by yielding, and the figure includes the scheduler
//! switching the subscribers.

use disruptor::ProcessorSettings as _;

use super::common;
use crate::harness::{self, BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};
use crate::peers::disruptor::{self as dis, Sink};
use crate::peers::rtrb::Rtrb;
use crate::peers::{self, Queue};
use crate::wait::{Wait, Yield};

/// The core both subscribers are pinned to.
const SUBSCRIBER_CORE: usize = 1;

/// The broadcast group.
pub fn groups() -> Vec<Group> {
    vec![Group {
        name: "broadcast",
        title: "broadcast, 1 producer -> 2 subscribers, u64, capacity 4096, one item at a time",
        unit: Unit::MillionsPerSec("msg"),
        items: Items {
            full: 10_000_000,
            quick: 500_000,
        },
        capacity: 4096,
        batch: 1,
        notes: vec![
            "3 threads on 2 cores oversubscribe: both subscribers share core 1".to_string(),
            Yield::DESCRIPTION.to_string(),
        ],
        rows: vec![
            common::harness_baseline(),
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
    }]
}

fn disruptor_fan_out<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
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
            for v in 1..=n {
                dis::publish::<W>(&mut producer, v);
            }
            drop(producer);
            0
        })],
    )?;
    let expected = harness::sum_of_range(1, n);
    let got_a = sink_a.checksum().unwrap_or(0);
    let got_b = sink_b.checksum().unwrap_or(0);
    harness::verify(&p.label, "subscriber 1", expected, got_a)?;
    harness::verify(&p.label, "subscriber 2", expected, got_b)?;
    Ok(Sample {
        elapsed: outcome.elapsed,
        items: n,
    })
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
    let expected = harness::sum_of_range(1, n);
    harness::verify(&p.label, "subscriber 1", expected, outcome.checksums[1])?;
    harness::verify(&p.label, "subscriber 2", expected, outcome.checksums[2])?;
    Ok(Sample {
        elapsed: outcome.elapsed,
        items: n,
    })
}
