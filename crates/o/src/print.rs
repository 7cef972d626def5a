//! Printing values the way oK prints them, including functions, which are
//! re-printed from their syntax tree.

use crate::ast::{LambdaSrc, Node};
use crate::compile::ChunkSrc;
use crate::value::{Func, Value};
use std::fmt;

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format(self))
    }
}

/// The printed form of a value.
///
/// ```
/// use enso_o::{Value, print::format};
/// assert_eq!(format(&Value::floats(vec![1.0, 0.5, f64::NAN])), "1 0.5 0N");
/// ```
pub fn format(v: &Value) -> String {
    let mut s = String::new();
    fmt_value(v, "", &mut s);
    s
}

/// An int as oK prints it.
pub fn fmt_int(i: i64) -> String {
    match i {
        i64::MIN => "0N".into(),
        i64::MAX => "0w".into(),
        x if x == -i64::MAX => "-0w".into(),
        x => x.to_string(),
    }
}

/// A float as oK prints it: whole values without a point, others rounded to
/// four decimals.
pub fn fmt_float(f: f64) -> String {
    if f.is_nan() {
        return "0N".into();
    }
    if f == f64::INFINITY {
        return "0w".into();
    }
    if f == f64::NEG_INFINITY {
        return "-0w".into();
    }
    let r = if f.fract() == 0.0 {
        f
    } else {
        (f * 10000.0 + 0.5).floor() / 10000.0
    };
    if r == 0.0 {
        return "0".into();
    }
    if r.abs() >= 1e21 {
        // JavaScript writes large numbers in exponent form: 1e+21.
        return format!("{r:e}").replace('e', "e+");
    }
    format!("{r}")
}

fn needs_hex(s: &[u8]) -> bool {
    s.iter()
        .any(|&c| (!(32..=127).contains(&c)) && c != 9 && c != 10)
}

/// A string as oK prints it (quoted, escaped; hex when unprintable).
pub fn fmt_chars(s: &[u8], out: &mut String) {
    if needs_hex(s) {
        out.push_str("0x");
        for c in s {
            out.push_str(&format!("{c:02x}"));
        }
        return;
    }
    out.push('"');
    for &c in s {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            c => out.push(c as char),
        }
    }
    out.push('"');
}

fn atom_class(v: &Value) -> Option<u8> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(0),
        Value::Char(_) => Some(1),
        Value::Sym(_) => Some(2),
        _ => None,
    }
}

fn fmt_value(v: &Value, indent: &str, out: &mut String) {
    match v {
        Value::Nil => {}
        Value::Int(i) => out.push_str(&fmt_int(*i)),
        Value::Float(f) => out.push_str(&fmt_float(*f)),
        Value::Char(c) => fmt_chars(&[*c], out),
        Value::Sym(s) => {
            out.push('`');
            out.push_str(s);
        }
        Value::Dict(d) => {
            if let Value::Syms(ks) = &d.keys
                && !ks.is_empty()
            {
                out.push('[');
                for (i, k) in ks.iter().enumerate() {
                    if i > 0 {
                        out.push(';');
                    }
                    out.push_str(k);
                    out.push(':');
                    fmt_value(&d.vals.item(i), "", out);
                }
                out.push(']');
                return;
            }
            let single = d.keys.len() == 1;
            if single {
                out.push('(');
            }
            fmt_value(&d.keys, "", out);
            if single {
                out.push(')');
            }
            out.push('!');
            fmt_value(&d.vals, "", out);
        }
        Value::Func(_, f) => fmt_func(f, true, out),
        _ => fmt_list(v, indent, out),
    }
}

