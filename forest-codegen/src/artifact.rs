//! The `.forest` model artifact: schema, reader, writer and validation.
//!
//! # File format
//!
//! ```text
//! offset  size  content
//! 0       8     magic  b"FOREST\0\x1a"
//! 8       2     format version, u16 little-endian (currently 1)
//! 10      4     body length N, u32 little-endian
//! 14      N     body: the postcard encoding of [`Model`]
//! 14+N    32    SHA-256 of the body
//! ```
//!
//! The checksum makes a flipped bit a refusal instead of a silently different
//! model. The *model fingerprint* is the SHA-256 of the whole file
//! ([`fingerprint`]). Encoding is deterministic: the same [`Model`] always
//! gives the same bytes, so the same data, parameters and seed give the same
//! fingerprint.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

/// The first eight bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"FOREST\0\x1a";
/// The artifact format version this crate reads and writes.
pub const FORMAT_VERSION: u16 = 1;
const HEADER_LEN: usize = 8 + 2 + 4;
const CHECKSUM_LEN: usize = 32;

/// A trained random forest and everything known about how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Short name of the model (e.g. the artifact's file stem).
    pub name: String,
    /// Name of each feature column, in the order a row must give them.
    pub feature_names: Vec<String>,
    /// Original label of each class index (ascending, as smartcore orders them).
    pub class_labels: Vec<i64>,
    /// How the model was trained.
    pub params: TrainParams,
    /// What it was trained and evaluated on.
    pub data: DataInfo,
    /// How well it did.
    pub metrics: Metrics,
    /// The trees.
    pub trees: Vec<Tree>,
}

/// Training parameters, as resolved (defaults filled in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    /// Number of trees.
    pub trees: u16,
    /// smartcore's `max_depth` (scikit-learn's `max_depth + 1`), if any.
    pub max_depth: Option<u16>,
    /// Minimum samples in a leaf.
    pub min_samples_leaf: u64,
    /// Minimum samples to split a node.
    pub min_samples_split: u64,
    /// Features tried per split, as resolved.
    pub mtry: u64,
    /// Seed of the forest.
    pub seed: u64,
    /// Split criterion (`gini`, `entropy`, `classification-error`).
    pub criterion: String,
    /// Folds of the cross-validation on the training rows (0 = none).
    pub cv_folds: u32,
    /// Fraction of rows held out and its seed, when the test set was split off.
    pub split: Option<SplitParams>,
    /// Name of the target column.
    pub target: String,
    /// The smartcore version that trained the trees.
    pub smartcore_version: String,
}

/// A held-out split drawn from the training file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitParams {
    /// Fraction of rows held out.
    pub test_fraction: f64,
    /// Seed of the shuffle.
    pub seed: u64,
}

/// Fingerprints and sizes of the data sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    /// SHA-256 of the training file's bytes.
    pub train_sha256: [u8; 32],
    /// Rows used for training.
    pub train_rows: u64,
    /// SHA-256 of the test file's bytes, when a separate test file was given.
    pub test_sha256: Option<[u8; 32]>,
    /// Rows held out for evaluation.
    pub test_rows: u64,
    /// Feature columns dropped before training because they were constant.
    pub dropped_features: Vec<String>,
}

/// Evaluation results stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Metrics {
    /// The shipped model measured on the held-out rows.
    pub holdout: Option<Holdout>,
    /// k-fold cross-validation on the training rows.
    pub cv: Option<CrossValidation>,
    /// Per-feature importance, one entry per feature (dropped ones get zeros).
    pub importance: Vec<FeatureImportance>,
}

/// Held-out evaluation of the shipped model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holdout {
    /// Fraction of held-out rows predicted correctly.
    pub accuracy: f64,
    /// Rows predicted correctly.
    pub correct: u64,
    /// Rows evaluated.
    pub rows: u64,
    /// `confusion[true][predicted]` counts, by class index.
    pub confusion: Vec<Vec<u64>>,
    /// Precision, recall, F1 and support per class index.
    pub per_class: Vec<ClassScores>,
}

