//! Pattern clustering for the `pattern` and `diff` commands (CWL_QuerySyntax-Pattern,
//! CWL_AnalyzeLogData_Patterns): log lines become templates such as
//! `<Time-1> [INFO] Calling DynamoDB to store for resource id <ID-2>`.
//!
//! Written here (not a crate) because no maintained Rust crate implements Drain, and because it
//! must fit the engine's rules: mergeable across worker threads, bounded in memory, and
//! deterministic — the same input in the same order gives the same patterns, whatever the
//! number of threads and however chunks were spread over them.
//!
//! Two stages:
//! 1. **Signatures, per event, order-free.** Each line is split into words and the separators
//!    between them; words that are variable by their form are masked with a type — `Time`
//!    (dates, clock times; a date and time separated by a space are one token), `IP` (IPv4 with
//!    an optional port), `ID` (UUIDs, hex, long words mixing digits with letters or dashes),
//!    `Number` (with an optional unit such as `ms` or `MB`). The masked line is a *signature*;
//!    the sink counts events per signature (per period for `diff`), keeping the earliest event
//!    number and the severity words seen. Counting is commutative, so workers merge exactly.
//! 2. **Drain, at the end, over the signatures** in order of first appearance: a fixed-depth
//!    tree keyed by token count and the first two words routes each signature to candidate
//!    clusters of the same shape (the same separators between the words); it joins the most
//!    similar one when at least [`SIMILARITY`] of its words are equal (the differing words
//!    become `<Token-n>`), else it starts a new cluster. Masked
//!    tokens keep their type when a position only ever held that type.
//!
//! Memory bounds (per worker and after merging): at most [`MAX_SIGNATURES`] signatures of at most
//! [`MAX_SIGNATURE_BYTES`] bytes in all; a line contributes at most [`MAX_TOKENS`] words (the rest
//! of it becomes one `<Token>`), words over [`MAX_WORD`] bytes are masked and separators are cut
//! to [`MAX_SEPARATOR`] bytes. When a bound is passed, every signature is coarsened one *level*
//! (1: words with digits or over 24 bytes masked; 2: only the first four words kept; 3: only the
//! token count kept — at most `MAX_TOKENS + 2` signatures, so it always fits). Each level is a
//! function of the line alone, and a worker only escalates when its share alone passes a bound
//! (so the whole input would too): the level reached, hence the output, does not depend on how
//! events were spread over threads. No event is ever dropped: every event is counted in exactly
//! one pattern. Drain itself compares a signature with at most [`MAX_LEAF_CANDIDATES`] clusters,
//! so the final stage is bounded in time as well. No sample events are kept: the result has
//! the four columns CWL_QuerySyntax-Pattern lists (`@pattern`, `@ratio`, `@sampleCount`,
//! `@severityLabel`), and a console's sample view is a follow-up query (`filter`).

use super::flatten::FxMap;
use super::plan::Row;
use super::time::{civil_from_days, days_from_civil};
use super::value::Value;
use crate::ast::{Command, DiffPeriod, Query};
use std::borrow::Cow;

/// Signatures kept per worker (and after merging).
pub const MAX_SIGNATURES: usize = 10_000;
/// Bytes of signature text kept per worker (and after merging).
pub const MAX_SIGNATURE_BYTES: usize = 8 << 20;
/// Words of a line taken into account.
pub const MAX_TOKENS: usize = 64;
/// Longer words are masked as `<Token>`.
pub const MAX_WORD: usize = 48;
/// Longer separators are cut.
pub const MAX_SEPARATOR: usize = 16;
/// Drain's similarity threshold: the share of equal tokens (the trailing separator counts as
/// one) for a line to join a cluster. Masking already equates what varies by form, so what
/// remains to differ is mostly words: 0.7 keeps `connect to <IP-1>` apart from
/// `read config file` after the same `Failed to do:`.
pub const SIMILARITY: f64 = 0.7;
/// Clusters of one tree leaf a signature is compared with.
pub const MAX_LEAF_CANDIDATES: usize = 200;
/// The coarsest level (token count only).
const MAX_LEVEL: u8 = 3;
/// Words scanned for a severity word.
const SEVERITY_WORDS: usize = 16;

