//! Diagnostics: what the editor underlines and what `--check` prints.
//!
//! Every problem the lexer or parser finds becomes a [`Diagnostic`] with a [`Span`] (byte range
//! plus 1-based line and column) so that a person can see *where* the query is wrong, and an
//! optional `help` line saying how to fix it.

use serde::{Deserialize, Serialize};

/// A region of the query text. `start`/`end` are byte offsets; `line`/`column` are 1-based and
/// describe `start` (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub column: u32,
}

impl Span {
    /// A span covering `self` through `other`.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        if other.end >= self.end {
            Span { end: other.end, ..self }
        } else {
            self
        }
    }
}

/// One problem in a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

impl Diagnostic {
    pub(crate) fn new(message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            message: message.into(),
            span,
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic like a compiler does: message, location, the offending line and a
    /// caret under the span.
    #[must_use]
    pub fn render(&self, query: &str) -> String {
        let line_text = query.lines().nth(self.span.line.saturating_sub(1) as usize).unwrap_or("");
        let col = self.span.column.max(1) as usize;
        let width = query
            .get(self.span.start..self.span.end.min(self.span.start + line_text.len().max(1)))
            .map_or(1, |s| s.lines().next().map_or(1, |l| l.chars().count().max(1)));
        let mut out = format!(
            "error: {}\n --> {}:{}\n  |\n  | {}\n  | {}{}\n",
            self.message,
            self.span.line,
            self.span.column,
            line_text,
            " ".repeat(col - 1),
            "^".repeat(width)
        );
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        out
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.span.line, self.span.column, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// Levenshtein distance, bounded inputs only (names are short; callers cap lengths).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest candidate to `name` (case-insensitive), if it is close enough to be a typo.
pub(crate) fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let limit = if lower.chars().count() <= 3 { 1 } else { 2 };
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
