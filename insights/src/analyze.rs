//! Analyzer: what a query reads, produces and returns, and how its results combine.
//!
//! The data source uses it to fetch only the fields a query needs, to split a long time range
//! into slices (to pass the 10,000-row cap, or to refresh incrementally) and merge the slices'
//! results, and to know which log groups `SOURCE` names. The evaluator uses it for output columns.

use crate::ast::{Command, Expr, Query, DIFF_COLUMNS, PATTERN_COLUMNS};
use crate::parser::output_name;
use serde::{Deserialize, Serialize};

/// How per-slice results of a query can be combined into the result for the whole range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Merge {
    /// No aggregation: concatenate the slices' rows, then sort and limit again.
    Concatenate,
    /// One `stats` whose every column combines: group by `key` columns and fold each other column.
    Combine(Vec<(String, Combine)>),
    /// `stats ... by bin(p)`: every group lies inside one slice when slices start and end on
    /// multiples of `period_ms`, so slices' rows are simply concatenated (then sorted/limited).
    AlignedBins { period_ms: i64 },
    /// Results cannot be merged; run the query over the whole range.
    No { reason: String },
}

/// How one output column of a `stats` folds across slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Combine {
    /// A group-by key.
    Key,
    Sum,
    Min,
    Max,
    /// The value of the earliest slice (`earliest`).
    FirstSlice,
    /// The value of the latest slice (`latest`).
    LastSlice,
}

/// Facts about a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Fields read from the log events (before any `stats`), in order of first use.
    pub fields_read: Vec<String>,
    /// Fields created by commands (`as` aliases, `parse` captures, `stats` outputs, ...).
    pub fields_produced: Vec<String>,
    /// The columns of the result, in order.
    pub output_fields: Vec<String>,
    /// True if the query has a `stats` command, or clusters events with `pattern` or `diff`.
    pub aggregates: bool,
    pub merge: Merge,
    /// Log group names from `SOURCE`.
    pub log_groups: Vec<String>,
    /// Log group name prefixes from `SOURCE logGroups(namePrefix: [...])`.
    pub log_group_prefixes: Vec<String>,
    /// Commands the local engine cannot run.
    pub unsupported_commands: Vec<String>,
    /// Unsubstituted `{{name}}` parameters.
    pub parameters: Vec<String>,
}

fn push(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// `n` was defined by the query: itself, or `m.key` inside a structure `m` the query made
/// (`jsonParse`, `parse ... logfmt as m`).
fn is_defined(defined: &[String], n: &str) -> bool {
    defined
        .iter()
        .any(|d| n == d || (n.len() > d.len() && n.starts_with(d.as_str()) && n.as_bytes()[d.len()] == b'.'))
}

fn uses_timestamp(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if let Expr::Call { name, .. } = x {
            if matches!(name.as_str(), "bin" | "earliest" | "latest") {
                found = true;
            }
        }
    });
    found
}

