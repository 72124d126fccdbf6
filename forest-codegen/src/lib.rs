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
/// nodes, stable), which keeps lockstep lanes busy and changes no vote. A reference `r < n_nodes` is a node; otherwise
/// `r - n_nodes` is the class of a leaf.
#[derive(Debug, Clone, PartialEq)]
pub struct Tables {
    /// Features a row must have.
    pub n_features: usize,
    /// Original label of each class index.
    pub labels: Vec<i64>,
    /// Reference to each tree's root.
    pub roots: Vec<u32>,
    /// Feature index of each decision node.
    pub features: Vec<u32>,
    /// Threshold of each decision node.
    pub thresholds: Vec<f32>,
    /// `[true child (x <= threshold), false child (anything else, NaN
    /// included)]` of each decision node.
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
        let n_nodes = model.n_decision_nodes();
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
            features: Vec::with_capacity(n_nodes),
            thresholds: Vec::with_capacity(n_nodes),
            children: Vec::with_capacity(n_nodes),
        };
        // Smallest trees first: the lockstep walker steps neighbouring trees
        // together, and trees of similar size have paths of similar length,
        // so fewer lanes idle at a leaf while a deep tree finishes. The order
        // of trees never changes a vote count.
        let mut order: Vec<&Tree> = model.trees.iter().collect();
        order.sort_by_key(|tree| {
            tree.nodes
                .iter()
                .filter(|n| matches!(n, Node::Split { .. }))
                .count()
        });
        for tree in order {
            let root = t.lower(&tree.nodes, 0, n_nodes as u32);
            t.roots.push(root);
        }
        debug_assert_eq!(t.thresholds.len(), n_nodes);
        Ok(t)
    }

    /// Lowers the subtree at `node` in pre-order; returns its reference.
    /// Iterative, so a degenerate deep tree cannot overflow the stack.
    fn lower(&mut self, nodes: &[Node], node: usize, n_nodes: u32) -> u32 {
        // (IR node, slot to patch with its reference: (table index, side))
        let mut stack: Vec<(usize, Option<(usize, usize)>)> = vec![(node, None)];
        let mut root = 0;
        while let Some((i, patch)) = stack.pop() {
            let reference = match nodes[i] {
                Node::Leaf { class } => n_nodes + class,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
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

    /// Number of decision nodes.
    #[must_use]
    pub fn n_nodes(&self) -> usize {
        self.thresholds.len()
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
            trees: tables.roots.len(),
        }
    }

    /// Bytes of table data per decision node (threshold, feature, two children).
    #[must_use]
    pub fn bytes_per_node(&self) -> usize {
        4 + self.feature.bytes() + 2 * self.child.bytes()
    }

    /// Total bytes of table data (nodes plus roots).
    #[must_use]
    pub fn table_bytes(&self) -> usize {
        self.nodes * self.bytes_per_node() + self.trees * self.child.bytes()
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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runtime_path: "::forest_core".to_owned(),
            source: None,
            fingerprint: None,
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

fn float_literal(v: f32) -> TokenStream {
    if v == f32::INFINITY {
        quote!(f32::INFINITY)
    } else if v == f32::NEG_INFINITY {
        quote!(f32::NEG_INFINITY)
    } else if v.is_sign_negative() {
        // A negative literal is `-` applied to a positive one; exact either way.
        let lit = Literal::f32_suffixed(-v);
        quote!(-#lit)
    } else {
        let lit = Literal::f32_suffixed(v);
        quote!(#lit)
    }
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
/// invariant; [`CodegenError::Syntax`] for a generator bug.
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
    let tables = Tables::from_model(model)?;
    tables.forest().map_err(CodegenError::Tables)?;
    let layout = Layout::of(&tables);

    let rt: syn::Path = syn::parse_str(&options.runtime_path)
        .map_err(|e| CodegenError::Syntax(format!("runtime path: {e}")))?;
    let fw = layout.feature.ident();
    let cw = layout.child.ident();
    let name = &model.name;
    let hex = artifact::hex(&fingerprint);
    let n_features = Literal::usize_unsuffixed(tables.n_features);
    let n_classes = Literal::usize_unsuffixed(tables.labels.len());
    let n_trees = Literal::usize_unsuffixed(tables.roots.len());
    let n_nodes = Literal::usize_unsuffixed(tables.n_nodes());
    let n_leaves = Literal::usize_unsuffixed(model.n_leaves());
    let max_depth = Literal::usize_unsuffixed(model.max_depth());
    let feature_names = &model.feature_names;
    let labels = tables.labels.iter().map(|&l| Literal::i64_unsuffixed(l));
    let fp_bytes = fingerprint.iter().map(|&b| Literal::u8_unsuffixed(b));
    let roots = tables.roots.iter().map(|&r| layout.child.literal(r));
    let features = tables.features.iter().map(|&f| layout.feature.literal(f));
    let thresholds = tables.thresholds.iter().map(|&t| float_literal(t));
    let children = tables.children.iter().map(|&[t, f]| {
        let (t, f) = (layout.child.literal(t), layout.child.literal(f));
        quote!([#t, #f])
    });
    let version = Literal::u32_unsuffixed(forest_core::TABLE_FORMAT_VERSION);
    let fw_doc = format!(" Feature-index type of this model's tables (`{fw}`).");
    let cw_doc = format!(" Child-reference type of this model's tables (`{cw}`).");

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
        /// Decision nodes stored in the tables.
        pub const N_NODES: usize = #n_nodes;
        /// Leaves of the forest (folded into child references, not stored).
        pub const N_LEAVES: usize = #n_leaves;
        /// Depth of the deepest tree.
        pub const MAX_DEPTH: usize = #max_depth;
        /// Name of each feature, in row order.
        pub const FEATURE_NAMES: [&str; N_FEATURES] = [#(#feature_names),*];
        /// Original label of each class index.
        pub const CLASS_LABELS: [i64; N_CLASSES] = [#(#labels),*];
        #[doc = #fw_doc]
        pub type FeatureIndex = #fw;
        #[doc = #cw_doc]
        pub type ChildRef = #cw;
        const _: () = #rt::__codegen::check_format_version(#version);
        const ROOTS: [ChildRef; N_TREES] = [#(#roots),*];
        const FEATURES: [FeatureIndex; N_NODES] = [#(#features),*];
        const THRESHOLDS: [f32; N_NODES] = [#(#thresholds),*];
        const CHILDREN: [[ChildRef; 2]; N_NODES] = [#(#children),*];
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
    let file: syn::File = syn::parse2(tokens).map_err(|e| CodegenError::Syntax(e.to_string()))?;
    let source = options.source.clone().unwrap_or_else(|| model.name.clone());
    Ok(format!(
        "// @generated by forest-codegen {} from {} (sha256:{})\n{}",
        env!("CARGO_PKG_VERSION"),
        source,
        hex,
        prettyplease::unparse(&file)
    ))
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
    /// The table layout chosen.
    pub layout: Layout,
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
        let model_path = self.resolve_model()?;
        println!("cargo:rerun-if-changed={}", model_path.display());
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(CodegenError::MissingEnv("OUT_DIR"))?,
        };
        self.build_to(&model_path, &out_dir.join(&self.file_name))
    }

    /// Generates from `model_path` into `out_path` (no environment lookups).
    ///
    /// # Errors
    ///
    /// Any [`CodegenError`]; nothing is written on error.
    pub fn build_to(&self, model_path: &Path, out_path: &Path) -> Result<Generated, CodegenError> {
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
        let code = generate_with(&model, &options)?;
        let layout = Layout::of(&Tables::from_model(&model)?);
        let written = write_if_changed(out_path, &code)?;
        Ok(Generated {
            model_path: model_path.to_owned(),
            out_path: out_path.to_owned(),
            fingerprint: artifact::hex(&fingerprint),
            layout,
            written,
        })
    }
}
