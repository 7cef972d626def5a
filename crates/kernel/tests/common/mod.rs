//! Shared test helpers: a two-core kernel on CPUs 0 and 1.
#![allow(dead_code)]

use std::task::Poll;
use std::time::Duration;

use enso::{Context, CoreSpec, IdlePolicy, Kernel, KernelBuilder, Running, Task};

/// Two cores (BSP on CPU 0, AP on CPU 1), all reactors, parking when idle
/// so tests do not burn the shared CPUs.
pub fn two_cores() -> KernelBuilder {
    let idle = IdlePolicy::SpinThenPark(Duration::from_micros(20));
    Kernel::builder()
        .core(CoreSpec::bsp("c0", 0).all().idle(idle))
        .core(CoreSpec::ap("c1", 1).all().idle(idle))
}

/// Boots and starts a topology.
pub fn start(b: KernelBuilder) -> Running {
    Kernel::boot(b.build().expect("topology"))
        .expect("boot")
        .start()
        .expect("start")
}

/// Finishes at once with `v`.
pub struct Value(pub u64);
impl Task for Value {
    type Output = u64;
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<u64> {
        Poll::Ready(self.0)
    }
}

/// Never finishes; waits for wakes forever.
pub struct Forever;
impl Task for Forever {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Join with a generous timeout so a bug fails the test instead of hanging it.
pub fn join<T>(h: enso::JoinHandle<T>) -> Result<T, enso::JoinError> {
    h.join_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("join timed out"))
}
