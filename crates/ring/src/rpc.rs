//! Request/response ring: one client, one server, and every reply written
//! into the slot of its request.
//!
//! A pair of SPSC rings moves a round trip over two cache lines, one per
//! direction, each written by one core and read by the other; this ring
//! moves it over one. The client writes request `p` into slot
//! `p & (capacity - 1)`, the server reads it in place, overwrites it with
//! the reply, and the client takes the reply from the same slot. The line
//! migrates whole from one core to the other and back, which is what one
//! padded atomic bounced between two cores does (the physical floor that
//! `enso-bench pingpong` measures). It is the shape of a cross-core call:
//! a request to a core that owns some state, answered in order.
//!
//! # Protocol
//!
//! Positions count requests (running counts, never reduced modulo the
//! capacity); position `p` lives in slot `p & (capacity - 1)`. Stamps are
//! those of [the crate doc](crate#stamps) plus one state of this ring:
//! `4p + 1` holds request `p`, `4p + 2` holds the reply to request `p`.
//!
//! - `Client::sent` (private to the client): the next position to send.
//! - `Client::collected` (private to the client): the next position whose
//!   reply the client takes. `sent - collected` requests are in flight, at
//!   most the capacity. A slot is free again once the client took its
//!   reply, which the client knows from its own cursor: no cursor is
//!   shared, and nothing but the slot's line travels between the cores.
//! - `Server::next` (private to the server): the next position to serve.
//! - Slot stamps. The client writes request `p`, then stores `4p + 1` with
//!   `Release`; the server's `Acquire` load of that stamp makes the request
//!   visible. The server serves it in place, writes the reply over it and
//!   stores `4p + 2` with `Release`; the client's `Acquire` load of that
//!   stamp makes the reply visible, and also orders the server's last
//!   access to the request before the client's next write to the slot (at
//!   position `p + capacity`). Stamps of one slot in successive laps differ
//!   by `4 * capacity`, so a stale stamp never reads as a current one.
//! - `Shared::closed`: `CLIENT_GONE` / `SERVER_GONE` bits, set with
//!   `Release` by the dropping side and read with `Acquire` when a side
//!   finds nothing to do (then the slot is looked at again, so a request
//!   or reply published before the drop is not missed). The client checks
//!   `SERVER_GONE` (`Relaxed`, read-mostly) before each send.
//!
//! A dropping client stores its two cursors in `Shared` before it sets its
//! bit; the last end to go drops, exactly once, every request not served
//! and every reply not taken between them.
//!
//! # Waiting and backpressure
//!
//! `try_` calls answer at once; [`Client::recv`], [`Client::call`] and
//! [`Server::serve`] wait by the ring's [`WaitStrategy`]. A full ring is
//! full of the client's own uncollected replies, so waiting would never
//! make room: [`Client::try_send`] fails with [`PushError::Full`] at once,
//! whatever the backpressure, and the client collects replies to make room.
//! `Backpressure::Overwrite` is refused at construction.
//!
//! # Batches
//!
//! [`Server::serve_ready`] serves a run of up to `max` waiting requests in
//! place, and [`Client::recv_ready`] takes a run of up to `max` replies;
//! runs cross the end of the buffer transparently (positions, not slots).
//!
//! # Panics in a handler
//!
//! The server's handler gets the request by `&mut` in its slot. If it
//! panics, the slot is untouched: the request stays unserved and is
//! dropped with the ring (or served by a later call).
//!
//! ```
//! use enso_ring::rpc;
//! let (mut client, mut server) = rpc::channel::<u64, u64>(4).unwrap();
//! client.try_send(20).unwrap();
//! client.try_send(21).unwrap();
//! server.try_serve(|x| *x * 2).unwrap();
//! assert_eq!(client.try_recv(), Ok(40));
//! assert_eq!(server.serve_ready(8, |x| *x + 1), Ok(1));
//! assert_eq!(client.try_recv(), Ok(22));
//! drop(server);
//! assert_eq!(client.try_send(1), Err(enso_ring::PushError::Closed(1)));
//! ```

