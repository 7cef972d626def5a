//! Quick latency probes (the real comparison rows live in enso-bench):
//! timer lateness on a parked timer core, and the cross-core task
//! ping-pong round trip under each idle policy.
//!
//! ```sh
//! cargo run --release -p enso --example latency
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, Kernel, Mail, Task, TaskId, TimerAction};

/// Arms `n` oneshots one after another, recording how late each fires.
struct Lateness {
    n: usize,
    delay: Duration,
    due: Option<Instant>,
    late_ns: Vec<u64>,
}
impl Task for Lateness {
    type Output = Vec<u64>;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Vec<u64>> {
        if let Some(due) = self.due.take() {
            self.late_ns
                .push(Instant::now().saturating_duration_since(due).as_nanos() as u64);
        }
        if self.late_ns.len() == self.n {
            return Poll::Ready(std::mem::take(&mut self.late_ns));
        }
        let me = cx.id();
        self.due = Some(Instant::now() + self.delay);
        cx.after(self.delay, TimerAction::Wake(me)).expect("timer");
        Poll::Pending
    }
}

/// Bounces a word with its peer `n` times; the output is the elapsed time.
struct Ping {
    peer: Option<TaskId>,
    left: u64,
    t0: Option<Instant>,
}
impl Task for Ping {
    type Output = Duration;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Duration> {
        while let Some(Mail::Word(w)) = cx.recv() {
            if self.peer.is_none() {
                self.peer = Some(TaskId::from_bits(w));
                self.t0 = Some(Instant::now());
            } else {
                self.left -= 1;
                if self.left == 0 {
                    return Poll::Ready(self.t0.map_or(Duration::ZERO, |t| t.elapsed()));
                }
            }
            if let Some(p) = self.peer {
                let _ = cx.send(p, 0);
            }
        }
        Poll::Pending
    }
}

struct Pong(TaskId, Arc<AtomicU64>);
impl Task for Pong {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Some(Mail::Word(w)) = cx.recv() {
            self.1.fetch_add(1, Ordering::Relaxed);
            let _ = cx.send(self.0, w);
        }
        Poll::Pending
    }
}

fn pct(v: &mut [u64], p: f64) -> u64 {
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p) as usize]
}

fn main() {
    let cpus = enso::available_cpus();
    let ap = *cpus.get(1).unwrap_or(&cpus[0]);
    // Timer lateness on a parked timer core.
    let topo = Kernel::builder()
        .core(CoreSpec::bsp("bsp", cpus[0]).tasks().idle(IdlePolicy::Park))
        .core(
            CoreSpec::ap("timers", ap)
                .tasks()
                .timers()
                .idle(IdlePolicy::Park),
        )
        .allow_shared_cpus(true)
        .build()
        .expect("topology");
    let k = Kernel::boot(topo).expect("boot").start().expect("start");
    let h = k.handle().clone();
    let j = h.spawn_on(
        CoreIndex(1),
        10,
        Lateness {
            n: 2000,
            delay: Duration::from_micros(200),
            due: None,
            late_ns: vec![],
        },
    );
    let mut late = j.expect("spawn").join().expect("lateness task");
    k.halt();
    k.join().expect("join");
    println!(
        "timer lateness, parked core, 200 us oneshots: p50 {} ns, p99 {} ns, max {} ns",
        pct(&mut late, 0.5),
        pct(&mut late, 0.99),
        pct(&mut late, 1.0)
    );
    // Cross-core ping-pong per idle policy.
    for idle in [
        IdlePolicy::Spin,
        IdlePolicy::SpinThenPark(Duration::from_micros(50)),
        IdlePolicy::Park,
    ] {
        let topo = Kernel::builder()
            .core(CoreSpec::bsp("a", cpus[0]).tasks().idle(idle))
            .core(CoreSpec::ap("b", ap).tasks().idle(idle))
            .allow_shared_cpus(true)
            .build()
            .expect("topology");
        let k = Kernel::boot(topo).expect("boot").start().expect("start");
        let h = k.handle().clone();
        let n = 20_000;
        let ping = h
            .spawn_on(
                CoreIndex(0),
                1,
                Ping {
                    peer: None,
                    left: n,
                    t0: None,
                },
            )
            .expect("spawn");
        let ping_id = loop {
            if let Some(id) = ping.task_id() {
                break id;
            }
            std::thread::yield_now();
        };
        let count = Arc::new(AtomicU64::new(0));
        let pong = h
            .spawn_on(CoreIndex(1), 1, Pong(ping_id, count))
            .expect("spawn");
        let pong_id = loop {
            if let Some(id) = pong.task_id() {
                break id;
            }
            std::thread::yield_now();
        };
        h.send(ping_id, pong_id.to_bits()).expect("send");
        let dt = ping.join().expect("ping");
        k.halt();
        k.join().expect("join");
        println!(
            "cross-core task ping-pong, {idle:?}: {:.0} ns per round trip",
            dt.as_nanos() as f64 / n as f64
        );
    }
}
