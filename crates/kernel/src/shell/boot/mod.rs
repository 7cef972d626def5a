//! Boot scripts: an O script whose system verbs declare the topology.
//!
//! [`evaluate`] runs the script one top-level statement at a time in an O
//! interpreter whose only system verbs are declarations (`core`, `quanta`,
//! `idle`, `slots`, `ring`, `topic`, `sector`, `counter`, `task`, `writes`,
//! `reads`, `timer`, `pin`, `share`, `fuel`, `mailbox`); plain O (names, lambdas,
//! conditions) works too, and `ncpu` and `cpus` describe the machine.
//! The result is a [`Plan`]; [`Plan::topology`] turns it into a validated
//! [`Topology`](crate::Topology). Nothing starts before both have succeeded, and every error
//! names the file, line and column of the statement at fault (see
//! `etc/README.md` for the reference of every verb).

mod build;
mod declare;

use std::fmt;

use enso_o::{Arity, Interp, Value};

use super::script::split;
use super::state::Backpressure;
use super::topic::TopicMode;
use crate::{CoreSpec, TimerKind, TimerTarget};

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
    for v in declare::VERBS {
        o.register(v, Arity::Variadic);
    }
    o.set("ncpu", Value::Int(cpus.len() as i64));
    o.set(
        "cpus",
        Value::ints(cpus.iter().map(|&c| c as i64).collect()),
    );
    for st in split(src) {
        let mut host = declare::BootHost {
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
