//! Log groups, fields, events around a record, Live Tail, dashboards and query definitions.

use crate::common::*;
use cloudwatch::dashboards::*;
use cloudwatch::logs::*;
use cloudwatch::Source;
use futures_util::StreamExt;
use time::Duration;

#[tokio::test]
async fn describe_log_groups_filters_and_pages() {
    let src = source(1, ANCHOR);
    let all = src.describe_log_groups(&cx(), DescribeLogGroupsInput::default()).await.unwrap();
    let names: Vec<&str> = all.log_groups.iter().map(|g| g.log_group_name.as_str()).collect();
    for n in ["/ecs/checkout", "/ecs/ai-service", "/aws/lambda/order-events", "/aws/vpc/flowlogs"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let ai = all.log_groups.iter().find(|g| g.log_group_name == "/ecs/ai-service").unwrap();
    assert_eq!(ai.retention_in_days, None, "never expires");
    assert_eq!(
        all.log_groups
            .iter()
            .find(|g| g.log_group_name == "/ecs/checkout")
            .unwrap()
            .metric_filter_count,
        Some(2)
    );
    assert!(
        ai.stored_bytes.unwrap() > 0
            && ai
                .arn
                .as_ref()
                .unwrap()
                .starts_with("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/ai-service")
    );
    let ecs = src
        .describe_log_groups(
            &cx(),
            DescribeLogGroupsInput {
                log_group_name_prefix: Some("/ecs/".into()),
                limit: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ecs.log_groups.len(), 2);
    let more = src
        .describe_log_groups(
            &cx(),
            DescribeLogGroupsInput {
                log_group_name_prefix: Some("/ecs/".into()),
                limit: Some(50),
                next_token: ecs.next_token,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(more.log_groups.len(), 3);
    let pat = src
        .describe_log_groups(
            &cx(),
            DescribeLogGroupsInput {
                log_group_name_pattern: Some("lambda".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pat.log_groups.len(), 3);
    let e = src
        .describe_log_groups(
            &cx(),
            DescribeLogGroupsInput {
                log_group_name_pattern: Some("a".into()),
                log_group_name_prefix: Some("/".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    assert_eq!(
        src.describe_log_groups(
            &cx(),
            DescribeLogGroupsInput {
                limit: Some(51),
                ..Default::default()
            }
        )
        .await
        .unwrap_err()
        .code,
        "InvalidParameterException"
    );
}

#[tokio::test]
async fn log_group_fields_and_formats() {
    let src = source(1, ANCHOR);
    let f = src
        .get_log_group_fields(
            &cx(),
            GetLogGroupFieldsInput {
                log_group_name: Some("/ecs/checkout".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let get = |n: &str| f.log_group_fields.iter().find(|x| x.name == n).map(|x| x.percent);
    assert_eq!(get("@message"), Some(100));
    assert!(get("statusCode").unwrap() > 50);
    assert!(get("error.name").unwrap() > 5, "mid-incident errors carry an error object");
    let w = src
        .get_log_group_fields(
            &cx(),
            GetLogGroupFieldsInput {
                log_group_name: Some("/ecs/worker".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(w.log_group_fields.iter().any(|x| x.name == "request_id"));
    // Lambda's own lines.
    let l = filter_all(
        &src,
        "/aws/lambda/image-resize",
        "REPORT",
        ANCHOR - Duration::minutes(5),
        ANCHOR - Duration::minutes(1),
    )
    .await;
    assert!(!l.is_empty());
    assert!(
        l[0].message.starts_with("REPORT RequestId: ")
            && l[0].message.contains("\tBilled Duration: ")
            && l[0].message.contains("\tMemory Size: 1024 MB\t")
    );
    assert!(l[0].log_stream_name.contains("/[$LATEST]"));
    let v = filter_all(&src, "/aws/vpc/flowlogs", "REJECT", ANCHOR - Duration::minutes(30), ANCHOR).await;
    assert!(!v.is_empty() && v[0].message.starts_with("2 123456789012 eni-") && v[0].log_stream_name.ends_with("-all"));
    let ai = filter_all(
        &src,
        "/ecs/ai-service",
        r#"{ $.event = "llm_request_completed" }"#,
        ANCHOR - Duration::minutes(3),
        ANCHOR - Duration::minutes(1),
    )
    .await;
    let j: serde_json::Value = serde_json::from_str(&ai[0].message).unwrap();
    assert_eq!(j["category"], "ai-usage");
    assert_eq!(
        j["totalTokens"].as_u64().unwrap(),
        j["inputTokens"].as_u64().unwrap() + j["outputTokens"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn a_request_id_can_be_followed_across_services_and_events_around_it() {
    let src = source(1, ANCHOR);
    let (s, e) = (ANCHOR - Duration::minutes(20), ANCHOR - Duration::minutes(19));
    let co = filter_all(&src, "/ecs/checkout", r#"{ $.statusCode = 200 }"#, s, e).await;
    let j: serde_json::Value = serde_json::from_str(&co[0].message).unwrap();
    let rid = j["requestId"].as_str().unwrap();
    let web = filter_all(&src, "/ecs/web", &format!("\"{rid}\""), s, e).await;
    let api = filter_all(&src, "/ecs/api", &format!("\"{rid}\""), s, e).await;
    assert_eq!((web.len(), api.len()), (1, 1));
    // GetLogEvents around the event, on its stream.
    let around = src
        .get_log_events(
            &cx(),
            GetLogEventsInput {
                log_group_name: Some("/ecs/checkout".into()),
                log_stream_name: co[0].log_stream_name.clone(),
                start_time: Some(co[0].timestamp - 60_000),
                end_time: Some(co[0].timestamp + 60_000),
                limit: Some(10_000),
                start_from_head: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(around.events.iter().any(|x| x.message == co[0].message));
    assert!(around.events.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    let page = src
        .get_log_events(
            &cx(),
            GetLogEventsInput {
                log_group_name: Some("/ecs/checkout".into()),
                log_stream_name: co[0].log_stream_name.clone(),
                start_time: Some(co[0].timestamp - 60_000),
                end_time: Some(co[0].timestamp + 60_000),
                limit: Some(3),
                start_from_head: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.events, around.events[..3].to_vec());
    let next = src
        .get_log_events(
            &cx(),
            GetLogEventsInput {
                log_group_name: Some("/ecs/checkout".into()),
                log_stream_name: co[0].log_stream_name.clone(),
                start_time: Some(co[0].timestamp - 60_000),
                end_time: Some(co[0].timestamp + 60_000),
                limit: Some(3),
                next_token: page.next_forward_token.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(next.events, around.events[3..6].to_vec());
    let err = src
        .get_log_events(
            &cx(),
            GetLogEventsInput {
                log_group_name: Some("/ecs/checkout".into()),
                log_stream_name: "nope".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, "ResourceNotFoundException");
    // FilterLogEvents paging with a limit.
    let p1 = src
        .filter_log_events(
            &cx(),
            FilterLogEventsInput {
                log_group_name: Some("/ecs/web".into()),
                start_time: Some(millis(s)),
                end_time: Some(millis(e)),
                limit: Some(7),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p1.events.len(), 7);
    let p2 = src
        .filter_log_events(
            &cx(),
            FilterLogEventsInput {
                log_group_name: Some("/ecs/web".into()),
                start_time: Some(millis(s)),
                end_time: Some(millis(e)),
                limit: Some(7),
                next_token: p1.next_token,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let all = filter_all(&src, "/ecs/web", "", s, e).await;
    assert_eq!(p2.events[0], all[7]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_tail_streams_arriving_events() {
    let (src, clock) = source_with(config(1), ANCHOR);
    let mut tail = src
        .start_live_tail(
            &cx(),
            StartLiveTailInput {
                log_group_identifiers: vec!["/ecs/web".into()],
                log_event_filter_pattern: Some(r#"{ $.statusCode = 200 }"#.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let first = tail.next().await.unwrap().unwrap();
    assert!(first.session_results.is_empty());
    clock.set(ANCHOR + Duration::seconds(2));
    let second = tail.next().await.unwrap().unwrap();
    assert!(!second.session_results.is_empty());
    assert!(second
        .session_results
        .iter()
        .all(|e| e.ingestion_time > crate::common::millis(ANCHOR) && e.message.contains("\"statusCode\":200")));
    let e = src.start_live_tail(&cx(), StartLiveTailInput::default()).await.err().unwrap();
    assert_eq!(e.code, "InvalidParameterException");
}

#[tokio::test]
async fn dashboards_and_query_definitions() {
    let src = source(1, ANCHOR);
    let list = src.list_dashboards(&cx(), ListDashboardsInput::default()).await.unwrap();
    assert!(list.dashboard_entries.iter().any(|d| d.dashboard_name == "shop-overview"));
    let d = src
        .get_dashboard(
            &cx(),
            GetDashboardInput {
                dashboard_name: "shop-overview".into(),
            },
        )
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&d.dashboard_body).unwrap();
    assert!(body["widgets"].as_array().unwrap().len() >= 5);
    let bad = src
        .put_dashboard(
            &cx(),
            PutDashboardInput {
                dashboard_name: "x".into(),
                dashboard_body: "{\"nope\":1}".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, "InvalidParameterInput");
    let bad = src
        .put_dashboard(
            &cx(),
            PutDashboardInput {
                dashboard_name: "x".into(),
                dashboard_body: "not json".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, "InvalidParameterInput");
    src.put_dashboard(
        &cx(),
        PutDashboardInput {
            dashboard_name: "mine".into(),
            dashboard_body: "{\"widgets\":[]}".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        src.get_dashboard(
            &cx(),
            GetDashboardInput {
                dashboard_name: "mine".into()
            }
        )
        .await
        .unwrap()
        .dashboard_body,
        "{\"widgets\":[]}"
    );
    assert_eq!(
        src.get_dashboard(
            &cx(),
            GetDashboardInput {
                dashboard_name: "nope".into()
            }
        )
        .await
        .unwrap_err()
        .code,
        "ResourceNotFound"
    );

    let id = src
        .put_query_definition(
            &cx(),
            QueryDefinition {
                name: "errors/checkout".into(),
                query_string: "filter level = 'error'".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .query_definition_id;
    let all = src
        .describe_query_definitions(&cx(), DescribeQueryDefinitionsInput::default())
        .await
        .unwrap();
    assert_eq!(all.query_definitions.len(), 1);
    assert_eq!(all.query_definitions[0].query_definition_id.as_deref(), Some(id.as_str()));
    assert!(
        src.delete_query_definition(
            &cx(),
            DeleteQueryDefinitionInput {
                query_definition_id: id.clone()
            }
        )
        .await
        .unwrap()
        .success
    );
    assert_eq!(
        src.delete_query_definition(&cx(), DeleteQueryDefinitionInput { query_definition_id: id })
            .await
            .unwrap_err()
            .code,
        "ResourceNotFoundException"
    );
}
