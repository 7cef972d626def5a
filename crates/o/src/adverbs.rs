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
use crate::value::{Adverb, Arity, Func, Lambda, Value, Verb};
use crate::verbs::{self, atomic, list, matches, truthy};

/// Arguments of one call: one or two inline (no allocation), or many.
pub(crate) enum Args {
    One(Value),
    Two(Value, Value),
    Many(Vec<Value>),
}

impl Args {
    /// Number of arguments.
    pub(crate) fn len(&self) -> usize {
        match self {
            Args::One(_) => 1,
            Args::Two(..) => 2,
            Args::Many(v) => v.len(),
        }
    }
    /// The arguments as a vector.
    pub(crate) fn into_vec(self) -> Vec<Value> {
        match self {
            Args::One(a) => vec![a],
            Args::Two(a, b) => vec![a, b],
            Args::Many(v) => v,
        }
    }
    /// Prepends `first` (the accumulator of a fold).
    fn after(first: Value, rest: Args) -> Args {
        match rest {
            Args::One(a) => Args::Two(first, a),
            other => {
                let mut v = vec![first];
                v.extend(other.into_vec());
                Args::Many(v)
            }
        }
    }
}

macro_rules! args {
    ($a:expr) => {
        Args::One($a)
    };
    ($a:expr, $b:expr) => {
        Args::Two($a, $b)
    };
}

/// What a job wants next.
pub(crate) enum Step {
    /// Apply a function to arguments and resume with the result.
    Call(Value, Args),
    /// Apply the job's own function ([`Job::func`]) to arguments and resume
    /// with the result: no reference to the function is taken per call.
    CallOwn(Args),
    /// The job is finished with this value.
    Done(Value),
}

/// A resumable computation on the control stack.
pub(crate) trait Job: Send {
    /// Advances the job; `input` is the result of the call it last asked for.
    fn step(&mut self, input: Option<Value>) -> OResult<Step>;
    /// The function a [`Step::CallOwn`] applies.
    fn func(&self) -> &Value {
        &Value::Nil
    }
    /// Takes the result of the call of the job's own lambda that just
    /// returned. When the next step is another call of it, the job may write
    /// that call's arguments straight into `params` (the lambda's parameter
    /// slots, all of them, none nil) and answer `Ok`; the machine then
    /// reruns the lambda in the same frame. Otherwise it hands the result
    /// back (`Err`) for [`Job::step`].
    fn resume_own(&mut self, input: Value, params: &mut [Option<Value>]) -> Result<(), Value> {
        let _ = params;
        Err(input)
    }
    /// A fold of the job's own two-parameter lambda over an int vector:
    /// the lambda, the items and the index of the next one, so the machine can run
    /// whole calls in an int kernel (each call `f[acc; items[i]]`, then `i`
    /// moves on and the result is the next accumulator, pushed to the scan
    /// when there is one, exactly as [`Job::resume_own`] would).
    fn int_fold(&mut self) -> Option<IntFold<'_>> {
        None
    }
}

/// See [`Job::int_fold`].
pub(crate) struct IntFold<'a> {
    pub(crate) f: &'a Lambda,
    pub(crate) items: &'a [i64],
    pub(crate) i: &'a mut usize,
    pub(crate) scan: Option<&'a mut Vec<Value>>,
}

/// True unless `v` is nil (a nil argument makes a projection, not a call).
fn arg(v: &Value) -> bool {
    !matches!(v, Value::Nil)
}

/// Stores int `i` in a parameter slot (in place when the slot holds an
/// int, so nothing is dropped).
#[inline(always)]
fn put_int(slot: &mut Option<Value>, i: i64) {
    match slot {
        Some(Value::Int(old)) => *old = i,
        _ => *slot = Some(Value::Int(i)),
    }
}

