//! Loom models of every driver. Run with
//! `RUSTFLAGS="--cfg loom" cargo test --release -p enso-ring --test loom`.
//! Capacities are shrunk (1 or 2 slots) so that wrap-around, full and empty
//! are all reached within a few operations; the preemption bound keeps the
//! whole run within a few minutes on two cores. In three-thread models at
//! most one thread waits in a spin loop at a time (the others have room or
//! read after a join): loom's schedule space explodes when two threads spin
//! on each other, so full-ring waiting is modelled with two threads.
#![cfg(loom)]

use enso_ring::{Config, PopError, PushError, WaitStrategy, spsc};
use loom::model::Builder;
use loom::thread;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// A value that counts its drops (in a loom atomic, so the model sees it).
struct D(std::sync::Arc<loom::sync::atomic::AtomicUsize>);

impl Drop for D {
    fn drop(&mut self) {
        self.0.fetch_add(1, loom::sync::atomic::Ordering::SeqCst);
    }
}

fn config(capacity: usize) -> Config {
    Config::new(capacity).wait(WaitStrategy::SpinThenYield)
}

#[test]
fn spsc_in_order_across_the_wrap_then_closed() {
    model(|| {
        let (mut tx, mut rx) = spsc::with_config::<u32>(config(2)).unwrap();
        let producer = thread::spawn(move || {
            for i in 0..3 {
                tx.push(i).unwrap();
            }
        });
        for i in 0..3 {
            assert_eq!(rx.pop(), Ok(i));
        }
        assert_eq!(rx.pop(), Err(PopError::Closed));
        producer.join().unwrap();
    });
}

#[test]
fn spsc_chunks() {
    model(|| {
        let (mut tx, mut rx) = spsc::with_config::<u32>(config(2)).unwrap();
        let producer = thread::spawn(move || {
            let mut next = 0;
            while next < 4 {
                if let Ok(mut chunk) = tx.write_chunk(2) {
                    chunk.fill_with(|i| next + i as u32);
                    next += chunk.commit() as u32;
                } else {
                    thread::yield_now();
                }
            }
        });
        let mut expected = 0;
        while expected < 4 {
            match rx.read_chunk(2) {
                Ok(run) => {
                    for v in run.iter() {
                        assert_eq!(*v, expected);
                        expected += 1;
                    }
                }
                Err(PopError::Empty) => thread::yield_now(),
                Err(PopError::Closed) => panic!("closed before everything was read"),
            }
        }
        producer.join().unwrap();
    });
}

/// A committed chunk is seen whole: the first position is stamped last, so
/// a consumer never finds part of a batch (with in-order stamps it could
/// find one or two of the three, and read lines still being stamped).
#[test]
fn spsc_chunk_is_seen_whole() {
    model(|| {
        let (mut tx, mut rx) = spsc::with_config::<u32>(config(4)).unwrap();
        let producer = thread::spawn(move || {
            let mut chunk = tx.write_chunk(3).unwrap();
            chunk.fill_with(|i| 10 + i as u32);
            chunk.commit();
        });
        loop {
            match rx.read_chunk(4) {
                Ok(run) => {
                    assert_eq!(run.iter().copied().collect::<Vec<_>>(), [10, 11, 12]);
                    break;
                }
                Err(PopError::Empty) => thread::yield_now(),
                Err(PopError::Closed) => panic!("closed before the chunk was read"),
            }
        }
        producer.join().unwrap();
    });
}

#[test]
fn spsc_consumer_gone_drops_once() {
    model(|| {
        let drops = std::sync::Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let (mut tx, mut rx) = spsc::with_config::<D>(config(1)).unwrap();
        let d = drops.clone();
        let producer = thread::spawn(move || {
            for _ in 0..2 {
                match tx.push(D(d.clone())) {
                    Ok(()) => {}
                    Err(PushError::Closed(v)) => drop(v),
                    Err(PushError::Full(_)) => unreachable!("push blocks"),
                }
            }
        });
        let _ = rx.try_pop();
        drop(rx);
        producer.join().unwrap();
        assert_eq!(drops.load(loom::sync::atomic::Ordering::SeqCst), 2);
    });
}

