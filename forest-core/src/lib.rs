//! Allocation-free, panic-free random-forest prediction over branch-only tables.
//!
//! `forest-core` is the runtime half of forest: it walks the tables that
//! `forest-codegen` bakes into a binary at `cargo build` (or that a host tool
//! lowers from a `.forest` artifact at run time). It is `#![no_std]`, never
//! allocates, contains no `unsafe` and cannot panic on any input: NaN, ±∞ and
//! subnormal feature values all have a defined answer.
//!
//! # Prediction rules
//!
//! These are exactly smartcore 0.7.0's rules for `RandomForestClassifier`:
//!
//! * a decision node sends `x` to its *true* child iff `x[feature] <= threshold`,
//!   otherwise to its *false* child; NaN fails every comparison and therefore
//!   always goes to the false child;
//! * every tree casts one vote for the class of the leaf it reaches;
//! * the forest predicts the class with the most votes, and a tie goes to the
//!   lowest class index.
//!
//! # Table layout
//!
//! Only decision nodes are stored, as parallel arrays indexed by node:
//! `features`, `thresholds` and `children` (`[true child, false child]`, side
//! by side so the walker picks one with an indexed load instead of a branch).
//! A *child reference*
//! `r` (also used for each tree's root) either points at a node (`r < n_nodes`)
//! or carries a leaf's class (`r - n_nodes` is the class index), so leaves cost
//! no storage. After the decision nodes, the per-node tables hold one *sink*
//! per class: entry `n_nodes + c`, whose two children are itself, so the leaf
//! reference of class `c` is also a valid index — a walk that reached its
//! leaf can keep stepping in place (the lockstep walker relies on it).
//! Feature and child references are stored in the narrowest of
//! `u8`, `u16` and `u32` that fits the model (see [`Index`]). Every child
//! reference to a node points *forward* (to a higher node index), which is what
//! makes every walk terminate; [`Forest::new`] checks it, together with every
//! other invariant, and is a `const fn` so a baked model is checked at compile
//! time.
//!
//! That is the *wide* layout. The [`sibling`] layout (a node's two children
//! side by side, leaves past the records, integer compares: the fewest
//! operations per step) is walked by [`SiblingModel`] with the same methods
//! as [`Model`]; the [`chained`] layout ([`ChainedModel`]) adds to it lanes
//! of trees chained through their leaves, so a host walks each lane from
//! start to end with no work between trees. `forest-codegen` bakes chained
//! tables for 64-bit hosts (sibling for forests too big for the caches),
//! and either on request for microcontrollers. Microcontrollers get the
//! [`packed`] layout by default (six bytes per node), walked by
//! [`PackedModel`]; the wide layout is the fallback for models the others
//! cannot hold.
//!
//! # Examples
//!
//! A forest of two stumps over one feature, classes labelled `10` and `20`:
//!
//! ```
//! use forest_core::{Forest, Model};
//!
//! // Two decision nodes; 2 + class is a leaf of that class, and entries 2
//! // and 3 are the sinks of classes 0 and 1 (their children are themselves).
//! static FOREST: Forest<'static, u8, u8> = match Forest::<u8, u8>::new(
//!     1,                                 // features
//!     &[10, 20],                         // class labels
//!     &[0, 1],                           // roots of the two trees
//!     &[0, 0, 0, 0],                     // feature of each node
//!     &[0.5, 1.5, 0.0, 0.0],             // threshold of each node
//!     &[[2, 3], [2, 3], [2, 2], [3, 3]], // [true child, false child]
//! ) {
//!     Ok(forest) => forest,
//!     Err(_) => panic!("invalid forest"),
//! };
//! static MODEL: Model<'static, u8, u8, 1, 2> = match Model::new(FOREST) {
//!     Ok(model) => model,
//!     Err(_) => panic!("model shape does not match"),
//! };
//!
//! assert_eq!(MODEL.predict(&[0.0]), 0);
//! assert_eq!(MODEL.predict_label(&[2.0]), 20);
//! assert_eq!(MODEL.votes(&[1.0]), [1, 1]); // a tie goes to the lowest class
//! assert_eq!(MODEL.predict(&[1.0]), 0);
//! assert_eq!(MODEL.predict(&[f32::NAN]), 1); // NaN takes the false child
//! # Ok::<(), forest_core::Error>(())
//! ```
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use core::fmt;

