//! Splitting an O script into its top-level statements, with positions.
//!
//! A boot script is evaluated one top-level statement at a time, so that a
//! system verb that refuses its arguments can be reported at the line and
//! column of the statement (and of the verb's name in it). A statement ends
//! at a `;` or a newline outside brackets, parentheses, braces and strings.
//! Comments (`/` at the start of a line or after white space) run to the end
//! of the line.

/// A top-level statement of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text (comments included, trimmed).
    pub text: String,
    /// Byte offset of the statement in the script.
    pub offset: usize,
}

/// A 1-based line and column (in characters) of byte `at` in `src`, with the
/// text of that line.
pub fn position(src: &str, at: usize) -> (usize, usize, String) {
    let at = at.min(src.len());
    let at = (0..=at)
        .rev()
        .find(|&i| src.is_char_boundary(i))
        .unwrap_or(0);
    let start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = src[at..].find('\n').map_or(src.len(), |i| at + i);
    let line = src[..at].matches('\n').count() + 1;
    let column = src[start..at].chars().count() + 1;
    (line, column, src[start..end].to_string())
}

/// Splits `src` into its top-level statements (empty ones dropped).
///
/// ```
/// use enso::shell::script::split;
/// let s = split("a:1; b:{x;\n y}\n/ note\nc:\"x;y\" / tail");
/// let texts: Vec<&str> = s.iter().map(|s| s.text.as_str()).collect();
/// assert_eq!(texts, ["a:1", "b:{x;\n y}", "c:\"x;y\" / tail"]);
/// assert_eq!(s[1].offset, 5);
/// ```
pub fn split(src: &str) -> Vec<Statement> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut i = 0usize;
    let mut in_comment = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_comment {
            if c == b'\n' {
                in_comment = false;
            } else {
                i += 1;
                continue;
            }
        }
        match c {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if i == 0 || bytes[i - 1].is_ascii_whitespace() => in_comment = true,
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b';' | b'\n' if depth == 0 => {
                push(src, start, i, &mut out);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    push(src, start, src.len(), &mut out);
    out
}

fn push(src: &str, start: usize, end: usize, out: &mut Vec<Statement>) {
    let piece = &src[start..end.min(src.len())];
    let lead = piece.len() - piece.trim_start().len();
    let text = piece.trim();
    if text.is_empty() || text.starts_with('/') {
        return;
    }
    out.push(Statement {
        text: text.to_string(),
        offset: start + lead,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let src = "a\nbc\ndef";
        assert_eq!(position(src, 0), (1, 1, "a".into()));
        assert_eq!(position(src, 3), (2, 2, "bc".into()));
        assert_eq!(position(src, 7), (3, 3, "def".into()));
    }

    #[test]
    fn nested_brackets_and_strings_do_not_split() {
        let s = split("f[1;(2;3)];g\"a\\\"b;\"\n\n  h");
        let t: Vec<&str> = s.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(t, ["f[1;(2;3)]", "g\"a\\\"b;\"", "h"]);
        assert_eq!(position("f[1;(2;3)];g\"a\\\"b;\"\n\n  h", s[2].offset).0, 3);
    }

    #[test]
    fn comment_lines_are_dropped() {
        let s = split("/ all comment\n  / indented\nx / tail; not split");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].text, "x / tail; not split");
    }
}
