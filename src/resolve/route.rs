//! Route templates as API Gateway writes them (`GET /users/{id}`, `ANY /v2/{proxy+}`,
//! `$default`) and the concrete requests that match them. Pure.

/// The route a concrete `METHOD /path` belongs to among `routes` (`GET /users/{id}`,
/// `ANY /v2/{proxy+}`, `$default`): exact paths first, then the template with the most
/// literal segments. `None` when no route matches (or the route is already a template).
pub fn match_route(routes: &[String], concrete: &str) -> Option<String> {
    let (method, path) = concrete.split_once(' ')?;
    if path.contains('{') || routes.is_empty() {
        return None;
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(usize, &String)> = None;
    for r in routes {
        let Some((m, t)) = r.split_once(' ') else {
            continue;
        };
        if m != method && m != "ANY" {
            continue;
        }
        let tsegs: Vec<&str> = t.trim_matches('/').split('/').collect();
        let mut literal = 0;
        let mut ok = true;
        for (i, ts) in tsegs.iter().enumerate() {
            if ts.ends_with("+}") {
                // A greedy variable takes the rest (at least one segment).
                ok = segs.len() > i && !segs[i].is_empty();
                break;
            }
            match segs.get(i) {
                Some(s) if ts.starts_with('{') && !s.is_empty() => {}
                Some(s) if s == ts => literal += 1,
                _ => {
                    ok = false;
                    break;
                }
            }
            if i + 1 == tsegs.len() && segs.len() != tsegs.len() {
                ok = false;
            }
        }
        // Exact method beats ANY.
        let score = literal * 2 + usize::from(m == method);
        if ok && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, r));
        }
    }
    best.map(|(_, r)| r.clone())
}
