//! Boot scripts: an O script whose system verbs declare the topology.
//!
//! [`evaluate`] runs the script one top-level statement at a time in an O
//! interpreter whose only system verbs are declarations (`core`, `quanta`,
//! `idle`, `slots`, `ring`, `topic`, `sector`, `counter`, `task`, `writes`,
//! `reads`, `timer`, `pin`, `share`, `fuel`, `mailbox`); plain O (names, lambdas,
//! conditions) works too, and `ncpu` and `cpus` describe the machine.
//! The result is a [`Plan`]; [`Plan::topology`] turns it into a validated
//! [`Topology`]. Nothing starts before both have succeeded, and every error
//! names the file, line and column of the statement at fault (see
//! `etc/README.md` for the reference of every verb).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use enso_o::host::{Host, HostResult};
use enso_o::{Arity, Interp, OError, Value};

use super::args::{count, err, int, list, millis, name, names, nat, text};
use super::otask::OTask;
use super::registry::DynTask;
use super::script::{position, split};
use super::state::{Backpressure, Shell};
use super::topic::{Topic, TopicMode};
use crate::{
    CoreSpec, IdlePolicy, Kernel, Quanta, TaskSpec, TimerKind, TimerTarget, Topology, TopologyError,
};

/// A boot script error: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootError {
    /// The file (or `<default>`, `<test>`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The source line.
    pub text: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for BootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pad: String = self
            .text
            .chars()
            .take(self.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(
            f,
            "{}:{}:{}: {}\n  {}\n  {}^",
            self.file, self.line, self.column, self.message, self.text, pad
        )
    }
}

impl std::error::Error for BootError {}

/// What a boot task runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// O source, run as an O task under fuel.
    O(String),
    /// A Rust task registered by name, with its argument word.
    Rust(String, u64),
}

/// A task declaration.
#[derive(Clone, Debug)]
pub struct TaskDecl {
    /// Name.
    pub name: String,
    /// Core name.
    pub core: String,
    /// Priority.
    pub priority: u8,
    /// What it runs.
    pub body: Body,
    /// Rings it may write.
    pub writes: Vec<String>,
    /// Rings it may read.
    pub reads: Vec<String>,
    at: usize,
}

/// A ring declaration.
#[derive(Clone, Debug)]
pub struct RingDecl {
    /// Name.
    pub name: String,
    /// Capacity in words.
    pub capacity: usize,
    /// What O `pub` does when it is full.
    pub backpressure: Backpressure,
    at: usize,
}

/// A topic declaration (a broadcast ring of words, see [`super::topic`]).
#[derive(Clone, Debug)]
pub struct TopicDecl {
    /// Name.
    pub name: String,
    /// Capacity in words (for a sector topic: its share, computed).
    pub capacity: usize,
    /// Backpressure.
    pub mode: TopicMode,
    /// The sector it is carved from, and its index there.
    pub sector: Option<(String, usize)>,
    at: usize,
}

/// A sector: one region carved into topics by proportion.
#[derive(Clone, Debug)]
pub struct SectorDecl {
    /// Name.
    pub name: String,
    /// Slot budget.
    pub slots: usize,
    /// Proportions, one per topic.
    pub proportions: Vec<usize>,
    at: usize,
}

/// A timer declaration.
#[derive(Clone, Debug)]
pub struct TimerDecl {
    /// Name.
    pub name: String,
    /// Core whose wheel holds it.
    pub core: String,
    /// Oneshot or interval.
    pub kind: TimerKind,
    /// Wake or mail.
    pub target: TimerTarget,
    at: usize,
}

/// The declarations of a boot script, in order.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The file name used in errors.
    pub file: String,
    src: String,
    /// Cores, with the byte offset of their declaration.
    pub cores: Vec<(CoreSpec, usize)>,
    /// Rings.
    pub rings: Vec<RingDecl>,
    /// Topics.
    pub topics: Vec<TopicDecl>,
    /// Sectors.
    pub sectors: Vec<SectorDecl>,
    /// Counters.
    pub counters: Vec<String>,
    /// Tasks.
    pub tasks: Vec<TaskDecl>,
    /// Timers.
    pub timers: Vec<TimerDecl>,
    /// Pin core threads to their CPUs.
    pub pinning: bool,
    /// Allow several cores on one CPU.
    pub shared_cpus: bool,
    /// Reductions per O slice.
    pub fuel: u64,
    /// Mailbox capacity, if set.
    pub mailbox: Option<usize>,
}

