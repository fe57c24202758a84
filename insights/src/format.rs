//! Formatter: the canonical text of a query.
//!
//! One command per line (`| ` leading every line after the first), lower-case commands and
//! keywords, functions in the table's casing, strings in double quotes, and only the parentheses
//! precedence needs. Comments are not part of the AST and are dropped. The guarantee, checked by
//! property tests and the fuzzer: `parse(&format(&parse(q)?)) == parse(q)`.

use crate::ast::{Command, Expr, Order, ParsePattern, Projection, Query, SortKey, UnaryOp};
use crate::functions;

/// Formats a whole query.
#[must_use]
pub fn format(q: &Query) -> String {
    let mut lines = Vec::new();
    if let Some(s) = &q.source {
        let only_names = s.name_prefixes.is_empty() && s.class.is_none() && s.account_identifiers.is_empty() && !s.names.is_empty();
        if only_names {
            lines.push(format!(
                "SOURCE {}",
                s.names.iter().map(|n| quote(n)).collect::<Vec<_>>().join(", ")
            ));
        } else {
            let mut opts = Vec::new();
            let list = |v: &[String]| format!("[{}]", v.iter().map(|n| quote(n)).collect::<Vec<_>>().join(", "));
            if !s.name_prefixes.is_empty() {
                opts.push(format!("namePrefix: {}", list(&s.name_prefixes)));
            }
            if let Some(c) = &s.class {
                opts.push(format!("class: {}", quote(c)));
            }
            if !s.account_identifiers.is_empty() {
                opts.push(format!("accountIdentifiers: {}", list(&s.account_identifiers)));
            }
            if !s.names.is_empty() {
                opts.push(format!("logGroupName: {}", list(&s.names)));
            }
            lines.push(format!("SOURCE logGroups({})", opts.join(", ")));
        }
    }
    for c in &q.commands {
        lines.push(command_to_string(c));
    }
    lines.join("\n| ")
}

/// Formats one command (without the leading pipe).
#[must_use]
pub fn command_to_string(c: &Command) -> String {
    match c {
        Command::Fields(p) => format!("fields {}", projections(p)),
        Command::Display(f) => format!("display {}", names(f)),
        Command::Filter(e) => format!("filter {}", expr_to_string(e)),
        Command::FilterIndex(e) => format!("filterIndex {}", expr_to_string(e)),
        Command::Stats { aggregates, by, offset } => {
            let mut s = format!("stats {}", projections(aggregates));
            if !by.is_empty() {
                s.push_str(" by ");
                s.push_str(&projections(by));
            }
            if let Some((n, u)) = offset {
                s.push_str(&format!(" offset {n}{}", u.suffix()));
            }
            s
        }
        Command::Sort(keys) => format!("sort {}", keys.iter().map(sort_key).collect::<Vec<_>>().join(", ")),
        Command::Limit(n) => format!("limit {n}"),
        Command::LimitAny(n) => format!("limit any {n}"),
        Command::Parse { field, pattern } => match pattern {
            ParsePattern::Glob { pattern, names: n } => format!("parse {} {} as {}", field_name(field), quote(pattern), names(n)),
            ParsePattern::Regex {
                pattern,
                flags,
                names: n,
                aliased,
                multi,
            } => {
                let mut s = format!("parse {} {}", field_name(field), regex(pattern, flags));
                if *aliased {
                    s.push_str(" as ");
                    s.push_str(&names(n));
                }
                if *multi {
                    s.push_str(" multi");
                }
                s
            }
            ParsePattern::Logfmt { alias } => format!("parse {} logfmt as {}", field_name(field), field_name(alias)),
            ParsePattern::Csv { names: n } => format!("parse {} csv as {}", field_name(field), names(n)),
            ParsePattern::Json { path, alias } => format!("json field={} {} as {}", field_name(field), quote(path), field_name(alias)),
        },
        Command::Dedup(f) => format!("dedup {}", names(f)),
        Command::Unmask(f) => format!("unmask {}", field_name(f)),
        Command::Unnest { field, into } => format!("unnest {} into {}", field_name(field), field_name(into)),
        Command::Pattern(e) => format!("pattern {}", expr_to_string(e)),
        Command::Diff(p) => match p.modifier() {
            None => "diff".into(),
            Some(m) => format!("diff {m}"),
        },
        Command::AddTotals(t) => {
            let mut s = String::from("addtotals");
            if t.fieldname != "Total" {
                s.push_str(&format!(" fieldname={}", field_name(&t.fieldname)));
            }
            if !t.row {
                s.push_str(" row=false");
            }
            if t.col {
                s.push_str(" col=true");
            }
            if !t.fields.is_empty() {
                s.push_str(&format!(" {}", names(&t.fields)));
            }
            s
        }
        Command::Unsupported { name, args } => {
            if args.is_empty() {
                name.clone()
            } else {
                format!("{name} {}", args.join(" "))
            }
        }
    }
}

