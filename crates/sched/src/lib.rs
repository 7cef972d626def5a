//! Scheduling policy for enso: ready queues, the timer wheel, admission
//! control and a discrete-event schedule simulator. Pure data structures:
//! time is a parameter (integer ticks), never read from a clock, so every
//! decision is testable to the last tick. The kernel depends on this
//! crate; this crate depends on no part of the kernel.
//!
//! # Run-time structures (the kernel's hot path)
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
//! a counting global allocator checks it), and no operation panics on a
//! bad argument: a full structure hands the item back ([`Full`]), a stale
//! handle is an error ([`StaleHandle`]).
//!
//! # Admission control and simulation (at spawn time, off the hot path)
//!
//! - [`model`]: the task model `(C, T, D, B, J, priority, poll)`.
//! - [`analysis`]: Liu and Layland and hyperbolic bounds in exact
//!   arithmetic, response-time analysis for fixed priorities, EDF by
//!   utilization and processor demand (QPA), each preemptive or
//!   limited-preemptive (non-preemptive polls, as on an enso core).
//! - [`sim`]: a discrete-event simulator the analyses are tested against.
//! - [`admit`]: the JSON front end of the `enso-admit` binary.
//!
//! ```
//! use enso_sched::{Task, Priorities, Preemption, analysis::fp};
//! let tasks = [Task::new(3, 7), Task::new(3, 12), Task::new(5, 20)];
//! let report = fp::analyze(&tasks, Priorities::RateMonotonic, Preemption::Preemptive).unwrap();
//! assert!(report.schedulable);
//! assert_eq!(report.tasks[2].response, Some(20));
//! ```

pub mod admit;
pub mod analysis;
pub mod edf;
pub mod error;
pub mod interval;
pub mod model;
pub mod quanta;
pub mod ready;
pub mod sim;
pub mod wheel;

pub use analysis::{AnalysisError, Excess, Preemption, Rejection, Verdict};
pub use edf::{EdfHandle, EdfQueue};
pub use error::{CapacityError, Full, MAX_CAPACITY, StaleHandle};
pub use interval::{IntervalError, IntervalId, IntervalTimers, Release};
pub use model::{ModelError, Policy, Priorities, Task};
pub use quanta::{Quanta, QuantumAccountant, Source, ZeroQuanta};
pub use ready::{ReadyHandle, ReadyQueue};
pub use wheel::{Expired, TimerHandle, TimerWheel};
