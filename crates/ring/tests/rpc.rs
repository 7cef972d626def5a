//! The request/response ring: calls, errors, every disconnection path with
//! drop counts, a panicking handler, and random single-threaded sequences
//! against a model (requests waiting, replies waiting, both FIFO).

mod common;

use common::{Counted, counter, drops};
use enso_ring::rpc::{self, CallError};
use enso_ring::{Backpressure, Config, PopError, PushError, RingError};
use proptest::prelude::*;
use std::collections::VecDeque;

#[test]
fn replies_come_back_in_order_and_fill_the_ring() {
    let (mut client, mut server) = rpc::channel::<u64, String>(2).unwrap();
    assert_eq!(client.capacity(), 2);
    assert_eq!(server.capacity(), 2);
    assert_eq!(client.try_recv(), Err(PopError::Empty));
    assert_eq!(server.try_serve(|_| String::new()), Err(PopError::Empty));
    client.try_send(1).unwrap();
    client.try_send(2).unwrap();
    // Two in flight: full until a reply is taken, even once both are served.
    assert_eq!(client.try_send(3), Err(PushError::Full(3)));
    assert_eq!(server.serve_ready(5, |x| x.to_string()), Ok(2));
    assert_eq!(client.try_send(3), Err(PushError::Full(3)));
    assert_eq!(client.in_flight(), 2);
    assert_eq!(client.try_recv().as_deref(), Ok("1"));
    client.try_send(3).unwrap();
    let mut got = Vec::new();
    assert_eq!(client.recv_ready(8, |r| got.push(r)), Ok(1));
    assert_eq!(got, ["2"]);
    assert_eq!(client.try_recv(), Err(PopError::Empty));
    server.try_serve(|x| format!("{x}!")).unwrap();
    assert_eq!(client.recv().as_deref(), Ok("3!"));
    // Nothing in flight: `recv` does not wait for a reply that cannot come.
    assert_eq!(client.recv(), Err(PopError::Empty));
}

#[test]
fn the_handler_may_change_the_request_in_place() {
    let (mut client, mut server) = rpc::channel::<Vec<u8>, usize>(4).unwrap();
    client.try_send(vec![1, 2, 3]).unwrap();
    server
        .try_serve(|v| {
            v.push(4);
            v.len()
        })
        .unwrap();
    assert_eq!(client.try_recv(), Ok(4));
}

#[test]
fn bad_parameters_are_errors() {
    assert_eq!(
        rpc::channel::<u8, u8>(3).err(),
        Some(RingError::CapacityNotPowerOfTwo { capacity: 3 })
    );
    let lossy = Config::new(4).backpressure(Backpressure::Overwrite);
    assert!(matches!(
        rpc::with_config::<u8, u8>(lossy).err(),
        Some(RingError::Unsupported { .. })
    ));
}

#[test]
fn a_call_is_a_round_trip_across_threads() {
    let (mut client, mut server) = rpc::channel::<u64, u64>(8).unwrap();
    let t = std::thread::spawn(move || {
        let mut n = 0;
        while server.serve(|x| *x * *x).is_ok() {
            n += 1;
        }
        n
    });
    for i in 0..1000u64 {
        assert_eq!(client.call(i), Ok(i * i));
    }
    drop(client);
    assert_eq!(t.join().unwrap(), 1000);
}

#[test]
fn server_gone_refuses_sends_and_ends_waiting_calls() {
    let (mut client, mut server) = rpc::channel::<u64, u64>(4).unwrap();
    client.try_send(1).unwrap();
    client.try_send(2).unwrap();
    server.try_serve(|x| *x).unwrap();
    drop(server);
    assert!(client.is_closed());
    // The reply sent before leaving is still there; the second never comes.
    assert_eq!(client.try_recv(), Ok(1));
    assert_eq!(client.try_recv(), Err(PopError::Closed));
    assert_eq!(client.recv(), Err(PopError::Closed));
    assert_eq!(client.try_send(3), Err(PushError::Closed(3)));
    assert_eq!(client.call(4), Err(CallError::Closed(Some(4))));
}

#[test]
fn client_gone_lets_the_server_drain_then_closes() {
    let (mut client, mut server) = rpc::channel::<u64, u64>(4).unwrap();
    client.try_send(7).unwrap();
    drop(client);
    assert!(server.is_closed());
    assert_eq!(server.serve(|x| *x), Ok(()));
    assert_eq!(server.try_serve(|x| *x), Err(PopError::Closed));
    assert_eq!(server.serve(|x| *x), Err(PopError::Closed));
}

