//! The bottom layer: the values every stage passes around and pure functions over them —
//! log groups, sources, events and the fetch counters (`model`), TIME arguments and
//! timestamps (`time`), ids and facts read out of log lines (`extract`), number formatting
//! (`numfmt`), text made safe for a terminal (`text`: here, not in `render`, because `ui`
//! prints AWS's text on stderr with the same escaping).
//!
//! May import: nothing from the crate (only std and outside crates).

pub mod extract;
pub mod model;
pub mod numfmt;
pub mod text;
pub mod time;