/// Analyzes a parsed query.
#[must_use]
pub fn analyze(q: &Query) -> Analysis {
    let mut read = Vec::new();
    let mut produced = Vec::new();
    let mut defined: Vec<String> = Vec::new();
    let mut params = Vec::new();
    let mut stats_seen = false;
    let mut unsupported = Vec::new();
    let mut read_expr = |e: &Expr, defined: &[String], stats_seen: bool, read: &mut Vec<String>| {
        e.walk(&mut |x| match x {
            Expr::Field(n) if !stats_seen && !is_defined(defined, n) => push(read, n),
            Expr::Param(p) => push(&mut params, p),
            _ => {}
        });
        if !stats_seen && uses_timestamp(e) && !defined.iter().any(|d| d == "@timestamp") {
            push(read, "@timestamp");
        }
    };
    for c in &q.commands {
        match c {
            Command::Fields(ps) => {
                for p in ps {
                    read_expr(&p.expr, &defined, stats_seen, &mut read);
                    if p.alias.is_some() || !matches!(p.expr, Expr::Field(_)) {
                        let n = output_name(p);
                        push(&mut produced, &n);
                        push(&mut defined, &n);
                    }
                }
            }
            Command::Display(names) | Command::Dedup(names) => {
                for n in names {
                    read_expr(&Expr::Field(n.clone()), &defined, stats_seen, &mut read);
                }
            }
            Command::Filter(e) | Command::FilterIndex(e) => read_expr(e, &defined, stats_seen, &mut read),
            Command::Stats { aggregates, by, .. } => {
                for p in aggregates.iter().chain(by) {
                    read_expr(&p.expr, &defined, stats_seen, &mut read);
                }
                stats_seen = true;
                defined.clear();
                for p in by.iter().chain(aggregates) {
                    let n = output_name(p);
                    push(&mut produced, &n);
                    push(&mut defined, &n);
                }
            }
            Command::Sort(keys) => {
                for k in keys {
                    read_expr(&k.expr, &defined, stats_seen, &mut read);
                }
            }
            Command::Limit(_) | Command::LimitAny(_) => {}
            Command::Parse { field, pattern } => {
                read_expr(&Expr::Field(field.clone()), &defined, stats_seen, &mut read);
                for n in pattern.names() {
                    push(&mut produced, &n);
                    push(&mut defined, &n);
                }
            }
            Command::Unmask(f) => read_expr(&Expr::Field(f.clone()), &defined, stats_seen, &mut read),
            Command::Unnest { field, into } => {
                read_expr(&Expr::Field(field.clone()), &defined, stats_seen, &mut read);
                push(&mut produced, into);
                push(&mut defined, into);
            }
            Command::Pattern(_) | Command::Diff(_) => {
                let columns: &[&str] = match c {
                    Command::Pattern(e) => {
                        read_expr(e, &defined, stats_seen, &mut read);
                        &PATTERN_COLUMNS
                    }
                    _ => {
                        if !defined.iter().any(|d| d == "@pattern") {
                            read_expr(&Expr::Field("@message".into()), &defined, stats_seen, &mut read);
                        }
                        &DIFF_COLUMNS
                    }
                };
                stats_seen = true;
                defined.clear();
                for n in columns {
                    push(&mut produced, n);
                    push(&mut defined, n);
                }
            }
            Command::AddTotals(t) => {
                for f in &t.fields {
                    read_expr(&Expr::Field(f.clone()), &defined, stats_seen, &mut read);
                }
                if t.row {
                    push(&mut produced, &t.fieldname);
                    push(&mut defined, &t.fieldname);
                }
            }
            Command::Unsupported { name, .. } => push(&mut unsupported, name),
        }
    }
    let (log_groups, log_group_prefixes) = q
        .source
        .as_ref()
        .map_or((Vec::new(), Vec::new()), |s| (s.names.clone(), s.name_prefixes.clone()));
    Analysis {
        fields_read: read,
        fields_produced: produced,
        output_fields: output_fields(q),
        aggregates: q
            .commands
            .iter()
            .any(|c| matches!(c, Command::Stats { .. } | Command::Pattern(_) | Command::Diff(_))),
        merge: merge(q, &unsupported),
        log_groups,
        log_group_prefixes,
        unsupported_commands: unsupported,
        parameters: params,
    }
}

