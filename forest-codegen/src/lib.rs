//! Bakes `.forest` model artifacts into Rust source for `forest-core`.
//!
//! * [`artifact`]: the model format the trainer writes and this crate reads.
//! * [`Tables`]: a model lowered to branch-only tables (only decision nodes are
//!   stored; a child reference points at a node or carries a leaf's class),
//!   usable at run time through [`Tables::forest`].
//! * [`generate`]: pure `Model -> String` code generation, no IO.
//! * [`Builder`]: the `build.rs` front end (reads `FOREST_MODEL` or a given
//!   path, writes `$OUT_DIR/model.rs` only when it changed, prints the
//!   `cargo:rerun-if-…` lines).
//!
//! # Using it from `build.rs`
//!
//! ```no_run
//! // build.rs, in `fn main()`:
//! forest_codegen::Builder::new()
//!     .default_model("../models/seed.forest")
//!     .build()
//!     .unwrap_or_else(|e| panic!("{e}"));
//! ```
//!
//! and in the crate:
//!
//! ```ignore
//! #[allow(clippy::all)]
//! mod model {
//!     include!(concat!(env!("OUT_DIR"), "/model.rs"));
//! }
//! let class = model::MODEL.predict(&[0.1, -0.3, 1.2]);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod artifact;
pub mod chained;
pub mod packed;
pub mod sibling;

pub use chained::ChainedTables;
pub use packed::PackedTables;
pub use sibling::SiblingTables;

use artifact::{ArtifactError, Model, ModelError, Node, Tree};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why code could not be generated.
#[derive(Debug)]
#[non_exhaustive]
pub enum CodegenError {
    /// The artifact could not be read.
    Artifact {
        /// The artifact path.
        path: PathBuf,
        /// What was wrong with it.
        source: ArtifactError,
    },
    /// The model is invalid (names tree and node).
    Model(ModelError),
    /// The model is too large for 32-bit child references.
    TooLarge {
        /// Decision nodes in the model.
        nodes: usize,
        /// Classes in the model.
        classes: usize,
    },
    /// The lowered tables failed `forest-core`'s validation.
    Tables(forest_core::Error),
    /// The generated tokens did not parse (a generator bug).
    Syntax(String),
    /// Writing the output failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// No model was named: neither the environment variable nor a default.
    NoModel {
        /// The variable that was consulted.
        env_var: String,
    },
    /// A build-script environment variable is missing.
    MissingEnv(&'static str),
    /// The packed layout's fields do not fit its 16-bit word.
    PackedDoesNotFit {
        /// Features of the model.
        features: usize,
        /// Classes of the model.
        classes: usize,
    },
    /// The sibling layout cannot hold the model: more than 256 features or
    /// classes, or more leaf slots than [`forest_core::sibling::MAX_LEAF_SLOTS`].
    SiblingDoesNotFit {
        /// Features of the model.
        features: usize,
        /// Classes of the model.
        classes: usize,
        /// Leaf slots the model needs (0 if the features or classes do not fit).
        slots: usize,
    },
    /// The chained layout cannot hold the model: more than 256 features,
    /// or its entry index and the classes' vote counters do not fit 32 bits.
    ChainedDoesNotFit {
        /// Features of the model.
        features: usize,
        /// Classes of the model.
        classes: usize,
        /// Entries the tables need (a power of two).
        entries: usize,
    },
    /// `FOREST_LAYOUT` names no layout.
    UnknownLayout(String),
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Artifact { path, source } => {
                write!(f, "{}: {source}", path.display())
            }
            CodegenError::Model(e) => write!(f, "invalid model: {e}"),
            CodegenError::TooLarge { nodes, classes } => write!(
                f,
                "model too large: {nodes} decision nodes + {classes} classes exceed 32-bit references"
            ),
            CodegenError::Tables(e) => write!(f, "lowered tables are invalid: {e}"),
            CodegenError::Syntax(e) => write!(f, "generated code does not parse: {e}"),
            CodegenError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            CodegenError::NoModel { env_var } => write!(
                f,
                "no model to bake: set {env_var} to a .forest artifact or configure a default"
            ),
            CodegenError::PackedDoesNotFit { features, classes } => write!(
                f,
                "the packed layout cannot hold {features} features and {classes} classes \
                 in a 16-bit word (use the wide layout: FOREST_LAYOUT=wide)"
            ),
            CodegenError::SiblingDoesNotFit {
                features,
                classes,
                slots,
            } => write!(
                f,
                "the sibling layout cannot hold {features} features, {classes} classes and \
                 {slots} leaf slots (at most 256 each; use FOREST_LAYOUT=packed or wide)"
            ),
            CodegenError::ChainedDoesNotFit {
                features,
                classes,
                entries,
            } => write!(
                f,
                "the chained layout cannot hold {features} features (at most 256), or {entries} \
                 entries and the vote counters of {classes} classes in 32-bit references \
                 (use FOREST_LAYOUT=sibling or wide)"
            ),
            CodegenError::UnknownLayout(v) => write!(
                f,
                "FOREST_LAYOUT={v:?} names no table layout \
                 (use wide, packed, dense, sibling, chained or auto)"
            ),
            CodegenError::MissingEnv(var) => {
                write!(
                    f,
                    "environment variable {var} is not set (not running under cargo?)"
                )
            }
        }
    }
}

impl std::error::Error for CodegenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CodegenError::Artifact { source, .. } => Some(source),
            CodegenError::Model(e) => Some(e),
            CodegenError::Tables(e) => Some(e),
            CodegenError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A model lowered to branch-only tables with 32-bit indices.
