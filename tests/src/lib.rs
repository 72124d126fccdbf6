//! Baked fixtures for the cross-crate tests (see `build.rs`).

/// A hand-made forest with extreme thresholds (see `build.rs`).
#[allow(clippy::all, missing_docs)]
pub mod edge {
    include!(concat!(env!("OUT_DIR"), "/edge.rs"));
}
