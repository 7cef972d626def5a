//! Listings requested from inside a task, without blocking its core.
//!
//! [`crate::Context::request_listing`] sends a `Stats` message to every
//! core over the bus and registers the requesting task with each core's
//! published listing; each core wakes the task when it has published an
//! answer (a bus message from another core). The task polls
//! [`ListingRequest::is_ready`] on its wakes and then reads the tasks,
//! timers or Prometheus text (plain data).

use std::time::{Duration, Instant};

use crate::handle::KernelHandle;
use crate::stats::{TaskInfo, TimerInfo};

/// How long a listing waits for a core that does not answer (then that
/// core's last published listing is used).
pub(crate) const LISTING_WAIT: Duration = Duration::from_secs(2);

/// A listing asked of every core; see the module documentation.
#[derive(Clone, Debug)]
pub struct ListingRequest {
    pub(crate) handle: KernelHandle,
    pub(crate) seq: u64,
    pub(crate) asked: Instant,
}

impl ListingRequest {
    /// Whether every core has answered (or stopped, or 2 s have passed
    /// since the request). The requesting task is woken by
    /// each core's answer; to bound a wait on a core that never answers,
    /// arm a wake of its own at [`ListingRequest::deadline`].
    pub fn is_ready(&self) -> bool {
        if self.asked.elapsed() >= LISTING_WAIT {
            return true;
        }
        self.handle.shared.cores.iter().all(|c| {
            !c.running.load(std::sync::atomic::Ordering::Acquire)
                || c.listing.lock().unwrap_or_else(|e| e.into_inner()).seq >= self.seq
        })
    }

    /// When the request stops waiting for cores that have not answered.
    pub fn deadline(&self) -> Instant {
        self.asked + LISTING_WAIT
    }

    /// Every live task, as the cores last published them.
    pub fn tasks(&self) -> Vec<TaskInfo> {
        self.handle
            .shared
            .cores
            .iter()
            .flat_map(|c| {
                c.listing
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .tasks
                    .clone()
            })
            .collect()
    }

    /// Every live timer, as the cores last published them.
    pub fn timers(&self) -> Vec<TimerInfo> {
        self.handle
            .shared
            .cores
            .iter()
            .flat_map(|c| {
                c.listing
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .timers
                    .clone()
            })
            .collect()
    }

    /// Every statistic as Prometheus text, with the tasks of this listing
    /// (see [`KernelHandle::prometheus`]).
    pub fn prometheus(&self) -> String {
        self.handle.prometheus_of(&self.tasks())
    }
}
