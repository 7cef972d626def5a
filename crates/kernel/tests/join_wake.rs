//! Joining from outside: a thread blocked in `JoinHandle::join` is woken by
//! the task's end whichever comes first (no lost wakeup), now that the
//! completion signals the condvar only when a thread is blocked on it.

mod common;

use std::sync::mpsc;
use std::task::Poll;
use std::time::Duration;

use common::*;
use enso::{Context, CoreIndex, Mail, Task};

/// Ends with the first word it receives.
struct FirstWord;
impl Task for FirstWord {
    type Output = u64;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
        match cx.recv() {
            Some(Mail::Word(w)) => Poll::Ready(w),
            Some(other) => panic!("unexpected mail {other:?}"),
            None => Poll::Pending,
        }
    }
}

#[test]
fn join_from_another_thread_never_misses_the_end() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let (done_tx, done_rx) = mpsc::channel();
    // The joins run on their own thread so a lost wakeup fails the test
    // (by the watchdog below) instead of hanging it.
    let joiner = std::thread::spawn(move || {
        for i in 0..1000u64 {
            let j = h.spawn_on(CoreIndex((i % 2) as u8), 1, FirstWord).unwrap();
            let id = loop {
                if let Some(id) = j.task_id() {
                    break id;
                }
                std::thread::yield_now();
            };
            // Even rounds: the word is sent first, so the task may end
            // before `join`; odd rounds: sent from another thread after a
            // pause, so `join` has most likely blocked by then.
            let sender = if i % 2 == 0 {
                h.send(id, i).unwrap();
                None
            } else {
                let h2 = h.clone();
                Some(std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_micros(50));
                    h2.send(id, i).unwrap();
                }))
            };
            assert_eq!(j.join(), Ok(i));
            if let Some(s) = sender {
                s.join().unwrap();
            }
        }
        done_tx.send(()).unwrap();
    });
    done_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a join was not woken (lost wakeup) or the rounds hung");
    joiner.join().unwrap();
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
}