/// The result of applying a derived verb.
pub(crate) enum Action {
    Value(Value),
    Job(Box<dyn Job>),
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
        Some(Func::Train(l)) => l.chunk.train_valence.max(1) as usize,
        Some(Func::Monad(_) | Func::Curry(..)) => 1,
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

/// Where a map or fold job takes the arguments of call `i` from, without
/// materialising all of them.
enum Source {
    /// `f x[i]`
    Items(Value),
    /// `f[x[i]; nil]` (a projection per item)
    ItemsNil(Value),
    /// `f[x[i]; y[i]]`
    Pairs(Value, Value),
    /// `f[l; y[i]]`
    LeftFixed(Value, Value),
    /// `f[x[i]; r]`
    RightFixed(Value, Value),
    /// `f[x[i]; x[i-1]]`, with a seed before the first item
    Prior(Value, Value),
    /// Precomputed arguments.
    Explicit(std::vec::IntoIter<Args>),
}

impl Source {
    fn len(&self) -> usize {
        match self {
            Source::Items(x)
            | Source::ItemsNil(x)
            | Source::Pairs(x, _)
            | Source::RightFixed(x, _) => x.len(),
            Source::LeftFixed(_, y) => y.len(),
            Source::Prior(x, _) => x.len(),
            Source::Explicit(it) => it.len(),
        }
    }
    fn get(&mut self, i: usize) -> Args {
        match self {
            Source::Items(x) => Args::One(x.item(i)),
            Source::ItemsNil(x) => Args::Two(x.item(i), Value::Nil),
            Source::Pairs(x, y) => Args::Two(x.item(i), y.item(i)),
            Source::LeftFixed(l, y) => Args::Two(l.clone(), y.item(i)),
            Source::RightFixed(x, r) => Args::Two(x.item(i), r.clone()),
            Source::Prior(x, seed) => {
                Args::Two(x.item(i), if i == 0 { seed.clone() } else { x.item(i - 1) })
            }
            Source::Explicit(it) => it.next().unwrap_or(Args::One(Value::Nil)),
        }
    }
}

struct MapJob {
    f: Value,
    src: Source,
    i: usize,
    n: usize,
    out: Vec<Value>,
    post: Post,
}

impl Job for MapJob {
    fn func(&self) -> &Value {
        &self.f
    }
    fn resume_own(&mut self, input: Value, params: &mut [Option<Value>]) -> Result<(), Value> {
        if let (Source::Items(Value::Ints(x)), [p]) = (&self.src, &mut *params)
            && let Some(&item) = x.get(self.i)
        {
            self.out.push(input);
            self.i += 1;
            put_int(p, item);
            return Ok(());
        }
        if self.i < self.n
            && let (Source::Items(x), [p]) = (&self.src, &mut *params)
        {
            let item = x.item(self.i);
            if arg(&item) {
                self.out.push(input);
                self.i += 1;
                *p = Some(item);
                return Ok(());
            }
        }
        Err(input)
    }
    fn step(&mut self, input: Option<Value>) -> OResult<Step> {
        if let Some(v) = input {
            self.out.push(v);
        }
        if self.i < self.n {
            let args = self.src.get(self.i);
            self.i += 1;
            return Ok(Step::CallOwn(args));
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

fn map_src(f: &Value, src: Source, post: Post) -> Action {
    let n = src.len();
    Action::Job(Box::new(MapJob {
        f: f.clone(),
        src,
        i: 0,
        n,
        out: Vec::with_capacity(n),
        post,
    }))
}

fn map_job(f: &Value, calls: Vec<Args>, post: Post) -> Action {
    map_src(f, Source::Explicit(calls.into_iter()), post)
}

struct FoldJob {
    f: Value,
    acc: Value,
    src: Source,
    i: usize,
    n: usize,
    scan: Option<Vec<Value>>,
}

impl Job for FoldJob {
    fn func(&self) -> &Value {
        &self.f
    }
    fn int_fold(&mut self) -> Option<IntFold<'_>> {
        let Some(Func::Lambda(f)) = self.f.as_func() else {
            return None;
        };
        match &self.src {
            Source::Items(Value::Ints(x)) => Some(IntFold {
                f,
                items: &x[..self.n.min(x.len())],
                i: &mut self.i,
                scan: self.scan.as_mut(),
            }),
            _ => None,
        }
    }
    fn resume_own(&mut self, input: Value, params: &mut [Option<Value>]) -> Result<(), Value> {
        if let (Value::Int(acc), Source::Items(Value::Ints(x)), [p0, p1], None) =
            (&input, &self.src, &mut *params, &self.scan)
            && let Some(&item) = x.get(self.i)
        {
            self.i += 1;
            put_int(p0, *acc);
            put_int(p1, item);
            // An int owns nothing: forgetting it skips a drop call.
            std::mem::forget(input);
            return Ok(());
        }
        if self.i < self.n
            && arg(&input)
            && let (Source::Items(x), [p0, p1]) = (&self.src, &mut *params)
        {
            let item = x.item(self.i);
            if arg(&item) {
                if let Some(s) = &mut self.scan {
                    s.push(input.clone());
                }
                self.i += 1;
                *p0 = Some(input);
                *p1 = Some(item);
                return Ok(());
            }
        }
        Err(input)
    }
    fn step(&mut self, input: Option<Value>) -> OResult<Step> {
        if let Some(v) = input {
            if let Some(s) = &mut self.scan {
                s.push(v.clone());
            }
            self.acc = v;
        }
        if self.i < self.n {
            let row = self.src.get(self.i);
            self.i += 1;
            // The accumulator moves into the call (so a vector accumulator
            // is uniquely held and can be updated in place); the call's
            // result comes back as the next input and replaces it.
            let acc = std::mem::replace(&mut self.acc, Value::Nil);
            return Ok(Step::CallOwn(Args::after(acc, row)));
        }
        Ok(Step::Done(match self.scan.take() {
            Some(s) => Value::from_items(s),
            None => std::mem::replace(&mut self.acc, Value::Nil),
        }))
    }
}

fn fold_job(f: &Value, acc: Value, src: Source, start: usize, scan: Option<Vec<Value>>) -> Action {
    let n = src.len();
    Action::Job(Box::new(FoldJob {
        f: f.clone(),
        acc,
        src,
        i: start,
        n,
        scan,
    }))
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
        Ok(Step::Call(self.f.clone(), args![self.prev.clone()]))
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
        Ok(Step::Call(self.f.clone(), args![self.y.clone()]))
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
                return Ok(Step::Call(self.pred.clone(), args![self.y.clone()]));
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
        Ok(Step::Call(self.f.clone(), args![self.y.clone()]))
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
    let flipped = list::flip(&Value::list(args.to_vec()))?;
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
        return Ok(map_src(
            g,
            Source::LeftFixed(x.clone(), y.clone()),
            Post::List,
        ));
    }
    if !y.is_list() {
        return Ok(map_src(
            g,
            Source::RightFixed(x.clone(), y.clone()),
            Post::List,
        ));
    }
    if x.len() != y.len() {
        return Err(length());
    }
    Ok(map_src(g, Source::Pairs(x.clone(), y.clone()), Post::List))
}

fn pairs(x: &Value, y: &Value) -> OResult<Vec<Args>> {
    if x.len() != y.len() {
        return Err(length());
    }
    Ok(x.items()
        .into_iter()
        .zip(y.items())
        .map(|(a, b)| args![a, b])
        .collect())
}

/// oK's message for an adverb applied to arguments it has no form for.
fn invalid(adv: Adverb, left: Option<&Value>, g: &Value, v: usize, right: &Value) -> OError {
    let l = left
        .map(|l| format!("{} ", crate::print::format(l)))
        .unwrap_or_default();
    let mut f = String::new();
    match g {
        Value::Func(_, func) => crate::print::fmt_func(func, false, &mut f),
        other => f.push_str(&crate::print::format(other)),
    }
    let r = crate::print::format(right);
    OError::new(
        crate::error::ErrorKind::Type,
        format!(
            "invalid arguments to {} [{l} {f} (valence {v}), {r}]",
            adv.as_str()
        ),
    )
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
            Value::Dict(d) => Ok(map_src(
                g,
                Source::Items(d.vals.clone()),
                Post::Dict(d.keys.clone()),
            )),
            _ => {
                need_list(&x)?;
                Ok(map_src(g, Source::Items(x), Post::List))
            }
        },
        (Adverb::Each, _, None) => {
            need_list(&x)?;
            Ok(map_src(g, Source::ItemsNil(x), Post::List))
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
            let items = x.enlist_atom();
            if adv == Adverb::Scan && items.is_empty() {
                return Ok(Action::Value(Value::empty()));
            }
            if let (Some(vb), Adverb::Over) = (native(g), adv) {
                let mut acc = l;
                for i in 0..items.len() {
                    acc = verbs::dyad(vb, &acc, &items.item(i))?;
                }
                return Ok(Action::Value(acc));
            }
            let scan = (adv == Adverb::Scan).then(Vec::new);
            Ok(fold_job(g, l, Source::Items(items), 0, scan))
        }
        (Adverb::EachPrior, 1, Some(l)) => {
            let w = list::window(&l, &x)?;
            Ok(map_src(g, Source::Items(w), Post::List))
        }
        (Adverb::EachPrior, 1, None) => Err(invalid(adv, None, g, v, &x)),
        (Adverb::EachPrior, _, l) => {
            need_list(&x)?;
            let seed = match l {
                Some(s) => s,
                None => each_prior_seed(g, &x),
            };
            Ok(map_src(g, Source::Prior(x, seed), Post::List))
        }
        (Adverb::EachRight, _, Some(l)) => {
            need_list(&x)?;
            Ok(map_src(g, Source::LeftFixed(l, x), Post::List))
        }
        (Adverb::EachLeft, _, Some(l)) => {
            need_list(&l)?;
            Ok(map_src(g, Source::RightFixed(l, x), Post::List))
        }
        (_, _, left) => Err(invalid(adv, left.as_ref(), g, v, &x)),
    }
}