// Signature encoding: `sep \x01 word \x02` per token, the last token holding the trailing
// separator and an empty word; a masked word is `\x00` and a kind letter. Input control
// characters \x00-\x02 are replaced, so the framing is unambiguous.
const MASK: char = '\u{0}';
const SEP_END: char = '\u{1}';
const TOK_END: char = '\u{2}';

/// The type of a dynamic token, as the pattern shows it (`<Time-1>`, `<Token-3>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Time,
    Ip,
    Id,
    Number,
    /// A position Drain found variable, or a word of mixed or unknown type.
    Token,
}

impl Kind {
    fn code(self) -> char {
        match self {
            Kind::Time => 'T',
            Kind::Ip => 'I',
            Kind::Id => 'D',
            Kind::Number => 'N',
            Kind::Token => '*',
        }
    }
    fn from_code(c: char) -> Kind {
        match c {
            'T' => Kind::Time,
            'I' => Kind::Ip,
            'D' => Kind::Id,
            'N' => Kind::Number,
            _ => Kind::Token,
        }
    }
    /// The name shown in `@pattern`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Kind::Time => "Time",
            Kind::Ip => "IP",
            Kind::Id => "ID",
            Kind::Number => "Number",
            Kind::Token => "Token",
        }
    }
}

/// A pattern's `@severityLabel`, from the first level word (`ERROR`, `warn`, `Info`, ...)
/// among a line's first words; `Unknown` when its lines name none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    Info,
    Debug,
    Unknown,
}

impl Severity {
    const ALL: [Severity; 5] = [
        Severity::Error,
        Severity::Warning,
        Severity::Info,
        Severity::Debug,
        Severity::Unknown,
    ];
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
            Severity::Info => "Info",
            Severity::Debug => "Debug",
            Severity::Unknown => "Unknown",
        }
    }
    fn of_word(w: &str) -> Option<Severity> {
        const WORDS: [(&str, Severity); 17] = [
            ("error", Severity::Error),
            ("err", Severity::Error),
            ("fatal", Severity::Error),
            ("critical", Severity::Error),
            ("crit", Severity::Error),
            ("panic", Severity::Error),
            ("severe", Severity::Error),
            ("emerg", Severity::Error),
            ("alert", Severity::Error),
            ("warn", Severity::Warning),
            ("warning", Severity::Warning),
            ("info", Severity::Info),
            ("information", Severity::Info),
            ("notice", Severity::Info),
            ("debug", Severity::Debug),
            ("trace", Severity::Debug),
            ("verbose", Severity::Debug),
        ];
        if w.len() > 11 {
            return None;
        }
        WORDS.iter().find(|(n, _)| n.eq_ignore_ascii_case(w)).map(|(_, s)| *s)
    }
}

#[derive(Debug, Clone)]
struct Entry {
    /// Events of the query range and of the earlier period (`diff`).
    counts: [u64; 2],
    first_seq: u64,
    severities: [u64; 5],
}

impl Entry {
    fn absorb(&mut self, o: &Entry) {
        self.counts[0] += o.counts[0];
        self.counts[1] += o.counts[1];
        self.first_seq = self.first_seq.min(o.first_seq);
        for (a, b) in self.severities.iter_mut().zip(o.severities) {
            *a += b;
        }
    }
}

/// The mergeable state of one worker: signatures and their counts.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    level: u8,
    map: FxMap<Box<str>, Entry>,
    bytes: usize,
    buf: String,
}

/// One pattern of the result.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternRow {
    /// The template, dynamic tokens numbered from 1 in order (`<ID-2>`).
    pub pattern: String,
    /// Events of the query range and of the earlier period (always 0 without `diff`).
    pub counts: [u64; 2],
    pub severity: Severity,
}

impl Patterns {
    #[must_use]
    pub fn new() -> Self {
        Patterns::default()
    }

