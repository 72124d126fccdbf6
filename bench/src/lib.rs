//! Baked models for the benchmarks (see `build.rs`).

/// The tutorial model, `models/seed.forest`, in the wide layout.
#[allow(clippy::all, missing_docs)]
pub mod seed {
    include!(concat!(env!("OUT_DIR"), "/seed.rs"));
}

/// The tutorial model in the sibling layout.
#[allow(clippy::all, missing_docs)]
pub mod seed_sibling {
    include!(concat!(env!("OUT_DIR"), "/seed_sibling.rs"));
}

/// The tutorial model in the chained layout.
#[allow(clippy::all, missing_docs)]
pub mod seed_chained {
    include!(concat!(env!("OUT_DIR"), "/seed_chained.rs"));
}

/// The big forest (100,000 × 20 rows, 100 trees, max depth 13), when baked,
/// in the wide layout.
#[cfg(has_big)]
#[allow(clippy::all, missing_docs)]
pub mod big {
    include!(concat!(env!("OUT_DIR"), "/big.rs"));
}

/// The big forest in the sibling layout.
#[cfg(has_big)]
#[allow(clippy::all, missing_docs)]
pub mod big_sibling {
    include!(concat!(env!("OUT_DIR"), "/big_sibling.rs"));
}

/// The big forest in the chained layout.
#[cfg(has_big)]
#[allow(clippy::all, missing_docs)]
pub mod big_chained {
    include!(concat!(env!("OUT_DIR"), "/big_chained.rs"));
}
