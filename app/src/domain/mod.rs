//! Types shared by browser and server. They are parsed from raw input once (parse, don't
//! validate) and carried around as values that cannot be wrong.

mod text;

pub mod audit;
pub mod connection;
pub mod dashboard;
pub mod explorer;
pub mod ids;
pub mod link;
pub mod time_range;
pub mod usage;
pub mod user;
pub mod variables;
pub mod widget;

pub use audit::AuditAction;
pub use connection::{ConnectionDetail, ConnectionId, ConnectionKind, ConnectionSettings};
pub use ids::{DashboardId, LinkId, SessionHandle, TokenId, UserId};
pub use time_range::{TimePoint, TimeRange, Zone};
pub use user::{CurrentUser, DisplayName, Email, NewPassword, Role, TokenName};
