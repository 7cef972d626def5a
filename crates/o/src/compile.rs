//! Compiler: syntax tree to a flat stack code, with names resolved.
//!
//! Each lambda (and each train) becomes a [`Chunk`]. Parameters and names
//! assigned inside a lambda are local slots; a name that is local to an
//! enclosing lambda is captured by value when the closure is made; every
//! other name is a global, resolved to an index into the global table at
//! compile time, so the machine never looks a name up by string. A local
//! read before it is assigned falls back to the global of the same name,
//! as oK's environments do (`a:0;{a+:1;a}'1 2 3` gives `1 1 1`).
//!
//! Arguments are evaluated right to left, as in oK, and pushed so that the
//! first argument ends on top of the operand stack.
//!
//! A peephole pass fuses common sequences into one instruction (one step of
//! fuel): a dyad on a local and a constant or two locals, a condition that
//! tests a local against a constant, a global called on such a dyad
//! (`f[x-1]`), and a local read or dyad just before a return; a jump to a
//! return becomes the return. None of these crosses a jump target.
//!
//! A lambda whose locals are its parameters and captures, and whose code
//! only reads locals and int constants, applies int verbs, branches,
//! returns and calls globals, also gets an int kernel ([`KOp`], see
//! [`int_kernel`]): the same code over unboxed ints, which the machine runs
//! for folds over int vectors and for calls on ints ([`crate::kernel`]).

use crate::ast::{LambdaSrc, Node};
use crate::error::OResult;
use crate::value::{Adverb, Func, Sym, Value, Verb};
use std::collections::HashMap;
use std::sync::Arc;

/// One instruction of the stack code.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    Const(u32),
    Local(u16),
    Global(u32),
    SetLocal(u16),
    SetGlobal(u32),
    Pop,
    Monad(Verb),
    Dyad(Verb),
    /// `Const(c) Local(l) Dyad(v)` fused: pushes `local l` v `const c`.
    DyadLocalConst(Verb, u16, u32),
    /// `Local(r) Local(l) Dyad(v)` fused: pushes `local l` v `local r`.
    DyadLocalLocal(Verb, u16, u16),
    /// `DyadLocalConst(v, l, c) JumpIfFalse(t)` fused: jumps to `t` unless
    /// `local l` v `const c` is true.
    JumpUnlessLocalConst(Verb, u16, u32, u32),
    /// Pops the function, then `n` arguments (first on top), and applies.
    Call(u32),
    /// Applies global `g` to `n` arguments popped from the stack.
    CallGlobal(u32, u32),
    /// `DyadLocalConst(v, l, c) CallGlobal(g, 1)` fused, for the verbs of
    /// [`int_verb`] (whose dyad never calls a function).
    CallGlobalLocalConst(u32, Verb, u16, u32),
    /// Pops a left argument and binds it to the verb (`2+`).
    Curry(Verb),
    /// The verb at a train's hole: pops the right argument and applies the
    /// verb dyadically when the train was called with two arguments.
    TrainHole(Verb),
    /// Pops `n` items (first on top) and makes a list.
    List(u32),
    /// Makes a dictionary: keys from a constant, values popped (last on top).
    Dict(u32),
    /// Makes a closure from a template.
    Closure(u32),
    /// Pops a function and makes a derived verb.
    Derive(Adverb),
    Jump(u32),
    JumpIfFalse(u32),
    /// Pops the target, `n` indices (first on top) and the value; amends.
    Amend(u32, Option<Verb>),
    Return,
    /// `Local(s) Return` fused (the `Return` stays after it as a jump target).
    ReturnLocal(u16),
    /// `Dyad(v) Return` fused (the `Return` stays after it as a jump target,
    /// and is where a dyad that calls a function resumes).
    ReturnDyad(Verb),
}

