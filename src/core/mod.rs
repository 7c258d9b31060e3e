//! The bottom layer: the values every stage passes around and pure functions over them —
//! log groups, sources and events (`model`), TIME arguments and timestamps (`time`), ids
//! and facts read out of log lines (`extract`), number formatting (`numfmt`).
//!
//! May import: nothing from the crate (only std and outside crates).

pub mod extract;
pub mod model;
pub mod numfmt;
pub mod text;
pub mod time;