/// The prediction methods every typed model shares, written once: the impl
/// that invokes it has a `forest` with `labels` and `roots`, and a
/// `count::<COUNT>(x, votes)` that counts the votes for `x` (returning the
/// decision nodes visited with `COUNT`). `typed_model_methods!(own_batch)`
/// leaves out `predict_batch`, for a model that walks rows together.
macro_rules! typed_model_methods {
    () => {
        typed_model_methods!(own_batch);

        /// Predicts a batch: `out[i]` gets the class index of `rows[i]`;
        /// extra slots on either side are left alone. Returns the number of
        /// rows done. Same answers as `predict` row by row (it is that loop:
        /// walking blocks of rows through each tree in lockstep measured no
        /// faster than the per-row lockstep over trees).
        pub fn predict_batch(&self, rows: &[[f32; NF]], out: &mut [usize]) -> usize {
            $crate::batch(rows, out, |row| self.predict(row))
        }
    };
    (own_batch) => {
        /// Vote count of each class for `x`.
        #[must_use]
        pub fn votes(&self, x: &[f32; NF]) -> [u32; NC] {
            let mut votes = [0; NC];
            self.count::<false>(x, &mut votes);
            votes
        }

        /// Predicted class index of `x` (hard majority, ties to the lowest
        /// class).
        #[must_use]
        pub fn predict(&self, x: &[f32; NF]) -> usize {
            $crate::argmax(&self.votes(x))
        }

        /// Predicted class index of `x` and the decision nodes visited.
        #[must_use]
        pub fn predict_counting(&self, x: &[f32; NF]) -> (usize, usize) {
            let mut votes = [0; NC];
            let visited = self.count::<true>(x, &mut votes);
            ($crate::argmax(&votes), visited)
        }

        /// Predicted original class label of `x`.
        #[must_use]
        pub fn predict_label(&self, x: &[f32; NF]) -> i64 {
            let class = self.predict(x);
            // `class < NC == labels.len()` always; the fallback is unreachable.
            self.forest.labels.get(class).copied().unwrap_or_default()
        }

        /// Fraction of trees voting for each class.
        #[must_use]
        pub fn predict_proba(&self, x: &[f32; NF]) -> [f32; NC] {
            $crate::proba(self.votes(x), self.forest.n_trees())
        }
    };
}

pub mod chained;
mod columns;
pub mod packed;
pub mod sibling;
pub use chained::{Chained, ChainedModel};
pub use packed::{Packed, PackedModel};
pub use sibling::{Sibling, SiblingModel};

/// Version of the table format shared by `forest-codegen` and this crate.
///
/// Generated code asserts at compile time that it was produced for this
/// version, so a generator/runtime mismatch is a build error, not a wrong
/// answer.
pub const TABLE_FORMAT_VERSION: u32 = 2;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
}

/// An unsigned integer type used to store feature indices and child references.
///
/// Implemented for `u8`, `u16` and `u32`; the generator picks the narrowest one
/// that fits a model, so a small forest costs few bytes of flash and a large one
/// has no cap on its size.
pub trait Index: Copy + sealed::Sealed + fmt::Debug + 'static {
    /// The largest value of the type, as `usize`.
    const MAX: usize;
    /// The value as `usize` (lossless on every supported target).
    fn get(self) -> usize;
}

macro_rules! impl_index {
    ($($t:ty),*) => {$(
        impl Index for $t {
            const MAX: usize = <$t>::MAX as usize;
            #[inline(always)]
            fn get(self) -> usize {
                self as usize
            }
        }
    )*};
}
impl_index!(u8, u16, u32);

