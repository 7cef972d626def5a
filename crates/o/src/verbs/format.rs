//! `$`: format values as strings, pad strings, cast between types.

use crate::error::{OResult, expected};
use crate::value::Value;

/// Monadic `$`: the printed form of each atom as a string.
pub fn string(x: &Value) -> OResult<Value> {
    match x {
        Value::Chars(_) => Ok(x.clone()),
        _ if x.is_list() => {
            let mut out = Vec::with_capacity(x.len());
            for i in 0..x.len() {
                out.push(string(&x.item(i))?);
            }
            Ok(Value::list(out))
        }
        Value::Sym(s) => Ok(Value::str(s)),
        _ => Ok(Value::str(&crate::print::format(x))),
    }
}

/// Dyadic `$`: pad (int left) or cast (symbol left).
pub fn dollar(x: &Value, y: &Value) -> OResult<Value> {
    let y_is_string = matches!(y, Value::Chars(_));
    if x.is_list() && y.is_list() {
        super::same_len(x, y)?;
        let mut out = Vec::with_capacity(x.len());
        for i in 0..x.len() {
            out.push(dollar(&x.item(i), &y.item(i))?);
        }
        return Ok(Value::from_items(out));
    }
    if x.is_list() {
        let mut out = Vec::with_capacity(x.len());
        for i in 0..x.len() {
            out.push(dollar(&x.item(i), y)?);
        }
        return Ok(Value::from_items(out));
    }
    if let Value::Sym(s) = x {
        if s.is_empty() {
            return Ok(match y {
                Value::Chars(c) => Value::sym(&String::from_utf8_lossy(c)),
                Value::Char(c) => Value::sym(&(*c as char).to_string()),
                _ if y.is_list() => Value::from_items(
                    (0..y.len())
                        .map(|i| dollar(x, &y.item(i)))
                        .collect::<OResult<_>>()?,
                ),
                _ => Value::sym(&crate::print::format(y)),
            });
        }
        if y.is_list() {
            let mut out = Vec::with_capacity(y.len());
            for i in 0..y.len() {
                out.push(dollar(x, &y.item(i))?);
            }
            return Ok(Value::from_items(out));
        }
        let f = y.num()?.as_f64().unwrap_or(f64::NAN);
        return Ok(match &**s {
            "b" => Value::Int(y.as_int().unwrap_or(f as i64) & 1),
            "i" => Value::Int(
                y.as_int()
                    .unwrap_or_else(|| super::atomic::f64_to_int(f.trunc())),
            ),
            "f" => Value::Float(f),
            "c" => Value::Char(f as i64 as u8),
            _ => return Err(crate::error::domain()),
        });
    }
    if !y_is_string && y.is_list() {
        let mut out = Vec::with_capacity(y.len());
        for i in 0..y.len() {
            out.push(dollar(x, &y.item(i))?);
        }
        return Ok(Value::list(out));
    }
    if let Value::Char(_) = y {
        return Ok(y.clone());
    }
    let n = x.int().map_err(|_| expected("number", x.type_name()))?;
    let mut s: Vec<u8> = match y {
        Value::Chars(c) => c.as_ref().clone(),
        _ => crate::print::format(y).into_bytes(),
    };
    let d = n.unsigned_abs() as usize;
    super::list::check_size(d)?;
    if n >= 0 {
        s.resize(d, b' ');
    } else if s.len() < d {
        let mut p = vec![b' '; d - s.len()];
        p.extend_from_slice(&s);
        s = p;
    } else {
        s = s[s.len() - d..].to_vec();
    }
    Ok(Value::chars(s))
}