fn over(g: &Value, x: Value) -> OResult<Action> {
    if let (Value::Func(_, f), true) = (g, x.is_list() && x.is_empty())
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
    let acc = x.item(0);
    Ok(fold_job(g, acc, Source::Items(x), 1, None))
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
    if let Some(v) = native(g) {
        let items = x.items();
        let mut acc = items[0].clone();
        let mut out = Vec::with_capacity(items.len());
        out.push(acc.clone());
        for i in &items[1..] {
            acc = verbs::dyad(v, &acc, i)?;
            out.push(acc.clone());
        }
        return Ok(Action::Value(Value::from_items(out)));
    }
    let acc = x.item(0);
    Ok(fold_job(
        g,
        acc.clone(),
        Source::Items(x),
        1,
        Some(vec![acc]),
    ))
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
                    Args::Many(c)
                });
                Ok(map_job(g, calls.collect(), Post::List))
            } else {
                let calls = rows.into_iter().map(|r| {
                    let mut c = vec![x.clone()];
                    c.extend(r);
                    Args::Many(c)
                });
                Ok(map_job(g, calls.collect(), Post::List))
            }
        }
        Adverb::Over => {
            let rows: Vec<Args> = rows.into_iter().map(Args::Many).collect();
            Ok(fold_job(g, x, Source::Explicit(rows.into_iter()), 0, None))
        }
        Adverb::Scan => {
            let rows: Vec<Args> = rows.into_iter().map(Args::Many).collect();
            let seed = x.enlist_atom().items();
            Ok(fold_job(
                g,
                x,
                Source::Explicit(rows.into_iter()),
                0,
                Some(seed),
            ))
        }
        _ => Err(invalid(adv, Some(&x), g, valence(g), &args[1])),
    }
}

/// `f#y` (keep) and `f_y` (drop): call `f` on each item (or dict value).
pub(crate) fn filter(f: &Value, y: &Value, keep: bool) -> OResult<Action> {
    let (vals, data) = match y {
        Value::Dict(d) => (d.vals.clone(), y.clone()),
        _ if y.is_list() => (y.clone(), y.clone()),
        _ => (y.enlist_atom(), y.enlist_atom()),
    };
    Ok(map_src(f, Source::Items(vals), Post::Filter(data, keep)))
}
