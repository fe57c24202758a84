//! Parser: tokens to [`Query`], with every error a person can act on.
//!
//! Recursive descent with a nesting limit (so no input can overflow the stack) and one token of
//! look-ahead (so it is linear). After an error in a command it skips to the next `|` and keeps
//! going, so the editor can show all problems at once. Checks that need locations (unknown
//! functions, arity, aggregates outside `stats`, sorting on a field that `stats` removed) happen
//! here because the AST carries no spans.

use crate::ast::{BinaryOp, Command, Expr, Order, ParsePattern, Projection, Query, SortKey, Source, UnaryOp};
use crate::error::{suggest, Diagnostic, Span};
use crate::format::expr_to_string;
use crate::functions::{self, FunctionKind, COMMANDS, FUNCTIONS};
use crate::lexer::{lex, Tok, Token};

/// The largest `limit` CloudWatch accepts.
pub const MAX_LIMIT: u64 = 10_000;
const MAX_DEPTH: usize = 100;
/// Operators per expression; bounds the tree depth of long flat chains like `a and b and ...`.
const MAX_OPERATORS: usize = 500;

/// Parses a query; on failure returns every diagnostic found.
pub fn parse(src: &str) -> Result<Query, Vec<Diagnostic>> {
    let (query, diags) = parse_with_diagnostics(src);
    if diags.is_empty() {
        Ok(query)
    } else {
        Err(diags)
    }
}

/// The diagnostics of a query (empty when it is valid).
#[must_use]
pub fn check(src: &str) -> Vec<Diagnostic> {
    parse_with_diagnostics(src).1
}

/// Parses as much as possible and returns the (partial) query with all diagnostics.
#[must_use]
pub fn parse_with_diagnostics(src: &str) -> (Query, Vec<Diagnostic>) {
    let (tokens, lex_diags) = lex(src);
    let toks: Vec<Token> = tokens.into_iter().filter(|t| t.tok != Tok::Comment).collect();
    let eof = end_span(src);
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        diags: Vec::new(),
        eof,
        depth: 0,
        available: None,
        proj_spans: Vec::new(),
        operators: 0,
    };
    let q = p.query();
    let mut diags = lex_diags;
    // Errors at an invalid token were already reported by the lexer (empty message).
    diags.extend(p.diags.into_iter().filter(|d| !d.message.is_empty()));
    diags.sort_by_key(|d| d.span.start);
    (q, diags)
}

