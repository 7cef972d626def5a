//! Indexing (`@`, `.` on data) and indexed amend (`a[i]:v`, `a[i]+:v`).
//!
//! Out-of-range or non-integer indices give null (`0N`), missing dictionary
//! keys give null, as in oK. Indexing an atom is an error.

use super::{matches, same_len};
use crate::error::{OError, OResult, expected};
use crate::value::{Dict, Value, Verb};
use std::sync::Arc;

const NA: Value = Value::Int(i64::MIN);

/// The value at key `k` of a dictionary, if present.
pub fn dict_get(d: &Dict, k: &Value) -> Option<Value> {
    let keys = &d.keys;
    let i = match (keys, k) {
        (Value::Syms(v), Value::Sym(s)) => v.iter().position(|e| e == s),
        _ => (0..keys.len()).find(|&i| matches(&keys.item(i), k)),
    }?;
    Some(d.vals.item(i))
}

fn index_one(x: &Value, y: &Value) -> Value {
    let i = match y {
        Value::Int(i) => *i,
        Value::Char(c) => *c as i64,
        Value::Float(f) if f.fract() == 0.0 => *f as i64,
        _ => return NA,
    };
    if i < 0 || i as usize >= x.len() {
        return NA;
    }
    x.item(i as usize)
}

/// `x@y` for data `x`: index a list or dictionary by `y` (nil `y` = all).
pub fn at(x: &Value, y: &Value) -> OResult<Value> {
    if let Value::Nil = y {
        return Ok(x.clone());
    }
    match (x, y) {
        (Value::Ints(v), Value::Ints(ix)) => {
            let n = v.len() as i64;
            return Ok(Value::ints(
                ix.iter()
                    .map(|&i| {
                        if i >= 0 && i < n {
                            v[i as usize]
                        } else {
                            i64::MIN
                        }
                    })
                    .collect(),
            ));
        }
        (Value::Floats(v), Value::Ints(ix)) => {
            let n = v.len() as i64;
            return Ok(Value::floats(
                ix.iter()
                    .map(|&i| {
                        if i >= 0 && i < n {
                            v[i as usize]
                        } else {
                            f64::NAN
                        }
                    })
                    .collect(),
            ));
        }
        (Value::Chars(v), Value::Ints(ix))
            if ix.iter().all(|&i| i >= 0 && (i as usize) < v.len()) =>
        {
            return Ok(Value::chars(ix.iter().map(|&i| v[i as usize]).collect()));
        }
        _ => {}
    }
    if x.is_list()
        && let Value::Dict(d) = y
    {
        return Ok(Value::dict(d.keys.clone(), at(x, &d.vals)?));
    }
    match x {
        Value::Dict(_)
        | Value::Ints(_)
        | Value::Floats(_)
        | Value::Chars(_)
        | Value::Syms(_)
        | Value::List(_)
            if y.is_list() =>
        {
            let mut out = Vec::with_capacity(y.len());
            for i in 0..y.len() {
                out.push(at(x, &y.item(i))?);
            }
            if out.is_empty() {
                return Ok(Value::empty());
            }
            Ok(Value::from_items(out))
        }
        Value::Dict(d) => Ok(dict_get(d, y).unwrap_or(NA)),
        _ if x.is_list() => Ok(index_one(x, y)),
        _ => Err(expected("function or list", x.type_name())),
    }
}

/// `x . y` for data `x`: index at depth, one level per item of `y`.
pub fn dot(x: &Value, y: &Value) -> OResult<Value> {
    if !x.is_list() && !matches!(x, Value::Dict(_)) {
        return Err(expected("function or list", x.type_name()));
    }
    if y.is_list() {
        at_depth(x, &y.items())
    } else {
        at(x, y)
    }
}

