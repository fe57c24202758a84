//! Reusable pieces of the UI: props in, view out.

pub mod connection_picker;
pub mod error_view;
pub mod feedback;
pub mod shell;
pub mod shell_state;
pub mod time_keys;
pub mod time_picker;

pub use error_view::ErrorView;
pub use feedback::{done, loaded, outcome, time_or_never, PageHeader, Timestamp};
pub use shell::ShellLayout;
pub use shell_state::ShellState;
