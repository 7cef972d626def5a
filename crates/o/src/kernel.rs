//! Int kernels: a lambda's code run over unboxed ints.
//!
//! The compiler gives a lambda whose code only reads its locals and int
//! constants, applies int verbs, branches, returns and calls globals an
//! int kernel (`compile::int_kernel`): the same instructions, one
//! for one, at the same indices, on `i64`s. The machine runs kernels in two
//! places, each spending exactly the fuel of the general path (one unit per
//! instruction) and stopping exactly where it would:
//!
//! - `run_int_fold`: whole calls of a two-parameter lambda without calls
//!   folded over an int vector (`{x+y}/1+!n`), run only while the fuel
//!   covers a whole call. When the lambda is one int dyad of its two
//!   parameters (`{x+y}`, `{y-x}`), the calls the fuel covers are one loop
//!   over the items, compiled for each verb.
//! - `run_calls`: a call of a global lambda with a kernel on int
//!   arguments, with every call it makes of such a global (`fib[x-1]`)
//!   run in the kernel too, on a stack of unboxed frames (`KFrame`). When
//!   the fuel runs out, or an instruction needs the general path (a call of
//!   a global that is not such a lambda, or one that would pass a limit),
//!   it stops before that instruction and hands its frames back: the
//!   machine turns them into the code frames, locals and operands the
//!   general path would have at that point, and goes on from there.
//!
//! A kernel's code never assigns a global, so the globals it calls stay
//! what they were for the whole of a run.

use crate::adverbs::IntFold;
use crate::compile::{Globals, KERNEL_LOCALS, KERNEL_STACK, KOp};
use crate::value::{Func, Lambda, Value, Verb};
use crate::verbs::atomic;
use std::ptr::NonNull;

/// Evaluates `$body` with `$f` the function of int verb `$v` on two ints
/// (a function item per verb, so `$body` is compiled for each), or `$none`
/// for the other verbs.
macro_rules! with_int_verb {
    ($v:expr, |$f:ident| $body:expr, $none:expr) => {
        match $v {
            Verb::Plus => with_int_verb!(@ $f = atomic::add, $body),
            Verb::Minus => with_int_verb!(@ $f = atomic::sub, $body),
            Verb::Times => with_int_verb!(@ $f = atomic::mul, $body),
            Verb::Less => with_int_verb!(@ $f = atomic::lt, $body),
            Verb::More => with_int_verb!(@ $f = atomic::gt, $body),
            Verb::Equal => with_int_verb!(@ $f = |a: i64, b: i64| (a == b) as i64, $body),
            Verb::And => with_int_verb!(@ $f = i64::min, $body),
            Verb::Or => with_int_verb!(@ $f = i64::max, $body),
            _ => $none,
        }
    };
    (@ $f:ident = $g:expr, $body:expr) => {{
        let $f = $g;
        $body
    }};
}

/// `a v b` for the verbs with an int result on two ints; `None` for others.
#[inline(always)]
pub(crate) fn int_dyad(v: Verb, a: i64, b: i64) -> Option<i64> {
    with_int_verb!(v, |f| Some(f(a, b)), None)
}

/// A call running in the kernel: the lambda, its code and where it is in
/// it, where its locals start on the kernel stack (its `nlocals`, then its
/// operands) and where its operands end.
pub(crate) struct KFrame<'g> {
    pub(crate) l: &'g Lambda,
    code: &'g [KOp],
    pub(crate) pc: usize,
    pub(crate) base: usize,
    pub(crate) sp: usize,
}

impl<'g> KFrame<'g> {
    /// A frame about to run `l` (with kernel `code`) with its locals at
    /// `base`.
    fn new(l: &'g Lambda, code: &'g [KOp], base: usize) -> KFrame<'g> {
        KFrame {
            l,
            code,
            pc: 0,
            base,
            sp: base + l.chunk.nlocals,
        }
    }
}