/// Priority of the zero task on the BSP.
pub const ZERO_PRIORITY: u8 = 100;

/// Evaluates boot script `src` (named `file` in errors) on a machine whose
/// usable CPUs are `cpus`.
pub fn evaluate(file: &str, src: &str, cpus: &[usize]) -> Result<Plan, BootError> {
    let mut plan = Plan {
        file: file.to_string(),
        src: src.to_string(),
        cores: Vec::new(),
        rings: Vec::new(),
        topics: Vec::new(),
        sectors: Vec::new(),
        counters: Vec::new(),
        tasks: Vec::new(),
        timers: Vec::new(),
        pinning: true,
        shared_cpus: false,
        fuel: super::state::DEFAULT_FUEL,
        mailbox: None,
    };
    let mut o = Interp::new();
    for v in VERBS {
        o.register(v, Arity::Variadic);
    }
    o.set("ncpu", Value::Int(cpus.len() as i64));
    o.set(
        "cpus",
        Value::ints(cpus.iter().map(|&c| c as i64).collect()),
    );
    for st in split(src) {
        let mut host = BootHost {
            plan: &mut plan,
            cpus,
            verb_at: None,
            text: &st.text,
            offset: st.offset,
            here: st.offset,
        };
        if let Err(e) = o.eval_with(&st.text, &mut host) {
            let at = match (e.pos(), host.verb_at) {
                (Some(p), _) => st.offset + offset_of(&st.text, p.line, p.column),
                (None, Some(v)) => st.offset + v,
                (None, None) => st.offset,
            };
            return Err(plan.error_at(at, e.message().to_string()));
        }
    }
    Ok(plan)
}

/// Byte offset of 1-based (line, column) in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return off
                + l.char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(l.len(), |c| c.0);
        }
        off += l.len() + 1;
    }
    text.len()
}

const VERBS: [&str; 17] = [
    "core", "quanta", "idle", "slots", "ring", "topic", "sector", "counter", "task", "writes",
    "reads", "timer", "pin", "share", "fuel", "mailbox", "print",
];

struct BootHost<'a> {
    plan: &'a mut Plan,
    cpus: &'a [usize],
    /// Offset of the failing verb's name in the statement.
    verb_at: Option<usize>,
    text: &'a str,
    /// Offset of the statement in the script.
    offset: usize,
    /// Offset of the current verb's declaration in the script.
    here: usize,
}

impl Host for BootHost<'_> {
    fn call(&mut self, _id: u32, verb: &str, args: &[Value]) -> HostResult {
        self.here = self.offset + self.text.find(verb).unwrap_or(0);
        match self.declare(verb, list(args)) {
            Ok(v) => HostResult::Value(v),
            Err(e) => {
                self.verb_at = self.text.find(verb);
                HostResult::Error(e)
            }
        }
    }
}

