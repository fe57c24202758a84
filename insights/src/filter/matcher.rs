//! Matching filter patterns against log event messages (feature `eval`).

use super::ast::{AwsRegex, CmpOp, DCond, DField, JsonCond, JsonExpr, JsonTest, NumLit, Pattern, Segment, Selector, Term, TermKind, Value};
use super::parse::{metric_selector, parse_number, MetricSelector};
use serde_json::Value as Json;
use std::cmp::Ordering;

pub(crate) fn matches(pattern: &Pattern, message: &str) -> bool {
    match pattern {
        Pattern::All => true,
        Pattern::Terms(terms) => terms_match(terms, message),
        Pattern::Regex(re) => re.compiled.is_match(message),
        Pattern::Json(expr) => json_root(message).is_some_and(|root| json_eval(expr, &root)),
        Pattern::Delimited(fields) => bind(fields, message).is_some(),
    }
}

pub(crate) fn metric_value(pattern: &Pattern, message: &str, selector: &str) -> Option<f64> {
    extract(pattern, message, selector).filter(|v| v.is_finite())
}

fn extract(pattern: &Pattern, message: &str, selector: &str) -> Option<f64> {
    let sel = metric_selector(selector)?;
    match (pattern, sel) {
        (_, MetricSelector::Number(n)) => matches(pattern, message).then_some(n),
        (Pattern::Json(expr), MetricSelector::Json(sel)) => {
            if sel.has_wildcard() {
                return None;
            }
            let root = json_root(message)?;
            if !json_eval(expr, &root) {
                return None;
            }
            match resolve(&root, &sel).first()? {
                Json::Number(n) => n.as_f64(),
                Json::String(s) => parse_number(s).map(|n| n.value),
                _ => None,
            }
        }
        (Pattern::Delimited(fields), MetricSelector::Field(name)) => {
            let b = bind(fields, message)?;
            let i = fields
                .iter()
                .position(|f| matches!(f, DField::Field { name: Some(n), .. } if *n == name))?;
            let v = b.values.get(i).copied().flatten()?;
            parse_number(v).map(|n| n.value)
        }
        (Pattern::Delimited(fields), MetricSelector::Position(n)) => {
            let b = bind(fields, message)?;
            let v = b.tokens.get(n - 1)?.value;
            parse_number(v).map(|n| n.value)
        }
        _ => None,
    }
}

// ----- unstructured terms -----

/// Every required term present and no excluded one; `?` terms count only in a pattern made of
/// nothing else ("If you combine '?' with other filter patterns, all question mark terms will
/// be ignored"). Terms match case-sensitively anywhere in the message.
fn terms_match(terms: &[Term], message: &str) -> bool {
    let has = |t: &Term| t.matches_everything() || message.contains(t.text.as_str());
    let mut optional_only = true;
    for t in terms {
        match t.kind {
            TermKind::Required if !has(t) => return false,
            TermKind::Excluded if has(t) => return false,
            TermKind::Optional => {}
            _ => optional_only = false,
        }
    }
    !optional_only || terms.iter().any(has)
}

// ----- comparisons -----

fn regex_match(re: &AwsRegex, s: &str) -> bool {
    re.compiled.is_match(s)
}

fn num_cmp(a: f64, a_int: Option<i128>, op: CmpOp, b: &NumLit) -> bool {
    let ord = match (a_int, b.int) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.partial_cmp(&b.value),
    };
    let Some(ord) = ord else { return op == CmpOp::Ne };
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// `text op value` for a string (a space-delimited field or a JSON string). A number compares
/// numerically when the text reads as a number; otherwise only `!=` holds.
fn text_cmp(text: &str, op: CmpOp, value: &Value) -> bool {
    let eq = match value {
        Value::Number(n) => {
            return match parse_number(text) {
                Some(t) => num_cmp(t.value, t.int, op, n),
                None => op == CmpOp::Ne,
            }
        }
        Value::Text(g) => g.matches(text),
        Value::Regex(re) => regex_match(re, text),
    };
    match op {
        CmpOp::Eq => eq,
        CmpOp::Ne => !eq,
        // The parser only accepts numbers after <, <=, > and >=.
        _ => false,
    }
}

// ----- JSON -----

/// The message as a JSON object; anything else never matches a JSON pattern.
fn json_root(message: &str) -> Option<Json> {
    if !message.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str::<Json>(message).ok().filter(Json::is_object)
}

fn json_eval(expr: &JsonExpr, root: &Json) -> bool {
    match expr {
        JsonExpr::Or(items) => items.iter().any(|e| json_eval(e, root)),
        JsonExpr::And(items) => items.iter().all(|e| json_eval(e, root)),
        JsonExpr::Cond(c) => json_cond(c, root),
    }
}

/// The nodes a selector names (several only through a wildcard).
fn resolve<'j>(root: &'j Json, sel: &Selector) -> Vec<&'j Json> {
    let mut cur = vec![root];
    for seg in &sel.segments {
        let mut next = Vec::new();
        for v in cur {
            match (seg, v) {
                (Segment::Field(name), Json::Object(m)) => next.extend(m.get(name)),
                (Segment::Index(i), Json::Array(a)) => next.extend(a.get(*i)),
                (Segment::Wildcard, Json::Object(m)) => next.extend(m.values()),
                (Segment::Wildcard, Json::Array(a)) => next.extend(a.iter()),
                _ => {}
            }
        }
        if next.is_empty() {
            return next;
        }
        cur = next;
    }
    cur
}

