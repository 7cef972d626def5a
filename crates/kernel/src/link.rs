//! One bus link: a bounded single-producer single-consumer queue of
//! messages between two cores, an `enso_ring::spsc` ring of 56-byte frames.
//!
//! This file is the only place that knows which ring implementation the bus
//! uses and how a message is laid out on it; `mesh` sees [`LinkTx`] and
//! [`LinkRx`] only.
//!
//! # Frames
//!
//! A ring slot is the ring's 8-byte stamp followed by the value; with a
//! 56-byte [`Frame`] a slot is exactly one 64-byte cache line (the ring's
//! region is cache-aligned), so a hand-off moves one line from the sending
//! core to the receiving one. A whole [`Message`] (80 bytes: `repr(C, u8)`,
//! its tag in byte 0 and its fields from byte 8) would straddle two lines
//! per slot, and the receiver would take a second miss for the bytes past
//! the first line.
//!
//! Every message kind but `Timer` has at most 48 bytes of fields (checked
//! by the test below), so all of it lies in the message's first 56 bytes:
//! it travels as one frame, the message's bytes `0..56`. A `Timer` travels
//! as two frames claimed and committed together (bytes `0..56`, then
//! `56..80`). The receiver copies frames back into an uninitialised
//! message and reads the tag in byte 0 to know whether a second frame
//! follows; if that frame is not visible yet, the first waits in `partial`.
//! Bytes of a short message past its 56th are never read as fields: they
//! belong to the inactive part of the `repr(C)` payload union.
//!
//! Ownership: a message's bits are moved into frames (the message is then
//! forgotten) and moved back out exactly once; frames themselves own
//! nothing, so the receiving end drains and drops whatever is left when it
//! is dropped.

use std::mem::{ManuallyDrop, MaybeUninit, size_of};

use enso_ring::spsc::{Consumer, Producer, channel};
use enso_ring::{PopError, PushError};

use crate::bus::{Message, TIMER_TAG};

/// Bytes of a frame: a ring slot (8-byte stamp plus frame) fills one line.
const FRAME: usize = 56;
/// Bytes of a message.
const MESSAGE: usize = size_of::<Message>();

const _: () = assert!(
    MESSAGE > FRAME && MESSAGE <= 2 * FRAME,
    "a message spans one or two frames"
);

/// 56 bytes of a message in flight.
#[derive(Clone, Copy)]
#[repr(C, align(8))]
pub(crate) struct Frame([MaybeUninit<u8>; FRAME]);

/// The sending end (owned by the source core).
pub(crate) struct LinkTx {
    tx: Producer<Frame>,
}

/// The receiving end (owned by the destination core).
pub(crate) struct LinkRx {
    rx: Consumer<Frame>,
    /// The first frame of a `Timer` whose second frame is not visible yet.
    partial: Option<Frame>,
}

/// A link of `capacity` frames (a power of two, checked by the topology).
pub(crate) fn link(capacity: usize) -> Result<(LinkTx, LinkRx), enso_ring::RingError> {
    let (tx, rx) = channel(capacity)?;
    Ok((LinkTx { tx }, LinkRx { rx, partial: None }))
}

/// Bytes `at..at + FRAME` (clipped to the message) of the message at `m`.
///
/// # Safety
/// `m` points to a message (its bytes readable for `MESSAGE` bytes).
unsafe fn frame_at(m: *const Message, at: usize) -> Frame {
    let mut f = Frame([MaybeUninit::uninit(); FRAME]);
    let n = FRAME.min(MESSAGE - at);
    // SAFETY: `at + n <= MESSAGE`, inside the message (caller's contract);
    // the frame has room for `n <= FRAME` bytes; the two do not overlap.
    // Bytes are copied as `MaybeUninit<u8>`, so padding may be uninit.
    unsafe {
        std::ptr::copy_nonoverlapping(m.cast::<MaybeUninit<u8>>().add(at), f.0.as_mut_ptr(), n);
    }
    f
}

/// Copies frame `f` into the bytes `at..` (clipped) of the message at `m`.
///
/// # Safety
/// `m` points to `MESSAGE` writable bytes.
unsafe fn put_frame(m: *mut Message, at: usize, f: &Frame) {
    let n = FRAME.min(MESSAGE - at);
    // SAFETY: as in `frame_at`, in the other direction.
    unsafe {
        std::ptr::copy_nonoverlapping(f.0.as_ptr(), m.cast::<MaybeUninit<u8>>().add(at), n);
    }
}

