//! Parser: tokens to a syntax tree, following oK's grammar.
//!
//! Expressions read right to left with no precedence: `noun verb expr` is a
//! dyadic application, `verb expr` monadic, `noun expr` juxtaposition
//! (shown as `@`), and an expression that ends in a verb is a train.
//! Nesting is limited to [`MAX_DEPTH`] levels, so any input parses (or
//! fails with a parse error) without overflowing the Rust stack.

use crate::ast::{LambdaSrc, Node};
use crate::error::{OError, OResult};
use crate::lexer::{Tok, Token, lex};
use crate::value::{Sym, Value, Verb};
use std::sync::Arc;

/// Maximum nesting of expressions (brackets, and right-to-left chains).
pub const MAX_DEPTH: usize = 128;

/// Parses a program: expressions separated by `;` or newlines.
pub fn parse(src: &str) -> OResult<Vec<Node>> {
    let src_trim = src.trim_end();
    let mut p = Parser {
        src,
        toks: lex(src_trim),
        pos: 0,
        depth: 0,
    };
    let r = p.parse_list(None, false)?;
    if p.pos < p.toks.len() {
        let t = &p.toks[p.pos];
        let c = match &t.tok {
            Tok::Bad(c) => *c,
            _ => src[t.start..].chars().next().unwrap_or('?'),
        };
        return Err(p.err_at(format!("unexpected character '{c}'"), t.start));
    }
    Ok(r)
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

fn b(n: Node) -> Box<Node> {
    Box::new(n)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }
    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.pos + k).map(|t| &t.tok)
    }
    fn here(&self) -> usize {
        self.toks
            .get(self.pos)
            .map_or(self.src.trim_end().len(), |t| t.start)
    }
    fn err_at(&self, msg: String, at: usize) -> OError {
        OError::parse(msg, self.src, at)
    }
    fn expected(&self, what: &str) -> OError {
        self.err_at(format!("parse error. {what} expected."), self.here())
    }
    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, t: &Tok, what: &str) -> OResult<()> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }
    fn at_colon(&self) -> bool {
        matches!(self.peek(), Some(Tok::Verb(Verb::Colon)))
    }
    fn at_adverb(&self) -> bool {
        matches!(self.peek(), Some(Tok::Adverb(_)))
    }
    fn at_verb(&self) -> bool {
        matches!(self.peek(), Some(Tok::Verb(_)))
    }
    /// A verb immediately followed by `:` (compound assignment).
    fn at_assign(&self) -> bool {
        matches!(self.peek(), Some(Tok::Verb(v)) if *v != Verb::Colon)
            && matches!(self.peek_at(1), Some(Tok::Verb(Verb::Colon)))
            && !self.toks[self.pos + 1].spaced
    }
    fn at_dict(&self) -> bool {
        matches!(self.peek(), Some(Tok::LBracket))
            && matches!(self.peek_at(1), Some(Tok::Name(_)))
            && matches!(self.peek_at(2), Some(Tok::Verb(Verb::Colon)))
    }
    fn at_noun(&self) -> bool {
        matches!(
            self.peek(),
            Some(
                Tok::Int(_)
                    | Tok::Float(_)
                    | Tok::Name(_)
                    | Tok::Sym(_)
                    | Tok::Str(_)
                    | Tok::Cond
                    | Tok::LParen
                    | Tok::LBrace
            )
        )
    }
    fn enter(&mut self) -> OResult<()> {
        self.depth += 1;
        if std::env::var("ODBG").is_ok() {
            let x = 0u8;
            eprintln!("depth {} at {:p}", self.depth, &x);
        }
        if self.depth > MAX_DEPTH {
            return Err(self.err_at("parse error. nesting too deep.".into(), self.here()));
        }
        Ok(())
    }

    fn parse_list(&mut self, terminal: Option<(Tok, &str)>, cull: bool) -> OResult<Vec<Node>> {
        self.enter()?;
        let r = self.parse_list_inner(terminal, cull);
        self.depth -= 1;
        r
    }

    fn parse_list_inner(
        &mut self,
        terminal: Option<(Tok, &str)>,
        cull: bool,
    ) -> OResult<Vec<Node>> {
        let mut r = Vec::new();
        loop {
            if let Some((t, _)) = &terminal
                && self.peek() == Some(t)
            {
                break;
            }
            while self.eat(&Tok::Semi) {
                if !cull {
                    r.push(Node::Nil);
                }
            }
            let e = self.parse_noun()?;
            let e = self.parse_ex(e)?;
            match e {
                Some(e) => r.push(mark_train(e)),
                None if !cull => r.push(Node::Nil),
                None => {}
            }
            if !self.eat(&Tok::Semi) {
                break;
            }
        }
        if let Some((t, what)) = &terminal {
            self.expect(t, what)?;
        }
        Ok(r)
    }

    fn parse_ex(&mut self, node: Option<Node>) -> OResult<Option<Node>> {
        let Some(node) = node else { return Ok(None) };
        self.enter()?;
        let r = self.parse_ex_inner(node);
        self.depth -= 1;
        r.map(Some)
    }

    fn parse_ex_inner(&mut self, mut node: Node) -> OResult<Node> {
        if self.at_adverb() {
            return self.parse_adverb(None, node);
        }
        if let Node::Verb { r: r @ None, .. } = &mut node {
            let paren = matches!(self.peek(), Some(Tok::LParen));
            let x = self.parse_noun()?;
            let x = match x {
                Some(x @ Node::Verb { .. }) if paren => Some(Node::Quote(b(x))),
                other => other,
            };
            *r = self.parse_ex(x)?.map(b);
        }
        if self.at_noun() {
            let x = self.parse_noun()?;
            let Some(x) = x else { return Ok(node) };
            if self.at_adverb() {
                return self.parse_adverb(Some(node), x);
            }
            let r = self.parse_ex(Some(x))?;
            return Ok(Node::Verb {
                verb: Verb::At,
                monad: false,
                l: Some(b(node)),
                r: r.map(b),
                curry: None,
            });
        }
        if self.at_verb() {
            let Some(mut x) = self.parse_noun()? else {
                return Ok(node);
            };
            if let Node::Verb { monad: true, .. } = x {
                let r = self.parse_ex(Some(x))?;
                return Ok(Node::Verb {
                    verb: Verb::At,
                    monad: false,
                    l: Some(b(node)),
                    r: r.map(b),
                    curry: None,
                });
            }
            if self.at_adverb() {
                return self.parse_adverb(Some(node), x);
            }
            let rhs = self.parse_noun()?;
            let rhs = self.parse_ex(rhs)?;
            if let Node::Verb { l, r, .. } = &mut x {
                *l = Some(b(node));
                *r = rhs.map(b);
            }
            node = x;
        }
        Ok(node)
    }

    fn parse_adverb(&mut self, left: Option<Node>, mut verb: Node) -> OResult<Node> {
        let Some(Tok::Adverb(mut a)) = self.peek().cloned() else {
            return Err(self.expected("adverb"));
        };
        self.pos += 1;
        while let Some(Tok::Adverb(n)) = self.peek().cloned() {
            self.pos += 1;
            verb = Node::Adverb {
                adv: a,
                verb: b(verb),
                l: None,
                r: None,
            };
            a = n;
        }
        if matches!(self.peek(), Some(Tok::LBracket)) {
            let node = Node::Adverb {
                adv: a,
                verb: b(verb),
                l: left.map(b),
                r: None,
            };
            return self.apply_call_right(node);
        }
        let x = self.parse_noun()?;
        let r = self.parse_ex(x)?;
        Ok(Node::Adverb {
            adv: a,
            verb: b(verb),
            l: left.map(b),
            r: r.map(b),
        })
    }

    fn apply_call_right(&mut self, mut node: Node) -> OResult<Node> {
        while self.eat(&Tok::LBracket) {
            let mut args = self.parse_list(Some((Tok::RBracket, "']'")), false)?;
            if args.is_empty() {
                args.push(Node::Nil);
            }
            node = dot_apply(node, args);
        }
        Ok(node)
    }

    fn apply_index_right(&mut self, mut node: Node) -> OResult<Node> {
        while self.eat(&Tok::LBracket) {
            let args = self.parse_list(Some((Tok::RBracket, "']'")), false)?;
            node = dot_apply(node, args);
        }
        Ok(node)
    }

    fn parse_noun(&mut self) -> OResult<Option<Node>> {
        self.parse_noun_inner()
    }

    fn parse_noun_inner(&mut self) -> OResult<Option<Node>> {
        let Some(tok) = self.peek().cloned() else {
            return Ok(None);
        };
        match tok {
            Tok::Int(_) | Tok::Float(_) => self.p_number(),
            Tok::Sym(_) => self.p_syms(),
            Tok::Str(s) => self.p_str(s),
            Tok::LBracket => self.p_dict(),
            Tok::LBrace => self.p_lambda(),
            Tok::LParen => self.p_paren(),
            Tok::Cond => self.p_cond(),
            Tok::Verb(v) => self.p_verb(v),
            Tok::Name(n) => self.p_name(n),
            _ => Ok(None),
        }
    }

    #[inline(never)]
    fn p_number(&mut self) -> OResult<Option<Node>> {
        let mut nums = Vec::new();
        while let Some(t @ (Tok::Int(_) | Tok::Float(_))) = self.peek().cloned() {
            nums.push(t);
            self.pos += 1;
        }
        let lit = number_literal(&nums);
        Ok(Some(self.apply_index_right(Node::Lit(lit))?))
    }

    #[inline(never)]
    fn p_syms(&mut self) -> OResult<Option<Node>> {
        let mut syms: Vec<Sym> = Vec::new();
        while let Some(Tok::Sym(s)) = self.peek().cloned() {
            syms.push(s);
            self.pos += 1;
        }
        let lit = if syms.len() == 1 {
            Value::Sym(syms.remove(0))
        } else {
            Value::syms(syms)
        };
        Ok(Some(self.apply_index_right(Node::Lit(lit))?))
    }

    #[inline(never)]
    fn p_str(&mut self, s: Vec<u8>) -> OResult<Option<Node>> {
        self.pos += 1;
        let lit = if s.len() == 1 {
            Value::Char(s[0])
        } else {
            Value::chars(s)
        };
        Ok(Some(self.apply_index_right(Node::Lit(lit))?))
    }

    #[inline(never)]
    fn p_dict(&mut self) -> OResult<Option<Node>> {
        self.pos += 1;
        let mut entries: Vec<(Sym, Node)> = Vec::new();
        if !self.eat(&Tok::RBracket) {
            loop {
                let Some(Tok::Name(k)) = self.peek().cloned() else {
                    return Err(self.expected("name"));
                };
                self.pos += 1;
                self.expect(&Tok::Verb(Verb::Colon), "':'")?;
                let v = if self.eat(&Tok::Verb(Verb::Colon)) {
                    // `[a:1;b::a]`: b gets a's expression.
                    let Some(Tok::Name(r)) = self.peek().cloned() else {
                        return Err(self.expected("name"));
                    };
                    self.pos += 1;
                    entries
                        .iter()
                        .find(|(e, _)| *e == r)
                        .map_or(Node::Nil, |e| e.1.clone())
                } else {
                    let v = self.parse_noun()?;
                    self.parse_ex(v)?.unwrap_or(Node::Nil)
                };
                match entries.iter_mut().find(|(e, _)| *e == k) {
                    Some(e) => e.1 = v,
                    None => entries.push((k, v)),
                }
                if !self.eat(&Tok::Semi) {
                    break;
                }
            }
            self.expect(&Tok::RBracket, "']'")?;
        }
        Ok(Some(self.apply_index_right(Node::Dict(entries))?))
    }

    #[inline(never)]
    fn p_lambda(&mut self) -> OResult<Option<Node>> {
        self.pos += 1;
        let mut params: Vec<Sym> = Vec::new();
        let mut explicit = false;
        if self.eat(&Tok::LBracket) {
            explicit = true;
            if !self.eat(&Tok::RBracket) {
                loop {
                    let Some(Tok::Name(n)) = self.peek().cloned() else {
                        return Err(self.expected("name"));
                    };
                    self.pos += 1;
                    params.push(n);
                    if !self.eat(&Tok::Semi) {
                        break;
                    }
                }
                self.expect(&Tok::RBracket, "']'")?;
            }
        }
        let body = self.parse_list(Some((Tok::RBrace, "'}'")), true)?;
        if !explicit {
            let mut names = Vec::new();
            for n in &body {
                find_names(n, &mut names);
            }
            let has = |s: &str| names.iter().any(|n: &Sym| &**n == s);
            let k = if has("z") {
                3
            } else if has("y") {
                2
            } else if has("x") {
                1
            } else {
                0
            };
            params = ["x", "y", "z"][..k].iter().map(|s| Arc::from(*s)).collect();
        }
        let node = Node::Lambda(Arc::new(LambdaSrc { params, body }));
        Ok(Some(self.apply_call_right(node)?))
    }

    #[inline(never)]
    fn p_paren(&mut self) -> OResult<Option<Node>> {
        self.pos += 1;
        let mut items = self.parse_list(Some((Tok::RParen, "')'")), false)?;
        let node = if items.len() == 1 {
            match items.remove(0) {
                v @ Node::Verb { r: None, .. } => Node::Quote(b(v)),
                other => other,
            }
        } else {
            Node::List(items)
        };
        Ok(Some(self.apply_index_right(node)?))
    }

    #[inline(never)]
    fn p_cond(&mut self) -> OResult<Option<Node>> {
        self.pos += 1;
        let items = self.parse_list(Some((Tok::RBracket, "']'")), true)?;
        Ok(Some(Node::Cond(items)))
    }

    #[inline(never)]
    fn p_verb(&mut self, v: Verb) -> OResult<Option<Node>> {
        self.pos += 1;
        let mut monad = false;
        if self.at_colon() && v != Verb::Colon {
            self.pos += 1;
            monad = true;
        }
        let mut curry = None;
        if matches!(self.peek(), Some(Tok::LBracket)) && !self.at_dict() {
            self.pos += 1;
            let mut c = self.parse_list(Some((Tok::RBracket, "']'")), false)?;
            if c.len() < 2 && !monad {
                c.push(Node::Nil);
            }
            curry = Some(c);
        }
        Ok(Some(Node::Verb {
            verb: v,
            monad,
            l: None,
            r: None,
            curry,
        }))
    }

    #[inline(never)]
    fn p_name(&mut self, n: Sym) -> OResult<Option<Node>> {
        self.pos += 1;
        if self.at_colon() {
            self.pos += 1;
            let global = if self.at_colon() {
                self.pos += 1;
                true
            } else {
                false
            };
            let v = self.parse_noun()?;
            let Some(v) = self.parse_ex(v)? else {
                return Err(self.err_at("noun expected following ':'.".into(), self.here()));
            };
            return Ok(Some(Node::Assign {
                name: n,
                global,
                value: b(mark_train(v)),
            }));
        }
        let mut node = Node::Name(n.clone());
        if self.eat(&Tok::LBracket) {
            let mut index = self.parse_list(Some((Tok::RBracket, "']'")), false)?;
            if self.at_assign() {
                return self.compound_assign(n, Some(index)).map(Some);
            }
            if self.at_colon() {
                self.pos += 1;
                let global = self.eat(&Tok::Verb(Verb::Colon));
                let v = self.parse_noun()?;
                let Some(v) = self.parse_ex(v)? else {
                    return Err(self.err_at("noun expected following ':'.".into(), self.here()));
                };
                return Ok(Some(Node::IndexAssign {
                    name: n,
                    index,
                    op: None,
                    global,
                    value: b(v),
                }));
            }
            if index.is_empty() {
                index.push(Node::Nil);
            }
            node = dot_apply(node, index);
            return Ok(Some(self.apply_call_right(node)?));
        }
        if self.at_assign() {
            return self.compound_assign(n, None).map(Some);
        }
        Ok(Some(self.apply_call_right(node)?))
    }

    fn compound_assign(&mut self, name: Sym, index: Option<Vec<Node>>) -> OResult<Node> {
        let Some(Tok::Verb(op)) = self.peek().cloned() else {
            return Err(self.expected("verb"));
        };
        self.pos += 2;
        let global = if self.at_colon() {
            self.pos += 1;
            true
        } else {
            false
        };
        let v = self.parse_noun()?;
        let Some(v) = self.parse_ex(v)? else {
            return Err(self.err_at("noun expected following ':'.".into(), self.here()));
        };
        Ok(match index {
            None => Node::Assign {
                name: name.clone(),
                global,
                value: b(Node::Verb {
                    verb: op,
                    monad: false,
                    l: Some(b(if global {
                        // `a+::x` reads the global: `a::(.`a)+x`, as oK does.
                        Node::Verb {
                            verb: Verb::Dot,
                            monad: false,
                            l: None,
                            r: Some(b(Node::Lit(Value::Sym(name)))),
                            curry: None,
                        }
                    } else {
                        Node::Name(name)
                    })),
                    r: Some(b(v)),
                    curry: None,
                }),
            },
            Some(index) => Node::IndexAssign {
                name,
                index,
                op: Some(op),
                global,
                value: b(v),
            },
        })
    }
}

