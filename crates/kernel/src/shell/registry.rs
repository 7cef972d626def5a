//! Rust tasks registered by name, for boot scripts and the `spawn` verb.
//!
//! A boot script names a Rust task by a symbol (`` task[`feed;`c1;200;`market.feed] ``);
//! the [`Registry`] turns the name into a task. Every registered name is also
//! registered with the kernel ([`crate::KernelBuilder::register`]), so
//! `` spawn[`c1;100;`market.feed] `` works at run time.

use std::sync::Arc;
use std::task::Poll;

use crate::{Context, Task};

/// A registered task with its type erased (output dropped).
pub struct DynTask(Box<dyn ErasedTask>);

trait ErasedTask: Send {
    fn poll_erased(&mut self, cx: &mut Context<'_>) -> Poll<()>;
}

impl<T: Task> ErasedTask for T {
    fn poll_erased(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.poll(cx).map(|_| ())
    }
}

impl DynTask {
    /// Erases `task`.
    pub fn new<T: Task>(task: T) -> DynTask {
        DynTask(Box::new(task))
    }
}

impl Task for DynTask {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0.poll_erased(cx)
    }
}

/// Builds a registered task from its argument word.
pub type Factory = Arc<dyn Fn(u64) -> DynTask + Send + Sync>;

/// Named task factories.
#[derive(Clone, Default)]
pub struct Registry {
    entries: Vec<(String, Factory)>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| &e.0))
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers `make` under `name` (a later registration of the same name wins).
    pub fn add<T: Task, F>(&mut self, name: &str, make: F)
    where
        F: Fn(u64) -> T + Send + Sync + 'static,
    {
        self.entries.retain(|e| e.0 != name);
        self.entries.push((
            name.to_string(),
            Arc::new(move |arg| DynTask::new(make(arg))),
        ));
    }

    /// The factory registered as `name`.
    pub fn get(&self, name: &str) -> Option<Factory> {
        self.entries
            .iter()
            .find(|e| e.0 == name)
            .map(|e| e.1.clone())
    }

    /// Every registered name, in registration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.0.as_str())
    }

    /// Every entry.
    pub(crate) fn entries(&self) -> &[(String, Factory)] {
        &self.entries
    }
}
