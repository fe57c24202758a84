//! The shell's state — time range and connection — parsed from the URL in one place and
//! provided to every page by context. Links made from it keep the state, so a link is the whole
//! view and the back button works.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use crate::domain::{ConnectionId, TimeRange, Zone};
use crate::error::AppError;
use crate::url::shell_href;

#[derive(Clone, Copy)]
pub struct ShellState {
    /// The URL's `from`/`to`/`tz`, or why they could not be read.
    pub range: Memo<Result<TimeRange, AppError>>,
    /// The URL's `conn` (the demo when absent), or why it could not be read.
    pub connection: Memo<Result<ConnectionId, AppError>>,
}

impl ShellState {
    /// Reads the state from the current URL and provides it; the layout route calls this once.
    pub fn provide() -> Self {
        let query = use_query_map();
        let range = Memo::new(move |_| {
            let q = query.read();
            TimeRange::from_params(q.get_str("from"), q.get_str("to"), q.get_str("tz"))
        });
        let connection = Memo::new(move |_| match query.read().get_str("conn") {
            None | Some("") => Ok(ConnectionId::demo()),
            Some(raw) => raw.parse(),
        });
        let state = Self { range, connection };
        provide_context(state);
        state
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The range to show: the URL's, or the default (last hour) when it could not be read.
    pub fn range_or_default(&self) -> TimeRange {
        self.range.get().unwrap_or_default()
    }

    pub fn zone(&self) -> Zone {
        self.range.with(|r| r.as_ref().map(TimeRange::zone).unwrap_or_default())
    }

    pub fn connection_or_demo(&self) -> ConnectionId {
        self.connection.get().unwrap_or_default()
    }
}

/// A reactive link to `path` that keeps the shell's state.
pub fn shell_link(path: &'static str) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let query = use_query_map();
    move || shell_href(path, &query.read(), &[])
}

/// The current path and query, for `?next=` links.
pub fn here() -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let location = use_location();
    move || path_and_query(&location.pathname.get(), &location.search.get())
}

/// `/path?query` from the router's parts (its search string may or may not start with `?`).
pub fn path_and_query(path: &str, search: &str) -> String {
    match search.trim_start_matches('?') {
        "" => path.to_string(),
        q => format!("{path}?{q}"),
    }
}
