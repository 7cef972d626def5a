//! Adverbs as resumable jobs.
//!
//! A derived verb that calls a function (each, over, scan, converge, while,
//! each-prior, each-left/right, and the `f#x` / `f_x` filters) becomes a
//! [`Job`]: a small state machine on the machine's control stack that asks
//! for one function call at a time and is resumed with its result. So an
//! adverb over a lambda never recurses on the Rust stack and can be
//! preempted between any two calls. Primitive verbs over vectors take
//! native fast paths (`+/` on ints is a tight summing loop).

use crate::error::{OError, OResult, expected, length, valence as valence_err};
use crate::value::{Adverb, Arity, Func, Value, Verb};
use crate::verbs::{self, atomic, list, matches, truthy};

/// What a job wants next.
pub(crate) enum Step {
    /// Apply a function to arguments and resume with the result.
    Call(Value, Vec<Value>),
    /// The job is finished with this value.
    Done(Value),
}

/// A resumable computation on the control stack.
pub(crate) trait Job: Send {
    /// Advances the job; `input` is the result of the call it last asked for.
    fn step(&mut self, input: Option<Value>) -> OResult<Step>;
}

/// The result of applying a derived verb.
pub(crate) enum Action {
    Value(Value),
    Job(Box<dyn Job>),
    Call(Value, Vec<Value>),
}

/// How many arguments a function takes (0 for nouns), as oK's `valence`.
pub fn valence(f: &Value) -> usize {
    match f.as_func() {
        None => 0,
        Some(Func::Lambda(l)) => l.chunk.nparams,
        Some(Func::Proj(g, args)) => {
            let holes = args.iter().filter(|a| matches!(a, Value::Nil)).count();
            holes + valence(g).saturating_sub(args.len())
        }
        Some(Func::Prim(_)) => 2,
        Some(Func::Monad(_) | Func::Curry(..) | Func::Train(_)) => 1,
        Some(Func::Derived(g, Adverb::Each)) => valence(g),
        Some(Func::Derived(..)) => 1,
        Some(Func::Host { arity, .. }) => match arity {
            Arity::Monadic => 1,
            _ => 2,
        },
    }
}

/// Post-processing of a map job's results.
enum Post {
    List,
    Dict(Value),
    Filter(Value, bool),
}

struct MapJob {
    f: Value,
    calls: std::vec::IntoIter<Vec<Value>>,
    out: Vec<Value>,
    post: Post,
}

impl Job for MapJob {
    fn step(&mut self, input: Option<Value>) -> OResult<Step> {
        if let Some(v) = input {
            self.out.push(v);
        }
        if let Some(args) = self.calls.next() {
            return Ok(Step::Call(self.f.clone(), args));
        }
        let out = Value::from_items(std::mem::take(&mut self.out));
        Ok(Step::Done(match &self.post {
            Post::List => out,
            Post::Dict(keys) => Value::dict(keys.clone(), out),
            Post::Filter(data, keep) => {
                let bools = if *keep { out } else { atomic::not(&out)? };
                let w = list::where_(&bools)?;
                match data {
                    Value::Dict(d) => {
                        let keys = verbs::index::at(&d.keys, &w)?;
                        Value::dict(keys.clone(), verbs::index::at(data, &keys)?)
                    }
                    _ => verbs::index::at(data, &w)?,
                }
            }
        }))
    }
}

fn map_job(f: &Value, calls: Vec<Vec<Value>>, post: Post) -> Action {
    let n = calls.len();
    Action::Job(Box::new(MapJob {
        f: f.clone(),
        calls: calls.into_iter(),
        out: Vec::with_capacity(n),
        post,
    }))
}

struct FoldJob {
    f: Value,
    acc: Value,
    rows: std::vec::IntoIter<Vec<Value>>,
    scan: Option<Vec<Value>>,
}

impl Job for FoldJob {
    fn step(&mut self, input: Option<Value>) -> OResult<Step> {
        if let Some(v) = input {
            if let Some(s) = &mut self.scan {
                s.push(v.clone());
            }
            self.acc = v;
        }
        if let Some(row) = self.rows.next() {
            let mut args = Vec::with_capacity(row.len() + 1);
            args.push(self.acc.clone());
            args.extend(row);
            return Ok(Step::Call(self.f.clone(), args));
        }
        Ok(Step::Done(match self.scan.take() {
            Some(s) => Value::from_items(s),
            None => std::mem::replace(&mut self.acc, Value::Nil),
        }))
    }
}

