//! Shared blocks every page repeats: loading a resource with a fallback and an error, the
//! outcome of an action, a page header, and a timestamp in the viewer's zone.

use leptos::prelude::*;
use leptos_meta::Title;

use super::shell_state::ShellState;
use super::ErrorView;
use crate::domain::time_range::format_display;
use crate::domain::Zone;
use crate::error::AppError;

/// The page's `<title>` and `<h1>`.
#[component]
pub fn PageHeader(#[prop(into)] title: String) -> impl IntoView {
    view! {
        <Title text=title.clone() />
        <h1>{title}</h1>
    }
}

/// A resource's value once loaded (`loading` meanwhile, the error in words if it failed).
pub fn loaded<T, F>(resource: Resource<Result<T, AppError>>, loading: &'static str, ok: F) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> AnyView + Clone + Send + Sync + 'static,
{
    view! {
        <Transition fallback=move || view! { <p class="muted">{loading}</p> }>
            {move || {
                let ok = ok.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(v) => ok(v),
                        Err(e) => view! { <ErrorView error=e /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// What an action answered: a confirmation, or the error in words.
pub fn outcome<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    ok: impl Fn(T) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        value.get().map(|r| match r {
            Ok(v) => ok(v),
            Err(e) => view! { <ErrorView error=e /> }.into_any(),
        })
    }
}

/// A confirmation line for an action that answers nothing but success.
pub fn done<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    message: &'static str,
) -> impl IntoView {
    outcome(value, move |_| view! { <p class="alert ok" role="status">{message}</p> }.into_any())
}

/// An instant in the zone the viewer chose. The server (which cannot know the browser's zone)
/// and the page before hydration print UTC, labelled; after hydration a `local` choice is
/// shown in the browser's zone, with its offset.
#[component]
pub fn Timestamp(ms: i64) -> impl IntoView {
    let shell = use_context::<ShellState>();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let text = move || {
        let local = hydrated.get() && shell.is_some_and(|s| s.zone() == Zone::Local);
        match local.then(|| browser_offset_minutes(ms)).flatten() {
            Some(offset) => format!("{} (UTC{})", format_display(ms + i64::from(offset) * 60_000), format_offset(offset)),
            None => format!("{} UTC", format_display(ms)),
        }
    };
    view! { <time datetime=crate::domain::time_range::format_iso_minutes(ms) + "Z">{text}</time> }
}

/// A [`Timestamp`], or "never" when there is none.
pub fn time_or_never(ms: Option<i64>) -> AnyView {
    match ms {
        Some(ms) => view! { <Timestamp ms /> }.into_any(),
        None => "never".into_any(),
    }
}

/// `+01:00`, `-05:30`.
pub fn format_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let a = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 60, a % 60)
}

/// The browser's UTC offset at `ms`, in minutes east of UTC (DST-aware).
#[cfg(feature = "hydrate")]
fn browser_offset_minutes(ms: i64) -> Option<i32> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    Some(-(date.get_timezone_offset() as i32))
}

#[cfg(not(feature = "hydrate"))]
fn browser_offset_minutes(_ms: i64) -> Option<i32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_print_with_sign_and_minutes() {
        assert_eq!(format_offset(60), "+01:00");
        assert_eq!(format_offset(-330), "-05:30");
        assert_eq!(format_offset(0), "+00:00");
    }
}