///
/// Nodes are numbered tree by tree in depth-first pre-order, so every child
/// reference points forward; trees are laid out smallest first (by decision
/// nodes, stable), which keeps lockstep lanes busy and changes no vote. A
/// reference `r < n_nodes` is a node; otherwise `r - n_nodes` is the class of
/// a leaf. A subtree whose leaves all vote for one class is stored as that
/// leaf (the same vote on every path, so fewer nodes and shorter walks).
/// After the decision nodes, the per-node tables hold one *sink* per class
/// (entry `n_nodes + c`: feature 0, threshold 0, both children itself), so
/// a leaf reference is also an index the lockstep walker can step on.
#[derive(Debug, Clone, PartialEq)]
pub struct Tables {
    /// Features a row must have.
    pub n_features: usize,
    /// Original label of each class index.
    pub labels: Vec<i64>,
    /// Reference to each tree's root.
    pub roots: Vec<u32>,
    /// Feature index of each decision node, then of each sink.
    pub features: Vec<u32>,
    /// Threshold of each decision node, then of each sink.
    pub thresholds: Vec<f32>,
    /// `[true child (x <= threshold), false child (anything else, NaN
    /// included)]` of each decision node, then of each sink.
    pub children: Vec<[u32; 2]>,
}

impl Tables {
    /// Lowers a model to tables.
    ///
    /// # Errors
    ///
    /// [`CodegenError::Model`] for an invalid model, [`CodegenError::TooLarge`]
    /// when references do not fit 32 bits.
    pub fn from_model(model: &Model) -> Result<Tables, CodegenError> {
        model.validate().map_err(CodegenError::Model)?;
        let single: Vec<Vec<Option<u32>>> =
            model.trees.iter().map(|t| single_class(&t.nodes)).collect();
        // Splits with leaves of several classes: the nodes that are stored.
        let stored = |s: &Vec<Option<u32>>, tree: &Tree| {
            tree.nodes
                .iter()
                .zip(s)
                .filter(|(n, c)| matches!(n, Node::Split { .. }) && c.is_none())
                .count()
        };
        let sizes: Vec<usize> = single
            .iter()
            .zip(&model.trees)
            .map(|(s, t)| stored(s, t))
            .collect();
        let n_nodes: usize = sizes.iter().sum();
        let n_classes = model.n_classes();
        if n_nodes + n_classes > u32::MAX as usize {
            return Err(CodegenError::TooLarge {
                nodes: n_nodes,
                classes: n_classes,
            });
        }
        let mut t = Tables {
            n_features: model.n_features(),
            labels: model.class_labels.clone(),
            roots: Vec::with_capacity(model.trees.len()),
            features: Vec::with_capacity(n_nodes + n_classes),
            thresholds: Vec::with_capacity(n_nodes + n_classes),
            children: Vec::with_capacity(n_nodes + n_classes),
        };
        // Smallest trees first: the lockstep walker steps neighbouring trees
        // together, and trees of similar size have paths of similar length,
        // so fewer lanes idle at a leaf while a deep tree finishes. The order
        // of trees never changes a vote count.
        let mut order: Vec<usize> = (0..model.trees.len()).collect();
        order.sort_by_key(|&i| sizes[i]);
        for i in order {
            let root = t.lower(&model.trees[i].nodes, &single[i], n_nodes as u32);
            t.roots.push(root);
        }
        debug_assert_eq!(t.thresholds.len(), n_nodes);
        for class in 0..n_classes {
            let sink = (n_nodes + class) as u32;
            t.features.push(0);
            t.thresholds.push(0.0);
            t.children.push([sink, sink]);
        }
        Ok(t)
    }

    /// Lowers a tree in pre-order (a node of `single` class as that leaf);
    /// returns its root's reference. Iterative, so a degenerate deep tree
    /// cannot overflow the stack.
    fn lower(&mut self, nodes: &[Node], single: &[Option<u32>], n_nodes: u32) -> u32 {
        // (IR node, slot to patch with its reference: (table index, side))
        let mut stack: Vec<(usize, Option<(usize, usize)>)> = vec![(0, None)];
        let mut root = 0;
        while let Some((i, patch)) = stack.pop() {
            let reference = match (nodes[i], single[i]) {
                (_, Some(class)) | (Node::Leaf { class }, None) => n_nodes + class,
                (
                    Node::Split {
                        feature,
                        threshold,
                        left,
                        right,
                    },
                    None,
                ) => {
                    let index = self.thresholds.len();
                    self.features.push(feature);
                    self.thresholds.push(threshold);
                    self.children.push([0, 0]);
                    // Pop order is left subtree first: pre-order, left before right.
                    stack.push((right as usize, Some((index, 1))));
                    stack.push((left as usize, Some((index, 0))));
                    index as u32
                }
            };
            match patch {
                None => root = reference,
                Some((parent, side)) => self.children[parent][side] = reference,
            }
        }
        root
    }

    /// Number of decision nodes (the per-node tables also hold a sink per
    /// class after them).
    #[must_use]
    pub fn n_nodes(&self) -> usize {
        self.thresholds.len() - self.labels.len()
    }

    /// The tables as a validated run-time [`forest_core::Forest`].
    ///
    /// # Errors
    ///
    /// The first invariant `forest-core` finds broken (never for tables made
    /// by [`Tables::from_model`]).
    pub fn forest(&self) -> Result<forest_core::Forest<'_, u32, u32>, forest_core::Error> {
        forest_core::Forest::<u32, u32>::new(
            self.n_features,
            &self.labels,
            &self.roots,
            &self.features,
            &self.thresholds,
            &self.children,
        )
    }
}

/// For each node of a tree, the class every leaf under it votes for, if they
/// all vote alike. Children have higher indices than their parent (checked by
/// `Model::validate`), so one pass from the last node up sees children first.
pub(crate) fn single_class(nodes: &[Node]) -> Vec<Option<u32>> {
    let mut single = vec![None; nodes.len()];
    for (i, node) in nodes.iter().enumerate().rev() {
        single[i] = match *node {
            Node::Leaf { class } => Some(class),
            Node::Split { left, right, .. } => {
                match (single[left as usize], single[right as usize]) {
                    (Some(a), Some(b)) if a == b => Some(a),
                    _ => None,
                }
            }
        };
    }
    single
}

