//! Request counts and latency histograms by route and status, in the Prometheus text format at
//! `/metrics`. Routes are axum's matched patterns, so the label set stays small whatever paths
//! people type.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

/// The method as a label: the standard ones by name, anything invented as `other`, so a client
/// cannot grow the label set without bound.
pub fn method_label(method: &http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    }
}

impl Metrics {
    pub fn observe(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        let mut map = match self.series.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        let s = map.entry((method.to_string(), route.to_string(), status)).or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                s.buckets[i] += 1;
            }
        }
    }

    pub fn render(&self) -> String {
        let map = match self.series.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut out = String::new();
        out.push_str("# HELP watchpost_http_requests_total HTTP requests answered, by route and status.\n");
        out.push_str("# TYPE watchpost_http_requests_total counter\n");
        for ((method, route, status), s) in map.iter() {
            let _ = writeln!(
                out,
                "watchpost_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP watchpost_http_request_duration_seconds Time to answer HTTP requests, by route and status.\n");
        out.push_str("# TYPE watchpost_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in map.iter() {
            let labels = format!("method=\"{method}\",route=\"{}\",status=\"{status}\"", escape(route));
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "watchpost_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "watchpost_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(out, "watchpost_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "watchpost_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        out
    }
}

/// The proxy's counters since this process started, by connection and API, with the estimated
/// cost at the configured prices.
pub fn render_usage(out: &mut String, usage: &proxy::usage::Usage) {
    let totals = usage.totals();
    let prices = usage.prices();
    type Field = fn(&proxy::usage::Counters) -> f64;
    let series: [(&str, &str, Field); 7] = [
        (
            "watchpost_upstream_calls_total",
            "Calls made to the source, by connection and API.",
            |c| c.calls as f64,
        ),
        (
            "watchpost_upstream_metrics_total",
            "Metrics requested from the source (what CloudWatch bills).",
            |c| c.metrics as f64,
        ),
        (
            "watchpost_upstream_bytes_scanned_total",
            "Bytes scanned by Logs Insights queries.",
            |c| c.bytes_scanned,
        ),
        (
            "watchpost_proxy_cache_hits_total",
            "Units of widget data answered from the proxy's cache.",
            |c| c.cache_hits as f64,
        ),
        (
            "watchpost_proxy_cache_misses_total",
            "Units of widget data the proxy had to fetch.",
            |c| c.cache_misses as f64,
        ),
        ("watchpost_upstream_throttles_total", "Calls the source refused for rate.", |c| {
            c.throttles as f64
        }),
        (
            "watchpost_insights_queue_wait_seconds_total",
            "Time Logs Insights executions waited for a slot.",
            |c| c.queue_wait_ms as f64 / 1000.0,
        ),
    ];
    for (name, help, field) in series {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} counter");
        for ((connection, api), c) in &totals {
            let _ = writeln!(
                out,
                "{name}{{connection=\"{}\",api=\"{}\"}} {}",
                escape(connection),
                escape(api),
                field(c)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP watchpost_estimated_cost_dollars_total Estimated CloudWatch cost of upstream work, at the configured prices."
    );
    let _ = writeln!(out, "# TYPE watchpost_estimated_cost_dollars_total counter");
    for ((connection, api), c) in &totals {
        let _ = writeln!(
            out,
            "watchpost_estimated_cost_dollars_total{{connection=\"{}\",api=\"{}\"}} {}",
            escape(connection),
            escape(api),
            prices.cost(c.metrics, c.bytes_scanned)
        );
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&http::Method::GET), "GET");
        let invented = http::Method::from_bytes(b"FOO123").expect("a valid token");
        assert_eq!(method_label(&invented), "other");
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe("GET", "/healthz", 200, 0.003);
        m.observe("GET", "/healthz", 200, 0.2);
        let text = m.render();
        assert!(text.contains("watchpost_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
    }
}
