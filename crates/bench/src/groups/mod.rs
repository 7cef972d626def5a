//! The registry of benchmark groups: every group the binary knows, in the
//! order the table prints them.
//!
//! To add a group (timers, the O interpreter, the kernel bus, ...): write a
//! module here with `pub fn groups() -> Vec<Group>`, using
//! [`crate::harness::run_team`] for its runs, and add one line to
//! [`REGISTRY`]. The filter, the table, the JSON output and the ratios
//! need nothing more.

pub mod broadcast;
pub mod common;
pub mod kernel;
pub mod mpsc;
pub mod o;
pub mod pingpong;
pub mod sched;
pub mod spsc;
pub mod work;

use crate::model::Group;

/// Every module's groups, in print order.
pub const REGISTRY: &[fn() -> Vec<Group>] = &[
    spsc::groups,
    pingpong::groups,
    broadcast::groups,
    mpsc::groups,
    work::groups,
    sched::groups,
    kernel::groups,
    o::groups,
];

/// Every group of every module.
pub fn all() -> Vec<Group> {
    REGISTRY.iter().flat_map(|groups| groups()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Params};

    #[test]
    fn names_are_unique_and_every_group_has_peers() {
        let groups = all();
        for (i, group) in groups.iter().enumerate() {
            assert!(
                groups[..i].iter().all(|g| g.name != group.name),
                "duplicate group {}",
                group.name
            );
            assert!(
                group.rows.iter().any(|r| r.kind == Kind::Peer),
                "{} has no peer row",
                group.name
            );
        }
    }

    #[test]
    fn every_row_runs_and_its_checksums_hold() {
        for group in all() {
            for row in &group.rows {
                // An odd count leaves a partial batch and an uneven MPSC split.
                let params = Params {
                    items: 2_001,
                    ..group.params(row, true)
                };
                let sample = (row.run)(&params).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(sample.items, 2_001, "{}", params.label);
                assert!(sample.elapsed.as_nanos() > 0, "{}", params.label);
            }
        }
    }
}
