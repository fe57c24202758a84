//! The parsed form of a filter pattern. Private to the module: callers see [`super::FilterPattern`].

/// One filter pattern, by kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Pattern {
    /// The empty (or all-whitespace) pattern: matches every event.
    All,
    /// Unstructured terms: words and quoted phrases, each required, excluded (`-`) or optional (`?`).
    Terms(Vec<Term>),
    /// A standalone `%regex%`.
    Regex(AwsRegex),
    /// `{ ... }`: conditions on the properties of a JSON event.
    Json(JsonExpr),
    /// `[ ... ]`: the fields of a space-delimited event.
    Delimited(Vec<DField>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermKind {
    Required,
    Excluded,
    Optional,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    pub kind: TermKind,
    /// The text to find (a quoted phrase without its quotes, escapes resolved).
    pub text: String,
}

impl Term {
    /// AWS documents `" "` as "match everything": a quoted phrase of only whitespace is present in
    /// every event.
    #[cfg(feature = "eval")]
    pub fn matches_everything(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A regular expression in AWS's restricted syntax, with its translation to `regex` syntax.
#[derive(Debug, Clone)]
pub(crate) struct AwsRegex {
    /// The text between the `%` signs, as written.
    #[allow(dead_code, reason = "kept for Debug output")]
    pub source: String,
    /// The same expression in the syntax of the `regex` crate (ASCII only, always valid).
    pub translated: String,
    #[cfg(feature = "eval")]
    pub compiled: regex::Regex,
}

/// Two regexes are equal when they mean the same (`a{3, 5}` and `a{3,5}` are).
impl PartialEq for AwsRegex {
    fn eq(&self, other: &Self) -> bool {
        self.translated == other.translated
    }
}

/// `a || b`, `a && b` or one condition; `&&` binds tighter than `||`, parentheses group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonExpr {
    Or(Vec<JsonExpr>),
    And(Vec<JsonExpr>),
    Cond(JsonCond),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonCond {
    pub selector: Selector,
    pub test: JsonTest,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonTest {
    Compare(CmpOp, Value),
    IsTrue,
    IsFalse,
    IsNull,
    NotExists,
}

/// A property selector such as `$.a.b[0]`, `$.arrayKey[*]` or `$.['cluster.name']`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selector {
    pub segments: Vec<Segment>,
}

impl Selector {
    pub fn has_wildcard(&self) -> bool {
        self.segments.iter().any(|s| matches!(s, Segment::Wildcard))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    Field(String),
    Index(usize),
    /// `*` or `[*]`: every field of an object or every element of an array.
    Wildcard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn is_numeric_only(self) -> bool {
        matches!(self, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// An unquoted number (`400`, `-1.5`, `1e+3`): compares numerically with numbers.
    Number(NumLit),
    /// A quoted or unquoted string, `*` allowed at either end.
    Text(Glob),
    /// `%regex%`: matches when the regex matches anywhere in the value.
    Regex(AwsRegex),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumLit {
    pub value: f64,
    /// The exact value when the literal is a whole number that fits, so large integers compare
    /// exactly.
    pub int: Option<i128>,
}

/// A string with an optional `*` wildcard at its start and/or end. A `*` anywhere else is a
/// literal asterisk, as the AWS documentation says (`Ev*ent` only matches the string `Ev*ent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    pub leading: bool,
    pub core: String,
    pub trailing: bool,
}

impl Glob {
    pub fn new(text: &str) -> Glob {
        let (leading, rest) = match text.strip_prefix('*') {
            Some(r) => (true, r),
            None => (false, text),
        };
        let (trailing, core) = match rest.strip_suffix('*') {
            Some(c) => (true, c),
            None => (false, rest),
        };
        Glob {
            leading,
            core: core.to_string(),
            trailing,
        }
    }

    #[cfg(feature = "eval")]
    pub fn matches(&self, s: &str) -> bool {
        match (self.leading, self.trailing) {
            (false, false) => s == self.core,
            (true, false) => s.ends_with(&self.core),
            (false, true) => s.starts_with(&self.core),
            (true, true) => s.contains(&self.core),
        }
    }
}

/// One field of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DField {
    /// `...`: any number of fields (zero or more).
    Ellipsis,
    /// A named field, optionally with conditions; `name` is `None` only for the empty field
    /// after a trailing comma.
    Field { name: Option<String>, cond: Option<DCond> },
}

/// Conditions on one space-delimited field: `status_code = 404 || status_code = 410`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DCond {
    Or(Vec<DCond>),
    And(Vec<DCond>),
    Cmp(CmpOp, Value),
}
