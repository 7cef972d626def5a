//! The shell: boot scripts in O, O tasks under fuel, the zero task and its
//! system verbs, and table formatting.
//!
//! - [`boot`]: a boot script, evaluated into a [`Plan`] and a
//!   validated [`Topology`](crate::Topology) before any thread starts;
//!   errors carry file, line and column.
//! - [`defaults`]: the embedded default boot script, shaped by the number
//!   of CPUs.
//! - [`otask`]: O interpreters as kernel tasks, preempted every N reductions;
//!   the zero task.
//! - `verbs`: the system verbs (`cores`, `tasks`, `spawn`, `pub`, ...).
//! - [`table`]: listings as O tables, printed as aligned columns.
//! - [`machine`]: boot, start and talk to the zero task from a thread (what
//!   the `enso` binary and the tests use).
//! - [`topic`]: named broadcast rings of words for O tasks (`pub`/`sub`).
//! - [`registry`], [`state`], [`script`], [`args`]: the pieces they share.

pub mod args;
pub mod boot;
pub mod defaults;
pub mod machine;
pub mod otask;
pub mod periodic;
pub mod registry;
pub mod script;
pub mod state;
pub mod table;
pub mod topic;
mod verbs;

pub use boot::{BootError, Plan, evaluate};
pub use machine::{Machine, MachineError};
pub use otask::OTask;
pub use registry::{DynTask, Registry};
pub use state::{Backpressure, Event, Metric, Shell};
pub use topic::{Topic, TopicMode};
pub use verbs::HELP;
