//! The JSON task-set format read by `enso-admit`, and its validation.
//!
//! ```json
//! {"policy": "RM" | "DM" | "FP" | "EDF",
//!  "model": "preemptive" | "limited-preemptive",     (optional, default preemptive)
//!  "overhead": 0,                                    (optional, limited-preemptive only)
//!  "tasks": [{"name": "a", "C": 1, "T": 4, "D": 4, "B": 0, "J": 0,
//!             "priority": 1, "poll": 1}]}
//! ```
//!
//! `D` defaults to `T`, `B` and `J` to 0, `poll` (longest poll, the
//! non-preemptive region) to `C`; `priority` is required under `FP` only
//! (a higher number is a higher priority). All times are non-negative
//! integer ticks. Unknown fields, a missing or zero `C` or `T`, a zero `D`,
//! negative or non-integer numbers, a `poll` outside `1..=C`, duplicate or
//! empty names and an empty task list are errors that name the field.

use crate::analysis::Preemption;
use crate::model::Task;
use serde::Deserialize;
use std::collections::HashSet;

/// The scheduling policy asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum PolicyName {
    /// Fixed priority, rate monotonic.
    #[serde(rename = "RM")]
    Rm,
    /// Fixed priority, deadline monotonic.
    #[serde(rename = "DM")]
    Dm,
    /// Fixed priority, explicit priorities.
    #[serde(rename = "FP")]
    Fp,
    /// Earliest deadline first.
    #[serde(rename = "EDF")]
    Edf,
}

/// The preemption model asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
pub enum ModelName {
    /// Preemptive anywhere.
    #[default]
    #[serde(rename = "preemptive")]
    Preemptive,
    /// Preemptive only between polls.
    #[serde(rename = "limited-preemptive")]
    LimitedPreemptive,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    policy: PolicyName,
    #[serde(default)]
    model: ModelName,
    overhead: Option<u64>,
    tasks: Vec<RawTask>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    name: String,
    #[serde(rename = "C")]
    c: u64,
    #[serde(rename = "T")]
    t: u64,
    #[serde(rename = "D")]
    d: Option<u64>,
    #[serde(rename = "B", default)]
    b: u64,
    #[serde(rename = "J", default)]
    j: u64,
    priority: Option<u32>,
    poll: Option<u64>,
}

/// A validated request: what to analyse and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSet {
    /// The policy.
    pub policy: PolicyName,
    /// The preemption model (with its overhead).
    pub preemption: Preemption,
    /// Task names, in input order.
    pub names: Vec<String>,
    /// The tasks, in input order.
    pub tasks: Vec<Task>,
}

/// Parses and validates a task set; the error names the field.
///
/// ```
/// use enso_sched::admit::input::parse;
/// let set = parse(r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": 4}]}"#).unwrap();
/// assert_eq!(set.tasks[0].deadline, 4);
/// let err = parse(r#"{"policy": "RM", "tasks": [{"name": "a", "T": 4}]}"#).unwrap_err();
/// assert!(err.contains("missing field `C`"), "{err}");
/// ```
pub fn parse(text: &str) -> Result<TaskSet, String> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let raw: RawSet = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            format!("input: {}", e.inner())
        } else {
            format!("{path}: {}", e.inner())
        }
    })?;
    de.end().map_err(|e| format!("input: {e}"))?;
    validate(raw)
}

fn validate(raw: RawSet) -> Result<TaskSet, String> {
    if raw.tasks.is_empty() {
        return Err("tasks: the task list is empty".into());
    }
    let preemption = match (raw.model, raw.overhead) {
        (ModelName::Preemptive, Some(_)) => {
            return Err("overhead: only meaningful with \"model\": \"limited-preemptive\"".into());
        }
        (ModelName::Preemptive, None) => Preemption::Preemptive,
        (ModelName::LimitedPreemptive, o) => Preemption::Limited {
            overhead: o.unwrap_or(0),
        },
    };
    let mut seen = HashSet::new();
    let mut names = Vec::with_capacity(raw.tasks.len());
    let mut tasks = Vec::with_capacity(raw.tasks.len());
    for (i, t) in raw.tasks.into_iter().enumerate() {
        let at = |field: &str, why: &str| format!("tasks[{i}].{field}: {why}");
        if t.name.is_empty() {
            return Err(at("name", "must not be empty"));
        }
        if !seen.insert(t.name.clone()) {
            return Err(at("name", &format!("duplicate name {:?}", t.name)));
        }
        if t.c == 0 {
            return Err(at("C", "must be at least 1"));
        }
        if t.t == 0 {
            return Err(at("T", "must be at least 1"));
        }
        let d = t.d.unwrap_or(t.t);
        if d == 0 {
            return Err(at("D", "must be at least 1"));
        }
        let poll = t.poll.unwrap_or(t.c);
        if poll == 0 || poll > t.c {
            return Err(at("poll", "must be in 1..=C"));
        }
        let priority = match (raw.policy, t.priority) {
            (PolicyName::Fp, None) => {
                return Err(at("priority", "required with \"policy\": \"FP\""));
            }
            (_, p) => p.unwrap_or(0),
        };
        tasks.push(Task {
            wcet: t.c,
            period: t.t,
            deadline: d,
            blocking: t.b,
            jitter: t.j,
            priority,
            poll,
        });
        names.push(t.name);
    }
    Ok(TaskSet {
        policy: raw.policy,
        preemption,
        names,
        tasks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        parse(s).unwrap_err()
    }

    #[test]
    fn errors_name_the_field() {
        let e = err(r#"{"policy": "XX", "tasks": []}"#);
        assert!(e.starts_with("policy: unknown variant `XX`"), "{e}");
        let e = err(r#"{"policy": "RM", "tasks": [{"name": "a", "C": -1, "T": 4}]}"#);
        assert!(e.starts_with("tasks[0].C:"), "{e}");
        let e = err(r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1.5, "T": 4}]}"#);
        assert!(e.starts_with("tasks[0].C:"), "{e}");
        let e = err(r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": 4, "X": 1}]}"#);
        assert!(e.contains("unknown field `X`"), "{e}");
        let e = err(r#"{"policy": "FP", "tasks": [{"name": "a", "C": 1, "T": 4}]}"#);
        assert_eq!(e, "tasks[0].priority: required with \"policy\": \"FP\"");
        let e = err(
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": 4}, {"name": "a", "C": 1, "T": 4}]}"#,
        );
        assert_eq!(e, "tasks[1].name: duplicate name \"a\"");
        let e = err(r#"{"policy": "RM", "tasks": [{"name": "a", "C": 0, "T": 4}]}"#);
        assert_eq!(e, "tasks[0].C: must be at least 1");
        let e = err(r#"{"policy": "RM", "tasks": []} x"#);
        assert!(e.starts_with("input:"), "{e}");
    }
}
