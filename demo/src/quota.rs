//! CloudWatch's API quotas, as token buckets (a tiny one written here: a crate would bring more
//! than the 30 lines it replaces), and the injected faults.
//!
//! Rates are the documented defaults per account and Region (us-east-1); each bucket holds one
//! second of burst, so the 51st GetMetricData call within a second is throttled.

use cloudwatch::SourceError;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Transactions per second per API (CloudWatch and CloudWatch Logs service quotas).
pub fn tps(api: &str) -> Option<f64> {
    Some(match api {
        "GetMetricData" => 50.0,
        "ListMetrics" => 25.0,
        "DescribeAlarms" | "DescribeAlarmsForMetric" | "DescribeAlarmHistory" => 9.0,
        "ListDashboards" | "GetDashboard" | "PutDashboard" => 10.0,
        "FilterLogEvents" => 5.0,
        "GetLogEvents" => 25.0,
        "DescribeLogGroups" => 10.0,
        "GetLogGroupFields" | "GetLogRecord" => 10.0,
        "StartQuery" | "StopQuery" => 5.0,
        "GetQueryResults" => 5.0,
        "DescribeQueryDefinitions" | "PutQueryDefinition" | "DeleteQueryDefinition" => 5.0,
        "StartLiveTail" => 10.0,
        _ => return None,
    })
}

/// GetMetricData datapoints per second (and for start times more than 3 hours old).
pub const GMD_DATAPOINTS_PER_S: f64 = 180_000.0;
pub const GMD_DATAPOINTS_PER_S_OLD: f64 = 396_000.0;
/// Concurrent Logs Insights queries per account.
pub const INSIGHTS_CONCURRENCY: usize = 30;

#[derive(Debug)]
struct Bucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn take(&mut self, n: f64, now: Instant) -> bool {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.rate);
        if self.tokens >= n {
            self.tokens -= n;
            true
        } else {
            false
        }
    }
}

#[derive(Debug, Default)]
pub struct Quotas {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Quotas {
    /// Takes `n` tokens from the bucket `name` refilled at `rate` per second.
    pub fn take(&self, name: &str, rate: f64, n: f64) -> bool {
        let now = Instant::now();
        let Ok(mut map) = self.buckets.lock() else { return true };
        let b = map.entry(name.to_string()).or_insert(Bucket {
            rate,
            tokens: rate,
            last: now,
        });
        b.take(n, now)
    }

    /// One call of `api`, or CloudWatch's ThrottlingException.
    pub fn call(&self, api: &str) -> Result<(), SourceError> {
        match tps(api) {
            Some(rate) if !self.take(api, rate, 1.0) => Err(SourceError::throttled(format!("Rate exceeded for {api}"))),
            _ => Ok(()),
        }
    }
}

/// Every call the world was asked, by API: totals, throttled ones, and calls per wall-clock second
/// (the last hour), so tests and benchmarks can see what reached "CloudWatch".
#[derive(Debug, Default)]
pub struct CallLog {
    inner: Mutex<CallLogInner>,
}

#[derive(Debug, Default)]
struct CallLogInner {
    totals: HashMap<String, ApiCalls>,
    per_second: std::collections::BTreeMap<(i64, String), u64>,
}

/// Calls of one API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApiCalls {
    pub calls: u64,
    pub throttled: u64,
}

impl CallLog {
    pub fn record(&self, api: &str, throttled: bool) {
        let second = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let Ok(mut log) = self.inner.lock() else { return };
        let t = log.totals.entry(api.to_string()).or_default();
        t.calls += 1;
        t.throttled += u64::from(throttled);
        *log.per_second.entry((second, api.to_string())).or_default() += 1;
        while log.per_second.len() > 100_000 || log.per_second.first_key_value().is_some_and(|(k, _)| k.0 < second - 3_600) {
            log.per_second.pop_first();
        }
    }

    pub fn totals(&self) -> HashMap<String, ApiCalls> {
        self.inner.lock().map(|l| l.totals.clone()).unwrap_or_default()
    }

    /// Calls of `api` per second (epoch seconds), oldest first.
    pub fn per_second(&self, api: &str) -> Vec<(i64, u64)> {
        self.inner
            .lock()
            .map(|l| l.per_second.iter().filter(|(k, _)| k.1 == api).map(|(k, n)| (k.0, *n)).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_its_rate_then_refuses() {
        let q = Quotas::default();
        for _ in 0..5 {
            q.call("FilterLogEvents").unwrap();
        }
        assert_eq!(q.call("FilterLogEvents").unwrap_err().code, "ThrottlingException");
        q.call("GetLogEvents").unwrap();
    }
}
