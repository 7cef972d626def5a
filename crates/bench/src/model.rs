//! What a benchmark is made of: groups of rows, each row one implementation
//! of the same workload, measured in the same unit.
//!
//! A *group* is one workload (for example "SPSC throughput, one at a time")
//! and holds one row per implementation: the enso row, its peers, and the
//! reference rows (a harness baseline, a physical floor). Ratios are only
//! ever taken between rows of one group, because only they ran the same
//! workload side by side.

use std::time::Duration;

use crate::harness::BenchError;

/// What a row stands for; decides how it enters the ratios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The enso implementation: every other row is compared with it.
    Enso,
    /// A peer library: the best one is "the best peer".
    Peer,
    /// The harness alone, with no queue: what the measurement itself costs.
    Baseline,
    /// A physical limit no queue can beat (e.g. one shared cache line).
    Floor,
}

impl Kind {
    /// Short label for the table.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Enso => "enso",
            Kind::Peer => "peer",
            Kind::Baseline => "baseline",
            Kind::Floor => "floor",
        }
    }
}

/// The unit a group reports in, and which direction is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Millions of items per second (higher is better); the text names the item.
    MillionsPerSec(&'static str),
    /// Nanoseconds per operation (lower is better); the text names the operation.
    NanosPer(&'static str),
}

impl Unit {
    /// The figure for `items` operations done in `elapsed`.
    pub fn figure(self, items: u64, elapsed: Duration) -> f64 {
        let secs = elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
        match self {
            Unit::MillionsPerSec(_) => items as f64 / secs / 1e6,
            Unit::NanosPer(_) => secs * 1e9 / (items.max(1) as f64),
        }
    }

    /// True when a larger figure means faster.
    pub fn higher_is_better(self) -> bool {
        matches!(self, Unit::MillionsPerSec(_))
    }

    /// How many times faster `a` is than `b` (above 1: `a` wins).
    pub fn speedup(self, a: f64, b: f64) -> f64 {
        if self.higher_is_better() {
            a / b
        } else {
            b / a
        }
    }

    /// The unit as printed, e.g. "M msg/s" or "ns/round trip".
    pub fn label(self) -> String {
        match self {
            Unit::MillionsPerSec(item) => format!("M {item}/s"),
            Unit::NanosPer(op) => format!("ns/{op}"),
        }
    }
}

/// Sizes a workload runs with; the same for every row of a group.
#[derive(Clone, Debug)]
pub struct Params {
    /// "group/row", for error messages.
    pub label: String,
    /// Items (messages, round trips) per measured run.
    pub items: u64,
    /// Ring capacity in slots.
    pub capacity: usize,
    /// Items per batch, for batched workloads.
    pub batch: usize,
}

/// What one measured run did: `items` operations in `elapsed`, checksums
/// already verified.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Wall-clock time of the timed section.
    pub elapsed: Duration,
    /// Operations completed in that time.
    pub items: u64,
}

/// One measured run of a row's workload.
pub type RunFn = fn(&Params) -> Result<Sample, BenchError>;

/// One implementation of a group's workload.
#[derive(Clone, Debug)]
pub struct Row {
    /// Implementation name, e.g. "rtrb push/pop".
    pub name: &'static str,
    /// Enso, peer, baseline or floor.
    pub kind: Kind,
    /// How it is used, and anything a reader must know about the figure.
    pub note: &'static str,
    /// Runs the workload once and verifies it.
    pub run: RunFn,
}

impl Row {
    /// A row of the given kind.
    pub fn new(kind: Kind, name: &'static str, note: &'static str, run: RunFn) -> Self {
        Row {
            name,
            kind,
            note,
            run,
        }
    }
}

/// How many items a group's runs take, in full and `--quick` mode.
#[derive(Clone, Copy, Debug)]
pub struct Items {
    /// Items per run by default.
    pub full: u64,
    /// Items per run with `--quick`.
    pub quick: u64,
}

/// One workload and every implementation of it.
#[derive(Clone, Debug)]
pub struct Group {
    /// Short name used by the command-line filter, e.g. "spsc".
    pub name: &'static str,
    /// One line saying what is measured.
    pub title: &'static str,
    /// The unit of every row.
    pub unit: Unit,
    /// Items per run.
    pub items: Items,
    /// Ring capacity shared by every row.
    pub capacity: usize,
    /// Batch size shared by every row (1 when not batched).
    pub batch: usize,
    /// Remarks printed under the group (e.g. oversubscription, pending rows).
    pub notes: Vec<String>,
    /// The implementations.
    pub rows: Vec<Row>,
}

impl Group {
    /// The parameters of a run of `row` in this group.
    pub fn params(&self, row: &Row, quick: bool) -> Params {
        Params {
            label: format!("{}/{}", self.name, row.name),
            items: if quick {
                self.items.quick
            } else {
                self.items.full
            },
            capacity: self.capacity,
            batch: self.batch,
        }
    }

    /// True when the command-line filter selects this group: the exact
    /// name, or a family prefix ("spsc" selects "spsc" and "spsc-batch").
    pub fn selected_by(&self, filter: &str) -> bool {
        self.name == filter
            || self
                .name
                .strip_prefix(filter)
                .is_some_and(|rest| rest.starts_with('-'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throughput_and_latency_figures() {
        let second = Duration::from_secs(1);
        assert_eq!(Unit::MillionsPerSec("msg").figure(2_000_000, second), 2.0);
        assert_eq!(Unit::NanosPer("op").figure(1_000, second), 1e6);
    }

    #[test]
    fn speedup_respects_direction() {
        assert_eq!(Unit::MillionsPerSec("msg").speedup(300.0, 100.0), 3.0);
        assert_eq!(Unit::NanosPer("op").speedup(100.0, 300.0), 3.0);
    }

    #[test]
    fn filter_selects_family() {
        let group = |name| Group {
            name,
            title: "",
            unit: Unit::NanosPer("op"),
            items: Items { full: 1, quick: 1 },
            capacity: 1,
            batch: 1,
            notes: Vec::new(),
            rows: Vec::new(),
        };
        assert!(group("spsc").selected_by("spsc"));
        assert!(group("spsc-batch").selected_by("spsc"));
        assert!(group("spsc-batch").selected_by("spsc-batch"));
        assert!(!group("spscx").selected_by("spsc"));
        assert!(!group("mpsc").selected_by("spsc"));
    }
}
