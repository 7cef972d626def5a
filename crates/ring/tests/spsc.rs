//! SPSC behaviour: errors, batches, disconnection and drop counts.

mod common;

use common::{Counted, counter, drops};
use enso_ring::{Backpressure, ChunkError, Config, PopError, PushError, RingError, spsc};

#[test]
fn bad_capacities_are_errors() {
    assert_eq!(
        spsc::channel::<u8>(0).unwrap_err(),
        RingError::CapacityNotPowerOfTwo { capacity: 0 }
    );
    assert_eq!(
        spsc::channel::<u8>(12).unwrap_err(),
        RingError::CapacityNotPowerOfTwo { capacity: 12 }
    );
    assert_eq!(
        spsc::channel::<u8>(1 << 40).unwrap_err(),
        RingError::CapacityTooLarge { capacity: 1 << 40 }
    );
    assert!(matches!(
        spsc::with_config::<u8>(Config::new(4).backpressure(Backpressure::Overwrite)),
        Err(RingError::Unsupported { .. })
    ));
}

#[test]
fn full_gives_the_item_back() {
    let (mut tx, mut rx) = spsc::channel::<u32>(2).unwrap();
    tx.try_push(1).unwrap();
    tx.try_push(2).unwrap();
    assert_eq!(tx.try_push(3), Err(PushError::Full(3)));
    assert_eq!(rx.try_pop(), Ok(1));
    tx.try_push(3).unwrap();
    assert_eq!(rx.try_pop(), Ok(2));
    assert_eq!(rx.try_pop(), Ok(3));
    assert_eq!(rx.try_pop(), Err(PopError::Empty));
}

#[test]
fn capacity_one_works() {
    let (mut tx, mut rx) = spsc::channel::<u32>(1).unwrap();
    for i in 0..10 {
        tx.try_push(i).unwrap();
        assert_eq!(tx.try_push(99), Err(PushError::Full(99)));
        assert_eq!(rx.try_pop(), Ok(i));
    }
}

#[test]
fn is_empty_follows_the_head_slot_without_consuming() {
    let (mut tx, mut rx) = spsc::channel::<u32>(2).unwrap();
    assert!(rx.is_empty());
    // Several laps, so the head slot's stamp is compared for the right lap.
    for lap in 0..5u32 {
        tx.try_push(lap * 2).unwrap();
        assert!(!rx.is_empty());
        assert!(!rx.is_empty(), "is_empty consumed the message");
        tx.try_push(lap * 2 + 1).unwrap();
        assert_eq!(rx.try_pop(), Ok(lap * 2));
        assert!(!rx.is_empty());
        assert_eq!(rx.try_pop(), Ok(lap * 2 + 1));
        assert!(rx.is_empty());
    }
    // A committed chunk makes it non-empty; an abandoned one does not.
    let mut chunk = tx.write_chunk(1).unwrap();
    chunk.push(10).unwrap();
    drop(chunk);
    assert!(rx.is_empty());
    let mut chunk = tx.write_chunk(1).unwrap();
    chunk.push(11).unwrap();
    chunk.commit();
    assert!(!rx.is_empty());
    // A gone producer leaves what it pushed: not empty until it is read.
    drop(tx);
    assert!(!rx.is_empty());
    assert_eq!(rx.try_pop(), Ok(11));
    assert!(rx.is_empty());
    assert_eq!(rx.try_pop(), Err(PopError::Closed));
}

#[test]
fn read_chunk_sizes_every_partial_run() {
    // Every number of ready messages against every `max`, over several
    // laps: the run is min(ready, max) (binary search when not all ready).
    let (mut tx, mut rx) = spsc::channel::<u32>(16).unwrap();
    let mut next = 0u32;
    let mut expect = 0u32;
    for ready in 0..=16usize {
        for max in 1..=20usize {
            for _ in 0..ready {
                tx.try_push(next).unwrap();
                next += 1;
            }
            let want = ready.min(max);
            if want == 0 {
                assert_eq!(rx.read_chunk(max).unwrap_err(), PopError::Empty);
                continue;
            }
            let run = rx.read_chunk(max).unwrap();
            assert_eq!(run.len(), want, "ready {ready}, max {max}");
            let got: Vec<u32> = run.iter().copied().collect();
            assert_eq!(got, (expect..expect + want as u32).collect::<Vec<_>>());
            run.release();
            expect += want as u32;
            while let Ok(v) = rx.try_pop() {
                assert_eq!(v, expect);
                expect += 1;
            }
        }
    }
}

#[test]
fn fail_backpressure_push_does_not_wait() {
    let config = Config::new(1).backpressure(Backpressure::Fail);
    let (mut tx, _rx) = spsc::with_config::<u32>(config).unwrap();
    tx.push(1).unwrap();
    assert_eq!(tx.push(2), Err(PushError::Full(2)));
}

