//! Computations over fetched events: following one request into its Lambda invocations
//! (`trace`), linking many failing requests at once (`link`), finding the failures of a
//! window (`failures`), summary statistics (`summary`). They read logs through `fetch`.
//!
//! May import: `follow`, `fetch`, `merge`, `resolve`, `aws`, `config`, `cli`, `ui`, `core`.

pub mod failures;
pub mod link;
pub mod summary;
pub mod trace;
