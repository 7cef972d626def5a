//! Validation: checking a [`KernelBuilder`](crate::KernelBuilder)'s declarations and resolving
//! every name to an index. Each check returns the first error it finds,
//! naming the field at fault.

use std::collections::HashMap;

use crate::error::TopologyError;
use crate::ids::{CoreIndex, CounterId, RingId};
use crate::task::BoxedTask;
use crate::topology::{
    CoreSpec, IdlePolicy, MAX_CORES, Role, TaskSpec, TimerKind, TimerSpec, TimerTarget,
};

pub(crate) fn check_cores(
    cores: &[CoreSpec],
    shared_cpus: bool,
    cpus: &[usize],
) -> Result<HashMap<String, usize>, TopologyError> {
    if cores.is_empty() {
        return Err(TopologyError::NoCores);
    }
    if cores.len() > MAX_CORES {
        return Err(TopologyError::TooManyCores {
            count: cores.len(),
            max: MAX_CORES,
        });
    }
    let index = index_names("core", cores.iter().map(|c| c.name.as_str()))?;
    let mut bsp: Option<&str> = None;
    let mut cpu_owner: HashMap<usize, &str> = HashMap::new();
    for c in cores {
        if c.role == Role::Bsp {
            if let Some(first) = bsp {
                return Err(TopologyError::SecondBsp {
                    first: first.into(),
                    second: c.name.clone(),
                });
            }
            bsp = Some(&c.name);
        }
        if !cpus.contains(&c.cpu) {
            return Err(TopologyError::CpuOutOfRange {
                field: format!("core `{}`.cpu", c.name),
                cpu: c.cpu,
                available: cpus.to_vec(),
            });
        }
        if let Some(other) = cpu_owner.insert(c.cpu, &c.name)
            && !shared_cpus
        {
            return Err(TopologyError::SharedCpu {
                core: c.name.clone(),
                other: other.into(),
                cpu: c.cpu,
            });
        }
        check_core_limits(c)?;
    }
    if bsp.is_none() {
        return Err(TopologyError::NoBsp);
    }
    Ok(index)
}

fn check_core_limits(c: &CoreSpec) -> Result<(), TopologyError> {
    for (what, q) in [
        ("bus", c.quanta.bus),
        ("io", c.quanta.io),
        ("tasks", c.quanta.tasks),
    ] {
        if q == 0 {
            return Err(TopologyError::Zero {
                field: format!("core `{}`.quanta.{what}", c.name),
            });
        }
    }
    if c.max_tasks == 0 || c.max_tasks > crate::ids::MAX_SLOTS {
        return Err(TopologyError::OutOfRange {
            field: format!("core `{}`.max_tasks", c.name),
            value: c.max_tasks as u64,
            max: crate::ids::MAX_SLOTS as u64,
        });
    }
    if c.max_timers == 0 || c.max_timers > enso_sched::MAX_CAPACITY {
        return Err(TopologyError::OutOfRange {
            field: format!("core `{}`.max_timers", c.name),
            value: c.max_timers as u64,
            max: enso_sched::MAX_CAPACITY as u64,
        });
    }
    if let IdlePolicy::SpinThenPark(d) = c.idle
        && d.is_zero()
    {
        return Err(TopologyError::Zero {
            field: format!("core `{}`.idle.spin", c.name),
        });
    }
    check_rt(c)
}

/// A core's real-time configuration: EDF needs the task reactor, and the
/// admission costs are bounded so the overhead term cannot overflow.
fn check_rt(c: &CoreSpec) -> Result<(), TopologyError> {
    if c.rt.dispatch == crate::rt::Dispatch::Edf && !c.reactors.tasks {
        return Err(TopologyError::MissingReactor {
            what: format!("core `{}`.rt.dispatch edf", c.name),
            core: c.name.clone(),
            reactor: "tasks",
        });
    }
    for (what, v, max) in [
        ("event_cost_ns", c.rt.event_cost_ns, 1_000_000_000),
        (
            "background_poll_ns",
            c.rt.background_poll_ns,
            crate::rt::MAX_RT_NS,
        ),
    ] {
        if v > max {
            return Err(TopologyError::OutOfRange {
                field: format!("core `{}`.rt.{what}", c.name),
                value: v,
                max,
            });
        }
    }
    Ok(())
}

pub(crate) fn check_pow2(field: &str, value: usize) -> Result<(), TopologyError> {
    if !value.is_power_of_two() {
        Err(TopologyError::NotPowerOfTwo {
            field: field.into(),
            value,
        })
    } else if value > enso_ring::MAX_CAPACITY {
        Err(TopologyError::OutOfRange {
            field: field.into(),
            value: value as u64,
            max: enso_ring::MAX_CAPACITY as u64,
        })
    } else {
        Ok(())
    }
}

pub(crate) fn index_names<'a>(
    kind: &'static str,
    names: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, usize>, TopologyError> {
    let mut map = HashMap::new();
    for (i, n) in names.enumerate() {
        if n.is_empty() {
            return Err(TopologyError::EmptyName { kind, index: i });
        }
        if map.insert(n.to_string(), i).is_some() {
            return Err(TopologyError::DuplicateName {
                kind,
                name: n.into(),
            });
        }
    }
    Ok(map)
}

fn lookup(
    map: &HashMap<String, usize>,
    field: String,
    name: &str,
    kind: &'static str,
) -> Result<usize, TopologyError> {
    map.get(name)
        .copied()
        .ok_or_else(|| TopologyError::Unknown {
            kind,
            field,
            name: name.into(),
        })
}

