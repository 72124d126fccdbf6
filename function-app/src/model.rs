//! The served model: a baked forest behind a small object-safe trait, so the
//! router can serve the default model or any test fixture.

use forest_core::sibling::Column;
use forest_core::{Chained, Forest, Index, Sibling};
use std::fmt;

#[allow(clippy::all, dead_code)]
mod baked {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}

/// A forest the app can predict with, whatever its index types.
///
/// Implemented for every [`forest_core::Forest`], [`forest_core::Sibling`]
/// and [`forest_core::Chained`] over `'static` tables: the generator's host
/// layouts.
pub trait Predict: Send + Sync {
    /// Features a row must have.
    fn n_features(&self) -> usize;
    /// Classes the forest votes for.
    fn n_classes(&self) -> usize;
    /// Trees in the forest.
    fn n_trees(&self) -> usize;
    /// Counts each tree's vote for `x` into `votes` (one slot per class).
    ///
    /// # Errors
    ///
    /// As [`forest_core::Forest::votes_into`]: a row or vote buffer of the
    /// wrong length.
    fn votes_into(&self, x: &[f32], votes: &mut [u32]) -> Result<(), forest_core::Error>;
    /// Predicts the class index of `x`, leaving the vote counts in `votes`.
    ///
    /// # Errors
    ///
    /// As [`forest_core::Forest::predict_into`].
    fn predict_into(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, forest_core::Error>;
}

impl<F, C> Predict for Forest<'static, F, C>
where
    F: Index + Send + Sync,
    C: Index + Send + Sync,
{
    fn n_features(&self) -> usize {
        Forest::n_features(self)
    }
    fn n_classes(&self) -> usize {
        Forest::n_classes(self)
    }
    fn n_trees(&self) -> usize {
        Forest::n_trees(self)
    }
    fn votes_into(&self, x: &[f32], votes: &mut [u32]) -> Result<(), forest_core::Error> {
        Forest::votes_into(self, x, votes)
    }
    fn predict_into(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, forest_core::Error> {
        Forest::predict_into(self, x, votes)
    }
}

impl<R, C> Predict for Sibling<'static, R, C>
where
    R: Index + Send + Sync,
    C: Column + Send + Sync,
{
    fn n_features(&self) -> usize {
        Sibling::n_features(self)
    }
    fn n_classes(&self) -> usize {
        Sibling::n_classes(self)
    }
    fn n_trees(&self) -> usize {
        Sibling::n_trees(self)
    }
    fn votes_into(&self, x: &[f32], votes: &mut [u32]) -> Result<(), forest_core::Error> {
        Sibling::votes_into(self, x, votes)
    }
    fn predict_into(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, forest_core::Error> {
        Sibling::predict_into(self, x, votes)
    }
}

impl<C> Predict for Chained<'static, C>
where
    C: Column + Send + Sync,
{
    fn n_features(&self) -> usize {
        Chained::n_features(self)
    }
    fn n_classes(&self) -> usize {
        Chained::n_classes(self)
    }
    fn n_trees(&self) -> usize {
        Chained::n_trees(self)
    }
    fn votes_into(&self, x: &[f32], votes: &mut [u32]) -> Result<(), forest_core::Error> {
        Chained::votes_into(self, x, votes)
    }
    fn predict_into(&self, x: &[f32], votes: &mut [u32]) -> Result<usize, forest_core::Error> {
        Chained::predict_into(self, x, votes)
    }
}

/// A baked model and everything the app says about it.
#[derive(Clone, Copy)]
pub struct ServedModel {
    /// Model name from the artifact.
    pub name: &'static str,
    /// SHA-256 of the artifact, lower-case hex.
    pub fingerprint: &'static str,
    /// Feature names, in row order.
    pub feature_names: &'static [&'static str],
    /// Original label of each class index.
    pub class_labels: &'static [i64],
    /// The artifact's evaluation metrics, as JSON text.
    pub metrics_json: &'static str,
    /// Decision nodes of the trained model (whatever the layout stores).
    pub decision_nodes: usize,
    /// The table layout baked (`chained`, `sibling`, `wide`, ...).
    pub layout: &'static str,
    /// The tables.
    pub forest: &'static dyn Predict,
}

impl fmt::Debug for ServedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServedModel")
            .field("name", &self.name)
            .field("fingerprint", &self.fingerprint)
            .field("feature_names", &self.feature_names)
            .field("class_labels", &self.class_labels)
            .field("n_trees", &self.forest.n_trees())
            .field("decision_nodes", &self.decision_nodes)
            .field("layout", &self.layout)
            .finish()
    }
}

impl ServedModel {
    /// The model baked at build time (`FOREST_MODEL`, default
    /// `models/seed.forest`).
    #[must_use]
    pub fn baked() -> ServedModel {
        ServedModel {
            name: baked::NAME,
            fingerprint: baked::FINGERPRINT,
            feature_names: &baked::FEATURE_NAMES,
            class_labels: &baked::CLASS_LABELS,
            metrics_json: include_str!(concat!(env!("OUT_DIR"), "/model_metrics.json")),
            decision_nodes: baked::N_DECISION_NODES,
            layout: baked::LAYOUT,
            forest: baked::MODEL.forest(),
        }
    }
}

/// Test fixtures baked next to the served model; not part of the API.
#[doc(hidden)]
pub mod fixtures {
    use super::ServedModel;

    #[allow(clippy::all, dead_code)]
    mod tutorial {
        include!(concat!(env!("OUT_DIR"), "/tutorial_model.rs"));
    }

    /// The tutorial's model: trained on `[[1,2,3],[11,12,13]]` → `[0, 1]`
    /// (`tests/fixtures/tutorial.forest`).
    #[must_use]
    pub fn tutorial() -> ServedModel {
        ServedModel {
            name: tutorial::NAME,
            fingerprint: tutorial::FINGERPRINT,
            feature_names: &tutorial::FEATURE_NAMES,
            class_labels: &tutorial::CLASS_LABELS,
            metrics_json: include_str!(concat!(env!("OUT_DIR"), "/tutorial_metrics.json")),
            decision_nodes: tutorial::N_DECISION_NODES,
            layout: tutorial::LAYOUT,
            forest: tutorial::MODEL.forest(),
        }
    }
}