/// Levels of a tree whose children pairs the sibling-style layouts (sibling,
/// chained) store together: a block of 1 + 2 + 4 = 7 pairs, 14 entries (56
/// bytes of keys, within about one 64-byte cache line). On the big forest of
/// `cargo xtask bench` (tables bigger than the L2 cache) 3-level blocks
/// walked about 1.2× faster than breadth-first trees; 2 to 6 levels were
/// within a few percent of 3, single pairs in depth-first order slower.
const BLOCK_LEVELS: usize = 3;

/// The order in which a sibling-style layout places the children pairs of a
/// tree's decision nodes: breadth first within blocks of [`BLOCK_LEVELS`]
/// levels, the block below a block's last level placed depth first (the
/// next block is the most recently found one). A path through a deep tree
/// then reads one block (a cache line or two) per three steps instead of a
/// new line per step. Parents are placed before their children, so every
/// reference still points forward.
pub(crate) struct PairOrder<T> {
    level: std::collections::VecDeque<(T, usize)>,
    blocks: Vec<T>,
}

impl<T> PairOrder<T> {
    /// Starts a tree at its root.
    pub(crate) fn new(root: T) -> Self {
        PairOrder {
            level: std::collections::VecDeque::from([(root, 0)]),
            blocks: Vec::new(),
        }
    }

    /// The next node whose children pair to place, with its level in its
    /// block (to pass to [`PairOrder::push`] for its children).
    pub(crate) fn next(&mut self) -> Option<(T, usize)> {
        self.level
            .pop_front()
            .or_else(|| self.blocks.pop().map(|t| (t, 0)))
    }

    /// A decision child of a node of `level`, whose own pair comes later.
    pub(crate) fn push(&mut self, child: T, level: usize) {
        if level + 1 < BLOCK_LEVELS {
            self.level.push_back((child, level + 1));
        } else {
            self.blocks.push(child);
        }
    }
}

/// The integer width a table column is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Width {
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
}

impl Width {
    /// The narrowest width that holds every value up to `max`.
    #[must_use]
    pub fn for_max(max: usize) -> Width {
        if max <= u8::MAX as usize {
            Width::U8
        } else if max <= u16::MAX as usize {
            Width::U16
        } else {
            Width::U32
        }
    }

    /// Bytes per value.
    #[must_use]
    pub fn bytes(self) -> usize {
        match self {
            Width::U8 => 1,
            Width::U16 => 2,
            Width::U32 => 4,
        }
    }

    fn ident(self) -> proc_macro2::Ident {
        format_ident!(
            "{}",
            match self {
                Width::U8 => "u8",
                Width::U16 => "u16",
                Width::U32 => "u32",
            }
        )
    }

    fn literal(self, v: u32) -> Literal {
        match self {
            Width::U8 => Literal::u8_unsuffixed(v as u8),
            Width::U16 => Literal::u16_unsuffixed(v as u16),
            Width::U32 => Literal::u32_unsuffixed(v),
        }
    }
}

/// Sizes of the generated tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Width of feature indices.
    pub feature: Width,
    /// Width of child references and roots.
    pub child: Width,
    /// Decision nodes stored.
    pub nodes: usize,
    /// Sinks stored after them (one per class).
    pub sinks: usize,
    /// Trees.
    pub trees: usize,
}

impl Layout {
    /// Chooses index widths for the tables of a model.
    #[must_use]
    pub fn of(tables: &Tables) -> Layout {
        Layout {
            feature: Width::for_max(tables.n_features.saturating_sub(1)),
            child: Width::for_max(tables.n_nodes() + tables.labels.len() - 1),
            nodes: tables.n_nodes(),
            sinks: tables.labels.len(),
            trees: tables.roots.len(),
        }
    }

    /// Bytes of table data per decision node (threshold, feature, two children).
    #[must_use]
    pub fn bytes_per_node(&self) -> usize {
        4 + self.feature.bytes() + 2 * self.child.bytes()
    }

    /// Total bytes of table data (nodes, sinks and roots).
    #[must_use]
    pub fn table_bytes(&self) -> usize {
        (self.nodes + self.sinks) * self.bytes_per_node() + self.trees * self.child.bytes()
    }
}

/// Options of [`generate_with`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Path of the runtime crate in generated code (default `::forest_core`).
    pub runtime_path: String,
    /// Source named in the `@generated` header (default the model's name).
    pub source: Option<String>,
    /// Fingerprint of the artifact file the model was read from (default:
    /// the SHA-256 of the model's own encoding, which is the same bytes).
    pub fingerprint: Option<[u8; 32]>,
    /// The table layout to emit (default [`TableLayout::Wide`]).
    pub layout: TableLayout,
}

/// Which tables the generator emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableLayout {
    /// [`forest_core::Forest`] tables: `f32` thresholds, feature indices and
    /// both child references per node; walked eight trees in lockstep on
    /// 64-bit hosts. `static MODEL` is a [`forest_core::Model`].
    Wide,
    /// [`forest_core::Packed`] tables: a `u32` threshold key and a `u16` word
    /// per node, single-class subtrees folded; for small cores. `static
    /// MODEL` is a [`forest_core::PackedModel`].
    Packed,
    /// The packed layout's dense form ([`PackedTables::dense`]): the same
    /// `u32` keys, the words only as wide as the model needs and packed back
    /// to back, for the least flash; each step spends a few more
    /// instructions unpacking its word.
    Dense,
    /// [`forest_core::Sibling`] tables ([`SiblingTables`]): a `u32` key, a
    /// `u8` column and one offset per record, a node's two children side by
    /// side and leaves past the records, for the fewest instructions per
    /// step on a small core. `static MODEL` is a [`forest_core::SiblingModel`].
    Sibling,
    /// [`forest_core::Chained`] tables ([`ChainedTables`]): the sibling
    /// layout's records with the trees chained into lanes, every leaf a copy
    /// of the next tree's root, for the fastest host walk of a forest that
    /// fits the caches. `static MODEL` is a [`forest_core::ChainedModel`].
    Chained,
}

