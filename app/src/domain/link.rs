//! Public read-only links to one dashboard, as pages and server functions see them: how long a
//! link lives (a few presets, never forever), the ranges its viewer may choose (presets only),
//! the listing an editor sees, and what the signed-out viewer is sent.
//!
//! The viewer's choices are deliberately few: a public link serves only its dashboard's stored
//! queries, so nothing a viewer sends may widen what is asked of CloudWatch.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::ids::LinkId;
use super::widget::DashboardData;
use crate::error::AppError;

/// The longest label a link may have.
pub const MAX_LABEL: usize = 200;

/// Where a link's page lives; the token follows.
pub const PUBLIC_PATH: &str = "/public/d/";

/// How long a new link lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LinkExpiry {
    Day,
    Week,
    Month,
    Quarter,
}

impl LinkExpiry {
    pub const ALL: [LinkExpiry; 4] = [LinkExpiry::Day, LinkExpiry::Week, LinkExpiry::Month, LinkExpiry::Quarter];

    pub fn days(self) -> i32 {
        match self {
            LinkExpiry::Day => 1,
            LinkExpiry::Week => 7,
            LinkExpiry::Month => 30,
            LinkExpiry::Quarter => 90,
        }
    }

    /// The form value: `1d`, `7d`, `30d`, `90d`.
    pub fn as_param(self) -> &'static str {
        match self {
            LinkExpiry::Day => "1d",
            LinkExpiry::Week => "7d",
            LinkExpiry::Month => "30d",
            LinkExpiry::Quarter => "90d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LinkExpiry::Day => "1 day",
            LinkExpiry::Week => "7 days",
            LinkExpiry::Month => "30 days",
            LinkExpiry::Quarter => "90 days",
        }
    }
}

impl FromStr for LinkExpiry {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL.into_iter().find(|e| e.as_param() == s).ok_or_else(|| {
            AppError::validation(
                "expires",
                "choose how long the link lives: 1d, 7d, 30d or 90d (a public link always expires)",
            )
        })
    }
}

/// The ranges a public link's viewer may choose, each ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PublicRange {
    Hour,
    ThreeHours,
    TwelveHours,
    Day,
    ThreeDays,
    Week,
}

impl PublicRange {
    pub const ALL: [PublicRange; 6] = [
        PublicRange::Hour,
        PublicRange::ThreeHours,
        PublicRange::TwelveHours,
        PublicRange::Day,
        PublicRange::ThreeDays,
        PublicRange::Week,
    ];

    /// What a link shows when its URL names no range and the dashboard's own start is not one of
    /// the presets.
    pub const DEFAULT: PublicRange = PublicRange::ThreeHours;

    pub fn secs(self) -> i64 {
        match self {
            PublicRange::Hour => 3_600,
            PublicRange::ThreeHours => 3 * 3_600,
            PublicRange::TwelveHours => 12 * 3_600,
            PublicRange::Day => 86_400,
            PublicRange::ThreeDays => 3 * 86_400,
            PublicRange::Week => 7 * 86_400,
        }
    }

    /// The URL value: `1h`, `3h`, `12h`, `24h`, `3d`, `7d`.
    pub fn as_param(self) -> &'static str {
        match self {
            PublicRange::Hour => "1h",
            PublicRange::ThreeHours => "3h",
            PublicRange::TwelveHours => "12h",
            PublicRange::Day => "24h",
            PublicRange::ThreeDays => "3d",
            PublicRange::Week => "7d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PublicRange::Hour => "1 hour",
            PublicRange::ThreeHours => "3 hours",
            PublicRange::TwelveHours => "12 hours",
            PublicRange::Day => "24 hours",
            PublicRange::ThreeDays => "3 days",
            PublicRange::Week => "7 days",
        }
    }

    /// The preset of this length, if there is one.
    pub fn of_secs(secs: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.secs() == secs)
    }

    /// The range a link opens at: the one in its URL (which must be a preset), else the
    /// dashboard's own start when that is a preset, else [`PublicRange::DEFAULT`].
    pub fn choose(raw: &str, body: &serde_json::Value) -> Result<Self, AppError> {
        if !raw.trim().is_empty() {
            return raw.parse();
        }
        let own = super::dashboard::default_from(body)
            .and_then(|from| super::time_range::TimePoint::parse("from", &from).ok())
            .and_then(|p| match p {
                super::time_range::TimePoint::Relative(secs) => Self::of_secs(secs),
                super::time_range::TimePoint::Absolute { .. } => None,
            });
        Ok(own.unwrap_or(Self::DEFAULT))
    }

    /// The range as the rest of Watchpost reads it: the last `secs`, ending now, in UTC.
    pub fn time_range(self) -> super::time_range::TimeRange {
        use super::time_range::{TimePoint, TimeRange, Zone};
        TimeRange::new(TimePoint::Relative(self.secs()), TimePoint::Relative(0), Zone::Utc).unwrap_or_default()
    }
}