    /// Counts one line; `seq` orders events (the earliest one of a pattern decides its place in
    /// Drain's order); `previous` says it belongs to the earlier period of a `diff`.
    pub fn add(&mut self, text: &str, seq: u64, previous: bool) {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let severity = signature(text, &mut buf);
        if self.level > 0 {
            buf = coarsen(&buf, 0, self.level);
        }
        let period = usize::from(previous);
        if let Some(e) = self.map.get_mut(buf.as_str()) {
            e.counts[period] += 1;
            e.first_seq = e.first_seq.min(seq);
            e.severities[severity as usize] += 1;
        } else {
            let mut e = Entry {
                counts: [0, 0],
                first_seq: seq,
                severities: [0; 5],
            };
            e.counts[period] = 1;
            e.severities[severity as usize] = 1;
            self.bytes += buf.len();
            self.map.insert(buf.as_str().into(), e);
            self.fit();
        }
        self.buf = buf;
    }

    /// Adds another worker's state (the result does not depend on the order of merging).
    pub fn merge(&mut self, mut other: Patterns) {
        let level = self.level.max(other.level);
        self.raise(level);
        other.raise(level);
        for (k, e) in other.map {
            match self.map.get_mut(&k) {
                Some(mine) => mine.absorb(&e),
                None => {
                    self.bytes += k.len();
                    self.map.insert(k, e);
                }
            }
        }
        self.fit();
    }

    /// Number of distinct signatures kept (for tests of the bounds).
    #[must_use]
    pub fn signatures(&self) -> usize {
        self.map.len()
    }

    fn fit(&mut self) {
        while self.level < MAX_LEVEL && (self.map.len() > MAX_SIGNATURES || self.bytes > MAX_SIGNATURE_BYTES) {
            self.raise(self.level + 1);
        }
    }

    fn raise(&mut self, level: u8) {
        if level <= self.level {
            return;
        }
        let old = std::mem::take(&mut self.map);
        self.bytes = 0;
        for (k, e) in old {
            let k = coarsen(&k, self.level, level);
            match self.map.get_mut(k.as_str()) {
                Some(mine) => mine.absorb(&e),
                None => {
                    self.bytes += k.len();
                    self.map.insert(k.into_boxed_str(), e);
                }
            }
        }
        self.level = level;
    }

    /// Clusters the signatures (Drain) and returns the patterns, most frequent first (then
    /// in order of first appearance).
    #[must_use]
    pub fn finish(self) -> Vec<PatternRow> {
        let mut entries: Vec<(Box<str>, Entry)> = self.map.into_iter().collect();
        entries.sort_by(|a, b| a.1.first_seq.cmp(&b.1.first_seq).then_with(|| a.0.cmp(&b.0)));
        let mut clusters: Vec<Cluster> = Vec::new();
        let mut leaves: FxMap<(usize, String, String), Vec<usize>> = FxMap::default();
        for (key, e) in entries {
            let toks = parse_key(&key);
            let leaf = leaves.entry(route(&toks)).or_default();
            let mut best: Option<(usize, usize)> = None;
            for &ci in leaf.iter().take(MAX_LEAF_CANDIDATES) {
                // Only lines of the same shape (the same separators) share a pattern.
                if clusters[ci].tokens.iter().zip(&toks).any(|(a, b)| a.sep != b.sep) {
                    continue;
                }
                let same = clusters[ci].tokens.iter().zip(&toks).filter(|(a, b)| a.word == b.word).count();
                if best.is_none_or(|(_, s)| same > s) {
                    best = Some((ci, same));
                }
            }
            match best {
                Some((ci, same)) if same as f64 >= SIMILARITY * toks.len() as f64 => {
                    let c = &mut clusters[ci];
                    for (t, n) in c.tokens.iter_mut().zip(toks) {
                        if t.word != n.word {
                            t.word = Word::Var(Kind::Token);
                        }
                    }
                    c.entry.absorb(&e);
                }
                _ => {
                    leaf.push(clusters.len());
                    clusters.push(Cluster { tokens: toks, entry: e });
                }
            }
        }
        clusters.sort_by(|a, b| {
            let total = |c: &Cluster| c.entry.counts[0] + c.entry.counts[1];
            b.entry.counts[0]
                .cmp(&a.entry.counts[0])
                .then(total(b).cmp(&total(a)))
                .then(a.entry.first_seq.cmp(&b.entry.first_seq))
        });
        clusters
            .into_iter()
            .map(|c| {
                let sev = c.entry.severities;
                let mut best = 0;
                for i in 1..sev.len() {
                    if sev[i] > sev[best] {
                        best = i;
                    }
                }
                PatternRow {
                    pattern: render(&c.tokens),
                    counts: c.entry.counts,
                    severity: Severity::ALL[best],
                }
            })
            .collect()
    }
}

