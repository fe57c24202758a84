//! Dashboards in Postgres: create (by hand or by import), read, list, save with optimistic
//! concurrency (a save names the version it was based on; an older one is refused), versions and
//! restore, delete. Every change is audited in the same transaction as the change.
//!
//! The body is stored as CloudWatch's dashboard-body JSON after [`body::normalise`] has parsed it
//! (shorthand expanded, unknown properties kept), so what is stored always parses again.

pub mod body;
pub mod explorer;
pub mod import;
pub mod links;
pub mod logs;
pub mod public;
pub mod render;
pub mod variables;

use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::backend::audit::{self, Actor};
use crate::backend::ms;
use crate::domain::dashboard::{DashboardDoc, DashboardMeta, DashboardSummary, DashboardVersion, DiffLine};
use crate::domain::{AuditAction, ConnectionId, DashboardId};
use crate::error::{AppError, AppResult};

/// A dashboard to create: its metadata, its default connection and a normalised body.
#[derive(Debug, Clone)]
pub struct NewDashboard {
    pub meta: DashboardMeta,
    pub connection: ConnectionId,
    pub body: serde_json::Value,
    /// The dashboard's name on the connection it was imported from, if it was.
    pub origin: Option<String>,
}

struct Row {
    id: Uuid,
    title: String,
    description: String,
    tags: Vec<String>,
    folder: String,
    connection_id: String,
    version: i32,
    body: serde_json::Value,
    owner: Option<String>,
    updated_at: OffsetDateTime,
}

impl Row {
    fn summary(&self) -> DashboardSummary {
        DashboardSummary {
            id: DashboardId(self.id),
            title: self.title.clone(),
            description: self.description.clone(),
            tags: self.tags.clone(),
            folder: self.folder.clone(),
            connection: self.connection_id.clone(),
            version: self.version,
            widgets: body::widget_count(&self.body),
            owner: self.owner.clone(),
            updated_at_ms: ms(self.updated_at),
        }
    }
}

/// Creates a dashboard at version 1. `None` when `origin` was given and that dashboard of that
/// connection was imported before (the demo's prebuilt ones are imported once).
#[tracing::instrument(skip(db, actor, new), fields(title = new.meta.title()))]
pub async fn create(db: &PgPool, actor: &Actor<'_>, new: &NewDashboard) -> AppResult<Option<DashboardId>> {
    let id = Uuid::new_v4();
    let owner = actor.user.map(|u| u.id.0);
    let mut tx = db.begin().await?;
    let inserted = sqlx::query!(
        "INSERT INTO dashboards (id, title, description, tags, folder, connection_id, body, owner_id, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        id,
        new.meta.title(),
        new.meta.description(),
        new.meta.tags(),
        new.meta.folder(),
        new.connection.as_str(),
        new.body,
        owner,
        new.origin,
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    let note = if new.origin.is_some() { "import" } else { "create" };
    version_row(&mut tx, id, 1, new.meta.title(), &new.body, owner, note).await?;
    audit::record(
        &mut *tx,
        actor,
        AuditAction::DashboardCreate,
        None,
        json!({"dashboard": id, "title": new.meta.title(), "connection": new.connection.as_str(), "origin": new.origin}),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(DashboardId(id)))
}

async fn version_row(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    version: i32,
    title: &str,
    body: &serde_json::Value,
    by: Option<Uuid>,
    note: &str,
) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO dashboard_versions (dashboard_id, version, title, body, saved_by, note) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        version,
        title,
        body,
        by,
        note,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get(db: &PgPool, id: DashboardId) -> AppResult<Option<DashboardDoc>> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT d.id, d.title, d.description, d.tags, d.folder, d.connection_id, d.version, d.body,
                  u.display_name AS "owner?", d.updated_at
           FROM dashboards d LEFT JOIN users u ON u.id = d.owner_id WHERE d.id = $1"#,
        id.0
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| DashboardDoc {
        summary: r.summary(),
        body: r.body,
    }))
}

/// Every dashboard, by folder then title; `search` matches title, folder and tags (any case).
pub async fn list(db: &PgPool, search: Option<&str>) -> AppResult<Vec<DashboardSummary>> {
    let pattern = search.map(str::trim).filter(|s| !s.is_empty()).map(|s| {
        let escaped = s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        format!("%{escaped}%")
    });
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT d.id, d.title, d.description, d.tags, d.folder, d.connection_id, d.version, d.body,
                  u.display_name AS "owner?", d.updated_at
           FROM dashboards d LEFT JOIN users u ON u.id = d.owner_id
           WHERE $1::text IS NULL OR d.title ILIKE $1 OR d.folder ILIKE $1
                 OR EXISTS (SELECT 1 FROM unnest(d.tags) t WHERE t ILIKE $1)
           ORDER BY d.folder, lower(d.title), d.id"#,
        pattern
    )
    .fetch_all(db)
    .await?;
    Ok(rows.iter().map(Row::summary).collect())
}

