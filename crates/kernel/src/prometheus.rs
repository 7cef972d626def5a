//! Statistics as Prometheus text exposition (format 0.0.4), for the status
//! page and scrapers: per core, per task and per ring, plus counters.

use std::fmt::Write;

use crate::handle::KernelHandle;

/// Appends one metric family header.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Escapes a label value (backslash, quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl KernelHandle {
    /// Every core, task, ring and counter statistic in Prometheus text
    /// format. Listing tasks asks each core for a fresh copy (a `Stats`
    /// message), so this is for scrapes, not for a hot loop.
    pub fn prometheus(&self) -> String {
        self.prometheus_of(&self.tasks())
    }

    /// [`KernelHandle::prometheus`] with `tasks` as the task listing.
    pub(crate) fn prometheus_of(&self, tasks: &[crate::TaskInfo]) -> String {
        let mut out = String::new();
        let cores = self.cores();
        type Field = (
            &'static str,
            &'static str,
            &'static str,
            fn(&crate::CoreCounters) -> u64,
        );
        let fields: [Field; 11] = [
            (
                "enso_core_busy_seconds_total",
                "counter",
                "Time in turns that found work.",
                |c| c.busy_ns,
            ),
            (
                "enso_core_idle_seconds_total",
                "counter",
                "Time idle (spinning or parked).",
                |c| c.idle_ns,
            ),
            ("enso_core_turns_total", "counter", "Run-loop turns.", |c| {
                c.turns
            }),
            ("enso_core_polls_total", "counter", "Task polls.", |c| {
                c.polls
            }),
            (
                "enso_core_bus_in_total",
                "counter",
                "Bus messages received.",
                |c| c.bus_in,
            ),
            (
                "enso_core_bus_out_total",
                "counter",
                "Bus messages sent to other cores.",
                |c| c.bus_out,
            ),
            (
                "enso_core_parks_total",
                "counter",
                "Times the core slept on its doorbell.",
                |c| c.parks,
            ),
            (
                "enso_core_timers_fired_total",
                "counter",
                "Timers fired.",
                |c| c.timers_fired,
            ),
            (
                "enso_core_io_events_total",
                "counter",
                "I/O events handled.",
                |c| c.io_events,
            ),
            (
                "enso_core_task_panics_total",
                "counter",
                "Task polls that panicked.",
                |c| c.task_panics,
            ),
            (
                "enso_core_mail_overflow_total",
                "counter",
                "Mail refused by full mailboxes.",
                |c| c.mail_overflow,
            ),
        ];
        for (name, kind, help, get) in fields {
            family(&mut out, name, kind, help);
            for c in &cores {
                let v = get(&c.counters);
                let core = label(&c.name);
                if name.contains("seconds") {
                    let _ = writeln!(out, "{name}{{core=\"{core}\"}} {}", v as f64 / 1e9);
                } else {
                    let _ = writeln!(out, "{name}{{core=\"{core}\"}} {v}");
                }
            }
        }
        family(
            &mut out,
            "enso_task_polls_total",
            "counter",
            "Polls of a task.",
        );
        for t in tasks {
            let _ = writeln!(
                out,
                "enso_task_polls_total{{{}}} {}",
                task_labels(t),
                t.polls
            );
        }
        family(
            &mut out,
            "enso_task_longest_poll_seconds",
            "gauge",
            "Longest poll of a task.",
        );
        for t in tasks {
            let _ = writeln!(
                out,
                "enso_task_longest_poll_seconds{{{}}} {}",
                task_labels(t),
                t.longest_poll_ns as f64 / 1e9
            );
        }
        family(
            &mut out,
            "enso_task_poll_seconds_total",
            "counter",
            "Total poll time of a task.",
        );
        for t in tasks {
            let _ = writeln!(
                out,
                "enso_task_poll_seconds_total{{{}}} {}",
                task_labels(t),
                t.total_ns as f64 / 1e9
            );
        }
        rt_metrics(&mut out, tasks);
        let rings = self.rings();
        family(
            &mut out,
            "enso_ring_pushed_total",
            "counter",
            "Words pushed into a ring.",
        );
        for r in &rings {
            let _ = writeln!(
                out,
                "enso_ring_pushed_total{{ring=\"{}\"}} {}",
                label(&r.name),
                r.pushed
            );
        }
        family(
            &mut out,
            "enso_ring_depth",
            "gauge",
            "Words waiting in a ring.",
        );
        for r in &rings {
            let _ = writeln!(
                out,
                "enso_ring_depth{{ring=\"{}\"}} {}",
                label(&r.name),
                r.depth
            );
        }
        family(&mut out, "enso_counter", "gauge", "A named kernel counter.");
        for (n, v) in self.counters() {
            let _ = writeln!(out, "enso_counter{{name=\"{}\"}} {v}", label(&n));
        }
        out
    }
}

