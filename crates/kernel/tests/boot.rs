//! Boot and run: the BSP on the calling thread, APs pinned, boot tasks,
//! spawning by registered name, wakes from foreign threads, idle policies.

mod common;

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use common::*;
use enso::{Context, CoreIndex, CoreSpec, IdlePolicy, Kernel, Task, TaskSpec};

/// Records the CPU it runs on; then either halts the kernel or, on the
/// BSP, spawns a halting probe on core 1 (which runs after core 1's boot
/// task: boot tasks are queued first and have a higher priority).
struct WhereAmI {
    cpu: Arc<AtomicI64>,
    then: Then,
}
enum Then {
    Nothing,
    Halt,
    SpawnHalter(Arc<AtomicI64>),
}
impl Task for WhereAmI {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: sched_getcpu has no preconditions.
        let cpu = unsafe { libc::sched_getcpu() };
        self.cpu.store(i64::from(cpu), Ordering::SeqCst);
        match std::mem::replace(&mut self.then, Then::Nothing) {
            Then::Nothing => {}
            Then::Halt => cx.halt_kernel(),
            Then::SpawnHalter(cpu) => {
                cx.spawn_on(
                    CoreIndex(1),
                    0,
                    WhereAmI {
                        cpu,
                        then: Then::Halt,
                    },
                )
                .unwrap();
            }
        }
        Poll::Ready(())
    }
}

#[test]
fn run_pins_aps_and_returns_when_a_task_halts() {
    let on_ap = Arc::new(AtomicI64::new(-1));
    let on_bsp = Arc::new(AtomicI64::new(-1));
    let halter = Arc::new(AtomicI64::new(-1));
    let (a, b, c) = (on_ap.clone(), on_bsp.clone(), halter.clone());
    let topo = two_cores()
        .task(TaskSpec::new("ap", "c1", move || WhereAmI {
            cpu: a,
            then: Then::Nothing,
        }))
        .task(TaskSpec::new("bsp", "c0", move || WhereAmI {
            cpu: b,
            then: Then::SpawnHalter(c),
        }))
        .build()
        .unwrap();
    // The calling thread is the BSP until the halt.
    let before = cpu_count();
    let report = Kernel::boot(topo).unwrap().run().expect("clean run");
    assert_eq!(on_ap.load(Ordering::SeqCst), 1, "the AP runs on CPU 1");
    assert_eq!(
        on_bsp.load(Ordering::SeqCst),
        0,
        "the BSP (calling thread) runs on CPU 0"
    );
    assert_eq!(halter.load(Ordering::SeqCst), 1);
    assert_eq!(report.lost(), 0, "{report}");
    // The calling thread got its own affinity back.
    assert_eq!(cpu_count(), before);
}

/// How many CPUs the calling thread may run on.
fn cpu_count() -> i32 {
    let mut set = unsafe_zeroed();
    // SAFETY: pid 0 is this thread; pointer and size describe `set`.
    let r = unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    assert_eq!(r, 0);
    // SAFETY: `set` is a valid cpu_set_t.
    unsafe { libc::CPU_COUNT(&set) }
}

fn unsafe_zeroed() -> libc::cpu_set_t {
    // SAFETY: cpu_set_t is plain data; all-zero is the empty set.
    unsafe { std::mem::zeroed() }
}

/// A registered task: waits forever, keeps its spawn argument.
struct Doubler(u64);
impl Task for Doubler {
    type Output = u64;
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<u64> {
        assert_eq!(self.0, 21, "the spawn argument reaches the factory");
        Poll::Pending
    }
}

#[test]
fn spawn_by_registered_name_is_listed_by_that_name() {
    let k = start(two_cores().register("doubler", Doubler));
    let h = k.handle().clone();
    assert_eq!(h.registered(), vec!["doubler".to_string()]);
    assert!(matches!(
        h.spawn_named(CoreIndex(1), 4, "nope", 0),
        Err(enso::SpawnError::UnknownName(_))
    ));
    let j = h.spawn_named(CoreIndex(1), 4, "doubler", 21).unwrap();
    let t0 = std::time::Instant::now();
    while !h
        .tasks()
        .iter()
        .any(|t| t.name.as_deref() == Some("doubler"))
    {
        assert!(t0.elapsed().as_secs() < 20);
        std::thread::sleep(Duration::from_millis(1));
    }
    h.kill(j.task_id().unwrap()).unwrap();
    assert_eq!(join(j), Err(enso::JoinError::Killed));
    k.halt();
    k.join().unwrap();
}

/// Completes once its flag is set; parks its waker for a foreign thread.
struct Flagged {
    flag: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}
impl Task for Flagged {
    type Output = &'static str;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<&'static str> {
        if self.flag.load(Ordering::SeqCst) {
            return Poll::Ready("woken from outside");
        }
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn wake_from_a_foreign_thread_reaches_the_task() {
    for idle in [
        IdlePolicy::Park,
        IdlePolicy::Spin,
        IdlePolicy::SpinThenPark(Duration::from_micros(5)),
    ] {
        let k = start(
            Kernel::builder()
                .core(CoreSpec::bsp("c0", 0).tasks().idle(IdlePolicy::Park))
                .core(CoreSpec::ap("c1", 1).tasks().idle(idle)),
        );
        let h = k.handle().clone();
        let flag = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(Mutex::new(None));
        let j = h
            .spawn_on(
                CoreIndex(1),
                1,
                Flagged {
                    flag: flag.clone(),
                    waker: waker.clone(),
                },
            )
            .unwrap();
        let w = loop {
            if let Some(w) = waker.lock().unwrap().take() {
                break w;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        flag.store(true, Ordering::SeqCst);
        w.wake();
        assert_eq!(join(j), Ok("woken from outside"), "{idle:?}");
        k.halt();
        k.join().unwrap();
    }
}