fn fmt_list(v: &Value, indent: &str, out: &mut String) {
    let n = v.len();
    if n == 0 {
        out.push_str("()");
        return;
    }
    if n == 1 {
        out.push(',');
        fmt_value(&v.item(0), "", out);
        return;
    }
    match v {
        Value::Ints(xs) => {
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&fmt_int(*x));
            }
        }
        Value::Floats(xs) => {
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&fmt_float(*x));
            }
        }
        Value::Chars(s) => fmt_chars(s, out),
        Value::Syms(s) => {
            for x in s.iter() {
                out.push('`');
                out.push_str(x);
            }
        }
        Value::List(items) => {
            if items.iter().any(|i| i.is_list()) {
                let inner = format!("{indent} ");
                out.push('(');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str("\n ");
                        out.push_str(indent);
                    }
                    fmt_value(x, &inner, out);
                }
                out.push(')');
                return;
            }
            let c0 = atom_class(&items[0]);
            if c0.is_some() && items.iter().all(|i| atom_class(i) == c0) {
                match c0 {
                    Some(1) => {
                        let s: Vec<u8> = items
                            .iter()
                            .map(|i| if let Value::Char(c) = i { *c } else { 0 })
                            .collect();
                        fmt_chars(&s, out);
                    }
                    Some(2) => items.iter().for_each(|i| fmt_value(i, "", out)),
                    _ => {
                        for (i, x) in items.iter().enumerate() {
                            if i > 0 {
                                out.push(' ');
                            }
                            fmt_value(x, "", out);
                        }
                    }
                }
                return;
            }
            out.push('(');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(';');
                }
                fmt_value(x, "", out);
            }
            out.push(')');
        }
        _ => {}
    }
}

/// Prints a function; `top` adds the parentheses oK puts around a verb
/// printed on its own (`(+)`, `(2+)`).
pub(crate) fn fmt_func(f: &Func, top: bool, out: &mut String) {
    let paren = |s: String, out: &mut String| {
        if top {
            out.push('(');
            out.push_str(&s);
            out.push(')');
        } else {
            out.push_str(&s);
        }
    };
    match f {
        Func::Prim(v) => paren(v.as_char().to_string(), out),
        Func::Monad(v) => paren(format!("{}:", v.as_char()), out),
        Func::Curry(v, l) => {
            // oK keeps the parentheses of a bound verb wherever it appears.
            out.push('(');
            fmt_value(l, "", out);
            out.push(v.as_char());
            out.push(')');
        }
        Func::Lambda(l) => {
            if let ChunkSrc::Lambda(src) = &l.chunk.src {
                fmt_lambda(src, out);
            }
        }
        Func::Train(l) => {
            if let ChunkSrc::Train(n) = &l.chunk.src {
                out.push('(');
                fmt_node(n, out);
                out.push(')');
            }
        }
        Func::Derived(g, adv) => {
            match g {
                Value::Func(_, g) => fmt_func(g, false, out),
                other => fmt_value(other, "", out),
            }
            out.push_str(adv.as_str());
        }
        Func::Proj(g, args) => {
            let n = match g.as_func() {
                Some(Func::Lambda(l)) => l.chunk.nparams.max(args.len()),
                _ => args.len(),
            };
            match g {
                Value::Func(_, g) => fmt_func(g, false, out),
                other => fmt_value(other, "", out),
            }
            out.push('[');
            for i in 0..n {
                if i > 0 {
                    out.push(';');
                }
                if let Some(a) = args.get(i) {
                    fmt_value(a, "", out);
                }
            }
            out.push(']');
        }
        Func::Host { name, .. } => out.push_str(name),
    }
}

fn fmt_lambda(src: &LambdaSrc, out: &mut String) {
    out.push('{');
    if !src.params.is_empty() {
        out.push('[');
        out.push_str(
            &src.params
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push(']');
    }
    for (i, n) in src.body.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        fmt_root(n, out);
    }
    out.push('}');
}

fn fmt_root(n: &Node, out: &mut String) {
    if let Node::Verb {
        r: None,
        curry: None,
        ..
    } = n
    {
        out.push('(');
        fmt_node(n, out);
        out.push(')');
    } else {
        fmt_node(n, out);
    }
}

fn node_is_list(n: &Node) -> bool {
    match n {
        Node::List(_) | Node::Args(_) => true,
        Node::Lit(v) => v.is_list(),
        _ => false,
    }
}

fn node_class(n: &Node) -> Option<u8> {
    match n {
        Node::Lit(v) => atom_class(v),
        _ => None,
    }
}

fn fmt_node_list(items: &[Node], out: &mut String) {
    match items.len() {
        0 => out.push_str("()"),
        1 => {
            out.push(',');
            fmt_root(&items[0], out);
        }
        _ => {
            if items.iter().any(node_is_list) {
                out.push('(');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str("\n ");
                    }
                    fmt_root(x, out);
                }
                out.push(')');
                return;
            }
            let c0 = node_class(&items[0]);
            if c0.is_some() && items.iter().all(|i| node_class(i) == c0) {
                let vals: Vec<Value> = items
                    .iter()
                    .map(|i| {
                        if let Node::Lit(v) = i {
                            v.clone()
                        } else {
                            Value::Nil
                        }
                    })
                    .collect();
                fmt_value(&Value::list(vals), "", out);
                return;
            }
            out.push('(');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(';');
                }
                fmt_root(x, out);
            }
            out.push(')');
        }
    }
}

