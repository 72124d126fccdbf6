//! Lowering a model to `forest-core`'s sibling layout ([`forest_core::sibling`]).
//!
//! Subtrees whose leaves all vote for one class become that leaf. Each tree
//! is then laid out from its root in blocks of three levels (breadth first
//! within a block, see `PairOrder`): a node with a node child
//! gets a pair of consecutive records for its children (false child, then
//! true child), a leaf in such a pair becoming a *forwarding* record to the
//! leaf's slot; a node with two leaf children points straight at a pair of
//! adjacent leaf slots. The leaf-slot sequence is shared by the whole forest
//! and built so that every such pair of classes is adjacent somewhere in it,
//! and every class the forest needs on its own appears in it.

use crate::artifact::{Model, Node};
use crate::{CodegenError, PairOrder, Width, single_class};
use forest_core::packed::key;
use forest_core::sibling::{MAX_LEAF_SLOTS, leaf_base};
use std::collections::{BTreeMap, BTreeSet};

/// A model lowered to the sibling layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiblingTables {
    /// Features a row must have.
    pub n_features: usize,
    /// Original label of each class index.
    pub labels: Vec<i64>,
    /// Root reference of each tree, in the model's order: a record, or a
    /// leaf slot (`leaf_base + slot`).
    pub roots: Vec<u32>,
    /// Records: decision nodes and forwarding records. The per-entry
    /// tables hold them, then padding up to the leaf base, then one sink per
    /// leaf slot (key, column and delta 0: a self-loop).
    pub n_nodes: usize,
    /// Per entry: `key(threshold) + 1`, or 0 for a forwarding record or a
    /// sink.
    pub keys: Vec<u32>,
    /// Per entry: the feature it reads (0 for a forwarding record or a sink).
    pub columns: Vec<u8>,
    /// Per entry: the offset of its false child (its true child is one
    /// further); 0 for a sink.
    pub deltas: Vec<u32>,
    /// The class of each leaf slot.
    pub slots: Vec<u8>,
    /// Forwarding records (one per leaf paired with a node).
    pub forwards: usize,
    /// Decision nodes of the trained model (before folding).
    pub trained_nodes: usize,
}

/// Where a child reference points before the record count is known.
#[derive(Clone, Copy, Debug)]
enum Target {
    Record(usize),
    Slot(usize),
}

/// A record before its references are resolved.
#[derive(Clone, Copy, Debug)]
struct Record {
    key: u32,
    column: u8,
    right: Target,
}

/// The leaf-slot sequence: every `(false class, true class)` pair adjacent
/// (in that order) at least once, then every class of `singles` it does not
/// hold yet. Two classes get `0, 1` and, if `(1, 0)` is needed, another `0`:
/// alternating slots, which the walker counts by the reference's low bit.
/// Otherwise the pairs are the edges of a directed graph, walked in trails:
/// each trail starts where more needed edges leave than arrive (where a
/// trail must start) if there is such a class, and follows unused edges
/// until none is left at its end; a trail that starts at the sequence's
/// last class continues it.
fn slot_sequence(n_classes: usize, pairs: &BTreeSet<(u8, u8)>, singles: &BTreeSet<u8>) -> Vec<u8> {
    if n_classes == 2 {
        return if pairs.contains(&(1, 0)) {
            vec![0, 1, 0]
        } else {
            vec![0, 1]
        };
    }
    let mut left = pairs.clone();
    let mut seq: Vec<u8> = Vec::new();
    while let Some(&(first, _)) = left.first() {
        let surplus = |c: u8, left: &BTreeSet<(u8, u8)>| {
            let out = left.iter().filter(|e| e.0 == c).count();
            let inn = left.iter().filter(|e| e.1 == c).count();
            out > inn
        };
        let start = left
            .iter()
            .map(|e| e.0)
            .find(|&c| surplus(c, &left))
            .unwrap_or(first);
        if seq.last() != Some(&start) {
            seq.push(start);
        }
        let mut at = start;
        while let Some(&edge) = left.range((at, 0)..=(at, u8::MAX)).next() {
            left.remove(&edge);
            seq.push(edge.1);
            at = edge.1;
        }
    }
    for &c in singles {
        if !seq.contains(&c) {
            seq.push(c);
        }
    }
    seq
}

