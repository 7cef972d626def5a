//! The machine: a continuation-passing evaluator over explicit stacks.
//!
//! State is three vectors: control frames (a compiled code frame with its
//! program counter, or a resumable adverb [`Job`]), the operand stack, and
//! the local slots. Calling a lambda pushes a frame and returning pops it,
//! so O recursion never grows the Rust stack. Every instruction and every
//! job step costs one unit of fuel; when the fuel runs out [`Interp::run`]
//! returns [`Outcome::Suspended`] and the next `run` resumes exactly there.
//!
//! Fast paths (each gives exactly what the general path gives): ints are
//! computed in place by the fused instructions of [`crate::compile`]; a
//! lambda entered from a call moves its arguments from the operand stack
//! into its locals without allocating (an int argument computed by a fused
//! `f[x-1]` goes straight into the parameter, never pushed), and a recursive call borrows its
//! chunk from the caller's frame instead of taking a reference
//! (`CodeFrame`); when a lambda called by an adverb job returns, the job
//! writes the next call's arguments into the same frame
//! (`Job::resume_own`) and the lambda reruns without a frame being popped
//! and pushed. A lambda with an int kernel ([`crate::kernel`]) folded over
//! an int vector (`{x+y}/1+!n`, and scans) runs whole calls in the kernel
//! once its first call has returned an int: the accumulator and the item go
//! straight into unboxed int slots, nothing is pushed or boxed per call,
//! and each call spends the same fuel as the general path (one unit per
//! instruction and one for the job's step), run only while the fuel covers
//! a whole call, so a run suspends exactly where the general path would.
//! A call (not in tail position) of a global lambda with an int kernel on
//! int arguments runs in the kernel with the calls it makes of such
//! lambdas (`fib 27`), on unboxed frames; when the kernel stops (the fuel
//! ran out, or an instruction needs the general path) its frames become
//! the code frames the general path would have at that instruction.
//!
//! Threading: an [`Interp`] owns all its state and every value is built on
//! `Arc`, so the interpreter is `Send`: it can be created on one thread and
//! moved to the core that runs it. It is not `Sync`; run it from one thread
//! at a time.
//!
//! Limits ([`Limits`]): the control depth, the operand and local stacks, and
//! the length of any one list built by a verb are bounded; exceeding a bound
//! is a `limit` error, so a runaway script cannot exhaust memory.

use crate::adverbs::{self, Action, Args, Job, Step};
use crate::compile::{Chunk, Globals, Op, compile_program};
use crate::error::{ErrorKind, OError, OResult, expected, limit, valence};
use crate::host::{Host, HostResult, NoHost};
use crate::kernel::{self, KFrame, Room, int_dyad, run_int_fold};
use crate::parser::parse;
use crate::value::{Arity, Func, Lambda, Value, Verb};
use crate::verbs::{self, index, truthy};
use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::Arc;

/// Resource limits of one interpreter.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Maximum number of control frames (call depth plus pending adverbs).
    pub max_frames: usize,
    /// Maximum number of values on the operand and local stacks together.
    pub max_stack: usize,
    /// Maximum number of items in one list built by a verb.
    pub max_items: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_frames: 4_000_000,
            max_stack: 16_000_000,
            max_items: 1 << 25,
        }
    }
}

thread_local! {
    static MAX_ITEMS: Cell<usize> = const { Cell::new(1 << 25) };
}

/// The list-length limit of the interpreter running on this thread.
pub fn max_items() -> usize {
    MAX_ITEMS.with(|c| c.get())
}

/// The result of [`Interp::run`].
#[derive(Debug)]
pub enum Outcome {
    /// The program finished with this value.
    Done(Value),
    /// The fuel ran out; call `run` again to continue.
    Suspended,
    /// A host verb asked to wait; call [`Interp::wake`] with its result, then `run`.
    Waiting,
    /// The program failed; the interpreter is ready for a new program.
    Error(OError),
}

enum Frame {
    Code(CodeFrame),
    Job(Box<dyn Job>),
}

/// How a call run in the int kernel ended ([`Interp::kernel_call`]).
enum KExit {
    /// It returned this int.
    Value(i64),
    /// It stopped; its frames are now code frames on top.
    Frames,
}

/// A compiled code frame: which chunk, where in it, and where its locals
/// and operands start.
///
/// A frame whose chunk is the same as the code frame just below it (a
/// recursive call) does not take a reference to the chunk: `own` is `None`
/// and the frame below keeps the chunk alive. Frames are pushed and popped
/// in stack order and a tail call hands the reference on (see
/// [`Interp::enter_lambda`]), so every borrowing frame has an owning frame
/// with the same chunk below it for as long as it exists.
struct CodeFrame {
    own: Option<Arc<Chunk>>,
    chunk: ChunkPtr,
    pc: usize,
    lbase: usize,
    sbase: usize,
    /// The frame runs the own lambda of the job just below it
    /// ([`Job::resume_own`] can rerun it in place).
    job_own: bool,
}

impl CodeFrame {
    /// A frame that owns a reference to its chunk.
    fn owned(chunk: Arc<Chunk>, lbase: usize, sbase: usize) -> Frame {
        Frame::Code(CodeFrame {
            chunk: ChunkPtr(NonNull::from(&*chunk)),
            own: Some(chunk),
            pc: 0,
            lbase,
            sbase,
            job_own: false,
        })
    }
}

/// The control, operand and local stacks and the limits of an [`Interp`],
/// borrowed apart from its globals (see [`Interp::parts`]).
struct Parts<'a> {
    frames: &'a mut Vec<Frame>,
    stack: &'a mut Vec<Value>,
    locals: &'a mut Vec<Option<Value>>,
    limits: &'a Limits,
}

/// The address of a chunk kept alive by a code frame (this one or one below).
#[derive(Clone, Copy, PartialEq, Eq)]
struct ChunkPtr(NonNull<Chunk>);

// SAFETY: a `ChunkPtr` is only a shared reference to a `Chunk` held alive
// by an `Arc<Chunk>` in the same interpreter's frames; `Chunk` is `Send`
// and `Sync` (it holds only `Arc`-based values), so sending the pointer with
// the interpreter that owns the `Arc` is as safe as sending the `Arc`.
unsafe impl Send for ChunkPtr {}

