//! Atomic verbs: arithmetic and comparison over atoms, vectors, lists and
//! dictionaries, with tight loops over native int and float arrays.
//!
//! Ints stay exact (wrapping 64-bit arithmetic) unless a float is involved;
//! `%` always divides as floats, as in oK. Chars act as their codes.

use crate::error::{OResult, length};
use crate::value::{Value, int_to_f64};
use std::sync::Arc;

/// An atomic dyadic operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op2 {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `%`
    Div,
    /// `&`
    Min,
    /// `|`
    Max,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `=`
    Eq,
}

enum Side<'a, T> {
    V(&'a [T]),
    S(T),
}

fn map2<A: Copy, B: Copy, T>(a: Side<A>, b: Side<B>, f: impl Fn(A, B) -> T) -> OResult<Vec<T>> {
    Ok(match (a, b) {
        (Side::V(x), Side::V(y)) => {
            if x.len() != y.len() {
                return Err(length());
            }
            x.iter().zip(y).map(|(&p, &q)| f(p, q)).collect()
        }
        (Side::V(x), Side::S(q)) => x.iter().map(|&p| f(p, q)).collect(),
        (Side::S(p), Side::V(y)) => y.iter().map(|&q| f(p, q)).collect(),
        (Side::S(p), Side::S(q)) => vec![f(p, q)],
    })
}

#[inline]
fn fmax(a: f64, b: f64) -> f64 {
    if a.is_nan() {
        b
    } else if b.is_nan() {
        a
    } else {
        a.max(b)
    }
}
#[inline]
fn fmin(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}
#[inline]
fn feq(a: f64, b: f64) -> i64 {
    (a == b || (a.is_nan() && b.is_nan())) as i64
}

const NULL: i64 = i64::MIN;

/// `a + b` with null (`0N`) propagating, as NaN does in oK.
#[inline]
pub fn add(a: i64, b: i64) -> i64 {
    if a == NULL || b == NULL {
        NULL
    } else {
        a.wrapping_add(b)
    }
}
/// `a - b` with null propagating.
#[inline]
pub fn sub(a: i64, b: i64) -> i64 {
    if a == NULL || b == NULL {
        NULL
    } else {
        a.wrapping_sub(b)
    }
}
/// `a * b` with null propagating.
#[inline]
pub fn mul(a: i64, b: i64) -> i64 {
    if a == NULL || b == NULL {
        NULL
    } else {
        a.wrapping_mul(b)
    }
}
/// `a < b`; false when either is null.
#[inline]
pub fn lt(a: i64, b: i64) -> i64 {
    (a < b && a != NULL && b != NULL) as i64
}
/// `a > b`; false when either is null.
#[inline]
pub fn gt(a: i64, b: i64) -> i64 {
    (a > b && a != NULL && b != NULL) as i64
}

fn ints_op(op: Op2, a: Side<i64>, b: Side<i64>) -> OResult<Value> {
    Ok(match op {
        Op2::Add => Value::ints(map2(a, b, add)?),
        Op2::Sub => Value::ints(map2(a, b, sub)?),
        Op2::Mul => Value::ints(map2(a, b, mul)?),
        Op2::Div => Value::floats(map2(a, b, |x, y| int_to_f64(x) / int_to_f64(y))?),
        Op2::Min => Value::ints(map2(a, b, |x, y| x.min(y))?),
        Op2::Max => Value::ints(map2(a, b, |x, y| x.max(y))?),
        Op2::Lt => Value::ints(map2(a, b, lt)?),
        Op2::Gt => Value::ints(map2(a, b, gt)?),
        Op2::Eq => Value::ints(map2(a, b, |x, y| (x == y) as i64)?),
    })
}

