//! Runs the rows of a group: one warm-up run, then the measured runs,
//! summarised by their median and spread.

use crate::model::{Group, Row};
use crate::results::{GroupResult, RowResult};
use crate::stats::Summary;

/// How to run the groups.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Measured runs per row.
    pub runs: usize,
    /// Use the short item counts.
    pub quick: bool,
}

/// Measures every row of `group`, reporting progress on stderr.
pub fn group(group: Group, plan: Plan) -> GroupResult {
    let rows = group.rows.iter().map(|r| row(&group, r, plan)).collect();
    let items = if plan.quick {
        group.items.quick
    } else {
        group.items.full
    };
    GroupResult::new(group, items, rows)
}

fn row(group: &Group, row: &Row, plan: Plan) -> RowResult {
    let params = group.params(row, plan.quick);
    eprintln!("enso-bench: measuring {} ...", params.label);
    let warm_up = crate::model::Params {
        items: group.items.quick.min(params.items),
        ..params.clone()
    };
    let outcome = (row.run)(&warm_up).and_then(|_| {
        (0..plan.runs.max(1))
            .map(|_| (row.run)(&params).map(|s| group.unit.figure(s.items, s.elapsed)))
            .collect::<Result<Vec<f64>, _>>()
    });
    RowResult {
        name: row.name,
        kind: row.kind,
        note: row.note,
        outcome: outcome.map_err(|e| e.to_string()).and_then(|figures| {
            Summary::of(&figures).ok_or_else(|| format!("{}: no usable figure", params.label))
        }),
        enso_speedup: None,
    }
}
