//! The admission analyses of a 100-task core, repeated, for profilers
//! (the task set of enso-bench's `admit-*` groups):
//!
//! ```text
//! cargo build --release -p enso-sched --example admit_profile
//! valgrind --tool=callgrind target/release/examples/admit_profile fp 100
//! ```
//!
//! Arguments: `fp`, `lp` or `edf`, then the number of analyses.

use enso_sched::analysis::analyze;
use enso_sched::{Policy, Preemption, Priorities, Task};
use std::hint::black_box;

const PERIODS: [u64; 6] = [1_000, 2_000, 4_000, 5_000, 10_000, 20_000];

fn tasks(case: &str) -> Vec<Task> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut draw = |n: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % n
    };
    let edf = case == "edf";
    (0..100)
        .map(|i| {
            let period = PERIODS[i % PERIODS.len()];
            let permille = if edf { 4 + draw(7) } else { 2 + draw(9) };
            let wcet = (period * permille / 1_000).max(1);
            let slack = if edf { draw(6) } else { draw(4) };
            let mut t = Task::new(wcet, period).with_deadline(period - period * slack / 10);
            match case {
                "fp" => {
                    if i % 3 == 0 {
                        t = t.with_blocking(10);
                    }
                    if i % 4 == 1 {
                        t = t.with_jitter(draw(period / 100 + 1));
                    }
                }
                "lp" => t = t.with_poll((wcet / 4).max(1)),
                _ => {}
            }
            t
        })
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "fp".into());
    let runs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let set = tasks(&case);
    let (policy, preemption) = match case.as_str() {
        "edf" => (Policy::Edf, Preemption::Preemptive),
        "lp" => (
            Policy::FixedPriority(Priorities::DeadlineMonotonic),
            Preemption::Limited { overhead: 5 },
        ),
        _ => (
            Policy::FixedPriority(Priorities::DeadlineMonotonic),
            Preemption::Preemptive,
        ),
    };
    let mut schedulable = 0u64;
    for _ in 0..runs {
        match analyze(black_box(&set), policy, preemption) {
            Ok(v) => schedulable += u64::from(v.schedulable()),
            Err(e) => {
                eprintln!("admit_profile: {e}");
                std::process::exit(2);
            }
        }
    }
    println!("{schedulable} of {runs} analyses schedulable");
}
