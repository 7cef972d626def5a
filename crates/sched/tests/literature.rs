//! Published examples from the real-time scheduling literature, checked
//! against the analyses and the simulator. Each test names its source;
//! where the source gives only the task set, the numbers are derived by
//! hand in the comment from the published equations.

use enso_sched::analysis::exact::{hyperbolic, liu_layland};
use enso_sched::analysis::{edf, fp};
use enso_sched::sim::{Policy, Simulation};
use enso_sched::{Excess, Preemption, Priorities, Rejection, Task};

fn responses(tasks: &[Task], p: Priorities, m: Preemption) -> Vec<Option<u64>> {
    fp::analyze(tasks, p, m)
        .unwrap()
        .tasks
        .iter()
        .map(|t| t.response)
        .collect()
}

/// Liu and Layland (1973), "Scheduling algorithms for multiprogramming in a
/// hard-real-time environment", JACM 20(1), Theorem 5: n tasks are RM
/// schedulable if U <= n(2^(1/n) - 1). For n = 2 the bound is
/// 2(sqrt 2 - 1) = 0.828427..., for n = 3 it is 3(2^(1/3) - 1) = 0.779763...
/// The decision must be exact on both sides of the irrational bound.
#[test]
fn liu_layland_theorem_5_bound_is_decided_exactly() {
    let two_in = [Task::new(4142, 10_000), Task::new(4142, 10_000)]; // 0.8284
    let two_out = [Task::new(4142, 10_000), Task::new(4143, 10_000)]; // 0.8285
    assert!(liu_layland(&two_in));
    assert!(!liu_layland(&two_out));
    let three_in = [Task::new(2599, 10_000); 3]; // 0.7797
    let three_out = [
        Task::new(2599, 10_000),
        Task::new(2599, 10_000),
        Task::new(2600, 10_000),
    ]; // 0.7798
    assert!(liu_layland(&three_in));
    assert!(!liu_layland(&three_out));
}

/// Liu and Layland (1973), Theorem 7: under EDF (their "deadline driven
/// scheduling algorithm") a set with D = T is schedulable iff U <= 1.
#[test]
fn liu_layland_theorem_7_edf_full_utilization() {
    let full = [Task::new(1, 3), Task::new(1, 6), Task::new(1, 2)]; // U = 1
    assert!(
        edf::analyze(&full, Preemption::Preemptive)
            .unwrap()
            .schedulable
    );
    let over = [Task::new(1, 3), Task::new(1, 6), Task::new(2, 3)];
    assert!(
        !edf::analyze(&over, Preemption::Preemptive)
            .unwrap()
            .schedulable
    );
    let sim = Simulation::new(&full, Policy::Edf, Preemption::Preemptive)
        .run()
        .unwrap();
    assert_eq!(sim.misses(), 0);
}

/// Bini, Buttazzo and Buttazzo (2003), "Rate monotonic analysis: the
/// hyperbolic bound", IEEE TC 52(7), Theorem 1: RM schedulable if
/// prod(U_i + 1) <= 2. For U = (3/5, 1/4): (8/5)(5/4) = 2 exactly, so the
/// hyperbolic bound passes at equality while U = 0.85 fails Liu and
/// Layland's 0.8284. RM puts (1, 4) first: R = 1; the other task:
/// 3 + 1 = 4 -> 3 + ceil(4/4) 1 = 4. Both meet D = T.
#[test]
fn hyperbolic_bound_passes_at_equality_where_liu_layland_fails() {
    let ts = [Task::new(3, 5), Task::new(1, 4)];
    assert!(hyperbolic(&ts));
    assert!(!liu_layland(&ts));
    let r = responses(&ts, Priorities::RateMonotonic, Preemption::Preemptive);
    assert_eq!(r, vec![Some(4), Some(1)]);
}

/// Joseph and Pandya (1986), "Finding response times in a real-time
/// system", The Computer Journal 29(5): R_i = C_i + sum_{hp} ceil(R_i/T_j) C_j.
/// The worked example of that recurrence in Burns and Wellings, "Real-Time
/// Systems and Programming Languages" (response-time analysis section):
/// a (T = 7, C = 3), b (T = 12, C = 3), c (T = 20, C = 5), priorities by
/// rate, with published response times 3, 6 and 20. By hand for c:
/// 5 -> 5+3+3 = 11 -> 5+2*3+1*3 = 14 -> 5+6+6 = 17 -> 5+9+6 = 20 -> 20.
#[test]
fn joseph_pandya_recurrence_burns_wellings_example() {
    let ts = [Task::new(3, 7), Task::new(3, 12), Task::new(5, 20)];
    let r = responses(&ts, Priorities::RateMonotonic, Preemption::Preemptive);
    assert_eq!(r, vec![Some(3), Some(6), Some(20)]);
    let sim = Simulation::new(
        &ts,
        Policy::FixedPriority(Priorities::RateMonotonic),
        Preemption::Preemptive,
    )
    .run()
    .unwrap();
    let observed: Vec<_> = sim.tasks.iter().map(|t| t.worst_response).collect();
    assert_eq!(observed, r);
}

