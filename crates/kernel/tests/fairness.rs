//! Service order: tasks woken in one step are polled in wake order, so the
//! echo server answers the connections that became ready in one turn in
//! the order their requests arrived (each once before any twice), never
//! last-first.

mod common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use common::*;
use enso::echo::EchoServer;
use enso::{Context, CoreIndex, Task};
use mio::net::TcpStream;
use mio::{Events, Interest, Token};

/// Wakers registered by the sleepers, and the order they were polled in.
#[derive(Default)]
struct Log {
    wakers: Vec<Option<Waker>>,
    polled: Vec<usize>,
}

/// Registers its waker on its first poll; records its number and ends on
/// the next.
struct Sleeper {
    n: usize,
    log: Arc<Mutex<Log>>,
    registered: bool,
}

impl Task for Sleeper {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut log = self.log.lock().unwrap();
        if !self.registered {
            self.registered = true;
            log.wakers[self.n] = Some(cx.waker().clone());
            return Poll::Pending;
        }
        log.polled.push(self.n);
        Poll::Ready(())
    }
}

/// Once every sleeper has registered, wakes them all in one poll, in `order`.
struct WakeAll {
    order: Vec<usize>,
    log: Arc<Mutex<Log>>,
}

impl Task for WakeAll {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut log = self.log.lock().unwrap();
        if log.wakers.iter().any(Option::is_none) {
            cx.yield_now();
            return Poll::Pending;
        }
        for &i in &self.order {
            log.wakers[i].take().expect("registered").wake();
        }
        Poll::Ready(())
    }
}

#[test]
fn tasks_woken_in_one_step_are_polled_in_wake_order() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let n = 8;
    for order in [
        (0..n).collect::<Vec<_>>(),
        (0..n).rev().collect(),
        vec![3, 6, 1, 7, 0, 5, 2, 4],
    ] {
        let log = Arc::new(Mutex::new(Log {
            wakers: vec![None; n],
            polled: Vec::new(),
        }));
        let sleepers: Vec<_> = (0..n)
            .map(|i| {
                let s = Sleeper {
                    n: i,
                    log: log.clone(),
                    registered: false,
                };
                h.spawn_on(CoreIndex(1), 5, s).unwrap()
            })
            .collect();
        let w = WakeAll {
            order: order.clone(),
            log: log.clone(),
        };
        join(h.spawn_on(CoreIndex(1), 5, w).unwrap()).unwrap();
        for s in sleepers {
            join(s).unwrap();
        }
        assert_eq!(log.lock().unwrap().polled, order, "polled in wake order");
    }
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
}

/// Holds its core in one poll until `release` (so that several requests
/// wait for the same turn's I/O phase); `entered` says it got there.
struct Blocker {
    entered: Arc<AtomicBool>,
    release: Arc<AtomicBool>,
}

impl Task for Blocker {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        self.entered.store(true, Ordering::Release);
        let give_up = Instant::now() + Duration::from_secs(20);
        while !self.release.load(Ordering::Acquire) && Instant::now() < give_up {
            std::hint::spin_loop();
        }
        Poll::Ready(())
    }
}

fn wait_for(flag: &AtomicBool) {
    let give_up = Instant::now() + Duration::from_secs(20);
    while !flag.load(Ordering::Acquire) {
        assert!(Instant::now() < give_up, "the blocker never ran");
        std::thread::yield_now();
    }
}

/// Reads one `len`-byte echo from every connection; the tokens in the
/// order their echoes arrived.
fn echoes(poll: &mut mio::Poll, conns: &mut [TcpStream], len: usize) -> Vec<usize> {
    let mut events = Events::with_capacity(64);
    let mut got = vec![0; conns.len()];
    let mut order = Vec::new();
    let give_up = Instant::now() + Duration::from_secs(20);
    while order.len() < conns.len() {
        assert!(Instant::now() < give_up, "echoes missing: {order:?}");
        poll.poll(&mut events, Some(Duration::from_millis(100)))
            .unwrap();
        for ev in events.iter() {
            let k = ev.token().0;
            let mut buf = [0u8; 64];
            loop {
                match conns[k].read(&mut buf) {
                    Ok(0) => panic!("connection {k} closed"),
                    Ok(n) => {
                        assert!(got[k] < len, "connection {k}: more than one echo");
                        got[k] += n;
                        if got[k] == len {
                            order.push(k);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("connection {k}: {e}"),
                }
            }
        }
    }
    order
}

#[test]
fn the_echo_server_answers_a_turns_requests_in_arrival_order() {
    let k = start(two_cores());
    let h = k.handle().clone();
    let server = EchoServer::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.local_addr().unwrap();
    h.spawn_on(CoreIndex(1), 200, server).unwrap();
    let n = 8;
    let len = 16;
    let mut poll = mio::Poll::new().unwrap();
    let mut conns: Vec<TcpStream> = (0..n)
        .map(|i| {
            let s = std::net::TcpStream::connect(addr).unwrap();
            s.set_nodelay(true).unwrap();
            s.set_nonblocking(true).unwrap();
            let mut s = TcpStream::from_std(s);
            poll.registry()
                .register(&mut s, Token(i), Interest::READABLE)
                .unwrap();
            s
        })
        .collect();
    // Warm-up: every connection accepted and echoing; no event left over.
    for c in conns.iter_mut() {
        c.write_all(&[1; 16]).unwrap();
    }
    echoes(&mut poll, &mut conns, len);
    for order in [
        (0..n).collect::<Vec<_>>(),
        (0..n).rev().collect(),
        vec![3, 6, 1, 7, 0, 5, 2, 4],
    ] {
        let entered = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let b = Blocker {
            entered: entered.clone(),
            release: release.clone(),
        };
        let b = h.spawn_on(CoreIndex(1), 5, b).unwrap();
        wait_for(&entered);
        for &i in &order {
            conns[i].write_all(&[2; 16]).unwrap();
        }
        // Let loopback deliver them all before the server's next turn (in
        // order either way; together, they are one turn's events).
        std::thread::sleep(Duration::from_millis(20));
        release.store(true, Ordering::Release);
        join(b).unwrap();
        assert_eq!(
            echoes(&mut poll, &mut conns, len),
            order,
            "answered in arrival order"
        );
    }
    drop(conns);
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(rep.lost(), 0, "{rep}");
}
