//! The bus mesh: one link per ordered pair of cores, and each core's end of it.
//!
//! Core `i` owns the sending end of every link `i -> j` and the receiving
//! end of every link `j -> i`, so each link has exactly one producer thread
//! and one consumer thread. Messages to the core itself go to a local queue.
//!
//! Backpressure: [`Endpoint::try_send`] hands the message back when the link
//! is full (tasks see `Full` and retry on a later poll). Messages the kernel
//! itself must not lose (wakes, join notices, spawns, replies) go through
//! [`Endpoint::send`], which parks them in a per-destination backlog that is
//! flushed, in order, at the start of every turn. Nothing is ever dropped.

use std::collections::VecDeque;

use crate::bus::{KINDS, Message};
use crate::ids::CoreIndex;
use crate::link::{LinkRx, LinkTx, link};
use crate::shared::Shared;

/// One core's end of the mesh.
pub(crate) struct Endpoint {
    me: CoreIndex,
    tx: Vec<Option<LinkTx>>,
    rx: Vec<Option<LinkRx>>,
    backlog: Vec<VecDeque<Message>>,
    /// Messages to this core itself, handled in its next bus phase.
    pub(crate) local: VecDeque<Message>,
    /// The source to read first next time (round robin).
    next: usize,
    /// Messages sent to other cores.
    pub(crate) sent: u64,
}

/// Builds the endpoints of `n` cores with links of `capacity` slots.
pub(crate) fn mesh(n: usize, capacity: usize) -> Result<Vec<Endpoint>, enso_ring::RingError> {
    let mut eps: Vec<Endpoint> = (0..n)
        .map(|i| Endpoint {
            me: CoreIndex(i as u8),
            tx: (0..n).map(|_| None).collect(),
            rx: (0..n).map(|_| None).collect(),
            backlog: (0..n).map(|_| VecDeque::with_capacity(capacity)).collect(),
            local: VecDeque::with_capacity(capacity),
            next: 0,
            sent: 0,
        })
        .collect();
    for i in 0..n {
        for j in 0..n {
            if i != j {
                let (t, r) = link(capacity)?;
                eps[i].tx[j] = Some(t);
                eps[j].rx[i] = Some(r);
            }
        }
    }
    Ok(eps)
}

impl Endpoint {
    /// Sends unless the link is full (then the message comes back).
    pub(crate) fn try_send(
        &mut self,
        sh: &Shared,
        to: CoreIndex,
        m: Message,
    ) -> Result<(), Message> {
        if to == self.me {
            // The local queue keeps the link's capacity as its bound.
            if self.local.len() >= self.local.capacity() {
                return Err(m);
            }
            self.local.push_back(m);
            return Ok(());
        }
        let j = to.get();
        if !self.backlog[j].is_empty() {
            return Err(m);
        }
        let Some(tx) = self.tx.get_mut(j).and_then(Option::as_mut) else {
            return Err(m);
        };
        tx.try_push(m)?;
        self.sent += 1;
        sh.cores[j].doorbell.ring();
        Ok(())
    }

    /// Sends, queueing behind a full link instead of failing.
    pub(crate) fn send(&mut self, sh: &Shared, to: CoreIndex, m: Message) {
        if to == self.me {
            // Kernel messages to itself are never refused (the queue grows
            // past its bound only under overload).
            self.local.push_back(m);
            return;
        }
        if let Err(m) = self.try_send(sh, to, m)
            && let Some(b) = self.backlog.get_mut(to.get())
        {
            b.push_back(m);
        }
    }

    /// Moves backlogged messages into their links, oldest first.
    pub(crate) fn flush(&mut self, sh: &Shared) {
        for j in 0..self.backlog.len() {
            let mut moved = false;
            let Some(tx) = self.tx[j].as_mut() else {
                continue;
            };
            while let Some(m) = self.backlog[j].pop_front() {
                match tx.try_push(m) {
                    Ok(()) => {
                        self.sent += 1;
                        moved = true;
                    }
                    Err(m) => {
                        self.backlog[j].push_front(m);
                        break;
                    }
                }
            }
            if moved {
                sh.cores[j].doorbell.ring();
            }
        }
    }

    /// Whether some backlog is waiting for room.
    pub(crate) fn has_backlog(&self) -> bool {
        self.backlog.iter().any(|b| !b.is_empty())
    }

    /// The next inbound message from another core, round robin over sources.
    pub(crate) fn recv(&mut self) -> Option<Message> {
        let n = self.rx.len();
        for k in 0..n {
            let j = (self.next + k) % n;
            if let Some(m) = self.rx[j].as_mut().and_then(LinkRx::try_pop) {
                self.next = (j + 1) % n;
                return Some(m);
            }
        }
        None
    }

    /// Whether any inbound link or the local queue holds a message.
    pub(crate) fn has_inbound(&mut self) -> bool {
        !self.local.is_empty() || self.rx.iter_mut().flatten().any(|r| !r.is_empty())
    }

    /// Counts and drops everything still queued (shutdown): inbound links,
    /// backlog and local queue. Dropping a spawn drops its task.
    pub(crate) fn drain_into(&mut self, counts: &mut [u64; KINDS]) {
        let mut count = |m: Message| counts[m.kind()] += 1;
        while let Some(m) = self.recv() {
            count(m);
        }
        for b in &mut self.backlog {
            b.drain(..).for_each(&mut count);
        }
        self.local.drain(..).for_each(count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesh_links_every_ordered_pair() {
        let eps = mesh(3, 4).unwrap();
        for (i, e) in eps.iter().enumerate() {
            for j in 0..3 {
                assert_eq!(e.tx[j].is_some(), i != j);
                assert_eq!(e.rx[j].is_some(), i != j);
            }
        }
    }
}
