//! Preallocated lock-free rings for enso: the transport under the inter-core
//! bus, pub/sub between tasks and the hand-off between cores.
//!
//! Every ring is allocated once, at construction; sending and receiving
//! never allocate afterwards (a counting-allocator test proves it).
//! Capacities are powers of two up to [`MAX_CAPACITY`]; bad parameters are
//! errors ([`RingError`], naming the parameter), never panics.
//!
//! | driver | writers | readers | semantics |
//! |---|---|---|---|
//! | [`spsc`] | 1 | 1 | queue; no CAS; the consumer learns "full" from the data's own line |
//! | [`mpsc`] | many (`Clone`) | 1 | queue; writers claim slots by CAS |
//! | [`broadcast`] | 1 | many, join and leave live | every subscriber sees every message, in place (`&T`) |
//! | [`broadcast::lossy`] | 1 | many (`Clone`) | `Overwrite`: never waits; laggards get [`RecvError::Lagged`] |
//! | [`work`] | 1 | many (`Clone`) | each message to exactly one reader |
//! | [`priority`] | many | 1 | N levels; [`priority::Select`] takes the highest non-empty |
//! | [`rpc`] | 1 client | 1 server | request/response; each reply written into its request's slot (one line per round trip) |
//!
//! [`stream`] adds allocation-free combinators (`map`, `filter`, `batch`,
//! `fold_ready`) over any ring end that yields owned messages.
//!
//! [`sector::Sector`] carves one cache-aligned allocation into several rings
//! by proportion, so the rings of one core share one allocation made at boot.
//!
//! # Common shape
//!
//! ```
//! use enso_ring::{spsc, Backpressure, Config, PopError, PushError, WaitStrategy};
//! let config = Config::new(2)
//!     .backpressure(Backpressure::Fail)
//!     .wait(WaitStrategy::SpinThenYield);
//! let (mut tx, mut rx) = spsc::with_config::<String>(config).unwrap();
//! tx.try_push("a".into()).unwrap();
//! tx.push("b".into()).unwrap();
//! assert_eq!(tx.try_push("c".into()), Err(PushError::Full("c".into())));
//! assert_eq!(rx.pop().as_deref(), Ok("a"));
//! drop(tx);
//! assert_eq!(rx.try_pop().as_deref(), Ok("b"));
//! assert_eq!(rx.try_pop(), Err(PopError::Closed));
//! ```
//!
//! - `try_push` / `try_pop` answer at once. `push` / `pop` wait according to
//!   the ring's [`Policy`]: [`Backpressure`] says what a full ring does
//!   (`Fail`: give the item back; `Block`: wait for the slowest consumer;
//!   `Overwrite`: only [`broadcast::lossy`]), [`WaitStrategy`] how a blocked
//!   side waits (busy-spin, spin-then-yield, park on a doorbell).
//! - Failure hands ownership back: [`PushError::Full`]`(item)`,
//!   [`PushError::Closed`]`(item)`.
//! - Ends that only one thread may use (`spsc` ends, producers of `work`,
//!   publishers) are `Send` but not `Clone`, with `&mut self` operations.
//!
//! # Batches and wrap-around
//!
//! Every driver has a zero-copy batch API: `write_chunk(n)` claims `n` slots
//! which are written in place (`push`/`fill_with` on the chunk, or
//! `get_mut` for broadcast, whose slots hold live values), then `commit`
//! publishes them; `read_chunk(max)` presents a run of ready messages in
//! place (`get(i)`, `chunk[i]`, `iter()`), and dropping or `release`-ing the
//! run consumes it. Each value sits next to its stamp, so a chunk is not a
//! `&[T]`: it is an indexed run of positions that crosses the end of the
//! buffer transparently. Wrap-around never splits or shortens a run; a run
//! is only cut short where a message is not yet published. One private
//! module implements claimed and ready runs for every driver; each
//! driver's chunk types only add which cursor a commit or a release moves
//! (and, for MPSC, the holes of unwritten positions).
//!
//! # Disconnection
//!
//! When every producer is gone, consumers drain what is left and then see
//! `Closed`; when every consumer is gone, producers see `Closed` (a
//! broadcast publisher sees `Closed` while no subscriber is attached, and
//! can accept new subscribers). Unread messages are dropped exactly once,
//! when the last end of the ring goes.
//!
//! # Stamps
//!
//! Every slot carries a stamp next to its value, on the same cache line, so
//! a reader learns "this slot is full" from the line that also brings the
//! data (FastForward, Giacomoni et al. 2008; Vyukov's bounded queue). A
//! stamp encodes a position `p` (the running count of messages, never
//! reduced modulo the capacity) and a state in its two low bits:
//!
//! | stamp | meaning |
//! |---|---|
//! | `4p` | empty, may be written with message `p` |
//! | `4p + 1` | holds message `p` |
//! | `4p + 2` | being rewritten with message `p` (lossy broadcast); holds the reply to request `p` ([`rpc`]) |
//! | `4p + 3` | position `p` was claimed and abandoned: skip it (MPSC only) |
//!
//! A ring of capacity `c` puts position `p` in slot `p & (c - 1)`, so the
//! stamps of one slot in successive laps differ by `4c` and never collide.
//! Each module's doc states its protocol: what every cursor means, who
//! writes it and which memory ordering publishes what.
//!
//! # Verification
//!
//! - Loom models of every driver:
//!   `RUSTFLAGS="--cfg loom" cargo test --release -p enso-ring --test loom`
//!   (one sync facade, `crate::sync`, switches std and loom).
//! - Many-thread stress tests that check nothing is lost, duplicated or
//!   reordered per producer (10^7 messages each in release):
//!   `cargo test --release -p enso-ring --test stress`.
//! - Property tests against a `VecDeque` model (`tests/props.rs`), a
//!   counting global allocator (`tests/alloc.rs`), drop counts for every
//!   disconnection path (`tests/<driver>.rs`).
//!
//! # Measuring the hot paths
//!
//! `examples/hot_loop.rs` runs each driver's push/pop or chunk loop on one
//! thread (and rtrb's and crossbeam-channel's for comparison), so that
//! `valgrind --tool=callgrind` counts the instructions of the code path
//! alone, free of the cache-line traffic and scheduling noise that a shared
//! machine adds to the two-thread figures of `enso-bench`:
//!
//! ```text
//! cargo build --release -p enso-ring --example hot_loop
//! valgrind --tool=callgrind target/release/examples/hot_loop enso-one 1000000
//! ```
//!
//! Per message (Ir at 2M minus Ir at 1M, rustc 1.95, x86_64): `enso-one`
//! 46 (rtrb 49), `enso-batch` 11 (rtrb 6: a 16-byte slot carries its stamp,
//! and a commit stores one stamp per value), `bcast-one` 69 for one
//! publish read by two subscribers, `mpsc-one` 59 (crossbeam-channel 108).
//! Two things keep these paths small: the doorbell's wake-up is out of line
//! (only `Park` rings call it), and batch loops walk contiguous runs of
//! slots rather than masking every position.
//!
//! Limits the instruction counts do not show (two-thread runs, 2-vCPU KVM):
//!
//! - Ping-pong through a pair of rings moves at least two lines per round
//!   trip, one per direction; two padded atomics bounced that way take
//!   about 1.9x the single-line floor (`enso-bench pingpong`, rows
//!   "one cache line" and "two cache lines"), so no pair of rings reaches
//!   1.25x of the single line. [`rpc`] is the ring for that pattern: the
//!   reply is written into the request's slot, so a round trip moves one
//!   line, as the single-line floor does (row "enso rpc").
//! - A claim by CAS is a locked instruction, which waits for the
//!   producer's earlier stores to reach its cache; when the consumer has
//!   just read that slot's line, that is a cross-core fetch per message.
//!   One `lock xadd` on a private counter per push slows the SPSC ring to
//!   the MPSC figures (about 8x), so a CAS-claimed MPSC queue stays near
//!   crossbeam's one-at-a-time rate; batches (one CAS per chunk) avoid it.
//! - For `u64`, a stamped slot is 16 bytes: a batch moves twice the lines
//!   of rtrb's packed 8-byte slots, which bounds `enso-batch` against rtrb's
//!   chunks.

pub mod broadcast;
pub mod config;
pub mod error;
pub mod mpsc;
pub mod priority;
pub mod rpc;
pub mod sector;
pub mod spsc;
pub mod stream;
pub mod work;

mod chunk;
mod slots;
mod sync;
mod wait;

pub use config::{Backpressure, Config, MAX_CAPACITY, Policy, WaitStrategy};
pub use error::{
    ChunkError, PopError, PublishError, PushError, RecvError, RingError, SubscribeError,
};
