//! Structural verbs: flip, range, where, grade, group, take, drop, cut,
//! find, except, fill, and the noun-adverb forms (bin, join, split, encode,
//! decode, window).

use super::{equal_atom, is_null, join, matches, unique};
use crate::error::{OResult, expected, length, positive};
use crate::value::{Value, int_to_f64};
use std::cmp::Ordering;
use std::sync::atomic::{AtomicU64, Ordering as AtOrd};

/// Monadic `*`: first item (a dictionary's first value; an atom itself).
pub fn first(x: &Value) -> Value {
    match x {
        Value::Dict(d) => first(&d.vals),
        _ if x.is_list() => {
            if x.is_empty() {
                Value::empty()
            } else {
                x.item(0)
            }
        }
        _ => x.clone(),
    }
}

/// Monadic `|`.
pub fn reverse(x: &Value) -> Value {
    match x {
        Value::Dict(d) => Value::dict(reverse(&d.keys), reverse(&d.vals)),
        Value::Ints(v) => Value::ints(v.iter().rev().copied().collect()),
        Value::Floats(v) => Value::floats(v.iter().rev().copied().collect()),
        Value::Chars(v) => Value::chars(v.iter().rev().copied().collect()),
        Value::Syms(v) => Value::syms(v.iter().rev().cloned().collect()),
        Value::List(v) => Value::from_items(v.iter().rev().cloned().collect()),
        _ => x.clone(),
    }
}

/// Checks a requested length against the element limit.
pub fn check_size(n: usize) -> OResult<()> {
    if n > crate::machine::max_items() {
        Err(crate::error::limit("list too long"))
    } else {
        Ok(())
    }
}

/// Monadic `+`: transpose a list of lists (atoms spread).
pub fn flip(x: &Value) -> OResult<Value> {
    if !x.is_list() {
        return Ok(if let Value::Dict(_) = x {
            x.clone()
        } else {
            Value::from_items(vec![Value::from_items(vec![x.clone()])])
        });
    }
    let items = x.items();
    let m = items
        .iter()
        .map(|i| if i.is_list() { i.len() } else { 1 })
        .max()
        .unwrap_or(0);
    let n = items.len();
    check_size(n.saturating_mul(m))?;
    let mut rows = Vec::with_capacity(m);
    for z in 0..m {
        let mut row = Vec::with_capacity(n);
        for it in &items {
            row.push(if it.is_list() {
                if it.is_empty() {
                    Value::Nil
                } else {
                    it.item(z % it.len())
                }
            } else {
                it.clone()
            });
        }
        rows.push(Value::from_items(row));
    }
    Ok(Value::from_items(rows))
}

/// Monadic `!`: range, odometer, or a dictionary's keys.
pub fn iota(x: &Value) -> OResult<Value> {
    match x {
        Value::Dict(d) => Ok(d.keys.clone()),
        _ if x.is_list() => odometer(x),
        _ => {
            let n = x.num()?.as_int().unwrap_or(0);
            let m = n.unsigned_abs() as usize;
            check_size(m)?;
            if n >= 0 {
                Ok(Value::ints((0..n).collect()))
            } else {
                Ok(Value::ints((n..0).collect()))
            }
        }
    }
}

fn odometer(x: &Value) -> OResult<Value> {
    let dims: Vec<usize> = x.items().iter().map(|d| d.nat()).collect::<OResult<_>>()?;
    let total = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .unwrap_or(usize::MAX);
    check_size(total.saturating_mul(dims.len()))?;
    let mut rows = Vec::with_capacity(dims.len());
    let mut stride = total;
    for &d in &dims {
        stride = stride.checked_div(d).unwrap_or(0);
        let row: Vec<i64> = (0..total)
            .map(|i| i.checked_div(stride).map_or(0, |q| (q % d) as i64))
            .collect();
        rows.push(Value::ints(row));
    }
    Ok(Value::from_items(rows))
}

/// Monadic `&`: indices repeated by count.
pub fn where_(x: &Value) -> OResult<Value> {
    match x {
        Value::Dict(d) => {
            let w = where_(&d.vals)?;
            super::index::at(&d.keys, &w)
        }
        Value::Ints(v) => {
            let mut out = Vec::new();
            for (i, &n) in v.iter().enumerate() {
                if n < 0 {
                    return Err(positive());
                }
                check_size(out.len() + n as usize)?;
                out.extend(std::iter::repeat_n(i as i64, n as usize));
            }
            Ok(Value::ints(out))
        }
        _ => {
            let items = x.enlist_atom().items();
            let mut out = Vec::new();
            for (i, n) in items.iter().enumerate() {
                let n = n.nat()?;
                check_size(out.len() + n)?;
                out.extend(std::iter::repeat_n(i as i64, n));
            }
            Ok(Value::ints(out))
        }
    }
}

