//! What makes two Logs Insights requests the same execution, and how long to wait before trying
//! again.

use cloudwatch::logs::StartQueryInput;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// CloudWatch's default `limit` when none is given.
const DEFAULT_LIMIT: i64 = 1_000;

/// A request as it is sent upstream, and the key identical requests share.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Normalized {
    pub input: StartQueryInput,
    /// Hex SHA-256 of the normalised input.
    pub key: String,
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// Sorts the log groups (within the field they came in, so validation still sees what the user
/// sent), widens the range to whole minutes (start down, end up: every viewer gets at least what
/// they asked for) and spells out the default limit and language.
///
/// A range that ends within the last minute before `now` (epoch seconds) or later is *open*: its
/// end goes to the minute after the one it falls in even when it falls on a boundary, so a viewer
/// whose "last hour" ends at 10:05:00 shares the query of those at 10:05:01–10:05:59 (one
/// StartQuery per minute for a war room, not two). A closed range on whole minutes stays as it is.
pub(crate) fn normalize(input: &StartQueryInput, now: i64) -> Normalized {
    let start_time = input.start_time.div_euclid(60) * 60;
    let open = input.end_time > now.saturating_sub(60);
    let end_time = if input.end_time.rem_euclid(60) == 0 && !open {
        input.end_time
    } else {
        (input.end_time.div_euclid(60) + 1).saturating_mul(60)
    };
    let input = StartQueryInput {
        log_group_name: input.log_group_name.clone(),
        log_group_names: sorted(input.log_group_names.clone()),
        log_group_identifiers: sorted(input.log_group_identifiers.clone()),
        start_time,
        end_time,
        query_string: input.query_string.clone(),
        limit: Some(input.limit.unwrap_or(DEFAULT_LIMIT)),
        query_language: Some(input.query_language.clone().unwrap_or_else(|| "CWLI".to_string())),
    };
    // The struct serialises its fields in declaration order, so equal inputs hash equally.
    let bytes = serde_json::to_vec(&input).unwrap_or_default();
    let key = hex::encode(Sha256::digest(&bytes));
    Normalized { input, key }
}

/// "Full jitter" exponential backoff (a uniform pause between 0 and `base · 2^attempt`, capped):
/// ten lines rather than a retry crate, because every retry loop here also has to watch for
/// cancellation and lost leases between attempts.
pub(crate) fn full_jitter(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = base.saturating_mul(1u32 << attempt.min(16)).min(cap);
    let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX).max(1);
    // A small floor so a zero draw does not spin.
    Duration::from_millis(rand::thread_rng().gen_range(ms / 10..=ms))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn input(groups: &[&str], start: i64, end: i64) -> StartQueryInput {
        StartQueryInput {
            log_group_names: groups.iter().map(|g| g.to_string()).collect(),
            start_time: start,
            end_time: end,
            query_string: "stats count(*)".into(),
            ..Default::default()
        }
    }

    #[test]
    fn identical_requests_share_a_key() {
        let now = 100_000;
        let a = normalize(&input(&["/b", "/a"], 600, 1_200), now);
        let b = normalize(&input(&["/a", "/b", "/a"], 630, 1_170), now);
        assert_eq!(a.key, b.key);
        assert_eq!((b.input.start_time, b.input.end_time), (600, 1_200));
        assert_eq!(b.input.log_group_names, vec!["/a", "/b"]);
        assert_ne!(a.key, normalize(&input(&["/a"], 600, 1_200), now).key);
        let mut c = input(&["/a", "/b"], 600, 1_200);
        c.limit = Some(10);
        assert_ne!(a.key, normalize(&c, now).key);
    }

    #[test]
    fn an_open_range_keeps_one_key_through_its_minute() {
        // "The last hour" asked at 10:05:00, 10:05:01 and 10:05:59 is one query...
        let minute = 10 * 3_600 + 5 * 60;
        let keys: Vec<_> = [0, 1, 59]
            .iter()
            .map(|s| normalize(&input(&["/a"], minute + s - 3_600, minute + s), minute + s))
            .collect();
        assert!(keys.iter().all(|k| k.key == keys[0].key), "{keys:?}");
        assert_eq!((keys[0].input.start_time, keys[0].input.end_time), (minute - 3_600, minute + 60));
        // ...and at 10:06:00 the next one.
        let next = normalize(&input(&["/a"], minute + 60 - 3_600, minute + 60), minute + 60);
        assert_ne!(next.key, keys[0].key);
        // A closed range on whole minutes is left as asked.
        let closed = normalize(&input(&["/a"], 600, 1_200), minute);
        assert_eq!((closed.input.start_time, closed.input.end_time), (600, 1_200));
    }

    #[test]
    fn backoff_stays_under_its_cap() {
        for attempt in 0..40 {
            let d = full_jitter(attempt, Duration::from_millis(250), Duration::from_secs(4));
            assert!(d <= Duration::from_secs(4), "{d:?}");
        }
    }
}
