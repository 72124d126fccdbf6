//! Baked models for the benchmarks (see `build.rs`).

/// The tutorial model, `models/seed.forest`.
#[allow(clippy::all, missing_docs)]
pub mod seed {
    include!(concat!(env!("OUT_DIR"), "/seed.rs"));
}

/// The big forest (100,000 × 20 rows, 100 trees, max depth 13), when baked.
#[cfg(has_big)]
#[allow(clippy::all, missing_docs)]
pub mod big {
    include!(concat!(env!("OUT_DIR"), "/big.rs"));
}
