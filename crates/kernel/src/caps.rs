//! A task's object table: the capabilities it holds.
//!
//! A capability is a ring end (write or read) or a counter. A task can only
//! touch objects in its table; every access names the object by id and is
//! refused with a [`CapError`] when the table has no matching entry. The
//! table is released when the task ends, however it ends (completion,
//! panic, kill or halt): ring ends go back to the registry.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crossbeam_utils::CachePadded;

use crate::bus::End;
use crate::error::CapError;
use crate::ids::{CounterId, RingId};
use crate::rings::{WordRx, WordTx};

/// A shared counter object.
pub(crate) type Counter = Arc<CachePadded<AtomicU64>>;

/// One capability.
pub(crate) enum Cap {
    Write(RingId, WordTx),
    Read(RingId, WordRx),
    Counter(CounterId, Counter),
}

/// The object table of one task.
#[derive(Default)]
pub(crate) struct Caps {
    items: Vec<Cap>,
}

impl Caps {
    /// A table with room for `n` entries.
    pub(crate) fn with_capacity(n: usize) -> Caps {
        Caps {
            items: Vec::with_capacity(n),
        }
    }

    /// Adds a capability.
    pub(crate) fn grant(&mut self, cap: Cap) {
        self.items.push(cap);
    }

    /// The write end of `ring`.
    pub(crate) fn writer(&mut self, ring: RingId) -> Result<&mut WordTx, CapError> {
        self.items
            .iter_mut()
            .find_map(|c| match c {
                Cap::Write(r, tx) if *r == ring => Some(tx),
                _ => None,
            })
            .ok_or(CapError::NoWrite(ring))
    }

    /// The read end of `ring`.
    pub(crate) fn reader(&mut self, ring: RingId) -> Result<&mut WordRx, CapError> {
        self.items
            .iter_mut()
            .find_map(|c| match c {
                Cap::Read(r, rx) if *r == ring => Some(rx),
                _ => None,
            })
            .ok_or(CapError::NoRead(ring))
    }

    /// Counter `id`.
    pub(crate) fn counter(&self, id: CounterId) -> Result<&Counter, CapError> {
        self.items
            .iter()
            .find_map(|c| match c {
                Cap::Counter(i, k) if *i == id => Some(k),
                _ => None,
            })
            .ok_or(CapError::NoCounter(id))
    }

    /// Whether the table holds `end` of `ring`.
    pub(crate) fn holds(&self, ring: RingId, end: End) -> bool {
        self.items.iter().any(|c| matches!((c, end), (Cap::Write(r, _), End::Write) | (Cap::Read(r, _), End::Read) if *r == ring))
    }

    /// Gives `end` of `ring` back to the registry; `false` if not held.
    pub(crate) fn release(&mut self, ring: RingId, end: End) -> bool {
        let pos = self.items.iter().position(|c| matches!((c, end), (Cap::Write(r, _), End::Write) | (Cap::Read(r, _), End::Read) if *r == ring));
        match pos {
            Some(i) => {
                release_one(self.items.swap_remove(i));
                true
            }
            None => false,
        }
    }

    /// Releases everything (the task ended).
    pub(crate) fn release_all(&mut self) {
        if self.items.is_empty() {
            // Most tasks hold no capability: no drain to set up and drop.
            return;
        }
        for c in self.items.drain(..) {
            release_one(c);
        }
    }

    /// Entries held.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

fn release_one(c: Cap) {
    match c {
        Cap::Write(_, tx) => tx.release(),
        Cap::Read(_, rx) => rx.release(),
        Cap::Counter(..) => {}
    }
}
