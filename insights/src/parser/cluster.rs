//! The two commands that cluster log events into patterns: `pattern expr` and
//! `diff [previousDay|previousWeek|previousMonth]` (CWL_QuerySyntax-Pattern, CWL_QuerySyntax-Diff).
//!
//! Both end the event stage of a query: what follows sees only the pattern columns, so they set
//! the parser's `available` fields the way `stats` does. A query clusters at most once.

use super::{describe, PResult, Parser};
use crate::ast::{Command, DiffPeriod, Expr, DIFF_COLUMNS, PATTERN_COLUMNS};
use crate::error::{suggest, Diagnostic, Span};
use crate::lexer::Tok;

impl Parser<'_> {
    /// `pattern expr`, after the command name.
    pub(super) fn pattern_cmd(&mut self, name_span: Span) -> PResult<Command> {
        self.only_one_clustering("pattern", name_span)?;
        let start = self.span();
        let expr = self.expr_top(super::Ctx::Scalar, "the field to cluster (e.g. `@message`)")?;
        let span = start.to(self.prev_span());
        let fields = expr.fields();
        if fields.is_empty() || matches!(expr, Expr::List(_)) {
            return Err(
                Diagnostic::new("`pattern` clusters the text of a field, not a constant", span).with_help(
                    "give `@message`, a field extracted by `parse`, or a string function of one, e.g. `pattern tolower(@message)`",
                ),
            );
        }
        self.check_available("cluster", &fields, span)?;
        self.clustered = Some(("pattern", self.pos));
        self.set_available("pattern", PATTERN_COLUMNS.iter());
        Ok(Command::Pattern(expr))
    }

    /// `diff [modifier]`, after the command name.
    pub(super) fn diff_cmd(&mut self, name_span: Span) -> PResult<Command> {
        // `pattern ... | diff` compares those patterns: `diff` right after its `pattern`.
        let after_pattern = self.clustered == Some(("pattern", self.pos.saturating_sub(2)));
        if !after_pattern {
            self.only_one_clustering("diff", name_span)?;
            self.check_available("compare", &["@message".to_string()], name_span)?;
        }
        let period = match self.peek() {
            None | Some(Tok::Pipe) => DiffPeriod::PreviousPeriod,
            Some(Tok::Ident(m)) => {
                let m = m.clone();
                let span = self.span();
                self.pos += 1;
                match DiffPeriod::MODIFIERS.iter().position(|x| x.eq_ignore_ascii_case(&m)) {
                    Some(0) => DiffPeriod::PreviousDay,
                    Some(1) => DiffPeriod::PreviousWeek,
                    Some(_) => DiffPeriod::PreviousMonth,
                    None => {
                        let mut d = Diagnostic::new(format!("unknown `diff` period `{m}`"), span)
                            .with_help("use `diff` (the preceding range), `diff previousDay`, `diff previousWeek` or `diff previousMonth`");
                        let lower = m.to_ascii_lowercase();
                        let prefix_of = DiffPeriod::MODIFIERS.iter().find(|x| x.to_ascii_lowercase().starts_with(&lower));
                        if let Some(s) = suggest(&m, DiffPeriod::MODIFIERS.iter().copied()).or(prefix_of.copied()) {
                            d.message = format!("unknown `diff` period `{m}` — did you mean `{s}`?");
                        }
                        return Err(d);
                    }
                }
            }
            other => {
                return Err(Diagnostic::new(
                    format!(
                        "expected `previousDay`, `previousWeek`, `previousMonth` or `|` after `diff`, found {}",
                        describe(other)
                    ),
                    self.span(),
                ))
            }
        };
        self.clustered = Some(("diff", self.pos));
        self.set_available("diff", DIFF_COLUMNS.iter());
        Ok(Command::Diff(period))
    }

    fn only_one_clustering(&self, name: &str, span: Span) -> PResult<()> {
        match self.clustered {
            Some((prev, _)) => Err(Diagnostic::new(
                format!("`{name}` cannot follow `{prev}`: a query clusters its events into patterns once"),
                span,
            )
            .with_help(if prev == "pattern" && name == "diff" {
                "put `diff` directly after its `pattern`: `pattern @message | diff`"
            } else {
                "keep one `pattern` (and, to compare with an earlier period, one `diff` after it)"
            })),
            None => Ok(()),
        }
    }

    /// After `stats` (or a clustering command) only its columns exist.
    fn check_available(&self, verb: &str, fields: &[String], span: Span) -> PResult<()> {
        if let Some(av) = &self.available {
            if let Some(f) = fields.iter().find(|f| !av.contains(f)) {
                return Err(Diagnostic::new(
                    format!("cannot {verb} `{f}`: the preceding `{}` removed it", self.available_from),
                    span,
                )
                .with_help(format!("after `{}`, the fields are: {}", self.available_from, av.join(", "))));
            }
        }
        Ok(())
    }

    fn set_available<'s>(&mut self, from: &'static str, names: impl Iterator<Item = &'s &'static str>) {
        self.available = Some(names.map(|n| (*n).to_string()).collect());
        self.available_from = from;
    }
}