#[test]
fn mpsc_two_producers_per_producer_order() {
    use enso_ring::mpsc;
    model(|| {
        let (mut tx, mut rx) = mpsc::with_config::<u32>(config(4)).unwrap();
        let mut tx2 = tx.clone();
        let a = thread::spawn(move || {
            tx.push(1).unwrap();
            tx.push(2).unwrap();
        });
        let b = thread::spawn(move || {
            tx2.push(11).unwrap();
        });
        let mut got = Vec::new();
        loop {
            match rx.pop() {
                Ok(v) => got.push(v),
                Err(PopError::Closed) => break,
                Err(PopError::Empty) => unreachable!(),
            }
        }
        a.join().unwrap();
        b.join().unwrap();
        let ones: Vec<_> = got.iter().filter(|&&v| v < 10).copied().collect();
        assert_eq!(ones, [1, 2]);
        assert_eq!(got.len(), 3);
    });
}

#[test]
fn mpsc_chunk_and_hole() {
    use enso_ring::mpsc;
    model(|| {
        let (mut tx, mut rx) = mpsc::with_config::<u32>(config(4)).unwrap();
        let mut tx2 = tx.clone();
        let a = thread::spawn(move || {
            loop {
                if let Ok(mut chunk) = tx.write_chunk(2) {
                    chunk.push(5).unwrap();
                    chunk.commit();
                    break;
                }
                thread::yield_now();
            }
        });
        let b = thread::spawn(move || {
            tx2.push(7).unwrap();
        });
        let mut got = Vec::new();
        loop {
            match rx.pop() {
                Ok(v) => got.push(v),
                Err(PopError::Closed) => break,
                Err(PopError::Empty) => unreachable!(),
            }
        }
        a.join().unwrap();
        b.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, [5, 7]);
    });
}

/// A committed chunk is seen whole by the consumer:
/// its first position is stamped last, as for `spsc_chunk_is_seen_whole`.
#[test]
fn mpsc_chunk_is_seen_whole() {
    use enso_ring::mpsc;
    model(|| {
        let (mut tx, mut rx) = mpsc::with_config::<u32>(config(4)).unwrap();
        let producer = thread::spawn(move || {
            let mut chunk = tx.write_chunk(4).unwrap();
            chunk.fill_with(|i| 10 + i as u32);
            chunk.commit();
        });
        loop {
            match rx.read_chunk(4) {
                Ok(run) => {
                    assert_eq!(run.iter().copied().collect::<Vec<_>>(), [10, 11, 12, 13]);
                    break;
                }
                Err(PopError::Empty) => thread::yield_now(),
                Err(PopError::Closed) => panic!("closed before the chunk was read"),
            }
        }
        producer.join().unwrap();
    });
}

/// Full ring and wrap-around with two threads (three-thread models keep
/// capacity >= messages so that loom's schedule space stays small).
#[test]
fn mpsc_full_ring_wraps_in_order() {
    use enso_ring::mpsc;
    model(|| {
        let (mut tx, mut rx) = mpsc::with_config::<u32>(config(2)).unwrap();
        let producer = thread::spawn(move || {
            for i in 0..3 {
                tx.push(i).unwrap();
            }
        });
        for i in 0..3 {
            assert_eq!(rx.pop(), Ok(i));
        }
        assert_eq!(rx.pop(), Err(PopError::Closed));
        producer.join().unwrap();
    });
}

/// Two producers race for the last free slot of a full ring.
#[test]
fn mpsc_two_producers_race_for_one_slot() {
    use enso_ring::mpsc;
    model(|| {
        let (mut tx, mut rx) = mpsc::with_config::<u32>(config(2)).unwrap();
        tx.try_push(0).unwrap();
        let mut tx2 = tx.clone();
        let a = thread::spawn(move || tx.try_push(1).is_ok());
        let b = thread::spawn(move || tx2.try_push(2).is_ok());
        let a_won = a.join().unwrap();
        let b_won = b.join().unwrap();
        assert!(a_won ^ b_won, "exactly one producer gets the last slot");
        assert_eq!(rx.try_pop(), Ok(0));
        let second = rx.try_pop().unwrap();
        assert_eq!(second, if a_won { 1 } else { 2 });
        assert_eq!(rx.try_pop(), Err(PopError::Closed));
    });
}

