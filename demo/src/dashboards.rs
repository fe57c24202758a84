//! Prebuilt CloudWatch dashboards (real dashboard-body JSON) and validation of PutDashboard.

use crate::model::*;
use cloudwatch::dashboards::DashboardValidationMessage;
use serde_json::{json, Value};

fn metric_widget(x: i64, y: i64, title: &str, metrics: Value, stat: &str) -> Value {
    json!({
        "type": "metric", "x": x, "y": y, "width": 12, "height": 6,
        "properties": { "title": title, "view": "timeSeries", "stacked": false, "region": REGION, "stat": stat, "period": 60, "metrics": metrics }
    })
}

/// (name, body) of the prebuilt dashboards.
pub fn prebuilt() -> Vec<(String, String)> {
    let tg = TARGET_GROUPS[CHECKOUT];
    let overview = json!({
        "start": "-PT3H",
        "periodOverride": "inherit",
        "widgets": [
            metric_widget(0, 0, "Requests by target group", json!([
                ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", LOAD_BALANCER, "TargetGroup", TARGET_GROUPS[WEB]],
                ["...", TARGET_GROUPS[API]],
                ["...", TARGET_GROUPS[CHECKOUT]]
            ]), "Sum"),
            metric_widget(12, 0, "Target 5XX", json!([
                ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LOAD_BALANCER, "TargetGroup", tg, {"color": "#d62728"}]
            ]), "Sum"),
            metric_widget(0, 6, "Checkout latency (p50 / p99)", json!([
                ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", LOAD_BALANCER, "TargetGroup", tg, {"stat": "p50"}],
                ["...", {"stat": "p99"}]
            ]), "p99"),
            metric_widget(12, 6, "ECS CPU by service", json!([
                ["AWS/ECS", "CPUUtilization", "ClusterName", CLUSTER, "ServiceName", "web"],
                ["...", "api"], ["...", "checkout"], ["...", "worker"], ["...", "ai-service"]
            ]), "Average"),
            metric_widget(0, 12, "Database connections", json!([
                ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", DB_INSTANCE, {"id": "m1"}],
                [{"expression": "ANOMALY_DETECTION_BAND(m1, 2)", "label": "expected", "id": "ad1"}]
            ]), "Average"),
            {
                "type": "alarm", "x": 12, "y": 12, "width": 12, "height": 6,
                "properties": { "title": "Alarms", "alarms": [
                    format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:checkout-unhealthy"),
                    format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:checkout-5xx-high"),
                    format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:checkout-p99-latency")
                ]}
            },
            {
                "type": "log", "x": 0, "y": 18, "width": 24, "height": 6,
                "properties": {
                    "title": "Checkout errors", "region": REGION, "view": "table",
                    "query": "SOURCE '/ecs/checkout' | fields @timestamp, requestId, statusCode, error.name, error.message\n| filter level = \"error\"\n| sort @timestamp desc\n| limit 50"
                }
            }
        ]
    });
    let ai = json!({
        "widgets": [
            metric_widget(0, 0, "LLM calls by model", json!([
                ["Shop/AI", "Calls", "Model", AI_MODELS[0]], ["...", AI_MODELS[1]], ["...", AI_MODELS[2]]
            ]), "Sum"),
            metric_widget(12, 0, "LLM cost (USD)", json!([
                [{"expression": "SUM(SEARCH('{Shop/AI,Model} MetricName=\"Cost\"', 'Sum', 300))", "label": "total cost", "id": "e1"}]
            ]), "Sum"),
            metric_widget(0, 6, "LLM errors", json!([
                ["Shop/AI", "Errors", "Model", AI_MODELS[0]], ["...", AI_MODELS[1]], ["...", AI_MODELS[2]],
                ["Shop/LogMetrics", "LLMRequestFailures", {"label": "from logs"}]
            ]), "Sum"),
            metric_widget(12, 6, "LLM latency p90", json!([
                ["Shop/AI", "Latency", "Model", AI_MODELS[0]], ["...", AI_MODELS[1]], ["...", AI_MODELS[2]]
            ]), "p90")
        ]
    });
    let serverless = json!({
        "widgets": [
            metric_widget(0, 0, "Lambda invocations", json!([
                ["AWS/Lambda", "Invocations", "FunctionName", LAMBDAS[0]], ["...", LAMBDAS[1]], ["...", LAMBDAS[2]]
            ]), "Sum"),
            metric_widget(12, 0, "Lambda errors and throttles", json!([
                ["AWS/Lambda", "Errors", "FunctionName", LAMBDAS[1]], [".", "Throttles", ".", "."]
            ]), "Sum"),
            metric_widget(0, 6, "order-events queue", json!([
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", QUEUES[0]],
                [".", "ApproximateAgeOfOldestMessage", ".", ".", {"yAxis": "right"}]
            ]), "Maximum")
        ]
    });
    vec![
        ("shop-overview".to_string(), overview.to_string()),
        ("ai-usage".to_string(), ai.to_string()),
        ("serverless".to_string(), serverless.to_string()),
    ]
}

/// CloudWatch's checks of a dashboard body: JSON, an object, with a `widgets` array whose
/// entries have a known `type` and `properties`.
pub fn validate(body: &str) -> Result<Vec<DashboardValidationMessage>, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("The field DashboardBody must be a valid JSON object: {e}"))?;
    let Some(obj) = v.as_object() else {
        return Err("The field DashboardBody must be a valid JSON object".into());
    };
    let Some(widgets) = obj.get("widgets") else {
        return Err("The dashboard body is invalid, there are 1 validation errors: [ { \"dataPath\": \"\", \"message\": \"Should have required property 'widgets'\" } ]".into());
    };
    let Some(widgets) = widgets.as_array() else {
        return Err("The field widgets must be an array".into());
    };
    if widgets.len() > 500 {
        return Err("A dashboard can have at most 500 widgets".into());
    }
    let mut msgs = Vec::new();
    for (i, w) in widgets.iter().enumerate() {
        let ty = w.get("type").and_then(Value::as_str);
        match ty {
            Some("metric" | "text" | "log" | "alarm" | "explorer" | "custom") => {}
            _ => msgs.push(DashboardValidationMessage {
                data_path: Some(format!("/widgets/{i}/type")),
                message: "Should be equal to one of the allowed values: metric, text, log, alarm, explorer, custom".into(),
            }),
        }
        if w.get("properties").is_none_or(|p| !p.is_object()) {
            msgs.push(DashboardValidationMessage {
                data_path: Some(format!("/widgets/{i}")),
                message: "Should have required property 'properties'".into(),
            });
        }
    }
    if msgs.is_empty() {
        Ok(msgs)
    } else {
        Err(format!(
            "The dashboard body is invalid, there are {} validation errors: {}",
            msgs.len(),
            msgs.iter()
                .map(|m| format!("{} {}", m.data_path.clone().unwrap_or_default(), m.message))
                .collect::<Vec<_>>()
                .join("; ")
        ))
    }
}
