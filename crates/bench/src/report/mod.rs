//! Output: the human table and JSON lines, from the same results.

pub mod json;
pub mod table;

/// A figure with as many decimals as its size deserves.
pub fn figure(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_size() {
        assert_eq!(figure(1234.56), "1235");
        assert_eq!(figure(45.67), "45.7");
        assert_eq!(figure(1.234), "1.23");
    }
}

/// Results to render in the tests of the output formats.
#[cfg(test)]
pub(crate) mod sample {
    use crate::machine::Machine;
    use crate::model::{Group, Items, Kind, Unit};
    use crate::results::{GroupResult, RowResult};
    use crate::stats::Summary;

    /// A machine with fixed fields.
    pub fn machine() -> Machine {
        Machine {
            cpu: "Test CPU".to_string(),
            cores: 2,
            kernel: "6.0".to_string(),
            rustc: "rustc 1.95.0".to_string(),
            date: "2026-01-01 00:00:00 UTC".to_string(),
            load: "0.00 0.00 0.00".to_string(),
        }
    }

    /// One group: an enso row, a peer, and a failed peer.
    pub fn results() -> Vec<GroupResult> {
        let row = |name, kind, outcome| RowResult {
            name,
            kind,
            note: "how",
            outcome,
            enso_speedup: None,
        };
        let group = Group {
            name: "spsc",
            title: "SPSC throughput",
            unit: Unit::MillionsPerSec("msg"),
            items: Items { full: 10, quick: 1 },
            capacity: 8,
            batch: 1,
            notes: vec!["a note".to_string()],
            rows: Vec::new(),
        };
        let rows = vec![
            row("enso spsc", Kind::Enso, Ok(summary(&[300.0, 280.0, 320.0]))),
            row("rtrb", Kind::Peer, Ok(summary(&[150.0]))),
            row(
                "broken",
                Kind::Peer,
                Err("spsc/broken: checksum".to_string()),
            ),
        ];
        vec![GroupResult::new(group, 10, rows)]
    }

    fn summary(figures: &[f64]) -> Summary {
        Summary::of(figures).expect("figures")
    }
}