/// The earlier period a `diff` query compares with, for a query range `[start, end)` (epoch
/// ms): the range just before it, or the same range one day, one week or one calendar month
/// earlier (a day past the end of the earlier month is clamped to its last day). `None` when the
/// query has no `diff`. A data source running a `diff` query must supply this period's events
/// along with the range's (in any order): the engine tells them apart by timestamp.
#[must_use]
pub fn diff_range(q: &Query, start: i64, end: i64) -> Option<(i64, i64)> {
    let period = q.commands.iter().find_map(|c| match c {
        Command::Diff(p) => Some(*p),
        _ => None,
    })?;
    Some(earlier_range(period, start, end))
}

/// [`diff_range`] for a known period.
#[must_use]
pub fn earlier_range(period: DiffPeriod, start: i64, end: i64) -> (i64, i64) {
    const DAY: i64 = 86_400_000;
    match period {
        DiffPeriod::PreviousPeriod => (start.saturating_sub(end.saturating_sub(start)), start),
        DiffPeriod::PreviousDay => (start.saturating_sub(DAY), end.saturating_sub(DAY)),
        DiffPeriod::PreviousWeek => (start.saturating_sub(7 * DAY), end.saturating_sub(7 * DAY)),
        DiffPeriod::PreviousMonth => (month_earlier(start), month_earlier(end)),
    }
}

fn month_earlier(ms: i64) -> i64 {
    // About ±270,000 years, as the rest of the calendar code, so nothing overflows.
    let ms = ms.clamp(-8_640_000_000_000_000, 8_640_000_000_000_000);
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    let last = days_from_civil(if m == 12 { y + 1 } else { y }, if m == 12 { 1 } else { m + 1 }, 1) - days_from_civil(y, m, 1);
    days_from_civil(y, m, d.min(last as u32)) * 86_400_000 + rem
}

/// The result rows of a `pattern` (or, with `diff`, a comparison), in the column order of
/// [`crate::ast::PATTERN_COLUMNS`] / [`crate::ast::DIFF_COLUMNS`].
/// Rows are `out_len` wide (later commands may add fields).
pub(super) fn to_rows(patterns: Vec<PatternRow>, diff: bool, out_len: usize) -> Vec<Row> {
    let totals = patterns.iter().fold([0u64; 2], |t, p| [t[0] + p.counts[0], t[1] + p.counts[1]]);
    // Four decimals, as a share is read (AWS's example shows `0.50`).
    let ratio = |n: u64, total: u64| {
        if total == 0 {
            Value::Null
        } else {
            Value::Num((n as f64 / total as f64 * 10_000.0).round() / 10_000.0)
        }
    };
    patterns
        .into_iter()
        .filter(|p| diff || p.counts[0] > 0)
        .map(|p| {
            let [now, before] = p.counts;
            let mut row: Row = vec![
                Value::Str(Cow::Owned(p.pattern)),
                ratio(now, totals[0]),
                Value::Num(now as f64),
                Value::Str(Cow::Borrowed(p.severity.label())),
            ];
            if diff {
                let change = match (before, now) {
                    (0, _) => "new",
                    (_, 0) => "gone",
                    (b, n) if n > b => "increased",
                    (b, n) if n < b => "decreased",
                    _ => "unchanged",
                };
                row.extend([
                    Value::Num(before as f64),
                    ratio(before, totals[1]),
                    Value::Num(now as f64 - before as f64),
                    Value::Str(Cow::Borrowed(change)),
                ]);
            }
            row.resize(out_len.max(row.len()), Value::Null);
            row
        })
        .collect()
}

