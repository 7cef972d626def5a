//! Runs one O expression (the first argument) once, for profilers:
//! `cargo run --release -p enso-o --example loopprof -- '{x+y}/1+!1000000'`.
//!
//! Prints the value, and on stderr the time the thread spent on a CPU
//! during the evaluation (from `/proc/thread-self/schedstat`, in ns, when
//! available): on a shared machine that is steadier than wall time.

/// Nanoseconds this thread has run on a CPU, if the kernel says.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() {
    let src = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "{x+y}/1+!1000000".to_string());
    let mut o = enso_o::Interp::new();
    let before = cpu_ns();
    let r = o.eval(&src);
    let after = cpu_ns();
    match r {
        Ok(v) => println!("{v}"),
        Err(e) => eprintln!("{e}"),
    }
    if let (Some(a), Some(b)) = (before, after) {
        eprintln!("cpu {} ns", b.saturating_sub(a));
    }
}