/// What is wrong with a table set or with a call.
///
/// Errors from [`Forest::new`] name the offending node; errors from the
/// slice-based calls name the lengths that disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The forest has no trees.
    NoTrees,
    /// The forest has no classes.
    NoClasses,
    /// The forest reads no features.
    NoFeatures,
    /// The per-node tables do not all have the same length.
    NodeTablesLengthMismatch,
    /// `n_nodes + n_classes` does not fit the child-reference type.
    ChildIndexTypeTooNarrow,
    /// A tree's root reference is neither a node nor a class.
    RootOutOfRange {
        /// Tree index.
        tree: usize,
    },
    /// A node reads a feature index that is not below the feature count.
    NodeFeatureOutOfRange {
        /// Node index.
        node: usize,
    },
    /// A node's threshold is NaN (no comparison could ever succeed).
    NodeThresholdNan {
        /// Node index.
        node: usize,
    },
    /// A child reference is neither a forward node reference nor a class.
    NodeChildOutOfRange {
        /// Node index.
        node: usize,
    },
    /// The sink of a class (the per-node entry after the decision nodes; in
    /// the sibling layout the entry of a leaf slot, or padding before them,
    /// reported as slot 0) is not a self-loop.
    SinkMalformed {
        /// Class index.
        class: usize,
    },
    /// The typed model's feature count differs from the tables'.
    FeatureCountMismatch,
    /// The typed model's class count differs from the tables'.
    ClassCountMismatch,
    /// The input row has the wrong number of features.
    InputLengthMismatch {
        /// Features the model reads.
        expected: usize,
        /// Features the caller passed.
        found: usize,
    },
    /// The packed layout's field widths do not fit its word (16 bits, or the
    /// dense form's width), or the typed model's key-row length is not
    /// `2^feature_bits`.
    PackedShape,
    /// An entry of the sibling layout after its records (padding, or the
    /// sink of a leaf slot) is not a self-loop (key and delta 0).
    EntryNotSelfLoop {
        /// Entry index.
        entry: usize,
    },
    /// The chained layout's entry count is not a power of two of at least 2
    /// (and below `2^32`), it has no lane, or its vote counters are too
    /// narrow for a lane's trees or do not fit above the entry index in 32
    /// bits.
    ChainedShape,
    /// The sibling layout's leaf-slot table is empty, longer than
    /// [`sibling::MAX_LEAF_SLOTS`], or names a class out of range.
    LeafSlots,
    /// The caller's vote buffer is not one slot per class.
    VotesLengthMismatch {
        /// Classes of the model.
        expected: usize,
        /// Length of the caller's buffer.
        found: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::NoTrees => f.write_str("the forest has no trees"),
            Error::NoClasses => f.write_str("the forest has no classes"),
            Error::NoFeatures => f.write_str("the forest reads no features"),
            Error::NodeTablesLengthMismatch => f.write_str("the per-node tables differ in length"),
            Error::ChildIndexTypeTooNarrow => {
                f.write_str("nodes + classes do not fit the child-reference type")
            }
            Error::RootOutOfRange { tree } => write!(f, "root of tree {tree} is out of range"),
            Error::NodeFeatureOutOfRange { node } => {
                write!(f, "node {node} reads a feature out of range")
            }
            Error::NodeThresholdNan { node } => write!(f, "node {node} has a NaN threshold"),
            Error::NodeChildOutOfRange { node } => write!(
                f,
                "node {node} has a child that is neither a later node nor a class"
            ),
            Error::SinkMalformed { class } => {
                write!(f, "the sink of class {class} is not a self-loop")
            }
            Error::FeatureCountMismatch => f.write_str("feature count differs from the tables"),
            Error::ClassCountMismatch => f.write_str("class count differs from the tables"),
            Error::InputLengthMismatch { expected, found } => {
                write!(f, "input has {found} features, the model reads {expected}")
            }
            Error::PackedShape => {
                f.write_str("the packed fields do not fit the word width (or the key row)")
            }
            Error::EntryNotSelfLoop { entry } => write!(
                f,
                "entry {entry} after the records (padding or a leaf slot's sink) is not a self-loop"
            ),
            Error::ChainedShape => f.write_str(
                "the chained tables' entry count, lanes or vote counters do not fit their references",
            ),
            Error::LeafSlots => {
                f.write_str("the leaf-slot table is empty, too long, or names a class out of range")
            }
            Error::VotesLengthMismatch { expected, found } => write!(
                f,
                "vote buffer has {found} slots, the model has {expected} classes"
            ),
        }
    }
}

impl core::error::Error for Error {}

/// The tables of a validated forest, with sizes known only at run time.
///
/// `F` is the feature-index type and `C` the child-reference type (see
/// [`Index`]). Build one with [`Forest::new`], which checks every invariant the
/// walker relies on; the fields are private so an unchecked forest cannot
/// exist. For a forest whose sizes are known at compile time (every baked
/// model), wrap it in a [`Model`].
#[derive(Clone, Copy)]
pub struct Forest<'a, F: Index, C: Index> {
    n_features: usize,
    n_nodes: usize,
    labels: &'a [i64],
    roots: &'a [C],
    features: &'a [F],
    thresholds: &'a [f32],
    children: &'a [[C; 2]],
}

impl<F: Index, C: Index> fmt::Debug for Forest<'_, F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Forest")
            .field("n_features", &self.n_features)
            .field("n_classes", &self.labels.len())
            .field("n_trees", &self.roots.len())
            .field("n_nodes", &self.n_nodes)
            .finish()
    }
}

