//! O tasks: an O interpreter run as a kernel task, under fuel.
//!
//! Each poll runs the interpreter for at most `fuel` reductions (the shell's
//! setting, 2 000 by default). If the program is not done the task yields:
//! it goes to the back of its priority level, so a runaway loop delays the
//! other tasks of its core by one slice at most. A system verb that must
//! wait (`rcv` on an empty mailbox, `sub` on an empty ring, `pub` on a full
//! one, a listing gathered from every core) suspends the interpreter, never
//! the core: the task returns `Pending` and is polled again when its mail
//! arrives, its retry timer fires, or the cores it asked for a listing (or a
//! spawn) wake it; then the verb's result is handed to the interpreter.
//!
//! The *zero task* is the O task the shell spawns on the BSP at boot: it
//! never ends, and runs each text the console posts to it (an `Exec` mail),
//! one at a time, reporting each result or error to the console.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::Poll;

use enso_o::{Arity, Interp, Outcome, Value};

use super::state::{Event, Shell};
use super::topic::{Topic, TopicSub};
use super::verbs::{SYSTEM_VERBS, TaskHost};
use crate::{Context, JoinHandle, Mail, RingId, TaskId};

/// Why an O task's interpreter is suspended.
pub(crate) enum Wait {
    /// Not waiting.
    None,
    /// `rcv`: a word in the mailbox.
    Rcv,
    /// `snd`: room on the bus link.
    Snd {
        /// The task.
        to: TaskId,
        /// The word.
        word: u64,
    },
    /// `pub`: room in the ring for the rest of the words.
    Pub {
        /// The ring.
        ring: RingId,
        /// Words not yet pushed.
        rest: VecDeque<u64>,
        /// Words in the call.
        total: usize,
    },
    /// `sub`: at least one word in the ring.
    Sub {
        /// The ring.
        ring: RingId,
        /// Words wanted at most.
        n: usize,
        /// One word (an atom) or a list.
        atom: bool,
    },
    /// `pub` into a full topic: room for the rest of the words.
    TopicPub {
        /// The topic.
        topic: Arc<Topic>,
        /// Words not yet published.
        rest: VecDeque<u64>,
        /// Words in the call.
        total: usize,
    },
    /// `sub` on a topic: at least one word for subscription `i`.
    TopicSub {
        /// Index in the task's subscriptions.
        i: usize,
        /// Words wanted at most.
        n: usize,
        /// One word (an atom) or a list.
        atom: bool,
    },
    /// `periodic`: the new task's id (looked at on a retry timer).
    Spawn(JoinHandle<()>),
    /// `spawn`: the new task's id (its core wakes this task when placed).
    Spawned(crate::PendingSpawn<()>),
    /// A listing asked of every core (each core's answer wakes the task).
    Listing {
        /// The request.
        req: crate::ListingRequest,
        /// What it is for.
        what: Listed,
        /// The wake at the request's deadline, on this core (cancelled
        /// when the answers are in).
        timer: Option<crate::TimerId>,
    },
    /// `sleep`: the clock reaching a deadline.
    Sleep(std::time::Instant),
}

/// What a pending listing is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Listed {
    /// `tasks[]`.
    Tasks,
    /// `timers[]`.
    Timers,
    /// `prom[]`.
    Prom,
}

enum Kind {
    /// Runs console texts forever.
    Zero,
    /// Runs its script once per job of a periodic real-time task.
    Job,
    /// Runs one script, then ends.
    Script,
}

/// An O interpreter as a task.
pub struct OTask {
    interp: Interp,
    shell: Arc<Shell>,
    name: String,
    kind: Kind,
    wait: Wait,
    words: VecDeque<u64>,
    execs: VecDeque<u64>,
    subs: Vec<(Arc<Topic>, TopicSub)>,
    started: bool,
    parent: Option<TaskId>,
    failed: Option<String>,
    /// The console text is an assignment: its value is not printed.
    quiet: bool,
    /// The last program ended in an error.
    errored: bool,
}

