//! The table of known functions and commands.
//!
//! One place says which names exist, how many arguments they take, whether they aggregate, and
//! what they do: the parser checks calls against it, the formatter uses its canonical casing and
//! the editor shows its docs in completion.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FunctionKind {
    Scalar,
    Aggregate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Category {
    String,
    Numeric,
    Datetime,
    General,
    Ip,
    Conditional,
    Conversion,
    Aggregate,
}

/// One known function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FunctionInfo {
    /// Canonical casing.
    pub name: &'static str,
    pub min_args: usize,
    /// `None` for variadic functions.
    pub max_args: Option<usize>,
    pub kind: FunctionKind,
    pub category: Category,
    pub signature: &'static str,
    pub doc: &'static str,
}

const fn f(
    name: &'static str,
    min_args: usize,
    max_args: Option<usize>,
    kind: FunctionKind,
    category: Category,
    signature: &'static str,
    doc: &'static str,
) -> FunctionInfo {
    FunctionInfo {
        name,
        min_args,
        max_args,
        kind,
        category,
        signature,
        doc,
    }
}

use Category as C;
use FunctionKind::{Aggregate as A, Scalar as S};

/// Every function the language knows.
pub const FUNCTIONS: &[FunctionInfo] = &[
    // String
    f(
        "strlen",
        1,
        Some(1),
        S,
        C::String,
        "strlen(str)",
        "Length of the string in characters.",
    ),
    f(
        "toupper",
        1,
        Some(1),
        S,
        C::String,
        "toupper(str)",
        "Converts the string to upper case.",
    ),
    f(
        "tolower",
        1,
        Some(1),
        S,
        C::String,
        "tolower(str)",
        "Converts the string to lower case.",
    ),
    f(
        "trim",
        1,
        Some(2),
        S,
        C::String,
        "trim(str[, chars])",
        "Removes whitespace (or the given characters) from both ends.",
    ),
    f(
        "ltrim",
        1,
        Some(2),
        S,
        C::String,
        "ltrim(str[, chars])",
        "Removes whitespace (or the given characters) from the start.",
    ),
    f(
        "rtrim",
        1,
        Some(2),
        S,
        C::String,
        "rtrim(str[, chars])",
        "Removes whitespace (or the given characters) from the end.",
    ),
    f("concat", 1, None, S, C::String, "concat(str, ...)", "Concatenates the strings."),
    f(
        "substr",
        2,
        Some(3),
        S,
        C::String,
        "substr(str, start[, length])",
        "Substring from a zero-based start index.",
    ),
    f(
        "replace",
        3,
        Some(3),
        S,
        C::String,
        "replace(str, search, replacement)",
        "Replaces every occurrence of search.",
    ),
    f(
        "strcontains",
        2,
        Some(3),
        S,
        C::String,
        "strcontains(str, search[, ignoreCase])",
        "1 if str contains search, else 0; with a true third argument the search ignores case.",
    ),
    f(
        "split",
        2,
        Some(2),
        S,
        C::String,
        "split(str, delimiter)",
        "The parts of str between the delimiters, as a list: read it with `l[0]` or `unnest`.",
    ),
    f(
        "isempty",
        1,
        Some(1),
        S,
        C::String,
        "isempty(field)",
        "True if the field is missing or an empty string.",
    ),
    f(
        "isblank",
        1,
        Some(1),
        S,
        C::String,
        "isblank(field)",
        "True if the field is missing, empty or only whitespace.",
    ),
    // Numeric
    f("abs", 1, Some(1), S, C::Numeric, "abs(number)", "Absolute value."),
    f("ceil", 1, Some(1), S, C::Numeric, "ceil(number)", "Rounds up to an integer."),
    f("floor", 1, Some(1), S, C::Numeric, "floor(number)", "Rounds down to an integer."),
    f(
        "greatest",
        1,
        None,
        S,
        C::Numeric,
        "greatest(number, ...)",
        "The largest of the values.",
    ),
    f("least", 1, None, S, C::Numeric, "least(number, ...)", "The smallest of the values."),
    f("log", 1, Some(1), S, C::Numeric, "log(number)", "Natural logarithm."),
    f("sqrt", 1, Some(1), S, C::Numeric, "sqrt(number)", "Square root."),
    // Datetime
    f(
        "bin",
        1,
        Some(1),
        S,
        C::Datetime,
        "bin(period)",
        "Rounds @timestamp down to the period, e.g. bin(5m).",
    ),
    f(
        "datefloor",
        2,
        Some(2),
        S,
        C::Datetime,
        "datefloor(timestamp, period)",
        "Rounds the timestamp down to the period.",
    ),
    f(
        "dateceil",
        2,
        Some(2),
        S,
        C::Datetime,
        "dateceil(timestamp, period)",
        "Rounds the timestamp up to the period.",
    ),
    f(
        "fromMillis",
        1,
        Some(1),
        S,
        C::Datetime,
        "fromMillis(number)",
        "Epoch milliseconds to a timestamp.",
    ),
    f(
        "toMillis",
        1,
        Some(1),
        S,
        C::Datetime,
        "toMillis(timestamp)",
        "A timestamp to epoch milliseconds.",
    ),
    f("now", 0, Some(0), S, C::Datetime, "now()", "The time the query started."),
    // General
    f(
        "ispresent",
        1,
        Some(1),
        S,
        C::General,
        "ispresent(field)",
        "True if the field exists in the event.",
    ),
    f(
        "coalesce",
        1,
        None,
        S,
        C::General,
        "coalesce(field, ...)",
        "The first value that is present.",
    ),
    f(
        "unmask",
        1,
        Some(1),
        S,
        C::General,
        "unmask(field)",
        "The field without data-protection masking.",
    ),
    f(
        "jsonParse",
        1,
        Some(1),
        S,
        C::General,
        "jsonParse(field)",
        "Parses a JSON string into a map or list; read it with `m.key`, m.`a.b` or `l[0]`.",
    ),
    f(
        "jsonStringify",
        1,
        Some(1),
        S,
        C::General,
        "jsonStringify(value)",
        "A map or list (from jsonParse) as JSON text.",
    ),
    // Conditional
    f(
        "if",
        3,
        Some(3),
        S,
        C::Conditional,
        "if(condition, then, else)",
        "`then` when the condition holds, else `else` (a missing condition counts as false).",
    ),
    // Conversion: invalid input gives a missing value.
    f(
        "toNumber",
        1,
        Some(1),
        S,
        C::Conversion,
        "toNumber(value)",
        "The value as a number, or missing when it does not read as one.",
    ),
    f(
        "toInt",
        1,
        Some(1),
        S,
        C::Conversion,
        "toInt(value)",
        "The value as a 32-bit integer (fractions cut toward zero), or missing.",
    ),
    f(
        "toLong",
        1,
        Some(1),
        S,
        C::Conversion,
        "toLong(value)",
        "The value as a 64-bit integer (fractions cut toward zero), or missing.",
    ),
    f(
        "toDouble",
        1,
        Some(1),
        S,
        C::Conversion,
        "toDouble(value)",
        "The value as a floating-point number, or missing.",
    ),
    // Hashing (CWL_QuerySyntax-hash-functions)
    f(
        "md5",
        1,
        Some(1),
        S,
        C::String,
        "md5(field)",
        "The MD5 hash of the string value, in hex.",
    ),
    f(
        "sha256",
        1,
        Some(1),
        S,
        C::String,
        "sha256(field)",
        "The SHA-256 hash of the string value, in hex.",
    ),
    // IP
    f(
        "isValidIp",
        1,
        Some(1),
        S,
        C::Ip,
        "isValidIp(str)",
        "True if the string is an IPv4 or IPv6 address.",
    ),
    f(
        "isValidIpV4",
        1,
        Some(1),
        S,
        C::Ip,
        "isValidIpV4(str)",
        "True if the string is an IPv4 address.",
    ),
    f(
        "isValidIpV6",
        1,
        Some(1),
        S,
        C::Ip,
        "isValidIpV6(str)",
        "True if the string is an IPv6 address.",
    ),
    f(
        "isIpInSubnet",
        2,
        Some(2),
        S,
        C::Ip,
        "isIpInSubnet(ip, cidr)",
        "True if the IP is in the CIDR subnet.",
    ),
    f(
        "isIpv4InSubnet",
        2,
        Some(2),
        S,
        C::Ip,
        "isIpv4InSubnet(ip, cidr)",
        "True if the IPv4 address is in the subnet.",
    ),
    f(
        "isIpv6InSubnet",
        2,
        Some(2),
        S,
        C::Ip,
        "isIpv6InSubnet(ip, cidr)",
        "True if the IPv6 address is in the subnet.",
    ),
    f(
        "ipv4ToNumber",
        1,
        Some(1),
        S,
        C::Ip,
        "ipv4ToNumber(str)",
        "An IPv4 address as its 32-bit number (10.0.0.1 is 167772161); missing if not IPv4.",
    ),
    f(
        "isPrivateIP",
        1,
        Some(1),
        S,
        C::Ip,
        "isPrivateIP(str)",
        "True for private addresses: 10/8, 172.16/12, 192.168/16 (RFC 1918) and fc00::/7.",
    ),
    f(
        "isPublicIP",
        1,
        Some(1),
        S,
        C::Ip,
        "isPublicIP(str)",
        "True for a valid address that is neither private nor reserved.",
    ),
    f(
        "isReservedIP",
        1,
        Some(1),
        S,
        C::Ip,
        "isReservedIP(str)",
        "True for special-purpose addresses: loopback, link-local, multicast, documentation, 0/8, 100.64/10, 240/4, ...",
    ),
    // Aggregates
    f(
        "count",
        0,
        Some(1),
        A,
        C::Aggregate,
        "count(*) | count(field)",
        "Number of events (with the field present).",
    ),
    f(
        "count_distinct",
        1,
        Some(1),
        A,
        C::Aggregate,
        "count_distinct(field)",
        "Number of distinct values.",
    ),
    f("sum", 1, Some(1), A, C::Aggregate, "sum(field)", "Sum of the values."),
    // Time-series functions (CWL_QuerySyntax-timeseries-functions); the window is the
    // `by bin(...)` of the same `stats`.
    f(
        "count_over_time",
        1,
        Some(1),
        A,
        C::Aggregate,
        "count_over_time(field)",
        "Log events per time bin; use with `by bin(interval)`.",
    ),
    f(
        "sum_over_time",
        1,
        Some(1),
        A,
        C::Aggregate,
        "sum_over_time(field)",
        "The field's values summed per time bin; use with `by bin(interval)`.",
    ),
    f(
        "rate",
        2,
        Some(2),
        A,
        C::Aggregate,
        "rate(field, interval)",
        "The field's change per interval, from its earliest to its latest value, e.g. rate(bytes, 1m).",
    ),
    f(
        "histogram",
        2,
        Some(2),
        A,
        C::Aggregate,
        "histogram(field, buckets)",
        "The distribution of the values over equal-width ranges (not supported by the local engine).",
    ),
    f("avg", 1, Some(1), A, C::Aggregate, "avg(field)", "Average of the values."),
    f("min", 1, Some(1), A, C::Aggregate, "min(field)", "Smallest value."),
    f("max", 1, Some(1), A, C::Aggregate, "max(field)", "Largest value."),
    f(
        "pct",
        2,
        Some(2),
        A,
        C::Aggregate,
        "pct(field, percentile)",
        "The value at the percentile (0-100).",
    ),
    f(
        "stddev",
        1,
        Some(1),
        A,
        C::Aggregate,
        "stddev(field)",
        "Standard deviation of the values.",
    ),
    f(
        "earliest",
        1,
        Some(1),
        A,
        C::Aggregate,
        "earliest(field)",
        "The value from the event with the smallest @timestamp.",
    ),
    f(
        "latest",
        1,
        Some(1),
        A,
        C::Aggregate,
        "latest(field)",
        "The value from the event with the largest @timestamp.",
    ),
    f(
        "sortsFirst",
        1,
        Some(1),
        A,
        C::Aggregate,
        "sortsFirst(field)",
        "The value that sorts first.",
    ),
    f(
        "sortsLast",
        1,
        Some(1),
        A,
        C::Aggregate,
        "sortsLast(field)",
        "The value that sorts last.",
    ),
];