/// With a wildcard selector a condition holds when it holds for any selected node. A missing
/// property, `null`, a boolean, an object or an array never satisfies a comparison (`=` or `!=`).
fn json_cond(c: &JsonCond, root: &Json) -> bool {
    let nodes = resolve(root, &c.selector);
    match &c.test {
        JsonTest::NotExists => nodes.is_empty(),
        JsonTest::IsNull => nodes.iter().any(|n| n.is_null()),
        JsonTest::IsTrue => nodes.iter().any(|n| n.as_bool() == Some(true)),
        JsonTest::IsFalse => nodes.iter().any(|n| n.as_bool() == Some(false)),
        JsonTest::Compare(op, value) => nodes.iter().any(|n| json_cmp(n, *op, value)),
    }
}

fn json_cmp(node: &Json, op: CmpOp, value: &Value) -> bool {
    match node {
        Json::String(s) => text_cmp(s, op, value),
        Json::Number(n) => match value {
            Value::Number(lit) => {
                let int = n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from));
                n.as_f64().is_some_and(|f| num_cmp(f, int, op, lit))
            }
            // Strings and regexes compare with the number as written in the event.
            _ => text_cmp(&n.to_string(), op, value),
        },
        _ => false,
    }
}

// ----- space-delimited -----

/// One field of a space-delimited event: a run of non-blank characters, or the text inside a
/// `[...]` or `"..."` pair, which counts as one field.
#[derive(Debug, Clone, Copy)]
struct Token<'m> {
    start: usize,
    value: &'m str,
}

fn tokenize(message: &str) -> Vec<Token<'_>> {
    let b = message.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let close = match b[i] {
            b'[' => Some(b']'),
            b'"' => Some(b'"'),
            _ => None,
        };
        if let Some(close) = close {
            if let Some(len) = b[i + 1..].iter().position(|&c| c == close) {
                out.push(Token {
                    start,
                    value: &message[i + 1..i + 1 + len],
                });
                i += len + 2;
                continue;
            }
        }
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        out.push(Token {
            start,
            value: &message[start..i],
        });
    }
    out
}

/// How a matching event lines up with the pattern.
struct Binding<'m> {
    tokens: Vec<Token<'m>>,
    /// The value of each pattern field (`None` for `...`).
    values: Vec<Option<&'m str>>,
}

fn field_ok(field: &DField, value: &str) -> bool {
    match field {
        DField::Field { cond: Some(c), .. } => dcond(c, value),
        _ => true,
    }
}

fn dcond(c: &DCond, value: &str) -> bool {
    match c {
        DCond::Or(items) => items.iter().any(|c| dcond(c, value)),
        DCond::And(items) => items.iter().all(|c| dcond(c, value)),
        DCond::Cmp(op, v) => text_cmp(value, *op, v),
    }
}

/// Lines the event's fields up with the pattern's and checks every condition.
///
/// Without `...`, the pattern's fields take the event's fields in order and the last one takes
/// the rest of the line (AWS: `[w1=ERROR, w2]` matches any event whose first word is ERROR). With
/// `...`, the fields before the first `...` are anchored at the start, those after the last at
/// the end, and each group in between is placed at its leftmost fitting position (which finds a
/// match whenever one exists, as in glob matching).
fn bind<'m>(fields: &[DField], message: &'m str) -> Option<Binding<'m>> {
    let tokens = tokenize(message);
    let mut values: Vec<Option<&'m str>> = vec![None; fields.len()];
    let groups: Vec<(usize, usize)> = {
        // Ranges of pattern-field indexes between ellipses.
        let mut g = Vec::new();
        let mut start = 0;
        for (i, f) in fields.iter().enumerate() {
            if matches!(f, DField::Ellipsis) {
                g.push((start, i));
                start = i + 1;
            }
        }
        g.push((start, fields.len()));
        g
    };
    let n = tokens.len();
    if groups.len() == 1 {
        let k = fields.len();
        if n < k || k == 0 {
            return None;
        }
        for (i, field) in fields.iter().enumerate() {
            let v = if i + 1 == k && n > k {
                message[tokens[i].start..].trim_end()
            } else {
                tokens[i].value
            };
            if !field_ok(field, v) {
                return None;
            }
            values[i] = Some(v);
        }
        return Some(Binding { tokens, values });
    }
    let needed: usize = groups.iter().map(|&(a, b)| b - a).sum();
    if n < needed {
        return None;
    }
    let fits = |(a, b): (usize, usize), at: usize| (a..b).all(|i| field_ok(&fields[i], tokens[at + i - a].value));
    let first = groups[0];
    let last = groups[groups.len() - 1];
    let last_at = n - (last.1 - last.0);
    if !fits(first, 0) || !fits(last, last_at) {
        return None;
    }
    let mut placements = vec![(first, 0), (last, last_at)];
    let mut cursor = first.1 - first.0;
    for &g in &groups[1..groups.len() - 1] {
        let len = g.1 - g.0;
        let at = (cursor..=last_at.checked_sub(len)?).find(|&at| fits(g, at))?;
        placements.push((g, at));
        cursor = at + len;
    }
    for ((a, b), at) in placements {
        for i in a..b {
            values[i] = Some(tokens[at + i - a].value);
        }
    }
    Some(Binding { tokens, values })
}
