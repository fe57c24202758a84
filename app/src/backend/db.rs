//! The database: the migrations this build applies, and how database and other unexpected errors
//! become [`AppError`] — logged here with their cause chain, opaque to the browser.

use std::error::Error as StdError;

use crate::error::AppError;

/// Every migration of this build (the workspace `migrations/`), applied at start-up and checked
/// by `/readyz`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Logs `err` with its whole cause chain and returns an opaque internal error whose reference
/// lets an operator find the log line.
pub fn internal(context: &str, err: &(dyn StdError + 'static)) -> AppError {
    let mut chain = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    tracing::error!(error.reference = %reference, error.cause = %chain, "{context} failed");
    AppError::Internal { reference }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        internal("database query", &err)
    }
}

/// True when `err` is a unique-constraint violation (so a caller can answer Conflict).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
