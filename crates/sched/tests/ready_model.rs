//! `ReadyQueue` against a reference model (one `VecDeque` per level) under
//! random push / pop / remove / change-priority sequences.

use enso_sched::{Full, ReadyHandle, ReadyQueue, StaleHandle};
use proptest::prelude::*;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
enum Op {
    Push(u8),
    Pop,
    Remove(usize),
    Move(usize, u8),
}

fn level() -> impl Strategy<Value = u8> {
    // Bias towards a few levels so FIFO order within a level is exercised,
    // and towards word boundaries of the bitmap.
    prop_oneof![
        0u8..4,
        Just(63u8),
        Just(64u8),
        Just(127u8),
        Just(128u8),
        Just(255u8),
        any::<u8>()
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => level().prop_map(Op::Push),
        3 => Just(Op::Pop),
        1 => any::<usize>().prop_map(Op::Remove),
        1 => (any::<usize>(), level()).prop_map(|(k, l)| Op::Move(k, l)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(debug_assertions) { 200 } else { 4096 }))]
    #[test]
    fn ready_queue_matches_model(ops in proptest::collection::vec(op(), 1..300)) {
        const CAP: usize = 24;
        let mut q = ReadyQueue::with_capacity(CAP).unwrap();
        let mut model: Vec<VecDeque<(u64, ReadyHandle)>> = vec![VecDeque::new(); 256];
        let mut dead: Vec<ReadyHandle> = Vec::new();
        let mut next = 0u64;
        for op in ops {
            let live: Vec<(u8, usize)> = (0..256)
                .flat_map(|l| (0..model[l].len()).map(move |k| (l as u8, k)))
                .collect();
            match op {
                Op::Push(l) => match q.push(l, next) {
                    Ok(h) => { model[l as usize].push_back((next, h)); next += 1; }
                    Err(Full(v)) => { prop_assert_eq!(live.len(), CAP); prop_assert_eq!(v, next); }
                },
                Op::Pop => {
                    let want = (0..256usize).rev().find(|&l| !model[l].is_empty()).map(|l| {
                        let (v, h) = model[l].pop_front().unwrap();
                        dead.push(h);
                        (l as u8, v)
                    });
                    prop_assert_eq!(q.pop(), want);
                }
                Op::Remove(k) if !live.is_empty() => {
                    let (l, pos) = live[k % live.len()];
                    let (v, h) = model[l as usize].remove(pos).unwrap();
                    prop_assert_eq!(q.remove(h), Ok((l, v)));
                    prop_assert_eq!(q.remove(h), Err(StaleHandle));
                    dead.push(h);
                }
                Op::Move(k, to) if !live.is_empty() => {
                    let (l, pos) = live[k % live.len()];
                    let entry = model[l as usize].remove(pos).unwrap();
                    model[to as usize].push_back(entry);
                    prop_assert_eq!(q.change_priority(entry.1, to), Ok(()));
                }
                Op::Remove(k) | Op::Move(k, _) => {
                    if !dead.is_empty() {
                        let h = dead[k % dead.len()];
                        prop_assert_eq!(q.priority_of(h), Err(StaleHandle));
                    }
                }
            }
            let len: usize = model.iter().map(|l| l.len()).sum();
            prop_assert_eq!(q.len(), len);
            let top = (0..256usize).rev().find(|&l| !model[l].is_empty()).map(|l| l as u8);
            prop_assert_eq!(q.highest_priority(), top);
        }
    }
}