/// Whether the message starting with frame `f` is a `Timer` (two frames).
fn is_timer(f: &Frame) -> bool {
    // SAFETY: byte 0 of every message is its `repr(u8)` tag, initialised.
    unsafe { f.0[0].assume_init() == TIMER_TAG }
}

impl LinkTx {
    /// Pushes, or hands the message back when the link is full.
    pub(crate) fn try_push(&mut self, m: Message) -> Result<(), Message> {
        let m = ManuallyDrop::new(m);
        let p: *const Message = &*m;
        // SAFETY: `p` points to the message, alive in `m`.
        let first = unsafe { frame_at(p, 0) };
        if !is_timer(&first) {
            return match self.tx.try_push(first) {
                // The bits now travel in the frame; `m` is forgotten.
                Ok(()) => Ok(()),
                Err(PushError::Full(_) | PushError::Closed(_)) => Err(ManuallyDrop::into_inner(m)),
            };
        }
        // SAFETY: as above; `FRAME < MESSAGE`.
        let second = unsafe { frame_at(p, FRAME) };
        let Ok(mut chunk) = self.tx.write_chunk(2) else {
            return Err(ManuallyDrop::into_inner(m));
        };
        // Two claimed slots take two pushes; frames are `Copy`.
        if chunk.push(first).is_err() || chunk.push(second).is_err() {
            drop(chunk);
            return Err(ManuallyDrop::into_inner(m));
        }
        chunk.commit();
        Ok(())
    }
}

impl LinkRx {
    /// Pops the oldest message.
    pub(crate) fn try_pop(&mut self) -> Option<Message> {
        let first = match self.partial.take() {
            Some(f) => f,
            None => self.rx.try_pop().ok()?,
        };
        let mut m = MaybeUninit::<Message>::uninit();
        // SAFETY: `m` has room for a whole message.
        unsafe { put_frame(m.as_mut_ptr(), 0, &first) };
        if is_timer(&first) {
            match self.rx.try_pop() {
                // SAFETY: as above; `FRAME < MESSAGE`.
                Ok(second) => unsafe { put_frame(m.as_mut_ptr(), FRAME, &second) },
                Err(PopError::Empty | PopError::Closed) => {
                    self.partial = Some(first);
                    return None;
                }
            }
        }
        // SAFETY: the frames are the bytes of a message the sender moved
        // in (and forgot): its tag, and every field of its kind (within the
        // first frame, or both frames for a `Timer`), are as it wrote them.
        Some(unsafe { m.assume_init() })
    }

    /// Whether nothing is waiting (a `Timer` half-arrived counts as
    /// waiting: its second frame is on its way).
    pub(crate) fn is_empty(&mut self) -> bool {
        self.partial.is_none() && self.rx.is_empty()
    }
}

