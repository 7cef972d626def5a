//! Tasks: spawn and join across cores, wakes, stale ids, panics, kill, async.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::Poll;

use common::*;
use enso::{Context, CoreIndex, JoinError, JoinHandle, Mail, Task, TaskError};

#[test]
fn spawn_and_join_from_outside_on_both_cores() {
    let k = start(two_cores());
    let h = k.handle().clone();
    for c in 0..2 {
        let j = h
            .spawn_on(CoreIndex(c), 5, Value(40 + u64::from(c)))
            .unwrap();
        assert_eq!(join(j), Ok(40 + u64::from(c)));
    }
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
}

/// Spawns a child on the other core, then polls its join handle: the
/// child's completion wakes this task across cores.
struct Parent {
    child: Option<JoinHandle<u64>>,
}

impl Task for Parent {
    type Output = u64;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
        let other = CoreIndex(1 - cx.core().0);
        let child = self
            .child
            .get_or_insert_with(|| cx.spawn_on(other, 1, Value(7)).unwrap());
        match child.poll_join(cx.waker()) {
            Poll::Ready(Ok(v)) => Poll::Ready(v * 6),
            Poll::Ready(Err(e)) => panic!("child failed: {e}"),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[test]
fn cross_core_spawn_join_and_wake() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let j0 = h.spawn_on(CoreIndex(0), 1, Parent { child: None }).unwrap();
    let j1 = h.spawn_on(CoreIndex(1), 1, Parent { child: None }).unwrap();
    assert_eq!(join(j0), Ok(42));
    assert_eq!(join(j1), Ok(42));
    k.halt();
    k.join().unwrap();
}

/// Waits for mail, returns the sum of the words once it has seen `n`.
struct Sum {
    n: usize,
    seen: usize,
    sum: u64,
}
impl Task for Sum {
    type Output = u64;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
        while let Some(m) = cx.recv() {
            if let Mail::Word(w) = m {
                self.seen += 1;
                self.sum += w;
            }
        }
        if self.seen == self.n {
            Poll::Ready(self.sum)
        } else {
            Poll::Pending
        }
    }
}

/// Sends words 1..=n to `to` (another core), retrying on backpressure.
struct Sender {
    to: enso::TaskId,
    next: u64,
    n: u64,
}
impl Task for Sender {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while self.next <= self.n {
            match cx.send(self.to, self.next) {
                Ok(()) => self.next += 1,
                Err(enso::SendError::Full) => return Poll::Pending,
                Err(e) => panic!("{e}"),
            }
        }
        Poll::Ready(())
    }
}

#[test]
fn cross_core_send_wakes_receiver() {
    let k = start(two_cores().mailbox(64));
    let h = k.handle().clone();
    let rx = h
        .spawn_on(
            CoreIndex(1),
            1,
            Sum {
                n: 50,
                seen: 0,
                sum: 0,
            },
        )
        .unwrap();
    let id = wait_id(&rx);
    let tx = h
        .spawn_on(
            CoreIndex(0),
            1,
            Sender {
                to: id,
                next: 1,
                n: 50,
            },
        )
        .unwrap();
    assert_eq!(join(tx), Ok(()));
    assert_eq!(join(rx), Ok(50 * 51 / 2));
    k.halt();
    k.join().unwrap();
}

fn wait_id<T>(j: &JoinHandle<T>) -> enso::TaskId {
    for _ in 0..20_000 {
        if let Some(id) = j.task_id() {
            return id;
        }
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
    panic!("task never placed");
}

#[test]
fn stale_task_id_is_refused() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let j = h.spawn_on(CoreIndex(1), 1, Value(1)).unwrap();
    let id = wait_id(&j);
    assert_eq!(join(j), Ok(1));
    // The slot is free (or reused by a new task with a new generation).
    let again = h.spawn_on(CoreIndex(1), 1, Forever).unwrap();
    let id2 = wait_id(&again);
    assert_eq!(id2.slot(), id.slot(), "the freed slot is reused");
    assert_ne!(id2.generation(), id.generation());
    assert_eq!(h.check(id), Err(TaskError::Stale(id)));
    assert_eq!(h.kill(id), Err(TaskError::Stale(id)));
    assert_eq!(h.send(id, 1), Err(TaskError::Stale(id)));
    assert_eq!(h.wake(id), Err(TaskError::Stale(id)));
    assert!(h.check(id2).is_ok());
    // A kill for the live task reaches it, not the stale one.
    h.kill(id2).unwrap();
    assert_eq!(join(again), Err(JoinError::Killed));
    k.halt();
    k.join().unwrap();
}

/// Sets a flag when dropped.
struct DropFlag(Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

struct Boom(#[allow(dead_code)] DropFlag);
impl Task for Boom {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        panic!("boom inside a poll");
    }
}

#[test]
fn panicking_task_does_not_stop_its_core() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let dropped = Arc::new(AtomicBool::new(false));
    let j = h
        .spawn_on(CoreIndex(1), 1, Boom(DropFlag(dropped.clone())))
        .unwrap();
    match join(j) {
        Err(JoinError::Panicked(m)) => assert!(m.contains("boom"), "{m}"),
        other => panic!("expected a panic, got {other:?}"),
    }
    assert!(
        dropped.load(Ordering::SeqCst),
        "the failed task was dropped"
    );
    // The core goes on.
    for i in 0..10 {
        assert_eq!(join(h.spawn_on(CoreIndex(1), 1, Value(i)).unwrap()), Ok(i));
    }
    assert_eq!(h.cores()[1].counters.task_panics, 1);
    let f = h.failures();
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("boom"), "{f:?}");
    assert_eq!(f[0].id.core(), CoreIndex(1));
    k.halt();
    k.join().unwrap();
}