/// Per-class scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// Precision (0 when nothing was predicted as this class).
    pub precision: f64,
    /// Recall (0 when the class has no rows).
    pub recall: f64,
    /// F1 (0 when precision + recall is 0).
    pub f1: f64,
    /// Held-out rows of this class.
    pub support: u64,
}

/// k-fold cross-validation scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    /// Number of folds.
    pub folds: u32,
    /// Accuracy of each fold.
    pub scores: Vec<f64>,
    /// Mean accuracy.
    pub mean: f64,
    /// Standard deviation of the fold accuracies.
    pub std: f64,
}

/// How much a feature is used by the forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportance {
    /// Decision nodes splitting on this feature.
    pub splits: u64,
    /// Mean impurity decrease, weighted by node samples, normalised to sum 1.
    pub mean_impurity_decrease: f64,
}

/// One decision tree; `nodes[0]` is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// The nodes; children always have a higher index than their parent.
    pub nodes: Vec<Node>,
}

/// A tree node.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Node {
    /// A leaf voting for class index `class`.
    Leaf {
        /// Class index (into [`Model::class_labels`]).
        class: u32,
    },
    /// A decision: `x[feature] <= threshold` goes to `left`, anything else
    /// (including NaN) to `right`.
    Split {
        /// Feature index (into [`Model::feature_names`]).
        feature: u32,
        /// The threshold, compared inclusively.
        threshold: f32,
        /// Node index of the true child (`x <= threshold`).
        left: u32,
        /// Node index of the false child.
        right: u32,
    },
}

/// Why an artifact could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum ArtifactError {
    /// The file could not be read or written.
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// The file does not start with the forest magic: it is not a model artifact.
    BadMagic {
        /// The first bytes found.
        found: Vec<u8>,
    },
    /// The file was written by a newer (or unknown) format version.
    UnsupportedVersion {
        /// Version in the file.
        found: u16,
        /// Version this build reads.
        supported: u16,
    },
    /// The file ends before the header, body or checksum does.
    Truncated {
        /// Bytes needed.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// The file is longer than its header says.
    TrailingBytes {
        /// Bytes past the checksum.
        extra: usize,
    },
    /// The body's checksum does not match: the file is corrupt.
    ChecksumMismatch,
    /// The body does not decode as a model.
    BadBody(postcard::Error),
    /// The body decodes but describes an impossible model.
    Invalid(ModelError),
    /// The model is too large for the format (body over 4 GiB).
    TooLarge,
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArtifactError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ArtifactError::BadMagic { found } => write!(
                f,
                "not a forest model artifact (bad magic: expected {:02x?}, found {found:02x?})",
                MAGIC
            ),
            ArtifactError::UnsupportedVersion { found, supported } => write!(
                f,
                "unsupported artifact format version {found} (this build reads version {supported})"
            ),
            ArtifactError::Truncated { expected, found } => write!(
                f,
                "truncated artifact: expected {expected} bytes, found {found}"
            ),
            ArtifactError::TrailingBytes { extra } => {
                write!(
                    f,
                    "corrupt artifact: {extra} unexpected bytes after the checksum"
                )
            }
            ArtifactError::ChecksumMismatch => {
                f.write_str("corrupt artifact: body checksum does not match")
            }
            ArtifactError::BadBody(e) => write!(f, "corrupt artifact: body does not decode: {e}"),
            ArtifactError::Invalid(e) => write!(f, "invalid model in artifact: {e}"),
            ArtifactError::TooLarge => f.write_str("model too large for the artifact format"),
        }
    }
}

impl std::error::Error for ArtifactError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ArtifactError::Io { source, .. } => Some(source),
            ArtifactError::BadBody(e) => Some(e),
            ArtifactError::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

