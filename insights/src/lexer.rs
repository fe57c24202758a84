//! Lexer: turns query text into tokens with spans.
//!
//! It never fails: malformed input (an unterminated string, a stray character) becomes an
//! [`Tok::Error`] token plus a diagnostic, so the highlighter can colour half-typed queries and the
//! parser can report every problem at once. It runs in one linear pass.

use crate::error::{Diagnostic, Span};

/// Time units accepted in durations such as `5m` (`bin(5m)`, `datefloor(@timestamp, 1h)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TimeUnit {
    Ms,
    S,
    M,
    H,
    D,
    W,
    Mo,
    Q,
    Y,
}

impl TimeUnit {
    /// Parses a unit suffix (`ms`, `msec`, `s`, `sec`, `m`, `min`, `h`, `hr`, `d`, `w`, `mo`, `mon`, `q`, `qtr`, `y`, `yr`, ...).
    #[must_use]
    pub fn from_suffix(s: &str) -> Option<TimeUnit> {
        Some(match s.to_ascii_lowercase().as_str() {
            // The Stats page (CWL_QuerySyntax-Stats) lists these spellings and allows an `s`
            // on every spelling longer than one character (`hr` and `hrs`).
            "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => TimeUnit::Ms,
            "s" | "sec" | "secs" | "second" | "seconds" => TimeUnit::S,
            "m" | "min" | "mins" | "minute" | "minutes" => TimeUnit::M,
            "h" | "hr" | "hrs" | "hour" | "hours" => TimeUnit::H,
            "d" | "day" | "days" => TimeUnit::D,
            "w" | "week" | "weeks" => TimeUnit::W,
            "mo" | "mos" | "mon" | "mons" | "month" | "months" => TimeUnit::Mo,
            "q" | "qtr" | "qtrs" | "quarter" | "quarters" => TimeUnit::Q,
            "y" | "yr" | "yrs" | "year" | "years" => TimeUnit::Y,
            _ => return None,
        })
    }

    /// Canonical suffix.
    #[must_use]
    pub fn suffix(self) -> &'static str {
        match self {
            TimeUnit::Ms => "ms",
            TimeUnit::S => "s",
            TimeUnit::M => "m",
            TimeUnit::H => "h",
            TimeUnit::D => "d",
            TimeUnit::W => "w",
            TimeUnit::Mo => "mo",
            TimeUnit::Q => "q",
            TimeUnit::Y => "y",
        }
    }

    /// Fixed length in milliseconds; `None` for calendar units (month, quarter, year).
    #[must_use]
    pub fn fixed_millis(self) -> Option<i64> {
        Some(match self {
            TimeUnit::Ms => 1,
            TimeUnit::S => 1_000,
            TimeUnit::M => 60_000,
            TimeUnit::H => 3_600_000,
            TimeUnit::D => 86_400_000,
            TimeUnit::W => 7 * 86_400_000,
            TimeUnit::Mo | TimeUnit::Q | TimeUnit::Y => return None,
        })
    }

    /// The largest count CloudWatch uses with this unit: "The cap for `ms` is 1000, the caps
    /// for `s` and `m` are 60, and the cap for `h` is 24", so `bin(300s)` runs as `bin(60s)`
    /// (CWL_QuerySyntax-operations-functions, "Datetime functions"). The page names no cap for
    /// days and longer units.
    #[must_use]
    pub fn cap(self) -> Option<u64> {
        match self {
            TimeUnit::Ms => Some(1000),
            TimeUnit::S | TimeUnit::M => Some(60),
            TimeUnit::H => Some(24),
            _ => None,
        }
    }

    /// `n` as CloudWatch runs it with this unit: at most [`TimeUnit::cap`].
    #[must_use]
    pub fn capped(self, n: u64) -> u64 {
        self.cap().map_or(n, |c| n.min(c))
    }
}

/// A token's meaning.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A bare name: command, keyword, function or field (`level`, `error.name`, `@timestamp`).
    Ident(String),
    /// A `` `quoted field name` ``.
    Backquoted(String),
    Number(f64),
    Duration(u64, TimeUnit),
    /// A string literal, escapes resolved.
    Str(String),
    /// `/pattern/flags`; `\/` in the pattern is resolved to `/`.
    Regex {
        pattern: String,
        flags: String,
    },
    /// `{{name}}` outside a string.
    Placeholder(String),
    Pipe,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Colon,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    /// `=~` (regex match).
    Match,
    Comment,
    Error,
}

/// A token with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Keywords after which a `/` starts a regex rather than a division.
const EXPR_KEYWORDS: &[&str] = &["and", "or", "not", "like", "in", "filter", "filterindex", "by", "as"];