/// Saves a new state. `base` is the version the editor started from: when someone saved since,
/// the save is refused with a conflict that says who, and nothing is overwritten.
#[tracing::instrument(skip(db, actor, meta, body))]
pub async fn save(
    db: &PgPool,
    actor: &Actor<'_>,
    id: DashboardId,
    base: i32,
    meta: &DashboardMeta,
    body: &serde_json::Value,
    note: &str,
) -> AppResult<i32> {
    let mut tx = db.begin().await?;
    let current = sqlx::query!("SELECT version FROM dashboards WHERE id = $1 FOR UPDATE", id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("that dashboard"))?;
    if current.version != base {
        let who = sqlx::query_scalar!(
            r#"SELECT u.display_name AS "name?" FROM dashboard_versions v LEFT JOIN users u ON u.id = v.saved_by
               WHERE v.dashboard_id = $1 AND v.version = $2"#,
            id.0,
            current.version
        )
        .fetch_optional(&mut *tx)
        .await?
        .flatten()
        .unwrap_or_else(|| "someone".to_string());
        return Err(AppError::conflict(format!(
            "This dashboard changed since you opened it: {who} saved version {} (you edited version {base}). Nothing was overwritten — reload to see their change, then apply yours again.",
            current.version
        )));
    }
    let next = base + 1;
    sqlx::query!(
        "UPDATE dashboards SET title = $2, description = $3, tags = $4, folder = $5, body = $6, version = $7, updated_at = now()
         WHERE id = $1",
        id.0,
        meta.title(),
        meta.description(),
        meta.tags(),
        meta.folder(),
        body,
        next,
    )
    .execute(&mut *tx)
    .await?;
    let by = actor.user.map(|u| u.id.0);
    version_row(&mut tx, id.0, next, meta.title(), body, by, note).await?;
    let action = if note.starts_with("restore") {
        AuditAction::DashboardRestore
    } else {
        AuditAction::DashboardSave
    };
    audit::record(
        &mut *tx,
        actor,
        action,
        None,
        json!({"dashboard": id.0, "version": next, "note": note}),
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// Newest first.
pub async fn versions(db: &PgPool, id: DashboardId) -> AppResult<Vec<DashboardVersion>> {
    let rows = sqlx::query!(
        r#"SELECT v.version, v.title, u.display_name AS "saved_by?", v.saved_at, v.note
           FROM dashboard_versions v LEFT JOIN users u ON u.id = v.saved_by
           WHERE v.dashboard_id = $1 ORDER BY v.version DESC"#,
        id.0
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DashboardVersion {
            version: r.version,
            title: r.title,
            saved_by: r.saved_by,
            saved_at_ms: ms(r.saved_at),
            note: r.note,
        })
        .collect())
}

/// One stored version's title and body.
pub async fn version_body(db: &PgPool, id: DashboardId, version: i32) -> AppResult<(String, serde_json::Value)> {
    let row = sqlx::query!(
        "SELECT title, body FROM dashboard_versions WHERE dashboard_id = $1 AND version = $2",
        id.0,
        version
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| AppError::not_found(format!("version {version} of that dashboard")))?;
    Ok((row.title, row.body))
}

/// What changed from version `from` to version `to`: the title and the body (pretty JSON), as a
/// unified diff with three lines of context. Empty when they are the same.
pub async fn diff(db: &PgPool, id: DashboardId, from: i32, to: i32) -> AppResult<Vec<DiffLine>> {
    let (a_title, a_body) = version_body(db, id, from).await?;
    let (b_title, b_body) = version_body(db, id, to).await?;
    let text = |title: &str, body: &serde_json::Value| {
        let pretty = body::export_text(body).unwrap_or_else(|_| body.to_string());
        format!("title: {title}\n{pretty}\n")
    };
    Ok(diff_lines(&text(&a_title, &a_body), &text(&b_title, &b_body)))
}

/// A unified diff of two texts, line by line.
pub fn diff_lines(a: &str, b: &str) -> Vec<DiffLine> {
    let diff = similar::TextDiff::from_lines(a, b);
    let mut out = Vec::new();
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push(DiffLine {
            kind: '@',
            text: hunk.header().to_string(),
        });
        for change in hunk.iter_changes() {
            let kind = match change.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            };
            out.push(DiffLine {
                kind,
                text: change.value().trim_end_matches('\n').to_string(),
            });
        }
    }
    out
}

/// Makes an old version current again, as a new version (history is never rewritten).
pub async fn restore(db: &PgPool, actor: &Actor<'_>, id: DashboardId, version: i32, base: i32) -> AppResult<i32> {
    let doc = get(db, id).await?.ok_or_else(|| AppError::not_found("that dashboard"))?;
    let (title, body) = version_body(db, id, version).await?;
    let s = &doc.summary;
    let meta = DashboardMeta::parse(&title, &s.description, &s.tags.join(","), &s.folder)?;
    save(db, actor, id, base, &meta, &body, &format!("restore of version {version}")).await
}

pub async fn delete(db: &PgPool, actor: &Actor<'_>, id: DashboardId) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let title = sqlx::query_scalar!("DELETE FROM dashboards WHERE id = $1 RETURNING title", id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("that dashboard"))?;
    audit::record(
        &mut *tx,
        actor,
        AuditAction::DashboardDelete,
        None,
        json!({"dashboard": id.0, "title": title}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_shows_removed_and_added_lines_with_context() {
        let a = "title: A\n{\n  \"widgets\": [\n    1\n  ]\n}\n";
        let b = "title: B\n{\n  \"widgets\": [\n    1,\n    2\n  ]\n}\n";
        let d = diff_lines(a, b);
        assert_eq!(d[0].kind, '@');
        let changed: Vec<String> = d
            .iter()
            .filter(|l| l.kind != ' ' && l.kind != '@')
            .map(|l| format!("{}{}", l.kind, l.text))
            .collect();
        assert_eq!(changed, ["-title: A", "+title: B", "-    1", "+    1,", "+    2"]);
        assert!(diff_lines(a, a).is_empty());
    }
}