/// Per real-time task: jobs, misses, overruns, observed WCET and response
/// quantiles (a summary), plus which clock timed the polls.
fn rt_metrics(out: &mut String, tasks: &[crate::TaskInfo]) {
    family(
        out,
        "enso_poll_clock_tsc",
        "gauge",
        "1 if polls are timed with the TSC, 0 if with the OS clock.",
    );
    let _ = writeln!(
        out,
        "enso_poll_clock_tsc {}",
        u8::from(crate::tsc::uses_tsc())
    );
    type Field = (
        &'static str,
        &'static str,
        &'static str,
        fn(&crate::RtInfo) -> u64,
    );
    let fields: [Field; 8] = [
        ("enso_rt_released_total", "counter", "Jobs released.", |r| {
            r.released
        }),
        (
            "enso_rt_completed_total",
            "counter",
            "Jobs completed.",
            |r| r.completed,
        ),
        (
            "enso_rt_skipped_total",
            "counter",
            "Releases skipped after an overrun.",
            |r| r.skipped,
        ),
        (
            "enso_rt_deadline_misses_total",
            "counter",
            "Jobs completed after their deadline.",
            |r| r.deadline_misses,
        ),
        (
            "enso_rt_overruns_total",
            "counter",
            "Jobs that exceeded their budget C.",
            |r| r.overruns,
        ),
        (
            "enso_rt_wcet_poll_seconds",
            "gauge",
            "Longest observed poll.",
            |r| r.wcet_poll_ns,
        ),
        (
            "enso_rt_wcet_job_seconds",
            "gauge",
            "Longest observed job execution.",
            |r| r.wcet_job_ns,
        ),
        (
            "enso_rt_demoted",
            "gauge",
            "1 once an overrun demoted the task to the background.",
            |r| u64::from(r.demoted),
        ),
    ];
    for (name, kind, help, get) in fields {
        family(out, name, kind, help);
        for t in tasks {
            let Some(r) = &t.rt else { continue };
            let v = get(r);
            if name.contains("seconds") {
                let _ = writeln!(out, "{name}{{{}}} {}", task_labels(t), v as f64 / 1e9);
            } else {
                let _ = writeln!(out, "{name}{{{}}} {v}", task_labels(t));
            }
        }
    }
    family(
        out,
        "enso_rt_response_seconds",
        "summary",
        "Job response time, nominal release to completion.",
    );
    for t in tasks {
        let Some(r) = &t.rt else { continue };
        for (q, v) in [
            ("0.5", r.response_p50_ns),
            ("0.99", r.response_p99_ns),
            ("0.999", r.response_p999_ns),
            ("1", r.response_max_ns),
        ] {
            let _ = writeln!(
                out,
                "enso_rt_response_seconds{{{},quantile=\"{q}\"}} {}",
                task_labels(t),
                v as f64 / 1e9
            );
        }
        let _ = writeln!(
            out,
            "enso_rt_response_seconds_count{{{}}} {}",
            task_labels(t),
            r.completed
        );
    }
}

fn task_labels(t: &crate::TaskInfo) -> String {
    let name = t.name.as_deref().map(label).unwrap_or_default();
    format!(
        "task=\"{}.{}\",core=\"{}\",name=\"{name}\"",
        t.id.core().0,
        t.id.slot(),
        t.id.core().0
    )
}
