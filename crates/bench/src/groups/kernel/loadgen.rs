//! The TCP echo load generator: a fixed number of connections, each with
//! one request of a fixed size in flight (closed loop), until a bounded
//! number of requests has come back or a time limit passes.
//!
//! It runs on the calling thread, busy-polling a mio poller (no sleeping,
//! so its own wake-ups do not blur the server's latency). Every connection
//! first exchanges one untimed request, so the server has accepted and
//! registered them all before the clock starts. Each request carries its
//! number in its first 8 bytes and a pattern after; the echo must match
//! byte for byte, and the numbers of the answered requests add up to the
//! checksum. Latency is from the first write of a request to the last byte
//! of its echo, in nanoseconds.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

/// The shape of the load.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Connections, all open at once.
    pub conns: usize,
    /// Bytes per request (at least 8).
    pub size: usize,
    /// Timed requests in all.
    pub requests: u64,
    /// The run fails if the requests take longer than this.
    pub limit: Duration,
}

/// What a run measured.
#[derive(Debug)]
pub struct Outcome {
    /// From the first timed request to the last answer.
    pub elapsed: Duration,
    /// Latency of every timed request, in ns.
    pub latency: Histogram<u64>,
    /// Sum of the numbers of the answered timed requests.
    pub checksum: u64,
}

/// One connection and its request in flight.
struct Conn {
    stream: TcpStream,
    out: Vec<u8>,
    back: Vec<u8>,
    written: usize,
    read: usize,
    number: u64,
    sent_at: Instant,
    busy: bool,
}

impl Conn {
    /// Starts request `number` (0 for the untimed warm-up).
    fn issue(&mut self, number: u64, token: usize) -> io::Result<()> {
        self.out[..8].copy_from_slice(&number.to_le_bytes());
        for (j, b) in self.out[8..].iter_mut().enumerate() {
            *b = (number as usize)
                .wrapping_mul(131)
                .wrapping_add(token * 7 + j) as u8;
        }
        self.number = number;
        (self.written, self.read, self.busy) = (0, 0, true);
        self.sent_at = Instant::now();
        // Only the write: a completion is seen (and counted) by `advance`.
        self.flush().map(|_| ())
    }

    /// Writes what it can of the request; true when all of it is sent.
    fn flush(&mut self) -> io::Result<bool> {
        while self.written < self.out.len() {
            match self.stream.write(&self.out[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Writes and reads what it can; true when the echo is complete.
    fn advance(&mut self) -> io::Result<bool> {
        if !self.flush()? {
            return Ok(false);
        }
        while self.read < self.back.len() {
            match self.stream.read(&mut self.back[self.read..]) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => self.read += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.back != self.out {
            return Err(io::Error::other(format!(
                "request {}: the echo differs from what was sent",
                self.number
            )));
        }
        self.busy = false;
        Ok(true)
    }
}

/// Runs `load` against the echo server at `addr`.
pub fn run(addr: SocketAddr, load: Load) -> io::Result<Outcome> {
    if load.size < 8 || load.conns == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "load: at least one connection and 8 bytes per request",
        ));
    }
    let mut poll = Poll::new()?;
    let mut conns = Vec::with_capacity(load.conns);
    for k in 0..load.conns {
        let s = std::net::TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_nonblocking(true)?;
        let mut stream = TcpStream::from_std(s);
        poll.registry().register(
            &mut stream,
            Token(k),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        conns.push(Conn {
            stream,
            out: vec![0; load.size],
            back: vec![0; load.size],
            written: 0,
            read: 0,
            number: 0,
            sent_at: Instant::now(),
            busy: false,
        });
    }
    let mut events = Events::with_capacity(load.conns * 2);
    let mut latency = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let deadline = Instant::now() + load.limit;
    // Warm-up: one untimed request per connection.
    for (k, c) in conns.iter_mut().enumerate() {
        c.issue(0, k)?;
    }
    let mut pending = load.conns as u64;
    drive(&mut poll, &mut events, &mut conns, deadline, |_, _| {
        pending -= 1;
        Ok(pending > 0)
    })?;
    // Timed: keep every connection busy until `requests` were issued.
    let start = Instant::now();
    let mut issued = 0u64;
    for (k, c) in conns.iter_mut().enumerate() {
        if issued < load.requests {
            issued += 1;
            c.issue(issued, k)?;
        }
    }
    let (mut answered, mut checksum) = (0u64, 0u64);
    if load.requests > 0 {
        drive(&mut poll, &mut events, &mut conns, deadline, |k, c| {
            let ns = c.sent_at.elapsed().as_nanos() as u64;
            latency
                .record(ns.max(1))
                .map_err(|e| io::Error::other(e.to_string()))?;
            answered += 1;
            checksum = checksum.wrapping_add(c.number);
            if issued < load.requests {
                issued += 1;
                c.issue(issued, k)?;
            }
            Ok(answered < load.requests)
        })?;
    }
    Ok(Outcome {
        elapsed: start.elapsed(),
        latency,
        checksum,
    })
}

/// Busy-polls until `answered` (called per completed echo with the
/// connection's index) returns false; fails past `deadline`.
fn drive(
    poll: &mut Poll,
    events: &mut Events,
    conns: &mut [Conn],
    deadline: Instant,
    mut answered: impl FnMut(usize, &mut Conn) -> io::Result<bool>,
) -> io::Result<()> {
    loop {
        if Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "load: requests still unanswered at the time limit",
            ));
        }
        poll.poll(events, Some(Duration::ZERO))?;
        for ev in events.iter() {
            let k = ev.token().0;
            let Some(c) = conns.get_mut(k) else { continue };
            // A request may complete on an event, and the next one (issued
            // at once) may complete before the poller reports it again.
            while c.busy && c.advance()? {
                if !answered(k, c)? {
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A blocking echo server for `conns` connections, one thread each;
    /// `flip` corrupts the byte at that offset of every message.
    fn server(conns: usize, flip: Option<usize>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        std::thread::spawn(move || {
            for _ in 0..conns {
                let Ok((mut s, _)) = listener.accept() else {
                    return;
                };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 64];
                    while let Ok(n) = s.read(&mut buf) {
                        if n == 0 {
                            return;
                        }
                        if let Some(i) = flip.filter(|&i| i < n) {
                            buf[i] ^= 1;
                        }
                        if s.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    fn load(requests: u64) -> Load {
        Load {
            conns: 3,
            size: 16,
            requests,
            limit: Duration::from_secs(20),
        }
    }

    #[test]
    fn every_request_is_answered_timed_and_counted() {
        let out = run(server(3, None), load(101)).expect("load runs");
        assert_eq!(out.latency.len(), 101);
        assert_eq!(out.checksum, (1..=101).sum::<u64>());
        assert!(out.elapsed > Duration::ZERO);
    }

    #[test]
    fn a_corrupted_echo_fails_the_run() {
        let err = run(server(3, Some(9)), load(10)).expect_err("corruption seen");
        assert!(err.to_string().contains("differs"), "{err}");
    }

    #[test]
    fn a_load_without_room_for_the_request_number_is_refused() {
        let bad = Load { size: 4, ..load(1) };
        let addr = SocketAddr::from(([127, 0, 0, 1], 9));
        assert_eq!(
            run(addr, bad).expect_err("refused").kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
