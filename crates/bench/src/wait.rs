//! How a thread waits when it cannot go on (queue full or empty).
//!
//! Waiting is chosen per group and is the same for every row of the
//! group, the disruptor's included (see [`crate::peers::disruptor`]), so the
//! queue alone makes the difference. Groups that give each thread its own
//! core spin; groups that put more spinning threads than cores yield, so a
//! thread with nothing to do hands its core to the one that has work.

/// One way to wait: `idle` is called once per failed attempt.
pub trait Wait: Copy + Send + Sync + 'static {
    /// Short description for the group notes.
    const DESCRIPTION: &'static str;

    /// Waits one step.
    fn idle();
}

/// Busy spin with the CPU's spin-loop hint (`pause` on x86).
#[derive(Clone, Copy, Debug, Default)]
pub struct Spin;

impl Wait for Spin {
    const DESCRIPTION: &'static str = "every row busy-spins (spin-loop hint) when it cannot go on";

    #[inline(always)]
    fn idle() {
        std::hint::spin_loop();
    }
}

/// Gives the core away (`sched_yield`) on every failed attempt.
#[derive(Clone, Copy, Debug, Default)]
pub struct Yield;

impl Wait for Yield {
    const DESCRIPTION: &'static str = "every row yields (sched_yield) when it cannot go on, so threads sharing a core hand it over";

    #[inline(always)]
    fn idle() {
        std::thread::yield_now();
    }
}
