//! Stream combinators: composition, batches, broadcast sources, drops.

mod common;

use common::{Counted, counter, drops};
use enso_ring::stream::Source;
use enso_ring::{PopError, broadcast, mpsc, spsc, work};

#[test]
fn map_filter_batch_compose() {
    let (mut tx, rx) = mpsc::channel::<u32>(16).unwrap();
    for i in 0..10 {
        tx.try_push(i).unwrap();
    }
    let mut s = rx.filter(|v| v % 3 == 0).map(|v| v + 1).batch::<3>();
    assert_eq!(s.try_pop().unwrap().as_slice(), &[1, 4, 7]);
    let last = s.try_pop().unwrap();
    assert_eq!((last.len(), last.as_slice()), (1, &[10][..]));
    assert_eq!(s.try_pop().unwrap_err(), PopError::Empty);
    drop(tx);
    assert_eq!(s.try_pop().unwrap_err(), PopError::Closed);
}

#[test]
fn empty_batches_take_nothing() {
    let (mut tx, rx) = spsc::channel::<u32>(4).unwrap();
    tx.try_push(1).unwrap();
    let mut s = rx.batch::<0>();
    assert_eq!(s.try_pop().unwrap_err(), PopError::Empty);
}

#[test]
fn fold_ready_reports_why_it_stopped() {
    let (mut tx, mut rx) = work::channel::<u64>(8).unwrap();
    for i in 1..=4 {
        tx.try_push(i).unwrap();
    }
    assert_eq!(rx.fold_ready(0, |a, v| a + v), (10, PopError::Empty));
    drop(tx);
    assert_eq!(rx.fold_ready(0, |a, v| a + v), (0, PopError::Closed));
}

#[test]
fn broadcast_subscribers_are_sources_of_clones() {
    let (mut publisher, a) = broadcast::channel::<u32>(4).unwrap();
    let b = publisher.subscribe().unwrap();
    let mut doubled = a.map(|v| v * 2);
    let mut plain = b;
    publisher.publish(|v| *v = 21).unwrap();
    assert_eq!(doubled.try_pop(), Ok(42));
    assert_eq!(Source::try_pop(&mut plain), Ok(21));
    drop(publisher);
    assert_eq!(doubled.try_pop(), Err(PopError::Closed));
}

#[test]
fn batches_drop_their_items_once() {
    let count = counter();
    let (mut tx, rx) = spsc::channel::<Counted>(8).unwrap();
    for i in 0..5 {
        tx.try_push(Counted::new(i, &count)).unwrap();
    }
    let mut s = rx.batch::<4>();
    let batch = s.try_pop().unwrap();
    assert_eq!(
        batch.iter().map(|c| c.value).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    drop(batch);
    assert_eq!(drops(&count), 4);
    let mut rejected = s.filter(|_| false);
    assert_eq!(rejected.try_pop().unwrap_err(), PopError::Empty);
    assert_eq!(drops(&count), 5);
}
