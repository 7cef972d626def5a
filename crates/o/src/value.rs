//! Values: atoms, uniform vectors, general lists, dictionaries and functions.
//!
//! A [`Value`] is 24 bytes: scalars inline, everything else behind an `Arc`,
//! so values are `Send + Sync` and cloning is a reference-count bump.
//! Uniform vectors (`Ints`, `Floats`, `Chars`, `Syms`) hold native arrays;
//! verbs run tight loops over them. A general list whose items are all atoms
//! of one type is always stored as the matching vector ([`Value::from_items`]
//! normalises), which is also how oK prints it.

use crate::compile::Chunk;
use crate::error::{OError, OResult, expected};
use std::sync::Arc;

/// A symbol: an immutable shared string.
pub type Sym = Arc<str>;

/// An O value.
///
/// `repr(u8)`: the tag is the first byte and an `Int`'s payload is at byte
/// 8, so the machine can write an int value with two plain stores
/// ([`write_int`]).
#[derive(Clone, Debug)]
#[repr(u8)]
pub enum Value {
    /// The nil value (an elided argument, the result of an empty expression).
    Nil = 0,
    /// A 64-bit integer. `i64::MIN` is null (`0N`), `±i64::MAX` are `±0w`.
    Int(i64) = 1,
    /// A 64-bit float.
    Float(f64),
    /// A character (a byte).
    Char(u8),
    /// A symbol.
    Sym(Sym),
    /// A vector of integers.
    Ints(Arc<Vec<i64>>),
    /// A vector of floats.
    Floats(Arc<Vec<f64>>),
    /// A string.
    Chars(Arc<Vec<u8>>),
    /// A vector of symbols.
    Syms(Arc<Vec<Sym>>),
    /// A general list.
    List(Arc<Items>),
    /// A dictionary.
    Dict(Arc<Dict>),
    /// A function: verb, lambda, derived verb, projection, train or host
    /// verb, with its nesting depth (see [`Value::func`]; before the `Arc`,
    /// so that it sits in the tag's padding).
    Func(u32, Arc<Func>),
}

// A value is a tag and two words (`Sym` is a fat pointer); `Func` keeps its
// depth in the tag's padding, so it makes no value larger.
const _: () = assert!(size_of::<Value>() == 24);

/// Writes `Value::Int(i)` to `dst` as a tag byte and the int (the compiler
/// otherwise builds the value on the stack and copies it with a wide load
/// that stalls on the narrow stores just made).
///
/// # Safety
///
/// `dst` is valid for writing a `Value` and aligned; whatever it held is
/// overwritten without being dropped.
#[inline(always)]
pub(crate) unsafe fn write_int(dst: *mut Value, i: i64) {
    // SAFETY: `Value` is `repr(u8)`, so `Value::Int` is laid out as a
    // `repr(C)` struct of the `u8` tag 1 and the `i64` (at offset 8, its
    // alignment); the caller gives a writable aligned `Value`; the other
    // bytes are padding.
    unsafe {
        dst.cast::<u8>().write(1);
        dst.cast::<u8>().add(8).cast::<i64>().write(i);
    }
}

/// A dictionary: keys and values, two lists of equal length.
#[derive(Clone, Debug)]
pub struct Dict {
    /// The keys (a list value).
    pub keys: Value,
    /// The values (a list value of the same length).
    pub vals: Value,
    depth: u32,
    weight: usize,
}

/// How deeply lists, dictionaries and functions holding values may nest. Every recursive algorithm
/// over values (printing, matching, atomic verbs, dropping) is bounded by
/// this, so no value can overflow the Rust stack; building a deeper value
/// is a `limit` error.
pub const MAX_VALUE_DEPTH: u32 = 1000;