fn dot_apply(node: Node, args: Vec<Node>) -> Node {
    Node::Verb {
        verb: Verb::Dot,
        monad: false,
        l: Some(b(node)),
        r: Some(b(Node::Args(args))),
        curry: None,
    }
}

fn number_literal(nums: &[Tok]) -> Value {
    let any_float = nums.iter().any(|t| matches!(t, Tok::Float(_)));
    let items: Vec<Value> = nums
        .iter()
        .map(|t| match t {
            Tok::Int(i) if any_float => Value::Float(crate::value::int_to_f64(*i)),
            Tok::Int(i) => Value::Int(*i),
            Tok::Float(f) => Value::Float(*f),
            _ => Value::Nil,
        })
        .collect();
    if items.len() == 1 {
        items.into_iter().next().unwrap_or(Value::Nil)
    } else {
        Value::from_items(items)
    }
}

/// Collects the names a lambda body uses (not descending into nested lambdas).
pub fn find_names(n: &Node, out: &mut Vec<Sym>) {
    match n {
        Node::Name(s) => out.push(s.clone()),
        Node::Assign { name, value, .. } => {
            out.push(name.clone());
            find_names(value, out);
        }
        Node::IndexAssign {
            name, index, value, ..
        } => {
            out.push(name.clone());
            index.iter().for_each(|i| find_names(i, out));
            find_names(value, out);
        }
        Node::List(v) | Node::Args(v) | Node::Cond(v) => v.iter().for_each(|i| find_names(i, out)),
        Node::Verb { l, r, curry, .. } => {
            l.iter().chain(r.iter()).for_each(|i| find_names(i, out));
            curry.iter().flatten().for_each(|i| find_names(i, out));
        }
        Node::Adverb { verb, l, r, .. } => {
            find_names(verb, out);
            l.iter().chain(r.iter()).for_each(|i| find_names(i, out));
        }
        Node::Quote(x) | Node::Train(x) => find_names(x, out),
        Node::Dict(v) => v.iter().for_each(|(_, i)| find_names(i, out)),
        Node::Nil | Node::Lit(_) | Node::Lambda(_) | Node::Hole => {}
    }
}

/// oK's "sticky" rule: an expression whose rightmost verb lacks a right
/// argument is a function (a train). A bare verb or `2+` stays a verb node;
/// deeper holes become [`Node::Train`].
fn mark_train(root: Node) -> Node {
    if let Node::Adverb { r: None, .. } = root {
        return root;
    }
    let mut depth = 0usize;
    let mut n = &root;
    loop {
        let r = match n {
            Node::Verb { curry: None, r, .. } | Node::Adverb { r, .. } => r,
            _ => return root,
        };
        match r {
            None => break,
            Some(x) => {
                n = x;
                depth += 1;
            }
        }
    }
    if depth == 0 {
        return root;
    }
    let mut root = root;
    let mut n = &mut root;
    for _ in 0..depth {
        n = match n {
            Node::Verb { r: Some(x), .. } | Node::Adverb { r: Some(x), .. } => x,
            _ => return Node::Nil,
        };
    }
    match n {
        Node::Verb { r, .. } | Node::Adverb { r, .. } => *r = Some(b(Node::Hole)),
        _ => {}
    }
    Node::Train(b(root))
}