fn floats_op(op: Op2, a: Side<f64>, b: Side<f64>) -> OResult<Value> {
    Ok(match op {
        Op2::Add => Value::floats(map2(a, b, |x, y| x + y)?),
        Op2::Sub => Value::floats(map2(a, b, |x, y| x - y)?),
        Op2::Mul => Value::floats(map2(a, b, |x, y| x * y)?),
        Op2::Div => Value::floats(map2(a, b, |x, y| x / y)?),
        Op2::Min => Value::floats(map2(a, b, fmin)?),
        Op2::Max => Value::floats(map2(a, b, fmax)?),
        Op2::Lt => Value::ints(map2(a, b, |x, y| (x < y) as i64)?),
        Op2::Gt => Value::ints(map2(a, b, |x, y| (x > y) as i64)?),
        Op2::Eq => Value::ints(map2(a, b, feq)?),
    })
}

fn to_floats(v: &[i64]) -> Vec<f64> {
    v.iter().map(|&i| int_to_f64(i)).collect()
}

/// Scalar operation on two atoms.
pub fn scalar(op: Op2, x: &Value, y: &Value) -> OResult<Value> {
    use Value::*;
    match (x, y) {
        (Int(a), Int(b)) => Ok(int_scalar(op, *a, *b)),
        (Float(a), Float(b)) => Ok(float_scalar(op, *a, *b)),
        (Int(a), Float(b)) => Ok(float_scalar(op, int_to_f64(*a), *b)),
        (Float(a), Int(b)) => Ok(float_scalar(op, *a, int_to_f64(*b))),
        (Char(a), Char(b)) => Ok(int_scalar(op, *a as i64, *b as i64)),
        (Char(a), Int(b)) => Ok(int_scalar(op, *a as i64, *b)),
        (Int(a), Char(b)) => Ok(int_scalar(op, *a, *b as i64)),
        (Char(a), Float(b)) => Ok(float_scalar(op, *a as f64, *b)),
        (Float(a), Char(b)) => Ok(float_scalar(op, *a, *b as f64)),
        (Sym(a), Sym(b)) if matches!(op, Op2::Eq | Op2::Lt | Op2::Gt) => {
            Ok(Value::bool(match op {
                Op2::Eq => a == b,
                Op2::Lt => a < b,
                _ => a > b,
            }))
        }
        _ if matches!(op, Op2::Eq | Op2::Lt | Op2::Gt) && x.is_atom() && y.is_atom() => {
            Ok(Value::Int(0))
        }
        _ => {
            x.num()?;
            y.num()?;
            Ok(Value::Int(0))
        }
    }
}

/// Scalar int operation.
#[inline]
pub fn int_scalar(op: Op2, a: i64, b: i64) -> Value {
    match op {
        Op2::Add => Value::Int(add(a, b)),
        Op2::Sub => Value::Int(sub(a, b)),
        Op2::Mul => Value::Int(mul(a, b)),
        Op2::Div => Value::Float(int_to_f64(a) / int_to_f64(b)),
        Op2::Min => Value::Int(a.min(b)),
        Op2::Max => Value::Int(a.max(b)),
        Op2::Lt => Value::Int(lt(a, b)),
        Op2::Gt => Value::Int(gt(a, b)),
        Op2::Eq => Value::bool(a == b),
    }
}

#[inline]
fn float_scalar(op: Op2, a: f64, b: f64) -> Value {
    match op {
        Op2::Add => Value::Float(a + b),
        Op2::Sub => Value::Float(a - b),
        Op2::Mul => Value::Float(a * b),
        Op2::Div => Value::Float(a / b),
        Op2::Min => Value::Float(fmin(a, b)),
        Op2::Max => Value::Float(fmax(a, b)),
        Op2::Lt => Value::bool(a < b),
        Op2::Gt => Value::bool(a > b),
        Op2::Eq => Value::Int(feq(a, b)),
    }
}