/// One instruction of a chunk's int kernel: the chunk's own code, one
/// instruction for one (same indices, same fuel), with every operand known
/// to be an int, constants as immediates and verbs limited to
/// [`int_verb`]. See [`int_kernel`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum KOp {
    Const(i64),
    Local(u16),
    DyadLocalConst(Verb, u16, i64),
    DyadLocalLocal(Verb, u16, u16),
    Dyad(Verb),
    JumpUnlessLocalConst(Verb, u16, i64, u32),
    Jump(u32),
    JumpIfFalse(u32),
    Pop,
    Return,
    ReturnLocal(u16),
    ReturnDyad(Verb),
    /// `DyadLocalConst` just before a `Return`, fused (two units of fuel).
    ReturnDyadLocalConst(Verb, u16, i64),
    /// `DyadLocalLocal` just before a `Return`, fused (two units of fuel).
    ReturnDyadLocalLocal(Verb, u16, u16),
    /// Calls global `g` with `n` operands (first on top): run in the
    /// kernel only when the global is a lambda with a kernel.
    CallGlobal(u32, u16),
    /// Calls global `g` with `local l` v `const c`, as `CallGlobal`.
    CallGlobalLocalConst(u32, Verb, u16, i64),
}

/// A chunk's int kernel: its code, and whether it calls globals (then
/// only the machine's kernel calls run it, see [`crate::kernel`]).
#[derive(Clone, Debug)]
pub(crate) struct Kernel {
    pub(crate) code: Box<[KOp]>,
    pub(crate) calls: bool,
}

/// Most local slots (parameters and captures) an int kernel reads.
pub(crate) const KERNEL_LOCALS: usize = 8;
/// Most operands an int kernel keeps on its stack at once.
pub(crate) const KERNEL_STACK: usize = 16;

/// What a chunk was compiled from (for printing functions).
#[derive(Debug)]
pub(crate) enum ChunkSrc {
    Top,
    Lambda(Arc<LambdaSrc>),
    Train(Box<Node>),
}

/// Compiled code for a program, lambda or train.
#[derive(Debug)]
pub struct Chunk {
    pub(crate) code: Vec<Op>,
    pub(crate) consts: Vec<Value>,
    pub(crate) templates: Vec<Arc<Chunk>>,
    pub(crate) nparams: usize,
    pub(crate) nlocals: usize,
    /// Per local slot, the global read when the slot is unset.
    pub(crate) fallback: Vec<u32>,
    /// Enclosing slots copied into this chunk's capture slots.
    pub(crate) capture_from: Vec<u16>,
    pub(crate) capture_base: usize,
    pub(crate) src: ChunkSrc,
    pub(crate) train_is_adverb: bool,
    /// A train's valence as oK computes it (1 or 2; 0 for other chunks).
    pub(crate) train_valence: u8,
    /// A train whose hole is a plain verb can be applied to two arguments.
    pub(crate) train_dyadic: bool,
    /// The code as an int kernel, when the chunk is a lambda that, given
    /// ints in all its locals, computes an int, calling nothing but globals
    /// (see [`int_kernel`]).
    pub(crate) kernel: Option<Kernel>,
}

/// The global variable table: names resolved to indices at compile time.
#[derive(Default, Debug)]
pub struct Globals {
    pub(crate) names: Vec<Sym>,
    pub(crate) vals: Vec<Option<Value>>,
    index: HashMap<Sym, u32>,
}

impl Globals {
    /// The index of `name`, adding it (unset) if new.
    pub fn intern(&mut self, name: &Sym) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.clone());
        self.vals.push(None);
        self.index.insert(name.clone(), i);
        i
    }
    /// The index of `name`, if known.
    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }
}

struct Scope {
    top: bool,
    slots: Vec<Sym>,
    capture_from: Vec<u16>,
    capture_base: usize,
}

struct Builder {
    /// Code before this index may be a jump target: no fusing across it.
    barrier: usize,
    code: Vec<Op>,
    consts: Vec<Value>,
    templates: Vec<Arc<Chunk>>,
}

struct Compiler<'g> {
    globals: &'g mut Globals,
    scopes: Vec<Scope>,
}

