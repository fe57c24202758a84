//! Usage of the upstream (CloudWatch, or the demo world answering as it) and its estimated cost,
//! as the admin Usage page shows it: the filter it is asked with, the report it gets back, and
//! how its numbers are written for people.
//!
//! Everything here runs on both sides; the chart and the tables are pure functions of a
//! [`UsageReport`], so the server's HTML and the hydrated page agree to the last character.
//! Nothing here reads a clock or measures anything.

use serde::{Deserialize, Serialize};

use super::ConnectionId;
use crate::error::AppError;

/// How far back the Usage page looks: the last 7 or 30 days (UTC), today included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UsageWindow {
    #[default]
    Week,
    Month,
}

impl UsageWindow {
    pub const ALL: [UsageWindow; 2] = [UsageWindow::Week, UsageWindow::Month];

    pub fn days(self) -> u16 {
        match self {
            UsageWindow::Week => 7,
            UsageWindow::Month => 30,
        }
    }

    /// The value of `?days=` for this window.
    pub fn param(self) -> &'static str {
        match self {
            UsageWindow::Week => "7",
            UsageWindow::Month => "30",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UsageWindow::Week => "Last 7 days",
            UsageWindow::Month => "Last 30 days",
        }
    }
}

impl std::str::FromStr for UsageWindow {
    type Err = AppError;

    /// `7` or `30`; empty is the default (7).
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim() {
            "" | "7" => Ok(UsageWindow::Week),
            "30" => Ok(UsageWindow::Month),
            other => Err(AppError::validation(
                "days",
                format!("`{}` is not a range; use 7 or 30", other.chars().take(20).collect::<String>()),
            )),
        }
    }
}

/// What the Usage page asks for: every connection or one, over a window.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UsageFilter {
    /// `None`: every connection.
    pub connection: Option<ConnectionId>,
    pub window: UsageWindow,
}

impl UsageFilter {
    /// From the page's query (`?connection=&days=`): an empty connection is all of them.
    pub fn parse(connection: &str, days: &str) -> Result<Self, AppError> {
        let connection = match connection.trim() {
            "" => None,
            raw => Some(raw.parse::<ConnectionId>()?),
        };
        Ok(Self {
            connection,
            window: days.parse()?,
        })
    }
}

/// What upstream work costs (USD), as the running server is configured
/// (`WATCHPOST_PRICE_PER_1000_METRICS`, `WATCHPOST_PRICE_PER_GB_SCANNED`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UsagePrices {
    pub per_thousand_metrics: f64,
    pub per_gb_scanned: f64,
}

impl Default for UsagePrices {
    /// CloudWatch's list prices in us-east-1 (the proxy's defaults).
    fn default() -> Self {
        Self {
            per_thousand_metrics: 0.01,
            per_gb_scanned: 0.005,
        }
    }
}

impl UsagePrices {
    /// The same formula as the proxy's `Prices::cost` (a GB is 10⁹ bytes, as AWS bills it).
    pub fn cost(&self, metrics: i64, bytes_scanned: f64) -> f64 {
        metrics as f64 / 1_000.0 * self.per_thousand_metrics + bytes_scanned / 1e9 * self.per_gb_scanned
    }
}

/// Counters summed over some rows of `usage_daily`, with their estimated cost.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct UsageCounts {
    pub calls: i64,
    pub metrics: i64,
    pub bytes_scanned: f64,
    pub cache_hits: i64,
    pub cache_misses: i64,
    pub throttles: i64,
    pub queue_wait_ms: i64,
    pub cost_usd: f64,
}

impl UsageCounts {
    /// Hits over hits and misses; `None` when nothing was looked up.
    pub fn cache_hit_ratio(&self) -> Option<f64> {
        let lookups = self.cache_hits.saturating_add(self.cache_misses);
        (lookups > 0).then(|| self.cache_hits as f64 / lookups as f64)
    }

    /// The sum of `rows`, its cost priced once from the summed metrics and bytes.
    pub fn total<'a>(rows: impl IntoIterator<Item = &'a UsageCounts>, prices: &UsagePrices) -> UsageCounts {
        let mut t = UsageCounts::default();
        for r in rows {
            t.calls = t.calls.saturating_add(r.calls);
            t.metrics = t.metrics.saturating_add(r.metrics);
            t.bytes_scanned += r.bytes_scanned;
            t.cache_hits = t.cache_hits.saturating_add(r.cache_hits);
            t.cache_misses = t.cache_misses.saturating_add(r.cache_misses);
            t.throttles = t.throttles.saturating_add(r.throttles);
            t.queue_wait_ms = t.queue_wait_ms.saturating_add(r.queue_wait_ms);
        }
        t.cost_usd = prices.cost(t.metrics, t.bytes_scanned);
        t
    }
}

