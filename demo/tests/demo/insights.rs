//! Logs Insights: validation, the Scheduled → Running → Complete lifecycle with partial results,
//! StopQuery, and @ptr → GetLogRecord.

use crate::common::*;
use cloudwatch::logs::*;
use cloudwatch::Source;
use demo::InsightsOptions;
use std::time::Duration as StdDuration;
use time::Duration;

fn input(q: &str) -> StartQueryInput {
    StartQueryInput {
        log_group_names: vec!["/ecs/web".into()],
        start_time: secs(ANCHOR - Duration::hours(3)),
        end_time: secs(ANCHOR),
        query_string: q.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_partial_results_and_stop() {
    let (src, _) = source_with(config(5), ANCHOR);
    let src = src.with_insights(InsightsOptions {
        schedule_delay: StdDuration::from_millis(300),
        pace: StdDuration::from_millis(15),
        ..Default::default()
    });
    let id = src
        .start_query(&cx(), input("stats count(*) as n by level"))
        .await
        .unwrap()
        .query_id;
    let qid = || QueryIdInput { query_id: id.clone() };
    assert_eq!(src.get_query_results(&cx(), qid()).await.unwrap().status, QueryStatus::Scheduled);
    let mut saw_running = false;
    let mut saw_partial = false;
    let done = loop {
        let r = src.get_query_results(&cx(), qid()).await.unwrap();
        if r.status == QueryStatus::Running {
            saw_running = true;
            saw_partial |= !r.results.is_empty();
        }
        if r.status.is_final() {
            break r;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    };
    assert!(saw_running && saw_partial, "running with partial results before completing");
    assert_eq!(done.status, QueryStatus::Complete);
    assert!(done.statistics.records_scanned > 10_000.0 && done.statistics.bytes_scanned > 1e6);
    assert_eq!(done.statistics.records_matched, done.statistics.records_scanned);
    let total: f64 = done.results.iter().map(|r| field(r, "n").unwrap().parse::<f64>().unwrap()).sum();
    assert_eq!(total, done.statistics.records_matched);

    // StopQuery → Cancelled, and it stays so.
    let id2 = src.start_query(&cx(), input("fields @message")).await.unwrap().query_id;
    assert!(src.stop_query(&cx(), QueryIdInput { query_id: id2.clone() }).await.unwrap().success);
    tokio::time::sleep(StdDuration::from_millis(400)).await;
    assert_eq!(
        src.get_query_results(&cx(), QueryIdInput { query_id: id2.clone() })
            .await
            .unwrap()
            .status,
        QueryStatus::Cancelled
    );
    assert_eq!(
        src.stop_query(&cx(), QueryIdInput { query_id: id2 }).await.unwrap_err().code,
        "InvalidParameterException"
    );
    let e = src
        .get_query_results(&cx(), QueryIdInput { query_id: "nope".into() })
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_end_queries() {
    let (src, _) = source_with(config(5), ANCHOR);
    let src = src.with_insights(InsightsOptions {
        timeout: StdDuration::from_millis(100),
        pace: StdDuration::from_millis(20),
        ..Default::default()
    });
    let id = src.start_query(&cx(), input("stats count(*)")).await.unwrap().query_id;
    tokio::time::sleep(StdDuration::from_millis(600)).await;
    assert_eq!(
        src.get_query_results(&cx(), QueryIdInput { query_id: id }).await.unwrap().status,
        QueryStatus::Timeout
    );
}

#[tokio::test]
async fn start_query_validates_as_cloudwatch() {
    let src = source(5, ANCHOR);
    let e = src.start_query(&cx(), input("filter level = | stats count(*)")).await.unwrap_err();
    assert_eq!(e.code, "MalformedQueryException");
    let diag = insights::parse("filter level = | stats count(*)").unwrap_err();
    assert!(e.message.contains(&diag[0].message), "{} vs {}", e.message, diag[0].message);
    let mut i = input("stats count(*)");
    i.query_language = Some("SQL".into());
    assert_eq!(
        src.start_query(&cx(), i).await.unwrap_err().kind,
        cloudwatch::ErrorKind::Unsupported
    );
    let mut i = input("stats count(*)");
    i.log_group_names = (0..51).map(|_| "/ecs/web".to_string()).collect();
    assert_eq!(src.start_query(&cx(), i).await.unwrap_err().code, "InvalidParameterException");
    let mut i = input("stats count(*)");
    i.log_group_names = vec!["/ecs/nope".into()];
    assert_eq!(src.start_query(&cx(), i).await.unwrap_err().code, "ResourceNotFoundException");
    let mut i = input("stats count(*)");
    (i.start_time, i.end_time) = (i.end_time, i.start_time);
    assert_eq!(src.start_query(&cx(), i).await.unwrap_err().code, "InvalidParameterException");
    let i = input(&"x".repeat(10_001));
    assert_eq!(src.start_query(&cx(), i).await.unwrap_err().code, "InvalidParameterException");
    let mut i = input("stats count(*)");
    i.log_group_name = Some("/ecs/api".into());
    assert_eq!(src.start_query(&cx(), i).await.unwrap_err().code, "InvalidParameterException");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ptr_resolves_to_the_record() {
    let src = source(5, ANCHOR);
    let r = query(
        &src,
        &["/ecs/checkout", "/ecs/api"],
        ANCHOR - Duration::minutes(30),
        ANCHOR,
        "fields @timestamp, @message, requestId | filter statusCode >= 500 | sort @timestamp desc | limit 5",
    )
    .await;
    assert_eq!(r.results.len(), 5);
    for row in &r.results {
        let ptr = field(row, "@ptr").expect("@ptr on every row");
        let rec = src
            .get_log_record(
                &cx(),
                GetLogRecordInput {
                    log_record_pointer: ptr.into(),
                    unmask: None,
                },
            )
            .await
            .unwrap()
            .log_record;
        assert_eq!(rec["@message"], field(row, "@message").unwrap());
        assert_eq!(rec["requestId"], field(row, "requestId").unwrap());
        assert!(rec["@log"].starts_with("123456789012:/ecs/"));
        assert!(rec.contains_key("error.name"));
    }
    let e = src
        .get_log_record(
            &cx(),
            GetLogRecordInput {
                log_record_pointer: "bogus".into(),
                unmask: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
}

/// AWS's sample queries for the log types CloudWatch recognises give sensible answers on the
/// demo world: Lambda's "Determine the amount of overprovisioned memory" over REPORT lines
/// (fields as in CWL_AnalyzeLogData-discoverable-fields) and the Sort page's VPC flow log
/// "top packet transfers" query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_sample_queries_on_lambda_and_flow_logs() {
    let src = source(5, ANCHOR);
    let r = query(
        &src,
        &["/aws/lambda/image-resize"],
        ANCHOR - Duration::hours(1),
        ANCHOR,
        "filter @type = \"REPORT\"
         | stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB,
             min(@maxMemoryUsed / 1000 / 1000) as smallestMemoryRequestMB,
             avg(@maxMemoryUsed / 1000 / 1000) as avgMemoryUsedMB,
             max(@maxMemoryUsed / 1000 / 1000) as maxMemoryUsedMB,
             provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB",
    )
    .await;
    assert_eq!(r.results.len(), 1, "{r:?}");
    let num = |k: &str| {
        field(&r.results[0], k)
            .unwrap_or_else(|| panic!("{k} in {r:?}"))
            .parse::<f64>()
            .unwrap()
    };
    assert_eq!(num("provisonedMemoryMB"), 1024.0, "image-resize has 1024 MB");
    let (least, avg, most) = (num("smallestMemoryRequestMB"), num("avgMemoryUsedMB"), num("maxMemoryUsedMB"));
    assert!(0.0 < least && least <= avg && avg <= most && most <= 1024.0, "{least} {avg} {most}");
    assert_eq!(num("overProvisionedMB"), 1024.0 - most);
    // One REPORT line per invocation: @type agrees with the raw text.
    let count = |q: &'static str| {
        let src = &src;
        async move {
            let r = query(src, &["/aws/lambda/image-resize"], ANCHOR - Duration::hours(1), ANCHOR, q).await;
            field(&r.results[0], "n").unwrap().parse::<u64>().unwrap()
        }
    };
    let by_type = count("filter @type = \"REPORT\" | stats count(*) as n").await;
    assert!(by_type > 0);
    assert_eq!(
        by_type,
        count("filter @message like \"REPORT RequestId:\" | stats count(*) as n").await
    );

    let r = query(
        &src,
        &["/aws/vpc/flowlogs"],
        ANCHOR - Duration::hours(1),
        ANCHOR,
        "stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15",
    )
    .await;
    assert_eq!(r.results.len(), 15);
    let packets: Vec<f64> = r
        .results
        .iter()
        .map(|row| field(row, "packetsTransferred").unwrap().parse().unwrap())
        .collect();
    assert!(packets.windows(2).all(|w| w[0] >= w[1]) && packets[0] > 0.0, "{packets:?}");
    assert!(r.results.iter().all(|row| field(row, "srcAddr").is_some_and(|a| a.contains('.'))));
}
