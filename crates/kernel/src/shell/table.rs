//! Listings as O values, and tables printed as aligned columns.
//!
//! A *table* is a list of dictionaries with the same symbol keys (one per
//! row). [`show`] prints a table as columns under a header and anything
//! else in O's own printed form.

use std::sync::Arc;

use enso_o::Value;

use super::state::Shell;
use crate::{IdlePolicy, KernelHandle, Role, TaskState};

/// A row: keys and values.
fn row(cells: Vec<(&str, Value)>) -> Value {
    let (k, v): (Vec<_>, Vec<_>) = cells.into_iter().unzip();
    Value::dict(
        Value::syms(k.into_iter().map(Arc::from).collect()),
        Value::list(v),
    )
}

fn table(rows: Vec<Value>) -> Value {
    Value::list(rows)
}

fn s(x: &str) -> Value {
    Value::sym(x)
}

fn i(x: u64) -> Value {
    Value::Int(i64::try_from(x).unwrap_or(i64::MAX))
}

fn f(x: f64, digits: i32) -> Value {
    let p = 10f64.powi(digits);
    Value::Float((x * p).round() / p)
}

/// The cores: placement, reactors, quanta, idle policy and counters.
pub fn cores(h: &KernelHandle) -> Value {
    table(
        h.cores()
            .into_iter()
            .map(|c| {
                let n = &c.counters;
                let total = (n.busy_ns + n.idle_ns).max(1);
                let mut re = Vec::new();
                if c.reactors.tasks {
                    re.push("tasks");
                }
                if c.reactors.timers {
                    re.push("timers");
                }
                if c.reactors.io {
                    re.push("io");
                }
                let idle = match c.idle {
                    IdlePolicy::Spin => "spin".to_string(),
                    IdlePolicy::Park => "park".to_string(),
                    IdlePolicy::SpinThenPark(d) => format!("spin{}us", d.as_micros()),
                };
                row(vec![
                    ("core", s(&c.name)),
                    ("cpu", i(c.cpu as u64)),
                    ("role", s(if c.role == Role::Bsp { "bsp" } else { "ap" })),
                    ("reactors", Value::str(&re.join(","))),
                    ("idle", s(&idle)),
                    (
                        "quanta",
                        Value::ints(vec![
                            c.quanta.bus as i64,
                            c.quanta.io as i64,
                            c.quanta.tasks as i64,
                        ]),
                    ),
                    ("busy%", f(100.0 * n.busy_ns as f64 / total as f64, 1)),
                    ("polls", i(n.polls)),
                    ("bus_in", i(n.bus_in)),
                    ("bus_out", i(n.bus_out)),
                    ("timers", i(n.timers_fired)),
                    ("parks", i(n.parks)),
                ])
            })
            .collect(),
    )
}

/// The live tasks (gathered from every core: blocking, call off-core).
pub fn tasks(h: &KernelHandle) -> Value {
    tasks_of(h, h.tasks())
}

/// A table of `tasks` (e.g. from a [`crate::ListingRequest`]).
pub fn tasks_of(h: &KernelHandle, tasks: Vec<crate::TaskInfo>) -> Value {
    let cores = h.cores();
    table(
        tasks
            .into_iter()
            .map(|t| {
                let core = cores
                    .get(t.id.core().get())
                    .map_or("?".to_string(), |c| c.name.clone());
                row(vec![
                    ("id", Value::Int(t.id.to_bits() as i64)),
                    ("name", s(t.name.as_deref().unwrap_or("-"))),
                    ("core", s(&core)),
                    ("prio", i(u64::from(t.priority))),
                    (
                        "state",
                        s(match t.state {
                            TaskState::Idle => "idle",
                            TaskState::Ready => "ready",
                        }),
                    ),
                    ("polls", i(t.polls)),
                    ("cpu_ms", f(t.total_ns as f64 / 1e6, 3)),
                    ("max_poll_us", f(t.longest_poll_ns as f64 / 1e3, 1)),
                    ("caps", i(t.capabilities as u64)),
                    ("mail", i(t.mail as u64)),
                    ("rt", Value::str(&rt_summary(t.rt.as_ref()))),
                ])
            })
            .collect(),
    )
}

/// A real-time task's parameters and record, in one cell.
fn rt_summary(rt: Option<&crate::RtInfo>) -> String {
    let Some(r) = rt else {
        return "-".into();
    };
    let ms = |ns: u64| {
        let v = ns as f64 / 1e6;
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v}")
        }
    };
    let p = &r.params;
    format!(
        "{}/{}/{}ms {:?}: {} jobs, {} missed, {} overran",
        ms(p.wcet_ns),
        ms(p.period_ns),
        ms(p.deadline_ns),
        r.dispatch,
        r.completed,
        r.deadline_misses,
        r.overruns
    )
}

/// The live timers (gathered from every core: blocking, call off-core).
pub fn timers(h: &KernelHandle) -> Value {
    timers_of(h, h.timers())
}

/// A table of `timers` (e.g. from a [`crate::ListingRequest`]).
pub fn timers_of(h: &KernelHandle, timers: Vec<crate::TimerInfo>) -> Value {
    let cores = h.cores();
    table(
        timers
            .into_iter()
            .map(|t| {
                let core = cores
                    .get(t.core.get())
                    .map_or("?".to_string(), |c| c.name.clone());
                row(vec![
                    ("core", s(&core)),
                    ("slot", i(u64::from(t.slot))),
                    ("next_ms", f(t.deadline_ns as f64 / 1e6, 3)),
                    ("period_ms", f(t.period_ns as f64 / 1e6, 3)),
                ])
            })
            .collect(),
    )
}

