//! Stats per core, per task and per ring, read through the handle.

mod common;

use std::task::Poll;

use common::*;
use enso::{Context, CoreIndex, Task, TaskSpec};

/// Polls itself `n` times, pushing a word into its ring each time.
struct Busy {
    n: u32,
    ring: enso::RingId,
}
impl Task for Busy {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let _ = cx.push(self.ring, 1);
        self.n -= 1;
        if self.n == 0 {
            return Poll::Ready(());
        }
        cx.yield_now();
        Poll::Pending
    }
}

#[test]
fn counters_and_listings() {
    let k = start(
        two_cores()
            .ring("r", 64)
            .task(TaskSpec::new("idle", "c1", || Forever).priority(3)),
    );
    let h = k.handle().clone();
    // A task that holds the write end, attached by the handle.
    let j = h.spawn_on(CoreIndex(1), 2, Forever).unwrap();
    let t0 = std::time::Instant::now();
    let id = loop {
        if let Some(id) = j.task_id() {
            break id;
        }
        assert!(t0.elapsed().as_secs() < 20);
    };
    let ring = h.ring("r").unwrap();
    h.kill(id).unwrap();
    // Busy gets the write end by attaching it itself.
    struct Attach(u32);
    impl Task for Attach {
        type Output = ();
        fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
            let ring = cx.attach("r", enso::End::Write).unwrap();
            let mut b = Busy { n: self.0, ring };
            loop {
                if b.poll(cx).is_ready() {
                    return Poll::Ready(());
                }
            }
        }
    }
    join(h.spawn_on(CoreIndex(0), 2, Attach(10)).unwrap()).unwrap();
    let j = h.spawn_on(CoreIndex(0), 2, Busy { n: 50, ring }).unwrap();
    let _ = join(j);
    h.sync(CoreIndex(0)).unwrap();
    let cores = h.cores();
    assert_eq!(cores.len(), 2);
    assert_eq!(cores[0].name, "c0");
    assert!(cores[0].counters.polls >= 51, "{:?}", cores[0].counters);
    assert!(cores[0].counters.bus_in >= 2, "{:?}", cores[0].counters);
    assert!(cores[0].counters.turns > 0);
    assert!(cores[0].counters.busy_ns > 0);
    let rings = h.rings();
    assert_eq!(rings[0].pushed, 10);
    assert_eq!(rings[0].depth, 10);
    let tasks = h.tasks();
    let idle = tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("idle"))
        .expect("boot task listed");
    assert_eq!(idle.priority, 3);
    assert_eq!(idle.id.core(), CoreIndex(1));
    assert!(idle.polls >= 1);
    assert!(idle.total_ns >= idle.longest_poll_ns);
    assert!(!tasks.iter().any(|t| t.id == id), "killed task not listed");
    let text = h.prometheus();
    assert!(
        text.contains("# TYPE enso_core_polls_total counter"),
        "{text}"
    );
    assert!(
        text.contains("enso_core_polls_total{core=\"c0\"}"),
        "{text}"
    );
    assert!(
        text.contains("enso_ring_pushed_total{ring=\"r\"} 10"),
        "{text}"
    );
    assert!(text.contains("name=\"idle\""), "{text}");
    // Every sample line is `name{labels} value`.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (_, v) = line.rsplit_once(' ').expect(line);
        assert!(v.parse::<f64>().is_ok(), "{line}");
    }
    k.halt();
    k.join().unwrap();
}
