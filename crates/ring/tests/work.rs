//! Work queue behaviour: exactly-once delivery, batches, disconnection and
//! drop counts.

mod common;

use common::{Counted, counter, drops};
use enso_ring::{ChunkError, PopError, PushError, RingError, work};

#[test]
fn bad_capacity_is_an_error() {
    assert_eq!(
        work::channel::<u8>(5).unwrap_err(),
        RingError::CapacityNotPowerOfTwo { capacity: 5 }
    );
}

#[test]
fn each_message_goes_to_one_consumer() {
    let (mut tx, mut a) = work::channel::<u32>(2).unwrap();
    let mut b = a.clone();
    tx.try_push(1).unwrap();
    tx.try_push(2).unwrap();
    assert_eq!(tx.try_push(3), Err(PushError::Full(3)));
    assert_eq!(b.try_pop(), Ok(1));
    assert_eq!(a.try_pop(), Ok(2));
    assert_eq!(a.try_pop(), Err(PopError::Empty));
    assert_eq!(b.try_pop(), Err(PopError::Empty));
    tx.try_push(3).unwrap();
    assert_eq!(a.try_pop(), Ok(3));
}

#[test]
fn chunks_claim_runs_across_the_wrap() {
    let (mut tx, mut a) = work::channel::<u32>(4).unwrap();
    let mut b = a.clone();
    for round in 0..4u32 {
        let mut chunk = tx.write_chunk(3).unwrap();
        chunk.fill_with(|i| round * 10 + i as u32);
        assert_eq!(chunk.commit(), 3);
        let first = a.read_chunk(2).unwrap();
        assert_eq!(
            first.iter().copied().collect::<Vec<_>>(),
            [round * 10, round * 10 + 1]
        );
        assert_eq!(b.read_chunk(8).unwrap()[0], round * 10 + 2);
        drop(first);
    }
    assert_eq!(
        tx.write_chunk(5).unwrap_err(),
        ChunkError::TooLarge {
            requested: 5,
            capacity: 4
        }
    );
    tx.try_push(0).unwrap();
    assert_eq!(tx.write_chunk(4).unwrap_err(), ChunkError::Full);
}

#[test]
fn abandoned_write_chunk_publishes_nothing() {
    let count = counter();
    let (mut tx, mut rx) = work::channel::<Counted>(4).unwrap();
    let mut chunk = tx.write_chunk(2).unwrap();
    chunk.push(Counted::new(1, &count)).unwrap();
    drop(chunk);
    assert_eq!(drops(&count), 1);
    assert_eq!(rx.try_pop().unwrap_err(), PopError::Empty);
    tx.try_push(Counted::new(2, &count)).unwrap();
    assert_eq!(rx.try_pop().unwrap().value, 2);
}

#[test]
fn producer_gone_consumers_drain_then_closed() {
    let count = counter();
    let (mut tx, mut a) = work::channel::<Counted>(4).unwrap();
    let mut b = a.clone();
    tx.try_push(Counted::new(1, &count)).unwrap();
    tx.try_push(Counted::new(2, &count)).unwrap();
    drop(tx);
    assert_eq!(a.pop().unwrap().value, 1);
    assert_eq!(b.pop().unwrap().value, 2);
    assert_eq!(a.pop().unwrap_err(), PopError::Closed);
    assert_eq!(b.try_pop().unwrap_err(), PopError::Closed);
    assert!(b.read_chunk(2).is_err());
    assert_eq!(drops(&count), 2);
}

#[test]
fn consumers_gone_producer_sees_closed_and_unread_dropped_once() {
    let count = counter();
    let (mut tx, a) = work::channel::<Counted>(4).unwrap();
    let b = a.clone();
    for i in 0..3 {
        tx.try_push(Counted::new(i, &count)).unwrap();
    }
    drop(a);
    tx.try_push(Counted::new(3, &count)).unwrap();
    drop(b);
    match tx.push(Counted::new(4, &count)) {
        Err(PushError::Closed(v)) => assert_eq!(v.value, 4),
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(tx.write_chunk(1).unwrap_err(), ChunkError::Closed);
    assert_eq!(drops(&count), 1);
    drop(tx);
    assert_eq!(drops(&count), 5);
}
