//! The syntax tree of a Logs Insights query.
//!
//! It holds no spans so that `parse(format(q)) == parse(q)` can be compared with `==`: every
//! check that needs a location happens in the parser. Names of functions and commands are stored
//! in canonical casing (see [`crate::functions`]).

use crate::lexer::TimeUnit;
use serde::{Deserialize, Serialize};

/// A parsed query: an optional `SOURCE` clause and the commands in pipe order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Query {
    pub source: Option<Source>,
    pub commands: Vec<Command>,
}

/// The leading `SOURCE` clause: `SOURCE "group-a", "group-b"` or
/// `SOURCE logGroups(namePrefix: ["/aws/lambda"], class: "STANDARD", accountIdentifiers: [...])`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Source {
    pub names: Vec<String>,
    pub name_prefixes: Vec<String>,
    pub class: Option<String>,
    pub account_identifiers: Vec<String>,
}

/// `expr [as name]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    pub expr: Expr,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SortKey {
    pub expr: Expr,
    /// `None` when the query did not say (evaluated as ascending).
    pub order: Option<Order>,
}

/// The pattern of a `parse` command: the four modes of CWL_QuerySyntax-Parse (glob, regex,
/// logfmt, CSV) and its JSON field extraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ParsePattern {
    /// `"text * more *"` with the capture names after `as`.
    Glob { pattern: String, names: Vec<String> },
    /// `/regex/flags [as a, b] [multi]`. Without `as` the fields are the named groups; with
    /// `as`, the names are given to the capturing groups in order (named or not), one each.
    Regex {
        pattern: String,
        flags: String,
        names: Vec<String>,
        /// The names were given with `as` (the formatter writes them back).
        #[serde(default, skip_serializing_if = "is_false")]
        aliased: bool,
        /// `multi`: one result per match of the regex in the field.
        #[serde(default, skip_serializing_if = "is_false")]
        multi: bool,
    },
    /// `logfmt as alias`: the `key=value` pairs of the field as a map in `alias`.
    Logfmt { alias: String },
    /// `csv as a, b, ...`: the comma-separated values of the field, one per name.
    Csv { names: Vec<String> },
    /// `json field=name "key.subkey" as alias` (written as its own command, `json`): the value
    /// at a dotted path inside the JSON structure held by the field.
    Json { path: String, alias: String },
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl ParsePattern {
    /// The fields the mode defines, in order.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        match self {
            ParsePattern::Glob { names, .. } | ParsePattern::Regex { names, .. } | ParsePattern::Csv { names } => names.clone(),
            ParsePattern::Logfmt { alias } | ParsePattern::Json { alias, .. } => vec![alias.clone()],
        }
    }
}

/// The options of `addtotals` (CWL_QuerySyntax-Addtotals); the defaults are the page's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddTotals {
    /// The row-total column: `Total` unless `fieldname=` names another.
    pub fieldname: String,
    /// `row=`: add the row-total column (default true).
    pub row: bool,
    /// `col=`: add a summary row of column totals at the bottom (default false).
    pub col: bool,
    /// The fields to sum; empty means every numeric field.
    pub fields: Vec<String>,
}

impl Default for AddTotals {
    fn default() -> Self {
        AddTotals {
            fieldname: "Total".into(),
            row: true,
            col: false,
            fields: Vec::new(),
        }
    }
}

/// One pipe stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    Fields(Vec<Projection>),
    Display(Vec<String>),
    Filter(Expr),
    FilterIndex(Expr),
    Stats {
        aggregates: Vec<Projection>,
        by: Vec<Projection>,
        /// `... by bin(5m) offset 1h`: the bins shifted by this period (CWL_QuerySyntax-timeseries-functions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offset: Option<(u64, TimeUnit)>,
    },
    Sort(Vec<SortKey>),
    Limit(u64),
    /// `limit any n`: stop as soon as `n` events match, in no particular order (CWL_QuerySyntax-Limit).
    LimitAny(u64),
    Parse {
        field: String,
        pattern: ParsePattern,
    },
    Dedup(Vec<String>),
    Unmask(String),
    Unnest {
        field: String,
        into: String,
    },
    /// `pattern expr`: clusters the values of `expr` (usually `@message`) into patterns.
    Pattern(Expr),
    /// `diff [previousDay|previousWeek|previousMonth]`: the patterns of the query range
    /// compared with an earlier period of equal length.
    Diff(DiffPeriod),
    /// `addtotals [fieldname=Name] [row=bool] [col=bool] [field, ...]` (CWL_QuerySyntax-Addtotals):
    /// a row-total column (`fieldname`, default `Total`) and with `col=true` a summary row.
    AddTotals(AddTotals),
    /// A command that parses but that the local engine cannot run (`anomaly`, `lookup`,
    /// `join`): its name and the source text of its argument tokens.
    Unsupported {
        name: String,
        args: Vec<String>,
    },
}

