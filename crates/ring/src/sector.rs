//! Sectors: one cache-aligned preallocated region carved into several rings
//! by proportion (the seeds' `split`), so the rings of one core share a
//! single allocation made at boot.
//!
//! [`Sector::new`] takes a total slot budget and proportions. Each share
//! gets the largest power of two not above its proportional part of the
//! budget (slots lost to rounding are not allocated). Carves are laid out
//! largest first, each starting on a 128-byte line boundary, so no two rings
//! share a cache line. Each [`Carve`] then becomes one ring of any driver
//! (the per-ring control block, with its cursors, is a separate small
//! allocation made at the same time). The region is freed when the last
//! ring built on it is gone; each ring drops its own unread messages.
//!
//! ```
//! use enso_ring::sector::Sector;
//! use enso_ring::Policy;
//! let sector = Sector::<u64>::new(1024, &[1, 1, 2]).unwrap();
//! assert_eq!(sector.capacities(), vec![256, 256, 512]);
//! let mut carves = sector.into_carves().into_iter();
//! let (mut tx, mut rx) = carves.next().unwrap().spsc(Policy::default()).unwrap();
//! let (mut mtx, mut mrx) = carves.next().unwrap().mpsc(Policy::default()).unwrap();
//! tx.try_push(1).unwrap();
//! mtx.try_push(2).unwrap();
//! assert_eq!((rx.try_pop(), mrx.try_pop()), (Ok(1), Ok(2)));
//! ```

use crate::config::{Config, MAX_CAPACITY, Policy};
use crate::error::RingError;
use crate::slots::{Region, Slot, SlotRange};
use crate::sync::Arc;
use crate::{broadcast, mpsc, spsc, work};
use std::fmt;

/// Bytes per carve boundary.
const LINE: usize = 128;

/// A region carved into rings; see the [module doc](self).
pub struct Sector<T> {
    carves: Vec<Carve<T>>,
}

impl<T> fmt::Debug for Sector<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sector")
            .field("capacities", &self.capacities())
            .finish()
    }
}

impl<T: Send> Sector<T> {
    /// Carves a budget of `slots` into one ring per proportion. Errors: no
    /// or zero proportions, a share that rounds to no slot, a budget above
    /// [`MAX_CAPACITY`] times the number of shares.
    pub fn new(slots: usize, proportions: &[usize]) -> Result<Self, RingError> {
        if proportions.is_empty() || proportions.contains(&0) {
            return Err(RingError::BadProportions);
        }
        let total: u128 = proportions.iter().map(|&p| p as u128).sum();
        let mut capacities = Vec::with_capacity(proportions.len());
        for (index, &weight) in proportions.iter().enumerate() {
            let share = (slots as u128 * weight as u128 / total) as usize;
            if share == 0 {
                return Err(RingError::SectorTooSmall { index });
            }
            let capacity = 1usize << share.ilog2();
            if capacity > MAX_CAPACITY {
                return Err(RingError::CapacityTooLarge { capacity });
            }
            capacities.push(capacity);
        }
        let layout = Layout::plan::<T>(&capacities);
        let region =
            Region::new(layout.len).ok_or(RingError::CapacityTooLarge { capacity: slots })?;
        let carves = capacities
            .iter()
            .zip(layout.starts)
            .map(|(&capacity, start)| Carve {
                region: region.clone(),
                start,
                capacity,
            })
            .collect();
        Ok(Self { carves })
    }
}

impl<T> Sector<T> {
    /// The capacity of each carve, in the order of the proportions.
    pub fn capacities(&self) -> Vec<usize> {
        self.carves.iter().map(|c| c.capacity).collect()
    }

    /// The carves, in the order of the proportions.
    pub fn into_carves(self) -> Vec<Carve<T>> {
        self.carves
    }
}

/// Where each carve starts, and the region length.
struct Layout {
    starts: Vec<usize>,
    len: usize,
}

impl Layout {
    /// Largest carves first, every start rounded up so that its byte offset is
    /// a multiple of a line.
    fn plan<T>(capacities: &[usize]) -> Self {
        // Smallest slot count whose byte size is a multiple of a line.
        let size = std::mem::size_of::<Slot<T>>();
        let per_line = LINE / gcd(size, LINE);
        let mut order: Vec<usize> = (0..capacities.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(capacities[i]));
        let mut starts = vec![0; capacities.len()];
        let mut end: usize = 0;
        for i in order {
            let start = end.div_ceil(per_line) * per_line;
            starts[i] = start;
            end = start + capacities[i];
        }
        Self { starts, len: end }
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// One ring's share of a sector: turn it into a ring of any driver.
pub struct Carve<T> {
    region: Arc<Region<T>>,
    start: usize,
    capacity: usize,
}

impl<T> fmt::Debug for Carve<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Carve")
            .field("start", &self.start)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl<T: Send> Carve<T> {
    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn range(self) -> SlotRange<T> {
        SlotRange::carve(self.region, self.start, self.capacity)
    }

    /// An SPSC ring on this carve.
    pub fn spsc(self, policy: Policy) -> Result<(spsc::Producer<T>, spsc::Consumer<T>), RingError> {
        spsc::from_range(self.range(), policy)
    }

    /// An MPSC ring on this carve.
    pub fn mpsc(self, policy: Policy) -> Result<(mpsc::Producer<T>, mpsc::Consumer<T>), RingError> {
        mpsc::from_range(self.range(), policy)
    }

    /// A work queue on this carve.
    pub fn work(self, policy: Policy) -> Result<(work::Producer<T>, work::Consumer<T>), RingError> {
        work::from_range(self.range(), policy)
    }
}

impl<T: Send + Sync> Carve<T> {
    /// A broadcast ring on this carve (`config.capacity` is ignored);
    /// `init` makes the slot values.
    pub fn broadcast(
        self,
        config: Config,
        init: impl FnMut() -> T,
    ) -> Result<(broadcast::Publisher<T>, broadcast::Subscriber<T>), RingError> {
        broadcast::from_range(self.range(), config, init)
    }
}
