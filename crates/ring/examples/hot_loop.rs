//! Single-threaded hot loops of the SPSC ring against rtrb, for counting
//! instructions (`valgrind --tool=callgrind`) and reading the assembly.
//! One thread pushes and pops, so the figures are free of cache-line
//! transfers and scheduling noise: they measure the code path alone.
//!
//! ```text
//! cargo build --release -p enso-ring --example hot_loop
//! valgrind --tool=callgrind target/release/examples/hot_loop enso-one 1000000
//! ```
//!
//! Modes: `enso-one`, `rtrb-one` (push then pop, one item at a time, one
//! item in flight), `enso-batch`, `rtrb-batch` (write 64 in place, read the
//! run of 64 in place), `enso-fill`, `rtrb-fill` (one at a time, but filling
//! the ring to 64 before draining it, so the cursors are compared against
//! a moving remote). `enso-partial`: batches of 48 read with
//! `read_chunk(64)`, so every run is sized with the ring only partly ready.
//! `bcast-one`, `bcast-batch`: one broadcast publisher and
//! two subscribers, each message read by both. `mpsc-one`, `mpsc-batch`: one
//! producer of an MPSC ring; `xbeam-one`: crossbeam-channel's bounded
//! channel for comparison. `base` runs the loop with no ring. The checksum
//! is printed so nothing is optimised away.

use std::hint::black_box;

const CAPACITY: usize = 4096;
const BATCH: usize = 64;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "enso-one".to_string());
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let sum = match mode.as_str() {
        "base" => base(n),
        "enso-one" => enso_one(n),
        "rtrb-one" => rtrb_one(n),
        "enso-fill" => enso_fill(n),
        "rtrb-fill" => rtrb_fill(n),
        "enso-batch" => enso_batch(n),
        "rtrb-batch" => rtrb_batch(n),
        "enso-partial" => enso_partial(n),
        "bcast-one" => bcast_one(n),
        "bcast-batch" => bcast_batch(n),
        "mpsc-one" => mpsc_one(n),
        "mpsc-batch" => mpsc_batch(n),
        "xbeam-one" => xbeam_one(n),
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    };
    println!("{mode} {n}: sum {sum}");
}

#[inline(never)]
fn base(n: u64) -> u64 {
    let mut sum = 0u64;
    for v in 1..=n {
        sum = sum.wrapping_add(black_box(v));
    }
    sum
}

#[inline(never)]
fn enso_one(n: u64) -> u64 {
    let (mut tx, mut rx) = enso_ring::spsc::channel::<u64>(CAPACITY).expect("ring");
    let mut sum = 0u64;
    for v in 1..=n {
        if tx.try_push(black_box(v)).is_err() {
            return 0;
        }
        if let Ok(x) = rx.try_pop() {
            sum = sum.wrapping_add(x);
        }
    }
    sum
}

#[inline(never)]
fn rtrb_one(n: u64) -> u64 {
    let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAPACITY);
    let mut sum = 0u64;
    for v in 1..=n {
        if tx.push(black_box(v)).is_err() {
            return 0;
        }
        if let Ok(x) = rx.pop() {
            sum = sum.wrapping_add(x);
        }
    }
    sum
}

#[inline(never)]
fn enso_fill(n: u64) -> u64 {
    let (mut tx, mut rx) = enso_ring::spsc::channel::<u64>(CAPACITY).expect("ring");
    let mut sum = 0u64;
    let mut v = 1u64;
    while v <= n {
        for _ in 0..BATCH {
            if tx.try_push(black_box(v)).is_err() {
                return 0;
            }
            v += 1;
        }
        while let Ok(x) = rx.try_pop() {
            sum = sum.wrapping_add(x);
        }
    }
    sum
}

#[inline(never)]
fn rtrb_fill(n: u64) -> u64 {
    let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAPACITY);
    let mut sum = 0u64;
    let mut v = 1u64;
    while v <= n {
        for _ in 0..BATCH {
            if tx.push(black_box(v)).is_err() {
                return 0;
            }
            v += 1;
        }
        while let Ok(x) = rx.pop() {
            sum = sum.wrapping_add(x);
        }
    }
    sum
}

#[inline(never)]
fn enso_batch(n: u64) -> u64 {
    let (mut tx, mut rx) = enso_ring::spsc::channel::<u64>(CAPACITY).expect("ring");
    let mut sum = 0u64;
    let mut sent = 0u64;
    while sent < n {
        let first = black_box(sent + 1);
        match tx.write_chunk(BATCH) {
            Ok(mut chunk) => {
                chunk.fill_with(|i| first + i as u64);
                chunk.commit();
            }
            Err(_) => return 0,
        }
        sent += BATCH as u64;
        if let Ok(chunk) = rx.read_chunk(BATCH) {
            chunk.iter().for_each(|&x| sum = sum.wrapping_add(x));
            chunk.release();
        }
    }
    sum
}

