//! SPSC throughput: one producer on core 0 streams `u64`s through a ring of
//! 4096 slots to one consumer on core 1, one item at a time (`spsc`) and in
//! batches of 64 (`spsc-batch`). The consumer sums what it sees; the sum
//! must equal the sum of what was sent.

use disruptor::ProcessorSettings as _;

use super::common;
use crate::harness::{self, BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};
use crate::peers::crossbeam::{CrossbeamArrayQueue, CrossbeamChannel};
use crate::peers::disruptor::{self as dis, Sink};
use crate::peers::enso::EnsoSpsc;
use crate::peers::rtrb::Rtrb;
use crate::peers::std_sync::StdSyncChannel;
use crate::peers::{self, BatchQueue, Queue};
use crate::wait::{Spin, Wait};

const CAPACITY: usize = 4096;
const BATCH: usize = 64;
const UNIT: Unit = Unit::MillionsPerSec("msg");

/// The SPSC throughput groups.
pub fn groups() -> Vec<Group> {
    vec![one_at_a_time(), batched()]
}

fn one_at_a_time() -> Group {
    Group {
        name: "spsc",
        title: "SPSC throughput, u64, capacity 4096, one item at a time",
        unit: UNIT,
        items: Items {
            full: 10_000_000,
            quick: 500_000,
        },
        capacity: CAPACITY,
        batch: 1,
        notes: vec![Spin::DESCRIPTION.to_string()],
        rows: vec![
            common::harness_baseline(),
            Row::new(
                Kind::Enso,
                "enso spsc",
                "try_push / try_pop",
                stream::<EnsoSpsc, Spin>,
            ),
            Row::new(Kind::Peer, "rtrb", "push / pop", stream::<Rtrb, Spin>),
            Row::new(
                Kind::Peer,
                "crossbeam ArrayQueue",
                "push / pop (MPMC, CAS)",
                stream::<CrossbeamArrayQueue, Spin>,
            ),
            Row::new(
                Kind::Peer,
                "crossbeam-channel",
                "bounded, try_send / try_recv",
                stream::<CrossbeamChannel, Spin>,
            ),
            Row::new(
                Kind::Peer,
                "std sync_channel",
                "try_send / try_recv",
                stream::<StdSyncChannel, Spin>,
            ),
            Row::new(
                Kind::Peer,
                "disruptor",
                "single producer, try_publish; handler thread pinned to core 1",
                disruptor_stream::<Spin>,
            ),
        ],
    }
}

fn batched() -> Group {
    Group {
        name: "spsc-batch",
        title: "SPSC throughput, u64, capacity 4096, batches of 64 written in place",
        unit: UNIT,
        items: Items {
            full: 20_000_000,
            quick: 1_000_000,
        },
        capacity: CAPACITY,
        batch: BATCH,
        notes: vec![
            Spin::DESCRIPTION.to_string(),
            "queues without a batch API (crossbeam, std) have no row here".to_string(),
        ],
        rows: vec![
            common::harness_baseline(),
            Row::new(
                Kind::Enso,
                "enso spsc chunks",
                "write_chunk(64) + fill_with + commit / read_chunk(64) + iter + release",
                stream_batched::<EnsoSpsc, Spin>,
            ),
            Row::new(
                Kind::Peer,
                "rtrb chunks",
                "write_chunk_uninit(64) + fill_from_iter / read_chunk(all available)",
                stream_batched::<Rtrb, Spin>,
            ),
            Row::new(
                Kind::Peer,
                "disruptor",
                "try_batch_publish(64); handler thread pinned to core 1",
                disruptor_stream_batched::<Spin>,
            ),
        ],
    }
}

/// Producer on core 0 sends `1..=items` one at a time; consumer on core 1
/// sums them.
pub fn stream<Q: Queue, W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let (mut tx, mut rx) = Q::channel(&p.label, p.capacity)?;
    let n = p.items;
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                for v in 1..=n {
                    peers::send::<Q, W>(&mut tx, v);
                }
                0
            }),
            Worker::new(1, move || {
                let mut sum = 0u64;
                for _ in 0..n {
                    sum = sum.wrapping_add(peers::recv::<Q, W>(&mut rx));
                }
                sum
            }),
        ],
    )?;
    common::verified_stream(p, outcome.elapsed, outcome.checksums[1])
}

/// Producer on core 0 writes `1..=items` in batches of `p.batch` in place;
/// consumer on core 1 reads runs of available items in place and sums them.
pub fn stream_batched<Q: BatchQueue, W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    let (mut tx, mut rx) = Q::channel(&p.label, p.capacity)?;
    let (n, batch) = (p.items, p.batch.max(1) as u64);
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                let mut sent = 0u64;
                while sent < n {
                    let k = batch.min(n - sent);
                    while !Q::try_send_batch(&mut tx, sent + 1, k as usize) {
                        W::idle();
                    }
                    sent += k;
                }
                0
            }),
            Worker::new(1, move || {
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
    common::verified_stream(p, outcome.elapsed, outcome.checksums[1])
}

fn disruptor_stream<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    disruptor_run::<W>(p, 1)
}

fn disruptor_stream_batched<W: Wait>(p: &Params) -> Result<Sample, BenchError> {
    disruptor_run::<W>(p, p.batch.max(1) as u64)
}

/// The disruptor's own consumer thread (pinned to core 1) sums the values;
/// the producer on core 0 publishes `1..=items`, `batch` at a time, then
/// drops the producer, which waits for the handler to finish.
fn disruptor_run<W: Wait>(p: &Params, batch: u64) -> Result<Sample, BenchError> {
    let n = p.items;
    let sink = Sink::new();
    let handler = dis::summing_handler(dis::last_sequence(&p.label, n)?, sink.clone());
    let mut producer =
        disruptor::build_single_producer(p.capacity, dis::factory, dis::Strategy::<W>::default())
            .pin_at_core(dis::core(&p.label, 1)?)
            .handle_events_with(handler)
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
            drop(producer);
            0
        })],
    )?;
    common::verified_stream(p, outcome.elapsed, sink.checksum().unwrap_or(0))
}
