//! The declaration verbs of boot scripts, as an O host.

use std::io::Write;
use std::time::Duration;

use enso_o::host::{Host, HostResult};
use enso_o::{OError, Value};

use super::{Body, Plan, RingDecl, SectorDecl, TaskDecl, TimerDecl, TopicDecl};
use crate::shell::args::{count, err, int, list, millis, name, names, nat, text};
use crate::shell::state::Backpressure;
use crate::shell::topic::TopicMode;
use crate::{CoreSpec, IdlePolicy, Quanta, TimerKind, TimerTarget};

pub(super) const VERBS: [&str; 18] = [
    "core", "quanta", "idle", "slots", "dispatch", "ring", "topic", "sector", "counter", "task",
    "writes", "reads", "timer", "pin", "share", "fuel", "mailbox", "print",
];

pub(super) struct BootHost<'a> {
    pub(super) plan: &'a mut Plan,
    pub(super) cpus: &'a [usize],
    /// Offset of the failing verb's name in the statement.
    pub(super) verb_at: Option<usize>,
    pub(super) text: &'a str,
    /// Offset of the statement in the script.
    pub(super) offset: usize,
    /// Offset of the current verb's declaration in the script.
    pub(super) here: usize,
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
                                crate::shell::table::show(v)
                            ),
                        ));
                    }
                };
                self.core_mut(verb, &a[0])?.idle = policy;
                Ok(Value::Nil)
            }
            "dispatch" => {
                count(verb, a, 2, 2)?;
                let d = match name(verb, "policy", &a[1])?.as_str() {
                    "fp" => crate::Dispatch::FixedPriority,
                    "edf" => crate::Dispatch::Edf,
                    o => return Err(err(verb, format!("policy must be `fp or `edf, found `{o}"))),
                };
                let c = self.core_mut(verb, &a[0])?.clone();
                *self.core_mut(verb, &a[0])? = c.dispatch(d);
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
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{}", crate::shell::table::show(&a[0]));
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
                        crate::shell::table::show(v)
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
