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
    let mut five_xx = metric_widget(
        12,
        0,
        "Target 5XX",
        json!([
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LOAD_BALANCER, "TargetGroup", tg, {"color": "#d62728"}]
        ]),
        "Sum",
    );
    // The alarm on this metric: its threshold and its state changes are drawn on the chart.
    five_xx["properties"]["annotations"] = json!({"alarms": [format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:checkout-5xx-rate")]});
    let overview = json!({
        "start": "-PT3H",
        "periodOverride": "inherit",
        "widgets": [
            metric_widget(0, 0, "Requests by target group", json!([
                ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", LOAD_BALANCER, "TargetGroup", TARGET_GROUPS[WEB]],
                ["...", TARGET_GROUPS[API]],
                ["...", TARGET_GROUPS[CHECKOUT]]
            ]), "Sum"),
            five_xx,
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
                    format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:checkout-5xx-rate"),
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
    let network = json!({
        "start": "-PT3H",
        "widgets": [
            metric_widget(0, 0, "NAT gateway bytes out", json!([
                ["AWS/NATGateway", "BytesOutToDestination", "NatGatewayId", NAT_GATEWAY]
            ]), "Sum"),
            metric_widget(12, 0, "NAT connections and port allocation errors", json!([
                ["AWS/NATGateway", "ActiveConnectionCount", "NatGatewayId", NAT_GATEWAY],
                [".", "ErrorPortAllocation", ".", ".", {"yAxis": "right", "stat": "Sum"}]
            ]), "Maximum"),
            {
                "type": "log", "x": 0, "y": 6, "width": 12, "height": 6,
                "properties": {
                    "title": "Top talkers (bytes)", "region": REGION, "view": "table",
                    "query": "SOURCE '/aws/vpc/flowlogs' | stats sum(bytes) as bytes by srcAddr, dstAddr\n| sort bytes desc\n| limit 20"
                }
            },
            {
                "type": "log", "x": 12, "y": 6, "width": 12, "height": 6,
                "properties": {
                    "title": "Rejected flows", "region": REGION, "view": "table",
                    "query": "SOURCE '/aws/vpc/flowlogs' | filter action = \"REJECT\"\n| stats count(*) as flows by dstAddr, dstPort\n| sort flows desc\n| limit 20"
                }
            }
        ]
    });
    let mut all = vec![
        ("shop-overview".to_string(), overview.to_string()),
        ("ai-usage".to_string(), ai.to_string()),
        ("serverless".to_string(), serverless.to_string()),
        ("network".to_string(), network.to_string()),
    ];
    for (i, service) in SERVICES.iter().enumerate() {
        all.push((format!("ecs-{service}"), service_dashboard(i, service).to_string()));
    }
    all.push(("ecs-services".to_string(), services_dashboard().to_string()));
    all
}

/// One dashboard for every ECS service: a `ServiceName` property variable (a select whose values
/// a metric search finds through ListMetrics) switches every widget to the chosen service.
fn services_dashboard() -> Value {
    let ecs = |metric: &str| json!(["AWS/ECS", metric, "ClusterName", CLUSTER, "ServiceName", SERVICES[WEB], {"label": "${PROP('Dim.ServiceName')} average"}]);
    let utilisation = |x: i64, title: &str, metric: &str| {
        metric_widget(
            x,
            2,
            title,
            json!([ecs(metric), ["...", {"stat": "Maximum", "label": "${PROP('Dim.ServiceName')} maximum"}]]),
            "Average",
        )
    };
    json!({
        "start": "-PT3H",
        "variables": [{
            "type": "property",
            "property": "ServiceName",
            "inputType": "select",
            "id": "service",
            "label": "Service",
            "search": format!("{{AWS/ECS,ClusterName,ServiceName}} MetricName=\"CPUUtilization\" ClusterName=\"{CLUSTER}\""),
            "populateFrom": "ServiceName",
            "defaultValue": SERVICES[WEB],
            "visible": true
        }],
        "widgets": [
            {
                "type": "text", "x": 0, "y": 0, "width": 24, "height": 2,
                "properties": { "markdown": "Pick a service above: every widget follows the **Service** variable, whose values come from ListMetrics. The link keeps your choice." }
            },
            utilisation(0, "CPU (%)", "CPUUtilization"),
            utilisation(12, "Memory (%)", "MemoryUtilization"),
            metric_widget(0, 8, "Tasks", json!([
                ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", CLUSTER, "ServiceName", SERVICES[WEB], {"label": "${PROP('Dim.ServiceName')} running"}],
                [".", "DesiredTaskCount", ".", ".", ".", ".", {"label": "${PROP('Dim.ServiceName')} desired"}]
            ]), "Average")
        ]
    })
}

/// One ECS service: CPU and memory (average and maximum), running against desired tasks, and for
/// the services behind the load balancer, requests, 5XX and latency of its target group and its
/// latest errors.
fn service_dashboard(i: usize, service: &str) -> Value {
    let ecs = |metric: &str| json!(["AWS/ECS", metric, "ClusterName", CLUSTER, "ServiceName", service]);
    let mut widgets = vec![
        metric_widget(
            0,
            0,
            &format!("{service}: CPU (%)"),
            json!([
                ecs("CPUUtilization"),
                ["...", {"stat": "Maximum", "label": "maximum"}]
            ]),
            "Average",
        ),
        metric_widget(
            12,
            0,
            &format!("{service}: memory (%)"),
            json!([
                ecs("MemoryUtilization"),
                ["...", {"stat": "Maximum", "label": "maximum"}]
            ]),
            "Average",
        ),
        metric_widget(
            0,
            6,
            &format!("{service}: tasks"),
            json!([
                [
                    "ECS/ContainerInsights",
                    "RunningTaskCount",
                    "ClusterName",
                    CLUSTER,
                    "ServiceName",
                    service
                ],
                [".", "DesiredTaskCount", ".", ".", ".", "."]
            ]),
            "Average",
        ),
    ];
    if let Some(tg) = TARGET_GROUPS.get(i) {
        let lb = ["LoadBalancer", LOAD_BALANCER];
        widgets.push(metric_widget(
            12,
            6,
            &format!("{service}: requests and 5XX"),
            json!([
                ["AWS/ApplicationELB", "RequestCount", lb[0], lb[1], "TargetGroup", tg],
                [".", "HTTPCode_Target_5XX_Count", ".", ".", ".", ".", {"yAxis": "right"}]
            ]),
            "Sum",
        ));
        widgets.push(metric_widget(
            0,
            12,
            &format!("{service}: latency"),
            json!([
                ["AWS/ApplicationELB", "TargetResponseTime", lb[0], lb[1], "TargetGroup", tg, {"stat": "p50"}],
                ["...", {"stat": "p99"}]
            ]),
            "p99",
        ));
    }
    widgets.push(json!({
        "type": "log", "x": 12, "y": 12, "width": 12, "height": 6,
        "properties": {
            "title": format!("{service}: latest errors"), "region": REGION, "view": "table",
            "query": format!("SOURCE '/ecs/{service}' | fields @timestamp, @message\n| filter level = \"error\"\n| sort @timestamp desc\n| limit 20")
        }
    }));
    json!({ "start": "-PT3H", "widgets": widgets })
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

/// The war-room benchmark dashboard: 16 metric widgets (100 metrics: ALB, ECS, RDS, Lambda, SQS
/// and business metrics at 1-minute periods, two widgets at 5 minutes, metric math and a
/// SEARCH) and 4 Logs Insights widgets, as a team would put on the wall during an incident.
/// Used by the proxy's tests and `watchpost bench fanin`.
pub struct WarRoom {
    /// (title, queries) per metric widget.
    pub metric_widgets: Vec<(String, Vec<cloudwatch::metrics::MetricDataQuery>)>,
    /// (title, query, log groups) per Logs Insights widget.
    pub log_widgets: Vec<(String, String, Vec<String>)>,
}

/// See [`WarRoom`].
pub fn war_room() -> WarRoom {
    use cloudwatch::metrics::{Metric, MetricDataQuery, MetricStat};
    let stat = |id: &str, ns: &str, name: &str, dims: &[(&str, &str)], stat: &str, period: i64| MetricDataQuery {
        id: id.to_string(),
        metric_stat: Some(MetricStat {
            metric: Metric::new(ns, name, dims),
            period,
            stat: stat.to_string(),
            unit: None,
        }),
        ..MetricDataQuery::default()
    };
    let expr = |id: &str, e: &str, label: &str| MetricDataQuery {
        id: id.to_string(),
        expression: Some(e.to_string()),
        label: Some(label.to_string()),
        ..MetricDataQuery::default()
    };
    let hidden = |mut q: MetricDataQuery| {
        q.return_data = Some(false);
        q
    };
    let mut w: Vec<(String, Vec<MetricDataQuery>)> = Vec::new();
    let lb = ("LoadBalancer", LOAD_BALANCER);
    // ALB: requests, 5xx, latency per target group, each with its sample count (3 × 6).
    for (title, name, st) in [
        ("Requests by target group", "RequestCount", "Sum"),
        ("Target 5XX by target group", "HTTPCode_Target_5XX_Count", "Sum"),
        ("Target p99 latency", "TargetResponseTime", "p99"),
    ] {
        let mut qs = Vec::new();
        for (i, tg) in TARGET_GROUPS.iter().enumerate() {
            qs.push(stat(
                &format!("m{i}"),
                "AWS/ApplicationELB",
                name,
                &[lb, ("TargetGroup", tg)],
                st,
                60,
            ));
            qs.push(stat(
                &format!("n{i}"),
                "AWS/ApplicationELB",
                name,
                &[lb, ("TargetGroup", tg)],
                "SampleCount",
                60,
            ));
        }
        w.push((title.to_string(), qs));
    }
    // Target health (6).
    let mut qs = Vec::new();
    for (i, tg) in TARGET_GROUPS.iter().enumerate() {
        qs.push(stat(
            &format!("ok{i}"),
            "AWS/ApplicationELB",
            "HealthyHostCount",
            &[lb, ("TargetGroup", tg)],
            "Minimum",
            60,
        ));
        qs.push(stat(
            &format!("bad{i}"),
            "AWS/ApplicationELB",
            "UnHealthyHostCount",
            &[lb, ("TargetGroup", tg)],
            "Maximum",
            60,
        ));
    }
    w.push(("Target health".to_string(), qs));
    // Error rate per target group, as metric math over hidden helpers (6 + 3 expressions).
    let mut qs = Vec::new();
    for (i, tg) in TARGET_GROUPS.iter().enumerate() {
        qs.push(hidden(stat(
            &format!("e{i}"),
            "AWS/ApplicationELB",
            "HTTPCode_Target_5XX_Count",
            &[lb, ("TargetGroup", tg)],
            "Sum",
            60,
        )));
        qs.push(hidden(stat(
            &format!("r{i}"),
            "AWS/ApplicationELB",
            "RequestCount",
            &[lb, ("TargetGroup", tg)],
            "Sum",
            60,
        )));
        qs.push(expr(&format!("rate{i}"), &format!("100 * e{i} / r{i}"), &format!("{tg} error %")));
    }
    w.push(("5XX error rate (%)".to_string(), qs));
    // ECS: CPU and memory per service, average and maximum (2 × 10), running tasks (5).
    for (title, name) in [
        ("ECS CPU by service", "CPUUtilization"),
        ("ECS memory by service", "MemoryUtilization"),
    ] {
        let mut qs = Vec::new();
        for (i, s) in SERVICES.iter().enumerate() {
            qs.push(stat(
                &format!("a{i}"),
                "AWS/ECS",
                name,
                &[("ClusterName", CLUSTER), ("ServiceName", s)],
                "Average",
                60,
            ));
            qs.push(stat(
                &format!("x{i}"),
                "AWS/ECS",
                name,
                &[("ClusterName", CLUSTER), ("ServiceName", s)],
                "Maximum",
                60,
            ));
        }
        w.push((title.to_string(), qs));
    }
    let tasks = SERVICES
        .iter()
        .enumerate()
        .map(|(i, s)| {
            stat(
                &format!("t{i}"),
                "ECS/ContainerInsights",
                "RunningTaskCount",
                &[("ClusterName", CLUSTER), ("ServiceName", s)],
                "Average",
                60,
            )
        })
        .collect();
    w.push(("Running tasks".to_string(), tasks));
    // RDS (8).
    let db = [("DBInstanceIdentifier", DB_INSTANCE)];
    let mut qs = Vec::new();
    for (i, n) in ["CPUUtilization", "DatabaseConnections", "ReadLatency", "FreeableMemory"]
        .iter()
        .enumerate()
    {
        qs.push(stat(&format!("d{i}"), "AWS/RDS", n, &db, "Average", 60));
        qs.push(stat(&format!("dx{i}"), "AWS/RDS", n, &db, "Maximum", 60));
    }
    w.push(("Database".to_string(), qs));
    // Lambda per function (3 × 3), throttles and concurrency (6), and every function's errors
    // summed with METRICS() (3 + 1 expression).
    for (title, name, st) in [
        ("Lambda invocations", "Invocations", "Sum"),
        ("Lambda errors", "Errors", "Sum"),
        ("Lambda p95 duration", "Duration", "p95"),
    ] {
        let qs = LAMBDAS
            .iter()
            .enumerate()
            .map(|(i, f)| stat(&format!("l{i}"), "AWS/Lambda", name, &[("FunctionName", f)], st, 60))
            .collect();
        w.push((title.to_string(), qs));
    }
    let mut qs = Vec::new();
    for (i, f) in LAMBDAS.iter().enumerate() {
        qs.push(stat(
            &format!("th{i}"),
            "AWS/Lambda",
            "Throttles",
            &[("FunctionName", f)],
            "Sum",
            60,
        ));
        qs.push(stat(
            &format!("cc{i}"),
            "AWS/Lambda",
            "ConcurrentExecutions",
            &[("FunctionName", f)],
            "Maximum",
            60,
        ));
    }
    w.push(("Lambda throttles and concurrency".to_string(), qs));
    let mut all = Vec::new();
    for (i, f) in LAMBDAS.iter().enumerate() {
        all.push(hidden(stat(
            &format!("err{i}"),
            "AWS/Lambda",
            "Errors",
            &[("FunctionName", f)],
            "Sum",
            60,
        )));
    }
    all.push(expr("total", "SUM(METRICS(\"err\"))", "All Lambda errors"));
    w.push(("Lambda errors, all functions".to_string(), all));
    // SQS at 5 minutes (2 queues × 3).
    let mut qs = Vec::new();
    for (i, q) in QUEUES.iter().enumerate() {
        for (j, n) in [
            "ApproximateNumberOfMessagesVisible",
            "ApproximateAgeOfOldestMessage",
            "NumberOfMessagesSent",
        ]
        .iter()
        .enumerate()
        {
            qs.push(stat(&format!("q{i}_{j}"), "AWS/SQS", n, &[("QueueName", q)], "Maximum", 300));
        }
    }
    w.push(("Queues (5 min)".to_string(), qs));
    // Every service's CPU found by SEARCH (one expression, five series).
    w.push((
        "CPU of every service (SEARCH)".to_string(),
        vec![MetricDataQuery {
            id: "s1".to_string(),
            expression: Some("SEARCH('{AWS/ECS,ClusterName,ServiceName} MetricName=\"CPUUtilization\"', 'Average', 60)".to_string()),
            ..MetricDataQuery::default()
        }],
    ));
    let groups = |g: &[&str]| g.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    let log_widgets = vec![
        (
            "Checkout errors".to_string(),
            "fields @timestamp, @message | filter level = \"error\" | sort @timestamp desc | limit 50".to_string(),
            groups(&["/ecs/checkout"]),
        ),
        (
            "Errors per minute by service".to_string(),
            "filter level = \"error\" | stats count(*) as errors by bin(1m), service".to_string(),
            groups(&["/ecs/checkout", "/ecs/api", "/ecs/web"]),
        ),
        (
            "Slowest API routes".to_string(),
            "filter ispresent(durationMs) | stats avg(durationMs) as avg, pct(durationMs, 99) as p99 by route | sort p99 desc | limit 10"
                .to_string(),
            groups(&["/ecs/api"]),
        ),
        (
            "Lambda cold starts".to_string(),
            "filter @type = \"REPORT\" | stats count(*) as invocations, max(@duration) as slowest by bin(5m)".to_string(),
            groups(&["/aws/lambda/order-events"]),
        ),
    ];
    WarRoom {
        metric_widgets: w,
        log_widgets,
    }
}
