//! Two real `watchpost serve` processes on one Postgres: the Logs Insights budget holds across
//! them, and when one is killed (`kill -9`) the survivor takes its slots over.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

async fn database_url(db: &PgPool) -> String {
    let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(db).await.expect("name");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for tests");
    let (prefix, _) = base.rsplit_once('/').expect("a database URL with a path");
    format!("{prefix}/{name}")
}

struct Replica {
    child: Child,
    addr: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port()
}

async fn start(url: &str) -> Replica {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_watchpost"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("WATCHPOST_BIND", format!("127.0.0.1:{port}"))
        .env("WATCHPOST_INSIGHTS_CONCURRENCY", "3")
        .env("WATCHPOST_INSIGHTS_PER_USER", "20")
        .env("WATCHPOST_ADMIN_EMAIL", "admin@example.com")
        .env("WATCHPOST_ADMIN_PASSWORD", "admin password 1")
        .env("WATCHPOST_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start watchpost serve");
    let addr = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{addr}/readyz")).await {
            if r.status() == StatusCode::OK {
                return Replica { child, addr };
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("watchpost serve did not become ready on {addr}");
}

/// A browser session of the admin, opened in the database.
async fn session(db: &PgPool) -> String {
    let secret = "ab".repeat(32);
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, expires_at)
         SELECT sha256(convert_to($1, 'UTF8')), id, now() + interval '1 day' FROM users WHERE email = 'admin@example.com'",
    )
    .bind(&secret)
    .execute(db)
    .await
    .expect("session");
    secret
}

async fn submit_over(r: &Replica, cookie: &str, i: i64, span: i64) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // Distinct queries over `span` seconds of a busy group: each takes a moment of the demo's
    // one worker, so several are open (scheduled or running) at once.
    let query = json!({
        "logGroupNames": ["/ecs/checkout"],
        "startTime": now - span - i * 60,
        "endTime": now,
        "queryString": format!("filter durationMs > {i} | stats count(*), avg(durationMs), pct(durationMs, 99) by route, bin(1h)"),
    });
    let res = reqwest::Client::new()
        .post(format!("{}/data/demo/insights", r.addr))
        .header("cookie", format!("watchpost_session={cookie}"))
        .header("origin", &r.addr)
        .json(&query)
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("run")
}

/// The demo world's recorded runs on one replica: (start, end) in epoch ms.
async fn runs(r: &Replica, cookie: &str) -> Vec<(i64, Option<i64>)> {
    let res = reqwest::Client::new()
        .get(format!("{}/data/demo/demo/query-runs", r.addr))
        .header("cookie", format!("watchpost_session={cookie}"))
        .send()
        .await
        .expect("runs");
    assert_eq!(res.status(), StatusCode::OK);
    let v: Vec<Value> = res.json().await.expect("json");
    v.iter()
        .map(|r| (r["startMs"].as_i64().expect("start"), r["endMs"].as_i64()))
        .collect()
}

/// The most intervals open at once (open ones run to `until`).
fn depth(intervals: &[(i64, Option<i64>)], until: i64) -> usize {
    let mut edges: Vec<(i64, i32)> = Vec::new();
    for (s, e) in intervals {
        edges.push((*s, 1));
        edges.push((e.unwrap_or(until), -1));
    }
    // Ends before starts at the same instant: touching intervals do not overlap.
    edges.sort_by_key(|&(t, d)| (t, d));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most as usize
}

async fn state_of(r: &Replica, cookie: &str, run: &str) -> String {
    let res = reqwest::Client::new()
        .get(format!("{}/data/runs/{run}", r.addr))
        .header("cookie", format!("watchpost_session={cookie}"))
        .send()
        .await
        .expect("poll");
    let v: Value = res.json().await.expect("view");
    v["status"]["state"].as_str().unwrap_or("").to_string()
}

/// Waits (up to 4 minutes) until every run in `ids` is complete, as seen from `r`.
async fn all_complete(r: &Replica, cookie: &str, ids: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let mut done = 0;
        for id in ids {
            if state_of(r, cookie, id).await == "complete" {
                done += 1;
            }
        }
        if done == ids.len() {
            return;
        }
        assert!(Instant::now() < deadline, "only {done} of {} runs completed", ids.len());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn two_serve_processes_hold_one_budget_and_a_survivor_takes_over(db: PgPool) {
    let url = database_url(&db).await;
    let a = start(&url).await;
    let b = start(&url).await;
    let cookie = session(&db).await;

    // Ten distinct queries over three days, five submitted on each replica at once; budget 3.
    // StartQuery's quota spaces starts 250 ms apart, so each query must run longer than that
    // for the budget to be tested at all (six hours ran in 60 ms on a quiet machine).
    let ids: Vec<String> = futures::future::join_all((0..10).map(|i| {
        let r = if i % 2 == 0 { &a } else { &b };
        submit_over(r, &cookie, i, 3 * 86_400)
    }))
    .await
    .iter()
    .map(|v| v["runId"].as_str().expect("id").to_string())
    .collect();
    all_complete(&b, &cookie, &ids).await;
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let mut all = runs(&a, &cookie).await;
    all.extend(runs(&b, &cookie).await);
    assert_eq!(all.len(), 10, "one StartQuery per distinct query: {all:?}");
    let deep = depth(&all, now_ms);
    assert!(deep <= 3, "{deep} queries ran at once across two replicas with a budget of 3");
    assert!(deep >= 2, "the budget was not used: {all:?}");

    // Now the replica holding the slots dies mid-flight. B goes away (it holds nothing: every
    // query is done), A takes six longer queries and all three slots, a new B joins, and A is
    // killed.
    drop(b);
    // Two weeks each (seconds apiece): A must still be running three of them when it dies, after
    // a new B has taken the seconds it needs to start.
    let mut ids = Vec::new();
    for i in 10..16 {
        ids.push(
            submit_over(&a, &cookie, i, 14 * 86_400).await["runId"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while runs(&a, &cookie).await.iter().filter(|r| r.1.is_none()).count() < 3 {
        assert!(Instant::now() < deadline, "A never held three slots");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let b = start(&url).await;
    assert!(
        runs(&a, &cookie).await.iter().any(|r| r.1.is_none()),
        "A still holds slots when B joins"
    );
    let mut a = a;
    let killed = Instant::now();
    let killed_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    a.child.kill().expect("kill -9");
    let _ = a.child.wait();
    // B finishes everything, and was running three at once within 30 s of the kill.
    all_complete(&b, &cookie, &ids).await;
    // B's runs from the kill on (those already running then count from the kill).
    let after: Vec<(i64, Option<i64>)> = runs(&b, &cookie)
        .await
        .into_iter()
        .filter(|r| r.1.is_none_or(|e| e > killed_ms))
        .map(|r| (r.0.max(killed_ms), r.1))
        .collect();
    let limit = killed_ms + 30_000;
    let within: Vec<(i64, Option<i64>)> = after
        .iter()
        .filter(|r| r.0 < limit)
        .map(|r| (r.0, Some(r.1.unwrap_or(limit).min(limit))))
        .collect();
    assert!(
        depth(&within, limit) >= 3,
        "the survivor did not use all three slots within 30 s of the kill: {after:?} (killed {killed:?} ago)",
        killed = killed.elapsed()
    );
    assert!(depth(&after, i64::MAX) <= 3);
}
