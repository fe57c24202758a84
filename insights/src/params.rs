//! Saved-query parameters: `{{name}}` placeholders and their safe substitution.
//!
//! A value is always inserted as data: inside a string literal it is escaped for that quote,
//! inside a regex literal its metacharacters are escaped, and anywhere else it becomes a quoted
//! string. So a value such as `x" | stats count() by secret` can never change the structure of
//! the query. The work is done on the lexer's tokens, so it knows which context a placeholder is in.

use crate::lexer::{lex, Tok};
use std::collections::HashMap;

/// Why substitution failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ParamError {
    /// A placeholder has no value.
    Missing(String),
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamError::Missing(n) => write!(f, "no value for parameter `{{{{{n}}}}}`"),
        }
    }
}

impl std::error::Error for ParamError {}

/// Finds `{{name}}` occurrences in `text` (name: letters, digits, `_`, `.`, `-`). Returns
/// (byte start, byte end, name).
fn scan(text: &str) -> Vec<(usize, usize, &str)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'{' && b[i + 1] == b'{' {
            let s = i + 2;
            let mut e = s;
            while e < b.len() && (b[e].is_ascii_alphanumeric() || matches!(b[e], b'_' | b'.' | b'-')) {
                e += 1;
            }
            if e > s && b.get(e) == Some(&b'}') && b.get(e + 1) == Some(&b'}') {
                out.push((i, e + 2, &text[s..e]));
                i = e + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The distinct placeholder names of a query, in order of first appearance (comments excluded).
#[must_use]
pub fn placeholders(query: &str) -> Vec<String> {
    let (toks, _) = lex(query);
    let mut out: Vec<String> = Vec::new();
    for t in &toks {
        let raw = &query[t.span.start..t.span.end];
        let names: Vec<&str> = match &t.tok {
            Tok::Placeholder(n) => vec![n.as_str()],
            Tok::Str(_) | Tok::Regex { .. } => scan(raw).into_iter().map(|(_, _, n)| n).collect(),
            _ => Vec::new(),
        };
        for n in names {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        }
    }
    out
}

fn escape_in_string(v: &str, quote: char) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn escape_in_regex(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' | '#' | '&' | '-' | '~' | '/' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces every placeholder with its value, quoted and escaped for where it stands.
pub fn substitute(query: &str, values: &HashMap<String, String>) -> Result<String, ParamError> {
    let (toks, _) = lex(query);
    let get = |n: &str| values.get(n).ok_or_else(|| ParamError::Missing(n.to_string()));
    let mut out = String::with_capacity(query.len());
    let mut last = 0;
    for t in &toks {
        let raw = &query[t.span.start..t.span.end];
        let replacement = match &t.tok {
            Tok::Placeholder(n) => Some(crate::format::quote(get(n)?)),
            Tok::Str(_) | Tok::Regex { .. } => {
                let found = scan(raw);
                if found.is_empty() {
                    None
                } else {
                    let quote = raw.chars().next().unwrap_or('"');
                    let mut s = String::with_capacity(raw.len());
                    let mut at = 0;
                    for (a, b, n) in found {
                        s.push_str(&raw[at..a]);
                        let v = get(n)?;
                        if matches!(t.tok, Tok::Regex { .. }) {
                            s.push_str(&escape_in_regex(v));
                        } else {
                            s.push_str(&escape_in_string(v, quote));
                        }
                        at = b;
                    }
                    s.push_str(&raw[at..]);
                    Some(s)
                }
            }
            _ => None,
        };
        if let Some(r) = replacement {
            out.push_str(&query[last..t.span.start]);
            out.push_str(&r);
            last = t.span.end;
        }
    }
    out.push_str(&query[last..]);
    Ok(out)
}
