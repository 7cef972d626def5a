//! The table printed by default: a header with the machine, then one
//! block per group with each row's median, min-max, and enso's speedup.

use std::fmt::Write as _;

use super::figure;
use crate::machine::Machine;
use crate::model::Kind;
use crate::results::{GroupResult, RowResult};

/// How the figures were taken, for the header.
#[derive(Clone, Debug)]
pub struct Header {
    /// Measured runs per row.
    pub runs: usize,
    /// Whether `--quick` shortened the runs.
    pub quick: bool,
    /// The command line, to reproduce the figures.
    pub command: String,
}

/// The whole report as text.
pub fn render(machine: &Machine, header: &Header, groups: &[GroupResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "enso-bench: enso against its peers, same run; median of {} runs, min-max{}",
        header.runs,
        if header.quick {
            " (--quick: short runs)"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "machine: {}", machine.summary());
    let _ = writeln!(out, "command: {}", header.command);
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
        None if result.rows.iter().any(|r| r.kind == Kind::Enso) => {
            let _ = writeln!(out, "  => no ratio: the enso row or every peer row failed");
        }
        None => {
            let _ = writeln!(out, "  => no enso row in this group yet");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn table_shows_rows_ratios_machine_and_failures() {
        let header = Header {
            runs: 3,
            quick: false,
            command: "enso-bench spsc".to_string(),
        };
        let text = render(&sample::machine(), &header, &sample::results());
        assert!(text.contains("median of 3 runs") && text.contains("command: enso-bench spsc"));
        assert!(text.contains("Test CPU | 2 cores | Linux 6.0 | rustc 1.95.0"));
        assert!(text.contains("[spsc] SPSC throughput | 10 items/run | M msg/s"));
        let enso = text
            .lines()
            .find(|l| l.contains("enso spsc"))
            .expect("enso row");
        assert!(enso.contains("300") && enso.contains("280-320") && enso.contains("1.00"));
        let rtrb = text.lines().find(|l| l.contains("rtrb")).expect("rtrb row");
        assert!(rtrb.contains("150") && rtrb.contains("2.00"));
        assert!(text.contains("=> enso vs best peer (rtrb): 2.00x"));
        assert!(text.contains("FAILED: spsc/broken: checksum"));
        assert!(text.contains("note: a note"));
    }
}