/// Looks a function up by name, ignoring case.
#[must_use]
pub fn lookup(name: &str) -> Option<&'static FunctionInfo> {
    FUNCTIONS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// One known command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CommandInfo {
    pub name: &'static str,
    /// False for commands that parse but that the local engine cannot run.
    pub executable: bool,
    pub syntax: &'static str,
    pub doc: &'static str,
}

const fn c(name: &'static str, executable: bool, syntax: &'static str, doc: &'static str) -> CommandInfo {
    CommandInfo {
        name,
        executable,
        syntax,
        doc,
    }
}

/// Every command the language knows.
pub const COMMANDS: &[CommandInfo] = &[
    c(
        "fields",
        true,
        "fields expr [as name], ...",
        "Chooses (and computes) the fields to show.",
    ),
    c("display", true, "display field, ...", "Chooses the fields to show."),
    c(
        "filter",
        true,
        "filter condition",
        "Keeps the events for which the condition holds.",
    ),
    c("where", true, "where condition", "Another name for `filter`."),
    c("filterIndex", true, "filterIndex field = value", "Filters using a field index."),
    c(
        "stats",
        true,
        "stats agg(...) [as name], ... [by expr [as name], ...]",
        "Aggregates.",
    ),
    c("sort", true, "sort field [asc|desc], ...", "Orders the results."),
    c(
        "limit",
        true,
        "limit n | limit any n",
        "Keeps the first n results (up to 100,000); `limit any n` stops at the first n matches.",
    ),
    c(
        "parse",
        true,
        "parse field \"glob * text\" as a | parse field /(?<a>re)/ [multi] | parse field logfmt as m | parse field csv as a, b",
        "Extracts fields (glob, regex, logfmt or CSV).",
    ),
    c(
        "json",
        true,
        "json field=name \"key.subkey\" as alias",
        "Extracts a value from the JSON structure in a field.",
    ),
    c(
        "dedup",
        true,
        "dedup field, ...",
        "Removes results with duplicate values of the fields.",
    ),
    c("unmask", true, "unmask field", "Shows masked content."),
    c("unnest", true, "unnest field into name", "One result per element of a list."),
    c(
        "pattern",
        true,
        "pattern field",
        "Clusters log events into patterns: @pattern, @ratio, @sampleCount, @severityLabel.",
    ),
    c(
        "diff",
        true,
        "diff [previousDay|previousWeek|previousMonth]",
        "Compares the patterns of the range with an earlier period of equal length.",
    ),
    c(
        "addtotals",
        true,
        "addtotals [fieldname=Name] [row=bool] [col=bool] [field, ...]",
        "Adds a row-total column (Total) and, with col=true, a summary row of column totals.",
    ),
    c("anomaly", false, "anomaly ...", "Finds anomalies."),
    c("lookup", false, "lookup table key OUTPUT fields", "Joins a lookup table."),
    c("join", false, "join ...", "Joins another query."),
];

/// Looks a command up by name, ignoring case.
#[must_use]
pub fn command(name: &str) -> Option<&'static CommandInfo> {
    COMMANDS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// Words with a fixed meaning inside commands.
pub const KEYWORDS: &[&str] = &["and", "or", "not", "in", "like", "as", "by", "asc", "desc", "into"];

/// True if `name` is a keyword (any case).
#[must_use]
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name))
}