/// What makes a model impossible; each names the tree and node.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelError {
    /// No feature names.
    NoFeatures,
    /// Fewer than one class label.
    NoClasses,
    /// A class label appears twice.
    DuplicateClassLabel {
        /// The label.
        label: i64,
    },
    /// No trees.
    NoTrees,
    /// A tree has no nodes.
    EmptyTree {
        /// Tree index.
        tree: usize,
    },
    /// A node reads a feature that does not exist.
    FeatureOutOfRange {
        /// Tree index.
        tree: usize,
        /// Node index.
        node: usize,
        /// The feature index.
        feature: u32,
    },
    /// A leaf votes for a class that does not exist.
    ClassOutOfRange {
        /// Tree index.
        tree: usize,
        /// Node index.
        node: usize,
        /// The class index.
        class: u32,
    },
    /// A threshold is NaN.
    ThresholdNan {
        /// Tree index.
        tree: usize,
        /// Node index.
        node: usize,
    },
    /// A child is not a later node of the same tree.
    ChildOutOfRange {
        /// Tree index.
        tree: usize,
        /// Node index.
        node: usize,
        /// The child index.
        child: u32,
    },
    /// A node is the child of two parents (or of none, other than the root).
    NotATree {
        /// Tree index.
        tree: usize,
        /// Node index.
        node: usize,
    },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::NoFeatures => f.write_str("the model has no features"),
            ModelError::NoClasses => f.write_str("the model has no classes"),
            ModelError::DuplicateClassLabel { label } => {
                write!(f, "class label {label} appears twice")
            }
            ModelError::NoTrees => f.write_str("the model has no trees"),
            ModelError::EmptyTree { tree } => write!(f, "tree {tree} has no nodes"),
            ModelError::FeatureOutOfRange {
                tree,
                node,
                feature,
            } => write!(
                f,
                "tree {tree}, node {node}: feature index {feature} is out of range"
            ),
            ModelError::ClassOutOfRange { tree, node, class } => write!(
                f,
                "tree {tree}, node {node}: class index {class} is out of range"
            ),
            ModelError::ThresholdNan { tree, node } => {
                write!(f, "tree {tree}, node {node}: threshold is NaN")
            }
            ModelError::ChildOutOfRange { tree, node, child } => write!(
                f,
                "tree {tree}, node {node}: child {child} is not a later node of the tree"
            ),
            ModelError::NotATree { tree, node } => write!(
                f,
                "tree {tree}, node {node}: not exactly one parent (the nodes do not form a tree)"
            ),
        }
    }
}

impl std::error::Error for ModelError {}

impl Model {
    /// Number of features a row must have.
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Number of classes.
    #[must_use]
    pub fn n_classes(&self) -> usize {
        self.class_labels.len()
    }

    /// Number of decision nodes over all trees.
    #[must_use]
    pub fn n_decision_nodes(&self) -> usize {
        self.trees
            .iter()
            .flat_map(|t| &t.nodes)
            .filter(|n| matches!(n, Node::Split { .. }))
            .count()
    }

    /// Number of leaves over all trees.
    #[must_use]
    pub fn n_leaves(&self) -> usize {
        self.trees
            .iter()
            .flat_map(|t| &t.nodes)
            .filter(|n| matches!(n, Node::Leaf { .. }))
            .count()
    }

    /// Depth of the deepest tree (a single leaf has depth 0).
    #[must_use]
    pub fn max_depth(&self) -> usize {
        self.trees.iter().map(Tree::depth).max().unwrap_or(0)
    }

