//! Steady-state real-time work allocates nothing: job releases, dispatch
//! (fixed priority on one core, EDF on the other), timed polls and the
//! response-time histogram, counted by a global allocator. (One test in
//! this binary, so no other test allocates during the window.)

mod common;
mod counting;
mod rt;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use enso::{CoreIndex, CoreSpec, Dispatch, IdlePolicy, Kernel, OverrunPolicy, RtParams};
use rt::*;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

#[test]
fn steady_state_release_poll_and_record_allocate_nothing() {
    let idle = IdlePolicy::SpinThenPark(Duration::from_micros(20));
    let k = common::start(
        Kernel::builder()
            .core(CoreSpec::bsp("c0", 0).all().idle(idle))
            .core(
                CoreSpec::ap("c1", 1)
                    .all()
                    .idle(idle)
                    .dispatch(Dispatch::Edf),
            ),
    );
    let h = k.handle().clone();
    let fp = Arc::new(AtomicU64::new(0));
    let edf = Arc::new(AtomicU64::new(0));
    for (core, jobs) in [(0u8, &fp), (1, &edf)] {
        for (i, period) in [4 * MS, 6 * MS].into_iter().enumerate() {
            h.spawn_periodic(
                CoreIndex(core),
                &format!("t{core}{i}"),
                // A job preempted by the OS past C would overrun: skipping
                // allocates nothing (logging to captured stderr might).
                RtParams::new(MS, period)
                    .priority(100 + i as u8)
                    .on_overrun(OverrunPolicy::SkipNext),
                rt::Counting::new(jobs),
            )
            .unwrap();
        }
    }
    // Warm-up: every path (release, both queues, completion) has run.
    wait_until("warm-up", || {
        fp.load(Ordering::Relaxed) >= 40 && edf.load(Ordering::Relaxed) >= 40
    });
    let n = if cfg!(debug_assertions) { 200 } else { 1_000 };
    let (f0, e0) = (fp.load(Ordering::Relaxed), edf.load(Ordering::Relaxed));
    let before = counting::allocations();
    while fp.load(Ordering::Relaxed) < f0 + n || edf.load(Ordering::Relaxed) < e0 + n {
        std::thread::sleep(Duration::from_millis(1));
    }
    let after = counting::allocations();
    let (df, de) = (
        fp.load(Ordering::Relaxed) - f0,
        edf.load(Ordering::Relaxed) - e0,
    );
    assert_eq!(
        after - before,
        0,
        "{} allocations during {df} FP jobs and {de} EDF jobs",
        after - before
    );
    k.halt();
    k.join().unwrap();
}
