//! What a core does with each bus message.

use crate::bus::{End, Mail, Message};
use crate::caps::Cap;
use crate::core::Core;
use crate::error::JoinError;
use crate::ids::{RingId, TaskId};
use crate::stats::{TaskInfo, TaskState};

impl Core {
    /// Handles one message addressed to this core.
    pub(crate) fn handle(&mut self, m: Message) {
        match m {
            Message::Spawn { task, priority } => {
                self.place(task.0, priority);
            }
            Message::Join { task, waiter } => match self.table.find(task) {
                Ok(s) => self.table.slots[s as usize].waiters.push(waiter),
                Err(_) => crate::waker::wake(waiter),
            },
            Message::Kill { task } => self.kill(task),
            Message::Send { to, word } => self.deliver(to, Mail::Word(word)),
            Message::Ring { ring, end, task } => self.grant_ring(ring, end, task),
            Message::Cursor { ring, end, task } => {
                if let Ok(s) = self.table.find(task) {
                    self.table.slots[s as usize].caps.release(ring, end);
                } else {
                    self.sv.counters.stale_refused += 1;
                }
            }
            Message::Register { task, name } => match self.table.find(task) {
                Ok(s) => self.table.slots[s as usize].name = Some(name),
                Err(_) => self.sv.counters.stale_refused += 1,
            },
            Message::Timer(req) => {
                let now = self.shared.now();
                if let Some(t) = self.sv.timers.as_mut()
                    && t.arm(now.saturating_add(req.after_ns), req.period_ns, req.action)
                        .is_ok()
                {
                    return;
                }
                // No timer reactor or a full table: the requester learns by
                // the wake that never comes; the refusal is counted.
                self.sv.counters.stale_refused += 1;
            }
            Message::Exec { task, text } => self.deliver(task, Mail::Exec(text)),
            Message::Io { task, source } => {
                let ok = self.table.find(task).is_ok();
                match self.sv.reactor.as_mut() {
                    Some(r) if ok => match r.register(source, task) {
                        Ok(tok) => self.deliver(task, Mail::Io(tok.0)),
                        Err(e) => {
                            eprintln!("enso: {}: io registration for {task} failed: {e}", self.idx)
                        }
                    },
                    _ => self.sv.counters.stale_refused += 1,
                }
            }
            Message::Sync { from, seq, ack } => {
                if ack {
                    // Counters first: whoever waits for the answer reads them next.
                    self.publish_stats();
                    let sh = &self.shared.cores[self.idx.get()];
                    sh.synced.store(seq, std::sync::atomic::Ordering::Release);
                } else {
                    let me = self.idx;
                    self.sv.send(
                        from,
                        Message::Sync {
                            from: me,
                            seq,
                            ack: true,
                        },
                    );
                }
            }
            Message::Qos(q) => {
                self.quanta = q;
                *self.shared.cores[self.idx.get()]
                    .quanta
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = q;
                let cap = (q.io as usize).clamp(1, crate::core::MAX_EVENTS);
                if cap != self.events.capacity() {
                    self.events = mio::Events::with_capacity(cap);
                }
                let fired = (q.tasks.max(q.bus) as usize).max(1);
                if fired > self.fired.capacity() {
                    self.fired.reserve(fired);
                }
            }
            Message::Stats { seq } => self.publish_listing(seq),
            Message::Halt => self.halted = true,
            Message::Wake { task } => self.wake_local(task),
            Message::User { to, msg } => self.deliver(to, Mail::User(msg)),
        }
    }

    fn kill(&mut self, task: TaskId) {
        match self.table.find(task) {
            Ok(s) => {
                if let Some(mut t) = self.table.slots[s as usize].task.take() {
                    t.fail(JoinError::Killed);
                    self.finish(s, t);
                }
            }
            Err(_) => self.sv.counters.stale_refused += 1,
        }
    }

    fn grant_ring(&mut self, ring: RingId, end: End, task: TaskId) {
        let Ok(s) = self.table.find(task) else {
            self.sv.counters.stale_refused += 1;
            return;
        };
        let caps = &mut self.table.slots[s as usize].caps;
        if caps.holds(ring, end) {
            return;
        }
        let rings = self.shared.rings.read().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = rings.get(ring.0 as usize) else {
            return;
        };
        let cap = match end {
            End::Write => entry.take_writer().map(|t| Cap::Write(ring, t)),
            End::Read => entry.take_reader().map(|r| Cap::Read(ring, r)),
        };
        match cap {
            Some(c) => {
                caps.grant(c);
                drop(rings);
                self.wake_local(task);
            }
            None => self.sv.counters.stale_refused += 1,
        }
    }

    /// Copies the task and timer listing into the shared state.
    fn publish_listing(&mut self, seq: u64) {
        let sh = self.shared.clone();
        let core = &sh.cores[self.idx.get()];
        let mut l = core.listing.lock().unwrap_or_else(|e| e.into_inner());
        l.tasks.clear();
        l.timers.clear();
        for (i, slot) in self.table.slots.iter().enumerate() {
            if !slot.live {
                continue;
            }
            l.tasks.push(TaskInfo {
                id: self.table.id(i as u32),
                name: slot.name.and_then(|n| sh.name(n)),
                priority: slot.priority,
                state: if slot.queued || slot.rt.as_ref().is_some_and(|r| r.handle.is_some()) {
                    TaskState::Ready
                } else {
                    TaskState::Idle
                },
                polls: slot.polls,
                longest_poll_ns: slot.longest_ns,
                total_ns: slot.total_ns,
                capabilities: slot.caps.len(),
                mail: slot.mail.len(),
                rt: slot.rt.as_ref().map(|r| r.info()),
            });
        }
        if let Some(t) = &self.sv.timers {
            t.list(&mut l.timers);
        }
        l.seq = l.seq.max(seq);
        let published = l.seq;
        let mut answered = Vec::new();
        l.waiters.retain(|&(s, t)| {
            let due = s <= published;
            if due {
                answered.push(t);
            }
            !due
        });
        drop(l);
        core.listing_ready.notify_all();
        // On this core's thread: a requester elsewhere gets a `Wake` message.
        for t in answered {
            crate::waker::wake(t);
        }
    }
}
