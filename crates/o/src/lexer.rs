//! Lexer: source text to tokens with byte spans.
//!
//! Follows oK's tokenizer: whitespace followed by `/` starts a comment that
//! runs to the end of the line, a newline separates expressions like `;`, and
//! a `-` directly after a letter, digit, `]` or `)` is the minus verb while
//! elsewhere `-1` is a negative number (so `x-1` subtracts and `x -1`
//! applies `x` to `-1`). Any byte sequence lexes; bytes that start no token
//! become [`Tok::Bad`], which the parser reports with its position.

use crate::value::{Adverb, Sym, Verb};
use std::sync::Arc;

/// A token kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// An integer literal.
    Int(i64),
    /// A float literal (also `0w`, `-0w`).
    Float(f64),
    /// A name.
    Name(Sym),
    /// A symbol literal (without the backtick).
    Sym(Sym),
    /// A string literal, escapes decoded.
    Str(Vec<u8>),
    /// A primitive verb (including `:`).
    Verb(Verb),
    /// An adverb.
    Adverb(Adverb),
    /// `;` or a newline.
    Semi,
    /// `$[`, the start of a conditional.
    Cond,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// A character that starts no token.
    Bad(char),
}

/// A token and where it is.
#[derive(Clone, Debug)]
pub struct Token {
    /// The kind.
    pub tok: Tok,
    /// Byte offset of the first character.
    pub start: usize,
    /// True when whitespace (or a comment) comes right before the token.
    pub spaced: bool,
}

/// Splits `src` into tokens. Never fails; never panics.
pub fn lex(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut spaced = true;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            out.push(Token {
                tok: Tok::Semi,
                start: i,
                spaced,
            });
            i += 1;
            spaced = true;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            spaced = true;
            continue;
        }
        if c == b'/' && spaced {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        let (tok, len) = lex_one(b, i, src);
        i += len.max(1);
        out.push(Token { tok, start, spaced });
        spaced = false;
    }
    out
}

fn is_num_start(b: &[u8], i: usize) -> bool {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    if at(i).is_ascii_digit() {
        return true;
    }
    if at(i) == b'.' && at(i + 1).is_ascii_digit() {
        return true;
    }
    if at(i) == b'-' {
        let prev = if i == 0 { b' ' } else { b[i - 1] };
        if prev.is_ascii_alphanumeric() || prev == b']' || prev == b')' {
            return false;
        }
        return at(i + 1).is_ascii_digit() || (at(i + 1) == b'.' && at(i + 2).is_ascii_digit());
    }
    false
}

fn lex_number(b: &[u8], i: usize) -> (Tok, usize) {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    let neg = at(i) == b'-';
    let j = i + neg as usize;
    if at(j) == b'0' && at(j + 1) == b'w' {
        let v = if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return (Tok::Float(v), j + 2 - i);
    }
    if !neg && at(j) == b'0' && at(j + 1) == b'N' {
        return (Tok::Int(i64::MIN), 2);
    }
    let mut k = j;
    while at(k).is_ascii_digit() {
        k += 1;
    }
    let mut float = false;
    if at(k) == b'.' && (k > j || at(k + 1).is_ascii_digit()) {
        float = true;
        k += 1;
        while at(k).is_ascii_digit() {
            k += 1;
        }
    }
    let text = std::str::from_utf8(&b[i..k]).unwrap_or("0");
    if !float && let Ok(v) = text.parse::<i64>() {
        return (Tok::Int(v), k - i);
    }
    let t = text.trim_end_matches('.');
    let v = t.parse::<f64>().unwrap_or(0.0);
    (Tok::Float(v), k - i)
}

fn lex_one(b: &[u8], i: usize, src: &str) -> (Tok, usize) {
    let c = b[i];
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    if is_num_start(b, i) {
        return lex_number(b, i);
    }
    if c.is_ascii_alphabetic() {
        let mut k = i + 1;
        while at(k).is_ascii_alphanumeric() {
            k += 1;
        }
        return (Tok::Name(Arc::from(&src[i..k])), k - i);
    }
    match c {
        b'`' => {
            let mut k = i + 1;
            if at(k).is_ascii_alphabetic() || at(k) == b'.' {
                while at(k).is_ascii_alphanumeric() || at(k) == b'.' {
                    k += 1;
                }
            }
            (Tok::Sym(Arc::from(&src[i + 1..k])), k - i)
        }
        b'"' => lex_string(b, i),
        b'$' if at(i + 1) == b'[' => (Tok::Cond, 2),
        b'\'' | b'/' | b'\\' => {
            let colon = at(i + 1) == b':';
            let adv = match (c, colon) {
                (b'\'', false) => Adverb::Each,
                (b'\'', true) => Adverb::EachPrior,
                (b'/', false) => Adverb::Over,
                (b'/', true) => Adverb::EachRight,
                (b'\\', false) => Adverb::Scan,
                _ => Adverb::EachLeft,
            };
            (Tok::Adverb(adv), 1 + colon as usize)
        }
        b';' => (Tok::Semi, 1),
        b'[' => (Tok::LBracket, 1),
        b']' => (Tok::RBracket, 1),
        b'(' => (Tok::LParen, 1),
        b')' => (Tok::RParen, 1),
        b'{' => (Tok::LBrace, 1),
        b'}' => (Tok::RBrace, 1),
        _ => match Verb::from_char(c) {
            Some(v) => (Tok::Verb(v), 1),
            None => {
                let ch = src[i..].chars().next().unwrap_or('?');
                (Tok::Bad(ch), ch.len_utf8())
            }
        },
    }
}

fn lex_string(b: &[u8], i: usize) -> (Tok, usize) {
    let mut out = Vec::new();
    let mut k = i + 1;
    while k < b.len() {
        match b[k] {
            b'"' => return (Tok::Str(out), k + 1 - i),
            b'\n' | b'\r' => break,
            b'\\' if k + 1 < b.len() && b[k + 1] != b'\n' && b[k + 1] != b'\r' => {
                match b[k + 1] {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'"' => out.push(b'"'),
                    b'\\' => out.push(b'\\'),
                    other => {
                        out.push(b'\\');
                        out.push(other);
                    }
                }
                k += 2;
            }
            other => {
                out.push(other);
                k += 1;
            }
        }
    }
    (Tok::Bad('"'), 1)
}
