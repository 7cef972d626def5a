//! Capabilities: a task touches only the rings and counters in its table.

mod common;

use std::task::Poll;

use common::*;
use enso::{CapError, Context, CoreIndex, End, PushError, RingId, Task, TaskSpec};

/// Tries everything once and reports what happened.
struct Probe {
    ring: RingId,
    other: RingId,
    counter: enso::CounterId,
}

#[derive(Debug, PartialEq)]
struct Outcome {
    push_own: Result<(), PushError>,
    pop_own: Result<Option<u64>, CapError>,
    push_other: Result<(), PushError>,
    pop_other: Result<Option<u64>, CapError>,
    counter: Result<u64, CapError>,
    attach_taken: Result<RingId, CapError>,
}

impl Task for Probe {
    type Output = Outcome;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Outcome> {
        Poll::Ready(Outcome {
            push_own: cx.push(self.ring, 7),
            pop_own: cx.pop(self.ring),
            push_other: cx.push(self.other, 1),
            pop_other: cx.pop(self.other),
            counter: cx.counter_add(self.counter, 1),
            attach_taken: cx.attach("held", End::Write),
        })
    }
}

/// Holds the write end of "held" forever.
struct Holder;
impl Task for Holder {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Attaches both ends of a ring by name, moves a word through, detaches.
struct Attacher;
impl Task for Attacher {
    type Output = Result<Option<u64>, CapError>;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let r = (|| {
            let w = cx.attach("free", End::Write)?;
            let r = cx.attach("free", End::Read)?;
            cx.push(w, 99).map_err(|_| CapError::NoWrite(w))?;
            let got = cx.pop(r)?;
            cx.detach(w, End::Write)?;
            // Detached: the capability is gone.
            match cx.push(w, 1) {
                Err(PushError::Cap(CapError::NoWrite(x))) if x == w => Ok(got),
                other => panic!("push after detach: {other:?}"),
            }
        })();
        Poll::Ready(r)
    }
}

#[test]
fn capability_refusal() {
    let k = start(
        two_cores()
            .ring("mine", 8)
            .ring("other", 8)
            .ring("held", 8)
            .ring("free", 8)
            .counter("hits")
            .counter("secret")
            .task(TaskSpec::new("holder", "c1", || Holder).writes("held")),
    );
    let h = k.handle().clone();
    let ring = h.ring("mine").unwrap();
    let other = h.ring("other").unwrap();
    let secret = h.counter("secret").unwrap();
    // No capability at all: everything is refused.
    let j = h
        .spawn_on(
            CoreIndex(0),
            1,
            Probe {
                ring,
                other,
                counter: secret,
            },
        )
        .unwrap();
    let o = join(j).unwrap();
    assert_eq!(o.push_own, Err(PushError::Cap(CapError::NoWrite(ring))));
    assert_eq!(o.pop_own, Err(CapError::NoRead(ring)));
    assert_eq!(o.push_other, Err(PushError::Cap(CapError::NoWrite(other))));
    assert_eq!(o.pop_other, Err(CapError::NoRead(other)));
    assert_eq!(o.counter, Err(CapError::NoCounter(secret)));
    let held = h.ring("held").unwrap();
    assert_eq!(o.attach_taken, Err(CapError::Taken(held)));
    assert_eq!(h.counter_value(secret), Some(0));
    // Attaching free ends by name grants them; detaching takes them back.
    assert_eq!(
        join(h.spawn_on(CoreIndex(1), 1, Attacher).unwrap()),
        Ok(Ok(Some(99)))
    );
    let rings = h.rings();
    let free = rings.iter().find(|r| r.name == "free").unwrap();
    assert_eq!((free.pushed, free.popped, free.depth), (1, 1, 0));
    assert!(!free.writer_attached && !free.reader_attached, "{free:?}");
    let held = rings.iter().find(|r| r.name == "held").unwrap();
    assert!(held.writer_attached);
    k.halt();
    k.join().unwrap();
}

/// A boot task with grants uses them; a panic releases them.
struct Granted {
    ring: RingId,
    counter: enso::CounterId,
}
impl Task for Granted {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        cx.push(self.ring, 5).unwrap();
        cx.counter_add(self.counter, 3).unwrap();
        panic!("after using its capabilities");
    }
}

#[test]
fn boot_grants_work_and_a_panic_releases_them() {
    let k = start(
        two_cores().ring("out", 8).counter("n").task(
            TaskSpec::new("granted", "c1", || Granted {
                ring: RingId(0),
                counter: enso::CounterId(0),
            })
            .writes("out")
            .counter("n"),
        ),
    );
    let h = k.handle().clone();
    let n = h.counter("n").unwrap();
    let t0 = std::time::Instant::now();
    while h.counter_value(n) != Some(3) || h.rings()[0].writer_attached {
        assert!(t0.elapsed().as_secs() < 20, "{:?}", h.rings());
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(h.rings()[0].depth, 1);
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.ring_words_left, 1);
}
