//! One bus link: a bounded single-producer single-consumer queue of
//! messages between two cores.
//!
//! This file is the only place that knows which ring implementation the bus
//! uses; `mesh` sees [`LinkTx`] and [`LinkRx`] only. Until `enso-ring`'s SPSC
//! ring is committed this wraps crossbeam's `ArrayQueue` (bounded, lock-free,
//! preallocated; it pays a CAS the SPSC ring will not).

use crate::bus::Message;

/// The sending end (owned by the source core).
pub(crate) struct LinkTx {
    q: std::sync::Arc<crossbeam_queue::ArrayQueue<Message>>,
}

/// The receiving end (owned by the destination core).
pub(crate) struct LinkRx {
    q: std::sync::Arc<crossbeam_queue::ArrayQueue<Message>>,
}

/// A link of `capacity` slots (a power of two, checked by the topology).
pub(crate) fn link(capacity: usize) -> (LinkTx, LinkRx) {
    let q = std::sync::Arc::new(crossbeam_queue::ArrayQueue::new(capacity));
    (LinkTx { q: q.clone() }, LinkRx { q })
}

impl LinkTx {
    /// Pushes, or hands the message back when the link is full.
    pub(crate) fn try_push(&mut self, m: Message) -> Result<(), Message> {
        self.q.push(m)
    }
}

impl LinkRx {
    /// Pops the oldest message.
    pub(crate) fn try_pop(&mut self) -> Option<Message> {
        self.q.pop()
    }
    /// Whether nothing is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.q.is_empty()
    }
}