macro_rules! forest_new {
    ($($f:ty, $c:ty);* $(;)?) => {$(
        impl<'a> Forest<'a, $f, $c> {
            /// Checks the tables and wraps them in a [`Forest`].
            ///
            /// `labels` holds the original class label of each class index.
            /// `roots` holds one child reference per tree. The three per-node
            /// tables hold one entry per decision node, then one sink per
            /// class; `children[i]` is `[true child, false child]` of node
            /// `i`, and the sink of class `c`, entry `n_nodes + c`, has
            /// children `[n_nodes + c; 2]`.
            ///
            /// # Errors
            ///
            /// Every invariant the walker relies on is checked here: non-empty
            /// trees, classes and features; equal table lengths, at least one
            /// entry per class; feature indices below `n_features`; no NaN
            /// threshold; every child reference of a decision node either a
            /// *later* node or a class; every sink a self-loop; `n_nodes +
            /// n_classes` representable in the child type. The error names the
            /// first offending tree, node or sink.
            #[allow(clippy::too_many_arguments)]
            pub const fn new(
                n_features: usize,
                labels: &'a [i64],
                roots: &'a [$c],
                features: &'a [$f],
                thresholds: &'a [f32],
                children: &'a [[$c; 2]],
            ) -> Result<Self, Error> {
                let n_entries = thresholds.len();
                let n_classes = labels.len();
                if roots.is_empty() {
                    return Err(Error::NoTrees);
                }
                if n_classes == 0 {
                    return Err(Error::NoClasses);
                }
                if n_features == 0 {
                    return Err(Error::NoFeatures);
                }
                if features.len() != n_entries
                    || children.len() != n_entries
                    || n_entries < n_classes
                {
                    return Err(Error::NodeTablesLengthMismatch);
                }
                let n_nodes = n_entries - n_classes;
                // Child references range over 0..n_nodes + n_classes.
                if n_nodes + n_classes - 1 > <$c>::MAX as usize {
                    return Err(Error::ChildIndexTypeTooNarrow);
                }
                let limit = n_nodes + n_classes;
                let mut tree = 0;
                while tree < roots.len() {
                    if roots[tree] as usize >= limit {
                        return Err(Error::RootOutOfRange { tree });
                    }
                    tree += 1;
                }
                let mut node = 0;
                while node < n_nodes {
                    if features[node] as usize >= n_features {
                        return Err(Error::NodeFeatureOutOfRange { node });
                    }
                    if thresholds[node].is_nan() {
                        return Err(Error::NodeThresholdNan { node });
                    }
                    let t = children[node][0] as usize;
                    let e = children[node][1] as usize;
                    if t <= node || t >= limit || e <= node || e >= limit {
                        return Err(Error::NodeChildOutOfRange { node });
                    }
                    node += 1;
                }
                while node < n_entries {
                    let class = node - n_nodes;
                    if features[node] as usize >= n_features
                        || thresholds[node].is_nan()
                        || children[node][0] as usize != node
                        || children[node][1] as usize != node
                    {
                        return Err(Error::SinkMalformed { class });
                    }
                    node += 1;
                }
                Ok(Forest {
                    n_features,
                    n_nodes,
                    labels,
                    roots,
                    features,
                    thresholds,
                    children,
                })
            }
        }
    )*};
}

forest_new! {
    u8, u8; u8, u16; u8, u32;
    u16, u8; u16, u16; u16, u32;
    u32, u8; u32, u16; u32, u32;
}

impl<'a, F: Index, C: Index> Forest<'a, F, C> {
    /// Number of features a row must have.
    #[must_use]
    pub const fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of classes.
    #[must_use]
    pub const fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Number of trees.
    #[must_use]
    pub const fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// Number of decision nodes (leaves are not stored; the per-node tables
    /// also hold one sink per class after them).
    #[must_use]
    pub const fn n_nodes(&self) -> usize {
        self.n_nodes
    }

