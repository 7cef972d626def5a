//! Reading system verb arguments: symbols, ints, durations and text, with
//! errors that say which argument of which verb was wrong.

use enso_o::{ErrorKind, OError, Value};

/// A host error `verb: message`.
pub fn err(verb: &str, msg: impl std::fmt::Display) -> OError {
    OError::new(ErrorKind::Host, format!("{verb}: {msg}"))
}

/// The arguments of a bracket call (`f[]` passes one nil).
pub fn list(args: &[Value]) -> &[Value] {
    match args {
        [Value::Nil] => &[],
        a => a,
    }
}

/// Checks the argument count is within `lo..=hi`.
pub fn count(verb: &str, args: &[Value], lo: usize, hi: usize) -> Result<(), OError> {
    let n = args.len();
    if n < lo || n > hi {
        let want = if lo == hi {
            format!("{lo}")
        } else {
            format!("{lo} to {hi}")
        };
        return Err(err(verb, format!("takes {want} arguments, got {n}")));
    }
    Ok(())
}

/// A symbol (or a string) as a name.
pub fn name(verb: &str, what: &str, v: &Value) -> Result<String, OError> {
    match v {
        Value::Sym(s) => Ok(s.to_string()),
        Value::Chars(c) => Ok(String::from_utf8_lossy(c).into_owned()),
        v => Err(err(
            verb,
            format!("{what} must be a symbol, found {}", v.type_name()),
        )),
    }
}

/// A list of names: one symbol or a symbol vector.
pub fn names(verb: &str, what: &str, v: &Value) -> Result<Vec<String>, OError> {
    match v {
        Value::Syms(s) => Ok(s.iter().map(|s| s.to_string()).collect()),
        Value::List(l) if l.is_empty() => Ok(Vec::new()),
        v => Ok(vec![name(verb, what, v)?]),
    }
}

/// A non-negative integer.
pub fn nat(verb: &str, what: &str, v: &Value) -> Result<u64, OError> {
    match v {
        Value::Int(i) if *i >= 0 => Ok(*i as u64),
        Value::Float(f) if *f >= 0.0 && f.fract() == 0.0 && *f < 9.0e18 => Ok(*f as u64),
        v => Err(err(
            verb,
            format!(
                "{what} must be a non-negative int, found {}",
                crate::shell::table::show(v)
            ),
        )),
    }
}

/// An integer (any sign).
pub fn int(verb: &str, what: &str, v: &Value) -> Result<i64, OError> {
    match v {
        Value::Int(i) => Ok(*i),
        v => Err(err(
            verb,
            format!("{what} must be an int, found {}", v.type_name()),
        )),
    }
}

/// Milliseconds (int or float, not negative) as nanoseconds.
pub fn millis(verb: &str, what: &str, v: &Value) -> Result<u64, OError> {
    let ms = match v {
        Value::Int(i) if *i >= 0 => *i as f64,
        Value::Float(f) if *f >= 0.0 && f.is_finite() => *f,
        v => {
            return Err(err(
                verb,
                format!(
                    "{what} must be milliseconds (>= 0), found {}",
                    crate::shell::table::show(v)
                ),
            ));
        }
    };
    Ok((ms * 1e6).round().min(u64::MAX as f64) as u64)
}

/// Text: a string (or a char, or a symbol).
pub fn text(verb: &str, what: &str, v: &Value) -> Result<String, OError> {
    match v {
        Value::Chars(c) => Ok(String::from_utf8_lossy(c).into_owned()),
        Value::Char(c) => Ok((*c as char).to_string()),
        v => Err(err(
            verb,
            format!("{what} must be a string, found {}", v.type_name()),
        )),
    }
}

/// Words: an int or an int vector.
pub fn words(verb: &str, v: &Value) -> Result<Vec<u64>, OError> {
    match v {
        Value::Int(i) => Ok(vec![*i as u64]),
        Value::Ints(v) => Ok(v.iter().map(|&i| i as u64).collect()),
        Value::List(l) if l.is_empty() => Ok(Vec::new()),
        v => Err(err(
            verb,
            format!("words must be ints, found {}", v.type_name()),
        )),
    }
}
