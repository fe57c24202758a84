//! Reusable pieces of the UI: props in, view out.

pub mod connection_picker;
pub mod error_view;
pub mod shell;
pub mod time_picker;

pub use error_view::ErrorView;
pub use shell::Shell;