    /// The original label of each class index.
    #[must_use]
    pub const fn labels(&self) -> &'a [i64] {
        self.labels
    }

    /// Counts each tree's vote into `votes` (one slot per class, overwritten).
    ///
    /// # Errors
    ///
    /// [`Error::InputLengthMismatch`] if `x` is not one value per feature,
    /// [`Error::VotesLengthMismatch`] if `votes` is not one slot per class.
    pub fn votes_into(&self, x: &[f32], votes: &mut [u32]) -> Result<(), Error> {
        check_row(self.n_features, x)?;
        check_votes(self.labels.len(), votes)?;
        self.count_votes::<false>(x, votes);
        Ok(())
    }

    /// The per-node tables (sinks included) cut to one length.
    fn sliced(&self) -> Sliced<'_, F, C> {
        let n_entries = self.thresholds.len();
        Sliced {
            n_nodes: self.n_nodes,
            features: &self.features[..n_entries],
            thresholds: self.thresholds,
            children: &self.children[..n_entries],
        }
    }

    /// Counts every tree's vote into `votes`; with `COUNT`, also returns the
    /// decision nodes visited (0 otherwise: predictions do not pay for it).
    ///
    /// On 64-bit hosts the trees are walked [`LANES`] at a time in lockstep
    /// ([`WIDE_LANES`] from [`MANY_NODES`] decision nodes on), branch-free: a
    /// tree that reached its leaf steps in place on its class's sink while
    /// the others step, so the loads of independent trees overlap instead of
    /// waiting on one chain of dependent loads. Small cores (no memory-level
    /// parallelism, few registers) walk one tree at a time.
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // deliberate: NaN must take the false side
    fn count_votes<const COUNT: bool>(&self, x: &[f32], votes: &mut [u32]) -> usize {
        votes.iter_mut().for_each(|v| *v = 0);
        // Equal lengths, visible to the optimiser: one check here instead of
        // one per step.
        let t = self.sliced();
        if !LOCKSTEP {
            let mut visited = 0;
            for &root in self.roots {
                let (class, steps) = t.walk::<COUNT>(root, x);
                visited += steps;
                if let Some(slot) = votes.get_mut(class) {
                    *slot += 1;
                }
            }
            return visited;
        }
        if F::MAX <= u8::MAX as usize && x.len() <= 256 {
            // A feature index below 256 always falls inside this copy, so
            // reading a feature needs no bounds check per lane and step.
            let mut padded = [f32::NAN; 256];
            padded[..x.len()].copy_from_slice(x);
            t.lockstep::<COUNT>(self.roots, |f| padded[f & 0xff], votes)
        } else {
            // Feature indices are validated below `n_features`; the NaN
            // fallback is never taken.
            t.lockstep::<COUNT>(self.roots, |f| x.get(f).copied().unwrap_or(f32::NAN), votes)
        }
    }

    /// Predicts the class index of `x`, using `votes` (one slot per class) as
    /// scratch space; it holds the vote counts afterwards.
    ///
    /// # Errors
    ///
    /// As [`Forest::votes_into`].
    pub fn predict_into(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, Error> {
        self.votes_into(x, votes)?;
        Ok(argmax(votes))
    }

    /// Like [`Forest::predict_into`], and also returns the number of decision
    /// nodes visited over all trees (for benchmarks and size reports).
    ///
    /// # Errors
    ///
    /// As [`Forest::votes_into`].
    pub fn predict_counting(&self, x: &[f32], votes: &mut [u32]) -> Result<(usize, usize), Error> {
        check_row(self.n_features, x)?;
        check_votes(self.labels.len(), votes)?;
        let visited = self.count_votes::<true>(x, votes);
        Ok((argmax(votes), visited))
    }

    /// The class index the tree at position `tree` of the tables votes for
    /// (`forest-codegen` lays trees out smallest first, so this is not the
    /// artifact's tree order).
    ///
    /// # Errors
    ///
    /// [`Error::InputLengthMismatch`] if `x` is not one value per feature;
    /// `Ok(None)` if `tree` is not below [`Forest::n_trees`].
    pub fn tree_vote(&self, tree: usize, x: &[f32]) -> Result<Option<usize>, Error> {
        check_row(self.n_features, x)?;
        Ok(self
            .roots
            .get(tree)
            .map(|&root| self.sliced().walk::<false>(root, x).0))
    }
}

/// A forest's per-node tables cut to the same length, so the optimiser can
/// drop the bounds checks of every step.
struct Sliced<'t, F: Index, C: Index> {
    /// Decision nodes; the tables hold one sink per class after them.
    n_nodes: usize,
    features: &'t [F],
    thresholds: &'t [f32],
    children: &'t [[C; 2]],
}

