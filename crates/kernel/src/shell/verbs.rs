//! The system verbs of O tasks, bound to the kernel.
//!
//! Listings (`cores`, `tasks`, `rings`, `timers`, `stats`) return tables:
//! lists of dictionaries with the same keys, which the console prints as
//! aligned columns. Task ids are ints (as `me[]` returns them). A verb that
//! must wait sets the task's [`Wait`] and answers `Wait`; the task resolves
//! the wait on a later poll (see [`super::otask`]).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use enso_o::host::{Host, HostResult};
use enso_o::{Arity, OError, Value};

use super::args::{count, err, list, millis, name, nat, words};
use super::otask::{Listed, OTask, Wait};
use super::state::{Backpressure, Event, Shell};
use super::table;
use super::topic::{Published, Topic, TopicSub};
use crate::{
    Context, CoreIndex, End, KernelHandle, PushError, Quanta, SendError, TaskId, TimerAction,
    TimerRequest,
};

/// The system verbs and their arities.
pub(crate) const SYSTEM_VERBS: &[(&str, Arity)] = &[
    ("cores", Arity::Variadic),
    ("tasks", Arity::Variadic),
    ("rings", Arity::Variadic),
    ("timers", Arity::Variadic),
    ("stats", Arity::Variadic),
    ("spawn", Arity::Variadic),
    ("kill", Arity::Monadic),
    ("pub", Arity::Variadic),
    ("sub", Arity::Variadic),
    ("unpub", Arity::Monadic),
    ("unsub", Arity::Monadic),
    ("snd", Arity::Variadic),
    ("rcv", Arity::Variadic),
    ("timer", Arity::Variadic),
    ("sleep", Arity::Monadic),
    ("qos", Arity::Variadic),
    ("halt", Arity::Variadic),
    ("print", Arity::Monadic),
    ("me", Arity::Variadic),
    ("help", Arity::Variadic),
    ("prom", Arity::Variadic),
    ("periodic", Arity::Variadic),
];

/// How soon an O task waiting on a ring or a spawn looks again (on a timer core).
const RING_RETRY: Duration = Duration::from_micros(100);

/// The verbs' view of the task being polled.
pub(crate) struct TaskHost<'a, 'b> {
    cx: &'a mut Context<'b>,
    shell: &'a Arc<Shell>,
    wait: &'a mut Wait,
    words: &'a mut VecDeque<u64>,
    subs: &'a mut Vec<(Arc<Topic>, TopicSub)>,
}

impl Host for TaskHost<'_, '_> {
    fn call(&mut self, _id: u32, verb: &str, args: &[Value]) -> HostResult {
        match self.verb(verb, list(args)) {
            Ok(Some(v)) => HostResult::Value(v),
            Ok(None) => HostResult::Wait,
            Err(e) => HostResult::Error(e),
        }
    }
}

type Answer = Result<Option<Value>, OError>;

impl<'a, 'b> TaskHost<'a, 'b> {
    pub(crate) fn new(
        cx: &'a mut Context<'b>,
        shell: &'a Arc<Shell>,
        wait: &'a mut Wait,
        words: &'a mut VecDeque<u64>,
        subs: &'a mut Vec<(Arc<Topic>, TopicSub)>,
    ) -> TaskHost<'a, 'b> {
        TaskHost {
            cx,
            shell,
            wait,
            words,
            subs,
        }
    }

    fn handle(&self, verb: &str) -> Result<KernelHandle, OError> {
        self.shell
            .handle()
            .cloned()
            .ok_or_else(|| err(verb, "the kernel is not booted"))
    }