thread_local! {
    static TOO_DEEP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True (once) if a value deeper than [`MAX_VALUE_DEPTH`], or with more
/// atoms in all than the list limit, was built on this thread since the
/// last call.
pub fn take_too_deep() -> bool {
    TOO_DEEP.with(|c| c.replace(false))
}

fn note_depth(d: u32) -> u32 {
    if d > MAX_VALUE_DEPTH {
        TOO_DEEP.with(|c| c.set(true));
    }
    d
}

fn note_weight(w: usize) -> usize {
    if w > crate::machine::max_items() {
        TOO_DEEP.with(|c| c.set(true));
    }
    w
}

/// The items of a general list, with the list's nesting depth.
#[derive(Clone, Debug, Default)]
pub struct Items {
    v: Vec<Value>,
    depth: u32,
    weight: usize,
}

impl Items {
    /// Wraps items, computing the nesting depth.
    pub fn new(v: Vec<Value>) -> Items {
        let depth = note_depth(1 + v.iter().map(Value::depth).max().unwrap_or(0));
        let weight = note_weight(
            v.iter()
                .map(Value::weight)
                .fold(0usize, usize::saturating_add),
        );
        Items { v, depth, weight }
    }
    /// The items as a vector, consuming the list.
    pub fn into_vec(self) -> Vec<Value> {
        self.v
    }
}

impl std::ops::Deref for Items {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.v
    }
}

impl std::ops::DerefMut for Items {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.v
    }
}

/// The primitive verbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Verb {
    Colon,
    Plus,
    Minus,
    Times,
    Divide,
    Bang,
    And,
    Or,
    Less,
    More,
    Equal,
    Tilde,
    Comma,
    Caret,
    Hash,
    Under,
    Dollar,
    Query,
    At,
    Dot,
}

impl Verb {
    /// The verb spelled by `c`, if any.
    pub fn from_char(c: u8) -> Option<Verb> {
        use Verb::*;
        Some(match c {
            b':' => Colon,
            b'+' => Plus,
            b'-' => Minus,
            b'*' => Times,
            b'%' => Divide,
            b'!' => Bang,
            b'&' => And,
            b'|' => Or,
            b'<' => Less,
            b'>' => More,
            b'=' => Equal,
            b'~' => Tilde,
            b',' => Comma,
            b'^' => Caret,
            b'#' => Hash,
            b'_' => Under,
            b'$' => Dollar,
            b'?' => Query,
            b'@' => At,
            b'.' => Dot,
            _ => return None,
        })
    }
    /// The verb's spelling.
    pub fn as_char(self) -> char {
        b":+-*%!&|<>=~,^#_$?@."[self as usize] as char
    }
}

/// The adverbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adverb {
    /// `'` each, each-both, bin.
    Each,
    /// `/` over, converge, do, while, join, decode.
    Over,
    /// `\` scan, converge-scan, split, encode.
    Scan,
    /// `':` each-prior, stencil, window.
    EachPrior,
    /// `/:` each-right.
    EachRight,
    /// `\:` each-left.
    EachLeft,
}

impl Adverb {
    /// The adverb's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Adverb::Each => "'",
            Adverb::Over => "/",
            Adverb::Scan => "\\",
            Adverb::EachPrior => "':",
            Adverb::EachRight => "/:",
            Adverb::EachLeft => "\\:",
        }
    }
}

/// A closure: compiled code plus captured values of enclosing locals.
#[derive(Debug)]
pub struct Lambda {
    pub(crate) chunk: Arc<Chunk>,
    pub(crate) captures: Vec<Option<Value>>,
}

/// How many arguments a host verb takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// One argument.
    Monadic,
    /// Two arguments.
    Dyadic,
    /// Any number of arguments (bracket application).
    Variadic,
}

