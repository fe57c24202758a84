//! The Logs Insights scheduler against a real Postgres and real demo worlds: each "replica" is a
//! `Scheduler` with its own demo world, as two processes would have.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cloudwatch::logs::{QueryStatus, StartQueryInput};
use cloudwatch::{Source, SourceError};
use demo::{DemoConfig, DemoSource, InsightsOptions, QueryRun};
use proxy::insights::{RunStatus, RunView, Scheduler, SchedulerConfig};
use proxy::limits::Limits;
use proxy::usage::Usage;
use proxy::{Principal, RequestContext, Sources};
use sqlx::PgPool;
use uuid::Uuid;

const CONN: &str = "demo";

struct OneDemo(Arc<DemoSource>);

#[async_trait]
impl Sources for OneDemo {
    async fn source(&self, connection: &str) -> Result<Arc<dyn Source>, SourceError> {
        if connection == CONN {
            Ok(Arc::clone(&self.0) as Arc<dyn Source>)
        } else {
            Err(SourceError::not_found("ResourceNotFoundException", "no such connection"))
        }
    }
}

fn demo(schedule_delay: Duration) -> Arc<DemoSource> {
    let src = DemoSource::new(DemoConfig {
        seed: 7,
        quotas: false,
        ..Default::default()
    });
    Arc::new(src.with_insights(InsightsOptions {
        schedule_delay,
        workers: 2,
        ..Default::default()
    }))
}

fn config(replica: &str, budget: usize) -> SchedulerConfig {
    SchedulerConfig {
        replica: replica.to_string(),
        budget,
        lease: Duration::from_secs(4),
        renew_every: Duration::from_secs(1),
        per_principal_cap: 5,
        poll_min: Duration::from_millis(100),
        poll_max: Duration::from_millis(400),
        reuse_for: Duration::from_secs(60),
    }
}

async fn replica(db: &PgPool, src: &Arc<DemoSource>, config: SchedulerConfig) -> Scheduler {
    Scheduler::start(
        db.clone(),
        Arc::new(OneDemo(Arc::clone(src))),
        Limits::default(),
        Usage::default(),
        config,
    )
    .await
    .unwrap()
}

async fn connection(db: &PgPool) {
    sqlx::query("INSERT INTO connections (id, display_name, kind, settings) VALUES ($1, 'Demo', 'demo', '{}')")
        .bind(CONN)
        .execute(db)
        .await
        .unwrap();
}

fn user(name: &str) -> RequestContext {
    RequestContext {
        principal: Principal::User(format!("{name}@example.com")),
        privileged: false,
        dashboard: None,
        widget: None,
    }
}

fn now_s() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A small query over the last ten minutes of `/ecs/web`; `n` makes it distinct.
fn query(n: usize, end: i64) -> StartQueryInput {
    StartQueryInput {
        log_group_names: vec!["/ecs/web".into()],
        start_time: end - 600,
        end_time: end,
        query_string: format!("fields @timestamp, @message | limit {}", n + 1),
        ..Default::default()
    }
}