    fn verb(&mut self, verb: &str, a: &[Value]) -> Answer {
        match verb {
            "cores" => Ok(Some(table::cores(&self.handle(verb)?))),
            "rings" => Ok(Some(table::rings(&self.handle(verb)?, self.shell))),
            "stats" => Ok(Some(table::stats(&self.handle(verb)?, self.shell))),
            "tasks" => self.listing(verb, Listed::Tasks),
            "timers" => self.listing(verb, Listed::Timers),
            "prom" => self.listing(verb, Listed::Prom),
            "spawn" => self.spawn(a),
            "periodic" => self.periodic(a),
            "kill" => {
                count(verb, a, 1, 1)?;
                let id = self.task_id(verb, &a[0])?;
                self.cx.kill(id).map_err(|e| err(verb, e))?;
                Ok(Some(Value::Int(1)))
            }
            "snd" => {
                count(verb, a, 2, 2)?;
                let to = self.task_id(verb, &a[0])?;
                let word = super::args::int(verb, "word", &a[1])? as u64;
                match self.cx.send(to, word) {
                    Ok(()) => Ok(Some(Value::Int(1))),
                    Err(SendError::Full) => {
                        *self.wait = Wait::Snd { to, word };
                        Ok(None)
                    }
                    Err(e) => Err(err(verb, e)),
                }
            }
            "rcv" => {
                count(verb, a, 0, 0)?;
                match self.words.pop_front() {
                    Some(w) => Ok(Some(Value::Int(w as i64))),
                    None => {
                        *self.wait = Wait::Rcv;
                        Ok(None)
                    }
                }
            }
            "pub" => self.publish(a),
            "sub" => self.subscribe(a),
            "unpub" | "unsub" => {
                count(verb, a, 1, 1)?;
                let ring = name(verb, "ring", &a[0])?;
                if let Some(t) = self.shell.topic(&ring) {
                    // Publishing needs no end; unsub leaves the topic.
                    let before = self.subs.len();
                    self.subs.retain(|s| !Arc::ptr_eq(&s.0, &t));
                    return Ok(Some(Value::Int((before - self.subs.len()) as i64)));
                }
                let h = self.handle(verb)?;
                let id = h
                    .ring(&ring)
                    .ok_or_else(|| err(verb, format!("no ring `{ring}`")))?;
                let end = if verb == "unpub" {
                    End::Write
                } else {
                    End::Read
                };
                self.cx.detach(id, end).map_err(|e| err(verb, e))?;
                Ok(Some(Value::Int(1)))
            }
            "timer" => self.timer(a),
            "sleep" => {
                count(verb, a, 1, 1)?;
                let d = millis(verb, "time", &a[0])?;
                // Read the clock now, not at the turn's start: never early.
                let deadline = std::time::Instant::now() + Duration::from_nanos(d);
                self.arm_wake(verb, d)?;
                *self.wait = Wait::Sleep(deadline);
                Ok(None)
            }
            "qos" => {
                count(verb, a, 4, 4)?;
                let core = self.core(verb, &a[0])?;
                let q = |i: usize, w: &str| -> Result<u32, OError> {
                    let n = nat(verb, w, &a[i])?;
                    match u32::try_from(n) {
                        Ok(n) if n > 0 => Ok(n),
                        _ => Err(err(
                            verb,
                            format!("quantum {w} must be within 1..2^32, found {n}"),
                        )),
                    }
                };
                let quanta = Quanta {
                    bus: q(1, "bus")?,
                    io: q(2, "io")?,
                    tasks: q(3, "tasks")?,
                };
                // Re-checks the core's admitted real-time set: a change
                // that would make one miss is refused, naming it.
                self.cx
                    .qos_checked(core, quanta)
                    .map_err(|e| err(verb, e))?;
                Ok(Some(Value::ints(vec![
                    quanta.bus as i64,
                    quanta.io as i64,
                    quanta.tasks as i64,
                ])))
            }
            "halt" => {
                self.cx.halt_kernel();
                Ok(Some(Value::Nil))
            }
            "print" => {
                count(verb, a, 1, 1)?;
                self.shell.emit(Event::Print(table::show_raw(&a[0])));
                Ok(Some(Value::Nil))
            }
            "me" => Ok(Some(Value::Int(self.cx.id().to_bits() as i64))),
            "help" => {
                self.shell.emit(Event::Print(HELP.trim().to_string()));
                Ok(Some(Value::Nil))
            }
            _ => Err(err(verb, "not a system verb")),
        }
    }

