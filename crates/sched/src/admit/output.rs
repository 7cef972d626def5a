//! Rendering an [`Outcome`] as the `--json` document or as a table.

use super::input::{PolicyName, TaskSet};
use super::{Detail, Outcome};
use crate::analysis::edf::EdfFailure;
use crate::analysis::{Excess, Preemption};
use serde::Serialize;
use std::fmt::Write as _;

/// The `--json` document, fields in this order.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// The set is schedulable.
    pub schedulable: bool,
    /// The utilization bounds (`null` where they do not apply).
    pub tests: JsonTests,
    /// Per task, in input order.
    pub tasks: Vec<JsonTask<'a>>,
}

/// The `tests` object of [`JsonReport`].
#[derive(Debug, Serialize)]
pub struct JsonTests {
    /// Liu and Layland bound.
    pub ll_bound: Option<bool>,
    /// Hyperbolic bound.
    pub hyperbolic: Option<bool>,
}

/// One entry of [`JsonReport::tasks`].
#[derive(Debug, Serialize)]
pub struct JsonTask<'a> {
    /// The task's name.
    pub name: &'a str,
    /// Its response time, `null` beyond D, unbounded or under EDF.
    pub response_time: Option<u64>,
    /// It meets its deadlines.
    pub schedulable: bool,
}

/// The `--json` document:
/// `{"schedulable", "tests": {"ll_bound", "hyperbolic"}, "tasks": [{"name", "response_time", "schedulable"}]}`.
pub fn to_json<'a>(set: &'a TaskSet, out: &Outcome) -> JsonReport<'a> {
    JsonReport {
        schedulable: out.schedulable,
        tests: JsonTests {
            ll_bound: out.ll_bound,
            hyperbolic: out.hyperbolic,
        },
        tasks: set
            .names
            .iter()
            .zip(&out.tasks)
            .map(|(name, t)| JsonTask {
                name,
                response_time: t.response_time,
                schedulable: t.schedulable,
            })
            .collect(),
    }
}

/// A readable table with the verdict and, on rejection, who fails by how much.
pub fn to_table(set: &TaskSet, out: &Outcome) -> String {
    let mut s = String::new();
    let policy = match set.policy {
        PolicyName::Rm => "RM (rate monotonic)",
        PolicyName::Dm => "DM (deadline monotonic)",
        PolicyName::Fp => "FP (explicit priorities)",
        PolicyName::Edf => "EDF",
    };
    let model = match set.preemption {
        Preemption::Preemptive => "preemptive".to_string(),
        Preemption::Limited { overhead } => format!("limited-preemptive, overhead {overhead}"),
    };
    let u: f64 = set
        .tasks
        .iter()
        .map(|t| t.wcet as f64 / t.period as f64)
        .sum();
    let _ = writeln!(
        s,
        "policy {policy}, {model}; {} tasks, U = {u:.4}",
        set.tasks.len()
    );
    let bound = |b: Option<bool>| match b {
        Some(true) => "pass",
        Some(false) => "fail",
        None => "n/a",
    };
    let _ = writeln!(
        s,
        "Liu-Layland bound: {}   hyperbolic bound: {}",
        bound(out.ll_bound),
        bound(out.hyperbolic)
    );
    let name_w = set.names.iter().map(|n| n.len()).max().unwrap_or(4).max(4);
    let _ = writeln!(
        s,
        "{:<name_w$} {:>8} {:>8} {:>8} {:>6} {:>6} {:>8} {:>8} {:>10}  ok",
        "task", "C", "T", "D", "B", "J", "prio", "blocking", "R"
    );
    for (i, (t, o)) in set.tasks.iter().zip(&out.tasks).enumerate() {
        let (blocking, r) = match &out.detail {
            Detail::Fp(rep) => {
                let tr = rep.tasks[i];
                let r = tr
                    .response
                    .map_or_else(|| "unbounded".to_string(), |r| r.to_string());
                (tr.blocking.to_string(), r)
            }
            Detail::Edf(_) => ("-".to_string(), "-".to_string()),
        };
        let prio = match set.policy {
            PolicyName::Fp => t.priority.to_string(),
            _ => "-".to_string(),
        };
        let _ = writeln!(
            s,
            "{:<name_w$} {:>8} {:>8} {:>8} {:>6} {:>6} {:>8} {:>8} {:>10}  {}",
            set.names[i],
            t.wcet,
            t.period,
            t.deadline,
            t.blocking,
            t.jitter,
            prio,
            blocking,
            r,
            if o.schedulable { "yes" } else { "NO" }
        );
    }
    let _ = writeln!(s, "{}", verdict(set, out));
    s
}

fn verdict(set: &TaskSet, out: &Outcome) -> String {
    if out.schedulable {
        return "verdict: schedulable".into();
    }
    match &out.detail {
        Detail::Fp(rep) => match rep.rejection {
            Some(r) => {
                let name = &set.names[r.task];
                let d = set.tasks[r.task].deadline;
                match r.excess {
                    Excess::By(by) => format!(
                        "verdict: NOT schedulable: task {name:?} misses its deadline by {by} (R = {} > D = {d})",
                        d + by
                    ),
                    Excess::Unbounded => format!(
                        "verdict: NOT schedulable: task {name:?} has an unbounded response time (utilization at its priority level >= 1)"
                    ),
                }
            }
            None => "verdict: NOT schedulable".into(),
        },
        Detail::Edf(rep) => match rep.failure {
            Some(EdfFailure::Overload) => "verdict: NOT schedulable: utilization exceeds 1".into(),
            Some(EdfFailure::Demand { at, demand, task }) => format!(
                "verdict: NOT schedulable: demand {demand} > {at} in an interval of length {at} (a deadline of task {:?}); over by {}",
                set.names[task],
                demand - at
            ),
            None => "verdict: NOT schedulable".into(),
        },
    }
}
