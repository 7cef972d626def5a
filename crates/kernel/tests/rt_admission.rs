//! Admission control at spawn: a feasible set is admitted, the task that
//! breaks it is refused with the failing task named and its miss, nothing
//! is half-applied, and killing a task frees its capacity.

mod common;
mod rt;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use common::*;
use enso::{
    CoreIndex, CoreSpec, Dispatch, IdlePolicy, JoinError, Kernel, Miss, RtParams, RtSpawnError,
    TopologyError,
};
use rt::*;

/// Two cores; c1 with no admission overhead (so the figures below are
/// the textbook ones) and the given dispatch policy.
fn kernel(dispatch: Dispatch) -> enso::Running {
    let idle = IdlePolicy::SpinThenPark(std::time::Duration::from_micros(20));
    start(
        Kernel::builder()
            .core(CoreSpec::bsp("c0", 0).all().idle(idle))
            .core(
                CoreSpec::ap("c1", 1)
                    .all()
                    .idle(idle)
                    .dispatch(dispatch)
                    .rt_costs(0, 0),
            ),
    )
}

#[test]
fn fixed_priority_refuses_the_breaking_task_naming_the_victim_then_kill_frees_it() {
    let k = kernel(Dispatch::FixedPriority);
    let h = k.handle().clone();
    let c1 = CoreIndex(1);
    let jobs = Arc::new(AtomicU64::new(0));
    let a = h
        .spawn_periodic(
            c1,
            "A",
            RtParams::new(2 * MS, 10 * MS).priority(200),
            Counting::new(&jobs),
        )
        .expect("A alone is feasible");
    let _b = h
        .spawn_periodic(
            c1,
            "B",
            RtParams::new(3 * MS, 20 * MS).priority(100),
            Counting::new(&jobs),
        )
        .expect("A and B are feasible");
    assert_eq!(h.rt_admitted(c1).len(), 2);
    // C preempts A; A is also blocked by B's 3 ms poll: R_A = 3 + 6 + 2 = 11 > 10.
    let c_params = RtParams::new(6 * MS, 10 * MS).priority(250);
    let err = h
        .spawn_periodic(c1, "C", c_params, Counting::new(&jobs))
        .expect_err("C breaks A");
    match &err {
        RtSpawnError::Unschedulable {
            core,
            spawned,
            failing,
            miss,
        } => {
            assert_eq!(core, "c1");
            assert_eq!(spawned, "C");
            assert_eq!(failing, "A");
            assert_eq!(*miss, Miss::By(MS));
        }
        e => panic!("wrong error {e:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("`A`") && text.contains("1000000 ns"),
        "{text}"
    );
    // Nothing half-applied.
    assert_eq!(h.rt_admitted(c1), ["A", "B"]);
    let info = h.rt_core(c1).unwrap();
    assert_eq!(
        (info.dispatch, info.overhead_ns),
        (Dispatch::FixedPriority, 0)
    );
    assert_eq!(
        (info.admitted[1].wcet_ns, info.admitted[1].priority),
        (3 * MS, 100)
    );
    // Kill A: its capacity is freed, and the same spawn is then accepted.
    wait_until("A placed", || a.task_id().is_some());
    h.kill(a.task_id().unwrap()).unwrap();
    assert_eq!(join(a), Err(JoinError::Killed));
    assert_eq!(h.rt_admitted(c1), ["B"]);
    let c = h
        .spawn_periodic(c1, "C", c_params, Counting::new(&jobs))
        .expect("without A, C fits");
    wait_until("C placed", || c.task_id().is_some());
    let listed = h.tasks();
    let c_info = listed
        .iter()
        .find(|t| Some(t.id) == c.task_id())
        .expect("C listed");
    assert_eq!(c_info.name.as_deref(), Some("C"));
    assert_eq!(c_info.rt.expect("rt stats").params, c_params);
    k.halt();
    k.join().unwrap();
}

#[test]
fn edf_refuses_overload_and_demand_failures() {
    let k = kernel(Dispatch::Edf);
    let h = k.handle().clone();
    let c1 = CoreIndex(1);
    let jobs = Arc::new(AtomicU64::new(0));
    // Under EDF 2/5 + 4/7 < 1 is fine even though RM would refuse it.
    h.spawn_periodic(
        c1,
        "x",
        RtParams::new(2 * MS, 5 * MS).poll(MS),
        Counting::new(&jobs),
    )
    .expect("x");
    h.spawn_periodic(
        c1,
        "y",
        RtParams::new(4 * MS, 7 * MS).poll(MS),
        Counting::new(&jobs),
    )
    .expect("x and y");
    // Utilization beyond 1: no single victim, the newcomer is named.
    match h.spawn_periodic(
        c1,
        "z",
        RtParams::new(2 * MS, 10 * MS),
        Counting::new(&jobs),
    ) {
        Err(RtSpawnError::Unschedulable {
            failing, spawned, ..
        }) => {
            assert_eq!(spawned, "z");
            assert!(failing == "z" || failing == "x" || failing == "y");
        }
        r => panic!("z admitted: {r:?}"),
    }
    assert_eq!(h.rt_admitted(c1).len(), 2);
    k.halt();
    k.join().unwrap();
}

#[test]
fn bad_parameters_and_topologies_are_refused_by_field() {
    let k = kernel(Dispatch::FixedPriority);
    let h = k.handle().clone();
    let jobs = Arc::new(AtomicU64::new(0));
    let r = h.spawn_periodic(
        CoreIndex(1),
        "bad",
        RtParams::new(0, MS),
        Counting::new(&jobs),
    );
    assert!(
        matches!(
            r,
            Err(RtSpawnError::Invalid {
                field: "wcet_ns",
                ..
            })
        ),
        "{r:?}"
    );
    let r = h.spawn_periodic(
        CoreIndex(1),
        "bad",
        RtParams::new(MS, MS).poll(2 * MS),
        Counting::new(&jobs),
    );
    assert!(
        matches!(
            r,
            Err(RtSpawnError::Invalid {
                field: "poll_ns",
                ..
            })
        ),
        "{r:?}"
    );
    let r = h.spawn_periodic(
        CoreIndex(9),
        "bad",
        RtParams::new(MS, MS),
        Counting::new(&jobs),
    );
    assert!(matches!(r, Err(RtSpawnError::Spawn(_))), "{r:?}");
    assert!(h.rt_admitted(CoreIndex(1)).is_empty());
    k.halt();
    k.join().unwrap();
    // EDF needs the task reactor.
    let e = Kernel::builder()
        .core(CoreSpec::bsp("b", 0).all())
        .core(CoreSpec::ap("t", 1).timers().dispatch(Dispatch::Edf))
        .build()
        .unwrap_err();
    assert!(matches!(e, TopologyError::MissingReactor { .. }), "{e}");
    assert!(e.to_string().contains("core `t`"), "{e}");
    let e = Kernel::builder()
        .core(CoreSpec::bsp("b", 0).all().rt_costs(2_000_000_000, 0))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("rt.event_cost_ns"), "{e}");
}