impl Drop for LinkRx {
    fn drop(&mut self) {
        // Messages never read are dropped here (their tasks, sockets).
        while self.try_pop().is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{End, TimerRequest, UserMsg};
    use crate::ids::{CoreIndex, RingId, TaskId};
    use crate::timer::TimerAction;
    use crate::topology::Quanta;

    /// The fields of the largest kinds but `Timer`, laid out as the
    /// `repr(C)` variants are: each must fit in a frame after the tag.
    #[test]
    fn every_kind_but_timer_fits_one_frame() {
        #[repr(C)]
        struct User(TaskId, UserMsg);
        #[repr(C)]
        struct Sync(CoreIndex, u64, bool);
        #[repr(C)]
        struct Ring(RingId, End, TaskId);
        #[repr(C)]
        struct Spawn(crate::task::TaskBox, u8);
        #[repr(C)]
        struct Io(TaskId, crate::io::IoSource);
        let fit = FRAME - 8;
        assert!(size_of::<User>() <= fit);
        assert!(size_of::<Sync>() <= fit);
        assert!(size_of::<Ring>() <= fit);
        assert!(size_of::<Spawn>() <= fit);
        assert!(size_of::<Io>() <= fit);
        assert!(size_of::<Quanta>() <= fit);
        assert!(size_of::<TimerRequest>() > fit);
        assert_eq!(size_of::<Message>(), 80);
    }

    #[test]
    fn messages_round_trip_in_order_one_or_two_frames() {
        let (mut tx, mut rx) = link(4).unwrap();
        let to = TaskId::from_bits(0x0102_0304_0506_0708);
        let msg = UserMsg {
            protocol: 0xBEEF,
            words: [1, 2, 3, u64::MAX],
        };
        let timer = TimerRequest {
            after_ns: 11,
            period_ns: 22,
            action: TimerAction::User { to, msg },
        };
        tx.try_push(Message::User { to, msg }).unwrap();
        tx.try_push(Message::Timer(timer)).unwrap();
        // One frame left: a Timer does not fit, a Halt does.
        let back = tx.try_push(Message::Timer(timer)).unwrap_err();
        assert!(matches!(back, Message::Timer(t) if t == timer));
        tx.try_push(Message::Halt).unwrap();
        assert!(!rx.is_empty());
        assert!(
            matches!(rx.try_pop(), Some(Message::User { to: t, msg: m }) if t == to && m == msg)
        );
        assert!(matches!(rx.try_pop(), Some(Message::Timer(t)) if t == timer));
        assert!(matches!(rx.try_pop(), Some(Message::Halt)));
        assert!(rx.try_pop().is_none());
        assert!(rx.is_empty());
    }

    #[test]
    fn unread_spawns_are_dropped_with_the_link() {
        use std::sync::Arc;
        struct Probe(#[allow(dead_code)] Arc<()>);
        impl crate::Task for Probe {
            type Output = ();
            fn poll(&mut self, _: &mut crate::Context<'_>) -> std::task::Poll<()> {
                std::task::Poll::Ready(())
            }
        }
        let alive = Arc::new(());
        let (mut tx, rx) = link(4).unwrap();
        let task = crate::task::TaskBox::new(Probe(alive.clone()));
        tx.try_push(Message::Spawn { task, priority: 1 }).unwrap();
        assert_eq!(Arc::strong_count(&alive), 2);
        drop(rx);
        assert_eq!(Arc::strong_count(&alive), 1);
    }

    /// Round trip of a `Sync` between two pinned threads over two links,
    /// against the same over rings of whole messages (the old layout):
    /// the fastest of 200 rounds of 1000 round trips each, so rounds that
    /// lost their CPU to other processes drop out. A measurement, not a
    /// check: `cargo test --release -p enso --lib link_round_trip -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement; run in release with --nocapture"]
    fn link_round_trip() {
        fn sync(seq: u64) -> Message {
            Message::Sync {
                from: CoreIndex(0),
                seq,
                ack: false,
            }
        }
        fn seq_of(m: Message) -> u64 {
            match m {
                Message::Sync { seq, .. } => seq,
                _ => u64::MAX,
            }
        }
        fn run<Tx: Send + 'static, Rx: Send + 'static>(
            (mut a_tx, mut b_rx): (Tx, Rx),
            (mut b_tx, mut a_rx): (Tx, Rx),
            push: fn(&mut Tx, Message) -> bool,
            pop: fn(&mut Rx) -> Option<Message>,
        ) -> f64 {
            const ROUNDS: u64 = 200;
            const PER: u64 = 1000;
            let echo = std::thread::spawn(move || {
                let _ = core_affinity::set_for_current(core_affinity::CoreId { id: 1 });
                for _ in 0..ROUNDS * PER {
                    let m = loop {
                        if let Some(m) = pop(&mut b_rx) {
                            break m;
                        }
                        std::hint::spin_loop();
                    };
                    assert!(push(&mut b_tx, m));
                }
            });
            let _ = core_affinity::set_for_current(core_affinity::CoreId { id: 0 });
            let mut best = f64::MAX;
            for r in 0..ROUNDS {
                let t0 = std::time::Instant::now();
                for i in 0..PER {
                    assert!(push(&mut a_tx, sync(r * PER + i)));
                    let m = loop {
                        if let Some(m) = pop(&mut a_rx) {
                            break m;
                        }
                        std::hint::spin_loop();
                    };
                    assert_eq!(seq_of(m), r * PER + i);
                }
                best = best.min(t0.elapsed().as_nanos() as f64 / PER as f64);
            }
            echo.join().unwrap();
            best
        }
        for _ in 0..3 {
            let frames = run(
                link(256).unwrap(),
                link(256).unwrap(),
                |t, m| t.try_push(m).is_ok(),
                |r| r.try_pop(),
            );
            let whole = run(
                channel::<Message>(256).unwrap(),
                channel::<Message>(256).unwrap(),
                |t, m| t.try_push(m).is_ok(),
                |r| r.try_pop().ok(),
            );
            println!(
                "round trip, fastest round: 56-byte frames {frames:.0} ns, whole 80-byte messages {whole:.0} ns"
            );
        }
    }
}