fn end_span(src: &str) -> Span {
    let line = 1 + src.matches('\n').count() as u32;
    let last_line = src.rsplit('\n').next().unwrap_or("");
    Span {
        start: src.len(),
        end: src.len(),
        line,
        column: last_line.chars().count() as u32 + 1,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Plain expression: no aggregates.
    Scalar,
    /// Top level of a `stats` aggregate expression.
    Stats,
    /// Inside an aggregate's arguments.
    InAggregate,
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    diags: Vec<Diagnostic>,
    eof: Span,
    depth: usize,
    /// Field names that exist after the latest `stats` (None before any `stats`).
    available: Option<Vec<String>>,
    /// Spans of the projections parsed by the latest `projections` call.
    proj_spans: Vec<Span>,
    /// Operators in the current top-level expression.
    operators: usize,
}

type PResult<T> = Result<T, Diagnostic>;

fn describe(tok: Option<&Tok>) -> String {
    match tok {
        None => "end of query".into(),
        Some(t) => match t {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Backquoted(s) => format!("`{s}`"),
            Tok::Number(n) => format!("number `{n}`"),
            Tok::Duration(n, u) => format!("duration `{n}{}`", u.suffix()),
            Tok::Str(_) => "a string".into(),
            Tok::Regex { .. } => "a regex".into(),
            Tok::Placeholder(n) => format!("parameter `{{{{{n}}}}}`"),
            Tok::Pipe => "`|`".into(),
            Tok::Comma => "`,`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Colon => "`:`".into(),
            Tok::Eq => "`=`".into(),
            Tok::Ne => "`!=`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::Plus => "`+`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Star => "`*`".into(),
            Tok::Slash => "`/`".into(),
            Tok::Percent => "`%`".into(),
            Tok::Caret => "`^`".into(),
            Tok::Match => "`=~`".into(),
            Tok::Comment | Tok::Error => "an invalid token".into(),
        },
    }
}

fn is_word(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(word))
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }
    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }
    fn span(&self) -> Span {
        self.toks.get(self.pos).map_or(self.eof, |t| t.span)
    }
    fn prev_span(&self) -> Span {
        self.pos.checked_sub(1).and_then(|i| self.toks.get(i)).map_or(self.eof, |t| t.span)
    }
    fn bump(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }
    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_word(&mut self, word: &str) -> bool {
        if is_word(self.peek(), word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn found(&self) -> String {
        describe(self.peek())
    }
    fn err_expected(&self, what: &str) -> Diagnostic {
        if self.peek() == Some(&Tok::Error) {
            return Diagnostic::new("", self.span());
        }
        Diagnostic::new(format!("expected {what}, found {}", self.found()), self.span())
    }

    fn query(&mut self) -> Query {
        let mut q = Query::default();
        if self.toks.is_empty() {
            self.diags.push(
                Diagnostic::new("the query is empty", self.eof).with_help("start with a command such as `fields @timestamp, @message`"),
            );
            return q;
        }
        if is_word(self.peek(), "source") {
            match self.source() {
                Ok(s) => q.source = Some(s),
                Err(d) => {
                    self.diags.push(d);
                    self.skip_to_pipe();
                }
            }
            if self.peek().is_none() {
                return q;
            }
            if !self.eat(&Tok::Pipe) {
                let d = self.err_expected("`|` after the SOURCE clause");
                self.diags.push(d);
                self.skip_to_pipe();
                self.eat(&Tok::Pipe);
            }
        }
        loop {
            if self.peek().is_none() {
                let d = Diagnostic::new("expected a command after `|`", self.eof)
                    .with_help("remove the trailing `|` or add a command such as `limit 20`");
                self.diags.push(d);
                break;
            }
            match self.command() {
                Ok(c) => q.commands.push(c),
                Err(d) => {
                    self.diags.push(d);
                    self.skip_to_pipe();
                }
            }
            match self.peek() {
                None => break,
                Some(Tok::Pipe) => {
                    self.pos += 1;
                }
                Some(_) => {
                    let what = if q.commands.last().is_some_and(|c| matches!(c, Command::Limit(_))) {
                        "`|` or end of query after `limit n`"
                    } else {
                        "`|` or end of query"
                    };
                    let d = match self.peek() {
                        Some(Tok::RParen) => Diagnostic::new("unbalanced `)`: there is no `(` to close", self.span()),
                        Some(Tok::RBracket) => Diagnostic::new("unbalanced `]`: there is no `[` to close", self.span()),
                        _ => self.err_expected(what),
                    };
                    self.diags.push(d);
                    self.skip_to_pipe();
                    if !self.eat(&Tok::Pipe) {
                        break;
                    }
                }
            }
        }
        q
    }

    fn skip_to_pipe(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t {
                Tok::LParen | Tok::LBracket => depth += 1,
                Tok::RParen | Tok::RBracket => depth = depth.saturating_sub(1),
                Tok::Pipe if depth == 0 => return,
                _ => {}
            }
            self.pos += 1;
        }
    }

    fn source(&mut self) -> PResult<Source> {
        self.pos += 1; // SOURCE
        let mut s = Source::default();
        if is_word(self.peek(), "logGroups") && self.peek_at(1) == Some(&Tok::LParen) {
            self.pos += 2;
            while !self.eat(&Tok::RParen) {
                let key_span = self.span();
                let key = match self.bump().map(|t| t.tok) {
                    Some(Tok::Ident(k)) => k,
                    other => {
                        return Err(Diagnostic::new(
                            format!(
                                "expected a logGroups option such as `namePrefix:`, found {}",
                                describe(other.as_ref())
                            ),
                            key_span,
                        ))
                    }
                };
                if !self.eat(&Tok::Colon) {
                    return Err(self.err_expected("`:`"));
                }
                let values = self.string_or_list()?;
                match key.to_ascii_lowercase().as_str() {
                    "nameprefix" => s.name_prefixes.extend(values),
                    "loggroupname" | "names" => s.names.extend(values),
                    "accountidentifiers" => s.account_identifiers.extend(values),
                    "class" => s.class = values.into_iter().next(),
                    _ => {
                        return Err(Diagnostic::new(format!("unknown logGroups option `{key}`"), key_span)
                            .with_help("options: namePrefix, class, accountIdentifiers, logGroupName"))
                    }
                }
                if !self.eat(&Tok::Comma) && self.peek() != Some(&Tok::RParen) {
                    return Err(self.err_expected("`,` or `)`"));
                }
            }
        } else {
            loop {
                s.names.extend(self.string_or_list()?);
                if !self.eat(&Tok::Comma) {
                    break;
                }
            }
        }
        Ok(s)
    }

    fn string_or_list(&mut self) -> PResult<Vec<String>> {
        match self.peek() {
            Some(Tok::Str(v)) | Some(Tok::Ident(v)) => {
                let v = v.clone();
                self.pos += 1;
                Ok(vec![v])
            }
            Some(Tok::LBracket) => {
                let open = self.span();
                self.pos += 1;
                let mut out = Vec::new();
                loop {
                    match self.peek() {
                        Some(Tok::RBracket) => {
                            self.pos += 1;
                            return Ok(out);
                        }
                        Some(Tok::Str(v)) => {
                            out.push(v.clone());
                            self.pos += 1;
                            if !self.eat(&Tok::Comma) && self.peek() != Some(&Tok::RBracket) {
                                return Err(self.err_expected("`,` or `]`"));
                            }
                        }
                        None => return Err(Diagnostic::new("unclosed `[`: expected `]`", open)),
                        _ => return Err(self.err_expected("a log group name in quotes")),
                    }
                }
            }
            _ => Err(self.err_expected("a log group name in quotes")),
        }
    }

    fn command(&mut self) -> PResult<Command> {
        let span = self.span();
        let name = match self.peek() {
            Some(Tok::Ident(n)) => n.clone(),
            _ => return Err(self.err_expected("a command such as `fields`, `filter` or `stats`")),
        };
        let Some(info) = functions::command(&name) else {
            let mut d = Diagnostic::new(format!("unknown command `{name}`"), span);
            if let Some(s) = suggest(&name, COMMANDS.iter().map(|c| c.name)) {
                d.message = format!("unknown command `{name}` — did you mean `{s}`?");
            } else if functions::lookup(&name).is_some() {
                d = d.with_help(format!(
                    "`{name}` is a function; use it inside a command, e.g. `fields {name}(...)` or `stats {name}(...)`"
                ));
            } else {
                d = d.with_help("commands: fields, display, filter, stats, sort, limit, parse, dedup, unmask, unnest, filterIndex");
            }
            return Err(d);
        };
        self.pos += 1;
        let cmd = match info.name {
            "fields" => {
                let p = self.projections(Ctx::Scalar, &[])?;
                self.note_defined(p.iter().map(output_name));
                Command::Fields(p)
            }
            "display" => Command::Display(self.field_list()?),
            "filter" => Command::Filter(self.expr_top(Ctx::Scalar, "a condition such as `level = \"error\"`")?),
            "filterIndex" => Command::FilterIndex(self.expr_top(Ctx::Scalar, "a condition such as `requestId = \"...\"`")?),
            "stats" => self.stats(span)?,
            "sort" => Command::Sort(self.sort_keys()?),
            "limit" => Command::Limit(self.limit()?),
            "parse" => self.parse_cmd()?,
            "dedup" => Command::Dedup(self.field_list()?),
            "unmask" => Command::Unmask(self.field_name()?),
            "unnest" => {
                let field = self.field_name()?;
                if !self.eat_word("into") {
                    return Err(self.err_expected("`into name` after the unnested field"));
                }
                let into = self.field_name()?;
                self.note_defined(std::iter::once(into.clone()));
                Command::Unnest { field, into }
            }
            other => {
                let mut args = Vec::new();
                let mut depth = 0usize;
                while let Some(t) = self.toks.get(self.pos) {
                    match t.tok {
                        Tok::Pipe if depth == 0 => break,
                        Tok::LParen | Tok::LBracket => depth += 1,
                        Tok::RParen | Tok::RBracket => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    args.push(self.src[t.span.start..t.span.end].to_string());
                    self.pos += 1;
                }
                Command::Unsupported {
                    name: other.to_string(),
                    args,
                }
            }
        };
        Ok(cmd)
    }

    fn note_defined(&mut self, names: impl Iterator<Item = String>) {
        if let Some(av) = &mut self.available {
            for n in names {
                if !av.contains(&n) {
                    av.push(n);
                }
            }
        }
    }

    fn field_name(&mut self) -> PResult<String> {
        match self.peek() {
            Some(Tok::Ident(n)) if !functions::is_keyword(n) => {
                let n = n.clone();
                self.pos += 1;
                Ok(n)
            }
            Some(Tok::Backquoted(n)) => {
                let n = n.clone();
                self.pos += 1;
                Ok(n)
            }
            _ => Err(self.err_expected("a field name")),
        }
    }

    fn field_list(&mut self) -> PResult<Vec<String>> {
        let mut out = vec![self.field_name()?];
        while self.eat(&Tok::Comma) {
            out.push(self.field_name()?);
        }
        Ok(out)
    }

    fn projections(&mut self, ctx: Ctx, stop: &[&str]) -> PResult<Vec<Projection>> {
        let mut out = Vec::new();
        self.proj_spans.clear();
        loop {
            let start = self.span();
            let expr = self.expr_top(ctx, "a field or expression")?;
            let span = start.to(self.prev_span());
            self.proj_spans.push(span);
            let alias = if self.eat_word("as") { Some(self.field_name()?) } else { None };
            out.push(Projection { expr, alias });
            if !self.eat(&Tok::Comma) {
                break;
            }
            if stop.iter().any(|w| is_word(self.peek(), w)) {
                return Err(self.err_expected("another expression after `,`"));
            }
        }
        Ok(out)
    }

    fn stats(&mut self, _span: Span) -> PResult<Command> {
        let aggregates = self.projections(Ctx::Stats, &["by"])?;
        // Every aggregate expression must aggregate, and read fields only inside aggregates.
        for (i, p) in aggregates.iter().enumerate() {
            if let Some(field) = bare_field_outside_aggregate(&p.expr) {
                let span = self.proj_spans.get(i).copied().unwrap_or(self.eof);
                return Err(
                    Diagnostic::new(format!("`{field}` in `stats` must be inside an aggregate function"), span).with_help(format!(
                        "group by it with `by {field}`, or aggregate it, e.g. `count_distinct({field})`"
                    )),
                );
            }
        }
        let by = if self.eat_word("by") {
            self.projections(Ctx::Scalar, &[])?
        } else {
            Vec::new()
        };
        let mut names: Vec<String> = by.iter().map(output_name).collect();
        names.extend(aggregates.iter().map(output_name));
        self.available = Some(names);
        Ok(Command::Stats { aggregates, by })
    }

    fn sort_keys(&mut self) -> PResult<Vec<SortKey>> {
        let mut keys = Vec::new();
        loop {
            let start = self.span();
            let expr = self.expr_top(Ctx::Scalar, "a field to sort by")?;
            let span = start.to(self.prev_span());
            if let Some(av) = &self.available {
                for f in expr.fields() {
                    if !av.contains(&f) {
                        return Err(
                            Diagnostic::new(format!("cannot sort by `{f}`: the preceding `stats` removed it"), span)
                                .with_help(format!("after `stats`, the fields are: {}", av.join(", "))),
                        );
                    }
                }
            }
            let order = if self.eat_word("asc") {
                Some(Order::Asc)
            } else if self.eat_word("desc") {
                Some(Order::Desc)
            } else {
                None
            };
            keys.push(SortKey { expr, order });
            if !self.eat(&Tok::Comma) {
                return Ok(keys);
            }
        }
    }

    fn limit(&mut self) -> PResult<u64> {
        let span = self.span();
        let neg = self.eat(&Tok::Minus);
        match self.peek() {
            Some(Tok::Number(n)) => {
                let n = *n;
                self.pos += 1;
                let span = span.to(self.prev_span());
                let text = &self.src[span.start..span.end];
                if neg || n < 1.0 || n.fract() != 0.0 {
                    return Err(
                        Diagnostic::new(format!("`limit` needs a positive whole number, found `{text}`"), span)
                            .with_help(format!("use a number from 1 to {MAX_LIMIT}, e.g. `limit 20`")),
                    );
                }
                if n > MAX_LIMIT as f64 {
                    return Err(Diagnostic::new(format!("`limit {text}` is over the maximum of {MAX_LIMIT}"), span));
                }
                Ok(n as u64)
            }
            _ => Err(self.err_expected("a number of results after `limit`")),
        }
    }

    fn parse_cmd(&mut self) -> PResult<Command> {
        let field = match self.peek() {
            Some(Tok::Str(_) | Tok::Regex { .. }) => "@message".to_string(),
            _ => self.field_name()?,
        };
        let pat_span = self.span();
        let pattern = match self.bump().map(|t| t.tok) {
            Some(Tok::Str(glob)) => {
                let stars = glob.matches('*').count();
                if stars == 0 {
                    return Err(Diagnostic::new("the `parse` pattern has no `*` to capture", pat_span)
                        .with_help("mark each part to extract with `*`, e.g. \"user=* ip=*\""));
                }
                if !self.eat_word("as") {
                    return Err(self.err_expected(&format!("`as` and {stars} field name{}", if stars == 1 { "" } else { "s" })));
                }
                let names_start = self.span();
                let names = self.field_list()?;
                if names.len() != stars {
                    let span = names_start.to(self.prev_span());
                    return Err(Diagnostic::new(
                        format!(
                            "the `parse` pattern has {stars} `*` capture{} but {} field name{} given after `as`",
                            if stars == 1 { "" } else { "s" },
                            names.len(),
                            if names.len() == 1 { " is" } else { "s are" }
                        ),
                        span,
                    )
                    .with_help("give one field name per `*`"));
                }
                ParsePattern::Glob { pattern: glob, names }
            }
            Some(Tok::Regex { pattern, flags }) => {
                let names = crate::lexer::named_groups(&pattern).map_err(|m| Diagnostic::new(format!("invalid regex: {m}"), pat_span))?;
                if names.is_empty() {
                    return Err(Diagnostic::new("the `parse` regex has no named groups to extract", pat_span)
                        .with_help("name each capture, e.g. /user=(?<user>\\S+)/"));
                }
                if is_word(self.peek(), "as") {
                    return Err(Diagnostic::new(
                        "a `parse` regex names its fields with (?<name>...) groups; `as` is only for glob patterns",
                        self.span(),
                    ));
                }
                ParsePattern::Regex { pattern, flags, names }
            }
            other => {
                return Err(Diagnostic::new(
                    format!(
                        "expected a pattern in quotes or a /regex/ after the parsed field, found {}",
                        describe(other.as_ref())
                    ),
                    pat_span,
                ))
            }
        };
        let names = match &pattern {
            ParsePattern::Glob { names, .. } | ParsePattern::Regex { names, .. } => names.clone(),
        };
        self.note_defined(names.into_iter());
        Ok(Command::Parse { field, pattern })
    }

    fn expr_top(&mut self, ctx: Ctx, what: &str) -> PResult<Expr> {
        if self.peek().is_none() || self.peek() == Some(&Tok::Pipe) {
            let prev = self.prev_span();
            let after = &self.src[prev.start..prev.end];
            return Err(Diagnostic::new(
                format!("expected {what} after `{after}`, found {}", self.found()),
                self.span(),
            ));
        }
        self.operators = 0;
        self.expr(ctx)
    }

    fn expr(&mut self, ctx: Ctx) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(Diagnostic::new("expression nested too deeply", self.span()));
        }
        let r = self.or(ctx);
        self.depth -= 1;
        r
    }

    fn or(&mut self, ctx: Ctx) -> PResult<Expr> {
        let mut l = self.and(ctx)?;
        while self.eat_word("or") {
            let r = self.operand(ctx, Self::and)?;
            l = Expr::Binary(BinaryOp::Or, Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn and(&mut self, ctx: Ctx) -> PResult<Expr> {
        let mut l = self.not(ctx)?;
        while self.eat_word("and") {
            let r = self.operand(ctx, Self::not)?;
            l = Expr::Binary(BinaryOp::And, Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    /// Parses the right operand of an operator just consumed, with a clear error at the end.
    fn operand(&mut self, ctx: Ctx, f: fn(&mut Self, Ctx) -> PResult<Expr>) -> PResult<Expr> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return Err(Diagnostic::new(
                format!("expression too long: more than {MAX_OPERATORS} operators"),
                self.prev_span(),
            ));
        }
        if matches!(self.peek(), None | Some(Tok::Pipe | Tok::RParen | Tok::Comma | Tok::RBracket)) {
            let prev = self.prev_span();
            let op = &self.src[prev.start..prev.end];
            return Err(Diagnostic::new(
                format!("expected an expression after `{op}`, found {}", self.found()),
                self.span(),
            ));
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(Diagnostic::new("expression nested too deeply", self.span()));
        }
        let r = f(self, ctx);
        self.depth -= 1;
        r
    }

    fn not(&mut self, ctx: Ctx) -> PResult<Expr> {
        if is_word(self.peek(), "not") && !is_word(self.peek_at(1), "like") && !is_word(self.peek_at(1), "in") {
            self.pos += 1;
            let e = self.operand(ctx, Self::not)?;
            return Ok(Expr::Unary(UnaryOp::Not, Box::new(e)));
        }
        self.cmp(ctx)
    }

    fn cmp(&mut self, ctx: Ctx) -> PResult<Expr> {
        let mut l = self.add(ctx)?;
        loop {
            let op = match self.peek() {
                Some(Tok::Eq) => BinaryOp::Eq,
                Some(Tok::Ne) => BinaryOp::Ne,
                Some(Tok::Lt) => BinaryOp::Lt,
                Some(Tok::Le) => BinaryOp::Le,
                Some(Tok::Gt) => BinaryOp::Gt,
                Some(Tok::Ge) => BinaryOp::Ge,
                Some(Tok::Match) => BinaryOp::Match,
                Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("like") => BinaryOp::Like,
                Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("in") => {
                    self.pos += 1;
                    let list = self.in_list(ctx)?;
                    l = Expr::In {
                        expr: Box::new(l),
                        list: Box::new(list),
                        negated: false,
                    };
                    continue;
                }
                Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("not") => {
                    if is_word(self.peek_at(1), "like") {
                        self.pos += 1;
                        BinaryOp::NotLike
                    } else if is_word(self.peek_at(1), "in") {
                        self.pos += 2;
                        let list = self.in_list(ctx)?;
                        l = Expr::In {
                            expr: Box::new(l),
                            list: Box::new(list),
                            negated: true,
                        };
                        continue;
                    } else {
                        return Ok(l);
                    }
                }
                _ => return Ok(l),
            };
            self.pos += 1;
            let r = self.operand(ctx, Self::add)?;
            l = Expr::Binary(op, Box::new(l), Box::new(r));
        }
    }

    fn in_list(&mut self, ctx: Ctx) -> PResult<Expr> {
        if self.peek() != Some(&Tok::LBracket) {
            return Err(self.err_expected("a list such as `[\"a\", \"b\"]` after `in`"));
        }
        self.primary(ctx)
    }

    fn add(&mut self, ctx: Ctx) -> PResult<Expr> {
        let mut l = self.mul(ctx)?;
        loop {
            let op = match self.peek() {
                Some(Tok::Plus) => BinaryOp::Add,
                Some(Tok::Minus) => BinaryOp::Sub,
                _ => return Ok(l),
            };
            self.pos += 1;
            let r = self.operand(ctx, Self::mul)?;
            l = Expr::Binary(op, Box::new(l), Box::new(r));
        }
    }

    fn mul(&mut self, ctx: Ctx) -> PResult<Expr> {
        let mut l = self.pow(ctx)?;
        loop {
            let op = match self.peek() {
                Some(Tok::Star) => BinaryOp::Mul,
                Some(Tok::Slash) => BinaryOp::Div,
                Some(Tok::Percent) => BinaryOp::Mod,
                _ => return Ok(l),
            };
            self.pos += 1;
            let r = self.operand(ctx, Self::pow)?;
            l = Expr::Binary(op, Box::new(l), Box::new(r));
        }
    }

    fn pow(&mut self, ctx: Ctx) -> PResult<Expr> {
        let mut l = self.unary(ctx)?;
        while self.eat(&Tok::Caret) {
            let r = self.operand(ctx, Self::unary)?;
            l = Expr::Binary(BinaryOp::Pow, Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn unary(&mut self, ctx: Ctx) -> PResult<Expr> {
        if self.eat(&Tok::Minus) {
            let e = self.operand(ctx, Self::unary)?;
            return Ok(Expr::Unary(UnaryOp::Neg, Box::new(e)));
        }
        self.primary(ctx)
    }

    fn primary(&mut self, ctx: Ctx) -> PResult<Expr> {
        let span = self.span();
        let Some(tok) = self.peek().cloned() else {
            let prev = self.prev_span();
            let after = &self.src[prev.start..prev.end];
            return Err(Diagnostic::new(
                format!("expected an expression after `{after}`, found end of query"),
                self.eof,
            ));
        };
        match tok {
            Tok::Error => Err(Diagnostic::new("", span)),
            Tok::Number(n) => {
                self.pos += 1;
                Ok(Expr::Num(n))
            }
            Tok::Duration(n, u) => {
                self.pos += 1;
                Ok(Expr::Duration(n, u))
            }
            Tok::Str(s) => {
                self.pos += 1;
                Ok(Expr::Str(s))
            }
            Tok::Regex { pattern, flags } => {
                self.pos += 1;
                Ok(Expr::Regex { pattern, flags })
            }
            Tok::Placeholder(n) => {
                self.pos += 1;
                Ok(Expr::Param(n))
            }
            Tok::Backquoted(n) => {
                self.pos += 1;
                Ok(Expr::Field(n))
            }
            Tok::LParen => {
                self.pos += 1;
                let e = self.expr(ctx)?;
                if !self.eat(&Tok::RParen) {
                    return Err(self.unclosed(span, "(", ")"));
                }
                Ok(e)
            }
            Tok::LBracket => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(&Tok::RBracket) {
                    loop {
                        if self.peek().is_none() {
                            return Err(self.unclosed(span, "[", "]"));
                        }
                        items.push(self.expr(ctx)?);
                        if self.eat(&Tok::RBracket) {
                            break;
                        }
                        if !self.eat(&Tok::Comma) {
                            return Err(self.unclosed(span, "[", "]"));
                        }
                    }
                }
                Ok(Expr::List(items))
            }
            Tok::Ident(name) => {
                if self.peek_at(1) == Some(&Tok::LParen) {
                    return self.call(&name, span, ctx);
                }
                if functions::is_keyword(&name) {
                    let prev = self.prev_span();
                    let after = &self.src[prev.start..prev.end];
                    return Err(
                        Diagnostic::new(format!("expected an expression after `{after}`, found keyword `{name}`"), span)
                            .with_help(format!("to use a field named `{name}`, write `` `{name}` ``")),
                    );
                }
                self.pos += 1;
                Ok(Expr::Field(name))
            }
            other => {
                let prev = self.prev_span();
                let after = &self.src[prev.start..prev.end];
                let found = describe(Some(&other));
                if self.pos == 0
                    || matches!(self.toks.get(self.pos - 1).map(|t| &t.tok), Some(Tok::Ident(_))) && !matches!(other, Tok::Star)
                {
                    Err(Diagnostic::new(format!("expected an expression, found {found}"), span))
                } else {
                    Err(Diagnostic::new(
                        format!("expected an expression after `{after}`, found {found}"),
                        span,
                    ))
                }
            }
        }
    }

    fn unclosed(&self, open: Span, o: &str, c: &str) -> Diagnostic {
        if self.peek() == Some(&Tok::Error) {
            return Diagnostic::new("", open);
        }
        let found = self.found();
        Diagnostic::new(format!("unclosed `{o}`: expected `{c}`, found {found}"), open)
            .with_help(format!("add `{c}` to close the `{o}` opened here"))
    }

    fn call(&mut self, name: &str, span: Span, ctx: Ctx) -> PResult<Expr> {
        let open = self.toks.get(self.pos + 1).map_or(span, |t| t.span);
        self.pos += 2;
        let info = functions::lookup(name);
        let inner_ctx = match info.map(|i| i.kind) {
            Some(FunctionKind::Aggregate) => Ctx::InAggregate,
            _ => ctx,
        };
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                if self.peek() == Some(&Tok::Star) && matches!(self.peek_at(1), Some(Tok::RParen | Tok::Comma)) {
                    self.pos += 1;
                    args.push(Expr::Star);
                } else {
                    if self.peek().is_none() {
                        return Err(self.unclosed(open, "(", ")"));
                    }
                    args.push(self.expr(inner_ctx)?);
                }
                if self.eat(&Tok::RParen) {
                    break;
                }
                if !self.eat(&Tok::Comma) {
                    return Err(self.unclosed(open, "(", ")"));
                }
            }
        }
        let full = span.to(self.prev_span());
        let Some(info) = info else {
            return Err(unknown_function(name, &args, full));
        };
        let n = args.len();
        if n < info.min_args || info.max_args.is_some_and(|m| n > m) {
            let expected = match info.max_args {
                Some(m) if m == info.min_args => format!("{m} argument{}", if m == 1 { "" } else { "s" }),
                Some(m) => format!("{} to {m} arguments", info.min_args),
                None => format!("at least {} argument{}", info.min_args, if info.min_args == 1 { "" } else { "s" }),
            };
            return Err(Diagnostic::new(
                format!(
                    "`{}` takes {expected}, but {n} {} given",
                    info.name,
                    if n == 1 { "was" } else { "were" }
                ),
                full,
            )
            .with_help(format!("usage: {}", info.signature)));
        }
        if args.contains(&Expr::Star) && info.name != "count" {
            return Err(Diagnostic::new(
                format!("`*` is only allowed in `count(*)`, not in `{}`", info.name),
                full,
            ));
        }
        if info.kind == FunctionKind::Aggregate {
            match ctx {
                Ctx::Scalar => {
                    // After `stats`, `sort count(*) desc` names the column `count(*)`.
                    let text = expr_to_string(&Expr::Call {
                        name: info.name.into(),
                        args: args.clone(),
                    });
                    if self.available.as_ref().is_some_and(|av| av.contains(&text)) {
                        return Ok(Expr::Field(text));
                    }
                    return Err(
                        Diagnostic::new(format!("aggregate function `{}` can only be used in `stats`", info.name), full).with_help(
                            format!(
                                "e.g. `stats {}`",
                                expr_to_string(&Expr::Call {
                                    name: info.name.into(),
                                    args
                                })
                            ),
                        ),
                    );
                }
                Ctx::InAggregate => {
                    return Err(Diagnostic::new(
                        format!("aggregate function `{}` cannot be nested inside another aggregate", info.name),
                        full,
                    ))
                }
                Ctx::Stats => {}
            }
        }
        match info.name {
            "bin" if !matches!(args[0], Expr::Duration(..)) => {
                return Err(
                    Diagnostic::new("`bin` takes a period such as `5m` or `1h`", full).with_help("e.g. `stats count(*) by bin(5m)`")
                );
            }
            "datefloor" | "dateceil" if !matches!(args[1], Expr::Duration(..)) => {
                return Err(Diagnostic::new(
                    format!("the second argument of `{}` must be a period such as `1h`", info.name),
                    full,
                ));
            }
            "pct" => match args[1] {
                Expr::Num(p) if (0.0..=100.0).contains(&p) => {}
                _ => {
                    return Err(Diagnostic::new("the second argument of `pct` must be a number from 0 to 100", full)
                        .with_help("e.g. `pct(durationMs, 99)`"))
                }
            },
            _ => {}
        }
        Ok(Expr::Call {
            name: info.name.to_string(),
            args,
        })
    }
}

fn unknown_function(name: &str, args: &[Expr], span: Span) -> Diagnostic {
    let lower = name.to_ascii_lowercase();
    let arg_text = args.first().map_or_else(|| "field".to_string(), expr_to_string);
    let pct = lower
        .strip_prefix('p')
        .or_else(|| lower.strip_prefix("percentile"))
        .filter(|d| !d.is_empty() && d.len() <= 3 && d.bytes().all(|b| b.is_ascii_digit()));
    if let Some(digits) = pct {
        return Diagnostic::new(
            format!("`{name}({arg_text})` is not a function — use `pct({arg_text}, {digits})`"),
            span,
        )
        .with_help("percentiles are written `pct(field, percentile)`");
    }
    if lower == "median" {
        return Diagnostic::new(format!("`median({arg_text})` is not a function — use `pct({arg_text}, 50)`"), span);
    }
    if let Some(s) = suggest(name, FUNCTIONS.iter().map(|f| f.name)) {
        return Diagnostic::new(format!("unknown function `{name}` — did you mean `{s}`?"), span);
    }
    Diagnostic::new(format!("unknown function `{name}`"), span).with_help("see the function list in the editor's completion")
}

fn bare_field_outside_aggregate(e: &Expr) -> Option<String> {
    match e {
        Expr::Field(n) => Some(n.clone()),
        Expr::Call { name, args } => {
            if functions::lookup(name).is_some_and(|f| f.kind == FunctionKind::Aggregate) {
                None
            } else {
                args.iter().find_map(bare_field_outside_aggregate)
            }
        }
        Expr::Unary(_, e) => bare_field_outside_aggregate(e),
        Expr::Binary(_, l, r) => bare_field_outside_aggregate(l).or_else(|| bare_field_outside_aggregate(r)),
        Expr::In { expr, list, .. } => bare_field_outside_aggregate(expr).or_else(|| bare_field_outside_aggregate(list)),
        Expr::List(items) => items.iter().find_map(bare_field_outside_aggregate),
        _ => None,
    }
}

/// The output name of a projection: its alias, or the canonical text of its expression
/// (CloudWatch names a `count(*)` column literally `count(*)`).
#[must_use]
pub fn output_name(p: &Projection) -> String {
    match (&p.alias, &p.expr) {
        (Some(a), _) => a.clone(),
        (None, Expr::Field(n)) => n.clone(),
        (None, e) => expr_to_string(e),
    }
}