impl std::fmt::Debug for OTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OTask").field("name", &self.name).finish()
    }
}

impl OTask {
    fn new(shell: Arc<Shell>, name: &str, kind: Kind, parent: Option<TaskId>) -> OTask {
        let mut interp = Interp::new();
        for (v, arity) in SYSTEM_VERBS {
            interp.register(v, *arity);
        }
        OTask {
            interp,
            shell,
            name: name.to_string(),
            kind,
            wait: Wait::None,
            words: VecDeque::new(),
            execs: VecDeque::new(),
            subs: Vec::new(),
            started: false,
            parent,
            failed: None,
            quiet: false,
            errored: false,
        }
    }

    /// The zero task: runs the texts the console posts to it.
    pub fn zero(shell: Arc<Shell>) -> OTask {
        OTask::new(shell, "zero", Kind::Zero, None)
    }

    /// A task that runs `src` once. The script sees `parent` (the spawner's
    /// id, or 0) and `arg` (if given).
    pub fn script(shell: Arc<Shell>, name: &str, src: &str, arg: Option<Value>) -> OTask {
        let mut t = OTask::new(shell, name, Kind::Script, None);
        if let Some(a) = arg {
            t.interp.set("arg", a);
        }
        if let Err(e) = t.interp.load(src) {
            // A source that does not parse ends the task with its error printed.
            t.failed = Some(e.render());
        }
        t
    }

    /// An O task for the jobs of a periodic task: [`OTask::start_job`]
    /// loads `src` for each job.
    pub(crate) fn job(shell: Arc<Shell>, name: &str, parent: TaskId) -> OTask {
        let mut t = OTask::new(shell, name, Kind::Job, Some(parent));
        t.interp.set("job", Value::Int(0));
        t
    }

    /// Loads `src` as the program of job `seq` (which the script sees as `job`).
    pub(crate) fn start_job(&mut self, src: &str, seq: u64) -> Result<(), String> {
        self.errored = false;
        self.wait = Wait::None;
        self.interp.set("job", Value::Int(seq as i64));
        self.interp.load(src).map_err(|e| e.render())
    }

    /// Whether the last program ended in an error (reported on the console).
    pub(crate) fn errored(&self) -> bool {
        self.errored
    }

    /// Records the spawner's id (`parent` in the script).
    pub(crate) fn with_parent(mut self, parent: TaskId) -> OTask {
        self.parent = Some(parent);
        self
    }

    fn start(&mut self, cx: &mut Context<'_>) {
        self.started = true;
        let parent = self.parent.map_or(0, |p| p.to_bits() as i64);
        self.interp.set("parent", Value::Int(parent));
        match self.kind {
            Kind::Zero => {
                self.shell.set_zero(cx.id());
                self.shell.emit(Event::ZeroReady(cx.id()));
            }
            Kind::Job => {}
            Kind::Script => {
                // List the task under its name (boot name, or its source).
                if let Some(h) = self.shell.handle() {
                    let name = h.name_id(&self.name);
                    let me = cx.id();
                    cx.post(me.core(), crate::Message::Register { task: me, name });
                }
            }
        }
    }

    fn take_mail(&mut self, cx: &mut Context<'_>) {
        while let Some(m) = cx.recv() {
            match m {
                Mail::Word(w) => self.words.push_back(w),
                Mail::Exec(t) => self.execs.push_back(t),
                Mail::User(u) => self.words.extend(u.words),
                Mail::Io(_) => {}
            }
        }
    }

    /// Loads the next console text into the zero task; false if none.
    fn next_text(&mut self, cx: &mut Context<'_>) -> bool {
        while let Some(t) = self.execs.pop_front() {
            let Some(text) = cx.take_text(t) else {
                continue;
            };
            match self.interp.load(&text) {
                Ok(()) => {
                    self.quiet = is_assignment(&text);
                    return true;
                }
                Err(e) => self.shell.emit(Event::Result(Err(e.render()))),
            }
        }
        false
    }
}

