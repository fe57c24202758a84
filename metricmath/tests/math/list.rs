//! ListMetrics (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html>).

use cloudwatch::metrics::{DimensionFilter, ListMetricsInput, ListMetricsOutput, Metric};
use cloudwatch::SourceError;
use metricmath::{Backend, Options};
use time::{Duration, OffsetDateTime};

use super::backend::*;

fn list_at(b: &TestBackend, i: &ListMetricsInput, at: OffsetDateTime) -> Result<ListMetricsOutput, SourceError> {
    metricmath::list_metrics_with(i, b, at, &Options::default())
}

fn list(b: &TestBackend, i: &ListMetricsInput) -> ListMetricsOutput {
    list_at(b, i, now()).unwrap_or_else(|e| panic!("{e}"))
}

fn filter(name: &str, value: Option<&str>) -> DimensionFilter {
    DimensionFilter {
        name: name.into(),
        value: value.map(str::to_string),
    }
}

#[test]
fn filters() {
    let b = TestBackend::new();
    let all = list(&b, &ListMetricsInput::default());
    assert_eq!(all.metrics.len(), b.catalogue().len());
    assert!(all.next_token.is_none() && all.owning_accounts.is_empty());
    let ec2 = list(
        &b,
        &ListMetricsInput {
            namespace: Some("AWS/EC2".into()),
            ..Default::default()
        },
    );
    assert_eq!(ec2.metrics.len(), 10);
    let cpu = list(
        &b,
        &ListMetricsInput {
            namespace: Some("AWS/EC2".into()),
            metric_name: Some("CPUUtilization".into()),
            ..Default::default()
        },
    );
    assert_eq!(cpu.metrics.len(), 7);
    let by_id = list(
        &b,
        &ListMetricsInput {
            dimensions: vec![filter("InstanceId", None)],
            ..Default::default()
        },
    );
    assert_eq!(by_id.metrics.len(), 6);
    let one = list(
        &b,
        &ListMetricsInput {
            dimensions: vec![filter("InstanceId", Some("i-aaa"))],
            metric_name: Some("NetworkIn".into()),
            ..Default::default()
        },
    );
    assert_eq!(one.metrics, vec![Metric::new("AWS/EC2", "NetworkIn", &[("InstanceId", "i-aaa")])]);
    // A metric with more dimensions than the filter names still matches.
    let es = list(
        &b,
        &ListMetricsInput {
            dimensions: vec![filter("DomainName", Some("logs"))],
            ..Default::default()
        },
    );
    assert_eq!(es.metrics.len(), 1);
    let none = list(
        &b,
        &ListMetricsInput {
            namespace: Some("aws/ec2".into()),
            ..Default::default()
        },
    );
    assert!(none.metrics.is_empty());
    let too_many = ListMetricsInput {
        dimensions: (0..11).map(|k| filter(&format!("D{k}"), None)).collect(),
        ..Default::default()
    };
    assert_eq!(
        list_at(&b, &too_many, now()).map_err(|e| e.code).err().as_deref(),
        Some("ValidationError")
    );
}

#[test]
fn five_hundred_a_page() {
    let b = TestBackend::many(1_234);
    let mut i = ListMetricsInput::default();
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let page = list(&b, &i);
        sizes.push(page.metrics.len());
        seen.extend(page.metrics);
        match page.next_token {
            Some(t) => i.next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(sizes, vec![500, 500, 234]);
    assert_eq!(seen, b.catalogue().to_vec());
    for bad in ["x", "", "6c6d313a3530303a303a30"] {
        let e = list_at(
            &b,
            &ListMetricsInput {
                next_token: Some(bad.into()),
                ..Default::default()
            },
            now(),
        )
        .expect_err(bad);
        assert_eq!(e.code, "InvalidNextToken");
    }
}

#[test]
fn recently_active() {
    let b = TestBackend::new();
    let doc_if = |ra: Option<&str>| ListMetricsInput {
        namespace: Some("Doc/If".into()),
        recently_active: ra.map(str::to_string),
        ..Default::default()
    };
    // The table data is at 10:00-10:25: within three hours of 12:00, not of 16:00.
    assert_eq!(list(&b, &doc_if(Some("PT3H"))).metrics.len(), 4);
    assert_eq!(
        list_at(&b, &doc_if(Some("PT3H")), now() + Duration::hours(4))
            .map(|o| o.metrics.len())
            .ok(),
        Some(0)
    );
    assert_eq!(
        list_at(&b, &doc_if(None), now() + Duration::hours(4)).map(|o| o.metrics.len()).ok(),
        Some(4)
    );
    let e = list_at(&b, &doc_if(Some("PT1H")), now()).expect_err("PT1H");
    assert_eq!(e.code, "ValidationError");
    assert!(e.message.contains("[PT3H]"), "{}", e.message);
    // What the backend knows of last data decides without probing.
    let mut b = TestBackend::new();
    let m = b.metric("Doc/If", "Low", &[]);
    b.set_last(&m, now() - Duration::hours(5));
    assert_eq!(list(&b, &doc_if(Some("PT3H"))).metrics.len(), 3);
}

/// Metrics without data for two weeks are not listed.
#[test]
fn stale_metrics_are_not_listed() {
    let mut b = TestBackend::new();
    let m = b.metric("Doc/If", "Low", &[]);
    b.set_last(&m, now() - Duration::days(15));
    let out = list(
        &b,
        &ListMetricsInput {
            namespace: Some("Doc/If".into()),
            ..Default::default()
        },
    );
    assert_eq!(out.metrics.len(), 3);
    assert!(!out.metrics.contains(&m));
}

#[test]
fn linked_accounts() {
    let b = TestBackend::new();
    let i = ListMetricsInput {
        namespace: Some("AWS/ECS".into()),
        include_linked_accounts: Some(true),
        ..Default::default()
    };
    let out = list(&b, &i);
    assert_eq!(out.owning_accounts, vec![metricmath::DEFAULT_ACCOUNT_ID.to_string()]);
    let other = ListMetricsInput {
        owning_account: Some("111122223333".into()),
        ..i.clone()
    };
    assert!(list(&b, &other).metrics.is_empty());
    let mine = ListMetricsInput {
        owning_account: Some(metricmath::DEFAULT_ACCOUNT_ID.into()),
        ..i
    };
    assert_eq!(list(&b, &mine).metrics.len(), 1);
}
