//! JSON lines: one object per row, each carrying its group, the ratios
//! and the machine, so every line stands on its own.

use serde::Serialize;

use crate::machine::Machine;
use crate::model::Kind;
use crate::results::{GroupResult, RowResult, Verdict};

/// One row as printed in JSON.
#[derive(Debug, Serialize)]
pub struct JsonRow<'a> {
    /// Group name.
    pub group: &'a str,
    /// What the group measures.
    pub title: &'a str,
    /// Unit of the figures.
    pub unit: String,
    /// True when a larger figure is faster.
    pub higher_is_better: bool,
    /// Items per measured run.
    pub items: u64,
    /// Ring capacity.
    pub capacity: usize,
    /// Batch size (1 when not batched).
    pub batch: usize,
    /// Implementation name.
    pub row: &'a str,
    /// enso, peer, baseline or floor.
    pub kind: Kind,
    /// How the implementation is used.
    pub note: &'a str,
    /// Median figure, absent when the row failed.
    pub median: Option<f64>,
    /// Smallest figure.
    pub min: Option<f64>,
    /// Largest figure.
    pub max: Option<f64>,
    /// Measured runs.
    pub runs: Option<usize>,
    /// How many times faster enso is than this row.
    pub enso_speedup: Option<f64>,
    /// Enso against the best peer of the group.
    pub verdict: Option<&'a Verdict>,
    /// Why the row has no figure.
    pub error: Option<&'a str>,
    /// Where and when.
    pub machine: &'a Machine,
}

/// Every row of `groups` as one JSON object per line.
pub fn render(machine: &Machine, groups: &[GroupResult]) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    for group in groups {
        for row in &group.rows {
            out.push_str(&serde_json::to_string(&json_row(machine, group, row))?);
            out.push('\n');
        }
    }
    Ok(out)
}

fn json_row<'a>(machine: &'a Machine, group: &'a GroupResult, row: &'a RowResult) -> JsonRow<'a> {
    let summary = row.outcome.as_ref().ok();
    JsonRow {
        group: group.group.name,
        title: group.group.title,
        unit: group.group.unit.label(),
        higher_is_better: group.group.unit.higher_is_better(),
        items: group.items,
        capacity: group.group.capacity,
        batch: group.group.batch,
        row: row.name,
        kind: row.kind,
        note: row.note,
        median: summary.map(|s| s.median),
        min: summary.map(|s| s.min),
        max: summary.map(|s| s.max),
        runs: summary.map(|s| s.runs),
        enso_speedup: row.enso_speedup,
        verdict: group.verdict.as_ref(),
        error: row.outcome.as_ref().err().map(String::as_str),
        machine,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn one_json_object_per_row() {
        let text = render(&sample::machine(), &sample::results()).expect("json");
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("valid JSON"))
            .collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["row"], "enso spsc");
        assert_eq!(rows[0]["kind"], "enso");
        assert_eq!(rows[0]["median"], 300.0);
        assert_eq!(rows[1]["enso_speedup"], 2.0);
        assert_eq!(rows[1]["verdict"]["best_peer"], "rtrb");
        assert_eq!(rows[2]["median"], serde_json::Value::Null);
        assert_eq!(rows[2]["error"], "spsc/broken: checksum");
        assert_eq!(rows[2]["machine"]["cpu"], "Test CPU");
    }
}
