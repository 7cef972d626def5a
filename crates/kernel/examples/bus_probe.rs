//! Bus round-trip probe: a task on core 0 posts `Message::Sync` to core 1
//! and yields until the answer has been handled, `N` times (default
//! 100000); both cores spin. Prints nanoseconds per round trip, on
//! average and in the fastest block of 1000 (blocks in which a core lost
//! its CPU to another process drop out of the latter). Small
//! enough to run under `valgrind --tool=callgrind` (with `N=20000`).
//!
//! ```sh
//! cargo run --release -p enso --example bus_probe
//! ```

use std::task::Poll;
use std::time::{Duration, Instant};

use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, Kernel, KernelHandle, Message, Task};

struct Pinger {
    handle: KernelHandle,
    n: u64,
    seq: u64,
    t0: Option<Instant>,
    block: Option<Instant>,
    fastest: Duration,
}

/// Round trips per timed block.
const BLOCK: u64 = 1000;

impl Task for Pinger {
    type Output = (Duration, Duration);
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<(Duration, Duration)> {
        let t0 = *self.t0.get_or_insert_with(Instant::now);
        if self.seq > 0 && self.handle.last_sync(CoreIndex(0)) < self.seq {
            cx.yield_now();
            return Poll::Pending;
        }
        if self.seq.is_multiple_of(BLOCK) {
            let now = Instant::now();
            if let Some(b) = self.block.replace(now) {
                self.fastest = self.fastest.min(now - b);
            }
        }
        if self.seq == self.n {
            return Poll::Ready((t0.elapsed(), self.fastest));
        }
        self.seq += 1;
        let m = Message::Sync {
            from: CoreIndex(0),
            seq: self.seq,
            ack: false,
        };
        cx.post(CoreIndex(1), m);
        cx.yield_now();
        Poll::Pending
    }
}

fn main() {
    let n: u64 = std::env::var("N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let cpus = enso::available_cpus();
    let ap = *cpus.get(1).unwrap_or(&cpus[0]);
    let topo = Kernel::builder()
        .core(CoreSpec::bsp("a", cpus[0]).tasks().idle(IdlePolicy::Spin))
        .core(CoreSpec::ap("b", ap).tasks().idle(IdlePolicy::Spin))
        .allow_shared_cpus(true)
        .build()
        .expect("topology");
    let k = Kernel::boot(topo).expect("boot").start().expect("start");
    let h = k.handle().clone();
    let task = Pinger {
        handle: h.clone(),
        n,
        seq: 0,
        t0: None,
        block: None,
        fastest: Duration::MAX,
    };
    let (dt, fastest) = h
        .spawn_on(CoreIndex(0), 1, task)
        .expect("spawn")
        .join()
        .expect("join");
    drop(h);
    k.halt();
    k.join().expect("join");
    println!(
        "bus Sync round trip: {:.0} ns on average, {:.0} ns in the fastest block of {BLOCK}",
        dt.as_nanos() as f64 / n as f64,
        fastest.as_nanos() as f64 / BLOCK as f64
    );
}