/// Applies `op` atomically: pairs items of equal-length lists, spreads atoms
/// over lists, merges dictionaries by key.
pub fn atomic(op: Op2, x: &Value, y: &Value) -> OResult<Value> {
    use Value::*;

    match (x, y) {
        (Ints(a), Ints(b)) => ints_op(op, Side::V(a), Side::V(b)),
        (Ints(a), Int(b)) => ints_op(op, Side::V(a), Side::S(*b)),
        (Int(a), Ints(b)) => ints_op(op, Side::S(*a), Side::V(b)),
        (Floats(a), Floats(b)) => floats_op(op, Side::V(a), Side::V(b)),
        (Floats(a), Float(b)) => floats_op(op, Side::V(a), Side::S(*b)),
        (Float(a), Floats(b)) => floats_op(op, Side::S(*a), Side::V(b)),
        (Floats(a), Int(b)) => floats_op(op, Side::V(a), Side::S(int_to_f64(*b))),
        (Int(a), Floats(b)) => floats_op(op, Side::S(int_to_f64(*a)), Side::V(b)),
        (Ints(a), Float(b)) => floats_op(op, Side::V(&to_floats(a)), Side::S(*b)),
        (Float(a), Ints(b)) => floats_op(op, Side::S(*a), Side::V(&to_floats(b))),
        (Ints(a), Floats(b)) => floats_op(op, Side::V(&to_floats(a)), Side::V(b)),
        (Floats(a), Ints(b)) => floats_op(op, Side::V(a), Side::V(&to_floats(b))),
        _ => generic(op, x, y),
    }
}

/// [`atomic`] on owned operands: when one operand is a vector of the
/// result's type that nothing else holds (`Arc::get_mut`), the result is
/// written over it instead of into a new vector.
pub fn atomic_owned(op: Op2, x: Value, y: Value) -> OResult<Value> {
    use Value::*;
    match (x, y) {
        (Ints(mut a), y) if op != Op2::Div => {
            if let Some(buf) = Arc::get_mut(&mut a) {
                let done = match &y {
                    Ints(b) => Some(ints_in_place(op, buf, Side::V(b), true)?),
                    Int(b) => Some(ints_in_place(op, buf, Side::S(*b), true)?),
                    _ => None,
                };
                if done.is_some() {
                    return Ok(Ints(a));
                }
            }
            ints_owned_right(op, Ints(a), y)
        }
        (x, y) => ints_owned_right(op, x, y),
    }
}

/// The right operand's buffer for int results, then the float cases.
fn ints_owned_right(op: Op2, x: Value, y: Value) -> OResult<Value> {
    use Value::*;
    match (x, y) {
        (x @ (Ints(_) | Int(_)), Ints(mut b)) if op != Op2::Div => {
            if let Some(buf) = Arc::get_mut(&mut b) {
                match &x {
                    Ints(a) => ints_in_place(op, buf, Side::V(a), false)?,
                    Int(a) => ints_in_place(op, buf, Side::S(*a), false)?,
                    _ => {}
                }
                return Ok(Ints(b));
            }
            atomic(op, &x, &Ints(b))
        }
        (x, y) => floats_owned(op, x, y),
    }
}

/// The float cases of [`atomic_owned`]: float results of float operands.
fn floats_owned(op: Op2, x: Value, y: Value) -> OResult<Value> {
    use Value::*;
    if matches!(op, Op2::Lt | Op2::Gt | Op2::Eq) {
        return atomic(op, &x, &y);
    }
    match (x, y) {
        (Floats(mut a), y) if float_side(&y).is_some() => {
            if let (Some(buf), Some(side)) = (Arc::get_mut(&mut a), float_side(&y)) {
                floats_in_place(op, buf, side, true)?;
                return Ok(Floats(a));
            }
            floats_owned_right(op, Floats(a), y)
        }
        (x, y) => floats_owned_right(op, x, y),
    }
}

/// The right operand's buffer for float results.
fn floats_owned_right(op: Op2, x: Value, y: Value) -> OResult<Value> {
    use Value::*;
    match (x, y) {
        (x, Floats(mut b)) if float_side(&x).is_some() => {
            if let (Some(buf), Some(side)) = (Arc::get_mut(&mut b), float_side(&x)) {
                floats_in_place(op, buf, side, false)?;
                return Ok(Floats(b));
            }
            atomic(op, &x, &Floats(b))
        }
        (x, y) => atomic(op, &x, &y),
    }
}