impl SiblingTables {
    /// Lowers a model to the sibling layout.
    ///
    /// # Errors
    ///
    /// [`CodegenError::Model`] for an invalid model,
    /// [`CodegenError::SiblingDoesNotFit`] for more than 256 features or
    /// classes or more than [`MAX_LEAF_SLOTS`] leaf slots,
    /// [`CodegenError::TooLarge`] when references do not fit 32 bits.
    pub fn from_model(model: &Model) -> Result<SiblingTables, CodegenError> {
        model.validate().map_err(CodegenError::Model)?;
        let n_features = model.n_features();
        let n_classes = model.n_classes();
        let trained_nodes = model.n_decision_nodes();
        let does_not_fit = |slots| CodegenError::SiblingDoesNotFit {
            features: n_features,
            classes: n_classes,
            slots,
        };
        if n_features > 256 || n_classes > 256 {
            return Err(does_not_fit(0));
        }
        let class = |c: u32| c as u8;
        let folded: Vec<Vec<Option<u32>>> =
            model.trees.iter().map(|t| single_class(&t.nodes)).collect();

        // The classes the leaf slots must offer: adjacent pairs for nodes
        // with two leaf children, single classes for forwarding and roots.
        let mut pairs = BTreeSet::new();
        let mut singles = BTreeSet::new();
        for (tree, single) in model.trees.iter().zip(&folded) {
            if let Some(c) = single[0] {
                singles.insert(class(c));
            }
            for (i, node) in tree.nodes.iter().enumerate() {
                if let (Node::Split { left, right, .. }, None) = (node, single[i]) {
                    match (single[*left as usize], single[*right as usize]) {
                        (Some(t), Some(f)) => {
                            pairs.insert((class(f), class(t)));
                        }
                        (Some(c), None) | (None, Some(c)) => {
                            singles.insert(class(c));
                        }
                        (None, None) => {}
                    }
                }
            }
        }
        // A sequence of `n` slots has `n - 1` adjacent pairs.
        if pairs.len() >= MAX_LEAF_SLOTS {
            return Err(does_not_fit(pairs.len() + 1));
        }
        let seq = slot_sequence(n_classes, &pairs, &singles);
        if seq.len() > MAX_LEAF_SLOTS {
            return Err(does_not_fit(seq.len()));
        }
        let mut pair_slot = BTreeMap::new();
        for (p, w) in seq.windows(2).enumerate() {
            pair_slot.entry((w[0], w[1])).or_insert(p);
        }
        let mut class_slot = BTreeMap::new();
        for (p, &c) in seq.iter().enumerate() {
            class_slot.entry(c).or_insert(p);
        }

        let mut records: Vec<Record> = Vec::new();
        let mut roots = Vec::with_capacity(model.trees.len());
        let mut forwards = 0;
        for (tree, single) in model.trees.iter().zip(&folded) {
            if let Some(c) = single[0] {
                roots.push(Target::Slot(class_slot[&class(c)]));
                continue;
            }
            roots.push(Target::Record(records.len()));
            let placeholder = Record {
                key: 0,
                column: 0,
                right: Target::Slot(0),
            };
            records.push(placeholder);
            let mut order = PairOrder::new((records.len() - 1, 0usize));
            while let Some(((at, i), level)) = order.next() {
                let Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } = tree.nodes[i]
                else {
                    continue;
                };
                let (t, f) = (left as usize, right as usize);
                let right_target = match (single[t], single[f]) {
                    (Some(tc), Some(fc)) => Target::Slot(pair_slot[&(class(fc), class(tc))]),
                    _ => {
                        let q = records.len();
                        for child in [f, t] {
                            match single[child] {
                                Some(c) => {
                                    forwards += 1;
                                    records.push(Record {
                                        key: 0,
                                        column: 0,
                                        right: Target::Slot(class_slot[&class(c)]),
                                    });
                                }
                                None => {
                                    order.push((records.len(), child), level);
                                    records.push(placeholder);
                                }
                            }
                        }
                        Target::Record(q)
                    }
                };
                records[at] = Record {
                    key: key(threshold) + 1,
                    column: feature as u8,
                    right: right_target,
                };
            }
        }

        let n = records.len();
        let base = leaf_base(n, seq.len());
        if base + seq.len() > u32::MAX as usize {
            return Err(CodegenError::TooLarge {
                nodes: n,
                classes: n_classes,
            });
        }
        let resolve = |t: Target| match t {
            Target::Record(r) => r,
            Target::Slot(p) => base + p,
        };
        let entries = base + seq.len();
        // Every reference fits `u32`, checked just above; padding and sinks
        // are zero.
        let mut deltas: Vec<u32> = records
            .iter()
            .enumerate()
            .map(|(j, r)| (resolve(r.right) - j) as u32)
            .collect();
        let mut keys: Vec<u32> = records.iter().map(|r| r.key).collect();
        let mut columns: Vec<u8> = records.iter().map(|r| r.column).collect();
        deltas.resize(entries, 0);
        keys.resize(entries, 0);
        columns.resize(entries, 0);
        Ok(SiblingTables {
            n_features,
            labels: model.class_labels.clone(),
            roots: roots.into_iter().map(|t| resolve(t) as u32).collect(),
            n_nodes: n,
            keys,
            columns,
            deltas,
            slots: seq,
            forwards,
            trained_nodes,
        })
    }

    /// Number of stored records (decision nodes and forwarding records).
    #[must_use]
    pub fn n_nodes(&self) -> usize {
        self.n_nodes
    }

    /// Number of entries of the per-entry tables: records, padding, sinks.
    #[must_use]
    pub fn n_entries(&self) -> usize {
        self.keys.len()
    }

    /// The first leaf reference ([`forest_core::sibling::leaf_base`]).
    #[must_use]
    pub fn leaf_base(&self) -> usize {
        leaf_base(self.n_nodes(), self.slots.len())
    }

    /// The column type's width: the key-row length, a power of two of at
    /// least 2 (an enum `ColumnN` up to 128, else `u8`'s 256).
    #[must_use]
    pub fn column_width(&self) -> usize {
        self.n_features.next_power_of_two().max(2)
    }

    /// The narrowest width for root references and deltas.
    #[must_use]
    pub fn ref_width(&self) -> Width {
        Width::for_max(self.leaf_base() + self.slots.len() - 1)
    }

    /// Total bytes of table data: keys, columns, deltas (every entry),
    /// roots and slots.
    #[must_use]
    pub fn table_bytes(&self) -> usize {
        let r = self.ref_width().bytes();
        (5 + r) * self.n_entries() + r * self.roots.len() + self.slots.len()
    }

    /// The tables as a validated run-time [`forest_core::Sibling`].
    ///
    /// # Errors
    ///
    /// The first invariant `forest-core` finds broken (never for tables made
    /// by [`SiblingTables::from_model`]).
    pub fn forest(&self) -> Result<forest_core::Sibling<'_, u32>, forest_core::Error> {
        forest_core::Sibling::<u32>::new(
            self.n_features,
            &self.labels,
            &self.roots,
            &self.keys,
            &self.columns,
            &self.deltas,
            &self.slots,
        )
    }
}
