//! The InterCore bus protocol: fixed-size messages.
//!
//! Every system message is a plain value of one size (see the size test
//! below): sending one moves it into a preallocated ring slot and allocates
//! nothing. A `Spawn` carries a task that was boxed when the spawn was asked
//! for; the bus itself only moves the pointer. User protocols ride in
//! [`Message::User`]: a protocol number and four words, delivered to a
//! task's mailbox.
//!
//! Per ordered pair of cores the bus is one SPSC ring (see `mesh`), so
//! messages from one core to another arrive in the order they were sent.

use crate::ids::{CoreIndex, RingId, TaskId};
use crate::io::IoSource;
use crate::task::TaskBox;
use crate::timer::TimerAction;
use crate::topology::Quanta;

/// A user-protocol message: a protocol number and four words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct UserMsg {
    /// Which protocol (user-defined).
    pub protocol: u16,
    /// The payload.
    pub words: [u64; 4],
}

/// An item in a task's mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mail {
    /// A word sent with `send`.
    Word(u64),
    /// A script to run: a text id in the kernel's text table (the O `exec`).
    Exec(u64),
    /// A user-protocol message.
    User(UserMsg),
    /// A socket handed over by an `Io` message, now registered under this token.
    Io(usize),
}

/// Which end of a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The writer (publisher) end.
    Write,
    /// The reader (subscriber) end.
    Read,
}

/// A timer request carried to a (timer) core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerRequest {
    /// Nanoseconds from receipt to the first fire.
    pub after_ns: u64,
    /// Period in nanoseconds for an interval timer, 0 for a oneshot.
    pub period_ns: u64,
    /// What a fire does.
    pub action: TimerAction,
}

/// A bus message. The system set, plus `User` for extensions.
///
/// `repr(C, u8)`: the tag is byte 0 and the fields start at byte 8, so the
/// bus can carry every kind but `Timer` in the first 56 bytes (one cache
/// line per ring slot, see `link`).
#[repr(C, u8)]
pub enum Message {
    /// Place a task on the receiving core.
    Spawn {
        /// The task, boxed at spawn time.
        task: TaskBox,
        /// Its priority.
        priority: u8,
    },
    /// Wake `waiter` when `task` (on the receiving core) ends, at once if it
    /// already has.
    Join {
        /// The task joined.
        task: TaskId,
        /// The task to wake.
        waiter: TaskId,
    },
    /// End a task: its drop runs, its joiner gets `Killed`.
    Kill {
        /// The task.
        task: TaskId,
    },
    /// Deliver a word to a task's mailbox and wake it.
    Send {
        /// The task.
        to: TaskId,
        /// The word.
        word: u64,
    },
    /// Give a task a capability on a named ring (attach).
    Ring {
        /// The ring.
        ring: RingId,
        /// Which end.
        end: End,
        /// The task receiving the capability.
        task: TaskId,
    },
    /// Take a ring capability back from a task (detach its cursor).
    Cursor {
        /// The ring.
        ring: RingId,
        /// Which end.
        end: End,
        /// The task losing the capability.
        task: TaskId,
    },
    /// Give a task a listed name (an interned name id).
    Register {
        /// The task.
        task: TaskId,
        /// Index in the kernel's name table.
        name: u32,
    },
    /// Arm a timer on the receiving core.
    Timer(TimerRequest) = TIMER_TAG,
    /// Hand a script (a text id) to a task, e.g. an O interpreter task.
    Exec {
        /// The task.
        task: TaskId,
        /// Text id in the kernel's text table.
        text: u64,
    },
    /// Register a socket with the receiving I/O core on behalf of a task.
    Io {
        /// The owning task (on the receiving core).
        task: TaskId,
        /// The socket.
        source: IoSource,
    },
    /// Ordering barrier: the receiver answers with `ack` set; when the answer
    /// arrives, everything sent before the request has been handled.
    Sync {
        /// Who asked.
        from: CoreIndex,
        /// Request number.
        seq: u64,
        /// Whether this is the answer.
        ack: bool,
    },
    /// Change the receiving core's quanta.
    Qos(Quanta),
    /// Publish the receiving core's task and timer listing, tagged `seq`.
    Stats {
        /// Request number.
        seq: u64,
    },
    /// Stop the receiving core.
    Halt,
    /// Wake a task.
    Wake {
        /// The task.
        task: TaskId,
    },
    /// A user-protocol message for a task's mailbox.
    User {
        /// The task.
        to: TaskId,
        /// The message.
        msg: UserMsg,
    },
}

