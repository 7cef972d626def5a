//! The I/O reactor of an I/O core: mio sockets owned by tasks.
//!
//! The reactor keeps every registered socket with its connection state
//! (owner, readiness seen, bytes moved). mio is edge-triggered: an event sets
//! the readiness flags and wakes the owner; the owner reads, writes or
//! accepts until the call answers `WouldBlock`, which clears the flag, and
//! then returns `Pending` until the next event. Only the owner may use a
//! token (others get `PermissionDenied`); when the owner ends, its sockets
//! are closed.
//!
//! Tokens are slots in a preallocated table; `usize::MAX` is the doorbell.

use std::io::{self, Read, Write};
use std::net::SocketAddr;

use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Registry, Token};

use crate::ids::TaskId;

/// A socket handed to the reactor.
#[derive(Debug)]
pub enum IoSource {
    /// A listening socket.
    Listener(TcpListener),
    /// A connected (or connecting) stream.
    Stream(TcpStream),
}

/// A socket's handle in the reactor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IoToken(pub usize);

/// Readiness seen since the last `WouldBlock`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readiness {
    /// Reading (or accepting) may make progress.
    pub readable: bool,
    /// Writing may make progress.
    pub writable: bool,
    /// The peer closed or the socket failed.
    pub closed: bool,
}

struct Conn {
    source: IoSource,
    owner: TaskId,
    ready: Readiness,
    bytes_in: u64,
    bytes_out: u64,
}

/// The socket table of one I/O core.
pub(crate) struct Reactor {
    registry: Registry,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
}

fn denied(t: IoToken) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("io token {}: not owned by this task", t.0),
    )
}

impl Reactor {
    pub(crate) fn new(registry: Registry, capacity: usize) -> Reactor {
        Reactor {
            registry,
            conns: Vec::with_capacity(capacity),
            free: Vec::with_capacity(capacity),
        }
    }

    /// Registers `source` for `owner`.
    pub(crate) fn register(&mut self, mut source: IoSource, owner: TaskId) -> io::Result<IoToken> {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.conns.push(None);
                self.conns.len() - 1
            }
        };
        let tok = Token(slot);
        let r = match &mut source {
            IoSource::Listener(l) => self.registry.register(l, tok, Interest::READABLE),
            IoSource::Stream(s) => {
                self.registry
                    .register(s, tok, Interest::READABLE | Interest::WRITABLE)
            }
        };
        if let Err(e) = r {
            self.free.push(slot);
            return Err(e);
        }
        // A fresh registration reports the current state as an event; start
        // optimistic so the owner tries at once.
        let ready = Readiness {
            readable: true,
            writable: true,
            closed: false,
        };
        self.conns[slot] = Some(Conn {
            source,
            owner,
            ready,
            bytes_in: 0,
            bytes_out: 0,
        });
        Ok(IoToken(slot))
    }

    /// Records an event; returns the owner to wake.
    pub(crate) fn event(&mut self, ev: &mio::event::Event) -> Option<TaskId> {
        let c = self.conns.get_mut(ev.token().0)?.as_mut()?;
        c.ready.readable |= ev.is_readable() || ev.is_read_closed();
        c.ready.writable |= ev.is_writable() || ev.is_write_closed();
        c.ready.closed |= ev.is_read_closed() || ev.is_error();
        Some(c.owner)
    }

    fn conn(&mut self, t: IoToken, me: TaskId) -> io::Result<&mut Conn> {
        match self.conns.get_mut(t.0) {
            Some(Some(c)) if c.owner == me => Ok(c),
            _ => Err(denied(t)),
        }
    }

    /// Closes and forgets a socket.
    pub(crate) fn close(&mut self, t: IoToken, me: TaskId) -> io::Result<()> {
        self.conn(t, me)?;
        self.drop_slot(t.0);
        Ok(())
    }

    fn drop_slot(&mut self, slot: usize) {
        if let Some(mut c) = self.conns[slot].take() {
            // Deregistering a socket that is about to close cannot matter if
            // it fails: closing the fd removes it from epoll anyway.
            let _ = match &mut c.source {
                IoSource::Listener(l) => self.registry.deregister(l),
                IoSource::Stream(s) => self.registry.deregister(s),
            };
            self.free.push(slot);
        }
    }

    /// Closes every socket `owner` holds (it ended).
    pub(crate) fn release_owner(&mut self, owner: TaskId) {
        for slot in 0..self.conns.len() {
            if matches!(&self.conns[slot], Some(c) if c.owner == owner) {
                self.drop_slot(slot);
            }
        }
    }
}

