//! Every byte written to stdout: events as text lines or JSON Lines (`output`), tables
//! (`table`), a traced request's summary, JSON object and console links (`trace`, `links`),
//! a failing request's line (`errors`), `compare`'s tables (`compare`). Rendering reads structured values (a trace's
//! statuses), never text it rendered itself.
//!
//! May import: `analyze`, `follow`, `fetch`, `merge`, `resolve`, `aws`, `config`, `cli`, `ui`, `core`.

pub mod compare;
pub mod errors;
pub mod links;
pub mod output;
pub mod table;
pub mod trace;
