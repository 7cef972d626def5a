//! Enso: a real-time, thread-per-core kernel for low-latency Rust services.
//!
//! One reactor loop per core, pinned to its CPU; cores talk over a mesh of
//! bounded rings (the InterCore bus); tasks are polled by priority; timers
//! and mio sockets wake them. Everything is declared up front in a
//! [`Topology`], validated before any thread starts.
//!
//! ```
//! use std::task::Poll;
//! use enso::{Context, CoreSpec, IdlePolicy, Kernel, Task};
//!
//! struct Add(u64, u64);
//! impl Task for Add {
//!     type Output = u64;
//!     fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<u64> {
//!         Poll::Ready(self.0 + self.1)
//!     }
//! }
//!
//! let topo = Kernel::builder()
//!     .core(CoreSpec::bsp("boot", 0).tasks().idle(IdlePolicy::Park))
//!     .pinning(false)
//!     .build()
//!     .unwrap();
//! let running = Kernel::boot(topo).unwrap().start().unwrap();
//! let h = running.handle().clone();
//! let core = h.core("boot").unwrap();
//! assert_eq!(h.spawn_on(core, 10, Add(2, 3)).unwrap().join(), Ok(5));
//! running.halt();
//! let report = running.join().unwrap();
//! assert_eq!(report.lost(), 0);
//! ```
//!
//! Module map: `topology` (builder and validation), `kernel` (boot, run,
//! shutdown), `core` and `dispatch` (the run loop and bus message handling),
//! `bus`, `mesh` and `link` (the InterCore bus), `task`, `table`, `context`,
//! `join`, `future` and `waker` (tasks), `listing` (listings asked from a
//! task), `caps` and `rings` (capabilities),
//! `timer`, `io` (mio reactor), `stats`, `doorbell`, `pin`, `handle`,
//! `rt` (periodic tasks: admission, release, dispatch, overruns) and `tsc`
//! (the poll clock).

pub mod bus;
mod caps;
mod context;
mod core;
mod dispatch;
mod doorbell;
pub mod echo;
mod error;
mod future;
mod handle;
mod horizon;
mod ids;
mod io;
mod join;
mod kernel;
mod link;
mod listing;
pub mod market;
mod mesh;
mod pin;
mod prometheus;
mod rings;
mod rt;
mod shared;
pub mod shell;
mod stats;
mod supervise;
mod table;
mod task;
mod timer;
mod timerfd;
mod topology;
mod tsc;
mod turnclock;
mod validate;
mod waker;

pub use bus::{End, Mail, Message, TimerRequest, UserMsg};
pub use context::{Context, PushError, SendError};
pub use error::{CapError, JoinError, KernelError, SpawnError, TaskError, TopologyError};
pub use future::{FutureTask, YieldNow, yield_now};
pub use handle::{Halted, KernelHandle};
pub use ids::{CoreIndex, CounterId, RingId, TaskId, TimerId};
pub use io::{Io, IoSource, IoToken, Readiness};
pub use join::{JoinHandle, PendingSpawn};
pub use kernel::{Kernel, Running};
pub use listing::ListingRequest;
pub use rt::{
    AdmittedTask, Arrival, DEFAULT_BACKGROUND_POLL_NS, DEFAULT_EVENT_COST_NS, Dispatch, Job,
    JobPoll, MAX_RT_NS, Miss, OverrunPolicy, PeriodicTask, RtConfig, RtCoreInfo, RtInfo, RtParams,
    RtSpawnError,
};
pub use stats::{
    CoreCounters, CoreInfo, RingInfo, ShutdownReport, TaskFailure, TaskInfo, TaskState, TimerInfo,
};
pub use supervise::RestartPolicy;
pub use task::{Task, TaskBox};
pub use timer::{TimerAction, TimerError};
pub use topology::{
    CoreSpec, IdlePolicy, KernelBuilder, Quanta, Reactors, RingSpec, Role, TaskSpec, TimerKind,
    TimerSpec, TimerTarget, Topology, available_cpus,
};