struct Cursor<'a> {
    src: &'a str,
    pos: usize,
    line: u32,
    col: u32,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }
    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }
    fn mark(&self) -> Span {
        Span {
            start: self.pos,
            end: self.pos,
            line: self.line,
            column: self.col,
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '@' || (!c.is_ascii() && c.is_alphabetic())
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '@' || (!c.is_ascii() && c.is_alphanumeric())
}

/// Resolves the escapes of a string literal body: `\\`, `\"`, `\'`, `\n`, `\t`, `\r`. Any other
/// backslash sequence is kept as written (so regex-like text inside strings survives).
pub(crate) fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut it = body.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(q @ ('"' | '\'' | '\\')) => out.push(q),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Lexes the whole query. Comments are returned as [`Tok::Comment`] tokens.
#[must_use]
pub fn lex(src: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut cur = Cursor {
        src,
        pos: 0,
        line: 1,
        col: 1,
    };
    let mut toks: Vec<Token> = Vec::new();
    let mut diags = Vec::new();
    while let Some(c) = cur.peek() {
        if c.is_whitespace() {
            cur.bump();
            continue;
        }
        let start = cur.mark();
        let tok = lex_one(&mut cur, c, &toks, &mut diags, start);
        let span = Span { end: cur.pos, ..start };
        toks.push(Token { tok, span });
    }
    (toks, diags)
}

fn significant(toks: &[Token]) -> impl DoubleEndedIterator<Item = &Token> {
    toks.iter().filter(|t| t.tok != Tok::Comment)
}

/// Decides whether a `/` here divides (after an operand) or starts a regex literal.
fn slash_is_division(toks: &[Token]) -> bool {
    let mut it = significant(toks).rev();
    let Some(prev) = it.next() else { return false };
    match &prev.tok {
        Tok::Ident(name) => {
            let lower = name.to_ascii_lowercase();
            if EXPR_KEYWORDS.contains(&lower.as_str()) {
                return false;
            }
            match it.next() {
                // A command name: `fields /re/ ...`.
                None | Some(Token { tok: Tok::Pipe, .. }) => false,
                // `parse @message /re/`: the field follows the `parse` command.
                Some(Token { tok: Tok::Ident(p), .. }) => !p.eq_ignore_ascii_case("parse"),
                Some(_) => true,
            }
        }
        Tok::Backquoted(_) => !matches!(it.next(), Some(Token { tok: Tok::Ident(p), .. }) if p.eq_ignore_ascii_case("parse")),
        Tok::Number(_) | Tok::Duration(..) | Tok::Str(_) | Tok::RParen | Tok::RBracket | Tok::Placeholder(_) | Tok::Regex { .. } => true,
        _ => false,
    }
}

fn lex_one(cur: &mut Cursor<'_>, c: char, toks: &[Token], diags: &mut Vec<Diagnostic>, start: Span) -> Tok {
    let err_here = |cur: &Cursor<'_>, msg: String, diags: &mut Vec<Diagnostic>| {
        diags.push(Diagnostic::new(msg, Span { end: cur.pos, ..start }));
    };
    match c {
        '#' => {
            while let Some(c) = cur.peek() {
                if c == '\n' {
                    break;
                }
                cur.bump();
            }
            Tok::Comment
        }
        '|' => {
            cur.bump();
            Tok::Pipe
        }
        ',' => {
            cur.bump();
            Tok::Comma
        }
        '(' => {
            cur.bump();
            Tok::LParen
        }
        ')' => {
            cur.bump();
            Tok::RParen
        }
        '[' => {
            cur.bump();
            Tok::LBracket
        }
        ']' => {
            cur.bump();
            Tok::RBracket
        }
        ':' => {
            cur.bump();
            Tok::Colon
        }
        '+' => {
            cur.bump();
            Tok::Plus
        }
        '-' => {
            cur.bump();
            Tok::Minus
        }
        '*' => {
            cur.bump();
            Tok::Star
        }
        '%' => {
            cur.bump();
            Tok::Percent
        }
        '^' => {
            cur.bump();
            Tok::Caret
        }
        '=' => {
            cur.bump();
            match cur.peek() {
                Some('~') => {
                    cur.bump();
                    Tok::Match
                }
                Some('=') => {
                    cur.bump();
                    Tok::Eq
                }
                _ => Tok::Eq,
            }
        }
        '!' => {
            cur.bump();
            if cur.peek() == Some('=') {
                cur.bump();
                Tok::Ne
            } else {
                err_here(cur, "unexpected `!` — did you mean `!=` or `not`?".into(), diags);
                Tok::Error
            }
        }
        '<' => {
            cur.bump();
            match cur.peek() {
                Some('=') => {
                    cur.bump();
                    Tok::Le
                }
                Some('>') => {
                    cur.bump();
                    Tok::Ne
                }
                _ => Tok::Lt,
            }
        }
        '>' => {
            cur.bump();
            if cur.peek() == Some('=') {
                cur.bump();
                Tok::Ge
            } else {
                Tok::Gt
            }
        }
        '/' => {
            if slash_is_division(toks) {
                cur.bump();
                return Tok::Slash;
            }
            lex_regex(cur, diags, start)
        }
        '"' | '\'' => lex_string(cur, c, diags, start),
        '`' => {
            cur.bump();
            let body_start = cur.pos;
            loop {
                match cur.peek() {
                    Some('`') => {
                        let name = cur.src[body_start..cur.pos].to_string();
                        cur.bump();
                        if name.is_empty() {
                            err_here(cur, "empty backquoted field name".into(), diags);
                            return Tok::Error;
                        }
                        return Tok::Backquoted(name);
                    }
                    Some('\n') | None => {
                        err_here(cur, "unclosed backquote: expected a closing `` ` ``".into(), diags);
                        return Tok::Error;
                    }
                    Some(_) => {
                        cur.bump();
                    }
                }
            }
        }
        '{' if cur.peek2() == Some('{') => {
            cur.bump();
            cur.bump();
            let body_start = cur.pos;
            while cur.peek().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-') {
                cur.bump();
            }
            let name = cur.src[body_start..cur.pos].to_string();
            if cur.src[cur.pos..].starts_with("}}") && !name.is_empty() {
                cur.bump();
                cur.bump();
                Tok::Placeholder(name)
            } else {
                err_here(cur, "malformed parameter placeholder: expected `{{name}}`".into(), diags);
                Tok::Error
            }
        }
        c if c.is_ascii_digit() || (c == '.' && cur.peek2().is_some_and(|d| d.is_ascii_digit())) => lex_number(cur, diags, start),
        c if is_ident_start(c) => {
            let s = cur.pos;
            while cur.peek().is_some_and(is_ident_char) {
                cur.bump();
            }
            Tok::Ident(cur.src[s..cur.pos].to_string())
        }
        other => {
            cur.bump();
            err_here(cur, format!("unexpected character `{other}`"), diags);
            Tok::Error
        }
    }
}