impl TableLayout {
    /// The layout's name as `FOREST_LAYOUT` spells it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            TableLayout::Wide => "wide",
            TableLayout::Packed => "packed",
            TableLayout::Dense => "dense",
            TableLayout::Sibling => "sibling",
            TableLayout::Chained => "chained",
        }
    }

    /// The layout for a `FOREST_LAYOUT` value (`wide`, `packed`, `dense`,
    /// `sibling`, `chained`, or
    /// `auto`/empty/unset for [`TableLayout::for_target`]) and the target's
    /// pointer width.
    ///
    /// # Errors
    ///
    /// [`CodegenError::UnknownLayout`] for any other value.
    pub fn choose(value: Option<&str>, pointer_width: Option<&str>) -> Result<Self, CodegenError> {
        match value.map(str::trim) {
            Some("wide") => Ok(TableLayout::Wide),
            Some("packed") => Ok(TableLayout::Packed),
            Some("dense") => Ok(TableLayout::Dense),
            Some("sibling") => Ok(TableLayout::Sibling),
            Some("chained") => Ok(TableLayout::Chained),
            None | Some("" | "auto") => Ok(TableLayout::for_target(pointer_width)),
            Some(other) => Err(CodegenError::UnknownLayout(other.to_owned())),
        }
    }

    /// The first choice for a target: packed below 64-bit pointers (a
    /// microcontroller walks one tree at a time and counts flash), chained
    /// on 64-bit hosts (no work between trees). `auto` in a [`Builder`]
    /// then falls back: a chained forest of more than
    /// [`forest_core::chained::AUTO_MAX_ENTRIES`] entries is baked sibling,
    /// and a model a layout cannot hold is baked in the next one (chained,
    /// sibling, wide; packed, wide).
    #[must_use]
    pub fn for_target(pointer_width: Option<&str>) -> Self {
        match pointer_width {
            Some("16" | "32") => TableLayout::Packed,
            _ => TableLayout::Chained,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runtime_path: "::forest_core".to_owned(),
            source: None,
            fingerprint: None,
            layout: TableLayout::Wide,
        }
    }
}

/// Generates the Rust source baking `model`, with default [`Options`].
///
/// # Errors
///
/// As [`generate_with`].
pub fn generate(model: &Model) -> Result<String, CodegenError> {
    generate_with(model, &Options::default())
}

/// The exact Rust source of an `f32` value (Debug prints the shortest
/// decimal that reads back to the same bits).
fn float_text(v: f32) -> String {
    if v == f32::INFINITY {
        "f32::INFINITY".to_owned()
    } else if v == f32::NEG_INFINITY {
        "f32::NEG_INFINITY".to_owned()
    } else {
        format!("{v:?}f32")
    }
}

/// A table's values as a Rust array expression, wrapped at 100 columns
/// (indented for a top-level item).
///
/// Large tables are written as text rather than tokens: building, parsing
/// and pretty-printing hundreds of thousands of literal tokens dominated the
/// build script of a big model (it runs unoptimised under `cargo build
/// --release`).
fn array_text(items: impl IntoIterator<Item = String>) -> String {
    let mut out = String::from("[");
    let mut line = 0;
    let mut empty = true;
    for item in items {
        if line == 0 || line + item.len() + 2 > 96 {
            out.push_str("\n    ");
            line = 4;
        } else {
            out.push(' ');
            line += 1;
        }
        line += item.len() + 1;
        out.push_str(&item);
        out.push(',');
        empty = false;
    }
    if !empty {
        out.push('\n');
    }
    out.push(']');
    out
}

/// Placeholder identifiers the tables' text replaces after pretty-printing.
fn placeholder(name: &str) -> proc_macro2::Ident {
    format_ident!("__forest_table_{}", name)
}

