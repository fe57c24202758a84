//! Typed identifiers: a `UserId` can never be passed where a `TokenId` is expected.

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::error::AppError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| crate::error::AppError::validation(stringify!($name), "is not a valid id"))
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                Self(id)
            }
        }
    };
}

uuid_id!(
    /// A person with an account.
    UserId
);
uuid_id!(
    /// A personal API token (never the secret itself).
    TokenId
);
uuid_id!(
    /// A public handle for a sign-in session, safe to show and to revoke by; the session's
    /// secret cookie value is never stored or shown.
    SessionHandle
);
uuid_id!(
    /// A dashboard stored in Watchpost.
    DashboardId
);
uuid_id!(
    /// A public read-only link to one dashboard (never its token).
    LinkId
);
