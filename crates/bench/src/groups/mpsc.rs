//! MPSC throughput: two producers, both on core 0, each send half of
//! `1..=items` to one consumer on core 1, which sums everything. Three
//! threads on two cores: the producers take turns on core 0 (every row
//! waits by yielding), so every send still pays the multi-producer claim,
//! while the consumer's core is never shared.

use disruptor::ProcessorSettings as _;

use super::common;
use crate::harness::{self, BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};
use crate::peers::crossbeam::{CrossbeamArrayQueue, CrossbeamChannel};
use crate::peers::disruptor::{self as dis, Sink, Slot};
use crate::peers::enso::EnsoMpsc;
use crate::peers::std_sync::StdSyncChannel;
use crate::peers::{self, BatchQueue, Queue};
use crate::wait::{Wait, Yield};

/// The core both producers are pinned to.
const PRODUCER_CORE: usize = 0;
/// The consumer's core.
const CONSUMER_CORE: usize = 1;

/// The MPSC groups.
pub fn groups() -> Vec<Group> {
    vec![one_at_a_time(), batched()]
}

fn one_at_a_time() -> Group {
    Group {
        name: "mpsc",
        title: "MPSC throughput, 2 producers -> 1 consumer (3 threads on 2 cores: oversubscribed), u64, capacity 4096",
        unit: Unit::MillionsPerSec("msg"),
        items: Items {
            full: 10_000_000,
            quick: 500_000,
        },
        capacity: 4096,
        batch: 1,
        notes: vec![
            "3 threads on 2 cores oversubscribe: both producers share core 0".to_string(),
            Yield::DESCRIPTION.to_string(),
        ],
        rows: vec![
            common::harness_baseline(),
            Row::new(
                Kind::Enso,
                "enso mpsc",
                "cloned Producer, try_push / try_pop",
                converge::<EnsoMpsc, Yield>,
            ),
            Row::new(
                Kind::Peer,
                "crossbeam-channel",
                "bounded, cloned Sender, try_send / try_recv",
                converge::<CrossbeamChannel, Yield>,
            ),
            Row::new(
                Kind::Peer,
                "crossbeam ArrayQueue",
                "shared by Arc, push / pop",
                converge::<CrossbeamArrayQueue, Yield>,
            ),
            Row::new(
                Kind::Peer,
                "std sync_channel",
                "cloned SyncSender, try_send / try_recv",
                converge::<StdSyncChannel, Yield>,
            ),
            Row::new(
                Kind::Peer,
                "disruptor",
                "multi producer (cloned), try_publish; handler thread pinned to core 1",
                disruptor_converge::<Yield>,
            ),
        ],
    }
}

fn batched() -> Group {
    Group {
        name: "mpsc-batch",
        title: "MPSC throughput, 2 producers -> 1 consumer (3 threads on 2 cores: oversubscribed), u64, capacity 4096, batches of 64",
        unit: Unit::MillionsPerSec("msg"),
        items: Items {
            full: 20_000_000,
            quick: 1_000_000,
        },
        capacity: 4096,
        batch: 64,
        notes: vec![
            "3 threads on 2 cores oversubscribe: both producers share core 0".to_string(),
            Yield::DESCRIPTION.to_string(),
            "queues without a batch API (crossbeam, std) have no row here".to_string(),
        ],
        rows: vec![
            common::harness_baseline(),
            Row::new(
                Kind::Enso,
                "enso mpsc chunks",
                "cloned Producer, write_chunk(64) + fill_with + commit / read_chunk(64) + release",
                converge_batched::<EnsoMpsc, Yield>,
            ),
            Row::new(
                Kind::Peer,
                "disruptor",
                "multi producer (cloned), try_batch_publish(64); handler thread pinned to core 1",
                disruptor_converge::<Yield>,
            ),
        ],
    }
}

/// The values producer `index` (0 or 1) sends: its half of `1..=items`.
fn share(items: u64, index: u64) -> std::ops::RangeInclusive<u64> {
    let half = items / 2;
    if index == 0 {
        1..=half
    } else {
        half + 1..=items
    }
}