struct Cluster {
    tokens: Vec<Token>,
    entry: Entry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Word {
    Lit(String),
    Var(Kind),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    sep: String,
    word: Word,
}

fn parse_key(key: &str) -> Vec<Token> {
    key.split_terminator(TOK_END)
        .map(|t| {
            let (sep, word) = t.split_once(SEP_END).unwrap_or((t, ""));
            let word = match word.strip_prefix(MASK) {
                Some(k) => Word::Var(Kind::from_code(k.chars().next().unwrap_or('*'))),
                None => Word::Lit(word.to_string()),
            };
            Token {
                sep: sep.to_string(),
                word,
            }
        })
        .collect()
}

fn write_token(out: &mut String, sep: &str, word: &Word) {
    out.push_str(sep);
    out.push(SEP_END);
    match word {
        Word::Lit(w) => out.push_str(w),
        Word::Var(k) => {
            out.push(MASK);
            out.push(k.code());
        }
    }
    out.push(TOK_END);
}

/// Drain's tree position: the token count and the first two words (a word with a digit, or a
/// masked one, routes as a wildcard, so ids at the start of a line do not split the tree).
fn route(toks: &[Token]) -> (usize, String, String) {
    let key = |i: usize| match toks.get(i).map(|t| &t.word) {
        Some(Word::Lit(w)) if !w.bytes().any(|b| b.is_ascii_digit()) => format!("{}\u{1}{w}", toks[i].sep),
        _ => "\u{0}".to_string(),
    };
    (toks.len(), key(0), key(1))
}

fn render(toks: &[Token]) -> String {
    let mut out = String::new();
    let mut n = 0;
    for t in toks {
        out.push_str(&t.sep);
        match &t.word {
            Word::Lit(w) => out.push_str(w),
            Word::Var(k) => {
                n += 1;
                out.push('<');
                out.push_str(k.label());
                out.push('-');
                out.push_str(&n.to_string());
                out.push('>');
            }
        }
    }
    out
}

/// Re-encodes a signature from one level to a coarser one.
fn coarsen(key: &str, from: u8, to: u8) -> String {
    let mut toks = parse_key(key);
    let last = toks.len().saturating_sub(1);
    for level in from + 1..=to {
        let mut words = 0;
        for (i, t) in toks.iter_mut().enumerate() {
            if i == last {
                if level >= 3 {
                    t.sep.clear();
                }
                continue;
            }
            words += 1;
            match level {
                1 => {
                    if let Word::Lit(w) = &t.word {
                        if w.len() > 24 || w.bytes().any(|b| b.is_ascii_digit()) {
                            t.word = Word::Var(Kind::Token);
                        }
                    }
                }
                2 => {
                    if words > 4 {
                        t.word = Word::Var(Kind::Token);
                    }
                }
                _ => {
                    t.word = Word::Var(Kind::Token);
                    t.sep = " ".into();
                }
            }
        }
    }
    let mut out = String::new();
    for t in &toks {
        write_token(&mut out, &t.sep, &t.word);
    }
    out
}

/// Word bytes: ASCII letters and digits, and every byte of a non-ASCII character (so words are
/// split only at ASCII punctuation and spaces, and never inside a character).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// Splits `text` into separators and words, masks variable words, writes the signature into
/// `out` and returns the line's severity.
fn signature(text: &str, out: &mut String) -> Severity {
    let mut severity = None;
    let mut words = 0usize;
    let mut sep_start = 0usize;
    let mut prev_time = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut truncated = false;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        // A word: letters and digits, and `-`, `.`, `:` between two of them.
        let start = i;
        let mut j = i + 1;
        while j < bytes.len() {
            let c = bytes[j];
            if is_word_byte(c) || (matches!(c, b'-' | b'.' | b':') && j + 1 < bytes.len() && is_word_byte(bytes[j + 1])) {
                j += 1;
            } else {
                break;
            }
        }
        let end = j;
        let sep = &text[sep_start..start];
        let word = &text[start..end];
        i = j;
        if words == MAX_TOKENS {
            push_sep(out, sep);
            out.push(SEP_END);
            out.push(MASK);
            out.push(Kind::Token.code());
            out.push(TOK_END);
            sep_start = text.len();
            truncated = true;
            break;
        }
        if severity.is_none() && words < SEVERITY_WORDS {
            severity = Severity::of_word(word);
        }
        let kind = classify(word);
        if kind == Some(Kind::Time) && prev_time && sep == " " {
            // `2023-01-01 19:00:01` is one timestamp.
            sep_start = end;
            continue;
        }
        prev_time = kind == Some(Kind::Time);
        push_sep(out, sep);
        out.push(SEP_END);
        match kind {
            Some(k) => {
                out.push(MASK);
                out.push(k.code());
            }
            None => push_clean(out, word),
        }
        out.push(TOK_END);
        words += 1;
        sep_start = end;
    }
    let trailing = if truncated { "" } else { &text[sep_start.min(text.len())..] };
    push_sep(out, trailing);
    out.push(SEP_END);
    out.push(TOK_END);
    severity.unwrap_or(Severity::Unknown)
}