#[test]
fn halt_drops_every_task_and_fails_joiners() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let flags: Vec<Arc<AtomicBool>> = (0..6).map(|_| Arc::new(AtomicBool::new(false))).collect();
    struct Hold(#[allow(dead_code)] DropFlag);
    impl Task for Hold {
        type Output = ();
        fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
            Poll::Pending
        }
    }
    let joins: Vec<_> = flags
        .iter()
        .enumerate()
        .map(|(i, f)| {
            h.spawn_on(CoreIndex((i % 2) as u8), 1, Hold(DropFlag(f.clone())))
                .unwrap()
        })
        .collect();
    for j in &joins {
        wait_id(j);
    }
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.tasks_dropped, 6);
    assert!(
        flags.iter().all(|f| f.load(Ordering::SeqCst)),
        "every task's drop ran"
    );
    for j in joins {
        assert_eq!(join(j), Err(JoinError::Halted));
    }
}

#[test]
fn async_tasks_share_the_queue_and_wake_across_cores() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let hits = Arc::new(AtomicU64::new(0));
    let h2 = h.clone();
    let hits2 = hits.clone();
    let outer = h
        .spawn_async(CoreIndex(0), 3, async move {
            let mut total = 0;
            for i in 0..20u64 {
                // Each await parks this future until a task on core 1 ends:
                // the wake crosses the bus.
                let j = h2.spawn_on(CoreIndex(1), 3, Value(i)).unwrap();
                total += j.await.unwrap();
                enso::yield_now().await;
                hits2.fetch_add(1, Ordering::Relaxed);
            }
            total
        })
        .unwrap();
    assert_eq!(join(outer), Ok((0..20).sum()));
    assert_eq!(hits.load(Ordering::Relaxed), 20);
    k.halt();
    k.join().unwrap();
}

#[test]
fn priorities_order_ready_tasks() {
    // One core, tasks queued before it runs: higher priority runs first.
    let k = common::start(
        enso::Kernel::builder()
            .core(
                enso::CoreSpec::bsp("c0", 0)
                    .tasks()
                    .idle(enso::IdlePolicy::Park),
            )
            .counter("order"),
    );
    let h = k.handle().clone();
    let seq = Arc::new(AtomicU64::new(0));
    struct Stamp(Arc<AtomicU64>);
    impl Task for Stamp {
        type Output = u64;
        fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<u64> {
            Poll::Ready(self.0.fetch_add(1, Ordering::SeqCst))
        }
    }
    // A blocker keeps the core busy while the others are queued.
    let gate = Arc::new(AtomicBool::new(false));
    struct Gate(Arc<AtomicBool>);
    impl Task for Gate {
        type Output = ();
        fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
            while !self.0.load(Ordering::SeqCst) {
                std::hint::spin_loop();
            }
            Poll::Ready(())
        }
    }
    let g = h.spawn_on(CoreIndex(0), 255, Gate(gate.clone())).unwrap();
    wait_id(&g);
    let lo = h.spawn_on(CoreIndex(0), 1, Stamp(seq.clone())).unwrap();
    let hi = h.spawn_on(CoreIndex(0), 200, Stamp(seq.clone())).unwrap();
    gate.store(true, Ordering::SeqCst);
    let (hi, lo) = (join(hi).unwrap(), join(lo).unwrap());
    assert!(hi < lo, "high priority ran first ({hi} vs {lo})");
    k.halt();
    k.join().unwrap();
}

#[test]
fn dropping_a_running_kernel_halts_and_joins_it() {
    let flag = Arc::new(AtomicBool::new(false));
    struct Hold(#[allow(dead_code)] DropFlag);
    impl Task for Hold {
        type Output = ();
        fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
            Poll::Pending
        }
    }
    let k = start(two_cores());
    let j = k
        .handle()
        .spawn_on(CoreIndex(1), 1, Hold(DropFlag(flag.clone())))
        .unwrap();
    wait_id(&j);
    drop(k);
    assert!(
        flag.load(Ordering::SeqCst),
        "the task's drop ran before the kernel was gone"
    );
    assert_eq!(join(j), Err(JoinError::Halted));
}

/// Spawns `n` children on the other core through a tiny bus: the spawns
/// wait in the backlog behind the full link, none is lost.
struct Fan {
    n: u64,
    kids: Vec<JoinHandle<u64>>,
}
impl Task for Fan {
    type Output = u64;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<u64> {
        if self.kids.is_empty() {
            let other = CoreIndex(1 - cx.core().0);
            for i in 0..self.n {
                self.kids.push(cx.spawn_on(other, 1, Value(i)).unwrap());
            }
        }
        // Each result is handed out once; count them over the polls.
        for k in &mut self.kids {
            match k.poll_join(cx.waker()) {
                Poll::Ready(Ok(_)) => self.n -= 1,
                Poll::Ready(Err(e)) => panic!("{e}"),
                Poll::Pending => {}
            }
        }
        if self.n == 0 {
            Poll::Ready(0)
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn full_links_backlog_kernel_messages_and_lose_none() {
    let k = start(two_cores().bus_capacity(2));
    let h = k.handle().clone();
    let j = h
        .spawn_on(
            CoreIndex(0),
            1,
            Fan {
                n: 300,
                kids: Vec::new(),
            },
        )
        .unwrap();
    assert_eq!(join(j), Ok(0));
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
}