#[inline(never)]
fn rtrb_batch(n: u64) -> u64 {
    let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAPACITY);
    let mut sum = 0u64;
    let mut sent = 0u64;
    while sent < n {
        let first = black_box(sent + 1);
        match tx.write_chunk_uninit(BATCH) {
            Ok(chunk) => {
                chunk.fill_from_iter(first..first + BATCH as u64);
            }
            Err(_) => return 0,
        }
        sent += BATCH as u64;
        let available = rx.slots();
        if let Ok(chunk) = rx.read_chunk(available) {
            let (a, b) = chunk.as_slices();
            a.iter().chain(b).for_each(|&x| sum = sum.wrapping_add(x));
            chunk.commit_all();
        }
    }
    sum
}

#[inline(never)]
fn bcast_one(n: u64) -> u64 {
    let (mut tx, mut a) = enso_ring::broadcast::channel::<u64>(CAPACITY).expect("ring");
    let mut b = tx.subscribe().expect("subscriber");
    let mut sum = 0u64;
    for v in 1..=n {
        let v = black_box(v);
        if tx.try_publish(|slot| *slot = v).is_err() {
            return 0;
        }
        if let Ok(x) = a.try_read_with(|x| *x) {
            sum = sum.wrapping_add(x);
        }
        if let Ok(x) = b.try_read_with(|x| *x) {
            sum = sum.wrapping_add(x);
        }
    }
    sum
}

#[inline(never)]
fn bcast_batch(n: u64) -> u64 {
    let (mut tx, mut a) = enso_ring::broadcast::channel::<u64>(CAPACITY).expect("ring");
    let mut b = tx.subscribe().expect("subscriber");
    let mut sum = 0u64;
    let mut sent = 0u64;
    while sent < n {
        let first = black_box(sent + 1);
        match tx.write_chunk(BATCH) {
            Ok(mut chunk) => {
                for (i, v) in (first..first + BATCH as u64).enumerate() {
                    if let Some(slot) = chunk.get_mut(i) {
                        *slot = v;
                    }
                }
                chunk.commit();
            }
            Err(_) => return 0,
        }
        sent += BATCH as u64;
        for sub in [&mut a, &mut b] {
            if let Ok(chunk) = sub.read_chunk(BATCH) {
                chunk.iter().for_each(|&x| sum = sum.wrapping_add(x));
                chunk.release();
            }
        }
    }
    sum
}

#[inline(never)]
fn mpsc_one(n: u64) -> u64 {
    let (mut tx, mut rx) = enso_ring::mpsc::channel::<u64>(CAPACITY).expect("ring");
    let mut sum = 0u64;
    for v in 1..=n {
        if tx.try_push(black_box(v)).is_err() {
            return 0;
        }
        if let Ok(x) = rx.try_pop() {
            sum = sum.wrapping_add(x);
        }
    }
    sum
}

#[inline(never)]
fn mpsc_batch(n: u64) -> u64 {
    let (mut tx, mut rx) = enso_ring::mpsc::channel::<u64>(CAPACITY).expect("ring");
    let mut sum = 0u64;
    let mut sent = 0u64;
    while sent < n {
        let first = black_box(sent + 1);
        match tx.write_chunk(BATCH) {
            Ok(mut chunk) => {
                chunk.fill_with(|i| first + i as u64);
                chunk.commit();
            }
            Err(_) => return 0,
        }
        sent += BATCH as u64;
        if let Ok(chunk) = rx.read_chunk(BATCH) {
            chunk.iter().for_each(|&x| sum = sum.wrapping_add(x));
            chunk.release();
        }
    }
    sum
}

#[inline(never)]
fn xbeam_one(n: u64) -> u64 {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(CAPACITY);
    let mut sum = 0u64;
    for v in 1..=n {
        if tx.try_send(black_box(v)).is_err() {
            return 0;
        }
        if let Ok(x) = rx.try_recv() {
            sum = sum.wrapping_add(x);
        }
    }
    sum
}

#[inline(never)]
fn enso_partial(n: u64) -> u64 {
    const PART: usize = 48;
    let (mut tx, mut rx) = enso_ring::spsc::channel::<u64>(CAPACITY).expect("ring");
    let mut sum = 0u64;
    let mut sent = 0u64;
    while sent < n {
        let first = black_box(sent + 1);
        match tx.write_chunk(PART) {
            Ok(mut chunk) => {
                chunk.fill_with(|i| first + i as u64);
                chunk.commit();
            }
            Err(_) => return 0,
        }
        sent += PART as u64;
        if let Ok(chunk) = rx.read_chunk(BATCH) {
            chunk.iter().for_each(|&x| sum = sum.wrapping_add(x));
            chunk.release();
        }
    }
    sum
}