/// An O interpreter: globals plus the state of the program being run.
///
/// ```
/// let mut o = enso_o::Interp::new();
/// assert_eq!(o.eval("+/!10").unwrap().to_string(), "45");
/// o.eval("f:{$[x=0;0;1+f[x-1]]}").unwrap();
/// assert_eq!(o.eval("f 100000").unwrap().to_string(), "100000");
/// ```
pub struct Interp {
    globals: Globals,
    frames: Vec<Frame>,
    stack: Vec<Value>,
    locals: Vec<Option<Value>>,
    /// The unboxed locals and operands of int kernel calls (see
    /// [`crate::kernel`]), kept between calls for its allocation.
    kstack: Vec<i64>,
    input: Option<Value>,
    result: Option<Value>,
    waiting: bool,
    limits: Limits,
    nhost: u32,
    spent: u64,
}

impl Default for Interp {
    fn default() -> Interp {
        Interp::new()
    }
}

fn is_nil(v: &Value) -> bool {
    matches!(v, Value::Nil)
}

impl Interp {
    /// A fresh interpreter with default limits.
    pub fn new() -> Interp {
        Interp::with_limits(Limits::default())
    }

    /// A fresh interpreter with the given limits.
    pub fn with_limits(limits: Limits) -> Interp {
        Interp {
            globals: Globals::default(),
            frames: Vec::new(),
            stack: Vec::new(),
            locals: Vec::new(),
            kstack: Vec::new(),
            input: None,
            result: None,
            waiting: false,
            limits,
            nhost: 0,
            spent: 0,
        }
    }

    /// Registers a host verb under `name`; returns the id passed to [`Host::call`].
    pub fn register(&mut self, name: &str, arity: Arity) -> u32 {
        let id = self.nhost;
        self.nhost += 1;
        self.set(
            name,
            Value::func(Func::Host {
                id,
                name: Arc::from(name),
                arity,
            }),
        );
        id
    }

    /// The value of global `name`.
    pub fn get(&self, name: &str) -> Option<Value> {
        let i = self.globals.lookup(name)?;
        self.globals.vals[i as usize].clone()
    }

    /// Sets global `name`.
    pub fn set(&mut self, name: &str, v: Value) {
        let i = self.globals.intern(&Arc::from(name));
        self.globals.vals[i as usize] = Some(v);
    }

    /// True when no program is loaded or running.
    pub fn is_idle(&self) -> bool {
        self.frames.is_empty() && !self.waiting
    }

    /// Parses and compiles `src` and makes it the program [`Interp::run`] runs.
    /// Any unfinished program is discarded.
    pub fn load(&mut self, src: &str) -> OResult<()> {
        self.reset();
        let ast = parse(src)?;
        let chunk = compile_program(&ast, &mut self.globals)?;
        self.frames.push(CodeFrame::owned(chunk, 0, 0));
        Ok(())
    }

    /// Discards the loaded or suspended program (globals are kept).
    pub fn abort(&mut self) {
        self.reset();
    }

    fn reset(&mut self) {
        self.frames.clear();
        self.stack.clear();
        self.locals.clear();
        self.input = None;
        self.result = None;
        self.waiting = false;
    }

    /// Runs the loaded program for at most `fuel` steps.
    pub fn run(&mut self, fuel: u64, host: &mut dyn Host) -> Outcome {
        if self.waiting {
            return Outcome::Waiting;
        }
        MAX_ITEMS.with(|c| c.set(self.limits.max_items));
        crate::value::take_too_deep();
        let budget = fuel;
        let mut fuel = fuel;
        let r = self.exec(&mut fuel, host);
        self.spent = budget - fuel;
        match r {
            Ok(true) => {
                let v = self.result.take().unwrap_or(Value::Nil);
                self.reset();
                Outcome::Done(v)
            }
            Ok(false) if self.waiting => Outcome::Waiting,
            Ok(false) => Outcome::Suspended,
            Err(e) => {
                self.reset();
                Outcome::Error(e)
            }
        }
    }

    /// Fuel the last [`Interp::run`] spent (one unit per instruction or
    /// adverb step).
    pub fn fuel_spent(&self) -> u64 {
        self.spent
    }

    /// Delivers the result of the host verb that asked to wait.
    pub fn wake(&mut self, v: Value) {
        if self.waiting {
            self.waiting = false;
            self.deliver(v);
        }
    }

    /// Evaluates `src` to completion with no host verbs.
    pub fn eval(&mut self, src: &str) -> OResult<Value> {
        self.eval_with(src, &mut NoHost)
    }

    /// Evaluates `src` to completion with `host`; waiting is an error.
    pub fn eval_with(&mut self, src: &str, host: &mut dyn Host) -> OResult<Value> {
        self.load(src)?;
        match self.run(u64::MAX, host) {
            Outcome::Done(v) => Ok(v),
            Outcome::Error(e) => Err(e),
            Outcome::Waiting | Outcome::Suspended => {
                self.reset();
                Err(OError::new(ErrorKind::Host, "program waited in eval."))
            }
        }
    }

    fn deliver(&mut self, v: Value) {
        match self.frames.last() {
            None => self.result = Some(v),
            Some(Frame::Code(_)) => self.stack.push(v),
            Some(Frame::Job(_)) => self.input = Some(v),
        }
    }

    #[inline]
    fn push_frame(&mut self, f: Frame) -> OResult<()> {
        if self.frames.len() >= self.limits.max_frames {
            return Err(limit("call depth"));
        }
        if self.stack.len() + self.locals.len() >= self.limits.max_stack {
            return Err(limit("stack"));
        }
        self.frames.push(f);
        Ok(())
    }

    fn global(&self, g: u32) -> OResult<Value> {
        match &self.globals.vals[g as usize] {
            Some(v) => Ok(v.clone()),
            None => Err(OError::new(
                ErrorKind::Value,
                format!(
                    "the name '{}' has not been defined.",
                    self.globals.names[g as usize]
                ),
            )),
        }
    }

    fn lookup_name(&self, s: &str) -> OResult<Value> {
        match self.globals.lookup(s) {
            Some(g) => self.global(g),
            None => Err(OError::new(
                ErrorKind::Value,
                format!("the name '{s}' has not been defined."),
            )),
        }
    }

