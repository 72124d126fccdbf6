//! Baked fixtures for the cross-crate tests (see `build.rs`).

/// A hand-made forest with extreme thresholds (see `build.rs`).
#[allow(clippy::all, missing_docs)]
pub mod edge {
    include!(concat!(env!("OUT_DIR"), "/edge.rs"));
}

/// The default model, `models/seed.forest`.
#[allow(clippy::all, missing_docs)]
pub mod seed {
    include!(concat!(env!("OUT_DIR"), "/seed.rs"));
}

/// Four trees on the seed data: an even forest whose votes tie.
#[allow(clippy::all, missing_docs)]
pub mod tie4 {
    include!(concat!(env!("OUT_DIR"), "/tie4.rs"));
}

/// Three classes, four features, ten trees.
#[allow(clippy::all, missing_docs)]
pub mod multi {
    include!(concat!(env!("OUT_DIR"), "/multi.rs"));
}

/// The edge forest in the packed layout.
#[allow(clippy::all, missing_docs)]
pub mod edge_packed {
    include!(concat!(env!("OUT_DIR"), "/edge_packed.rs"));
}

/// The default model in the packed layout.
#[allow(clippy::all, missing_docs)]
pub mod seed_packed {
    include!(concat!(env!("OUT_DIR"), "/seed_packed.rs"));
}

/// The four-tree fixture in the packed layout.
#[allow(clippy::all, missing_docs)]
pub mod tie4_packed {
    include!(concat!(env!("OUT_DIR"), "/tie4_packed.rs"));
}

/// The three-class fixture in the packed layout.
#[allow(clippy::all, missing_docs)]
pub mod multi_packed {
    include!(concat!(env!("OUT_DIR"), "/multi_packed.rs"));
}

/// The edge forest in the packed layout's dense form.
#[allow(clippy::all, missing_docs)]
pub mod edge_dense {
    include!(concat!(env!("OUT_DIR"), "/edge_dense.rs"));
}

/// The default model in the packed layout's dense form.
#[allow(clippy::all, missing_docs)]
pub mod seed_dense {
    include!(concat!(env!("OUT_DIR"), "/seed_dense.rs"));
}

/// The four-tree fixture in the packed layout's dense form.
#[allow(clippy::all, missing_docs)]
pub mod tie4_dense {
    include!(concat!(env!("OUT_DIR"), "/tie4_dense.rs"));
}

/// The three-class fixture in the packed layout's dense form.
#[allow(clippy::all, missing_docs)]
pub mod multi_dense {
    include!(concat!(env!("OUT_DIR"), "/multi_dense.rs"));
}

/// The edge forest in the sibling layout.
#[allow(clippy::all, missing_docs)]
pub mod edge_sibling {
    include!(concat!(env!("OUT_DIR"), "/edge_sibling.rs"));
}

/// The default model in the sibling layout.
#[allow(clippy::all, missing_docs)]
pub mod seed_sibling {
    include!(concat!(env!("OUT_DIR"), "/seed_sibling.rs"));
}

/// The four-tree fixture in the sibling layout.
#[allow(clippy::all, missing_docs)]
pub mod tie4_sibling {
    include!(concat!(env!("OUT_DIR"), "/tie4_sibling.rs"));
}

/// The three-class fixture in the sibling layout.
#[allow(clippy::all, missing_docs)]
pub mod multi_sibling {
    include!(concat!(env!("OUT_DIR"), "/multi_sibling.rs"));
}

/// The edge forest in the chained layout.
#[allow(clippy::all, missing_docs)]
pub mod edge_chained {
    include!(concat!(env!("OUT_DIR"), "/edge_chained.rs"));
}

/// The default model in the chained layout.
#[allow(clippy::all, missing_docs)]
pub mod seed_chained {
    include!(concat!(env!("OUT_DIR"), "/seed_chained.rs"));
}

/// The four-tree fixture in the chained layout.
#[allow(clippy::all, missing_docs)]
pub mod tie4_chained {
    include!(concat!(env!("OUT_DIR"), "/tie4_chained.rs"));
}

/// The three-class fixture in the chained layout.
#[allow(clippy::all, missing_docs)]
pub mod multi_chained {
    include!(concat!(env!("OUT_DIR"), "/multi_chained.rs"));
}
