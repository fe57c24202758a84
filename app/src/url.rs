//! The shell's URL state: time range (`from`, `to`, `tz`) and connection (`conn`). Every link the
//! shell makes keeps them, so a link is the whole view and the back button works.
//!
//! A page also keeps its own view keys when it changes only the range or one of them on the same
//! page ([`view_href`]): auto-refresh (`refresh`), kiosk mode (`kiosk`) and dashboard variables
//! (`var-<id>`, repeatable). Links to other pages drop them ([`shell_href`]).

use leptos_router::params::ParamsMap;

/// The query keys the shell carries from page to page, in the order they are written.
pub const SHELL_KEYS: [&str; 4] = ["from", "to", "tz", "conn"];

/// Whether `key` belongs to the view of the page it is on (see the module docs).
pub fn is_view_key(key: &str) -> bool {
    key == "refresh" || key == "kiosk" || key.starts_with(crate::domain::variables::VAR_PREFIX) || EXPLORER_KEYS.contains(&key)
}

/// The metrics explorer's own view: the widget (`w`), the browse (`ns`, `search`, `recent`) and
/// the dashboard widget being edited (`dashboard`, `widget`). Kept when the range changes.
pub const EXPLORER_KEYS: [&str; 6] = ["w", "ns", "search", "recent", "dashboard", "widget"];

/// `path` with the shell's parameters and the page's view keys from `current`, with `overrides`
/// applied: each named key's values are replaced by the given ones (none removes it). Keys keep
/// their order; new ones follow.
pub fn view_href(path: &str, current: &ParamsMap, overrides: &[(&str, &[&str])]) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut keys: Vec<String> = SHELL_KEYS.iter().map(|k| (*k).to_string()).collect();
    for (k, _) in current {
        if is_view_key(k) && !keys.iter().any(|x| x == k.as_ref()) {
            keys.push(k.to_string());
        }
    }
    for (k, _) in overrides {
        if !keys.iter().any(|x| x == k) {
            keys.push((*k).to_string());
        }
    }
    for key in &keys {
        match overrides.iter().find(|(k, _)| k == key) {
            Some((_, values)) => pairs.extend(values.iter().filter(|v| !v.is_empty()).map(|v| (key.clone(), (*v).to_string()))),
            None => pairs.extend(
                current
                    .get_all(key)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| (key.clone(), v)),
            ),
        }
    }
    with_query(path, &pairs)
}

/// The dashboard variables' values in `current` (`var-<id>` keys).
pub fn variable_choices(current: &ParamsMap) -> crate::domain::variables::VariableChoices {
    crate::domain::variables::VariableChoices::from_query(current.into_iter().map(|(k, v)| (k.as_ref(), v)))
}

/// The shell's parameters and the page's view keys of `current`, for the hidden inputs of a GET
/// form that changes some of them (`except`: the keys the form itself sets).
pub fn kept_pairs(current: &ParamsMap, except: &dyn Fn(&str) -> bool) -> Vec<(String, String)> {
    current
        .into_iter()
        .filter(|(k, _)| (SHELL_KEYS.contains(&k.as_ref()) || is_view_key(k)) && !except(k))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `path` with the shell's parameters from `current`, with `overrides` applied (`None` removes).
pub fn shell_href(path: &str, current: &ParamsMap, overrides: &[(&str, Option<&str>)]) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for key in SHELL_KEYS {
        let value = match overrides.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => v.map(str::to_owned),
            None => current.get(key),
        };
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            pairs.push((key.to_string(), v));
        }
    }
    with_query(path, &pairs)
}

pub fn with_query(path: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    format!("{path}?{}", q.join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A local path to return to after sign-in; anything else (another host, `//evil`) becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.chars().any(char::is_control) => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_shell_state_and_encode_it() {
        let mut q = ParamsMap::new();
        q.insert("from", "2026-11-21T10:00+02:00".to_string());
        q.insert("conn", "demo".to_string());
        q.insert("other", "dropped".to_string());
        assert_eq!(
            shell_href("/explore", &q, &[]),
            "/explore?from=2026-11-21T10%3A00%2B02%3A00&conn=demo"
        );
        assert_eq!(shell_href("/x", &q, &[("from", Some("now-5m")), ("conn", None)]), "/x?from=now-5m");
    }

    #[test]
    fn same_page_links_keep_the_view_keys_and_replace_what_they_change() {
        let q: ParamsMap = [
            ("q", "dropped"),
            ("var-service", "web"),
            ("from", "now-3h"),
            ("var-service", "api"),
            ("refresh", "60"),
            ("kiosk", "1"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            view_href("/d/1", &q, &[("from", &["2026-11-21T10:00Z"]), ("to", &["2026-11-21T11:00Z"])]),
            "/d/1?from=2026-11-21T10%3A00Z&to=2026-11-21T11%3A00Z&var-service=web&var-service=api&refresh=60&kiosk=1"
        );
        assert_eq!(
            view_href("", &q, &[("var-service", &["checkout"]), ("refresh", &[]), ("var-region", &["eu"])]),
            "?from=now-3h&var-service=checkout&kiosk=1&var-region=eu"
        );
        // Links elsewhere keep only the shell's keys.
        assert_eq!(shell_href("/explore", &q, &[]), "/explore?from=now-3h");
        let kept = kept_pairs(&q, &|k| k == "var-service");
        assert_eq!(
            kept,
            [("from", "now-3h"), ("refresh", "60"), ("kiosk", "1")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .to_vec()
        );
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/explore?from=now-5m")), "/explore?from=now-5m");
        for bad in ["https://evil.example", "//evil.example", "/\\evil", "javascript:alert(1)"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
