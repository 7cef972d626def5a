//! Named rings of `u64` words, and the registry that holds their free ends.
//!
//! A ring has one write end and one read end. An end is either in the
//! registry (free) or in exactly one task's capability table; a task gets an
//! end at boot (the topology's `writes`/`reads`), by a `Ring` bus message,
//! or by attaching to a free end by name. When the task ends or is told to
//! detach (a `Cursor` message), the end goes back to the registry.
//!
//! Each end counts its own traffic (pushed by the writer, popped by the
//! reader; each counter has a single writer, so a plain store publishes it),
//! which gives depth and throughput to the stats without touching the ring.
//! The words travel in an `enso_ring::spsc` ring; the rings declared at
//! boot share one `enso_ring::sector` allocation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_utils::CachePadded;
use enso_ring::Policy;
use enso_ring::sector::Sector;
use enso_ring::spsc::{Consumer, Producer, channel};

use crate::bus::End;
use crate::stats::RingInfo;

/// A named ring and its free ends.
pub(crate) struct RingEntry {
    pub(crate) name: String,
    pub(crate) capacity: usize,
    writer: Mutex<Option<WordTx>>,
    reader: Mutex<Option<WordRx>>,
    pushed: CachePadded<AtomicU64>,
    popped: CachePadded<AtomicU64>,
}

/// The write end.
pub(crate) struct WordTx {
    q: Producer<u64>,
    entry: Arc<RingEntry>,
    pushed: u64,
}

/// The read end.
pub(crate) struct WordRx {
    q: Consumer<u64>,
    entry: Arc<RingEntry>,
    popped: u64,
}

impl RingEntry {
    /// A new ring with both ends free (`capacity` a power of two).
    pub(crate) fn new(name: &str, capacity: usize) -> Result<Arc<RingEntry>, enso_ring::RingError> {
        let (tx, rx) = channel(capacity)?;
        Ok(RingEntry::with_ends(name, capacity, tx, rx))
    }

    /// The rings declared at boot, carved out of one sector (a single
    /// cache-aligned allocation, each ring on its own lines): `specs` are
    /// names and power-of-two capacities, so each carve is exactly its
    /// ring's capacity.
    pub(crate) fn sector(
        specs: &[(&str, usize)],
    ) -> Result<Vec<Arc<RingEntry>>, enso_ring::RingError> {
        if specs.is_empty() {
            return Ok(Vec::new());
        }
        let caps: Vec<usize> = specs.iter().map(|s| s.1).collect();
        let sector = Sector::<u64>::new(caps.iter().sum(), &caps)?;
        if sector.capacities() != caps {
            // Only powers of two reach here, which carve exactly; anything
            // else gets rings of its own.
            return specs.iter().map(|s| RingEntry::new(s.0, s.1)).collect();
        }
        let mut out = Vec::with_capacity(specs.len());
        for (carve, (name, capacity)) in sector.into_carves().into_iter().zip(specs) {
            let (tx, rx) = carve.spsc(Policy::default())?;
            out.push(RingEntry::with_ends(name, *capacity, tx, rx));
        }
        Ok(out)
    }

    fn with_ends(
        name: &str,
        capacity: usize,
        tx: Producer<u64>,
        rx: Consumer<u64>,
    ) -> Arc<RingEntry> {
        let entry = Arc::new(RingEntry {
            name: name.to_string(),
            capacity,
            writer: Mutex::new(None),
            reader: Mutex::new(None),
            pushed: CachePadded::new(AtomicU64::new(0)),
            popped: CachePadded::new(AtomicU64::new(0)),
        });
        *lock(&entry.writer) = Some(WordTx {
            q: tx,
            entry: entry.clone(),
            pushed: 0,
        });
        *lock(&entry.reader) = Some(WordRx {
            q: rx,
            entry: entry.clone(),
            popped: 0,
        });
        entry
    }

    /// Takes the free write end.
    pub(crate) fn take_writer(&self) -> Option<WordTx> {
        lock(&self.writer).take()
    }

    /// Takes the free read end.
    pub(crate) fn take_reader(&self) -> Option<WordRx> {
        lock(&self.reader).take()
    }

    /// Whether `end` is free.
    pub(crate) fn is_free(&self, end: End) -> bool {
        match end {
            End::Write => lock(&self.writer).is_some(),
            End::Read => lock(&self.reader).is_some(),
        }
    }

    /// Words left in the ring (for the shutdown report).
    pub(crate) fn depth(&self) -> u64 {
        self.pushed
            .load(Ordering::Relaxed)
            .saturating_sub(self.popped.load(Ordering::Relaxed))
    }

    pub(crate) fn info(&self) -> RingInfo {
        let pushed = self.pushed.load(Ordering::Relaxed);
        let popped = self.popped.load(Ordering::Relaxed);
        RingInfo {
            name: self.name.clone(),
            capacity: self.capacity,
            pushed,
            popped,
            depth: pushed.saturating_sub(popped),
            writer_attached: !self.is_free(End::Write),
            reader_attached: !self.is_free(End::Read),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl WordTx {
    /// Pushes a word, or hands it back when the ring is full.
    pub(crate) fn push(&mut self, w: u64) -> Result<(), u64> {
        self.q.try_push(w).map_err(|e| match e {
            enso_ring::PushError::Full(w) | enso_ring::PushError::Closed(w) => w,
        })?;
        self.pushed += 1;
        // Relaxed: a statistic with a single writer (this end).
        self.entry.pushed.store(self.pushed, Ordering::Relaxed);
        Ok(())
    }

    /// Returns the end to the registry.
    pub(crate) fn release(self) {
        let e = self.entry.clone();
        *lock(&e.writer) = Some(self);
    }
}

impl WordRx {
    /// Pops the oldest word.
    pub(crate) fn pop(&mut self) -> Option<u64> {
        let w = self.q.try_pop().ok()?;
        self.popped += 1;
        // Relaxed: a statistic with a single writer (this end).
        self.entry.popped.store(self.popped, Ordering::Relaxed);
        Some(w)
    }

    /// Returns the end to the registry.
    pub(crate) fn release(self) {
        let e = self.entry.clone();
        *lock(&e.reader) = Some(self);
    }
}

#[cfg(test)]
mod tests {
    use super::RingEntry;

    #[test]
    fn boot_rings_share_one_sector_and_keep_their_capacities() {
        let rings = RingEntry::sector(&[("a", 4), ("b", 16), ("c", 8)]).unwrap();
        let caps: Vec<usize> = rings.iter().map(|r| r.capacity).collect();
        assert_eq!(caps, [4, 16, 8]);
        for (i, r) in rings.iter().enumerate() {
            let (mut tx, mut rx) = (r.take_writer().unwrap(), r.take_reader().unwrap());
            for w in 0..r.capacity as u64 {
                tx.push(w * 10 + i as u64).unwrap();
            }
            // Full at its capacity: the carve is exactly that big.
            assert_eq!(tx.push(99), Err(99));
            for w in 0..r.capacity as u64 {
                assert_eq!(rx.pop(), Some(w * 10 + i as u64));
            }
            assert_eq!(rx.pop(), None);
            assert_eq!(r.info().pushed, r.capacity as u64);
            tx.release();
            rx.release();
        }
        assert!(RingEntry::sector(&[]).unwrap().is_empty());
    }
}
