//! What a public link may see, and nothing more: its own dashboard's stored widgets, for a preset
//! range ending now, read through the proxy (cache, single-flight, the account's token buckets)
//! as the link's own principal, under a per-link rate limit and the proxy's daily budget; and
//! what it is sent has account ids and ARNs taken out.
//!
//! There is deliberately no parameter here by which a viewer could name a query, a metric, a
//! connection, another dashboard or an arbitrary time: the token picks the dashboard, the body
//! stored with it picks the queries, and [`PublicRange`] is a closed set. (CloudWatch's own
//! dashboard sharing grants account-wide `GetMetricData`; this must never.) Dashboard variables
//! stay at the body's defaults: nothing a viewer sends reaches them.
//!
//! The rate limit is per replica (an in-memory keyed limiter); behind N replicas a link may be
//! opened up to N times the limit, while upstream cost stays bounded by the proxy's shared
//! buckets and the daily budget, which live in Postgres.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::PgPool;

use super::links::{self, Resolved};
use super::render;
use crate::backend::sources::{Asker, Telemetry};
use crate::domain::link::{PublicRange, PublicView};
use crate::domain::variables::VariableChoices;
use crate::domain::widget::{MetricContent, WidgetContent};
use crate::domain::LinkId;
use crate::error::{AppError, AppResult};

/// Requests one link may make per minute (page loads, range changes, images), with a burst of as
/// many.
pub const PER_MINUTE: u32 = 60;

/// Links whose limiter state is kept before idle ones are dropped.
const TRACKED_LINKS: usize = 10_000;

/// The per-link rate limit, shared by every request of this process. Cheap to clone.
#[derive(Clone)]
pub struct PublicLinks {
    limiter: Arc<DefaultKeyedRateLimiter<LinkId>>,
}

impl std::fmt::Debug for PublicLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicLinks").field("tracked", &self.limiter.len()).finish()
    }
}

impl Default for PublicLinks {
    fn default() -> Self {
        Self::new(NonZeroU32::new(PER_MINUTE).unwrap_or(NonZeroU32::MIN))
    }
}

impl PublicLinks {
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self {
            limiter: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute))),
        }
    }

    /// Takes one request of `link`'s allowance, or says how long to wait.
    pub fn admit(&self, link: LinkId) -> AppResult<()> {
        if self.limiter.len() > TRACKED_LINKS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&link).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            AppError::TooManyRequests {
                message: format!(
                    "This shared dashboard is being opened more often than {PER_MINUTE} times a minute. Try again in {} s.",
                    secs.max(1)
                ),
                retry_after_secs: secs.max(1),
            }
        })
    }
}

/// What refuses a token that opens nothing: unknown, revoked and expired look the same.
/// A public link's variables are frozen at the dashboard's defaults: its viewer chooses nothing.
static FROZEN: std::sync::LazyLock<VariableChoices> = std::sync::LazyLock::new(VariableChoices::default);

pub fn gone() -> AppError {
    AppError::not_found("This shared dashboard (the link has expired, was revoked, or is mistyped)")
}

/// The live link of `token`, admitted under its rate limit and the day's budget.
async fn open(db: &PgPool, telemetry: &Telemetry, limits: &PublicLinks, token: &str) -> AppResult<Resolved> {
    let resolved = links::resolve(db, token.trim()).await?.ok_or_else(gone)?;
    limits.admit(resolved.link)?;
    let principal = proxy::Principal::PublicLink(resolved.link.to_string()).key();
    if telemetry.usage().over_budget(&principal).await {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        return Err(AppError::TooManyRequests {
            message: "This shared dashboard has used today's budget of CloudWatch metrics. It shows data again after midnight UTC.".into(),
            retry_after_secs: u64::try_from(86_400 - now.rem_euclid(86_400)).unwrap_or(3_600),
        });
    }
    Ok(resolved)
}

/// The dashboard a public link shows, for the preset `range` (empty: the dashboard's own start
/// when that is a preset, else 3 hours).
#[tracing::instrument(skip_all, fields(range))]
pub async fn view(db: &PgPool, telemetry: &Telemetry, limits: &PublicLinks, token: &str, range: &str) -> AppResult<PublicView> {
    // A range that is not a preset is refused before anything is looked up or asked.
    if !range.trim().is_empty() {
        range.parse::<PublicRange>()?;
    }
    let link = open(db, telemetry, limits, token).await?;
    let range = PublicRange::choose(range, &link.doc.body)?;
    let mut data = render::data(telemetry, Asker::PublicLink(link.link), &link.doc, &range.time_range(), &FROZEN).await?;
    for w in &mut data.widgets {
        if let WidgetContent::Alarms { rows, .. } = &mut w.content {
            // The name and state only: a state reason can carry ARNs and the account's data.
            for r in rows {
                r.reason.clear();
            }
        }
    }
    redacted(&PublicView {
        title: link.doc.summary.title.clone(),
        range,
        expires_at_ms: link.expires_at_ms,
        data,
    })
}

