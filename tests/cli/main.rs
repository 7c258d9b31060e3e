//! Integration tests: the real binary against the moto emulator (see support.rs; run them
//! with scripts/test.sh). One test binary, split into modules by feature.

mod aws_semantics;
mod ci;
mod compare;
mod cost;
mod docs;
mod early;
mod errors;
mod faults;
mod get;
mod groups;
mod hostile;
mod hostile_data;
mod insights;
mod linkcost;
mod live;
mod lookup;
mod mistakes;
mod numbers;
mod pipes;
mod readonce;
mod realworld;
mod route;
mod shared;
mod stack;
mod support;
mod trace;
mod version;
mod watch;
