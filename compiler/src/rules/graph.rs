//! Cycle finding for `depends_on` and `needs`.

use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// Node → successors, in insertion order (FxHash: a world's services are
/// its nodes, and every edge is looked up).
pub type Graph = IndexMap<String, Vec<String>, FxBuildHasher>;

/// The cycles of a directed graph (node → successors), each reported once,
/// as the node list from its smallest-index member back to itself.
pub fn cycles<S: BuildHasher>(graph: &IndexMap<String, Vec<String>, S>) -> Vec<Vec<String>> {
    let mut state: IndexMap<&str, u8, FxBuildHasher> =
        graph.keys().map(|k| (k.as_str(), 0u8)).collect();
    let mut out = Vec::new();
    let mut path: Vec<&str> = Vec::new();
    for start in graph.keys() {
        if state[start.as_str()] == 0 {
            visit(graph, start, &mut state, &mut path, &mut out);
        }
    }
    out
}

fn visit<'g, S: BuildHasher>(
    graph: &'g IndexMap<String, Vec<String>, S>,
    node: &'g str,
    state: &mut IndexMap<&'g str, u8, FxBuildHasher>,
    path: &mut Vec<&'g str>,
    out: &mut Vec<Vec<String>>,
) {
    state.insert(node, 1);
    path.push(node);
    for next in graph.get(node).into_iter().flatten() {
        match state.get(next.as_str()).copied() {
            Some(0) => visit(graph, next, state, path, out),
            Some(1) => {
                let from = path.iter().position(|n| *n == next.as_str()).unwrap_or(0);
                let mut cycle: Vec<String> = path[from..].iter().map(|s| s.to_string()).collect();
                cycle.push(next.clone());
                out.push(cycle);
            }
            _ => {}
        }
    }
    path.pop();
    state.insert(node, 2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cycles() {
        let mut g = IndexMap::new();
        g.insert("a".to_string(), vec!["b".to_string()]);
        g.insert("b".to_string(), vec!["c".to_string()]);
        g.insert("c".to_string(), vec!["a".to_string()]);
        g.insert("d".to_string(), vec!["d".to_string()]);
        let c = cycles(&g);
        assert_eq!(c, vec![vec!["a", "b", "c", "a"], vec!["d", "d"]]);
    }
}
