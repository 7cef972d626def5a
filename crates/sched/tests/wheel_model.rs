//! The timer wheel against a reference model (a `BTreeMap` keyed by
//! deadline) under random insert / cancel / advance sequences: no timer is
//! lost, none fires twice, none fires early, and firing is in deadline order.

use enso_sched::{StaleHandle, TimerHandle, TimerWheel};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};

#[derive(Debug, Clone)]
enum Op {
    /// Insert at `now + delta` (delta spans every wheel level).
    Insert(u64),
    /// Cancel the n-th live (or, if odd, an already dead) handle.
    Cancel(usize),
    /// Advance by this many ticks.
    Advance(u64),
}

fn delta() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..70,
        0u64..5_000,
        0u64..300_000,
        (0u32..64).prop_map(|b| 1u64 << b),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => delta().prop_map(Op::Insert),
        2 => any::<usize>().prop_map(Op::Cancel),
        3 => delta().prop_map(Op::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(debug_assertions) { 256 } else { 2048 }))]
    #[test]
    fn wheel_matches_btreemap(start in 0u64..1_000_000, ops in proptest::collection::vec(op(), 1..300)) {
        let mut wheel = TimerWheel::starting_at(64, start).unwrap();
        // (deadline, id) -> handle
        let mut model: BTreeMap<(u64, u64), TimerHandle> = BTreeMap::new();
        let mut ids: Vec<(u64, u64)> = Vec::new();
        let mut dead: Vec<TimerHandle> = Vec::new();
        let mut fired_ids = HashSet::new();
        let mut now = start;
        let mut next_id = 0u64;
        for op in ops {
            match op {
                Op::Insert(d) => {
                    let deadline = now.saturating_add(d);
                    match wheel.insert(deadline, next_id) {
                        Ok(h) => {
                            model.insert((deadline, next_id), h);
                            ids.push((deadline, next_id));
                        }
                        Err(e) => prop_assert_eq!(model.len(), 64, "full only at capacity: {:?}", e),
                    }
                    next_id += 1;
                }
                Op::Cancel(k) => {
                    if k % 2 == 1 && !dead.is_empty() {
                        let h = dead[k / 2 % dead.len()];
                        prop_assert_eq!(wheel.cancel(h), Err(StaleHandle));
                    } else if !ids.is_empty() {
                        let key = ids.swap_remove(k / 2 % ids.len());
                        let h = model.remove(&key).unwrap();
                        prop_assert_eq!(wheel.cancel(h), Ok(key.1));
                        dead.push(h);
                    }
                }
                Op::Advance(d) => {
                    now = now.saturating_add(d);
                    let mut last = 0u64;
                    while let Some(e) = wheel.poll(now) {
                        prop_assert!(e.deadline <= now, "early: deadline {} at {}", e.deadline, now);
                        prop_assert!(e.deadline >= last, "out of order");
                        last = e.deadline;
                        prop_assert!(fired_ids.insert(e.value), "fired twice: {}", e.value);
                        let h = model.remove(&(e.deadline, e.value));
                        prop_assert_eq!(h, Some(e.handle), "fired a timer the model does not hold");
                        ids.retain(|k| k.1 != e.value);
                        dead.push(e.handle);
                    }
                    // Everything due is gone; everything left is in the future.
                    prop_assert!(model.keys().next().is_none_or(|&(d, _)| d > now));
                    if let Some(&(d, _)) = model.keys().next() {
                        prop_assert!(wheel.next_deadline().is_some_and(|n| n <= d && n > now));
                    } else {
                        prop_assert_eq!(wheel.next_deadline(), None);
                    }
                }
            }
            prop_assert_eq!(wheel.len(), model.len());
        }
        // Drain: every remaining timer fires, in order.
        let rest: Vec<(u64, u64)> = wheel.advance(u64::MAX).map(|e| (e.deadline, e.value)).collect();
        let want: Vec<(u64, u64)> = model.keys().copied().collect();
        let mut sorted_rest = rest.clone();
        sorted_rest.sort();
        prop_assert_eq!(&sorted_rest, &want);
        prop_assert!(rest.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}

#[test]
fn a_million_timers_insert_cancel_and_fire() {
    let n: u64 = if cfg!(debug_assertions) {
        200_000
    } else {
        1_000_000
    };
    let mut wheel = TimerWheel::with_capacity(n as usize).unwrap();
    let mut handles = Vec::with_capacity(n as usize);
    // Spread deadlines over 2^30 ticks, with a cheap LCG permutation.
    let mut x = 12345u64;
    for i in 0..n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        handles.push(wheel.insert((x >> 34) + 1, i).unwrap());
    }
    for h in handles.iter().step_by(2) {
        wheel.cancel(*h).unwrap();
    }
    let mut count = 0u64;
    let mut last = 0;
    for e in wheel.advance(u64::MAX) {
        assert!(e.deadline >= last);
        assert_eq!(e.value % 2, 1);
        last = e.deadline;
        count += 1;
    }
    assert_eq!(count, n / 2);
}
