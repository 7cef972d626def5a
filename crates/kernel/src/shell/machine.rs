//! A booted machine seen from outside: boot from a script, post console
//! lines to the zero task, read what O tasks print, halt.
//!
//! [`Machine::boot`] evaluates the boot script, builds and validates the
//! topology, boots the kernel and starts every core on its own thread, then
//! waits until the zero task runs. A helper thread joins the cores and
//! reports [`Event::Halted`], so a halt from O (`halt[]`), from a signal or
//! from [`Machine::halt`] is seen the same way.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use super::boot::{BootError, Plan, evaluate};
use super::registry::Registry;
use super::state::{Event, Shell};
use crate::{Kernel, KernelError, KernelHandle, TaskId};

/// Why a machine could not boot or answer.
#[derive(Debug)]
pub enum MachineError {
    /// The boot script is wrong (nothing was started).
    Boot(BootError),
    /// The kernel refused to boot or start.
    Kernel(KernelError),
    /// No answer within the time allowed.
    Timeout(&'static str),
    /// The machine has halted.
    Halted,
}

impl std::fmt::Display for MachineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MachineError::Boot(e) => write!(f, "{e}"),
            MachineError::Kernel(e) => write!(f, "kernel: {e}"),
            MachineError::Timeout(what) => write!(f, "timed out waiting for {what}"),
            MachineError::Halted => write!(f, "the machine has halted"),
        }
    }
}

impl std::error::Error for MachineError {}

impl From<BootError> for MachineError {
    fn from(e: BootError) -> MachineError {
        MachineError::Boot(e)
    }
}

impl From<KernelError> for MachineError {
    fn from(e: KernelError) -> MachineError {
        MachineError::Kernel(e)
    }
}

/// How long boot waits for the zero task.
const ZERO_WAIT: Duration = Duration::from_secs(20);

/// A running machine and the console's end of its event channel.
pub struct Machine {
    handle: KernelHandle,
    shell: Arc<Shell>,
    events: Receiver<Event>,
    zero: TaskId,
    plan: Plan,
    halted: Option<Result<String, String>>,
    /// Events read while waiting for something else, handed out first.
    backlog: std::collections::VecDeque<Event>,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine")
            .field("zero", &self.zero)
            .finish_non_exhaustive()
    }
}

impl Machine {
    /// Boots from boot script `src` (named `file` in errors) with the market
    /// tasks and any tasks `register` adds to the registry.
    pub fn boot(
        file: &str,
        src: &str,
        register: impl FnOnce(&mut Registry, &Arc<Shell>),
    ) -> Result<Machine, MachineError> {
        let cpus = crate::available_cpus();
        let plan = evaluate(file, src, &cpus)?;
        let (tx, rx) = channel();
        let shell = Shell::new(tx.clone());
        let mut reg = Registry::new();
        crate::market::register(&mut reg, &shell);
        register(&mut reg, &shell);
        shell.set_registry(reg);
        let topo = plan.topology(&shell)?;
        let kernel = Kernel::boot(topo)?;
        let handle = kernel.handle();
        shell.set_handle(handle.clone());
        let running = kernel.start()?;
        std::thread::Builder::new()
            .name("enso-join".into())
            .spawn(move || {
                let r = running
                    .join()
                    .map(|rep| rep.to_string())
                    .map_err(|e| e.to_string());
                let _ = tx.send(Event::Halted(r));
            })
            .map_err(|e| MachineError::Kernel(KernelError::Io(e)))?;
        let mut m = Machine {
            handle,
            shell,
            events: rx,
            zero: TaskId::from_bits(0),
            plan,
            halted: None,
            backlog: Default::default(),
        };
        let deadline = Instant::now() + ZERO_WAIT;
        loop {
            match m
                .events
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Event::ZeroReady(id)) => {
                    m.zero = id;
                    return Ok(m);
                }
                Ok(Event::Halted(r)) => {
                    m.halted = Some(r);
                    return Err(MachineError::Halted);
                }
                Ok(e) => m.backlog.push_back(e),
                Err(_) => {
                    m.handle.halt();
                    return Err(MachineError::Timeout("the zero task to start"));
                }
            }
        }
    }

    /// The kernel handle.
    pub fn handle(&self) -> &KernelHandle {
        &self.handle
    }

    /// The shell state.
    pub fn shell(&self) -> &Arc<Shell> {
        &self.shell
    }

    /// The boot plan (for the banner).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The zero task's id.
    pub fn zero(&self) -> TaskId {
        self.zero
    }

    /// Whether the machine has halted (as far as events read so far tell).
    pub fn is_halted(&self) -> bool {
        self.halted.is_some()
    }

    /// Posts a console line to the zero task; its answer comes as an
    /// [`Event::Result`].
    pub fn post(&self, text: &str) -> Result<(), MachineError> {
        self.handle
            .exec(self.zero, text)
            .map_err(|_| MachineError::Halted)
    }

    /// The next event, waiting up to `timeout`.
    pub fn next_event(&mut self, timeout: Duration) -> Option<Event> {
        let e = match self.backlog.pop_front() {
            Some(e) => Some(e),
            None => self.events.recv_timeout(timeout).ok(),
        };
        if let Some(Event::Halted(r)) = &e {
            self.halted = Some(r.clone());
        }
        e
    }

    /// Evaluates `text` in the zero task; `print` output goes to `on_print`.
    pub fn eval_with(
        &mut self,
        text: &str,
        timeout: Duration,
        mut on_print: impl FnMut(&str),
    ) -> Result<Result<String, String>, MachineError> {
        if self.halted.is_some() {
            return Err(MachineError::Halted);
        }
        self.post(text)?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(MachineError::Timeout("the zero task's answer"));
            }
            match self.next_event(left) {
                Some(Event::Result(r)) => return Ok(r),
                Some(Event::Print(p)) => on_print(&p),
                Some(Event::Halted(_)) => return Err(MachineError::Halted),
                Some(Event::ZeroReady(_)) | None => {}
            }
        }
    }

    /// Evaluates `text`, collecting what it prints: (printed lines, result).
    pub fn eval(
        &mut self,
        text: &str,
        timeout: Duration,
    ) -> Result<(Vec<String>, Result<String, String>), MachineError> {
        let mut printed = Vec::new();
        let r = self.eval_with(text, timeout, |p| printed.push(p.to_string()))?;
        Ok((printed, r))
    }

    /// Halts and waits (up to `timeout`) for every core to end; returns the
    /// shutdown report.
    pub fn halt(mut self, timeout: Duration) -> Result<String, MachineError> {
        self.handle.halt();
        let deadline = Instant::now() + timeout;
        while self.halted.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(MachineError::Timeout("the cores to stop"));
            }
            self.next_event(left);
        }
        match self.halted.take() {
            Some(Ok(r)) => Ok(r),
            Some(Err(e)) => Err(MachineError::Kernel(KernelError::CorePanicked(e))),
            None => Err(MachineError::Halted),
        }
    }
}