/// Generates the Rust source baking `model`: metadata consts, branch-only
/// `const` tables, a compile-time validated `static MODEL`, and an
/// `@generated` header naming the source and fingerprint.
///
/// The output has no inner attributes so it can be `include!`d into a module.
///
/// # Errors
///
/// [`CodegenError::Model`] (naming tree and node) for an invalid model;
/// [`CodegenError::TooLarge`]; [`CodegenError::Tables`] if lowering broke an
/// invariant; [`CodegenError::PackedDoesNotFit`],
/// [`CodegenError::SiblingDoesNotFit`] or [`CodegenError::ChainedDoesNotFit`]
/// when the layout asked for cannot hold the model; [`CodegenError::Syntax`]
/// for a generator bug.
pub fn generate_with(model: &Model, options: &Options) -> Result<String, CodegenError> {
    let bytes = model.to_bytes().map_err(|e| match e {
        ArtifactError::Invalid(m) => CodegenError::Model(m),
        other => CodegenError::Artifact {
            path: PathBuf::from(&model.name),
            source: other,
        },
    })?;
    let fingerprint = options
        .fingerprint
        .unwrap_or_else(|| artifact::fingerprint(&bytes));
    let rt: syn::Path = syn::parse_str(&options.runtime_path)
        .map_err(|e| CodegenError::Syntax(format!("runtime path: {e}")))?;
    let name = &model.name;
    let hex = artifact::hex(&fingerprint);
    let n_features = Literal::usize_unsuffixed(model.n_features());
    let n_classes = Literal::usize_unsuffixed(model.n_classes());
    let n_trees = Literal::usize_unsuffixed(model.trees.len());
    let n_decision_nodes = Literal::usize_unsuffixed(model.n_decision_nodes());
    let n_leaves = Literal::usize_unsuffixed(model.n_leaves());
    let max_depth = Literal::usize_unsuffixed(model.max_depth());
    let feature_names = &model.feature_names;
    let labels = model
        .class_labels
        .iter()
        .map(|&l| Literal::i64_unsuffixed(l));
    let fp_bytes = fingerprint.iter().map(|&b| Literal::u8_unsuffixed(b));
    let version = Literal::u32_unsuffixed(forest_core::TABLE_FORMAT_VERSION);
    let layout_name = options.layout.name();
    let (tables, texts) = match options.layout {
        TableLayout::Wide => wide_tokens(model, &rt)?,
        TableLayout::Packed => packed_tokens(PackedTables::from_model(model)?, &rt)?,
        TableLayout::Dense => packed_tokens(PackedTables::dense(model)?, &rt)?,
        TableLayout::Sibling => sibling_tokens(SiblingTables::from_model(model)?, &rt)?,
        TableLayout::Chained => chained_tokens(ChainedTables::from_model(model)?, &rt)?,
    };

    let tokens = quote! {
        /// Name of the baked model.
        pub const NAME: &str = #name;
        /// SHA-256 of the model artifact, lower-case hex: the model fingerprint.
        pub const FINGERPRINT: &str = #hex;
        /// SHA-256 of the model artifact.
        pub const FINGERPRINT_BYTES: [u8; 32] = [#(#fp_bytes),*];
        /// Features a row must have.
        pub const N_FEATURES: usize = #n_features;
        /// Classes the model predicts.
        pub const N_CLASSES: usize = #n_classes;
        /// Trees in the forest.
        pub const N_TREES: usize = #n_trees;
        /// Decision nodes of the trained model.
        pub const N_DECISION_NODES: usize = #n_decision_nodes;
        /// Leaves of the forest (folded into references, not stored).
        pub const N_LEAVES: usize = #n_leaves;
        /// Depth of the deepest tree.
        pub const MAX_DEPTH: usize = #max_depth;
        /// Name of each feature, in row order.
        pub const FEATURE_NAMES: [&str; N_FEATURES] = [#(#feature_names),*];
        /// Original label of each class index.
        pub const CLASS_LABELS: [i64; N_CLASSES] = [#(#labels),*];
        /// The table layout of this model (`wide`, `packed`, `dense`, `sibling`
        /// or `chained`).
        pub const LAYOUT: &str = #layout_name;
        const _: () = #rt::__codegen::check_format_version(#version);
        #tables
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| CodegenError::Syntax(e.to_string()))?;
    let mut code = prettyplease::unparse(&file);
    for (name, text) in texts {
        let name = name.to_string();
        if code.matches(&name).count() != 1 {
            return Err(CodegenError::Syntax(format!(
                "placeholder {name} not found once"
            )));
        }
        code = code.replacen(&name, &text, 1);
    }
    let source = options.source.clone().unwrap_or_else(|| model.name.clone());
    Ok(format!(
        "// @generated by forest-codegen {} from {} (sha256:{})\n{}",
        env!("CARGO_PKG_VERSION"),
        source,
        hex,
        code
    ))
}

/// Items with placeholders, and the text of each placeholder's table.
type TablesOut = (TokenStream, Vec<(proc_macro2::Ident, String)>);

/// The wide layout's tables and `static MODEL`.
fn wide_tokens(model: &Model, rt: &syn::Path) -> Result<TablesOut, CodegenError> {
    let tables = Tables::from_model(model)?;
    tables.forest().map_err(CodegenError::Tables)?;
    let layout = Layout::of(&tables);
    let fw = layout.feature.ident();
    let cw = layout.child.ident();
    let n_nodes = Literal::usize_unsuffixed(tables.n_nodes());
    let roots = tables.roots.iter().map(|&r| layout.child.literal(r));
    let texts = vec![
        (
            placeholder("features"),
            array_text(tables.features.iter().map(u32::to_string)),
        ),
        (
            placeholder("thresholds"),
            array_text(tables.thresholds.iter().map(|&t| float_text(t))),
        ),
        (
            placeholder("children"),
            array_text(tables.children.iter().map(|[t, f]| format!("[{t}, {f}]"))),
        ),
    ];
    let (features, thresholds, children) = (&texts[0].0, &texts[1].0, &texts[2].0);
    let fw_doc = format!(" Feature-index type of this model's tables (`{fw}`).");
    let cw_doc = format!(" Child-reference type of this model's tables (`{cw}`).");
    let items = quote! {
        /// Decision nodes stored in the tables (a sink per class follows them).
        pub const N_NODES: usize = #n_nodes;
        #[doc = #fw_doc]
        pub type FeatureIndex = #fw;
        #[doc = #cw_doc]
        pub type ChildRef = #cw;
        const ROOTS: [ChildRef; N_TREES] = [#(#roots),*];
        const FEATURES: [FeatureIndex; N_NODES + N_CLASSES] = #features;
        const THRESHOLDS: [f32; N_NODES + N_CLASSES] = #thresholds;
        const CHILDREN: [[ChildRef; 2]; N_NODES + N_CLASSES] = #children;
        /// The baked model, validated at compile time.
        pub static MODEL: #rt::Model<'static, FeatureIndex, ChildRef, N_FEATURES, N_CLASSES> =
            match #rt::Forest::<FeatureIndex, ChildRef>::new(
                N_FEATURES,
                &CLASS_LABELS,
                &ROOTS,
                &FEATURES,
                &THRESHOLDS,
                &CHILDREN,
            ) {
                Ok(forest) => match #rt::Model::new(forest) {
                    Ok(model) => model,
                    Err(_) => panic!("baked model: feature or class count does not match the tables"),
                },
                Err(_) => panic!("baked model: the forest tables are invalid"),
            };
    };
    Ok((items, texts))
}

/// The packed layout's tables (either form) and `static MODEL`.
fn packed_tokens(tables: PackedTables, rt: &syn::Path) -> Result<TablesOut, CodegenError> {
    tables.forest().map_err(CodegenError::Tables)?;
    let rw = tables.root_width();
    let rw_ident = rw.ident();
    let n_nodes = Literal::usize_unsuffixed(tables.n_nodes());
    let n_spacers = Literal::usize_unsuffixed(tables.spacers);
    let key_row = Literal::usize_unsuffixed(1 << tables.feature_bits);
    let feature_bits = Literal::u32_unsuffixed(tables.feature_bits);
    let roots = tables.roots.iter().map(|&r| rw.literal(r));
    let words_text = if tables.dense {
        array_text(tables.word_bytes.iter().map(|b| format!("{b:#04x}")))
    } else {
        array_text(tables.words.iter().map(|w| format!("{w:#06x}")))
    };
    let texts = vec![
        (placeholder("words"), words_text),
        (
            placeholder("keys"),
            array_text(tables.keys.iter().map(|k| format!("{k:#010x}"))),
        ),
    ];
    let (words, keys) = (&texts[0].0, &texts[1].0);
    let rw_doc = format!(" Root-reference type of this model's tables (`{rw_ident}`).");
    let (word_items, constructor) = if tables.dense {
        let word_bits = Literal::u32_unsuffixed(tables.word_bits);
        let n_bytes = Literal::usize_unsuffixed(tables.word_bytes.len());
        (
            quote! {
                /// Bits per packed word (the dense form).
                pub const WORD_BITS: u32 = #word_bits;
                const WORD_BYTES: [u8; #n_bytes] = #words;
            },
            quote! {
                #rt::Packed::<RootRef>::new_dense(
                    N_FEATURES,
                    &CLASS_LABELS,
                    &ROOTS,
                    &WORD_BYTES,
                    WORD_BITS,
                    &KEYS,
                    #feature_bits,
                )
            },
        )
    } else {
        (
            quote! {
                const WORDS: [u16; N_NODES] = #words;
            },
            quote! {
                #rt::Packed::<RootRef>::new(
                    N_FEATURES,
                    &CLASS_LABELS,
                    &ROOTS,
                    &WORDS,
                    &KEYS,
                    #feature_bits,
                )
            },
        )
    };
    let items = quote! {
        /// Slots stored in the tables: decision nodes (single-class subtrees
        /// folded) and spacers.
        pub const N_NODES: usize = #n_nodes;
        /// Spacer slots (far offsets too long for a packed word).
        pub const N_SPACERS: usize = #n_spacers;
        /// Length of the key row a prediction keeps on the stack.
        pub const KEY_ROW: usize = #key_row;
        #[doc = #rw_doc]
        pub type RootRef = #rw_ident;
        const ROOTS: [RootRef; N_TREES] = [#(#roots),*];
        #word_items
        const KEYS: [u32; N_NODES] = #keys;
        /// The baked model, validated at compile time.
        pub static MODEL: #rt::PackedModel<'static, RootRef, N_FEATURES, N_CLASSES, KEY_ROW> =
            match #constructor {
                Ok(forest) => match #rt::PackedModel::new(forest) {
                    Ok(model) => model,
                    Err(_) => panic!("baked model: feature, class or key-row size does not match the tables"),
                },
                Err(_) => panic!("baked model: the packed tables are invalid"),
            };
    };
    Ok((items, texts))
}

