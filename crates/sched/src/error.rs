//! Errors shared by the queues and the timers.
//!
//! Every fallible operation has its own error and hands ownership back on
//! failure: a full queue returns the item it refused ([`Full`]), a handle
//! that no longer names a live entry is reported as [`StaleHandle`], never
//! silently applied to whatever reused its slot.

use core::fmt;

/// A push into a full, fixed-capacity structure; the refused item is handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("capacity exhausted")
    }
}

impl<T: fmt::Debug> std::error::Error for Full<T> {}

/// A handle whose entry was already removed, popped, fired or cancelled.
///
/// Handles carry a generation: once the slot they named is reused, they
/// stop matching, so a stale handle is detected instead of touching
/// another entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleHandle;

impl fmt::Display for StaleHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stale handle: the entry was already removed, fired or cancelled")
    }
}

impl std::error::Error for StaleHandle {}

/// A capacity outside `1..=MAX_CAPACITY` asked of a constructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityError {
    /// The capacity that was asked for.
    pub requested: usize,
}

/// The largest capacity of any queue or wheel (indices are 32-bit, one value is reserved).
pub const MAX_CAPACITY: usize = (u32::MAX - 1) as usize;

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "capacity {} out of range 1..={}",
            self.requested, MAX_CAPACITY
        )
    }
}

impl std::error::Error for CapacityError {}

/// Checks a requested capacity and returns it as a slot count.
pub(crate) fn check_capacity(requested: usize) -> Result<u32, CapacityError> {
    if requested == 0 || requested > MAX_CAPACITY {
        return Err(CapacityError { requested });
    }
    u32::try_from(requested).map_err(|_| CapacityError { requested })
}

/// The "no slot" index used by the intrusive lists.
pub(crate) const NIL: u32 = u32::MAX;
