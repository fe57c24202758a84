//! Guard rails for AWS connections. A connection form is a way to make the server send signed
//! requests, so what an admin may enter is bounded by settings from the environment: endpoint
//! hosts on an allowlist (https only; loopback only under a test setting), role ARNs matching a
//! pattern, regions and names of the right shape.

use http::Uri;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePolicy {
    /// Create the built-in demo connection at start-up (`WATCHPOST_DEMO`, default on).
    pub demo_enabled: bool,
    /// Host patterns an endpoint override may name (`*` matches within a host), e.g.
    /// `*.amazonaws.com` (`WATCHPOST_AWS_ENDPOINT_ALLOWLIST`, comma-separated).
    pub endpoint_allowlist: Vec<String>,
    /// Allow `http://127.0.0.1:…`/`localhost` endpoints (emulators in tests only;
    /// `WATCHPOST_AWS_ALLOW_LOOPBACK`).
    pub allow_loopback_endpoints: bool,
    /// Patterns a role ARN must match (`WATCHPOST_AWS_ROLE_ARN_PATTERNS`, comma-separated).
    pub role_arn_patterns: Vec<String>,
}

impl Default for SourcePolicy {
    fn default() -> Self {
        Self {
            demo_enabled: true,
            endpoint_allowlist: vec!["*.amazonaws.com".into(), "*.amazonaws.com.cn".into()],
            allow_loopback_endpoints: false,
            role_arn_patterns: vec![
                "arn:aws:iam::*:role/*".into(),
                "arn:aws-cn:iam::*:role/*".into(),
                "arn:aws-us-gov:iam::*:role/*".into(),
            ],
        }
    }
}

/// `*` matches any run of characters (including none); everything else literally. Case-sensitive.
/// Small enough not to need a crate.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn shown(raw: &str) -> String {
    raw.chars().take(100).collect()
}

impl SourcePolicy {
    /// An endpoint override: https on an allowed host, or loopback http(s) when tests allow it.
    /// Returns it normalised (no trailing slash).
    pub fn check_endpoint(&self, raw: &str) -> AppResult<String> {
        let raw = raw.trim();
        let uri: Uri = raw
            .parse()
            .map_err(|_| AppError::validation("endpoint_url", format!("`{}` is not a URL", shown(raw))))?;
        let host = uri
            .host()
            .ok_or_else(|| AppError::validation("endpoint_url", "needs a host, e.g. https://monitoring.eu-west-1.amazonaws.com"))?
            .to_ascii_lowercase();
        if uri.path_and_query().is_some_and(|pq| pq.as_str() != "/" && !pq.as_str().is_empty()) {
            return Err(AppError::validation(
                "endpoint_url",
                "give the endpoint's origin only, without a path or query",
            ));
        }
        let loopback = host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1";
        if loopback {
            if !self.allow_loopback_endpoints {
                return Err(AppError::validation(
                    "endpoint_url",
                    "loopback endpoints are only allowed when WATCHPOST_AWS_ALLOW_LOOPBACK is set (for emulators in tests)",
                ));
            }
            if !matches!(uri.scheme_str(), Some("http") | Some("https")) {
                return Err(AppError::validation("endpoint_url", "use http:// or https://"));
            }
        } else {
            if uri.scheme_str() != Some("https") {
                return Err(AppError::validation("endpoint_url", "must use https://"));
            }
            if !self.endpoint_allowlist.iter().any(|p| glob_match(&p.to_ascii_lowercase(), &host)) {
                return Err(AppError::validation(
                    "endpoint_url",
                    format!(
                        "`{}` is not on the endpoint allowlist ({}); an operator can extend WATCHPOST_AWS_ENDPOINT_ALLOWLIST",
                        shown(&host),
                        self.endpoint_allowlist.join(", ")
                    ),
                ));
            }
        }
        Ok(raw.trim_end_matches('/').to_string())
    }

