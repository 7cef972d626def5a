//! Response times of periodic real-time jobs: two tasks (T = 1 ms and
//! 2 ms) on one AP core under EDF, for each idle policy, then with a
//! background task busy on the same core. Prints the kernel's own statistics (TSC
//! timed): jobs, misses, overruns, longest poll and response percentiles.
//!
//! ```sh
//! cargo run --release -p enso --example rt_response
//! ```

use std::task::Poll;
use std::time::{Duration, Instant};

use enso::{
    Context, CoreIndex, CoreSpec, Dispatch, IdlePolicy, Job, JobPoll, Kernel, PeriodicTask,
    RtParams, Task,
};

/// A job of about `work` of arithmetic.
struct Work(u64);
impl PeriodicTask for Work {
    fn run_job(&mut self, _cx: &mut Context<'_>, job: &Job) -> JobPoll {
        let mut x = job.seq;
        for i in 0..self.0 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
        JobPoll::Done
    }
}

/// Background load: polls of about 20 us, forever.
struct Busy;
impl Task for Busy {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_micros(20) {
            std::hint::spin_loop();
        }
        cx.yield_now();
        Poll::Pending
    }
}

fn run(name: &str, idle: IdlePolicy, busy: bool) {
    let topo = Kernel::builder()
        .core(CoreSpec::bsp("bsp", 0).all().idle(IdlePolicy::Park))
        // Small bus and I/O quanta: with the defaults (256 each, 1 us per
        // event) the admission overhead alone is 612 us and `slow` is
        // refused (`fast` would miss by 12 us).
        .core(
            CoreSpec::ap("rt", 1)
                .all()
                .idle(idle)
                .quanta(32, 32, 64)
                .dispatch(Dispatch::Edf),
        )
        .build()
        .expect("topology");
    let running = Kernel::boot(topo).expect("boot").start().expect("start");
    let h = running.handle().clone();
    let core = CoreIndex(1);
    for (task, period) in [("fast", 1_000_000), ("slow", 2_000_000)] {
        h.spawn_periodic(core, task, RtParams::new(200_000, period), Work(2_000))
            .expect("admitted");
    }
    if busy {
        h.spawn_on(core, 1, Busy).expect("background");
    }
    std::thread::sleep(Duration::from_secs(2));
    println!("{name}:");
    for t in h.tasks() {
        let Some(r) = t.rt else { continue };
        println!(
            "  {:5} jobs {:5} misses {:3} overruns {:3} longest poll {:6} ns  response p50 {:7} p99 {:7} p99.9 {:7} max {:8} ns",
            t.name.unwrap_or_default(),
            r.completed,
            r.deadline_misses,
            r.overruns,
            r.wcet_poll_ns,
            r.response_p50_ns,
            r.response_p99_ns,
            r.response_p999_ns,
            r.response_max_ns
        );
    }
    running.halt();
    running.join().expect("clean shutdown");
}

fn main() {
    run("spin-then-park (50 us)", IdlePolicy::default(), false);
    run("park", IdlePolicy::Park, false);
    run("spin", IdlePolicy::Spin, false);
    run("park, background polls of 20 us", IdlePolicy::Park, true);
}
