//! Expressions: precedence climbing from `or` down to primaries, function calls with their
//! arity and argument checks, and literals.
//!
//! Every descent goes through `expr` or `operand`, which count depth and operators: no input
//! may overflow the stack or build an unbounded chain, so new recursion must never bypass them.

use super::{describe, is_word, Ctx, PResult, Parser, MAX_DEPTH, MAX_OPERATORS};
use crate::ast::{BinaryOp, Expr, UnaryOp};
use crate::error::{suggest, Diagnostic, Span};
use crate::format::expr_to_string;
use crate::functions::{self, FunctionKind, FUNCTIONS};
use crate::lexer::{Tok, Token};

impl Parser<'_> {
    pub(super) fn expr_top(&mut self, ctx: Ctx, what: &str) -> PResult<Expr> {
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
        let mut e = self.primary(ctx)?;
        // `list[i]`: a `[` right after an operand (no space) indexes it.
        while self.peek() == Some(&Tok::LBracket) && self.span().start == self.prev_span().end {
            let open = self.span();
            self.pos += 1;
            let idx = self.operand(ctx, Self::or)?;
            if !self.eat(&Tok::RBracket) {
                return Err(self.unclosed(open, "[", "]"));
            }
            e = Expr::Index(Box::new(e), Box::new(idx));
        }
        Ok(e)
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
                // `` map.`a.b` ``: a key with dots (or other characters) in backquotes.
                if let (
                    Some(map),
                    Some(Token {
                        tok: Tok::Backquoted(key),
                        span: ks,
                    }),
                ) = (name.strip_suffix('.'), self.toks.get(self.pos + 1))
                {
                    if ks.start == span.end && !map.is_empty() {
                        let key = key.clone();
                        self.pos += 2;
                        return Ok(Expr::Index(Box::new(Expr::Field(map.to_string())), Box::new(Expr::Str(key))));
                    }
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
            // CWL_QuerySyntax-timeseries-functions: `rate(fieldName, interval: Period)`,
            // `histogram(fieldName, buckets: number)`.
            "rate" if !matches!(args[1], Expr::Duration(..)) => {
                return Err(Diagnostic::new("the second argument of `rate` must be a period such as `1m`", full)
                    .with_help("e.g. `stats rate(bytes, 1m) by bin(5m)`"));
            }
            "histogram" => match args[1] {
                Expr::Num(b) if b >= 1.0 && b.fract() == 0.0 => {}
                _ => {
                    return Err(
                        Diagnostic::new("the second argument of `histogram` must be a whole number of buckets", full)
                            .with_help("e.g. `histogram(durationMs, 10)`"),
                    )
                }
            },
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