/// `v` as a float operand that needs no conversion of a vector.
fn float_side(v: &Value) -> Option<Side<'_, f64>> {
    match v {
        Value::Floats(b) => Some(Side::V(b)),
        Value::Float(b) => Some(Side::S(*b)),
        Value::Int(b) => Some(Side::S(int_to_f64(*b))),
        _ => None,
    }
}

/// `dst[i] = f(dst[i], o[i])` (or `f(o[i], dst[i])` when `dst` is the right
/// operand), over a vector or an atom `o`.
#[inline(always)]
fn zip_in_place<T: Copy>(
    dst: &mut [T],
    o: Side<T>,
    dst_left: bool,
    f: impl Fn(T, T) -> T,
) -> OResult<()> {
    match o {
        Side::V(o) => {
            if o.len() != dst.len() {
                return Err(length());
            }
            if dst_left {
                chunked(dst, o, &f);
            } else {
                chunked(dst, o, |d, p| f(p, d));
            }
        }
        Side::S(q) if dst_left => chunked_atom(dst, |d| f(d, q)),
        Side::S(p) => chunked_atom(dst, |d| f(p, d)),
    }
    Ok(())
}

/// `dst[i] = f(dst[i], o[i])` in blocks of eight, so the loop vectorises.
#[inline(always)]
fn chunked<T: Copy>(dst: &mut [T], o: &[T], f: impl Fn(T, T) -> T) {
    let mut d = dst.chunks_exact_mut(8);
    let mut q = o.chunks_exact(8);
    for (d, q) in (&mut d).zip(&mut q) {
        for k in 0..8 {
            d[k] = f(d[k], q[k]);
        }
    }
    for (d, &q) in d.into_remainder().iter_mut().zip(q.remainder()) {
        *d = f(*d, q);
    }
}

/// `dst[i] = f(dst[i])` in blocks of eight, so the loop vectorises.
#[inline(always)]
fn chunked_atom<T: Copy>(dst: &mut [T], f: impl Fn(T) -> T) {
    let mut d = dst.chunks_exact_mut(8);
    for d in &mut d {
        for x in d.iter_mut() {
            *x = f(*x);
        }
    }
    for x in d.into_remainder() {
        *x = f(*x);
    }
}

/// An int-to-int `op` (not `%`) written into `dst`; with AVX2 when the CPU
/// has it (the null checks need 64-bit compares, which SSE2 lacks).
fn ints_in_place(op: Op2, dst: &mut [i64], o: Side<i64>, dst_left: bool) -> OResult<()> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { ints_in_place_avx2(op, dst, o, dst_left) };
    }
    ints_in_place_body(op, dst, o, dst_left)
}

/// [`ints_in_place_body`] compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn ints_in_place_avx2(
    op: Op2,
    dst: &mut [i64],
    o: Side<i64>,
    dst_left: bool,
) -> OResult<()> {
    ints_in_place_body(op, dst, o, dst_left)
}

/// The body of [`ints_in_place`].
#[inline(always)]
fn ints_in_place_body(op: Op2, dst: &mut [i64], o: Side<i64>, dst_left: bool) -> OResult<()> {
    match op {
        Op2::Add => zip_in_place(dst, o, dst_left, add),
        Op2::Sub => zip_in_place(dst, o, dst_left, sub),
        Op2::Mul => zip_in_place(dst, o, dst_left, mul),
        Op2::Min => zip_in_place(dst, o, dst_left, |x, y| x.min(y)),
        Op2::Max => zip_in_place(dst, o, dst_left, |x, y| x.max(y)),
        Op2::Lt => zip_in_place(dst, o, dst_left, lt),
        Op2::Gt => zip_in_place(dst, o, dst_left, gt),
        Op2::Eq => zip_in_place(dst, o, dst_left, |x, y| (x == y) as i64),
        // `%` gives floats: the callers never pass it.
        Op2::Div => Err(crate::error::OError::new(
            crate::error::ErrorKind::Type,
            "int division in place",
        )),
    }
}

