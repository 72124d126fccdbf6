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
