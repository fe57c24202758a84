//! CloudWatch filter patterns (FilterLogEvents, metric filters, Live Tail), evaluated by
//! `insights::FilterPattern`, behind a tiny trait so the rest of the demo does not depend on the
//! engine's types.

use cloudwatch::SourceError;

/// A compiled filter pattern.
pub trait LogPattern: Send + Sync + std::fmt::Debug {
    fn matches(&self, message: &str) -> bool;
    /// The value a metric filter's `metricValue` (`$.latency`, `1`) publishes for this event.
    fn metric_value(&self, message: &str, selector: &str) -> Option<f64>;
}

#[derive(Debug)]
struct Engine(insights::FilterPattern);

impl LogPattern for Engine {
    fn matches(&self, message: &str) -> bool {
        self.0.matches(message)
    }

    fn metric_value(&self, message: &str, selector: &str) -> Option<f64> {
        self.0.metric_value(message, selector)
    }
}

/// Compiles a filter pattern, answering CloudWatch Logs' InvalidParameterException for one that
/// does not parse (with the parser's message and position).
pub fn compile(pattern: &str) -> Result<Box<dyn LogPattern>, SourceError> {
    insights::FilterPattern::parse(pattern)
        .map(|p| Box::new(Engine(p)) as Box<dyn LogPattern>)
        .map_err(|e| SourceError::logs_invalid_parameter(e.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn json_and_term_patterns() {
        let p = compile(r#"{ $.level = "error" }"#).unwrap();
        assert!(p.matches(r#"{"level":"error","x":1}"#));
        assert!(!p.matches(r#"{"level":"info"}"#));
        assert!(!p.matches("level error"));
        let p = compile(r#"{ ($.statusCode >= 500 && $.durationMs > 100) || $.error.name = "Seq*" }"#).unwrap();
        assert!(p.matches(r#"{"statusCode":502,"durationMs":150}"#));
        assert!(p.matches(r#"{"statusCode":200,"error":{"name":"SequelizeX"}}"#));
        assert!(!p.matches(r#"{"statusCode":200}"#));
        assert_eq!(
            p.metric_value(r#"{"statusCode":502,"durationMs":150}"#, "$.durationMs"),
            Some(150.0)
        );
        let p = compile(r#"ERROR -DEBUG ?timeout ?"slots are""#);
        let _ = p;
        assert!(compile("{ $.a = ").is_err());
        assert!(compile("").unwrap().matches("anything"));
        assert_eq!(compile("{ $.a = ").unwrap_err().code, "InvalidParameterException");
    }
}
