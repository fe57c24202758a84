//! The scheduler's rows: every statement it runs, and the lock order they keep.
//!
//! Lock order, to stay free of deadlocks: slot → execution → connection row (queue generation),
//! and run → execution → connection row. Nothing that holds a connection row waits for another
//! lock, and the acquiring transaction takes its execution and slot with `SKIP LOCKED`, so it
//! never waits for them.

use cloudwatch::logs::{GetQueryResultsOutput, StartQueryInput};
use cloudwatch::{ErrorKind, SourceError};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::key::Normalized;
use super::{db_error, Inner, RunStatus, RunView, CHANNEL};
use crate::{Principal, RequestContext};

/// Interval parameters go to Postgres as seconds (`make_interval(secs => $n)`).
fn secs(d: std::time::Duration) -> f64 {
    d.as_secs_f64()
}

pub(super) async fn notify(conn: &mut PgConnection, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!("SELECT 1 AS one FROM pg_notify($1, $2)", CHANNEL, payload)
        .fetch_one(conn)
        .await?;
    Ok(())
}

pub(super) fn exec_payload(id: Uuid) -> String {
    format!("e:{id}")
}

pub(super) fn conn_payload(connection: &str) -> String {
    format!("c:{connection}")
}

/// The connection's queue row and `budget` slot rows (more are added if the budget grows).
pub(super) async fn prepare(db: &PgPool, connection: &str, budget: usize) -> Result<(), sqlx::Error> {
    let budget = i32::try_from(budget).unwrap_or(i32::MAX);
    sqlx::query!(
        "INSERT INTO insights_connections (connection_id) VALUES ($1) ON CONFLICT DO NOTHING",
        connection
    )
    .execute(db)
    .await?;
    sqlx::query!(
        "INSERT INTO insights_slots (connection_id, slot)
         SELECT $1, s FROM generate_series(0, $2 - 1) AS s
         ON CONFLICT DO NOTHING",
        connection,
        budget
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The submit transaction: the principal's cap, then find, reuse or create the execution, then
/// the run. Returns the run's id.
pub(super) async fn submit(
    inner: &Inner,
    cx: &RequestContext,
    connection: &str,
    original: &StartQueryInput,
    norm: &Normalized,
) -> Result<Uuid, SourceError> {
    let principal_key = cx.principal.key();
    let principal = serde_json::to_value(&cx.principal).map_err(|e| SourceError::internal(e.to_string()))?;
    let exec_input = serde_json::to_value(&norm.input).map_err(|e| SourceError::internal(e.to_string()))?;
    let run_input = serde_json::to_value(original).map_err(|e| SourceError::internal(e.to_string()))?;
    let cap = i64::try_from(inner.config.per_principal_cap).unwrap_or(i64::MAX);
    let mut tx = inner.db.begin().await.map_err(db_error)?;
    // Serialises this principal's submits on every replica (the cap spans rows).
    sqlx::query!(
        "INSERT INTO insights_principals (principal) VALUES ($1)
         ON CONFLICT (principal) DO UPDATE SET principal = EXCLUDED.principal",
        principal_key
    )
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    let active = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM insights_runs r JOIN insights_executions e ON e.id = r.execution_id
           WHERE r.principal_key = $1 AND r.cancelled_at IS NULL AND e.state IN ('queued', 'running')"#,
        principal_key
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(db_error)?;
    if active >= cap {
        return Err(SourceError::limit_exceeded(format!(
            "You already have {active} Logs Insights queries queued or running; your cap is {cap}. \
             Wait for one to finish or cancel one."
        )));
    }
    let mut created = false;
    let mut exec_id = None;
    // A live execution may end between two statements; a few rounds always settle.
    for _ in 0..5 {
        // KEY SHARE: a stop decision (FOR UPDATE) waits for this attach, or this sees it done.
        if let Some(id) = sqlx::query_scalar!(
            "SELECT id FROM insights_executions
             WHERE connection_id = $1 AND key = $2 AND state IN ('queued', 'running')
             FOR KEY SHARE",
            connection,
            norm.key
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        {
            exec_id = Some(id);
            break;
        }
        if !inner.config.reuse_for.is_zero() {
            if let Some(id) = sqlx::query_scalar!(
                "SELECT id FROM insights_executions
                 WHERE connection_id = $1 AND key = $2 AND state = 'complete'
                   AND finished_at > now() - make_interval(secs => $3)
                 ORDER BY finished_at DESC LIMIT 1",
                connection,
                norm.key,
                secs(inner.config.reuse_for)
            )
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            {
                exec_id = Some(id);
                break;
            }
        }
        if let Some(id) = sqlx::query_scalar!(
            "INSERT INTO insights_executions (id, connection_id, key, input, principal, principal_key)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (connection_id, key) WHERE state IN ('queued', 'running') DO NOTHING
             RETURNING id",
            Uuid::new_v4(),
            connection,
            norm.key,
            exec_input,
            principal,
            principal_key
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        {
            exec_id = Some(id);
            created = true;
            break;
        }
    }
    let exec_id = exec_id.ok_or_else(|| SourceError::internal("could not settle on an execution; try again"))?;
    let run_id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO insights_runs (id, execution_id, connection_id, principal, principal_key, input, dashboard, widget)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        run_id,
        exec_id,
        connection,
        principal,
        principal_key,
        run_input,
        cx.dashboard,
        cx.widget
    )
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    if created {
        notify(&mut tx, &conn_payload(connection)).await.map_err(db_error)?;
    }
    tx.commit().await.map_err(db_error)?;
    Ok(run_id)
}

/// One run's view (see the module docs for its version).
pub(super) async fn view(db: &PgPool, run_id: Uuid) -> Result<Option<RunView>, SourceError> {
    let Some(r) = sqlx::query!(
        r#"SELECT r.id, r.execution_id, r.connection_id, r.principal, r.submitted_at, r.cancelled_at,
                  r.version AS run_version, e.state::text AS "state!", e.input, e.started_at, e.finished_at,
                  e.output, e.error, e.version AS exec_version,
                  CASE WHEN e.state = 'queued' THEN
                    (SELECT count(*) FROM insights_executions q
                     WHERE q.connection_id = e.connection_id AND q.state = 'queued'
                       AND (q.enqueued_at, q.id) < (e.enqueued_at, e.id))
                  END AS ahead,
                  CASE WHEN e.state = 'queued' THEN
                    (SELECT c.queue_gen FROM insights_connections c WHERE c.connection_id = e.connection_id)
                  END AS queue_gen
           FROM insights_runs r JOIN insights_executions e ON e.id = r.execution_id
           WHERE r.id = $1"#,
        run_id
    )
    .fetch_optional(db)
    .await
    .map_err(db_error)?
    else {
        return Ok(None);
    };
    let input: StartQueryInput = serde_json::from_value(r.input).map_err(|e| SourceError::internal(e.to_string()))?;
    let principal: Principal = serde_json::from_value(r.principal).unwrap_or(Principal::System);
    let output: Option<GetQueryResultsOutput> = r.output.and_then(|o| serde_json::from_value(o).ok());
    let error: Option<SourceError> = r.error.and_then(|e| serde_json::from_value(e).ok());
    let status = if r.cancelled_at.is_some() {
        RunStatus::Cancelled
    } else {
        match r.state.as_str() {
            "queued" => RunStatus::Queued {
                position: u32::try_from(r.ahead.unwrap_or(0) + 1).unwrap_or(u32::MAX),
            },
            "running" => RunStatus::Running,
            "complete" => RunStatus::Complete,
            "failed" => RunStatus::Failed,
            "timeout" => RunStatus::Timeout,
            _ => RunStatus::Cancelled,
        }
    };
    let finished_at = match (r.cancelled_at, r.finished_at) {
        (Some(c), Some(f)) => Some(c.min(f)),
        (c, f) => c.or(f),
    };
    Ok(Some(RunView {
        run_id: r.id,
        execution_id: r.execution_id,
        connection: r.connection_id,
        principal,
        status,
        version: r.run_version + r.exec_version + r.queue_gen.unwrap_or(0),
        submitted_at: r.submitted_at,
        started_at: r.started_at,
        finished_at,
        output,
        error,
        log_groups: input.groups().into_iter().map(str::to_string).collect(),
        query: input.query_string,
        start_time: input.start_time,
        end_time: input.end_time,
        limit: input.limit,
    }))
}

/// Detaches a run; a queued execution nobody waits for any more is cancelled here, a running one
/// by its owner on its next poll (woken by the NOTIFY).
pub(super) async fn cancel(db: &PgPool, principal: &Principal, run_id: Uuid) -> Result<bool, SourceError> {
    let mut tx = db.begin().await.map_err(db_error)?;
    let Some(run) = sqlx::query!(
        "SELECT principal_key, cancelled_at, execution_id, connection_id FROM insights_runs WHERE id = $1 FOR UPDATE",
        run_id
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_error)?
    else {
        return Ok(false);
    };
    if run.principal_key != principal.key() {
        return Err(SourceError::new(
            ErrorKind::AccessDenied,
            "AccessDeniedException",
            "Only the user who ran this query can cancel it.",
        ));
    }
    if run.cancelled_at.is_some() {
        return Ok(false);
    }
    let state = sqlx::query_scalar!(
        r#"SELECT state::text AS "state!" FROM insights_executions WHERE id = $1 FOR UPDATE"#,
        run.execution_id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(db_error)?;
    if state != "queued" && state != "running" {
        return Ok(false);
    }
    sqlx::query!(
        "UPDATE insights_runs SET cancelled_at = now(), version = version + 1 WHERE id = $1",
        run_id
    )
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    let attached = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM insights_runs WHERE execution_id = $1 AND cancelled_at IS NULL) AS "b!""#,
        run.execution_id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(db_error)?;
    if !attached && state == "queued" {
        let gen = bump_queue(&mut tx, &run.connection_id).await.map_err(db_error)?;
        sqlx::query!(
            "UPDATE insights_executions SET state = 'cancelled', finished_at = now(), version = version + $2 + 1
             WHERE id = $1",
            run.execution_id,
            gen
        )
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        notify(&mut tx, &conn_payload(&run.connection_id)).await.map_err(db_error)?;
    }
    notify(&mut tx, &exec_payload(run.execution_id)).await.map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    Ok(true)
}

/// An execution leaves the queue: the others' positions change. Returns the new generation.
async fn bump_queue(conn: &mut PgConnection, connection: &str) -> Result<i64, sqlx::Error> {
    let gen = sqlx::query_scalar!(
        "UPDATE insights_connections SET queue_gen = queue_gen + 1 WHERE connection_id = $1 RETURNING queue_gen",
        connection
    )
    .fetch_optional(conn)
    .await?;
    Ok(gen.unwrap_or(0))
}

/// Renews this replica's leases; returns the executions it holds slots for.
pub(super) async fn renew(inner: &Inner) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE insights_slots SET lease_until = now() + make_interval(secs => $2)
           WHERE owner_replica = $1 AND execution_id IS NOT NULL
           RETURNING execution_id AS "execution_id!""#,
        inner.config.replica,
        secs(inner.config.lease)
    )
    .fetch_all(&inner.db)
    .await
}

/// Connections with queued executions or expired leases.
pub(super) async fn connections_with_work(db: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT connection_id AS "c!" FROM insights_executions WHERE state = 'queued'
           UNION
           SELECT connection_id FROM insights_slots WHERE execution_id IS NOT NULL AND lease_until < now()"#
    )
    .fetch_all(db)
    .await
}