/// Two producers with cloned senders, one consumer.
pub fn converge<Q: Queue, W: Wait>(p: &Params) -> Result<Sample, BenchError>
where
    Q::Tx: Clone,
{
    let (tx, mut rx) = Q::channel(&p.label, p.capacity)?;
    let n = p.items;
    let producer = |mut tx: Q::Tx, index: u64| {
        move || {
            for v in share(n, index) {
                peers::send::<Q, W>(&mut tx, v);
            }
            0
        }
    };
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(PRODUCER_CORE, producer(tx.clone(), 0)),
            Worker::new(PRODUCER_CORE, producer(tx, 1)),
            Worker::new(CONSUMER_CORE, move || {
                let mut sum = 0u64;
                for _ in 0..n {
                    sum = sum.wrapping_add(peers::recv::<Q, W>(&mut rx));
                }
                sum
            }),
        ],
    )?;
    common::verified_stream(p, outcome.elapsed, outcome.checksums[2])
}

/// Two producers with cloned senders write their halves in batches of
/// `p.batch` in place; one consumer reads runs in place.
pub fn converge_batched<Q: BatchQueue, W: Wait>(p: &Params) -> Result<Sample, BenchError>
where
    Q::Tx: Clone,
{
    let (tx, mut rx) = Q::channel(&p.label, p.capacity)?;
    let (n, batch) = (p.items, p.batch.max(1) as u64);
    let producer = |mut tx: Q::Tx, index: u64| {
        move || {
            let values = share(n, index);
            let (mut next, last) = (*values.start(), *values.end());
            while next <= last {
                let k = batch.min(last - next + 1);
                while !Q::try_send_batch(&mut tx, next, k as usize) {
                    W::idle();
                }
                next += k;
            }
            0
        }
    };
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(PRODUCER_CORE, producer(tx.clone(), 0)),
            Worker::new(PRODUCER_CORE, producer(tx, 1)),
            Worker::new(CONSUMER_CORE, move || {
                let (mut sum, mut seen) = (0u64, 0u64);
                while seen < n {
                    let got =
                        Q::recv_available(&mut rx, batch as usize, |v| sum = sum.wrapping_add(v));
                    if got == 0 {
                        W::idle();
                    }
                    seen += got as u64;
                }
                sum
            }),
        ],
    )?;
    common::verified_stream(p, outcome.elapsed, outcome.checksums[2])
}

/// Two publishers of one multi-producer disruptor, `p.batch` events at a
/// time; its handler thread (pinned to the consumer core) sums them.
fn disruptor_converge<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let (n, batch) = (p.items, p.batch.max(1) as u64);
    let sink = Sink::new();
    let handler = dis::summing_handler(dis::last_sequence(&p.label, n)?, sink.clone());
    let producer =
        disruptor::build_multi_producer(p.capacity, dis::factory, dis::Strategy::<W>::default())
            .pin_at_core(dis::core(&p.label, CONSUMER_CORE)?)
            .handle_events_with(handler)
            .build();
    let publisher = |mut producer: disruptor::MultiProducer<Slot, _>, index: u64| {
        move || {
            let values = share(n, index);
            let (mut next, last) = (*values.start(), *values.end());
            while next <= last {
                let k = batch.min(last - next + 1);
                if k == 1 {
                    dis::publish::<W>(&mut producer, next);
                } else {
                    dis::publish_batch::<W>(&mut producer, next, k as usize);
                }
                next += k;
            }
            // The last producer dropped waits for the handler to finish.
            drop(producer);
            0
        }
    };
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(PRODUCER_CORE, publisher(producer.clone(), 0)),
            Worker::new(PRODUCER_CORE, publisher(producer, 1)),
        ],
    )?;
    common::verified_stream(p, outcome.elapsed, sink.checksum().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_the_range_once() {
        for items in [0u64, 1, 2, 7, 10] {
            let total: u64 = share(items, 0).chain(share(items, 1)).sum();
            assert_eq!(total, harness::sum_of_range(1, items), "items {items}");
        }
    }
}
