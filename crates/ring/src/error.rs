//! Errors of every driver. Construction errors name the bad parameter;
//! operation errors hand ownership of the item back.

use std::fmt;

/// A ring could not be built: the parameter named is out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingError {
    /// `capacity` must be a power of two of at least 1.
    CapacityNotPowerOfTwo {
        /// The capacity asked for.
        capacity: usize,
    },
    /// `capacity` exceeds [`MAX_CAPACITY`](crate::MAX_CAPACITY) or the slots would not fit in memory.
    CapacityTooLarge {
        /// The capacity asked for.
        capacity: usize,
    },
    /// `max_subscribers` of a broadcast ring must be at least 1.
    NoSubscriberRoom,
    /// A sector split needs at least one proportion, all non-zero.
    BadProportions,
    /// A priority select needs at least one level.
    NoLevels,
    /// A proportion of a sector split rounds down to no slot at all.
    SectorTooSmall {
        /// Index of the proportion that got no slot.
        index: usize,
    },
    /// This driver does not support the chosen backpressure.
    Unsupported {
        /// What was asked and where to go instead.
        what: &'static str,
    },
}

impl fmt::Display for RingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CapacityNotPowerOfTwo { capacity } => {
                write!(f, "capacity {capacity} is not a power of two >= 1")
            }
            Self::CapacityTooLarge { capacity } => write!(f, "capacity {capacity} is too large"),
            Self::NoSubscriberRoom => write!(f, "max_subscribers must be at least 1"),
            Self::BadProportions => write!(f, "sector split needs non-zero proportions"),
            Self::NoLevels => write!(f, "a priority select needs at least one level"),
            Self::SectorTooSmall { index } => {
                write!(f, "sector share {index} rounds down to zero slots")
            }
            Self::Unsupported { what } => write!(f, "unsupported: {what}"),
        }
    }
}

impl std::error::Error for RingError {}

/// A push did not happen; the item comes back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum PushError<T> {
    /// The ring is full (backpressure `Fail`, or a `try_` call).
    Full(T),
    /// Every consumer is gone.
    Closed(T),
}

impl<T> PushError<T> {
    /// The item that was not pushed.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(v) | Self::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("ring is full"),
            Self::Closed(_) => f.write_str("every consumer is gone"),
        }
    }
}

impl<T> std::error::Error for PushError<T> {}

/// A pop found nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopError {
    /// Nothing to read now; producers are still alive.
    Empty,
    /// Every producer is gone and everything was drained.
    Closed,
}

impl fmt::Display for PopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("ring is empty"),
            Self::Closed => f.write_str("every producer is gone and the ring is drained"),
        }
    }
}

impl std::error::Error for PopError {}

/// A write chunk could not be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkError {
    /// More slots were asked for than the ring has.
    TooLarge {
        /// Slots asked for.
        requested: usize,
        /// The ring's capacity.
        capacity: usize,
    },
    /// Not enough free slots now.
    Full,
    /// Every consumer is gone.
    Closed,
}

impl fmt::Display for ChunkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge {
                requested,
                capacity,
            } => write!(f, "chunk of {requested} exceeds capacity {capacity}"),
            Self::Full => f.write_str("not enough free slots"),
            Self::Closed => f.write_str("every consumer is gone"),
        }
    }
}

impl std::error::Error for ChunkError {}

/// A broadcast publish did not happen (the closure was not run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishError {
    /// The slowest subscriber is a whole ring behind (backpressure `Fail`).
    Full,
    /// No subscriber is attached.
    Closed,
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("slowest subscriber is a ring behind"),
            Self::Closed => f.write_str("no subscriber is attached"),
        }
    }
}

impl std::error::Error for PublishError {}

/// A broadcast read found nothing, or found that messages were lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Nothing new yet; the publisher is alive.
    Empty,
    /// The publisher is gone and everything was read.
    Closed,
    /// Overwrite mode only: this many messages were overwritten before they
    /// were read. The subscriber has already moved to the oldest message
    /// still in the ring; the next read continues from there.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("nothing published yet"),
            Self::Closed => f.write_str("publisher gone and everything read"),
            Self::Lagged(n) => write!(f, "missed {n} overwritten messages"),
        }
    }
}

impl std::error::Error for RecvError {}

/// A subscriber could not join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeError {
    /// All `max_subscribers` places are taken.
    TooMany {
        /// The ring's `max_subscribers`.
        max: usize,
    },
}

impl fmt::Display for SubscribeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooMany { max } => write!(f, "all {max} subscriber places are taken"),
        }
    }
}

impl std::error::Error for SubscribeError {}