/// The result columns of a query. Several `fields` commands add up; `display` and `stats`
/// replace; without any of them the result shows `@timestamp`, `@message` and parsed fields.
#[must_use]
pub fn output_fields(q: &Query) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    let mut explicit = false;
    let mut extra: Vec<String> = Vec::new();
    for c in &q.commands {
        match c {
            Command::Fields(ps) => {
                if !explicit {
                    cols.clear();
                    explicit = true;
                }
                for p in ps {
                    push(&mut cols, &output_name(p));
                }
            }
            Command::Display(names) => {
                cols = names.clone();
                explicit = true;
            }
            Command::Stats { aggregates, by, .. } => {
                cols = by.iter().chain(aggregates).map(output_name).collect();
                explicit = true;
            }
            Command::Pattern(_) => {
                cols = PATTERN_COLUMNS.iter().map(|c| (*c).to_string()).collect();
                explicit = true;
            }
            Command::Diff(_) => {
                cols = DIFF_COLUMNS.iter().map(|c| (*c).to_string()).collect();
                explicit = true;
            }
            Command::Parse { pattern, .. } if !explicit => {
                for n in pattern.names() {
                    push(&mut extra, &n);
                }
            }
            Command::Unnest { into, .. } => {
                if explicit {
                    push(&mut cols, into);
                } else {
                    push(&mut extra, into);
                }
            }
            _ => {}
        }
    }
    if !explicit {
        cols = vec!["@timestamp".into(), "@message".into()];
        for e in extra {
            push(&mut cols, &e);
        }
    }
    // CWL_QuerySyntax-Addtotals: the row totals are a column of their own, shown last.
    for c in &q.commands {
        if let Command::AddTotals(t) = c {
            if t.row {
                push(&mut cols, &t.fieldname);
            }
        }
    }
    cols
}

fn merge(q: &Query, unsupported: &[String]) -> Merge {
    if let Some(u) = unsupported.first() {
        return Merge::No {
            reason: format!("`{u}` is not supported by the local engine"),
        };
    }
    if q.commands.iter().any(|c| matches!(c, Command::AddTotals(_))) {
        return Merge::No {
            reason: "`addtotals` totals the whole result".into(),
        };
    }
    if let Some(c) = q.commands.iter().find(|c| matches!(c, Command::Pattern(_) | Command::Diff(_))) {
        return Merge::No {
            reason: format!("`{}` clusters all events of the range at once", c.name()),
        };
    }
    let stats: Vec<usize> = q
        .commands
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Command::Stats { .. }))
        .map(|(i, _)| i)
        .collect();
    let Some(&first) = stats.first() else {
        return Merge::Concatenate;
    };
    let Command::Stats { aggregates, by, offset } = &q.commands[first] else {
        return Merge::No { reason: "internal".into() };
    };
    if offset.is_some() {
        return Merge::No {
            reason: "`offset` shifts the time range".into(),
        };
    }
    let bin = by.iter().find_map(|p| match &p.expr {
        Expr::Call { name, args } if name == "bin" => match args.first() {
            Some(Expr::Duration(n, u)) => u.fixed_millis().map(|m| m * (u.capped(*n) as i64)),
            _ => None,
        },
        _ => None,
    });
    if let (Some(period_ms), 1) = (bin, stats.len()) {
        if period_ms > 0 {
            return Merge::AlignedBins { period_ms };
        }
    }
    if stats.len() > 1 {
        return Merge::No {
            reason: "several `stats` commands".into(),
        };
    }
    let after_ok = q.commands[first + 1..]
        .iter()
        .all(|c| matches!(c, Command::Sort(_) | Command::Display(_)));
    if !after_ok {
        return Merge::No {
            reason: "commands after `stats` other than `sort`/`display` see per-slice values".into(),
        };
    }
    let mut cols = Vec::new();
    for p in by {
        cols.push((output_name(p), Combine::Key));
    }
    for p in aggregates {
        let comb = match &p.expr {
            Expr::Call { name, .. } => match name.as_str() {
                "count" | "sum" | "count_over_time" | "sum_over_time" => Some(Combine::Sum),
                "min" | "sortsFirst" => Some(Combine::Min),
                "max" | "sortsLast" => Some(Combine::Max),
                "earliest" => Some(Combine::FirstSlice),
                "latest" => Some(Combine::LastSlice),
                _ => None,
            },
            _ => None,
        };
        match comb {
            Some(c) => cols.push((output_name(p), c)),
            None => {
                return Merge::No {
                    reason: format!("`{}` cannot be combined across slices", output_name(p)),
                }
            }
        }
    }
    Merge::Combine(cols)
}