/// A float-to-float `op` (not a comparison) written into `dst`.
fn floats_in_place(op: Op2, dst: &mut [f64], o: Side<f64>, dst_left: bool) -> OResult<()> {
    match op {
        Op2::Add => zip_in_place(dst, o, dst_left, |x, y| x + y),
        Op2::Sub => zip_in_place(dst, o, dst_left, |x, y| x - y),
        Op2::Mul => zip_in_place(dst, o, dst_left, |x, y| x * y),
        Op2::Div => zip_in_place(dst, o, dst_left, |x, y| x / y),
        Op2::Min => zip_in_place(dst, o, dst_left, fmin),
        Op2::Max => zip_in_place(dst, o, dst_left, fmax),
        // Comparisons give ints: the callers never pass them.
        Op2::Lt | Op2::Gt | Op2::Eq => Err(crate::error::OError::new(
            crate::error::ErrorKind::Type,
            "float comparison in place",
        )),
    }
}

fn generic(op: Op2, x: &Value, y: &Value) -> OResult<Value> {
    use Value::*;
    match (x, y) {
        (Dict(a), Dict(b)) => {
            let keys = super::unique(&super::join(&a.keys, &b.keys)?);
            let mut vals = Vec::with_capacity(keys.len());
            for k in keys.items() {
                let va = super::index::dict_get(a, &k);
                let vb = super::index::dict_get(b, &k);
                vals.push(match (va, vb) {
                    (None, Some(v)) | (Some(v), None) => v,
                    (Some(p), Some(q)) => atomic(op, &p, &q)?,
                    (None, None) => Value::Nil,
                });
            }
            Ok(Value::dict(keys, Value::from_items(vals)))
        }
        (Dict(a), _) => Ok(Value::dict(a.keys.clone(), atomic(op, &a.vals, y)?)),
        (_, Dict(b)) => Ok(Value::dict(b.keys.clone(), atomic(op, x, &b.vals)?)),
        _ if x.is_list() && y.is_list() => {
            if x.len() != y.len() {
                return Err(length());
            }
            let mut out = Vec::with_capacity(x.len());
            for i in 0..x.len() {
                out.push(atomic(op, &x.item(i), &y.item(i))?);
            }
            Ok(Value::from_items(out))
        }
        _ if x.is_list() => {
            let mut out = Vec::with_capacity(x.len());
            for i in 0..x.len() {
                out.push(atomic(op, &x.item(i), y)?);
            }
            Ok(Value::from_items(out))
        }
        _ if y.is_list() => {
            let mut out = Vec::with_capacity(y.len());
            for i in 0..y.len() {
                out.push(atomic(op, x, &y.item(i))?);
            }
            Ok(Value::from_items(out))
        }
        _ => scalar(op, x, y),
    }
}

/// Applies a monadic function to every atom (through lists and dict values).
pub fn each_atom(x: &Value, f: &dyn Fn(&Value) -> OResult<Value>) -> OResult<Value> {
    match x {
        Value::Dict(d) => Ok(Value::dict(d.keys.clone(), each_atom(&d.vals, f)?)),
        Value::List(v) => {
            let mut out = Vec::with_capacity(v.len());
            for item in v.iter() {
                out.push(each_atom(item, f)?);
            }
            Ok(Value::from_items(out))
        }
        _ if x.is_list() => {
            let mut out = Vec::with_capacity(x.len());
            for i in 0..x.len() {
                out.push(f(&x.item(i))?);
            }
            Ok(Value::from_items(out))
        }
        _ => f(x),
    }
}