struct ConvergeJob {
    f: Value,
    start: Value,
    prev: Value,
    scan: Option<Vec<Value>>,
}

impl Job for ConvergeJob {
    fn step(&mut self, input: Option<Value>) -> OResult<Step> {
        if let Some(r) = input {
            if matches(&r, &self.prev) || matches(&r, &self.start) {
                return Ok(Step::Done(match self.scan.take() {
                    Some(s) => Value::from_items(s),
                    None => self.prev.clone(),
                }));
            }
            if let Some(s) = &mut self.scan {
                list::check_size(s.len() + 1)?;
                s.push(r.clone());
            }
            self.prev = r;
        }
        Ok(Step::Call(self.f.clone(), vec![self.prev.clone()]))
    }
}

struct DoJob {
    f: Value,
    left: usize,
    y: Value,
    scan: Option<Vec<Value>>,
}

impl Job for DoJob {
    fn step(&mut self, input: Option<Value>) -> OResult<Step> {
        if let Some(v) = input {
            if let Some(s) = &mut self.scan {
                list::check_size(s.len() + 1)?;
                s.push(v.clone());
            }
            self.y = v;
        }
        if self.left == 0 {
            return Ok(Step::Done(match self.scan.take() {
                Some(s) => Value::from_items(s),
                None => self.y.clone(),
            }));
        }
        self.left -= 1;
        Ok(Step::Call(self.f.clone(), vec![self.y.clone()]))
    }
}

struct WhileJob {
    pred: Value,
    f: Value,
    y: Value,
    testing: bool,
    scan: Option<Vec<Value>>,
}

impl Job for WhileJob {
    fn step(&mut self, input: Option<Value>) -> OResult<Step> {
        if let Some(v) = input {
            if !self.testing {
                if let Some(s) = &mut self.scan {
                    list::check_size(s.len() + 1)?;
                    s.push(v.clone());
                }
                self.y = v;
                self.testing = true;
                return Ok(Step::Call(self.pred.clone(), vec![self.y.clone()]));
            }
            if !truthy(&v) {
                let done = match self.scan.take() {
                    Some(s) => Value::from_items(s),
                    None => self.y.clone(),
                };
                return Ok(Step::Done(done));
            }
        }
        self.testing = false;
        Ok(Step::Call(self.f.clone(), vec![self.y.clone()]))
    }
}

fn need_list(x: &Value) -> OResult<()> {
    if x.is_list() {
        Ok(())
    } else {
        Err(expected("list", x.type_name()))
    }
}

/// A primitive that can run natively inside a fold (no function arguments).
fn native(f: &Value) -> Option<Verb> {
    match f.as_func() {
        Some(Func::Prim(v))
            if !matches!(
                v,
                Verb::At | Verb::Dot | Verb::Hash | Verb::Under | Verb::Query
            ) =>
        {
            Some(*v)
        }
        _ => None,
    }
}

fn native_over(v: Verb, x: &Value) -> OResult<Value> {
    match (v, x) {
        (Verb::Plus, Value::Ints(a)) => return Ok(Value::Int(atomic::sum_ints(a))),
        (Verb::Plus, Value::Floats(a)) => return Ok(Value::Float(atomic::sum_floats(a))),
        (Verb::Times, Value::Ints(a)) => {
            return Ok(Value::Int(a.iter().fold(1i64, |p, &b| p.wrapping_mul(b))));
        }
        (Verb::Times, Value::Floats(a)) => return Ok(Value::Float(a.iter().product())),
        (Verb::Or, Value::Ints(a)) => {
            return Ok(Value::Int(a.iter().copied().max().unwrap_or(i64::MIN)));
        }
        (Verb::And, Value::Ints(a)) => {
            return Ok(Value::Int(a.iter().copied().min().unwrap_or(i64::MAX)));
        }
        (Verb::Comma, Value::List(items)) => {
            let mut acc = items[0].clone();
            if items
                .iter()
                .all(|i| matches!(i, Value::Chars(_) | Value::Char(_)))
            {
                let mut s = Vec::new();
                for i in items.iter() {
                    match i {
                        Value::Chars(c) => s.extend_from_slice(c),
                        Value::Char(c) => s.push(*c),
                        _ => {}
                    }
                }
                return Ok(Value::chars(s));
            }
            let mut all = Vec::new();
            let mut flat = true;
            for i in items.iter() {
                if i.is_list() {
                    all.extend(i.items());
                } else if let Value::Dict(_) = i {
                    flat = false;
                    break;
                } else {
                    all.push(i.clone());
                }
            }
            if flat {
                return Ok(if all.is_empty() {
                    Value::empty()
                } else {
                    Value::from_items(all)
                });
            }
            for i in &items[1..] {
                acc = verbs::dyad(v, &acc, i)?;
            }
            return Ok(acc);
        }
        _ => {}
    }
    let mut acc = x.item(0);
    for i in 1..x.len() {
        acc = verbs::dyad(v, &acc, &x.item(i))?;
    }
    Ok(acc)
}

