//! `get --watch` (`watch`: pollers and the orderer) and `get --live` (`live`: Live Tail
//! sessions).
//!
//! May import: `fetch`, `merge`, `resolve`, `aws`, `config`, `cli`, `ui`, `core`.

pub mod live;
pub mod watch;
