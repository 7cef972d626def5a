//! Rows and workloads shared by several groups.

use std::hint::black_box;

use crate::harness::{self, BenchError, Worker};
use crate::model::{Kind, Params, Row, Sample};

/// The harness baseline for a one-way workload: a producer on core 0
/// generates and checksums every item with no queue, and a consumer on
/// core 1 only takes part in the start line. Its figure is the ceiling the
/// harness allows; every queue row sits below it.
pub fn harness_baseline() -> Row {
    Row::new(
        Kind::Baseline,
        "harness alone",
        "items generated and checksummed, no queue: the measurement's own cost",
        producer_only,
    )
}

fn producer_only(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let outcome = harness::run_team(
        &p.label,
        vec![
            Worker::new(0, move || {
                (1..=n).fold(0u64, |sum, v| sum.wrapping_add(black_box(v)))
            }),
            Worker::new(1, || 0),
        ],
    )?;
    harness::verify(
        &p.label,
        "producer",
        harness::sum_of_range(1, n),
        outcome.checksums[0],
    )?;
    Ok(Sample {
        elapsed: outcome.elapsed,
        items: n,
    })
}

/// The sample of a one-way run of `1..=p.items` whose consumer summed
/// `consumed`, once that sum is verified.
pub fn verified_stream(
    p: &Params,
    elapsed: std::time::Duration,
    consumed: u64,
) -> Result<Sample, BenchError> {
    harness::verify(
        &p.label,
        "consumer",
        harness::sum_of_range(1, p.items),
        consumed,
    )?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}
