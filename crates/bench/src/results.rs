//! Measured rows and the ratios between them.
//!
//! Every ratio is a speedup of enso: how many times faster the enso row of
//! a group is than another row (above 1: enso wins), whatever the unit's
//! direction. Rows that failed or have no enso row to compare with get no
//! ratio rather than a made-up one.

use serde::Serialize;

use crate::model::{Group, Kind, Unit};
use crate::stats::Summary;

/// One row of a group after its runs.
#[derive(Clone, Debug)]
pub struct RowResult {
    /// Implementation name.
    pub name: &'static str,
    /// Enso, peer, baseline or floor.
    pub kind: Kind,
    /// How it is used.
    pub note: &'static str,
    /// Median and spread of the measured runs, or the error that stopped it.
    pub outcome: Result<Summary, String>,
    /// How many times faster enso is than this row (see the module doc).
    pub enso_speedup: Option<f64>,
}

/// The best peer of a group, and how enso compares with it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The peer with the best median.
    pub best_peer: &'static str,
    /// How many times faster enso is than that peer.
    pub enso_speedup: f64,
}

/// One group after its runs.
#[derive(Clone, Debug)]
pub struct GroupResult {
    /// The group as registered.
    pub group: Group,
    /// Its rows, in registration order.
    pub rows: Vec<RowResult>,
    /// Items per measured run.
    pub items: u64,
    /// Enso against its best peer, when both were measured.
    pub verdict: Option<Verdict>,
}

impl GroupResult {
    /// Fills in the ratios of `rows` measured for `group`.
    pub fn new(group: Group, items: u64, mut rows: Vec<RowResult>) -> GroupResult {
        let unit = group.unit;
        let enso = median_of(&rows, |r| r.kind == Kind::Enso);
        if let Some(enso) = enso {
            for row in &mut rows {
                row.enso_speedup = row
                    .outcome
                    .as_ref()
                    .ok()
                    .map(|s| unit.speedup(enso, s.median));
            }
        }
        let verdict = enso.and_then(|enso| best_peer(unit, &rows, enso));
        GroupResult {
            group,
            rows,
            items,
            verdict,
        }
    }
}

fn median_of(rows: &[RowResult], pick: impl Fn(&RowResult) -> bool) -> Option<f64> {
    rows.iter()
        .filter(|r| pick(r))
        .find_map(|r| r.outcome.as_ref().ok().map(|s| s.median))
}

fn best_peer(unit: Unit, rows: &[RowResult], enso: f64) -> Option<Verdict> {
    rows.iter()
        .filter(|r| r.kind == Kind::Peer)
        .filter_map(|r| r.outcome.as_ref().ok().map(|s| (r.name, s.median)))
        .max_by(|a, b| unit.speedup(a.1, b.1).total_cmp(&1.0))
        .map(|(name, median)| Verdict {
            best_peer: name,
            enso_speedup: unit.speedup(enso, median),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Items;

    fn row(name: &'static str, kind: Kind, median: f64) -> RowResult {
        RowResult {
            name,
            kind,
            note: "",
            outcome: Summary::of(&[median]).ok_or_else(String::new),
            enso_speedup: None,
        }
    }

    fn group(unit: Unit) -> Group {
        Group {
            name: "g",
            title: "",
            unit,
            items: Items { full: 1, quick: 1 },
            capacity: 1,
            batch: 1,
            notes: Vec::new(),
            rows: Vec::new(),
        }
    }

    #[test]
    fn throughput_ratios() {
        let rows = vec![
            row("base", Kind::Baseline, 1000.0),
            row("enso", Kind::Enso, 300.0),
            row("a", Kind::Peer, 100.0),
            row("b", Kind::Peer, 150.0),
        ];
        let result = GroupResult::new(group(Unit::MillionsPerSec("msg")), 1, rows);
        let verdict = result.verdict.expect("verdict");
        assert_eq!(verdict.best_peer, "b");
        assert_eq!(verdict.enso_speedup, 2.0);
        assert_eq!(result.rows[2].enso_speedup, Some(3.0));
        assert_eq!(result.rows[1].enso_speedup, Some(1.0));
    }

    #[test]
    fn latency_ratios() {
        let rows = vec![
            row("floor", Kind::Floor, 100.0),
            row("enso", Kind::Enso, 200.0),
            row("a", Kind::Peer, 400.0),
            row("b", Kind::Peer, 300.0),
        ];
        let result = GroupResult::new(group(Unit::NanosPer("op")), 1, rows);
        let verdict = result.verdict.expect("verdict");
        assert_eq!(verdict.best_peer, "b");
        assert_eq!(verdict.enso_speedup, 1.5);
        assert_eq!(result.rows[0].enso_speedup, Some(0.5));
    }

    #[test]
    fn no_enso_no_ratios() {
        let rows = vec![row("a", Kind::Peer, 1.0)];
        let result = GroupResult::new(group(Unit::NanosPer("op")), 1, rows);
        assert_eq!(result.verdict, None);
        assert_eq!(result.rows[0].enso_speedup, None);
    }
}
