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
