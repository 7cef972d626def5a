//! Waiting between two attempts, according to a [`WaitStrategy`]. Nothing
//! here touches a ring: a driver retries its `try_` operation and calls
//! [`Waiter::wait`] in between.

use crate::config::WaitStrategy;
use crate::sync::{Doorbell, PARK_AFTER, spin_loop, yield_now};
use std::time::Duration;

/// Attempts spent spinning before yielding (SpinThenYield and Park).
const SPIN_STEPS: u32 = PARK_AFTER.0;
/// Attempts spent spinning or yielding before sleeping (Park).
const YIELD_STEPS: u32 = PARK_AFTER.1;
/// Longest sleep on a doorbell; bounds the cost of any missed wake-up.
const PARK_TIMEOUT: Duration = Duration::from_millis(1);

/// The state of one blocked call.
#[derive(Debug)]
pub(crate) struct Waiter {
    strategy: WaitStrategy,
    step: u32,
}

impl Waiter {
    /// A fresh waiter for one blocking call.
    pub(crate) fn new(strategy: WaitStrategy) -> Self {
        Self { strategy, step: 0 }
    }

    /// Waits once. `ready` re-checks the condition when about to sleep.
    pub(crate) fn wait(&mut self, bell: &Doorbell, ready: impl Fn() -> bool) {
        let step = self.step;
        self.step = self.step.saturating_add(1);
        match self.strategy {
            WaitStrategy::BusySpin => spin_loop(),
            WaitStrategy::SpinThenYield if step < SPIN_STEPS => spin_loop(),
            WaitStrategy::SpinThenYield => yield_now(),
            WaitStrategy::Park if step < SPIN_STEPS => spin_loop(),
            WaitStrategy::Park if step < YIELD_STEPS => yield_now(),
            WaitStrategy::Park => bell.sleep_unless(ready, PARK_TIMEOUT),
        }
    }
}
