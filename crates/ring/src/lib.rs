//! Preallocated lock-free rings for enso: the transport under the inter-core
//! bus, pub/sub between tasks and the hand-off between cores.
//!
//! Every ring is allocated once, at construction; sending and receiving
//! never allocate afterwards. Capacities are powers of two; bad parameters
//! are errors ([`RingError`]), never panics.
//!
//! | driver | writers | readers | semantics |
//! |---|---|---|---|
//! | [`spsc`] | 1 | 1 | queue; no CAS, per-slot stamps |
//! | [`mpsc`] | many (`Clone`) | 1 | queue; writers claim slots by CAS |
//! | [`broadcast`] | 1 | many | every subscriber sees every message in place |
//! | [`broadcast::lossy`] | 1 | many | `Overwrite` broadcast of `Copy` values (seqlock) |
//! | [`work`] | 1 | many (`Clone`) | each message to exactly one reader |
//! | [`priority`] | many | 1 | N levels, `select` takes the highest non-empty |
//!
//! [`sector::Sector`] carves one cache-aligned allocation into several rings
//! by proportion, so the rings of one core share one allocation made at boot.
//!
//! # Common shape
//!
//! - `try_push` / `try_pop` answer at once; `push` / `pop` wait according
//!   to the ring's [`Policy`]: [`Backpressure`] says what a full ring does,
//!   [`WaitStrategy`] how a blocked side waits.
//! - Failure hands ownership back: [`PushError::Full`]`(item)`,
//!   [`PushError::Closed`]`(item)`.
//! - Batches: `write_chunk(n)` claims `n` slots to write in place, then
//!   `commit`; `read_chunk(max)` presents a run of messages in place, then
//!   `release`. Runs cross the end of the buffer transparently (they are
//!   indexed, not slices, because each value sits next to its stamp).
//! - Disconnection: when every producer is gone, consumers drain what is
//!   left and then see `Closed`; when every consumer is gone, producers see
//!   `Closed`. Unread messages are dropped exactly once, when the last end
//!   goes.
//! - Each module's doc states its protocol: what every cursor means, who
//!   writes it and which ordering publishes what.
//!
//! # Verification
//!
//! Loom models (`RUSTFLAGS="--cfg loom" cargo test --release -p enso-ring
//! --test loom`), multi-thread stress tests that check per-producer order
//! (`tests/stress.rs`), property tests against a `VecDeque` model, a
//! counting allocator proving steady state allocates nothing, and drop
//! counts for every disconnection path.

pub mod broadcast;
pub mod config;
pub mod error;
pub mod mpsc;
pub mod priority;
pub mod sector;
pub mod spsc;
pub mod work;

mod slots;
mod sync;
mod wait;

pub use config::{Backpressure, Config, MAX_CAPACITY, Policy, WaitStrategy};
pub use error::{
    ChunkError, PopError, PublishError, PushError, RecvError, RingError, SubscribeError,
};