impl Command {
    /// The canonical command name.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Command::Fields(_) => "fields",
            Command::Display(_) => "display",
            Command::Filter(_) => "filter",
            Command::FilterIndex(_) => "filterIndex",
            Command::Stats { .. } => "stats",
            Command::Sort(_) => "sort",
            Command::Limit(_) | Command::LimitAny(_) => "limit",
            Command::Parse {
                pattern: ParsePattern::Json { .. },
                ..
            } => "json",
            Command::Parse { .. } => "parse",
            Command::Dedup(_) => "dedup",
            Command::Unmask(_) => "unmask",
            Command::Unnest { .. } => "unnest",
            Command::Pattern(_) => "pattern",
            Command::Diff(_) => "diff",
            Command::AddTotals(_) => "addtotals",
            Command::Unsupported { name, .. } => name,
        }
    }
}

/// The earlier period `diff` compares with (CWL_QuerySyntax-Diff): the range just before the
/// query's (`diff`), or the same range one day, week or calendar month earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffPeriod {
    PreviousPeriod,
    PreviousDay,
    PreviousWeek,
    PreviousMonth,
}

impl DiffPeriod {
    /// The modifier as written after `diff` (`None` for the immediately preceding range).
    #[must_use]
    pub fn modifier(self) -> Option<&'static str> {
        match self {
            DiffPeriod::PreviousPeriod => None,
            DiffPeriod::PreviousDay => Some("previousDay"),
            DiffPeriod::PreviousWeek => Some("previousWeek"),
            DiffPeriod::PreviousMonth => Some("previousMonth"),
        }
    }

    /// Every modifier `diff` accepts, in canonical casing.
    pub const MODIFIERS: [&'static str; 3] = ["previousDay", "previousWeek", "previousMonth"];
}

/// The columns `pattern` returns, in the order CWL_QuerySyntax-Pattern lists them.
pub const PATTERN_COLUMNS: [&str; 4] = ["@pattern", "@ratio", "@sampleCount", "@severityLabel"];

/// The columns `diff` returns. AWS documents that a comparison returns patterns but not its
/// columns; these are the pattern columns of the query range plus the earlier period's count and
/// ratio, the change in count, and `@changeType` (`new`, `gone`, `increased`, `decreased`,
/// `unchanged`).
pub const DIFF_COLUMNS: [&str; 8] = [
    "@pattern",
    "@ratio",
    "@sampleCount",
    "@severityLabel",
    "@previousSampleCount",
    "@previousRatio",
    "@changeInSampleCount",
    "@changeType",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    NotLike,
    /// `=~`
    Match,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

impl BinaryOp {
    /// Binding strength; higher binds tighter.
    #[must_use]
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Like
            | BinaryOp::NotLike
            | BinaryOp::Match => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 6,
            BinaryOp::Pow => 7,
        }
    }

    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Like => "like",
            BinaryOp::NotLike => "not like",
            BinaryOp::Match => "=~",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
        }
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    Field(String),
    Str(String),
    Num(f64),
    Duration(u64, TimeUnit),
    Regex {
        pattern: String,
        flags: String,
    },
    List(Vec<Expr>),
    /// An unsubstituted `{{name}}` parameter.
    Param(String),
    /// `*` as in `count(*)`.
    Star,
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    In {
        expr: Box<Expr>,
        list: Box<Expr>,
        negated: bool,
    },
    /// A function call; `name` in canonical casing.
    Call {
        name: String,
        args: Vec<Expr>,
    },
    /// An element of a structure (CWL_QuerySyntax-operations-functions, "Structure types"):
    /// `list[0]`, or a map value whose key a dotted name cannot spell, `` map.`a.b` ``
    /// (`Index(map, Str("a.b"))`). A plain `map.key` stays a dotted [`Expr::Field`].
    Index(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Calls `f` on this expression and every sub-expression.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::List(items) | Expr::Call { args: items, .. } => items.iter().for_each(|e| e.walk(f)),
            Expr::Unary(_, e) => e.walk(f),
            Expr::Binary(_, l, r) => {
                l.walk(f);
                r.walk(f);
            }
            Expr::In { expr, list, .. } | Expr::Index(expr, list) => {
                expr.walk(f);
                list.walk(f);
            }
            _ => {}
        }
    }

    /// Field names the expression reads.
    #[must_use]
    pub fn fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Field(n) = e {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
        });
        out
    }
}
