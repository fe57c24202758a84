//! `watchpost bench`: the proxy's benchmarks (issue 8), run against the real server started
//! in-process on a free loopback port, over a fresh database (`watchpost_bench_<random>` on the
//! server of `DATABASE_URL`, migrated, dropped at the end) with the built-in demo connection
//! (CloudWatch's quotas enforced by the demo world).
//!
//! - `fanin`: a war room of N browsers watching the 20-widget war-room dashboard;
//! - `throttle`: an offered load of 2×, 5×, 10× the `GetMetricData` quota;
//! - `hits`: requests per second of a cached single-widget request (with `wrk` when installed).
//!
//! The server runs on a runtime of its own (threads named `wp-server`), so its CPU time is read
//! apart from the simulated browsers' (`/proc/self/task/*/stat`); a fresh server and database
//! are used per viewer count or load, so no cache or quota state carries over.
//!
//! Upstream work is read from the proxy's usage counters (`Telemetry::usage().totals()`, per
//! connection and API since start): every call that reached the demo world, throttled ones
//! included.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::Subcommand;
use leptos::config::LeptosOptions;
use proxy::insights::{RunStatus, RunView};
use proxy::metrics::WidgetData;
use proxy::usage::Counters;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor, PgPool};

use app::backend::audit::Actor;
use app::backend::db::MIGRATOR;
use app::backend::identity::{users, PasswordHasher};
use app::backend::sources::Telemetry;
use secrecy::ExposeSecret;

use crate::config::Config;
use crate::routes::RouterParts;
use crate::startup::{self, anyhow_free::Result};

/// The demo connection every benchmark uses.
const CONN: &str = "demo";
/// The password of every benchmark account.
const PASSWORD: &str = "bench password 0001";
/// CloudWatch's GetMetricData quota (transactions per second per account and Region).
const GMD_QUOTA: f64 = 50.0;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// War-room fan-in: N simulated browsers watch the 20-widget war-room dashboard (16 metric
    /// widgets in one `/data/demo/metrics` request, start -PT3H; 4 Logs Insights widgets over
    /// the last hour, submitted and long-polled to completion) every --refresh seconds, phases
    /// spread at random. Per viewer count (fresh server and database each): upstream calls by
    /// API, metrics requested, StartQuery calls, bytes scanned, estimated cost per hour, p50/p95
    /// data age at each response, p95 response time, server CPU and peak RSS. Goals: calls and
    /// metrics at the largest count ≤ 1.05× those at the smallest; StartQuery independent of
    /// viewers; p95 data age ≤ refresh + 1 s.
    Fanin {
        /// Viewer counts to run, one after the other.
        #[arg(long, value_delimiter = ',', default_value = "1,10,50,200")]
        viewers: Vec<usize>,
        /// Measured seconds per viewer count.
        #[arg(long, default_value_t = 120)]
        seconds: u64,
        /// Seconds between a viewer's refreshes.
        #[arg(long, default_value_t = 10)]
        refresh: u64,
    },
    /// Throttle storm: an offered load of N× the GetMetricData quota (50/s). N×500 distinct
    /// single-metric widgets (each its own range, -PT60M, -PT61M, …, so neither the cache nor
    /// the packer can merge them; 60 s period, so each needs a refresh every 10 s: N×50 calls/s)
    /// spread over N×10 viewers asking 50 each every 5 s. After a warm-up that lasts until every
    /// widget has data, measured for --seconds: the peak upstream GetMetricData calls per second
    /// (usage counters sampled every second), retry amplification (upstream calls ÷ calls that
    /// were answered) and errors on pages (widgets with errors, HTTP errors). Goals: peak ≤ 50/s,
    /// amplification ≤ 1.1×, no page errors (stale data instead).
    Throttle {
        /// Offered loads, in multiples of the quota.
        #[arg(long, value_delimiter = ',', default_value = "2,5,10")]
        load: Vec<u32>,
        /// Measured seconds per load.
        #[arg(long, default_value_t = 120)]
        seconds: u64,
    },
    /// Cache-hit path: requests per second of one cached single-widget `/data/demo/metrics`
    /// request (a closed past range, so it stays cached) by a signed-in user on loopback,
    /// compared with `/healthz` (no session) and `/prefs/theme` (the session lookup alone). Uses
    /// `wrk` when it is on PATH (the command lines are printed; the Lua body script is written to
    /// /tmp), else an in-process HTTP loop. Goal: ≥ 20,000 requests/s.
    Hits {
        /// Seconds per measured endpoint.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Concurrent connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
    },
    /// Dashboard page: the server-rendered page (SSR, charts drawn into the HTML) of a 20-widget
    /// dashboard of 100 series (5 a widget, 3 hours at a 1-minute period, read through the proxy
    /// from the demo), by a signed-in user on loopback, under load: p50/p99 latency and
    /// requests/s (wrk when on PATH, else an in-process loop), and the page's size.
    Dashboard {
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value_t = 8)]
        connections: usize,
    },
}

