//! Pinning threads to cores with `core_affinity`.
//!
//! Workloads name cores by index (0 = first online core, 1 = second, ...).
//! On a machine with fewer cores than a workload names, indices wrap around,
//! and the run goes on; failures are counted so the report can say so.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use core_affinity::CoreId;

static FAILURES: AtomicUsize = AtomicUsize::new(0);

fn cores() -> &'static [CoreId] {
    static CORES: OnceLock<Vec<CoreId>> = OnceLock::new();
    CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default())
}

/// The operating-system id of core index `index` (wrapping around the
/// online cores), or `None` when the core list is unavailable.
pub fn core_id(index: usize) -> Option<usize> {
    let cores = cores();
    if cores.is_empty() {
        None
    } else {
        Some(cores[index % cores.len()].id)
    }
}

/// Pins the calling thread to core index `index`; returns false (and counts
/// a failure) when that is not possible.
pub fn to_core(index: usize) -> bool {
    let cores = cores();
    let pinned = !cores.is_empty() && core_affinity::set_for_current(cores[index % cores.len()]);
    if !pinned {
        FAILURES.fetch_add(1, Ordering::Relaxed);
    }
    pinned
}

/// How many pinning attempts failed so far.
pub fn failures() -> usize {
    FAILURES.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_wrap_around_online_cores() {
        let online = cores().len();
        assert!(online > 0, "core_affinity lists no cores");
        assert_eq!(core_id(1), core_id(online + 1));
        std::thread::spawn(|| assert!(to_core(0)))
            .join()
            .expect("pinned thread");
    }
}