impl BootHost<'_> {
    fn declare(&mut self, verb: &str, a: &[Value]) -> Result<Value, OError> {
        let p = &mut *self.plan;
        match verb {
            "core" => self.core(a),
            "quanta" => {
                count(verb, a, 4, 4)?;
                let c = self.core_mut(verb, &a[0])?;
                let q = |i: usize, w: &str| -> Result<u32, OError> {
                    let n = nat(verb, w, &a[i])?;
                    u32::try_from(n).map_err(|_| err(verb, format!("{w} {n} is too large")))
                };
                let quanta = Quanta {
                    bus: q(1, "bus")?,
                    io: q(2, "io")?,
                    tasks: q(3, "tasks")?,
                };
                c.quanta = quanta;
                Ok(Value::Nil)
            }
            "idle" => {
                count(verb, a, 2, 2)?;
                let policy = match &a[1] {
                    Value::Sym(s) if &**s == "spin" => IdlePolicy::Spin,
                    Value::Sym(s) if &**s == "park" => IdlePolicy::Park,
                    Value::Int(us) if *us > 0 => {
                        IdlePolicy::SpinThenPark(Duration::from_micros(*us as u64))
                    }
                    v => {
                        return Err(err(
                            verb,
                            format!(
                                "policy must be `spin, `park or microseconds of spinning > 0, found {}",
                                super::table::show(v)
                            ),
                        ));
                    }
                };
                self.core_mut(verb, &a[0])?.idle = policy;
                Ok(Value::Nil)
            }
            "slots" => {
                count(verb, a, 3, 3)?;
                let t = nat(verb, "task slots", &a[1])? as usize;
                let m = nat(verb, "timer slots", &a[2])? as usize;
                let c = self.core_mut(verb, &a[0])?;
                c.max_tasks = t;
                c.max_timers = m;
                Ok(Value::Nil)
            }
            "ring" => {
                count(verb, a, 2, 3)?;
                let n = name(verb, "ring name", &a[0])?;
                p.check_free_name(verb, &n)?;
                let capacity = nat(verb, "capacity", &a[1])? as usize;
                if !capacity.is_power_of_two() {
                    return Err(err(
                        verb,
                        format!("capacity {capacity} of ring `{n}` is not a power of two"),
                    ));
                }
                let backpressure = match a.get(2) {
                    None => Backpressure::Block,
                    Some(v) => match name(verb, "backpressure", v)?.as_str() {
                        "block" => Backpressure::Block,
                        "fail" => Backpressure::Fail,
                        o => {
                            return Err(err(
                                verb,
                                format!("backpressure must be `block or `fail, found `{o}"),
                            ));
                        }
                    },
                };
                p.rings.push(RingDecl {
                    name: n,
                    capacity,
                    backpressure,
                    at: self.here,
                });
                Ok(Value::Nil)
            }
            "topic" => {
                count(verb, a, 2, 3)?;
                let n = name(verb, "topic name", &a[0])?;
                p.check_free_name(verb, &n)?;
                let capacity = nat(verb, "capacity", &a[1])? as usize;
                if !capacity.is_power_of_two() {
                    return Err(err(
                        verb,
                        format!("capacity {capacity} of topic `{n}` is not a power of two"),
                    ));
                }
                let mode = topic_mode(verb, a.get(2), true)?;
                let at = self.here;
                self.plan.topics.push(TopicDecl {
                    name: n,
                    capacity,
                    mode,
                    sector: None,
                    at,
                });
                Ok(Value::Nil)
            }
            "sector" => self.sector(a),
            "counter" => {
                count(verb, a, 1, 1)?;
                let n = name(verb, "counter name", &a[0])?;
                if p.counters.contains(&n) {
                    return Err(err(verb, format!("counter `{n}` declared twice")));
                }
                p.counters.push(n);
                Ok(Value::Nil)
            }
            "task" => self.task(a),
            "writes" | "reads" => {
                count(verb, a, 2, 2)?;
                let t = name(verb, "task", &a[0])?;
                let rings = names(verb, "ring", &a[1])?;
                for r in &rings {
                    if !p.rings.iter().any(|d| &d.name == r) {
                        return Err(err(verb, format!("unknown ring `{r}` (declare it first)")));
                    }
                }
                let task =
                    p.tasks.iter_mut().find(|d| d.name == t).ok_or_else(|| {
                        err(verb, format!("unknown task `{t}` (declare it first)"))
                    })?;
                if verb == "writes" {
                    task.writes.extend(rings);
                } else {
                    task.reads.extend(rings);
                }
                Ok(Value::Nil)
            }
            "timer" => self.timer(a),
            "pin" | "share" => {
                count(verb, a, 1, 1)?;
                let on = int(verb, "flag", &a[0])? != 0;
                if verb == "pin" {
                    p.pinning = on;
                } else {
                    p.shared_cpus = on;
                }
                Ok(Value::Nil)
            }
            "fuel" => {
                count(verb, a, 1, 1)?;
                p.fuel = nat(verb, "reductions", &a[0])?.max(1);
                Ok(Value::Nil)
            }
            "mailbox" => {
                count(verb, a, 1, 1)?;
                p.mailbox = Some(nat(verb, "capacity", &a[0])? as usize);
                Ok(Value::Nil)
            }
            "print" => {
                count(verb, a, 1, 1)?;
                println!("{}", super::table::show(&a[0]));
                Ok(a[0].clone())
            }
            _ => Err(err(verb, "not a boot verb")),
        }
    }

    fn core(&mut self, a: &[Value]) -> Result<Value, OError> {
        let verb = "core";
        count(verb, a, 4, 4)?;
        let n = name(verb, "core name", &a[0])?;
        if self.plan.cores.iter().any(|c| c.0.name == n) {
            return Err(err(verb, format!("core `{n}` declared twice")));
        }
        let cpu = nat(verb, "cpu", &a[1])? as usize;
        if !self.cpus.contains(&cpu) {
            return Err(err(
                verb,
                format!(
                    "cpu {cpu} of core `{n}` is not usable here (usable: {:?})",
                    self.cpus
                ),
            ));
        }
        let mut spec = match name(verb, "role", &a[2])?.as_str() {
            "bsp" => CoreSpec::bsp(&n, cpu),
            "ap" => CoreSpec::ap(&n, cpu),
            r => return Err(err(verb, format!("role must be `bsp or `ap, found `{r}"))),
        };
        for r in names(verb, "reactor", &a[3])? {
            spec = match r.as_str() {
                "tasks" => spec.tasks(),
                "timers" => spec.timers(),
                "io" => spec.io(),
                "all" => spec.all(),
                o => {
                    return Err(err(
                        verb,
                        format!("reactor must be `tasks, `timers, `io or `all, found `{o}"),
                    ));
                }
            };
        }
        self.plan.cores.push((spec, self.here));
        Ok(Value::Nil)
    }

    fn sector(&mut self, a: &[Value]) -> Result<Value, OError> {
        let verb = "sector";
        count(verb, a, 4, 5)?;
        let n = name(verb, "sector name", &a[0])?;
        if self.plan.sectors.iter().any(|s| s.name == n) {
            return Err(err(verb, format!("sector `{n}` declared twice")));
        }
        let slots = nat(verb, "slots", &a[1])? as usize;
        let topics = names(verb, "topic", &a[2])?;
        let proportions: Vec<usize> = match &a[3] {
            Value::Int(i) if *i > 0 => vec![*i as usize],
            Value::Ints(v) if v.iter().all(|&x| x > 0) => v.iter().map(|&x| x as usize).collect(),
            v => {
                return Err(err(
                    verb,
                    format!(
                        "proportions must be positive ints, found {}",
                        super::table::show(v)
                    ),
                ));
            }
        };
        if proportions.len() != topics.len() {
            return Err(err(
                verb,
                format!(
                    "{} topics but {} proportions",
                    topics.len(),
                    proportions.len()
                ),
            ));
        }
        let mode = topic_mode(verb, a.get(4), false)?;
        let sector = enso_ring::sector::Sector::<u64>::new(slots, &proportions)
            .map_err(|e| err(verb, format!("sector `{n}`: {e}")))?;
        let caps = sector.capacities();
        for t in &topics {
            self.plan.check_free_name(verb, t)?;
        }
        let at = self.here;
        for (i, (t, c)) in topics.into_iter().zip(caps).enumerate() {
            self.plan.topics.push(TopicDecl {
                name: t,
                capacity: c,
                mode,
                sector: Some((n.clone(), i)),
                at,
            });
        }
        self.plan.sectors.push(SectorDecl {
            name: n,
            slots,
            proportions,
            at,
        });
        Ok(Value::Nil)
    }

    fn core_mut(&mut self, verb: &str, v: &Value) -> Result<&mut CoreSpec, OError> {
        let n = name(verb, "core", v)?;
        self.plan
            .cores
            .iter_mut()
            .find(|c| c.0.name == n)
            .map(|c| &mut c.0)
            .ok_or_else(|| err(verb, format!("unknown core `{n}` (declare it first)")))
    }

    fn task(&mut self, a: &[Value]) -> Result<Value, OError> {
        let verb = "task";
        count(verb, a, 4, 5)?;
        let n = name(verb, "task name", &a[0])?;
        if self.plan.tasks.iter().any(|t| t.name == n) {
            return Err(err(verb, format!("task `{n}` declared twice")));
        }
        let core = self.core_mut(verb, &a[1])?;
        if !core.reactors.tasks {
            return Err(err(
                verb,
                format!("core `{}` does not run the tasks reactor", core.name),
            ));
        }
        let core = core.name.clone();
        let prio = nat(verb, "priority", &a[2])?;
        let priority = u8::try_from(prio)
            .map_err(|_| err(verb, format!("priority {prio} is not within 0..255")))?;
        let body = match &a[3] {
            Value::Sym(s) => {
                let arg = match a.get(4) {
                    Some(v) => nat(verb, "argument", v)?,
                    None => 0,
                };
                Body::Rust(s.to_string(), arg)
            }
            v => Body::O(text(
                verb,
                "body (O source, or a registered task's symbol)",
                v,
            )?),
        };
        if let Body::O(src) = &body {
            // A task's script must parse: report it here, not on its core.
            if let Err(e) = enso_o::parser::parse(src) {
                return Err(err(verb, format!("script of task `{n}`: {}", e.render())));
            }
        }
        self.plan.tasks.push(TaskDecl {
            name: n,
            core,
            priority,
            body,
            writes: Vec::new(),
            reads: Vec::new(),
            at: self.here,
        });
        Ok(Value::Nil)
    }

    fn timer(&mut self, a: &[Value]) -> Result<Value, OError> {
        let verb = "timer";
        count(verb, a, 5, 6)?;
        let n = name(verb, "timer name", &a[0])?;
        if self.plan.timers.iter().any(|t| t.name == n) {
            return Err(err(verb, format!("timer `{n}` declared twice")));
        }
        let core = self.core_mut(verb, &a[1])?;
        if !core.reactors.timers {
            return Err(err(
                verb,
                format!("core `{}` does not run the timers reactor", core.name),
            ));
        }
        let core = core.name.clone();
        let d = Duration::from_nanos(millis(verb, "time", &a[3])?);
        let kind = match name(verb, "kind", &a[2])?.as_str() {
            "every" if !d.is_zero() => TimerKind::Interval(d),
            "every" => return Err(err(verb, "an interval must be longer than 0 ms")),
            "after" => TimerKind::Oneshot(d),
            k => {
                return Err(err(
                    verb,
                    format!("kind must be `every or `after, found `{k}"),
                ));
            }
        };
        let task = name(verb, "task", &a[4])?;
        if !self.plan.tasks.iter().any(|t| t.name == task) {
            return Err(err(
                verb,
                format!("unknown task `{task}` (declare it first)"),
            ));
        }
        let target = match a.get(5) {
            Some(w) => TimerTarget::Send {
                task,
                word: nat(verb, "word", w)?,
            },
            None => TimerTarget::Wake(task),
        };
        self.plan.timers.push(TimerDecl {
            name: n,
            core,
            kind,
            target,
            at: self.here,
        });
        Ok(Value::Nil)
    }
}