use crate::config::{Backpressure, Config, Policy, WaitStrategy, check_capacity};
use crate::error::{PopError, PushError, RingError};
use crate::slots::{Slot, SlotRange, SlotView, full};
use crate::sync::{Arc, AtomicUsize, Doorbell, Ordering};
use crate::wait::Waiter;
use crossbeam_utils::CachePadded;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;

const CLIENT_GONE: usize = 1;
const SERVER_GONE: usize = 2;

/// Stamp of a slot holding the reply to request `pos`.
#[inline(always)]
const fn replied(pos: usize) -> usize {
    (pos << 2) | 2
}

/// What a slot holds: a request or its reply, as its stamp says.
union Payload<Q, R> {
    request: ManuallyDrop<Q>,
    reply: ManuallyDrop<R>,
}

type RpcSlot<Q, R> = Slot<Payload<Q, R>>;

/// The two ends of a new ring.
pub type Ends<Q, R> = (Client<Q, R>, Server<Q, R>);

/// State shared by the two ends.
struct Shared<Q, R> {
    slots: SlotRange<Payload<Q, R>>,
    /// `CLIENT_GONE | SERVER_GONE` bits.
    closed: CachePadded<AtomicUsize>,
    /// The client's `collected` and `sent`, stored when it drops.
    client_cursors: [AtomicUsize; 2],
    bell: Doorbell,
}

impl<Q, R> Shared<Q, R> {
    /// Wakes the other end if it may be parked (Park strategy only).
    #[inline(always)]
    fn ring(&self, policy: Policy) {
        if policy.wait == WaitStrategy::Park {
            self.bell.notify();
        }
    }
}

impl<Q, R> Drop for Shared<Q, R> {
    fn drop(&mut self) {
        // Both ends are gone (this is the last `Arc`), so the client's
        // cursors were stored before its drop released the `Arc`.
        let collected = self.client_cursors[0].load(Ordering::Relaxed);
        let sent = self.client_cursors[1].load(Ordering::Relaxed);
        let mut pos = collected;
        while pos != sent {
            let slot = self.slots.slot(pos);
            let stamp = slot.stamp.load(Ordering::Acquire);
            slot.value.with_mut(|p| {
                // SAFETY: nobody else is left; the stamp says which half of
                // the payload is live for this in-flight position, and each
                // is dropped once, here.
                unsafe {
                    let payload = (*p).as_mut_ptr();
                    if stamp == full(pos) {
                        ManuallyDrop::drop(&mut (*payload).request);
                    } else if stamp == replied(pos) {
                        ManuallyDrop::drop(&mut (*payload).reply);
                    }
                }
            });
            pos = pos.wrapping_add(1);
        }
    }
}

/// Builds a ring for `capacity` requests in flight, with `SpinThenYield`
/// waiting. See [`with_config`].
pub fn channel<Q: Send, R: Send>(capacity: usize) -> Result<Ends<Q, R>, RingError> {
    with_config(Config::new(capacity))
}

/// Builds a ring as `config` says (its wait strategy; `Overwrite` is refused).
pub fn with_config<Q: Send, R: Send>(config: Config) -> Result<Ends<Q, R>, RingError> {
    check_capacity(config.capacity)?;
    if config.policy.backpressure == Backpressure::Overwrite {
        return Err(RingError::Unsupported {
            what: "rpc backpressure Overwrite (only broadcast::lossy overwrites)",
        });
    }
    let slots = SlotRange::alloc(config.capacity).ok_or(RingError::CapacityTooLarge {
        capacity: config.capacity,
    })?;
    let view = slots.view();
    let capacity = slots.capacity();
    let shared = Arc::new(Shared {
        slots,
        closed: CachePadded::new(AtomicUsize::new(0)),
        client_cursors: [AtomicUsize::new(0), AtomicUsize::new(0)],
        bell: Doorbell::default(),
    });
    let client = Client {
        shared: shared.clone(),
        sent: 0,
        collected: 0,
        capacity,
        policy: config.policy,
        slots: view,
        _not_sync: PhantomData,
    };
    let server = Server {
        shared,
        next: 0,
        policy: config.policy,
        slots: view,
        _not_sync: PhantomData,
    };
    Ok((client, server))
}