pub async fn run(command: BenchCommand, config: Config) -> Result<()> {
    match command {
        BenchCommand::Fanin { viewers, seconds, refresh } => fanin(&config, &viewers, seconds, refresh.max(1)).await,
        BenchCommand::Throttle { load, seconds } => throttle(&config, &load, seconds).await,
        BenchCommand::Hits { seconds, connections } => hits(&config, seconds, connections.max(1)).await,
        BenchCommand::Dashboard { seconds, connections } => dashboard_page(&config, seconds, connections.max(1)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// The server under test.

/// The real server on its own runtime, over a database of its own.
struct BenchServer {
    addr: String,
    telemetry: Telemetry,
    db: PgPool,
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    admin: PgConnectOptions,
    database: String,
}

type Started = std::result::Result<(String, Telemetry, PgPool, tokio::runtime::Handle), String>;

impl BenchServer {
    async fn start(config: &Config) -> Result<BenchServer> {
        let admin = PgConnectOptions::from_str(config.database.url.expose_secret())?;
        let database = format!("watchpost_bench_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let mut conn = admin.connect().await?;
        conn.execute(format!("CREATE DATABASE \"{database}\"").as_str()).await?;
        conn.close().await?;
        let options = admin.clone().database(&database);
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<Started>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let config = config.clone();
        let thread = std::thread::Builder::new().name("wp-server-main".into()).spawn(move || {
            let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .thread_name("wp-server")
                // Blocking threads (password hashing) stay, so their CPU time stays countable.
                .thread_keep_alive(Duration::from_secs(3_600))
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = started_tx.send(Err(format!("cannot start the server's runtime: {e}")));
                    return;
                }
            };
            runtime.block_on(async move {
                let setup = async {
                    let db = PgPoolOptions::new()
                        .max_connections(config.database.max_connections)
                        .acquire_timeout(Duration::from_secs(5))
                        .connect_with(options)
                        .await
                        .map_err(|e| e.to_string())?;
                    MIGRATOR.run(&db).await.map_err(|e| e.to_string())?;
                    let telemetry = startup::telemetry(&db, &config.sources).await.map_err(|e| e.to_string())?;
                    let leptos = LeptosOptions::builder().output_name("watchpost").site_root("target/site").build();
                    let state = startup::state(leptos, db.clone(), config.identity.clone(), telemetry.clone());
                    let app = startup::router(
                        state,
                        RouterParts {
                            public_url: None,
                            trusted_proxies: 0,
                        },
                    );
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
                    let addr = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
                    Ok::<_, String>((addr, telemetry, db, listener, app))
                };
                match setup.await {
                    Err(e) => {
                        let _ = started_tx.send(Err(e));
                    }
                    Ok((addr, telemetry, db, listener, app)) => {
                        let _ = started_tx.send(Ok((addr, telemetry.clone(), db, tokio::runtime::Handle::current())));
                        tokio::select! {
                            _ = startup::serve(listener, app) => {}
                            _ = stop_rx => {}
                        }
                        telemetry.shutdown();
                    }
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(2));
        })?;
        match started_rx.await {
            Ok(Ok((addr, telemetry, db, handle))) => Ok(BenchServer {
                addr,
                telemetry,
                db,
                handle,
                stop: Some(stop_tx),
                thread: Some(thread),
                admin,
                database,
            }),
            Ok(Err(e)) => {
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
                drop_database(&admin, &database).await;
                Err(format!("the bench server did not start: {e}").into())
            }
            Err(_) => {
                drop_database(&admin, &database).await;
                Err("the bench server stopped while starting".into())
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// Creates `n` viewers (`viewer{i}@bench.local`) with the same function as `create-user`,
    /// four hashes at a time.
    async fn create_viewers(&self, n: usize) -> Result<Vec<String>> {
        let emails: Vec<String> = (0..n).map(|i| format!("viewer{i}@bench.local")).collect();
        let db = self.db.clone();
        let list = emails.clone();
        let created = self.handle.spawn(async move {
            let hasher = PasswordHasher::new(4);
            let mut set = tokio::task::JoinSet::new();
            for lane in 0..4 {
                let (db, hasher) = (db.clone(), hasher.clone());
                let mine: Vec<String> = list.iter().skip(lane).step_by(4).cloned().collect();
                set.spawn(async move {
                    for email in mine {
                        let email: app::domain::Email = email.parse().map_err(|e: app::error::AppError| e.to_string())?;
                        let new = users::NewUser {
                            display_name: app::domain::DisplayName::from_email(&email),
                            email,
                            role: "viewer".parse().map_err(|e: app::error::AppError| e.to_string())?,
                            password: PASSWORD.parse().map_err(|e: app::error::AppError| e.to_string())?,
                        };
                        users::create(&db, &hasher, &Actor::system(), new)
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    Ok::<(), String>(())
                });
            }
            while let Some(r) = set.join_next().await {
                r.map_err(|e| e.to_string())??;
            }
            Ok::<(), String>(())
        });
        created.await.map_err(|e| e.to_string())??;
        Ok(emails)
    }

    /// Signs each account in through `POST /auth/login` (a few at a time: the server hashes
    /// under a cap) and returns each one's `Cookie` header.
    async fn sign_in_all(&self, client: &reqwest::Client, emails: &[String]) -> Result<Vec<String>> {
        let gate = Arc::new(tokio::sync::Semaphore::new(4));
        let mut set = tokio::task::JoinSet::new();
        for (i, email) in emails.iter().enumerate() {
            let (client, gate, email, url, origin) = (
                client.clone(),
                gate.clone(),
                email.clone(),
                self.url("/auth/login"),
                self.addr.clone(),
            );
            set.spawn(async move {
                let _permit = gate.acquire_owned().await.map_err(|e| e.to_string())?;
                sign_in(&client, &url, &origin, &email).await.map(|c| (i, c))
            });
        }
        let mut cookies = vec![String::new(); emails.len()];
        while let Some(r) = set.join_next().await {
            let (i, cookie) = r.map_err(|e| e.to_string())??;
            cookies[i] = cookie;
        }
        Ok(cookies)
    }

    /// Stops the server (its runtime and every task on it) and drops its database.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        drop_database(&self.admin, &self.database).await;
    }
}

async fn drop_database(admin: &PgConnectOptions, database: &str) {
    let dropped = async {
        let mut conn = admin.connect().await?;
        conn.execute(format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)").as_str())
            .await?;
        conn.close().await
    }
    .await;
    if let Err(e) = dropped {
        eprintln!("watchpost bench: could not drop database {database}: {e}");
    }
}

async fn sign_in(client: &reqwest::Client, url: &str, origin: &str, email: &str) -> std::result::Result<String, String> {
    for _ in 0..40 {
        let res = client
            .post(url)
            .header("origin", origin)
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        match res.status() {
            StatusCode::OK => {
                let cookie = res
                    .headers()
                    .get(reqwest::header::SET_COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(';').next())
                    .map(str::to_string)
                    .ok_or_else(|| format!("sign-in of {email} set no cookie"))?;
                return Ok(cookie);
            }
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            s => return Err(format!("sign-in of {email}: {s}: {}", res.text().await.unwrap_or_default())),
        }
    }
    Err(format!("sign-in of {email}: the server stayed busy"))
}

fn http_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()?)
}

// ---------------------------------------------------------------------------------------------
// Measuring the process.

/// CPU seconds (user + system) from a `/proc/.../stat` line (clock ticks of 1/100 s).
fn stat_cpu(stat: &str) -> f64 {
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0.0 };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    (ticks(11) + ticks(12)) / 100.0
}

/// (CPU seconds of the whole process, of the server's threads `wp-server*`).
fn cpu_seconds() -> (f64, f64) {
    let process = std::fs::read_to_string("/proc/self/stat").map_or(0.0, |s| stat_cpu(&s));
    let mut server = 0.0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            if comm.starts_with("wp-server") {
                server += std::fs::read_to_string(t.path().join("stat")).map_or(0.0, |s| stat_cpu(&s));
            }
        }
    }
    (process, server)
}

/// CPU seconds of every `postgres` process on this machine (the session lookups' other half).
fn postgres_cpu_seconds() -> f64 {
    let mut total = 0.0;
    if let Ok(procs) = std::fs::read_dir("/proc") {
        for p in procs.flatten() {
            if !p.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if std::fs::read_to_string(p.path().join("comm")).is_ok_and(|c| c.trim() == "postgres") {
                total += std::fs::read_to_string(p.path().join("stat")).map_or(0.0, |s| stat_cpu(&s));
            }
        }
    }
    total
}

/// Resets the peak resident set size (`VmHWM`) of this process.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size since the last reset, MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The usage counters of the demo connection, by API.
fn usage_now(telemetry: &Telemetry) -> BTreeMap<&'static str, Counters> {
    telemetry
        .usage()
        .totals()
        .into_iter()
        .filter(|((conn, _), _)| conn == CONN)
        .map(|((_, api), c)| (api, c))
        .collect()
}

fn usage_delta(before: &BTreeMap<&'static str, Counters>, after: &BTreeMap<&'static str, Counters>) -> BTreeMap<&'static str, Counters> {
    after
        .iter()
        .map(|(api, a)| {
            let b = before.get(api).copied().unwrap_or_default();
            (
                *api,
                Counters {
                    calls: a.calls - b.calls.min(a.calls),
                    metrics: a.metrics - b.metrics.min(a.metrics),
                    bytes_scanned: a.bytes_scanned - b.bytes_scanned,
                    cache_hits: a.cache_hits - b.cache_hits.min(a.cache_hits),
                    cache_misses: a.cache_misses - b.cache_misses.min(a.cache_misses),
                    throttles: a.throttles - b.throttles.min(a.throttles),
                    queue_wait_ms: a.queue_wait_ms - b.queue_wait_ms.min(a.queue_wait_ms),
                },
            )
        })
        .collect()
}

fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v.get(rank.clamp(1, v.len()) - 1).copied()
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.digits$}"))
}

fn epoch_s() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A uniform random fraction in [0, 1).
fn random_fraction() -> f64 {
    // The first six bytes of a v4 UUID are random (the version bits come later).
    (uuid::Uuid::new_v4().as_u128() >> 80) as f64 / (1u64 << 48) as f64
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Deserialize)]
struct WidgetsAnswer {
    widgets: Vec<WidgetData>,
}

// ---------------------------------------------------------------------------------------------
// Fan-in.

#[derive(Default)]
struct FaninStats {
    ticks: u64,
    late_ticks: u64,
    metrics_requests: u64,
    metrics_latency_ms: Vec<f64>,
    /// Data age at each response (ms), by the widget's period.
    age_ms: BTreeMap<i64, Vec<f64>>,
    widgets_without_time: u64,
    widget_errors: u64,
    error_codes: BTreeMap<String, u64>,
    http_errors: u64,
    runs: u64,
    runs_complete: u64,
    runs_failed: BTreeMap<String, u64>,
    run_ms: Vec<f64>,
    polls: u64,
}

struct FaninRow {
    viewers: usize,
    seconds: f64,
    usage: BTreeMap<&'static str, Counters>,
    stats: FaninStats,
    cost_per_hour: f64,
    server_cpu: f64,
    process_cpu: f64,
    peak_rss: f64,
    setup_s: f64,
}

impl FaninRow {
    fn calls(&self) -> u64 {
        self.usage.values().map(|c| c.calls).sum()
    }
    fn metrics(&self) -> u64 {
        self.usage.values().map(|c| c.metrics).sum()
    }
    fn api(&self, api: &str) -> Counters {
        self.usage.get(api).copied().unwrap_or_default()
    }
    fn all_ages(&self) -> Vec<f64> {
        self.stats.age_ms.values().flatten().copied().collect()
    }
}

/// The war-room dashboard as a browser asks it.
struct WarRoomRequests {
    metrics_body: serde_json::Value,
    log_widgets: Vec<(String, Vec<String>)>,
}

fn war_room_requests() -> WarRoomRequests {
    let room = demo::dashboards::war_room();
    let widgets: Vec<serde_json::Value> = room
        .metric_widgets
        .iter()
        .enumerate()
        .map(|(i, (_, queries))| json!({"id": format!("w{i}"), "queries": queries, "start": "-PT3H"}))
        .collect();
    WarRoomRequests {
        metrics_body: json!({"widgets": widgets, "dashboard": "war-room"}),
        log_widgets: room.log_widgets.into_iter().map(|(_, q, groups)| (q, groups)).collect(),
    }
}

async fn fanin(config: &Config, counts: &[usize], seconds: u64, refresh: u64) -> Result<()> {
    println!(
        "watchpost bench fanin: viewers {counts:?}, {seconds} s each, refresh every {refresh} s; fresh server + database per count; demo quotas on"
    );
    let mut rows = Vec::new();
    for &viewers in counts {
        let server = BenchServer::start(config).await?;
        let row = fanin_round(&server, viewers.max(1), seconds, refresh).await;
        server.stop().await;
        let row = row?;
        print_fanin_progress(&row, refresh);
        rows.push(row);
    }
    print_fanin(&rows, refresh);
    Ok(())
}

async fn fanin_round(server: &BenchServer, viewers: usize, seconds: u64, refresh: u64) -> Result<FaninRow> {
    let setup = Instant::now();
    let client = http_client()?;
    let emails = server.create_viewers(viewers).await?;
    let cookies = server.sign_in_all(&client, &emails).await?;
    let setup_s = setup.elapsed().as_secs_f64();
    let requests = Arc::new(war_room_requests());
    let stats = Arc::new(Mutex::new(FaninStats::default()));

    // Every count runs over the same whole clock windows: from just past a wall-clock minute to
    // just before the minute `seconds` later. Relative ranges move on and Logs Insights ranges
    // change their minute on minute boundaries, and cached entries expire on the boundaries of
    // their TTL's windows; a round that began or ended mid-window would give a war room (whose
    // viewers cover every instant) a window more than a lone viewer.
    let into_minute = now_ms().rem_euclid(60_000) as u64;
    tokio::time::sleep(Duration::from_millis((60_050 - into_minute) % 60_000)).await;
    reset_peak_rss();
    let before = usage_now(&server.telemetry);
    let (cpu0, server_cpu0) = cpu_seconds();
    let started = tokio::time::Instant::now();
    let end = started + Duration::from_secs(seconds).saturating_sub(Duration::from_millis(100));
    let period = Duration::from_secs(refresh);
    let mut set = tokio::task::JoinSet::new();
    for cookie in cookies {
        let (client, requests, stats, addr) = (client.clone(), requests.clone(), stats.clone(), server.addr.clone());
        let phase = period.mul_f64(random_fraction());
        set.spawn(async move {
            let mut next = started + phase;
            while next < end {
                tokio::time::sleep_until(next).await;
                viewer_tick(&client, &addr, &cookie, &requests, &stats).await;
                next += period;
                let now = tokio::time::Instant::now();
                lock(&stats).ticks += 1;
                if next < now {
                    lock(&stats).late_ticks += 1;
                    next = now;
                }
            }
        });
    }
    while set.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    let (cpu1, server_cpu1) = cpu_seconds();
    let after = usage_now(&server.telemetry);
    let usage = usage_delta(&before, &after);
    let metrics: u64 = usage.values().map(|c| c.metrics).sum();
    let bytes: f64 = usage.values().map(|c| c.bytes_scanned).sum();
    let cost_per_hour = server.telemetry.usage().prices().cost(metrics, bytes) * 3_600.0 / elapsed.max(1.0);
    let stats = std::mem::take(&mut *lock(&stats));
    Ok(FaninRow {
        viewers,
        seconds: elapsed,
        usage,
        stats,
        cost_per_hour,
        server_cpu: server_cpu1 - server_cpu0,
        process_cpu: cpu1 - cpu0,
        peak_rss: peak_rss_mib(),
        setup_s,
    })
}