impl FromStr for PublicRange {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_param() == s)
            .ok_or_else(|| AppError::validation("range", "a shared dashboard shows one of these ranges: 1h, 3h, 12h, 24h, 3d or 7d"))
    }
}

impl fmt::Display for PublicRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_param())
    }
}

/// A link's label (what it is for: "status page", "#incident-42"), trimmed; may be empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkLabel(String);

impl LinkLabel {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LinkLabel {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.chars().count() > MAX_LABEL {
            return Err(AppError::validation("label", format!("at most {MAX_LABEL} characters")));
        }
        if s.chars().any(char::is_control) {
            return Err(AppError::validation("label", "one line of text, please"));
        }
        Ok(Self(s.to_string()))
    }
}

/// Whether a link still opens (as the server saw it when it listed the link).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkStatus {
    Live,
    Expired,
    Revoked,
}

impl LinkStatus {
    /// Revoked wins over expired: an editor's act is what the list should say.
    pub fn at(now_ms: i64, expires_at_ms: i64, revoked: bool) -> Self {
        if revoked {
            LinkStatus::Revoked
        } else if expires_at_ms <= now_ms {
            LinkStatus::Expired
        } else {
            LinkStatus::Live
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LinkStatus::Live => "live",
            LinkStatus::Expired => "expired",
            LinkStatus::Revoked => "revoked",
        }
    }
}

/// One link as its dashboard's editors see it (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub id: LinkId,
    pub label: String,
    pub created_by: Option<String>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    pub last_used_ms: Option<i64>,
    pub status: LinkStatus,
}

/// A link as created: the token is in here once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLink {
    pub info: LinkInfo,
    pub token: String,
}

impl NewLink {
    /// The link's path on this server (`/public/d/<token>`).
    pub fn path(&self) -> String {
        format!("{PUBLIC_PATH}{}", self.token)
    }
}

/// What a public link's viewer is sent: the title, the range shown, when the link ends, and
/// every widget's data with account ids and ARNs taken out. No connection, no body, no owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicView {
    pub title: String,
    pub range: PublicRange,
    pub expires_at_ms: i64,
    pub data: DashboardData,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_presets_are_ranges_and_expiries() {
        for r in PublicRange::ALL {
            assert_eq!(r.as_param().parse::<PublicRange>().ok(), Some(r));
        }
        for bad in ["", "2h", "now-3h", "30d", "1H", "7d&from=now-90d"] {
            assert!(bad.parse::<PublicRange>().is_err(), "{bad}");
        }
        for e in LinkExpiry::ALL {
            assert_eq!(e.as_param().parse::<LinkExpiry>().ok(), Some(e));
        }
        for bad in ["", "0d", "never", "365d", "1"] {
            assert!(bad.parse::<LinkExpiry>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_link_opens_at_its_dashboards_start_when_that_is_a_preset() {
        let body = |start: &str| serde_json::json!({ "start": start, "widgets": [] });
        assert_eq!(PublicRange::choose("", &body("-PT12H")).ok(), Some(PublicRange::TwelveHours));
        assert_eq!(PublicRange::choose("", &body("-P7D")).ok(), Some(PublicRange::Week));
        assert_eq!(PublicRange::choose("", &body("-PT2H")).ok(), Some(PublicRange::DEFAULT));
        assert_eq!(PublicRange::choose("", &serde_json::json!({})).ok(), Some(PublicRange::DEFAULT));
        assert_eq!(PublicRange::choose("1h", &body("-P7D")).ok(), Some(PublicRange::Hour));
        assert!(PublicRange::choose("now-30d", &body("-P7D")).is_err());
    }

    #[test]
    fn labels_are_one_trimmed_line() {
        assert_eq!(
            "  wall  ".parse::<LinkLabel>().map(|l| l.as_str().to_string()).ok(),
            Some("wall".into())
        );
        assert!("a\nb".parse::<LinkLabel>().is_err());
        assert!("x".repeat(MAX_LABEL + 1).parse::<LinkLabel>().is_err());
    }
}
