//! `SEARCH` queries, built to
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html>:
//!
//! - An optional **metric schema** `{Namespace, DimensionName, ...}` (names separated by commas or spaces,
//!   double-quoted when they hold spaces or other characters): the metric's namespace is exactly the first
//!   name and its set of dimension names is exactly the others (`{AWS/EC2}` alone: no dimensions).
//! - An optional **search term** (one of the two is required): partial terms (`CPU`, `network-errors`),
//!   exact terms (`"CPUUtilization"`, with `\"`, `\\`, `\(`, `\)` escapes), property designators
//!   (`MetricName=`, `Namespace=`, or a dimension name: `InstanceType=micro`, `InstanceType="t2.micro"`),
//!   `:aws.AccountId = "..."` (or `'LOCAL'`), the case-sensitive boolean operators `AND`, `OR`, `NOT`,
//!   implicit `AND` between terms, and parentheses.
//! - **Tokens**: names are split where camel case changes, where numbers start and at every
//!   non-alphanumeric character; all tokens are lower case, plus the whole name without its delimiters
//!   (`CustomCount1` → `customcount1`, `custom`, `count`, `1`; `SDBFailure` → `sdbfailure`, `sdb`, `failure`).
//!   A partial term is tokenized the same way: a term that is a single token matches any token
//!   case-insensitively; a term whose words split into several tokens (`CustomCount`, `Count1`) must match
//!   those tokens consecutively and case-sensitively ("To match a composite token, the search is case
//!   sensitive"), while words separated by delimiters (`network/errors`, `Network_Errors`) each match
//!   case-insensitively, consecutively.
//! - A partial or exact term without a designator matches the metric name, the namespace, a dimension name
//!   or a dimension value.
//! - Limits: queries up to 1,024 characters; at most 500 results per search.
//!
//! Result labels: CloudWatch labels a search result by what distinguishes it. Here a label is the
//! metric's dimension values (schema order first, then the metric's own order) joined by spaces, followed
//! by the metric name when the results do not all share one metric name or when the metric has no
//! dimensions. (`SEARCH('{AWS/Lambda, FunctionName} Errors', 'Sum')` labels each series with its function
//! name, which is what the dynamic-labels page shows `${LABEL}` to be.)

use cloudwatch::metrics::Metric;

/// Longest query ("The maximum search expression query size is 1024 characters").
pub const MAX_QUERY_CHARS: usize = 1024;
/// Most series one search returns ("A graph can display as many as 500 time series").
pub const MAX_RESULTS: usize = 500;
/// Deepest nesting of parentheses and `NOT`.
const MAX_NESTING: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    pub namespace: String,
    pub dimensions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A partial match, on one property (`MetricName`, `Namespace`, a dimension name) or on any.
    Partial { property: Option<String>, text: String },
    /// An exact match.
    Exact { property: Option<String>, text: String },
    /// `:aws.AccountId = ...`: the accounts named (`LOCAL` is the account itself).
    Account(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    Term(Term),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

/// A parsed search query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub schema: Option<Schema>,
    pub term: Option<Cond>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Exact(String),
    Word(String),
}

