//! The `enso` binary.

fn main() {
    println!(
        "enso {}: the kernel is not built yet.",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "What exists today: see README.md (the rings, scheduling policy and the O language are in progress)."
    );
}
