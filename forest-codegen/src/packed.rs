//! Lowering a model to `forest-core`'s packed layout ([`forest_core::packed`]).
//!
//! Per tree, in one pass from the leaves up: a subtree whose leaves all vote
//! for one class becomes that leaf (the vote is the same whatever the path);
//! then the tree is laid out depth first, each node followed by its *near*
//! child — the only child that is a node, else the larger subtree when the
//! offset past it fits the far field, else the smaller one — so the far
//! child's offset is one more than the near subtree's size.
//! A node whose near child is its false side is *swapped*: it reads the
//! complemented key column and stores `!key(threshold) - 1`.

use crate::CodegenError;
use crate::artifact::{Model, Node};
use forest_core::packed::key;

/// A model lowered to the packed layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedTables {
    /// Features a row must have.
    pub n_features: usize,
    /// Original label of each class index.
    pub labels: Vec<i64>,
    /// Root reference of each tree, in the model's order (`r < n_slots`: a
    /// node; else a leaf of class `r - n_slots`).
    pub roots: Vec<u32>,
    /// Packed word of each slot (decision nodes and spacers).
    pub words: Vec<u16>,
    /// Threshold key of each decision node; far offset of each spacer.
    pub keys: Vec<u32>,
    /// Width of the column field.
    pub feature_bits: u32,
    /// Bits per word: 16, or the dense form's width (see [`PackedTables::dense`]).
    pub word_bits: u32,
    /// Whether the words are emitted in the dense form (`word_bits`-wide
    /// fields back to back in a byte table) rather than one `u16` each.
    pub dense: bool,
    /// The dense form's word table (empty unless `dense`): word `i` in bits
    /// `i·word_bits ..` of a little-endian bit string, then three padding
    /// bytes ([`forest_core::packed::dense_len`] in all).
    pub word_bytes: Vec<u8>,
    /// Spacers (one per escaped far child).
    pub spacers: usize,
    /// Decision nodes of the trained model (before folding).
    pub trained_nodes: usize,
}

/// A child after folding: a leaf's class or a node with the slots its
/// subtree takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Child {
    Leaf(u32),
    Node { index: usize, size: usize },
}

fn size(c: Child) -> usize {
    match c {
        Child::Leaf(_) => 0,
        Child::Node { size, .. } => size,
    }
}

/// How a node with true child `t` and false child `f` is laid out:
/// (swapped, escaped). The near child is the only node child, else the
/// larger subtree when the offset past it fits below `limit` (a walk goes
/// near more often, and the near step is the cheaper one), else the smaller
/// subtree; the far child is escaped when even that offset does not fit.
fn orient(t: Child, f: Child, limit: usize) -> (bool, bool) {
    let swapped = match (t, f) {
        (Child::Leaf(_), Child::Node { .. }) => true,
        (Child::Node { size: a, .. }, Child::Node { size: b, .. }) => {
            let (larger_is_false, larger) = if b > a { (true, b) } else { (false, a) };
            if 1 + larger < limit {
                larger_is_false
            } else {
                !larger_is_false && b < a
            }
        }
        _ => false,
    };
    let (near, far) = if swapped { (f, t) } else { (t, f) };
    let escaped = matches!(far, Child::Node { .. }) && 1 + size(near) >= limit;
    (swapped, escaped)
}

/// Bits needed to write every value in `0..=max`.
fn bits(max: usize) -> u32 {
    usize::BITS - max.leading_zeros()
}

impl PackedTables {
    /// Lowers a model to the packed layout.
    ///
    /// # Errors
    ///
    /// [`CodegenError::Model`] for an invalid model, [`CodegenError::TooLarge`]
    /// when references do not fit 32 bits, [`CodegenError::PackedDoesNotFit`]
    /// when the fields do not fit a 16-bit word (more than 128 features, or
    /// too many classes for the remaining bits).
    pub fn from_model(model: &Model) -> Result<PackedTables, CodegenError> {
        model.validate().map_err(CodegenError::Model)?;
        Self::lower(model, 16, false)
    }

