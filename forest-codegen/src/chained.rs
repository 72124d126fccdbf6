//! Lowering a model to `forest-core`'s chained layout ([`forest_core::chained`]).
//!
//! Subtrees whose leaves all vote for one class become that leaf. The trees
//! are dealt round-robin into [`LANES`] lanes. Each lane starts with a copy
//! of its first tree's root record, then each of its trees is laid out in
//! blocks of three levels (breadth first within a block, see `PairOrder`):
//! every decision node gets a pair of consecutive entries for
//! its children (false child, then true child). A child that is a node is
//! that node's record; a child that is a leaf is a *continuation*: a copy of
//! the root record of the lane's next tree (skipping single-leaf trees), or
//! after the lane's last tree an entry that only moves on to the terminal,
//! with the leaf's vote (and those of the skipped trees) added to its
//! offset. The tables are then padded to a power of two whose last entry is
//! the terminal.

use crate::artifact::{Model, Node};
use crate::{CodegenError, PairOrder, single_class};
use forest_core::chained::{LANES, vote_bits};
use forest_core::packed::key;
use std::collections::HashMap;

/// A model lowered to the chained layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedTables {
    /// Features a row must have.
    pub n_features: usize,
    /// Original label of each class index.
    pub labels: Vec<i64>,
    /// Trees of the model.
    pub n_trees: usize,
    /// Each lane's first entry (the terminal for a lane without a tree).
    pub starts: Vec<u32>,
    /// Per entry: the record the walker reads, `key << 32 | delta`.
    pub records: Vec<u64>,
    /// Per entry: the feature it reads (0 for one that only moves on).
    pub columns: Vec<u8>,
    /// Per entry: the record's key, `key(threshold) + 1`, or 0 for an entry
    /// that only moves on.
    pub keys: Vec<u32>,
    /// Per entry: the record's delta, the offset of its false child (its
    /// true child is one further) plus its votes above the index bits; 0 for
    /// the terminal.
    pub deltas: Vec<u32>,
    /// Bits of each class's vote counter.
    pub vote_bits: u32,
    /// Entries before the padding: lane starts, decision nodes' records and
    /// leaves' continuations.
    pub stored: usize,
    /// Decision nodes of the trained model (before folding).
    pub trained_nodes: usize,
}

/// Where an entry's false child is, before the entry count is known.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// The children pair of decision node `node` of tree `tree`.
    Pair { tree: usize, node: usize },
    /// The terminal.
    Terminal,
}

/// An entry before its offset is resolved.
#[derive(Clone, Debug)]
struct Entry {
    key: u32,
    column: u8,
    to: Target,
    /// Classes voted for when stepping from this entry.
    votes: Vec<u32>,
}

