//! One guard for every paging loop (#16): a service that hands back a page token it gave
//! before (A→B→A, or A→A) would make a loop that follows tokens until they run out go on
//! forever, fetching and printing the same pages again. Each loop keeps a [`PageGuard`]
//! and asks it about every token before following it.
//!
//! - Listings (API Gateway's GetResources, GetAuthorizers, GetRoutes, GetIntegrations,
//!   GetRestApis, GetApis; DescribeLogGroups) stop at the repeated token with a warning
//!   ([`PageGuard::next`]): what was listed so far is used.
//! - FilterLogEvents chains (`fetch/`, `watch.rs`) ask [`PageGuard::fresh`] and, on a
//!   cycle, read on from the newest event instead of following it (a new query, with
//!   new tokens); they give up, failing the group with a warning, only when that makes
//!   no progress.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use crate::ui::error::warn;

/// The tokens one paging loop was given (hashed: a chain of FilterLogEvents pages can be
/// long, and tokens are a few hundred bytes).
#[derive(Debug, Default)]
pub struct PageGuard {
    seen: HashSet<u64>,
}

impl PageGuard {
    /// Whether `token` is new to this loop (it is remembered).
    pub fn fresh(&mut self, token: &str) -> bool {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        token.hash(&mut h);
        self.seen.insert(h.finish())
    }

    /// The token for the next page of a listing: `None` at the end (no token, or an
    /// empty one), or when the service handed back a token it gave before — then with one
    /// warning naming `what` (e.g. "the resources of REST API x"), since the listing
    /// would never end.
    pub fn next(&mut self, token: Option<&str>, what: &str) -> Option<String> {
        let t = token.filter(|t| !t.is_empty())?;
        if self.fresh(t) {
            return Some(t.to_string());
        }
        warn(format!(
            "listing {what}: the service handed back a page token it had already given \
             (a cycle); stopped there, the list may be incomplete"
        ));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_given_before_ends_a_listing() {
        let mut g = PageGuard::default();
        assert_eq!(g.next(Some("A"), "x").as_deref(), Some("A"));
        assert_eq!(g.next(Some("B"), "x").as_deref(), Some("B"));
        assert_eq!(g.next(Some("A"), "x"), None, "A→B→A is a cycle");
        let mut g = PageGuard::default();
        assert_eq!(g.next(Some(""), "x"), None);
        assert_eq!(g.next(None, "x"), None);
        assert!(g.fresh("C") && !g.fresh("C"));
    }
}
