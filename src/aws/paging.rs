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

/// The pages of one listing (API Gateway's GetResources, GetAuthorizers, GetRoutes,
/// GetIntegrations, GetRestApis, GetApis, …), for a `while let` loop that does its own call:
///
/// ```ignore
/// let mut pages = Pages::new("the routes of API x");
/// while let Some(token) = pages.next_page() {
///     let out = client.get_routes().set_next_token(token).send().await?;
///     // … use out.items() …
///     pages.turn(out.next_token());
/// }
/// ```
///
/// The first call is made without a token; the listing ends when a page hands back no
/// token, an empty one, or one it gave before ([`PageGuard::next`], with its warning).
#[derive(Debug)]
pub struct Pages {
    what: String,
    guard: PageGuard,
    token: Option<String>,
    first: bool,
}

impl Pages {
    /// `what` names the listing in the warning about a repeated token.
    pub fn new(what: impl Into<String>) -> Pages {
        Pages {
            what: what.into(),
            guard: PageGuard::default(),
            token: None,
            first: true,
        }
    }

    /// The token to send for the next page (`Some(None)` for the first), or `None` when
    /// the listing is over.
    pub fn next_page(&mut self) -> Option<Option<String>> {
        if std::mem::take(&mut self.first) {
            return Some(None);
        }
        self.token.take().map(Some)
    }

    /// After a page: the token it handed back.
    pub fn turn(&mut self, token: Option<&str>) {
        self.token = self.guard.next(token, &self.what);
    }

    /// Whether another page follows (after [`Pages::turn`]).
    pub fn more(&self) -> bool {
        self.token.is_some()
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

    #[test]
    fn pages_start_without_a_token_and_end_at_a_repeat() {
        let mut p = Pages::new("x");
        assert_eq!(p.next_page(), Some(None));
        p.turn(Some("A"));
        assert!(p.more());
        assert_eq!(p.next_page(), Some(Some("A".to_string())));
        p.turn(Some("B"));
        assert_eq!(p.next_page(), Some(Some("B".to_string())));
        p.turn(Some("A"));
        assert!(!p.more());
        assert_eq!(p.next_page(), None);
        let mut p = Pages::new("x");
        assert_eq!(p.next_page(), Some(None));
        p.turn(Some(""));
        assert_eq!(p.next_page(), None);
    }
}