fn push_sep(out: &mut String, sep: &str) {
    let mut cut = sep.len().min(MAX_SEPARATOR);
    while !sep.is_char_boundary(cut) {
        cut -= 1;
    }
    push_clean(out, &sep[..cut]);
}

fn push_clean(out: &mut String, s: &str) {
    if !s.bytes().any(|b| b <= 2) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        out.push(if matches!(c, MASK | SEP_END | TOK_END) { '\u{fffd}' } else { c });
    }
}

/// The type of a variable word, or `None` for a word kept as it is.
fn classify(w: &str) -> Option<Kind> {
    if w.len() > MAX_WORD {
        return Some(Kind::Token);
    }
    let b = w.as_bytes();
    if !b.iter().any(u8::is_ascii_digit) {
        return None;
    }
    if is_time(b) {
        return Some(Kind::Time);
    }
    if is_ipv4(w) {
        return Some(Kind::Ip);
    }
    if is_number(w) {
        return Some(Kind::Number);
    }
    let has_letter = b.iter().any(u8::is_ascii_alphabetic);
    let hexlike = b.len() >= 16 && b.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-');
    let mixed = b.len() >= 8 && (has_letter || b.contains(&b'-') || b.contains(&b':'));
    // `u4711`, `host042`: a short name that is mostly a number.
    let numbered = {
        let d = b.iter().filter(|c| c.is_ascii_digit()).count();
        has_letter && d >= 3 && 2 * d >= b.len()
    };
    if is_uuid(b) || hexlike || mixed || numbered || (b.len() > 2 && (w.starts_with("0x") || w.starts_with("0X"))) {
        return Some(Kind::Id);
    }
    None
}

fn digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

fn is_time(b: &[u8]) -> bool {
    // 2023-01-01, 2023-01-01T19:00:01.123Z
    if b.len() >= 10 && digits(&b[0..4]) && b[4] == b'-' && digits(&b[5..7]) && b[7] == b'-' && digits(&b[8..10]) {
        return b.len() == 10 || matches!(b[10], b'T' | b't');
    }
    // 19:00, 19:00:01, 19:00:01.123, 19:00:01Z
    let b = b.strip_suffix(b"Z").unwrap_or(b);
    let mut parts = b.splitn(2, |c| *c == b'.');
    let hms = parts.next().unwrap_or_default();
    let frac_ok = parts.next().is_none_or(digits);
    let mut fields = hms.split(|c| *c == b':');
    let hour_ok = fields.next().is_some_and(|h| (1..=2).contains(&h.len()) && digits(h));
    let mut rest = 0;
    let rest_ok = fields.all(|f| {
        rest += 1;
        f.len() == 2 && digits(f)
    });
    frac_ok && hour_ok && rest_ok && (1..=2).contains(&rest)
}

fn is_ipv4(w: &str) -> bool {
    let (addr, port) = match w.split_once(':') {
        Some((a, p)) => (a, Some(p)),
        None => (w, None),
    };
    let parts: Vec<&str> = addr.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && digits(p.as_bytes()) && p.parse::<u16>().is_ok_and(|n| n <= 255))
        && port.is_none_or(|p| (1..=5).contains(&p.len()) && digits(p.as_bytes()))
}

