//! The sign-in page. It posts a plain form to `/auth/login` (a full page load), so it works
//! before hydration and without JavaScript; failures come back as `?error=` with the email kept.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::domain::time_range::wait_in_words;
use crate::error::AppError;
use crate::url::safe_next;

/// What went wrong, from the `error` code the sign-in handler redirects with (and `retry`, the
/// seconds a throttled account must wait, as the server computed them).
fn message(code: &str, retry_after_secs: Option<u64>) -> String {
    match code {
        "invalid" => format!("{}.", AppError::InvalidCredentials),
        "throttled" => match retry_after_secs {
            Some(secs) => format!(
                "Too many failed sign-ins. Try again in {}, or ask an admin to reset your password.",
                wait_in_words(secs)
            ),
            None => "Too many failed sign-ins. Try again later, or ask an admin to reset your password.".into(),
        },
        "inactive" => AppError::Deactivated.to_string(),
        "busy" => "The server is busy. Try again in a moment.".into(),
        "malformed" => "Enter your email address and password.".into(),
        "expired" => "Your session has ended. Sign in again.".into(),
        _ => "Sign-in failed. Try again.".into(),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    // Read once: plain `value` attributes, so hydration never clears what someone already typed.
    let q = move |k: &str| query.read_untracked().get(k);
    view! {
        <Title text="Sign in" />
        <main class="centered login" id="main">
            <form class="card" method="post" action="/auth/login">
                <h1>
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    " Watchpost"
                </h1>
                {move || q("error").map(|e| {
                    let retry = q("retry").and_then(|r| r.parse().ok());
                    view! { <p class="alert error" role="alert">{message(&e, retry)}</p> }
                })}
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="username" required autofocus value=q("email").unwrap_or_default() />
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                <input type="hidden" name="next" value=safe_next(q("next").as_deref()) />
                <button type="submit">"Sign in"</button>
            </form>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_the_one_the_server_gave() {
        assert!(message("throttled", Some(300)).contains("5 minutes"));
        assert!(message("throttled", Some(7_200)).contains("2 hours"));
        assert!(!message("throttled", None).contains("15"));
    }
}
