//! MPSC behaviour: errors, holes, batches, disconnection and drop counts.

mod common;

use common::{Counted, counter, drops};
use enso_ring::{ChunkError, PopError, PushError, RingError, mpsc};

#[test]
fn bad_capacity_is_an_error() {
    assert_eq!(
        mpsc::channel::<u8>(3).unwrap_err(),
        RingError::CapacityNotPowerOfTwo { capacity: 3 }
    );
}

#[test]
fn full_then_room_again() {
    let (mut tx, mut rx) = mpsc::channel::<u32>(2).unwrap();
    let mut tx2 = tx.clone();
    tx.try_push(1).unwrap();
    tx2.try_push(2).unwrap();
    assert_eq!(tx.try_push(3), Err(PushError::Full(3)));
    assert_eq!(rx.try_pop(), Ok(1));
    tx2.try_push(3).unwrap();
    assert_eq!(rx.try_pop(), Ok(2));
    assert_eq!(rx.try_pop(), Ok(3));
    assert_eq!(rx.try_pop(), Err(PopError::Empty));
}

#[test]
fn capacity_one_works() {
    let (mut tx, mut rx) = mpsc::channel::<u32>(1).unwrap();
    for i in 0..5 {
        tx.try_push(i).unwrap();
        assert_eq!(tx.try_push(9), Err(PushError::Full(9)));
        assert_eq!(rx.try_pop(), Ok(i));
    }
}

#[test]
fn partial_chunks_leave_holes_the_consumer_skips() {
    let count = counter();
    let (mut tx, mut rx) = mpsc::channel::<Counted>(4).unwrap();
    for round in 0..4 {
        let mut chunk = tx.write_chunk(3).unwrap();
        chunk.push(Counted::new(round, &count)).unwrap();
        assert_eq!(chunk.commit(), 1);
        let mut abandoned = tx.write_chunk(1).unwrap();
        abandoned.push(Counted::new(99, &count)).unwrap();
        drop(abandoned);
        assert_eq!(rx.try_pop().unwrap().value, round);
        assert_eq!(rx.try_pop().unwrap_err(), PopError::Empty);
    }
    assert_eq!(drops(&count), 8);
    assert_eq!(
        tx.write_chunk(5).unwrap_err(),
        ChunkError::TooLarge {
            requested: 5,
            capacity: 4
        }
    );
}

#[test]
fn read_chunk_runs_across_the_wrap() {
    let (mut tx, mut rx) = mpsc::channel::<u32>(4).unwrap();
    tx.try_push(0).unwrap();
    tx.try_push(1).unwrap();
    assert_eq!(rx.try_pop(), Ok(0));
    assert_eq!(rx.try_pop(), Ok(1));
    let mut chunk = tx.write_chunk(4).unwrap();
    chunk.fill_with(|i| 10 + i as u32);
    chunk.commit();
    assert_eq!(tx.write_chunk(1).unwrap_err(), ChunkError::Full);
    let run = rx.read_chunk(8).unwrap();
    assert_eq!(run.iter().copied().collect::<Vec<_>>(), [10, 11, 12, 13]);
    assert_eq!(run[3], 13);
    run.release();
    assert_eq!(rx.read_chunk(8).unwrap_err(), PopError::Empty);
}

#[test]
fn all_producers_gone_consumer_drains_then_closed() {
    let count = counter();
    let (mut tx, mut rx) = mpsc::channel::<Counted>(8).unwrap();
    let mut tx2 = tx.clone();
    tx.try_push(Counted::new(1, &count)).unwrap();
    tx2.try_push(Counted::new(2, &count)).unwrap();
    drop(tx);
    assert_eq!(rx.try_pop().unwrap().value, 1);
    assert_eq!(rx.pop().unwrap().value, 2);
    assert_eq!(rx.try_pop().unwrap_err(), PopError::Empty);
    tx2.try_push(Counted::new(3, &count)).unwrap();
    drop(tx2);
    assert_eq!(rx.pop().unwrap().value, 3);
    assert_eq!(rx.pop().unwrap_err(), PopError::Closed);
    assert_eq!(drops(&count), 3);
}

#[test]
fn consumer_gone_producers_see_closed_and_unread_dropped_once() {
    let count = counter();
    let (mut tx, mut rx) = mpsc::channel::<Counted>(8).unwrap();
    let mut tx2 = tx.clone();
    for i in 0..4 {
        tx.try_push(Counted::new(i, &count)).unwrap();
    }
    drop(rx.try_pop().unwrap());
    drop(rx);
    match tx2.push(Counted::new(7, &count)) {
        Err(PushError::Closed(v)) => assert_eq!(v.value, 7),
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(tx.write_chunk(1).unwrap_err(), ChunkError::Closed);
    assert_eq!(drops(&count), 2);
    drop(tx);
    assert_eq!(drops(&count), 2);
    drop(tx2);
    assert_eq!(drops(&count), 5);
}