#[test]
fn broadcast_publisher_blocks_on_a_full_ring() {
    use enso_ring::broadcast;
    model(|| {
        let (mut publisher, mut sub) = broadcast::with_config(config(1), || 0u32).unwrap();
        let writer = thread::spawn(move || {
            for i in 1..=3 {
                publisher.publish(|v| *v = i).unwrap();
            }
        });
        for i in 1..=3 {
            assert_eq!(*sub.recv().unwrap(), i);
        }
        assert_eq!(sub.recv().unwrap_err(), enso_ring::RecvError::Closed);
        writer.join().unwrap();
    });
}

#[test]
fn broadcast_block_two_subscribers() {
    use enso_ring::broadcast;
    model(|| {
        let (mut publisher, mut a) = broadcast::with_config(config(2), || 0u32).unwrap();
        let mut b = publisher.subscribe().unwrap();
        let reader = thread::spawn(move || {
            let mut got = Vec::new();
            while let Ok(v) = b.recv() {
                got.push(*v);
            }
            got
        });
        let writer = thread::spawn(move || {
            for i in 1..=2 {
                publisher.publish(|v| *v = i).unwrap();
            }
        });
        // Only one thread spins at a time in a three-thread model (see top).
        writer.join().unwrap();
        let mut mine = Vec::new();
        while let Ok(v) = a.try_recv() {
            mine.push(*v);
        }
        assert_eq!(mine, [1, 2]);
        assert_eq!(reader.join().unwrap(), [1, 2]);
    });
}

#[test]
fn broadcast_chunks_across_the_wrap() {
    use enso_ring::{RecvError, broadcast};
    model(|| {
        let (mut publisher, mut sub) = broadcast::with_config(config(2), || 0u32).unwrap();
        let writer = thread::spawn(move || {
            let mut next = 1;
            while next <= 4 {
                if let Ok(mut chunk) = publisher.write_chunk(2) {
                    for i in 0..2 {
                        *chunk.get_mut(i).unwrap() = next + i as u32;
                    }
                    next += chunk.commit() as u32;
                } else {
                    thread::yield_now();
                }
            }
        });
        let mut expected = 1;
        while expected <= 4 {
            match sub.read_chunk(2) {
                Ok(run) => {
                    for v in run.iter() {
                        assert_eq!(*v, expected);
                        expected += 1;
                    }
                }
                Err(RecvError::Empty) => thread::yield_now(),
                Err(e) => panic!("{e:?} before everything was read"),
            }
        }
        writer.join().unwrap();
    });
}

#[test]
fn broadcast_join_while_publishing_never_sees_overwritten_slots() {
    use enso_ring::broadcast;
    model(|| {
        let (mut publisher, mut a) = broadcast::with_config(config(4), || 0u32).unwrap();
        let seed = publisher.subscribe().unwrap();
        let writer = thread::spawn(move || {
            for i in 1..=2 {
                publisher.publish(|v| *v = i).unwrap();
            }
        });
        let joiner = thread::spawn(move || {
            let mut joined = seed.subscribe().unwrap();
            drop(seed);
            let mut last = None;
            while let Ok(v) = joined.recv() {
                if let Some(prev) = last {
                    assert_eq!(*v, prev + 1);
                }
                last = Some(*v);
            }
            if let Some(v) = last {
                assert_eq!(v, 2);
            }
        });
        writer.join().unwrap();
        joiner.join().unwrap();
        for i in 1..=2 {
            assert_eq!(*a.try_recv().unwrap(), i);
        }
    });
}

#[test]
fn lossy_stamps_never_yield_a_stale_or_skipped_message() {
    use enso_ring::RecvError;
    use enso_ring::broadcast::lossy;
    model(|| {
        let (mut publisher, mut sub) = lossy::channel::<u32>(2).unwrap();
        let writer = thread::spawn(move || {
            for i in 1..=3 {
                publisher.publish(|v| *v = i).unwrap();
            }
        });
        let mut expected = 1;
        loop {
            match sub.try_recv() {
                Ok(v) => {
                    assert_eq!(v, expected);
                    expected += 1;
                }
                Err(RecvError::Lagged(n)) => expected += n as u32,
                Err(RecvError::Empty) => thread::yield_now(),
                Err(RecvError::Closed) => break,
            }
        }
        assert_eq!(expected, 4);
        writer.join().unwrap();
    });
}

