//! Values and CloudWatch-style coercion.
//!
//! JSON fields arrive as strings, numbers or booleans; a missing field is [`Value::Null`].
//! Comparisons and arithmetic coerce like CloudWatch: a string that reads as a number compares
//! numerically with a number; a comparison with a missing field is false; arithmetic with a
//! non-number yields a missing value.

use super::time::format_millis;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value<'a> {
    #[default]
    Null,
    Str(Cow<'a, str>),
    Num(f64),
    Bool(bool),
    /// Epoch milliseconds, displayed as `YYYY-MM-DD HH:MM:SS.mmm`.
    Time(i64),
    /// A structure (`MAP` or `LIST`, an object or array) from `jsonParse`, shown as JSON
    /// (CWL_QuerySyntax-operations-functions, "Structure types"). Never a scalar.
    Json(Arc<serde_json::Value>),
}

impl<'a> Value<'a> {
    pub fn str(s: &'a str) -> Self {
        Value::Str(Cow::Borrowed(s))
    }

    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Num(n) => Value::Num(n),
            Value::Bool(b) => Value::Bool(b),
            Value::Time(t) => Value::Time(t),
            Value::Json(j) => Value::Json(j),
        }
    }

    /// A JSON value as a query value: scalars as strings, numbers and booleans; objects and
    /// arrays as structures.
    pub fn from_json(j: serde_json::Value) -> Value<'static> {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => n.as_f64().map_or(Value::Null, Value::Num),
            serde_json::Value::String(s) => Value::Str(Cow::Owned(s)),
            other => Value::Json(Arc::new(other)),
        }
    }

    pub fn to_owned_value(&self) -> Value<'static> {
        self.clone().into_owned()
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as a number, if it is one or reads as one.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Time(t) => Some(*t as f64),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Value::Str(s) => parse_num(s),
            Value::Null | Value::Json(_) => None,
        }
    }

    /// The value as epoch milliseconds (timestamps, or numbers taken as epoch ms).
    pub fn as_millis(&self) -> Option<i64> {
        match self {
            Value::Time(t) => Some(*t),
            Value::Num(n) => Some(*n as i64),
            Value::Str(s) => parse_num(s)
                .map(|n| n as i64)
                .or_else(|| super::time::parse_iso8601_prefix(s).map(|x| x.0)),
            _ => None,
        }
    }

    /// Truth in a `filter`: booleans as they are, numbers non-zero, strings non-empty.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0,
            Value::Time(_) | Value::Json(_) => true,
            Value::Str(s) => !s.is_empty(),
        }
    }

    /// Text of the value; `None` when missing.
    pub fn display(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Str(s) => Some(s.to_string()),
            Value::Num(n) => Some(format_num(*n)),
            // CloudWatch shows the results of comparisons and of `isempty`, `ispresent`, ...
            // as 1 and 0 (CWL_QuerySyntax-operations-functions: "returns 1 if ..., 0 otherwise").
            Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
            Value::Time(t) => Some(format_millis(*t)),
            Value::Json(j) => Some(j.to_string()),
        }
    }

    /// String view used by string functions and string comparison.
    pub fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::Str(s) => Some(Cow::Borrowed(s.as_ref())),
            Value::Null => None,
            other => other.display().map(Cow::Owned),
        }
    }
}

pub fn parse_num(s: &str) -> Option<f64> {
    let t = s.trim();
    let b = t.as_bytes();
    let first = *b.first()?;
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

pub fn format_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Equality with coercion; `None` if either side is missing.
pub fn loose_eq(a: &Value<'_>, b: &Value<'_>) -> Option<bool> {
    if a.is_null() || b.is_null() {
        return None;
    }
    Some(loose_cmp(a, b) == Some(Ordering::Equal))
}

/// Ordering with coercion: numerically when both read as numbers (and at least one is not a
/// plain string, or both strings are numeric), else as text. `None` if either side is missing.
pub fn loose_cmp(a: &Value<'_>, b: &Value<'_>) -> Option<Ordering> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Str(x), Value::Str(y)) => {
            if x == y {
                return Some(Ordering::Equal);
            }
            match (parse_num(x), parse_num(y)) {
                (Some(p), Some(q)) => p.partial_cmp(&q),
                _ => Some(x.as_ref().cmp(y.as_ref())),
            }
        }
        (Value::Time(x), Value::Str(s)) => super::time::parse_iso8601_prefix(s)
            .map(|(t, _)| x.cmp(&t))
            .or_else(|| parse_num(s).and_then(|n| (*x as f64).partial_cmp(&n))),
        (Value::Str(s), Value::Time(y)) => super::time::parse_iso8601_prefix(s)
            .map(|(t, _)| t.cmp(y))
            .or_else(|| parse_num(s).and_then(|n| n.partial_cmp(&(*y as f64)))),
        _ => match (a.as_num(), b.as_num()) {
            (Some(p), Some(q)) => p.partial_cmp(&q),
            _ => {
                let (x, y) = (a.as_text()?, b.as_text()?);
                Some(x.cmp(&y))
            }
        },
    }
}

/// The total order of `sort` (and of `sortsFirst`/`sortsLast` and `stats` rows), as the Sort
/// page (CWL_QuerySyntax-Sort) defines ascending order: every non-number before every number;
/// numbers numerically; other text compared chunk by chunk, a chunk being a run of digits or a
/// run of other characters, digit runs by length and then value (`b9 < b10`), other runs by
/// Unicode code point. Missing values sort last, in either direction.
pub fn sort_cmp(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    match (a.as_num(), b.as_num()) {
        // Equal numbers written differently (`01` and `1`) keep the page's order: `01` first.
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.as_text().cmp(&b.as_text())),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => match (a.as_text(), b.as_text()) {
            (Some(x), Some(y)) => natural_cmp(&x, &y),
            (x, y) => x.cmp(&y),
        },
    }
}

/// Chunk-wise comparison of two texts (see [`sort_cmp`]).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a, b);
    loop {
        let (Some(cx), Some(cy)) = (x.chars().next(), y.chars().next()) else {
            return x.len().cmp(&y.len());
        };
        let (dx, dy) = (cx.is_ascii_digit(), cy.is_ascii_digit());
        if dx != dy {
            // A digit run against other text: by the first characters' code points.
            return cx.cmp(&cy);
        }
        let run = |s: &str| s.find(|c: char| c.is_ascii_digit() != dx).unwrap_or(s.len());
        let (nx, ny) = (run(x), run(y));
        let o = if dx {
            nx.cmp(&ny).then_with(|| x[..nx].cmp(&y[..ny]))
        } else {
            x[..nx].cmp(&y[..ny])
        };
        if o != Ordering::Equal {
            return o;
        }
        x = &x[nx..];
        y = &y[ny..];
    }
}