/// A function value.
#[derive(Debug)]
pub enum Func {
    /// A primitive verb, applied monadically or dyadically by argument count.
    Prim(Verb),
    /// A forced-monadic primitive (`-:`).
    Monad(Verb),
    /// A primitive with its left argument bound (`2+`).
    Curry(Verb, Value),
    /// A lambda (closure).
    Lambda(Lambda),
    /// A train: an expression with a hole at its right end, such as `+/%#`.
    Train(Lambda),
    /// A verb modified by an adverb.
    Derived(Value, Adverb),
    /// A projection: a function with some arguments bound; `Nil` marks a hole.
    Proj(Value, Vec<Value>),
    /// A system verb registered by the host.
    Host {
        /// The host's id for the verb.
        id: u32,
        /// Its name.
        name: Sym,
        /// Its arity.
        arity: Arity,
    },
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        crate::verbs::matches(self, other)
    }
}

impl Value {
    /// An integer vector.
    pub fn ints(v: Vec<i64>) -> Value {
        Value::Ints(Arc::new(v))
    }
    /// A float vector.
    pub fn floats(v: Vec<f64>) -> Value {
        Value::Floats(Arc::new(v))
    }
    /// A string.
    pub fn chars(v: Vec<u8>) -> Value {
        Value::Chars(Arc::new(v))
    }
    /// A string from text.
    pub fn str(s: &str) -> Value {
        Value::Chars(Arc::new(s.as_bytes().to_vec()))
    }
    /// A symbol.
    pub fn sym(s: &str) -> Value {
        Value::Sym(Arc::from(s))
    }
    /// A symbol vector.
    pub fn syms(v: Vec<Sym>) -> Value {
        Value::Syms(Arc::new(v))
    }
    /// A function value. A function that holds values (a projection's
    /// bound arguments, a curried verb's left argument, a derived verb's
    /// operand) nests them, as a list nests its items: its depth is one
    /// more than theirs, kept in the value so that building one costs O(1)
    /// and a chain of them is bounded by [`MAX_VALUE_DEPTH`] like lists
    /// (drop, print and match recurse through functions too).
    pub fn func(f: Func) -> Value {
        let held = match &f {
            Func::Curry(_, v) | Func::Derived(v, _) => v.depth(),
            Func::Proj(g, args) => args.iter().map(Value::depth).fold(g.depth(), u32::max),
            _ => return Value::Func(0, Arc::new(f)),
        };
        Value::Func(note_depth(held.saturating_add(1)), Arc::new(f))
    }
    /// A dictionary from keys and values (caller ensures equal lengths).
    pub fn dict(keys: Value, vals: Value) -> Value {
        let depth = note_depth(1 + keys.depth().max(vals.depth()));
        let weight = note_weight(keys.weight().saturating_add(vals.weight()));
        Value::Dict(Arc::new(Dict {
            keys,
            vals,
            depth,
            weight,
        }))
    }
    /// A general list of exactly these items (no conversion to a vector).
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(Items::new(items)))
    }
    /// Nesting depth: 0 for atoms, 1 for vectors, more for nested lists.
    pub fn depth(&self) -> u32 {
        match self {
            Value::List(v) => v.depth,
            Value::Dict(d) => d.depth,
            Value::Func(d, _) => *d,
            Value::Ints(_) | Value::Floats(_) | Value::Chars(_) | Value::Syms(_) => 1,
            _ => 0,
        }
    }
    /// How many atoms the value holds in all (shared parts counted each time).
    pub fn weight(&self) -> usize {
        match self {
            Value::List(v) => v.weight,
            Value::Dict(d) => d.weight,
            Value::Ints(v) => v.len(),
            Value::Floats(v) => v.len(),
            Value::Chars(v) => v.len(),
            Value::Syms(v) => v.len(),
            _ => 1,
        }
    }
    /// The empty general list.
    pub fn empty() -> Value {
        Value::List(Arc::new(Items::default()))
    }
    /// A boolean as an int.
    pub fn bool(b: bool) -> Value {
        Value::Int(b as i64)
    }

    /// A list from items, stored as a uniform vector when every item is an
    /// atom of one type (ints and floats together become floats).
    pub fn from_items(items: Vec<Value>) -> Value {
        if items.is_empty() {
            return Value::empty();
        }
        let (mut ni, mut nf, mut nc, mut ns) = (0, 0, 0, 0);
        for v in &items {
            match v {
                Value::Int(_) => ni += 1,
                Value::Float(_) => nf += 1,
                Value::Char(_) => nc += 1,
                Value::Sym(_) => ns += 1,
                _ => return Value::list(items),
            }
        }
        let n = items.len();
        if ni == n {
            Value::ints(
                items
                    .iter()
                    .map(|v| if let Value::Int(i) = v { *i } else { 0 })
                    .collect(),
            )
        } else if ni + nf == n {
            Value::floats(
                items
                    .iter()
                    .map(|v| v.as_f64().unwrap_or(f64::NAN))
                    .collect(),
            )
        } else if nc == n {
            Value::chars(
                items
                    .iter()
                    .map(|v| if let Value::Char(c) = v { *c } else { 0 })
                    .collect(),
            )
        } else if ns == n {
            Value::syms(
                items
                    .into_iter()
                    .map(|v| {
                        if let Value::Sym(s) = v {
                            s
                        } else {
                            Arc::from("")
                        }
                    })
                    .collect(),
            )
        } else {
            Value::list(items)
        }
    }

    /// True for vectors and lists (not dictionaries).
    pub fn is_list(&self) -> bool {
        matches!(
            self,
            Value::Ints(_) | Value::Floats(_) | Value::Chars(_) | Value::Syms(_) | Value::List(_)
        )
    }
    /// True for atoms (numbers, chars, symbols).
    pub fn is_atom(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Float(_) | Value::Char(_) | Value::Sym(_)
        )
    }
    /// True for numbers.
    pub fn is_num(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Float(_))
    }
    /// True for functions.
    pub fn is_func(&self) -> bool {
        matches!(self, Value::Func(..))
    }
    /// Number of items of a list (1 for atoms, key count for dictionaries).
    pub fn len(&self) -> usize {
        match self {
            Value::Ints(v) => v.len(),
            Value::Floats(v) => v.len(),
            Value::Chars(v) => v.len(),
            Value::Syms(v) => v.len(),
            Value::List(v) => v.len(),
            Value::Dict(d) => d.keys.len(),
            _ => 1,
        }
    }
    /// True for an empty list.
    pub fn is_empty(&self) -> bool {
        self.is_list() && self.len() == 0
    }
    /// Item `i` of a list (caller checks bounds); an atom is its own item.
    pub fn item(&self, i: usize) -> Value {
        match self {
            Value::Ints(v) => Value::Int(v[i]),
            Value::Floats(v) => Value::Float(v[i]),
            Value::Chars(v) => Value::Char(v[i]),
            Value::Syms(v) => Value::Sym(v[i].clone()),
            Value::List(v) => v[i].clone(),
            _ => self.clone(),
        }
    }
    /// The items of a list as values (an atom gives itself once).
    pub fn items(&self) -> Vec<Value> {
        match self {
            Value::Ints(v) => v.iter().map(|&x| Value::Int(x)).collect(),
            Value::Floats(v) => v.iter().map(|&x| Value::Float(x)).collect(),
            Value::Chars(v) => v.iter().map(|&x| Value::Char(x)).collect(),
            Value::Syms(v) => v.iter().map(|x| Value::Sym(x.clone())).collect(),
            Value::List(v) => v.to_vec(),
            Value::Dict(d) => d.vals.items(),
            _ => vec![self.clone()],
        }
    }
    /// The number as f64 (chars as their code).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(int_to_f64(*i)),
            Value::Float(f) => Some(*f),
            Value::Char(c) => Some(*c as f64),
            _ => None,
        }
    }
    /// The number as an exact integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
            Value::Char(c) => Some(*c as i64),
            _ => None,
        }
    }
    /// oK's type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) | Value::Float(_) => "number",
            Value::Char(_) => "char",
            Value::Sym(_) => "symbol",
            Value::Dict(_) => "dictionary",
            Value::Func(..) => "function",
            Value::Nil => "nil",
            _ => "list",
        }
    }
    /// Requires a number (chars pass as their codes).
    pub fn num(&self) -> OResult<&Value> {
        match self {
            Value::Int(_) | Value::Float(_) | Value::Char(_) => Ok(self),
            _ => Err(expected("number", self.type_name())),
        }
    }
    /// Requires a non-negative integer (oK's `p`).
    pub fn nat(&self) -> OResult<usize> {
        match self.num()?.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 => Ok(self.as_int().unwrap_or(0) as usize),
            _ => Err(crate::error::positive()),
        }
    }
    /// Requires an integer (floats with no fraction pass).
    pub fn int(&self) -> OResult<i64> {
        self.num()?;
        self.as_int().ok_or_else(crate::error::domain)
    }
    /// Makes an atom a 1-item list; lists are returned as they are.
    pub fn enlist_atom(&self) -> Value {
        if self.is_list() {
            self.clone()
        } else {
            Value::from_items(vec![self.clone()])
        }
    }
    /// The empty list of the same kind as this list.
    pub fn empty_like(&self) -> Value {
        match self {
            Value::Ints(_) => Value::ints(vec![]),
            Value::Floats(_) => Value::floats(vec![]),
            Value::Chars(_) => Value::chars(vec![]),
            Value::Syms(_) => Value::syms(vec![]),
            _ => Value::empty(),
        }
    }
    /// Selects items by index list (indices must be in range).
    pub fn select(&self, idx: &[usize]) -> Value {
        match self {
            Value::Ints(v) => Value::ints(idx.iter().map(|&i| v[i]).collect()),
            Value::Floats(v) => Value::floats(idx.iter().map(|&i| v[i]).collect()),
            Value::Chars(v) => Value::chars(idx.iter().map(|&i| v[i]).collect()),
            Value::Syms(v) => Value::syms(idx.iter().map(|&i| v[i].clone()).collect()),
            Value::List(v) => Value::from_items(idx.iter().map(|&i| v[i].clone()).collect()),
            _ => Value::from_items(idx.iter().map(|_| self.clone()).collect()),
        }
    }
    /// A slice `lo..hi` of a list.
    pub fn slice(&self, lo: usize, hi: usize) -> Value {
        match self {
            Value::Ints(v) => Value::ints(v[lo..hi].to_vec()),
            Value::Floats(v) => Value::floats(v[lo..hi].to_vec()),
            Value::Chars(v) => Value::chars(v[lo..hi].to_vec()),
            Value::Syms(v) => Value::syms(v[lo..hi].to_vec()),
            Value::List(v) => Value::from_items(v[lo..hi].to_vec()),
            _ => self.clone(),
        }
    }
    /// The function inside, if this is a function value.
    pub fn as_func(&self) -> Option<&Func> {
        match self {
            Value::Func(_, f) => Some(f),
            _ => None,
        }
    }
    /// An error naming the wrong type.
    pub fn type_err(&self, want: &str) -> OError {
        expected(want, self.type_name())
    }
}

/// An int as f64, mapping null and infinities.
pub fn int_to_f64(i: i64) -> f64 {
    if i == i64::MIN {
        f64::NAN
    } else if i == i64::MAX {
        f64::INFINITY
    } else if i == -i64::MAX {
        f64::NEG_INFINITY
    } else {
        i as f64
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn write_int_makes_an_int_value() {
        for i in [0, 1, -1, i64::MIN, i64::MAX, 0x0102_0304_0506_0708] {
            let mut v = std::mem::MaybeUninit::<Value>::uninit();
            // SAFETY: `v` is a writable aligned `Value` slot.
            unsafe { write_int(v.as_mut_ptr(), i) };
            // SAFETY: `write_int` wrote a whole `Value::Int`.
            let v = unsafe { v.assume_init() };
            assert!(matches!(v, Value::Int(j) if j == i), "{i}");
        }
    }
}
