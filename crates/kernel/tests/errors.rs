//! Refusals: spawning where tasks cannot run, full task tables, sockets
//! used by a task that does not own them, I/O on a core without a reactor.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use common::*;
use enso::{
    Context, CoreIndex, CoreSpec, IdlePolicy, IoToken, JoinError, Kernel, SpawnError, Task,
};

#[test]
fn spawn_refusals() {
    let k = start(
        Kernel::builder()
            .core(
                CoreSpec::bsp("c0", 0)
                    .tasks()
                    .max_tasks(2)
                    .idle(IdlePolicy::Park),
            )
            .core(CoreSpec::ap("io", 1).io().idle(IdlePolicy::Park)),
    );
    let h = k.handle().clone();
    assert_eq!(
        h.spawn_on(CoreIndex(1), 1, Value(1)).unwrap_err(),
        SpawnError::NotATaskCore(CoreIndex(1))
    );
    assert_eq!(
        h.spawn_on(CoreIndex(9), 1, Value(1)).unwrap_err(),
        SpawnError::UnknownCore(CoreIndex(9))
    );
    // Two slots: the third task is refused by the core and its joiner told so.
    let a = h.spawn_on(CoreIndex(0), 1, Forever).unwrap();
    let b = h.spawn_on(CoreIndex(0), 1, Forever).unwrap();
    let c = h.spawn_on(CoreIndex(0), 1, Value(3)).unwrap();
    assert_eq!(join(c), Err(JoinError::TableFull(CoreIndex(0))));
    h.kill(a.task_id().unwrap()).unwrap();
    assert_eq!(join(a), Err(JoinError::Killed));
    // A freed slot takes the next task.
    assert_eq!(join(h.spawn_on(CoreIndex(0), 1, Value(4)).unwrap()), Ok(4));
    drop(b);
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.tasks_dropped, 1);
}

/// Opens a listener and reports its token, then waits.
struct Owner;
impl Task for Owner {
    type Output = usize;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<usize> {
        let t = cx
            .io()
            .unwrap()
            .listen("127.0.0.1:0".parse().unwrap())
            .unwrap();
        Poll::Ready(t.0)
    }
}

/// Tries to use someone else's token.
struct Thief(usize);
impl Task for Thief {
    type Output = std::io::ErrorKind;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<std::io::ErrorKind> {
        let mut buf = [0u8; 4];
        Poll::Ready(
            cx.io()
                .unwrap()
                .read(IoToken(self.0), &mut buf)
                .unwrap_err()
                .kind(),
        )
    }
}

/// Asks for the reactor on a core without one.
struct NoReactor;
impl Task for NoReactor {
    type Output = std::io::ErrorKind;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<std::io::ErrorKind> {
        Poll::Ready(
            cx.io()
                .err()
                .map_or(std::io::ErrorKind::Other, |e| e.kind()),
        )
    }
}

#[test]
fn io_refusals() {
    let k = start(
        Kernel::builder()
            .core(CoreSpec::bsp("c0", 0).tasks().idle(IdlePolicy::Park))
            .core(CoreSpec::ap("io", 1).tasks().io().idle(IdlePolicy::Park)),
    );
    let h = k.handle().clone();
    // The owner ended, so its listener was closed: the token is nobody's.
    let tok = join(h.spawn_on(CoreIndex(1), 1, Owner).unwrap()).unwrap();
    let kind = join(h.spawn_on(CoreIndex(1), 1, Thief(tok)).unwrap()).unwrap();
    assert_eq!(kind, std::io::ErrorKind::PermissionDenied);
    let kind = join(h.spawn_on(CoreIndex(0), 1, NoReactor).unwrap()).unwrap();
    assert_eq!(kind, std::io::ErrorKind::Unsupported);
    k.halt();
    k.join().unwrap();
}

#[test]
fn posts_to_stopped_cores_are_refused_or_counted_never_hang() {
    let k = start(common::two_cores());
    let h = k.handle().clone();
    k.halt();
    let n = 3 * 1024;
    let mut refused = 0;
    for _ in 0..n {
        if h.qos(CoreIndex(1), enso::Quanta::default()).is_err() {
            refused += 1;
        }
    }
    let rep = k.join().unwrap();
    // Halt went first through the FIFO inbox: no qos was handled.
    assert_eq!(rep.undelivered[11] + refused, n, "{rep}");
    assert!(
        h.qos(CoreIndex(1), enso::Quanta::default()).is_err(),
        "closed after join"
    );
    assert!(h.sync(CoreIndex(1)).is_err());
}

/// Yields forever: always on the ready queue.
struct Spinner;
impl Task for Spinner {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        cx.yield_now();
        Poll::Pending
    }
}

#[test]
fn killing_queued_tasks_frees_their_ready_queue_entries() {
    let k = start(
        Kernel::builder()
            .core(CoreSpec::bsp("c0", 0).tasks().idle(IdlePolicy::Park))
            .core(
                CoreSpec::ap("c1", 1)
                    .tasks()
                    .max_tasks(4)
                    .idle(IdlePolicy::Park),
            ),
    );
    let h = k.handle().clone();
    for _ in 0..25 {
        let js: Vec<_> = (0..4)
            .map(|_| h.spawn_on(CoreIndex(1), 1, Spinner).unwrap())
            .collect();
        for j in &js {
            while j.task_id().is_none() {
                std::thread::yield_now();
            }
        }
        for j in &js {
            h.kill(j.task_id().unwrap()).unwrap();
        }
        for j in js {
            assert_eq!(join(j), Err(JoinError::Killed));
        }
    }
    // The queue (4 entries) would be clogged by stale entries otherwise.
    assert_eq!(join(h.spawn_on(CoreIndex(1), 9, Value(7)).unwrap()), Ok(7));
    k.halt();
    k.join().unwrap();
}

/// Spins inside its poll until released (keeps its core busy meanwhile).
struct Gate(Arc<AtomicBool>, Arc<AtomicBool>);
impl Task for Gate {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        self.1.store(true, Ordering::SeqCst);
        while !self.0.load(Ordering::SeqCst) {
            std::hint::spin_loop();
        }
        Poll::Ready(())
    }
}

#[test]
fn a_task_killed_while_queued_leaves_no_stale_ready_entry() {
    // Two slots. A spinner is queued; while a gate holds the core, the
    // spinner is killed and two tasks are spawned into the two freed
    // slots. A stale entry for the killed spinner would fill the queue
    // and the second task would never run.
    let k = start(
        Kernel::builder()
            .core(CoreSpec::bsp("c0", 0).tasks().idle(IdlePolicy::Park))
            .core(
                CoreSpec::ap("c1", 1)
                    .tasks()
                    .max_tasks(2)
                    .idle(IdlePolicy::Park),
            ),
    );
    let h = k.handle().clone();
    let s1 = h.spawn_on(CoreIndex(1), 1, Spinner).unwrap();
    while s1.task_id().is_none() {
        std::thread::yield_now();
    }
    let (open, running) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let g = h
        .spawn_on(CoreIndex(1), 255, Gate(open.clone(), running.clone()))
        .unwrap();
    while !running.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    h.kill(s1.task_id().unwrap()).unwrap();
    let s2 = h.spawn_on(CoreIndex(1), 1, Spinner).unwrap();
    let v = h.spawn_on(CoreIndex(1), 1, Value(7)).unwrap();
    open.store(true, Ordering::SeqCst);
    assert_eq!(join(g), Ok(()));
    assert_eq!(join(s1), Err(JoinError::Killed));
    assert_eq!(join(v), Ok(7));
    drop(s2);
    k.halt();
    k.join().unwrap();
}
