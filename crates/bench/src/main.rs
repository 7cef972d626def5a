//! enso-bench: enso measured against its peers in one run.
//!
//! `cargo run --release -p enso-bench` prints one table; `-- --json` prints
//! the same rows as JSON lines; `-- spsc` runs one group (or family);
//! `--runs N` sets the measured runs per row; `--quick` shortens them.
//!
//! Layout: [`groups`] registers the workloads (one module per group),
//! [`peers`] adapts each queue to one interface, [`wait`] is how every row
//! of a group waits, [`harness`] times a team of threads that [`pin`] puts
//! on their cores, [`model`] says what groups and rows are, [`measure`]
//! repeats runs, [`results`] and [`stats`]
//! turn them into medians and ratios, [`report`] prints them with the
//! [`machine`] they ran on.

mod cli;
mod groups;
mod harness;
mod machine;
mod measure;
mod model;
mod peers;
mod pin;
mod report;
mod results;
mod stats;
mod wait;

use std::process::ExitCode;

use clap::Parser;

use crate::model::Group;

fn main() -> ExitCode {
    let options = cli::Options::parse();
    let selected = match select(groups::all(), &options.filters) {
        Ok(selected) => selected,
        Err(message) => {
            eprintln!("enso-bench: {message}");
            return ExitCode::from(2);
        }
    };
    if options.list {
        print!("{}", list(&selected));
        return ExitCode::SUCCESS;
    }
    let plan = measure::Plan {
        runs: usize::from(options.runs),
        quick: options.quick,
    };
    let machine = machine::Machine::detect();
    let results: Vec<_> = selected
        .into_iter()
        .map(|g| measure::group(g, plan))
        .collect();
    if options.json {
        match report::json::render(&machine, &results) {
            Ok(text) => print!("{text}"),
            Err(error) => {
                eprintln!("enso-bench: cannot write JSON: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        let header = report::table::Header {
            runs: plan.runs,
            quick: plan.quick,
            command: command_line(),
        };
        print!("{}", report::table::render(&machine, &header, &results));
    }
    let failed = results
        .iter()
        .flat_map(|g| &g.rows)
        .filter(|r| r.outcome.is_err())
        .count();
    if failed > 0 {
        eprintln!("enso-bench: {failed} rows failed");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The groups the filters name (all when there are none); an error naming
/// the known groups when a filter matches nothing.
fn select(all: Vec<Group>, filters: &[String]) -> Result<Vec<Group>, String> {
    if let Some(unknown) = filters
        .iter()
        .find(|f| !all.iter().any(|g| g.selected_by(f)))
    {
        let names: Vec<_> = all.iter().map(|g| g.name).collect();
        return Err(format!(
            "no group matches {unknown:?}; groups: {}",
            names.join(", ")
        ));
    }
    Ok(all
        .into_iter()
        .filter(|g| filters.is_empty() || filters.iter().any(|f| g.selected_by(f)))
        .collect())
}

/// How this binary was started, as `cargo run` users would type it.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut command = "cargo run --release -p enso-bench".to_string();
    if !args.is_empty() {
        command.push_str(" -- ");
        command.push_str(&args.join(" "));
    }
    command
}

/// The groups and their rows, one per line.
fn list(groups: &[Group]) -> String {
    let mut out = String::new();
    for group in groups {
        out.push_str(&format!("{}: {}\n", group.name, group.title));
        for row in &group.rows {
            out.push_str(&format!("  {} ({})\n", row.name, row.kind.label()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_select_families_and_reject_unknown_names() {
        let names = |filters: &[&str]| {
            let filters: Vec<String> = filters.iter().map(|f| f.to_string()).collect();
            select(groups::all(), &filters).map(|gs| gs.iter().map(|g| g.name).collect::<Vec<_>>())
        };
        assert_eq!(names(&["spsc"]), Ok(vec!["spsc", "spsc-batch"]));
        assert_eq!(names(&["mpsc"]), Ok(vec!["mpsc", "mpsc-batch"]));
        assert_eq!(names(&["pingpong"]), Ok(vec!["pingpong"]));
        assert_eq!(names(&[]).map(|n| n.len()), Ok(groups::all().len()));
        let err = names(&["nope"]).expect_err("unknown group");
        assert!(err.contains("\"nope\"") && err.contains("pingpong"));
    }
}
