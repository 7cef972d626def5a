//! Topics: named broadcast rings of words for O tasks (`enso_ring::broadcast`).
//!
//! A topic is declared in a boot script (`topic`, or `sector` for several
//! topics carved from one preallocated region by proportion, the seeds'
//! `split`). Every O task that `sub`s a topic gets its own subscriber and
//! sees every word published after it joined; any O task may `pub` (the
//! publisher stays with the topic, behind a lock taken once per `pub`, so
//! publishing tasks take turns). Backpressure:
//!
//! - `block`: a `pub` into a full topic suspends the O task until the
//!   slowest subscriber makes room;
//! - `fail`: a `pub` publishes what fits and returns the count;
//! - `overwrite` (`enso_ring::broadcast::lossy`): a `pub` never waits; a
//!   subscriber that fell a ring behind skips to the oldest word still
//!   there, and the words it missed are counted (`lagged` in `rings[]`).
//!
//! With no subscriber a `pub` succeeds and the words reach nobody, as a
//! broadcast does.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use enso_ring::broadcast::{self, lossy};
use enso_ring::sector::Carve;
use enso_ring::{Config, PublishError, RecvError, RingError};

/// What a `pub` does when a topic is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopicMode {
    /// Wait for the slowest subscriber.
    Block,
    /// Publish what fits.
    Fail,
    /// Overwrite the oldest word; laggards skip ahead.
    Overwrite,
}

impl TopicMode {
    /// The boot-script name.
    pub fn name(self) -> &'static str {
        match self {
            TopicMode::Block => "block",
            TopicMode::Fail => "fail",
            TopicMode::Overwrite => "overwrite",
        }
    }
}

enum Publisher {
    Strict(broadcast::Publisher<u64>),
    Lossy(lossy::Publisher<u64>),
}

/// One task's subscription.
pub(crate) enum TopicSub {
    Strict(broadcast::Subscriber<u64>),
    Lossy(lossy::Subscriber<u64>),
}

/// What a `pub` achieved.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Published {
    /// Every word went in (or reached nobody: no subscriber).
    All,
    /// The topic is full; the rest is still in the queue.
    Full,
}

/// A named broadcast ring of words.
pub struct Topic {
    /// Name.
    pub name: String,
    /// Slots.
    pub capacity: usize,
    /// Backpressure.
    pub mode: TopicMode,
    /// The sector it was carved from, if any.
    pub sector: Option<String>,
    publisher: Mutex<Publisher>,
    published: AtomicU64,
    received: AtomicU64,
    lagged: AtomicU64,
}