#[test]
fn chunks_cross_the_wrap() {
    let (mut tx, mut rx) = spsc::channel::<u32>(4).unwrap();
    for round in 0..5u32 {
        tx.try_push(round * 10).unwrap();
        assert_eq!(rx.try_pop(), Ok(round * 10));
        let mut chunk = tx.write_chunk(3).unwrap();
        chunk.fill_with(|i| round * 10 + 1 + i as u32);
        assert_eq!(chunk.commit(), 3);
        let run = rx.read_chunk(10).unwrap();
        assert_eq!(run.len(), 3);
        let got: Vec<u32> = run.iter().copied().collect();
        assert_eq!(got, [round * 10 + 1, round * 10 + 2, round * 10 + 3]);
        assert_eq!(run[2], round * 10 + 3);
        run.release();
    }
    assert_eq!(
        tx.write_chunk(5).unwrap_err(),
        ChunkError::TooLarge {
            requested: 5,
            capacity: 4
        }
    );
}

#[test]
fn chunk_full_and_partial_commit() {
    let (mut tx, mut rx) = spsc::channel::<u32>(4).unwrap();
    tx.try_push(0).unwrap();
    assert_eq!(tx.write_chunk(4).unwrap_err(), ChunkError::Full);
    let mut chunk = tx.write_chunk(3).unwrap();
    chunk.push(1).unwrap();
    assert_eq!(chunk.commit(), 1);
    assert_eq!(rx.read_chunk(1).unwrap().len(), 1);
    assert_eq!(rx.try_pop(), Ok(1));
}

#[test]
fn abandoned_write_chunk_drops_its_values_and_publishes_nothing() {
    let count = counter();
    let (mut tx, mut rx) = spsc::channel::<Counted>(4).unwrap();
    let mut chunk = tx.write_chunk(3).unwrap();
    chunk.push(Counted::new(1, &count)).unwrap();
    chunk.push(Counted::new(2, &count)).unwrap();
    drop(chunk);
    assert_eq!(drops(&count), 2);
    assert_eq!(rx.try_pop().unwrap_err(), PopError::Empty);
}

#[test]
fn producer_gone_consumer_drains_then_closed() {
    let count = counter();
    let (mut tx, mut rx) = spsc::channel::<Counted>(8).unwrap();
    for i in 0..3 {
        tx.try_push(Counted::new(i, &count)).unwrap();
    }
    drop(tx);
    assert_eq!(rx.try_pop().unwrap().value, 0);
    assert_eq!(rx.pop().unwrap().value, 1);
    assert_eq!(rx.try_pop().unwrap().value, 2);
    assert_eq!(rx.try_pop().unwrap_err(), PopError::Closed);
    assert_eq!(rx.pop().unwrap_err(), PopError::Closed);
    assert_eq!(drops(&count), 3);
}

#[test]
fn consumer_gone_producer_sees_closed_and_unread_dropped_once() {
    let count = counter();
    let (mut tx, mut rx) = spsc::channel::<Counted>(8).unwrap();
    for i in 0..5 {
        tx.try_push(Counted::new(i, &count)).unwrap();
    }
    drop(rx.try_pop().unwrap());
    drop(rx);
    assert_eq!(drops(&count), 1);
    match tx.push(Counted::new(9, &count)) {
        Err(PushError::Closed(v)) => assert_eq!(v.value, 9),
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(drops(&count), 2);
    drop(tx);
    assert_eq!(drops(&count), 6);
}

#[test]
fn unread_items_dropped_when_both_ends_go_and_read_chunk_drop_releases() {
    let count = counter();
    let (mut tx, mut rx) = spsc::channel::<Counted>(4).unwrap();
    for round in 0..3 {
        for i in 0..4 {
            tx.try_push(Counted::new(round * 4 + i, &count)).unwrap();
        }
        let run = rx.read_chunk(2).unwrap();
        assert_eq!(run[0].value, round * 4);
        drop(run);
        for i in 2..4 {
            assert_eq!(rx.try_pop().unwrap().value, round * 4 + i);
        }
    }
    assert_eq!(drops(&count), 12);
    tx.try_push(Counted::new(100, &count)).unwrap();
    tx.try_push(Counted::new(101, &count)).unwrap();
    drop(tx);
    drop(rx);
    assert_eq!(drops(&count), 14);
}

#[test]
fn blocking_ping_pong_between_threads() {
    for wait in [
        enso_ring::WaitStrategy::SpinThenYield,
        enso_ring::WaitStrategy::Park,
    ] {
        let config = Config::new(2).wait(wait);
        let (mut tx, mut rx) = spsc::with_config::<u64>(config).unwrap();
        let (mut back_tx, mut back_rx) = spsc::with_config::<u64>(config).unwrap();
        let n = if cfg!(debug_assertions) {
            2_000
        } else {
            20_000
        };
        let echo = std::thread::spawn(move || {
            while let Ok(v) = rx.pop() {
                back_tx.push(v + 1).unwrap();
            }
        });
        for i in 0..n {
            tx.push(i).unwrap();
            assert_eq!(back_rx.pop(), Ok(i + 1));
        }
        drop(tx);
        echo.join().unwrap();
        assert_eq!(back_rx.pop(), Err(PopError::Closed));
    }
}