fn rows_of(args: &[Value]) -> OResult<Vec<Vec<Value>>> {
    let flipped = list::flip(&Value::List(std::sync::Arc::new(args.to_vec())))?;
    Ok((0..flipped.len())
        .map(|i| flipped.item(i).items())
        .collect())
}

fn noun_adverb(adv: Adverb, g: &Value, y: &Value) -> OResult<Value> {
    match adv {
        Adverb::Each => list::bin(g, y),
        Adverb::Over => list::pack(g, y),
        Adverb::Scan => list::unpack(g, y),
        Adverb::EachPrior => list::window(g, y),
        _ => Err(OError::new(
            crate::error::ErrorKind::Type,
            format!("invalid arguments to {}", adv.as_str()),
        )),
    }
}

fn each_prior_seed(g: &Value, x: &Value) -> Value {
    match g.as_func() {
        Some(Func::Prim(Verb::Plus | Verb::Minus)) => Value::Int(0),
        Some(Func::Prim(Verb::Times | Verb::Divide)) => Value::Int(1),
        Some(Func::Prim(Verb::And)) => list::first(x),
        Some(Func::Prim(Verb::Comma)) => Value::empty(),
        _ => Value::Int(i64::MIN),
    }
}

fn eachd(g: &Value, x: &Value, y: &Value) -> OResult<Action> {
    if let (Value::Dict(a), Value::Dict(_)) = (x, y) {
        let ry = verbs::index::at(y, &a.keys)?;
        let calls = pairs(&a.vals, &ry)?;
        return Ok(map_job(g, calls, Post::Dict(a.keys.clone())));
    }
    if !x.is_list() {
        need_list(y)?;
        return Ok(map_job(
            g,
            y.items().into_iter().map(|b| vec![x.clone(), b]).collect(),
            Post::List,
        ));
    }
    if !y.is_list() {
        return Ok(map_job(
            g,
            x.items().into_iter().map(|a| vec![a, y.clone()]).collect(),
            Post::List,
        ));
    }
    Ok(map_job(g, pairs(x, y)?, Post::List))
}

fn pairs(x: &Value, y: &Value) -> OResult<Vec<Vec<Value>>> {
    if x.len() != y.len() {
        return Err(length());
    }
    Ok(x.items()
        .into_iter()
        .zip(y.items())
        .map(|(a, b)| vec![a, b])
        .collect())
}