impl ChainedTables {
    /// Lowers a model to the chained layout.
    ///
    /// # Errors
    ///
    /// [`CodegenError::Model`] for an invalid model,
    /// [`CodegenError::ChainedDoesNotFit`] for more than 256 features, or
    /// when the entry index and the classes' vote counters do not fit 32
    /// bits.
    pub fn from_model(model: &Model) -> Result<ChainedTables, CodegenError> {
        model.validate().map_err(CodegenError::Model)?;
        let n_features = model.n_features();
        let n_classes = model.n_classes();
        let n_trees = model.trees.len();
        let trained_nodes = model.n_decision_nodes();
        let folded: Vec<Vec<Option<u32>>> =
            model.trees.iter().map(|t| single_class(&t.nodes)).collect();
        let root_record = |tree: usize, votes: Vec<u32>| -> Entry {
            match model.trees[tree].nodes[0] {
                Node::Split {
                    feature, threshold, ..
                } => Entry {
                    key: key(threshold) + 1,
                    column: feature as u8,
                    to: Target::Pair { tree, node: 0 },
                    votes,
                },
                Node::Leaf { .. } => unreachable!("a folded root is skipped"),
            }
        };

        let mut entries: Vec<Entry> = Vec::new();
        // Entry index of each lane start (`None`: the terminal).
        let mut starts: Vec<Option<usize>> = Vec::with_capacity(LANES);
        let mut pairs: HashMap<(usize, usize), usize> = HashMap::new();
        for lane in 0..LANES {
            let trees: Vec<usize> = (lane..n_trees).step_by(LANES).collect();
            // The entry that continues the lane after its `k`-th tree (or
            // from its start, for `k = None`) with `votes`: a copy of the
            // next decision tree's root, or a move to the terminal; the votes
            // of single-leaf trees on the way are added.
            let continuation = |after: Option<usize>, mut votes: Vec<u32>| -> Entry {
                let first = after.map_or(0, |k| k + 1);
                for &tree in &trees[first.min(trees.len())..] {
                    match folded[tree][0] {
                        Some(class) => votes.push(class),
                        None => return root_record(tree, votes),
                    }
                }
                Entry {
                    key: 0,
                    column: 0,
                    to: Target::Terminal,
                    votes,
                }
            };
            if trees.is_empty() {
                starts.push(None);
                continue;
            }
            starts.push(Some(entries.len()));
            entries.push(continuation(None, Vec::new()));
            for (k, &tree) in trees.iter().enumerate() {
                let nodes = &model.trees[tree].nodes;
                let single = &folded[tree];
                if single[0].is_some() {
                    continue;
                }
                let mut order = PairOrder::new(0usize);
                while let Some((node, level)) = order.next() {
                    let Node::Split { left, right, .. } = nodes[node] else {
                        continue;
                    };
                    pairs.insert((tree, node), entries.len());
                    for child in [right as usize, left as usize] {
                        match (single[child], nodes[child]) {
                            (Some(class), _) => entries.push(continuation(Some(k), vec![class])),
                            (
                                None,
                                Node::Split {
                                    feature, threshold, ..
                                },
                            ) => {
                                order.push(child, level);
                                entries.push(Entry {
                                    key: key(threshold) + 1,
                                    column: feature as u8,
                                    to: Target::Pair { tree, node: child },
                                    votes: Vec::new(),
                                });
                            }
                            (None, Node::Leaf { .. }) => unreachable!("a leaf is single-class"),
                        }
                    }
                }
            }
        }

        let stored = entries.len();
        let n = (stored + 1).next_power_of_two().max(2);
        let shift = n.trailing_zeros();
        let bits = vote_bits(n_trees, LANES);
        let counters = n_classes.saturating_sub(1) as u64;
        if n_features > 256 || shift >= 32 || u64::from(shift) + counters * u64::from(bits) > 32 {
            return Err(CodegenError::ChainedDoesNotFit {
                features: n_features,
                classes: n_classes,
                entries: n,
            });
        }
        let terminal = n - 1;
        let vote = |class: u32| -> u32 {
            match class {
                0 => 0,
                c => 1 << (shift + (c - 1) * bits),
            }
        };
        let mut keys = Vec::with_capacity(n);
        let mut columns = Vec::with_capacity(n);
        let mut deltas = Vec::with_capacity(n);
        for (j, e) in entries.iter().enumerate() {
            let to = match e.to {
                Target::Pair { tree, node } => pairs[&(tree, node)],
                Target::Terminal => terminal,
            };
            // A lane holds fewer than `2^bits` trees, so no counter overflows
            // into the next; `to - j < 2^shift`.
            let votes: u32 = e.votes.iter().map(|&c| vote(c)).sum();
            keys.push(e.key);
            columns.push(e.column);
            deltas.push((to - j) as u32 + votes);
        }
        // Padding moves on to the terminal, a self-loop.
        for j in stored..terminal {
            keys.push(0);
            columns.push(0);
            deltas.push((terminal - j) as u32);
        }
        keys.push(0);
        columns.push(0);
        deltas.push(0);
        Ok(ChainedTables {
            n_features,
            labels: model.class_labels.clone(),
            n_trees,
            starts: starts
                .into_iter()
                .map(|s| s.unwrap_or(terminal) as u32)
                .collect(),
            records: keys
                .iter()
                .zip(&deltas)
                .map(|(&k, &d)| u64::from(k) << 32 | u64::from(d))
                .collect(),
            keys,
            columns,
            deltas,
            vote_bits: bits,
            stored,
            trained_nodes,
        })
    }

    /// The entry count [`ChainedTables::from_model`] gives `model` (0 for an
    /// invalid model), without lowering it: two entries per decision node
    /// (its children), one start per lane with a tree, the terminal, rounded
    /// up to a power of two.
    #[must_use]
    pub fn entries_for(model: &Model) -> usize {
        if model.validate().is_err() {
            return 0;
        }
        let nodes: usize = model
            .trees
            .iter()
            .map(|t| {
                single_class(&t.nodes)
                    .iter()
                    .filter(|s| s.is_none())
                    .count()
            })
            .sum();
        let records = 2 * nodes + model.trees.len().min(LANES);
        (records + 1).next_power_of_two().max(2)
    }

    /// Number of entries: a power of two (records, padding, the terminal).
    #[must_use]
    pub fn n_entries(&self) -> usize {
        self.keys.len()
    }

    /// Entries that make a decision: decision nodes, and root copies.
    #[must_use]
    pub fn decision_entries(&self) -> usize {
        self.keys.iter().filter(|&&k| k != 0).count()
    }

    /// The column type's width: the key-row length, a power of two of at
    /// least 2 (an enum `ColumnN` up to 128, else `u8`'s 256).
    #[must_use]
    pub fn column_width(&self) -> usize {
        self.n_features.next_power_of_two().max(2)
    }

    /// Total bytes of table data: records, columns and starts.
    #[must_use]
    pub fn table_bytes(&self) -> usize {
        9 * self.n_entries() + 4 * self.starts.len()
    }

    /// The tables as a validated run-time [`forest_core::Chained`].
    ///
    /// # Errors
    ///
    /// The first invariant `forest-core` finds broken (never for tables made
    /// by [`ChainedTables::from_model`]).
    pub fn forest(&self) -> Result<forest_core::Chained<'_>, forest_core::Error> {
        forest_core::Chained::<u8>::new(
            self.n_features,
            &self.labels,
            self.n_trees,
            &self.starts,
            &self.records,
            &self.columns,
            self.vote_bits,
        )
    }
}