fn has_left(n: &Node) -> bool {
    match n {
        // A parenthesised bound verb `(2!)` keeps oK's extra parentheses.
        Node::Quote(x) => matches!(
            **x,
            Node::Verb {
                l: Some(_),
                r: None,
                ..
            }
        ),
        _ => matches!(
            n,
            Node::Verb { l: Some(_), .. } | Node::Adverb { l: Some(_), .. }
        ),
    }
}

/// Prints a syntax tree node in oK's form.
pub(crate) fn fmt_node(n: &Node, out: &mut String) {
    match n {
        Node::Nil | Node::Hole => {}
        Node::Lit(v) => fmt_value(v, "", out),
        // Empty brackets `f[]` pass oK's nil, the empty symbol.
        Node::Args(items) if matches!(items.as_slice(), [Node::Nil]) => out.push_str(",`"),
        Node::List(items) | Node::Args(items) => fmt_node_list(items, out),
        Node::Name(s) => out.push_str(s),
        Node::Assign {
            name,
            global,
            value,
        } => {
            out.push_str(name);
            out.push_str(if *global { "::" } else { ":" });
            fmt_node(value, out);
        }
        Node::IndexAssign {
            name,
            index,
            op,
            global: true,
            value,
        } => {
            // `a[i]::v` is oK's `..[`a;i;{[x;y]y};v]`, `a[i]op::v` is `..[`a;i;op;v]`.
            out.push_str("..[`");
            out.push_str(name);
            out.push(';');
            match op {
                Some(op) => {
                    for (i, x) in index.iter().enumerate() {
                        if i > 0 {
                            out.push(';');
                        }
                        fmt_node(x, out);
                    }
                    out.push(';');
                    out.push(op.as_char());
                }
                None => {
                    fmt_node_list(index, out);
                    out.push_str(";{[x;y]y}");
                }
            }
            out.push(';');
            fmt_node(value, out);
            out.push(']');
        }
        Node::IndexAssign {
            name,
            index,
            op,
            value,
            ..
        } => {
            // oK prints `a[i]op:v` as the amend it expands to.
            out.push_str(name);
            out.push_str(":.[");
            out.push_str(name);
            out.push(';');
            fmt_node_list(index, out);
            out.push(';');
            match op {
                Some(op) => out.push(op.as_char()),
                None => out.push_str("{[x;y]y}"),
            }
            out.push(';');
            fmt_node(value, out);
            out.push(']');
        }
        Node::Verb {
            verb,
            monad,
            l,
            r,
            curry,
        } => {
            let v = if *monad {
                format!("{}:", verb.as_char())
            } else {
                verb.as_char().to_string()
            };
            if let Some(c) = curry {
                out.push_str(&v);
                out.push('[');
                for (i, x) in c.iter().enumerate() {
                    if i > 0 {
                        out.push(';');
                    }
                    fmt_root(x, out);
                }
                out.push(']');
                if let Some(r) = r {
                    fmt_node(r, out);
                }
                return;
            }
            if let Some(l) = l {
                if has_left(l) {
                    out.push('(');
                    fmt_node(l, out);
                    out.push(')');
                } else {
                    fmt_node(l, out);
                }
            }
            out.push_str(&v);
            if let Some(r) = r {
                fmt_node(r, out);
            }
        }
        Node::Adverb { adv, verb, l, r } => {
            if let Some(l) = l {
                fmt_node(l, out);
                out.push(' ');
            }
            fmt_node(verb, out);
            out.push_str(adv.as_str());
            if let Some(r) = r {
                fmt_node(r, out);
            }
        }
        Node::Lambda(src) => fmt_lambda(src, out),
        Node::Cond(items) => {
            out.push_str("$[");
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(';');
                }
                fmt_node(x, out);
            }
            out.push(']');
        }
        Node::Quote(x) | Node::Train(x) => {
            out.push('(');
            fmt_node(x, out);
            out.push(')');
        }
        Node::Dict(entries) => {
            if entries.is_empty() {
                out.push_str("()!()");
                return;
            }
            out.push('[');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(';');
                }
                out.push_str(k);
                out.push(':');
                fmt_node(v, out);
            }
            out.push(']');
        }
    }
}
