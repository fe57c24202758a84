//! The sign-in page. It posts a plain form to `/auth/login` (a full page load), so it works
//! before hydration and without JavaScript; failures come back as `?error=` with the email kept.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::url::safe_next;

fn message(code: &str) -> &'static str {
    match code {
        "invalid" => "Wrong email or password.",
        "throttled" => "Too many failed sign-ins. Wait 15 minutes, or ask an admin to reset your password.",
        "inactive" => "This account is deactivated. Ask an admin to reactivate it.",
        "malformed" => "Enter your email address and password.",
        "expired" => "Your session has ended. Sign in again.",
        _ => "Sign-in failed. Try again.",
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
                {move || q("error").map(|e| view! { <p class="alert error" role="alert">{message(&e)}</p> })}
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