impl<F: Index, C: Index> Sliced<'_, F, C> {
    /// Walks one tree for `x`: the class index of the leaf it reaches and,
    /// with `COUNT`, the decision nodes visited. `x` must hold a value per
    /// feature (callers check it; feature indices are validated).
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // deliberate: NaN must take the false side
    fn walk<const COUNT: bool>(&self, root: C, x: &[f32]) -> (usize, usize) {
        let n_nodes = self.n_nodes;
        let mut r = root.get();
        let mut visited = 0;
        // Every node reference points forward: this ends within n_nodes steps.
        while r < n_nodes {
            let go_false = !(x[self.features[r].get()] <= self.thresholds[r]);
            r = self.children[r][usize::from(go_false)].get();
            if COUNT {
                visited += 1;
            }
        }
        (r - n_nodes, visited)
    }

    /// The lockstep walk of [`Forest::count_votes`]: [`WIDE_LANES`] trees at
    /// a time from [`MANY_NODES`] decision nodes on, else [`LANES`].
    #[inline(always)]
    fn lockstep<const COUNT: bool>(
        &self,
        roots: &[C],
        value: impl Fn(usize) -> f32,
        votes: &mut [u32],
    ) -> usize {
        if self.n_nodes >= MANY_NODES {
            self.lockstep_lanes::<COUNT, WIDE_LANES>(roots, value, votes)
        } else {
            self.lockstep_lanes::<COUNT, LANES>(roots, value, votes)
        }
    }

    /// The lockstep walk of `L` trees at a time; `value(f)` reads feature
    /// `f` of the row.
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // deliberate: NaN must take the false side
    fn lockstep_lanes<const COUNT: bool, const L: usize>(
        &self,
        roots: &[C],
        value: impl Fn(usize) -> f32,
        votes: &mut [u32],
    ) -> usize {
        let n_nodes = self.n_nodes;
        let mut visited = 0;
        for group in roots.chunks(L) {
            // Lanes without a tree (the last group) start past every table
            // and read nothing; their vote goes nowhere.
            let mut refs = [usize::MAX; L];
            for (r, root) in refs.iter_mut().zip(group) {
                *r = root.get();
            }
            loop {
                // A few steps between the checks for the end: a lane at its
                // leaf steps in place on the sink, so extra steps are free of
                // effect, and the check costs more than a step.
                for _ in 0..STEPS_PER_CHECK {
                    if COUNT {
                        visited += refs.iter().filter(|&&r| r < n_nodes).count();
                    }
                    for r in &mut refs {
                        let i = *r;
                        let (Some(f), Some(&t), Some(c)) = (
                            self.features.get(i),
                            self.thresholds.get(i),
                            self.children.get(i),
                        ) else {
                            continue;
                        };
                        let go_false = !(value(f.get()) <= t);
                        *r = c[usize::from(go_false)].get();
                    }
                }
                if refs.iter().all(|&r| r >= n_nodes) {
                    break;
                }
            }
            for r in refs {
                if let Some(slot) = votes.get_mut(r.wrapping_sub(n_nodes)) {
                    *slot += 1;
                }
            }
        }
        visited
    }
}

/// Trees walked together by the lockstep walker.
const LANES: usize = 8;
/// Trees the sibling layout's lockstep walker walks together from
/// [`MANY_NODES`] records on (on the big forest of `cargo xtask bench`, 12
/// lanes were faster than 8 and 16 when this was chosen).
const WIDE_LANES_SIBLING: usize = 12;
/// Trees walked together in a forest of at least [`MANY_NODES`] decision
/// nodes: its tables outgrow the caches, so more independent loads in flight
/// pay for the lanes that idle at a leaf (`cargo xtask bench`, big forest:
/// about 1.3× faster than 8 lanes; the tutorial forest: slower).
const WIDE_LANES: usize = 16;
/// Decision nodes from which the lockstep walker uses [`WIDE_LANES`]: about
/// 288 KiB of wide tables at 9 bytes per node.
const MANY_NODES: usize = 1 << 15;
/// Lockstep steps between two checks whether every lane reached its leaf.
const STEPS_PER_CHECK: usize = 2;
/// Whether this target walks trees in lockstep (64-bit hosts) or one at a time.
const LOCKSTEP: bool = cfg!(target_pointer_width = "64");

/// [`Error::InputLengthMismatch`] unless `x` holds `n_features` values: the
/// check of every slice-based call, whatever the layout.
fn check_row(n_features: usize, x: &[f32]) -> Result<(), Error> {
    if x.len() == n_features {
        Ok(())
    } else {
        Err(Error::InputLengthMismatch {
            expected: n_features,
            found: x.len(),
        })
    }
}

/// [`Error::VotesLengthMismatch`] unless `votes` has one slot per class.
fn check_votes(n_classes: usize, votes: &[u32]) -> Result<(), Error> {
    if votes.len() == n_classes {
        Ok(())
    } else {
        Err(Error::VotesLengthMismatch {
            expected: n_classes,
            found: votes.len(),
        })
    }
}

/// Index of the first maximum: hard majority vote, ties to the lowest class.
#[inline]
fn argmax(votes: &[u32]) -> usize {
    let mut best = 0;
    let mut best_votes = 0;
    for (class, &v) in votes.iter().enumerate() {
        if v > best_votes {
            best = class;
            best_votes = v;
        }
    }
    best
}

/// Fraction of `trees` trees voting for each class.
fn proba<const NC: usize>(votes: [u32; NC], trees: usize) -> [f32; NC] {
    let trees = trees as f32;
    votes.map(|v| v as f32 / trees)
}

