//! Spawn probe: a driver task spawns `N` trivial tasks (default 200000)
//! on its own core, at most 128 in flight, and joins them in order (the
//! kernel-spawn bench's driver). Prints tasks per second. Single core, so
//! `valgrind --tool=callgrind` counts the same instructions every run.
//!
//! ```sh
//! cargo run --release -p enso --example spawn_probe
//! ```

use std::collections::VecDeque;
use std::task::Poll;
use std::time::Instant;

use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, JoinHandle, Kernel, Task};

struct Trivial(u64);
impl Task for Trivial {
    type Output = u64;
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<u64> {
        Poll::Ready(self.0)
    }
}

struct Driver {
    n: u64,
    next: u64,
    sum: u64,
    in_flight: VecDeque<JoinHandle<u64>>,
}

impl Task for Driver {
    type Output = u64;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
        let core = cx.core();
        loop {
            while self.in_flight.len() < 128 && self.next < self.n {
                self.next += 1;
                let h = cx.spawn_on(core, 1, Trivial(self.next)).expect("spawn");
                self.in_flight.push_back(h);
            }
            let Some(oldest) = self.in_flight.front_mut() else {
                return Poll::Ready(self.sum);
            };
            match oldest.poll_join(cx.waker()) {
                Poll::Ready(v) => {
                    self.sum = self.sum.wrapping_add(v.expect("join"));
                    self.in_flight.pop_front();
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

fn main() {
    let n: u64 = std::env::var("N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let cpu = enso::available_cpus()[0];
    let topo = Kernel::builder()
        .core(CoreSpec::bsp("a", cpu).tasks().idle(IdlePolicy::Spin))
        .build()
        .expect("topology");
    let k = Kernel::boot(topo).expect("boot").start().expect("start");
    let h = k.handle().clone();
    let t = Instant::now();
    let driver = Driver {
        n,
        next: 0,
        sum: 0,
        in_flight: VecDeque::with_capacity(128),
    };
    let sum = h
        .spawn_on(CoreIndex(0), 1, driver)
        .expect("spawn")
        .join()
        .expect("join");
    let dt = t.elapsed();
    assert_eq!(sum, n * (n + 1) / 2);
    drop(h);
    k.halt();
    k.join().expect("join");
    println!(
        "spawn + complete + join: {:.2} M tasks/s",
        n as f64 / dt.as_secs_f64() / 1e6
    );
}
