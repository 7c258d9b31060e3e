//! Everything apitrace writes to stderr: errors with hints and the exit-code contract,
//! warnings and notes (`error`), the progress line (`progress`); and what the terminal is
//! asked before anything is written (`term`: ANSI on a Windows console).
//!
//! May import: `core` only.

pub mod error;
pub mod progress;
pub mod term;