#[test]
fn work_two_consumers_exactly_once() {
    use enso_ring::work;
    model(|| {
        let (mut tx, mut a) = work::with_config::<u32>(config(4)).unwrap();
        let mut b = a.clone();
        let writer = thread::spawn(move || {
            for i in 1..=3 {
                tx.push(i).unwrap();
            }
        });
        let other = thread::spawn(move || {
            let mut got = Vec::new();
            while let Ok(v) = b.pop() {
                got.push(v);
            }
            got
        });
        writer.join().unwrap();
        let mut mine = Vec::new();
        while let Ok(v) = a.try_pop() {
            mine.push(v);
        }
        let theirs = other.join().unwrap();
        let mut all: Vec<u32> = mine.into_iter().chain(theirs).collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3]);
    });
}

#[test]
fn work_full_ring_and_chunks() {
    use enso_ring::work;
    model(|| {
        let (mut tx, mut rx) = work::with_config::<u32>(config(2)).unwrap();
        let writer = thread::spawn(move || {
            tx.push(1).unwrap();
            loop {
                if let Ok(mut chunk) = tx.write_chunk(2) {
                    chunk.fill_with(|i| 2 + i as u32);
                    chunk.commit();
                    break;
                }
                thread::yield_now();
            }
        });
        let mut got = Vec::new();
        loop {
            match rx.read_chunk(2) {
                Ok(run) => got.extend(run.iter().copied()),
                Err(PopError::Empty) => thread::yield_now(),
                Err(PopError::Closed) => break,
            }
        }
        assert_eq!(got, [1, 2, 3]);
        writer.join().unwrap();
    });
}

#[test]
fn priority_select_takes_every_message_per_level_in_order() {
    use enso_ring::priority::Select;
    model(|| {
        let (mut hi_tx, hi_rx) = spsc::with_config::<u32>(config(2)).unwrap();
        let (mut lo_tx, lo_rx) = spsc::with_config::<u32>(config(2)).unwrap();
        let mut select = Select::new(vec![hi_rx, lo_rx]).unwrap();
        let hi = thread::spawn(move || {
            hi_tx.push(1).unwrap();
            hi_tx.push(2).unwrap();
        });
        let lo = thread::spawn(move || {
            lo_tx.push(10).unwrap();
        });
        let mut got = [Vec::new(), Vec::new()];
        while let Ok((level, v)) = select.select() {
            got[level].push(v);
        }
        hi.join().unwrap();
        lo.join().unwrap();
        assert_eq!(got, [vec![1, 2], vec![10]]);
    });
}

#[test]
fn sector_rings_share_a_region_across_threads() {
    use enso_ring::Policy;
    use enso_ring::sector::Sector;
    model(|| {
        let mut carves = Sector::<u32>::new(4, &[1, 1])
            .unwrap()
            .into_carves()
            .into_iter();
        let (mut a_tx, mut a_rx) = carves.next().unwrap().spsc(Policy::default()).unwrap();
        let (mut b_tx, mut b_rx) = carves.next().unwrap().spsc(Policy::default()).unwrap();
        let echo = thread::spawn(move || {
            while let Ok(v) = a_rx.pop() {
                b_tx.push(v + 1).unwrap();
            }
        });
        for i in 0..2 {
            a_tx.push(i).unwrap();
            assert_eq!(b_rx.pop(), Ok(i + 1));
        }
        drop(a_tx);
        echo.join().unwrap();
        assert_eq!(b_rx.pop(), Err(PopError::Closed));
    });
}

/// The doorbell of the `Park` strategy: under loom a parked waiter is only
/// woken by a notify (loom's timed wait never times out), so a lost wake-up
/// would deadlock the model.
#[test]
fn park_doorbell_never_loses_a_wakeup() {
    model(|| {
        let config = Config::new(1).wait(WaitStrategy::Park);
        let (mut tx, mut rx) = spsc::with_config::<u32>(config).unwrap();
        let producer = thread::spawn(move || {
            for i in 0..2 {
                tx.push(i).unwrap();
            }
        });
        for i in 0..2 {
            assert_eq!(rx.pop(), Ok(i));
        }
        assert_eq!(rx.pop(), Err(PopError::Closed));
        producer.join().unwrap();
    });
}

