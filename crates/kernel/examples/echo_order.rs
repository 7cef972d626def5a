//! Service order of the echo server under the `kernel-echo-*` load: how
//! many other requests complete while one waits ("overtakes").
//!
//! ```sh
//! cargo run --release -p enso --example echo_order -- [requests] [conns]
//! ```
//!
//! A busy-polling mio client on CPU 0 keeps `conns` connections (default
//! 16) each with one 64-byte request in flight against an `EchoServer` on
//! a one-core kernel on CPU 1, as `enso-bench kernel-echo-p99` does. For
//! every request it counts the answers to other connections between its
//! write and its echo. A server that serves ready connections in arrival
//! order (round robin) answers conns - 1 others in the meantime, every
//! time; one that reverses a batch lets some requests overtake others
//! twice, and the spread of this count is the latency tail in turns,
//! whatever the machine's load. Latency percentiles are printed too.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use enso::echo::EchoServer;
use enso::{CoreIndex, CoreSpec, Kernel};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

const SIZE: usize = 64;

struct Conn {
    s: TcpStream,
    read: usize,
    busy: bool,
    sent_at: Instant,
    done_before: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let requests: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(50_000);
    let conns: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(16);
    let server = EchoServer::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = server.local_addr()?;
    let topo = Kernel::builder()
        .core(CoreSpec::bsp("io", 1).tasks().io())
        .allow_shared_cpus(true)
        .build()?;
    let kernel = Kernel::boot(topo)?.start()?;
    kernel.handle().spawn_on(CoreIndex(0), 200, server)?;
    core_affinity::set_for_current(core_affinity::CoreId { id: 0 });

    let mut poll = Poll::new()?;
    let mut cs = Vec::new();
    for k in 0..conns {
        let s = std::net::TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_nonblocking(true)?;
        let mut s = TcpStream::from_std(s);
        poll.registry()
            .register(&mut s, Token(k), Interest::READABLE | Interest::WRITABLE)?;
        cs.push(Conn {
            s,
            read: 0,
            busy: false,
            sent_at: Instant::now(),
            done_before: 0,
        });
    }
    let out = [7u8; SIZE];
    let mut back = [0u8; SIZE];
    let mut events = Events::with_capacity(conns * 2);
    let (mut issued, mut done) = (0u64, 0u64);
    let (mut overtakes, mut lat) = (Vec::new(), Vec::new());
    let issue = |c: &mut Conn, done: u64, issued: &mut u64| -> std::io::Result<()> {
        c.s.write_all(&out)?;
        (c.read, c.busy, c.sent_at, c.done_before) = (0, true, Instant::now(), done);
        *issued += 1;
        Ok(())
    };
    for c in cs.iter_mut() {
        issue(c, done, &mut issued)?;
    }
    let warm = conns as u64 * 10;
    while done < requests + warm {
        poll.poll(&mut events, Some(Duration::ZERO))?;
        for ev in events.iter() {
            let c = &mut cs[ev.token().0];
            while c.busy {
                match c.s.read(&mut back[c.read..]) {
                    Ok(0) => return Err("eof".into()),
                    Ok(n) => c.read += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e.into()),
                }
                if c.read == SIZE {
                    c.busy = false;
                    if done >= warm {
                        lat.push(c.sent_at.elapsed().as_nanos() as u64);
                        overtakes.push(done - c.done_before);
                    }
                    done += 1;
                    if issued < requests + warm {
                        issue(c, done, &mut issued)?;
                    }
                }
            }
        }
    }
    let c = kernel.handle().cores()[0].counters;
    kernel.halt();
    let report = kernel.join()?;
    println!(
        "server core: {} turns, {} polls, {} io events, {} parks, busy {} ms, idle {} ms",
        c.turns,
        c.polls,
        c.io_events,
        c.parks,
        c.busy_ns / 1_000_000,
        c.idle_ns / 1_000_000
    );
    overtakes.sort_unstable();
    lat.sort_unstable();
    let q = |v: &[u64], p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    println!(
        "requests {} conns {conns}: others answered while waiting p1 {} p50 {} p99 {} max {}; latency ns p50 {} p99 {}; {report}",
        overtakes.len(),
        q(&overtakes, 0.01),
        q(&overtakes, 0.5),
        q(&overtakes, 0.99),
        q(&overtakes, 1.0),
        q(&lat, 0.5),
        q(&lat, 0.99),
    );
    Ok(())
}
