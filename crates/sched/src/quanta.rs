//! The weighted-fair quantum accountant of a core's run loop.
//!
//! Each turn of the run loop serves three sources in a fixed order (bus,
//! I/O, tasks), each for at most its quantum (its weight) of units: bus
//! messages, I/O events, task polls. While all three have work, each
//! source receives exactly its weight per turn, so shares are proportional
//! to the weights; a source with no work forfeits the rest of its quantum
//! for that turn (no credit is banked, so an idle source cannot later burst
//! and starve the others). Weights may be changed at any time (a QoS bus
//! message); a change takes effect at the next [`QuantumAccountant::begin_turn`],
//! never in the middle of a turn. A weight of 0 disables a source.
//!
//! The accountant also counts units served per source and turns, so the
//! achieved shares can be read back as statistics.

use core::fmt;

/// One of the three sources a run loop polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Inter-core bus messages.
    Bus = 0,
    /// I/O readiness events.
    Io = 1,
    /// Task polls.
    Tasks = 2,
}

impl Source {
    /// The three sources in the order a turn serves them.
    pub const ORDER: [Source; 3] = [Source::Bus, Source::Io, Source::Tasks];
}

/// Per-turn quanta (weights) of the three sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quanta {
    /// Bus messages per turn.
    pub bus: u32,
    /// I/O events per turn.
    pub io: u32,
    /// Task polls per turn.
    pub tasks: u32,
}

impl Quanta {
    /// The quantum of one source.
    pub fn of(&self, source: Source) -> u32 {
        match source {
            Source::Bus => self.bus,
            Source::Io => self.io,
            Source::Tasks => self.tasks,
        }
    }
}

/// All three quanta were zero: the run loop would serve nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZeroQuanta;

impl fmt::Display for ZeroQuanta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("quanta: at least one of bus, io, tasks must be non-zero")
    }
}

impl std::error::Error for ZeroQuanta {}

/// Tracks what each source may still take in the current turn.
///
/// ```
/// use enso_sched::{Quanta, QuantumAccountant, Source};
/// let mut acc = QuantumAccountant::new(Quanta { bus: 2, io: 1, tasks: 4 }).unwrap();
/// acc.begin_turn();
/// assert_eq!(acc.remaining(Source::Bus), 2);
/// assert!(acc.try_take(Source::Bus));
/// assert!(acc.try_take(Source::Bus));
/// assert!(!acc.try_take(Source::Bus)); // quantum spent for this turn
/// acc.set_quanta(Quanta { bus: 8, io: 1, tasks: 4 }).unwrap(); // applies next turn
/// assert_eq!(acc.remaining(Source::Bus), 0);
/// acc.begin_turn();
/// assert_eq!(acc.remaining(Source::Bus), 8);
/// ```
#[derive(Debug, Clone)]
pub struct QuantumAccountant {
    quanta: Quanta,
    next: Quanta,
    remaining: [u32; 3],
    served: [u64; 3],
    turns: u64,
}

impl QuantumAccountant {
    /// An accountant with the given quanta; the first turn starts at `begin_turn`.
    pub fn new(quanta: Quanta) -> Result<Self, ZeroQuanta> {
        check(quanta)?;
        Ok(Self {
            quanta,
            next: quanta,
            remaining: [0; 3],
            served: [0; 3],
            turns: 0,
        })
    }

    /// Changes the quanta from the next turn on.
    pub fn set_quanta(&mut self, quanta: Quanta) -> Result<(), ZeroQuanta> {
        check(quanta)?;
        self.next = quanta;
        Ok(())
    }

    /// The quanta of the current turn.
    pub fn quanta(&self) -> Quanta {
        self.quanta
    }

    /// Starts a turn: applies a pending change and refills every quantum.
    #[inline]
    pub fn begin_turn(&mut self) {
        self.quanta = self.next;
        self.remaining = [self.quanta.bus, self.quanta.io, self.quanta.tasks];
        self.turns = self.turns.wrapping_add(1);
    }

    /// Units `source` may still take in this turn.
    #[inline]
    pub fn remaining(&self, source: Source) -> u32 {
        self.remaining[source as usize]
    }

    /// Takes one unit for `source` if its quantum allows; false when spent.
    #[inline]
    pub fn try_take(&mut self, source: Source) -> bool {
        let r = &mut self.remaining[source as usize];
        if *r == 0 {
            return false;
        }
        *r -= 1;
        self.served[source as usize] = self.served[source as usize].wrapping_add(1);
        true
    }

    /// Records `used` units served by `source` in a batch; returns how many
    /// were within the quantum (the rest is refused and not counted).
    #[inline]
    pub fn charge(&mut self, source: Source, used: u32) -> u32 {
        let r = &mut self.remaining[source as usize];
        let granted = used.min(*r);
        *r -= granted;
        self.served[source as usize] = self.served[source as usize].wrapping_add(granted as u64);
        granted
    }

    /// Ends the turn early for `source` (it had no more work): forfeits the rest.
    #[inline]
    pub fn yield_source(&mut self, source: Source) {
        self.remaining[source as usize] = 0;
    }

    /// Total units served by `source` since construction.
    pub fn served(&self, source: Source) -> u64 {
        self.served[source as usize]
    }

    /// Turns begun since construction.
    pub fn turns(&self) -> u64 {
        self.turns
    }
}

fn check(q: Quanta) -> Result<(), ZeroQuanta> {
    if q.bus == 0 && q.io == 0 && q.tasks == 0 {
        Err(ZeroQuanta)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_follow_weights_when_all_sources_are_busy() {
        let mut acc = QuantumAccountant::new(Quanta {
            bus: 1,
            io: 2,
            tasks: 5,
        })
        .unwrap();
        for _ in 0..100 {
            acc.begin_turn();
            for s in Source::ORDER {
                while acc.try_take(s) {}
            }
        }
        assert_eq!(
            [
                acc.served(Source::Bus),
                acc.served(Source::Io),
                acc.served(Source::Tasks)
            ],
            [100, 200, 500]
        );
        assert_eq!(acc.turns(), 100);
    }

    #[test]
    fn idle_sources_bank_nothing_and_charge_caps() {
        let mut acc = QuantumAccountant::new(Quanta {
            bus: 4,
            io: 0,
            tasks: 3,
        })
        .unwrap();
        acc.begin_turn();
        acc.yield_source(Source::Bus);
        assert_eq!(acc.charge(Source::Tasks, 10), 3);
        assert_eq!(acc.charge(Source::Io, 1), 0);
        acc.begin_turn();
        assert_eq!(acc.remaining(Source::Bus), 4);
        assert_eq!(acc.served(Source::Tasks), 3);
        assert_eq!(
            acc.set_quanta(Quanta {
                bus: 0,
                io: 0,
                tasks: 0
            }),
            Err(ZeroQuanta)
        );
    }
}
