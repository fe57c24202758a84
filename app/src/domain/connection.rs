//! Connections (data sources) as the shell and every request name them.

use super::text::text_newtype;

text_newtype!(
    /// A connection's immutable slug, used in URLs (`?conn=demo`), cache keys and stored widgets:
    /// 1–40 lower-case letters, digits and dashes, starting with a letter. Renaming a connection
    /// changes its display name only, never this.
    ConnectionId,
    "connection",
    |raw: &str| {
        let s = raw.trim();
        let valid = !s.is_empty()
            && s.len() <= ConnectionId::MAX_LEN
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(s.to_string())
        } else {
            Err(format!(
                "`{}` is not a connection id: use 1–{} lower-case letters, digits and dashes, starting with a letter",
                s.chars().take(60).collect::<String>(),
                ConnectionId::MAX_LEN
            ))
        }
    }
);

impl ConnectionId {
    pub const MAX_LEN: usize = 40;
    /// The built-in demo connection every installation has.
    pub const DEMO: &'static str = "demo";

    pub fn demo() -> Self {
        Self(Self::DEMO.to_string())
    }
}

impl Default for ConnectionId {
    fn default() -> Self {
        Self::demo()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert_eq!("demo".parse::<ConnectionId>(), Ok(ConnectionId::demo()));
        assert_eq!(" prod-eu-1 ".parse::<ConnectionId>().map(String::from), Ok("prod-eu-1".into()));
        for bad in ["", "Prod", "1prod", "prod_eu", "a/b", &"a".repeat(41)] {
            assert!(bad.parse::<ConnectionId>().is_err(), "{bad:?}");
        }
    }
}