/// Orders two values as oK's grade does (strings as symbols, lists by
/// length then item by item).
pub fn compare(a: &Value, b: &Value) -> Ordering {
    if let (Value::Chars(p), Value::Chars(q)) = (a, b) {
        return p.cmp(q);
    }
    if a.is_list() && b.is_list() {
        if matches(a, b) {
            return Ordering::Equal;
        }
        if a.len() != b.len() {
            return a.len().cmp(&b.len());
        }
        for i in 0..a.len() {
            let c = compare(&a.item(i), &b.item(i));
            if c != Ordering::Equal {
                return c;
            }
        }
        return Ordering::Equal;
    }
    match (a, b) {
        (Value::Sym(p), Value::Sym(q)) => p.cmp(q),
        (Value::Int(p), Value::Int(q)) => p.cmp(q),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
            _ => Ordering::Equal,
        },
    }
}

/// Monadic `<` (up) and `>` (down): a stable grade.
pub fn grade(x: &Value, up: bool) -> OResult<Value> {
    if let Value::Dict(d) = x {
        let g = grade(&d.vals, up)?;
        return super::index::at(&d.keys, &g);
    }
    let n = x.len();
    let mut idx: Vec<usize> = (0..n).collect();
    match x {
        Value::Ints(v) => {
            if up {
                idx.sort_by(|&i, &j| v[i].cmp(&v[j]))
            } else {
                idx.sort_by(|&i, &j| v[j].cmp(&v[i]))
            }
        }
        _ if x.is_list() => {
            let items = x.items();
            if up {
                idx.sort_by(|&i, &j| compare(&items[i], &items[j]))
            } else {
                idx.sort_by(|&i, &j| compare(&items[j], &items[i]))
            }
        }
        _ => return Err(x.type_err("list")),
    }
    Ok(Value::ints(idx.into_iter().map(|i| i as i64).collect()))
}

/// Monadic `=`: group a list, or an identity matrix for an int.
pub fn group_or_imat(x: &Value) -> OResult<Value> {
    if x.is_list() {
        let items = x.items();
        let keys = unique(x);
        let kitems = keys.items();
        let mut groups: Vec<Vec<i64>> = vec![Vec::new(); kitems.len()];
        for (i, it) in items.iter().enumerate() {
            if let Some(k) = kitems.iter().position(|k| matches(k, it)) {
                groups[k].push(i as i64);
            }
        }
        return Ok(Value::dict(
            keys,
            Value::from_items(groups.into_iter().map(Value::ints).collect()),
        ));
    }
    if let Value::Dict(d) = x {
        let keys = &d.keys;
        let rows = (0..keys.len())
            .map(|i| super::atomic::atomic(super::atomic::Op2::Eq, &keys.item(i), keys))
            .collect::<OResult<Vec<_>>>()?;
        return Ok(Value::from_items(rows));
    }
    let n = x.nat()?;
    check_size(n.saturating_mul(n))?;
    Ok(Value::from_items(
        (0..n)
            .map(|i| Value::ints((0..n).map(|j| (i == j) as i64).collect()))
            .collect(),
    ))
}

static SEED: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);

/// A pseudo-random u64 (xorshift; deterministic per process).
pub fn rand_u64() -> u64 {
    let mut x = SEED.load(AtOrd::Relaxed);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    SEED.store(x, AtOrd::Relaxed);
    x
}

