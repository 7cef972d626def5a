//! Errors: each operation has its own, and each says what and where.

use std::fmt;

use crate::ids::{CoreIndex, CounterId, RingId, TaskId};

/// An invalid topology; nothing was started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopologyError {
    /// No core was declared.
    NoCores,
    /// No core has the BSP role.
    NoBsp,
    /// Two cores claim the BSP role.
    SecondBsp {
        /// The first BSP.
        first: String,
        /// The second one.
        second: String,
    },
    /// More cores than task ids can address.
    TooManyCores {
        /// Cores declared.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A name used twice among declarations of one kind.
    DuplicateName {
        /// "core", "ring", "task", ...
        kind: &'static str,
        /// The repeated name.
        name: String,
    },
    /// An empty name.
    EmptyName {
        /// "core", "ring", "task", ...
        kind: &'static str,
        /// Position of the declaration.
        index: usize,
    },
    /// A name that no declaration of that kind has.
    Unknown {
        /// "core", "ring", "counter" or "task".
        kind: &'static str,
        /// The field that holds the name, e.g. "task `t`.core".
        field: String,
        /// The name.
        name: String,
    },
    /// A CPU the process may not run on.
    CpuOutOfRange {
        /// e.g. "core `c1`.cpu".
        field: String,
        /// The CPU asked for.
        cpu: usize,
        /// The CPUs that exist.
        available: Vec<usize>,
    },
    /// Two cores on one CPU without `allow_shared_cpus`.
    SharedCpu {
        /// The second core.
        core: String,
        /// The core that had the CPU first.
        other: String,
        /// The CPU.
        cpu: usize,
    },
    /// A capacity that is not a power of two.
    NotPowerOfTwo {
        /// e.g. "ring `r`.capacity".
        field: String,
        /// The value given.
        value: usize,
    },
    /// A zero where a positive value is required.
    Zero {
        /// e.g. "core `c`.quanta.bus".
        field: String,
    },
    /// A value beyond its limit.
    OutOfRange {
        /// The field.
        field: String,
        /// The value given.
        value: u64,
        /// The largest value accepted.
        max: u64,
    },
    /// A task or timer placed on a core that lacks the reactor it needs.
    MissingReactor {
        /// e.g. "task `t`".
        what: String,
        /// The core.
        core: String,
        /// "tasks", "timers" or "io".
        reactor: &'static str,
    },
    /// A boot-time periodic task refused: bad parameters, or admission
    /// control (the error names the task that would miss and by how much).
    RealTime {
        /// The task declared.
        task: String,
        /// Why it is refused.
        error: crate::rt::RtSpawnError,
    },
    /// Two tasks claim the same end of a single-producer single-consumer ring.
    RingEndTaken {
        /// The ring.
        ring: String,
        /// "read" or "write".
        end: &'static str,
        /// The task that has it.
        first: String,
        /// The task that asked again.
        second: String,
    },
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TopologyError::*;
        match self {
            NoCores => write!(f, "topology: no core declared"),
            NoBsp => write!(f, "topology: no core has role BSP"),
            SecondBsp { first, second } => write!(
                f,
                "core `{second}`.role: BSP already taken by core `{first}`"
            ),
            TooManyCores { count, max } => {
                write!(f, "topology: {count} cores declared, at most {max}")
            }
            DuplicateName { kind, name } => write!(f, "{kind} `{name}`: name declared twice"),
            EmptyName { kind, index } => write!(f, "{kind} #{index}.name: empty"),
            Unknown { kind, field, name } => write!(f, "{field}: unknown {kind} `{name}`"),
            CpuOutOfRange {
                field,
                cpu,
                available,
            } => {
                write!(
                    f,
                    "{field}: CPU {cpu} out of range (available: {available:?})"
                )
            }
            SharedCpu { core, other, cpu } => {
                write!(
                    f,
                    "core `{core}`.cpu: CPU {cpu} already used by core `{other}` (allow_shared_cpus is off)"
                )
            }
            NotPowerOfTwo { field, value } => write!(f, "{field}: {value} is not a power of two"),
            Zero { field } => write!(f, "{field}: must be positive"),
            OutOfRange { field, value, max } => {
                write!(f, "{field}: {value} out of range 1..={max}")
            }
            MissingReactor {
                what,
                core,
                reactor,
            } => {
                write!(
                    f,
                    "{what}: core `{core}` does not run the {reactor} reactor"
                )
            }
            RealTime { task, error } => write!(f, "task `{task}`: {error}"),
            RingEndTaken {
                ring,
                end,
                first,
                second,
            } => {
                write!(
                    f,
                    "task `{second}`.{end}s: ring `{ring}` {end} end already given to task `{first}`"
                )
            }
        }
    }
}

