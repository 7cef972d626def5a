//! Refusals: spawning where tasks cannot run, full task tables, sockets
//! used by a task that does not own them, I/O on a core without a reactor.

mod common;

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
