//! Property tests: the analyses against the simulator.
//!
//! - Preemptive FP, synchronous periodic sets without B and J: the
//!   analysis is exact, so its response times equal the worst responses
//!   the simulator observes from the critical instant, and a task is
//!   schedulable in the analysis iff it never misses in simulation.
//! - Preemptive FP with any offsets and shorter executions: the analysis
//!   bounds every observed response.
//! - EDF, implicit deadlines, `U <= 1`: no simulated miss; constrained
//!   deadlines: the demand test agrees with the synchronous simulation.
//! - Limited-preemptive FP and EDF, any offsets, execution times and poll
//!   lengths: analysis-schedulable implies no simulated miss, and the FP
//!   bound covers every observed response.

use enso_sched::analysis::{edf, fp};
use enso_sched::sim::{Policy, Simulation};
use enso_sched::{Preemption, Priorities, Task};
use proptest::prelude::*;

const CASES: u32 = if cfg!(debug_assertions) { 400 } else { 4000 };

/// 1..=5 tasks with small periods (short hyperperiods); D in C..=max_d_factor*T.
fn task_set(max_d_factor: u64) -> impl Strategy<Value = Vec<Task>> {
    proptest::collection::vec((2u64..=16, 1u64..=100, 0u64..=100, any::<u32>()), 1..=5).prop_map(
        move |specs| {
            let n = specs.len() as u64;
            specs
                .into_iter()
                .map(|(t, c_pct, d_pct, prio)| {
                    // C up to about 2T/n keeps a fair share of sets near the limit.
                    let c = (t * 2 * c_pct / (100 * n)).clamp(1, t);
                    let d = c + (max_d_factor * t - c) * d_pct / 100;
                    Task::new(c, t).with_deadline(d).with_priority(prio % 8)
                })
                .collect()
        },
    )
}

fn priorities() -> impl Strategy<Value = Priorities> {
    prop_oneof![
        Just(Priorities::RateMonotonic),
        Just(Priorities::DeadlineMonotonic),
        Just(Priorities::Explicit),
    ]
}

/// Offsets in 0..T, execution times in 1..=C, polls in 1..=C.
fn variations(tasks: &[Task]) -> impl Strategy<Value = (Vec<u64>, Vec<u64>, Vec<u64>)> + use<> {
    let ts: Vec<Task> = tasks.to_vec();
    let offs: Vec<_> = ts.iter().map(|t| 0..t.period).collect();
    let exec: Vec<_> = ts.iter().map(|t| 1..=t.wcet).collect();
    let poll: Vec<_> = ts.iter().map(|t| 1..=t.wcet).collect();
    (offs, exec, poll)
}

