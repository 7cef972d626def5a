//! From a plan to a validated topology: topics, tasks, the zero task.

use std::sync::Arc;

use super::{Body, BootError, Plan, ZERO_PRIORITY};
use enso_o::OError;

use crate::shell::args::err;
use crate::shell::otask::OTask;
use crate::shell::registry::DynTask;
use crate::shell::script::position;
use crate::shell::state::Shell;
use crate::shell::topic::Topic;
use crate::{Kernel, TaskSpec, Topology, TopologyError};

impl Plan {
    /// Refuses a ring or topic name already declared.
    pub(super) fn check_free_name(&self, verb: &str, n: &str) -> Result<(), OError> {
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

    pub(super) fn error_at(&self, at: usize, message: String) -> BootError {
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
