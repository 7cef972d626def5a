//! Scheduling policy for enso: ready queues, the timer wheel, admission
//! control and a discrete-event schedule simulator. Pure data structures:
//! time is a parameter, never read from a clock.
//!
//! - [`ReadyQueue`]: 256 priority levels, FIFO within a level, O(1) push
//!   and pop-highest through a bitmap, fixed capacity.
//! - [`EdfQueue`]: jobs by absolute deadline, FIFO on ties, fixed capacity.
//! - [`QuantumAccountant`]: the weighted-fair quanta of the run loop's
//!   three sources (bus, I/O, tasks), changeable at run time.
//! - [`TimerWheel`]: hierarchical hashed wheel, O(1) insert and cancel
//!   with stale-safe handles, fixed memory; [`IntervalTimers`]: a fixed
//!   list of periodic (period, phase) timers.
//!
//! Nothing in these structures allocates after construction (a test with
//! a counting global allocator checks it).

pub mod edf;
pub mod error;
pub mod interval;
pub mod quanta;
pub mod ready;
pub mod wheel;

pub use edf::{EdfHandle, EdfQueue};
pub use error::{CapacityError, Full, MAX_CAPACITY, StaleHandle};
pub use interval::{IntervalError, IntervalId, IntervalTimers, Release};
pub use quanta::{Quanta, QuantumAccountant, Source, ZeroQuanta};
pub use ready::{ReadyHandle, ReadyQueue};
pub use wheel::{Expired, TimerHandle, TimerWheel};

pub mod analysis;
pub mod model;

pub use analysis::{AnalysisError, Excess, Preemption, Rejection};
pub use model::{ModelError, Priorities, Task};
pub mod admit;
pub mod sim;
