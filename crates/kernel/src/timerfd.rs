//! A timerfd in the core's poller, so a parked timer core wakes at its next
//! deadline with nanosecond resolution instead of epoll's milliseconds.
//!
//! Before parking, the core arms the timerfd with the time left until its
//! next deadline and polls without a timeout; the timerfd's expiry (or the
//! doorbell, or a socket) ends the sleep. Combined with a 1 ns timer slack
//! (see `pin`), the sleep ends within the kernel's wake-up latency of the
//! deadline.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

/// The token of the timerfd in a core's poller.
pub(crate) const TIMERFD: Token = Token(usize::MAX - 1);

/// A monotonic, non-blocking timerfd registered in a poller.
pub(crate) struct TimerFd {
    fd: OwnedFd,
    armed: bool,
}

impl TimerFd {
    /// Creates the timerfd and registers it (readable, edge-triggered).
    pub(crate) fn new(registry: &Registry) -> io::Result<TimerFd> {
        // SAFETY: timerfd_create takes two integer arguments and returns a
        // new descriptor or -1; it touches no memory of ours.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by timerfd_create and is owned by
        // nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        registry.register(&mut SourceFd(&fd.as_raw_fd()), TIMERFD, Interest::READABLE)?;
        Ok(TimerFd { fd, armed: false })
    }

    /// Arms a single expiry `after` from now (at least 1 ns: zero disarms).
    pub(crate) fn arm(&mut self, after: Duration) -> io::Result<()> {
        let after = after.max(Duration::from_nanos(1));
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: after.as_secs().min(i64::MAX as u64) as libc::time_t,
                tv_nsec: libc::c_long::from(after.subsec_nanos() as i32),
            },
        };
        self.set(&spec)?;
        self.armed = true;
        Ok(())
    }

    /// Disarms and clears a pending expiry.
    pub(crate) fn disarm(&mut self) -> io::Result<()> {
        if !self.armed {
            return Ok(());
        }
        let zero = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        self.set(&libc::itimerspec {
            it_interval: zero,
            it_value: zero,
        })?;
        self.armed = false;
        let mut buf = [0u8; 8];
        // SAFETY: reads at most 8 bytes into an 8-byte buffer we own; the fd
        // is non-blocking, so an unexpired timer answers EAGAIN at once.
        let _ = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        Ok(())
    }

    fn set(&self, spec: &libc::itimerspec) -> io::Result<()> {
        // SAFETY: `spec` points to a valid itimerspec for the call's
        // duration; a null old-value pointer is allowed.
        let r =
            unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, spec, std::ptr::null_mut()) };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}
