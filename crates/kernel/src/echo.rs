//! A TCP echo server and client built on the kernel's I/O reactor.
//!
//! Used by `examples/echo_server.rs`, `examples/echo_client.rs` and the
//! 1,000-connection test. The server is one acceptor task that spawns one
//! [`EchoConn`] task per connection on its own core; the client is one
//! [`EchoClient`] task per connection that writes a known byte pattern,
//! checks every byte that comes back, and then waits at a [`Gate`] until
//! every client has finished, so all connections are open at once.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use mio::net::{TcpListener, TcpStream};

use crate::context::Context;
use crate::io::{IoSource, IoToken};
use crate::task::Task;

/// Buffer size of each connection.
const BUF: usize = 16 * 1024;
/// Read/write rounds per poll before yielding to other tasks.
const ROUNDS: usize = 16;

/// Counters of an echo server.
#[derive(Debug, Default)]
pub struct EchoStats {
    /// Connections accepted.
    pub accepted: AtomicU64,
    /// Connections closed.
    pub closed: AtomicU64,
    /// Most connections open at once.
    pub peak: AtomicU64,
    /// Bytes echoed.
    pub bytes: AtomicU64,
    /// Halt the kernel once this many connections have closed (0: never).
    pub halt_after: AtomicU64,
}

impl EchoStats {
    /// Connections open now.
    pub fn open(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed) - self.closed.load(Ordering::Relaxed)
    }
}

/// Accepts connections and spawns an [`EchoConn`] for each (runs until halt).
pub struct EchoServer {
    listener: Option<TcpListener>,
    token: Option<IoToken>,
    stats: Arc<EchoStats>,
}