fn lex_string(cur: &mut Cursor<'_>, quote: char, diags: &mut Vec<Diagnostic>, start: Span) -> Tok {
    cur.bump();
    let body_start = cur.pos;
    loop {
        match cur.peek() {
            Some('\\') => {
                cur.bump();
                cur.bump();
            }
            Some(c) if c == quote => {
                let body = &cur.src[body_start..cur.pos];
                cur.bump();
                return Tok::Str(unescape(body));
            }
            None => {
                diags.push(Diagnostic::new(
                    format!("unclosed string: expected a closing {quote}"),
                    Span { end: cur.pos, ..start },
                ));
                return Tok::Error;
            }
            Some(_) => {
                cur.bump();
            }
        }
    }
}

fn lex_regex(cur: &mut Cursor<'_>, diags: &mut Vec<Diagnostic>, start: Span) -> Tok {
    cur.bump();
    let mut pattern = String::new();
    loop {
        match cur.peek() {
            Some('\\') => {
                cur.bump();
                match cur.bump() {
                    Some('/') => pattern.push('/'),
                    Some(c) => {
                        pattern.push('\\');
                        pattern.push(c);
                    }
                    None => pattern.push('\\'),
                }
            }
            Some('/') => {
                cur.bump();
                let fs = cur.pos;
                while cur.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    cur.bump();
                }
                let flags = cur.src[fs..cur.pos].to_string();
                let span = Span { end: cur.pos, ..start };
                if let Some(bad) = flags.chars().find(|c| !matches!(c, 'i' | 'm' | 's' | 'x' | 'U')) {
                    diags.push(Diagnostic::new(format!("unknown regex flag `{bad}`"), span).with_help("flags allowed: i, m, s, x, U"));
                }
                if let Err(msg) = check_regex(&pattern) {
                    diags.push(Diagnostic::new(format!("invalid regex: {msg}"), span));
                }
                return Tok::Regex { pattern, flags };
            }
            Some('\n') | None => {
                diags.push(Diagnostic::new(
                    "unclosed regex: expected a closing `/`",
                    Span { end: cur.pos, ..start },
                ));
                return Tok::Error;
            }
            Some(c) => {
                pattern.push(c);
                cur.bump();
            }
        }
    }
}