    fn exec(&mut self, fuel: &mut u64, host: &mut dyn Host) -> OResult<bool> {
        loop {
            if self.waiting {
                return Ok(false);
            }
            if crate::value::take_too_deep() {
                return Err(limit("value too deep or too large"));
            }
            if self.frames.is_empty() {
                return Ok(true);
            }
            if *fuel == 0 {
                return Ok(false);
            }
            if let Some(Frame::Job(job)) = self.frames.last_mut() {
                *fuel -= 1;
                let input = self.input.take();
                let step = job.step(input)?;
                self.after_step(step, host)?;
            } else {
                self.run_code(fuel, host)?;
            }
        }
    }

    /// Does what the top job (just stepped) asked for.
    fn after_step(&mut self, step: Step, host: &mut dyn Host) -> OResult<()> {
        match step {
            Step::Call(f, args) => {
                if let Some(v) = self.call_args(f, args, host)? {
                    self.input = Some(v);
                }
            }
            Step::CallOwn(args) => {
                if let Some(v) = self.call_own(args, host)? {
                    self.input = Some(v);
                }
            }
            Step::Done(v) => {
                self.frames.pop();
                self.deliver(v);
            }
        }
        Ok(())
    }

    fn enter(&mut self, l: &Lambda, args: Vec<Value>) -> OResult<()> {
        let c = &l.chunk;
        let lbase = self.locals.len();
        self.locals.resize(lbase + c.nlocals, None);
        for (i, a) in args.into_iter().enumerate().take(c.nlocals) {
            self.locals[lbase + i] = Some(a);
        }
        for (j, cap) in l.captures.iter().enumerate() {
            self.locals[lbase + c.capture_base + j] = cap.clone();
        }
        let sbase = self.stack.len();
        self.push_frame(CodeFrame::owned(c.clone(), lbase, sbase))
    }

    fn call_lambda(&mut self, f: &Value, l: &Lambda, args: Vec<Value>) -> OResult<Option<Value>> {
        let np = l.chunk.nparams;
        if np == 0 {
            self.enter(l, Vec::new())?;
            return Ok(None);
        }
        if args.len() < np || args.iter().take(np).any(is_nil) {
            return Ok(Some(Value::func(Func::Proj(f.clone(), args))));
        }
        if args.len() > np {
            return Err(valence());
        }
        self.enter(l, args)?;
        Ok(None)
    }

    /// Applies the top job's own function to `args`: a lambda without
    /// captures is entered without taking a reference to the function
    /// (only to its code); anything else goes through [`Interp::call_args`].
    fn call_own(&mut self, args: Args, host: &mut dyn Host) -> OResult<Option<Value>> {
        let Some(Frame::Job(job)) = self.frames.last() else {
            return Ok(Some(Value::Nil));
        };
        let f = job.func();
        let chunk = match f {
            Value::Func(_, func) => match &**func {
                Func::Lambda(l) => Some(l.chunk.clone()),
                _ => None,
            },
            _ => None,
        };
        let Some(c) = chunk else {
            let f = f.clone();
            return self.call_args(f, args, host);
        };
        let n = args.len();
        if !fits(c.nparams, &args) {
            let f = f.clone();
            return self.call_args(f, args, host);
        }
        let lbase = self.locals.len();
        push_args(&mut self.locals, args);
        for _ in n..c.nlocals {
            self.locals.push(None);
        }
        if let Some(Frame::Job(job)) = self.frames.last()
            && let Value::Func(_, func) = job.func()
            && let Func::Lambda(l) = &**func
        {
            for (j, cap) in l.captures.iter().enumerate() {
                self.locals[lbase + c.capture_base + j] = cap.clone();
            }
        }
        let sbase = self.stack.len();
        let mut frame = CodeFrame::owned(c, lbase, sbase);
        if let Frame::Code(f) = &mut frame {
            f.job_own = true;
        }
        self.push_frame(frame)?;
        Ok(None)
    }

    /// Applies `f` to a job's arguments, entering a lambda without
    /// collecting the arguments in a vector when it can.
    fn call_args(&mut self, f: Value, args: Args, host: &mut dyn Host) -> OResult<Option<Value>> {
        if let Value::Func(_, func) = &f
            && let Func::Lambda(l) = &**func
        {
            {
                let n = args.len();
                if fits(l.chunk.nparams, &args) {
                    if self.frames.len() >= self.limits.max_frames {
                        return Err(limit("call depth"));
                    }
                    let c = &l.chunk;
                    let lbase = self.locals.len();
                    push_args(&mut self.locals, args);
                    for _ in n..c.nlocals {
                        self.locals.push(None);
                    }
                    for (j, cap) in l.captures.iter().enumerate() {
                        self.locals[lbase + c.capture_base + j] = cap.clone();
                    }
                    let sbase = self.stack.len();
                    self.push_frame(CodeFrame::owned(c.clone(), lbase, sbase))?;
                    return Ok(None);
                }
            }
        }
        self.call(f, args.into_vec(), host)
    }