/// One refresh of the dashboard by one viewer: the metrics request and the four Logs Insights
/// widgets at once, each run followed to its end.
async fn viewer_tick(client: &reqwest::Client, addr: &str, cookie: &str, requests: &WarRoomRequests, stats: &Arc<Mutex<FaninStats>>) {
    let now_s = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut runs = tokio::task::JoinSet::new();
    for (query, groups) in &requests.log_widgets {
        let body = json!({
            "logGroupNames": groups,
            "startTime": now_s - 3_600,
            "endTime": now_s,
            "queryString": query,
            "dashboard": "war-room",
        });
        let (client, addr, cookie, stats) = (client.clone(), addr.to_string(), cookie.to_string(), stats.clone());
        runs.spawn(async move { follow_run(&client, &addr, &cookie, body, &stats).await });
    }
    let t = Instant::now();
    let res = client
        .post(format!("{addr}/data/{CONN}/metrics"))
        .header("origin", addr)
        .header("cookie", cookie)
        .json(&requests.metrics_body)
        .send()
        .await;
    let answer = match res {
        Ok(r) if r.status().is_success() => r.json::<WidgetsAnswer>().await.ok(),
        _ => None,
    };
    let latency = t.elapsed().as_secs_f64() * 1e3;
    let at = now_ms();
    {
        let mut s = lock(stats);
        s.metrics_requests += 1;
        s.metrics_latency_ms.push(latency);
        match answer {
            None => s.http_errors += 1,
            Some(a) => {
                for w in a.widgets {
                    match w.fetched_at {
                        Some(f) => s.age_ms.entry(w.period).or_default().push((at - f) as f64),
                        None => s.widgets_without_time += 1,
                    }
                    if !w.errors.is_empty() {
                        s.widget_errors += 1;
                        for e in &w.errors {
                            *s.error_codes.entry(e.code.clone()).or_default() += 1;
                        }
                    }
                }
            }
        }
    }
    while runs.join_next().await.is_some() {}
}

