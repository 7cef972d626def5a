//! Yields: a task that yields is polled again in the next turn, after the
//! bus, never again in the same task phase.

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use common::*;
use enso::{Context, CoreIndex, JoinError, Task, yield_now};

/// How a [`SelfMail`] yields.
#[derive(Clone, Copy)]
enum How {
    /// `Context::yield_now`.
    Context,
    /// The `async` `yield_now()` future, polled with the task's waker (it
    /// wakes the task during its own poll).
    Future,
}

/// Sends itself a word on its first poll (a bus message, handled in the
/// next turn's bus phase), then yields until the word is in its mailbox;
/// ends with the number of polls that took.
struct SelfMail {
    how: How,
    polls: u64,
}

impl Task for SelfMail {
    type Output = u64;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
        self.polls += 1;
        if self.polls == 1 {
            cx.send(cx.id(), 7).expect("send to itself");
        }
        if cx.recv().is_some() {
            return Poll::Ready(self.polls);
        }
        match self.how {
            How::Context => cx.yield_now(),
            How::Future => {
                let mut scx = std::task::Context::from_waker(cx.waker());
                let y = pin!(yield_now());
                assert!(y.poll(&mut scx).is_pending(), "first poll yields");
            }
        }
        Poll::Pending
    }
}

#[test]
fn a_yield_lets_the_bus_run_before_the_next_poll() {
    let k = start(two_cores());
    let h = k.handle().clone();
    for how in [How::Context, How::Future] {
        for c in 0..2 {
            let j = h
                .spawn_on(CoreIndex(c), 3, SelfMail { how, polls: 0 })
                .unwrap();
            // Poll 1 sends and yields; the next turn's bus phase delivers
            // the word, so poll 2 sees it (the task quantum would otherwise
            // re-poll it up to 64 times first).
            assert_eq!(join(j), Ok(2));
        }
    }
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
}

/// Yields forever.
struct Spinner;
impl Task for Spinner {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        cx.yield_now();
        Poll::Pending
    }
}

#[test]
fn a_task_killed_while_yielded_frees_its_slot() {
    let k = start(two_cores());
    let h = k.handle().clone();
    for _ in 0..50 {
        let j = h.spawn_on(CoreIndex(1), 2, Spinner).unwrap();
        let id = loop {
            if let Some(id) = j.task_id() {
                break id;
            }
            std::thread::yield_now();
        };
        h.kill(id).unwrap();
        assert_eq!(join(j), Err(JoinError::Killed));
        // The slot (likely the same one) takes a new task, which runs.
        let v = h.spawn_on(CoreIndex(1), 2, Value(9)).unwrap();
        assert_eq!(join(v), Ok(9));
    }
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
}