/// The named rings (the kernel's SPSC word rings) and the topics
/// (broadcast rings of words).
pub fn rings(h: &KernelHandle, shell: &Shell) -> Value {
    let none = || Value::Float(f64::NAN);
    let mut rows: Vec<Value> = h
        .rings()
        .into_iter()
        .map(|r| {
            let bp = match shell.policy(&r.name) {
                super::state::Backpressure::Block => "block",
                super::state::Backpressure::Fail => "fail",
            };
            row(vec![
                ("ring", s(&r.name)),
                ("kind", s("spsc")),
                ("capacity", i(r.capacity as u64)),
                ("pushed", i(r.pushed)),
                ("popped", i(r.popped)),
                ("depth", i(r.depth)),
                ("writer", i(u64::from(r.writer_attached))),
                ("readers", i(u64::from(r.reader_attached))),
                ("lagged", i(0)),
                ("backpressure", s(bp)),
                ("sector", s("-")),
            ])
        })
        .collect();
    for t in shell.topics() {
        let (published, received, lagged) = t.counts();
        rows.push(row(vec![
            ("ring", s(&t.name)),
            ("kind", s("broadcast")),
            ("capacity", i(t.capacity as u64)),
            ("pushed", i(published)),
            ("popped", i(received)),
            ("depth", none()),
            ("writer", none()),
            ("readers", i(t.subscribers() as u64)),
            ("lagged", i(lagged)),
            ("backpressure", s(t.mode.name())),
            ("sector", s(t.sector.as_deref().unwrap_or("-"))),
        ]));
    }
    table(rows)
}

/// The metrics tasks keep: counts, rates, values and latency quantiles.
pub fn stats(_h: &KernelHandle, shell: &Shell) -> Value {
    let mut metrics = shell.metrics();
    metrics.sort_by(|a, b| a.name.cmp(&b.name));
    table(
        metrics
            .into_iter()
            .map(|m| {
                let secs = m.since.elapsed().as_secs_f64().max(1e-9);
                let (p50, p99, p999, max, n) = m.latency();
                let us = |ns: u64| {
                    if n == 0 {
                        Value::Float(f64::NAN)
                    } else {
                        f(ns as f64 / 1e3, 1)
                    }
                };
                row(vec![
                    ("metric", s(&m.name)),
                    ("core", s(&m.core)),
                    ("count", i(m.count())),
                    ("per_s", f(m.count() as f64 / secs, 0)),
                    ("value", f(m.value(), 4)),
                    ("p50_us", us(p50)),
                    ("p99_us", us(p99)),
                    ("p999_us", us(p999)),
                    ("max_us", us(max)),
                ])
            })
            .collect(),
    )
}

/// The columns of `v` if it is a table.
fn columns(v: &Value) -> Option<(Vec<String>, Vec<Vec<Value>>)> {
    let Value::List(rows) = v else { return None };
    let mut keys: Option<Vec<String>> = None;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows.iter() {
        let Value::Dict(d) = r else { return None };
        let Value::Syms(k) = &d.keys else { return None };
        let k: Vec<String> = k.iter().map(|s| s.to_string()).collect();
        match &keys {
            None => keys = Some(k),
            Some(prev) if *prev == k => {}
            Some(_) => return None,
        }
        out.push(d.vals.items());
    }
    Some((keys?, out))
}

fn cell(v: &Value) -> String {
    match v {
        Value::Sym(s) => s.to_string(),
        Value::Chars(c) => String::from_utf8_lossy(c).into_owned(),
        Value::Float(x) if x.is_nan() => "-".into(),
        v => v.to_string(),
    }
}

/// Prints a table as aligned columns (numbers right-aligned).
fn format_table(keys: &[String], rows: &[Vec<Value>]) -> String {
    let cells: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    let numeric: Vec<bool> = (0..keys.len())
        .map(|c| {
            rows.iter()
                .all(|r| matches!(r.get(c), Some(Value::Int(_) | Value::Float(_))))
        })
        .collect();
    let width: Vec<usize> = (0..keys.len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r.get(c).map_or(0, |x| x.chars().count()))
                .chain([keys[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |items: &mut dyn Iterator<Item = (usize, &str)>| -> String {
        let parts: Vec<String> = items
            .map(|(c, x)| {
                if numeric[c] {
                    format!("{x:>w$}", w = width[c])
                } else {
                    format!("{x:<w$}", w = width[c])
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = line(&mut keys.iter().enumerate().map(|(c, k)| (c, k.as_str())));
    out.push('\n');
    let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join("  "));
    for r in &cells {
        out.push('\n');
        out.push_str(&line(
            &mut r.iter().enumerate().map(|(c, x)| (c, x.as_str())),
        ));
    }
    out
}

/// A value as the console prints it: tables as columns, the rest as O does.
///
/// ```
/// use enso_o::Interp;
/// let t = Interp::new().eval("(`a`bb!1 2;`a`bb!30 4)").unwrap();
/// assert_eq!(enso::shell::table::show(&t), " a  bb\n--  --\n 1   2\n30   4");
/// ```
pub fn show(v: &Value) -> String {
    match columns(v) {
        Some((k, rows)) if !rows.is_empty() => format_table(&k, &rows),
        _ => v.to_string(),
    }
}

/// Like [`show`], but a string prints as its text (what `print` shows).
pub fn show_raw(v: &Value) -> String {
    match v {
        Value::Chars(c) => String::from_utf8_lossy(c).into_owned(),
        v => show(v),
    }
}