    fn task_id(&self, verb: &str, v: &Value) -> Result<TaskId, OError> {
        let bits = super::args::int(verb, "task id", v)?;
        let id = TaskId::from_bits(bits as u64);
        if let Some(h) = self.shell.handle() {
            h.check(id).map_err(|e| err(verb, e))?;
        }
        Ok(id)
    }

    fn core(&self, verb: &str, v: &Value) -> Result<CoreIndex, OError> {
        let h = self.handle(verb)?;
        let n = h.cores().len();
        match v {
            Value::Int(i) if *i >= 0 && (*i as usize) < n => Ok(CoreIndex(*i as u8)),
            Value::Int(i) => Err(err(verb, format!("no core {i} (cores are 0..{})", n - 1))),
            v => {
                let c = name(verb, "core", v)?;
                h.core(&c).ok_or_else(|| {
                    let names: Vec<String> = h.cores().into_iter().map(|c| c.name).collect();
                    err(verb, format!("no core `{c}` (cores: {})", names.join(" ")))
                })
            }
        }
    }

    /// Asks every core for a listing over the bus; the task waits (its
    /// core does not) until each core's answer has woken it.
    fn listing(&mut self, verb: &str, what: Listed) -> Answer {
        self.handle(verb)?;
        let req = self.cx.request_listing();
        // Bounds the wait on a core that never answers (2 s, as the
        // kernel's blocking listings), when this core runs timers; else
        // the task waits for the answers.
        let left = req
            .deadline()
            .saturating_duration_since(std::time::Instant::now());
        let me = self.cx.id();
        let timer = self.cx.after(left, TimerAction::Wake(me)).ok();
        *self.wait = Wait::Listing { req, what, timer };
        Ok(None)
    }

    /// The value of an answered listing (`prom` prints its text).
    fn listed(
        &self,
        req: &crate::ListingRequest,
        what: Listed,
        deadline: Option<crate::TimerId>,
    ) -> Option<Value> {
        let h = self.shell.handle()?;
        Some(match what {
            Listed::Tasks => table::tasks_of(h, req.tasks()),
            Listed::Timers => {
                // The request's own deadline wake is not the user's.
                let mut timers = req.timers();
                if let Some(d) = deadline {
                    timers.retain(|t| (t.core, t.slot) != (d.core, d.slot));
                }
                table::timers_of(h, timers)
            }
            Listed::Prom => {
                self.shell
                    .emit(Event::Print(req.prometheus().trim_end().to_string()));
                Value::Nil
            }
        })
    }

    fn spawn(&mut self, a: &[Value]) -> Answer {
        let verb = "spawn";
        count(verb, a, 3, 4)?;
        let core = self.core(verb, &a[0])?;
        let prio = nat(verb, "priority", &a[1])?;
        let priority = u8::try_from(prio)
            .map_err(|_| err(verb, format!("priority {prio} is not within 0..255")))?;
        // Over the bus, never blocking this core: the target core wakes
        // this task once it has placed the new one.
        let pending = match &a[2] {
            Value::Sym(s) => {
                let arg = match a.get(3) {
                    Some(v) => nat(verb, "argument", v)?,
                    None => 0,
                };
                self.cx
                    .spawn_named(core, priority, s, arg)
                    .map_err(|e| err(verb, e))?
            }
            v => {
                let src =
                    super::args::text(verb, "body (O source or a registered task's symbol)", v)?;
                enso_o::parser::parse(&src).map_err(|e| err(verb, e.render()))?;
                let t = OTask::script(
                    self.shell.clone(),
                    &listed_name(&src),
                    &src,
                    a.get(3).cloned(),
                )
                .with_parent(self.cx.id());
                self.cx
                    .spawn_notify(core, priority, t)
                    .map_err(|e| err(verb, e))?
            }
        };
        *self.wait = Wait::Spawned(pending);
        Ok(None)
    }