/// Parses the query of `SEARCH(' {AWS/EC2,InstanceId} MetricName="CPUUtilization" ', 'Average')`
/// (the part between the single quotes).
pub fn parse(query: &str) -> Result<SearchQuery, String> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(format!("The search query is longer than {MAX_QUERY_CHARS} characters"));
    }
    let chars: Vec<char> = query.chars().collect();
    let mut i = 0;
    skip_ws(&chars, &mut i);
    let mut schema = None;
    if chars.get(i) == Some(&'{') {
        i += 1;
        let mut names = Vec::new();
        loop {
            skip_ws(&chars, &mut i);
            match chars.get(i) {
                None => return Err("The metric schema is missing its closing }".into()),
                Some('}') => {
                    i += 1;
                    break;
                }
                Some(',') => i += 1,
                Some('"') => names.push(quoted(&chars, &mut i)?),
                Some(_) => {
                    let start = i;
                    while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], ',' | '}' | '"') {
                        i += 1;
                    }
                    names.push(chars[start..i].iter().collect());
                }
            }
        }
        let mut names = names.into_iter();
        let Some(namespace) = names.next() else {
            return Err("The metric schema must name a namespace".into());
        };
        schema = Some(Schema {
            namespace,
            dimensions: names.collect(),
        });
        skip_ws(&chars, &mut i);
        if chars.get(i) == Some(&',') {
            i += 1;
        }
    }
    let tokens = tokenize_query(&chars, i)?;
    let term = if tokens.is_empty() {
        None
    } else {
        let mut p = Parser { tokens, at: 0, nesting: 0 };
        let cond = p.or()?;
        if p.at < p.tokens.len() {
            return Err(format!("Unexpected {} in the search query", show(&p.tokens[p.at])));
        }
        Some(cond)
    };
    if schema.is_none() && term.is_none() {
        return Err("A search needs a metric schema, a search term, or both".into());
    }
    Ok(SearchQuery { schema, term })
}

fn skip_ws(chars: &[char], i: &mut usize) {
    while *i < chars.len() && chars[*i].is_whitespace() {
        *i += 1;
    }
}

/// `"..."` or `'...'` starting at `chars[*i]`, with backslash escapes.
fn quoted(chars: &[char], i: &mut usize) -> Result<String, String> {
    let close = chars[*i];
    *i += 1;
    let mut out = String::new();
    while *i < chars.len() {
        match chars[*i] {
            '\\' if *i + 1 < chars.len() => {
                out.push(chars[*i + 1]);
                *i += 2;
            }
            c if c == close => {
                *i += 1;
                return Ok(out);
            }
            c => {
                out.push(c);
                *i += 1;
            }
        }
    }
    Err("A quoted search term is missing its closing quote".into())
}

fn tokenize_query(chars: &[char], mut i: usize) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    while i < chars.len() {
        match chars[i] {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            '"' | '\'' => out.push(Tok::Exact(quoted(chars, &mut i)?)),
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '(' | ')' | '"' | '\'') {
                    // `Name=value`: the value part may start with a quote, ending the word after the `=`.
                    i += 1;
                    if chars[i - 1] == '=' {
                        break;
                    }
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Open => "'('".into(),
        Tok::Close => "')'".into(),
        Tok::Exact(s) => format!("\"{s}\""),
        Tok::Word(s) => format!("'{s}'"),
    }
}