/// One connection's usage on one day (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// The connection's slug. Kept as text: usage outlives a removed connection.
    pub connection: String,
    pub counts: UsageCounts,
}

/// A dashboard or a principal among the most expensive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageTop {
    /// As recorded: a dashboard's key, or a principal's (`user:<email>`, `token:<id>`, …).
    pub key: String,
    /// For people: an email, a token's name, …
    pub label: String,
    pub counts: UsageCounts,
}

/// A connection the filter offers (the configured ones, and any removed one with usage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageConnection {
    pub id: String,
    /// `None` for a connection that has been removed.
    pub name: Option<String>,
}

impl UsageConnection {
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) if name != &self.id => format!("{name} ({})", self.id),
            Some(_) => self.id.clone(),
            None => format!("{} (removed)", self.id),
        }
    }
}

/// The whole answer of the Usage page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageReport {
    pub filter: UsageFilter,
    /// Every day of the window (`YYYY-MM-DD`, UTC), oldest first, with usage or not.
    pub days: Vec<String>,
    pub prices: UsagePrices,
    /// Per day (newest first) and connection (by slug); only pairs with usage.
    pub rows: Vec<UsageDay>,
    pub totals: UsageCounts,
    /// At most [`TOP_N`], most expensive first (ties: more calls first, then by key). Work on no
    /// dashboard, and work nobody caused, are in the totals and not in these lists.
    pub top_dashboards: Vec<UsageTop>,
    pub top_principals: Vec<UsageTop>,
    pub connections: Vec<UsageConnection>,
}

/// How many dashboards and principals the top lists show.
pub const TOP_N: i64 = 10;

impl UsageReport {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn first_day(&self) -> &str {
        self.days.first().map_or("", String::as_str)
    }

    pub fn last_day(&self) -> &str {
        self.days.last().map_or("", String::as_str)
    }

    /// The connections with usage in the report, by slug: the chart's series.
    pub fn series(&self) -> Vec<String> {
        let mut s: Vec<String> = self.rows.iter().map(|r| r.connection.clone()).collect();
        s.sort();
        s.dedup();
        s
    }

    /// Cost per day (every day of the window, oldest first) and series: `[day][series]`.
    pub fn cost_by_day(&self, series: &[String]) -> Vec<(String, Vec<f64>)> {
        self.days
            .iter()
            .map(|day| {
                let costs = series
                    .iter()
                    .map(|c| {
                        self.rows
                            .iter()
                            .filter(|r| &r.day == day && &r.connection == c)
                            .map(|r| r.counts.cost_usd)
                            .sum()
                    })
                    .collect();
                (day.clone(), costs)
            })
            .collect()
    }