    /// Checks that the model describes real trees over its features and classes.
    ///
    /// # Errors
    ///
    /// The first [`ModelError`] found, naming tree and node.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.feature_names.is_empty() {
            return Err(ModelError::NoFeatures);
        }
        if self.class_labels.is_empty() {
            return Err(ModelError::NoClasses);
        }
        let mut labels = self.class_labels.clone();
        labels.sort_unstable();
        if let Some(w) = labels.windows(2).find(|w| w[0] == w[1]) {
            return Err(ModelError::DuplicateClassLabel { label: w[0] });
        }
        if self.trees.is_empty() {
            return Err(ModelError::NoTrees);
        }
        let n_features = self.n_features();
        let n_classes = self.n_classes();
        for (t, tree) in self.trees.iter().enumerate() {
            if tree.nodes.is_empty() {
                return Err(ModelError::EmptyTree { tree: t });
            }
            let mut parents = vec![0u8; tree.nodes.len()];
            for (i, node) in tree.nodes.iter().enumerate() {
                match *node {
                    Node::Leaf { class } => {
                        if class as usize >= n_classes {
                            return Err(ModelError::ClassOutOfRange {
                                tree: t,
                                node: i,
                                class,
                            });
                        }
                    }
                    Node::Split {
                        feature,
                        threshold,
                        left,
                        right,
                    } => {
                        if feature as usize >= n_features {
                            return Err(ModelError::FeatureOutOfRange {
                                tree: t,
                                node: i,
                                feature,
                            });
                        }
                        if threshold.is_nan() {
                            return Err(ModelError::ThresholdNan { tree: t, node: i });
                        }
                        for child in [left, right] {
                            let c = child as usize;
                            if c <= i || c >= tree.nodes.len() {
                                return Err(ModelError::ChildOutOfRange {
                                    tree: t,
                                    node: i,
                                    child,
                                });
                            }
                            parents[c] = parents[c].saturating_add(1);
                        }
                    }
                }
            }
            if let Some(node) = parents
                .iter()
                .enumerate()
                .skip(1)
                .find(|(_, p)| **p != 1)
                .map(|(n, _)| n)
            {
                return Err(ModelError::NotATree { tree: t, node });
            }
        }
        Ok(())
    }

    /// Encodes the model as artifact bytes (header, body, checksum).
    ///
    /// # Errors
    ///
    /// [`ArtifactError::Invalid`] for a model that fails [`Model::validate`];
    /// [`ArtifactError::TooLarge`] past 4 GiB.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ArtifactError> {
        self.validate().map_err(ArtifactError::Invalid)?;
        let body = postcard::to_stdvec(self).map_err(ArtifactError::BadBody)?;
        let len = u32::try_from(body.len()).map_err(|_| ArtifactError::TooLarge)?;
        let mut out = Vec::with_capacity(HEADER_LEN + body.len() + CHECKSUM_LEN);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(&Sha256::digest(&body));
        Ok(out)
    }

    /// Decodes artifact bytes, checking magic, version, length, checksum and
    /// the model itself.
    ///
    /// # Errors
    ///
    /// An [`ArtifactError`] that says which check failed.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ArtifactError> {
        let magic_len = bytes.len().min(MAGIC.len());
        if bytes[..magic_len] != MAGIC[..magic_len] {
            return Err(ArtifactError::BadMagic {
                found: bytes[..magic_len].to_vec(),
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(ArtifactError::Truncated {
                expected: HEADER_LEN,
                found: bytes.len(),
            });
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != FORMAT_VERSION {
            return Err(ArtifactError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let body_len = u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize;
        let expected = HEADER_LEN + body_len + CHECKSUM_LEN;
        if bytes.len() < expected {
            return Err(ArtifactError::Truncated {
                expected,
                found: bytes.len(),
            });
        }
        if bytes.len() > expected {
            return Err(ArtifactError::TrailingBytes {
                extra: bytes.len() - expected,
            });
        }
        let body = &bytes[HEADER_LEN..HEADER_LEN + body_len];
        if Sha256::digest(body).as_slice() != &bytes[HEADER_LEN + body_len..] {
            return Err(ArtifactError::ChecksumMismatch);
        }
        let (model, rest): (Model, &[u8]) =
            postcard::take_from_bytes(body).map_err(ArtifactError::BadBody)?;
        if !rest.is_empty() {
            return Err(ArtifactError::BadBody(
                postcard::Error::DeserializeBadEncoding,
            ));
        }
        model.validate().map_err(ArtifactError::Invalid)?;
        Ok(model)
    }

    /// Reads and decodes an artifact file.
    ///
    /// # Errors
    ///
    /// [`ArtifactError::Io`] naming the path, or any error of
    /// [`Model::from_bytes`].
    pub fn read(path: impl AsRef<Path>) -> Result<(Model, [u8; 32]), ArtifactError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| ArtifactError::Io {
            path: path.to_owned(),
            source,
        })?;
        let model = Model::from_bytes(&bytes)?;
        Ok((model, fingerprint(&bytes)))
    }

    /// Writes the artifact atomically (a temporary file renamed into place), so
    /// a failure never leaves a half-written model. Returns the fingerprint.
    ///
    /// # Errors
    ///
    /// Any error of [`Model::to_bytes`], or [`ArtifactError::Io`].
    pub fn write(&self, path: impl AsRef<Path>) -> Result<[u8; 32], ArtifactError> {
        let path = path.as_ref();
        let bytes = self.to_bytes()?;
        crate::write_atomically(path, &bytes).map_err(|source| ArtifactError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(fingerprint(&bytes))
    }

    /// The fingerprint the artifact of this model has.
    ///
    /// # Errors
    ///
    /// As [`Model::to_bytes`].
    pub fn fingerprint(&self) -> Result<[u8; 32], ArtifactError> {
        Ok(fingerprint(&self.to_bytes()?))
    }
}

impl Model {
    /// Reference interpreter over the IR: each tree's vote for `x`.
    ///
    /// Deliberately plain (one node at a time, straight from the IR) so that it
    /// can serve as the oracle the table walkers are tested against. Missing
    /// features read as NaN.
    #[must_use]
    pub fn reference_votes(&self, x: &[f32]) -> Vec<u32> {
        let mut votes = vec![0u32; self.n_classes()];
        for tree in &self.trees {
            let mut i = 0usize;
            let class = loop {
                match tree.nodes.get(i) {
                    Some(Node::Leaf { class }) => break Some(*class as usize),
                    Some(Node::Split {
                        feature,
                        threshold,
                        left,
                        right,
                    }) => {
                        let v = x.get(*feature as usize).copied().unwrap_or(f32::NAN);
                        // smartcore: `x as f64 <= split_value`, NaN fails.
                        i = if f64::from(v) <= f64::from(*threshold) {
                            *left as usize
                        } else {
                            *right as usize
                        };
                    }
                    None => break None,
                }
            };
            if let Some(slot) = class.and_then(|c| votes.get_mut(c)) {
                *slot += 1;
            }
        }
        votes
    }

    /// Reference prediction: the class index with the most votes, ties to the
    /// lowest index.
    #[must_use]
    pub fn reference_predict(&self, x: &[f32]) -> usize {
        let votes = self.reference_votes(x);
        let max = votes.iter().copied().max().unwrap_or(0);
        votes.iter().position(|&v| v == max).unwrap_or(0)
    }
}

impl Tree {
    /// Depth of the tree (edges on the longest root-to-leaf path).
    #[must_use]
    pub fn depth(&self) -> usize {
        // Children come after parents, so one forward pass suffices.
        let mut depth = vec![0usize; self.nodes.len()];
        let mut max = 0;
        for (i, node) in self.nodes.iter().enumerate() {
            max = max.max(depth[i]);
            if let Node::Split { left, right, .. } = *node {
                let next = depth[i] + 1;
                for c in [left, right] {
                    if let Some(d) = depth.get_mut(c as usize) {
                        *d = next;
                    }
                }
            }
        }
        max
    }
}

/// SHA-256 of artifact bytes: the model fingerprint.
#[must_use]
pub fn fingerprint(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Lower-case hex of a fingerprint.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