struct Parser {
    tokens: Vec<Tok>,
    at: usize,
    nesting: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Tok::Word(x)) if x == w)
    }

    fn enter(&mut self) -> Result<(), String> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(format!("The search query is nested more than {MAX_NESTING} levels deep"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.and()?];
        while self.peek_word("OR") {
            self.at += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::Or(items) })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.unary()?];
        loop {
            if self.peek_word("AND") {
                self.at += 1;
                items.push(self.unary()?);
                continue;
            }
            match self.tokens.get(self.at) {
                None | Some(Tok::Close) => break,
                Some(Tok::Word(w)) if w == "OR" => break,
                Some(_) => items.push(self.unary()?),
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
    }

    fn unary(&mut self) -> Result<Cond, String> {
        if self.peek_word("NOT") {
            self.at += 1;
            self.enter()?;
            let inner = self.unary()?;
            self.nesting -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cond, String> {
        let Some(tok) = self.tokens.get(self.at).cloned() else {
            return Err("The search query ended where a term was expected".into());
        };
        self.at += 1;
        match tok {
            Tok::Open => {
                self.enter()?;
                let inner = self.or()?;
                if self.tokens.get(self.at) != Some(&Tok::Close) {
                    return Err("A parenthesis in the search query is not closed".into());
                }
                self.at += 1;
                self.nesting -= 1;
                Ok(inner)
            }
            Tok::Close => Err("Unexpected ')' in the search query".into()),
            Tok::Exact(text) => Ok(Cond::Term(Term::Exact { property: None, text })),
            Tok::Word(w) if w == "AND" || w == "OR" => Err(format!("The operator {w} needs a term on each side")),
            Tok::Word(w) => self.word(w),
        }
    }

    /// A bare word: a partial term, or a designator `Name=value` / `Name = value` / `Name="value"`.
    fn word(&mut self, w: String) -> Result<Cond, String> {
        let (name, value) = if let Some((name, value)) = w.split_once('=') {
            (name.to_string(), if value.is_empty() { None } else { Some(value.to_string()) })
        } else if matches!(self.tokens.get(self.at), Some(Tok::Word(x)) if x.starts_with('=')) {
            let Some(Tok::Word(x)) = self.tokens.get(self.at).cloned() else {
                return Err("Unexpected end of the search query".into());
            };
            self.at += 1;
            let rest = x[1..].to_string();
            (w, if rest.is_empty() { None } else { Some(rest) })
        } else {
            return Ok(Cond::Term(Term::Partial { property: None, text: w }));
        };
        if name.is_empty() {
            return Err("A property designator needs a name before =".into());
        }
        if name == ":aws.AccountId" {
            return self.accounts(value);
        }
        let property = Some(name.clone());
        if let Some(text) = value {
            return Ok(Cond::Term(Term::Partial { property, text }));
        }
        match self.tokens.get(self.at).cloned() {
            Some(Tok::Exact(text)) => {
                self.at += 1;
                Ok(Cond::Term(Term::Exact { property, text }))
            }
            Some(Tok::Word(text)) if !["AND", "OR", "NOT"].contains(&text.as_str()) => {
                self.at += 1;
                Ok(Cond::Term(Term::Partial { property, text }))
            }
            _ => Err(format!("The property designator {name}= needs a value")),
        }
    }

    /// `:aws.AccountId = "1"`, `= 'LOCAL'`, `= ("1" OR "2")`.
    fn accounts(&mut self, inline: Option<String>) -> Result<Cond, String> {
        if let Some(v) = inline {
            return Ok(Cond::Term(Term::Account(vec![v])));
        }
        match self.tokens.get(self.at).cloned() {
            Some(Tok::Exact(v)) | Some(Tok::Word(v)) => {
                self.at += 1;
                Ok(Cond::Term(Term::Account(vec![v])))
            }
            Some(Tok::Open) => {
                self.at += 1;
                let mut ids = Vec::new();
                loop {
                    match self.tokens.get(self.at).cloned() {
                        Some(Tok::Exact(v)) => ids.push(v),
                        Some(Tok::Word(w)) if w == "OR" => {}
                        Some(Tok::Word(v)) => ids.push(v),
                        Some(Tok::Close) => {
                            self.at += 1;
                            break;
                        }
                        _ => return Err("The account list of :aws.AccountId is not closed".into()),
                    }
                    self.at += 1;
                }
                Ok(Cond::Term(Term::Account(ids)))
            }
            _ => Err(":aws.AccountId needs a value".into()),
        }
    }
}

/// The atomic tokens of a name, in their original case: split at non-alphanumeric characters, where
/// lower case turns to upper case, before the last capital of a run followed by lower case (`SDBFailure`),
/// and where digits start or end.
pub fn atoms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let chars: Vec<char> = word.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (prev, cur) = (chars[i - 1], chars[i]);
            let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
            let boundary = (prev.is_lowercase() && cur.is_uppercase())
                || (prev.is_uppercase() && cur.is_uppercase() && next_lower)
                || (prev.is_numeric() != cur.is_numeric());
            if boundary {
                out.push(chars[start..i].iter().collect());
                start = i;
            }
        }
        out.push(chars[start..].iter().collect());
    }
    out
}