/// Applies derived verb `g adv` to `args` (one or two, or more for n-ary forms).
pub(crate) fn apply(g: &Value, adv: Adverb, args: Vec<Value>) -> OResult<Action> {
    let mut v = valence(g);
    if let Some(Func::Host {
        arity: Arity::Variadic,
        ..
    }) = g.as_func()
    {
        v = v.max(args.len());
    }
    if v > 2 && args.len() >= 2 {
        return nary(g, adv, args);
    }
    if v == 0 && !g.is_func() {
        let y = args.last().cloned().unwrap_or(Value::Nil);
        return Ok(Action::Value(noun_adverb(adv, g, &y)?));
    }
    if v == 0 || v > 2 {
        v = 1;
    }
    let (left, x) = match args.len() {
        1 => (None, args.into_iter().next().unwrap_or(Value::Nil)),
        2 => {
            let mut it = args.into_iter();
            let l = it.next().unwrap_or(Value::Nil);
            (Some(l), it.next().unwrap_or(Value::Nil))
        }
        _ => return Err(valence_err()),
    };
    match (adv, v, left) {
        (Adverb::Each, 1, None) => match &x {
            Value::Dict(d) => Ok(map_job(
                g,
                d.vals.items().into_iter().map(|i| vec![i]).collect(),
                Post::Dict(d.keys.clone()),
            )),
            _ => {
                need_list(&x)?;
                Ok(map_job(
                    g,
                    x.items().into_iter().map(|i| vec![i]).collect(),
                    Post::List,
                ))
            }
        },
        (Adverb::Each, _, None) => {
            need_list(&x)?;
            Ok(map_job(
                g,
                x.items().into_iter().map(|i| vec![i, Value::Nil]).collect(),
                Post::List,
            ))
        }
        (Adverb::Each, _, Some(l)) => eachd(g, &l, &x),
        (Adverb::Over, 1, None) => Ok(Action::Job(Box::new(ConvergeJob {
            f: g.clone(),
            start: x.clone(),
            prev: x,
            scan: None,
        }))),
        (Adverb::Scan, 1, None) => Ok(Action::Job(Box::new(ConvergeJob {
            f: g.clone(),
            start: x.clone(),
            prev: x.clone(),
            scan: Some(vec![x]),
        }))),
        (Adverb::Over | Adverb::Scan, 1, Some(l)) => {
            let scan = (adv == Adverb::Scan).then(|| vec![x.clone()]);
            if l.is_num() {
                let n = l.int()?.max(0) as usize;
                Ok(Action::Job(Box::new(DoJob {
                    f: g.clone(),
                    left: n,
                    y: x,
                    scan,
                })))
            } else {
                Ok(Action::Job(Box::new(WhileJob {
                    pred: l,
                    f: g.clone(),
                    y: x,
                    testing: false,
                    scan,
                })))
            }
        }
        (Adverb::Over, _, None) => over(g, x),
        (Adverb::Scan, _, None) => scan(g, x),
        (Adverb::Over | Adverb::Scan, _, Some(l)) => {
            let items = if x.is_list() { x.items() } else { vec![x] };
            if adv == Adverb::Scan && items.is_empty() {
                return Ok(Action::Value(Value::empty()));
            }
            if let (Some(vb), Adverb::Over) = (native(g), adv) {
                let mut acc = l;
                for i in &items {
                    acc = verbs::dyad(vb, &acc, i)?;
                }
                return Ok(Action::Value(acc));
            }
            let rows: Vec<Vec<Value>> = items.into_iter().map(|i| vec![i]).collect();
            let scan = (adv == Adverb::Scan).then(Vec::new);
            Ok(Action::Job(Box::new(FoldJob {
                f: g.clone(),
                acc: l,
                rows: rows.into_iter(),
                scan,
            })))
        }
        (Adverb::EachPrior, 1, Some(l)) => {
            let w = list::window(&l, &x)?;
            Ok(map_job(
                g,
                w.items().into_iter().map(|i| vec![i]).collect(),
                Post::List,
            ))
        }
        (Adverb::EachPrior, _, l) => {
            need_list(&x)?;
            let seed = match l {
                Some(s) => s,
                None => each_prior_seed(g, &x),
            };
            let items = x.items();
            let mut calls = Vec::with_capacity(items.len());
            let mut prev = seed;
            for it in items {
                calls.push(vec![it.clone(), prev]);
                prev = it;
            }
            Ok(map_job(g, calls, Post::List))
        }
        (Adverb::EachRight, _, Some(l)) => {
            let items = if x.is_list() {
                x.items()
            } else {
                return Err(expected("list", x.type_name()));
            };
            Ok(map_job(
                g,
                items.into_iter().map(|i| vec![l.clone(), i]).collect(),
                Post::List,
            ))
        }
        (Adverb::EachLeft, _, Some(l)) => {
            let items = if l.is_list() {
                l.items()
            } else {
                return Err(expected("list", l.type_name()));
            };
            Ok(map_job(
                g,
                items.into_iter().map(|i| vec![i, x.clone()]).collect(),
                Post::List,
            ))
        }
        _ => Err(OError::new(
            crate::error::ErrorKind::Type,
            format!("invalid arguments to {}", adv.as_str()),
        )),
    }
}

