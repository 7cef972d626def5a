//! The table printed by default: a header with the machine, then one
//! block per group with each row's median, min-max, and enso's speedup.

use std::fmt::Write as _;

use super::figure;
use crate::machine::Machine;
use crate::results::{GroupResult, RowResult};

/// The whole report as text.
pub fn render(machine: &Machine, runs: usize, quick: bool, groups: &[GroupResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "enso-bench: enso against its peers, same run; median of {runs} runs, min-max{}",
        if quick { " (--quick: short runs)" } else { "" }
    );
    let _ = writeln!(out, "machine: {}", machine.summary());
    let _ = writeln!(
        out,
        "\"enso x\" = how many times faster enso is than the row (>1: enso wins). \
         Absolute figures drift when the machine is busy; compare within a group."
    );
    let pin_failures = crate::pin::failures();
    if pin_failures > 0 {
        let _ = writeln!(
            out,
            "warning: {pin_failures} threads could not be pinned; figures are unpinned"
        );
    }
    let width = groups
        .iter()
        .flat_map(|g| g.rows.iter().map(|r| r.name.len()))
        .chain(["row".len()])
        .max()
        .unwrap_or(3);
    for group in groups {
        render_group(&mut out, group, width);
    }
    out
}

fn render_group(out: &mut String, result: &GroupResult, width: usize) {
    let group = &result.group;
    let _ = writeln!(
        out,
        "\n[{}] {} | {} items/run | {}",
        group.name,
        group.title,
        result.items,
        group.unit.label()
    );
    let _ = writeln!(
        out,
        "  {:<width$}  {:<8}  {:>9}  {:>17}  {:>7}  note",
        "row", "kind", "median", "min-max", "enso x"
    );
    for row in &result.rows {
        render_row(out, row, width);
    }
    match &result.verdict {
        Some(v) => {
            let _ = writeln!(
                out,
                "  => enso vs best peer ({}): {:.2}x",
                v.best_peer, v.enso_speedup
            );
        }
        None => {
            let _ = writeln!(out, "  => no enso row measured in this group yet");
        }
    }
    for note in &group.notes {
        let _ = writeln!(out, "  note: {note}");
    }
}

fn render_row(out: &mut String, row: &RowResult, width: usize) {
    let kind = row.kind.label();
    match &row.outcome {
        Ok(s) => {
            let spread = format!("{}-{}", figure(s.min), figure(s.max));
            let speedup = row
                .enso_speedup
                .map_or_else(|| "-".to_string(), |x| format!("{x:.2}"));
            let _ = writeln!(
                out,
                "  {:<width$}  {kind:<8}  {:>9}  {spread:>17}  {speedup:>7}  {}",
                row.name,
                figure(s.median),
                row.note
            );
        }
        Err(error) => {
            let _ = writeln!(out, "  {:<width$}  {kind:<8}  FAILED: {error}", row.name);
        }
    }
}