/// A column type `width` values wide (an enum `ColumnN` up to 128, else
/// `u8`) and how a column value of it is written.
fn column_type(width: usize, rt: &syn::Path) -> (TokenStream, fn(u8) -> String) {
    if width <= 128 {
        let enum_ident = format_ident!("Column{width}");
        (quote!(#rt::sibling::#enum_ident), |c| {
            format!("ColumnType::C{c}")
        })
    } else {
        (quote!(u8), |c| c.to_string())
    }
}

/// The sibling layout's tables and `static MODEL`.
fn sibling_tokens(tables: SiblingTables, rt: &syn::Path) -> Result<TablesOut, CodegenError> {
    tables.forest().map_err(CodegenError::Tables)?;
    let rw = tables.ref_width();
    let rw_ident = rw.ident();
    let n_nodes = Literal::usize_unsuffixed(tables.n_nodes());
    let n_entries = Literal::usize_unsuffixed(tables.n_entries());
    let n_forwards = Literal::usize_unsuffixed(tables.forwards);
    let n_slots = Literal::usize_unsuffixed(tables.slots.len());
    let width = tables.column_width();
    let key_row = Literal::usize_unsuffixed(width);
    let (column_type, column_text) = column_type(width, rt);
    let tally = Literal::usize_unsuffixed(forest_core::sibling::tally_len(tables.slots.len()));
    let roots = tables.roots.iter().map(|&r| rw.literal(r));
    let slots = tables.slots.iter().map(|&c| Literal::u8_unsuffixed(c));
    let texts = vec![
        (
            placeholder("keys"),
            array_text(tables.keys.iter().map(|k| format!("{k:#010x}"))),
        ),
        (
            placeholder("columns"),
            array_text(tables.columns.iter().map(|&c| column_text(c))),
        ),
        (
            placeholder("deltas"),
            array_text(tables.deltas.iter().map(u32::to_string)),
        ),
    ];
    let (keys, columns, deltas) = (&texts[0].0, &texts[1].0, &texts[2].0);
    let rw_doc = format!(" Type of this model's root references and deltas (`{rw_ident}`).");
    let items = quote! {
        /// Records stored in the tables: decision nodes (single-class
        /// subtrees folded) and forwarding records.
        pub const N_NODES: usize = #n_nodes;
        /// Entries of the per-entry tables: the records, padding up to the
        /// first leaf reference, then a sink (a self-loop) per leaf slot.
        pub const N_ENTRIES: usize = #n_entries;
        /// Forwarding records (a leaf whose sibling is a node).
        pub const N_FORWARDS: usize = #n_forwards;
        /// Leaf slots (leaf references past the records).
        pub const N_LEAF_SLOTS: usize = #n_slots;
        /// Length of the key row a prediction keeps on the stack.
        pub const KEY_ROW: usize = #key_row;
        /// Length of the leaf-slot tally a prediction keeps on the stack.
        pub const TALLY: usize = #tally;
        #[doc = #rw_doc]
        pub type NodeRef = #rw_ident;
        /// Type of this model's columns: exactly `KEY_ROW` values.
        pub type ColumnType = #column_type;
        const ROOTS: [NodeRef; N_TREES] = [#(#roots),*];
        const KEYS: [u32; N_ENTRIES] = #keys;
        const COLUMNS: [ColumnType; N_ENTRIES] = #columns;
        const DELTAS: [NodeRef; N_ENTRIES] = #deltas;
        const LEAF_SLOTS: [u8; N_LEAF_SLOTS] = [#(#slots),*];
        /// The baked model, validated at compile time.
        pub static MODEL: #rt::SiblingModel<'static, NodeRef, ColumnType, N_FEATURES, N_CLASSES, KEY_ROW, TALLY> =
            match #rt::Sibling::<NodeRef, ColumnType>::new(
                N_FEATURES,
                &CLASS_LABELS,
                &ROOTS,
                &KEYS,
                &COLUMNS,
                &DELTAS,
                &LEAF_SLOTS,
            ) {
                Ok(forest) => match #rt::SiblingModel::new(forest) {
                    Ok(model) => model,
                    Err(_) => panic!("baked model: feature, class, key-row or tally size does not match the tables"),
                },
                Err(_) => panic!("baked model: the sibling tables are invalid"),
            };
    };
    Ok((items, texts))
}

