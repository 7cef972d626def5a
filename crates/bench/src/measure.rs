//! Runs the rows of a group: one short warm-up run per row, then the
//! measured runs in rounds (every row once per round), so a burst of load
//! from elsewhere on the machine hits all rows alike rather than one.

use crate::model::{Group, Params};
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
    let params: Vec<Params> = group
        .rows
        .iter()
        .map(|row| group.params(row, plan.quick))
        .collect();
    // Per row: the figures so far, or the error that stopped it.
    let mut figures: Vec<Result<Vec<f64>, String>> = group
        .rows
        .iter()
        .zip(&params)
        .map(|(row, p)| {
            eprintln!("enso-bench: warming up {}", p.label);
            let warm_up = Params {
                items: group.items.quick.min(p.items),
                ..p.clone()
            };
            (row.run)(&warm_up)
                .map(|_| Vec::with_capacity(plan.runs))
                .map_err(|e| e.to_string())
        })
        .collect();
    for round in 1..=plan.runs.max(1) {
        eprintln!("enso-bench: {} round {round}/{}", group.name, plan.runs);
        for ((row, p), slot) in group.rows.iter().zip(&params).zip(&mut figures) {
            let Ok(done) = slot else { continue };
            match (row.run)(p) {
                Ok(sample) => done.push(group.unit.figure(sample.items, sample.elapsed)),
                Err(e) => *slot = Err(e.to_string()),
            }
        }
    }
    let rows = group
        .rows
        .iter()
        .zip(&params)
        .zip(figures)
        .map(|((row, p), figures)| RowResult {
            name: row.name,
            kind: row.kind,
            note: row.note,
            outcome: figures.and_then(|f| {
                Summary::of(&f).ok_or_else(|| format!("{}: no usable figure", p.label))
            }),
            enso_speedup: None,
        })
        .collect();
    let items = params.first().map_or(group.items.full, |p| p.items);
    GroupResult::new(group, items, rows)
}