#[test]
fn unserved_requests_and_untaken_replies_drop_once_client_last() {
    let requests = counter();
    let replies = counter();
    let (mut client, mut server) = rpc::channel::<Counted, Counted>(4).unwrap();
    for i in 0..3 {
        client.try_send(Counted::new(i, &requests)).unwrap();
    }
    // One reply taken, one waiting, one request not served.
    server
        .try_serve(|q| Counted::new(q.value, &replies))
        .unwrap();
    server
        .try_serve(|q| Counted::new(q.value, &replies))
        .unwrap();
    drop(client.try_recv().unwrap());
    assert_eq!((drops(&requests), drops(&replies)), (2, 1));
    drop(server);
    assert_eq!((drops(&requests), drops(&replies)), (2, 1));
    drop(client);
    assert_eq!((drops(&requests), drops(&replies)), (3, 2));
}

#[test]
fn unserved_requests_and_untaken_replies_drop_once_server_last() {
    let requests = counter();
    let replies = counter();
    let (mut client, mut server) = rpc::channel::<Counted, Counted>(2).unwrap();
    // Go round the ring once so the cursors are not at zero.
    for i in 0..3 {
        client.try_send(Counted::new(i, &requests)).unwrap();
        server
            .try_serve(|q| Counted::new(q.value, &replies))
            .unwrap();
        drop(client.try_recv().unwrap());
    }
    client.try_send(Counted::new(10, &requests)).unwrap();
    client.try_send(Counted::new(11, &requests)).unwrap();
    server
        .try_serve(|q| Counted::new(q.value, &replies))
        .unwrap();
    drop(client);
    assert_eq!((drops(&requests), drops(&replies)), (4, 3));
    drop(server);
    assert_eq!((drops(&requests), drops(&replies)), (5, 4));
}

#[test]
fn a_panicking_handler_leaves_the_request_in_place() {
    let requests = counter();
    let (mut client, mut server) = rpc::channel::<Counted, u64>(2).unwrap();
    client.try_send(Counted::new(5, &requests)).unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        server.try_serve(|_| panic!("handler fails"))
    }));
    assert!(panicked.is_err());
    assert_eq!(drops(&requests), 0);
    assert_eq!(client.try_recv(), Err(PopError::Empty));
    // Served by the next call; the request is dropped once, after it.
    server.try_serve(|q| q.value * 2).unwrap();
    assert_eq!(drops(&requests), 1);
    assert_eq!(client.try_recv(), Ok(10));
    drop((client, server));
    assert_eq!(drops(&requests), 1);
}

#[derive(Debug, Clone)]
enum Op {
    Send,
    Recv,
    Serve,
    ServeReady(usize),
    RecvReady(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Send),
        3 => Just(Op::Recv),
        3 => Just(Op::Serve),
        1 => (0usize..6).prop_map(Op::ServeReady),
        1 => (0usize..6).prop_map(Op::RecvReady),
    ]
}

proptest! {
    #[test]
    fn matches_a_model_of_two_fifos(
        capacity in (0u32..4).prop_map(|k| 1usize << k),
        ops in proptest::collection::vec(op(), 1..200),
    ) {
        let (mut client, mut server) = rpc::channel::<u64, u64>(capacity).unwrap();
        let mut waiting: VecDeque<u64> = VecDeque::new();
        let mut answered: VecDeque<u64> = VecDeque::new();
        let mut next = 0u64;
        let reply = |x: &mut u64| *x * 7 + 1;
        for op in ops {
            match op {
                Op::Send => {
                    let r = client.try_send(next);
                    if waiting.len() + answered.len() == capacity {
                        prop_assert_eq!(r, Err(PushError::Full(next)));
                    } else {
                        prop_assert_eq!(r, Ok(()));
                        waiting.push_back(next);
                        next += 1;
                    }
                }
                Op::Serve => {
                    let r = server.try_serve(reply);
                    match waiting.pop_front() {
                        Some(q) => {
                            prop_assert_eq!(r, Ok(()));
                            answered.push_back(q * 7 + 1);
                        }
                        None => prop_assert_eq!(r, Err(PopError::Empty)),
                    }
                }
                Op::Recv => {
                    let want = answered.pop_front().ok_or(PopError::Empty);
                    prop_assert_eq!(client.try_recv(), want);
                }
                Op::ServeReady(max) => {
                    let n = max.min(waiting.len());
                    let want = if n == 0 && max > 0 { Err(PopError::Empty) } else { Ok(n) };
                    prop_assert_eq!(server.serve_ready(max, reply), want);
                    for q in waiting.drain(..n) {
                        answered.push_back(q * 7 + 1);
                    }
                }
                Op::RecvReady(max) => {
                    let n = max.min(answered.len());
                    let mut got = Vec::new();
                    let want = if n == 0 && max > 0 { Err(PopError::Empty) } else { Ok(n) };
                    prop_assert_eq!(client.recv_ready(max, |r| got.push(r)), want);
                    let expected: Vec<u64> = answered.drain(..n).collect();
                    prop_assert_eq!(got, expected);
                }
            }
            prop_assert_eq!(client.in_flight(), waiting.len() + answered.len());
        }
    }
}