/// A topic's backpressure argument (`overwrite` only where allowed).
fn topic_mode(verb: &str, v: Option<&Value>, lossy: bool) -> Result<TopicMode, OError> {
    let Some(v) = v else {
        return Ok(TopicMode::Block);
    };
    match name(verb, "backpressure", v)?.as_str() {
        "block" => Ok(TopicMode::Block),
        "fail" => Ok(TopicMode::Fail),
        "overwrite" if lossy => Ok(TopicMode::Overwrite),
        o => Err(err(
            verb,
            if lossy {
                format!("backpressure must be `block, `fail or `overwrite, found `{o}")
            } else {
                format!("backpressure must be `block or `fail, found `{o}")
            },
        )),
    }
}

impl Plan {
    /// Refuses a ring or topic name already declared.
    fn check_free_name(&self, verb: &str, n: &str) -> Result<(), OError> {
        if self.rings.iter().any(|r| r.name == n) || self.topics.iter().any(|t| t.name == n) {
            return Err(err(verb, format!("ring or topic `{n}` declared twice")));
        }
        Ok(())
    }

    /// Builds the declared topics into `shell`.
    fn build_topics(&self, shell: &Shell) -> Result<(), BootError> {
        for s in &self.sectors {
            let sector = enso_ring::sector::Sector::<u64>::new(s.slots, &s.proportions)
                .map_err(|e| self.error_at(s.at, format!("sector `{}`: {e}", s.name)))?;
            let mut carves = sector.into_carves().into_iter();
            for t in &self.topics {
                if t.sector.as_ref().is_some_and(|x| x.0 == s.name) {
                    let c = carves.next().ok_or_else(|| {
                        self.error_at(s.at, format!("sector `{}`: too few carves", s.name))
                    })?;
                    let topic = Topic::on_carve(&t.name, c, t.mode, &s.name)
                        .map_err(|e| self.error_at(t.at, format!("topic `{}`: {e}", t.name)))?;
                    shell.add_topic(topic);
                }
            }
        }
        for t in self.topics.iter().filter(|t| t.sector.is_none()) {
            let topic = Topic::new(&t.name, t.capacity, t.mode)
                .map_err(|e| self.error_at(t.at, format!("topic `{}`: {e}", t.name)))?;
            shell.add_topic(topic);
        }
        Ok(())
    }

