//! The poll clock: the time-stamp counter, calibrated once against `Instant`.
//!
//! On x86_64 with an invariant TSC (`constant_tsc` and `nonstop_tsc` in
//! `/proc/cpuinfo`) a reading is one `rdtsc` (about 20 cycles, no system
//! call); ticks are converted to nanoseconds with a 32.32 fixed-point
//! factor measured at the first boot by spinning 4 rounds of 500 us against
//! [`Instant`] (the TSC is read inside each `Instant` interval, so a
//! preempted round only overestimates; the smallest factor is kept). Elsewhere (or without an invariant TSC) a reading is
//! nanoseconds since a process anchor taken from `Instant`, and the factor
//! is 1. Readings are only ever subtracted, so the two sources are never
//! mixed: the choice is made once, at calibration.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The calibration: which source, and ticks to nanoseconds.
struct Calibration {
    tsc: bool,
    /// Nanoseconds per tick, 32.32 fixed point.
    mult: u64,
    anchor: Instant,
}

static CAL: OnceLock<Calibration> = OnceLock::new();

/// How long each calibration round spins against `Instant`.
const ROUND: Duration = Duration::from_micros(500);

/// Calibration rounds (2 ms in all).
const ROUNDS: usize = 4;

fn calibration() -> &'static Calibration {
    CAL.get_or_init(measure)
}

/// Calibrates the clock (idempotent; the kernel calls it at boot, so the
/// 2 ms spin is never paid on a core's first poll).
pub(crate) fn calibrate() {
    let _ = calibration();
}

/// Whether polls are timed with the TSC (rather than `Instant`).
pub(crate) fn uses_tsc() -> bool {
    calibration().tsc
}

fn invariant_tsc() -> bool {
    cfg!(target_arch = "x86_64")
        && std::fs::read_to_string("/proc/cpuinfo")
            .map(|s| s.contains(" constant_tsc") && s.contains(" nonstop_tsc"))
            .unwrap_or(false)
}

fn measure() -> Calibration {
    let anchor = Instant::now();
    if !invariant_tsc() {
        return Calibration {
            tsc: false,
            mult: 1 << 32,
            anchor,
        };
    }
    // Each round reads the TSC inside the `Instant` interval, so a
    // preemption can only make a round's ns-per-tick too large: the
    // smallest round is the best estimate.
    let mut mult = u64::MAX;
    for _ in 0..ROUNDS {
        let i0 = Instant::now();
        let c0 = rdtsc();
        while i0.elapsed() < ROUND {
            std::hint::spin_loop();
        }
        let c1 = rdtsc();
        let ns = i0.elapsed().as_nanos() as u64;
        let ticks = c1.wrapping_sub(c0).max(1);
        mult = mult.min(((u128::from(ns) << 32) / u128::from(ticks)) as u64);
    }
    Calibration {
        tsc: mult > 0,
        mult: mult.max(1),
        anchor,
    }
}

#[cfg(target_arch = "x86_64")]
fn rdtsc() -> u64 {
    // SAFETY: `rdtsc` has no preconditions on x86_64; it reads a counter.
    #[allow(unused_unsafe)]
    unsafe {
        core::arch::x86_64::_rdtsc()
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn rdtsc() -> u64 {
    0
}

/// A reading of the poll clock, in ticks (subtract two, then [`ticks_to_ns`]).
#[inline]
pub(crate) fn now() -> u64 {
    let c = calibration();
    if c.tsc {
        rdtsc()
    } else {
        c.anchor.elapsed().as_nanos() as u64
    }
}

/// Converts a tick difference to nanoseconds.
#[inline]
pub(crate) fn ticks_to_ns(ticks: u64) -> u64 {
    ((u128::from(ticks) * u128::from(calibration().mult)) >> 32) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_sleep_within_reason() {
        let t0 = now();
        std::thread::sleep(Duration::from_millis(20));
        let ns = ticks_to_ns(now().wrapping_sub(t0));
        // A sleep never ends early; a loaded machine may oversleep a lot.
        assert!(ns >= 19_000_000, "{ns} ns for a 20 ms sleep");
        assert!(ns < 2_000_000_000, "{ns} ns for a 20 ms sleep");
    }
}
