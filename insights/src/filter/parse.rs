//! Filter pattern parser: one pass, byte positions in every error, a nesting limit, no panics.
//!
//! The first non-blank character picks the kind: `{` a JSON pattern (which must end with `}`),
//! `[` a space-delimited pattern (which must end with `]`), `%` a standalone regex (which must
//! be the whole pattern), anything else unstructured terms.

use super::ast::{
    AwsRegex, CmpOp, DCond, DField, Glob, JsonCond, JsonExpr, JsonTest, NumLit, Pattern, Segment, Selector, Term, TermKind, Value,
};
use super::aws_regex;
use super::FilterPatternError;

/// The longest pattern CloudWatch accepts (`filterPattern`: "Maximum length of 1024").
pub const MAX_PATTERN_LEN: usize = 1024;
/// Regexes allowed in one JSON or space-delimited pattern (AWS quota).
pub const MAX_REGEXES: usize = 2;
/// Wildcard selectors (`*`, `[*]`) allowed in one JSON pattern (AWS quota); one per selector.
pub const MAX_WILDCARDS: usize = 3;
/// Parenthesis nesting limit for JSON patterns.
const MAX_DEPTH: usize = 64;

type PResult<T> = Result<T, FilterPatternError>;

pub(crate) fn parse(src: &str) -> PResult<Pattern> {
    if let Some((i, _)) = src.char_indices().nth(MAX_PATTERN_LEN) {
        return Err(FilterPatternError::new(
            i,
            format!("the filter pattern is longer than {MAX_PATTERN_LEN} characters"),
        ));
    }
    let start = src.len() - src.trim_start().len();
    let end = src.trim_end().len();
    if start >= end {
        return Ok(Pattern::All);
    }
    let mut p = Parser::new(src, start, end);
    match p.peek() {
        Some('{') => p.json_pattern(),
        Some('[') => p.delimited_pattern(),
        Some('%') => p.regex_pattern(),
        _ => p.terms(),
    }
}

/// A metric value selector: `$.a.b[0]` (JSON), `$name` or `$3` (space-delimited), or a number.
#[cfg(feature = "eval")]
pub(crate) enum MetricSelector {
    Json(Selector),
    Field(String),
    Position(usize),
    Number(f64),
}

#[cfg(feature = "eval")]
pub(crate) fn metric_selector(s: &str) -> Option<MetricSelector> {
    let s = s.trim();
    if let Some(n) = parse_number(s) {
        return Some(MetricSelector::Number(n.value));
    }
    let rest = s.strip_prefix('$')?;
    if rest.starts_with('.') {
        let mut p = Parser::new(s, 0, s.len());
        let sel = p.selector().ok()?;
        return p.at_end().then_some(MetricSelector::Json(sel));
    }
    if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
        return rest.parse().ok().filter(|&n| n > 0).map(MetricSelector::Position);
    }
    is_field_name(rest).then(|| MetricSelector::Field(rest.to_string()))
}

fn is_field_name(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_') && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Characters allowed in an unquoted value of a JSON or space-delimited comparison: letters,
/// digits and `_` as AWS documents, plus `.` `*` `+` `-` which its own examples use unquoted
/// (`123.123.*`, `*.html*`, `+1000`, `10e-3`).
fn is_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '*' | '+' | '-')
}