/// Compiles a parsed program into a top-level chunk.
pub fn compile_program(body: &[Node], globals: &mut Globals) -> OResult<Arc<Chunk>> {
    let mut c = Compiler {
        globals,
        scopes: vec![Scope {
            top: true,
            slots: vec![],
            capture_from: vec![],
            capture_base: 0,
        }],
    };
    let mut b = Builder {
        barrier: 0,
        code: vec![],
        consts: vec![],
        templates: vec![],
    };
    c.body(body, &mut b);
    Ok(Arc::new(Chunk {
        code: b.code,
        consts: b.consts,
        templates: b.templates,
        nparams: 0,
        nlocals: 0,
        fallback: vec![],
        capture_from: vec![],
        capture_base: 0,
        src: ChunkSrc::Top,
        train_is_adverb: false,
        train_valence: 0,
        train_dyadic: false,
        kernel: None,
    }))
}

fn assigned_names(n: &Node, out: &mut Vec<Sym>) {
    match n {
        Node::Assign {
            name,
            global,
            value,
        } => {
            if !global && !out.contains(name) {
                out.push(name.clone());
            }
            assigned_names(value, out);
        }
        Node::IndexAssign {
            name,
            index,
            value,
            global,
            ..
        } => {
            if !global && !out.contains(name) {
                out.push(name.clone());
            }
            index.iter().for_each(|i| assigned_names(i, out));
            assigned_names(value, out);
        }
        Node::List(v) | Node::Args(v) | Node::Cond(v) => {
            v.iter().for_each(|i| assigned_names(i, out))
        }
        Node::Verb { l, r, curry, .. } => {
            l.iter()
                .chain(r.iter())
                .for_each(|i| assigned_names(i, out));
            curry.iter().flatten().for_each(|i| assigned_names(i, out));
        }
        Node::Adverb { verb, l, r, .. } => {
            assigned_names(verb, out);
            l.iter()
                .chain(r.iter())
                .for_each(|i| assigned_names(i, out));
        }
        Node::Quote(x) | Node::Train(x) => assigned_names(x, out),
        Node::Dict(v) => v.iter().for_each(|(_, i)| assigned_names(i, out)),
        Node::Nil | Node::Lit(_) | Node::Lambda(_) | Node::Name(_) | Node::Hole => {}
    }
}

/// True when a train's hole is a plain verb (no left argument, not forced
/// monadic), which oK lets a train apply dyadically.
fn hole_is_plain_verb(n: &Node) -> bool {
    let mut n = n;
    loop {
        match n {
            Node::Verb {
                r: Some(x),
                l,
                monad,
                curry: None,
                ..
            } => {
                if matches!(**x, Node::Hole) {
                    return l.is_none() && !monad;
                }
                n = x;
            }
            Node::Adverb { r: Some(x), .. } => {
                if matches!(**x, Node::Hole) {
                    return false;
                }
                n = x;
            }
            _ => return false,
        }
    }
}

/// Emits a call of the function just pushed, fusing `Global` + `Call`.
fn call(b: &mut Builder, n: u32) {
    if let (Some(Op::Global(g)), true) = (b.code.last().copied(), b.code.len() > b.barrier) {
        b.code.pop();
        let len = b.code.len();
        // `f[x-1]`: the one argument is a local-constant int dyad.
        if n == 1
            && len > b.barrier
            && let Some(Op::DyadLocalConst(v, l, c)) = b.code.last().copied()
            && int_verb(v)
        {
            b.code[len - 1] = Op::CallGlobalLocalConst(g, v, l, c);
            return;
        }
        b.code.push(Op::CallGlobal(g, n));
    } else {
        b.code.push(Op::Call(n));
    }
}