/// Takes one slot whose owner stopped renewing it; returns the execution to drive.
pub(super) async fn take_over(inner: &Inner, connection: &str) -> Result<Option<Uuid>, sqlx::Error> {
    let mut tx = inner.db.begin().await?;
    let Some(row) = sqlx::query!(
        r#"SELECT slot, execution_id AS "execution_id!", owner_replica FROM insights_slots
           WHERE connection_id = $1 AND execution_id IS NOT NULL AND lease_until < now()
           ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED"#,
        connection
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    sqlx::query!(
        "UPDATE insights_slots SET owner_replica = $3, lease_until = now() + make_interval(secs => $4)
         WHERE connection_id = $1 AND slot = $2",
        connection,
        row.slot,
        inner.config.replica,
        secs(inner.config.lease)
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(%connection, slot = row.slot, execution = %row.execution_id, from = ?row.owner_replica,
        "insights: took over an expired lease");
    Ok(Some(row.execution_id))
}

/// Gives a free slot to the oldest queued execution; returns it, or `None` when there is no
/// queued execution or no free slot.
pub(super) async fn start_next(inner: &Inner, connection: &str) -> Result<Option<Uuid>, sqlx::Error> {
    let budget = i32::try_from(inner.config.budget).unwrap_or(i32::MAX);
    let mut tx = inner.db.begin().await?;
    let Some(exec) = sqlx::query_scalar!(
        "SELECT id FROM insights_executions WHERE connection_id = $1 AND state = 'queued'
         ORDER BY enqueued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
        connection
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let Some(slot) = sqlx::query_scalar!(
        "SELECT slot FROM insights_slots WHERE connection_id = $1 AND slot < $2 AND execution_id IS NULL
         ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED",
        connection,
        budget
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    sqlx::query!(
        "UPDATE insights_slots SET execution_id = $3, owner_replica = $4, lease_until = now() + make_interval(secs => $5)
         WHERE connection_id = $1 AND slot = $2",
        connection,
        slot,
        exec,
        inner.config.replica,
        secs(inner.config.lease)
    )
    .execute(&mut *tx)
    .await?;
    let gen = bump_queue(&mut tx, connection).await?;
    sqlx::query!(
        "UPDATE insights_executions SET state = 'running', started_at = now(), version = version + $2 + 1 WHERE id = $1",
        exec,
        gen
    )
    .execute(&mut *tx)
    .await?;
    notify(&mut tx, &conn_payload(connection)).await?;
    notify(&mut tx, &exec_payload(exec)).await?;
    tx.commit().await?;
    Ok(Some(exec))
}

/// What the owner needs to drive an execution it holds a slot for.
pub(super) struct Held {
    pub connection: String,
    pub input: serde_json::Value,
    pub principal: serde_json::Value,
    pub principal_key: String,
    pub state: String,
    pub query_id: Option<String>,
    pub restarts: i32,
    pub started_before: bool,
}

pub(super) async fn held(inner: &Inner, exec: Uuid) -> Result<Option<Held>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT e.connection_id, e.input, e.principal, e.principal_key, e.state::text AS "state!", e.query_id,
                  e.restarts, e.query_started_at
           FROM insights_executions e JOIN insights_slots s ON s.execution_id = e.id
           WHERE e.id = $1 AND s.owner_replica = $2"#,
        exec,
        inner.config.replica
    )
    .fetch_optional(&inner.db)
    .await?;
    Ok(row.map(|r| Held {
        connection: r.connection_id,
        input: r.input,
        principal: r.principal,
        principal_key: r.principal_key,
        state: r.state,
        query_id: r.query_id,
        restarts: r.restarts,
        started_before: r.query_started_at.is_some(),
    }))
}

/// Whether this replica still holds the execution's slot, and whether any run still wants it.
pub(super) async fn owned_and_wanted(inner: &Inner, exec: Uuid) -> Result<(bool, bool), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT EXISTS (SELECT 1 FROM insights_slots WHERE execution_id = $1 AND owner_replica = $2) AS "owned!",
                  EXISTS (SELECT 1 FROM insights_runs WHERE execution_id = $1 AND cancelled_at IS NULL) AS "wanted!""#,
        exec,
        inner.config.replica
    )
    .fetch_one(&inner.db)
    .await?;
    Ok((r.owned, r.wanted))
}

