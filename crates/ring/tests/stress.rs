//! Many-thread stress tests: every message of every producer arrives exactly
//! once and in that producer's order. Messages are `producer << 40 | seq`.
//! 10^7 messages per test in release, far fewer in debug. No timing
//! assumptions: waiting uses `SpinThenYield`, so two oversubscribed cores
//! still progress.

use enso_ring::{Config, PopError, WaitStrategy, spsc};
use std::thread;

const MESSAGES: u64 = if cfg!(debug_assertions) {
    50_000
} else {
    10_000_000
};

fn config(capacity: usize) -> Config {
    Config::new(capacity).wait(WaitStrategy::SpinThenYield)
}

fn tag(producer: u64, seq: u64) -> u64 {
    (producer << 40) | seq
}

/// Checks one received message against the next expected per producer.
fn check(next: &mut [u64], message: u64) {
    let producer = (message >> 40) as usize;
    let seq = message & ((1 << 40) - 1);
    assert_eq!(
        seq, next[producer],
        "producer {producer}: lost, duplicated or reordered"
    );
    next[producer] += 1;
}

#[test]
fn spsc_one_at_a_time() {
    let (mut tx, mut rx) = spsc::with_config::<u64>(config(1024)).unwrap();
    let producer = thread::spawn(move || {
        for i in 0..MESSAGES {
            tx.push(tag(0, i)).unwrap();
        }
    });
    let mut next = [0u64];
    loop {
        match rx.pop() {
            Ok(v) => check(&mut next, v),
            Err(PopError::Closed) => break,
            Err(PopError::Empty) => unreachable!("pop waits"),
        }
    }
    producer.join().unwrap();
    assert_eq!(next[0], MESSAGES);
}

#[test]
fn spsc_batches() {
    let (mut tx, mut rx) = spsc::with_config::<u64>(config(256)).unwrap();
    let producer = thread::spawn(move || {
        let mut sent = 0;
        while sent < MESSAGES {
            let want = (MESSAGES - sent).min(1 + sent % 61) as usize;
            match tx.write_chunk(want) {
                Ok(mut chunk) => {
                    chunk.fill_with(|i| tag(0, sent + i as u64));
                    sent += chunk.commit() as u64;
                }
                Err(_) => thread::yield_now(),
            }
        }
    });
    let mut next = [0u64];
    let mut round = 0usize;
    loop {
        round += 1;
        match rx.read_chunk(1 + round % 97) {
            Ok(run) => run.iter().for_each(|&v| check(&mut next, v)),
            Err(PopError::Empty) => thread::yield_now(),
            Err(PopError::Closed) => break,
        }
    }
    producer.join().unwrap();
    assert_eq!(next[0], MESSAGES);
}

