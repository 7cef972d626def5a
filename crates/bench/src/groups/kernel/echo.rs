//! `kernel-echo-rps` and `kernel-echo-p99`: TCP echo on 127.0.0.1 under
//! one load generator ([`super::loadgen`], on core 0): [`CONNS`]
//! connections, [`SIZE`]-byte requests, one in flight per connection.
//! The first group reports throughput (as ns per request, the inverse of
//! requests per second, so the table keeps its precision), the second the
//! 99th percentile of request latency.
//!
//! Enso: `enso::echo::EchoServer` (an acceptor task spawning one echo task
//! per connection, 16 KiB buffer) on a one-core kernel on core 1 with the
//! task and I/O reactors and the default idle policy (spin 50 us, then
//! park). Tokio: an accept loop spawning one task per connection (read
//! into a 16 KiB buffer, `write_all` it back) on a current-thread runtime
//! pinned to core 1. Neither server sets `TCP_NODELAY`; the client does.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use enso::echo::EchoServer;
use enso::{CoreIndex, CoreSpec, Kernel};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use super::loadgen::{self, Load, Outcome};
use super::{fail, percentile_sample, sample, setup, start, stop};
use crate::harness::{self, BenchError, WATCHDOG};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};
use crate::pin;

/// Connections of the load.
const CONNS: usize = 16;
/// Bytes per request.
const SIZE: usize = 64;
/// Buffer of each server connection (the same as enso's echo task).
const BUF: usize = 16 * 1024;

/// What a row reports.
const RPS: u8 = 0;
const P99: u8 = 1;

/// The two echo groups.
pub fn groups() -> Vec<Group> {
    vec![
        group::<RPS>(
            "kernel-echo-rps",
            "TCP echo throughput, ns per request = 1e9 / (requests per second) (target: at least tokio's rate)",
            "request",
        ),
        group::<P99>(
            "kernel-echo-p99",
            "TCP echo latency, 99th percentile, write to full echo (target: at most tokio's)",
            "request (p99)",
        ),
    ]
}

fn group<const WHAT: u8>(name: &'static str, title: &'static str, op: &'static str) -> Group {
    Group {
        name,
        title,
        unit: Unit::NanosPer(op),
        items: Items {
            full: 50_000,
            quick: 5_000,
        },
        capacity: 0,
        batch: 1,
        notes: vec![format!(
            "load: {CONNS} connections x {SIZE}-byte requests, one in flight each, busy-polling mio client on core index 0; server on core index 1"
        )],
        rows: vec![
            Row::new(
                Kind::Enso,
                "enso EchoServer",
                "kernel I/O reactor (mio), one task per connection; one core, default idle (spin 50 us, then park)",
                enso_echo::<WHAT>,
            ),
            Row::new(
                Kind::Peer,
                "tokio current-thread",
                "TcpListener accept loop, one spawned task per connection, read + write_all",
                tokio_echo::<WHAT>,
            ),
        ],
    }
}

fn load(p: &Params) -> Load {
    Load {
        conns: CONNS,
        size: SIZE,
        requests: p.items,
        limit: WATCHDOG,
    }
}

/// Runs the load on a thread pinned to core 0 against `addr`.
fn client(p: &Params, addr: SocketAddr) -> Result<Outcome, BenchError> {
    let load = load(p);
    std::thread::scope(|s| {
        s.spawn(move || {
            pin::to_core(0);
            loadgen::run(addr, load)
        })
        .join()
    })
    .map_err(|_| BenchError::Panicked {
        run: p.label.clone(),
    })?
    .map_err(setup(p))
}

/// The row's figure from a verified run.
fn figure<const WHAT: u8>(p: &Params, out: &Outcome) -> Result<Sample, BenchError> {
    harness::verify(
        &p.label,
        "answered requests",
        harness::sum_of_range(1, p.items),
        out.checksum,
    )?;
    if WHAT == P99 {
        let ns = out.latency.value_at_quantile(0.99);
        Ok(percentile_sample(p, Duration::from_nanos(ns)))
    } else {
        Ok(sample(p, out.elapsed))
    }
}

/// Bytes every server must have echoed: the timed requests and one
/// warm-up request per connection.
fn echoed_bytes(p: &Params) -> u64 {
    (p.items + CONNS as u64) * SIZE as u64
}

fn enso_echo<const WHAT: u8>(p: &Params) -> Result<Sample, BenchError> {
    let server = EchoServer::bind(SocketAddr::from(([127, 0, 0, 1], 0))).map_err(setup(p))?;
    let addr = server.local_addr().map_err(setup(p))?;
    let stats = server.stats();
    let kernel = start(
        p,
        Kernel::builder().core(CoreSpec::bsp("io", super::cpu(1)).tasks().io()),
    )?;
    let outcome = kernel
        .handle()
        .spawn_on(CoreIndex(0), 200, server)
        .map_err(setup(p))
        .and_then(|_| client(p, addr));
    stop(p, kernel)?;
    let out = outcome?;
    let accepted = stats.accepted.load(Ordering::Relaxed);
    let bytes = stats.bytes.load(Ordering::Relaxed);
    if accepted != CONNS as u64 || bytes != echoed_bytes(p) {
        return Err(fail(
            p,
            format!("server accepted {accepted} connections and echoed {bytes} bytes"),
        ));
    }
    figure::<WHAT>(p, &out)
}

/// Echoes one connection until the peer closes it, counting bytes.
async fn tokio_conn(mut stream: tokio::net::TcpStream, bytes: Arc<AtomicU64>) {
    let mut buf = vec![0u8; BUF];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if stream.write_all(&buf[..n]).await.is_err() {
            return;
        }
        bytes.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// Accepts and spawns until `stop`; the number of connections accepted.
async fn tokio_server(
    listener: TcpListener,
    bytes: Arc<AtomicU64>,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<u64> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let mut accepted = 0;
    loop {
        tokio::select! {
            conn = listener.accept() => {
                let (stream, _) = conn?;
                accepted += 1;
                tokio::spawn(tokio_conn(stream, bytes.clone()));
            }
            _ = &mut stop => return Ok(accepted),
        }
    }
}

fn tokio_echo<const WHAT: u8>(p: &Params) -> Result<Sample, BenchError> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).map_err(setup(p))?;
    listener.set_nonblocking(true).map_err(setup(p))?;
    let addr = listener.local_addr().map_err(setup(p))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(setup(p))?;
    let bytes = Arc::new(AtomicU64::new(0));
    let (stop_tx, stop_rx) = oneshot::channel();
    let server_bytes = bytes.clone();
    let (outcome, accepted) = std::thread::scope(|s| {
        let server = s.spawn(move || {
            pin::to_core(1);
            rt.block_on(tokio_server(listener, server_bytes, stop_rx))
        });
        let outcome = client(p, addr);
        // The server may have failed already; then nobody listens.
        let _ = stop_tx.send(());
        (outcome, server.join())
    });
    let out = outcome?;
    let accepted = accepted
        .map_err(|_| BenchError::Panicked {
            run: p.label.clone(),
        })?
        .map_err(setup(p))?;
    let bytes = bytes.load(Ordering::Relaxed);
    if accepted != CONNS as u64 || bytes != echoed_bytes(p) {
        return Err(fail(
            p,
            format!("server accepted {accepted} connections and echoed {bytes} bytes"),
        ));
    }
    figure::<WHAT>(p, &out)
}
