//! The demo world (being built).
