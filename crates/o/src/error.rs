//! Errors: values with a kind and a message, and for parse errors a position.
//!
//! Messages follow oK's wording where oK has one (`length error.`,
//! `valence error.`, `positive int expected.`, ...), so a REPL prints what
//! oK prints. Parse errors also carry the line and column and can render the
//! source line with a caret under the offending character.

use std::fmt;

/// The broad class of an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// An argument has the wrong type (`number expected, found symbol.`).
    Type,
    /// Argument lengths do not conform.
    Length,
    /// Wrong number of arguments.
    Rank,
    /// An argument is out of the verb's domain.
    Domain,
    /// A name is not defined.
    Value,
    /// The source does not parse.
    Parse,
    /// A configured resource limit (memory, depth) was exceeded.
    Limit,
    /// Raised by a host (system) verb.
    Host,
}

/// An O error: kind, message and, for parse errors, the position.
#[derive(Clone, Debug, PartialEq)]
pub struct OError {
    kind: ErrorKind,
    msg: String,
    pos: Option<Pos>,
}

/// A position in source text, 1-based line and column, with the line's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The text of the source line.
    pub text: String,
}

/// Result alias used throughout the interpreter.
pub type OResult<T> = Result<T, OError>;

impl OError {
    /// A new error of `kind` with message `msg`.
    pub fn new(kind: ErrorKind, msg: impl Into<String>) -> OError {
        OError {
            kind,
            msg: msg.into(),
            pos: None,
        }
    }
    /// A parse error at byte offset `at` of `src`.
    pub fn parse(msg: impl Into<String>, src: &str, at: usize) -> OError {
        let at = at.min(src.len());
        let at = (0..=at)
            .rev()
            .find(|&i| src.is_char_boundary(i))
            .unwrap_or(0);
        let start = src[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = src[at..].find('\n').map_or(src.len(), |i| at + i);
        let line = src[..at].matches('\n').count() + 1;
        let column = src[start..at].chars().count() + 1;
        OError {
            kind: ErrorKind::Parse,
            msg: msg.into(),
            pos: Some(Pos {
                line,
                column,
                text: src[start..end].to_string(),
            }),
        }
    }
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The message, as oK prints it (without position).
    pub fn message(&self) -> &str {
        &self.msg
    }
    /// The position, for parse errors.
    pub fn pos(&self) -> Option<&Pos> {
        self.pos.as_ref()
    }
    /// The message followed, for parse errors, by the source line and a caret.
    ///
    /// ```
    /// let mut o = enso_o::Interp::new();
    /// let e = o.eval("1+(2").unwrap_err();
    /// assert_eq!(e.render(), "parse error. ')' expected.\nat line 1, column 5\n1+(2\n    ^");
    /// ```
    pub fn render(&self) -> String {
        match &self.pos {
            None => self.msg.clone(),
            Some(p) => {
                let pad: String = p
                    .text
                    .chars()
                    .take(p.column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                format!(
                    "{}\nat line {}, column {}\n{}\n{}^",
                    self.msg, p.line, p.column, p.text, pad
                )
            }
        }
    }
}

impl fmt::Display for OError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for OError {}

/// `length error.`
pub fn length() -> OError {
    OError::new(ErrorKind::Length, "length error.")
}
/// `valence error.`
pub fn valence() -> OError {
    OError::new(ErrorKind::Rank, "valence error.")
}
/// `domain error.`
pub fn domain() -> OError {
    OError::new(ErrorKind::Domain, "domain error.")
}
/// `positive int expected.`
pub fn positive() -> OError {
    OError::new(ErrorKind::Domain, "positive int expected.")
}
/// `<want> expected, found <found>.`
pub fn expected(want: &str, found: &str) -> OError {
    OError::new(ErrorKind::Type, format!("{want} expected, found {found}."))
}
/// `'limit`: a resource limit was exceeded.
pub fn limit(what: &str) -> OError {
    OError::new(ErrorKind::Limit, format!("limit error: {what}."))
}
