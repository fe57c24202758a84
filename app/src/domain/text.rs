//! Validated text newtypes: a value of one of these types has passed its parser, whether it came
//! from a form, from JSON on the wire (serde goes through the same parser) or from the database
//! (which only ever holds values that were parsed on the way in).

/// Declares `pub struct $name(String)` with a private field, parsed by `$check` (which returns
/// the normalised text or a message for the person who typed it). `$field` names the input in
/// validation errors.
macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident, $field:literal, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            fn check(raw: &str) -> Result<String, String> {
                let check: fn(&str) -> Result<String, String> = $check;
                check(raw)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::error::AppError;
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Self::check(raw)
                    .map(Self)
                    .map_err(|message| crate::error::AppError::validation($field, message))
            }
        }

        impl TryFrom<String> for $name {
            type Error = crate::error::AppError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                raw.parse()
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use text_newtype;
