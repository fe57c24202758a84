//! Role session names: `watchpost-<principal>`, so CloudTrail shows which user asked.

/// Longest role session name STS accepts.
pub const MAX_SESSION_NAME: usize = 64;
const PREFIX: &str = "watchpost-";

/// `watchpost-<principal>` with every character outside AWS's `[\w+=,.@-]` replaced by `_`,
/// cut to 64 characters.
pub fn role_session_name(principal: &str) -> String {
    let mut name = String::with_capacity(MAX_SESSION_NAME);
    name.push_str(PREFIX);
    for c in principal.chars() {
        if name.len() >= MAX_SESSION_NAME {
            break;
        }
        name.push(if allowed(c) { c } else { '_' });
    }
    name
}

/// STS's `[\w+=,.@-]`, `\w` being ASCII letters, digits and `_`.
pub fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_pass_through() {
        assert_eq!(role_session_name("ana@example.com"), "watchpost-ana@example.com");
        assert_eq!(role_session_name("watchpost"), "watchpost-watchpost");
        assert_eq!(role_session_name(""), "watchpost-");
    }

    #[test]
    fn others_are_replaced_and_long_ones_cut() {
        assert_eq!(role_session_name("Zoë Smith/ops"), "watchpost-Zo__Smith_ops");
        let long = "a".repeat(100);
        assert_eq!(role_session_name(&long), format!("watchpost-{}", "a".repeat(54)));
    }

    proptest! {
        #[test]
        fn always_valid(principal in any::<String>()) {
            let name = role_session_name(&principal);
            prop_assert!(name.starts_with(PREFIX));
            prop_assert!(name.len() >= 2 && name.len() <= MAX_SESSION_NAME, "{} chars", name.len());
            prop_assert!(name.chars().all(allowed), "{name:?}");
        }

        #[test]
        fn keeps_what_is_allowed(principal in "[A-Za-z0-9_+=,.@-]{0,54}") {
            prop_assert_eq!(role_session_name(&principal), format!("{PREFIX}{principal}"));
        }

        #[test]
        fn one_character_per_character(principal in any::<String>()) {
            // Each input character becomes exactly one output character, in order, until the cap.
            let name = role_session_name(&principal);
            let body: Vec<char> = name[PREFIX.len()..].chars().collect();
            let expected: Vec<char> = principal.chars().take(MAX_SESSION_NAME - PREFIX.len()).collect();
            prop_assert_eq!(body.len(), expected.len());
            for (got, want) in body.iter().zip(&expected) {
                let expected = if allowed(*want) { *want } else { '_' };
                prop_assert_eq!(*got, expected);
            }
        }
    }
}
