//! Parser: tokens to [`Query`], with every error a person can act on.
//!
//! Recursive descent with a nesting limit (so no input can overflow the stack) and one token of
//! look-ahead (so it is linear). After an error in a command it skips to the next `|` and keeps
//! going, so the editor can show all problems at once. Checks that need locations (unknown
//! functions, arity, aggregates outside `stats`, sorting on a field that `stats` removed) happen
//! here because the AST carries no spans.
//!
//! The grammar is split in two: `command` parses each command and the SOURCE clause,
//! `expr` parses expressions by precedence climbing (`or` < `and` < `not` < comparisons <
//! `+ -` < `* / %` < `^` < unary `-` < primaries and calls). This module holds the state, the
//! token helpers both use and the top-level loop that recovers at `|`.

mod cluster;
mod command;
mod expr;

use crate::ast::{Command, Expr, Projection, Query};
use crate::error::{Diagnostic, Span};
use crate::format::expr_to_string;
use crate::lexer::{lex, Tok, Token};

/// The largest `limit` CloudWatch accepts ("You can specify a `limit` value of up to 100,000",
/// CWL_QuerySyntax-Limit). Without `limit` a query returns up to 10,000 rows.
pub const MAX_LIMIT: u64 = 100_000;
/// How many `stats` commands one query may have: "queries now support ... up to 10 stats
/// commands" (AWS What's New, 2026-06-17, "Amazon CloudWatch Logs Insights adds 23 new query
/// commands and functions"; the Stats page said two before).
pub const MAX_STATS: usize = 10;
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
        available_from: "stats",
        clustered: None,
        proj_spans: Vec::new(),
        operators: 0,
        order: Ordering::default(),
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
    /// The command that set `available` (`stats`, `pattern` or `diff`), for messages.
    available_from: &'static str,
    /// The clustering command (`pattern` or `diff`) seen so far, if any, and the token position
    /// where it ended.
    clustered: Option<(&'static str, usize)>,
    /// Spans of the projections parsed by the latest `projections` call.
    proj_spans: Vec<Span>,
    /// Operators in the current top-level expression.
    operators: usize,
    /// What the commands so far allow next (chained `stats`, `dedup`).
    order: Ordering,
}

/// The facts about earlier commands that decide which commands may follow (the rules of the
/// Stats and Dedup pages); see `command::check_order`.
#[derive(Default)]
struct Ordering {
    /// `stats` commands so far.
    stats: usize,
    /// The latest `stats` grouped by `bin(...)`.
    prev_stats_binned: bool,
    /// A `sort` or `limit` after a `stats` (they must follow the last one).
    sort_or_limit_after_stats: Option<(Span, &'static str)>,
    /// A `dedup` came earlier: only `limit` may follow it.
    dedup: bool,
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
                    let what = if q
                        .commands
                        .last()
                        .is_some_and(|c| matches!(c, Command::Limit(_) | Command::LimitAny(_)))
                    {
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

    fn unclosed(&self, open: Span, o: &str, c: &str) -> Diagnostic {
        if self.peek() == Some(&Tok::Error) {
            return Diagnostic::new("", open);
        }
        let found = self.found();
        Diagnostic::new(format!("unclosed `{o}`: expected `{c}`, found {found}"), open)
            .with_help(format!("add `{c}` to close the `{o}` opened here"))
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