/// Submits one Logs Insights widget and long-polls its run until it ends.
async fn follow_run(client: &reqwest::Client, addr: &str, cookie: &str, body: serde_json::Value, stats: &Mutex<FaninStats>) {
    let t = Instant::now();
    let submitted = client
        .post(format!("{addr}/data/{CONN}/insights"))
        .header("origin", addr)
        .header("cookie", cookie)
        .json(&body)
        .send()
        .await;
    let mut view = match submitted {
        Ok(r) if r.status().is_success() => match r.json::<RunView>().await {
            Ok(v) => v,
            Err(_) => {
                lock(stats).http_errors += 1;
                return;
            }
        },
        Ok(r) => {
            let code = r.status().as_u16();
            let mut s = lock(stats);
            s.http_errors += 1;
            *s.runs_failed.entry(format!("submit HTTP {code}")).or_default() += 1;
            return;
        }
        Err(_) => {
            lock(stats).http_errors += 1;
            return;
        }
    };
    lock(stats).runs += 1;
    let deadline = Instant::now() + Duration::from_secs(90);
    while !view.status.is_final() && Instant::now() < deadline {
        let res = client
            .get(format!("{addr}/data/runs/{}?seen={}", view.run_id, view.version))
            .header("cookie", cookie)
            .send()
            .await;
        lock(stats).polls += 1;
        match res {
            Ok(r) if r.status().is_success() => match r.json::<RunView>().await {
                Ok(v) => view = v,
                Err(_) => {
                    lock(stats).http_errors += 1;
                    return;
                }
            },
            _ => {
                lock(stats).http_errors += 1;
                return;
            }
        }
    }
    let mut s = lock(stats);
    match view.status {
        RunStatus::Complete => {
            s.runs_complete += 1;
            s.run_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        other => {
            let why = view.error.as_ref().map_or_else(|| format!("{other:?}"), |e| e.code.clone());
            *s.runs_failed.entry(why).or_default() += 1;
        }
    }
}

fn print_fanin_progress(r: &FaninRow, refresh: u64) {
    let ages = r.all_ages();
    println!(
        "  {} viewers: {:.0} s measured (set-up {:.1} s), {} upstream calls, {} metrics, p95 data age {} ms (goal ≤ {} ms)",
        r.viewers,
        r.seconds,
        r.setup_s,
        r.calls(),
        r.metrics(),
        fmt_opt(percentile(&ages, 95.0), 0),
        (refresh + 1) * 1_000
    );
}

fn print_fanin(rows: &[FaninRow], refresh: u64) {
    let apis: Vec<&'static str> = {
        let mut v: Vec<&'static str> = rows
            .iter()
            .flat_map(|r| r.usage.iter().filter(|(_, c)| c.calls > 0).map(|(a, _)| *a))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    println!();
    println!("Upstream work (usage counters of connection `demo`, delta over the measured window)");
    let mut header = format!("{:>7} {:>6}", "viewers", "secs");
    for a in &apis {
        header.push_str(&format!(" {a:>16}"));
    }
    header.push_str(&format!(
        " {:>7} {:>8} {:>9} {:>10} {:>9}",
        "calls", "metrics", "throttled", "MB scanned", "$/hour"
    ));
    println!("{header}");
    for r in rows {
        let mut line = format!("{:>7} {:>6.0}", r.viewers, r.seconds);
        for a in &apis {
            line.push_str(&format!(" {:>16}", r.api(a).calls));
        }
        let throttled: u64 = r.usage.values().map(|c| c.throttles).sum();
        let bytes: f64 = r.usage.values().map(|c| c.bytes_scanned).sum();
        line.push_str(&format!(
            " {:>7} {:>8} {:>9} {:>10.1} {:>9.4}",
            r.calls(),
            r.metrics(),
            throttled,
            bytes / 1e6,
            r.cost_per_hour
        ));
        println!("{line}");
    }
    println!();
    println!("What the viewers saw (data age = time of the response − the widget's fetchedAt)");
    println!(
        "{:>7} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9} {:>9} {:>7} {:>7}",
        "viewers",
        "requests",
        "age p50",
        "age p95",
        "p95 60s",
        "p95 300s",
        "resp p50",
        "resp p95",
        "w.errors",
        "http err",
        "runs ok",
        "run p95",
        "late",
        "polls"
    );
    for r in rows {
        let s = &r.stats;
        let ages = r.all_ages();
        let by = |p: i64| s.age_ms.get(&p).and_then(|v| percentile(v, 95.0));
        let failed: u64 = s.runs_failed.values().sum();
        println!(
            "{:>7} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9} {:>9} {:>7} {:>7}",
            r.viewers,
            s.metrics_requests,
            fmt_opt(percentile(&ages, 50.0), 0),
            fmt_opt(percentile(&ages, 95.0), 0),
            fmt_opt(by(60), 0),
            fmt_opt(by(300), 0),
            fmt_opt(percentile(&s.metrics_latency_ms, 50.0), 1),
            fmt_opt(percentile(&s.metrics_latency_ms, 95.0), 1),
            s.widget_errors,
            s.http_errors,
            format!("{}/{}", s.runs_complete, s.runs_complete + failed),
            fmt_opt(percentile(&s.run_ms, 95.0), 0),
            s.late_ticks,
            s.polls,
        );
    }
    println!("(ages and response times in ms; run p95: submit to complete; late: refreshes that started late because the previous one had not finished)");
    println!();
    println!("Cost of serving (server = threads of the server's runtime; process includes the simulated browsers)");
    println!(
        "{:>7} {:>13} {:>14} {:>16} {:>14}",
        "viewers", "server CPU s", "process CPU s", "server CPU %core", "peak RSS MiB"
    );
    for r in rows {
        println!(
            "{:>7} {:>13.2} {:>14.2} {:>16.1} {:>14.0}",
            r.viewers,
            r.server_cpu,
            r.process_cpu,
            100.0 * r.server_cpu / r.seconds.max(1.0),
            r.peak_rss
        );
    }
    for r in rows {
        let s = &r.stats;
        if !s.error_codes.is_empty() || !s.runs_failed.is_empty() || s.widgets_without_time > 0 {
            println!(
                "  {} viewers: widget error codes {:?}; runs not complete {:?}; widgets without fetchedAt {}",
                r.viewers, s.error_codes, s.runs_failed, s.widgets_without_time
            );
        }
    }
    // The goals.
    let (Some(first), Some(last)) = (rows.iter().min_by_key(|r| r.viewers), rows.iter().max_by_key(|r| r.viewers)) else {
        return;
    };
    println!();
    println!("Goals");
    let ratio = |a: u64, b: u64| if b == 0 { f64::NAN } else { a as f64 / b as f64 };
    let calls = ratio(last.calls(), first.calls());
    let metrics = ratio(last.metrics(), first.metrics());
    let verdict = |ok: bool| if ok { "MET" } else { "NOT MET" };
    println!(
        "  upstream calls, {} vs {} viewers: {} / {} = {:.3}× (goal ≤ 1.05×): {}",
        last.viewers,
        first.viewers,
        last.calls(),
        first.calls(),
        calls,
        verdict(calls <= 1.05)
    );
    println!(
        "  metrics requested, {} vs {} viewers: {} / {} = {:.3}× (goal ≤ 1.05×): {}",
        last.viewers,
        first.viewers,
        last.metrics(),
        first.metrics(),
        metrics,
        verdict(metrics <= 1.05)
    );
    let sq: Vec<String> = rows
        .iter()
        .map(|r| format!("{}→{}", r.viewers, r.api("StartQuery").calls))
        .collect();
    let sq_max = rows.iter().map(|r| r.api("StartQuery").calls).max().unwrap_or(0);
    let sq_min = rows.iter().map(|r| r.api("StartQuery").calls).min().unwrap_or(0);
    println!(
        "  StartQuery calls by viewers: {} (goal: independent of viewers): {}",
        sq.join(", "),
        verdict(sq_max as f64 <= (sq_min as f64 * 1.05).max(sq_min as f64 + 1.0))
    );
    let goal = ((refresh + 1) * 1_000) as f64;
    for r in rows {
        let p95 = percentile(&r.all_ages(), 95.0);
        let p95_60 = r.stats.age_ms.get(&60).and_then(|v| percentile(v, 95.0));
        println!(
            "  p95 data age, {} viewers: {} ms all widgets, {} ms 60-s widgets (goal ≤ {goal:.0} ms): {} / {}",
            r.viewers,
            fmt_opt(p95, 0),
            fmt_opt(p95_60, 0),
            verdict(p95.is_some_and(|p| p <= goal)),
            verdict(p95_60.is_some_and(|p| p <= goal)),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Throttle storm.

#[derive(Default)]
struct StormStats {
    requests: u64,
    latency_ms: Vec<f64>,
    widgets: u64,
    widget_errors: u64,
    stale_widgets: u64,
    error_codes: BTreeMap<String, u64>,
    http_errors: u64,
    age_ms: Vec<f64>,
}

struct StormRow {
    load: u32,
    widgets: usize,
    viewers: usize,
    warmup_s: f64,
    warm: bool,
    seconds: f64,
    gmd: Counters,
    warmup_gmd: Counters,
    per_second: Vec<u64>,
    stats: StormStats,
    server_cpu: f64,
}

/// The storm's widgets: each one metric of the war room (statistic kept, period 60) over its
/// own range (`-PT{60 + k}M`), so that no two share a cache entry or a call.
fn storm_widgets(n: usize) -> Vec<serde_json::Value> {
    let room = demo::dashboards::war_room();
    let stats: Vec<cloudwatch::metrics::MetricDataQuery> = room
        .metric_widgets
        .into_iter()
        .flat_map(|(_, qs)| qs)
        .filter(|q| q.metric_stat.is_some())
        .map(|mut q| {
            q.id = "m0".into();
            q.return_data = None;
            if let Some(s) = q.metric_stat.as_mut() {
                s.period = 60;
            }
            q
        })
        .collect();
    (0..n)
        .map(|k| {
            let q = stats.get(k % stats.len().max(1)).cloned().unwrap_or_default();
            json!({"id": format!("s{k}"), "queries": [q], "start": format!("-PT{}M", 60 + k)})
        })
        .collect()
}

async fn throttle(config: &Config, loads: &[u32], seconds: u64) -> Result<()> {
    println!(
        "watchpost bench throttle: loads {loads:?}× the GetMetricData quota ({GMD_QUOTA}/s), {seconds} s each after warm-up; fresh server + database per load; demo quotas on"
    );
    let mut rows = Vec::new();
    for &load in loads {
        let server = BenchServer::start(config).await?;
        let row = storm_round(&server, load.max(1), seconds).await;
        server.stop().await;
        let row = row?;
        println!(
            "  {}×: warm-up {:.0} s ({}), then {:.0} s: {} GetMetricData calls, peak {}/s",
            row.load,
            row.warmup_s,
            if row.warm {
                "every widget had data"
            } else {
                "NOT every widget had data"
            },
            row.seconds,
            row.gmd.calls,
            row.per_second.iter().max().copied().unwrap_or(0)
        );
        rows.push(row);
    }
    print_storm(&rows);
    Ok(())
}

const STORM_PER_VIEWER: usize = 50;
const STORM_REFRESH: Duration = Duration::from_secs(5);

async fn storm_round(server: &BenchServer, load: u32, seconds: u64) -> Result<StormRow> {
    // Each 60-s widget over a range ending now is cached 10 s: N×500 widgets need N×50 calls/s.
    let widgets = load as usize * 500;
    let viewers = widgets.div_ceil(STORM_PER_VIEWER);
    let client = http_client()?;
    let emails = server.create_viewers(viewers).await?;
    let cookies = server.sign_in_all(&client, &emails).await?;
    let all = storm_widgets(widgets);
    let bodies: Vec<Arc<serde_json::Value>> = all
        .chunks(STORM_PER_VIEWER)
        .map(|c| Arc::new(json!({"widgets": c, "dashboard": "storm"})))
        .collect();

    // Warm-up: every viewer asks until all its widgets have data (at most 10 minutes).
    let warm_before = usage_now(&server.telemetry);
    let warm_start = Instant::now();
    let warm_deadline = warm_start + Duration::from_secs(600);
    let mut set = tokio::task::JoinSet::new();
    for (cookie, body) in cookies.iter().zip(&bodies) {
        let (client, cookie, body, addr) = (client.clone(), cookie.clone(), body.clone(), server.addr.clone());
        set.spawn(async move {
            while Instant::now() < warm_deadline {
                let scratch = Mutex::new(StormStats::default());
                storm_request(&client, &addr, &cookie, &body, &scratch).await;
                let s = std::mem::take(&mut *lock(&scratch));
                if s.http_errors == 0 && s.widget_errors == 0 {
                    return true;
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            false
        });
    }
    let mut warm = true;
    while let Some(r) = set.join_next().await {
        warm &= r.unwrap_or(false);
    }
    let warmup_s = warm_start.elapsed().as_secs_f64();
    let warmup_gmd = usage_delta(&warm_before, &usage_now(&server.telemetry))
        .get("GetMetricData")
        .copied()
        .unwrap_or_default();

    // Measured: each viewer every 5 s, phases spread. The upstream's calls per second are the
    // demo world's own record, by the second each call reached it (what its quota judges); the
    // proxy's counters, counted as calls complete, bunch up when the machine is busy.
    let stats = Arc::new(Mutex::new(StormStats::default()));
    let before = usage_now(&server.telemetry);
    let (_, server_cpu0) = cpu_seconds();
    let started = tokio::time::Instant::now();
    let first_second = epoch_s() + 1;
    let end = started + Duration::from_secs(seconds);
    let mut set = tokio::task::JoinSet::new();
    for (cookie, body) in cookies.into_iter().zip(bodies) {
        let (client, stats, addr) = (client.clone(), stats.clone(), server.addr.clone());
        let phase = STORM_REFRESH.mul_f64(random_fraction());
        set.spawn(async move {
            let mut next = started + phase;
            while next < end {
                tokio::time::sleep_until(next).await;
                storm_request(&client, &addr, &cookie, &body, &stats).await;
                next += STORM_REFRESH;
                next = next.max(tokio::time::Instant::now());
            }
        });
    }
    while set.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    let last_second = epoch_s() - 1;
    let demo = app::domain::ConnectionId::from_str(CONN).map_err(|e| e.to_string())?;
    let per_second: Vec<u64> = {
        let seen: BTreeMap<i64, u64> = server
            .telemetry
            .demo_calls_per_second(&demo, "GetMetricData")
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .collect();
        (first_second..=last_second).map(|s| seen.get(&s).copied().unwrap_or(0)).collect()
    };
    let (_, server_cpu1) = cpu_seconds();
    let gmd = usage_delta(&before, &usage_now(&server.telemetry))
        .get("GetMetricData")
        .copied()
        .unwrap_or_default();
    let stats = std::mem::take(&mut *lock(&stats));
    Ok(StormRow {
        load,
        widgets,
        viewers,
        warmup_s,
        warm,
        seconds: elapsed,
        gmd,
        warmup_gmd,
        per_second,
        stats,
        server_cpu: server_cpu1 - server_cpu0,
    })
}

async fn storm_request(client: &reqwest::Client, addr: &str, cookie: &str, body: &serde_json::Value, stats: &Mutex<StormStats>) {
    let t = Instant::now();
    let res = client
        .post(format!("{addr}/data/{CONN}/metrics"))
        .header("origin", addr)
        .header("cookie", cookie)
        .json(body)
        .send()
        .await;
    let answer = match res {
        Ok(r) if r.status().is_success() => r.json::<WidgetsAnswer>().await.ok(),
        _ => None,
    };
    let latency = t.elapsed().as_secs_f64() * 1e3;
    let at = now_ms();
    let mut s = lock(stats);
    s.requests += 1;
    s.latency_ms.push(latency);
    match answer {
        None => s.http_errors += 1,
        Some(a) => {
            for w in a.widgets {
                s.widgets += 1;
                s.stale_widgets += u64::from(w.stale);
                if let Some(f) = w.fetched_at {
                    s.age_ms.push((at - f) as f64);
                }
                if !w.errors.is_empty() {
                    s.widget_errors += 1;
                    for e in &w.errors {
                        *s.error_codes.entry(e.code.clone()).or_default() += 1;
                    }
                }
            }
        }
    }
}

fn print_storm(rows: &[StormRow]) {
    println!();
    println!("Throttle storm (GetMetricData; usage counters of connection `demo`; measured window after warm-up)");
    println!(
        "{:>5} {:>7} {:>7} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "load",
        "widgets",
        "viewers",
        "offered",
        "warm-up",
        "calls",
        "throttled",
        "calls/s",
        "peak/s",
        "amplif.",
        "requests",
        "w.errors",
        "http err",
        "stale %",
        "age p95",
        "resp p95"
    );
    for r in rows {
        let s = &r.stats;
        let answered = r.gmd.calls - r.gmd.throttles.min(r.gmd.calls);
        let amplification = if answered == 0 {
            f64::NAN
        } else {
            r.gmd.calls as f64 / answered as f64
        };
        println!(
            "{:>5} {:>7} {:>7} {:>8} {:>7.0}s {:>8} {:>9} {:>8.1} {:>8} {:>8.3}× {:>8} {:>8} {:>8} {:>8.1} {:>8} {:>8}",
            format!("{}×", r.load),
            r.widgets,
            r.viewers,
            format!("{:.0}/s", f64::from(r.load) * GMD_QUOTA),
            r.warmup_s,
            r.gmd.calls,
            r.gmd.throttles,
            r.gmd.calls as f64 / r.seconds.max(1.0),
            r.per_second.iter().max().copied().unwrap_or(0),
            amplification,
            s.requests,
            s.widget_errors,
            s.http_errors,
            if s.widgets == 0 {
                0.0
            } else {
                100.0 * s.stale_widgets as f64 / s.widgets as f64
            },
            fmt_opt(percentile(&s.age_ms, 95.0).map(|v| v / 1e3), 1),
            fmt_opt(percentile(&s.latency_ms, 95.0), 0),
        );
    }
    println!("(offered: calls/s the widgets would need; calls/s: upstream calls ÷ measured seconds; amplif.: upstream calls ÷ calls answered (not throttled); age p95 in s; resp p95 in ms)");
    for r in rows {
        println!(
            "  {}×: warm-up {:.0} s, {} calls ({} throttled), every widget had data: {}; server CPU {:.1} s over {:.0} s; widget error codes {:?}",
            r.load,
            r.warmup_s,
            r.warmup_gmd.calls,
            r.warmup_gmd.throttles,
            r.warm,
            r.server_cpu,
            r.seconds,
            r.stats.error_codes
        );
        println!("      calls per second: {:?}", r.per_second);
    }
    println!();
    println!("Goals");
    let verdict = |ok: bool| if ok { "MET" } else { "NOT MET" };
    for r in rows {
        let peak = r.per_second.iter().max().copied().unwrap_or(0);
        let answered = r.gmd.calls - r.gmd.throttles.min(r.gmd.calls);
        let amplification = if answered == 0 {
            f64::INFINITY
        } else {
            r.gmd.calls as f64 / answered as f64
        };
        let errors = r.stats.widget_errors + r.stats.http_errors;
        println!(
            "  {}×: upstream peak {peak}/s (goal ≤ {GMD_QUOTA:.0}/s): {}; amplification {amplification:.3}× (goal ≤ 1.1×): {}; page errors {errors} (goal 0): {}",
            r.load,
            verdict(peak as f64 <= GMD_QUOTA),
            verdict(amplification <= 1.1),
            verdict(errors == 0)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Cache-hit path.

struct LoadResult {
    requests: u64,
    errors: u64,
    seconds: f64,
    output: String,
}

async fn hits(config: &Config, seconds: u64, connections: usize) -> Result<()> {
    let server = BenchServer::start(config).await?;
    let result = hits_round(&server, seconds, connections).await;
    server.stop().await;
    result
}

async fn hits_round(server: &BenchServer, seconds: u64, connections: usize) -> Result<()> {
    let client = http_client()?;
    let emails = server.create_viewers(1).await?;
    let cookie = server.sign_in_all(&client, &emails).await?.into_iter().next().ok_or("no session")?;
    // One metric over a closed hour that ended four hours ago: cached for a day once fetched.
    let hour = 3_600_000;
    let end = (now_ms() / hour - 4) * hour;
    let room = demo::dashboards::war_room();
    let query = room
        .metric_widgets
        .first()
        .and_then(|(_, qs)| qs.first().cloned())
        .ok_or("the war room has no metric widget")?;
    let body = json!({"widgets": [{"id": "w0", "queries": [query], "start": end - hour, "end": end}]});
    let body_text = serde_json::to_string(&body)?;
    let metrics_url = server.url(&format!("/data/{CONN}/metrics"));
    for _ in 0..2 {
        let res = client
            .post(&metrics_url)
            .header("origin", &server.addr)
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .body(body_text.clone())
            .send()
            .await?;
        if !res.status().is_success() {
            return Err(format!("warming the widget: HTTP {}", res.status()).into());
        }
        let answer: WidgetsAnswer = res.json().await?;
        if let Some(e) = answer.widgets.first().and_then(|w| w.errors.first()) {
            return Err(format!("warming the widget: {}: {}", e.code, e.message).into());
        }
    }
    let size = client
        .post(&metrics_url)
        .header("origin", &server.addr)
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body(body_text.clone())
        .send()
        .await?
        .bytes()
        .await?
        .len();
    let hits_before = usage_now(&server.telemetry).get("GetMetricData").copied().unwrap_or_default();
    println!(
        "watchpost bench hits: {seconds} s per endpoint, {connections} connections; server at {}; one cached widget (1 metric, 60 points, {size} B of JSON, no gzip asked)",
        server.addr
    );
    let wrk = which("wrk");
    let theme_url = server.url("/prefs/theme?set=light&next=/");
    let targets: Vec<(&str, String, Option<String>)> = vec![
        ("GET /healthz (no session)", server.url("/healthz"), None),
        ("GET /prefs/theme (session lookup only)", theme_url, None),
        (
            "POST /data/demo/metrics (session + cached widget)",
            metrics_url.clone(),
            Some(body_text.clone()),
        ),
    ];
    let mut results = Vec::new();
    for (name, url, post) in &targets {
        let (cpu0, server_cpu0) = cpu_seconds();
        let pg0 = postgres_cpu_seconds();
        let r = match &wrk {
            Some(wrk) => run_wrk(wrk, url, &server.addr, &cookie, post.as_deref(), seconds, connections).await?,
            None => run_loop(&client, url, &server.addr, &cookie, post.as_deref(), seconds, connections).await,
        };
        let (cpu1, server_cpu1) = cpu_seconds();
        let pg = postgres_cpu_seconds() - pg0;
        println!();
        println!("== {name}");
        println!("{}", r.output.trim_end());
        results.push((*name, r, server_cpu1 - server_cpu0, cpu1 - cpu0, pg));
    }
    let hits_after = usage_now(&server.telemetry).get("GetMetricData").copied().unwrap_or_default();
    println!();
    println!(
        "Cache-hit path ({}; {} connections; {} s each; 2 cores shared by the load generator, the server and Postgres)",
        if wrk.is_some() {
            "wrk"
        } else {
            "in-process reqwest loop: wrk not on PATH"
        },
        connections,
        seconds
    );
    println!(
        "{:<50} {:>10} {:>9} {:>8} {:>13} {:>15} {:>14}",
        "endpoint", "requests", "req/s", "errors", "server CPU s", "Postgres CPU s", "process CPU s"
    );
    for (name, r, server_cpu, process_cpu, pg) in &results {
        println!(
            "{:<50} {:>10} {:>9.0} {:>8} {:>13.1} {:>15.1} {:>14.1}",
            name,
            r.requests,
            r.requests as f64 / r.seconds.max(0.001),
            r.errors,
            server_cpu,
            pg,
            process_cpu
        );
    }
    println!(
        "upstream GetMetricData calls during the measurement: {} (cache hits counted: {})",
        hits_after.calls - hits_before.calls.min(hits_after.calls),
        hits_after.cache_hits - hits_before.cache_hits.min(hits_after.cache_hits)
    );
    if let Some((_, r, ..)) = results.last() {
        let rps = r.requests as f64 / r.seconds.max(0.001);
        println!();
        println!(
            "Goal: ≥ 20,000 requests/s of the cached widget: {:.0} requests/s: {}",
            rps,
            if rps >= 20_000.0 { "MET" } else { "NOT MET" }
        );
    }
    Ok(())
}

/// The benchmark's dashboard: 20 metric widgets of 5 series (ECS CPU and memory, ALB requests,
/// 5XX and latency, per service or target group), 3 hours at 60 s.
pub fn bench_dashboard_body() -> serde_json::Value {
    use demo::model::{CLUSTER, LOAD_BALANCER, SERVICES, TARGET_GROUPS};
    let mut widgets = Vec::new();
    let ecs = ["CPUUtilization", "MemoryUtilization"];
    let stats = ["Average", "Maximum", "Minimum", "p90", "SampleCount"];
    for (i, stat) in stats.iter().enumerate() {
        for (j, metric) in ecs.iter().enumerate() {
            let rows: Vec<serde_json::Value> = SERVICES
                .iter()
                .map(|s| json!(["AWS/ECS", metric, "ClusterName", CLUSTER, "ServiceName", s, {"stat": stat}]))
                .collect();
            widgets.push(json!({"type": "metric", "x": (j * 12), "y": (i * 6), "width": 12, "height": 6,
                "properties": {"title": format!("{metric} {stat}"), "period": 60, "metrics": rows}}));
        }
    }
    let alb = ["RequestCount", "HTTPCode_Target_5XX_Count", "TargetResponseTime"];
    let mut k = 0;
    while widgets.len() < 20 {
        let metric = alb[k % alb.len()];
        let rows: Vec<serde_json::Value> = (0..5)
            .map(|n| {
                let tg = TARGET_GROUPS[n % TARGET_GROUPS.len()];
                let stat = ["Sum", "Average", "Maximum", "p99", "p50"][(n + k) % 5];
                json!(["AWS/ApplicationELB", metric, "LoadBalancer", LOAD_BALANCER, "TargetGroup", tg, {"stat": stat}])
            })
            .collect();
        let y = 30 + (k / 2) * 6;
        widgets.push(json!({"type": "metric", "x": ((k % 2) * 12), "y": y, "width": 12, "height": 6,
            "properties": {"title": format!("{metric} ({k})"), "period": 60, "metrics": rows}}));
        k += 1;
    }
    json!({"start": "-PT3H", "widgets": widgets})
}

async fn dashboard_page(config: &Config, seconds: u64, connections: usize) -> Result<()> {
    use app::backend::dashboards::{self, body, NewDashboard};
    use app::domain::dashboard::DashboardMeta;
    let server = BenchServer::start(config).await?;
    let result = async {
        let client = http_client()?;
        let emails = server.create_viewers(1).await?;
        let cookie = server.sign_in_all(&client, &emails).await?.into_iter().next().ok_or("no session")?;
        let new = NewDashboard {
            meta: DashboardMeta::parse("Bench: 20 widgets", "", "", "")?,
            connection: app::domain::ConnectionId::demo(),
            body: body::normalise_text(&bench_dashboard_body().to_string())?,
            origin: None,
        };
        let id = dashboards::create(&server.db, &app::backend::audit::Actor::system(), &new)
            .await?
            .ok_or("not created")?;
        let url = server.url(&format!("/dashboards/{id}?from=now-3h"));
        // Warm the proxy's cache (and check the page draws every widget).
        let mut size = 0;
        for _ in 0..3 {
            let res = client.get(&url).header("cookie", &cookie).send().await?;
            if !res.status().is_success() {
                return Err(format!("the page answered HTTP {}", res.status()).into());
            }
            let html = res.text().await?;
            size = html.len();
            let charts = html.matches("data-testid=\"chart\"").count();
            if charts != 20 {
                return Err(format!("the page drew {charts} charts, not 20").into());
            }
        }
        println!("watchpost bench dashboard: GET /dashboards/{{id}}?from=now-3h, 20 widgets × 5 series × 180 points; page {size} B of HTML; {connections} connections for {seconds} s; server at {}", server.addr);
        let (cpu0, server_cpu0) = cpu_seconds();
        let r = match which("wrk") {
            Some(wrk) => run_wrk(&wrk, &url, &server.addr, &cookie, None, seconds, connections).await?,
            None => run_loop(&client, &url, &server.addr, &cookie, None, seconds, connections).await,
        };
        let (cpu1, server_cpu1) = cpu_seconds();
        println!("{}", r.output.trim_end());
        println!(
            "requests {} ({:.1}/s), errors {}, server CPU {:.1} s, process CPU {:.1} s",
            r.requests,
            r.requests as f64 / r.seconds.max(0.001),
            r.errors,
            server_cpu1 - server_cpu0,
            cpu1 - cpu0
        );
        Ok(())
    }
    .await;
    server.stop().await;
    result
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(program)).find(|p| p.is_file()))
}

fn lua_quote(s: &str) -> String {
    format!("[==[{s}]==]")
}

/// Runs `wrk` against `url` (with the session cookie, and the JSON body when `post` is given).
async fn run_wrk(
    wrk: &std::path::Path,
    url: &str,
    origin: &str,
    cookie: &str,
    post: Option<&str>,
    seconds: u64,
    connections: usize,
) -> Result<LoadResult> {
    let script = std::path::PathBuf::from(format!("/tmp/watchpost-bench-hits-{}.lua", std::process::id()));
    let mut lua = String::new();
    if let Some(body) = post {
        lua.push_str("wrk.method = \"POST\"\n");
        lua.push_str(&format!("wrk.body = {}\n", lua_quote(body)));
        lua.push_str("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
    }
    lua.push_str(&format!("wrk.headers[\"Origin\"] = {}\n", lua_quote(origin)));
    lua.push_str(&format!("wrk.headers[\"Cookie\"] = {}\n", lua_quote(cookie)));
    std::fs::write(&script, lua)?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let args: Vec<String> = vec![
        format!("-t{threads}"),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--latency".into(),
        "-s".into(),
        script.display().to_string(),
        url.to_string(),
    ];
    println!();
    println!("$ {} {}", wrk.display(), args.join(" "));
    let wrk = wrk.to_path_buf();
    let out = tokio::task::spawn_blocking(move || std::process::Command::new(wrk).args(&args).output()).await??;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // "  123456 requests in 20.01s, 1.2MB read" and "Non-2xx or 3xx responses: N".
    let mut requests = 0;
    let mut secs = seconds as f64;
    let mut errors = 0;
    for line in text.lines() {
        let l = line.trim();
        if let Some((n, rest)) = l.split_once(" requests in ") {
            requests = n.trim().parse().unwrap_or(0);
            secs = rest.split('s').next().and_then(|s| s.parse().ok()).unwrap_or(secs);
        }
        if let Some(n) = l.strip_prefix("Non-2xx or 3xx responses:") {
            errors += n.trim().parse::<u64>().unwrap_or(0);
        }
        if l.starts_with("Socket errors:") {
            errors += l
                .split(',')
                .filter_map(|p| p.split_whitespace().last().and_then(|n| n.parse::<u64>().ok()))
                .sum::<u64>();
        }
    }
    Ok(LoadResult {
        requests,
        errors,
        seconds: secs,
        output: text,
    })
}

/// The fallback load generator: `connections` tasks sending the request back to back.
async fn run_loop(
    client: &reqwest::Client,
    url: &str,
    origin: &str,
    cookie: &str,
    post: Option<&str>,
    seconds: u64,
    connections: usize,
) -> LoadResult {
    let end = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (client, url, origin, cookie, post) = (
            client.clone(),
            url.to_string(),
            origin.to_string(),
            cookie.to_string(),
            post.map(str::to_string),
        );
        set.spawn(async move {
            let (mut ok, mut bad) = (0u64, 0u64);
            let mut latencies = Vec::new();
            while Instant::now() < end {
                let t = Instant::now();
                let req = match &post {
                    Some(body) => client.post(&url).header("content-type", "application/json").body(body.clone()),
                    None => client.get(&url),
                };
                let res = req.header("origin", &origin).header("cookie", &cookie).send().await;
                match res {
                    Ok(r) if r.status().is_success() || r.status().is_redirection() => {
                        let _ = r.bytes().await;
                        ok += 1;
                    }
                    _ => bad += 1,
                }
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
            }
            (ok, bad, latencies)
        });
    }
    let (mut ok, mut bad, mut latencies) = (0, 0, Vec::new());
    while let Some(r) = set.join_next().await {
        if let Ok((o, b, l)) = r {
            ok += o;
            bad += b;
            latencies.extend(l);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    LoadResult {
        requests: ok + bad,
        errors: bad,
        seconds: secs,
        output: format!(
            "in-process loop: {} requests in {:.2}s ({} errors), latency p50 {} ms, p99 {} ms",
            ok + bad,
            secs,
            bad,
            fmt_opt(percentile(&latencies, 50.0), 2),
            fmt_opt(percentile(&latencies, 99.0), 2)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_from_stat_lines_with_odd_names() {
        let line = "1234 (wp server) (x)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0";
        assert!((stat_cpu(line) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&[], 95.0), None);
    }

    #[test]
    fn storm_widgets_are_distinct_ranges() {
        let w = storm_widgets(3);
        assert_eq!(w[0]["start"], "-PT60M");
        assert_eq!(w[2]["start"], "-PT62M");
        assert_eq!(w[1]["queries"][0]["MetricStat"]["Period"], 60);
    }
}
