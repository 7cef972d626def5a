//! Per-ring policy: capacity, what a full ring does (backpressure) and how a
//! blocked side waits (wait strategy). Validated once, before anything is
//! allocated.

use crate::error::RingError;

/// The largest capacity any ring accepts (2^28 slots).
pub const MAX_CAPACITY: usize = 1 << 28;

/// What a blocking `push`/`publish` does when the ring is full.
///
/// The `try_` operations never wait, whatever the backpressure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backpressure {
    /// Return at once with the item in the error (`Err(Full(item))`).
    Fail,
    /// Wait for the slowest consumer, using the ring's [`WaitStrategy`].
    #[default]
    Block,
    /// Broadcast only (`broadcast::lossy`): overwrite the oldest message; a
    /// lagging subscriber is told how many it missed.
    Overwrite,
}

/// How a blocked side waits. The ring itself always answers at once; the
/// strategy only decides what happens between two attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitStrategy {
    /// Spin with a CPU pause hint; lowest latency, burns the core.
    BusySpin,
    /// Spin briefly, then `yield_now` between attempts (default). Safe on an
    /// oversubscribed machine.
    #[default]
    SpinThenYield,
    /// Spin, yield, then sleep on the ring's doorbell until the other side
    /// makes progress (bounded by a 1 ms timeout). Costs the notifying side a
    /// fence per operation, so choose it for rings that are often idle.
    Park,
}

/// Backpressure and wait strategy, without the capacity (used by sectors,
/// whose carves already have one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// What a full ring does.
    pub backpressure: Backpressure,
    /// How a blocked side waits.
    pub wait: WaitStrategy,
}

/// Everything a ring needs to be built.
///
/// ```
/// use enso_ring::{Backpressure, Config, WaitStrategy};
/// let config = Config::new(1024)
///     .backpressure(Backpressure::Fail)
///     .wait(WaitStrategy::BusySpin);
/// assert_eq!(config.capacity, 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Number of slots; a power of two, at most [`MAX_CAPACITY`].
    pub capacity: usize,
    /// Backpressure and wait strategy.
    pub policy: Policy,
    /// Broadcast only: how many subscribers may be attached at once (the
    /// cursor table is preallocated). Default 16.
    pub max_subscribers: usize,
}

impl Config {
    /// A config with `capacity` slots, `Block` backpressure and
    /// `SpinThenYield` waiting.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            policy: Policy::default(),
            max_subscribers: 16,
        }
    }

    /// Sets the backpressure.
    pub fn backpressure(mut self, backpressure: Backpressure) -> Self {
        self.policy.backpressure = backpressure;
        self
    }

    /// Sets the wait strategy.
    pub fn wait(mut self, wait: WaitStrategy) -> Self {
        self.policy.wait = wait;
        self
    }

    /// Sets the broadcast subscriber table size.
    pub fn max_subscribers(mut self, max: usize) -> Self {
        self.max_subscribers = max;
        self
    }
}

/// Checks that `capacity` is a power of two within [`MAX_CAPACITY`].
pub(crate) fn check_capacity(capacity: usize) -> Result<(), RingError> {
    if !capacity.is_power_of_two() {
        return Err(RingError::CapacityNotPowerOfTwo { capacity });
    }
    if capacity > MAX_CAPACITY {
        return Err(RingError::CapacityTooLarge { capacity });
    }
    Ok(())
}