    fn error_at(&self, at: usize, message: String) -> BootError {
        let (line, column, text) = position(&self.src, at);
        BootError {
            file: self.file.clone(),
            line,
            column,
            text,
            message,
        }
    }

    /// The BSP's name, if one was declared.
    pub fn bsp(&self) -> Option<&str> {
        self.cores
            .iter()
            .find(|c| c.0.role == crate::Role::Bsp)
            .map(|c| c.0.name.as_str())
    }

    /// Builds and validates the topology: the declared cores, rings,
    /// counters, tasks and timers, every registered Rust task, and the zero
    /// task on the BSP. `shell` is shared by every O task.
    pub fn topology(&self, shell: &Arc<Shell>) -> Result<Topology, BootError> {
        let end = self.src.trim_end().len();
        let Some(bsp) = self.bsp() else {
            return Err(self.error_at(
                end,
                "no core has role `bsp (declare one with core[...;`bsp;...])".into(),
            ));
        };
        shell.set_fuel(self.fuel);
        self.build_topics(shell)?;
        let mut b = Kernel::builder()
            .pinning(self.pinning)
            .allow_shared_cpus(self.shared_cpus);
        if let Some(m) = self.mailbox {
            b = b.mailbox(m);
        }
        for (c, _) in &self.cores {
            b = b.core(c.clone());
        }
        for r in &self.rings {
            shell.set_policy(&r.name, r.backpressure);
            b = b.ring(&r.name, r.capacity);
        }
        for c in &self.counters {
            b = b.counter(c);
        }
        let registry = shell.registry();
        for (name, f) in registry.entries() {
            let f = f.clone();
            b = b.register(name, move |arg| f(arg));
        }
        for t in &self.tasks {
            let mut spec = match &t.body {
                Body::O(src) => {
                    let (sh, src, name) = (shell.clone(), src.clone(), t.name.clone());
                    TaskSpec::new(&t.name, &t.core, move || {
                        DynTask::new(OTask::script(sh, &name, &src, None))
                    })
                }
                Body::Rust(reg, arg) => {
                    let f = registry.get(reg).ok_or_else(|| {
                        let names: Vec<&str> = registry.names().collect();
                        self.error_at(
                            t.at,
                            format!("task `{}`: no Rust task registered as `{reg}` (registered: {names:?})", t.name),
                        )
                    })?;
                    let arg = *arg;
                    TaskSpec::new(&t.name, &t.core, move || f(arg))
                }
            };
            spec = spec.priority(t.priority);
            for r in &t.writes {
                spec = spec.writes(r);
            }
            for r in &t.reads {
                spec = spec.reads(r);
            }
            b = b.task(spec);
        }
        if !self.tasks.iter().any(|t| t.name == "zero") {
            let sh = shell.clone();
            b = b.task(TaskSpec::new("zero", bsp, move || OTask::zero(sh)).priority(ZERO_PRIORITY));
        }
        for t in &self.timers {
            b = b.timer(&t.name, &t.core, t.kind, t.target.clone());
        }
        b.build().map_err(|e| self.locate(e))
    }

    /// Finds the declaration a topology error is about.
    fn locate(&self, e: TopologyError) -> BootError {
        let msg = e.to_string();
        let names = self
            .tasks
            .iter()
            .map(|t| (&t.name, t.at))
            .chain(self.timers.iter().map(|t| (&t.name, t.at)))
            .chain(self.rings.iter().map(|r| (&r.name, r.at)))
            .chain(self.cores.iter().map(|c| (&c.0.name, c.1)));
        let mut at = self.src.trim_end().len();
        for (n, a) in names {
            if msg.contains(&format!("`{n}`")) {
                at = a;
                break;
            }
        }
        self.error_at(at, msg)
    }
}
