//! Broadcast behaviour: fan-out, join/leave, backpressure, batches,
//! disconnection, drop counts, and the lossy (Overwrite) variant.

mod common;

use common::{Counted, counter, drops};
use enso_ring::broadcast::{self, lossy};
use enso_ring::{
    Backpressure, ChunkError, Config, PublishError, RecvError, RingError, SubscribeError,
};

#[test]
fn bad_parameters_are_errors() {
    assert_eq!(
        broadcast::channel::<u8>(6).unwrap_err(),
        RingError::CapacityNotPowerOfTwo { capacity: 6 }
    );
    assert_eq!(
        broadcast::with_config(Config::new(4).max_subscribers(0), || 0u8).unwrap_err(),
        RingError::NoSubscriberRoom
    );
    assert!(matches!(
        broadcast::with_config(Config::new(4).backpressure(Backpressure::Overwrite), || 0u8),
        Err(RingError::Unsupported { .. })
    ));
    assert_eq!(
        lossy::channel::<u8>(0).unwrap_err(),
        RingError::CapacityNotPowerOfTwo { capacity: 0 }
    );
}

#[test]
fn every_subscriber_sees_every_message() {
    let (mut publisher, mut a) = broadcast::channel::<u64>(4).unwrap();
    let mut b = publisher.subscribe().unwrap();
    for i in 0..10 {
        publisher.try_publish(|v| *v = i).unwrap();
        assert_eq!(*a.try_recv().unwrap(), i);
        assert_eq!(b.try_read_with(|v| *v), Ok(i));
    }
    assert_eq!(a.try_recv().unwrap_err(), RecvError::Empty);
}

#[test]
fn fail_backpressure_waits_for_the_slowest_and_leaving_unblocks() {
    let config = Config::new(2).backpressure(Backpressure::Fail);
    let (mut publisher, mut fast) = broadcast::with_config(config, || 0u32).unwrap();
    let slow = publisher.subscribe().unwrap();
    publisher.publish(|v| *v = 1).unwrap();
    publisher.publish(|v| *v = 2).unwrap();
    assert_eq!(publisher.publish(|v| *v = 3), Err(PublishError::Full));
    assert_eq!(*fast.try_recv().unwrap(), 1);
    assert_eq!(publisher.try_publish(|v| *v = 3), Err(PublishError::Full));
    drop(slow);
    publisher.try_publish(|v| *v = 3).unwrap();
    assert_eq!(*fast.try_recv().unwrap(), 2);
    assert_eq!(*fast.try_recv().unwrap(), 3);
}

#[test]
fn late_subscriber_starts_at_the_tail() {
    let (mut publisher, mut early) = broadcast::channel::<u32>(8).unwrap();
    publisher.publish(|v| *v = 1).unwrap();
    let mut late = early.subscribe().unwrap();
    publisher.publish(|v| *v = 2).unwrap();
    assert_eq!(*late.try_recv().unwrap(), 2);
    assert_eq!(*early.try_recv().unwrap(), 1);
    assert_eq!(*early.try_recv().unwrap(), 2);
}

#[test]
fn subscriber_table_is_bounded() {
    let config = Config::new(4).max_subscribers(2);
    let (publisher, first) = broadcast::with_config(config, || 0u8).unwrap();
    let second = publisher.subscribe().unwrap();
    assert_eq!(
        publisher.subscribe().unwrap_err(),
        SubscribeError::TooMany { max: 2 }
    );
    drop(second);
    let _third = publisher.subscribe().unwrap();
    assert_eq!(publisher.subscribers(), 2);
    drop(first);
}

#[test]
fn read_chunk_sizes_every_partial_run() {
    let (mut publisher, mut sub) = broadcast::channel::<u32>(8).unwrap();
    let (mut next, mut expect) = (0u32, 0u32);
    for ready in 1..=8usize {
        for max in 1..=10usize {
            for _ in 0..ready {
                publisher.try_publish(|slot| *slot = next).unwrap();
                next += 1;
            }
            let want = ready.min(max);
            let run = sub.read_chunk(max).unwrap();
            assert_eq!(run.len(), want, "ready {ready}, max {max}");
            let got: Vec<u32> = run.iter().copied().collect();
            assert_eq!(got, (expect..expect + want as u32).collect::<Vec<_>>());
            drop(run);
            expect += want as u32;
            while let Ok(v) = sub.try_read_with(|v| *v) {
                assert_eq!(v, expect);
                expect += 1;
            }
        }
    }
}

