//! Rough vector throughput: `+/` over 10M ints and `x*y` over two 10M float
//! vectors, in elements per nanosecond (run with `--release`).
//!
//! `cargo run --release -p enso-o --example vecbench`

use enso_o::Interp;
use std::time::Instant;

fn best(o: &mut Interp, src: &str, reps: usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..reps {
        let t = Instant::now();
        o.eval(src).expect("runs");
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let n = 10_000_000f64;
    let mut o = Interp::new();
    o.eval("i:!10000000;x:1.5*i;y:0.5*i").expect("setup");
    let sum = best(&mut o, "+/i", 5);
    let fsum = best(&mut o, "+/x", 5);
    let mul = best(&mut o, "x*y", 5);
    let add = best(&mut o, "i+i", 5);
    println!("+/ int   {:.2} elements/ns", n / (sum * 1e9));
    println!("+/ float {:.2} elements/ns", n / (fsum * 1e9));
    println!("x*y      {:.2} elements/ns", n / (mul * 1e9));
    println!("i+i      {:.2} elements/ns", n / (add * 1e9));
    let fib = best(&mut o, "fib:{$[x<2;x;fib[x-1]+fib[x-2]]};fib 27", 3);
    println!("fib 27   {:.1} ms", fib * 1e3);
    let lp = best(&mut o, "{x<10000000}{x+1}/0", 1);
    println!("while loop to 10M {:.0} ms", lp * 1e3);
    let fold = best(&mut o, "{x+y}/[0;1+!10000000]", 1);
    println!("fold lambda over 10M {:.0} ms", fold * 1e3);
}
