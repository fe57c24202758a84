//! Types shared by browser and server. They are parsed from raw input once (parse, don't
//! validate) and carried around as values that cannot be wrong.

pub mod ids;
pub mod time_range;
pub mod user;

pub use ids::{SessionHandle, TokenId, UserId};
pub use time_range::{TimePoint, TimeRange, Zone};
pub use user::{Email, Role};