/// One metric widget of a public link's dashboard (by its position), for an image of it.
pub async fn widget_chart(
    db: &PgPool,
    telemetry: &Telemetry,
    limits: &PublicLinks,
    token: &str,
    range: &str,
    index: usize,
) -> AppResult<MetricContent> {
    if !range.trim().is_empty() {
        range.parse::<PublicRange>()?;
    }
    let link = open(db, telemetry, limits, token).await?;
    let range = PublicRange::choose(range, &link.doc.body)?;
    let chart = render::widget_chart(
        telemetry,
        Asker::PublicLink(link.link),
        &link.doc,
        &range.time_range(),
        index,
        &FROZEN,
    )
    .await?;
    redacted(&chart)
}

/// `value` with every string in it passed through [`redact_text`]: whatever field a widget's
/// content grows later, what a public viewer is sent is covered.
pub fn redacted<T: Serialize + DeserializeOwned>(value: &T) -> AppResult<T> {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = redact_text(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            serde_json::Value::Object(fields) => fields.values_mut().for_each(walk),
            _ => {}
        }
    }
    let internal = |e: serde_json::Error| crate::backend::db::internal("public view", &e);
    let mut v = serde_json::to_value(value).map_err(internal)?;
    walk(&mut v);
    serde_json::from_value(v).map_err(internal)
}

/// What ends an ARN in running text (or HTML).
fn ends_arn(c: char) -> bool {
    c.is_whitespace() || "\"'<>()[]{},;`".contains(c)
}

/// Text with AWS identifiers taken out: an alarm's ARN becomes its name (when it stands on its
/// own), any other ARN `[ARN hidden]`, and a run of exactly 12 digits (an account id)
/// `[account]`. Longer digit runs (epoch milliseconds) are left alone.
pub fn redact_text(text: &str) -> String {
    const HIDDEN: &str = "[ARN hidden]";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // `to_ascii_lowercase` keeps byte offsets, so a match in it is a match in `rest`.
    while let Some(at) = rest.to_ascii_lowercase().find("arn:aws") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(ends_arn).unwrap_or(tail.len());
        let stands_alone = out.chars().last().is_none_or(ends_arn);
        match tail[..end].split_once(":alarm:") {
            Some((_, name)) if stands_alone && !name.is_empty() && !name.to_ascii_lowercase().contains("arn:aws") => out.push_str(name),
            _ => out.push_str(HIDDEN),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    hide_accounts(&out)
}

fn hide_accounts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() == 12 {
            out.push_str("[account]");
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn has_account_id(s: &str) -> bool {
        s.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() == 12)
    }

    #[test]
    fn arns_and_account_ids_are_taken_out() {
        assert_eq!(
            redact_text("arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx transitioned to ALARM"),
            "checkout-5xx transitioned to ALARM"
        );
        assert_eq!(
            redact_text("<a href=\"arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web\">group</a>"),
            "<a href=\"[ARN hidden]\">group</a>"
        );
        assert_eq!(
            redact_text("account 123456789012, or ARN:AWS:iam::210987654321:root"),
            "account [account], or [ARN hidden]"
        );
        assert_eq!(redact_text("at 1764000000000 ms"), "at 1764000000000 ms");
        assert_eq!(redact_text("xarn:aws:cloudwatch:r:1:alarm:a"), "x[ARN hidden]");
        assert_eq!(redact_text("no identifiers here: 42 ms"), "no identifiers here: 42 ms");
    }

    #[test]
    fn every_string_of_a_value_is_redacted() {
        let v = serde_json::json!({"a": ["arn:aws:sns:us-east-1:123456789012:pager", {"b": "123456789012"}], "n": 123456789012_i64});
        let r = redacted(&v).expect("redacted");
        assert_eq!(
            r,
            serde_json::json!({"a": ["[ARN hidden]", {"b": "[account]"}], "n": 123456789012_i64})
        );
    }

    #[test]
    fn a_rate_limit_refuses_past_its_burst_with_a_wait() {
        let limits = PublicLinks::new(NonZeroU32::new(3).expect("3"));
        let (a, b) = (LinkId(uuid::Uuid::new_v4()), LinkId(uuid::Uuid::new_v4()));
        for _ in 0..3 {
            assert!(limits.admit(a).is_ok());
        }
        match limits.admit(a) {
            Err(e @ AppError::TooManyRequests { .. }) => assert!(e.retry_after_secs().is_some_and(|s| (1..=20).contains(&s)), "{e:?}"),
            other => panic!("not refused: {other:?}"),
        }
        assert!(limits.admit(b).is_ok(), "each link has its own allowance");
    }

    proptest! {
        /// Whatever the text, what comes out carries no ARN and no 12-digit run, and text with
        /// neither comes out as it went in.
        #[test]
        fn redaction_leaves_no_arn_and_no_account_id(text in "([a-zA-Z0-9:/ <>\"_.-]|arn:aws:|ARN:aws:|:alarm:|123456789012){0,40}") {
            let out = redact_text(&text);
            prop_assert!(!out.to_ascii_lowercase().contains("arn:aws"), "{}", out);
            prop_assert!(!has_account_id(&out), "{}", out);
            if !text.to_ascii_lowercase().contains("arn:aws") && !has_account_id(&text) {
                prop_assert_eq!(out, text);
            }
        }
    }
}
