//! Usage and estimated cost of upstream work (admins only): what the admin Usage page shows.

use leptos::prelude::*;

use crate::domain::usage::UsageReport;
use crate::error::AppError;

/// Usage over the last `days` (`7`, the default, or `30`; UTC days, today included) for one
/// `connection` (a slug) or, when it is empty, all of them; priced at the running server's
/// configured prices.
#[server(prefix = "/fn", endpoint = "admin/usage")]
pub async fn admin_usage(#[server(default)] connection: String, #[server(default)] days: String) -> Result<UsageReport, AppError> {
    use crate::backend::{require, usage, use_state};
    use crate::domain::usage::{UsageFilter, UsagePrices};
    use crate::domain::Role;
    require(Role::Admin)?;
    let filter = UsageFilter::parse(&connection, &days)?;
    let state = use_state()?;
    let configured = state.telemetry.usage().prices();
    let prices = UsagePrices {
        per_thousand_metrics: configured.per_thousand_metrics,
        per_gb_scanned: configured.per_gb_scanned,
    };
    let today = time::OffsetDateTime::now_utc().date();
    usage::report(&state.db, &filter, today, prices).await
}