/// `out[i] = predict(&rows[i])` over the shorter of the two; the count done.
fn batch<const NF: usize>(
    rows: &[[f32; NF]],
    out: &mut [usize],
    predict: impl Fn(&[f32; NF]) -> usize,
) -> usize {
    let mut done = 0;
    for (row, slot) in rows.iter().zip(out.iter_mut()) {
        *slot = predict(row);
        done += 1;
    }
    done
}

/// A validated forest whose feature count `NF` and class count `NC` are known
/// at compile time: every call is infallible and needs no buffer.
///
/// This is what `forest-codegen` emits as the baked `static MODEL`.
#[derive(Clone, Copy)]
pub struct Model<'a, F: Index, C: Index, const NF: usize, const NC: usize> {
    forest: Forest<'a, F, C>,
}

impl<F: Index, C: Index, const NF: usize, const NC: usize> fmt::Debug for Model<'_, F, C, NF, NC> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Model").field(&self.forest).finish()
    }
}

impl<'a, F: Index, C: Index, const NF: usize, const NC: usize> Model<'a, F, C, NF, NC> {
    /// Fixes the forest's sizes in the type.
    ///
    /// # Errors
    ///
    /// [`Error::FeatureCountMismatch`] or [`Error::ClassCountMismatch`] if
    /// `NF`/`NC` differ from the forest's.
    pub const fn new(forest: Forest<'a, F, C>) -> Result<Self, Error> {
        if forest.n_features != NF {
            return Err(Error::FeatureCountMismatch);
        }
        if forest.labels.len() != NC {
            return Err(Error::ClassCountMismatch);
        }
        Ok(Model { forest })
    }

    /// The underlying run-time-sized forest.
    #[must_use]
    pub const fn forest(&self) -> &Forest<'a, F, C> {
        &self.forest
    }

    /// Counts the votes for `x` into `votes`; with `COUNT`, returns the
    /// decision nodes visited.
    #[inline(always)]
    fn count<const COUNT: bool>(&self, x: &[f32; NF], votes: &mut [u32; NC]) -> usize {
        self.forest.count_votes::<COUNT>(x, votes)
    }

    typed_model_methods!();
}

/// Items only generated code may use; outside semver.
#[doc(hidden)]
pub mod __codegen {
    pub use super::TABLE_FORMAT_VERSION;