/// Monadic `-`.
pub fn negate(x: &Value) -> OResult<Value> {
    match x {
        Value::Ints(v) => Ok(Value::ints(v.iter().map(|i| i.wrapping_neg()).collect())),
        Value::Floats(v) => Ok(Value::floats(v.iter().map(|f| -f).collect())),
        _ => each_atom(x, &|a| match a {
            Value::Int(i) => Ok(Value::Int(i.wrapping_neg())),
            Value::Float(f) => Ok(Value::Float(-f)),
            Value::Char(c) => Ok(Value::Int(-(*c as i64))),
            _ => Err(a.type_err("number")),
        }),
    }
}

/// Monadic `%`.
pub fn sqrt(x: &Value) -> OResult<Value> {
    each_atom(x, &|a| {
        Ok(Value::Float(a.num()?.as_f64().unwrap_or(f64::NAN).sqrt()))
    })
}

/// Monadic `~`.
pub fn not(x: &Value) -> OResult<Value> {
    each_atom(x, &|a| Ok(Value::bool(a.num()?.as_f64() == Some(0.0))))
}

/// A float as an int, mapping NaN and infinities to null and `0w`.
pub fn f64_to_int(f: f64) -> i64 {
    if f.is_nan() {
        i64::MIN
    } else if f >= 9.2e18 {
        i64::MAX
    } else if f <= -9.2e18 {
        -i64::MAX
    } else {
        f as i64
    }
}

/// Monadic `_`: floor numbers, lowercase chars.
pub fn floor(x: &Value) -> OResult<Value> {
    match x {
        Value::Ints(_) => Ok(x.clone()),
        Value::Floats(v) => Ok(Value::ints(
            v.iter().map(|f| f64_to_int(f.floor())).collect(),
        )),
        Value::Chars(v) => Ok(Value::chars(
            v.iter().map(|c| c.to_ascii_lowercase()).collect(),
        )),
        _ => each_atom(x, &|a| match a {
            Value::Int(i) => Ok(Value::Int(*i)),
            Value::Float(f) => Ok(Value::Int(f64_to_int(f.floor()))),
            Value::Char(c) => Ok(Value::Char(c.to_ascii_lowercase())),
            _ => Err(a.type_err("number")),
        }),
    }
}

/// Sum of an int vector (wrapping; null if any item is null). Uses AVX2
/// (four lanes, one compare for the null check) when the CPU has it.
pub fn sum_ints(v: &[i64]) -> i64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { sum_ints_avx2(v) };
    }
    sum_ints_body(v)
}

/// [`sum_ints_body`] compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sum_ints_avx2(v: &[i64]) -> i64 {
    sum_ints_body(v)
}

/// How far ahead (in ints, 4 KiB) the int sum prefetches: the hardware
/// prefetcher alone leaves a streaming sum short of memory bandwidth on the
/// benchmark VM (about 0.3 against 0.5 element/ns measured side by side).
const SUM_PREFETCH: usize = 512;

