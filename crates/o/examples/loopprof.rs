//! Runs one O expression (the first argument) once, for profilers:
//! `cargo run --release -p enso-o --example loopprof -- '{x+y}/1+!1000000'`.

fn main() {
    let src = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "{x+y}/1+!1000000".to_string());
    let mut o = enso_o::Interp::new();
    match o.eval(&src) {
        Ok(v) => println!("{v}"),
        Err(e) => eprintln!("{e}"),
    }
}
