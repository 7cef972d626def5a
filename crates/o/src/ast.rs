//! The syntax tree, shaped like oK's parse tree so functions can be printed
//! back the way oK prints them.

use crate::value::{Adverb, Sym, Value, Verb};
use std::sync::Arc;

/// A syntax tree node.
#[derive(Clone, Debug)]
pub enum Node {
    /// An elided expression (`f[;1]`, `(1;)`).
    Nil,
    /// A literal atom, vector, string or symbol list.
    Lit(Value),
    /// A parenthesised list of two or more items (or none).
    List(Vec<Node>),
    /// Bracket arguments of an application `f[a;b]`.
    Args(Vec<Node>),
    /// A name reference.
    Name(Sym),
    /// `name:value` (or `name::value`, global).
    Assign {
        /// The name assigned.
        name: Sym,
        /// True for `::` (always global).
        global: bool,
        /// The value expression.
        value: Box<Node>,
    },
    /// `name[index]:value` or `name[index]op:value`.
    IndexAssign {
        /// The name amended.
        name: Sym,
        /// The index expressions.
        index: Vec<Node>,
        /// The combining verb, for `op:`.
        op: Option<Verb>,
        /// True for `::` (amends the global).
        global: bool,
        /// The value expression.
        value: Box<Node>,
    },
    /// A verb, with optional left and right arguments or bracket arguments.
    Verb {
        /// The verb.
        verb: Verb,
        /// True for a forced monad (`-:`).
        monad: bool,
        /// Left argument.
        l: Option<Box<Node>>,
        /// Right argument.
        r: Option<Box<Node>>,
        /// Bracket arguments (`+[1;2]`).
        curry: Option<Vec<Node>>,
    },
    /// A verb modified by an adverb, with optional arguments.
    Adverb {
        /// The adverb.
        adv: Adverb,
        /// The modified verb (any expression).
        verb: Box<Node>,
        /// Left argument.
        l: Option<Box<Node>>,
        /// Right argument.
        r: Option<Box<Node>>,
    },
    /// A lambda literal.
    Lambda(Arc<LambdaSrc>),
    /// `$[c;t;...;f]`.
    Cond(Vec<Node>),
    /// A parenthesised verb used as a noun.
    Quote(Box<Node>),
    /// A dictionary literal `[a:1;b:2]`.
    Dict(Vec<(Sym, Node)>),
    /// A train: an expression whose rightmost argument is missing.
    Train(Box<Node>),
    /// The missing argument of a train.
    Hole,
}

/// A lambda's source: parameters and body.
#[derive(Debug)]
pub struct LambdaSrc {
    /// Parameter names (explicit, or the implicit x, y, z used).
    pub params: Vec<Sym>,
    /// The body expressions.
    pub body: Vec<Node>,
}

impl Node {
    /// A bare verb node.
    pub fn verb(verb: Verb) -> Node {
        Node::Verb {
            verb,
            monad: false,
            l: None,
            r: None,
            curry: None,
        }
    }
}