/// Emits `Dyad(v)` for the two operands just pushed, fusing it with
/// operand loads from a local and a constant or from two locals (none of
/// them a jump target).
fn dyad(b: &mut Builder, v: Verb) {
    let n = b.code.len();
    if n >= 2 && n - 2 >= b.barrier {
        let fused = match (b.code[n - 2], b.code[n - 1]) {
            (Op::Const(c), Op::Local(l)) => Some(Op::DyadLocalConst(v, l, c)),
            (Op::Local(r), Op::Local(l)) => Some(Op::DyadLocalLocal(v, l, r)),
            _ => None,
        };
        if let Some(op) = fused {
            b.code.truncate(n - 2);
            b.code.push(op);
            return;
        }
    }
    b.code.push(Op::Dyad(v));
}

/// Emits a conditional jump (target patched later by [`patch_jump`]) on the
/// value just computed, fusing it with a local-constant comparison.
fn jump_if_false(b: &mut Builder) -> usize {
    let n = b.code.len();
    if n > b.barrier
        && let Some(Op::DyadLocalConst(v, l, c)) = b.code.last().copied()
        && int_verb(v)
    {
        b.code[n - 1] = Op::JumpUnlessLocalConst(v, l, c, 0);
        return n - 1;
    }
    b.code.push(Op::JumpIfFalse(0));
    n
}

/// True for the verbs whose result on two ints is an int computed at once
/// (never a call), which a fused conditional jump can test in place.
pub(crate) fn int_verb(v: Verb) -> bool {
    matches!(
        v,
        Verb::Plus
            | Verb::Minus
            | Verb::Times
            | Verb::Less
            | Verb::More
            | Verb::Equal
            | Verb::And
            | Verb::Or
    )
}