fn lex_number(cur: &mut Cursor<'_>, diags: &mut Vec<Diagnostic>, start: Span) -> Tok {
    let s = cur.pos;
    while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
        cur.bump();
    }
    if cur.peek() == Some('.') && cur.peek2().is_some_and(|c| c.is_ascii_digit()) {
        cur.bump();
        while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            cur.bump();
        }
    }
    if matches!(cur.peek(), Some('e' | 'E')) {
        let rest = &cur.src[cur.pos + 1..];
        let mut chars = rest.chars();
        let next = chars.next();
        let ok = match next {
            Some(d) if d.is_ascii_digit() => true,
            Some('+' | '-') => chars.next().is_some_and(|d| d.is_ascii_digit()),
            _ => false,
        };
        if ok {
            cur.bump();
            if matches!(cur.peek(), Some('+' | '-')) {
                cur.bump();
            }
            while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
                cur.bump();
            }
        }
    }
    let num_text = &cur.src[s..cur.pos];
    let us = cur.pos;
    while cur.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
        cur.bump();
    }
    let unit = &cur.src[us..cur.pos];
    let span = Span { end: cur.pos, ..start };
    if !unit.is_empty() {
        let Some(u) = TimeUnit::from_suffix(unit) else {
            diags.push(
                Diagnostic::new(format!("unknown time unit `{unit}` in `{num_text}{unit}`"), span)
                    .with_help("use ms, s, m, h, d, w, mo, q or y, as in `5m`"),
            );
            return Tok::Error;
        };
        return match num_text.parse::<u64>() {
            Ok(n) => Tok::Duration(n, u),
            Err(_) => {
                diags.push(Diagnostic::new(
                    format!("a duration needs a whole number, found `{num_text}`"),
                    span,
                ));
                Tok::Error
            }
        };
    }
    match num_text.parse::<f64>() {
        Ok(v) if v.is_finite() => Tok::Number(v),
        _ => {
            diags.push(Diagnostic::new(format!("number `{num_text}` is out of range"), span));
            Tok::Error
        }
    }
}

/// Checks what can be checked of a regex without a regex engine: balanced groups and classes,
/// well-formed named groups, no trailing backslash.
pub fn check_regex(pattern: &str) -> Result<(), String> {
    let mut depth: usize = 0;
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => return Err("trailing backslash".into()),
            '\\' => {}
            '[' if !in_class => {
                in_class = true;
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                }
            }
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                if depth == 0 {
                    return Err("unopened `)`".into());
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    if in_class {
        return Err("unclosed character class `[`".into());
    }
    if depth > 0 {
        return Err("unclosed group `(`".into());
    }
    named_groups(pattern).map(|_| ())
}

/// The names of `(?<name>...)` / `(?P<name>...)` groups, in order.
pub fn named_groups(pattern: &str) -> Result<Vec<String>, String> {
    Ok(capture_groups(pattern)?.into_iter().flatten().collect())
}

/// Every capturing group of `pattern` in order: `Some(name)` for `(?<name>...)` /
/// `(?P<name>...)`, `None` for a plain `(...)`. Non-capturing forms (`(?:...)`, flag groups such
/// as `(?i)`, look-around) are not listed. The parser needs this without the `regex` crate
/// (which stays out of the WASM build): `parse ... /re/ as a, b` names the groups in order.
pub fn capture_groups(pattern: &str) -> Result<Vec<Option<String>>, String> {
    let b = pattern.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'[' if !in_class => {
                in_class = true;
                i += 1;
                // `[]...]` and `[^]...]`: a `]` right after the opening is a literal.
                if b.get(i) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if in_class => {
                in_class = false;
                i += 1;
            }
            b'(' if !in_class && b.get(i + 1) == Some(&b'?') => {
                let mut j = i + 2;
                if b.get(j) == Some(&b'P') {
                    j += 1;
                }
                if b.get(j) == Some(&b'<') && !matches!(b.get(j + 1), Some(b'=' | b'!')) {
                    let s = j + 1;
                    let mut e = s;
                    while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_' || b[e] == b'.' || b[e] == b'@') {
                        e += 1;
                    }
                    if b.get(e) != Some(&b'>') || e == s {
                        return Err("malformed named group: expected `(?<name>...)`".into());
                    }
                    out.push(Some(pattern[s..e].to_string()));
                    i = e + 1;
                } else {
                    i += 2;
                }
            }
            b'(' if !in_class => {
                out.push(None);
                i += 1;
            }
            _ => i += 1,
        }
    }
    Ok(out)
}
