//! Dispatch of real-time jobs: EDF takes the earlier absolute deadline
//! first, fixed priority the higher priority, whatever the release order;
//! background tasks run behind real-time jobs; periodic releases happen as
//! often as the elapsed time says.

mod common;
mod rt;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use common::*;
use enso::{
    Context, CoreIndex, CoreSpec, Dispatch, IdlePolicy, Job, JobPoll, Kernel, PeriodicTask,
    RtParams, Task,
};
use rt::*;

fn kernel(dispatch: Dispatch) -> enso::Running {
    let idle = IdlePolicy::SpinThenPark(Duration::from_micros(20));
    start(
        Kernel::builder()
            .core(CoreSpec::bsp("c0", 0).all().idle(idle))
            .core(CoreSpec::ap("c1", 1).all().idle(idle).dispatch(dispatch)),
    )
}

/// Appends its name to a log on its one job, then ends.
struct Once {
    name: &'static str,
    log: Arc<Mutex<Vec<&'static str>>>,
}
impl PeriodicTask for Once {
    fn run_job(&mut self, _cx: &mut Context<'_>, _job: &Job) -> JobPoll {
        self.log.lock().unwrap().push(self.name);
        JobPoll::Finished
    }
}

/// A background task that holds the core (one long poll) until `until`
/// has passed since its poll began, then logs itself and ends.
struct Hog {
    hold: Duration,
    started: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<&'static str>>>,
}
impl Task for Hog {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        self.started.store(true, Ordering::Release);
        let t0 = Instant::now();
        while t0.elapsed() < self.hold {
            std::hint::spin_loop();
        }
        self.log.lock().unwrap().push("hog");
        Poll::Ready(())
    }
}

/// Background tasks that log themselves when polled (woken with the jobs).
struct Background {
    log: Arc<Mutex<Vec<&'static str>>>,
}
impl Task for Background {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        self.log.lock().unwrap().push("background");
        Poll::Ready(())
    }
}

/// Two jobs are released while a hog holds the core: the one released
/// later, `early`, has the earlier deadline (EDF) or the higher priority
/// (FP), and must run first; both run before a background task queued
/// behind the hog.
fn order_while_busy(dispatch: Dispatch) -> Vec<&'static str> {
    let k = kernel(dispatch);
    let h = k.handle().clone();
    let c1 = CoreIndex(1);
    let log = Arc::new(Mutex::new(Vec::new()));
    // `late`: released at +100 ms, deadline +100 + 400 ms, priority 100.
    let late = h
        .spawn_periodic(
            c1,
            "late",
            RtParams::new(MS, 1_000 * MS)
                .deadline(400 * MS)
                .phase(100 * MS)
                .priority(100),
            Once {
                name: "late",
                log: log.clone(),
            },
        )
        .unwrap();
    // `early`: released at +120 ms, deadline +120 + 100 ms, priority 200.
    let early = h
        .spawn_periodic(
            c1,
            "early",
            RtParams::new(MS, 1_000 * MS)
                .deadline(100 * MS)
                .phase(120 * MS)
                .priority(200),
            Once {
                name: "early",
                log: log.clone(),
            },
        )
        .unwrap();
    // Placed after both (the same inbox, in order): the hog's poll starts
    // after their placement and lasts past both releases.
    let started = Arc::new(AtomicBool::new(false));
    let hog = h
        .spawn_on(
            c1,
            10,
            Hog {
                hold: Duration::from_millis(400),
                started: started.clone(),
                log: log.clone(),
            },
        )
        .unwrap();
    wait_until("hog running", || started.load(Ordering::Acquire));
    // Queued behind the hog, while the hog runs: ready before the releases
    // are handled, yet it must wait for both jobs.
    let bg = h
        .spawn_on(c1, 255, Background { log: log.clone() })
        .unwrap();
    for j in [late, early] {
        join(j).unwrap();
    }
    join(hog).unwrap();
    join(bg).unwrap();
    k.halt();
    k.join().unwrap();
    log.lock().unwrap().clone()
}

#[test]
fn edf_runs_the_earlier_deadline_first() {
    assert_eq!(
        order_while_busy(Dispatch::Edf),
        ["hog", "early", "late", "background"]
    );
}