    fn periodic(&mut self, a: &[Value]) -> Answer {
        let verb = "periodic";
        count(verb, a, 6, 6)?;
        let core = self.core(verb, &a[0])?;
        let tname = name(verb, "name", &a[1])?;
        let c = millis(verb, "budget C", &a[2])?;
        let t = millis(verb, "period T", &a[3])?;
        let d = millis(verb, "deadline D", &a[4])?;
        let src = super::args::text(verb, "body (O source)", &a[5])?;
        enso_o::parser::parse(&src).map_err(|e| err(verb, e.render()))?;
        let mut params = crate::RtParams::new(c, t);
        params.deadline_ns = d;
        let task = OTask::job(self.shell.clone(), &tname, self.cx.id());
        let jh = self
            .handle(verb)?
            .spawn_periodic(core, &tname, params, super::periodic::OJob::new(task, &src))
            .map_err(|e| err(verb, e))?;
        *self.wait = Wait::Spawn(jh);
        self.retry();
        Ok(None)
    }

    fn ring(&mut self, verb: &str, v: &Value, end: End) -> Result<(crate::RingId, String), OError> {
        let r = name(verb, "ring", v)?;
        let id = self.cx.attach(&r, end).map_err(|e| match e {
            crate::CapError::Unknown(_) => err(verb, format!("no ring `{r}`")),
            e => err(verb, format!("ring `{r}`: {e}")),
        })?;
        Ok((id, r))
    }

    fn publish(&mut self, a: &[Value]) -> Answer {
        let verb = "pub";
        count(verb, a, 2, 2)?;
        if let Some(topic) = self.shell.topic(&name(verb, "ring", &a[0])?) {
            let mut rest: VecDeque<u64> = words(verb, &a[1])?.into();
            let total = rest.len();
            if topic.publish(&mut rest) == Published::All {
                return Ok(Some(Value::Int(total as i64)));
            }
            if topic.mode == super::topic::TopicMode::Fail {
                return Ok(Some(Value::Int((total - rest.len()) as i64)));
            }
            *self.wait = Wait::TopicPub { topic, rest, total };
            self.retry();
            return Ok(None);
        }
        let (ring, rname) = self.ring(verb, &a[0], End::Write)?;
        let mut rest: VecDeque<u64> = words(verb, &a[1])?.into();
        let total = rest.len();
        push_all(self.cx, ring, &mut rest).map_err(|e| err(verb, e))?;
        if rest.is_empty() {
            return Ok(Some(Value::Int(total as i64)));
        }
        match self.shell.policy(&rname) {
            Backpressure::Fail => Ok(Some(Value::Int((total - rest.len()) as i64))),
            Backpressure::Block => {
                *self.wait = Wait::Pub { ring, rest, total };
                self.retry();
                Ok(None)
            }
        }
    }

    fn subscribe(&mut self, a: &[Value]) -> Answer {
        let verb = "sub";
        count(verb, a, 1, 2)?;
        let (n, atom) = match a.get(1) {
            Some(v) => (nat(verb, "count", v)? as usize, false),
            None => (1, true),
        };
        let rname = name(verb, "ring", &a[0])?;
        if let Some(topic) = self.shell.topic(&rname) {
            let i = match self.subs.iter().position(|s| Arc::ptr_eq(&s.0, &topic)) {
                Some(i) => i,
                None => {
                    let sub = topic.join().ok_or_else(|| {
                        err(
                            verb,
                            format!("topic `{rname}` has no room for another subscriber"),
                        )
                    })?;
                    self.subs.push((topic, sub));
                    self.subs.len() - 1
                }
            };
            let (t, sub) = &mut self.subs[i];
            let got = t.take(sub, n);
            if !got.is_empty() {
                return Ok(Some(words_value(got, atom)));
            }
            *self.wait = Wait::TopicSub { i, n, atom };
            self.retry();
            return Ok(None);
        }
        let (ring, _) = self.ring(verb, &a[0], End::Read)?;
        let got = pop_some(self.cx, ring, n).map_err(|e| err(verb, e))?;
        if let Some(v) = got.map(|w| words_value(w, atom)) {
            return Ok(Some(v));
        }
        *self.wait = Wait::Sub { ring, n, atom };
        self.retry();
        Ok(None)
    }