impl std::error::Error for TopologyError {}

/// Why an operation on a task id was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskError {
    /// The slot has been reused or emptied since the id was issued.
    Stale(TaskId),
    /// The id names a core or slot this kernel does not have.
    Unknown(TaskId),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Stale(id) => write!(f, "{id}: stale id (the task has ended)"),
            TaskError::Unknown(id) => write!(f, "{id}: no such core or slot in this kernel"),
        }
    }
}

impl std::error::Error for TaskError {}

/// Why a spawn was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpawnError {
    /// The core index is not in the topology.
    UnknownCore(CoreIndex),
    /// The core does not run the task reactor.
    NotATaskCore(CoreIndex),
    /// No factory is registered under this name.
    UnknownName(String),
    /// The kernel has halted.
    Halted,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::UnknownCore(c) => write!(f, "spawn: unknown {c}"),
            SpawnError::NotATaskCore(c) => write!(f, "spawn: {c} does not run the tasks reactor"),
            SpawnError::UnknownName(n) => write!(f, "spawn: no task registered as `{n}`"),
            SpawnError::Halted => write!(f, "spawn: the kernel has halted"),
        }
    }
}

impl std::error::Error for SpawnError {}

/// How a task ended without a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// The task panicked inside a poll; the payload's message.
    Panicked(String),
    /// A kill message ended it.
    Killed,
    /// The target core's task table was full.
    TableFull(CoreIndex),
    /// The kernel halted before the task finished.
    Halted,
    /// A real-time task overran its budget under `OverrunPolicy::Stop`.
    Overrun,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(m) => write!(f, "task panicked: {m}"),
            JoinError::Killed => write!(f, "task killed"),
            JoinError::TableFull(c) => write!(f, "spawn refused: {c} task table full"),
            JoinError::Halted => write!(f, "kernel halted before the task finished"),
            JoinError::Overrun => write!(f, "task stopped: a job overran its budget"),
        }
    }
}

impl std::error::Error for JoinError {}

/// A refused capability use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapError {
    /// The task holds no capability to write this ring.
    NoWrite(RingId),
    /// The task holds no capability to read this ring.
    NoRead(RingId),
    /// The task holds no capability for this counter.
    NoCounter(CounterId),
    /// The ring end has already been given to another task.
    Taken(RingId),
    /// No such ring or counter.
    Unknown(u32),
}

impl fmt::Display for CapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CapError::NoWrite(r) => write!(f, "ring {}: no write capability", r.0),
            CapError::NoRead(r) => write!(f, "ring {}: no read capability", r.0),
            CapError::NoCounter(c) => write!(f, "counter {}: no capability", c.0),
            CapError::Taken(r) => write!(f, "ring {}: end already held by another task", r.0),
            CapError::Unknown(i) => write!(f, "object {i}: no such ring or counter"),
        }
    }
}

impl std::error::Error for CapError {}

/// Why a kernel could not start or stopped badly.
#[derive(Debug)]
pub enum KernelError {
    /// Creating the poller, doorbell or a thread failed.
    Io(std::io::Error),
    /// A core thread could not be pinned to its CPU.
    Pin {
        /// The core.
        core: String,
        /// The CPU.
        cpu: usize,
    },
    /// Too many kernels alive in this process (instance ids are 8 bits).
    TooManyKernels,
    /// The bus rings could not be created.
    Bus(String),
    /// A core thread panicked outside any task poll (a kernel bug).
    CorePanicked(String),
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::Io(e) => write!(f, "kernel: {e}"),
            KernelError::Pin { core, cpu } => write!(f, "core `{core}`: cannot pin to CPU {cpu}"),
            KernelError::Bus(e) => write!(f, "kernel: bus rings: {e}"),
            KernelError::TooManyKernels => write!(f, "kernel: 256 kernels alive in this process"),
            KernelError::CorePanicked(c) => write!(f, "core `{c}` panicked outside a task"),
        }
    }
}

impl std::error::Error for KernelError {}

impl From<std::io::Error> for KernelError {
    fn from(e: std::io::Error) -> KernelError {
        KernelError::Io(e)
    }
}
