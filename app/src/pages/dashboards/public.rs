//! A public link's page (`/public/d/:token`), outside the signed-in shell: the dashboard's title,
//! a choice of preset ranges (`?range=3h`), and its widgets drawn by the same grid as the
//! dashboard page — no editor, no JSON, no export, no zoom (the range is not the viewer's to
//! choose beyond the presets). A link that opens nothing says so, with a 404.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

use super::view::{provide_crosshair, FixedRange, Grid};
use crate::api::links::public_dashboard;
use crate::components::Timestamp;
use crate::domain::link::{PublicRange, PublicView};
use crate::error::AppError;

pub struct PublicDashboardRoute;

#[lazy_route]
impl LazyRoute for PublicDashboardRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <PublicDashboardPage /> }.into_any()
    }
}

#[component]
pub fn PublicDashboardPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let args = Memo::new(move |_| {
        (
            params.read().get("token").unwrap_or_default(),
            query.read().get("range").unwrap_or_default(),
        )
    });
    let shared = Resource::new(move || args.get(), |(token, range)| public_dashboard(token, range));
    provide_crosshair();
    provide_context(FixedRange);
    view! {
        // The address is a credential: search engines are asked not to keep it.
        <Meta name="robots" content="noindex, nofollow" />
        <main id="main" class="public-page">
            <Transition fallback=|| view! { <p class="muted">"Loading dashboard…"</p> }>
                {move || Suspend::new(async move {
                    match shared.await {
                        Ok(v) => view! { <Shared v /> }.into_any(),
                        Err(e) => view! { <Refused error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn Shared(v: PublicView) -> impl IntoView {
    let current = v.range;
    view! {
        <Title text=v.title.clone() />
        <h1>{v.title.clone()}</h1>
        <p class="public-notice muted" data-testid="public-notice">
            "Read-only shared view · this link expires " <Timestamp ms=v.expires_at_ms /> "."
        </p>
        <nav class="toolbar" aria-label="Range">
            <span>"Last:"</span>
            {PublicRange::ALL
                .into_iter()
                .map(|r| {
                    let href = format!("?range={}", r.as_param());
                    view! { <a href=href class="chip" aria-current=(r == current).then_some("true")>{r.label()}</a> }
                })
                .collect_view()}
        </nav>
        <Grid data=v.data />
    }
}

/// Why the link shows nothing, in words, with the status that means it.
#[component]
fn Refused(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(error.status());
        if let Some(secs) = error.retry_after_secs() {
            res.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
    }
    let (heading, detail) = match &error {
        AppError::NotFound { .. } => (
            "This link has expired or was revoked",
            "Shared dashboard links work for a limited time and can be revoked. Ask whoever shared it for a new one.".to_string(),
        ),
        AppError::Validation { .. } => ("This range cannot be shown", error.to_string()),
        AppError::TooManyRequests { .. } => ("Too many requests for this link", error.to_string()),
        _ => ("This shared dashboard cannot be shown right now", error.to_string()),
    };
    let ranges = matches!(error, AppError::Validation { .. }).then(|| {
        view! {
            <p>
                <a href=format!("?range={}", PublicRange::DEFAULT.as_param())>
                    {format!("Show the last {}", PublicRange::DEFAULT.label())}
                </a>
            </p>
        }
    });
    view! {
        <Title text=heading />
        <div class="centered" data-testid="public-refused">
            <h1>{heading}</h1>
            <p>{detail}</p>
            {ranges}
        </div>
    }
}