/// Records the upstream query id (and, the first time, returns the queue wait in ms). `None`
/// when the slot is no longer this replica's.
pub(super) async fn started(inner: &Inner, exec: Uuid, query_id: &str, restarts: i32) -> Result<Option<f64>, sqlx::Error> {
    let wait = sqlx::query_scalar!(
        r#"UPDATE insights_executions
           SET query_id = $2, restarts = $3, query_started_at = COALESCE(query_started_at, now()),
               version = version + 1
           WHERE id = $1 AND state = 'running'
             AND EXISTS (SELECT 1 FROM insights_slots WHERE execution_id = $1 AND owner_replica = $4)
           RETURNING (EXTRACT(EPOCH FROM (query_started_at - enqueued_at)) * 1000)::float8 AS "wait_ms!""#,
        exec,
        query_id,
        restarts,
        inner.config.replica
    )
    .fetch_optional(&inner.db)
    .await?;
    if wait.is_some() {
        notify_exec(inner, exec).await?;
    }
    Ok(wait)
}

/// Forgets the upstream query id so the next round starts it again.
pub(super) async fn forget_query(inner: &Inner, exec: Uuid) -> Result<bool, sqlx::Error> {
    let n = sqlx::query!(
        "UPDATE insights_executions SET query_id = NULL
         WHERE id = $1 AND state = 'running'
           AND EXISTS (SELECT 1 FROM insights_slots WHERE execution_id = $1 AND owner_replica = $2)",
        exec,
        inner.config.replica
    )
    .execute(&inner.db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

async fn notify_exec(inner: &Inner, exec: Uuid) -> Result<(), sqlx::Error> {
    let mut conn = inner.db.acquire().await?;
    notify(&mut conn, &exec_payload(exec)).await
}

/// Stores partial results; `false` when the slot is no longer this replica's.
pub(super) async fn partial(inner: &Inner, exec: Uuid, output: &GetQueryResultsOutput) -> Result<bool, sqlx::Error> {
    let json = serde_json::to_value(output).unwrap_or(serde_json::Value::Null);
    let n = sqlx::query!(
        "UPDATE insights_executions SET output = $2, version = version + 1
         WHERE id = $1 AND state = 'running'
           AND EXISTS (SELECT 1 FROM insights_slots WHERE execution_id = $1 AND owner_replica = $3)",
        exec,
        json,
        inner.config.replica
    )
    .execute(&inner.db)
    .await?
    .rows_affected();
    if n == 1 {
        notify_exec(inner, exec).await?;
    }
    Ok(n == 1)
}

/// Ends the execution (`complete`, `failed`, `cancelled`, `timeout`) and frees its slot;
/// `false` when the slot is no longer this replica's.
pub(super) async fn finish(
    inner: &Inner,
    exec: Uuid,
    connection: &str,
    state: &str,
    output: Option<&GetQueryResultsOutput>,
    error: Option<&SourceError>,
) -> Result<bool, sqlx::Error> {
    let output = output.and_then(|o| serde_json::to_value(o).ok());
    let error = error.and_then(|e| serde_json::to_value(e).ok());
    let mut tx = inner.db.begin().await?;
    let freed = sqlx::query!(
        "UPDATE insights_slots SET execution_id = NULL, owner_replica = NULL, lease_until = NULL
         WHERE execution_id = $1 AND owner_replica = $2",
        exec,
        inner.config.replica
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if freed == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "UPDATE insights_executions
         SET state = $2::text::insights_state, output = COALESCE($3, output), error = $4,
             finished_at = now(), version = version + 1
         WHERE id = $1 AND state IN ('queued', 'running')",
        exec,
        state,
        output,
        error
    )
    .execute(&mut *tx)
    .await?;
    notify(&mut tx, &exec_payload(exec)).await?;
    notify(&mut tx, &conn_payload(connection)).await?;
    tx.commit().await?;
    Ok(true)
}

/// The owner's decision to stop an execution no run wants: `Some(true)` when it is now
/// cancelled (the caller sends StopQuery, then [`release`]s the slot), `Some(false)` when a run attached meanwhile, `None`
/// when the slot is no longer this replica's.
pub(super) async fn stop_unwanted(inner: &Inner, exec: Uuid) -> Result<Option<bool>, sqlx::Error> {
    let mut tx = inner.db.begin().await?;
    let slot = sqlx::query_scalar!(
        "SELECT slot FROM insights_slots WHERE execution_id = $1 AND owner_replica = $2 FOR UPDATE",
        exec,
        inner.config.replica
    )
    .fetch_optional(&mut *tx)
    .await?;
    if slot.is_none() {
        return Ok(None);
    }
    sqlx::query_scalar!("SELECT id FROM insights_executions WHERE id = $1 FOR UPDATE", exec)
        .fetch_one(&mut *tx)
        .await?;
    let wanted = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM insights_runs WHERE execution_id = $1 AND cancelled_at IS NULL) AS "b!""#,
        exec
    )
    .fetch_one(&mut *tx)
    .await?;
    if wanted {
        return Ok(Some(false));
    }
    // The slot stays held until StopQuery has been sent ([`release`]): freeing it first would let
    // the next execution start while this one still counts upstream.
    sqlx::query!(
        "UPDATE insights_executions SET state = 'cancelled', finished_at = now(), version = version + 1
         WHERE id = $1 AND state IN ('queued', 'running')",
        exec
    )
    .execute(&mut *tx)
    .await?;
    notify(&mut tx, &exec_payload(exec)).await?;
    tx.commit().await?;
    Ok(Some(true))
}

/// Frees the slot of an execution that already ended (after StopQuery was sent).
pub(super) async fn release(inner: &Inner, exec: Uuid, connection: &str) -> Result<(), sqlx::Error> {
    let mut tx = inner.db.begin().await?;
    sqlx::query!(
        "UPDATE insights_slots SET execution_id = NULL, owner_replica = NULL, lease_until = NULL
         WHERE execution_id = $1 AND owner_replica = $2",
        exec,
        inner.config.replica
    )
    .execute(&mut *tx)
    .await?;
    notify(&mut tx, &conn_payload(connection)).await?;
    tx.commit().await
}