impl std::fmt::Debug for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Topic")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Topic {
    /// A topic of `capacity` words (a power of two).
    pub fn new(name: &str, capacity: usize, mode: TopicMode) -> Result<Topic, RingError> {
        let publisher = match mode {
            TopicMode::Overwrite => Publisher::Lossy(lossy::channel::<u64>(capacity)?.0),
            m => Publisher::Strict(broadcast::with_config(config(capacity, m), || 0)?.0),
        };
        Ok(Topic::with(name, capacity, mode, None, publisher))
    }

    /// A topic on a sector's carve (`block` or `fail`).
    pub fn on_carve(
        name: &str,
        carve: Carve<u64>,
        mode: TopicMode,
        sector: &str,
    ) -> Result<Topic, RingError> {
        if mode == TopicMode::Overwrite {
            return Err(RingError::Unsupported {
                what: "a sector topic with overwrite backpressure",
            });
        }
        let capacity = carve.capacity();
        let (p, _) = carve.broadcast(config(capacity, mode), || 0)?;
        Ok(Topic::with(
            name,
            capacity,
            mode,
            Some(sector.to_string()),
            Publisher::Strict(p),
        ))
    }

    fn with(
        name: &str,
        capacity: usize,
        mode: TopicMode,
        sector: Option<String>,
        publisher: Publisher,
    ) -> Topic {
        Topic {
            name: name.to_string(),
            capacity,
            mode,
            sector,
            publisher: Mutex::new(publisher),
            published: AtomicU64::new(0),
            received: AtomicU64::new(0),
            lagged: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Publisher> {
        self.publisher.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new subscriber, or `None` when the topic has no room for one more.
    pub(crate) fn join(&self) -> Option<TopicSub> {
        match &*self.lock() {
            Publisher::Strict(p) => p.subscribe().ok().map(TopicSub::Strict),
            Publisher::Lossy(p) => Some(TopicSub::Lossy(p.subscribe())),
        }
    }

    /// Subscribers attached now.
    pub fn subscribers(&self) -> usize {
        match &*self.lock() {
            Publisher::Strict(p) => p.subscribers(),
            Publisher::Lossy(p) => p.subscribers(),
        }
    }

    /// Words published, received (summed over subscribers) and missed by
    /// lagging subscribers.
    pub fn counts(&self) -> (u64, u64, u64) {
        // Relaxed: statistics.
        (
            self.published.load(Ordering::Relaxed),
            self.received.load(Ordering::Relaxed),
            self.lagged.load(Ordering::Relaxed),
        )
    }

    /// Publishes words from the front of `rest`.
    pub(crate) fn publish(&self, rest: &mut VecDeque<u64>) -> Published {
        let mut p = self.lock();
        let mut n = 0;
        let mut out = Published::All;
        while let Some(&w) = rest.front() {
            let r = match &mut *p {
                Publisher::Strict(p) => p.try_publish(|s| *s = w),
                Publisher::Lossy(p) => p.publish(|s| *s = w),
            };
            match r {
                Ok(()) => n += 1,
                Err(PublishError::Closed) => {}
                Err(PublishError::Full) => {
                    out = Published::Full;
                    break;
                }
            }
            rest.pop_front();
        }
        self.published.fetch_add(n, Ordering::Relaxed);
        out
    }

    /// Takes up to `n` words from `sub` (at least one if any is there).
    pub(crate) fn take(&self, sub: &mut TopicSub, n: usize) -> Vec<u64> {
        let mut got = Vec::new();
        while got.len() < n.max(1) {
            let r = match sub {
                TopicSub::Strict(s) => s.try_read_with(|w| *w),
                TopicSub::Lossy(s) => s.try_recv(),
            };
            match r {
                Ok(w) => got.push(w),
                Err(RecvError::Lagged(k)) => {
                    self.lagged.fetch_add(k, Ordering::Relaxed);
                }
                Err(RecvError::Empty | RecvError::Closed) => break,
            }
        }
        self.received.fetch_add(got.len() as u64, Ordering::Relaxed);
        got
    }
}

fn config(capacity: usize, mode: TopicMode) -> Config {
    let bp = match mode {
        TopicMode::Fail => enso_ring::Backpressure::Fail,
        _ => enso_ring::Backpressure::Block,
    };
    Config::new(capacity).backpressure(bp).max_subscribers(64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subscriber_sees_every_word() {
        let t = Topic::new("t", 8, TopicMode::Block).unwrap();
        let mut q: VecDeque<u64> = (1..=3).collect();
        assert_eq!(
            t.publish(&mut q),
            Published::All,
            "no subscriber: to nobody"
        );
        let (mut a, mut b) = (t.join().unwrap(), t.join().unwrap());
        let mut q: VecDeque<u64> = (1..=10).collect();
        assert_eq!(t.publish(&mut q), Published::Full);
        assert_eq!(q.len(), 2);
        assert_eq!(t.take(&mut a, 100), (1..=8).collect::<Vec<_>>());
        assert_eq!(t.publish(&mut q), Published::Full, "b still holds the ring");
        assert_eq!(t.take(&mut b, 3), vec![1, 2, 3]);
        assert_eq!(t.publish(&mut q), Published::All);
        assert_eq!(t.take(&mut a, 100), vec![9, 10]);
        assert_eq!(t.subscribers(), 2);
    }

    #[test]
    fn overwrite_skips_laggards_and_counts() {
        let t = Topic::new("t", 4, TopicMode::Overwrite).unwrap();
        let mut s = t.join().unwrap();
        let mut q: VecDeque<u64> = (0..10).collect();
        assert_eq!(t.publish(&mut q), Published::All);
        let got = t.take(&mut s, 100);
        assert!(got.len() <= 4 && got.last() == Some(&9), "{got:?}");
        assert!(t.counts().2 >= 6);
    }
}