// SAFETY: the cached slot view points into the region the `Arc` keeps
// alive; the client moves requests to and replies from the server's
// thread, fine when both are `Send`.
unsafe impl<Q: Send, R: Send> Send for Client<Q, R> {}
// SAFETY: as for `Client`.
unsafe impl<Q: Send, R: Send> Send for Server<Q, R> {}

/// Runs `step` until it has succeeded `max` times or fails; how many
/// succeeded, or the first failure when that was the first step.
#[inline]
fn up_to(max: usize, mut step: impl FnMut() -> Result<(), PopError>) -> Result<usize, PopError> {
    let mut done = 0;
    while done < max {
        match step() {
            Ok(()) => done += 1,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// The calling end: sends requests, takes replies in the order sent.
/// `Send`, not `Clone`.
pub struct Client<Q, R> {
    shared: Arc<Shared<Q, R>>,
    /// Next position to send.
    sent: usize,
    /// Next position whose reply is taken.
    collected: usize,
    capacity: usize,
    policy: Policy,
    /// `shared.slots`, cached; valid while `shared` is held.
    slots: SlotView<Payload<Q, R>>,
    _not_sync: PhantomData<Cell<()>>,
}

impl<Q, R> fmt::Debug for Client<Q, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("rpc::Client")
            .field("sent", &self.sent)
            .field("collected", &self.collected)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl<Q, R> Client<Q, R> {
    /// Requests that may be in flight at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Requests sent whose replies were not taken yet.
    pub fn in_flight(&self) -> usize {
        self.sent.wrapping_sub(self.collected)
    }

    /// Whether the server is gone (replies it sent may still be taken).
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire) & SERVER_GONE != 0
    }

    #[inline(always)]
    fn slot(&self, pos: usize) -> &RpcSlot<Q, R> {
        // SAFETY: `self.shared` keeps the range alive.
        unsafe { self.slots.slot(pos) }
    }

    /// Sends a request without waiting. `Full` when `capacity` replies are
    /// not taken yet (take some first), `Closed` when the server is gone.
    #[inline]
    pub fn try_send(&mut self, request: Q) -> Result<(), PushError<Q>> {
        if self.shared.closed.load(Ordering::Relaxed) & SERVER_GONE != 0 {
            return Err(PushError::Closed(request));
        }
        let pos = self.sent;
        if pos.wrapping_sub(self.collected) == self.capacity {
            return Err(PushError::Full(request));
        }
        let slot = self.slot(pos);
        slot.value.with_mut(|p| {
            // SAFETY: the slot is free: its previous position's reply was
            // taken by this client (`collected` passed it, after an Acquire
            // of the server's stamp), and the server leaves a slot alone
            // until it is stamped with a request of its position.
            unsafe { (&raw mut (*(*p).as_mut_ptr()).request).write(ManuallyDrop::new(request)) }
        });
        slot.stamp.store(full(pos), Ordering::Release);
        self.sent = pos.wrapping_add(1);
        self.shared.ring(self.policy);
        Ok(())
    }

    /// Whether the reply at `collected + offset` has arrived.
    #[inline(always)]
    fn is_replied(&self, offset: usize) -> bool {
        let pos = self.collected.wrapping_add(offset);
        self.slot(pos).stamp.load(Ordering::Acquire) == replied(pos)
    }

    /// Takes the oldest reply without waiting. `Empty` when it has not
    /// arrived (or nothing is in flight), `Closed` when the server is gone
    /// and no reply is left to come.
    #[inline]
    pub fn try_recv(&mut self) -> Result<R, PopError> {
        let pos = self.collected;
        let slot = self.slot(pos);
        if pos == self.sent || slot.stamp.load(Ordering::Acquire) != replied(pos) {
            return Err(self.empty_or_closed());
        }
        // SAFETY: stamped `replied(pos)` (Acquire): the reply is written
        // and the server is done with the slot; taking it once, here.
        let reply = slot.value.with(|p| unsafe {
            ManuallyDrop::into_inner((&raw const (*(*p).as_ptr()).reply).read())
        });
        self.collected = pos.wrapping_add(1);
        Ok(reply)
    }

    /// `Closed` if the server is gone and the oldest reply never came.
    #[cold]
    fn empty_or_closed(&self) -> PopError {
        let in_flight = self.collected != self.sent;
        if self.is_closed() && !(in_flight && self.is_replied(0)) {
            PopError::Closed
        } else {
            PopError::Empty
        }
    }

    /// Takes the oldest reply, waiting for it. `Empty` at once when nothing
    /// is in flight; `Closed` when the server is gone without answering.
    pub fn recv(&mut self) -> Result<R, PopError> {
        if self.collected == self.sent {
            return Err(self.empty_or_closed());
        }
        let mut waiter = Waiter::new(self.policy.wait);
        loop {
            match self.try_recv() {
                Err(PopError::Empty) => {}
                done => return done,
            }
            let shared = &*self.shared;
            waiter.wait(&shared.bell, || {
                self.is_replied(0) || shared.closed.load(Ordering::Acquire) != 0
            });
        }
    }

    /// Sends `request` and waits for its reply: a round trip when nothing
    /// else is in flight (otherwise the replies before it come first, and
    /// this returns the oldest). The request comes back if it cannot be sent.
    pub fn call(&mut self, request: Q) -> Result<R, CallError<Q>> {
        self.try_send(request).map_err(|e| match e {
            PushError::Full(q) => CallError::Full(q),
            PushError::Closed(q) => CallError::Closed(Some(q)),
        })?;
        self.recv().map_err(|_| CallError::Closed(None))
    }

    /// Takes up to `max` replies that have arrived, oldest first, handing
    /// each to `f`; returns how many. `Empty`/`Closed` as [`try_recv`](Self::try_recv)
    /// when none has (and `max` is not 0).
    pub fn recv_ready(&mut self, max: usize, mut f: impl FnMut(R)) -> Result<usize, PopError> {
        up_to(max, || self.try_recv().map(&mut f))
    }
}

impl<Q, R> Drop for Client<Q, R> {
    fn drop(&mut self) {
        let shared = &*self.shared;
        shared.client_cursors[0].store(self.collected, Ordering::Relaxed);
        shared.client_cursors[1].store(self.sent, Ordering::Relaxed);
        shared.closed.fetch_or(CLIENT_GONE, Ordering::Release);
        shared.bell.notify();
    }
}

/// A call that did not complete.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum CallError<Q> {
    /// `capacity` replies are waiting to be taken; the request comes back.
    Full(Q),
    /// The server is gone: before the request was sent (it comes back) or
    /// before it answered (`None`).
    Closed(Option<Q>),
}