#[test]
fn boot_time_periodic_tasks_are_admitted_by_the_build_and_run() {
    let idle = IdlePolicy::SpinThenPark(std::time::Duration::from_micros(20));
    let jobs = Arc::new(AtomicU64::new(0));
    let builder = |with_c: bool| {
        let (ja, jb) = (jobs.clone(), jobs.clone());
        let mut b = Kernel::builder()
            .core(CoreSpec::bsp("c0", 0).all().idle(idle))
            .core(CoreSpec::ap("c1", 1).all().idle(idle).rt_costs(0, 0))
            .task(enso::TaskSpec::periodic(
                "A",
                "c1",
                RtParams::new(2 * MS, 10 * MS).priority(200),
                move || Counting::new(&ja),
            ))
            .task(enso::TaskSpec::periodic(
                "B",
                "c1",
                RtParams::new(3 * MS, 20 * MS).priority(100),
                move || Counting::new(&jb),
            ));
        if with_c {
            let jc = jobs.clone();
            b = b.task(enso::TaskSpec::periodic(
                "C",
                "c1",
                RtParams::new(6 * MS, 10 * MS).priority(250),
                move || Counting::new(&jc),
            ));
        }
        b
    };
    match builder(true).build() {
        Err(TopologyError::RealTime {
            task,
            error: RtSpawnError::Unschedulable { failing, miss, .. },
        }) => {
            assert_eq!(task, "C");
            assert_eq!(failing, "A");
            assert_eq!(miss, Miss::By(MS));
        }
        r => panic!("expected a refusal, got {:?}", r.map(|_| ())),
    }
    let k = start(builder(false));
    let h = k.handle().clone();
    assert_eq!(h.rt_admitted(CoreIndex(1)), ["A", "B"]);
    wait_until("boot jobs run", || {
        jobs.load(std::sync::atomic::Ordering::Relaxed) >= 6
    });
    let listed: Vec<_> = h.tasks().into_iter().filter(|t| t.rt.is_some()).collect();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|t| t.name.as_deref() == Some("A")));
    k.halt();
    k.join().unwrap();
}

#[test]
fn a_checked_qos_change_that_would_break_the_set_is_refused() {
    let idle = IdlePolicy::SpinThenPark(std::time::Duration::from_micros(20));
    // Overhead = (bus + io) * 10 us: 160 us with quanta 8/8.
    let k = start(
        Kernel::builder()
            .core(CoreSpec::bsp("c0", 0).all().idle(idle))
            .core(
                CoreSpec::ap("c1", 1)
                    .all()
                    .idle(idle)
                    .quanta(8, 8, 8)
                    .rt_costs(10_000, 0),
            ),
    );
    let h = k.handle().clone();
    let c1 = CoreIndex(1);
    let jobs = Arc::new(AtomicU64::new(0));
    h.spawn_periodic(
        c1,
        "A",
        RtParams::new(2 * MS, 5 * MS / 2),
        Counting::new(&jobs),
    )
    .expect("2 ms + 160 us fits in 2.5 ms");
    // 512 events of 10 us: A would respond in 7.12 ms.
    let big = enso::Quanta {
        bus: 256,
        io: 256,
        tasks: 8,
    };
    match h.qos_checked(c1, big) {
        Err(RtSpawnError::Qos {
            core,
            failing,
            miss,
        }) => {
            assert_eq!((core.as_str(), failing.as_str()), ("c1", "A"));
            assert_eq!(miss, Miss::By(7_120_000 - 2_500_000));
        }
        r => panic!("expected a refusal: {r:?}"),
    }
    h.sync(c1).unwrap();
    assert_eq!(h.cores()[1].quanta.bus, 8, "nothing applied");
    let ok = enso::Quanta {
        bus: 16,
        io: 16,
        tasks: 8,
    };
    h.qos_checked(c1, ok)
        .expect("320 us of overhead still fits");
    h.sync(c1).unwrap();
    assert_eq!(h.cores()[1].quanta, ok);
    k.halt();
    k.join().unwrap();
}