    fn timer(&mut self, a: &[Value]) -> Answer {
        let verb = "timer";
        count(verb, a, 4, 4)?;
        let after = millis(verb, "delay", &a[0])?;
        let period = millis(verb, "period", &a[1])?;
        let to = self.task_id(verb, &a[2])?;
        let word = super::args::int(verb, "word", &a[3])? as u64;
        let core = self.timer_core(verb)?;
        self.cx.timer_on(
            core,
            TimerRequest {
                after_ns: after,
                period_ns: period,
                action: TimerAction::Send { to, word },
            },
        );
        let h = self.handle(verb)?;
        Ok(Some(Value::sym(&h.cores()[core.get()].name)))
    }

    /// The task's own core if it runs timers, else the first timer core.
    fn timer_core(&self, verb: &str) -> Result<CoreIndex, OError> {
        let h = self.handle(verb)?;
        let cores = h.cores();
        let me = self.cx.core();
        if cores[me.get()].reactors.timers {
            return Ok(me);
        }
        cores
            .iter()
            .find(|c| c.reactors.timers)
            .map(|c| c.index)
            .ok_or_else(|| err(verb, "no core runs the timers reactor"))
    }

    /// Arranges a wake of this task in `ns`.
    fn arm_wake(&mut self, verb: &str, ns: u64) -> Result<(), OError> {
        let me = self.cx.id();
        match self.timer_core(verb) {
            Ok(core) => {
                self.cx.timer_on(
                    core,
                    TimerRequest {
                        after_ns: ns,
                        period_ns: 0,
                        action: TimerAction::Wake(me),
                    },
                );
            }
            Err(_) => self.cx.yield_now(),
        }
        Ok(())
    }

    /// Looks again soon: a short timer on a timer core, else the next turn.
    fn retry(&mut self) {
        let me = self.cx.id();
        if self.cx.after(RING_RETRY, TimerAction::Wake(me)).is_err() {
            self.cx.yield_now();
        }
    }

    /// Tries to finish the pending wait; `Some` is the verb's result.
    pub(crate) fn resolve(&mut self) -> Option<Value> {
        let wait = std::mem::replace(self.wait, Wait::None);
        let (v, again) = match wait {
            Wait::None => return None,
            Wait::Rcv => match self.words.pop_front() {
                Some(w) => (Some(Value::Int(w as i64)), Wait::None),
                None => (None, Wait::Rcv),
            },
            Wait::Snd { to, word } => match self.cx.send(to, word) {
                Ok(()) => (Some(Value::Int(1)), Wait::None),
                Err(SendError::Full) => (None, Wait::Snd { to, word }),
                Err(SendError::Task(_)) => (Some(Value::Int(0)), Wait::None),
            },
            Wait::Pub {
                ring,
                mut rest,
                total,
            } => match push_all(self.cx, ring, &mut rest) {
                Err(_) => (Some(Value::Int((total - rest.len()) as i64)), Wait::None),
                Ok(()) if rest.is_empty() => (Some(Value::Int(total as i64)), Wait::None),
                Ok(()) => {
                    self.retry();
                    (None, Wait::Pub { ring, rest, total })
                }
            },
            Wait::Sub { ring, n, atom } => match pop_some(self.cx, ring, n) {
                Err(_) => (Some(Value::empty()), Wait::None),
                Ok(Some(w)) => (Some(words_value(w, atom)), Wait::None),
                Ok(None) => {
                    self.retry();
                    (None, Wait::Sub { ring, n, atom })
                }
            },
            Wait::TopicPub {
                topic,
                mut rest,
                total,
            } => match topic.publish(&mut rest) {
                Published::All => (Some(Value::Int(total as i64)), Wait::None),
                Published::Full => {
                    self.retry();
                    (None, Wait::TopicPub { topic, rest, total })
                }
            },
            Wait::TopicSub { i, n, atom } => {
                let got = match self.subs.get_mut(i) {
                    Some((t, sub)) => t.take(sub, n),
                    None => return Some(Value::empty()),
                };
                if got.is_empty() {
                    self.retry();
                    (None, Wait::TopicSub { i, n, atom })
                } else {
                    (Some(words_value(got, atom)), Wait::None)
                }
            }
            Wait::Spawn(jh) => match jh.task_id() {
                Some(id) => (Some(Value::Int(id.to_bits() as i64)), Wait::None),
                None if jh.is_finished() => (Some(Value::Int(0)), Wait::None),
                None => {
                    self.retry();
                    (None, Wait::Spawn(jh))
                }
            },
            Wait::Spawned(p) => match p.poll_id() {
                std::task::Poll::Ready(Some(id)) => {
                    (Some(Value::Int(id.to_bits() as i64)), Wait::None)
                }
                // The core's task table was full (or the kernel halted).
                std::task::Poll::Ready(None) => (Some(Value::Int(0)), Wait::None),
                std::task::Poll::Pending => (None, Wait::Spawned(p)),
            },
            Wait::Listing { req, what, timer } => {
                if req.is_ready() {
                    if let Some(t) = timer {
                        // Already fired if the deadline passed: nothing to cancel.
                        let _ = self.cx.cancel(t);
                    }
                    let v = self.listed(&req, what, timer).unwrap_or(Value::Nil);
                    (Some(v), Wait::None)
                } else {
                    (None, Wait::Listing { req, what, timer })
                }
            }
            Wait::Sleep(deadline) => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    (Some(Value::Nil), Wait::None)
                } else {
                    let _ = self.arm_wake("sleep", left.as_nanos() as u64);
                    (None, Wait::Sleep(deadline))
                }
            }
        };
        *self.wait = again;
        v
    }
}