/// A value that counts its drops in a loom atomic.
struct Dropped(std::sync::Arc<loom::sync::atomic::AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, loom::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn mpsc_consumer_gone_while_pushing_drops_each_once() {
    use enso_ring::mpsc;
    model(|| {
        let drops = std::sync::Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let (mut tx, mut rx) = mpsc::with_config::<Dropped>(config(2)).unwrap();
        let d = drops.clone();
        let producer = thread::spawn(move || {
            for _ in 0..2 {
                match tx.try_push(Dropped(d.clone())) {
                    Ok(()) | Err(PushError::Closed(_)) | Err(PushError::Full(_)) => {}
                }
            }
        });
        drop(rx.try_pop());
        drop(rx);
        producer.join().unwrap();
        assert_eq!(drops.load(loom::sync::atomic::Ordering::SeqCst), 2);
    });
}

#[test]
fn work_producer_gone_consumers_drain_exactly_once() {
    use enso_ring::work;
    model(|| {
        let drops = std::sync::Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let (mut tx, mut a) = work::with_config::<Dropped>(config(2)).unwrap();
        let mut b = a.clone();
        tx.try_push(Dropped(drops.clone())).unwrap();
        tx.try_push(Dropped(drops.clone())).unwrap();
        let other = thread::spawn(move || {
            let mut n = 0;
            while b.pop().is_ok() {
                n += 1;
            }
            n
        });
        drop(tx);
        let mut mine = 0;
        while a.try_pop().is_ok() {
            mine += 1;
        }
        let theirs = other.join().unwrap();
        // `a` may have stopped on Empty while `b` held a claim; together
        // they took both, each exactly once.
        let left = std::iter::from_fn(|| a.try_pop().ok()).count();
        assert_eq!(mine + theirs + left, 2);
        assert_eq!(drops.load(loom::sync::atomic::Ordering::SeqCst), 2);
    });
}

#[test]
fn rpc_pipelined_calls_across_the_wrap_then_closed() {
    use enso_ring::rpc;
    model(|| {
        let (mut client, mut server) = rpc::with_config::<u32, u32>(config(2)).unwrap();
        let served = thread::spawn(move || {
            let mut n = 0;
            while server.serve(|x| *x * 10).is_ok() {
                n += 1;
            }
            n
        });
        // Two in flight fill the ring; the third reuses slot 0 once its
        // reply is taken.
        client.try_send(1).unwrap();
        client.try_send(2).unwrap();
        assert_eq!(client.recv(), Ok(10));
        client.try_send(3).unwrap();
        assert_eq!(client.recv(), Ok(20));
        assert_eq!(client.recv(), Ok(30));
        drop(client);
        assert_eq!(served.join().unwrap(), 3);
    });
}

#[test]
fn rpc_server_gone_drops_every_request_and_reply_once() {
    use enso_ring::rpc;
    model(|| {
        let drops = std::sync::Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let (mut client, mut server) = rpc::with_config::<D, D>(config(2)).unwrap();
        let d = drops.clone();
        let handle = thread::spawn(move || {
            // Serves at most one request, then leaves.
            let _ = server.try_serve(|_| D(d.clone()));
        });
        // A send after the server left hands the request back (dropped here).
        for _ in 0..2 {
            match client.try_send(D(drops.clone())) {
                Ok(()) | Err(PushError::Closed(_)) => {}
                Err(PushError::Full(_)) => unreachable!("two slots"),
            }
        }
        let reply = client.try_recv();
        handle.join().unwrap();
        // Whatever was served (one request and its reply) or not, every
        // value is dropped exactly once: 2 requests + 1 reply if served.
        let served = match reply {
            Ok(r) => {
                drop(r);
                true
            }
            Err(_) => false,
        };
        let late = client.try_recv();
        let served = served || late.is_ok();
        drop(late);
        drop(client);
        let want = if served { 3 } else { 2 };
        assert_eq!(drops.load(loom::sync::atomic::Ordering::SeqCst), want);
    });
}
