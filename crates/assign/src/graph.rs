//! The network as compact forward and backward stars (CSR) over 0-based node and link
//! numbers. Links keep the order they were given in, so results map back to the input rows.

use crate::error::Error;

/// Node and link numbers are 0-based `u32`; `NONE` marks "no link" in predecessor arrays.
pub const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub struct Graph {
    nodes: usize,
    zones: usize,
    /// Nodes below this number are zones that paths may start or end at but not pass through
    /// (TNTP's `<FIRST THRU NODE>`, made 0-based).
    first_thru: usize,
    from: Vec<u32>,
    to: Vec<u32>,
    out_start: Vec<u32>,
    out_links: Vec<u32>,
    in_start: Vec<u32>,
    in_links: Vec<u32>,
}

impl Graph {
    /// `links` are (from, to) pairs of 0-based node numbers; zones are nodes `0..zones`.
    pub fn new(
        nodes: usize,
        zones: usize,
        first_thru: usize,
        links: &[(u32, u32)],
    ) -> Result<Graph, Error> {
        if zones > nodes {
            return Err(Error::Invalid(format!(
                "{zones} zones but only {nodes} nodes"
            )));
        }
        if nodes >= NONE as usize || links.len() >= NONE as usize {
            return Err(Error::Invalid("too many nodes or links".into()));
        }
        if let Some((i, (f, t))) = links
            .iter()
            .enumerate()
            .find(|(_, (f, t))| *f as usize >= nodes || *t as usize >= nodes)
        {
            return Err(Error::Invalid(format!(
                "link {} joins nodes {f} and {t}, but there are {nodes} nodes",
                i + 1
            )));
        }
        let from: Vec<u32> = links.iter().map(|l| l.0).collect();
        let to: Vec<u32> = links.iter().map(|l| l.1).collect();
        let (out_start, out_links) = star(nodes, &from);
        let (in_start, in_links) = star(nodes, &to);
        Ok(Graph {
            nodes,
            zones,
            first_thru: first_thru.min(zones),
            from,
            to,
            out_start,
            out_links,
            in_start,
            in_links,
        })
    }

    pub fn nodes(&self) -> usize {
        self.nodes
    }

    pub fn links(&self) -> usize {
        self.from.len()
    }

    pub fn zones(&self) -> usize {
        self.zones
    }

    pub fn first_thru(&self) -> usize {
        self.first_thru
    }

    #[inline]
    pub fn from(&self, link: u32) -> u32 {
        self.from[link as usize]
    }

    #[inline]
    pub fn to(&self, link: u32) -> u32 {
        self.to[link as usize]
    }

    /// Links leaving `node`.
    #[inline]
    pub fn outgoing(&self, node: u32) -> &[u32] {
        let n = node as usize;
        &self.out_links[self.out_start[n] as usize..self.out_start[n + 1] as usize]
    }

    /// Links entering `node`.
    #[inline]
    pub fn incoming(&self, node: u32) -> &[u32] {
        let n = node as usize;
        &self.in_links[self.in_start[n] as usize..self.in_start[n + 1] as usize]
    }

    /// Whether a path that starts at `origin` may continue out of `node`.
    #[inline]
    pub fn passable(&self, node: u32, origin: u32) -> bool {
        node == origin || node as usize >= self.first_thru
    }
}

/// Groups link numbers by `key[link]`: returns (start offsets per node, links).
fn star(nodes: usize, key: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; nodes + 1];
    for &k in key {
        start[k as usize + 1] += 1;
    }
    for i in 0..nodes {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut links = vec![0u32; key.len()];
    for (link, &k) in key.iter().enumerate() {
        links[fill[k as usize] as usize] = link as u32;
        fill[k as usize] += 1;
    }
    (start, links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_list_each_link_once_each_way() -> Result<(), Error> {
        let g = Graph::new(3, 1, 0, &[(0, 1), (1, 2), (0, 2), (2, 0)])?;
        assert_eq!(g.outgoing(0), &[0, 2]);
        assert_eq!(g.incoming(2), &[1, 2]);
        assert_eq!(g.incoming(0), &[3]);
        assert!(Graph::new(2, 1, 0, &[(0, 5)]).is_err());
        Ok(())
    }
}