fn over(g: &Value, x: Value) -> OResult<Action> {
    if let (Value::Func(f), true) = (g, x.is_list() && x.is_empty())
        && let Func::Prim(v) = &**f
    {
        let r = match v {
            Verb::Plus => Some(Value::Int(0)),
            Verb::Times => Some(Value::Int(1)),
            Verb::Or => Some(Value::Float(f64::NEG_INFINITY)),
            Verb::And => Some(Value::Float(f64::INFINITY)),
            _ => None,
        };
        if let Some(r) = r {
            return Ok(Action::Value(r));
        }
    }
    if let Some(Func::Prim(Verb::Comma)) = g.as_func()
        && x.is_list()
        && x.len() == 1
    {
        let f = x.item(0);
        return Ok(Action::Value(if f.is_list() { f } else { x }));
    }
    if !x.is_list() || x.is_empty() {
        return Ok(Action::Value(x));
    }
    if let Some(v) = native(g) {
        return Ok(Action::Value(native_over(v, &x)?));
    }
    let items = x.items();
    let acc = items[0].clone();
    let rows: Vec<Vec<Value>> = items.into_iter().skip(1).map(|i| vec![i]).collect();
    Ok(Action::Job(Box::new(FoldJob {
        f: g.clone(),
        acc,
        rows: rows.into_iter(),
        scan: None,
    })))
}

fn scan(g: &Value, x: Value) -> OResult<Action> {
    if !x.is_list() || x.len() <= 1 {
        return Ok(Action::Value(x));
    }
    if let (Some(Verb::Plus), Value::Ints(a)) = (native(g), &x) {
        let mut s = 0i64;
        return Ok(Action::Value(Value::ints(
            a.iter()
                .map(|&b| {
                    s = s.wrapping_add(b);
                    s
                })
                .collect(),
        )));
    }
    let items = x.items();
    if let Some(v) = native(g) {
        let mut acc = items[0].clone();
        let mut out = Vec::with_capacity(items.len());
        out.push(acc.clone());
        for i in &items[1..] {
            acc = verbs::dyad(v, &acc, i)?;
            out.push(acc.clone());
        }
        return Ok(Action::Value(Value::from_items(out)));
    }
    let acc = items[0].clone();
    let rows: Vec<Vec<Value>> = items.into_iter().skip(1).map(|i| vec![i]).collect();
    Ok(Action::Job(Box::new(FoldJob {
        f: g.clone(),
        acc: acc.clone(),
        rows: rows.into_iter(),
        scan: Some(vec![acc]),
    })))
}

fn nary(g: &Value, adv: Adverb, args: Vec<Value>) -> OResult<Action> {
    let x = args[0].clone();
    let rows = rows_of(&args[1..])?;
    match adv {
        Adverb::Each => {
            if x.is_list() {
                if x.len() != rows.len() {
                    return Err(length());
                }
                let calls = x.items().into_iter().zip(rows).map(|(a, r)| {
                    let mut c = vec![a];
                    c.extend(r);
                    c
                });
                Ok(map_job(g, calls.collect(), Post::List))
            } else {
                let calls = rows.into_iter().map(|r| {
                    let mut c = vec![x.clone()];
                    c.extend(r);
                    c
                });
                Ok(map_job(g, calls.collect(), Post::List))
            }
        }
        Adverb::Over => Ok(Action::Job(Box::new(FoldJob {
            f: g.clone(),
            acc: x,
            rows: rows.into_iter(),
            scan: None,
        }))),
        Adverb::Scan => Ok(Action::Job(Box::new(FoldJob {
            f: g.clone(),
            acc: x.clone(),
            rows: rows.into_iter(),
            scan: Some(x.enlist_atom().items()),
        }))),
        _ => Ok(Action::Call(
            Value::func(Func::Derived(g.clone(), adv)),
            args[..2].to_vec(),
        )),
    }
}

/// `f#y` (keep) and `f_y` (drop): call `f` on each item (or dict value).
pub(crate) fn filter(f: &Value, y: &Value, keep: bool) -> OResult<Action> {
    let (vals, data) = match y {
        Value::Dict(d) => (d.vals.items(), y.clone()),
        _ if y.is_list() => (y.items(), y.clone()),
        _ => (vec![y.clone()], y.enlist_atom()),
    };
    Ok(map_job(
        f,
        vals.into_iter().map(|v| vec![v]).collect(),
        Post::Filter(data, keep),
    ))
}