/// The chained layout's tables and `static MODEL`.
fn chained_tokens(tables: ChainedTables, rt: &syn::Path) -> Result<TablesOut, CodegenError> {
    tables.forest().map_err(CodegenError::Tables)?;
    let n_entries = Literal::usize_unsuffixed(tables.n_entries());
    let n_nodes = Literal::usize_unsuffixed(tables.stored);
    let n_decision_entries = Literal::usize_unsuffixed(tables.decision_entries());
    let lanes = Literal::usize_unsuffixed(tables.starts.len());
    let vote_bits = Literal::u32_unsuffixed(tables.vote_bits);
    let width = tables.column_width();
    let key_row = Literal::usize_unsuffixed(width);
    let (column_type, column_text) = column_type(width, rt);
    let starts = tables.starts.iter().map(|&s| Literal::u32_unsuffixed(s));
    let texts = vec![
        (
            placeholder("records"),
            array_text(tables.records.iter().map(|r| format!("{r:#018x}"))),
        ),
        (
            placeholder("columns"),
            array_text(tables.columns.iter().map(|&c| column_text(c))),
        ),
    ];
    let (records, columns) = (&texts[0].0, &texts[1].0);
    let items = quote! {
        /// Entries of the per-entry tables (a power of two): the lane starts,
        /// decision records and continuations, padding, and the terminal.
        pub const N_ENTRIES: usize = #n_entries;
        /// Entries stored before the padding: the lane starts, the decision
        /// nodes' records and the leaves' continuations.
        pub const N_NODES: usize = #n_nodes;
        /// Entries that make a decision: decision nodes (single-class
        /// subtrees folded), and the copies of a root at every leaf of the
        /// tree before it in its lane.
        pub const N_DECISION_ENTRIES: usize = #n_decision_entries;
        /// Lanes the trees are chained into.
        pub const LANES: usize = #lanes;
        /// Bits of each class's vote counter in a reference.
        pub const VOTE_BITS: u32 = #vote_bits;
        /// Length of the key row a prediction keeps on the stack.
        pub const KEY_ROW: usize = #key_row;
        /// Type of this model's columns: exactly `KEY_ROW` values.
        pub type ColumnType = #column_type;
        const STARTS: [u32; LANES] = [#(#starts),*];
        /// Per entry: `key << 32 | delta`, the key `key(threshold) + 1` (0
        /// for an entry that only moves on), the delta the offset of the false
        /// child (the true child one further) plus the votes above the index.
        const RECORDS: [u64; N_ENTRIES] = #records;
        const COLUMNS: [ColumnType; N_ENTRIES] = #columns;
        /// The baked model, validated at compile time.
        pub static MODEL: #rt::ChainedModel<'static, ColumnType, N_FEATURES, N_CLASSES, KEY_ROW> =
            match #rt::Chained::<ColumnType>::new(
                N_FEATURES,
                &CLASS_LABELS,
                N_TREES,
                &STARTS,
                &RECORDS,
                &COLUMNS,
                VOTE_BITS,
            ) {
                Ok(forest) => match #rt::ChainedModel::new(forest) {
                    Ok(model) => model,
                    Err(_) => panic!("baked model: feature, class or key-row size does not match the tables"),
                },
                Err(_) => panic!("baked model: the chained tables are invalid"),
            };
    };
    Ok((items, texts))
}

/// Writes `contents` to `path` unless the file already holds exactly that,
/// so an unchanged model does not trigger rebuilds. Returns whether it wrote.
///
/// # Errors
///
/// [`CodegenError::Io`] naming the path.
pub fn write_if_changed(path: &Path, contents: &str) -> Result<bool, CodegenError> {
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(false);
    }
    write_atomically(path, contents.as_bytes()).map_err(|source| CodegenError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(true)
}

/// Writes a file through a temporary sibling and a rename: readers see the
/// old file or the new one, never half of one, and a failure leaves nothing.
///
/// # Errors
///
/// Any IO error; the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("path has no file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The `build.rs` front end: finds the artifact, generates, writes
/// `$OUT_DIR/<file_name>` when changed, and tells cargo when to rerun.
///
/// The model is, in order: the path in the environment variable (default
/// `FOREST_MODEL`) if set and non-empty, else [`Builder::model`], else
/// [`Builder::default_model`]. A relative path is looked up against the
/// consuming crate's directory and then each of its ancestors, so
/// `FOREST_MODEL=models/my.forest cargo build` works from the workspace root.
#[derive(Debug, Clone)]
pub struct Builder {
    env_var: String,
    model: Option<PathBuf>,
    default_model: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    file_name: String,
    layout: Option<TableLayout>,
    options: Options,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// What [`Builder::build`] produced.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The artifact that was baked.
    pub model_path: PathBuf,
    /// The file written.
    pub out_path: PathBuf,
    /// The model's fingerprint, hex.
    pub fingerprint: String,
    /// The wide layout's sizes (what [`TableLayout::Wide`] stores).
    pub layout: Layout,
    /// The table layout baked.
    pub table_layout: TableLayout,
    /// Whether the file changed.
    pub written: bool,
}

impl Builder {
    /// A builder reading `FOREST_MODEL` and writing `$OUT_DIR/model.rs`.
    #[must_use]
    pub fn new() -> Builder {
        Builder {
            env_var: "FOREST_MODEL".to_owned(),
            model: None,
            default_model: None,
            out_dir: None,
            file_name: "model.rs".to_owned(),
            layout: None,
            options: Options::default(),
        }
    }