/// How a spawned O task is listed: `o:` and the start of its source.
fn listed_name(src: &str) -> String {
    let mut n = String::from("o:");
    let flat: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = flat.chars();
    n.extend(chars.by_ref().take(24));
    if chars.next().is_some() {
        n.push_str("..");
    }
    n
}

/// Pushes words from the front of `rest` until it is empty or the ring is full.
fn push_all(
    cx: &mut Context<'_>,
    ring: crate::RingId,
    rest: &mut VecDeque<u64>,
) -> Result<(), PushError> {
    while let Some(&w) = rest.front() {
        match cx.push(ring, w) {
            Ok(()) => {
                rest.pop_front();
            }
            Err(PushError::Full(_)) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Pops up to `n` words; `None` if the ring is empty.
fn pop_some(
    cx: &mut Context<'_>,
    ring: crate::RingId,
    n: usize,
) -> Result<Option<Vec<u64>>, crate::CapError> {
    let mut got = Vec::new();
    while got.len() < n.max(1) {
        match cx.pop(ring)? {
            Some(w) => got.push(w),
            None => break,
        }
    }
    Ok(if got.is_empty() { None } else { Some(got) })
}

fn words_value(w: Vec<u64>, atom: bool) -> Value {
    if atom && w.len() == 1 {
        Value::Int(w[0] as i64)
    } else {
        Value::ints(w.into_iter().map(|x| x as i64).collect())
    }
}

/// What `help[]` prints.
pub const HELP: &str = r#"
system verbs (ids are ints; cores are symbols or indices; times in ms):
  cores[]  tasks[]  rings[]  timers[]  stats[]   listings, printed as tables
  spawn[core;prio;"src"]      run O source as a task (it sees `parent`); returns its id
  spawn[core;prio;"src";arg]  ... with `arg` set
  spawn[core;prio;`name;w]    spawn a registered Rust task (e.g. `market.vwap) with word w
  kill id                     end a task
  snd[id;w]   rcv[]           send a word to a task / wait for a word in my mailbox
  pub[`ring;ws]  sub[`ring]  sub[`ring;n]   publish words / wait for 1 (or up to n) words
  unpub `ring  unsub `ring    give a ring end back
  timer[after;period;id;w]    send w to task id after `after` ms, then every `period` ms (0: once)
  sleep ms                    suspend this task (not its core)
  qos[core;bus;io;tasks]      change a core's run-loop quanta live (refused if an
                              admitted real-time task would then miss)
  print x   me[]   halt[]     print; my id; stop the machine
  periodic[core;`name;C;T;D;"src"]  a real-time task: run src once per period T (ms),
                              budget C, deadline D; admitted by the core or refused
  prom[]                      print every statistic as Prometheus text
O: right to left, x:1 assigns, {x+y} lambdas, f[x;y], $[c;t;f], +/ ' \ adverbs
"#;
