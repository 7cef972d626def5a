//! Property tests: random single-threaded operation sequences against a
//! `VecDeque` model of a bounded FIFO.

use enso_ring::broadcast;
use enso_ring::{ChunkError, Config, PopError, PushError, RecvError, mpsc, spsc, work};
use proptest::prelude::*;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
enum Op {
    Push,
    Pop,
    /// Claim `claim` slots, write `write` of them, commit or abandon.
    WriteChunk {
        claim: usize,
        write: usize,
        commit: bool,
    },
    /// Read up to `max` in place.
    ReadChunk {
        max: usize,
    },
    /// Which handle acts (producer or consumer index, when there are two).
    Switch,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Push),
        3 => Just(Op::Pop),
        1 => (0usize..10, 0usize..10, any::<bool>())
            .prop_map(|(claim, write, commit)| Op::WriteChunk { claim, write, commit }),
        1 => (0usize..10).prop_map(|max| Op::ReadChunk { max }),
        1 => Just(Op::Switch),
    ]
}

fn capacity() -> impl Strategy<Value = usize> {
    (0u32..4).prop_map(|k| 1usize << k)
}

proptest! {
    #[test]
    fn spsc_matches_a_bounded_fifo(cap in capacity(), ops in proptest::collection::vec(op(), 1..200)) {
        let (mut tx, mut rx) = spsc::channel::<u32>(cap).unwrap();
        let mut model = VecDeque::new();
        let mut next = 0u32;
        for op in ops {
            match op {
                Op::Push => {
                    let r = tx.try_push(next);
                    if model.len() < cap {
                        prop_assert_eq!(r, Ok(()));
                        model.push_back(next);
                    } else {
                        prop_assert_eq!(r, Err(PushError::Full(next)));
                    }
                    next += 1;
                }
                Op::Pop => prop_assert_eq!(rx.try_pop().ok(), model.pop_front()),
                Op::WriteChunk { claim, write, commit } => match tx.write_chunk(claim) {
                    Ok(mut chunk) => {
                        prop_assert!(claim <= cap - model.len());
                        let mut written = Vec::new();
                        for _ in 0..write {
                            if chunk.push(next).is_ok() {
                                written.push(next);
                            }
                            next += 1;
                        }
                        prop_assert_eq!(written.len(), write.min(claim));
                        if commit {
                            prop_assert_eq!(chunk.commit(), written.len());
                            model.extend(written);
                        }
                    }
                    Err(ChunkError::TooLarge { .. }) => prop_assert!(claim > cap),
                    Err(e) => {
                        prop_assert_eq!(e, ChunkError::Full);
                        prop_assert!(claim > cap - model.len());
                    }
                },
                Op::ReadChunk { max } => match rx.read_chunk(max) {
                    Ok(run) => {
                        let got: Vec<u32> = run.iter().copied().collect();
                        let want: Vec<u32> = model.drain(..max.min(model.len())).collect();
                        prop_assert_eq!(got, want);
                    }
                    Err(e) => {
                        prop_assert_eq!(e, PopError::Empty);
                        prop_assert!(max == 0 || model.is_empty());
                    }
                },
                Op::Switch => {}
            }
        }
    }

    /// MPSC model: `None` is a hole (a claimed position left unwritten); it
    /// takes room until the consumer passes it.
    #[test]
    fn mpsc_matches_a_bounded_fifo(cap in capacity(), ops in proptest::collection::vec(op(), 1..200)) {
        let (tx, mut rx) = mpsc::channel::<u32>(cap).unwrap();
        let mut producers = [tx.clone(), tx];
        let mut who = 0;
        let mut model: VecDeque<Option<u32>> = VecDeque::new();
        let mut next = 0u32;
        for op in ops {
            match op {
                Op::Push => {
                    let r = producers[who].try_push(next);
                    if model.len() < cap {
                        prop_assert_eq!(r, Ok(()));
                        model.push_back(Some(next));
                    } else {
                        prop_assert_eq!(r, Err(PushError::Full(next)));
                    }
                    next += 1;
                }
                Op::Pop => {
                    while model.front() == Some(&None) {
                        model.pop_front();
                    }
                    prop_assert_eq!(rx.try_pop().ok(), model.pop_front().flatten());
                }
                Op::WriteChunk { claim, write, commit } => match producers[who].write_chunk(claim) {
                    Ok(mut chunk) => {
                        prop_assert!(claim <= cap - model.len());
                        let mut slots = vec![None; claim];
                        for slot in slots.iter_mut().take(write) {
                            chunk.push(next).unwrap();
                            *slot = Some(next);
                            next += 1;
                        }
                        if commit {
                            chunk.commit();
                        } else {
                            drop(chunk);
                            slots.iter_mut().for_each(|s| *s = None);
                        }
                        model.extend(slots);
                    }
                    Err(ChunkError::TooLarge { .. }) => prop_assert!(claim > cap),
                    Err(e) => {
                        prop_assert_eq!(e, ChunkError::Full);
                        prop_assert!(claim > cap - model.len());
                    }
                },
                Op::ReadChunk { max } => {
                    while max > 0 && model.front() == Some(&None) {
                        model.pop_front();
                    }
                    let ready = model.iter().take(max).take_while(|s| s.is_some()).count();
                    match rx.read_chunk(max) {
                        Ok(run) => {
                            let got: Vec<u32> = run.iter().copied().collect();
                            let want: Vec<u32> = model.drain(..ready).flatten().collect();
                            prop_assert_eq!(got, want);
                        }
                        Err(e) => {
                            prop_assert_eq!(e, PopError::Empty);
                            prop_assert_eq!(ready, 0);
                        }
                    }
                }
                Op::Switch => who = 1 - who,
            }
        }
        let rest: Vec<u32> = std::iter::from_fn(|| rx.try_pop().ok()).collect();
        prop_assert_eq!(rest, model.into_iter().flatten().collect::<Vec<_>>());
    }

    #[test]
    fn work_queue_matches_a_bounded_fifo(cap in capacity(), ops in proptest::collection::vec(op(), 1..200)) {
        let (mut tx, rx) = work::channel::<u32>(cap).unwrap();
        let mut consumers = [rx.clone(), rx];
        let mut who = 0;
        let mut model = VecDeque::new();
        let mut next = 0u32;
        for op in ops {
            match op {
                Op::Push => {
                    let r = tx.try_push(next);
                    if model.len() < cap {
                        prop_assert_eq!(r, Ok(()));
                        model.push_back(next);
                    } else {
                        prop_assert_eq!(r, Err(PushError::Full(next)));
                    }
                    next += 1;
                }
                Op::Pop => prop_assert_eq!(consumers[who].try_pop().ok(), model.pop_front()),
                Op::WriteChunk { claim, write, commit } => match tx.write_chunk(claim) {
                    Ok(mut chunk) => {
                        prop_assert!(claim <= cap - model.len());
                        let mut written = Vec::new();
                        for _ in 0..write {
                            if chunk.push(next).is_ok() {
                                written.push(next);
                            }
                            next += 1;
                        }
                        if commit {
                            chunk.commit();
                            model.extend(written);
                        }
                    }
                    Err(ChunkError::TooLarge { .. }) => prop_assert!(claim > cap),
                    Err(e) => {
                        prop_assert_eq!(e, ChunkError::Full);
                        prop_assert!(claim > cap - model.len());
                    }
                },
                Op::ReadChunk { max } => match consumers[who].read_chunk(max) {
                    Ok(run) => {
                        let got: Vec<u32> = run.iter().copied().collect();
                        let want: Vec<u32> = model.drain(..max.min(model.len())).collect();
                        prop_assert_eq!(got, want);
                    }
                    Err(e) => {
                        prop_assert_eq!(e, PopError::Empty);
                        prop_assert!(max == 0 || model.is_empty());
                    }
                },
                Op::Switch => who = 1 - who,
            }
        }
    }

    #[test]
    fn broadcast_subscribers_each_match_the_fifo(cap in capacity(), ops in proptest::collection::vec(op(), 1..200)) {
        let config = Config::new(cap).backpressure(enso_ring::Backpressure::Fail);
        let (mut publisher, first) = broadcast::with_config(config, || 0u32).unwrap();
        let second = publisher.subscribe().unwrap();
        let mut subs = [first, second];
        let mut models = [VecDeque::new(), VecDeque::new()];
        let mut who = 0;
        let mut next = 0u32;
        for op in ops {
            let backlog = models.iter().map(VecDeque::len).max().unwrap_or(0);
            match op {
                Op::Push => {
                    let r = publisher.try_publish(|v| *v = next);
                    prop_assert_eq!(r.is_ok(), backlog < cap);
                    if r.is_ok() {
                        models.iter_mut().for_each(|m| m.push_back(next));
                    }
                    next += 1;
                }
                Op::Pop => {
                    let got = subs[who].try_recv().ok().map(|v| *v);
                    prop_assert_eq!(got, models[who].pop_front());
                }
                Op::WriteChunk { claim, write, commit } => match publisher.write_chunk(claim) {
                    Ok(mut chunk) => {
                        prop_assert!(claim <= cap - backlog);
                        for i in 0..claim {
                            *chunk.get_mut(i).unwrap() = next + i as u32;
                        }
                        let n = if commit { chunk.commit() } else { chunk.commit_first(write) };
                        prop_assert_eq!(n, if commit { claim } else { write.min(claim) });
                        for m in models.iter_mut() {
                            m.extend(next..next + n as u32);
                        }
                        next += claim as u32;
                    }
                    Err(ChunkError::TooLarge { .. }) => prop_assert!(claim > cap),
                    Err(e) => {
                        prop_assert_eq!(e, ChunkError::Full);
                        prop_assert!(claim > cap - backlog);
                    }
                },
                Op::ReadChunk { max } => match subs[who].read_chunk(max) {
                    Ok(run) => {
                        let got: Vec<u32> = run.iter().copied().collect();
                        let model = &mut models[who];
                        let want: Vec<u32> = model.drain(..max.min(model.len())).collect();
                        prop_assert_eq!(got, want);
                    }
                    Err(e) => {
                        prop_assert_eq!(e, RecvError::Empty);
                        prop_assert!(max == 0 || models[who].is_empty());
                    }
                },
                Op::Switch => who = 1 - who,
            }
        }
    }
}