    /// Applies `f` to `args`: `Some(value)` at once, or `None` when a frame
    /// was pushed (or a host verb is waiting) and the result comes later.
    fn call(&mut self, f: Value, args: Vec<Value>, host: &mut dyn Host) -> OResult<Option<Value>> {
        let (mut f, mut args) = (f, args);
        loop {
            let func = match &f {
                Value::Func(_, func) => func.clone(),
                Value::Sym(s) => {
                    f = self.lookup_name(s)?;
                    continue;
                }
                Value::Dict(_) => {
                    return Ok(Some(match args.len() {
                        0 => f,
                        1 => index::at(&f, &args[0])?,
                        _ => index::at_depth(&f, &args)?,
                    }));
                }
                _ if f.is_list() => {
                    return Ok(Some(match args.len() {
                        0 => f,
                        1 => index::at(&f, &args[0])?,
                        _ => index::at_depth(&f, &args)?,
                    }));
                }
                _ => return Err(expected("function or list", f.type_name())),
            };
            match &*func {
                Func::Prim(v) => {
                    return match args.len() {
                        0 => Ok(Some(f)),
                        1 if is_nil(&args[0]) => Ok(Some(Value::func(Func::Proj(f, args)))),
                        1 => self.monad(*v, args.pop().unwrap_or(Value::Nil)),
                        2 if args.iter().any(is_nil) => Ok(Some(Value::func(Func::Proj(f, args)))),
                        2 => {
                            let y = args.pop().unwrap_or(Value::Nil);
                            let x = args.pop().unwrap_or(Value::Nil);
                            self.dyad(*v, x, y, host)
                        }
                        _ => Err(valence()),
                    };
                }
                Func::Monad(v) => {
                    return if args.len() == 1 {
                        self.monad(*v, args.pop().unwrap_or(Value::Nil))
                    } else {
                        Err(valence())
                    };
                }
                Func::Curry(v, l) => {
                    return match args.len() {
                        1 => self.dyad(*v, l.clone(), args.pop().unwrap_or(Value::Nil), host),
                        2 => {
                            let y = args.pop().unwrap_or(Value::Nil);
                            let x = args.pop().unwrap_or(Value::Nil);
                            self.dyad(*v, x, y, host)
                        }
                        _ => Err(valence()),
                    };
                }
                Func::Lambda(l) => return self.call_lambda(&f, l, args),
                Func::Train(l) => {
                    let args = match args.len() {
                        1 => args,
                        2 if l.chunk.train_dyadic => {
                            let mut a = args;
                            a.swap(0, 1);
                            a
                        }
                        _ => return Err(valence()),
                    };
                    self.enter(l, args)?;
                    return Ok(None);
                }
                Func::Derived(g, adv) => match adverbs::apply(g, *adv, args)? {
                    Action::Value(v) => return Ok(Some(v)),
                    Action::Job(j) => {
                        self.push_frame(Frame::Job(j))?;
                        return Ok(None);
                    }
                },
                Func::Proj(g, bound) => {
                    let mut full = Vec::with_capacity(bound.len() + args.len());
                    let mut it = args.into_iter();
                    for b in bound {
                        if is_nil(b) {
                            full.push(it.next().unwrap_or(Value::Nil));
                        } else {
                            full.push(b.clone());
                        }
                    }
                    full.extend(it);
                    f = g.clone();
                    args = full;
                }
                Func::Host { id, name, .. } => {
                    return match host.call(*id, name, &args) {
                        HostResult::Value(v) => Ok(Some(v)),
                        HostResult::Error(e) => Err(e),
                        HostResult::Wait => {
                            self.waiting = true;
                            Ok(None)
                        }
                    };
                }
            }
        }
    }

    fn monad(&mut self, v: Verb, x: Value) -> OResult<Option<Value>> {
        if v == Verb::Dot {
            match &x {
                Value::Chars(_) | Value::Char(_) => {
                    let src = match &x {
                        Value::Chars(c) => String::from_utf8_lossy(c).into_owned(),
                        Value::Char(c) => (*c as char).to_string(),
                        _ => String::new(),
                    };
                    let ast = parse(&src)?;
                    let chunk = compile_program(&ast, &mut self.globals)?;
                    let lbase = self.locals.len();
                    let sbase = self.stack.len();
                    self.push_frame(CodeFrame::owned(chunk, lbase, sbase))?;
                    return Ok(None);
                }
                Value::Sym(s) => return Ok(Some(self.lookup_name(s)?)),
                _ => {}
            }
        }
        Ok(Some(verbs::monad(v, &x)?))
    }

    fn dyad(&mut self, v: Verb, x: Value, y: Value, host: &mut dyn Host) -> OResult<Option<Value>> {
        match v {
            Verb::At | Verb::Dot if x.is_func() => {
                let args = if v == Verb::At || !y.is_list() {
                    vec![y]
                } else {
                    y.items()
                };
                self.call(x, args, host)
            }
            Verb::At | Verb::Dot if matches!(x, Value::Sym(_)) => {
                let Value::Sym(s) = &x else { return Ok(None) };
                let t = self.lookup_name(s)?;
                self.dyad(v, t, y, host)
            }
            Verb::Hash | Verb::Under if x.is_func() => {
                match adverbs::filter(&x, &y, v == Verb::Hash)? {
                    Action::Job(j) => {
                        self.push_frame(Frame::Job(j))?;
                        Ok(None)
                    }
                    Action::Value(r) => Ok(Some(r)),
                }
            }
            _ => Ok(Some(verbs::dyad_owned(v, x, y)?)),
        }
    }

    /// True when a call of `l` with the top `n` stack values can take the fast path.
    #[inline]
    fn can_enter(&self, l: &Lambda, n: usize) -> bool {
        let len = self.stack.len();
        l.chunk.nparams == n && n > 0 && len >= n && !self.stack[len - n..].iter().any(is_nil)
    }

    /// Enters lambda `l` with the top `n` stack values as its arguments. A
    /// call in tail position (`tail`) first drops the current frame, whose
    /// locals start at `lbase`, and hands its chunk reference on when the
    /// callee runs the same chunk. The new frame borrows its chunk when the
    /// code frame below runs the same one (recursion), so a recursive call
    /// touches no reference count. Returns the new frame's chunk and local base.
    #[inline(always)]
    fn enter_lambda(
        &mut self,
        l: &Lambda,
        n: usize,
        tail: bool,
        lbase: usize,
    ) -> OResult<(ChunkPtr, usize)> {
        Interp::enter_lambda_with(self.parts(), l, n, None, tail, lbase)
    }