fn sort_key(k: &SortKey) -> String {
    let e = expr_to_string(&k.expr);
    match k.order {
        None => e,
        Some(Order::Asc) => format!("{e} asc"),
        Some(Order::Desc) => format!("{e} desc"),
    }
}

fn projections(p: &[Projection]) -> String {
    p.iter()
        .map(|p| match &p.alias {
            Some(a) => format!("{} as {}", expr_to_string(&p.expr), field_name(a)),
            None => expr_to_string(&p.expr),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn names(n: &[String]) -> String {
    n.iter().map(|f| field_name(f)).collect::<Vec<_>>().join(", ")
}

/// A field name, backquoted when it would not lex as a plain name.
#[must_use]
pub fn field_name(n: &str) -> String {
    let mut chars = n.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '@' || (!c.is_ascii() && c.is_alphabetic()))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '@' || (!c.is_ascii() && c.is_alphanumeric()))
        && !functions::is_keyword(n);
    if plain {
        n.to_string()
    } else {
        format!("`{n}`")
    }
}

/// A string literal in double quotes.
#[must_use]
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn regex(pattern: &str, flags: &str) -> String {
    format!("/{}/{flags}", pattern.replace('/', "\\/"))
}

fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Binary(op, ..) => op.precedence(),
        Expr::In { .. } => 4,
        Expr::Unary(UnaryOp::Not, _) => 3,
        Expr::Unary(UnaryOp::Neg, _) => 8,
        _ => 9,
    }
}

fn wrap(e: &Expr, paren: bool) -> String {
    let s = expr_to_string(e);
    if paren {
        format!("({s})")
    } else {
        s
    }
}

/// Formats an expression with minimal parentheses.
#[must_use]
pub fn expr_to_string(e: &Expr) -> String {
    match e {
        Expr::Field(n) => field_name(n),
        Expr::Str(s) => quote(s),
        Expr::Num(n) => format!("{n}"),
        Expr::Duration(n, u) => format!("{n}{}", u.suffix()),
        Expr::Regex { pattern, flags } => regex(pattern, flags),
        Expr::List(items) => format!("[{}]", items.iter().map(expr_to_string).collect::<Vec<_>>().join(", ")),
        Expr::Param(n) => format!("{{{{{n}}}}}"),
        Expr::Star => "*".into(),
        Expr::Unary(UnaryOp::Neg, x) => format!("-{}", wrap(x, prec(x) < 8)),
        Expr::Unary(UnaryOp::Not, x) => format!("not {}", wrap(x, prec(x) < 3)),
        Expr::Binary(op, l, r) => {
            let p = op.precedence();
            let ls = wrap(l, prec(l) < p);
            let rs = wrap(r, prec(r) <= p);
            format!("{ls} {} {rs}", op.symbol())
        }
        Expr::In { expr, list, negated } => {
            let l = wrap(expr, prec(expr) < 4);
            format!("{l} {}in {}", if *negated { "not " } else { "" }, wrap(list, prec(list) <= 4))
        }
        Expr::Call { name, args } => format!("{name}({})", args.iter().map(expr_to_string).collect::<Vec<_>>().join(", ")),
        Expr::Index(base, idx) => match (&**base, &**idx) {
            // `` m.`a.b` `` as written (the form the AWS page shows), when it lexes back.
            (Expr::Field(m), Expr::Str(k)) if field_name(m) == *m && !k.is_empty() && !k.contains('`') => format!("{m}.`{k}`"),
            _ => format!("{}[{}]", wrap(base, prec(base) < 9), expr_to_string(idx)),
        },
    }
}