/// A task's view of its core's reactor.
pub struct Io<'a> {
    pub(crate) reactor: &'a mut Reactor,
    pub(crate) me: TaskId,
}

fn track<T>(flag: &mut bool, r: io::Result<T>) -> io::Result<T> {
    if let Err(e) = &r
        && e.kind() == io::ErrorKind::WouldBlock
    {
        *flag = false;
    }
    r
}

impl Io<'_> {
    /// Binds a listener on `addr` and registers it.
    pub fn listen(&mut self, addr: SocketAddr) -> io::Result<IoToken> {
        let l = TcpListener::bind(addr)?;
        self.reactor.register(IoSource::Listener(l), self.me)
    }

    /// Starts a non-blocking connect to `addr` and registers the stream.
    /// The stream is usable once it is writable (until then writes answer
    /// `WouldBlock` or `NotConnected`).
    pub fn connect(&mut self, addr: SocketAddr) -> io::Result<IoToken> {
        let s = TcpStream::connect(addr)?;
        self.reactor.register(IoSource::Stream(s), self.me)
    }

    /// Registers a socket (e.g. one accepted by another task).
    pub fn register(&mut self, source: IoSource) -> io::Result<IoToken> {
        self.reactor.register(source, self.me)
    }

    /// The local address of a socket.
    pub fn local_addr(&mut self, t: IoToken) -> io::Result<SocketAddr> {
        match &self.reactor.conn(t, self.me)?.source {
            IoSource::Listener(l) => l.local_addr(),
            IoSource::Stream(s) => s.local_addr(),
        }
    }

    /// Accepts one connection; the stream is returned unregistered, to be
    /// registered by whichever task will own it.
    pub fn accept(&mut self, t: IoToken) -> io::Result<(TcpStream, SocketAddr)> {
        let c = self.reactor.conn(t, self.me)?;
        let r = match &c.source {
            IoSource::Listener(l) => l.accept(),
            IoSource::Stream(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "accept on a stream",
            )),
        };
        track(&mut c.ready.readable, r)
    }

    /// Reads into `buf`; `Ok(0)` is end of stream.
    pub fn read(&mut self, t: IoToken, buf: &mut [u8]) -> io::Result<usize> {
        let c = self.reactor.conn(t, self.me)?;
        let r = match &mut c.source {
            IoSource::Stream(s) => s.read(buf),
            IoSource::Listener(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "read on a listener",
            )),
        };
        if let Ok(n) = &r {
            c.bytes_in += *n as u64;
        }
        track(&mut c.ready.readable, r)
    }

    /// Writes from `buf`.
    pub fn write(&mut self, t: IoToken, buf: &[u8]) -> io::Result<usize> {
        let c = self.reactor.conn(t, self.me)?;
        let r = match &mut c.source {
            IoSource::Stream(s) => s.write(buf),
            IoSource::Listener(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "write on a listener",
            )),
        };
        if let Ok(n) = &r {
            c.bytes_out += *n as u64;
        }
        let r = match r {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                Err(io::ErrorKind::WouldBlock.into())
            }
            r => r,
        };
        track(&mut c.ready.writable, r)
    }

    /// Readiness seen since the last `WouldBlock`.
    pub fn readiness(&mut self, t: IoToken) -> io::Result<Readiness> {
        Ok(self.reactor.conn(t, self.me)?.ready)
    }

    /// Bytes read and written so far on a socket.
    pub fn traffic(&mut self, t: IoToken) -> io::Result<(u64, u64)> {
        let c = self.reactor.conn(t, self.me)?;
        Ok((c.bytes_in, c.bytes_out))
    }

    /// Closes a socket.
    pub fn close(&mut self, t: IoToken) -> io::Result<()> {
        self.reactor.close(t, self.me)
    }
}
