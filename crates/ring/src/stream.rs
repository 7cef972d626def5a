//! Stream combinators over ring ends (the seeds' "SMP-aware stream
//! combinators"): [`Source`] is anything that can be polled for the next
//! message without waiting; [`map`](Source::map), [`filter`](Source::filter),
//! [`batch`](Source::batch) wrap a source into another source, and
//! [`fold_ready`](Source::fold_ready) folds everything ready now. Nothing
//! allocates: combinators are plain structs, batches live in fixed arrays.
//!
//! Sources: `spsc`, `mpsc` and `work` consumers, and broadcast subscribers
//! for `T: Clone` (each subscriber's stream clones the messages it takes).
//! [`priority::Select`](crate::priority::Select) takes sources too.
//!
//! ```
//! use enso_ring::{spsc, PopError};
//! use enso_ring::stream::Source;
//! let (mut tx, rx) = spsc::channel::<u32>(8).unwrap();
//! for i in 1..=6 {
//!     tx.try_push(i).unwrap();
//! }
//! let mut evens = rx.filter(|v| v % 2 == 0).map(|v| v * 10).batch::<2>();
//! let first = evens.try_pop().unwrap();
//! assert_eq!(first.as_slice(), &[20, 40]);
//! let (sum, end) = evens.fold_ready(0, |acc, batch| acc + batch.iter().sum::<u32>());
//! assert_eq!((sum, end), (60, PopError::Empty));
//! ```

use crate::error::PopError;
use crate::{broadcast, mpsc, spsc, work};
use std::fmt;
use std::mem::MaybeUninit;

/// A ring end polled for its next message without waiting.
pub trait Source {
    /// What the source yields.
    type Item;

    /// The next message, or `Empty` / `Closed`.
    fn try_pop(&mut self) -> Result<Self::Item, PopError>;

    /// Yields `f(message)`.
    fn map<U, F: FnMut(Self::Item) -> U>(self, f: F) -> Map<Self, F>
    where
        Self: Sized,
    {
        Map { source: self, f }
    }

    /// Yields only the messages for which `keep` holds (others are taken and
    /// dropped).
    fn filter<F: FnMut(&Self::Item) -> bool>(self, keep: F) -> Filter<Self, F>
    where
        Self: Sized,
    {
        Filter { source: self, keep }
    }

    /// Yields up to `N` ready messages at a time (at least one).
    fn batch<const N: usize>(self) -> Batch<Self, N>
    where
        Self: Sized,
    {
        Batch { source: self }
    }

    /// Folds every message ready now; returns the result and what stopped
    /// the fold (`Empty` or `Closed`).
    fn fold_ready<A>(&mut self, init: A, mut f: impl FnMut(A, Self::Item) -> A) -> (A, PopError) {
        let mut acc = init;
        loop {
            match self.try_pop() {
                Ok(item) => acc = f(acc, item),
                Err(stop) => return (acc, stop),
            }
        }
    }
}

impl<T> Source for spsc::Consumer<T> {
    type Item = T;

    fn try_pop(&mut self) -> Result<T, PopError> {
        spsc::Consumer::try_pop(self)
    }
}

impl<T> Source for mpsc::Consumer<T> {
    type Item = T;

    fn try_pop(&mut self) -> Result<T, PopError> {
        mpsc::Consumer::try_pop(self)
    }
}

impl<T> Source for work::Consumer<T> {
    type Item = T;

    fn try_pop(&mut self) -> Result<T, PopError> {
        work::Consumer::try_pop(self)
    }
}

impl<T: Clone> Source for broadcast::Subscriber<T> {
    type Item = T;

    fn try_pop(&mut self) -> Result<T, PopError> {
        match self.try_read_with(T::clone) {
            Ok(item) => Ok(item),
            Err(crate::RecvError::Closed) => Err(PopError::Closed),
            Err(_) => Err(PopError::Empty),
        }
    }
}

/// See [`Source::map`].
pub struct Map<S, F> {
    source: S,
    f: F,
}

impl<S: Source, U, F: FnMut(S::Item) -> U> Source for Map<S, F> {
    type Item = U;

    fn try_pop(&mut self) -> Result<U, PopError> {
        self.source.try_pop().map(&mut self.f)
    }
}

impl<S, F> fmt::Debug for Map<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Map")
    }
}

/// See [`Source::filter`].
pub struct Filter<S, F> {
    source: S,
    keep: F,
}

impl<S: Source, F: FnMut(&S::Item) -> bool> Source for Filter<S, F> {
    type Item = S::Item;

    fn try_pop(&mut self) -> Result<S::Item, PopError> {
        loop {
            let item = self.source.try_pop()?;
            if (self.keep)(&item) {
                return Ok(item);
            }
        }
    }
}

impl<S, F> fmt::Debug for Filter<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Filter")
    }
}

/// See [`Source::batch`].
#[derive(Debug)]
pub struct Batch<S, const N: usize> {
    source: S,
}

impl<S: Source, const N: usize> Source for Batch<S, N> {
    type Item = Items<S::Item, N>;

    /// A batch of at least one message. With `N == 0` nothing is ever
    /// taken (the source always looks empty), so nothing is lost.
    fn try_pop(&mut self) -> Result<Items<S::Item, N>, PopError> {
        if N == 0 {
            return Err(PopError::Empty);
        }
        let first = self.source.try_pop()?;
        let mut items = Items::new();
        items.push(first);
        while !items.is_full() {
            match self.source.try_pop() {
                Ok(item) => items.push(item),
                Err(_) => break,
            }
        }
        Ok(items)
    }
}

/// Up to `N` items in a fixed array (no allocation).
pub struct Items<T, const N: usize> {
    slots: [MaybeUninit<T>; N],
    len: usize,
}

impl<T, const N: usize> Items<T, N> {
    fn new() -> Self {
        Self {
            slots: [const { MaybeUninit::uninit() }; N],
            len: 0,
        }
    }

    fn is_full(&self) -> bool {
        self.len == N
    }

    /// Appends; the caller checks `is_full` first.
    fn push(&mut self, item: T) {
        if let Some(slot) = self.slots.get_mut(self.len) {
            slot.write(item);
            self.len += 1;
        }
    }

    /// The items, in order.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the first `len` slots are initialised, and
        // `MaybeUninit<T>` has `T`'s layout.
        unsafe { std::slice::from_raw_parts(self.slots.as_ptr().cast(), self.len) }
    }

    /// Iterates over the items.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no item.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for Items<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T, const N: usize> Drop for Items<T, N> {
    fn drop(&mut self) {
        for slot in &mut self.slots[..self.len] {
            // SAFETY: the first `len` slots are initialised; dropped once.
            unsafe { slot.assume_init_drop() };
        }
    }
}