/// The kernel of `l` when a call of it can run in [`run_calls`] (its
/// locals are its parameters, so it captures nothing).
pub(crate) fn call_kernel(l: &Lambda) -> Option<&[KOp]> {
    let c = &l.chunk;
    match &c.kernel {
        Some(k) if c.nlocals == c.nparams => Some(&k.code),
        _ => None,
    }
}

/// The room left under the limits when the kernel starts: frames it may
/// have at once (the control depth limit less the frames below), and
/// stack slots its frames' locals and operands may fill (the stack limit
/// less the operands and locals below).
#[derive(Clone, Copy)]
pub(crate) struct Room {
    pub(crate) frames: usize,
    pub(crate) slots: usize,
}

/// Makes sure the kernel stack has room for a frame whose locals start at
/// `base`: its locals and a full operand stack.
#[inline(always)]
fn reserve(ks: &mut Vec<i64>, l: &Lambda, base: usize) {
    let top = base + l.chunk.nlocals + KERNEL_STACK;
    if ks.len() < top {
        ks.resize(top.max(2 * ks.len()), 0);
    }
}

/// The last global a kernel run called, resolved (globals do not change
/// during a run, so it stays right).
#[derive(Clone, Copy)]
struct Callee<'g> {
    g: u32,
    l: &'g Lambda,
    code: &'g [KOp],
}

/// The lambda global `g` holds when [`call_kernel`] accepts it and it has
/// `n` parameters.
#[inline(always)]
fn callee<'g>(globals: &'g Globals, g: u32, n: usize) -> Option<Callee<'g>> {
    let Some(Value::Func(_, f)) = globals.vals.get(g as usize)? else {
        return None;
    };
    let Func::Lambda(l) = &**f else { return None };
    let code = call_kernel(l)?;
    (l.chunk.nparams == n).then_some(Callee { g, l, code })
}

/// What a kernel run does when its bottom frame returns.
trait Again {
    /// Takes the result `v` of the bottom frame; the first two parameters
    /// to run it again with (its other locals unchanged), having spent from
    /// the fuel `left` what the general path spends between the calls, or
    /// `None` to end the run with `v`.
    fn again(&mut self, v: i64, left: &mut u64) -> Option<(i64, i64)>;
}

/// A run of one call.
struct Once;

impl Again for Once {
    #[inline(always)]
    fn again(&mut self, _: i64, _: &mut u64) -> Option<(i64, i64)> {
        None
    }
}

/// A run of the calls of an int fold (see [`run_int_fold`]).
struct FoldCalls<'a> {
    items: &'a [i64],
    i: usize,
    scan: Option<&'a mut Vec<Value>>,
    acc: i64,
    /// Fuel that covers a whole call and the step before it.
    need: u64,
}

impl FoldCalls<'_> {
    /// The next call's parameters (the accumulator and the next item) when
    /// an item is left and the fuel covers the job's step and the call.
    #[inline(always)]
    fn next(&mut self, left: &mut u64) -> Option<(i64, i64)> {
        let &item = self.items.get(self.i)?;
        if *left <= self.need {
            return None;
        }
        if let Some(s) = &mut self.scan {
            s.push(Value::Int(self.acc));
        }
        *left -= 1;
        self.i += 1;
        Some((self.acc, item))
    }
}

/// Folds `items` into `acc` with `f` (on the item and the accumulator when
/// `swap`), pushing each accumulator before its call to `scan`.
#[inline(always)]
fn fold_items(
    items: &[i64],
    mut acc: i64,
    scan: Option<&mut Vec<Value>>,
    swap: bool,
    f: impl Fn(i64, i64) -> i64,
) -> i64 {
    let f = |acc: i64, item: i64| if swap { f(item, acc) } else { f(acc, item) };
    match scan {
        Some(s) => {
            s.reserve(items.len());
            for &item in items {
                s.push(Value::Int(acc));
                acc = f(acc, item);
            }
        }
        None => {
            for &item in items {
                acc = f(acc, item);
            }
        }
    }
    acc
}