#[test]
fn chunks_in_place_across_the_wrap() {
    let (mut publisher, mut sub) = broadcast::channel::<u32>(4).unwrap();
    for round in 0..5u32 {
        let mut chunk = publisher.write_chunk(3).unwrap();
        for i in 0..3 {
            *chunk.get_mut(i).unwrap() = round * 10 + i as u32;
        }
        assert!(chunk.get_mut(3).is_none());
        assert_eq!(chunk.commit(), 3);
        let run = sub.read_chunk(8).unwrap();
        assert_eq!(run.len(), 3);
        assert_eq!(
            run.iter().copied().collect::<Vec<_>>(),
            [round * 10, round * 10 + 1, round * 10 + 2]
        );
        assert_eq!(run[1], round * 10 + 1);
    }
    assert_eq!(
        publisher.write_chunk(5).unwrap_err(),
        ChunkError::TooLarge {
            requested: 5,
            capacity: 4
        }
    );
    let mut chunk = publisher.write_chunk(2).unwrap();
    *chunk.get_mut(0).unwrap() = 99;
    assert_eq!(chunk.commit_first(1), 1);
    assert_eq!(*sub.try_recv().unwrap(), 99);
    assert_eq!(sub.try_recv().unwrap_err(), RecvError::Empty);
}

#[test]
fn publisher_gone_subscribers_drain_then_closed() {
    let (mut publisher, mut a) = broadcast::channel::<u32>(4).unwrap();
    let mut b = publisher.subscribe().unwrap();
    publisher.publish(|v| *v = 5).unwrap();
    drop(publisher);
    assert_eq!(*a.recv().unwrap(), 5);
    assert_eq!(a.recv().unwrap_err(), RecvError::Closed);
    assert_eq!(b.try_read_with(|v| *v), Ok(5));
    assert_eq!(b.try_recv().unwrap_err(), RecvError::Closed);
}

#[test]
fn all_subscribers_gone_publisher_sees_closed() {
    let (mut publisher, a) = broadcast::channel::<u32>(4).unwrap();
    drop(a);
    assert_eq!(publisher.publish(|v| *v = 1), Err(PublishError::Closed));
    assert_eq!(publisher.write_chunk(1).unwrap_err(), ChunkError::Closed);
    let mut again = publisher.subscribe().unwrap();
    publisher.publish(|v| *v = 2).unwrap();
    assert_eq!(*again.try_recv().unwrap(), 2);
}

#[test]
fn slot_values_are_dropped_exactly_once() {
    let count = counter();
    let (mut publisher, mut sub) =
        broadcast::with_config(Config::new(4), || Counted::new(0, &count)).unwrap();
    for i in 0..6 {
        publisher.publish(|slot| slot.value = i).unwrap();
        assert_eq!(sub.try_recv().unwrap().value, i);
    }
    assert_eq!(drops(&count), 0);
    drop(publisher);
    assert_eq!(drops(&count), 0);
    drop(sub);
    assert_eq!(drops(&count), 4);
}

#[test]
fn lossy_lagging_subscriber_is_told_and_resynchronises() {
    let (mut publisher, mut slow) = lossy::channel::<[u64; 4]>(4).unwrap();
    let mut fast = publisher.subscribe();
    for i in 0..3u64 {
        publisher.publish(|v| *v = [i; 4]).unwrap();
        assert_eq!(fast.try_recv(), Ok([i; 4]));
    }
    for i in 3..10u64 {
        publisher.publish(|v| *v = [i; 4]).unwrap();
    }
    assert_eq!(slow.try_recv(), Err(RecvError::Lagged(7)));
    for i in 7..10u64 {
        assert_eq!(slow.try_recv(), Ok([i; 4]));
    }
    assert_eq!(slow.try_recv(), Err(RecvError::Empty));
    assert_eq!(fast.try_recv(), Err(RecvError::Lagged(4)));
    assert_eq!(fast.try_read_with(|v| v[0]), Ok(7));
    drop(publisher);
    assert_eq!(fast.recv(), Ok([8; 4]));
    assert_eq!(fast.recv(), Ok([9; 4]));
    assert_eq!(fast.recv(), Err(RecvError::Closed));
}

#[test]
fn lossy_publisher_sees_closed_without_subscribers() {
    let (mut publisher, sub) = lossy::channel::<u8>(2).unwrap();
    let clone = sub.clone();
    drop(sub);
    publisher.publish(|v| *v = 1).unwrap();
    drop(clone);
    assert_eq!(publisher.publish(|v| *v = 2), Err(PublishError::Closed));
}
