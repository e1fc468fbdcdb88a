//! Cycle finding for `depends_on` and `needs`.

/// A directed graph on nodes `0..n`, each node's successors in the order
/// they were added (one list for all: a world's services are its nodes,
/// and most have none or one).
#[derive(Debug)]
pub struct Graph {
    /// Where each node's successors start in `edges`, and the end.
    starts: Vec<u32>,
    edges: Vec<u32>,
}

impl Default for Graph {
    fn default() -> Self {
        Graph::with_capacity(0)
    }
}

impl Graph {
    pub fn with_capacity(nodes: usize) -> Self {
        let mut starts = Vec::with_capacity(nodes + 1);
        starts.push(0);
        Graph {
            starts,
            edges: Vec::new(),
        }
    }

    /// Adds the next node (numbered in the order added) and its successors.
    pub fn add(&mut self, successors: impl IntoIterator<Item = usize>) {
        successors.into_iter().for_each(|s| self.edge(s));
        self.close();
    }

    /// A successor of the node being added.
    pub fn edge(&mut self, to: usize) {
        self.edges.push(index(to));
    }

    /// Ends the node being added: the next edge is the next node's.
    pub fn close(&mut self) {
        self.starts.push(index(self.edges.len()));
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn successors(&self, node: usize) -> &[u32] {
        &self.edges[self.starts[node] as usize..self.starts[node + 1] as usize]
    }

    /// The cycles, each reported once, as the node list from the first
    /// member a depth-first walk in node order reaches back to itself.
    /// The walk keeps its own stack: a chain of services as long as the
    /// stack is large goes as deep.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        const NEW: u32 = u32::MAX;
        const DONE: u32 = u32::MAX - 1;
        // Per node: NEW, DONE, or its position on the path being walked.
        let mut state = vec![NEW; self.len()];
        // The path: each node with the position of its next successor.
        let mut path: Vec<(usize, usize)> = Vec::new();
        let mut out = Vec::new();
        for start in 0..self.len() {
            if state[start] != NEW {
                continue;
            }
            state[start] = 0;
            path.push((start, 0));
            while let Some(top) = path.last_mut() {
                let node = top.0;
                let Some(&succ) = self.successors(node).get(top.1) else {
                    state[node] = DONE;
                    path.pop();
                    continue;
                };
                top.1 += 1;
                let succ = succ as usize;
                match state[succ] {
                    NEW => {
                        state[succ] = index(path.len());
                        path.push((succ, 0));
                    }
                    DONE => {}
                    on_path => {
                        let from = on_path as usize;
                        let mut cycle: Vec<usize> = path[from..].iter().map(|&(n, _)| n).collect();
                        cycle.push(succ);
                        out.push(cycle);
                    }
                }
            }
        }
        out
    }
}

/// A node or edge count as stored (a graph of more than four billion
/// nodes is not a stack).
fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX - 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(succ: &[&[usize]]) -> Graph {
        let mut g = Graph::with_capacity(succ.len());
        for s in succ {
            g.add(s.iter().copied());
        }
        g
    }

    #[test]
    fn finds_cycles() {
        // a → b → c → a, d → d
        let g = graph(&[&[1], &[2], &[0], &[3]]);
        assert_eq!(g.cycles(), vec![vec![0, 1, 2, 0], vec![3, 3]]);
    }

    #[test]
    fn a_cycle_is_reported_from_where_the_walk_meets_it() {
        // e → a → b → a: the cycle is a, b, a (e is not in it); f reaches
        // it again after it is done, and nothing more is reported.
        let g = graph(&[&[1], &[0], &[], &[], &[0], &[0]]);
        assert_eq!(g.cycles(), vec![vec![0, 1, 0]]);
        let g = graph(&[&[1], &[2], &[1], &[], &[0]]);
        assert_eq!(g.cycles(), vec![vec![1, 2, 1]]);
    }

    #[test]
    fn every_cycle_through_a_node_on_the_path_is_reported() {
        // a → b, a → c, b → a, c → a: two cycles closing at a.
        let g = graph(&[&[1, 2], &[0], &[0]]);
        assert_eq!(g.cycles(), vec![vec![0, 1, 0], vec![0, 2, 0]]);
    }

    #[test]
    fn a_long_chain_does_not_exhaust_the_stack() {
        let n = 1_000_000;
        let mut g = Graph::with_capacity(n);
        for i in 0..n {
            g.add((i + 1 < n).then_some(i + 1));
        }
        assert!(g.cycles().is_empty());
        let mut g = Graph::with_capacity(n);
        for i in 0..n {
            g.add([(i + 1) % n]);
        }
        let cycles = g.cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].len(), n + 1);
    }
}