/// The int kernel of a lambda's code whose locals are all parameters or
/// captures (`nlocals` of them): `Some` when every instruction is one of
/// [`KOp`]'s, on int constants and [`int_verb`]s only, so that with ints
/// in all the locals every value the code computes is an int and no
/// instruction fails or reads a global other than to call it (a call is
/// run in the kernel only when the global is a lambda with a kernel, so
/// that it returns an int too). The operand stack depth is checked along
/// every path (jumps only go forward) and bounded by [`KERNEL_STACK`];
/// every return has an operand to return.
pub(crate) fn int_kernel(code: &[Op], consts: &[Value], nlocals: usize) -> Option<Kernel> {
    if nlocals > KERNEL_LOCALS || code.is_empty() {
        return None;
    }
    let int = |c: u32| match consts.get(c as usize) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    };
    let local = |l: u16| ((l as usize) < nlocals).then_some(l);
    let verb = |v: Verb| int_verb(v).then_some(v);
    // Depth before each instruction (`None`: not reached yet).
    let mut depth: Vec<Option<usize>> = vec![None; code.len() + 1];
    depth[0] = Some(0);
    let mut out = Vec::with_capacity(code.len());
    for (pc, op) in code.iter().enumerate() {
        let d = depth[pc];
        // (the kernel op, the depth it needs, the depth after, a jump target)
        let (k, need, after, target) = match *op {
            Op::Const(c) => (KOp::Const(int(c)?), 0, 1, None),
            Op::Local(l) => (KOp::Local(local(l)?), 0, 1, None),
            Op::DyadLocalConst(v, l, c) => (
                KOp::DyadLocalConst(verb(v)?, local(l)?, int(c)?),
                0,
                1,
                None,
            ),
            Op::DyadLocalLocal(v, l, r) => (
                KOp::DyadLocalLocal(verb(v)?, local(l)?, local(r)?),
                0,
                1,
                None,
            ),
            Op::Dyad(v) => (KOp::Dyad(verb(v)?), 2, -1, None),
            Op::JumpUnlessLocalConst(v, l, c, t) => (
                KOp::JumpUnlessLocalConst(verb(v)?, local(l)?, int(c)?, t),
                0,
                0,
                Some(t),
            ),
            Op::Jump(t) => (KOp::Jump(t), 0, 0, Some(t)),
            Op::JumpIfFalse(t) => (KOp::JumpIfFalse(t), 1, -1, Some(t)),
            Op::Pop => (KOp::Pop, 1, -1, None),
            Op::Return => (KOp::Return, 1, 0, None),
            Op::ReturnLocal(l) => (KOp::ReturnLocal(local(l)?), 0, 0, None),
            Op::ReturnDyad(v) => (KOp::ReturnDyad(verb(v)?), 2, 0, None),
            Op::CallGlobal(g, n) if (1..=KERNEL_LOCALS as u32).contains(&n) => (
                KOp::CallGlobal(g, n as u16),
                n as usize,
                1 - n as isize,
                None,
            ),
            Op::CallGlobalLocalConst(g, v, l, c) => (
                KOp::CallGlobalLocalConst(g, verb(v)?, local(l)?, int(c)?),
                0,
                1,
                None,
            ),
            _ => return None,
        };
        out.push(k);
        // Unreached code (after a return or jump) is never run.
        let Some(d) = d else { continue };
        if d < need {
            return None;
        }
        let nd = (d as isize + after) as usize;
        if nd > KERNEL_STACK {
            return None;
        }
        let mut merge = |at: usize| -> Option<()> {
            let slot = depth.get_mut(at)?;
            match *slot {
                None => *slot = Some(nd),
                Some(x) if x == nd => {}
                Some(_) => return None,
            }
            Some(())
        };
        if let Some(t) = target {
            if (t as usize) <= pc {
                return None;
            }
            merge(t as usize)?;
        }
        let falls = !matches!(
            k,
            KOp::Jump(_) | KOp::Return | KOp::ReturnLocal(_) | KOp::ReturnDyad(_)
        );
        if falls {
            merge(pc + 1)?;
        }
    }
    // No path may run off the end of the code.
    if depth[code.len()].is_some() {
        return None;
    }
    // A dyad on locals or a constant just before a return is fused into it
    // (the return stays in place for jumps to it).
    for pc in 0..out.len().saturating_sub(1) {
        if let KOp::Return = out[pc + 1] {
            out[pc] = match out[pc] {
                KOp::DyadLocalConst(v, l, c) => KOp::ReturnDyadLocalConst(v, l, c),
                KOp::DyadLocalLocal(v, l, r) => KOp::ReturnDyadLocalLocal(v, l, r),
                other => other,
            };
        }
    }
    let calls = out
        .iter()
        .any(|k| matches!(k, KOp::CallGlobal(..) | KOp::CallGlobalLocalConst(..)));
    Some(Kernel {
        code: out.into_boxed_slice(),
        calls,
    })
}

/// Replaces each jump to a `Return` with the `Return` itself (the branch of
/// a condition in tail position returns at once).
fn return_for_jumps_to_return(code: &mut [Op]) {
    // Backwards, so a jump to a jump (nested conditions) that reaches a
    // return is resolved first: jumps only go forward.
    for i in (0..code.len()).rev() {
        if let Op::Jump(t) = code[i]
            && (t as usize) > i
            && matches!(code.get(t as usize), Some(Op::Return))
        {
            code[i] = Op::Return;
        }
    }
}

/// Fuses a local read or a dyad just before a `Return` into it. The
/// `Return` itself stays, so jumps to it and a resumed dyad still find it;
/// a jump to the fused instruction does what the pair did.
fn fuse_returns(code: &mut [Op]) {
    for i in 1..code.len() {
        if matches!(code[i], Op::Return) {
            code[i - 1] = match code[i - 1] {
                Op::Local(s) => Op::ReturnLocal(s),
                Op::Dyad(v) => Op::ReturnDyad(v),
                other => other,
            };
        }
    }
}

/// Points the jump at `at` to `target`.
fn patch_jump(b: &mut Builder, at: usize, target: u32) {
    b.code[at] = match b.code[at] {
        Op::JumpUnlessLocalConst(v, l, c, _) => Op::JumpUnlessLocalConst(v, l, c, target),
        Op::JumpIfFalse(_) => Op::JumpIfFalse(target),
        other => other,
    };
}

