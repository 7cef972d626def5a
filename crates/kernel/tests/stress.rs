//! Stress: four cores on the two CPUs (shared explicitly), sixteen tasks
//! sending words to each other all-to-all through the bus and the local
//! queues, with backpressure. Every word sent is received exactly once.
//! CI runs this file in release too (`cargo test --release --test stress`).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::{Duration, Instant};

use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, Kernel, Mail, SendError, Task, TaskId};

const CORES: u8 = 4;
const PER_CORE: usize = 4;

struct Node {
    me: usize,
    dir: Arc<OnceLock<Vec<TaskId>>>,
    left: u64,
    rng: u64,
    sum_sent: Arc<AtomicU64>,
    sum_got: Arc<AtomicU64>,
    got: Arc<AtomicU64>,
}

impl Task for Node {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Some(m) = cx.recv() {
            if let Mail::Word(w) = m {
                self.sum_got.fetch_add(w, Ordering::Relaxed);
                self.got.fetch_add(1, Ordering::Relaxed);
            }
        }
        let Some(dir) = self.dir.get() else {
            return Poll::Pending;
        };
        let mut batch = 0;
        while self.left > 0 && batch < 32 {
            // xorshift: a different peer each time, self included.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            let to = dir[(self.rng % dir.len() as u64) as usize];
            let w = (self.me as u64) << 32 | self.left;
            match cx.send(to, w) {
                Ok(()) => {
                    self.sum_sent.fetch_add(w, Ordering::Relaxed);
                    self.left -= 1;
                    batch += 1;
                }
                Err(SendError::Full) => return Poll::Pending,
                Err(e) => panic!("{e}"),
            }
        }
        if self.left > 0 {
            cx.yield_now();
        }
        // Nodes keep receiving after they have sent everything.
        Poll::Pending
    }
}

#[test]
fn all_to_all_on_four_cores_over_two_cpus() {
    let per_node: u64 = if cfg!(debug_assertions) {
        3_000
    } else {
        100_000
    };
    let idle = IdlePolicy::SpinThenPark(Duration::from_micros(5));
    let mut b = Kernel::builder()
        .allow_shared_cpus(true)
        .bus_capacity(64)
        .mailbox(1024);
    for c in 0..CORES {
        let name = format!("c{c}");
        let spec = if c == 0 {
            CoreSpec::bsp(&name, 0)
        } else {
            CoreSpec::ap(&name, usize::from(c % 2))
        };
        b = b.core(spec.tasks().idle(idle));
    }
    let k = Kernel::boot(b.build().unwrap()).unwrap().start().unwrap();
    let h = k.handle().clone();
    let dir = Arc::new(OnceLock::new());
    let (sum_sent, sum_got, got) = (
        Arc::default(),
        Arc::<AtomicU64>::default(),
        Arc::<AtomicU64>::default(),
    );
    let mut joins = Vec::new();
    for i in 0..usize::from(CORES) * PER_CORE {
        let node = Node {
            me: i,
            dir: dir.clone(),
            left: per_node,
            rng: 0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1),
            sum_sent: Arc::clone(&sum_sent),
            sum_got: sum_got.clone(),
            got: got.clone(),
        };
        joins.push(
            h.spawn_on(CoreIndex((i % usize::from(CORES)) as u8), 5, node)
                .unwrap(),
        );
    }
    let t0 = Instant::now();
    let ids: Vec<TaskId> = joins
        .iter()
        .map(|j| {
            loop {
                if let Some(id) = j.task_id() {
                    break id;
                }
                assert!(t0.elapsed() < Duration::from_secs(30));
                std::thread::sleep(Duration::from_micros(200));
            }
        })
        .collect();
    dir.set(ids.clone()).unwrap();
    for id in &ids {
        h.wake(*id).unwrap();
    }
    let total = per_node * ids.len() as u64;
    while got.load(Ordering::Relaxed) < total {
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "stuck at {} of {total}",
            got.load(Ordering::Relaxed)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        got.load(Ordering::Relaxed),
        total,
        "no word delivered twice"
    );
    assert_eq!(
        sum_got.load(Ordering::Relaxed),
        sum_sent.load(Ordering::Relaxed),
        "every word intact"
    );
    let cores = h.cores();
    assert!(
        cores.iter().all(|c| c.counters.mail_overflow == 0),
        "{cores:?}"
    );
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
    assert_eq!(rep.words_lost(), 0, "{rep}");
    assert_eq!(rep.tasks_dropped, ids.len() as u64);
}