    pub fn check_role_arn(&self, raw: &str) -> AppResult<String> {
        let arn = raw.trim();
        let shaped = arn.len() <= 2048
            && arn.starts_with("arn:")
            && arn.split(':').count() == 6
            && arn.split(':').nth(5).is_some_and(|r| r.starts_with("role/") && r.len() > 5);
        if !shaped {
            return Err(AppError::validation(
                "role_arn",
                format!("`{}` is not a role ARN (arn:aws:iam::123456789012:role/name)", shown(arn)),
            ));
        }
        if !self.role_arn_patterns.iter().any(|p| glob_match(p, arn)) {
            return Err(AppError::validation(
                "role_arn",
                format!(
                    "`{}` does not match the allowed role patterns ({}); an operator can change WATCHPOST_AWS_ROLE_ARN_PATTERNS",
                    shown(arn),
                    self.role_arn_patterns.join(", ")
                ),
            ));
        }
        Ok(arn.to_string())
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`.
pub fn check_region(raw: &str) -> AppResult<String> {
    let r = raw.trim();
    let parts: Vec<&str> = r.split('-').collect();
    let ok = r.len() <= 30
        && parts.len() >= 3
        && parts[0].len() == 2
        && parts
            .iter()
            .take(parts.len() - 1)
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.last().is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(r.to_string())
    } else {
        Err(AppError::validation(
            "region",
            format!("`{}` is not an AWS region (e.g. us-east-1)", shown(r)),
        ))
    }
}

pub fn check_profile(raw: &str) -> AppResult<String> {
    let p = raw.trim();
    if !p.is_empty() && p.len() <= 64 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.+@".contains(&b)) {
        Ok(p.to_string())
    } else {
        Err(AppError::validation("profile", "use 1–64 letters, digits and _ - . + @"))
    }
}

pub fn check_access_key_id(raw: &str) -> AppResult<String> {
    let k = raw.trim();
    if (16..=128).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        Ok(k.to_string())
    } else {
        Err(AppError::validation(
            "access_key_id",
            "an access key id is 16–128 upper-case letters and digits (AKIA…)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn endpoints_are_https_on_the_allowlist() {
        let p = SourcePolicy::default();
        assert_eq!(
            p.check_endpoint("https://monitoring.eu-west-1.amazonaws.com/").as_deref(),
            Ok("https://monitoring.eu-west-1.amazonaws.com")
        );
        assert!(p.check_endpoint("https://vpce-1.logs.cn-north-1.amazonaws.com.cn").is_ok());
        for bad in [
            "http://monitoring.us-east-1.amazonaws.com",
            "https://evil.example.com",
            "https://amazonaws.com.evil.net",
            "https://169.254.169.254",
            "http://127.0.0.1:4566",
            "https://monitoring.us-east-1.amazonaws.com/path",
            "not a url",
            "",
        ] {
            assert!(p.check_endpoint(bad).is_err(), "{bad}");
        }
        let tests = SourcePolicy {
            allow_loopback_endpoints: true,
            ..SourcePolicy::default()
        };
        assert!(tests.check_endpoint("http://127.0.0.1:4566").is_ok());
        assert!(tests.check_endpoint("http://10.0.0.1:4566").is_err());
    }

    #[test]
    fn role_arns_match_the_pattern() {
        let p = SourcePolicy {
            role_arn_patterns: vec!["arn:aws:iam::123456789012:role/watchpost-*".into()],
            ..SourcePolicy::default()
        };
        assert!(p.check_role_arn("arn:aws:iam::123456789012:role/watchpost-read").is_ok());
        assert!(p.check_role_arn("arn:aws:iam::999999999999:role/watchpost-read").is_err());
        assert!(p.check_role_arn("arn:aws:iam::123456789012:user/watchpost-x").is_err());
        assert!(SourcePolicy::default().check_role_arn("arn:aws:iam::1:role/x").is_ok());
    }

    #[test]
    fn regions_profiles_keys() {
        for ok in ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1"] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        for bad in ["", "us-east", "US-EAST-1", "us_east_1", "1-2-3"] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
        assert!(check_profile("prod-readonly").is_ok());
        assert!(check_profile("a b").is_err());
        assert!(check_access_key_id("AKIAIOSFODNN7EXAMPLE").is_ok());
        assert!(check_access_key_id("akia").is_err());
    }

    proptest! {
        #[test]
        fn glob_agrees_with_a_regex(p in "[ab*]{0,6}", t in "[ab]{0,8}") {
            let re = format!("^{}$", p.replace('*', ".*"));
            let re = regex_lite_match(&re, &t);
            prop_assert_eq!(glob_match(&p, &t), re);
        }

        #[test]
        fn endpoint_check_never_panics(s in ".{0,80}") {
            let _ = SourcePolicy::default().check_endpoint(&s);
            let _ = SourcePolicy::default().check_role_arn(&s);
            let _ = check_region(&s);
        }
    }

    /// A reference matcher for `^[ab.*]*$`-style patterns by backtracking (independent of glob_match).
    fn regex_lite_match(re: &str, t: &str) -> bool {
        fn go(p: &[u8], t: &[u8]) -> bool {
            match p {
                [] => t.is_empty(),
                [b'.', b'*', rest @ ..] => (0..=t.len()).any(|i| go(rest, &t[i..])),
                [c, rest @ ..] => !t.is_empty() && t[0] == *c && go(rest, &t[1..]),
            }
        }
        let inner = re.trim_start_matches('^').trim_end_matches('$');
        go(inner.as_bytes(), t.as_bytes())
    }
}
