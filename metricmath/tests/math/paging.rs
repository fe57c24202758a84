//! `MaxDatapoints`, `NextToken` and `ScanBy`
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html>).

use std::collections::BTreeMap;

use cloudwatch::metrics::{GetMetricDataInput, GetMetricDataOutput, ScanBy, StatusCode};
use time::{Duration, OffsetDateTime};

use super::backend::*;

fn request(scan: Option<ScanBy>) -> GetMetricDataInput {
    let mut i = input(vec![
        cpu("m1", "i-aaa"),
        cpu("m2", "i-bbb"),
        hidden(cpu("m3", "i-1234567890123456")),
        expr("e1", "METRICS()*2"),
        expr("e2", r#"SEARCH('{AWS/EC2,InstanceType} CPUUtilization', 'Average')"#),
    ]);
    i.scan_by = scan;
    i
}

/// (id, label) → timestamps and values, concatenated over pages.
type Collected = BTreeMap<(usize, String, String), (Vec<OffsetDateTime>, Vec<f64>)>;

fn collect(pages: &[GetMetricDataOutput]) -> Collected {
    let mut out = Collected::new();
    for page in pages {
        for (k, r) in page.metric_data_results.iter().enumerate() {
            let e = out.entry((k, r.id.clone(), r.label.clone())).or_default();
            e.0.extend(r.timestamps.iter().copied());
            e.1.extend(r.values.iter().copied());
        }
    }
    out
}

fn all_pages(b: &TestBackend, mut i: GetMetricDataInput, size: i64) -> Vec<GetMetricDataOutput> {
    i.max_datapoints = Some(size);
    let mut pages = Vec::new();
    loop {
        let out = run_input(b, &i).unwrap_or_else(|e| panic!("{e}"));
        let next = out.next_token.clone();
        pages.push(out);
        match next {
            Some(t) => i.next_token = Some(t),
            None => return pages,
        }
        assert!(pages.len() < 100, "paging does not end");
    }
}

#[test]
fn pages_concatenate_to_the_unpaged_answer() {
    let b = TestBackend::new();
    for scan in [None, Some(ScanBy::TimestampAscending), Some(ScanBy::TimestampDescending)] {
        let whole = run_input(&b, &request(scan)).unwrap_or_else(|e| panic!("{e}"));
        assert!(whole.next_token.is_none());
        let total: usize = whole.metric_data_results.iter().map(|r| r.values.len()).sum();
        assert_eq!(total, 6 + 5 + 6 + 5 + 6 + 6 * 3);
        for size in [1, 4, 7, 30, 33, 100_800] {
            let pages = all_pages(&b, request(scan), size);
            assert_eq!(pages.len(), total.div_ceil(size as usize), "size {size}");
            for p in &pages {
                let n: usize = p.metric_data_results.iter().map(|r| r.values.len()).sum();
                assert!(n <= size as usize);
                // Every page lists every result, in order.
                let ids: Vec<&str> = p.metric_data_results.iter().map(|r| r.id.as_str()).collect();
                assert_eq!(ids, whole.metric_data_results.iter().map(|r| r.id.as_str()).collect::<Vec<_>>());
            }
            assert_eq!(collect(&pages), collect(std::slice::from_ref(&whole)), "size {size}");
        }
    }
}

#[test]
fn truncated_results_are_partial_data() {
    let b = TestBackend::new();
    let pages = all_pages(&b, request(None), 4);
    let first = &pages[0];
    assert_eq!(first.metric_data_results[0].values.len(), 4);
    assert_eq!(first.metric_data_results[0].status_code, StatusCode::PartialData);
    assert_eq!(first.metric_data_results[1].status_code, StatusCode::PartialData);
    let second = &pages[1];
    assert_eq!(second.metric_data_results[0].values.len(), 2);
    assert_eq!(second.metric_data_results[0].status_code, StatusCode::Complete);
    // One point left for the next page is still PartialData.
    let five = all_pages(&b, request(None), 5);
    assert_eq!(five[0].metric_data_results[0].values.len(), 5);
    assert_eq!(five[0].metric_data_results[0].status_code, StatusCode::PartialData);
    let six = all_pages(&b, request(None), 6);
    assert_eq!(six[0].metric_data_results[0].status_code, StatusCode::Complete);
    let last = pages.last().map(|p| &p.metric_data_results).unwrap_or_else(|| panic!("no pages"));
    assert!(last.iter().all(|r| r.status_code == StatusCode::Complete));
}

#[test]
fn scan_by_orders_the_points() {
    let b = TestBackend::new();
    let desc = run_input(&b, &request(None)).unwrap_or_else(|e| panic!("{e}"));
    let m1 = &desc.metric_data_results[0];
    assert_eq!(m1.values, vec![60.0, 50.0, 40.0, 30.0, 20.0, 10.0]);
    assert!(m1.timestamps.windows(2).all(|w| w[0] > w[1]));
    let asc = run_input(&b, &request(Some(ScanBy::TimestampAscending))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(asc.metric_data_results[0].values, vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
}

#[test]
fn a_token_resumes_the_answer_of_its_first_page() {
    let b = TestBackend::new();
    let mut i = input(vec![metric_query("m1", "Doc/Clock", "Minute", &[], "Average")]);
    if let Some(ms) = i.metric_data_queries[0].metric_stat.as_mut() {
        ms.period = 60;
    }
    (i.start_time, i.end_time) = (now() - Duration::hours(1), now() + Duration::hours(1));
    i.max_datapoints = Some(50);
    let first = run_input(&b, &i).unwrap_or_else(|e| panic!("{e}"));
    i.next_token = first.next_token.clone();
    // An hour later the unpaged answer would have 120 points; the token still pages the first 60.
    let later = metricmath::get_metric_data(&i, &b, now() + Duration::hours(1)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(later.metric_data_results[0].values.len(), 10);
    assert!(later.next_token.is_none());
}

#[test]
fn invalid_tokens() {
    let b = TestBackend::new();
    let mut i = request(None);
    i.max_datapoints = Some(5);
    let first = run_input(&b, &i).unwrap_or_else(|e| panic!("{e}"));
    let token = first.next_token.unwrap_or_else(|| panic!("expected a token"));
    for bad in ["", "nonsense", "00ff", &token[..token.len() - 1]] {
        let mut j = i.clone();
        j.next_token = Some(bad.to_string());
        let e = run_input(&b, &j).expect_err(bad);
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("InvalidNextToken", "The next token specified is invalid.")
        );
    }
    // A token only resumes the request it came from (MaxDatapoints may change).
    let mut other = request(Some(ScanBy::TimestampAscending));
    other.next_token = Some(token.clone());
    assert_eq!(run_input(&b, &other).map_err(|e| e.code).err().as_deref(), Some("InvalidNextToken"));
    let mut same = i.clone();
    same.max_datapoints = Some(1000);
    same.next_token = Some(token);
    let rest = run_input(&b, &same).unwrap_or_else(|e| panic!("{e}"));
    let n: usize = rest.metric_data_results.iter().map(|r| r.values.len()).sum();
    assert_eq!(n, 46 - 5);
}