/// A boot task with every name resolved.
pub(crate) struct BootTask {
    pub name: String,
    pub core: CoreIndex,
    pub priority: u8,
    pub writes: Vec<RingId>,
    pub reads: Vec<RingId>,
    pub counters: Vec<CounterId>,
    pub rt: Option<crate::rt::RtParams>,
    pub make: Box<dyn FnOnce() -> BoxedTask + Send>,
}

/// Admission control of the boot-time periodic tasks, per core in
/// declaration order: the first that makes some task miss is refused.
pub(crate) fn check_rt_tasks(tasks: &[BootTask], cores: &[CoreSpec]) -> Result<(), TopologyError> {
    for (c, spec) in cores.iter().enumerate() {
        let overhead = crate::rt::admit::overhead_of(spec.quanta, spec.rt);
        let mut set: Vec<(&str, enso_sched::Task)> = Vec::new();
        for t in tasks.iter().filter(|t| t.core.get() == c) {
            let Some(p) = t.rt else { continue };
            let err = |error| TopologyError::RealTime {
                task: t.name.clone(),
                error,
            };
            p.check().map_err(err)?;
            crate::rt::admit::check(
                &spec.name,
                spec.rt.dispatch,
                overhead,
                &set,
                &t.name,
                p.model(),
            )
            .map_err(err)?;
            set.push((&t.name, p.model()));
        }
    }
    Ok(())
}

pub(crate) fn resolve_tasks(
    tasks: Vec<TaskSpec>,
    cores: &[CoreSpec],
    core_index: &HashMap<String, usize>,
    rings: &HashMap<String, usize>,
    counters: &HashMap<String, usize>,
) -> Result<Vec<BootTask>, TopologyError> {
    let mut per_core = vec![0usize; cores.len()];
    let mut writer: HashMap<usize, String> = HashMap::new();
    let mut reader: HashMap<usize, String> = HashMap::new();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        let c = lookup(
            core_index,
            format!("task `{}`.core", t.name),
            &t.core,
            "core",
        )?;
        if !cores[c].reactors.tasks {
            return Err(TopologyError::MissingReactor {
                what: format!("task `{}`", t.name),
                core: t.core,
                reactor: "tasks",
            });
        }
        per_core[c] += 1;
        if per_core[c] > cores[c].max_tasks {
            return Err(TopologyError::OutOfRange {
                field: format!("core `{}`.max_tasks (boot tasks)", t.core),
                value: per_core[c] as u64,
                max: cores[c].max_tasks as u64,
            });
        }
        let mut writes = Vec::new();
        for r in &t.writes {
            let i = lookup(rings, format!("task `{}`.writes", t.name), r, "ring")?;
            if let Some(first) = writer.insert(i, t.name.clone()) {
                return Err(TopologyError::RingEndTaken {
                    ring: r.clone(),
                    end: "write",
                    first,
                    second: t.name,
                });
            }
            writes.push(RingId(i as u32));
        }
        let mut reads = Vec::new();
        for r in &t.reads {
            let i = lookup(rings, format!("task `{}`.reads", t.name), r, "ring")?;
            if let Some(first) = reader.insert(i, t.name.clone()) {
                return Err(TopologyError::RingEndTaken {
                    ring: r.clone(),
                    end: "read",
                    first,
                    second: t.name,
                });
            }
            reads.push(RingId(i as u32));
        }
        let mut ctrs = Vec::new();
        for n in &t.counters {
            ctrs.push(CounterId(lookup(
                counters,
                format!("task `{}`.counters", t.name),
                n,
                "counter",
            )? as u32));
        }
        out.push(BootTask {
            name: t.name,
            core: CoreIndex(c as u8),
            priority: t.priority,
            writes,
            reads,
            counters: ctrs,
            rt: t.rt,
            make: t.make,
        });
    }
    Ok(out)
}

/// A boot timer with every name resolved.
#[derive(Clone, Debug)]
pub(crate) struct BootTimer {
    pub core: CoreIndex,
    pub kind: TimerKind,
    /// Index of the boot task it targets.
    pub task: usize,
    /// `Some(word)`: deliver the word; `None`: wake.
    pub word: Option<u64>,
}

pub(crate) fn resolve_timers(
    timers: Vec<TimerSpec>,
    cores: &[CoreSpec],
    core_index: &HashMap<String, usize>,
    tasks: &HashMap<String, usize>,
) -> Result<Vec<BootTimer>, TopologyError> {
    let mut out = Vec::with_capacity(timers.len());
    for t in timers {
        let c = lookup(
            core_index,
            format!("timer `{}`.core", t.name),
            &t.core,
            "core",
        )?;
        if !cores[c].reactors.timers {
            return Err(TopologyError::MissingReactor {
                what: format!("timer `{}`", t.name),
                core: t.core,
                reactor: "timers",
            });
        }
        let d = match t.kind {
            TimerKind::Oneshot(d) | TimerKind::Interval(d) => d,
        };
        if matches!(t.kind, TimerKind::Interval(_)) && d.is_zero() {
            return Err(TopologyError::Zero {
                field: format!("timer `{}`.period", t.name),
            });
        }
        let (name, word) = match &t.target {
            TimerTarget::Wake(n) => (n, None),
            TimerTarget::Send { task, word } => (task, Some(*word)),
        };
        let task = lookup(tasks, format!("timer `{}`.target", t.name), name, "task")?;
        out.push(BootTimer {
            core: CoreIndex(c as u8),
            kind: t.kind,
            task,
            word,
        });
    }
    Ok(out)
}