impl FoldCalls<'_> {
    /// Runs the calls of a lambda whose kernel is one int dyad of its two
    /// parameters (`{x+y}`: `ReturnDyadLocalLocal(v, 0, 1)`, then the
    /// `Return` after it, or with the parameters swapped) over the items
    /// the fuel covers, in one loop: each call spends what the general path
    /// spends (the job's step and the two instructions of the dyad and the
    /// return), and is run only while the fuel is above `need`. False when
    /// the kernel is not of that shape (nothing run).
    fn dyad(&mut self, code: &[KOp], left: &mut u64) -> bool {
        let [KOp::ReturnDyadLocalLocal(v, l, m), KOp::Return] = *code else {
            return false;
        };
        let swap = match (l, m) {
            (0, 1) => false,
            (1, 0) => true,
            _ => return false,
        };
        let rest = self.items.get(self.i..).unwrap_or_default();
        let fit = left.saturating_sub(self.need).div_ceil(3);
        let items = &rest[..rest.len().min(usize::try_from(fit).unwrap_or(usize::MAX))];
        let scan = self.scan.as_deref_mut();
        self.acc = with_int_verb!(
            v,
            |f| fold_items(items, self.acc, scan, swap, f),
            return false
        );
        self.i += items.len();
        *left -= 3 * items.len() as u64;
        true
    }
}

impl Again for FoldCalls<'_> {
    #[inline(always)]
    fn again(&mut self, v: i64, left: &mut u64) -> Option<(i64, i64)> {
        self.acc = v;
        self.next(left)
    }
}