    /// The state a lambda call changes, borrowed apart from the globals
    /// (so a lambda held in a global can be entered without moving it out).
    #[inline(always)]
    fn parts(&mut self) -> Parts<'_> {
        Parts {
            frames: &mut self.frames,
            stack: &mut self.stack,
            locals: &mut self.locals,
            limits: &self.limits,
        }
    }

    /// [`Interp::enter_lambda`] with, when `int_arg` is given, that int as
    /// the first argument (computed in place, never pushed) before the `n`
    /// stack values.
    #[inline(always)]
    fn enter_lambda_with(
        m: Parts<'_>,
        l: &Lambda,
        n: usize,
        int_arg: Option<i64>,
        tail: bool,
        lbase: usize,
    ) -> OResult<(ChunkPtr, usize)> {
        let c: &Chunk = &l.chunk;
        let ptr = ChunkPtr(NonNull::from(c));
        let handed = if tail {
            Interp::drop_frame_for_tail_call(m.frames, m.stack, m.locals, n, lbase)
                .filter(|c| Arc::as_ptr(c) == ptr.0.as_ptr())
        } else {
            None
        };
        // The limits, checked as `push_frame` does, before anything moves.
        let nb = m.locals.len();
        let sbase = m.stack.len() - n;
        if m.frames.len() >= m.limits.max_frames {
            return Err(limit("call depth"));
        }
        if sbase + nb + c.nlocals >= m.limits.max_stack {
            return Err(limit("stack"));
        }
        m.locals.reserve(c.nlocals);
        // The top of the stack is the first argument; locals past the
        // parameters start empty.
        if let Some(i) = int_arg {
            // Written in place (`Vec::push` here is an out-of-line call).
            let len = m.locals.len();
            match m.locals.spare_capacity_mut().first_mut() {
                Some(slot) => {
                    slot.write(Some(Value::Int(i)));
                    // SAFETY: the slot at `len` was just initialised.
                    unsafe { m.locals.set_len(len + 1) };
                }
                None => m.locals.push(Some(Value::Int(i))),
            }
        }
        if n == 1 {
            let a = m.stack.pop();
            m.locals.push(a);
        } else {
            for _ in 0..n {
                let a = m.stack.pop();
                m.locals.push(a);
            }
        }
        for _ in n + int_arg.is_some() as usize..c.nlocals {
            m.locals.push(None);
        }
        if !l.captures.is_empty() {
            for (j, cap) in l.captures.iter().enumerate() {
                m.locals[nb + c.capture_base + j] = cap.clone();
            }
        }
        let own = match m.frames.last() {
            Some(Frame::Code(f)) if f.chunk == ptr => None,
            _ => Some(handed.unwrap_or_else(|| l.chunk.clone())),
        };
        m.frames.reserve(1);
        let len = m.frames.len();
        // SAFETY: one slot past `len` was just reserved; it is written
        // before the length covers it. (Written in place, field by field:
        // a pushed `Frame` built on the Rust stack first is copied with
        // wide loads that stall on the narrow stores just made.)
        unsafe {
            let slot = m.frames.as_mut_ptr().add(len);
            slot.write(Frame::Code(CodeFrame {
                own,
                chunk: ptr,
                pc: 0,
                lbase: nb,
                sbase,
                job_own: false,
            }));
            m.frames.set_len(len + 1);
        }
        Ok((ptr, nb))
    }

    /// Tail call: drops the current code frame (keeping the `n` arguments on
    /// top of the stack), so a call in tail position runs in constant space.
    /// Returns the dropped frame's chunk reference, if it held one.
    fn drop_frame_for_tail_call(
        frames: &mut Vec<Frame>,
        stack: &mut Vec<Value>,
        locals: &mut Vec<Option<Value>>,
        n: usize,
        lbase: usize,
    ) -> Option<Arc<Chunk>> {
        if let Some(Frame::Code(f)) = frames.last() {
            let (sb, top) = (f.sbase, stack.len().saturating_sub(n));
            if sb < top {
                stack.drain(sb..top);
            }
        }
        locals.truncate(lbase);
        match frames.pop() {
            Some(Frame::Code(f)) => f.own,
            _ => None,
        }
    }

    /// Runs a call (not in tail position) of global lambda `l` in the int
    /// kernel ([`crate::kernel`]) when it has one and its arguments are
    /// ints: the `n` values on top of the stack (first on top), or `int_arg`
    /// (then `n` is 0). `None` when it cannot (or the limits would stop it:
    /// the general path then says so), with nothing changed.
    fn kernel_call(
        globals: &Globals,
        m: Parts<'_>,
        ks: &mut Vec<i64>,
        l: &Lambda,
        n: usize,
        int_arg: Option<i64>,
        fuel: &mut u64,
    ) -> Option<KExit> {
        let code = kernel::call_kernel(l)?;
        let np = l.chunk.nparams;
        let sbase = m.stack.len().checked_sub(n)?;
        let args = &m.stack[sbase..];
        if !args.iter().all(|a| matches!(a, Value::Int(_))) || np != n + int_arg.is_some() as usize
        {
            return None;
        }
        // The limits, checked as `enter_lambda_with` checks them.
        let below = sbase + m.locals.len();
        if m.frames.len() >= m.limits.max_frames || below + np >= m.limits.max_stack {
            return None;
        }
        if ks.len() < np {
            ks.resize(np, 0);
        }
        if let Some(a) = int_arg {
            ks[0] = a;
        }
        for (k, a) in ks.iter_mut().zip(args.iter().rev()) {
            if let Value::Int(i) = a {
                *k = *i;
            }
        }
        // SAFETY: the values given up are all `Int`s, which own nothing.
        unsafe { m.stack.set_len(sbase) };
        let room = Room {
            frames: m.limits.max_frames - m.frames.len(),
            slots: m.limits.max_stack - below,
        };
        match kernel::run_calls(globals, l, code, ks, room, fuel) {
            Ok(v) => Some(KExit::Value(v)),
            Err(frames) => {
                Interp::unbox_frames(m, ks, &frames);
                Some(KExit::Frames)
            }
        }
    }

    /// Pushes the frames of a kernel run that stopped (with their locals
    /// and operands) as the code frames the general path would have.
    fn unbox_frames(m: Parts<'_>, ks: &[i64], frames: &[KFrame<'_>]) {
        for f in frames {
            let lbase = m.locals.len();
            let ops = f.base + f.l.chunk.nlocals;
            m.locals
                .extend(ks[f.base..ops].iter().map(|&i| Some(Value::Int(i))));
            let sbase = m.stack.len();
            m.stack.extend(ks[ops..f.sp].iter().map(|&i| Value::Int(i)));
            let ptr = ChunkPtr(NonNull::from(&*f.l.chunk));
            let own = match m.frames.last() {
                Some(Frame::Code(below)) if below.chunk == ptr => None,
                _ => Some(f.l.chunk.clone()),
            };
            m.frames.push(Frame::Code(CodeFrame {
                own,
                chunk: ptr,
                pc: f.pc,
                lbase,
                sbase,
                job_own: false,
            }));
        }
    }

    #[inline(always)]
    fn pop(&mut self) -> Value {
        // Not `unwrap_or(Value::Nil)`: that builds and drops a default.
        match self.stack.pop() {
            Some(v) => v,
            None => Value::Nil,
        }
    }

    /// The value of local slot `s` of the frame whose locals start at
    /// `lbase` (the global of the same name when the slot is unset).
    #[inline]
    fn local(&self, ck: &Chunk, lbase: usize, s: u16) -> OResult<Value> {
        match &self.locals[lbase + s as usize] {
            Some(Value::Int(i)) => Ok(Value::Int(*i)),
            Some(v) => Ok(v.clone()),
            None => self.global(ck.fallback[s as usize]),
        }
    }

    /// Runs code frames until the top frame is a job, the program ends, a
    /// host verb waits or the fuel runs out.
    fn run_code(&mut self, fuel: &mut u64, host: &mut dyn Host) -> OResult<()> {
        // The fuel is counted in a local (a register) and stored on the way out.
        let mut left = *fuel;
        let r = self.run_frames(&mut left, host);
        *fuel = left;
        r
    }

    /// The body of [`Interp::run_code`].
    #[inline(always)]
    fn run_frames(&mut self, fuel: &mut u64, host: &mut dyn Host) -> OResult<()> {
        let mut fi = self.frames.len() - 1;
        let (mut chunk, mut pc, mut lbase, mut sbase, mut job_own) = match &self.frames[fi] {
            Frame::Code(f) => (f.chunk, f.pc, f.lbase, f.sbase, f.job_own),
            Frame::Job(_) => return Ok(()),
        };
        macro_rules! save {
            () => {
                if let Frame::Code(f) = &mut self.frames[fi] {
                    f.pc = pc;
                }
            };
        }
        // The stacks and limits, borrowed apart from the globals.
        macro_rules! parts {
            () => {
                Parts {
                    frames: &mut self.frames,
                    stack: &mut self.stack,
                    locals: &mut self.locals,
                    limits: &self.limits,
                }
            };
        }
        macro_rules! later {
            ($r:expr) => {
                match $r {
                    Some(v) => {
                        if crate::value::take_too_deep() {
                            return Err(limit("value too deep or too large"));
                        }
                        self.stack.push(v)
                    }
                    None => {
                        save!();
                        return Ok(());
                    }
                }
            };
        }
        // A call of global lambda `$l` not in tail position, run in the
        // int kernel when it can be (see `kernel_call`).
        macro_rules! kernel {
            ($l:expr, $n:expr, $arg:expr) => {
                if $l.chunk.kernel.is_some() {
                    match Interp::kernel_call(
                        &self.globals,
                        parts!(),
                        &mut self.kstack,
                        $l,
                        $n,
                        $arg,
                        fuel,
                    ) {
                        Some(KExit::Value(v)) => {
                            push_int(&mut self.stack, v);
                            continue;
                        }
                        Some(KExit::Frames) => {
                            fi = self.frames.len() - 1;
                            if let Frame::Code(f) = &self.frames[fi] {
                                (chunk, pc, lbase, sbase, job_own) =
                                    (f.chunk, f.pc, f.lbase, f.sbase, f.job_own);
                            }
                            continue;
                        }
                        None => {}
                    }
                }
            };
        }
        // Calls global `$g` with the top `$n` stack values (the body of
        // `CallGlobal`, shared with the fused ops that push the argument).
        macro_rules! call_global {
            ($ck:expr, $g:expr, $n:expr) => {{
                let (ck, g, n): (&Chunk, u32, u32) = ($ck, $g, $n);
                let n = n as usize;
                // The function stays in its global, borrowed while the
                // call is set up (no reference count is touched).
                if let Some(Value::Func(_, func)) = &self.globals.vals[g as usize]
                    && let Func::Lambda(l) = &**func
                    && self.can_enter(l, n)
                {
                    let tail = is_tail(ck, pc);
                    if !tail {
                        save!();
                        kernel!(l, n, None);
                    }
                    (chunk, lbase) = Interp::enter_lambda_with(parts!(), l, n, None, tail, lbase)?;
                    job_own = false;
                    sbase = self.stack.len();
                    fi = self.frames.len() - 1;
                    pc = 0;
                    continue;
                }
                let f = self.global(g)?;
                let mut args = Vec::with_capacity(n);
                for _ in 0..n {
                    args.push(self.pop());
                }
                later!(self.call(f, args, host)?);
            }};
        }
        loop {
            if *fuel == 0 {
                save!();
                return Ok(());
            }
            *fuel -= 1;
            // SAFETY: `chunk` always points at the chunk of frame `fi`, the
            // top code frame, which that frame (or an owning frame below it
            // with the same chunk, see `CodeFrame`) keeps alive; it is
            // re-pointed whenever that frame is pushed or popped, before any
            // further use.
            let ck: &Chunk = unsafe { chunk.0.as_ref() };
            let op = ck.code[pc];
            pc += 1;
            match op {
                Op::Const(i) => self.stack.push(ck.consts[i as usize].clone()),
                Op::Local(s) => {
                    let v = self.local(ck, lbase, s)?;
                    self.stack.push(v);
                }
                Op::Global(g) => {
                    let v = self.global(g)?;
                    self.stack.push(v);
                }
                Op::SetLocal(s) => {
                    let v = self.stack.last().cloned().unwrap_or(Value::Nil);
                    self.locals[lbase + s as usize] = Some(v);
                }
                Op::SetGlobal(g) => {
                    let v = self.stack.last().cloned().unwrap_or(Value::Nil);
                    self.globals.vals[g as usize] = Some(v);
                }
                Op::Pop => {
                    self.stack.pop();
                }
                Op::Monad(v) => {
                    let x = self.pop();
                    later!(self.monad(v, x)?);
                }
                Op::Dyad(v) => {
                    // Two ints on top: the result replaces them in place,
                    // with no value popped, pushed or dropped.
                    let len = self.stack.len();
                    if len >= 2
                        && let Value::Int(a) = self.stack[len - 1]
                        && let Value::Int(b) = &mut self.stack[len - 2]
                        && let Some(r) = int_dyad(v, a, *b)
                    {
                        *b = r;
                        // SAFETY: `len >= 2`, and the element given up is
                        // the top one, an `Int`, which owns nothing, so
                        // shortening the vector over it leaks nothing.
                        unsafe { self.stack.set_len(len - 1) };
                        continue;
                    }
                    let x = self.pop();
                    let y = self.pop();
                    later!(self.dyad(v, x, y, host)?);
                }
                Op::DyadLocalConst(v, l, c) => {
                    let y = &ck.consts[c as usize];
                    if let (Some(Value::Int(a)), Value::Int(b)) =
                        (&self.locals[lbase + l as usize], y)
                        && let Some(r) = int_dyad(v, *a, *b)
                    {
                        push_int(&mut self.stack, r);
                        continue;
                    }
                    let y = y.clone();
                    let x = self.local(ck, lbase, l)?;
                    later!(self.dyad(v, x, y, host)?);
                }
                Op::DyadLocalLocal(v, l, r) => {
                    if let (Some(Value::Int(a)), Some(Value::Int(b))) = (
                        &self.locals[lbase + l as usize],
                        &self.locals[lbase + r as usize],
                    ) && let Some(z) = int_dyad(v, *a, *b)
                    {
                        push_int(&mut self.stack, z);
                        continue;
                    }
                    let y = self.local(ck, lbase, r)?;
                    let x = self.local(ck, lbase, l)?;
                    later!(self.dyad(v, x, y, host)?);
                }
                Op::JumpUnlessLocalConst(v, l, c, t) => {
                    let y = &ck.consts[c as usize];
                    if let (Some(Value::Int(a)), Value::Int(b)) =
                        (&self.locals[lbase + l as usize], y)
                        && let Some(r) = int_dyad(v, *a, *b)
                    {
                        if r == 0 {
                            pc = t as usize;
                        }
                        continue;
                    }
                    let y = y.clone();
                    let x = self.local(ck, lbase, l)?;
                    // The compiler fuses only verbs whose dyad is computed
                    // at once (`int_verb`), never a call that returns later.
                    let Some(r) = self.dyad(v, x, y, host)? else {
                        return Err(OError::new(
                            ErrorKind::Type,
                            format!("'{}' in a condition did not give a value.", v.as_char()),
                        ));
                    };
                    if crate::value::take_too_deep() {
                        return Err(limit("value too deep or too large"));
                    }
                    if !truthy(&r) {
                        pc = t as usize;
                    }
                }
                Op::Call(n) => {
                    let f = self.pop();
                    let n = n as usize;
                    if let Value::Func(_, func) = &f
                        && let Func::Lambda(l) = &**func
                        && self.can_enter(l, n)
                    {
                        let tail = is_tail(ck, pc);
                        if !tail {
                            save!();
                        }
                        (chunk, lbase) = self.enter_lambda(l, n, tail, lbase)?;
                        job_own = false;
                        sbase = self.stack.len();
                        fi = self.frames.len() - 1;
                        pc = 0;
                        continue;
                    }
                    let mut args = Vec::with_capacity(n);
                    for _ in 0..n {
                        args.push(self.pop());
                    }
                    later!(self.call(f, args, host)?);
                }
                Op::CallGlobal(g, n) => call_global!(ck, g, n),
                Op::CallGlobalLocalConst(g, v, l, c) => {
                    let y = &ck.consts[c as usize];
                    if let (Some(Value::Int(a)), Value::Int(b)) =
                        (&self.locals[lbase + l as usize], y)
                        && let Some(r) = int_dyad(v, *a, *b)
                    {
                        // A lambda of one parameter takes the int straight
                        // into it (as `call_global!` does, with the int
                        // never pushed).
                        if let Some(Value::Func(_, func)) = &self.globals.vals[g as usize]
                            && let Func::Lambda(lm) = &**func
                            && lm.chunk.nparams == 1
                        {
                            let tail = is_tail(ck, pc);
                            if !tail {
                                save!();
                                kernel!(lm, 0, Some(r));
                            }
                            (chunk, lbase) =
                                Interp::enter_lambda_with(parts!(), lm, 0, Some(r), tail, lbase)?;
                            job_own = false;
                            sbase = self.stack.len();
                            fi = self.frames.len() - 1;
                            pc = 0;
                            continue;
                        }
                        push_int(&mut self.stack, r);
                    } else {
                        let y = y.clone();
                        let x = self.local(ck, lbase, l)?;
                        // The compiler fuses only verbs whose dyad is
                        // computed at once (`int_verb`).
                        let Some(r) = self.dyad(v, x, y, host)? else {
                            return Err(OError::new(
                                ErrorKind::Type,
                                format!("'{}' in an argument did not give a value.", v.as_char()),
                            ));
                        };
                        if crate::value::take_too_deep() {
                            return Err(limit("value too deep or too large"));
                        }
                        self.stack.push(r);
                    }
                    call_global!(ck, g, 1)
                }
                Op::TrainHole(v) => {
                    let r = self.pop();
                    match self.locals.get(lbase + 1).cloned().flatten() {
                        Some(l) => later!(self.dyad(v, l, r, host)?),
                        None => later!(self.monad(v, r)?),
                    }
                }
                Op::Curry(v) => {
                    let l = self.pop();
                    self.stack.push(Value::func(Func::Curry(v, l)));
                }
                Op::List(n) => {
                    let mut items = Vec::with_capacity(n as usize);
                    for _ in 0..n {
                        items.push(self.pop());
                    }
                    self.stack.push(Value::from_items(items));
                    if crate::value::take_too_deep() {
                        return Err(limit("value too deep or too large"));
                    }
                }
                Op::Dict(k) => {
                    let keys = ck.consts[k as usize].clone();
                    let n = keys.len();
                    let mut vals = vec![Value::Nil; n];
                    for i in (0..n).rev() {
                        vals[i] = self.pop();
                    }
                    self.stack.push(Value::dict(keys, Value::from_items(vals)));
                }
                Op::Closure(t) => {
                    let tpl = ck.templates[t as usize].clone();
                    let captures = tpl
                        .capture_from
                        .iter()
                        .map(|&s| self.locals[lbase + s as usize].clone())
                        .collect();
                    let train = matches!(tpl.src, crate::compile::ChunkSrc::Train(_));
                    let l = Lambda {
                        chunk: tpl,
                        captures,
                    };
                    self.stack.push(Value::func(if train {
                        Func::Train(l)
                    } else {
                        Func::Lambda(l)
                    }));
                }
                Op::Derive(adv) => {
                    let f = self.pop();
                    self.stack.push(Value::func(Func::Derived(f, adv)));
                }
                Op::Jump(t) => pc = t as usize,
                Op::JumpIfFalse(t) => {
                    let c = self.pop();
                    if !truthy(&c) {
                        pc = t as usize;
                    }
                }
                Op::Amend(n, op) => {
                    let target = self.pop();
                    let mut idx = Vec::with_capacity(n as usize);
                    for _ in 0..n {
                        idx.push(self.pop());
                    }
                    let v = self.pop();
                    let r = index::amend(target, &idx, op, &v)?;
                    self.stack.push(r);
                }
                Op::Return | Op::ReturnLocal(_) | Op::ReturnDyad(_) => {
                    let v = match op {
                        Op::ReturnLocal(s) => match &self.locals[lbase + s as usize] {
                            Some(Value::Int(i)) => Value::Int(*i),
                            _ => self.local(ck, lbase, s)?,
                        },
                        Op::ReturnDyad(v) => {
                            let len = self.stack.len();
                            if len >= 2
                                && let Value::Int(a) = self.stack[len - 1]
                                && let Value::Int(b) = self.stack[len - 2]
                                && let Some(r) = int_dyad(v, a, b)
                            {
                                // SAFETY: `len >= 2` and both elements given
                                // up are `Int`s, which own nothing.
                                unsafe { self.stack.set_len(len - 2) };
                                Value::Int(r)
                            } else {
                                let x = self.pop();
                                let y = self.pop();
                                match self.dyad(v, x, y, host)? {
                                    Some(r) => {
                                        if crate::value::take_too_deep() {
                                            return Err(limit("value too deep or too large"));
                                        }
                                        r
                                    }
                                    // The dyad called a function: its result
                                    // comes back to the `Return` after this.
                                    None => {
                                        save!();
                                        return Ok(());
                                    }
                                }
                            }
                        }
                        _ => self.pop(),
                    };
                    if self.stack.len() > sbase {
                        self.stack.truncate(sbase);
                    }
                    if job_own
                        && fi > 0
                        && let Frame::Job(job) = &mut self.frames[fi - 1]
                    {
                        let mut v = v;
                        // A fold over ints of a lambda with an int kernel:
                        // whole calls run in the kernel while the fuel
                        // lasts for one more (the rest go the general way).
                        if let (Some(k), Value::Int(acc)) = (&ck.kernel, &v)
                            && *fuel > k.code.len() as u64
                            && let Some(fold) = job.int_fold()
                            && let Some(r) = run_int_fold(
                                &self.globals,
                                &mut self.kstack,
                                &self.locals[lbase..lbase + ck.nlocals],
                                fold,
                                *acc,
                                fuel,
                            )
                        {
                            v = Value::Int(r);
                        }
                        if *fuel == 0 {
                            self.locals.truncate(lbase);
                            self.frames.pop();
                            self.input = Some(v);
                            return Ok(());
                        }
                        // The job below takes the result at once; when it
                        // calls its lambda again, the arguments go straight
                        // into this frame's parameters and it reruns.
                        *fuel -= 1;
                        let np = ck.nparams;
                        match job.resume_own(v, &mut self.locals[lbase..lbase + np]) {
                            Ok(()) => {
                                for s in &mut self.locals[lbase + np..lbase + ck.capture_base] {
                                    *s = None;
                                }
                                pc = 0;
                                continue;
                            }
                            Err(v) => {
                                let step = job.step(Some(v))?;
                                self.locals.truncate(lbase);
                                self.frames.pop();
                                return self.after_step(step, host);
                            }
                        }
                    }
                    drop_locals(&mut self.locals, lbase);
                    self.frames.pop();
                    match self.frames.last() {
                        Some(Frame::Code(f)) => {
                            chunk = f.chunk;
                            pc = f.pc;
                            lbase = f.lbase;
                            job_own = f.job_own;
                            sbase = f.sbase;
                            fi = self.frames.len() - 1;
                            push_value(&mut self.stack, v);
                        }
                        _ => {
                            self.deliver(v);
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

/// Pushes int `i` on the operand stack, written in place (a `Value`
/// pushed by `Vec::push` is built on the Rust stack and copied with a wide
/// load that stalls on the narrow stores just made).
#[inline(always)]
fn push_int(stack: &mut Vec<Value>, i: i64) {
    let len = stack.len();
    if len == stack.capacity() {
        stack.reserve(1);
    }
    // SAFETY: the slot at `len` is within the capacity, aligned and
    // unused; it is written before the length covers it.
    unsafe {
        crate::value::write_int(stack.as_mut_ptr().add(len), i);
        stack.set_len(len + 1);
    }
}

/// Pushes `v` on the operand stack, written in place (see [`push_int`]).
#[inline(always)]
fn push_value(stack: &mut Vec<Value>, v: Value) {
    let len = stack.len();
    if len == stack.capacity() {
        stack.reserve(1);
    }
    // SAFETY: the slot at `len` is within the capacity; it is written
    // before the length covers it.
    unsafe {
        stack.as_mut_ptr().add(len).write(v);
        stack.set_len(len + 1);
    }
}

/// Truncates the locals to `base`, dropping only values that own something
/// (ints and unset slots are just forgotten).
#[inline(always)]
fn drop_locals(locals: &mut Vec<Option<Value>>, base: usize) {
    while let len @ 1.. = locals.len()
        && len > base
    {
        if let None | Some(Value::Int(_)) = locals[len - 1] {
            // SAFETY: `len >= 1`, and the slot given up is unset or an
            // int, which owns nothing, so shortening over it leaks nothing.
            unsafe { locals.set_len(len - 1) };
        } else {
            locals.pop();
        }
    }
}

/// True when `args` can be moved into the parameters of a lambda taking
/// `np` (all of them, none nil: otherwise the call makes a projection).
fn fits(np: usize, args: &Args) -> bool {
    np == args.len()
        && match args {
            Args::One(a) => !is_nil(a),
            Args::Two(a, b) => !is_nil(a) && !is_nil(b),
            Args::Many(v) => np > 0 && !v.iter().any(is_nil),
        }
}

/// Moves `args` into fresh local slots.
fn push_args(locals: &mut Vec<Option<Value>>, args: Args) {
    match args {
        Args::One(a) => locals.push(Some(a)),
        Args::Two(a, b) => {
            locals.push(Some(a));
            locals.push(Some(b));
        }
        Args::Many(v) => locals.extend(v.into_iter().map(Some)),
    }
}

/// True when the instruction at `pc` returns at once (the compiler turns a
/// jump to a return into a return): a call just before it is a tail call.
#[inline(always)]
fn is_tail(ck: &Chunk, pc: usize) -> bool {
    matches!(ck.code.get(pc), Some(Op::Return))
}

#[allow(dead_code)]
fn assert_send() {
    fn is_send<T: Send>() {}
    is_send::<Interp>();
    is_send::<Value>();
}
