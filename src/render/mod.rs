//! Every byte written to stdout: events as text lines or JSON Lines (`output`), links into
//! the CloudWatch console (`links`).
//!
//! May import: `analyze`, `follow`, `fetch`, `merge`, `resolve`, `aws`, `config`, `cli`, `ui`, `core`.

pub mod errors;
pub mod links;
pub mod output;
pub mod table;
pub mod trace;
