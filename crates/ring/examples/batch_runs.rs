//! How the consumer of an SPSC ring takes batches: two threads move 20M
//! `u64` in chunks of 64 (`write_chunk` / `read_chunk(64)`), and the probe
//! prints the throughput and the average run `read_chunk` returned. A
//! consumer that reads a batch while the producer is still stamping it
//! takes it in short runs and the lines bounce between the cores; chunk
//! commits stamp their first position last so that it takes whole ones
//! (see the `spsc` module doc). rtrb's chunks run beside it for scale.
//!
//! ```text
//! cargo run --release -p enso-ring --example batch_runs
//! ```
//!
//! Threads are not pinned (the ring crate has no affinity dependency); on
//! an idle 2-core machine the two land on different cores. `enso-bench
//! spsc-batch` is the pinned measurement.

use std::time::Instant;

const N: u64 = 20_000_000;
const BATCH: usize = 64;

/// Throughput in M/s and the average run the consumer took.
struct Probe {
    mps: f64,
    run: f64,
}

fn enso() -> Probe {
    let (mut tx, mut rx) = enso_ring::spsc::channel::<u64>(4096).expect("capacity");
    let producer = std::thread::spawn(move || {
        let mut next = 0;
        while next < N {
            let n = BATCH.min((N - next) as usize);
            match tx.write_chunk(n) {
                Ok(mut chunk) => {
                    chunk.fill_with(|i| next + i as u64);
                    next += chunk.commit() as u64;
                }
                Err(_) => std::hint::spin_loop(),
            }
        }
    });
    let start = Instant::now();
    let (mut got, mut runs, mut sum) = (0u64, 0u64, 0u64);
    while got < N {
        match rx.read_chunk(BATCH) {
            Ok(run) => {
                run.iter().for_each(|&v| sum = sum.wrapping_add(v));
                got += run.len() as u64;
                runs += 1;
            }
            Err(_) => std::hint::spin_loop(),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    producer.join().expect("producer");
    assert_eq!(sum, N * (N - 1) / 2, "lost or duplicated items");
    Probe {
        mps: N as f64 / secs / 1e6,
        run: N as f64 / runs as f64,
    }
}

fn rtrb() -> Probe {
    let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(4096);
    let producer = std::thread::spawn(move || {
        let mut next = 0;
        while next < N {
            let n = BATCH.min((N - next) as usize);
            match tx.write_chunk_uninit(n) {
                Ok(chunk) => next += chunk.fill_from_iter(next..next + n as u64) as u64,
                Err(_) => std::hint::spin_loop(),
            }
        }
    });
    let start = Instant::now();
    let (mut got, mut runs, mut sum) = (0u64, 0u64, 0u64);
    while got < N {
        let Ok(chunk) = rx.read_chunk(rx.slots().max(1)) else {
            std::hint::spin_loop();
            continue;
        };
        let (a, b) = chunk.as_slices();
        a.iter().chain(b).for_each(|&v| sum = sum.wrapping_add(v));
        got += chunk.len() as u64;
        runs += 1;
        chunk.commit_all();
    }
    let secs = start.elapsed().as_secs_f64();
    producer.join().expect("producer");
    assert_eq!(sum, N * (N - 1) / 2, "lost or duplicated items");
    Probe {
        mps: N as f64 / secs / 1e6,
        run: N as f64 / runs as f64,
    }
}

fn main() {
    for _ in 0..5 {
        let (e, r) = (enso(), rtrb());
        println!(
            "enso spsc chunks {:7.1} M/s, runs of {:5.1} | rtrb chunks {:7.1} M/s, runs of {:6.1}",
            e.mps, e.run, r.mps, r.run
        );
    }
}
