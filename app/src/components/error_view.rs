//! How an error looks to a person: a readable message, never a blank page.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::shell_state::path_and_query;
use crate::error::AppError;
use crate::url::encode;

#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    let location = use_location();
    let signed_out = matches!(error, AppError::Unauthorized);
    let next = move || {
        format!(
            "/login?next={}",
            encode(&path_and_query(&location.pathname.get(), &location.search.get()))
        )
    };
    view! {
        <div class="alert error" role="alert">
            <p>{error.to_string()}</p>
            {signed_out.then(|| view! { <a href=next rel="external">"Sign in"</a> })}
        </div>
    }
}