async fn until(s: &Scheduler, run: Uuid, done: impl Fn(&RunView) -> bool, within: Duration) -> RunView {
    let deadline = tokio::time::Instant::now() + within;
    let mut seen = -1;
    loop {
        let v = s.wait(run, seen, Duration::from_millis(500)).await.unwrap().unwrap();
        if done(&v) {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting: {v:#?}");
        seen = v.version;
    }
}

async fn until_final(s: &Scheduler, run: Uuid) -> RunView {
    until(s, run, |v| v.status.is_final(), Duration::from_secs(90)).await
}

/// How many intervals overlap at most, and when that depth was first reached. Open intervals
/// count as running until now.
fn depth(runs: &[QueryRun]) -> (usize, i64) {
    let mut ev: Vec<(i64, i32)> = Vec::new();
    for r in runs {
        ev.push((r.start_ms, 1));
        ev.push((r.end_ms.unwrap_or(i64::MAX), -1));
    }
    // Ends before starts at the same instant.
    ev.sort();
    let (mut cur, mut max, mut at) = (0i32, 0i32, 0i64);
    for (t, d) in ev {
        cur += d;
        if cur > max {
            (max, at) = (cur, t);
        }
    }
    (max as usize, at)
}

fn all_runs(srcs: &[&Arc<DemoSource>]) -> Vec<QueryRun> {
    srcs.iter().flat_map(|s| s.insights_runs()).collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn two_replicas_never_exceed_the_budget(db: PgPool) {
    connection(&db).await;
    let (da, db_) = (demo(Duration::from_millis(700)), demo(Duration::from_millis(700)));
    let a = replica(&db, &da, config("a", 3)).await;
    let b = replica(&db, &db_, config("b", 3)).await;
    let end = now_s();
    let mut runs = Vec::new();
    for i in 0..10 {
        let (s, who) = if i % 2 == 0 { (&a, "ann") } else { (&b, "bob") };
        let v = s.submit(&user(who), CONN, query(i, end)).await.unwrap();
        runs.push((i, v.run_id));
    }
    for (i, run) in &runs {
        let s = if i % 2 == 0 { &b } else { &a };
        let v = until_final(s, *run).await;
        assert_eq!(v.status, RunStatus::Complete, "{v:#?}");
        assert!(v.output.is_some_and(|o| o.status == QueryStatus::Complete));
    }
    let all = all_runs(&[&da, &db_]);
    assert_eq!(all.len(), 10, "one StartQuery per distinct query: {all:#?}");
    let (max, _) = depth(&all);
    assert!(max <= 3, "{max} queries ran at once with a budget of 3: {all:#?}");
    assert!(max >= 2, "the budget is shared, not serialised: {all:#?}");
    assert!(da.insights_runs().len() + db_.insights_runs().len() == 10);
    a.shutdown();
    b.shutdown();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_survivor_takes_over_a_crashed_replicas_slots(db: PgPool) {
    connection(&db).await;
    // A's queries would take a minute; B's a second.
    let (da, db_) = (demo(Duration::from_secs(60)), demo(Duration::from_secs(1)));
    let a = replica(&db, &da, config("a", 3)).await;
    let end = now_s();
    let mut runs = Vec::new();
    for i in 0..6 {
        let who = ["ann", "bob"][i % 2];
        runs.push(a.submit(&user(who), CONN, query(i, end)).await.unwrap().run_id);
    }
    // A holds every slot and has started its queries upstream.
    for _ in 0..100 {
        if da.insights_runs().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(da.insights_runs().len(), 3);
    let crash = time::OffsetDateTime::now_utc();
    let crash_ms = (crash.unix_timestamp_nanos() / 1_000_000) as i64;
    a.shutdown();
    let cfg = config("b", 3);
    let (lease, renew) = (cfg.lease, cfg.renew_every);
    let b = replica(&db, &db_, cfg).await;
    for run in &runs {
        let v = until_final(&b, *run).await;
        assert_eq!(v.status, RunStatus::Complete, "{v:#?}");
    }
    let bs = db_.insights_runs();
    assert_eq!(bs.len(), 6, "3 restarted, 3 from the queue: {bs:#?}");
    let (max, first_full) = depth(&bs);
    assert_eq!(max, 3, "the survivor uses every slot: {bs:#?}");
    let bound = (lease + renew * 2 + Duration::from_secs(5)).as_millis() as i64;
    assert!(
        first_full - crash_ms <= bound,
        "all 3 slots in use {} ms after the crash (bound {bound} ms)",
        first_full - crash_ms
    );
    // The crashed replica's queries were restarted, not abandoned.
    let restarts: i32 = sqlx::query_scalar("SELECT sum(restarts)::int4 FROM insights_executions")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(restarts, 3);
    b.shutdown();
}

#[sqlx::test(migrations = "../migrations")]
async fn identical_queries_on_two_replicas_run_once(db: PgPool) {
    connection(&db).await;
    let (da, db_) = (demo(Duration::from_millis(800)), demo(Duration::from_millis(800)));
    let a = replica(&db, &da, config("a", 3)).await;
    let b = replica(&db, &db_, config("b", 3)).await;
    let end = now_s() / 60 * 60 + 30;
    // Two users, two replicas, at once; ranges differ by seconds within the same minutes.
    let mut q2 = query(0, end + 10);
    q2.start_time -= 5;
    q2.log_group_names = vec!["/ecs/web".into(), "/ecs/web".into()];
    let (ann, bob) = (user("ann"), user("bob"));
    let (r1, r2) = tokio::join!(a.submit(&ann, CONN, query(0, end)), b.submit(&bob, CONN, q2));
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.execution_id, r2.execution_id);
    let (v1, v2) = (until_final(&b, r1.run_id).await, until_final(&a, r2.run_id).await);
    assert_eq!(v1.status, RunStatus::Complete);
    assert_eq!(v1.output, v2.output);
    assert_eq!(all_runs(&[&da, &db_]).len(), 1, "one StartQuery for both");
    // A third user shortly after reuses the finished execution.
    let v3 = b.submit(&user("cy"), CONN, query(0, end)).await.unwrap();
    assert_eq!((v3.execution_id, v3.status), (r1.execution_id, RunStatus::Complete));
    assert_eq!(v3.output, v1.output);
    assert_eq!(all_runs(&[&da, &db_]).len(), 1);
    a.shutdown();
    b.shutdown();
}

#[sqlx::test(migrations = "../migrations")]
async fn cancel_detaches_one_run_and_stops_the_last(db: PgPool) {
    connection(&db).await;
    let d = demo(Duration::from_secs(60));
    let a = replica(&db, &d, config("a", 3)).await;
    let end = now_s();
    let r1 = a.submit(&user("ann"), CONN, query(0, end)).await.unwrap();
    let r2 = a.submit(&user("bob"), CONN, query(0, end)).await.unwrap();
    assert_eq!(r1.execution_id, r2.execution_id);
    until(&a, r2.run_id, |v| v.status == RunStatus::Running, Duration::from_secs(20)).await;
    for _ in 0..100 {
        if !d.insights_runs().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(d.insights_runs().len(), 1);
    // Only the run's own user may cancel it.
    let e = a.cancel(&user("bob").principal, r1.run_id).await.unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
    assert!(a.cancel(&user("ann").principal, r1.run_id).await.unwrap());
    assert!(!a.cancel(&user("ann").principal, r1.run_id).await.unwrap(), "already detached");
    assert_eq!(a.run(r1.run_id).await.unwrap().unwrap().status, RunStatus::Cancelled);
    // The owner polls several times: the execution goes on for bob.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(a.run(r2.run_id).await.unwrap().unwrap().status, RunStatus::Running);
    assert_eq!(d.insights_runs()[0].end_ms, None, "still running upstream");
    assert!(a.cancel(&user("bob").principal, r2.run_id).await.unwrap());
    let mut stopped = None;
    for _ in 0..100 {
        stopped = d.insights_runs()[0].status;
        if stopped.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stopped, Some(QueryStatus::Cancelled), "StopQuery reached the source");
    let state: String = sqlx::query_scalar("SELECT state::text FROM insights_executions WHERE id = $1")
        .bind(r1.execution_id)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(state, "cancelled");
    let free: i64 = sqlx::query_scalar("SELECT count(*) FROM insights_slots WHERE execution_id IS NULL")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(free, 3, "the slot is given back");
    a.shutdown();
}

#[sqlx::test(migrations = "../migrations")]
async fn queue_positions_and_the_per_principal_cap(db: PgPool) {
    connection(&db).await;
    let d = demo(Duration::from_millis(1_500));
    let mut cfg = config("a", 1);
    cfg.per_principal_cap = 2;
    let a = replica(&db, &d, cfg).await;
    let end = now_s();
    let first = a.submit(&user("ann"), CONN, query(0, end)).await.unwrap();
    until(&a, first.run_id, |v| v.status == RunStatus::Running, Duration::from_secs(20)).await;
    let second = a.submit(&user("bob"), CONN, query(1, end)).await.unwrap();
    let third = a.submit(&user("cy"), CONN, query(2, end)).await.unwrap();
    assert_eq!(second.status, RunStatus::Queued { position: 1 });
    assert_eq!(third.status, RunStatus::Queued { position: 2 });
    // Ann's second run is allowed, her third is not.
    let ann2 = a.submit(&user("ann"), CONN, query(3, end)).await.unwrap();
    assert_eq!(ann2.status, RunStatus::Queued { position: 3 });
    let e = a.submit(&user("ann"), CONN, query(4, end)).await.unwrap_err();
    assert_eq!(e.code, "LimitExceededException");
    assert!(e.message.contains("cap is 2"), "{}", e.message);
    // The third moves up when the first ends: a new version of its view.
    let moved = until(
        &a,
        third.run_id,
        |v| v.status == RunStatus::Queued { position: 1 },
        Duration::from_secs(20),
    )
    .await;
    assert!(moved.version > third.version);
    // FIFO: they start in the order they were queued.
    let views = [
        until_final(&a, second.run_id).await,
        until_final(&a, third.run_id).await,
        until_final(&a, ann2.run_id).await,
    ];
    let starts: Vec<_> = views.iter().map(|v| v.started_at.unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    // With her runs done, Ann may submit again.
    a.submit(&user("ann"), CONN, query(4, end)).await.unwrap();
    a.shutdown();
}

#[sqlx::test(migrations = "../migrations")]
async fn finished_results_reopen_from_another_replica(db: PgPool) {
    connection(&db).await;
    let (da, db_) = (demo(Duration::ZERO), demo(Duration::ZERO));
    let a = replica(&db, &da, config("a", 3)).await;
    let run = a.submit(&user("ann"), CONN, query(0, now_s())).await.unwrap();
    let done = until_final(&a, run.run_id).await;
    assert_eq!(done.status, RunStatus::Complete);
    assert!(!done.output.as_ref().unwrap().results.is_empty());
    a.shutdown();
    let b = replica(&db, &db_, config("b", 3)).await;
    let again = b.run(run.run_id).await.unwrap().unwrap();
    assert_eq!(again, done);
    let json = serde_json::to_value(&again).unwrap();
    assert_eq!(json["status"]["state"], "complete");
    assert!(json["output"]["results"].is_array());
    assert!(b.run(Uuid::new_v4()).await.unwrap().is_none());
    b.shutdown();
}

#[sqlx::test(migrations = "../migrations")]
async fn refused_starts_are_retried_and_malformed_queries_fail_at_once(db: PgPool) {
    connection(&db).await;
    // The account allows one query at a time; the budget says three: the others are refused
    // with LimitExceededException and retried until they run.
    let src = DemoSource::new(DemoConfig {
        seed: 7,
        quotas: false,
        ..Default::default()
    });
    let d = Arc::new(src.with_insights(InsightsOptions {
        max_concurrent: 1,
        schedule_delay: Duration::from_millis(300),
        workers: 1,
        ..Default::default()
    }));
    let a = replica(&db, &d, config("a", 3)).await;
    let end = now_s();
    let mut runs = Vec::new();
    for i in 0..3 {
        runs.push(a.submit(&user("ann"), CONN, query(i, end)).await.unwrap().run_id);
    }
    for run in runs {
        assert_eq!(until_final(&a, run).await.status, RunStatus::Complete);
    }
    assert_eq!(d.insights_runs().len(), 3);
    let mut bad = query(9, end);
    bad.query_string = "filter level = | stats count(*)".into();
    let run = a.submit(&user("ann"), CONN, bad).await.unwrap();
    let v = until_final(&a, run.run_id).await;
    assert_eq!(v.status, RunStatus::Failed);
    assert_eq!(v.error.unwrap().code, "MalformedQueryException");
    a.shutdown();
}