impl EchoServer {
    /// Binds `addr` (backlog 1024) without registering it yet.
    pub fn bind(addr: SocketAddr) -> io::Result<EchoServer> {
        Ok(EchoServer {
            listener: Some(TcpListener::bind(addr)?),
            token: None,
            stats: Arc::default(),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.listener {
            Some(l) => l.local_addr(),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// The server's counters.
    pub fn stats(&self) -> Arc<EchoStats> {
        self.stats.clone()
    }
}

impl Task for EchoServer {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let tok = match self.token {
            Some(t) => t,
            None => {
                let Some(l) = self.listener.take() else {
                    return Poll::Ready(());
                };
                match cx
                    .io()
                    .and_then(|mut io| io.register(IoSource::Listener(l)))
                {
                    Ok(t) => *self.token.insert(t),
                    Err(e) => {
                        eprintln!("echo server: {e}");
                        return Poll::Ready(());
                    }
                }
            }
        };
        loop {
            let accepted = match cx.io() {
                Ok(mut io) => io.accept(tok),
                Err(e) => Err(e),
            };
            match accepted {
                Ok((stream, _)) => {
                    let n = self.stats.accepted.fetch_add(1, Ordering::Relaxed) + 1;
                    let open = n - self.stats.closed.load(Ordering::Relaxed);
                    self.stats.peak.fetch_max(open, Ordering::Relaxed);
                    let conn = EchoConn::new(stream, self.stats.clone());
                    let core = cx.core();
                    if let Err(e) = cx.spawn_on(core, 100, conn) {
                        eprintln!("echo server: {e}");
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) => {
                    // E.g. out of file descriptors: try again on a later turn.
                    eprintln!("echo server: accept: {e}");
                    cx.yield_now();
                    return Poll::Pending;
                }
            }
        }
    }
}

/// Echoes one connection until the peer closes it.
pub struct EchoConn {
    stream: Option<TcpStream>,
    token: Option<IoToken>,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    stats: Arc<EchoStats>,
}

impl EchoConn {
    /// A connection task for an accepted stream.
    pub fn new(stream: TcpStream, stats: Arc<EchoStats>) -> EchoConn {
        EchoConn {
            stream: Some(stream),
            token: None,
            buf: vec![0; BUF].into_boxed_slice(),
            start: 0,
            end: 0,
            stats,
        }
    }

    fn closed(&mut self, cx: &mut Context<'_>, tok: IoToken) -> Poll<()> {
        if let Ok(mut io) = cx.io() {
            let _ = io.close(tok);
        }
        let n = self.stats.closed.fetch_add(1, Ordering::Relaxed) + 1;
        let h = self.stats.halt_after.load(Ordering::Relaxed);
        if h != 0 && n == h {
            cx.halt_kernel();
        }
        Poll::Ready(())
    }
}

impl Task for EchoConn {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let tok = match (self.token, self.stream.take()) {
            (Some(t), _) => t,
            (None, Some(s)) => match cx.io().and_then(|mut io| io.register(IoSource::Stream(s))) {
                Ok(t) => *self.token.insert(t),
                Err(_) => return Poll::Ready(()),
            },
            (None, None) => return Poll::Ready(()),
        };
        for _ in 0..ROUNDS {
            let Ok(mut io) = cx.io() else {
                return Poll::Ready(());
            };
            if self.start < self.end {
                match io.write(tok, &self.buf[self.start..self.end]) {
                    Ok(n) => {
                        self.start += n;
                        self.stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                    Err(_) => return self.closed(cx, tok),
                }
            } else {
                match io.read(tok, &mut self.buf) {
                    Ok(0) => return self.closed(cx, tok),
                    Ok(n) => (self.start, self.end) = (0, n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                    Err(_) => return self.closed(cx, tok),
                }
            }
        }
        cx.yield_now();
        Poll::Pending
    }
}

/// A meeting point: opens when `n` parties have arrived, waking them all.
#[derive(Debug)]
pub struct Gate {
    remaining: AtomicUsize,
    waiters: Mutex<Vec<Waker>>,
}

impl Gate {
    /// A gate for `n` parties.
    pub fn new(n: usize) -> Arc<Gate> {
        Arc::new(Gate {
            remaining: AtomicUsize::new(n),
            waiters: Mutex::new(Vec::with_capacity(n)),
        })
    }

    /// Whether everyone has arrived.
    pub fn is_open(&self) -> bool {
        self.remaining.load(Ordering::Acquire) == 0
    }

    /// Arrives (once per party) and registers `waker` until the gate opens.
    fn arrive(&self, waker: &Waker) {
        let mut w = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            for x in w.drain(..) {
                x.wake();
            }
        } else {
            w.push(waker.clone());
        }
    }
}

/// The byte at position `i` of connection `seed`'s payload.
fn pattern(seed: u64, i: u64) -> u8 {
    (i.wrapping_mul(31).wrapping_add(seed.wrapping_mul(7)) % 251) as u8
}

/// One client connection: writes `len` pattern bytes, checks the echo,
/// waits at the gate, closes. Output: bytes echoed, or what went wrong.
pub struct EchoClient {
    addr: SocketAddr,
    seed: u64,
    len: u64,
    gate: Arc<Gate>,
    token: Option<IoToken>,
    sent: u64,
    received: u64,
    arrived: bool,
    buf: Box<[u8]>,
}

impl EchoClient {
    /// Client `seed` of the `gate`'s parties, sending `len` bytes to `addr`.
    pub fn new(addr: SocketAddr, seed: u64, len: u64, gate: Arc<Gate>) -> EchoClient {
        EchoClient {
            addr,
            seed,
            len,
            gate,
            token: None,
            sent: 0,
            received: 0,
            arrived: false,
            buf: vec![0; BUF].into_boxed_slice(),
        }
    }

    fn step(&mut self, cx: &mut Context<'_>, tok: IoToken) -> io::Result<bool> {
        let mut io = cx.io()?;
        let mut progress = false;
        if self.sent < self.len {
            let n = (self.len - self.sent).min(BUF as u64) as usize;
            for (i, b) in self.buf[..n].iter_mut().enumerate() {
                *b = pattern(self.seed, self.sent + i as u64);
            }
            match io.write(tok, &self.buf[..n]) {
                Ok(w) => {
                    self.sent += w as u64;
                    progress = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        match io.read(tok, &mut self.buf) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                for (i, b) in self.buf[..n].iter().enumerate() {
                    if *b != pattern(self.seed, self.received + i as u64) {
                        let at = self.received + i as u64;
                        return Err(io::Error::other(format!("byte {at} differs")));
                    }
                }
                self.received += n as u64;
                progress = true;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        Ok(progress)
    }
}

impl Task for EchoClient {
    type Output = Result<u64, String>;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let tok = match self.token {
            Some(t) => t,
            None => match cx.io().and_then(|mut io| io.connect(self.addr)) {
                Ok(t) => *self.token.insert(t),
                Err(e) => return Poll::Ready(Err(format!("connect: {e}"))),
            },
        };
        for _ in 0..ROUNDS {
            if self.received == self.len {
                break;
            }
            match self.step(cx, tok) {
                Ok(true) => {}
                Ok(false) => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(format!("client {}: {e}", self.seed))),
            }
        }
        if self.received < self.len {
            cx.yield_now();
            return Poll::Pending;
        }
        if !self.arrived {
            self.arrived = true;
            self.gate.arrive(cx.waker());
        }
        if !self.gate.is_open() {
            return Poll::Pending;
        }
        if let Ok(mut io) = cx.io() {
            let _ = io.close(tok);
        }
        Poll::Ready(Ok(self.received))
    }
}
