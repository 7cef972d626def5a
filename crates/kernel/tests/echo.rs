//! The echo server serves 1,000 concurrent connections on loopback with
//! every byte echoed (server on core 1, clients on core 0).

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use enso::echo::{EchoClient, EchoServer, Gate};
use enso::{CoreIndex, CoreSpec, IdlePolicy, Kernel};

#[test]
fn echo_serves_1000_concurrent_connections() {
    let conns: u64 = 1000;
    let len: u64 = if cfg!(debug_assertions) {
        4 * 1024
    } else {
        64 * 1024
    };
    let idle = IdlePolicy::SpinThenPark(Duration::from_micros(20));
    let topo = Kernel::builder()
        .core(
            CoreSpec::bsp("clients", 0)
                .tasks()
                .io()
                .idle(idle)
                .max_tasks(2048),
        )
        .core(
            CoreSpec::ap("server", 1)
                .tasks()
                .io()
                .idle(idle)
                .max_tasks(2048),
        )
        .build()
        .unwrap();
    let k = Kernel::boot(topo).unwrap().start().unwrap();
    let h = k.handle().clone();
    let server = EchoServer::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.local_addr().unwrap();
    let stats = server.stats();
    h.spawn_on(CoreIndex(1), 200, server).unwrap();
    let gate = Gate::new(conns as usize);
    let clients: Vec<_> = (0..conns)
        .map(|i| {
            h.spawn_on(
                CoreIndex(0),
                10,
                EchoClient::new(addr, i, len, gate.clone()),
            )
            .unwrap()
        })
        .collect();
    let mut total = 0;
    for c in clients {
        let r = c
            .join_timeout(Duration::from_secs(120))
            .expect("client timed out");
        total += r.expect("client task").expect("echo");
    }
    assert_eq!(total, conns * len, "every byte echoed");
    assert_eq!(stats.accepted.load(Ordering::Relaxed), conns);
    assert_eq!(
        stats.peak.load(Ordering::Relaxed),
        conns,
        "all connections open at once"
    );
    k.halt();
    let rep = k.join().unwrap();
    assert_eq!(stats.bytes.load(Ordering::Relaxed), conns * len);
    assert_eq!(rep.lost(), 0, "{rep}");
}