#[test]
fn mpsc_three_producers() {
    use enso_ring::mpsc;
    let producers = 3u64;
    let per = MESSAGES / producers;
    let (tx, mut rx) = mpsc::with_config::<u64>(config(512)).unwrap();
    let handles: Vec<_> = (0..producers)
        .map(|p| {
            let mut tx = tx.clone();
            thread::spawn(move || {
                let mut sent = 0;
                while sent < per {
                    if p == 2 && sent.is_multiple_of(5) {
                        let want = (per - sent).min(7) as usize;
                        if let Ok(mut chunk) = tx.write_chunk(want) {
                            chunk.fill_with(|i| tag(p, sent + i as u64));
                            sent += chunk.commit() as u64;
                            continue;
                        }
                    }
                    tx.push(tag(p, sent)).unwrap();
                    sent += 1;
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = vec![0u64; producers as usize];
    let mut round = 0usize;
    loop {
        round += 1;
        if round.is_multiple_of(3) {
            match rx.read_chunk(round % 50) {
                Ok(run) => run.iter().for_each(|&v| check(&mut next, v)),
                Err(PopError::Empty) => thread::yield_now(),
                Err(PopError::Closed) => break,
            }
            continue;
        }
        match rx.pop() {
            Ok(v) => check(&mut next, v),
            Err(PopError::Closed) => break,
            Err(PopError::Empty) => unreachable!("pop waits"),
        }
    }
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert!(next.iter().all(|&n| n == per), "{next:?}");
}

#[test]
fn broadcast_two_subscribers_see_everything_in_order() {
    use enso_ring::RecvError;
    use enso_ring::broadcast;
    let (mut publisher, a) = broadcast::with_config(config(256), || 0u64).unwrap();
    let b = publisher.subscribe().unwrap();
    let readers: Vec<_> = [a, b]
        .into_iter()
        .enumerate()
        .map(|(k, mut sub)| {
            thread::spawn(move || {
                let mut next = 0u64;
                loop {
                    if k == 1 {
                        match sub.read_chunk(64) {
                            Ok(run) => run.iter().for_each(|&v| {
                                assert_eq!(v, next);
                                next += 1;
                            }),
                            Err(RecvError::Empty) => thread::yield_now(),
                            Err(RecvError::Closed) => break,
                            Err(RecvError::Lagged(n)) => panic!("lagged {n} with Block"),
                        }
                        continue;
                    }
                    match sub.recv() {
                        Ok(v) => {
                            assert_eq!(*v, next);
                            next += 1;
                        }
                        Err(RecvError::Closed) => break,
                        Err(e) => panic!("{e}"),
                    }
                }
                next
            })
        })
        .collect();
    for i in 0..MESSAGES {
        publisher.publish(|v| *v = i).unwrap();
    }
    drop(publisher);
    for reader in readers {
        assert_eq!(reader.join().unwrap(), MESSAGES);
    }
}

#[test]
fn lossy_never_torn_and_lag_accounts_for_every_message() {
    use enso_ring::RecvError;
    use enso_ring::broadcast::lossy;
    let (mut publisher, sub) = lossy::channel::<[u64; 8]>(64).unwrap();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let mut sub = sub.clone();
            thread::spawn(move || {
                let (mut expected, mut received, mut missed) = (0u64, 0u64, 0u64);
                loop {
                    match sub.recv() {
                        Ok(v) => {
                            assert!(v.iter().all(|&x| x == v[0]), "torn read {v:?}");
                            assert_eq!(v[0], expected, "reordered or duplicated");
                            expected += 1;
                            received += 1;
                        }
                        Err(RecvError::Lagged(n)) => {
                            expected += n;
                            missed += n;
                        }
                        Err(RecvError::Closed) => break,
                        Err(RecvError::Empty) => unreachable!("recv waits"),
                    }
                }
                (received, missed)
            })
        })
        .collect();
    drop(sub);
    for i in 0..MESSAGES {
        publisher.publish(|v| *v = [i; 8]).unwrap();
    }
    drop(publisher);
    for reader in readers {
        let (received, missed) = reader.join().unwrap();
        assert_eq!(received + missed, MESSAGES);
    }
}

#[test]
fn work_queue_three_consumers_exactly_once_in_claim_order() {
    use enso_ring::work;
    let (mut tx, rx) = work::with_config::<u64>(config(256)).unwrap();
    let consumers: Vec<_> = (0..3)
        .map(|k| {
            let mut rx = rx.clone();
            thread::spawn(move || {
                let mut seen = Vec::new();
                let mut last = None;
                loop {
                    let mut take = |v: u64| {
                        // Claims are in position order, so each consumer
                        // sees increasing values.
                        assert!(last.is_none_or(|l| v > l), "reordered");
                        last = Some(v);
                        seen.push(v);
                    };
                    if k == 2 {
                        match rx.read_chunk(16) {
                            Ok(run) => run.iter().for_each(|&v| take(v)),
                            Err(PopError::Empty) => thread::yield_now(),
                            Err(PopError::Closed) => break,
                        }
                        continue;
                    }
                    match rx.pop() {
                        Ok(v) => take(v),
                        Err(PopError::Closed) => break,
                        Err(PopError::Empty) => unreachable!("pop waits"),
                    }
                }
                seen
            })
        })
        .collect();
    drop(rx);
    for i in 0..MESSAGES {
        tx.push(i).unwrap();
    }
    drop(tx);
    let mut all: Vec<u64> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert_eq!(all.len() as u64, MESSAGES, "lost or duplicated");
    all.sort_unstable();
    assert!(
        all.iter().enumerate().all(|(i, &v)| v == i as u64),
        "lost or duplicated"
    );
}

#[test]
fn park_strategy_hands_off_without_losing_wakeups_for_good() {
    use enso_ring::mpsc;
    // Lost wake-ups would only cost the 1 ms park timeout; this checks that
    // parking producers and consumers still deliver everything in order.
    let messages = MESSAGES / 20;
    let config = Config::new(64).wait(WaitStrategy::Park);
    let (tx, mut rx) = mpsc::with_config::<u64>(config).unwrap();
    let producers: Vec<_> = (0..2u64)
        .map(|p| {
            let mut tx = tx.clone();
            thread::spawn(move || {
                for i in 0..messages {
                    tx.push(tag(p, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = [0u64; 2];
    while let Ok(v) = rx.pop() {
        check(&mut next, v);
    }
    producers.into_iter().for_each(|p| p.join().unwrap());
    assert_eq!(next, [messages; 2]);
}

#[test]
fn rpc_pipelined_calls_every_reply_once_in_order() {
    use enso_ring::rpc;
    let (mut client, mut server) = rpc::with_config::<u64, u64>(config(64)).unwrap();
    let server = thread::spawn(move || {
        let mut served = 0u64;
        loop {
            // Serve runs where they are ready, one at a time otherwise.
            match server.serve_ready(16, |x| x.wrapping_mul(3)) {
                Ok(n) => served += n as u64,
                Err(PopError::Empty) => {
                    if server.serve(|x| x.wrapping_mul(3)).is_err() {
                        break;
                    }
                    served += 1;
                }
                Err(PopError::Closed) => break,
            }
        }
        served
    });
    // Keep a varying number of calls in flight: from one (a plain round
    // trip) to the whole ring.
    let (mut sent, mut received) = (0u64, 0u64);
    while received < MESSAGES {
        let window = 1 + (received % 64) as usize;
        while sent < MESSAGES && client.in_flight() < window {
            client.try_send(sent).unwrap();
            sent += 1;
        }
        let reply = client.recv().unwrap();
        assert_eq!(
            reply,
            received.wrapping_mul(3),
            "reply {received}: lost, duplicated or reordered"
        );
        received += 1;
    }
    assert_eq!(client.try_recv(), Err(PopError::Empty));
    drop(client);
    assert_eq!(server.join().unwrap(), MESSAGES);
}