#[test]
fn fixed_priority_runs_the_higher_priority_first() {
    assert_eq!(
        order_while_busy(Dispatch::FixedPriority),
        ["hog", "early", "late", "background"]
    );
}

#[test]
fn periodic_releases_match_elapsed_time() {
    let k = kernel(Dispatch::FixedPriority);
    let h = k.handle().clone();
    let c1 = CoreIndex(1);
    let jobs = Arc::new(AtomicU64::new(0));
    let period = 20 * MS;
    let t_spawn = Instant::now();
    let task = h
        .spawn_periodic(
            c1,
            "tick",
            RtParams::new(2 * MS, period),
            Counting::new(&jobs),
        )
        .unwrap();
    wait_until("placed", || task.task_id().is_some());
    let t_placed = Instant::now();
    std::thread::sleep(Duration::from_millis(400));
    let t_list = Instant::now();
    let info = h
        .tasks()
        .into_iter()
        .find(|t| Some(t.id) == task.task_id())
        .and_then(|t| t.rt)
        .expect("listed with rt stats");
    let t_done = Instant::now();
    // Releases are at place + k T (k = 0, 1, ...), counted by nominal time:
    // never more than the time since the spawn allows...
    let most = (t_done - t_spawn).as_nanos() as u64 / period + 1;
    // ...and, the core catching up on every turn, not many fewer than the
    // time since placement says (slack for a loaded machine: a quarter).
    let least = (t_list - t_placed).as_nanos() as u64 / period + 1;
    let least = least - (least / 4).max(2);
    assert!(
        (least..=most).contains(&info.released),
        "released {} not in {least}..={most}",
        info.released
    );
    assert!(info.completed <= info.released);
    assert!(info.completed + 2 >= info.released, "{info:?}");
    assert_eq!(info.overruns, 0, "{info:?}");
    assert!(info.response_max_ns >= info.response_p50_ns);
    assert!(jobs.load(Ordering::Relaxed) >= info.completed);
    let prom = h.prometheus();
    assert!(prom.contains("enso_rt_released_total{"), "{prom}");
    assert!(prom.contains("enso_rt_response_seconds{"), "{prom}");
    assert!(prom.contains("name=\"tick\""), "{prom}");
    k.halt();
    k.join().unwrap();
}

/// Records each job's nominal release.
struct Releases(Arc<Mutex<Vec<u64>>>);
impl PeriodicTask for Releases {
    fn run_job(&mut self, _cx: &mut Context<'_>, job: &Job) -> JobPoll {
        self.0.lock().unwrap().push(job.release_ns);
        JobPoll::Done
    }
}

#[test]
fn sporadic_jobs_arrive_on_wakes_at_most_once_per_period() {
    let k = kernel(Dispatch::Edf);
    let h = k.handle().clone();
    let period = 100 * MS;
    let log = Arc::new(Mutex::new(Vec::new()));
    let t = h
        .spawn_periodic(
            CoreIndex(1),
            "sporadic",
            RtParams::new(MS, period).sporadic(),
            Releases(log.clone()),
        )
        .unwrap();
    wait_until("placed", || t.task_id().is_some());
    let id = t.task_id().unwrap();
    // No wake, no job.
    std::thread::sleep(Duration::from_millis(30));
    assert!(log.lock().unwrap().is_empty());
    // A burst of wakes: one arrival at once, one deferred by T (the rest merged).
    let t0 = Instant::now();
    for _ in 0..5 {
        h.wake(id).unwrap();
    }
    wait_until("two arrivals", || log.lock().unwrap().len() >= 2);
    // Much later, a wake arrives at once again.
    std::thread::sleep(Duration::from_millis(150));
    h.wake(id).unwrap();
    wait_until("third arrival", || log.lock().unwrap().len() >= 3);
    let elapsed = t0.elapsed().as_nanos() as u64;
    let r = log.lock().unwrap().clone();
    // Never closer than T, never more than the wakes and the time allow.
    for w in r.windows(2) {
        assert!(w[1] - w[0] >= period, "arrivals {r:?} closer than {period}");
    }
    assert!(r.len() as u64 <= (elapsed / period + 1).min(6), "{r:?}");
    let info = h
        .tasks()
        .into_iter()
        .find(|x| x.id == id)
        .and_then(|x| x.rt)
        .unwrap();
    assert_eq!(info.completed, r.len() as u64);
    k.halt();
    k.join().unwrap();
}