/// Runs frame `cur` from its start, spending one unit of `fuel` per
/// instruction, until it returns and `root` does not run it again (its
/// result) or the run stops (`None`, with the frames that wait for their
/// calls to return in `below`, oldest first, and the top one in `cur`, at
/// the instruction not run). A call of a global lambda that
/// [`call_kernel`] accepts with as many parameters as arguments, within
/// `room`, pushes a frame (or, in tail position, replaces the caller's, as
/// the general path does); any other call stops. When not `METERED`, the
/// caller made sure the fuel covers the run, and any call stops it.
///
/// # Safety
/// `cur` has no operands and `below` is empty; `cur`'s code is the kernel
/// of its lambda (made by [`int_kernel`](crate::compile::int_kernel)), and
/// `ks` holds its locals and room for a full operand stack (see
/// [`reserve`]), as every frame pushed gets. `int_kernel` checked every
/// verb is an int verb, every local index is below the lambda's `nlocals`,
/// the operand depth before each push is below [`KERNEL_STACK`] and before
/// each pop at least the number popped on every path, every jump goes
/// forward to an instruction of the code and no path runs off its end; so
/// the pc, operand and local indices stay in range.
#[inline(always)]
unsafe fn exec<'g, const METERED: bool>(
    globals: &'g Globals,
    room: Room,
    ks: &mut Vec<i64>,
    below: &mut Vec<KFrame<'g>>,
    cur: &mut KFrame<'g>,
    fuel: &mut u64,
    root: &mut impl Again,
) -> Option<i64> {
    let mut left = *fuel;
    let KFrame {
        mut l,
        mut code,
        mut pc,
        base: mut fp,
        mut sp,
    } = *cur;
    // Where the bottom frame's operands start.
    let start = sp;
    let mut k: NonNull<i64> = NonNull::from(&mut ks[..]).cast();
    let mut last: Option<Callee<'g>> = None;
    // The verbs were checked, so `int_dyad` always answers.
    let dy = |v: Verb, a: i64, b: i64| int_dyad(v, a, b).unwrap_or(0);
    // Slot `i` of the kernel stack (in range, see the contract; `k` is
    // re-read whenever the stack grows).
    macro_rules! at {
        ($i:expr) => {
            // SAFETY: see above.
            *unsafe { k.add($i).as_mut() }
        };
    }
    macro_rules! push {
        ($e:expr) => {{
            let x = $e;
            at!(sp) = x;
            sp += 1;
        }};
    }
    macro_rules! stop {
        () => {{
            *cur = KFrame {
                l,
                code,
                pc,
                base: fp,
                sp,
            };
            *fuel = left;
            return None;
        }};
    }
    // Stops before the instruction just begun, giving its fuel back.
    macro_rules! back {
        () => {{
            left += 1;
            pc -= 1;
            stop!()
        }};
    }
    // Returns `v` to the frame below (or from the run).
    macro_rules! ret {
        ($v:expr) => {{
            let v = $v;
            let Some(f) = below.pop() else {
                // The bottom frame returned: run it again, or end.
                if let Some((a, b)) = root.again(v, &mut left) {
                    (pc, sp) = (0, start);
                    at!(fp) = a;
                    at!(fp + 1) = b;
                    continue;
                }
                *fuel = left;
                return Some(v);
            };
            KFrame {
                l,
                code,
                pc,
                base: fp,
                sp,
            } = f;
            push!(v);
        }};
    }
    // Calls global `g` with `n` operands, or the int `arg`.
    macro_rules! call {
        ($g:expr, $n:expr, $arg:expr) => {{
            let (g, n, arg): (u32, usize, Option<i64>) = ($g, $n, $arg);
            let np = n + arg.is_some() as usize;
            let c = match last {
                Some(c) if c.g == g => c,
                _ => match callee(globals, g, np) {
                    Some(c) => c,
                    None => back!(),
                },
            };
            let tail = matches!(code.get(pc), Some(KOp::Return));
            let nb = if tail { fp } else { sp - n };
            if below.len() + !tail as usize >= room.frames || nb + np >= room.slots {
                back!();
            }
            let mut args = [0i64; KERNEL_LOCALS];
            for (i, a) in args.iter_mut().enumerate().take(n) {
                *a = at!(sp - 1 - i);
            }
            if let Some(a) = arg {
                args[0] = a;
            }
            if !tail {
                below.push(KFrame {
                    l,
                    code,
                    pc,
                    base: fp,
                    sp: sp - n,
                });
            }
            reserve(ks, c.l, nb);
            k = NonNull::from(&mut ks[..]).cast();
            for (i, a) in args.iter().enumerate().take(np) {
                at!(nb + i) = *a;
            }
            (l, code, pc, fp, sp) = (c.l, c.code, 0, nb, nb + np);
            last = Some(c);
        }};
    }
    loop {
        if METERED && left == 0 {
            stop!();
        }
        // SAFETY: `pc` is an instruction of the code (see above).
        let op: &KOp = unsafe { code.get_unchecked(pc) };
        pc += 1;
        left -= 1;
        let r = |i: u16| at!(fp + i as usize);
        match *op {
            KOp::Const(c) => push!(c),
            KOp::Local(i) => push!(r(i)),
            KOp::DyadLocalConst(v, i, c) => push!(dy(v, r(i), c)),
            KOp::DyadLocalLocal(v, i, j) => push!(dy(v, r(i), r(j))),
            KOp::Dyad(v) => {
                let z = dy(v, at!(sp - 1), at!(sp - 2));
                sp -= 1;
                at!(sp - 1) = z;
            }
            KOp::JumpUnlessLocalConst(v, i, c, t) => {
                if dy(v, r(i), c) == 0 {
                    pc = t as usize;
                }
            }
            KOp::Jump(t) => pc = t as usize,
            KOp::JumpIfFalse(t) => {
                sp -= 1;
                if at!(sp) == 0 {
                    pc = t as usize;
                }
            }
            KOp::Pop => sp -= 1,
            KOp::Return => ret!(at!(sp - 1)),
            KOp::ReturnLocal(i) => ret!(r(i)),
            KOp::ReturnDyad(v) => ret!(dy(v, at!(sp - 1), at!(sp - 2))),
            // Two instructions of the general path: both need fuel.
            KOp::ReturnDyadLocalConst(..) | KOp::ReturnDyadLocalLocal(..)
                if METERED && left == 0 =>
            {
                back!()
            }
            KOp::ReturnDyadLocalConst(v, i, c) => {
                left -= 1;
                ret!(dy(v, r(i), c))
            }
            KOp::ReturnDyadLocalLocal(v, i, j) => {
                left -= 1;
                ret!(dy(v, r(i), r(j)))
            }
            // Unmetered runs call nothing.
            KOp::CallGlobal(..) | KOp::CallGlobalLocalConst(..) if !METERED => back!(),
            KOp::CallGlobal(g, n) => call!(g, n as usize, None),
            KOp::CallGlobalLocalConst(g, v, i, c) => call!(g, 0, Some(dy(v, r(i), c))),
        }
    }
}

