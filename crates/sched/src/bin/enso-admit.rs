//! `enso-admit`: admission control for one core, from the command line.
//!
//! Reads a task set as JSON from a file or standard input and prints
//! whether it is schedulable, as a table or (`--json`) as JSON. See
//! `enso-admit --help` and the `enso_sched::admit` module docs.

use enso_sched::admit::{evaluate, input, output};
use std::io::{Read, Write};
use std::process::ExitCode;

const HELP: &str = r#"enso-admit: schedulability analysis of a task set on one core

USAGE:
    enso-admit [--json] [FILE]        (FILE omitted or "-": standard input)

INPUT (JSON):
    {"policy": "RM" | "DM" | "FP" | "EDF",
     "model": "preemptive" | "limited-preemptive",   optional, default preemptive
     "overhead": 0,                                  optional, limited-preemptive only
     "tasks": [{"name": "a", "C": 1, "T": 4, "D": 4, "B": 0, "J": 0,
                "priority": 1, "poll": 1}]}
    Integer ticks. C: worst-case execution time, T: period, D: relative
    deadline (default T), B: blocking (default 0), J: release jitter
    (default 0), priority: FP only, higher number = higher priority,
    poll: longest poll = non-preemptive region (default C).
    Unknown fields are rejected.

ANALYSES:
    RM, DM, FP: exact response-time analysis (blocking, jitter, any
      deadline). Response times are measured from the nominal arrival
      and include J. Liu-Layland and hyperbolic bounds, decided in exact
      arithmetic, are reported where they apply (preemptive, rate-monotonic
      priorities, D = T, B = J = 0), null elsewhere.
    EDF: U <= 1 for implicit deadlines, processor demand (QPA) otherwise.
      No response times (null); each task's "schedulable" is the set's.

LIMITED-PREEMPTIVE (what an enso core does):
    A task is never preempted inside one poll. With "limited-preemptive",
    each task's "poll" (default C: one non-preemptive poll per job) is its
    non-preemptive region, and the blocking term of a task becomes
        max(B, longest poll of any lower-priority task) + overhead
    (under EDF: longest poll of any task with a longer deadline), where
    "overhead" is the run loop's bus and I/O time charged once per busy
    period. The analysis checks every job of the busy period
    (Bril et al. 2009, Davis et al. 2007).

OUTPUT:
    A table, or with --json:
    {"schedulable": bool, "tests": {"ll_bound": bool|null, "hyperbolic": bool|null},
     "tasks": [{"name": "a", "response_time": 1 | null, "schedulable": bool}]}
    response_time is null when it exceeds D, is unbounded, or under EDF.

EXIT STATUS:
    0 schedulable, 1 not schedulable, 2 malformed input or usage error
    (the message names the field).
"#;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(msg) => {
            eprintln!("enso-admit: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Ok(schedulable) or a message for exit code 2.
fn run() -> Result<bool, String> {
    let mut json = false;
    let mut file: Option<String> = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-h" | "--help" => {
                let _ = std::io::stdout().lock().write_all(HELP.as_bytes());
                std::process::exit(0);
            }
            "-V" | "--version" => {
                println!("enso-admit {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            "--json" => json = true,
            a if a.starts_with('-') && a != "-" => {
                return Err(format!("unknown option {a:?} (try --help)"));
            }
            a => {
                if file.replace(a.to_string()).is_some() {
                    return Err("more than one input file given".into());
                }
            }
        }
    }
    let text = read_input(file.as_deref())?;
    let set = input::parse(&text)?;
    let out = evaluate(&set).map_err(|e| e.to_string())?;
    let text = if json {
        let doc = serde_json::to_string(&output::to_json(&set, &out))
            .map_err(|e| format!("writing JSON: {e}"))?;
        doc + "\n"
    } else {
        output::to_table(&set, &out)
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| format!("writing output: {e}"))?;
    Ok(out.schedulable)
}

fn read_input(file: Option<&str>) -> Result<String, String> {
    match file {
        None | Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("reading standard input: {e}"))?;
            Ok(s)
        }
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}")),
    }
}
