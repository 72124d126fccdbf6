//! A seeded `make_classification`-style generator (after scikit-learn).
//!
//! Each class gets `clusters_per_class` Gaussian clusters centred on distinct
//! vertices of a hypercube of side `2 · class_sep` in the `informative`
//! dimensions; each cluster's points are standard normal draws (Box-Muller)
//! multiplied by a random matrix with entries uniform in [-1, 1) (so the
//! clusters are correlated ellipsoids) and shifted to the vertex. The
//! remaining features are standard normal noise. Rows are shuffled. Unlike
//! scikit-learn there are no redundant/repeated features and no label noise
//! (`flip_y = 0`). Everything is drawn from one [`SplitMix64`], so a seed
//! fixes the output bit for bit.

use crate::rng::SplitMix64;
use std::fmt::Write;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Rows.
    pub rows: usize,
    /// Features in total.
    pub features: usize,
    /// Informative features (the first `informative` columns).
    pub informative: usize,
    /// Classes, labelled `0..classes`.
    pub classes: usize,
    /// Gaussian clusters per class.
    pub clusters_per_class: usize,
    /// Half the side of the hypercube the clusters sit on.
    pub class_sep: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            rows: 100,
            features: 20,
            informative: 2,
            classes: 2,
            clusters_per_class: 1,
            class_sep: 1.0,
            seed: 0,
        }
    }
}

/// Why the parameters cannot be generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// Fewer than two classes.
    #[error("--classes must be at least 2, got {0}")]
    TooFewClasses(usize),
    /// No informative feature, or more than there are features.
    #[error("--informative must be between 1 and --features ({features}), got {informative}")]
    BadInformative {
        /// Informative features requested.
        informative: usize,
        /// Features requested.
        features: usize,
    },
    /// More clusters than hypercube vertices.
    #[error(
        "{clusters} clusters ({classes} classes × {per_class} per class) need more than \
         the 2^{informative} hypercube vertices of {informative} informative features"
    )]
    TooManyClusters {
        /// Total clusters.
        clusters: usize,
        /// Classes.
        classes: usize,
        /// Clusters per class.
        per_class: usize,
        /// Informative features.
        informative: usize,
    },
    /// Fewer rows than clusters.
    #[error("--rows {rows} is fewer than the {clusters} clusters (each needs a row)")]
    TooFewRows {
        /// Rows requested.
        rows: usize,
        /// Clusters.
        clusters: usize,
    },
}

/// A generated data set: `rows[i]` has `features` values, `labels[i]` is in
/// `0..classes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// Feature values.
    pub rows: Vec<Vec<f64>>,
    /// Labels.
    pub labels: Vec<i64>,
}

impl Synthetic {
    /// The data as CSV with header `x0,…,x{F-1},label`; values in Rust's
    /// shortest round-trip `f64` form.
    #[must_use]
    pub fn to_csv(&self) -> String {
        let features = self.rows.first().map_or(0, Vec::len);
        let mut out = String::new();
        for f in 0..features {
            let _ = write!(out, "x{f},");
        }
        out.push_str("label\n");
        for (row, label) in self.rows.iter().zip(&self.labels) {
            for v in row {
                let _ = write!(out, "{v},");
            }
            let _ = writeln!(out, "{label}");
        }
        out
    }
}

/// Generates a data set.
///
/// # Errors
///
/// A [`SynthError`] for impossible parameters.
pub fn generate(cfg: &SynthConfig) -> Result<Synthetic, SynthError> {
    if cfg.classes < 2 {
        return Err(SynthError::TooFewClasses(cfg.classes));
    }
    if cfg.informative == 0 || cfg.informative > cfg.features {
        return Err(SynthError::BadInformative {
            informative: cfg.informative,
            features: cfg.features,
        });
    }
    let per_class = cfg.clusters_per_class.max(1);
    let clusters = cfg.classes * per_class;
    let vertices = u32::try_from(cfg.informative)
        .ok()
        .and_then(|i| 1usize.checked_shl(i))
        .unwrap_or(usize::MAX);
    if clusters > vertices {
        return Err(SynthError::TooManyClusters {
            clusters,
            classes: cfg.classes,
            per_class,
            informative: cfg.informative,
        });
    }
    if cfg.rows < clusters {
        return Err(SynthError::TooFewRows {
            rows: cfg.rows,
            clusters,
        });
    }
    let mut rng = SplitMix64::new(cfg.seed);
    let inf = cfg.informative;
    // Distinct random vertices: draw until unseen (clusters ≤ vertices).
    let mut chosen: Vec<Vec<bool>> = Vec::with_capacity(clusters);
    while chosen.len() < clusters {
        let v: Vec<bool> = (0..inf).map(|_| rng.next_u64() & 1 == 1).collect();
        if !chosen.contains(&v) {
            chosen.push(v);
        }
    }
    let mut rows = Vec::with_capacity(cfg.rows);
    let mut labels = Vec::with_capacity(cfg.rows);
    for (k, vertex) in chosen.iter().enumerate() {
        // Spread rows over clusters, the first ones taking the remainder.
        let n = cfg.rows / clusters + usize::from(k < cfg.rows % clusters);
        let a: Vec<Vec<f64>> = (0..inf)
            .map(|_| (0..inf).map(|_| 2.0 * rng.next_f64() - 1.0).collect())
            .collect();
        let centre: Vec<f64> = vertex
            .iter()
            .map(|&b| if b { cfg.class_sep } else { -cfg.class_sep })
            .collect();
        for _ in 0..n {
            let z: Vec<f64> = (0..inf).map(|_| rng.normal()).collect();
            let mut row: Vec<f64> = (0..inf)
                .map(|j| centre[j] + (0..inf).map(|i| z[i] * a[i][j]).sum::<f64>())
                .collect();
            row.extend((inf..cfg.features).map(|_| rng.normal()));
            rows.push(row);
            labels.push((k % cfg.classes) as i64);
        }
    }
    let perm = rng.permutation(rows.len());
    Ok(Synthetic {
        rows: perm.iter().map(|&i| rows[i].clone()).collect(),
        labels: perm.iter().map(|&i| labels[i]).collect(),
    })
}