/// Buttazzo, "Hard Real-Time Computing Systems" (3rd ed.), chapter 4, the
/// example comparing RM and EDF: tau1 (C = 2, T = 5), tau2 (C = 4, T = 7),
/// U = 34/35. Under RM tau2 misses its first deadline at t = 7:
/// R2: 4+2 = 6 -> 4+ceil(6/5)*2 = 8 -> 8 > 7. Under EDF (U < 1) no miss.
#[test]
fn buttazzo_rm_versus_edf() {
    let ts = [Task::new(2, 5), Task::new(4, 7)];
    let a = fp::analyze(&ts, Priorities::RateMonotonic, Preemption::Preemptive).unwrap();
    assert_eq!(a.tasks[1].response, Some(8));
    assert_eq!(
        a.rejection,
        Some(Rejection {
            task: 1,
            excess: Excess::By(1)
        })
    );
    let rm = Simulation::new(
        &ts,
        Policy::FixedPriority(Priorities::RateMonotonic),
        Preemption::Preemptive,
    )
    .run()
    .unwrap();
    assert_eq!(rm.tasks[1].first_miss, Some(7));
    assert!(
        edf::analyze(&ts, Preemption::Preemptive)
            .unwrap()
            .schedulable
    );
    let e = Simulation::new(&ts, Policy::Edf, Preemption::Preemptive)
        .run()
        .unwrap();
    assert_eq!(e.misses(), 0);
}

/// Arbitrary deadlines: the level-i busy period of Lehoczky (1990), "Fixed
/// priority scheduling of periodic task sets with arbitrary deadlines",
/// RTSS. Task set of the worked example in Tindell, Burns and Wellings
/// (1994), "An extendible approach for analysing fixed priority hard
/// real-time tasks", Real-Time Systems 6(2): tau1 (C = 26, T = 70) over
/// tau2 (C = 62, T = 100). The level-2 busy period is 694 long and holds
/// 7 jobs of tau2 with response times 114, 102, 116, 104, 118, 106, 94
/// (w_q = 114, 202, 316, 404, 518, 606, 694, each minus q*100, derived by
/// hand): the worst is the fifth job, 118, not the first.
#[test]
fn arbitrary_deadline_worst_job_is_not_the_first() {
    let ts = [Task::new(26, 70), Task::new(62, 100).with_deadline(118)];
    let r = responses(&ts, Priorities::RateMonotonic, Preemption::Preemptive);
    assert_eq!(r, vec![Some(26), Some(118)]);
    let tight = [Task::new(26, 70), Task::new(62, 100).with_deadline(117)];
    let a = fp::analyze(&tight, Priorities::RateMonotonic, Preemption::Preemptive).unwrap();
    assert_eq!(
        a.rejection,
        Some(Rejection {
            task: 1,
            excess: Excess::By(1)
        })
    );
    let sim = Simulation::new(
        &ts,
        Policy::FixedPriority(Priorities::RateMonotonic),
        Preemption::Preemptive,
    )
    .run()
    .unwrap();
    assert_eq!(sim.tasks[1].worst_response, Some(118));
}

/// Davis, Burns, Bril and Lukkien (2007), "Controller Area Network (CAN)
/// schedulability analysis: refuted, revisited and revised", Real-Time
/// Systems 35(3): three non-preemptive messages (times in ms) A (P1,
/// T = 2.5, D = 2.5, C = 1), B (P2, T = 3.5, D = 3.25, C = 1), C (P3,
/// T = 3.5, D = 3.25, C = 1). The original analysis gave R_C = 3 ms
/// (schedulable); the true worst case is 3.5 ms, for the second instance
/// of C, a deadline miss. In ticks of 0.25 ms (C = 4, T = 10/14/14,
/// D = 10/13/13), by hand for C: busy period 28, two jobs;
/// q = 0: w = 8, R = 8 + 4 = 12; q = 1: w = 4 + 4 (floor(w/10) + 1)
/// plus 4 (floor(w/14) + 1), iterating 12, 16, 20, 24, 24, so
/// R = 24 + 4 - 14 = 14 (3.5 ms). A: R = 4 (blocking) + 4 = 8 (2 ms);
/// B: R = 12 (3 ms).
#[test]
fn davis_et_al_can_example_needs_the_second_job() {
    let ts = [
        Task::new(4, 10).with_priority(3),
        Task::new(4, 14).with_deadline(13).with_priority(2),
        Task::new(4, 14).with_deadline(13).with_priority(1),
    ];
    let lp = Preemption::Limited { overhead: 0 };
    let a = fp::analyze(&ts, Priorities::Explicit, lp).unwrap();
    let r: Vec<_> = a.tasks.iter().map(|t| t.response).collect();
    assert_eq!(r, vec![Some(8), Some(12), Some(14)]);
    assert_eq!(
        a.rejection,
        Some(Rejection {
            task: 2,
            excess: Excess::By(1)
        })
    );
    // The synchronous release already exhibits it: C's second job
    // finishes 14 ticks after its arrival, past D = 13.
    let sim = Simulation::new(&ts, Policy::FixedPriority(Priorities::Explicit), lp)
        .run()
        .unwrap();
    assert_eq!(sim.tasks[2].worst_response, Some(14));
    assert!(sim.tasks[2].misses > 0);
}

/// Audsley, Burns, Richardson, Tindell and Wellings (1993), "Applying new
/// scheduling theory to static priority pre-emptive scheduling", Software
/// Engineering Journal 8(5): R_i = C_i + B_i + sum_{hp} ceil((R_i + J_j)/T_j) C_j,
/// reported from arrival as R_i + J_i. Numbers derived here from that
/// equation (not a table of the paper): tau1 (C = 2, T = 10, J = 3),
/// tau2 (C = 4, T = 15, B = 2, J = 1). R1 = 2 + 3 = 5. R2: 4+2+2 = 8 ->
/// 6 + ceil((8+3)/10)*2 = 10 -> 6 + ceil(13/10)*2 = 10; from arrival 10 + 1 = 11.
#[test]
fn audsley_et_al_blocking_and_jitter() {
    let ts = [
        Task::new(2, 10).with_jitter(3),
        Task::new(4, 15).with_blocking(2).with_jitter(1),
    ];
    let r = responses(&ts, Priorities::DeadlineMonotonic, Preemption::Preemptive);
    assert_eq!(r, vec![Some(5), Some(11)]);
}