fn is_number(w: &str) -> bool {
    let num_end = w.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(w.len());
    let (num, unit) = w.split_at(num_end);
    let mut parts = num.split('.');
    let int_ok = parts.next().is_some_and(|p| digits(p.as_bytes()));
    let frac_ok = parts.next().is_none_or(|p| digits(p.as_bytes()));
    let units = [
        "ms", "s", "us", "ns", "m", "h", "d", "b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "k", "x",
    ];
    int_ok && frac_ok && parts.next().is_none() && (unit.is_empty() || units.iter().any(|u| u.eq_ignore_ascii_case(unit)))
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn patterns(lines: &[&str]) -> Vec<(String, u64)> {
        let mut p = Patterns::new();
        for (i, l) in lines.iter().enumerate() {
            p.add(l, i as u64, false);
        }
        p.finish().into_iter().map(|r| (r.pattern, r.counts[0])).collect()
    }

    #[test]
    fn masks_by_form() {
        let cases = [
            ("2023-01-01", Some(Kind::Time)),
            ("2024-05-01T12:00:00.123Z", Some(Kind::Time)),
            ("19:00:01", Some(Kind::Time)),
            ("10.0.1.5", Some(Kind::Ip)),
            ("10.0.1.5:443", Some(Kind::Ip)),
            ("327", Some(Kind::Number)),
            ("0.25", Some(Kind::Number)),
            ("327ms", Some(Kind::Number)),
            ("0f8fad5b-d9cb-469f-a165-70867728950e", Some(Kind::Id)),
            ("12342342k124-12345", Some(Kind::Id)),
            ("eni-0a1b2c3d4e5f60718", Some(Kind::Id)),
            ("0x1f", Some(Kind::Id)),
            ("INFO", None),
            ("v2", None),
            ("u4711", Some(Kind::Id)),
            ("i18n", None),
            ("index", None),
        ];
        for (w, k) in cases {
            assert_eq!(classify(w), k, "{w}");
        }
    }

    #[test]
    fn one_template_per_shape() {
        let got = patterns(&[
            "user 17 logged in from 10.0.0.1",
            "user 18 logged in from 10.0.0.2",
            "disk full on /dev/sda1",
            "user 4711 logged in from 192.168.1.1",
        ]);
        assert_eq!(
            got,
            vec![
                ("user <Number-1> logged in from <IP-2>".to_string(), 3),
                ("disk full on /dev/sda1".to_string(), 1)
            ]
        );
        // Literal words that vary become <Token-n>; the first two words route (Drain's tree).
        let got = patterns(&["took 5 ms for GET /a", "took 6 ms for PUT /b", "GET took 5 ms", "PUT took 5 ms"]);
        assert_eq!(
            got,
            vec![
                ("took <Number-1> ms for <Token-2> /<Token-3>".to_string(), 2),
                ("GET took <Number-1> ms".to_string(), 1),
                ("PUT took <Number-1> ms".to_string(), 1)
            ]
        );
    }

    #[test]
    fn only_lines_of_one_shape_merge() {
        let got = patterns(&["job x=1 y=foo z=a", "job x=2 y/bar z=a", "job x=3 y=baz z=a"]);
        assert_eq!(
            got,
            vec![
                ("job x=<Number-1> y=<Token-2> z=a".to_string(), 2),
                ("job x=<Number-1> y/bar z=a".to_string(), 1)
            ]
        );
    }

    #[test]
    fn coarsening_keeps_every_event() {
        let mut p = Patterns::new();
        for i in 0..(MAX_SIGNATURES as u64 + 50) {
            p.add(&format!("event word{} happened", letters(i)), i, false);
        }
        assert!(p.signatures() <= MAX_SIGNATURES);
        assert!(p.level >= 1);
        let rows = p.finish();
        assert_eq!(rows.iter().map(|r| r.counts[0]).sum::<u64>(), MAX_SIGNATURES as u64 + 50);
    }

    pub(super) fn letters(mut i: u64) -> String {
        let mut s = String::new();
        loop {
            s.push((b'a' + (i % 26) as u8) as char);
            i /= 26;
            if i == 0 {
                return s;
            }
        }
    }

    #[test]
    fn coarsening_is_a_function_of_the_line() {
        let key = |l: &str, level: u8| {
            let mut s = String::new();
            signature(l, &mut s);
            coarsen(&s, 0, level)
        };
        let l = "job x17 took 5ms for user abc on host-1 at 12:00";
        for lv in 1..=MAX_LEVEL {
            let once = key(l, lv);
            let mut s = String::new();
            signature(l, &mut s);
            let mut stepped = s;
            for k in 0..lv {
                stepped = coarsen(&stepped, k, k + 1);
            }
            assert_eq!(once, stepped, "level {lv}");
        }
    }
}
