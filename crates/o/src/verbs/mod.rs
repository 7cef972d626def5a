//! Primitive verbs, monadic and dyadic, as pure functions on values.
//!
//! Verbs that call functions (`f#x` filter, `f@x` apply, `.` eval) are
//! dispatched by the machine, which can suspend; everything here runs to
//! completion without calling back into the interpreter.

pub mod atomic;
pub mod format;
pub mod index;
pub mod list;

use crate::error::{OError, OResult, expected, length};
use crate::value::{Func, Value, Verb};
use atomic::Op2;
use std::sync::Arc;

/// True when `x` and `y` match (`~`): same shape and equal atoms; ints and
/// floats compare by value; all empty lists match.
pub fn matches(x: &Value, y: &Value) -> bool {
    use Value::*;
    match (x, y) {
        (Nil, Nil) => true,
        (Int(a), Int(b)) => a == b,
        (Char(a), Char(b)) => a == b,
        (Sym(a), Sym(b)) => a == b,
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            let (a, b) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            a == b || (a.is_nan() && b.is_nan())
        }
        (Ints(a), Ints(b)) => a == b,
        (Chars(a), Chars(b)) => a == b,
        (Syms(a), Syms(b)) => a == b,
        (Dict(a), Dict(b)) => matches(&a.keys, &b.keys) && matches(&a.vals, &b.vals),
        (Func(_, a), Func(_, b)) => Arc::ptr_eq(a, b),
        _ if x.is_list() && y.is_list() => {
            x.len() == y.len() && (0..x.len()).all(|i| matches(&x.item(i), &y.item(i)))
        }
        _ => false,
    }
}

/// oK's `=` on atoms, used by find: numbers by value, NaN equals NaN.
pub fn equal_atom(x: &Value, y: &Value) -> bool {
    match (x, y) {
        (Value::Sym(a), Value::Sym(b)) => a == b,
        _ if x.is_list() || y.is_list() => false,
        _ => match (x.as_f64(), y.as_f64()) {
            (Some(a), Some(b)) => a == b || (a.is_nan() && b.is_nan()),
            _ => false,
        },
    }
}

/// Truth of a condition: false for 0 (any numeric zero) and the empty list.
pub fn truthy(x: &Value) -> bool {
    match x {
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        _ if x.is_list() => !x.is_empty(),
        _ => true,
    }
}

/// Distinct items, in order of first appearance.
pub fn unique(x: &Value) -> Value {
    match x {
        Value::Ints(v) => {
            let mut seen = std::collections::HashSet::new();
            Value::ints(v.iter().copied().filter(|i| seen.insert(*i)).collect())
        }
        Value::Chars(v) => {
            let mut seen = [false; 256];
            Value::chars(
                v.iter()
                    .copied()
                    .filter(|&c| !std::mem::replace(&mut seen[c as usize], true))
                    .collect(),
            )
        }
        _ => {
            let mut out: Vec<Value> = Vec::new();
            for item in x.items() {
                if !out.iter().any(|o| matches(o, &item)) {
                    out.push(item);
                }
            }
            Value::from_items(out)
        }
    }
}

/// Dyadic `,`: join lists (atoms count as 1-item lists), merge dictionaries.
pub fn join(x: &Value, y: &Value) -> OResult<Value> {
    use Value::*;
    list::check_size(x.len() + y.len())?;
    Ok(match (x, y) {
        (Dict(a), Dict(b)) => {
            let mut keys = a.keys.items();
            let mut vals = a.vals.items();
            for (k, v) in b.keys.items().into_iter().zip(b.vals.items()) {
                match keys.iter().position(|e| matches(e, &k)) {
                    Some(i) => vals[i] = v,
                    None => {
                        keys.push(k);
                        vals.push(v);
                    }
                }
            }
            Value::dict(Value::from_items(keys), Value::from_items(vals))
        }
        (Ints(a), Ints(b)) => Value::ints([a.as_slice(), b.as_slice()].concat()),
        (Ints(a), Int(b)) => {
            let mut v = Vec::with_capacity(a.len() + 1);
            v.extend_from_slice(a);
            v.push(*b);
            Value::ints(v)
        }
        (Int(a), Ints(b)) => {
            let mut v = Vec::with_capacity(b.len() + 1);
            v.push(*a);
            v.extend_from_slice(b);
            Value::ints(v)
        }
        (Floats(a), Floats(b)) => Value::floats([a.as_slice(), b.as_slice()].concat()),
        (Chars(a), Chars(b)) => Value::chars([a.as_slice(), b.as_slice()].concat()),
        (Syms(a), Syms(b)) => Value::syms([a.as_slice(), b.as_slice()].concat()),
        _ => {
            let mut v = if x.is_list() {
                x.items()
            } else {
                vec![x.clone()]
            };
            if y.is_list() {
                v.extend(y.items());
            } else {
                v.push(y.clone());
            }
            if v.is_empty() {
                x.empty_like()
            } else {
                Value::from_items(v)
            }
        }
    })
}