enum Slot {
    Local(u16),
    Global(u32),
}

impl Compiler<'_> {
    fn resolve_in(&mut self, depth: usize, name: &Sym) -> Option<u16> {
        let sc = &self.scopes[depth];
        if sc.top {
            return None;
        }
        if let Some(i) = sc.slots.iter().position(|s| s == name) {
            return Some(i as u16);
        }
        if depth == 0 {
            return None;
        }
        let parent = self.resolve_in(depth - 1, name)?;
        let sc = &mut self.scopes[depth];
        sc.slots.push(name.clone());
        sc.capture_from.push(parent);
        Some((sc.slots.len() - 1) as u16)
    }

    fn resolve(&mut self, name: &Sym) -> Slot {
        let d = self.scopes.len() - 1;
        match self.resolve_in(d, name) {
            Some(s) => Slot::Local(s),
            None => Slot::Global(self.globals.intern(name)),
        }
    }

    fn konst(&mut self, b: &mut Builder, v: Value) {
        b.consts.push(v);
        b.code.push(Op::Const((b.consts.len() - 1) as u32));
    }

    fn body(&mut self, body: &[Node], b: &mut Builder) {
        if body.is_empty() {
            self.konst(b, Value::Nil);
        }
        for (i, e) in body.iter().enumerate() {
            if i > 0 {
                b.code.push(Op::Pop);
            }
            self.expr(e, b);
        }
        b.code.push(Op::Return);
        return_for_jumps_to_return(&mut b.code);
        fuse_returns(&mut b.code);
    }

    fn template(&mut self, params: Vec<Sym>, body: &[Node], src: ChunkSrc, b: &mut Builder) -> u32 {
        let mut slots = params.clone();
        let mut assigned = Vec::new();
        body.iter().for_each(|n| assigned_names(n, &mut assigned));
        for a in assigned {
            if !slots.contains(&a) {
                slots.push(a);
            }
        }
        let capture_base = slots.len();
        self.scopes.push(Scope {
            top: false,
            slots,
            capture_from: vec![],
            capture_base,
        });
        let mut inner = Builder {
            barrier: 0,
            code: vec![],
            consts: vec![],
            templates: vec![],
        };
        self.body(body, &mut inner);
        let sc = self.scopes.pop().unwrap_or(Scope {
            top: false,
            slots: vec![],
            capture_from: vec![],
            capture_base: 0,
        });
        let fallback = sc.slots.iter().map(|s| self.globals.intern(s)).collect();
        let chunk_src_train = if let ChunkSrc::Train(n) = &src {
            Some(n.clone())
        } else {
            None
        };
        let train_is_adverb =
            matches!(&src, ChunkSrc::Train(n) if matches!(**n, Node::Adverb { .. }));
        let chunk = Chunk {
            code: inner.code,
            consts: inner.consts,
            templates: inner.templates,
            nparams: params.len(),
            nlocals: sc.slots.len(),
            fallback,
            capture_from: sc.capture_from,
            capture_base: sc.capture_base,
            src,
            train_is_adverb,
            train_valence: match &chunk_src_train {
                Some(n) if !matches!(**n, Node::Adverb { .. }) && hole_is_plain_verb(n) => 2,
                Some(_) => 1,
                None => 0,
            },
            train_dyadic: chunk_src_train
                .as_ref()
                .is_some_and(|n| hole_is_plain_verb(n)),
            kernel: None,
        };
        let chunk = Chunk {
            kernel: match chunk.src {
                ChunkSrc::Lambda(_) if chunk.capture_base == chunk.nparams => {
                    int_kernel(&chunk.code, &chunk.consts, chunk.nlocals)
                }
                _ => None,
            },
            ..chunk
        };
        b.templates.push(Arc::new(chunk));
        (b.templates.len() - 1) as u32
    }

    fn store(&mut self, name: &Sym, global: bool, b: &mut Builder) {
        if global || self.scopes.last().is_some_and(|s| s.top) {
            let g = self.globals.intern(name);
            b.code.push(Op::SetGlobal(g));
        } else {
            match self.resolve(name) {
                Slot::Local(s) => b.code.push(Op::SetLocal(s)),
                Slot::Global(g) => b.code.push(Op::SetGlobal(g)),
            }
        }
    }

    fn args_rev(&mut self, args: &[Node], b: &mut Builder) {
        for a in args.iter().rev() {
            self.expr(a, b);
        }
    }

    fn expr(&mut self, n: &Node, b: &mut Builder) {
        match n {
            Node::Nil => self.konst(b, Value::Nil),
            Node::Lit(v) => self.konst(b, v.clone()),
            Node::Hole => b.code.push(Op::Local(0)),
            Node::List(items) | Node::Args(items) => {
                if items.is_empty() {
                    self.konst(b, Value::empty());
                } else {
                    self.args_rev(items, b);
                    b.code.push(Op::List(items.len() as u32));
                }
            }
            Node::Name(s) => match self.resolve(s) {
                Slot::Local(i) => b.code.push(Op::Local(i)),
                Slot::Global(g) => b.code.push(Op::Global(g)),
            },
            Node::Assign {
                name,
                global,
                value,
            } => {
                self.expr(value, b);
                self.store(name, *global, b);
            }
            Node::IndexAssign {
                name,
                index,
                op,
                global,
                value,
            } => {
                self.expr(value, b);
                self.args_rev(index, b);
                if *global {
                    let g = self.globals.intern(name);
                    b.code.push(Op::Global(g));
                } else {
                    self.expr(&Node::Name(name.clone()), b);
                }
                b.code.push(Op::Amend(index.len() as u32, *op));
                self.store(name, *global, b);
            }
            Node::Verb {
                verb,
                monad,
                l,
                r,
                curry,
            } => self.verb(*verb, *monad, l, r, curry, b),
            Node::Adverb { adv, verb, l, r } => {
                if let Some(r) = r {
                    self.expr(r, b);
                    if let Some(l) = l {
                        self.expr(l, b);
                    }
                    self.expr(verb, b);
                    b.code.push(Op::Derive(*adv));
                    b.code.push(Op::Call(1 + l.is_some() as u32));
                } else {
                    self.expr(verb, b);
                    b.code.push(Op::Derive(*adv));
                }
            }
            Node::Lambda(src) => {
                let t = self.template(
                    src.params.clone(),
                    &src.body,
                    ChunkSrc::Lambda(src.clone()),
                    b,
                );
                b.code.push(Op::Closure(t));
            }
            Node::Train(x) => {
                let body = [(**x).clone()];
                // Slot 0 is the right argument, slot 1 the optional left one.
                let params = vec![Arc::from(""), Arc::from("\u{1}")];
                let t = self.template(params, &body, ChunkSrc::Train(x.clone()), b);
                b.code.push(Op::Closure(t));
            }
            Node::Cond(items) => self.cond(items, b),
            Node::Quote(x) => self.expr(x, b),
            Node::Dict(entries) => {
                for (_, v) in entries {
                    self.expr(v, b);
                }
                let keys = Value::syms(entries.iter().map(|(k, _)| k.clone()).collect());
                b.consts.push(keys);
                b.code.push(Op::Dict((b.consts.len() - 1) as u32));
            }
        }
    }

    fn verb(
        &mut self,
        verb: Verb,
        monad: bool,
        l: &Option<Box<Node>>,
        r: &Option<Box<Node>>,
        curry: &Option<Vec<Node>>,
        b: &mut Builder,
    ) {
        let f = if monad {
            Func::Monad(verb)
        } else {
            Func::Prim(verb)
        };
        if let Some(args) = curry {
            if let Some(r) = r {
                self.expr(r, b);
            }
            self.args_rev(args, b);
            self.konst(b, Value::func(f));
            b.code.push(Op::Call(args.len() as u32));
            if r.is_some() {
                b.code.push(Op::Call(1));
            }
            return;
        }
        match (l, r) {
            (Some(l), Some(r)) => {
                if let (Verb::Dot, Node::Args(args)) = (verb, &**r) {
                    self.args_rev(args, b);
                    self.expr(l, b);
                    call(b, args.len() as u32);
                    return;
                }
                if verb == Verb::At {
                    self.expr(r, b);
                    self.expr(l, b);
                    call(b, 1);
                    return;
                }
                self.expr(r, b);
                self.expr(l, b);
                dyad(b, verb);
            }
            (None, Some(r)) => {
                self.expr(r, b);
                if matches!(**r, Node::Hole) && !monad {
                    b.code.push(Op::TrainHole(verb));
                } else {
                    b.code.push(Op::Monad(verb));
                }
            }
            (Some(l), None) => {
                self.expr(l, b);
                b.code.push(Op::Curry(verb));
            }
            (None, None) => self.konst(b, Value::func(f)),
        }
    }

    fn cond(&mut self, items: &[Node], b: &mut Builder) {
        if items.is_empty() {
            self.konst(b, Value::Nil);
            return;
        }
        let mut ends = Vec::new();
        let mut z = 0;
        while z + 1 < items.len() {
            self.expr(&items[z], b);
            let jf = jump_if_false(b);
            self.expr(&items[z + 1], b);
            ends.push(b.code.len());
            b.code.push(Op::Jump(0));
            let here = b.code.len() as u32;
            b.barrier = b.code.len();
            patch_jump(b, jf, here);
            z += 2;
        }
        self.expr(&items[items.len() - 1], b);
        let end = b.code.len() as u32;
        b.barrier = b.code.len();
        for e in ends {
            b.code[e] = Op::Jump(end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The int kernel of the first lambda in `src`, if it has one.
    fn kernel_of(src: &str) -> Option<Kernel> {
        let mut g = Globals::default();
        let top =
            compile_program(&crate::parser::parse(src).expect("parses"), &mut g).expect("compiles");
        let lambda = top.templates.first().expect("a lambda");
        assert_eq!(
            lambda.kernel.is_some(),
            int_kernel(&lambda.code, &lambda.consts, lambda.nlocals).is_some()
                && lambda.capture_base == lambda.nparams
        );
        lambda.kernel.clone()
    }

    #[test]
    fn int_kernels_only_for_int_code_calling_only_globals() {
        for src in [
            "{x+y}",
            "{x-1}",
            "{$[x>y;x;y]}",
            "{$[x>10;$[y>2;x-y;x+y];x*y+1]}",
            "{x;y}",
        ] {
            let k = kernel_of(src).expect(src);
            assert!(!k.calls, "{src}");
        }
        for src in [
            "{f x}",
            "{f[x-1]+1}",
            "{$[x<2;x;f[x-1]+f[x-2]]}",
            "{f[x;y+1]}",
        ] {
            let k = kernel_of(src).expect(src);
            assert!(k.calls, "{src}");
        }
        for src in [
            "{x+`a}",
            "{x%y}",
            "{f[x-1.5]}",
            "{f[]}",
            "{x[1]}",
            "{a:x+y;a}",
            "{x+1.5}",
            "{x,y}",
            "{x+y+a}",
        ] {
            assert!(kernel_of(src).is_none(), "{src}");
        }
    }

    #[test]
    fn a_dyad_before_a_return_is_fused_in_the_kernel() {
        let k = kernel_of("{x+y}").expect("a kernel");
        assert!(matches!(
            k.code[0],
            KOp::ReturnDyadLocalLocal(Verb::Plus, 0, 1)
        ));
        let k = kernel_of("{x-1}").expect("a kernel");
        assert!(matches!(
            k.code[0],
            KOp::ReturnDyadLocalConst(Verb::Minus, 0, 1)
        ));
    }
}
