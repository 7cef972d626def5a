//! Run-loop overhead probe: one task on one core, one poll per turn.
//!
//! ```sh
//! cargo run --release -p enso --example turn_probe
//! ```

use std::task::Poll;
use std::time::Instant;

use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, Kernel, Task};

/// Yields `n` times.
struct Yield(u64);
impl Task for Yield {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0 -= 1;
        if self.0 == 0 {
            return Poll::Ready(());
        }
        cx.yield_now();
        Poll::Pending
    }
}

/// Wakes itself through its waker `n` times.
struct SelfWake(u64);
impl Task for SelfWake {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0 -= 1;
        if self.0 == 0 {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn main() {
    let cpu = enso::available_cpus()[0];
    let topo = Kernel::builder()
        .core(
            CoreSpec::bsp("a", cpu)
                .tasks()
                .idle(IdlePolicy::Park)
                .quanta(256, 256, 1),
        )
        .build()
        .expect("topology");
    let k = Kernel::boot(topo).expect("boot").start().expect("start");
    let h = k.handle().clone();
    let n = 2_000_000;
    let t = Instant::now();
    h.spawn_on(CoreIndex(0), 1, Yield(n))
        .expect("spawn")
        .join()
        .expect("join");
    println!(
        "yield, one poll per turn: {:.1} ns per turn",
        t.elapsed().as_nanos() as f64 / n as f64
    );
    let t = Instant::now();
    h.spawn_on(CoreIndex(0), 1, SelfWake(n))
        .expect("spawn")
        .join()
        .expect("join");
    println!(
        "self-wake, one poll per turn: {:.1} ns per turn",
        t.elapsed().as_nanos() as f64 / n as f64
    );
    k.halt();
    k.join().expect("join");
}