/// An unquoted number as AWS documents it: an optional sign, digits with an optional fraction,
/// an optional exponent (`400`, `-1.5`, `+1000`, `10e-3`, `1e+3`).
pub(crate) fn parse_number(s: &str) -> Option<NumLit> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
            frac_digits += 1;
        }
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    let mut has_exp = false;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
        has_exp = true;
    }
    if i != b.len() {
        return None;
    }
    let value: f64 = s.parse().ok()?;
    let int = if !has_exp && frac_digits == 0 && int_digits <= 30 {
        s.trim_end_matches('.').parse::<i128>().ok()
    } else {
        None
    };
    Some(NumLit { value, int })
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    end: usize,
    regexes: usize,
    wildcards: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, pos: usize, end: usize) -> Self {
        Parser {
            src,
            pos,
            end,
            regexes: 0,
            wildcards: 0,
            depth: 0,
        }
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..self.end).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.end
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn err(&self, pos: usize, msg: impl Into<String>) -> FilterPatternError {
        FilterPatternError::new(pos, msg)
    }

    /// A short description of what is at the cursor, for "expected X, found Y" messages.
    fn found(&self) -> String {
        let run: String = self.rest().chars().take_while(|c| !c.is_whitespace()).take(20).collect();
        if run.is_empty() {
            "the end of the pattern".into()
        } else {
            format!("'{run}'")
        }
    }

    /// A word of ASCII letters at the cursor (for keywords), without consuming it.
    fn word(&self) -> &'a str {
        let rest = self.rest();
        let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        &rest[..n]
    }

    // ----- unstructured terms -----

    fn terms(&mut self) -> PResult<Pattern> {
        let mut terms = Vec::new();
        loop {
            self.skip_ws();
            if self.at_end() {
                break;
            }
            let start = self.pos;
            let kind = match self.peek() {
                Some('-') => {
                    self.bump();
                    TermKind::Excluded
                }
                Some('?') => {
                    self.bump();
                    TermKind::Optional
                }
                _ => TermKind::Required,
            };
            if kind != TermKind::Required {
                // The older AWS guide writes `"ERROR" - "Exiting"`: allow blanks after the sign.
                self.skip_ws();
                if self.at_end() {
                    let sign = if kind == TermKind::Excluded { '-' } else { '?' };
                    return Err(self.err(start, format!("expected a term after '{sign}'")));
                }
            }
            let text = if self.peek() == Some('"') {
                let open = self.pos;
                let text = self.quoted()?;
                if text.is_empty() {
                    return Err(self.err(open, "Invalid character(s) in term '\"\"': a quoted phrase cannot be empty"));
                }
                text
            } else {
                self.bare_term()?
            };
            terms.push(Term { kind, text });
        }
        Ok(Pattern::Terms(terms))
    }

    /// An unquoted term: letters, digits and `_`; anything else must be quoted.
    fn bare_term(&mut self) -> PResult<String> {
        let start = self.pos;
        let run: &str = {
            let rest = self.rest();
            let n = rest.find(char::is_whitespace).unwrap_or(rest.len());
            &rest[..n]
        };
        if let Some((i, c)) = run.char_indices().find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_')) {
            let what = match c {
                '{' | '[' | '%' => format!("'{c}' starts a JSON, space-delimited or regex pattern only at the start of the filter pattern"),
                _ => "terms with characters other than letters, digits and '_' must be enclosed in double quotes".into(),
            };
            return Err(self.err(start + i, format!("Invalid character(s) in term '{run}': {what}")));
        }
        self.pos += run.len();
        Ok(run.to_string())
    }

    /// A double-quoted string at the cursor; `\"` and `\\` are escapes, other backslashes are
    /// kept as written.
    fn quoted(&mut self) -> PResult<String> {
        let open = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.err(open, "unterminated quoted string: expected a closing '\"'")),
                Some('"') => return Ok(out),
                Some('\\') if matches!(self.peek(), Some('"' | '\\')) => {
                    if let Some(c) = self.bump() {
                        out.push(c);
                    }
                }
                Some(c) => out.push(c),
            }
        }
    }

    // ----- regex -----

    fn regex_pattern(&mut self) -> PResult<Pattern> {
        let re = self.regex()?;
        self.skip_ws();
        if !self.at_end() {
            return Err(self.err(
                self.pos,
                format!(
                    "a regular expression pattern must be the whole filter pattern, found {} after it",
                    self.found()
                ),
            ));
        }
        Ok(Pattern::Regex(re))
    }

    /// `%...%` at the cursor.
    fn regex(&mut self) -> PResult<AwsRegex> {
        let open = self.pos;
        self.bump();
        let body_start = self.pos;
        let Some(len) = self.rest().find('%') else {
            return Err(self.err(open, "unterminated regular expression: expected a closing '%'"));
        };
        let body = &self.src[body_start..body_start + len];
        let translated = aws_regex::translate(body, body_start)?;
        self.pos = body_start + len + 1;
        build_regex(body, translated, open)
    }

    fn count_regex(&mut self, at: usize) -> PResult<()> {
        self.regexes += 1;
        if self.regexes > MAX_REGEXES {
            return Err(self.err(
                at,
                format!("a JSON or space-delimited filter pattern can contain at most {MAX_REGEXES} regular expressions"),
            ));
        }
        Ok(())
    }

    // ----- comparisons (JSON and space-delimited) -----

    fn cmp_op(&mut self) -> PResult<CmpOp> {
        self.skip_ws();
        for (s, op) in [
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("=", CmpOp::Eq),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ] {
            if self.eat(s) {
                return Ok(op);
            }
        }
        Err(self.err(
            self.pos,
            format!("expected a comparison operator (=, !=, <, <=, >, >=), found {}", self.found()),
        ))
    }

    /// The value after `op`: a quoted string, a `%regex%`, a number or an unquoted string.
    /// `stops` are the characters that end an unquoted value besides whitespace.
    fn value(&mut self, op: CmpOp, stops: &str) -> PResult<Value> {
        self.skip_ws();
        let start = self.pos;
        let numeric = op.is_numeric_only();
        let needs_number = |p: &Self, found: String| {
            p.err(
                start,
                format!(
                    "'{}' compares numbers: expected a number such as 400 or 1.5e3, found {found}",
                    op.symbol()
                ),
            )
        };
        match self.peek() {
            Some('"') => {
                if numeric {
                    return Err(needs_number(self, self.found()));
                }
                Ok(Value::Text(Glob::new(&self.quoted()?)))
            }
            Some('%') => {
                if numeric {
                    return Err(needs_number(self, "a regular expression".into()));
                }
                self.count_regex(start)?;
                Ok(Value::Regex(self.regex()?))
            }
            _ => {
                let rest = self.rest();
                let n = rest.find(|c: char| c.is_whitespace() || stops.contains(c)).unwrap_or(rest.len());
                let run = &rest[..n];
                if run.is_empty() {
                    return Err(self.err(start, format!("expected a value after '{}', found {}", op.symbol(), self.found())));
                }
                if let Some((i, c)) = run.char_indices().find(|&(_, c)| !is_value_char(c)) {
                    let hint = if c == '%' {
                        "a regular expression must end with '%'".to_string()
                    } else {
                        "values with characters other than letters, digits, '_', '.', '*', '+' and '-' must be enclosed in double quotes"
                            .into()
                    };
                    return Err(self.err(start + i, format!("Invalid character(s) in term '{run}': {hint}")));
                }
                self.pos += n;
                match parse_number(run) {
                    Some(num) => Ok(Value::Number(num)),
                    None if numeric => Err(needs_number(self, format!("'{run}'"))),
                    None => Ok(Value::Text(Glob::new(run))),
                }
            }
        }
    }

    // ----- JSON -----

    fn json_pattern(&mut self) -> PResult<Pattern> {
        if !self.src[..self.end].ends_with('}') {
            return Err(self.err(self.end, "If a filter pattern starts with '{' it must end with '}'"));
        }
        let open = self.pos;
        self.bump();
        self.end -= 1;
        self.skip_ws();
        if self.at_end() {
            return Err(self.err(
                open,
                "empty JSON filter pattern: expected a condition such as { $.level = \"error\" }",
            ));
        }
        let expr = self.json_or()?;
        self.skip_ws();
        if !self.at_end() {
            let at = self.pos;
            let msg = match self.peek() {
                Some(')') => "unmatched ')'".to_string(),
                _ => format!("expected '&&', '||' or the closing '}}', found {}", self.found()),
            };
            return Err(self.err(at, msg));
        }
        Ok(Pattern::Json(expr))
    }

    fn json_or(&mut self) -> PResult<JsonExpr> {
        let mut items = vec![self.json_and()?];
        loop {
            self.skip_ws();
            if self.eat("||") {
                items.push(self.json_and()?);
            } else {
                break;
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { JsonExpr::Or(items) })
    }

    fn json_and(&mut self) -> PResult<JsonExpr> {
        let mut items = vec![self.json_primary()?];
        loop {
            self.skip_ws();
            if self.eat("&&") {
                items.push(self.json_primary()?);
            } else {
                self.check_single_logical()?;
                break;
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { JsonExpr::And(items) })
    }

    /// A lone `&` or `|`, or the words AND/OR, where `&&`/`||` belongs.
    fn check_single_logical(&self) -> PResult<()> {
        let rest = self.rest();
        if (rest.starts_with('&') && !rest.starts_with("&&")) || (rest.starts_with('|') && !rest.starts_with("||")) {
            return Err(self.err(self.pos, "logical operators are written '&&' and '||'"));
        }
        let w = self.word();
        if w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or") {
            return Err(self.err(self.pos, format!("unexpected '{w}': logical operators are written '&&' and '||'")));
        }
        Ok(())
    }

    fn json_primary(&mut self) -> PResult<JsonExpr> {
        self.skip_ws();
        match self.peek() {
            Some('(') => {
                let open = self.pos;
                if self.depth >= MAX_DEPTH {
                    return Err(self.err(open, format!("parentheses nested more than {MAX_DEPTH} deep")));
                }
                self.bump();
                self.depth += 1;
                let e = self.json_or()?;
                self.depth -= 1;
                self.skip_ws();
                if !self.eat(")") {
                    return Err(self.err(
                        self.pos,
                        format!("expected ')' to close the '(' at position {open}, found {}", self.found()),
                    ));
                }
                Ok(e)
            }
            Some('$') => Ok(JsonExpr::Cond(self.json_cond()?)),
            _ => Err(self.err(
                self.pos,
                format!("expected a property selector such as $.eventType or '(', found {}", self.found()),
            )),
        }
    }

    fn json_cond(&mut self) -> PResult<JsonCond> {
        let sel_start = self.pos;
        let selector = self.selector()?;
        if selector.has_wildcard() {
            self.wildcards += 1;
            if self.wildcards > MAX_WILDCARDS {
                return Err(self.err(
                    sel_start,
                    format!("a filter pattern can contain at most {MAX_WILDCARDS} wildcard selectors"),
                ));
            }
        }
        if let Some(c) = self.peek().filter(|c| !c.is_whitespace() && !"=!<>)".contains(*c)) {
            return Err(self.err(
                self.pos,
                format!(
                    "Invalid character '{c}' in property selector: names may contain letters, digits, '-' and '_'; use $.['name'] for other names"
                ),
            ));
        }
        self.skip_ws();
        let kw_at = self.pos;
        let kw = self.word();
        let test = if kw.eq_ignore_ascii_case("IS") {
            self.pos += kw.len();
            self.skip_ws();
            let what_at = self.pos;
            let what = self.word();
            self.pos += what.len();
            match what.to_ascii_uppercase().as_str() {
                "TRUE" => JsonTest::IsTrue,
                "FALSE" => JsonTest::IsFalse,
                "NULL" => JsonTest::IsNull,
                "NOT" => {
                    return Err(self.err(
                        kw_at,
                        "IS NOT is not supported: CloudWatch supports IS TRUE, IS FALSE, IS NULL and NOT EXISTS",
                    ))
                }
                _ => {
                    self.pos = what_at;
                    return Err(self.err(what_at, format!("expected TRUE, FALSE or NULL after IS, found {}", self.found())));
                }
            }
        } else if kw.eq_ignore_ascii_case("NOT") {
            self.pos += kw.len();
            self.skip_ws();
            let what = self.word();
            if !what.eq_ignore_ascii_case("EXISTS") {
                return Err(self.err(self.pos, format!("expected EXISTS after NOT, found {}", self.found())));
            }
            self.pos += what.len();
            JsonTest::NotExists
        } else if kw.eq_ignore_ascii_case("EXISTS") {
            return Err(self.err(
                kw_at,
                "EXISTS is not supported: use NOT EXISTS, or a comparison such as = * to require the property",
            ));
        } else {
            let op = self.cmp_op().map_err(|mut e| {
                e.message = format!(
                    "expected =, !=, <, <=, >, >=, IS or NOT EXISTS after the property selector, found {}",
                    self.found()
                );
                e
            })?;
            JsonTest::Compare(op, self.value(op, ")&|")?)
        };
        if let Some(c) = self.peek().filter(|c| !c.is_whitespace() && !")&|".contains(*c)) {
            return Err(self.err(self.pos, format!("unexpected '{c}' after the condition")));
        }
        Ok(JsonCond { selector, test })
    }

    /// `$.name`, then `.name`, `.*`, `[n]`, `[*]`, `['name']` or `.['name']` any number of times.
    fn selector(&mut self) -> PResult<Selector> {
        let start = self.pos;
        if !self.eat("$.") {
            return Err(self.err(start, "property selectors start with '$.', as in $.eventType"));
        }
        let mut segments = vec![self.selector_member(start)?];
        loop {
            match self.peek() {
                Some('.') => {
                    self.bump();
                    segments.push(self.selector_member(start)?);
                }
                Some('[') => segments.push(self.selector_bracket()?),
                _ => break,
            }
        }
        let wildcards = segments.iter().filter(|s| matches!(s, Segment::Wildcard)).count();
        if wildcards > 1 {
            return Err(self.err(start, "a property selector can contain at most one wildcard selector"));
        }
        Ok(Selector { segments })
    }

    /// After a `.`: a name, `*` or `['name']`.
    fn selector_member(&mut self, sel_start: usize) -> PResult<Segment> {
        match self.peek() {
            Some('*') => {
                self.bump();
                Ok(Segment::Wildcard)
            }
            Some('[') => {
                let at = self.pos;
                match self.selector_bracket()? {
                    seg @ Segment::Field(_) => Ok(seg),
                    _ => Err(self.err(at, "an array index must follow a property name, as in $.users[0]")),
                }
            }
            _ => {
                let rest = self.rest();
                let n = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .unwrap_or(rest.len());
                if n == 0 {
                    let at = self.pos;
                    return Err(self.err(
                        at,
                        format!(
                            "expected a property name after '.' in the selector at position {sel_start}, found {}",
                            self.found()
                        ),
                    ));
                }
                let name = rest[..n].to_string();
                self.pos += n;
                Ok(Segment::Field(name))
            }
        }
    }

    /// `[n]`, `[*]` or `['name']` (or `["name"]`).
    fn selector_bracket(&mut self) -> PResult<Segment> {
        let open = self.pos;
        self.bump();
        let seg = match self.peek() {
            Some('*') => {
                self.bump();
                Segment::Wildcard
            }
            Some(q @ ('\'' | '"')) => {
                self.bump();
                let rest = self.rest();
                let Some(n) = rest.find(q) else {
                    return Err(self.err(open, format!("unterminated property name: expected a closing {q}")));
                };
                if n == 0 {
                    return Err(self.err(open, "empty property name in brackets"));
                }
                let name = rest[..n].to_string();
                self.pos += n + 1;
                Segment::Field(name)
            }
            Some(c) if c.is_ascii_digit() => {
                let rest = self.rest();
                let n = rest.bytes().take_while(u8::is_ascii_digit).count();
                let index = rest[..n]
                    .parse::<usize>()
                    .ok()
                    .filter(|_| n <= 9)
                    .ok_or_else(|| self.err(self.pos, "array index is too large"))?;
                self.pos += n;
                Segment::Index(index)
            }
            _ => {
                return Err(self.err(
                    self.pos,
                    format!(
                        "expected an array index, '*' or a quoted property name after '[', found {}",
                        self.found()
                    ),
                ))
            }
        };
        if !self.eat("]") {
            return Err(self.err(
                self.pos,
                format!("expected ']' to close the '[' at position {open}, found {}", self.found()),
            ));
        }
        Ok(seg)
    }

    // ----- space-delimited -----

    fn delimited_pattern(&mut self) -> PResult<Pattern> {
        if !self.src[..self.end].ends_with(']') {
            return Err(self.err(self.end, "If a filter pattern starts with '[' it must end with ']'"));
        }
        let open = self.pos;
        self.bump();
        self.end -= 1;
        let mut fields: Vec<DField> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        loop {
            self.skip_ws();
            if self.at_end() {
                if fields.is_empty() {
                    return Err(self.err(open, "empty space-delimited pattern: name at least one field, as in [w1, w2]"));
                }
                // The empty field after a trailing comma: an unnamed field, as in AWS's example
                // `[..., request=*.html*, status_code=4*,]`.
                fields.push(DField::Field { name: None, cond: None });
                break;
            }
            let field_at = self.pos;
            if self.eat("...") {
                fields.push(DField::Ellipsis);
            } else {
                let rest = self.rest();
                let n = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
                let name = &rest[..n];
                if n == 0 {
                    let msg = if self.peek() == Some(',') {
                        "empty field: name each field, as in [w1, w2], or use '...' for any number of fields".to_string()
                    } else {
                        format!("expected a field name or '...', found {}", self.found())
                    };
                    return Err(self.err(field_at, msg));
                }
                if !is_field_name(name) {
                    return Err(self.err(field_at, format!("field name '{name}' must start with a letter or '_'")));
                }
                if names.iter().any(|x| x == name) {
                    return Err(self.err(field_at, format!("duplicate field name '{name}'")));
                }
                let name = name.to_string();
                self.pos += n;
                names.push(name.clone());
                self.skip_ws();
                let cond = if self.at_end() || self.peek() == Some(',') {
                    None
                } else {
                    Some(self.d_or(&name)?)
                };
                fields.push(DField::Field { name: Some(name), cond });
            }
            self.skip_ws();
            if self.at_end() {
                break;
            }
            if !self.eat(",") {
                return Err(self.err(self.pos, format!("expected ',' or the closing ']', found {}", self.found())));
            }
        }
        Ok(Pattern::Delimited(fields))
    }

    fn d_or(&mut self, field: &str) -> PResult<DCond> {
        let mut items = vec![self.d_and(field, true)?];
        loop {
            self.skip_ws();
            if self.eat("||") {
                items.push(self.d_and(field, false)?);
            } else {
                break;
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { DCond::Or(items) })
    }

    fn d_and(&mut self, field: &str, first: bool) -> PResult<DCond> {
        let mut items = vec![self.d_cmp(field, first)?];
        loop {
            self.skip_ws();
            if self.eat("&&") {
                items.push(self.d_cmp(field, false)?);
            } else {
                self.check_single_logical()?;
                break;
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { DCond::And(items) })
    }

    /// `op value`, preceded by the field's name unless it is the field's first condition.
    fn d_cmp(&mut self, field: &str, first: bool) -> PResult<DCond> {
        if !first {
            self.skip_ws();
            let at = self.pos;
            let rest = self.rest();
            let n = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            let name = &rest[..n];
            if name.is_empty() {
                return Err(self.err(at, format!("expected '{field}' and a comparison, found {}", self.found())));
            }
            if name != field {
                return Err(self.err(
                    at,
                    format!(
                        "conditions joined with '&&' or '||' must all test the same field: expected '{field}', found '{name}' (separate fields with ',')"
                    ),
                ));
            }
            self.pos += n;
        }
        let op = self.cmp_op()?;
        let value = self.value(op, ",&|")?;
        self.skip_ws();
        if let Some(c) = self.peek().filter(|&c| c != ',' && c != '&' && c != '|') {
            return Err(self.err(self.pos, format!("unexpected '{c}' after the condition on '{field}'")));
        }
        Ok(DCond::Cmp(op, value))
    }
}

#[cfg(feature = "eval")]
fn build_regex(source: &str, translated: String, at: usize) -> PResult<AwsRegex> {
    let compiled = regex::RegexBuilder::new(&translated)
        .dot_matches_new_line(true)
        .build()
        .map_err(|e| FilterPatternError::new(at, format!("regular expression cannot be compiled: {e}")))?;
    Ok(AwsRegex {
        source: source.to_string(),
        translated,
        compiled,
    })
}

#[cfg(not(feature = "eval"))]
fn build_regex(source: &str, translated: String, _at: usize) -> PResult<AwsRegex> {
    Ok(AwsRegex {
        source: source.to_string(),
        translated,
    })
}