fn distinct_explicit(tasks: &mut [Task]) {
    // Explicit priorities made distinct (ties would break FIFO in the
    // simulator, which the analysis bounds but does not reproduce exactly).
    for (i, t) in tasks.iter_mut().enumerate() {
        t.priority = t.priority * 8 + i as u32;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn fp_preemptive_analysis_equals_critical_instant(mut tasks in task_set(2), p in priorities()) {
        distinct_explicit(&mut tasks);
        let a = fp::analyze(&tasks, p, Preemption::Preemptive).unwrap();
        let s = Simulation::new(&tasks, Policy::FixedPriority(p), Preemption::Preemptive).run().unwrap();
        prop_assert!(!s.truncated);
        for (i, (at, st)) in a.tasks.iter().zip(&s.tasks).enumerate() {
            if at.schedulable {
                prop_assert_eq!(at.response, st.worst_response, "task {}", i);
                prop_assert_eq!(st.misses, 0, "task {}", i);
            } else if at.response.is_some() {
                // A bounded response beyond D happens in the first busy
                // period, inside the horizon. (An unbounded one is an
                // overload whose miss may come after many hyperperiods.)
                prop_assert!(st.misses > 0, "task {}: {:?} vs {:?}", i, at, st);
            }
        }
    }

    #[test]
    fn fp_preemptive_bound_holds_for_any_offsets(
        (tasks, (offs, exec, _)) in task_set(2).prop_flat_map(|ts| { let v = variations(&ts); (Just(ts), v) }),
        p in priorities(),
    ) {
        let a = fp::analyze(&tasks, p, Preemption::Preemptive).unwrap();
        let s = Simulation::new(&tasks, Policy::FixedPriority(p), Preemption::Preemptive)
            .offsets(offs).execution_times(exec).run().unwrap();
        for (at, st) in a.tasks.iter().zip(&s.tasks) {
            if let (Some(r), Some(w)) = (at.response, st.worst_response) {
                prop_assert!(w <= r, "observed {} > bound {}", w, r);
            }
            if at.schedulable {
                prop_assert_eq!(st.misses, 0);
            }
        }
    }

    #[test]
    fn edf_implicit_deadlines_with_u_at_most_one_never_miss(tasks in task_set(1)) {
        let tasks: Vec<Task> = tasks.into_iter().map(|t| t.with_deadline(t.period)).collect();
        let u_ok = enso_sched::analysis::exact::utilization_cmp_one(&tasks).is_le();
        let a = edf::analyze(&tasks, Preemption::Preemptive).unwrap();
        prop_assert_eq!(a.schedulable, u_ok);
        let s = Simulation::new(&tasks, Policy::Edf, Preemption::Preemptive).run().unwrap();
        if u_ok {
            prop_assert_eq!(s.misses(), 0);
        } else {
            prop_assert!(s.misses() > 0);
        }
    }

    #[test]
    fn edf_demand_test_agrees_with_synchronous_simulation(tasks in task_set(2)) {
        let a = edf::analyze(&tasks, Preemption::Preemptive).unwrap();
        let s = Simulation::new(&tasks, Policy::Edf, Preemption::Preemptive).run().unwrap();
        prop_assert!(!s.truncated);
        if a.failure == Some(edf::EdfFailure::Overload) {
            // U > 1: the first miss may lie beyond the first hyperperiod.
            return Ok(());
        }
        // U <= 1: a violation lies within max D + H, inside the horizon.
        prop_assert_eq!(a.schedulable, s.misses() == 0, "{:?} {:?}", a, s.tasks);
    }

    #[test]
    fn fp_limited_schedulable_means_no_miss(
        (tasks, (offs, exec, polls)) in task_set(2).prop_flat_map(|ts| { let v = variations(&ts); (Just(ts), v) }),
        p in priorities(),
        sync in any::<bool>(),
    ) {
        let tasks: Vec<Task> = tasks.iter().zip(&polls).map(|(t, &q)| t.with_poll(q)).collect();
        let lp = Preemption::Limited { overhead: 0 };
        let a = fp::analyze(&tasks, p, lp).unwrap();
        let mut sim = Simulation::new(&tasks, Policy::FixedPriority(p), lp);
        if !sync {
            sim = sim.offsets(offs).execution_times(exec);
        }
        let s = sim.run().unwrap();
        for (i, (at, st)) in a.tasks.iter().zip(&s.tasks).enumerate() {
            if let (Some(r), Some(w)) = (at.response, st.worst_response) {
                prop_assert!(w <= r, "task {}: observed {} > bound {}", i, w, r);
            }
            if at.schedulable {
                prop_assert_eq!(st.misses, 0, "task {}", i);
            }
        }
    }

    #[test]
    fn edf_limited_schedulable_means_no_miss(
        (tasks, (offs, exec, polls)) in task_set(2).prop_flat_map(|ts| { let v = variations(&ts); (Just(ts), v) }),
        sync in any::<bool>(),
    ) {
        let tasks: Vec<Task> = tasks.iter().zip(&polls).map(|(t, &q)| t.with_poll(q)).collect();
        let lp = Preemption::Limited { overhead: 0 };
        let a = edf::analyze(&tasks, lp).unwrap();
        let mut sim = Simulation::new(&tasks, Policy::Edf, lp);
        if !sync {
            sim = sim.offsets(offs).execution_times(exec);
        }
        let s = sim.run().unwrap();
        if a.schedulable {
            prop_assert_eq!(s.misses(), 0, "{:?}", s.tasks);
        }
    }
}