/// Indexes `x` by `path[0]`, then each result by the rest of the path.
pub fn at_depth(x: &Value, path: &[Value]) -> OResult<Value> {
    let Some((c, rest)) = path.split_first() else {
        return Ok(x.clone());
    };
    if !x.is_list() && !matches!(x, Value::Dict(_)) {
        return Err(expected("function or list", x.type_name()));
    }
    let k = at(x, c)?;
    if rest.is_empty() {
        return Ok(k);
    }
    if matches!(c, Value::Nil) || c.is_list() {
        let mut out = Vec::with_capacity(k.len());
        for i in 0..k.len() {
            out.push(at_depth(&k.item(i), rest)?);
        }
        Ok(Value::from_items(out))
    } else {
        at_depth(&k, rest)
    }
}

fn set_item(d: Value, i: &Value, v: Value) -> OResult<Value> {
    match d {
        Value::Dict(dict) => {
            let mut keys = dict.keys.items();
            let mut vals = dict.vals.items();
            match keys.iter().position(|k| matches(k, i)) {
                Some(p) => vals[p] = v,
                None => {
                    keys.push(i.clone());
                    vals.push(v);
                }
            }
            Ok(Value::dict(
                Value::from_items(keys),
                Value::from_items(vals),
            ))
        }
        _ if d.is_list() => {
            let n = d.len();
            let k = match i.as_int() {
                Some(k) if k >= 0 && (k as usize) < n && !matches!(i, Value::Char(_)) => k as usize,
                Some(k) if k >= 0 => {
                    return Err(OError::new(crate::error::ErrorKind::Length, "index error."));
                }
                _ => return Err(crate::error::positive()),
            };
            Ok(match (d, v) {
                (Value::Ints(mut a), Value::Int(x)) => {
                    Arc::make_mut(&mut a)[k] = x;
                    Value::Ints(a)
                }
                (Value::Floats(mut a), Value::Float(x)) => {
                    Arc::make_mut(&mut a)[k] = x;
                    Value::Floats(a)
                }
                (Value::Chars(mut a), Value::Char(x)) => {
                    Arc::make_mut(&mut a)[k] = x;
                    Value::Chars(a)
                }
                (Value::List(mut a), x) => {
                    Arc::make_mut(&mut a)[k] = x;
                    Value::from_items(
                        Arc::try_unwrap(a)
                            .unwrap_or_else(|a| (*a).clone())
                            .into_vec(),
                    )
                }
                (d, x) => {
                    let mut items = d.items();
                    items[k] = x;
                    Value::from_items(items)
                }
            })
        }
        other => Err(expected("list", other.type_name())),
    }
}

/// Amends `d` at `path` (nil = every item): the item becomes `op(item, y)`,
/// or `y` when there is no op. List indices spread, pairing with list `y`.
pub fn amend(d: Value, path: &[Value], op: Option<Verb>, y: &Value) -> OResult<Value> {
    let Some((i, rest)) = path.split_first() else {
        return match op {
            Some(v) => super::dyad(v, &d, y),
            None => Ok(y.clone()),
        };
    };
    if matches!(i, Value::Nil) {
        let n = d.len();
        let mut cur = d;
        for k in 0..n {
            let mut p = vec![Value::Int(k as i64)];
            p.extend_from_slice(rest);
            cur = amend(cur, &p, op, y)?;
        }
        return Ok(cur);
    }
    if i.is_list() {
        if y.is_list() && rest.is_empty() {
            same_len(i, y)?;
        }
        let mut cur = d;
        for k in 0..i.len() {
            let yk = if y.is_list() && rest.is_empty() {
                y.item(k)
            } else {
                y.clone()
            };
            let mut p = vec![i.item(k)];
            p.extend_from_slice(rest);
            cur = amend(cur, &p, op, &yk)?;
        }
        return Ok(cur);
    }
    let old = match &d {
        Value::Dict(dict) => dict_get(dict, i).unwrap_or(Value::Nil),
        _ if d.is_list() => at(&d, i)?,
        _ => return Err(expected("list", d.type_name())),
    };
    let old = if matches!(old, Value::Nil) && op.is_some() && rest.is_empty() {
        Value::Int(0)
    } else {
        old
    };
    let new = amend(old, rest, op, y)?;
    set_item(d, i, new)
}
