//! One bus link: a bounded single-producer single-consumer queue of
//! messages between two cores, an `enso_ring::spsc` ring.
//!
//! This file is the only place that knows which ring implementation the bus
//! uses; `mesh` sees [`LinkTx`] and [`LinkRx`] only. The SPSC ring has no
//! non-consuming emptiness test, so the receiving end keeps at most one
//! message it has already popped (`peeked`) to answer "is anything waiting?"
//! before the core parks; that message is the next one `try_pop` returns,
//! so order is kept.

use enso_ring::spsc::{Consumer, Producer, channel};
use enso_ring::{PopError, PushError};

use crate::bus::Message;

/// The sending end (owned by the source core).
pub(crate) struct LinkTx {
    tx: Producer<Message>,
}

/// The receiving end (owned by the destination core).
pub(crate) struct LinkRx {
    rx: Consumer<Message>,
    peeked: Option<Message>,
}

/// A link of `capacity` slots (a power of two, checked by the topology).
pub(crate) fn link(capacity: usize) -> Result<(LinkTx, LinkRx), enso_ring::RingError> {
    let (tx, rx) = channel(capacity)?;
    Ok((LinkTx { tx }, LinkRx { rx, peeked: None }))
}

impl LinkTx {
    /// Pushes, or hands the message back when the link is full.
    pub(crate) fn try_push(&mut self, m: Message) -> Result<(), Message> {
        self.tx.try_push(m).map_err(|e| match e {
            PushError::Full(m) | PushError::Closed(m) => m,
        })
    }
}

impl LinkRx {
    /// Pops the oldest message.
    pub(crate) fn try_pop(&mut self) -> Option<Message> {
        self.peeked.take().or_else(|| self.rx.try_pop().ok())
    }

    /// Whether nothing is waiting.
    pub(crate) fn is_empty(&mut self) -> bool {
        if self.peeked.is_none() {
            match self.rx.try_pop() {
                Ok(m) => self.peeked = Some(m),
                Err(PopError::Empty | PopError::Closed) => return true,
            }
        }
        false
    }
}
