//! Commands: one method per command (`fields`, `filter`, `stats`, `sort`, `limit`, `parse`,
//! `dedup`, `unnest`, ...) plus the SOURCE clause, and the checks that need a command's context
//! (fields after `stats`, `parse` capture counts, the `limit` range).
//!
//! Expressions inside a command are left to the `expr` module; this module must never parse
//! operators itself, or precedence and the nesting limits would have two homes.

use super::{describe, is_word, output_name, Ctx, PResult, Parser, MAX_LIMIT, MAX_STATS};
use crate::ast::{Command, Expr, Order, ParsePattern, Projection, SortKey, Source};
use crate::error::{suggest, Diagnostic, Span};
use crate::functions::{self, FunctionKind, COMMANDS};
use crate::lexer::Tok;

impl Parser<'_> {
    pub(super) fn source(&mut self) -> PResult<Source> {
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

    pub(super) fn command(&mut self) -> PResult<Command> {
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
        self.check_order(info.name, span)?;
        let cmd = match info.name {
            "fields" => {
                let p = self.projections(Ctx::Scalar, &[])?;
                self.note_defined(p.iter().map(output_name));
                Command::Fields(p)
            }
            "display" => Command::Display(self.display_fields()?),
            // `where` is another name for `filter`; the formatter writes `filter`.
            "filter" | "where" => Command::Filter(self.expr_top(Ctx::Scalar, "a condition such as `level = \"error\"`")?),
            "filterIndex" => Command::FilterIndex(self.expr_top(Ctx::Scalar, "a condition such as `requestId = \"...\"`")?),
            "stats" => self.stats(span)?,
            "sort" => Command::Sort(self.sort_keys()?),
            "limit" => {
                if is_word(self.peek(), "any") && matches!(self.peek_at(1), Some(Tok::Number(_) | Tok::Minus)) {
                    self.pos += 1;
                    Command::LimitAny(self.limit()?)
                } else {
                    Command::Limit(self.limit()?)
                }
            }
            "parse" => self.parse_cmd()?,
            "json" => self.json_cmd()?,
            "dedup" => {
                let fields = self.field_list()?;
                self.order.dedup = true;
                Command::Dedup(fields)
            }
            "unmask" => Command::Unmask(self.field_name()?),
            "pattern" => self.pattern_cmd(span)?,
            "diff" => self.diff_cmd(span)?,
            "addtotals" => self.addtotals_cmd()?,
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

    /// The rules on which command may follow which: only `limit` after `dedup`
    /// (CWL_QuerySyntax-Dedup); at most [`MAX_STATS`] `stats`, with `sort` and `limit` after the
    /// last (CWL_QuerySyntax-Stats, "Use multiple stats commands in a single query").
    fn check_order(&mut self, name: &'static str, span: Span) -> PResult<()> {
        if self.order.dedup && name != "limit" {
            return Err(
                Diagnostic::new(format!("`{name}` cannot follow `dedup`: only `limit` may come after `dedup`"), span)
                    .with_help("move `dedup` to the end of the query (before any `limit`)"),
            );
        }
        match name {
            "stats" if self.order.stats >= MAX_STATS => {
                return Err(
                    Diagnostic::new(format!("a query can have at most {MAX_STATS} `stats` commands"), span)
                        .with_help("combine the aggregations into fewer `stats` commands"),
                );
            }
            "stats" if self.order.stats >= 1 => {
                if let Some((at, what)) = self.order.sort_or_limit_after_stats.take() {
                    // Reported at the misplaced command; the later `stats` still parses.
                    self.diags.push(
                        Diagnostic::new(format!("`{what}` must come after the last `stats`, not between two"), at)
                            .with_help(format!("move `{what}` after the last `stats` command")),
                    );
                }
            }
            "sort" | "limit" if self.order.stats >= 1 && self.order.sort_or_limit_after_stats.is_none() => {
                self.order.sort_or_limit_after_stats = Some((span, name));
            }
            _ => {}
        }
        Ok(())
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

    /// `addtotals [fieldname=Name] [row=bool] [col=bool] [field1, field2, ...]`
    /// (CWL_QuerySyntax-Addtotals): options first, each at most once, then the fields to sum.
    fn addtotals_cmd(&mut self) -> PResult<Command> {
        let mut t = crate::ast::AddTotals::default();
        let mut seen: Vec<String> = Vec::new();
        while let (Some(Tok::Ident(opt)), Some(Tok::Eq)) = (self.peek(), self.peek_at(1)) {
            let opt_span = self.span();
            let key = opt.to_ascii_lowercase();
            if !matches!(key.as_str(), "fieldname" | "row" | "col") {
                return Err(Diagnostic::new(format!("unknown `addtotals` option `{opt}`"), opt_span)
                    .with_help("options: fieldname=Name, row=true|false, col=true|false"));
            }
            if seen.contains(&key) {
                return Err(Diagnostic::new(format!("`{key}=` is given twice"), opt_span));
            }
            seen.push(key.clone());
            self.pos += 2;
            if key == "fieldname" {
                t.fieldname = self.field_name()?;
                continue;
            }
            let value = match self.peek() {
                Some(Tok::Ident(v)) if v.eq_ignore_ascii_case("true") => true,
                Some(Tok::Ident(v)) if v.eq_ignore_ascii_case("false") => false,
                _ => return Err(self.err_expected(&format!("`true` or `false` after `{key}=`"))),
            };
            self.pos += 1;
            if key == "row" {
                t.row = value;
            } else {
                t.col = value;
            }
        }
        if matches!(self.peek(), Some(Tok::Ident(_) | Tok::Backquoted(_))) {
            t.fields = self.field_list()?;
        }
        if t.row {
            self.note_defined(std::iter::once(t.fieldname.clone()));
        }
        Ok(Command::AddTotals(t))
    }

    fn field_list(&mut self) -> PResult<Vec<String>> {
        let mut out = vec![self.field_name()?];
        while self.eat(&Tok::Comma) {
            out.push(self.field_name()?);
        }
        Ok(out)
    }

    /// `display` names fields only (CWL_QuerySyntax-Display: "Use display to show a specific
    /// field or fields"); an expression or an alias is reported where it stands, with the
    /// `fields` form that computes it.
    fn display_fields(&mut self) -> PResult<Vec<String>> {
        let ps = self.projections(Ctx::Scalar, &[])?;
        let mut out = Vec::with_capacity(ps.len());
        for (p, span) in ps.into_iter().zip(self.proj_spans.clone()) {
            match (p.expr, p.alias) {
                (Expr::Field(n), None) => out.push(n),
                (e, alias) => {
                    let text = crate::format::expr_to_string(&e);
                    let d = match alias {
                        Some(a) => {
                            let a = crate::format::field_name(&a);
                            Diagnostic::new(format!("`display` cannot rename: `{text} as {a}`"), span)
                                .with_help(format!("rename with `fields {text} as {a}`, then `display {a}`"))
                        }
                        None => Diagnostic::new(format!("`display` shows fields only; `{text}` is an expression"), span)
                            .with_help(format!("compute it first: `fields {text} as name | display name`")),
                    };
                    return Err(d);
                }
            }
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
        let agg_spans = self.proj_spans.clone();
        // Every aggregate expression must aggregate, and read fields only inside aggregates
        // or by the names of the aggregates before it (AWS's Lambda sample query computes
        // `provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB` in the same `stats`).
        let mut earlier: Vec<String> = Vec::new();
        for (i, p) in aggregates.iter().enumerate() {
            let bare = bare_field_outside_aggregate(&p.expr, &earlier);
            earlier.push(output_name(p));
            if let Some(field) = bare {
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
        let binned = |e: &Expr| {
            let mut b = false;
            e.walk(&mut |x| b |= matches!(x, Expr::Call { name, .. } if name == "bin"));
            b
        };
        if self.order.stats > 0 {
            // A later `stats` works on the rows of the one before: it may only read the fields
            // that exist then, and `bin` "implicitly uses the @timestamp field", which only a
            // preceding `stats` that grouped by `bin` (or named an output `@timestamp`) passes on.
            let has_time = self.order.prev_stats_binned || self.available.as_ref().is_some_and(|av| av.iter().any(|f| f == "@timestamp"));
            let spans = agg_spans.iter().chain(self.proj_spans.iter());
            for (p, span) in aggregates.iter().chain(&by).zip(spans) {
                if binned(&p.expr) && !has_time {
                    return Err(Diagnostic::new(
                        "`bin` in a later `stats` needs the `stats` before it to pass on the time: group that one by `bin` too",
                        *span,
                    )
                    .with_help("after a `stats` there is no @timestamp unless it grouped by `bin(...)`; or keep a time, e.g. `max(@timestamp) as @t`, and use `dateceil(@t, 5m)`"));
                }
                if let Some(av) = &self.available {
                    if let Some(f) = p.expr.fields().into_iter().find(|f| !av.contains(f) && !earlier.contains(f)) {
                        return Err(
                            Diagnostic::new(format!("this `stats` cannot use `{f}`: the `stats` before it removed it"), *span)
                                .with_help(format!("after the preceding `stats`, the fields are: {}", av.join(", "))),
                        );
                    }
                }
            }
        }
        self.order.prev_stats_binned = by.iter().any(|p| binned(&p.expr));
        // `stats ... by bin(5m) offset 1h` (CWL_QuerySyntax-timeseries-functions).
        let offset = if is_word(self.peek(), "offset") && !by.is_empty() {
            let at = self.span();
            self.pos += 1;
            let period = match self.peek() {
                Some(Tok::Duration(n, u)) => (*n, *u),
                _ => return Err(self.err_expected("a period such as `1h` after `offset`")),
            };
            self.pos += 1;
            if !by.iter().any(|p| binned(&p.expr)) {
                return Err(
                    Diagnostic::new("`offset` shifts time bins: it needs `by bin(...)`", at.to(self.prev_span()))
                        .with_help("e.g. `stats count(*) by bin(5m) offset 1h`"),
                );
            }
            Some(period)
        } else {
            None
        };
        self.order.stats += 1;
        let mut names: Vec<String> = by.iter().map(output_name).collect();
        names.extend(aggregates.iter().map(output_name));
        self.available = Some(names);
        self.available_from = "stats";
        Ok(Command::Stats { aggregates, by, offset })
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
                        return Err(Diagnostic::new(
                            format!("cannot sort by `{f}`: the preceding `{}` removed it", self.available_from),
                            span,
                        )
                        .with_help(format!("after `{}`, the fields are: {}", self.available_from, av.join(", "))));
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

    /// `parse` in the modes of CWL_QuerySyntax-Parse: glob, regex (optionally `as` names and
    /// `multi`), `logfmt as m` and `csv as a, b`. The field may be left out (then `@message`):
    /// `parse logfmt as m` and `parse csv as a` read the mode word as a mode when `as` follows it.
    fn parse_cmd(&mut self) -> PResult<Command> {
        let mode_next = |p: &Self| (is_word(p.peek(), "logfmt") || is_word(p.peek(), "csv")) && is_word(p.peek_at(1), "as");
        let field = match self.peek() {
            Some(Tok::Str(_) | Tok::Regex { .. }) => "@message".to_string(),
            _ if mode_next(self) => "@message".to_string(),
            _ => self.field_name()?,
        };
        let pat_span = self.span();
        if is_word(self.peek(), "logfmt") {
            self.pos += 1;
            if !self.eat_word("as") {
                return Err(self.err_expected("`as` and the name of the map, e.g. `logfmt as lf`"));
            }
            let names_start = self.span();
            let names = self.field_list()?;
            if names.len() != 1 {
                return Err(Diagnostic::new(
                    format!("`parse ... logfmt` makes one map, but {} names are given after `as`", names.len()),
                    names_start.to(self.prev_span()),
                )
                .with_help("name the map once and read its keys with dots: `parse @message logfmt as lf | display lf.level`"));
            }
            let alias = names.into_iter().next().unwrap_or_default();
            self.note_defined(std::iter::once(alias.clone()));
            return Ok(Command::Parse {
                field,
                pattern: ParsePattern::Logfmt { alias },
            });
        }
        if is_word(self.peek(), "csv") {
            self.pos += 1;
            if !self.eat_word("as") {
                return Err(self.err_expected("`as` and one field name per value, e.g. `csv as host, method`"));
            }
            let names = self.field_list()?;
            self.note_defined(names.iter().cloned());
            return Ok(Command::Parse {
                field,
                pattern: ParsePattern::Csv { names },
            });
        }
        if is_word(self.peek(), "json") {
            return Err(Diagnostic::new("`json` is a command of its own, not a `parse` mode", pat_span)
                .with_help("write `json field=name \"key.subkey\" as alias` (after a `|`)"));
        }
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
                if is_word(self.peek(), "multi") {
                    return Err(Diagnostic::new("`multi` applies to a regex, not to a glob pattern", self.span())
                        .with_help("write the pattern as a /regex/ to extract every match"));
                }
                ParsePattern::Glob { pattern: glob, names }
            }
            Some(Tok::Regex { pattern, flags }) => self.parse_regex(pattern, flags, pat_span)?,
            // The lexer already reported the bad token.
            Some(Tok::Error) => return Err(Diagnostic::new("", pat_span)),
            other => {
                return Err(Diagnostic::new(
                    format!(
                        "expected a pattern in quotes, a /regex/, `logfmt` or `csv` after the parsed field, found {}",
                        describe(other.as_ref())
                    ),
                    pat_span,
                ))
            }
        };
        self.note_defined(pattern.names().into_iter());
        Ok(Command::Parse { field, pattern })
    }

    /// The regex mode: `/re/` with named groups, or `/re/ as a, b` naming every capturing
    /// group in order; `multi` after either (CWL_QuerySyntax-Parse, "Multi-match mode").
    fn parse_regex(&mut self, pattern: String, flags: String, pat_span: Span) -> PResult<ParsePattern> {
        let groups = crate::lexer::capture_groups(&pattern).map_err(|m| Diagnostic::new(format!("invalid regex: {m}"), pat_span))?;
        let (names, aliased) = if self.eat_word("as") {
            let names_start = self.span();
            let names = self.field_list()?;
            if names.len() != groups.len() {
                return Err(Diagnostic::new(
                    format!(
                        "the `parse` regex has {} capturing group{} but {} field name{} given after `as`",
                        groups.len(),
                        if groups.len() == 1 { "" } else { "s" },
                        names.len(),
                        if names.len() == 1 { " is" } else { "s are" }
                    ),
                    names_start.to(self.prev_span()),
                )
                .with_help("give one field name per `(...)` group, in order"));
            }
            (names, true)
        } else {
            let names: Vec<String> = groups.into_iter().flatten().collect();
            if names.is_empty() {
                return Err(Diagnostic::new("the `parse` regex has no named groups to extract", pat_span)
                    .with_help("name each capture, e.g. /user=(?<user>\\S+)/, or name the groups with `as`"));
            }
            (names, false)
        };
        let multi = self.eat_word("multi");
        Ok(ParsePattern::Regex {
            pattern,
            flags,
            names,
            aliased,
            multi,
        })
    }

    /// `json field=name "key.subkey" as alias` (CWL_QuerySyntax-Parse, "JSON field extraction").
    fn json_cmd(&mut self) -> PResult<Command> {
        if !self.eat_word("field") {
            return Err(self.err_expected("`field=` and the field holding the JSON, e.g. `json field=payload \"user.name\" as username`"));
        }
        if !self.eat(&Tok::Eq) {
            return Err(self.err_expected("`=` after `field`"));
        }
        let field = self.field_name()?;
        let path_span = self.span();
        let path = match self.peek() {
            Some(Tok::Str(p)) => {
                let p = p.clone();
                self.pos += 1;
                p
            }
            _ => return Err(self.err_expected("the key path in quotes, e.g. \"user.name\"")),
        };
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(Diagnostic::new(format!("`{path}` is not a key path"), path_span)
                .with_help("name the keys with dots between them, e.g. \"identity.sourceIp\""));
        }
        if !self.eat_word("as") {
            return Err(self.err_expected("`as` and a field name for the extracted value"));
        }
        let alias = self.field_name()?;
        self.note_defined(std::iter::once(alias.clone()));
        Ok(Command::Parse {
            field,
            pattern: ParsePattern::Json { path, alias },
        })
    }
}

/// A field read outside any aggregate that is not one of `allowed` (earlier aggregates' names).
fn bare_field_outside_aggregate(e: &Expr, allowed: &[String]) -> Option<String> {
    let rec = |x: &Expr| bare_field_outside_aggregate(x, allowed);
    match e {
        Expr::Field(n) if allowed.contains(n) => None,
        Expr::Field(n) => Some(n.clone()),
        Expr::Call { name, args } => {
            if functions::lookup(name).is_some_and(|f| f.kind == FunctionKind::Aggregate) {
                None
            } else {
                args.iter().find_map(rec)
            }
        }
        Expr::Unary(_, e) => rec(e),
        Expr::Binary(_, l, r) => rec(l).or_else(|| rec(r)),
        Expr::In { expr, list, .. } | Expr::Index(expr, list) => rec(expr).or_else(|| rec(list)),
        Expr::List(items) => items.iter().find_map(rec),
        _ => None,
    }
}