    /// Lowers a model to the dense form of the packed layout: the same
    /// fields, in words only as wide as the model needs, packed back to back.
    /// Every width from the narrowest that holds the fields up to 16 bits is
    /// laid out (a narrower far field escapes more far children, each costing
    /// a spacer slot) and the one with the fewest table bytes wins, the wider
    /// on a tie.
    ///
    /// # Errors
    ///
    /// As [`PackedTables::from_model`].
    pub fn dense(model: &Model) -> Result<PackedTables, CodegenError> {
        model.validate().map_err(CodegenError::Model)?;
        let mut best = Self::lower(model, 16, true)?;
        for bits in (1..16).rev() {
            match Self::lower(model, bits, true) {
                Ok(t) if t.table_bytes() < best.table_bytes() => best = t,
                Ok(_) => {}
                Err(CodegenError::PackedDoesNotFit { .. }) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(best)
    }

    /// Lowers a model to the dense form with `word_bits`-bit words.
    ///
    /// # Errors
    ///
    /// As [`PackedTables::from_model`]; [`CodegenError::PackedDoesNotFit`]
    /// also when `word_bits` is above 16 or too narrow for the fields.
    pub fn dense_with_word_bits(
        model: &Model,
        word_bits: u32,
    ) -> Result<PackedTables, CodegenError> {
        model.validate().map_err(CodegenError::Model)?;
        Self::lower(model, word_bits, true)
    }

    /// Lowers a validated model with `word_bits`-bit words.
    fn lower(model: &Model, word_bits: u32, dense: bool) -> Result<PackedTables, CodegenError> {
        let n_features = model.n_features();
        let n_classes = model.n_classes();
        let trained_nodes = model.n_decision_nodes();
        let does_not_fit = CodegenError::PackedDoesNotFit {
            features: n_features,
            classes: n_classes,
        };
        let feature_bits = bits(2 * n_features - 1).max(1);
        let near_bits = forest_core::packed::near_bits(n_classes);
        if feature_bits > 8 || word_bits > 16 || feature_bits + near_bits >= word_bits {
            return Err(does_not_fit);
        }
        let far_bits = word_bits - feature_bits - near_bits;
        // Offsets 1 and 2, every class and the escape must have a code.
        let Some(limit) = (1usize << far_bits)
            .checked_sub(n_classes + 1)
            .filter(|&l| l >= 3)
        else {
            return Err(does_not_fit);
        };

        let mut slots: Vec<(u16, u32)> = Vec::new();
        let mut roots = Vec::with_capacity(model.trees.len());
        // Leaf roots are `n_slots + class`, patched once the count is known.
        let mut leaf_roots = Vec::new();
        let mut spacers = 0;
        for tree in &model.trees {
            let folded = fold(&tree.nodes, limit);
            match folded[0] {
                Child::Leaf(class) => {
                    leaf_roots.push(roots.len());
                    roots.push(class);
                }
                Child::Node { .. } => {
                    roots.push(
                        u32::try_from(slots.len()).map_err(|_| CodegenError::TooLarge {
                            nodes: trained_nodes,
                            classes: n_classes,
                        })?,
                    );
                    let shape = Shape {
                        n_features: n_features as u32,
                        n_classes: n_classes as u32,
                        feature_bits,
                        near_shift: word_bits - near_bits,
                        limit: limit as u32,
                    };
                    spacers += lay_out(&tree.nodes, &folded, &shape, &mut slots);
                }
            }
        }
        let n_slots = slots.len();
        if n_slots + n_classes > u32::MAX as usize {
            return Err(CodegenError::TooLarge {
                nodes: n_slots,
                classes: n_classes,
            });
        }
        for t in leaf_roots {
            roots[t] += n_slots as u32;
        }
        let (words, keys): (Vec<u16>, Vec<u32>) = slots.into_iter().unzip();
        let word_bytes = if dense {
            Self::pack_words(&words, word_bits)
        } else {
            Vec::new()
        };
        Ok(PackedTables {
            n_features,
            labels: model.class_labels.clone(),
            roots,
            words,
            keys,
            feature_bits,
            word_bits,
            dense,
            word_bytes,
            spacers,
            trained_nodes,
        })
    }

    /// Number of stored slots (decision nodes and spacers).
    #[must_use]
    pub fn n_nodes(&self) -> usize {
        self.words.len()
    }

    /// The narrowest width for root references.
    #[must_use]
    pub fn root_width(&self) -> crate::Width {
        crate::Width::for_max(self.n_nodes() + self.labels.len() - 1)
    }

    /// Bytes of the word table: two per word, or the dense form's byte table.
    #[must_use]
    pub fn word_table_bytes(&self) -> usize {
        if self.dense {
            self.word_bytes.len()
        } else {
            2 * self.n_nodes()
        }
    }

    /// The dense form's word table of `words`: word `i` in bits
    /// `i·word_bits ..` of a little-endian bit string, plus the padding bytes.
    fn pack_words(words: &[u16], word_bits: u32) -> Vec<u8> {
        let bits = word_bits as usize;
        let mut out = vec![0u8; forest_core::packed::dense_len(words.len(), word_bits)];
        for (i, &w) in words.iter().enumerate() {
            let p = i * bits;
            // A word spans at most three bytes (16 bits from bit offset 7).
            let spread = u32::from(w) << (p % 8);
            for (k, b) in spread.to_le_bytes().iter().take(3).enumerate() {
                out[p / 8 + k] |= b;
            }
        }
        out
    }

    /// Total bytes of table data: words, keys and roots.
    #[must_use]
    pub fn table_bytes(&self) -> usize {
        4 * self.n_nodes() + self.word_table_bytes() + self.root_width().bytes() * self.roots.len()
    }

    /// The tables as a validated run-time [`forest_core::Packed`].
    ///
    /// # Errors
    ///
    /// The first invariant `forest-core` finds broken (never for tables made
    /// by [`PackedTables::from_model`]).
    pub fn forest(&self) -> Result<forest_core::Packed<'_, u32>, forest_core::Error> {
        if self.dense {
            forest_core::Packed::<u32>::new_dense(
                self.n_features,
                &self.labels,
                &self.roots,
                &self.word_bytes,
                self.word_bits,
                &self.keys,
                self.feature_bits,
            )
        } else {
            forest_core::Packed::<u32>::new(
                self.n_features,
                &self.labels,
                &self.roots,
                &self.words,
                &self.keys,
                self.feature_bits,
            )
        }
    }
}

/// The word layout of one model.
struct Shape {
    n_features: u32,
    n_classes: u32,
    feature_bits: u32,
    near_shift: u32,
    limit: u32,
}

impl Shape {
    fn word(&self, column: u32, far: u32, near: u32) -> u16 {
        // Every field was sized to fit: the word has `word_bits <= 16` bits.
        (column | (far << self.feature_bits) | (near << self.near_shift)) as u16
    }
}

/// Each node of a tree as a folded child: a leaf (also a subtree whose leaves
/// all vote for one class) or a node with the slots its subtree takes
/// (spacers included). Children have higher indices than their parent
/// (checked by `Model::validate`), so one pass from the last node up sees
/// every child before its parent.
fn fold(nodes: &[Node], limit: usize) -> Vec<Child> {
    let mut folded = vec![Child::Leaf(0); nodes.len()];
    for (i, node) in nodes.iter().enumerate().rev() {
        folded[i] = match *node {
            Node::Leaf { class } => Child::Leaf(class),
            Node::Split { left, right, .. } => {
                match (folded[left as usize], folded[right as usize]) {
                    (Child::Leaf(a), Child::Leaf(b)) if a == b => Child::Leaf(a),
                    (t, f) => {
                        let (_, escaped) = orient(t, f, limit);
                        Child::Node {
                            index: i,
                            size: 1 + usize::from(escaped) + size(t) + size(f),
                        }
                    }
                }
            }
        };
    }
    folded
}

/// Appends the folded tree rooted at node 0 depth first, near child next
/// (after the spacer of an escaped node); returns the spacers added.
/// Iterative, so a degenerate deep tree cannot overflow the stack.
fn lay_out(nodes: &[Node], folded: &[Child], shape: &Shape, out: &mut Vec<(u16, u32)>) -> usize {
    let limit = shape.limit;
    let nc = shape.n_classes;
    let mut spacers = 0;
    let mut stack = vec![0usize];
    while let Some(i) = stack.pop() {
        let Node::Split {
            feature,
            threshold,
            left,
            right,
        } = nodes[i]
        else {
            continue;
        };
        let (t, f) = (folded[left as usize], folded[right as usize]);
        let (swapped, escaped) = orient(t, f, limit as usize);
        let (near, far) = if swapped { (f, t) } else { (t, f) };
        let (column, key) = if swapped {
            (
                feature + shape.n_features,
                (!key(threshold)).wrapping_sub(1),
            )
        } else {
            (feature, key(threshold))
        };
        let near_code = match near {
            Child::Leaf(c) => c + 1,
            Child::Node { .. } if escaped => nc + 1,
            Child::Node { .. } => 0,
        };
        let far_code = match far {
            Child::Leaf(c) => limit + c,
            Child::Node { .. } if escaped => limit + nc,
            // Below `limit`, as `orient` checked.
            Child::Node { .. } => 1 + size(near) as u32,
        };
        out.push((shape.word(column, far_code, near_code), key));
        if escaped {
            // The spacer: its key is the far child's offset from the node;
            // its word a valid two-leaf node, never reached.
            out.push((shape.word(0, limit, 1), 2 + size(near) as u32));
            spacers += 1;
        }
        // Popped near first: the near subtree directly follows its parent.
        for child in [far, near] {
            if let Child::Node { index, .. } = child {
                stack.push(index);
            }
        }
    }
    spacers
}
