//! Deterministic cost of `ReadyQueue::pop` (and `TimerWheel` insert +
//! cancel) for instruction counting and disassembly:
//!
//! ```text
//! cargo build --release -p enso-sched --example ready_pop
//! valgrind --tool=callgrind --callgrind-out-file=cg.out target/release/examples/ready_pop 256 1000
//! callgrind_annotate cg.out | grep -E 'drain|fill|insert_cancel'
//! objdump -d --no-show-raw-insn target/release/examples/ready_pop | less   # find `drain`
//! ```
//!
//! Arguments: entries per fill (default 256), rounds (default 1000),
//! distinct levels (default 256: levels of one or two entries; 1: one
//! deep level). Each round pushes that many entries at pseudo-random
//! levels (`fill`), then pops them all, most urgent first (`drain`);
//! `insert_cancel` arms and cancels as many timers. The three are
//! `#[inline(never)]` so the profile gives each one's instructions;
//! divide by entries x rounds. The drains are also timed (wall clock,
//! printed as ns per pop): a rough figure, enso-bench is the reference.

use enso_sched::{ReadyQueue, TimerHandle, TimerWheel};
use std::hint::black_box;

fn next_level(x: &mut u64, levels: u64) -> u8 {
    *x = x
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    ((*x >> 56) % levels) as u8
}

#[inline(never)]
fn fill(q: &mut ReadyQueue<u64>, n: u64, x: &mut u64, levels: u64) {
    for v in 0..n {
        if q.push(next_level(x, levels), v).is_err() {
            return;
        }
    }
}

#[inline(never)]
fn drain(q: &mut ReadyQueue<u64>) -> u64 {
    let mut sum = 0u64;
    while let Some((_, v)) = q.pop() {
        sum = sum.wrapping_add(v);
    }
    sum
}

#[inline(never)]
fn insert_cancel(w: &mut TimerWheel<u64>, handles: &mut Vec<TimerHandle>, n: u64) -> u64 {
    handles.clear();
    for v in 0..n {
        let deadline = 1 + (v.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 44);
        match w.insert(deadline, v) {
            Ok(h) => handles.push(h),
            Err(_) => return 0,
        }
    }
    handles
        .iter()
        .fold(0u64, |s, &h| s.wrapping_add(w.cancel(h).unwrap_or(0)))
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let n = args.next().and_then(Result::ok).unwrap_or(256);
    let rounds = args.next().and_then(Result::ok).unwrap_or(1000);
    let levels = args
        .next()
        .and_then(Result::ok)
        .unwrap_or(256)
        .clamp(1, 256);
    let (Ok(mut q), Ok(mut w)) = (
        ReadyQueue::with_capacity(n as usize),
        TimerWheel::with_capacity(n as usize),
    ) else {
        eprintln!("ready_pop: entries must be 1..2^32-1");
        std::process::exit(2);
    };
    let mut handles = Vec::with_capacity(n as usize);
    let mut x = 7u64;
    let mut sum = 0u64;
    let mut drains = std::time::Duration::ZERO;
    for _ in 0..rounds {
        fill(&mut q, n, &mut x, levels);
        let start = std::time::Instant::now();
        sum = sum.wrapping_add(drain(&mut q));
        drains += start.elapsed();
        sum = sum.wrapping_add(insert_cancel(&mut w, &mut handles, n));
    }
    let expected = (n * n.saturating_sub(1)).wrapping_mul(rounds);
    let per_pop = drains.as_secs_f64() * 1e9 / (n * rounds).max(1) as f64;
    println!("checksum {sum} (expected {expected}); drain {per_pop:.2} ns/pop");
    black_box(sum);
}