/// Runs calls of lambda `fold.f`, when it has an int kernel without calls
/// and two parameters, for an int fold, starting from accumulator `acc`,
/// while items are left and the fuel covers one more whole call: the
/// call's instructions (at most one per instruction of the code, as jumps
/// only go forward) and the job's step that resumes it, the same fuel as
/// the general path spends. `locals` are the lambda's frame's locals: its
/// parameters, then its captures, which must all be ints (`None`
/// otherwise, with nothing run). Returns the last accumulator, which the
/// caller hands to the job as the result of the call that just returned.
/// (Not inlined into the run loop: on its own it keeps its counters in
/// registers.)
#[inline(never)]
pub(crate) fn run_int_fold(
    globals: &Globals,
    ks: &mut Vec<i64>,
    locals: &[Option<Value>],
    fold: IntFold<'_>,
    acc: i64,
    fuel: &mut u64,
) -> Option<i64> {
    let c = &fold.f.chunk;
    let code = match &c.kernel {
        Some(k) if !k.calls && c.nparams == 2 && locals.len() == c.nlocals => &k.code,
        _ => return None,
    };
    reserve(ks, fold.f, 0);
    for (r, l) in ks.iter_mut().zip(locals).skip(2) {
        match l {
            Some(Value::Int(i)) => *r = *i,
            _ => return None,
        }
    }
    let mut calls = FoldCalls {
        items: fold.items,
        i: *fold.i,
        scan: fold.scan,
        acc,
        need: code.len() as u64,
    };
    if calls.dyad(code, fuel) {
        *fold.i = calls.i;
        return Some(calls.acc);
    }
    let Some((a, b)) = calls.next(fuel) else {
        return Some(acc);
    };
    (ks[0], ks[1]) = (a, b);
    let mut cur = KFrame::new(fold.f, code, 0);
    let room = Room {
        frames: 0,
        slots: 0,
    };
    // SAFETY: `code` is the kernel of `fold.f`, run from its start with its
    // locals in `ks`, reserved above; it calls nothing. (The vector of
    // frames stays empty and unallocated.)
    let r = unsafe {
        exec::<false>(
            globals,
            room,
            ks,
            &mut Vec::new(),
            &mut cur,
            fuel,
            &mut calls,
        )
    };
    *fold.i = calls.i;
    // Without calls, and with the fuel covering each call, it returns.
    r
}

/// Runs a call of `root`, whose kernel `code` [`call_kernel`] gave, with its
/// parameters put at the start of `ks` by the caller, with every call it
/// makes of a global lambda that [`call_kernel`] accepts run here too
/// (checked against `room` as the general path checks its limits). Returns
/// the call's result, or the frames (oldest first; locals and operands on
/// `ks`) at the instruction where it stopped, which has not run: the fuel
/// did not cover it, or it needs the general path.
pub(crate) fn run_calls<'g>(
    globals: &'g Globals,
    root: &'g Lambda,
    code: &'g [KOp],
    ks: &mut Vec<i64>,
    room: Room,
    fuel: &mut u64,
) -> Result<i64, Vec<KFrame<'g>>> {
    let mut below = Vec::new();
    let mut cur = KFrame::new(root, code, 0);
    reserve(ks, root, 0);
    // SAFETY: `code` is the kernel of `root`, run from its start with its
    // locals (its parameters) in `ks`, reserved above.
    match unsafe { exec::<true>(globals, room, ks, &mut below, &mut cur, fuel, &mut Once) } {
        Some(v) => Ok(v),
        None => {
            below.push(cur);
            Err(below)
        }
    }
}