fn rand_f64() -> f64 {
    (rand_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Monadic `?` on a number: that many random floats in [0,1).
pub fn rand_floats(x: &Value) -> OResult<Value> {
    let n = x.nat()?;
    check_size(n)?;
    Ok(Value::floats((0..n).map(|_| rand_f64()).collect()))
}

fn kmod(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { a.rem_euclid(b) }
}

fn mod_atom(x: &Value, y: &Value) -> OResult<Value> {
    match (x.num()?, y.num()?) {
        (Value::Float(_), _) | (_, Value::Float(_)) => {
            let (a, b) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            Ok(Value::Float(if a > 0.0 {
                b - a * (b / a).floor()
            } else {
                (b / -a).floor()
            }))
        }
        _ => {
            let (a, b) = (x.as_int().unwrap_or(0), y.as_int().unwrap_or(0));
            if b == i64::MIN || a == i64::MIN {
                return Ok(Value::Int(i64::MIN));
            }
            Ok(Value::Int(if a > 0 {
                kmod(b, a)
            } else if a == 0 {
                return Ok(Value::Float(int_to_f64(b) / -0.0_f64));
            } else {
                b.div_euclid(-a)
            }))
        }
    }
}

/// Dyadic `!`: modulus / floored division by an atom, or make a dictionary.
pub fn bang(x: &Value, y: &Value) -> OResult<Value> {
    if x.is_list() {
        if !y.is_list() {
            return Err(crate::error::OError::new(
                crate::error::ErrorKind::Type,
                "invalid arguments to !",
            ));
        }
        if x.len() != y.len() {
            return Err(length());
        }
        return Ok(Value::dict(x.clone(), y.clone()));
    }
    if let (Value::Int(a), Value::Ints(v)) = (x, y) {
        let a = *a;
        let null = |b: i64, f: &dyn Fn(i64) -> i64| if b == i64::MIN { b } else { f(b) };
        if a > 0 {
            return Ok(Value::ints(
                v.iter().map(|&b| null(b, &|b| kmod(b, a))).collect(),
            ));
        } else if a < 0 && a != i64::MIN {
            return Ok(Value::ints(
                v.iter().map(|&b| null(b, &|b| b.div_euclid(-a))).collect(),
            ));
        }
    }
    right_atomic(y, &|b| mod_atom(x, b))
}

fn right_atomic(y: &Value, f: &dyn Fn(&Value) -> OResult<Value>) -> OResult<Value> {
    if y.is_list() {
        let mut out = Vec::with_capacity(y.len());
        for i in 0..y.len() {
            out.push(right_atomic(&y.item(i), f)?);
        }
        Ok(Value::from_items(out))
    } else {
        f(y)
    }
}

/// Dyadic `^` with a list on the left: the items of `x` not in `y`.
pub fn except(x: &Value, y: &Value) -> Value {
    let ys = y.enlist_atom().items();
    let keep: Vec<usize> = (0..x.len())
        .filter(|&i| !ys.iter().any(|e| equal_atom(e, &x.item(i))))
        .collect();
    let r = x.select(&keep);
    if keep.is_empty() { x.empty_like() } else { r }
}

/// Dyadic `^` with an atom on the left: replace nulls in `y` with `x`.
pub fn fill(x: &Value, y: &Value) -> OResult<Value> {
    match y {
        Value::Ints(v) if matches!(x, Value::Int(_)) => {
            let f = x.as_int().unwrap_or(0);
            Ok(Value::ints(
                v.iter()
                    .map(|&i| if i == i64::MIN { f } else { i })
                    .collect(),
            ))
        }
        Value::Dict(d) => Ok(Value::dict(d.keys.clone(), fill(x, &d.vals)?)),
        _ if y.is_list() => {
            let mut out = Vec::with_capacity(y.len());
            for i in 0..y.len() {
                out.push(fill(x, &y.item(i))?);
            }
            Ok(Value::from_items(out))
        }
        _ => Ok(if is_null(y) { x.clone() } else { y.clone() }),
    }
}

/// Dyadic `#`: take (atom left) or reshape (list left).
pub fn take_or_reshape(x: &Value, y: &Value) -> OResult<Value> {
    if let Value::Dict(d) = y {
        if x.is_list() {
            return Ok(Value::dict(x.clone(), super::index::at(y, x)?));
        }
        return Ok(Value::dict(take(x, &d.keys)?, take(x, &d.vals)?));
    }
    if x.is_list() {
        reshape(x, y)
    } else {
        take(x, y)
    }
}

/// `n#y`.
pub fn take(x: &Value, y: &Value) -> OResult<Value> {
    let n = x.int()?;
    let y = if !y.is_list() || y.is_empty() {
        Value::from_items(vec![y.clone()])
    } else {
        y.clone()
    };
    let len = y.len() as i64;
    let m = n.unsigned_abs() as usize;
    check_size(m)?;
    let s = if n < 0 { kmod(n, len) } else { 0 };
    let idx: Vec<usize> = (0..m as i64).map(|i| kmod(i + s, len) as usize).collect();
    Ok(if m == 0 {
        y.empty_like()
    } else {
        y.select(&idx)
    })
}

fn reshape(x: &Value, y: &Value) -> OResult<Value> {
    let y = if y.is_list() {
        y.clone()
    } else {
        Value::from_items(vec![y.clone()])
    };
    let dims = x.items();
    if dims.is_empty() {
        return Ok(y);
    }
    let a = dims.first().cloned().unwrap_or(Value::Int(0));
    let b = dims.last().cloned().unwrap_or(Value::Int(0));
    let n = y.len();
    if is_null(&a) {
        if n == 0 {
            return Ok(y);
        }
        let b = b.nat()?;
        if b == 0 {
            return Err(crate::error::domain());
        }
        let starts: Vec<i64> = (0..n.div_ceil(b)).map(|z| (z * b) as i64).collect();
        return cut(&Value::ints(starts), &y);
    }
    if is_null(&b) {
        let a = a.nat()?;
        let starts: Vec<i64> = (0..a).map(|z| (z * n / a.max(1)) as i64).collect();
        return cut(&Value::ints(starts), &y);
    }
    let dims: Vec<usize> = dims.iter().map(|d| d.nat()).collect::<OResult<_>>()?;
    let total = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .unwrap_or(usize::MAX);
    check_size(total)?;
    let y = if n == 0 {
        Value::from_items(vec![y])
    } else {
        y
    };
    let mut c = 0usize;
    Ok(reshape_rec(&dims, &y, &mut c))
}

fn reshape_rec(dims: &[usize], y: &Value, c: &mut usize) -> Value {
    let n = y.len();
    if dims.len() == 1 {
        let idx: Vec<usize> = (0..dims[0])
            .map(|_| {
                let i = *c % n;
                *c += 1;
                i
            })
            .collect();
        return if idx.is_empty() {
            Value::empty()
        } else {
            y.select(&idx)
        };
    }
    Value::from_items(
        (0..dims[0])
            .map(|_| reshape_rec(&dims[1..], y, c))
            .collect(),
    )
}

/// Dyadic `_`: drop (atom left), cut (list left), or drop keys from a dictionary.
pub fn drop_or_cut(x: &Value, y: &Value) -> OResult<Value> {
    if let Value::Dict(d) = y {
        if x.is_list() {
            let keys = except(&d.keys, x);
            let vals = super::index::at(y, &keys)?;
            return Ok(Value::dict(keys, vals));
        }
        return Ok(Value::dict(drop(x, &d.keys)?, drop(x, &d.vals)?));
    }
    if x.is_list() {
        if !y.is_list() {
            return Err(expected("dictionary", y.type_name()));
        }
        return cut(x, y);
    }
    drop(x, y)
}

/// `n_y`.
pub fn drop(x: &Value, y: &Value) -> OResult<Value> {
    let n = x.int()?;
    if !y.is_list() || y.is_empty() {
        return Ok(y.clone());
    }
    let len = y.len() as i64;
    let (lo, hi) = if n < 0 {
        (0, (len + n).max(0))
    } else {
        (n.min(len), len)
    };
    Ok(if lo >= hi {
        y.empty_like()
    } else {
        y.slice(lo as usize, hi as usize)
    })
}

/// `x_y` with a list of start indices.
pub fn cut(x: &Value, y: &Value) -> OResult<Value> {
    let starts: Vec<usize> = x.items().iter().map(|s| s.nat()).collect::<OResult<_>>()?;
    let n = y.len();
    let mut out = Vec::with_capacity(starts.len());
    for (i, &a) in starts.iter().enumerate() {
        let b = starts.get(i + 1).copied().unwrap_or(n);
        if a < b && (a >= n || b > n) {
            return Err(length());
        }
        out.push(if a < b { y.slice(a, b) } else { y.empty_like() });
    }
    Ok(Value::list(out))
}

/// Dyadic `?`: find (list left), roll or deal (atom left), reverse lookup (dict).
pub fn find_or_rand(x: &Value, y: &Value) -> OResult<Value> {
    if let Value::Dict(d) = x {
        let i = find_right(&d.vals, y);
        return super::index::at(&d.keys, &i);
    }
    if x.is_list() {
        return Ok(find_right(x, y));
    }
    rand(x, y)
}

fn find_one(x: &Value, y: &Value) -> Value {
    match (x, y) {
        (Value::Ints(v), Value::Int(i)) => {
            Value::Int(v.iter().position(|e| e == i).map_or(i64::MIN, |p| p as i64))
        }
        _ => Value::Int(
            (0..x.len())
                .find(|&i| equal_atom(&x.item(i), y))
                .map_or(i64::MIN, |p| p as i64),
        ),
    }
}

fn find_right(x: &Value, y: &Value) -> Value {
    if y.is_list() {
        Value::from_items((0..y.len()).map(|i| find_right(x, &y.item(i))).collect())
    } else {
        find_one(x, y)
    }
}

fn rand(x: &Value, y: &Value) -> OResult<Value> {
    if let Value::Char(c) = y {
        let base = *c as i64;
        let r = rand(x, &Value::Int(26))?;
        return Ok(match r {
            Value::Ints(v) => Value::chars(v.iter().map(|&i| (base + i) as u8).collect()),
            other => other,
        });
    }
    if y.is_list() {
        let idx = rand(x, &Value::Int(y.len() as i64))?;
        return super::index::at(y, &idx);
    }
    let m = y.nat()?;
    let n = x.int()?;
    if n < 0 {
        let k = n.unsigned_abs() as usize;
        if k > m {
            return Err(length());
        }
        let mut pool: Vec<i64> = (0..m as i64).collect();
        for i in 0..k {
            let j = i + (rand_u64() % (m - i) as u64) as usize;
            pool.swap(i, j);
        }
        pool.truncate(k);
        return Ok(Value::ints(pool));
    }
    check_size(n as usize)?;
    Ok(Value::ints(
        (0..n)
            .map(|_| {
                if m == 0 {
                    0
                } else {
                    (rand_u64() % m as u64) as i64
                }
            })
            .collect(),
    ))
}

/// `x'y` with a noun `x`: binary search (index of the last item <= y, or -1).
pub fn bin(x: &Value, y: &Value) -> OResult<Value> {
    if y.is_list() {
        return Ok(Value::from_items(
            (0..y.len())
                .map(|i| bin(x, &y.item(i)))
                .collect::<OResult<_>>()?,
        ));
    }
    let (mut a, mut b) = (0usize, x.len());
    if b < 1 || compare(y, &x.item(0)) == Ordering::Less {
        return Ok(Value::Int(-1));
    }
    while b - a > 1 {
        let i = a + (b - a) / 2;
        if compare(&x.item(i), y) == Ordering::Greater {
            b = i;
        } else {
            a = i;
        }
    }
    Ok(Value::Int(a as i64))
}

/// `x/y` with a noun `x`: join strings with a char, or decode digits in base `x`.
pub fn pack(x: &Value, y: &Value) -> OResult<Value> {
    if let Value::Char(_) = x {
        let items = y.enlist_atom().items();
        let mut acc = match items.first() {
            Some(v) => v.clone(),
            None => return Ok(Value::empty()),
        };
        for it in &items[1..] {
            acc = join(&acc, &join(x, it)?)?;
        }
        return Ok(acc);
    }
    let n = y.len();
    let base = take(&Value::Int(n as i64), x)?;
    let mut acc = Value::Int(0);
    let mut mul = Value::Int(1);
    for i in (0..n).rev() {
        let term = super::dyad(crate::value::Verb::Times, &y.item(i), &mul)?;
        acc = super::dyad(crate::value::Verb::Plus, &acc, &term)?;
        mul = super::dyad(crate::value::Verb::Times, &mul, &base.item(i))?;
    }
    Ok(acc)
}

/// `x\y` with a noun `x`: split a string on a char, or encode `y` in base `x`.
pub fn unpack(x: &Value, y: &Value) -> OResult<Value> {
    if let Value::Char(c) = x {
        let s = match y {
            Value::Chars(s) => s.clone(),
            _ => return Err(expected("list", y.type_name())),
        };
        let mut out = Vec::new();
        let mut cur = Vec::new();
        for &b in s.iter() {
            if b == *c {
                out.push(Value::chars(std::mem::take(&mut cur)));
            } else {
                cur.push(b);
            }
        }
        out.push(Value::chars(cur));
        return Ok(Value::list(out));
    }
    if !x.is_list() {
        return Err(expected("list", x.type_name()));
    }
    let bases = x.items();
    let mut digits = vec![Value::Nil; bases.len()];
    let mut r = y.clone();
    for (i, b) in bases.iter().enumerate().rev() {
        let q = super::atomic::floor(&super::dyad(crate::value::Verb::Divide, &r, b)?)?;
        let d = super::dyad(
            crate::value::Verb::Minus,
            &r,
            &super::dyad(crate::value::Verb::Times, b, &q)?,
        )?;
        digits[i] = d;
        r = q;
    }
    Ok(Value::from_items(digits))
}

/// `n':y` with a noun `n`: sliding windows of length `n` (negative: 3-wide, zero-padded).
pub fn window(x: &Value, y: &Value) -> OResult<Value> {
    let n = x.int()?;
    if n < 0 {
        let padded = join(&join(&Value::Int(0), y)?, &Value::Int(0))?;
        return window(&Value::Int(3), &padded);
    }
    let n = n as usize;
    let len = y.len();
    let count = (len + 1).saturating_sub(n);
    check_size(count.saturating_mul(n))?;
    Ok(Value::from_items(
        (0..count)
            .map(|i| y.select(&(i..i + n).collect::<Vec<_>>()))
            .collect(),
    ))
}