/// Null test for one value (oK's `^` on an atom): empty symbol, nil, NaN, int null.
pub fn is_null(x: &Value) -> bool {
    match x {
        Value::Nil => true,
        Value::Sym(s) => s.is_empty(),
        Value::Float(f) => f.is_nan(),
        Value::Int(i) => *i == i64::MIN,
        _ => false,
    }
}

fn op2(v: Verb) -> Option<Op2> {
    Some(match v {
        Verb::Plus => Op2::Add,
        Verb::Minus => Op2::Sub,
        Verb::Times => Op2::Mul,
        Verb::Divide => Op2::Div,
        Verb::And => Op2::Min,
        Verb::Or => Op2::Max,
        Verb::Less => Op2::Lt,
        Verb::More => Op2::Gt,
        Verb::Equal => Op2::Eq,
        _ => return None,
    })
}

/// The type code oK's monadic `@` gives.
pub fn type_code(x: &Value) -> Value {
    Value::Int(match x {
        Value::Int(_) | Value::Float(_) => -9,
        Value::Char(_) => -10,
        Value::Sym(_) => -11,
        Value::Dict(_) => 99,
        Value::Nil => i64::MIN,
        Value::Func(_, f) => match &**f {
            Func::Lambda(_) => 102,
            Func::Proj(g, _) if matches!(g.as_func(), Some(Func::Lambda(_))) => 102,
            Func::Derived(..) => 105,
            Func::Train(l) if l.chunk.train_is_adverb => 105,
            _ => 107,
        },
        _ => 0,
    })
}

/// Applies primitive `v` to one argument. `.` on strings and symbols needs
/// the machine and is not handled here.
pub fn monad(v: Verb, x: &Value) -> OResult<Value> {
    use Verb::*;
    match v {
        Colon => Ok(x.clone()),
        Plus => list::flip(x),
        Minus => atomic::negate(x),
        Times => Ok(list::first(x)),
        Divide => atomic::sqrt(x),
        Bang => list::iota(x),
        And => list::where_(x),
        Or => Ok(list::reverse(x)),
        Less => list::grade(x, true),
        More => list::grade(x, false),
        Equal => list::group_or_imat(x),
        Tilde => atomic::not(x),
        Comma => Ok(Value::from_items(vec![x.clone()])),
        Caret => Ok(if x.is_atom() || matches!(x, Value::Nil) {
            Value::bool(is_null(x))
        } else {
            atomic::each_atom(x, &|a| Ok(Value::bool(is_null(a))))?
        }),
        Hash => Ok(Value::Int(x.len() as i64)),
        Under => atomic::floor(x),
        Dollar => format::string(x),
        Query => {
            if x.is_list() {
                Ok(unique(x))
            } else {
                list::rand_floats(x)
            }
        }
        At => Ok(type_code(x)),
        Dot => match x {
            Value::Dict(d) => Ok(d.vals.clone()),
            _ => Err(OError::new(
                crate::error::ErrorKind::Type,
                "dictionary expected.",
            )),
        },
    }
}

/// [`dyad`] on owned arguments: an atomic verb writes its result over an
/// operand vector that nothing else holds instead of allocating one.
pub fn dyad_owned(v: Verb, x: Value, y: Value) -> OResult<Value> {
    match op2(v) {
        Some(op) => atomic::atomic_owned(op, x, y),
        None => dyad(v, &x, &y),
    }
}

/// Applies primitive `v` to two arguments (no function arguments: the
/// machine handles `f#x`, `f_x`, `f@x` and `f.x`).
pub fn dyad(v: Verb, x: &Value, y: &Value) -> OResult<Value> {
    use Verb::*;
    if let Some(op) = op2(v) {
        return atomic::atomic(op, x, y);
    }
    match v {
        Colon => Ok(y.clone()),
        Bang => list::bang(x, y),
        Tilde => Ok(Value::bool(matches(x, y))),
        Comma => join(x, y),
        Caret => {
            if x.is_list() {
                Ok(list::except(x, y))
            } else {
                list::fill(x, y)
            }
        }
        Hash => list::take_or_reshape(x, y),
        Under => list::drop_or_cut(x, y),
        Dollar => format::dollar(x, y),
        Query => list::find_or_rand(x, y),
        At => index::at(x, y),
        Dot => index::dot(x, y),
        _ => Err(expected("verb", "value")),
    }
}

/// Checks that two lists have equal length.
pub fn same_len(x: &Value, y: &Value) -> OResult<()> {
    if x.len() != y.len() {
        Err(length())
    } else {
        Ok(())
    }
}