/// Asks the CPU to start loading the cache line at `p` (any address: a
/// prefetch never faults).
#[inline(always)]
fn prefetch(p: *const i64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it reads nothing the program sees
    // and does not fault on any address, valid or not.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The int sum: eight wrapping accumulators and eight null flags, a loop
/// the compiler vectorises, with one prefetch per cache line
/// [`SUM_PREFETCH`] ints ahead.
#[inline(always)]
fn sum_ints_body(v: &[i64]) -> i64 {
    let mut acc = [0i64; 8];
    let mut nulls = [0i64; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    let base = v.as_ptr();
    for (j, c) in chunks.enumerate() {
        prefetch(base.wrapping_add(j * 8 + SUM_PREFETCH));
        for k in 0..8 {
            acc[k] = acc[k].wrapping_add(c[k]);
            nulls[k] |= -((c[k] == NULL) as i64);
        }
    }
    let mut s = acc.iter().fold(0i64, |a, &b| a.wrapping_add(b));
    let mut null = nulls.iter().fold(0, |a, &b| a | b);
    for &r in rest {
        s = s.wrapping_add(r);
        null |= (r == NULL) as i64;
    }
    if null != 0 { NULL } else { s }
}

/// Sum of a float vector, in eight interleaved partial sums (so the adds
/// pipeline; the last bits may differ from a strict left fold).
pub fn sum_floats(v: &[f64]) -> f64 {
    let mut acc = [0f64; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] += c[k];
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for &r in rest {
        s += r;
    }
    s
}

/// Wraps a vector in a value (helper for callers that build vectors).
pub fn ints(v: Vec<i64>) -> Value {
    Value::Ints(Arc::new(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPS: [Op2; 9] = [
        Op2::Add,
        Op2::Sub,
        Op2::Mul,
        Op2::Div,
        Op2::Min,
        Op2::Max,
        Op2::Lt,
        Op2::Gt,
        Op2::Eq,
    ];

    fn operands() -> Vec<Value> {
        vec![
            Value::ints(vec![3, -2, NULL, 7]),
            Value::Int(2),
            Value::floats(vec![1.5, f64::NAN, -0.5, 4.0]),
            Value::Float(-1.25),
            Value::ints(vec![1, 2]),
        ]
    }

    /// A fresh, uniquely held copy of `v`.
    fn fresh(v: &Value) -> Value {
        match v {
            Value::Ints(a) => Value::ints(a.to_vec()),
            Value::Floats(a) => Value::floats(a.to_vec()),
            other => other.clone(),
        }
    }

    fn same(a: &OResult<Value>, b: &OResult<Value>) -> bool {
        match (a, b) {
            (Ok(a), Ok(b)) => a.to_string() == b.to_string(),
            (Err(a), Err(b)) => a.kind() == b.kind(),
            _ => false,
        }
    }

    #[test]
    fn owned_results_match_borrowed_ones() {
        for op in OPS {
            for x in operands() {
                for y in operands() {
                    let want = atomic(op, &x, &y);
                    let got = atomic_owned(op, fresh(&x), fresh(&y));
                    assert!(same(&want, &got), "{op:?} {x} {y}: {want:?} vs {got:?}");
                    // Shared operands take the allocating path: same answer.
                    let shared = atomic_owned(op, x.clone(), y.clone());
                    assert!(same(&want, &shared), "{op:?} {x} {y} shared");
                }
            }
        }
    }

    #[test]
    fn unique_operand_buffer_is_reused_and_shared_one_is_not() {
        let x = Value::floats(vec![1.0, 2.0, 3.0]);
        let Value::Floats(a) = &x else { unreachable!() };
        let ptr = a.as_ptr();
        let r = atomic_owned(Op2::Mul, x, Value::Float(2.0)).unwrap();
        let Value::Floats(r) = &r else { panic!("{r}") };
        assert_eq!(r.as_ptr(), ptr);
        assert_eq!(**r, [2.0, 4.0, 6.0]);

        let y = Value::ints(vec![1, 2, 3]);
        let keep = y.clone();
        let r = atomic_owned(Op2::Sub, Value::Int(10), y).unwrap();
        let (Value::Ints(r), Value::Ints(k)) = (&r, &keep) else {
            panic!()
        };
        assert_ne!(r.as_ptr(), k.as_ptr());
        assert_eq!(**r, [9, 8, 7]);
        assert_eq!(**k, [1, 2, 3]);
    }

    #[test]
    fn int_sum_wraps_and_sees_nulls_anywhere() {
        let v: Vec<i64> = (0..103).collect();
        assert_eq!(sum_ints(&v), 103 * 102 / 2);
        for at in [0, 7, 8, 50, 95, 102] {
            let mut w = v.clone();
            w[at] = NULL;
            assert_eq!(sum_ints(&w), NULL, "null at {at}");
        }
        assert_eq!(sum_ints(&[i64::MAX, 2]), i64::MIN + 1);
    }
}