/// The tokens CloudWatch generates from a name (all lower case): the whole name without delimiters, then
/// each atomic token.
pub fn tokens(text: &str) -> Vec<String> {
    let whole: String = text.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    let mut out = vec![whole];
    for a in atoms(text) {
        let a = a.to_lowercase();
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// Whether the partial term `term` matches the name `text`.
pub fn partial_match(term: &str, text: &str) -> bool {
    // (token, case sensitive): tokens of a word that splits into several are case sensitive.
    let mut pattern: Vec<(String, bool)> = Vec::new();
    for word in term.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let parts = atoms(word);
        let sensitive = parts.len() > 1;
        pattern.extend(parts.into_iter().map(|p| (p, sensitive)));
    }
    match pattern.len() {
        0 => false,
        1 => {
            let t = pattern[0].0.to_lowercase();
            tokens(text).contains(&t)
        }
        n => {
            let have = atoms(text);
            let consecutive = have.windows(n).any(|w| {
                w.iter()
                    .zip(&pattern)
                    .all(|(h, (p, sensitive))| if *sensitive { h == p } else { h.eq_ignore_ascii_case(p) })
            });
            let whole_term: String = term.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
            consecutive || tokens(text).first() == Some(&whole_term)
        }
    }
}

impl SearchQuery {
    /// Whether `metric`, owned by `account_id`, is found by this query.
    pub fn matches(&self, metric: &Metric, account_id: &str) -> bool {
        if let Some(schema) = &self.schema {
            if metric.namespace.as_deref() != Some(schema.namespace.as_str()) {
                return false;
            }
            let mut want: Vec<&str> = schema.dimensions.iter().map(String::as_str).collect();
            let mut have: Vec<&str> = metric.dimensions.iter().map(|d| d.name.as_str()).collect();
            want.sort_unstable();
            want.dedup();
            have.sort_unstable();
            have.dedup();
            if want != have {
                return false;
            }
        }
        self.term.as_ref().is_none_or(|c| eval(c, metric, account_id))
    }
}

fn eval(cond: &Cond, m: &Metric, account_id: &str) -> bool {
    match cond {
        Cond::Term(t) => term_matches(t, m, account_id),
        Cond::Not(c) => !eval(c, m, account_id),
        Cond::And(cs) => cs.iter().all(|c| eval(c, m, account_id)),
        Cond::Or(cs) => cs.iter().any(|c| eval(c, m, account_id)),
    }
}

fn term_matches(t: &Term, m: &Metric, account_id: &str) -> bool {
    let (property, text, exact) = match t {
        Term::Account(ids) => return ids.iter().any(|id| id == account_id || id == "LOCAL"),
        Term::Partial { property, text } => (property, text, false),
        Term::Exact { property, text } => (property, text, true),
    };
    let hit = |candidate: &str| if exact { candidate == text } else { partial_match(text, candidate) };
    match property.as_deref() {
        Some("MetricName") => m.metric_name.as_deref().is_some_and(hit),
        Some("Namespace") => m.namespace.as_deref().is_some_and(hit),
        Some(dim) => m.dimension(dim).is_some_and(hit),
        None => {
            m.metric_name.as_deref().is_some_and(hit)
                || m.namespace.as_deref().is_some_and(hit)
                || m.dimensions.iter().any(|d| hit(&d.name) || hit(&d.value))
        }
    }
}

/// Labels for search results (see the module docs).
pub fn labels(query: &SearchQuery, found: &[&Metric]) -> Vec<String> {
    let first_name = found.first().and_then(|m| m.metric_name.as_deref());
    let uniform = found.iter().all(|m| m.metric_name.as_deref() == first_name);
    found
        .iter()
        .map(|m| {
            let mut parts: Vec<&str> = Vec::new();
            if let Some(schema) = &query.schema {
                parts.extend(schema.dimensions.iter().filter_map(|d| m.dimension(d)));
            }
            for d in &m.dimensions {
                let in_schema = query.schema.as_ref().is_some_and(|s| s.dimensions.contains(&d.name));
                if !in_schema {
                    parts.push(&d.value);
                }
            }
            if !uniform || parts.is_empty() {
                parts.push(m.metric_name.as_deref().unwrap_or_default());
            }
            parts.join(" ")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokenization table of the syntax page.
    #[test]
    fn documented_tokens() {
        assert_eq!(tokens("CustomCount1"), ["customcount1", "custom", "count", "1"]);
        assert_eq!(tokens("SDBFailure"), ["sdbfailure", "sdb", "failure"]);
        assert_eq!(tokens("Project2-trial333"), ["project2trial333", "project", "2", "trial", "333"]);
        assert_eq!(atoms("Network-Errors_2"), ["Network", "Errors", "2"]);
    }

    /// "Partial matches" and "Non-alphanumeric characters" sections.
    #[test]
    fn documented_partial_matches() {
        for term in ["count", "Count", "COUNT", "CustomCount", "Count1", "customcount1"] {
            assert!(partial_match(term, "CustomCount1"), "{term}");
        }
        for term in ["couNT", "customcount", "count1"] {
            assert!(!partial_match(term, "CustomCount1"), "{term}");
        }
        for term in ["network/errors", "network+errors", "network-errors", "Network_Errors"] {
            assert!(partial_match(term, "Network-Errors-2"), "{term}");
            assert!(partial_match(term, "NetworkErrors2"), "{term}");
        }
    }

    /// A schema names the namespace and exactly the set of dimension names.
    #[test]
    fn schema_is_an_exact_dimension_set() {
        let q = |s: &str| parse(s).unwrap_or_else(|e| panic!("{e}"));
        let one = Metric::new("AWS/EC2", "CPUUtilization", &[("InstanceId", "i-1")]);
        let two = Metric::new("AWS/EC2", "CPUUtilization", &[("InstanceId", "i-1"), ("ImageId", "ami-1")]);
        let none = Metric::new("AWS/EC2", "CPUUtilization", &[]);
        let by_instance = q("{AWS/EC2,InstanceId}");
        assert!(by_instance.matches(&one, "1") && !by_instance.matches(&two, "1") && !by_instance.matches(&none, "1"));
        let both = q("{AWS/EC2, ImageId InstanceId}");
        assert!(!both.matches(&one, "1") && both.matches(&two, "1"));
        let bare = q("{AWS/EC2}");
        assert!(!bare.matches(&one, "1") && bare.matches(&none, "1"));
        assert!(!q("{AWS/EC}").matches(&none, "1"));
    }

    #[test]
    fn grammar() {
        let q = parse(r#" {AWS/Lambda,FunctionName} MetricName="Errors" OR (MetricName="Invocations" AND (ProjectA OR ProjectB)) "#);
        let q = q.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            q.schema,
            Some(Schema {
                namespace: "AWS/Lambda".into(),
                dimensions: vec!["FunctionName".into()]
            })
        );
        assert!(matches!(q.term, Some(Cond::Or(ref v)) if v.len() == 2));
        let q = parse(r#"{"My Namespace", "Dimension@Name"}, "Custom:Name[Special_Characters" "#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.schema.map(|s| s.dimensions), Some(vec!["Dimension@Name".to_string()]));
        assert_eq!(
            parse(r#" "Europe\\France Traffic\(Network\)" "#).ok().and_then(|q| q.term),
            Some(Cond::Term(Term::Exact {
                property: None,
                text: r"Europe\France Traffic(Network)".into()
            }))
        );
        assert!(parse("").is_err());
        assert!(parse("(a").is_err());
        assert!(parse(&"(".repeat(100)).is_err());
        assert!(parse(&"x".repeat(1025)).is_err());
    }
}
