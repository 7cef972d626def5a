//! Priority select over N rings: [`Select`] takes from the highest-priority
//! non-empty ring (level 0 is the highest). It works over any ring end that
//! implements [`Source`] (`spsc`, `mpsc` and `work` consumers, broadcast
//! subscribers of `Clone` values, and any [`stream`](crate::stream) built on them);
//! [`channel`] builds N MPSC levels with a cloneable [`Producer`].
//!
//! # Protocol
//!
//! `Select` owns no shared state of its own: it polls each level's
//! `try_pop` in priority order, so each ring's own protocol (see its module)
//! is all that orders memory. A message in a higher level is taken first
//! if it is visible when that level is polled; a message that lands in a
//! higher level while a lower level is being polled is taken next time.
//! Blocking [`Select::select`] polls with the select's [`WaitStrategy`];
//! with `Park` it sleeps at most 1 ms between polls (levels have separate
//! doorbells, so nothing wakes it earlier).
//!
//! ```
//! use enso_ring::{Config, priority};
//! let (mut tx, mut select) = priority::channel::<&str>(3, Config::new(8)).unwrap();
//! tx.level(2).unwrap().try_push("low").unwrap();
//! tx.level(0).unwrap().try_push("high").unwrap();
//! assert_eq!(select.try_select(), Ok((0, "high")));
//! assert_eq!(select.try_select(), Ok((2, "low")));
//! ```

use crate::config::{Config, WaitStrategy};
use crate::error::{PopError, RingError};
use crate::mpsc;
use crate::sync::Doorbell;
use crate::wait::Waiter;
use std::fmt;

pub use crate::stream::Source;

/// Takes from the highest-priority non-empty level.
pub struct Select<S> {
    /// Level 0 first.
    levels: Vec<S>,
    wait: WaitStrategy,
    bell: Doorbell,
}

impl<S> fmt::Debug for Select<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("priority::Select")
            .field("levels", &self.levels.len())
            .finish()
    }
}

impl<S: Source> Select<S> {
    /// A select over `levels`, highest priority first. Blocking selects wait
    /// with `SpinThenYield`. An empty list is an error.
    pub fn new(levels: Vec<S>) -> Result<Self, RingError> {
        if levels.is_empty() {
            return Err(RingError::NoLevels);
        }
        Ok(Self {
            levels,
            wait: WaitStrategy::default(),
            bell: Doorbell::default(),
        })
    }

    /// Sets how [`select`](Self::select) waits.
    pub fn wait(mut self, wait: WaitStrategy) -> Self {
        self.wait = wait;
        self
    }

    /// Number of levels.
    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// The ring end of `level`, if it exists.
    pub fn level_mut(&mut self, level: usize) -> Option<&mut S> {
        self.levels.get_mut(level)
    }

    /// Takes from the highest non-empty level without waiting: `(level,
    /// message)`. `Closed` once every level is closed and drained.
    pub fn try_select(&mut self) -> Result<(usize, S::Item), PopError> {
        let mut open = false;
        for (level, source) in self.levels.iter_mut().enumerate() {
            match source.try_pop() {
                Ok(item) => return Ok((level, item)),
                Err(PopError::Empty) => open = true,
                Err(PopError::Closed) => {}
            }
        }
        Err(if open {
            PopError::Empty
        } else {
            PopError::Closed
        })
    }

    /// Takes from the highest non-empty level, waiting until a message
    /// arrives or every level is closed.
    pub fn select(&mut self) -> Result<(usize, S::Item), PopError> {
        let mut waiter = Waiter::new(self.wait);
        loop {
            match self.try_select() {
                Err(PopError::Empty) => {}
                done => return done,
            }
            waiter.wait(&self.bell, || false);
        }
    }
}

/// The writing side of a priority [`channel`]: one MPSC producer per level.
/// `Clone` to add writers.
pub struct Producer<T> {
    levels: Vec<mpsc::Producer<T>>,
}

impl<T> Clone for Producer<T> {
    fn clone(&self) -> Self {
        Self {
            levels: self.levels.clone(),
        }
    }
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("priority::Producer")
            .field("levels", &self.levels.len())
            .finish()
    }
}

impl<T> Producer<T> {
    /// Number of levels.
    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// The producer of `level` (0 is the highest), if it exists.
    pub fn level(&mut self, level: usize) -> Option<&mut mpsc::Producer<T>> {
        self.levels.get_mut(level)
    }
}

/// Builds `levels` MPSC rings, each as `config` says, and a select over
/// them. Zero levels is an error.
pub fn channel<T: Send>(
    levels: usize,
    config: Config,
) -> Result<(Producer<T>, Select<mpsc::Consumer<T>>), RingError> {
    if levels == 0 {
        return Err(RingError::NoLevels);
    }
    let mut producers = Vec::with_capacity(levels);
    let mut consumers = Vec::with_capacity(levels);
    for _ in 0..levels {
        let (tx, rx) = mpsc::with_config(config)?;
        producers.push(tx);
        consumers.push(rx);
    }
    let select = Select::new(consumers)?.wait(config.policy.wait);
    Ok((Producer { levels: producers }, select))
}