impl crate::Task for OTask {
    type Output = ();

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.started {
            self.start(cx);
        }
        if let Some(e) = self.failed.take() {
            self.shell
                .emit(Event::Print(format!("task `{}`: {e}", self.name)));
            return Poll::Ready(());
        }
        self.take_mail(cx);
        if matches!(self.kind, Kind::Zero) && self.shell.take_interrupt() {
            self.abandon();
        }
        if !matches!(self.wait, Wait::None) {
            let mut host = TaskHost::new(
                cx,
                &self.shell,
                &mut self.wait,
                &mut self.words,
                &mut self.subs,
            );
            match host.resolve() {
                Some(v) => {
                    self.wait = Wait::None;
                    self.interp.wake(v);
                }
                None => return Poll::Pending,
            }
        }
        if self.interp.is_idle() {
            match self.kind {
                Kind::Script | Kind::Job => return Poll::Ready(()),
                Kind::Zero => {
                    if !self.next_text(cx) {
                        return Poll::Pending;
                    }
                }
            }
        }
        let fuel = self.shell.fuel();
        let outcome = {
            let mut host = TaskHost::new(
                cx,
                &self.shell,
                &mut self.wait,
                &mut self.words,
                &mut self.subs,
            );
            self.interp.run(fuel, &mut host)
        };
        match (outcome, &self.kind) {
            (Outcome::Suspended, _) => {
                cx.yield_now();
                Poll::Pending
            }
            (Outcome::Waiting, _) => Poll::Pending,
            (Outcome::Done(_), Kind::Script | Kind::Job) => Poll::Ready(()),
            (Outcome::Error(e), Kind::Script | Kind::Job) => {
                self.errored = true;
                self.shell.emit(Event::Print(format!(
                    "task `{}`: {}",
                    self.name,
                    e.render()
                )));
                Poll::Ready(())
            }
            (Outcome::Done(v), Kind::Zero) => {
                let shown = if self.quiet {
                    String::new()
                } else {
                    super::table::show(&v)
                };
                self.shell.emit(Event::Result(Ok(shown)));
                self.more(cx)
            }
            (Outcome::Error(e), Kind::Zero) => {
                self.shell.emit(Event::Result(Err(e.render())));
                self.more(cx)
            }
        }
    }
}

impl OTask {
    /// Drops the running console text (and whatever it waits for).
    fn abandon(&mut self) {
        if self.interp.is_idle() && matches!(self.wait, Wait::None) {
            return;
        }
        self.wait = Wait::None;
        // Loading replaces the unfinished program; the empty one ends at once.
        if self.interp.load("").is_ok() {
            let _ = self.interp.run(u64::MAX, &mut enso_o::NoHost);
        }
        self.shell
            .emit(Event::Result(Err("interrupted.".to_string())));
    }

    /// After a console text: come back for the next one if any is queued.
    fn more(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.execs.is_empty() || cx.mail_len() > 0 {
            cx.yield_now();
        }
        Poll::Pending
    }
}

/// Whether the last statement of `text` is an assignment (as in oK, the
/// console does not print its value).
fn is_assignment(text: &str) -> bool {
    use enso_o::ast::Node;
    matches!(
        enso_o::parser::parse(text)
            .ok()
            .as_deref()
            .and_then(|s| s.last()),
        Some(Node::Assign { .. } | Node::IndexAssign { .. })
    )
}

/// Whether `name` is one of the O task's system verbs.
pub fn is_system_verb(name: &str) -> bool {
    SYSTEM_VERBS.iter().any(|(v, _)| *v == name)
}

/// Arity of every system verb, for documentation.
pub fn system_verbs() -> impl Iterator<Item = (&'static str, Arity)> {
    SYSTEM_VERBS.iter().copied()
}
