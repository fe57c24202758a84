//! The shell's URL state: time range (`from`, `to`, `tz`) and connection (`conn`). Every link the
//! shell makes keeps them, so a link is the whole view and the back button works.

use leptos_router::params::ParamsMap;

/// The query keys the shell carries from page to page, in the order they are written.
pub const SHELL_KEYS: [&str; 4] = ["from", "to", "tz", "conn"];

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

/// `path` with every parameter of `current` (the shell's and the page's own), `overrides`
/// applied: `Some` sets a key (appended when new), `None` removes it.
pub fn page_href(path: &str, current: &ParamsMap, overrides: &[(&str, Option<&str>)]) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in current {
        if overrides.iter().any(|(o, _)| *o == k.as_ref()) {
            continue;
        }
        pairs.push((k.to_string(), v.to_string()));
    }
    for (k, v) in overrides {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            pairs.push(((*k).to_string(), v.to_string()));
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
    fn page_links_keep_every_parameter_and_apply_overrides() {
        let mut q = ParamsMap::new();
        q.insert("from", "now-3h".to_string());
        q.insert("w", "{\"metrics\":[]}".to_string());
        q.insert("ns", "AWS/ECS".to_string());
        assert_eq!(
            page_href("/m", &q, &[("ns", None), ("q", Some("cpu"))]),
            "/m?from=now-3h&w=%7B%22metrics%22%3A%5B%5D%7D&q=cpu"
        );
        assert_eq!(page_href("/m", &ParamsMap::new(), &[("q", Some(""))]), "/m");
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