    /// A connection's name for people (its slug when it is not known any more).
    pub fn connection_label(&self, id: &str) -> String {
        self.connections
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

/// A principal's key (`user:<email>`, `token:<id>`, `link:<id>`, `system`) for people;
/// `token_name` when the token is still known.
pub fn principal_label(key: &str, token_name: Option<&str>) -> String {
    let short = |id: &str| id.chars().take(8).collect::<String>();
    match key.split_once(':') {
        Some(("user", email)) => email.to_string(),
        Some(("token", id)) => match token_name {
            Some(name) => format!("API token “{name}”"),
            None => format!("API token {}…", short(id)),
        },
        Some(("link", id)) => format!("Shared link {}…", short(id)),
        _ if key == "system" => "Watchpost (background work)".to_string(),
        _ if key.is_empty() => "Unattributed".to_string(),
        _ => key.to_string(),
    }
}

/// `v` in `units` of `base` each (`950`, `1.2k`, `3.4M`), one decimal when below ten, rounding
/// up to the next unit where the digits would show `1000`.
fn scaled(v: f64, base: f64, units: &[&str]) -> String {
    let mut v = v;
    let mut unit = 0;
    while unit + 1 < units.len() && (v >= base || format!("{v:.0}") == format!("{base:.0}")) {
        v /= base;
        unit += 1;
    }
    let digits = if unit == 0 || v >= 9.95 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    let digits = digits.strip_suffix(".0").unwrap_or(&digits).to_string();
    format!("{digits}{}", units[unit])
}

/// `950`, `1.2k`, `34k`, `3.4M`, `1.2B`.
pub fn format_count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", scaled(n.unsigned_abs() as f64, 1_000.0, &["", "k", "M", "B", "T"]))
}

/// `512 B`, `3.4 MB`, `1.2 GB` (decimal units, as AWS bills).
pub fn format_bytes(bytes: f64) -> String {
    if !bytes.is_finite() || bytes <= 0.0 {
        return "0 B".to_string();
    }
    scaled(bytes, 1_000.0, &[" B", " kB", " MB", " GB", " TB", " PB"])
}

/// `$0`, `$0.0025`, `$0.12`, `$1,234.56`.
pub fn format_usd(v: f64) -> String {
    if !v.is_finite() || v <= 0.0 {
        return "$0".to_string();
    }
    if v < 0.000_1 {
        return "<$0.0001".to_string();
    }
    if v < 0.01 {
        let s = format!("{v:.4}");
        return format!("${}", s.trim_end_matches('0'));
    }
    let cents = format!("{v:.2}");
    let (whole, frac) = cents.split_once('.').unwrap_or((&cents, "00"));
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("${grouped}.{frac}")
}

/// `87%`, or `—` when there was nothing to divide.
pub fn format_ratio(r: Option<f64>) -> String {
    match r {
        Some(r) if r.is_finite() => format!("{:.0}%", r * 100.0),
        _ => "—".to_string(),
    }
}

/// `350 ms`, `1.2 s`, `3.5 min`, `1.2 h`.
pub fn format_duration_ms(ms: i64) -> String {
    let ms = ms.max(0) as f64;
    let one = |v: f64, unit: &str| {
        let s = if v >= 9.95 { format!("{v:.0}") } else { format!("{v:.1}") };
        format!("{} {unit}", s.strip_suffix(".0").unwrap_or(&s))
    };
    if ms < 1_000.0 {
        format!("{ms:.0} ms")
    } else if ms < 59_950.0 {
        one(ms / 1_000.0, "s")
    } else if ms < 3_597_000.0 {
        one(ms / 60_000.0, "min")
    } else {
        one(ms / 3_600_000.0, "h")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_for_people() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(950), "950");
        assert_eq!(format_count(1_234), "1.2k");
        assert_eq!(format_count(34_000), "34k");
        assert_eq!(format_count(999_999), "1M");
        assert_eq!(format_count(3_400_000), "3.4M");
        assert_eq!(format_bytes(0.0), "0 B");
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(3_400_000.0), "3.4 MB");
        assert_eq!(format_bytes(1.26e9), "1.3 GB");
        assert_eq!(format_usd(0.0), "$0");
        assert_eq!(format_usd(0.12), "$0.12");
        assert_eq!(format_usd(0.0025), "$0.0025");
        assert_eq!(format_usd(0.000_01), "<$0.0001");
        assert_eq!(format_usd(1234.5), "$1,234.50");
        assert_eq!(format_usd(123.456), "$123.46");
        assert_eq!(format_ratio(Some(0.87)), "87%");
        assert_eq!(format_ratio(None), "—");
        assert_eq!(format_duration_ms(350), "350 ms");
        assert_eq!(format_duration_ms(1_200), "1.2 s");
        assert_eq!(format_duration_ms(210_000), "3.5 min");
        assert_eq!(format_duration_ms(4_320_000), "1.2 h");
    }

    #[test]
    fn filters_parse_from_the_query() {
        assert_eq!(UsageFilter::parse("", ""), Ok(UsageFilter::default()));
        let f = UsageFilter::parse("demo", "30").unwrap_or_default();
        assert_eq!(f.connection, Some(ConnectionId::demo()));
        assert_eq!(f.window, UsageWindow::Month);
        assert!(UsageFilter::parse("Not a slug", "7").is_err());
        assert!(UsageFilter::parse("", "14").is_err());
    }

    #[test]
    fn costs_follow_the_prices() {
        let p = UsagePrices::default();
        assert!((p.cost(1_000, 0.0) - 0.01).abs() < 1e-12);
        assert!((p.cost(0, 2e9) - 0.01).abs() < 1e-12);
        let a = UsageCounts {
            metrics: 500,
            cache_hits: 3,
            cache_misses: 1,
            ..UsageCounts::default()
        };
        let t = UsageCounts::total([&a, &a], &p);
        assert_eq!(t.metrics, 1_000);
        assert!((t.cost_usd - 0.01).abs() < 1e-12);
        assert_eq!(t.cache_hit_ratio(), Some(0.75));
        assert_eq!(UsageCounts::default().cache_hit_ratio(), None);
    }

    #[test]
    fn principals_read_as_people_know_them() {
        assert_eq!(principal_label("user:a@b.c", None), "a@b.c");
        assert_eq!(principal_label("token:0123456789", Some("ci")), "API token “ci”");
        assert_eq!(principal_label("token:0123456789", None), "API token 01234567…");
        assert_eq!(principal_label("system", None), "Watchpost (background work)");
    }
}
