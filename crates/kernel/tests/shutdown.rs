//! Shutdown with messages in flight: every word sent is either received or
//! counted in the report; nothing is lost silently.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use common::*;
use enso::{Context, CoreIndex, Mail, SendError, Task, TaskId};

/// Sends words to `to` as fast as the bus allows, forever.
struct Flood {
    to: TaskId,
    sent: Arc<AtomicU64>,
}
impl Task for Flood {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        for _ in 0..64 {
            match cx.send(self.to, 1) {
                Ok(()) => {
                    self.sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(SendError::Full) => return Poll::Pending,
                // The receiver's core halted first and dropped it.
                Err(SendError::Task(_)) => return Poll::Ready(()),
            }
        }
        cx.yield_now();
        Poll::Pending
    }
}

/// Reads at most two words per poll (so mail piles up and overflows).
struct Slow {
    got: Arc<AtomicU64>,
}
impl Task for Slow {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        for _ in 0..2 {
            if let Some(Mail::Word(_)) = cx.recv() {
                self.got.fetch_add(1, Ordering::Relaxed);
            }
        }
        if cx.mail_len() > 0 {
            cx.yield_now();
        }
        Poll::Pending
    }
}

#[test]
fn halt_with_messages_in_flight_loses_none_without_counting() {
    for round in 0..3 {
        let k = start(two_cores().mailbox(8).bus_capacity(64));
        let h = k.handle().clone();
        let sent = Arc::new(AtomicU64::new(0));
        let got = Arc::new(AtomicU64::new(0));
        let rx = h
            .spawn_on(CoreIndex(1), 5, Slow { got: got.clone() })
            .unwrap();
        let t0 = Instant::now();
        let rx_id = loop {
            if let Some(id) = rx.task_id() {
                break id;
            }
            assert!(t0.elapsed() < Duration::from_secs(20));
            std::thread::sleep(Duration::from_micros(100));
        };
        h.spawn_on(
            CoreIndex(0),
            5,
            Flood {
                to: rx_id,
                sent: sent.clone(),
            },
        )
        .unwrap();
        while sent.load(Ordering::Relaxed) < 20_000 {
            assert!(t0.elapsed() < Duration::from_secs(20));
            std::thread::sleep(Duration::from_millis(1));
        }
        k.halt();
        let rep = k.join().unwrap();
        let (s, g) = (sent.load(Ordering::Relaxed), got.load(Ordering::Relaxed));
        assert_eq!(
            s,
            g + rep.words_lost(),
            "round {round}: sent {s}, received {g}, {rep}"
        );
        assert!(
            rep.words_lost() > 0,
            "round {round}: the test did halt mid-flight: {rep}"
        );
        assert!(rep.tasks_dropped >= 1, "{rep}");
    }
}