/// The tag of `Message::Timer`, the one kind that takes two bus frames.
pub(crate) const TIMER_TAG: u8 = 7;

/// The number of message kinds (for per-kind counters).
pub const KINDS: usize = 16;

/// Names of the kinds, indexed by [`Message::kind`].
pub const KIND_NAMES: [&str; KINDS] = [
    "spawn", "join", "kill", "send", "ring", "cursor", "register", "timer", "exec", "io", "sync",
    "qos", "stats", "halt", "wake", "user",
];

impl Message {
    /// The kind index (into [`KIND_NAMES`]).
    pub fn kind(&self) -> usize {
        match self {
            Message::Spawn { .. } => 0,
            Message::Join { .. } => 1,
            Message::Kill { .. } => 2,
            Message::Send { .. } => 3,
            Message::Ring { .. } => 4,
            Message::Cursor { .. } => 5,
            Message::Register { .. } => 6,
            Message::Timer(_) => TIMER_TAG as usize,
            Message::Exec { .. } => 8,
            Message::Io { .. } => 9,
            Message::Sync { .. } => 10,
            Message::Qos(_) => 11,
            Message::Stats { .. } => 12,
            Message::Halt => 13,
            Message::Wake { .. } => 14,
            Message::User { .. } => 15,
        }
    }

    /// The kind's name.
    pub fn kind_name(&self) -> &'static str {
        KIND_NAMES[self.kind()]
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Spawn { priority, .. } => write!(f, "Spawn {{ priority: {priority} }}"),
            Message::Join { task, waiter } => write!(f, "Join {{ {task:?}, waiter {waiter:?} }}"),
            Message::Kill { task } => write!(f, "Kill {{ {task:?} }}"),
            Message::Send { to, word } => write!(f, "Send {{ {to:?}, {word} }}"),
            Message::Ring { ring, end, task } => {
                write!(f, "Ring {{ {ring:?}, {end:?}, {task:?} }}")
            }
            Message::Cursor { ring, end, task } => {
                write!(f, "Cursor {{ {ring:?}, {end:?}, {task:?} }}")
            }
            Message::Register { task, name } => write!(f, "Register {{ {task:?}, {name} }}"),
            Message::Timer(t) => write!(f, "Timer({t:?})"),
            Message::Exec { task, text } => write!(f, "Exec {{ {task:?}, {text} }}"),
            Message::Io { task, .. } => write!(f, "Io {{ {task:?} }}"),
            Message::Sync { from, seq, ack } => write!(f, "Sync {{ {from}, {seq}, ack {ack} }}"),
            Message::Qos(q) => write!(f, "Qos({q:?})"),
            Message::Stats { seq } => write!(f, "Stats {{ {seq} }}"),
            Message::Halt => write!(f, "Halt"),
            Message::Wake { task } => write!(f, "Wake {{ {task:?} }}"),
            Message::User { to, msg } => write!(f, "User {{ {to:?}, {msg:?} }}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_small_and_fixed() {
        // One size for every kind (80 bytes on x86_64: the tag, then a
        // timer request's two times and its action); every kind but a
        // timer travels in one 56-byte frame (see `link`).
        assert!(
            std::mem::size_of::<Message>() <= 80,
            "{}",
            std::mem::size_of::<Message>()
        );
    }
}
