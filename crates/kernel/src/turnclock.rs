//! The clock of a core's loop turns: one `rdtsc` per turn, re-anchored to
//! `Instant` every [`RESYNC_NS`], never ahead of the real clock.
//!
//! Every turn needs "now" (timers, releases, busy and idle time) and the
//! poll clock's reading. `clock_gettime` costs about 40 ns on the 2-vCPU
//! KVM we measure on and `rdtsc` about 14 ns, and a bus round trip is one
//! turn on each core; so with an invariant TSC a turn reads only the TSC
//! and extrapolates from the last anchor, an `Instant` read taken *before*
//! a TSC read (so the anchor is not later than that reading). Ticks are
//! converted with the calibrated factor lowered by 1/1024, more than the
//! calibration's error, so the estimate runs at most a little behind real
//! time and never ahead: a timer is never fired early, at worst about
//! 50 ns late (1/1024 of `RESYNC_NS`) plus the anchor's read gap. Without
//! an invariant TSC every turn reads `Instant`, as before.

use std::time::Instant;

use crate::tsc;

/// Re-anchor to `Instant` when this much time has passed since the last
/// anchor (by the estimate).
pub(crate) const RESYNC_NS: u64 = 50_000;

/// One core's turn clock.
pub(crate) struct TurnClock {
    epoch: Instant,
    /// `Instant` since `epoch` at the anchor, ns.
    anchor_ns: u64,
    /// TSC reading just after the anchor's `Instant` read.
    anchor_tsc: u64,
}

/// A turn's time: ns since the kernel's epoch, and the poll clock's reading.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TurnTime {
    pub(crate) ns: u64,
    pub(crate) tsc: u64,
}

impl TurnClock {
    /// A clock counting from `epoch` (the kernel's boot).
    pub(crate) fn new(epoch: Instant) -> TurnClock {
        let mut c = TurnClock {
            epoch,
            anchor_ns: 0,
            anchor_tsc: 0,
        };
        c.anchor();
        c
    }

    fn anchor(&mut self) -> TurnTime {
        // `Instant` first: the anchor is not later than the TSC reading.
        self.anchor_ns = self.epoch.elapsed().as_nanos() as u64;
        self.anchor_tsc = tsc::now();
        TurnTime {
            ns: self.anchor_ns,
            tsc: self.anchor_tsc,
        }
    }

    /// The time now.
    #[inline]
    pub(crate) fn read(&mut self) -> TurnTime {
        if !tsc::uses_tsc() {
            return self.anchor();
        }
        let t = tsc::now();
        let ticks = t.wrapping_sub(self.anchor_tsc);
        let ns = tsc::ticks_to_ns(ticks);
        // Lowered by 1/1024: never ahead of the real clock.
        let ns = ns - (ns >> 10);
        if ns >= RESYNC_NS {
            return self.anchor();
        }
        TurnTime {
            ns: self.anchor_ns + ns,
            tsc: t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_ahead_of_instant_and_never_backwards() {
        let epoch = Instant::now();
        let mut c = TurnClock::new(epoch);
        let mut last = 0;
        let t0 = Instant::now();
        while t0.elapsed().as_millis() < 20 {
            let r = c.read();
            let real = epoch.elapsed().as_nanos() as u64;
            assert!(r.ns <= real, "turn clock {} ahead of Instant {real}", r.ns);
            assert!(r.ns >= last, "turn clock went back: {} after {last}", r.ns);
            last = r.ns;
        }
        // It keeps up: 20 ms passed, the clock says at least 19 ms.
        assert!(last >= 19_000_000, "{last}");
    }
}