    /// Compile-time check that the generator's table format is this crate's.
    pub const fn check_format_version(version: u32) {
        assert!(
            version == super::TABLE_FORMAT_VERSION,
            "generated tables were made for another forest-core table format version"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stumps() -> Forest<'static, u8, u8> {
        Forest::<u8, u8>::new(
            1,
            &[10, 20],
            &[0, 1],
            &[0, 0, 0, 0],
            &[0.5, 1.5, 0.0, 0.0],
            &[[2, 3], [2, 3], [2, 2], [3, 3]],
        )
        .unwrap()
    }

    #[test]
    fn thresholds_are_inclusive_and_nan_goes_false() {
        let f = stumps();
        let mut v = [0; 2];
        assert_eq!(f.predict_into(&[0.5], &mut v), Ok(0));
        assert_eq!(v, [2, 0]);
        f.votes_into(&[f32::from_bits(0.5f32.to_bits() + 1)], &mut v)
            .unwrap();
        assert_eq!(v, [1, 1]);
        f.votes_into(&[f32::NAN], &mut v).unwrap();
        assert_eq!(v, [0, 2]);
        f.votes_into(&[f32::NEG_INFINITY], &mut v).unwrap();
        assert_eq!(v, [2, 0]);
        f.votes_into(&[f32::INFINITY], &mut v).unwrap();
        assert_eq!(v, [0, 2]);
    }

    #[test]
    fn ties_go_to_the_lowest_class() {
        assert_eq!(argmax(&[3, 3, 1]), 0);
        assert_eq!(argmax(&[1, 3, 3]), 1);
        assert_eq!(argmax(&[0, 0]), 0);
    }

    #[test]
    fn slice_calls_check_lengths() {
        let f = stumps();
        let mut v = [0; 2];
        assert_eq!(
            f.predict_into(&[1.0, 2.0], &mut v),
            Err(Error::InputLengthMismatch {
                expected: 1,
                found: 2
            })
        );
        assert_eq!(
            f.predict_into(&[1.0], &mut [0; 3]),
            Err(Error::VotesLengthMismatch {
                expected: 2,
                found: 3
            })
        );
        assert_eq!(f.tree_vote(5, &[1.0]), Ok(None));
        assert_eq!(f.tree_vote(1, &[1.0]), Ok(Some(0)));
    }

    #[test]
    fn validation_names_the_broken_part() {
        fn n(
            nf: usize,
            labels: &[i64],
            roots: &[u8],
            features: &[u8],
            thresholds: &[f32],
            children: &[[u8; 2]],
        ) -> Result<(), Error> {
            Forest::<u8, u8>::new(nf, labels, roots, features, thresholds, children).map(|_| ())
        }
        // One node, two classes: entries 1 and 2 are the sinks.
        let sinks = |node: [u8; 2]| [node, [1, 1], [2, 2]];
        let (f, t) = ([0u8; 3], [0.0f32; 3]);
        assert!(n(1, &[1, 2], &[0], &f, &t, &sinks([1, 2])).is_ok());
        assert_eq!(n(1, &[1], &[], &[], &[], &[]).unwrap_err(), Error::NoTrees);
        assert_eq!(
            n(1, &[], &[0], &[], &[], &[]).unwrap_err(),
            Error::NoClasses
        );
        assert_eq!(
            n(0, &[1], &[0], &[], &[], &[]).unwrap_err(),
            Error::NoFeatures
        );
        assert_eq!(
            n(1, &[1, 2], &[3], &f, &t, &sinks([1, 2])).unwrap_err(),
            Error::RootOutOfRange { tree: 0 }
        );
        assert_eq!(
            n(1, &[1, 2], &[0], &[1, 0, 0], &t, &sinks([1, 2])).unwrap_err(),
            Error::NodeFeatureOutOfRange { node: 0 }
        );
        assert_eq!(
            n(1, &[1, 2], &[0], &f, &[f32::NAN, 0.0, 0.0], &sinks([1, 2])).unwrap_err(),
            Error::NodeThresholdNan { node: 0 }
        );
        // A self-loop or a backward reference could walk forever: refused.
        assert_eq!(
            n(1, &[1, 2], &[0], &f, &t, &sinks([0, 2])).unwrap_err(),
            Error::NodeChildOutOfRange { node: 0 }
        );
        assert_eq!(
            n(1, &[1, 2], &[0], &f, &t, &sinks([1, 3])).unwrap_err(),
            Error::NodeChildOutOfRange { node: 0 }
        );
        assert_eq!(
            n(1, &[1, 2], &[0], &[0; 4], &t, &sinks([1, 2])).unwrap_err(),
            Error::NodeTablesLengthMismatch
        );
        // Fewer entries than classes: no room for the sinks.
        assert_eq!(
            n(1, &[1, 2], &[0], &[0], &[0.0], &[[1, 1]]).unwrap_err(),
            Error::NodeTablesLengthMismatch
        );
        // A sink that is not a self-loop, reads no feature, or is NaN.
        assert_eq!(
            n(1, &[1, 2], &[0], &f, &t, &[[1, 2], [2, 2], [2, 2]]).unwrap_err(),
            Error::SinkMalformed { class: 0 }
        );
        assert_eq!(
            n(1, &[1, 2], &[0], &[0, 0, 5], &t, &sinks([1, 2])).unwrap_err(),
            Error::SinkMalformed { class: 1 }
        );
        assert_eq!(
            n(1, &[1, 2], &[0], &f, &[0.0, f32::NAN, 0.0], &sinks([1, 2])).unwrap_err(),
            Error::SinkMalformed { class: 0 }
        );
        let labels = [0i64; 256];
        let mut wide = [[0u16; 2]; 257];
        wide[0] = [1, 2];
        for (c, entry) in wide.iter_mut().enumerate().skip(1) {
            *entry = [c as u16; 2];
        }
        let narrow: [[u8; 2]; 257] = core::array::from_fn(|i| wide[i].map(|v| v as u8));
        assert_eq!(
            n(1, &labels, &[0], &[0; 257], &[0.0; 257], &narrow).unwrap_err(),
            Error::ChildIndexTypeTooNarrow
        );
        assert!(Forest::<u8, u16>::new(1, &labels, &[0], &[0; 257], &[0.0; 257], &wide).is_ok());
    }

    #[test]
    fn typed_model_checks_sizes() {
        assert_eq!(
            Model::<u8, u8, 2, 2>::new(stumps()).unwrap_err(),
            Error::FeatureCountMismatch
        );
        assert_eq!(
            Model::<u8, u8, 1, 3>::new(stumps()).unwrap_err(),
            Error::ClassCountMismatch
        );
        let m = Model::<u8, u8, 1, 2>::new(stumps()).unwrap();
        assert_eq!(m.predict_proba(&[1.0]), [0.5, 0.5]);
        assert_eq!(m.predict_counting(&[1.0]), (0, 2));
        let mut out = [9; 3];
        assert_eq!(m.predict_batch(&[[0.0], [2.0]], &mut out), 2);
        assert_eq!(out, [0, 1, 9]);
    }
}