impl<Q> fmt::Debug for CallError<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(Some(_)) => f.write_str("Closed(Some(..))"),
            Self::Closed(None) => f.write_str("Closed(None)"),
        }
    }
}

impl<Q> fmt::Display for CallError<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("too many replies not taken"),
            Self::Closed(_) => f.write_str("the server is gone"),
        }
    }
}

impl<Q> std::error::Error for CallError<Q> {}

/// The serving end: answers requests in order, in place. `Send`, not `Clone`.
pub struct Server<Q, R> {
    shared: Arc<Shared<Q, R>>,
    /// Next position to serve.
    next: usize,
    policy: Policy,
    /// `shared.slots`, cached; valid while `shared` is held.
    slots: SlotView<Payload<Q, R>>,
    _not_sync: PhantomData<Cell<()>>,
}

impl<Q, R> fmt::Debug for Server<Q, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("rpc::Server")
            .field("next", &self.next)
            .finish()
    }
}

impl<Q, R> Server<Q, R> {
    /// Requests that may be in flight at once.
    pub fn capacity(&self) -> usize {
        self.shared.slots.capacity()
    }

    /// Whether the client is gone (requests it sent may still be served).
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire) & CLIENT_GONE != 0
    }

    #[inline(always)]
    fn slot(&self, pos: usize) -> &RpcSlot<Q, R> {
        // SAFETY: `self.shared` keeps the range alive.
        unsafe { self.slots.slot(pos) }
    }

    /// Whether the request at `next` has arrived.
    #[inline(always)]
    fn has_request(&self) -> bool {
        let pos = self.next;
        self.slot(pos).stamp.load(Ordering::Acquire) == full(pos)
    }

    /// Serves the oldest request without waiting: `f` reads (and may
    /// change) it in place, its result is written over it as the reply.
    /// `Empty` when no request waits, `Closed` when the client is gone and
    /// none is left.
    #[inline]
    pub fn try_serve(&mut self, f: impl FnOnce(&mut Q) -> R) -> Result<(), PopError> {
        let pos = self.next;
        let slot = self.slot(pos);
        if slot.stamp.load(Ordering::Acquire) != full(pos) {
            return Err(self.empty_or_closed());
        }
        let request = slot.value.with_mut(|p| {
            // SAFETY: stamped `full(pos)` (Acquire): the request is written
            // and the client leaves the slot alone until the reply's stamp.
            // The handler borrows it in place; if it panics, nothing here
            // has changed and the request stays in the slot. Then the
            // request is moved out and the reply written over it: the
            // payload holds the reply from here on.
            unsafe {
                let payload = (*p).as_mut_ptr();
                let reply = f(&mut (*payload).request);
                let request = ManuallyDrop::take(&mut (*payload).request);
                (&raw mut (*payload).reply).write(ManuallyDrop::new(reply));
                request
            }
        });
        slot.stamp.store(replied(pos), Ordering::Release);
        self.next = pos.wrapping_add(1);
        self.shared.ring(self.policy);
        // Dropped after the reply is out: a panicking drop cannot leave the
        // slot claiming a request that was moved out.
        drop(request);
        Ok(())
    }

    /// `Closed` if the client is gone and no request is left.
    #[cold]
    fn empty_or_closed(&self) -> PopError {
        if self.is_closed() && !self.has_request() {
            PopError::Closed
        } else {
            PopError::Empty
        }
    }

    /// Serves the oldest request, waiting for one; `Closed` when the client
    /// is gone and none is left.
    pub fn serve(&mut self, f: impl FnOnce(&mut Q) -> R) -> Result<(), PopError> {
        let mut waiter = Waiter::new(self.policy.wait);
        loop {
            if self.has_request() {
                return self.try_serve(f);
            }
            match self.empty_or_closed() {
                PopError::Closed => return Err(PopError::Closed),
                PopError::Empty => {}
            }
            let shared = &*self.shared;
            waiter.wait(&shared.bell, || {
                self.has_request() || shared.closed.load(Ordering::Acquire) != 0
            });
        }
    }

    /// Serves up to `max` waiting requests in order, each in place; returns
    /// how many. `Empty`/`Closed` as [`try_serve`](Self::try_serve) when none
    /// waits (and `max` is not 0).
    pub fn serve_ready(
        &mut self,
        max: usize,
        mut f: impl FnMut(&mut Q) -> R,
    ) -> Result<usize, PopError> {
        up_to(max, || self.try_serve(&mut f))
    }
}

impl<Q, R> Drop for Server<Q, R> {
    fn drop(&mut self) {
        self.shared.closed.fetch_or(SERVER_GONE, Ordering::Release);
        self.shared.bell.notify();
    }
}