    /// The environment variable naming the artifact (default `FOREST_MODEL`).
    pub fn env_var(&mut self, name: impl Into<String>) -> &mut Self {
        self.env_var = name.into();
        self
    }

    /// An explicit artifact, used when the environment variable is unset.
    pub fn model(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.model = Some(path.into());
        self
    }

    /// The artifact to use when nothing else names one.
    pub fn default_model(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.default_model = Some(path.into());
        self
    }

    /// Output directory (default `$OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Output file name (default `model.rs`).
    pub fn file_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.file_name = name.into();
        self
    }

    /// Bakes this layout whatever `FOREST_LAYOUT` says. Without it the
    /// layout is `FOREST_LAYOUT` (`wide`, `packed`, `dense`, `sibling`,
    /// `chained` or `auto`), and `auto` (or unset) means packed on targets
    /// below 64-bit pointers, and on 64-bit ones chained for a forest of at
    /// most [`forest_core::chained::AUTO_MAX_ENTRIES`] entries, else
    /// sibling; wide for a model the chosen layout cannot hold.
    pub fn layout(&mut self, layout: TableLayout) -> &mut Self {
        self.layout = Some(layout);
        self
    }

    /// Path of the runtime crate in generated code (default `::forest_core`).
    pub fn runtime_path(&mut self, path: impl Into<String>) -> &mut Self {
        self.options.runtime_path = path.into();
        self
    }

    /// Resolves which artifact to bake (see the type's documentation).
    ///
    /// # Errors
    ///
    /// [`CodegenError::NoModel`] when nothing names a model.
    pub fn resolve_model(&self) -> Result<PathBuf, CodegenError> {
        let from_env = std::env::var_os(&self.env_var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let chosen = from_env
            .or_else(|| self.model.clone())
            .or_else(|| self.default_model.clone())
            .ok_or_else(|| CodegenError::NoModel {
                env_var: self.env_var.clone(),
            })?;
        if chosen.is_absolute() {
            return Ok(chosen);
        }
        let base = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        Ok(base
            .ancestors()
            .map(|dir| dir.join(&chosen))
            .find(|candidate| candidate.exists())
            .unwrap_or_else(|| base.join(&chosen)))
    }

    /// Generates and writes the model source, printing `cargo:rerun-if-…`
    /// lines for the artifact and the environment variable.
    ///
    /// # Errors
    ///
    /// Any [`CodegenError`]; nothing is written on error.
    pub fn build(&self) -> Result<Generated, CodegenError> {
        println!("cargo:rerun-if-env-changed={}", self.env_var);
        println!("cargo:rerun-if-env-changed=FOREST_LAYOUT");
        let model_path = self.resolve_model()?;
        println!("cargo:rerun-if-changed={}", model_path.display());
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(CodegenError::MissingEnv("OUT_DIR"))?,
        };
        let layout = match self.layout {
            Some(layout) => Some(layout),
            None => match std::env::var("FOREST_LAYOUT")
                .ok()
                .as_deref()
                .map(str::trim)
            {
                None | Some("" | "auto") => None,
                Some(value) => Some(TableLayout::choose(Some(value), None)?),
            },
        };
        let pointer_width = std::env::var("CARGO_CFG_TARGET_POINTER_WIDTH").ok();
        self.build_inner(
            &model_path,
            &out_dir.join(&self.file_name),
            layout,
            pointer_width.as_deref(),
        )
    }

    /// Generates from `model_path` into `out_path` (no environment lookups:
    /// the layout is [`Builder::layout`]'s, else `auto` for a 64-bit host:
    /// chained, sibling for a bigger forest, or wide for a model neither
    /// can hold).
    ///
    /// # Errors
    ///
    /// Any [`CodegenError`]; nothing is written on error.
    pub fn build_to(&self, model_path: &Path, out_path: &Path) -> Result<Generated, CodegenError> {
        self.build_inner(model_path, out_path, self.layout, None)
    }

    /// `layout` `None` is `auto` for a target of `pointer_width`.
    fn build_inner(
        &self,
        model_path: &Path,
        out_path: &Path,
        layout: Option<TableLayout>,
        pointer_width: Option<&str>,
    ) -> Result<Generated, CodegenError> {
        let (model, fingerprint) =
            Model::read(model_path).map_err(|source| CodegenError::Artifact {
                path: model_path.to_owned(),
                source,
            })?;
        let mut options = self.options.clone();
        options.source = Some(
            model_path
                .file_name()
                .map_or_else(|| model.name.clone(), |n| n.to_string_lossy().into_owned()),
        );
        options.fingerprint = Some(fingerprint);
        options.layout = layout.unwrap_or_else(|| TableLayout::for_target(pointer_width));
        let auto = layout.is_none();
        if auto
            && options.layout == TableLayout::Chained
            && ChainedTables::entries_for(&model) > forest_core::chained::AUTO_MAX_ENTRIES
        {
            options.layout = TableLayout::Sibling;
        }
        let code = loop {
            match generate_with(&model, &options) {
                // `auto` falls back, for a model a layout cannot hold, from
                // chained to sibling and from sibling or packed to wide.
                Err(
                    CodegenError::ChainedDoesNotFit { .. }
                    | CodegenError::PackedDoesNotFit { .. }
                    | CodegenError::SiblingDoesNotFit { .. },
                ) if auto && options.layout != TableLayout::Wide => {
                    options.layout = match options.layout {
                        TableLayout::Chained => TableLayout::Sibling,
                        _ => TableLayout::Wide,
                    };
                }
                other => break other?,
            }
        };
        let table_layout = options.layout;
        let layout = Layout::of(&Tables::from_model(&model)?);
        let written = write_if_changed(out_path, &code)?;
        Ok(Generated {
            model_path: model_path.to_owned(),
            out_path: out_path.to_owned(),
            fingerprint: artifact::hex(&fingerprint),
            layout,
            table_layout,
            written,
        })
    }
}
